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
from stdnum import iso6346
from stdnum.exceptions import ValidationError

__all__ = ["normalize_container", "normalize_document", "normalize_container_list",
           "normalize_document_list", "unit_edges", "UNIT_KINDS", "UNIT_EDGE_COLUMNS"]

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


def unit_edges(decl: pd.DataFrame) -> pd.DataFrame:
    """One row per declaration and unit it names: ``decl_key, kind`` (``container``,
    ``document`` for its own transport document, ``previous`` for one it refers to),
    ``unit`` (the normalised number), ``declared_at``, ``loaded_at`` (port of loading) and
    ``discharged_at`` (port of discharge). The columns must already be normalised (as
    :func:`ingest.normalize.normalize` leaves them); empty cells give no row."""
    parts = []
    for kind, (column, _, _) in UNIT_KINDS.items():
        values = _column(decl, column)
        have = values.notna().to_numpy() & (values.astype(str).str.len() > 0).to_numpy()
        if not have.any():
            continue
        sub = decl.loc[have]
        text = values[have].astype(str)
        split = text.str.split(";") if text.str.contains(";", regex=False).any() else text.map(lambda v: [v])
        frame = pd.DataFrame({"decl_key": sub["decl_key"].to_numpy(), "unit": split.to_numpy()}, index=sub.index)
        frame = frame.explode("unit")
        frame["unit"] = frame["unit"].astype(str).str.strip()
        frame = frame[frame["unit"] != ""]
        frame.insert(1, "kind", kind)
        for out, src in (("declared_at", "declared_at"), ("loaded_at", "port_of_loading"),
                         ("discharged_at", "port_of_discharge")):
            frame[out] = _column(decl, src).reindex(frame.index).to_numpy()
        parts.append(frame)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in UNIT_EDGE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["decl_key", "kind", "unit"])
    return out[UNIT_EDGE_COLUMNS].reset_index(drop=True)
