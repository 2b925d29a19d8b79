"""Small helpers for writing the evidence behind a finding as text.

Every analytic builds its reasons column by column, vectorised (one candidate sentence per
feature, empty where the feature did not fire), then folds the columns into one Python list
per row with :func:`collect`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["num", "pct", "money", "collect", "when", "plural", "day"]


def num(values: pd.Series | float, decimals: int | None = None) -> pd.Series | str:
    """Numbers with thousands separators (``1,350`` / ``0.42``); empty text for a missing one.

    By default (``decimals=None``) whole numbers above 10 print without decimals and smaller
    ones with two significant digits, so a unit value of 0.0042 does not print as 0.
    """
    def one(x: float) -> str:
        if x is None or pd.isna(x):
            return ""
        if decimals is not None:
            return f"{x:,.{decimals}f}"
        if abs(x) >= 10 or x == int(x):
            return f"{x:,.0f}"
        return f"{x:,.{max(2, 1 - int(np.floor(np.log10(abs(x)))))}f}"

    if isinstance(values, pd.Series):
        return values.map(one).astype(object)
    return one(values)


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
    """``1 parcel`` / ``7 parcels``."""
    n = pd.Series(n)
    many = words or word + "s"
    return n.map(lambda k: f"{int(k):,} {word if int(k) == 1 else many}" if pd.notna(k) else "")


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
    return [[r for r in row if isinstance(r, str) and r] for row in zip(*arrays)]
