"""Shipment units: ISO 6346 container numbers and transport documents, normalised once.

A declaration names the units its goods travel in: containers (``container_ids``,
``;``-separated), its own transport document (``transport_document``: bill of lading or
master air waybill) and the documents it refers to (``previous_document``: the bill of
lading of the leg that brought the goods, after restuffing into new containers). These are
what ties two declarations of the same goods together, across time and across reporting
countries, so they are normalised the same way wherever they are read:

- a container number is checked with ``python-stdnum``'s ISO 6346 module (owner code,
  category, serial and check digit): ``"msku 123456-5"`` becomes ``"MSKU1234565"``; a number
  whose check digit is wrong is not a container (it is a typo or a placeholder, and linking
  it would join unrelated goods), so it is left out and counted;
- a transport document is upper-cased with spaces, dashes, dots and slashes removed
  (``"618-1234 5675"`` and ``"6181234-5675"`` are one air waybill).

:func:`unit_edges` turns normalised declarations into one row per (declaration, unit): the
edges the loader writes to the graph (``IN_CONTAINER``, ``UNDER_DOCUMENT``) and the
projection the chain analytic walks.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import iso6346
from stdnum.exceptions import ValidationError

__all__ = ["normalize_container", "normalize_document", "normalize_container_list",
           "normalize_document_list", "unit_rows", "unit_edges", "UNIT_KINDS", "UNIT_EDGE_COLUMNS"]

#: unit kind -> (declaration column, relationship type, node label)
UNIT_KINDS = {
    "container": ("container_ids", "IN_CONTAINER", "Container"),
    "document": ("transport_document", "UNDER_DOCUMENT", "TransportDocument"),
    "previous": ("previous_document", "UNDER_DOCUMENT", "TransportDocument"),
}
UNIT_EDGE_COLUMNS = ["decl_key", "kind", "unit", "declared_at", "loaded_at", "discharged_at"]
_SEPARATORS = re.compile(r"[\s\-./_]+")
_LIST_SPLIT = re.compile(r"[;,|]")


def normalize_container(raw: object) -> str:
    """The ISO 6346 number in compact form, or ``''`` when it is not one (bad length, letters
    where digits belong, wrong check digit)."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    text = _SEPARATORS.sub("", str(raw)).upper()
    if not text:
        return ""
    try:
        return iso6346.validate(text)
    except ValidationError:
        return ""


def normalize_document(raw: object) -> str:
    """A transport document number: upper-case, separators removed (``''`` when empty)."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    text = _SEPARATORS.sub("", str(raw)).upper()
    return "" if text in {"", "NAN", "NONE", "NULL", "N/A", "NA"} else text


def _list(raw: object, one) -> tuple[str, str]:  # noqa: ANN001 - str -> str
    """``;``-joined distinct normalised values of a list cell, and ``;``-joined the entries
    that did not normalise (as written)."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return "", ""
    parts = [p for p in (s.strip() for s in _LIST_SPLIT.split(str(raw))) if p]
    good = [one(p) for p in parts]
    return (";".join(dict.fromkeys(g for g in good if g)),
            ";".join(p for p, g in zip(parts, good) if not g))


def _per_distinct(values: pd.Series, one) -> tuple[pd.Series, pd.Series]:  # noqa: ANN001
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = [_list(u, one) for u in uniques]
    text = np.array([d[0] for d in done] + [""], dtype=object)
    bad = np.array([d[1] for d in done] + [""], dtype=object)
    return (pd.Series(text[codes], index=values.index, dtype=object),
            pd.Series(bad[codes], index=values.index, dtype=object))


def normalize_container_list(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each cell's valid container numbers (compact, ``;``-joined, order kept, repeats
    dropped), and its entries rejected for a wrong form or check digit, as written (so
    nothing declared is lost). Worked out once per distinct cell."""
    return _per_distinct(values, normalize_container)


def normalize_document_list(values: pd.Series) -> pd.Series:
    """Each cell's transport documents, normalised and ``;``-joined."""
    return _per_distinct(values, normalize_document)[0]


def _column(decl: pd.DataFrame, name: str) -> pd.Series:
    if name in decl:
        return decl[name]
    return pd.Series(pd.NA, index=decl.index, dtype=object)


def unit_rows(decl: pd.DataFrame) -> pd.DataFrame:
    """``row`` (position in ``decl``), ``kind`` and ``unit`` for every unit a declaration
    names (split with Arrow, no Python call per row)."""
    rows, kinds, units = [], [], []
    for kind, (column, _, _) in UNIT_KINDS.items():
        if column not in decl:
            continue
        values = pa.array(decl[column].astype("str"), type=pa.large_string(), from_pandas=True)
        if isinstance(values, pa.ChunkedArray):  # an Arrow-backed column of several chunks
            values = values.combine_chunks()
        lists = pc.split_pattern(pc.fill_null(values, ""), ";")
        flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
        parent = pc.list_parent_indices(lists).to_numpy()
        keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
        if keep.any():
            rows.append(parent[keep])
            units.append(flat.filter(pa.array(keep)))
            kinds.append(np.full(int(keep.sum()), kind, dtype=object))
    if not rows:
        return pd.DataFrame({"row": pd.Series(dtype=np.int64), "kind": pd.Series(dtype=object), "unit": pd.Series(dtype=object)})
    out = pd.DataFrame({"row": np.concatenate(rows), "kind": np.concatenate(kinds),
                        "unit": pa.concat_arrays(units).to_numpy(zero_copy_only=False)})
    return out.drop_duplicates(["row", "kind", "unit"]).reset_index(drop=True)


def unit_edges(decl: pd.DataFrame) -> pd.DataFrame:
    """One row per declaration and unit it names: ``decl_key, kind`` (``container``,
    ``document`` for its own transport document, ``previous`` for one it refers to),
    ``unit`` (the normalised number), ``declared_at``, ``loaded_at`` (port of loading) and
    ``discharged_at`` (port of discharge). The columns must already be normalised (as
    :func:`ingest.normalize.normalize` leaves them); empty cells give no row."""
    found = unit_rows(decl)
    if not len(found):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in UNIT_EDGE_COLUMNS})
    at = found["row"].to_numpy()
    out = pd.DataFrame({"decl_key": _column(decl, "decl_key").to_numpy(dtype=object)[at], "kind": found["kind"].to_numpy(),
                        "unit": found["unit"].to_numpy()})
    for name, src in (("declared_at", "declared_at"), ("loaded_at", "port_of_loading"), ("discharged_at", "port_of_discharge")):
        out[name] = _column(decl, src).to_numpy()[at]
    return out[UNIT_EDGE_COLUMNS]
