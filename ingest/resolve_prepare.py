"""Entity resolution, step 1: turn the mentions frame into arrays the matcher works on.

Text columns are cleaned ('' = unknown, placeholders such as "N/A" or "000" blanked) and
every key the rules compare becomes an integer code (``-1`` = unknown), so that blocking and
rules are vectorised comparisons of integers instead of Python string work per pair. Name
features (core name, legal form, word order, ...; see :mod:`ingest.resolve_names`) are
computed once per distinct name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.resolve_names import (
    core_name,
    form_signature,
    is_organisation,
    letters_of,
    numbers_in,
    word_order,
)

__all__ = ["REGISTRY_SCOPE", "REQUIRED", "Prepared", "prepare"]

REGISTRY_SCOPE = "registry"

#: Columns the resolver cannot do without; every other mentions column is optional (unknown).
REQUIRED = ("mention_key", "scope")

TEXT_COLUMNS = (
    "scope", "role_hint", "raw_id", "raw_name", "raw_address", "raw_country", "raw_phone",
    "raw_email", "tax_id", "registered_at", "aeo_tier", "name_fp", "name_norm", "phone",
    "email", "address_norm", "country",
)

_PLACEHOLDER = re.compile(r"^(?:[\W_]*|0+|n/?a|none|null|unknown|nil|-+|x+)$", re.IGNORECASE)


@dataclass
class Prepared:
    """Mentions as arrays, sorted by ``mention_key`` (row ``i`` is the same mention everywhere)."""

    frame: pd.DataFrame  # the input columns, '' for unknown, sorted by mention_key
    key: np.ndarray  # mention_key
    core: np.ndarray  # name fingerprint without legal-form tokens
    fp: np.ndarray  # name fingerprint ('' when the mention has no name)
    is_registry: np.ndarray  # bool
    is_new: np.ndarray  # bool: resolved in this call (False = an existing mention)
    scope_id: np.ndarray  # int code of (scope, raw_id)
    raw_id: np.ndarray  # int code of raw_id alone (registry ids match across scopes)
    scope: np.ndarray  # int code of scope
    country: np.ndarray
    phone: np.ndarray
    #: int code of the phone's last 8 digits: what "different phones" is judged on. A number
    #: written without its country code and read with the reporting country's ("+66 86..."
    #: for a Chinese "86-755-...") is not a different phone.
    phone_tail: np.ndarray
    email: np.ndarray
    address: np.ndarray
    tax: np.ndarray
    name: np.ndarray  # int code of the core name (exact-core block; -1: no name)
    names: np.ndarray  # the distinct core names (``names[name[i]] == core[i]``)
    name_letters: np.ndarray  # per distinct core name, int code of its sorted letters
    numbers: np.ndarray  # int code of the numbers written in the name (-1: none)
    is_org: np.ndarray  # bool: the name has a legal form or business word
    form: np.ndarray  # int code of the legal form (and qualifier) the name states (-1: none)
    order: np.ndarray  # int code of the core words in written order (-1: none)
    orders: np.ndarray  # the distinct word orders (``orders[order[i]]``)
    #: int code of each core name's two rarest tokens (splits blocks too big to compare);
    #: filled by blocking when it first meets such a block
    token_pair: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.key)


def codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer codes of ``values`` with ``-1`` for '' (unknown)."""
    arr = np.asarray(values, dtype=object)
    out, _ = pd.factorize(arr)
    out = out.astype(np.int64)
    out[arr == ""] = -1
    return out


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    col = frame[column]
    if pd.api.types.is_datetime64_any_dtype(col):
        col = col.dt.strftime("%Y-%m-%d")
    return col.astype("str").fillna("").str.strip()


def _fingerprint(raw_name: pd.Series) -> pd.Series:
    """The pipeline's own fingerprint (legal-form folds included), for frames that lack it."""
    from ingest.normalize import name_fingerprint

    return raw_name.map(name_fingerprint)


def _blank_placeholders(col: pd.Series) -> pd.Series:
    return col.where(~col.str.fullmatch(_PLACEHOLDER), "")


def prepare(mentions: pd.DataFrame, existing: pd.DataFrame | None = None) -> Prepared:
    """Normalise the frames the resolver receives into a :class:`Prepared`.

    ``existing`` mentions (with ``party_id``) come first in priority: a mention key present in
    both is treated as existing. Missing optional columns are unknown; a missing ``name_fp`` is
    computed from ``raw_name`` with ``fingerprints``.
    """
    missing = [c for c in REQUIRED if c not in mentions.columns]
    if missing:
        raise ValueError(
            f"mentions frame lacks column(s) {', '.join(missing)}; it must have the columns of "
            "the normalised `mentions` frame (docs/internals.md), as ingest.normalize makes them"
        )
    parts = [mentions.assign(_new=True, party_id="")]
    if existing is not None and len(existing):
        if "party_id" not in existing.columns:
            raise ValueError("existing mentions need a party_id column (their stored party)")
        parts.insert(0, existing.assign(_new=False))
    both = pd.concat(parts, ignore_index=True)
    both = both.drop_duplicates("mention_key", keep="first")
    both = both.sort_values("mention_key", kind="stable").reset_index(drop=True)
    frame = pd.DataFrame({c: _text(both, c) for c in ("mention_key", *TEXT_COLUMNS, "party_id")})
    if "count" in both.columns:  # how often the written form occurred, when normalize says
        frame["count"] = pd.to_numeric(both["count"], errors="coerce").fillna(1).to_numpy()
    if "name_fp" not in mentions.columns or (frame["name_fp"].eq("") & frame["raw_name"].ne("")).any():
        fill = frame["name_fp"].eq("") & frame["raw_name"].ne("")
        frame.loc[fill, "name_fp"] = _fingerprint(frame.loc[fill, "raw_name"])
    frame["email"] = frame["email"].str.lower()
    for column in ("raw_id", "tax_id", "phone", "email", "address_norm"):
        frame[column] = _blank_placeholders(frame[column])
    frame["tax_id"] = frame["tax_id"].str.upper().str.replace(r"[\s.\-/]", "", regex=True)
    return _arrays(frame, both["_new"].to_numpy(dtype=bool))


def _word_orders(norm: pd.Series, raw: pd.Series, core: np.ndarray) -> dict[str, np.ndarray]:
    """Per mention, the code of its core words in written order, computed per distinct pair.

    Stored Mention nodes carry no ``name_norm``: it is made again, as the pipeline makes it.
    """
    from ingest.normalize import normalize_name

    norm = norm.to_numpy(dtype=object).copy()
    missing = np.flatnonzero((norm == "") & (raw.to_numpy(dtype=object) != ""))
    if len(missing):
        norm[missing] = raw.iloc[missing].map(normalize_name).to_numpy(dtype=object)
    pair_code, pairs = pd.factorize(norm + "\x1f" + core)
    orders = np.array([word_order(*pair.split("\x1f")) for pair in pairs], dtype=object)
    code, uniques = pd.factorize(orders)
    code = code.astype(np.int64)
    code[orders == ""] = -1
    return {"order": code[pair_code], "orders": np.asarray(uniques, dtype=object)}


def _forms(fp: pd.Series, raw: pd.Series) -> np.ndarray:
    """Per mention, the code of its ``form_signature`` (-1: none), per distinct raw name."""
    pair_code, pairs = pd.factorize(fp.to_numpy(dtype=object) + "\x1f" + raw.to_numpy(dtype=object))
    signatures = np.array([form_signature(*pair.split("\x1f", 1)) for pair in pairs], dtype=object)
    return codes(signatures)[pair_code]


def _name_features(fp: pd.Series) -> dict[str, np.ndarray]:
    """Core name, legal form, organisation flag and numbers, computed once per distinct name."""
    fp_code, fps = pd.factorize(fp.to_numpy(dtype=object))
    core = np.array([core_name(s) for s in fps], dtype=object)
    name_code, names = pd.factorize(core)
    name_code = name_code.astype(np.int64)
    name_code[core == ""] = -1
    per_fp = {
        "name": name_code,
        "is_org": np.array([is_organisation(s) for s in fps], dtype=bool),
        "numbers": codes(np.array([numbers_in(s) for s in core], dtype=object)),
        "core": core,
    }
    out = {k: v[fp_code] for k, v in per_fp.items()}
    out["names"] = np.asarray(names, dtype=object)
    out["name_letters"] = codes(np.array([letters_of(s) for s in out["names"]], dtype=object))
    return out


def _arrays(frame: pd.DataFrame, is_new: np.ndarray) -> Prepared:
    scope = frame["scope"].to_numpy(dtype=object)
    raw_id = frame["raw_id"].to_numpy(dtype=object)
    scope_id = np.where(raw_id != "", scope + "\x1f" + raw_id, "")
    raw_country = frame["raw_country"].str.upper()
    raw_country = raw_country.where(raw_country.str.fullmatch(r"[A-Z]{2}"), "")
    frame["country"] = frame["country"].where(frame["country"] != "", raw_country)
    names = _name_features(frame["name_fp"])
    orders = _word_orders(frame["name_norm"], frame["raw_name"], names["core"])
    forms = _forms(frame["name_fp"], frame["raw_name"])
    return Prepared(
        frame=frame,
        key=frame["mention_key"].to_numpy(dtype=object),
        fp=frame["name_fp"].to_numpy(dtype=object),
        is_registry=scope == REGISTRY_SCOPE,
        is_new=is_new,
        scope_id=codes(scope_id),
        raw_id=codes(raw_id),
        scope=codes(scope),
        country=codes(frame["country"]),
        phone=codes(frame["phone"]),
        phone_tail=codes(frame["phone"].str[-8:]),
        email=codes(frame["email"]),
        address=codes(frame["address_norm"]),
        tax=codes(frame["tax_id"]),
        **names,
        **orders,
        form=forms,
    )
