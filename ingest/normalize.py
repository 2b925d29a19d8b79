"""From validated frames to the canonical frames of ``docs/internals.md`` ("Normalised frames").

``normalize(kind, good, context) -> dict[str, DataFrame]``:

===============  ==========================================================================
kind             frames returned
===============  ==========================================================================
declarations     ``declarations``, ``mentions`` (scope = reporting country),
                 ``unknown_hubs`` (well-formed LOCODEs used but not in the hub reference)
parties          ``mentions`` (scope ``registry``)
tips             ``tips``
outcomes         ``outcomes``
hubs             ``hubs``
rates            ``rates``
===============  ==========================================================================

Conventions: in ``declarations``, ``tips`` and ``outcomes`` an unknown value is missing
(``NaN``/``NaT``), never ``''``; in ``mentions`` every text column uses ``''`` for "none"
(they are hash inputs and pivot values). Rows repeating a key keep the last one
(``frame.attrs["duplicates_dropped"]`` counts the others). Library calls (phonenumbers,
fingerprints, normality) run once per distinct value, cached.

Normalisation rules, each a small public function:

* :func:`name_fingerprint` — ``fingerprints.generate`` after :data:`LEGAL_FORM_FOLDS`, a short
  table for the South-East Asian legal forms the library misses (``Công ty``/``Cty``,
  ``TNHH``, Thai ``บริษัท ... จำกัด``, ``Private Limited``, ``Public Company Limited``, ...).
  ``ABC Trading Co., Ltd.`` and ``A.B.C. TRADING COMPANY LIMITED`` -> ``abc co ltd trading``.
* :func:`normalize_name` — ``normality.normalize`` (lower-case, punctuation and accents gone).
* :func:`normalize_phone` — E.164 with ``phonenumbers``, default region the party's country,
  else the reporting country; a number that is not *possible* (length/prefix) gives ``''``.
  ``is_possible_number`` rather than ``is_valid_number``: new number ranges and synthetic
  data must not be thrown away.
* :func:`normalize_email` — lower-case, ``mailto:`` dropped, must look like ``a@b.c``.
* :func:`normalize_address` — lower-case, accents and punctuation folded, whitespace collapsed,
  :data:`ADDRESS_ABBREVIATIONS` expanded (``Rd`` -> ``road``, ``Jln`` -> ``jalan``, ...).
* :func:`normalize_tax_id` — upper-case letters and digits only (the mentions' ``tax_id``
  column holds this normalised form).
* :func:`tip_weight` — Admiralty grades to a weight, see :data:`RELIABILITY_WEIGHT` and
  :data:`CREDIBILITY_WEIGHT`; an expired tip weighs 0.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fingerprints
import normality
import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from ingest.contract import RESERVED
from ingest.contract import kind as get_kind
from ingest.units import normalize_container_list, normalize_document_list
from ingest.validate import COUNTRIES, CURRENCIES, parse_datetimes

__all__ = [
    "ADDRESS_ABBREVIATIONS",
    "CREDIBILITY_WEIGHT",
    "DECLARATION_COLUMNS",
    "HUB_COLUMNS",
    "LEGAL_FORM_FOLDS",
    "MENTION_COLUMNS",
    "OUTCOME_COLUMNS",
    "RATE_COLUMNS",
    "RELIABILITY_WEIGHT",
    "TIP_COLUMNS",
    "Context",
    "load_reference",
    "mention_key",
    "name_core",
    "name_fingerprint",
    "normalize",
    "normalize_address",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "normalize_phones",
    "normalize_tax_id",
    "route_id",
    "route_string",
    "tip_weight",
    "to_usd",
    "unknown_hubs",
]

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

DECLARATION_COLUMNS = [
    "decl_key", "declaration_id", "item_no", "reporting_country", "declared_at", "flow",
    "procedure", "transport_mode", "consignor_mention", "consignee_mention", "declarant_mention",
    "carrier", "transport_document", "previous_document", "container_ids", "containers_rejected",
    "preference",
    "hs_code", "hs6", "hs_chapter", "goods_description", "brand", "origin_country", "export_country", "port_of_loading",
    "transit_ports", "port_of_discharge", "quantity", "quantity_unit", "gross_mass_kg",
    "customs_value", "currency", "value_usd", "inspection_result", "status", "route",
    "route_id", "extra", "source_file", "line",
]
MENTION_COLUMNS = [
    "mention_key", "scope", "role_hint", "raw_id", "raw_name", "raw_address", "raw_country",
    "raw_phone", "raw_email", "tax_id", "registered_at", "aeo_tier", "name_fp", "name_norm",
    "phone", "email", "address_norm", "country",
]
TIP_COLUMNS = [
    "tip_id", "submitted_by", "submitted_at", "brand", "hs_codes", "suspect_names",
    "suspect_addresses", "suspect_phones", "suspect_emails", "suspect_ports", "origin_countries",
    "description", "source_reliability", "info_credibility", "tlp", "valid_until", "weight",
    "status", "suspect_name_fps", "suspect_addresses_norm", "suspect_phones_raw", "extra",
    "source_file", "line",
]
OUTCOME_COLUMNS = [
    "outcome_key", "decl_key", "declaration_ref", "declaration_id", "reporting_country",
    "item_no", "result", "offence", "decided_at", "extra", "source_file", "line",
]
HUB_COLUMNS = ["locode", "name", "country", "lat", "lon", "kind", "ftz", "known"]
RATE_COLUMNS = ["currency", "date", "usd_per_unit"]

_ROLES = {
    "consignor": ("consignor_id", "consignor_name", "consignor_address", "consignor_country",
                  "consignor_phone", "consignor_email"),
    "consignee": ("consignee_id", "consignee_name", "consignee_address", "consignee_country",
                  "consignee_phone", "consignee_email"),
    "declarant": ("declarant_id", "declarant_name", None, None, None, None),
}
_RAW = ("raw_id", "raw_name", "raw_address", "raw_country", "raw_phone", "raw_email")
_SEP = "\x1f"


# --------------------------------------------------------------------------------------------
# context
# --------------------------------------------------------------------------------------------

@dataclass
class Context:
    """Reference data and settings for normalisation.

    ``hubs`` is a normalised hubs frame (``HUB_COLUMNS``; FTZ flags for route strings, known
    LOCODEs), ``rates`` a normalised rates frame (``RATE_COLUMNS``). ``as_of`` decides which
    tips are expired (default: now, UTC). ``default_region`` is the phone region used when a
    party has no country (registry mentions, tips).
    """

    hubs: pd.DataFrame | None = None
    rates: pd.DataFrame | None = None
    as_of: pd.Timestamp | None = None
    default_region: str | None = None
    notes: list[str] = field(default_factory=list)

    def ftz_locodes(self) -> frozenset[str]:
        """LOCODEs flagged as free-trade zones (``ftz`` true or ``kind == 'ftz'``)."""
        h = self.hubs
        if h is None or not len(h):
            return frozenset()
        flag = h["ftz"].fillna(False).astype(bool) if "ftz" in h else False
        if "kind" in h:
            flag = flag | (h["kind"] == "ftz").fillna(False).to_numpy()
        return frozenset(h.loc[np.asarray(flag, dtype=bool), "locode"].astype(str))

    def known_locodes(self) -> frozenset[str]:
        h = self.hubs
        return frozenset() if h is None or not len(h) else frozenset(h["locode"].astype(str))


def load_reference(directory: str | Path | None = None, *, as_of: Any = None,
                   default_region: str | None = None) -> Context:
    """A :class:`Context` from ``hubs.csv`` and ``rates.csv`` in ``directory`` (default: the
    reference set shipped in ``ingest/reference``). A missing file gives an empty frame and a
    note; its bad rows are ignored with a note."""
    from ingest.readers import read_file
    from ingest.validate import validate

    d = Path(directory) if directory is not None else REFERENCE_DIR
    ctx = Context(as_of=pd.Timestamp(as_of) if as_of is not None else None,
                  default_region=default_region)
    for kind_name in ("hubs", "rates"):
        path = d / f"{kind_name}.csv"
        frame = _empty(HUB_COLUMNS if kind_name == "hubs" else RATE_COLUMNS)
        if path.exists():
            good, bad = validate(read_file(path, kind_name), kind_name)
            if len(bad):
                ctx.notes.append(f"{path.name}: {len(bad)} bad row(s) ignored")
            frame = normalize(kind_name, good, ctx)[kind_name]
        else:
            ctx.notes.append(f"no reference {path.name} in {d}")
        setattr(ctx, kind_name, frame)
    return ctx


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})


# --------------------------------------------------------------------------------------------
# value normalisers (pure, cached)
# --------------------------------------------------------------------------------------------

#: Legal-form folds applied before ``fingerprints.generate`` (which already folds e.g.
#: ``Company Limited``/``Co., Ltd.``, ``Sendirian Berhad``, ``Perseroan Terbatas``,
#: ``Cong Ty Co Phan``), for forms it misses. Patterns match lower-case text with Latin
#: accents removed; Thai forms are matched as written.
LEGAL_FORM_FOLDS: list[tuple[str, str]] = [
    # Thai: company / limited partnership / ordinary partnership / limited / public
    (r"ห้างหุ้นส่วนจำกัด", " ltd part "),
    (r"ห้างหุ้นส่วนสามัญ", " part "),
    (r"บริษัท", " co "),
    (r"\(?มหาชน\)?", " pcl "),
    (r"จำกัด", " ltd "),
    # Vietnamese: Công ty (company), TNHH (limited liability), Cổ phần (joint stock),
    # Một thành viên (single-member)
    (r"\bcong\s+ty\b", " cty "),
    (r"\btrach\s+nhiem\s+huu\s+han\b", " tnhh "),
    (r"\bco\s+phan\b", " cp "),
    (r"\bmot\s+thanh\s+vien\b", " mtv "),
    # Singapore / Malaysia / Thailand (English forms)
    (r"\bprivate\s+limited\b", " pte ltd "),
    (r"\bpublic\s+(?:company|co\.?)\s+limited\b", " pcl "),
    (r"\bpublic\s+co\.?,?\s+ltd\.?", " pcl "),
    # Indonesia: limited partnership
    (r"\b(?:persekutuan\s+komanditer|commanditaire\s+vennootschap)\b", " cv "),
    (r"\bp\.\s*t\.(?=\s)", " pt "),
]
_FOLDS = [(re.compile(p), r) for p, r in LEGAL_FORM_FOLDS]


def _latin_fold(text: str) -> str:
    """Remove accents from Latin letters only (Thai and other scripts keep their marks)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and "a" <= out[-1].lower() <= "z":
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).replace("đ", "d").replace("Đ", "D")


@functools.lru_cache(maxsize=1_000_000)
def name_fingerprint(name: str | None) -> str:
    """A comparison key for a party name: ``fingerprints.generate`` after the legal-form folds.

    ``'ABC Trading Co., Ltd.'`` and ``'A.B.C. TRADING COMPANY LIMITED'`` -> ``'abc co ltd
    trading'``; ``'Công ty TNHH ABC'`` and ``'CTY TNHH ABC'`` -> ``'abc cty tnhh'``.
    """
    if not name or not str(name).strip():
        return ""
    text = str(name)
    if not text.isascii():
        for rx, rep in _FOLDS[:5]:  # Thai forms, before any Unicode decomposition
            text = rx.sub(rep, text)
        text = _latin_fold(text)
    text = text.lower()
    for rx, rep in _FOLDS[5:]:
        text = rx.sub(rep, text)
    return fingerprints.generate(text) or ""


def name_core(name: str | None) -> str:
    """The fingerprint with legal forms removed (``'abc trading'`` for ``'ABC Trading Co Ltd'``),
    for fuzzy comparisons; not a column of the mentions frame."""
    fp = name_fingerprint(name)
    return (fingerprints.remove_types(fp) or "") if fp else ""


_ASCII_DROP = re.compile(r"[$^`]")
_ASCII_SPACE = re.compile(r"[^a-z0-9]+")


def _norm_text(text: str) -> str:
    """``normality.normalize`` (lower-case; punctuation, symbols and controls to spaces; marks,
    currency and modifier symbols dropped; whitespace collapsed) with a quick path for ASCII."""
    if text.isascii():
        return _ASCII_SPACE.sub(" ", _ASCII_DROP.sub("", text.lower())).strip()
    return normality.normalize(text) or ""


@functools.lru_cache(maxsize=1_000_000)
def normalize_name(name: str | None) -> str:
    """``normality.normalize``: lower-case, punctuation to spaces, accents dropped."""
    if not name:
        return ""
    return _norm_text(str(name))


_PHONE_PLAIN_RE = re.compile(r"\+?[0-9 ().\-]*[0-9][0-9 ().\-]*")


def normalize_phone(raw: str | None, region: str | None = None) -> str:
    """E.164 (``'+6621234567'``) or ``''``. ``region`` (ISO alpha-2) is the default for numbers
    written without a country code: ``'(02) 123-4567'`` with ``TH`` -> ``'+6621234567'``.

    A value made only of digits, spaces, dots, dashes and brackets is read as its digits (and
    leading ``+``); ``00`` before a country code counts as ``+``; a value with other text
    (``tel. 02-123-4567 ext 5``, two numbers) gives the first possible number in it.
    """
    if not raw:
        return ""
    text = str(raw).strip()
    if _PHONE_PLAIN_RE.fullmatch(text):
        text = ("+" if text.startswith("+") else "") + re.sub(r"[^0-9]", "", text)
    return _parse_phone(text, region.upper() if region else None)


@functools.lru_cache(maxsize=1_000_000)
def _parse_phone(text: str, region: str | None) -> str:
    """The phonenumbers part of :func:`normalize_phone`, cached per (text, region)."""
    if not text:
        return ""
    reg = region if region in COUNTRIES else None
    if text.startswith("00"):  # international prefix written as 00
        try:
            num = phonenumbers.parse("+" + text[2:], None)
            if phonenumbers.is_possible_number(num):
                return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    try:
        num = phonenumbers.parse(text, reg)
        if phonenumbers.is_possible_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    try:  # several numbers or extra words in the cell: take the first one found
        for match in phonenumbers.PhoneNumberMatcher(text, reg or "ZZ", leniency=0):
            if phonenumbers.is_possible_number(match.number):
                return phonenumbers.format_number(match.number,
                                                  phonenumbers.PhoneNumberFormat.E164)
    except Exception:  # noqa: BLE001, S110 - the matcher is best effort
        pass
    return ""


_EMAIL = re.compile(r"[^@\s;,<>()\[\]]+@[^@\s;,<>()\[\]]+\.[a-z]{2,}")


@functools.lru_cache(maxsize=1_000_000)
def normalize_email(raw: str | None) -> str:
    """Lower-case e-mail address or ``''`` (``'mailto:Info@X.COM '`` -> ``'info@x.com'``)."""
    if not raw:
        return ""
    text = str(raw).strip().lower()
    text = text.removeprefix("mailto:")
    m = _EMAIL.search(text)
    return m.group(0).strip(".") if m else ""


#: Address abbreviations expanded after lower-casing and punctuation folding (whole tokens).
ADDRESS_ABBREVIATIONS: dict[str, str] = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue",
    "blvd": "boulevard", "hwy": "highway", "ln": "lane", "jln": "jalan", "jl": "jalan",
    "lrg": "lorong", "bldg": "building", "bld": "building", "fl": "floor", "flr": "floor",
    "lvl": "level", "no": "number", "nbr": "number", "num": "number", "blk": "block",
    "ste": "suite", "rm": "room", "apt": "apartment", "ind": "industrial", "est": "estate",
    "dist": "district", "prov": "province", "ctr": "centre", "center": "centre",
    "tmn": "taman", "kg": "kampung", "mk": "moo", "m": "moo", "sq": "square",
}


@functools.lru_cache(maxsize=1_000_000)
def normalize_address(raw: str | None) -> str:
    """A comparison form of an address: ``'12/3 Soi 5, Sukhumvit Rd.'`` ->
    ``'12 3 soi 5 sukhumvit road'``."""
    if not raw or not str(raw).strip():
        return ""
    raw = str(raw)
    text = _norm_text(raw if raw.isascii() else _latin_fold(raw))
    return " ".join(ADDRESS_ABBREVIATIONS.get(t, t) for t in text.split())


@functools.lru_cache(maxsize=1_000_000)
def normalize_tax_id(raw: str | None) -> str:
    """Letters and digits only, upper-case: ``'th 0105-551 234 567'`` -> ``'TH0105551234567'``."""
    if not raw:
        return ""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", str(raw)).upper())


def _blank(v: Any) -> bool:
    """``True`` for ``None``, ``NaN``/``NA`` and empty text."""
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float):
        return np.isnan(v)
    return isinstance(v, str) and v == ""


def mention_key(scope: str, raw_id: str = "", raw_name: str = "", raw_address: str = "",
                raw_country: str = "", raw_phone: str = "", raw_email: str = "") -> str:
    """sha1 (first 16 hex) of the mention tuple joined with ``\\x1f`` (missing -> ``''``)."""
    parts = [scope, raw_id, raw_name, raw_address, raw_country, raw_phone, raw_email]
    text = _SEP.join("" if _blank(p) else str(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def route_string(origin: str | None, loading: str | None, transits: str | Iterable[str] | None,
                 discharge: str | None, ftz: frozenset[str] | set[str] = frozenset()) -> str:
    """``CN>CNSHA>MYPKG(ftz)>THLCH``: origin country, port of loading, transit ports in order,
    port of discharge; ``(ftz)`` after an FTZ hub, ``?`` for an unknown port."""
    def port(p: str | None) -> str:
        if _blank(p):
            return "?"
        return f"{p}(ftz)" if p in ftz else str(p)
    if isinstance(transits, str):
        via = [t for t in transits.split(";") if t]
    elif _blank(transits):
        via = []
    else:
        via = [t for t in transits if t]
    origin_text = "?" if _blank(origin) else str(origin)
    return ">".join([origin_text, port(loading), *[port(t) for t in via], port(discharge)])


def route_id(route: str) -> str:
    """``R`` + 10 hex of sha1 of the route string."""
    return "R" + hashlib.sha1(route.encode("utf-8")).hexdigest()[:10]


#: Admiralty source reliability (A completely reliable ... E unreliable, F cannot be judged).
RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.35}
#: Admiralty information credibility (1 confirmed ... 5 improbable, 6 cannot be judged).
CREDIBILITY_WEIGHT = {"1": 1.0, "2": 0.8, "3": 0.6, "4": 0.4, "5": 0.2, "6": 0.35}


def tip_weight(reliability: str | None, credibility: str | None, expired: bool = False) -> float:
    """Weight of a tip in [0, 1]: reliability x credibility (``A1`` = 1.0, ``B2`` = 0.64,
    ``F6`` ~ 0.12, ``E5`` = 0.04); "cannot be judged" (F, 6) ranks between fair and doubtful
    sources. An expired tip weighs 0."""
    if expired:
        return 0.0
    r = RELIABILITY_WEIGHT.get(str(reliability or "F").upper(), RELIABILITY_WEIGHT["F"])
    c = CREDIBILITY_WEIGHT.get(str(credibility or "6"), CREDIBILITY_WEIGHT["6"])
    return round(r * c, 4)


# --------------------------------------------------------------------------------------------
# frame helpers
# --------------------------------------------------------------------------------------------

def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` or an all-missing text column."""
    if name in df.columns:
        return df[name]
    return pd.Series(np.nan, index=df.index, dtype="str")


def _text0(s: pd.Series) -> pd.Series:
    """Text with ``''`` for missing."""
    return s.astype("str").fillna("")


def _arrow(s: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Arrow large strings for a text Series (zero-copy for pyarrow-backed ``str``)."""
    if isinstance(s, (pa.Array, pa.ChunkedArray)):
        arr = s
    else:
        arr = pa.array(s if s.dtype == "str" else s.astype("str"), from_pandas=True)
    return arr if arr.type == pa.large_string() else pc.cast(arr, pa.large_string())


def _join(cols: list[pd.Series], sep: str = _SEP) -> pa.Array | pa.ChunkedArray:
    """Row-wise ``sep.join`` of text columns, missing values as ``''`` (vectorised)."""
    return pc.binary_join_element_wise(*[_arrow(c) for c in cols],
                                       pa.scalar(sep, pa.large_string()),
                                       null_handling="replace", null_replacement="")


def _encode(values: pd.Series | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Codes (``-1`` for missing) and distinct values, in order of first appearance."""
    arr = _arrow(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr)
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype("int64")
    return codes, enc.dictionary.to_pylist()


def _take(values: list[Any], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[code]`` per row as text, missing where the code is ``-1``."""
    out = pa.array(values + [None], type=pa.large_string())
    idx = np.where(codes < 0, len(values), codes)
    taken = out.take(pa.array(idx, type=pa.int64())).to_pandas()
    taken.index = index
    return taken.astype("str")


def _map_unique(s: pd.Series, fn: Any) -> pd.Series:
    """``fn`` applied once per distinct value of ``s`` (missing stays missing)."""
    codes, uniques = _encode(s)
    return _take([fn(u) for u in uniques], codes, s.index)


def _map_unique_pairs(a: pd.Series, b: pd.Series, fn: Any) -> pd.Series:
    """``fn(a, b)`` once per distinct pair (missing -> ``''``)."""
    codes, uniques = _encode(_join([a, b]))
    return _take([fn(*u.split(_SEP, 1)) for u in uniques], codes, a.index)


def _sha16(s: pd.Series | pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """sha1 (16 hex) of every value, computed once per distinct value."""
    codes, uniques = _encode(s)
    sha1 = hashlib.sha1
    return _take([sha1(u.encode("utf-8")).hexdigest()[:16] for u in uniques], codes, index)


def _extras(df: pd.DataFrame, kind_name: str) -> list[str]:
    """Columns that are neither contract nor bookkeeping columns."""
    k = get_kind(kind_name)
    known = set(k.names) | set(RESERVED)
    return [c for c in df.columns if c not in known]


def _extra_json(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    """One JSON object per row of the non-empty values in ``cols`` (``{}`` when none)."""
    if not cols or not len(df):
        return pd.Series("{}", index=df.index, dtype="str")
    sub = df[cols].astype("str")
    text = sub.to_json(orient="records", lines=True, force_ascii=False)
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    s = pd.Series(rows, index=df.index, dtype="str")
    for c in cols:
        k = json.dumps(str(c), ensure_ascii=False)
        if s.str.contains(f"{k}:null", regex=False).any():
            s = (s.str.replace(f"{k}:null,", "", regex=False)
                 .str.replace(f",{k}:null}}", "}", regex=False)
                 .str.replace(f"{{{k}:null}}", "{}", regex=False))
    return s


def _dedupe(df: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    """Keep the last row of each key; ``attrs['duplicates_dropped']`` counts the others."""
    dup = df.duplicated(key, keep="last")
    n = int(dup.sum())
    if n:
        df = df.loc[~dup.to_numpy()].reset_index(drop=True)
    df.attrs["duplicates_dropped"] = n
    return df


def _ensure_types(df: pd.DataFrame, kind_name: str) -> pd.DataFrame:
    """Accept a frame that skipped :func:`ingest.validate.validate`'s typing: parse dates and
    numbers if they are still text (a no-op on validated frames)."""
    k = get_kind(kind_name)
    for c in k.columns:
        if c.name not in df.columns:
            continue
        s = df[c.name]
        if c.type in ("date", "datetime") and not pd.api.types.is_datetime64_any_dtype(s):
            df[c.name] = parse_datetimes(s.astype("str"))[0]
        elif c.type == "number" and not pd.api.types.is_float_dtype(s):
            df[c.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif c.type == "int" and str(s.dtype) != "Int64":
            df[c.name] = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif c.type == "bool" and str(s.dtype) != "boolean":
            low = s.astype("str").str.lower()
            df[c.name] = low.isin(["true", "t", "yes", "y", "1"]).astype("boolean").where(
                s.notna())
    return df


# --------------------------------------------------------------------------------------------
# money
# --------------------------------------------------------------------------------------------

def to_usd(values: pd.Series, currencies: pd.Series, when: pd.Series,
           rates: pd.DataFrame | None) -> pd.Series:
    """``values`` in USD: each currency's rate on the nearest earlier date (same day included);
    a date before the first rate uses the first rate. USD is 1. ``NaN`` when the currency has
    no rate or the value is missing."""
    values = pd.Series(values, copy=False).astype("float64")
    cur = pd.Series(currencies, copy=False).astype("str").str.upper()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    is_usd = (cur == "USD").to_numpy()
    out[is_usd] = values[is_usd]
    need = (~is_usd) & values.notna().to_numpy() & cur.notna().to_numpy() & \
        pd.Series(when).notna().to_numpy()
    if not need.any() or rates is None or not len(rates):
        return out
    r = rates[["currency", "date", "usd_per_unit"]].dropna()
    r = r.assign(currency=r["currency"].astype("str"),
                 date=pd.to_datetime(r["date"]).astype("datetime64[ns]"))
    r = r.sort_values("date", kind="stable")
    left = pd.DataFrame({"pos": np.flatnonzero(need),
                         "currency": cur.to_numpy()[need],
                         "date": pd.to_datetime(pd.Series(when).to_numpy()[need])
                         .astype("datetime64[ns]")})
    left["currency"] = left["currency"].astype("str")
    left = left.sort_values("date", kind="stable")
    back = pd.merge_asof(left, r, on="date", by="currency", direction="backward")
    miss = back["usd_per_unit"].isna().to_numpy()
    if miss.any():
        fwd = pd.merge_asof(left[miss], r, on="date", by="currency", direction="forward")
        back.loc[miss, "usd_per_unit"] = fwd["usd_per_unit"].to_numpy()
    rate = np.full(len(values), np.nan)
    rate[back["pos"].to_numpy()] = back["usd_per_unit"].to_numpy()
    conv = values.to_numpy() * rate
    out[~is_usd] = conv[~is_usd]
    return out


# --------------------------------------------------------------------------------------------
# mentions
# --------------------------------------------------------------------------------------------

def _mention_rows(df: pd.DataFrame, role: str, scope: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Mention candidates of one role: per-row mention key (``NaN`` where no mention) and the
    distinct mentions (raw columns, scope, role_hint)."""
    cols = _ROLES[role]
    raw = {}
    for out_name, src in zip(_RAW, cols):
        raw[out_name] = _text0(_col(df, src)) if src else pd.Series("", index=df.index,
                                                                    dtype="str")
    present = np.zeros(len(df), dtype=bool)
    for c in ("raw_id", "raw_name", "raw_address", "raw_phone", "raw_email"):
        present |= (raw[c] != "").to_numpy()
    sc = _text0(scope)
    keys = _sha16(_join([sc, *[raw[c] for c in _RAW]]), df.index).where(present)
    distinct = pd.DataFrame({"mention_key": keys, "scope": sc, **raw, "_region": _home_region(df, role, sc)})
    distinct = distinct.loc[present].drop_duplicates("mention_key")
    distinct["role_hint"] = role
    return distinct, keys


_PHONE_PLAIN = r"^\+?[0-9 ().\-]*[0-9][0-9 ().\-]*$"


class _PhoneFast:
    """A shortcut for the common phone shapes, exact with respect to ``phonenumbers``.

    For a number written only with digits and punctuation, ``phonenumbers.parse`` +
    ``is_possible_number`` + E.164 depend on the digits, the leading ``+`` and the region only,
    through: country-code extraction (``+`` numbers), national-prefix stripping guarded by the
    region's general number pattern, and a length test. This class replays those steps for
    regions whose national prefix is a plain digit string without transform rule and whose
    calling code is theirs (``region_code_for_country_code``), and answers ``None`` for
    anything else (international dialling prefixes, numbers starting with the calling code
    without ``+``, leading zeros kept by Italian-style rules, shared calling codes, ...), which
    then goes to the library. ``tests/test_normalize.py`` checks it against the library.
    """

    def __init__(self) -> None:
        self._meta: dict[str, Any] = {}

    def _region(self, region: str) -> Any:
        if region in self._meta:
            return self._meta[region]
        from phonenumbers import phonenumberutil as pu

        info = None
        m = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        if m is not None and phonenumbers.region_code_for_country_code(m.country_code) == region:
            npp = m.national_prefix_for_parsing
            simple = npp is None or re.fullmatch(r"\d+", npp) is not None
            if simple and not m.national_prefix_transform_rule:
                general = re.compile(m.general_desc.national_number_pattern)
                lengths = {n: pu._test_number_length("9" * n, m) for n in range(20)}
                idd = re.compile(m.international_prefix) if m.international_prefix else None
                info = (str(m.country_code), npp or "", general, lengths, idd)
        self._meta[region] = info
        return info

    def national(self, digits: str, region: str) -> str | None:
        """E.164 / ``''`` for a number without ``+`` in ``region``, or ``None`` (ask the library)."""
        info = self._region(region) if region else None
        if info is None or len(digits) < 3:
            return None
        cc, prefix, general, lengths, idd = info
        if digits.startswith(cc) or (idd is not None and idd.match(digits)):
            return None
        return self._finish(cc, digits, prefix, general, lengths)

    def international(self, digits: str) -> str | None:
        """E.164 / ``''`` for a number written with ``+``, or ``None`` (ask the library)."""
        if len(digits) <= 2 or digits[0] == "0":
            return None
        for i in (1, 2, 3):
            code = int(digits[:i])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                region = phonenumbers.region_code_for_country_code(code)
                info = self._region(region)
                if info is None:
                    return None
                cc, prefix, general, lengths, _ = info
                return self._finish(cc, digits[i:], prefix, general, lengths)
        return None

    @staticmethod
    def _finish(cc: str, number: str, prefix: str, general: re.Pattern[str],
                lengths: dict[int, Any]) -> str | None:
        from phonenumbers import ValidationResult as V

        if len(number) < 2:
            return ""
        nsn = number
        if prefix and number.startswith(prefix):
            stripped = number[len(prefix):]
            keeps_viability = not (general.fullmatch(number) and not general.fullmatch(stripped))
            if keeps_viability and lengths.get(len(stripped), V.TOO_LONG) not in (
                    V.TOO_SHORT, V.IS_POSSIBLE_LOCAL_ONLY, V.INVALID_LENGTH):
                nsn = stripped
        if len(nsn) < 2 or len(nsn) > 17:
            return ""
        if nsn.startswith("0"):
            return None  # leading zeros are kept by special rules: let the library decide
        ok = lengths.get(len(nsn), V.TOO_LONG) in (V.IS_POSSIBLE, V.IS_POSSIBLE_LOCAL_ONLY)
        return f"+{cc}{nsn}" if ok else ""


_PHONE_FAST = _PhoneFast()


def _phone_key(number: str, region: str) -> str:
    """:func:`normalize_phone` for a reduced key (``+digits`` or ``digits``), fast path first."""
    if number.startswith("+") and number[1:].isdigit():
        fast = _PHONE_FAST.international(number[1:])
    elif number.isdigit():
        fast = _PHONE_FAST.national(number, region)
    else:
        fast = None
    return fast if fast is not None else normalize_phone(number, region or None)


def normalize_phones(raw: pd.Series, region: pd.Series) -> pd.Series:
    """:func:`normalize_phone` over a column, with the library called once per distinct number.

    Values are reduced as :func:`normalize_phone` does (digits and leading ``+``), so
    ``(02) 123-4567`` and ``02 123 4567`` share one lookup. Common shapes are answered by
    :class:`_PhoneFast` (same results as the library, much faster); the rest goes to
    phonenumbers once per distinct (number, region).
    """
    raw = _text0(raw)
    region = _text0(region)
    plain = pd.Series(_match(raw, _PHONE_PLAIN), index=raw.index)
    digits = raw.str.replace(r"[^0-9]", "", regex=True)
    plus = raw.str.startswith("+").fillna(False)
    reduced = pd.Series(np.where(plus.to_numpy(), "+", ""), index=raw.index, dtype="str") + digits
    key_number = raw.str.strip().where(~plain, reduced)
    return _map_unique_pairs(key_number, region, _phone_key).fillna("")


def _match(s: pd.Series, pattern: str) -> np.ndarray:
    m = pc.match_substring_regex(_arrow(s), pattern)
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)


def _home_region(df: pd.DataFrame, role: str, scope: pd.Series) -> pd.Series:
    """Where a party without a stated country most likely is, for reading its phone number:
    a consignor ships from the export country (else the origin country); a consignee or
    declarant is where the declaration was lodged."""
    region = scope
    if role == "consignor":
        for column in ("origin_country", "export_country"):
            fallback = _text0(_col(df, column))
            region = fallback.where(fallback.isin(COUNTRIES), region)
    return region


def _enrich_mentions(m: pd.DataFrame, default_region: str | None) -> pd.DataFrame:
    """Add the normalised columns to distinct mentions (library calls per distinct value)."""
    country = m["raw_country"].where(m["raw_country"].isin(COUNTRIES), "")
    home = m["_region"] if "_region" in m else m["scope"]
    scope_region = home.where(home.isin(COUNTRIES), default_region or "")
    region = country.where(country != "", scope_region)
    m = m.assign(
        name_fp=_map_unique(m["raw_name"], name_fingerprint).fillna(""),
        name_norm=_map_unique(m["raw_name"], normalize_name).fillna(""),
        phone=normalize_phones(m["raw_phone"], region),
        email=_map_unique(m["raw_email"], normalize_email).fillna(""),
        address_norm=_map_unique(m["raw_address"], normalize_address).fillna(""),
        country=country.astype("str").fillna(""),
    )
    return m


def _declaration_mentions(df: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    scope = _col(df, "reporting_country")
    parts, keys = [], {}
    for role in _ROLES:
        distinct, k = _mention_rows(df, role, scope)
        parts.append(distinct)
        keys[role] = k
    allm = pd.concat(parts, ignore_index=True)
    if len(allm):
        # role_hint: every role the mention was seen in, '|'-joined in a fixed order
        # each (mention, role) pair occurs once here, so the sum of role bits is their OR
        bit = allm["role_hint"].map({r: 1 << i for i, r in enumerate(_ROLES)}).astype("int64")
        mask = bit.groupby(allm["mention_key"].to_numpy(), sort=False).sum()
        names = {b: "|".join(r for i, r in enumerate(_ROLES) if b >> i & 1)
                 for b in range(1, 1 << len(_ROLES))}
        allm = allm.drop_duplicates("mention_key").reset_index(drop=True)
        allm["role_hint"] = allm["mention_key"].map(mask).map(names).astype("str")
    allm["tax_id"] = ""
    allm["registered_at"] = pd.Series(pd.NaT, index=allm.index, dtype="datetime64[ns]")
    allm["aeo_tier"] = ""
    allm = _enrich_mentions(allm, ctx.default_region)
    return _finish_mentions(allm), keys


def _finish_mentions(m: pd.DataFrame) -> pd.DataFrame:
    m = m[MENTION_COLUMNS].reset_index(drop=True)
    for c in MENTION_COLUMNS:
        if c != "registered_at":
            m[c] = m[c].astype("str").fillna("")
    m["registered_at"] = pd.to_datetime(m["registered_at"]).astype("datetime64[ns]")
    return m


# --------------------------------------------------------------------------------------------
# per kind
# --------------------------------------------------------------------------------------------

def _normalize_declarations(df: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    extras = _extras(df, "declarations")
    item = _col(df, "item_no").fillna(1).astype("int64")
    df = df.assign(item_no=item)
    decl_key = (_text0(_col(df, "reporting_country")) + "|" + _text0(_col(df, "declaration_id"))
                + "|" + item.astype("str"))
    df = df.assign(decl_key=decl_key)
    df = _dedupe(df, "decl_key")
    dropped = df.attrs.get("duplicates_dropped", 0)

    mentions, keys = _declaration_mentions(df, ctx)
    hs = _col(df, "hs_code")
    out = pd.DataFrame({
        c: _col(df, c) for c in DECLARATION_COLUMNS
        if c not in ("consignor_mention", "consignee_mention", "declarant_mention", "hs6",
                     "hs_chapter", "value_usd", "route", "route_id", "extra")
    })
    # shipment units: what links this declaration to the earlier and later ones of the same
    # goods (ingest.units); a container number failing the ISO 6346 check is not linked
    out["container_ids"], out["containers_rejected"] = normalize_container_list(_col(df, "container_ids"))
    out["transport_document"] = normalize_document_list(_col(df, "transport_document"))
    out["previous_document"] = normalize_document_list(_col(df, "previous_document"))
    rejected = int(out["containers_rejected"].ne("").sum())
    for c in ("container_ids", "containers_rejected", "transport_document", "previous_document"):
        out[c] = out[c].replace("", np.nan).astype("str")
    out["consignor_mention"] = keys["consignor"].astype("str")
    out["consignee_mention"] = keys["consignee"].astype("str")
    out["declarant_mention"] = keys["declarant"].astype("str")
    out["hs6"] = hs.str.slice(0, 6)
    out["hs_chapter"] = hs.str.slice(0, 2)
    out["value_usd"] = to_usd(_col(df, "customs_value"), _col(df, "currency"),
                              _col(df, "declared_at"), ctx.rates)
    route, rid = _routes(df, ctx.ftz_locodes())
    out["route"] = route
    out["route_id"] = rid
    out["extra"] = _extra_json(df, extras)
    out = out[DECLARATION_COLUMNS]
    out.attrs["duplicates_dropped"] = dropped
    out.attrs["containers_rejected"] = rejected
    out.attrs["unconverted_currencies"] = sorted(
        set(out.loc[out["value_usd"].isna() & out["customs_value"].notna(), "currency"]
            .dropna().astype(str)))
    return {"declarations": out, "mentions": mentions,
            "unknown_hubs": unknown_hubs(out, ctx)}


def _routes(df: pd.DataFrame, ftz: frozenset[str]) -> tuple[pd.Series, pd.Series]:
    """Route string and id per row, built once per distinct (origin, ports) combination."""
    parts = [_col(df, c) for c in
             ("origin_country", "port_of_loading", "transit_ports", "port_of_discharge")]
    codes, uniques = _encode(_join(parts))
    routes, ids = [], []
    for u in uniques:
        o, pol, tr, pod = u.split(_SEP)
        r = route_string(o or None, pol or None, tr or None, pod or None, ftz)
        routes.append(r)
        ids.append(route_id(r))
    return _take(routes, codes, df.index), _take(ids, codes, df.index)


def unknown_hubs(declarations: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Hubs for LOCODEs the declarations use that the hub reference lacks: ``known`` false,
    coordinates unknown, country from the LOCODE's first two letters when valid."""
    codes: set[str] = set()
    for c in ("port_of_loading", "port_of_discharge"):
        if c in declarations:
            codes.update(declarations[c].dropna().astype(str).unique())
    if "transit_ports" in declarations:
        for v in declarations["transit_ports"].dropna().astype(str).unique():
            codes.update(p for p in v.split(";") if p)
    new = sorted(codes - ctx.known_locodes())
    country = [c[:2] if c[:2] in COUNTRIES else np.nan for c in new]
    return pd.DataFrame({
        "locode": pd.Series(new, dtype="str"),
        "name": pd.Series(np.nan, index=range(len(new)), dtype="str"),
        "country": pd.Series(country, dtype="str"),
        "lat": np.full(len(new), np.nan), "lon": np.full(len(new), np.nan),
        "kind": pd.Series(np.nan, index=range(len(new)), dtype="str"),
        "ftz": pd.Series(False, index=range(len(new)), dtype="boolean"),
        "known": pd.Series(False, index=range(len(new)), dtype="boolean"),
    })[HUB_COLUMNS]


def _normalize_parties(df: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    raw = {
        "raw_id": _text0(_col(df, "party_id")), "raw_name": _text0(_col(df, "name")),
        "raw_address": _text0(_col(df, "address")), "raw_country": _text0(_col(df, "country")),
        "raw_phone": _text0(_col(df, "phone")), "raw_email": _text0(_col(df, "email")),
    }
    scope = pd.Series("registry", index=df.index, dtype="str")
    m = pd.DataFrame({"mention_key": _sha16(_join([scope, *[raw[c] for c in _RAW]]), df.index),
                      "scope": scope, "role_hint": "registry", **raw})
    m["tax_id"] = _map_unique(_col(df, "tax_id"), normalize_tax_id).fillna("")
    m["registered_at"] = _col(df, "registered_at") if "registered_at" in df else pd.NaT
    m["aeo_tier"] = _text0(_col(df, "aeo_tier"))
    m = _dedupe(m, "mention_key")
    dropped = m.attrs.get("duplicates_dropped", 0)
    m = _finish_mentions(_enrich_mentions(m, ctx.default_region))
    m.attrs["duplicates_dropped"] = dropped
    return {"mentions": m}


def _split_map(s: pd.Series, fn: Any) -> pd.Series:
    """Apply ``fn`` to every item of ``;``-lists (once per distinct list); empty results drop."""
    def one(v: str) -> str | None:
        items = [fn(p.strip()) for p in v.split(";") if p.strip()]
        items = [i for i in items if i]
        return ";".join(dict.fromkeys(items)) or None
    return _map_unique(s, one)


def _normalize_tips(df: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    extras = _extras(df, "tips")
    df = _dedupe(df.reset_index(drop=True), "tip_id")
    dropped = df.attrs.get("duplicates_dropped", 0)
    as_of = _as_of(ctx)
    valid_until = _col(df, "valid_until")
    expired = (valid_until.notna() & (valid_until < as_of.normalize())).to_numpy()
    rel = _col(df, "source_reliability").fillna("F")
    cred = _col(df, "info_credibility").fillna("6")
    tlp = _col(df, "tlp").fillna("AMBER")
    weight = np.array([tip_weight(r, c, e) for r, c, e in
                       zip(rel.tolist(), cred.tolist(), expired.tolist())], dtype="float64")
    # phone region: the operator's default, else the tip's first origin country
    first_origin = _col(df, "origin_countries").str.split(";").str[0]
    region = (pd.Series(ctx.default_region, index=df.index, dtype="str")
              if ctx.default_region else first_origin)
    phones_raw = _col(df, "suspect_phones")
    phones = pd.Series(
        [";".join(dict.fromkeys(x for x in (normalize_phone(p.strip(), None if _blank(r) else r)
                                            for p in v.split(";") if p.strip()) if x)) or np.nan
         if isinstance(v, str) else np.nan
         for v, r in zip(phones_raw.tolist(), region.tolist())],
        index=df.index, dtype="str")
    out = pd.DataFrame({c: _col(df, c) for c in TIP_COLUMNS
                        if c not in ("weight", "status", "suspect_name_fps",
                                     "suspect_addresses_norm", "suspect_phones_raw", "extra")})
    out["source_reliability"] = rel.astype("str")
    out["info_credibility"] = cred.astype("str")
    out["tlp"] = tlp.astype("str")
    out["suspect_phones"] = phones
    out["suspect_emails"] = _split_map(_col(df, "suspect_emails"), normalize_email)
    out["weight"] = weight
    out["status"] = pd.Series(np.where(expired, "expired", "active"), index=df.index,
                              dtype="str")
    out["suspect_name_fps"] = _split_map(_col(df, "suspect_names"), name_fingerprint)
    out["suspect_addresses_norm"] = _split_map(_col(df, "suspect_addresses"), normalize_address)
    out["suspect_phones_raw"] = phones_raw
    out["extra"] = _extra_json(df, extras)
    out = out[TIP_COLUMNS]
    out.attrs["duplicates_dropped"] = dropped
    return {"tips": out}


def _as_of(ctx: Context) -> pd.Timestamp:
    if ctx.as_of is None:
        return pd.Timestamp.now(tz="UTC").tz_localize(None)
    t = pd.Timestamp(ctx.as_of)
    return t.tz_convert("UTC").tz_localize(None) if t.tzinfo else t


def _normalize_outcomes(df: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    extras = _extras(df, "outcomes")
    item = _col(df, "item_no")
    item = item.astype("Int64") if len(item) else pd.Series([], dtype="Int64")
    rc, did = _text0(_col(df, "reporting_country")), _text0(_col(df, "declaration_id"))
    ref = rc + "|" + did
    decl_key = ref + "|" + item.fillna(1).astype("int64").astype("str")
    result = _col(df, "result")
    out = pd.DataFrame({
        "outcome_key": decl_key + "|" + _text0(result),
        "decl_key": decl_key, "declaration_ref": ref,
        "declaration_id": _col(df, "declaration_id"),
        "reporting_country": _col(df, "reporting_country"),
        "item_no": item, "result": result, "offence": _col(df, "offence"),
        "decided_at": _col(df, "decided_at"),
        "extra": _extra_json(df, extras),
        "source_file": _col(df, "source_file"), "line": _col(df, "line"),
    })
    out = _dedupe(out, "outcome_key")
    return {"outcomes": out[OUTCOME_COLUMNS]}


def _normalize_hubs(df: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    locode = _col(df, "locode")
    country = _col(df, "country")
    from_code = locode.str.slice(0, 2)
    country = country.fillna(from_code.where(from_code.isin(COUNTRIES)))
    kind_col = _col(df, "kind")
    ftz = _col(df, "ftz")
    ftz = (ftz.astype("boolean") if len(ftz) else pd.Series([], dtype="boolean")).fillna(False)
    ftz = ftz | (kind_col == "ftz").fillna(False).to_numpy()
    out = pd.DataFrame({
        "locode": locode, "name": _col(df, "name"), "country": country.astype("str"),
        "lat": _col(df, "lat").astype("float64"), "lon": _col(df, "lon").astype("float64"),
        "kind": kind_col, "ftz": ftz.astype("boolean"),
        "known": pd.Series(True, index=df.index, dtype="boolean"),
    })
    out = _dedupe(out, "locode")
    return {"hubs": out[HUB_COLUMNS]}


def _normalize_rates(df: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    out = pd.DataFrame({"currency": _col(df, "currency").astype("str"),
                        "date": _col(df, "date"),
                        "usd_per_unit": _col(df, "usd_per_unit").astype("float64")})
    out = _dedupe(out, ["currency", "date"])
    dropped = out.attrs.get("duplicates_dropped", 0)
    unknown = sorted(set(out["currency"].dropna()) - CURRENCIES)
    out = out.sort_values(["currency", "date"], kind="stable").reset_index(drop=True)
    out.attrs["duplicates_dropped"] = dropped
    out.attrs["unknown_currencies"] = unknown
    return {"rates": out[RATE_COLUMNS]}


_NORMALIZERS = {
    "declarations": _normalize_declarations, "parties": _normalize_parties,
    "tips": _normalize_tips, "outcomes": _normalize_outcomes, "hubs": _normalize_hubs,
    "rates": _normalize_rates,
}


def normalize(kind: str, good: pd.DataFrame, context: Context | None = None,
              ) -> dict[str, pd.DataFrame]:
    """Canonical frames for validated rows of ``kind`` (see the module docstring)."""
    k = get_kind(kind)
    ctx = context if context is not None else Context()
    df = good.reset_index(drop=True).copy(deep=False)
    df = _ensure_types(df, k.name)
    return _NORMALIZERS[k.name](df, ctx)
