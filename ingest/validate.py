"""Validate a mapped :class:`~ingest.readers.RawFrame` against the contract, vectorised.

``validate(raw, kind) -> (good, bad)``:

* ``good`` — the rows that pass, one column per contract column (all of them, in contract
  order, missing ones empty), then the file's other columns as text (extras), then
  ``source_file`` and ``line``. Contract columns come out in canonical form, typed:

  ==============  ==============================================================
  date/datetime   ``datetime64[ns]``, naive UTC (``date``: midnight of the day)
  number          ``float64``
  int             ``Int64``
  bool            ``boolean``
  country         upper-case alpha-2
  locode          upper-case, no spaces (``TH LCH`` -> ``THLCH``)
  hs              digits only
  enum            the canonical value (``Sea`` -> ``sea``, ``tlp:amber`` -> ``AMBER``)
  *_list          ``;``-joined canonical items, empty items dropped
  currency        upper-case
  others          text as read
  ==============  ==============================================================

  Defaults (``flow=import``, ``item_no=1``, ``currency=USD``, ...) fill empty cells first.
* ``bad`` — ``source_file, line, reason, raw``: the reader's rejected rows plus every row with
  at least one problem; ``reason`` lists *every* problem of the row in contract column order,
  ``; ``-separated, e.g. ``hs_code '85AB' is not 6-10 digits; origin_country 'XX' is not
  ISO 3166-1 alpha-2``.

A file that lacks a required column altogether (and no default or mapping constant fills it)
is a layout problem, not a row problem: :class:`IngestError` by default
(``missing_columns="quarantine"`` sends every row to the quarantine instead).

Date forms accepted: ISO 8601 (``2024-03-05``, ``2024-03-05T10:00``, ``...+07:00``, ``...Z``,
``20240305``), ``2024/03/05``, ``2024.03.05``, day-first ``05/03/2024``, ``05-03-2024``,
``05.03.2024`` (each with an optional ``HH:MM[:SS]``), ``5 Mar 2024``, ``05-Mar-2024``,
``Mar 5, 2024`` and RFC 2822. A date must name a day; years outside 1900-2100 are refused.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import functools
import re
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from ingest.contract import RESERVED, Column, IngestError, Kind
from ingest.contract import kind as get_kind
from ingest.readers import BAD_COLUMNS, RawFrame, empty_bad

__all__ = [
    "COUNTRIES",
    "CURRENCIES",
    "LOCODE_RE",
    "compact_locode",
    "is_country",
    "missing_columns",
    "parse_datetimes",
    "parse_numbers",
    "validate",
]

#: ISO 3166-1 alpha-2 codes (pycountry); user-assigned codes such as ``XX``, ``EU`` or the
#: non-ISO ``UK`` are not in it.
COUNTRIES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)
_ALPHA3: dict[str, str] = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
#: ISO 4217 alphabetic codes (pycountry).
CURRENCIES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies)
LOCODE_RE = r"[A-Z]{2}[A-Z0-9]{3}"
_LOCODE = re.compile(LOCODE_RE)
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_ISO_DAY = r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]|$)|\d{8}(?:T|$)"
_FALLBACK_FORMATS = [
    f"{d}{t}"
    for d in ("%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
    for t in ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")
] + ["%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y",
     "%d %b %Y %H:%M", "%d %b %Y %H:%M:%S"]

Checked = tuple[pd.Series, pd.Series]  # (canonical values, reason per invalid row)


def is_country(code: str | None) -> bool:
    """``True`` for an ISO 3166-1 alpha-2 code (any case)."""
    return bool(code) and str(code).strip().upper() in COUNTRIES


def compact_locode(code: str | None) -> str | None:
    """``'th lch'`` -> ``'THLCH'``; ``None`` when it is not a well-formed UN/LOCODE."""
    if code is None:
        return None
    c = "".join(str(code).split()).upper()
    return c if _LOCODE.fullmatch(c) else None


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _quote(values: pd.Series) -> pd.Series:
    """``'value'`` for reasons (long values cut at 40 characters)."""
    v = values.astype("str")
    long = v.str.len() > 40
    v = v.where(~long, v.str.slice(0, 37) + "...")
    return "'" + v + "'"


def _reason(col: str, values: pd.Series, mask: pd.Series, text: str) -> pd.Series:
    """``col 'value' text`` for the rows in ``mask``."""
    if not mask.any():
        return pd.Series(dtype="str")
    return (col + " " + _quote(values[mask]) + " " + text).astype("str")


def _arrow(s: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The Arrow strings behind a ``str`` Series (zero-copy for pyarrow-backed strings)."""
    return pa.array(s, from_pandas=True) if s.dtype == "str" else \
        pa.array(s.astype("str"), from_pandas=True)


def _from_arrow(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    out = arr.to_pandas()
    if not isinstance(out, pd.Series):
        out = pd.Series(out)
    out.index = index
    return out.astype("str")


def _contains(s: pd.Series, pattern: str) -> np.ndarray:
    """Rows whose text matches the regex ``pattern`` somewhere (missing -> False)."""
    m = pc.match_substring_regex(_arrow(s), pattern)
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)


def _replace(s: pd.Series, pattern: str, by: str) -> pd.Series:
    return _from_arrow(pc.replace_substring_regex(_arrow(s), pattern, by), s.index)


def _per_unique(s: pd.Series, fn: Callable[[str], tuple[str | None, str | None]]) -> Checked:
    """Apply ``fn(value) -> (canonical, problem)`` once per distinct value."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return s, pd.Series(dtype="str")
    results = [fn(u) for u in uniques.tolist()]
    idx = np.where(codes < 0, len(uniques), codes)
    canon = pa.array([r[0] for r in results] + [None], type=pa.large_string())
    values = _from_arrow(canon.take(pa.array(idx)), s.index)
    bad_u = np.array([r[1] is not None for r in results] + [False], dtype=bool)
    rows = np.flatnonzero(bad_u[idx])
    if not len(rows):
        return values, pd.Series(dtype="str")
    probs = np.array([r[1] for r in results] + [None], dtype=object)
    return values, pd.Series(probs[idx[rows]], index=s.index[rows], dtype="str")


# --------------------------------------------------------------------------------------------
# type checks: (s: text Series with NaN for empty, col) -> (canonical values, reasons)
# --------------------------------------------------------------------------------------------

def parse_numbers(s: pd.Series) -> pd.Series:
    """Text -> float64 (NaN where empty or not a number); ``1,234.5`` thousands commas ok."""
    arr = pa.array(s, from_pandas=True, type=pa.large_string())
    try:
        return pd.Series(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False),
                         index=s.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    t = s
    if _contains(s, ",").any():
        thousands = _contains(s, r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
        t = s.where(~thousands, _replace(s, ",", ""))
    return pd.to_numeric(t, errors="coerce").astype("float64")


def _check_number(s: pd.Series, col: Column) -> Checked:
    v = parse_numbers(s)
    present = s.notna()
    bad_num = present & ~np.isfinite(v.fillna(0.0)) | (present & v.isna())
    reasons = [_reason(col.name, s, bad_num, "is not a number")]
    ok = present & ~bad_num
    if col.minimum is not None:
        if col.exclusive_minimum:
            low = ok & (v <= col.minimum)
            reasons.append(_reason(col.name, s, low, f"must be greater than {col.minimum:g}"))
        else:
            low = ok & (v < col.minimum)
            text = "is negative" if col.minimum == 0 else f"is below {col.minimum:g}"
            reasons.append(_reason(col.name, s, low, text))
    if col.maximum is not None:
        high = ok & (v > col.maximum)
        reasons.append(_reason(col.name, s, high, f"is above {col.maximum:g}"))
    return v.where(~bad_num), _concat(reasons)


def _check_int(s: pd.Series, col: Column) -> Checked:
    v = parse_numbers(s)
    present = s.notna()
    bad = present & (v.isna() | ~np.isfinite(v.fillna(0.0)) | ((v % 1) != 0))
    reasons = [_reason(col.name, s, bad, "is not a whole number")]
    if col.minimum is not None:
        low = present & ~bad & (v < col.minimum)
        reasons.append(_reason(col.name, s, low, f"must be at least {col.minimum:g}"))
    out = v.where(~bad).round().astype("Int64")
    return out, _concat(reasons)


_TRUE = {"true", "t", "yes", "y", "1", "x"}
_FALSE = {"false", "f", "no", "n", "0"}


def _check_bool(s: pd.Series, col: Column) -> Checked:
    low = s.str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    bad = s.notna() & out.isna()
    return out, _reason(col.name, s, bad, "is not true/false")


def _check_country(s: pd.Series, col: Column) -> Checked:
    up = s.str.upper()
    bad = s.notna() & ~up.isin(COUNTRIES)
    if not bad.any():
        return up, pd.Series(dtype="str")
    hint = up[bad].map(_ALPHA3)
    text = pd.Series("is not ISO 3166-1 alpha-2", index=hint.index, dtype="str")
    has = hint.notna()
    text[has] = "is not ISO 3166-1 alpha-2 (alpha-3; use '" + hint[has].astype("str") + "')"
    reason = (col.name + " " + _quote(s[bad]) + " " + text).astype("str")
    return up.where(~bad), reason


def _check_locode(s: pd.Series, col: Column) -> Checked:
    c = s
    if _contains(s, r"\s").any():
        c = _replace(s, r"\s+", "")
    c = c.str.upper()
    bad = s.notna() & ~_contains(c, f"^{LOCODE_RE}$")
    return c.where(~bad), _reason(col.name, s, bad,
                                  "is not a UN/LOCODE (2 letters + 3 letters/digits)")


def _check_hs(s: pd.Series, col: Column) -> Checked:
    d = s
    if _contains(s, r"[.\s]").any():
        d = _replace(s, r"[.\s]+", "")
    bad = s.notna() & ~_contains(d, r"^\d{6,10}$")
    return d.where(~bad), _reason(col.name, s, bad, "is not 6-10 digits")


def _list_checker(item: Callable[[str], str | None], one: str, many: str,
                  col: Column) -> Callable[[str], tuple[str | None, str | None]]:
    def check(value: str) -> tuple[str | None, str | None]:
        items = [p.strip() for p in str(value).split(";")]
        items = [p for p in items if p]
        out, wrong = [], []
        for p in items:
            c = item(p)
            if c is None:
                wrong.append(p)
            else:
                out.append(c)
        if wrong:
            shown = ", ".join(f"'{w}'" for w in wrong[:5])
            what = f"is not {one}" if len(wrong) == 1 else f"are not {many}"
            return None, f"{col.name} {shown} {what}"
        return (";".join(out) or None), None
    return check


def _hs_prefix(p: str) -> str | None:
    d = re.sub(r"[.\s]+", "", p)
    return d if re.fullmatch(r"\d{2,10}", d) else None


def _country_item(p: str) -> str | None:
    u = p.upper()
    return u if u in COUNTRIES else None


def _check_list(s: pd.Series, col: Column) -> Checked:
    """Lists: single items go through the scalar check (vectorised), lists per distinct value."""
    compound = _contains(s, ";")
    if not compound.all():
        simple = s.where(~compound)
        if col.type == "country_list":
            v1, r1 = _check_country(simple, col)
        elif col.type == "locode_list":
            v1, r1 = _check_locode(simple, col)
        elif col.type == "hs_list":
            v1, r1 = _check_hs_prefix(simple, col)
        else:
            v1, r1 = simple, pd.Series(dtype="str")
        if not compound.any():
            return v1, r1
        v2, r2 = _check_compound(s.where(compound), col)
        return v1.where(~compound, v2), _concat([r1, r2])
    return _check_compound(s, col)


def _check_hs_prefix(s: pd.Series, col: Column) -> Checked:
    d = s
    if _contains(s, r"[.\s]").any():
        d = _replace(s, r"[.\s]+", "")
    bad = s.notna() & ~_contains(d, r"^\d{2,10}$")
    return d.where(~bad), _reason(col.name, s, bad, "is not an HS prefix of 2-10 digits")


def _check_compound(s: pd.Series, col: Column) -> Checked:
    if col.type == "country_list":
        fn = _list_checker(_country_item, "ISO 3166-1 alpha-2", "ISO 3166-1 alpha-2", col)
    elif col.type == "locode_list":
        fn = _list_checker(compact_locode, "a UN/LOCODE (2 letters + 3 letters/digits)",
                           "UN/LOCODEs (2 letters + 3 letters/digits)", col)
    elif col.type == "hs_list":
        fn = _list_checker(_hs_prefix, "an HS prefix of 2-10 digits",
                           "HS prefixes of 2-10 digits", col)
    else:
        fn = _list_checker(lambda p: p, "", "", col)
    return _per_unique(s, fn)


def _enum_key(v: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(v).lower())


@functools.cache
def _enum_table(allowed: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    table = {_enum_key(a): a for a in allowed}
    for k, v in aliases:
        table.setdefault(_enum_key(k), v)
    return table


def _check_enum(s: pd.Series, col: Column) -> Checked:
    table = _enum_table(col.allowed, tuple(sorted(col.aliases.items())))
    listing = ", ".join(col.allowed)

    def one(v: str) -> tuple[str | None, str | None]:
        c = table.get(_enum_key(v))
        if c is None:
            return None, f"{col.name} '{v}' is not one of {listing}"
        return c, None
    return _per_unique(s, one)


def _check_currency(s: pd.Series, col: Column) -> Checked:
    return s.str.upper(), pd.Series(dtype="str")


def _check_text(s: pd.Series, col: Column) -> Checked:
    return s, pd.Series(dtype="str")


def parse_datetimes(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text -> ``datetime64[ns]`` naive UTC, and a mask of present values that did not parse
    (or fell outside 1900-2100). See the module docstring for the accepted forms."""
    present = s.notna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if not present.any():
        return out, present
    iso = pd.Series(_contains(s, f"^(?:{_ISO_DAY})"), index=s.index)
    if iso.any():
        parsed = pd.to_datetime(s[iso], format="ISO8601", utc=True, errors="coerce")
        out[iso] = _naive_ns(parsed)
    rest = present & ~iso
    if rest.any():
        other = s[rest]
        codes, uniques = pd.factorize(other)
        vals = [_parse_other(u) for u in uniques.tolist()]
        arr = pd.Series(pd.to_datetime(pd.Series(vals + [None], dtype="object"), utc=True))
        out[rest] = _naive_ns(arr.iloc[np.where(codes < 0, len(uniques), codes)]).to_numpy()
    bad = present & (out.isna() | (out.dt.year < _MIN_YEAR) | (out.dt.year > _MAX_YEAR))
    return out.where(~bad), bad


def _naive_ns(parsed: pd.Series) -> pd.Series:
    """tz-aware UTC (any unit) -> naive ``datetime64[ns]``; out-of-range values -> NaT."""
    p = parsed.dt.tz_convert(None) if getattr(parsed.dt, "tz", None) is not None else parsed
    years = p.dt.year
    p = p.where((years >= _MIN_YEAR) & (years <= _MAX_YEAR))
    return p.astype("datetime64[ns]")


def _parse_other(v: str) -> _dt.datetime | None:
    """One non-ISO date text -> aware UTC datetime, or ``None``."""
    v = " ".join(v.split())
    for fmt in _FALLBACK_FORMATS:
        try:
            d = _dt.datetime.strptime(v, fmt)
            return d.replace(tzinfo=_dt.UTC)
        except ValueError:
            continue
    try:
        d = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    if d is None:
        return None
    return d.astimezone(_dt.UTC) if d.tzinfo else d.replace(tzinfo=_dt.UTC)


def _check_datetime(s: pd.Series, col: Column) -> Checked:
    out, bad = parse_datetimes(s)
    if col.type == "date":
        out = out.dt.normalize()
    return out, _reason(col.name, s, bad, "is not a valid date")


_CHECKS: dict[str, Callable[[pd.Series, Column], Checked]] = {
    "text": _check_text, "email": _check_text, "phone": _check_text,
    "date": _check_datetime, "datetime": _check_datetime,
    "number": _check_number, "int": _check_int, "bool": _check_bool,
    "country": _check_country, "locode": _check_locode, "hs": _check_hs,
    "country_list": _check_list, "locode_list": _check_list, "hs_list": _check_list,
    "text_list": _check_list, "enum": _check_enum, "currency": _check_currency,
}


def _concat(parts: list[pd.Series]) -> pd.Series:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="str")
    return pd.concat(parts) if len(parts) > 1 else parts[0]


# --------------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------------

def missing_columns(raw: RawFrame | pd.DataFrame, kind: str) -> list[str]:
    """Required columns (and ``one_of`` groups) the file lacks entirely, defaults considered."""
    k = get_kind(kind)
    cols = set(raw.data.columns if isinstance(raw, RawFrame) else raw.columns)
    out = [c.name for c in k.columns if c.required and c.default is None and c.name not in cols]
    for group in k.one_of:
        if not any(g in cols for g in group):
            out.append(" or ".join(group))
    return out


def _one_of_text(group: tuple[str, ...]) -> str:
    """``consignee has neither name nor id`` for ``(consignee_name, consignee_id)``."""
    prefixes = {g.rsplit("_", 1)[0] for g in group if "_" in g}
    if len(prefixes) == 1 and all("_" in g for g in group):
        (prefix,) = prefixes
        parts = [g.rsplit("_", 1)[1] for g in group]
        return f"{prefix} has neither {' nor '.join(parts)}"
    return f"none of {', '.join(group)} is given"


def validate(raw: RawFrame, kind: str, *,
             missing_columns_policy: Literal["error", "quarantine"] = "error",
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``raw`` into canonical good rows and quarantine rows (see module docstring)."""
    k: Kind = get_kind(kind)
    data = raw.data
    n = len(data)
    lacking = missing_columns(raw, k.name)
    if lacking and missing_columns_policy == "error":
        have = ", ".join(list(data.columns)[:12]) + (" ..." if len(data.columns) > 12 else "")
        raise IngestError(f"{raw.source_file}: no {k.name} column(s) {', '.join(lacking)} "
                          f"(columns found: {have or 'none'}); is this a {k.name} file, "
                          "or does it need a mapping?")
    index = pd.RangeIndex(n)
    if not data.index.equals(index):
        data = data.reset_index(drop=True)
    good_cols: dict[str, pd.Series] = {}
    reasons: list[pd.Series] = []
    empty = pd.Series(np.nan, index=index, dtype="str")
    for col in k.columns:
        s = data[col.name] if col.name in data.columns else empty
        if s.dtype != "str":
            s = s.astype("str")
        if col.default is not None:
            s = s.fillna(col.default)
        if col.required:
            miss = s.isna()
            if miss.any():
                reasons.append(pd.Series(f"{col.name} is missing", index=index[miss.to_numpy()],
                                         dtype="str"))
        values, why = _CHECKS[col.type](s, col)
        good_cols[col.name] = values
        if len(why):
            reasons.append(why)
    for group in k.one_of:
        filled = np.zeros(n, dtype=bool)
        for g in group:
            if g in good_cols:
                filled |= good_cols[g].notna().to_numpy()
        if not filled.all():
            reasons.append(pd.Series(_one_of_text(group), index=index[~filled], dtype="str"))

    contract = set(k.names)
    for c in data.columns:
        if c in contract:
            continue
        name = f"{c}_src" if c in RESERVED else c
        good_cols[name] = data[c]

    frame = pd.DataFrame(good_cols, index=index)
    frame["source_file"] = pd.Series(raw.source_file, index=index, dtype="str")
    frame["line"] = np.asarray(raw.line, dtype="int64")

    reader_bad = raw.bad if raw.bad is not None and len(raw.bad) else empty_bad()
    all_reasons = _concat(reasons)
    if len(all_reasons):
        joined = all_reasons.groupby(level=0, sort=True).agg("; ".join)
        bad_pos = joined.index.to_numpy()
        bad = pd.DataFrame({
            "source_file": pd.Series(raw.source_file, index=range(len(bad_pos)), dtype="str"),
            "line": np.asarray(raw.line, dtype="int64")[bad_pos],
            "reason": joined.to_numpy(),
            "raw": raw.raw_at(bad_pos).to_numpy(),
        })
        keep = np.ones(n, dtype=bool)
        keep[bad_pos] = False
        frame = frame.loc[keep].reset_index(drop=True)
        bad = pd.concat([reader_bad, bad], ignore_index=True) if len(reader_bad) else bad
    else:
        bad = reader_bad.copy()
    bad = bad.sort_values("line", kind="stable").reset_index(drop=True)[BAD_COLUMNS]
    for c in ("source_file", "reason", "raw"):
        bad[c] = bad[c].astype("str")
    bad["line"] = bad["line"].astype("int64")
    return frame, bad
