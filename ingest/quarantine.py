"""The quarantine: one CSV per input kind holding the rows that could not be loaded.

``QUARANTINE_DIR/<kind>.csv`` has the columns ``source_file, line, reason, raw`` (the
contract's minimum) plus ``entry_key`` and ``quarantined_at``. ``entry_key`` is sha1 (16 hex)
of the source file's *name* (not its folder, so moving the file does not duplicate entries),
the line and the raw row text: re-running a load does not add the same entry twice; a re-run
that finds the same row again refreshes its reason and keeps its first ``quarantined_at``.
Every write goes to a temporary file in the same folder and is renamed over the old one, so a
crash never leaves a half-written quarantine.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from ingest.contract import kind as get_kind
from ingest.readers import BAD_COLUMNS

__all__ = [
    "QUARANTINE_COLUMNS",
    "entry_keys",
    "quarantine_counts",
    "quarantine_path",
    "read_quarantine",
    "write_quarantine",
]

QUARANTINE_COLUMNS = [*BAD_COLUMNS, "entry_key", "quarantined_at"]


def quarantine_path(directory: str | Path, kind: str) -> Path:
    """``directory/<kind>.csv`` (the kind is checked against the contract)."""
    return Path(directory) / f"{get_kind(kind).name}.csv"


def entry_keys(bad: pd.DataFrame) -> pd.Series:
    """sha1 (16 hex) of ``(file name, line, raw)`` for every row of a bad-rows frame."""
    names = bad["source_file"].astype("str").fillna("").map(lambda p: Path(p).name if p else "")
    lines = bad["line"].astype("Int64").astype("str").fillna("")
    raws = bad["raw"].astype("str").fillna("")
    return pd.Series(
        [hashlib.sha1(f"{n}\x1f{ln}\x1f{r}".encode()).hexdigest()[:16]
         for n, ln, r in zip(names.tolist(), lines.tolist(), raws.tolist())],
        index=bad.index, dtype="str")


def read_quarantine(directory: str | Path, kind: str) -> pd.DataFrame:
    """The quarantine of ``kind`` (empty frame with the columns when there is none)."""
    path = quarantine_path(directory, kind)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else "str")
                             for c in QUARANTINE_COLUMNS})
    df = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[],
                     encoding="utf-8")
    for c in QUARANTINE_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    if "entry_key" in df.columns and (df["entry_key"] == "").any():
        missing = df["entry_key"] == ""
        df.loc[missing, "entry_key"] = entry_keys(df.loc[missing]).to_numpy()
    df["line"] = pd.to_numeric(df["line"], errors="coerce").astype("Int64")
    return df


def write_quarantine(directory: str | Path, kind: str, bad: pd.DataFrame,
                     now: pd.Timestamp | None = None) -> int:
    """Add ``bad`` rows (``source_file, line, reason, raw``) to ``directory/<kind>.csv``.

    Returns the number of entries that were not there before. Existing entries with the same
    key get the new reason; other columns already in the file are kept. Atomic. (The
    arguments may also be given as ``(bad, kind, directory)``.)
    """
    if isinstance(directory, pd.DataFrame):  # (bad, kind, directory) order
        directory, bad = bad, directory  # type: ignore[assignment]
    if bad is None or not len(bad):
        return 0
    missing = [c for c in BAD_COLUMNS if c not in bad.columns]
    if missing:
        raise ValueError(f"bad rows lack column(s) {', '.join(missing)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = quarantine_path(directory, kind)
    stamp = (now or pd.Timestamp.now(tz="UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")

    new = bad[BAD_COLUMNS].copy()
    new["entry_key"] = entry_keys(new)
    new = new.drop_duplicates("entry_key", keep="last")
    new["quarantined_at"] = stamp
    old = read_quarantine(directory, kind)
    if len(old):
        seen = old["entry_key"].isin(new["entry_key"])
        if seen.any():
            reason = new.set_index("entry_key")["reason"]
            old.loc[seen, "reason"] = old.loc[seen, "entry_key"].map(reason).to_numpy()
        added = new.loc[~new["entry_key"].isin(old["entry_key"])]
        out = pd.concat([old, added], ignore_index=True)
    else:
        added = new
        out = new
    cols = QUARANTINE_COLUMNS + [c for c in out.columns if c not in QUARANTINE_COLUMNS]
    out = out[cols]
    out["line"] = out["line"].astype("Int64")
    _atomic_csv(out, path)
    return len(added)


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to a temporary file next to ``path`` and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".csv.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            df.to_csv(f, index=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def quarantine_counts(directory: str | Path) -> dict[str, int]:
    """Entries per kind in the quarantine folder (kinds without a file are left out)."""
    from ingest.contract import KIND_NAMES

    out: dict[str, int] = {}
    for k in KIND_NAMES:
        path = quarantine_path(directory, k)
        if path.exists():
            out[k] = len(read_quarantine(directory, k))
    return out



