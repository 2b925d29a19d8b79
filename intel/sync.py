"""Bring what the dashboard received (rights-holder tips) into the graph before analysis.

The dashboard keeps its own state in SQLite so it never needs the graph's single writer
lock; ``intel analyze`` (and ``intel demo``) pick its tips up here, through the same
validation and loading as a tips file.
"""

from __future__ import annotations

from intel.progress import ProgressFn, null_progress

__all__ = ["sync_dashboard_tips"]


def sync_dashboard_tips(store, progress: ProgressFn = null_progress) -> int:  # noqa: ANN001 - any Store
    """Load the tips submitted in the dashboard; returns how many there are."""
    from ingest.pipeline import ingest_files
    from intel.appdb import AppDB
    from intel.tipintake import tips_frame

    db_path = store.state_dir / "app.sqlite"
    if not db_path.exists():
        return 0
    tips = tips_frame(AppDB(db_path))
    if not len(tips):
        return 0
    path = store.state_dir / "dashboard-tips.csv"
    tmp = path.with_suffix(".tmp")
    tips.drop(columns=["status"], errors="ignore").to_csv(tmp, index=False)
    tmp.replace(path)
    ingest_files(store, "tips", [path], progress=progress)
    return len(tips)
