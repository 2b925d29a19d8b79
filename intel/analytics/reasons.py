"""Small helpers for writing the evidence behind a finding as text.

Every analytic builds its reasons column by column, vectorised (one candidate sentence per
feature, empty where the feature did not fire), then folds the columns into one Python list
per row with :func:`collect`.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["collect", "day", "money", "num", "pct", "plural", "when"]


def num(values: pd.Series | float, decimals: int | None = None) -> pd.Series | str:
    """Numbers with thousands separators (``1,350`` / ``0.42``); empty text for a missing one.

    By default (``decimals=None``) whole numbers and numbers from 10 up print without
    decimals, smaller ones with two significant digits, so a unit value of 0.0042 does not
    print as 0.
    """
    if not isinstance(values, pd.Series):
        return num(pd.Series([values]), decimals).iat[0]
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    out = np.full(len(v), "", dtype=object)
    ok = np.isfinite(v)
    if decimals is not None:
        out[ok] = [f"{x:,.{decimals}f}" for x in v[ok]]
    else:
        whole = ok & ((np.abs(v) >= 10) | (v == np.round(v)))
        out[whole] = [f"{x:,.0f}" for x in v[whole]]
        small = ok & ~whole
        places = np.maximum(2, 1 - np.floor(np.log10(np.abs(v[small])))).astype(int)
        out[small] = [f"{x:,.{p}f}" for x, p in zip(v[small], places)]
    return pd.Series(out, index=values.index, dtype=object)


def pct(share: pd.Series) -> pd.Series:
    """A share as a percentage: ``8%``, ``0.5%``."""
    p = pd.Series(share) * 100
    return p.map(lambda v: "" if pd.isna(v) else (f"{v:,.0f}%" if abs(v) >= 1 else f"{v:.1g}%")).astype(object)


def money(values: pd.Series, currency: pd.Series | str) -> pd.Series:
    """``1,350 THB`` per row."""
    return num(values) + " " + (currency if isinstance(currency, str) else currency.astype(str))


def day(values: pd.Series) -> pd.Series:
    """ISO dates (``2025-03-04``); empty text for a missing one."""
    out = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
    return out.fillna("").astype(object)


def plural(n: pd.Series, word: str, words: str | None = None) -> pd.Series:
    """``1 parcel`` / ``7 parcels`` (empty text for a missing count)."""
    n = pd.to_numeric(pd.Series(n), errors="coerce")
    label = np.where(n.to_numpy() == 1, " " + word, " " + (words or word + "s"))
    out = num(n, 0) + label
    return out.where(n.notna(), "").astype(object)


def when(mask: pd.Series | np.ndarray, text: pd.Series | str) -> pd.Series:
    """``text`` where ``mask`` holds, else empty text (the feature said nothing)."""
    mask = np.asarray(mask, dtype=bool)
    if isinstance(text, str):
        return pd.Series(np.where(mask, text, ""), dtype=object)
    text = text.fillna("").astype(object)
    return pd.Series(np.where(mask, text.to_numpy(), ""), index=text.index, dtype=object)


def collect(columns: Sequence[pd.Series | np.ndarray], n: int | None = None) -> list[list[str]]:
    """One list of non-empty reasons per row, in column order."""
    arrays = [np.asarray(c, dtype=object) for c in columns]
    if not arrays:
        return [[] for _ in range(n or 0)]
    said = np.zeros(len(arrays[0]), dtype=bool)
    for a in arrays:
        said |= pd.Series(a).fillna("").astype(str).str.len().to_numpy() > 0
    enabled = gc.isenabled()
    gc.disable()  # a million small lists would trigger many full collections
    try:
        out: list[list[str]] = [[] for _ in range(len(arrays[0]))]
        for i in np.flatnonzero(said):
            out[i] = [a[i] for a in arrays if isinstance(a[i], str) and a[i]]
    finally:
        if enabled:
            gc.enable()
    return out


def group_lists(keys: pd.DataFrame | pd.Series, values: pd.Series) -> tuple[pd.DataFrame | pd.Index, list[list]]:
    """Values gathered per key, in their order: ``(unique keys, [values of each key])``.

    Vectorised replacement for ``groupby(...).agg(list)``, which runs Python per group."""
    frame = keys.to_frame() if isinstance(keys, pd.Series) else keys
    cols = list(frame.columns)
    order = np.lexsort([pd.factorize(frame[c])[0] for c in reversed(cols)]) if len(frame) else np.zeros(0, int)
    f = frame.iloc[order].reset_index(drop=True)
    v = np.asarray(values, dtype=object)[order]
    if not len(f):
        return f, []
    change = np.zeros(len(f), dtype=bool)
    change[0] = True
    for c in cols:
        col = f[c].to_numpy(dtype=object)
        change[1:] |= col[1:] != col[:-1]
    starts = np.flatnonzero(change)
    return f.iloc[starts].reset_index(drop=True), [list(x) for x in np.split(v, starts[1:])]
