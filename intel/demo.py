"""``intel demo``: the committed sample world, loaded, analysed, with one user per role."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from intel.progress import ProgressFn, null_progress

__all__ = ["sample_world_dir", "build_demo", "load_world"]

#: input kinds in the order they load: the registry and declarations before the tips and
#: outcomes that refer to them.
WORLD_FILES = (
    ("parties", "parties"),
    ("declarations", "declarations"),
    ("tips", "tips"),
    ("outcomes", "outcomes"),
)


def sample_world_dir() -> Path:
    """The small world committed with the product."""
    return Path(str(resources.files("sample_data") / "world"))


def _find(world: Path, stem: str) -> list[Path]:
    return sorted(p for p in world.glob(f"{stem}.*") if p.suffix in {".csv", ".parquet", ".jsonl", ".xlsx"})


def load_world(store, world: Path, progress: ProgressFn = null_progress) -> dict[str, dict]:  # noqa: ANN001
    """Ingest every input file of a world folder (sample-world layout) into ``store``."""
    from ingest.pipeline import ingest_files

    loads = {}
    for kind, stem in WORLD_FILES:
        files = _find(world, stem)
        if files:
            loads[kind] = ingest_files(store, kind, files, progress=progress)
    return loads


def build_demo(store_uri: str | None = None, progress: ProgressFn = null_progress) -> dict:
    """Load the sample world, analyse it, create the demo users; return what was built."""
    from intel.analytics.run import analyze
    from intel.appdb import AppDB
    from intel.auth import create_demo_users
    from intel.config import load_settings
    from intel.store import open_store, resolve_uri
    from intel.sync import sync_dashboard_tips

    uri = resolve_uri(store_uri)
    with open_store(uri) as store:
        loads = load_world(store, sample_world_dir(), progress)
        cfg = load_settings(store.state_dir)
        sync_dashboard_tips(store, progress)
        out_dir = store.state_dir / "findings-csv"
        analysis = analyze(store, cfg, out_dir=out_dir, progress=progress)
        users = create_demo_users(AppDB(store.state_dir / "app.sqlite"))
    return {"store": uri, "loads": loads, "analysis": analysis, "out_dir": out_dir, "users": users}
