"""Entity resolution, step 1: turn the mentions frame into arrays the matcher works on.

Text columns are cleaned ('' = unknown, placeholders such as "N/A" or "000" blanked) and
every key the rules compare becomes an integer code (``-1`` = unknown), so that blocking and
rules are vectorised comparisons of integers instead of Python string work per pair. Name
features (core name, legal form, word order, ...; see :mod:`ingest.resolve_names`) are
computed once per distinct name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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

__all__ = ["REGISTRY_SCOPE", "REQUIRED", "NameMemo", "Prepared", "prepare"]

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


@dataclass
class NameMemo:
    """Name features worked out before, by the text each is a pure function of.

    An incremental load resolves a few thousand new mentions against every stored one, whose
    name features (core name, legal form, word order, ...) are the same as last time: with
    ``path`` set they are read from and saved to that file (Parquet: the state folder holds
    data, never code), so only new names are worked out. The file records a digest of the
    name code it was made with (:mod:`ingest.resolve_names`, :mod:`ingest.normalize`); a file
    from other code, or one that cannot be read, is ignored and rewritten."""

    path: Path | None = None
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    added: int = 0

    def __post_init__(self) -> None:
        if self.path is None or not Path(self.path).is_file():
            return
        try:
            import pyarrow.compute as pc
            import pyarrow.parquet as pq

            data = pq.read_table(self.path)
            if (data.schema.metadata or {}).get(b"code") != _code_digest().encode():
                return
            for table in pc.unique(data["table"]).to_pylist():
                rows = data.filter(pc.equal(data["table"], table))
                self.tables[table] = dict(zip(rows["key"].to_pylist(), rows["value"].to_pylist()))
        except Exception:  # noqa: BLE001 - a broken cache is only a slower load
            self.tables = {}

    def map(self, table: str, keys: np.ndarray, fn: Callable[[str], str]) -> np.ndarray:
        """``fn`` of each of ``keys`` (distinct texts), from the memo where it holds them."""
        known = self.tables.setdefault(table, {})
        out = np.empty(len(keys), dtype=object)
        for i, key in enumerate(keys):
            value = known.get(key)
            if value is None:
                value = known[key] = fn(key)
                self.added += 1
            out[i] = value
        return out

    def save(self) -> None:
        """Write the memo when it learned something (atomically: a temporary file renamed)."""
        if self.path is None or not self.added:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        names = [t for t, rows in self.tables.items() for _ in range(len(rows))]
        keys = [k for rows in self.tables.values() for k in rows]
        values = [v for rows in self.tables.values() for v in rows.values()]
        data = pa.table({"table": names, "key": keys, "value": values}).replace_schema_metadata({"code": _code_digest()})
        tmp = path.with_suffix(".tmp")
        pq.write_table(data, tmp)
        tmp.replace(path)
        self.added = 0


@functools.cache
def _code_digest() -> str:
    """Digest of the code the name features come from (a memo from other code is stale)."""
    import ingest.normalize
    import ingest.resolve_names

    digest = hashlib.sha1()
    for module in (ingest.resolve_names, ingest.normalize):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


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


def prepare(mentions: pd.DataFrame, existing: pd.DataFrame | None = None, memo: NameMemo | None = None) -> Prepared:
    """Normalise the frames the resolver receives into a :class:`Prepared`.

    ``existing`` mentions (with ``party_id``) come first in priority: a mention key present in
    both is treated as existing. Missing optional columns are unknown; a missing ``name_fp`` is
    computed from ``raw_name`` with ``fingerprints``. ``memo``: name features worked out
    before (see :class:`NameMemo`).
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
    return _arrays(frame, both["_new"].to_numpy(dtype=bool), memo or NameMemo())


def _word_orders(norm: pd.Series, raw: pd.Series, core: np.ndarray, memo: NameMemo) -> dict[str, np.ndarray]:
    """Per mention, the code of its core words in written order, computed per distinct pair.

    Stored Mention nodes carry no ``name_norm``: it is made again, as the pipeline makes it.
    """
    from ingest.normalize import normalize_name

    norm = norm.to_numpy(dtype=object).copy()
    missing = np.flatnonzero((norm == "") & (raw.to_numpy(dtype=object) != ""))
    if len(missing):
        raw_code, raws = pd.factorize(raw.iloc[missing].to_numpy(dtype=object))
        norm[missing] = memo.map("norm", np.asarray(raws, dtype=object), normalize_name)[raw_code]
    pair_code, pairs = pd.factorize(norm + "\x1f" + core)
    orders = memo.map("order", np.asarray(pairs, dtype=object), lambda pair: word_order(*pair.split("\x1f")))
    code, uniques = pd.factorize(orders)
    code = code.astype(np.int64)
    code[orders == ""] = -1
    return {"order": code[pair_code], "orders": np.asarray(uniques, dtype=object)}


def _forms(fp: pd.Series, raw: pd.Series, memo: NameMemo) -> np.ndarray:
    """Per mention, the code of its ``form_signature`` (-1: none), per distinct raw name."""
    pair_code, pairs = pd.factorize(fp.to_numpy(dtype=object) + "\x1f" + raw.to_numpy(dtype=object))
    signatures = memo.map("form", np.asarray(pairs, dtype=object), lambda pair: form_signature(*pair.split("\x1f", 1)))
    return codes(signatures)[pair_code]


def _name_features(fp: pd.Series, memo: NameMemo) -> dict[str, np.ndarray]:
    """Core name, legal form, organisation flag and numbers, computed once per distinct name."""
    fp_code, fps = pd.factorize(fp.to_numpy(dtype=object))
    fps = np.asarray(fps, dtype=object)
    core = memo.map("core", fps, core_name)
    name_code, names = pd.factorize(core)
    name_code = name_code.astype(np.int64)
    name_code[core == ""] = -1
    per_fp = {
        "name": name_code,
        "is_org": memo.map("org", fps, lambda s: "1" if is_organisation(s) else "") == "1",
        "numbers": codes(memo.map("numbers", core, numbers_in)),
        "core": core,
    }
    out = {k: v[fp_code] for k, v in per_fp.items()}
    out["names"] = np.asarray(names, dtype=object)
    out["name_letters"] = codes(memo.map("letters", out["names"], letters_of))
    return out


def _arrays(frame: pd.DataFrame, is_new: np.ndarray, memo: NameMemo) -> Prepared:
    scope = frame["scope"].to_numpy(dtype=object)
    raw_id = frame["raw_id"].to_numpy(dtype=object)
    scope_id = np.where(raw_id != "", scope + "\x1f" + raw_id, "")
    raw_country = frame["raw_country"].str.upper()
    raw_country = raw_country.where(raw_country.str.fullmatch(r"[A-Z]{2}"), "")
    frame["country"] = frame["country"].where(frame["country"] != "", raw_country)
    names = _name_features(frame["name_fp"], memo)
    orders = _word_orders(frame["name_norm"], frame["raw_name"], names["core"], memo)
    forms = _forms(frame["name_fp"], frame["raw_name"], memo)
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
