"""``intel ingest``: files of one input kind, read, validated, normalised, resolved and stored.

Every file is read and validated before anything is written, so a file that cannot be read
fails the command and changes nothing. Bad rows go to the quarantine; good rows are loaded
with idempotent set-difference upserts (see :mod:`ingest.load`), so a second run of the same
files writes nothing new and a run after an interruption completes the first.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest import load
from ingest.mapping import Mapping, apply_mapping, check_mapping, load_mapping
from ingest.normalize import Context, load_reference
from ingest.quarantine import write_quarantine
from ingest.readers import RawFrame, read_file
from ingest.validate import validate
from intel.progress import ProgressFn, null_progress
from intel.store.base import Store

__all__ = ["ingest_files", "prepare_files", "reference_context", "Prepared"]


@dataclass
class Prepared:
    """One file read, validated and normalised, not yet written anywhere."""

    path: Path
    read: int
    bad: pd.DataFrame
    frames: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    raw: RawFrame | None = None  # kept only for kinds that can quarantine rows after loading


def reference_context(store: Store) -> Context:
    """Hubs and rates for normalisation: the shipped reference plus what users loaded."""
    ctx = load_reference()
    user_rates = store.state_dir / "rates.parquet"
    if user_rates.exists():
        ctx.rates = pd.concat([ctx.rates, pd.read_parquet(user_rates)]).drop_duplicates(
            ["currency", "date"], keep="last")
    stored = store.nodes("Hub")
    if len(stored):
        stored = stored[stored["known"].fillna(False).astype(bool)]
        ctx.hubs = pd.concat([ctx.hubs, stored[[c for c in ctx.hubs.columns if c in stored]]]).drop_duplicates(
            "locode", keep="last")
    return ctx


def prepare_files(
    kind: str, paths: list[Path], ctx: Context, mapping: Path | Mapping | None = None,
    progress: ProgressFn = null_progress,
) -> list[Prepared]:
    """Read, map, validate and normalise every file; raises IngestError before any write."""
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    if m is not None:
        check_mapping(m, kind)
    prepared = []
    for path in map(Path, paths):
        progress(f"read {path.name}")
        raw = read_file(path, kind)
        raw = apply_mapping(raw, m, kind) if m is not None else raw
        progress(f"validate {path.name}")
        good, bad = validate(raw, kind)  # bad includes the rows the reader rejected
        progress(f"normalise {path.name}")
        frames = load_normalised(kind, good, ctx)
        keep = raw if kind == "outcomes" else None
        notes = list(raw.notes)
        rejected = frames[_main_frame(kind)].attrs.get("containers_rejected", 0) if _main_frame(kind) in frames else 0
        if rejected:
            notes.append(f"{path.name}: {rejected} declaration(s) name a container number that fails the ISO 6346 "
                         "check; those numbers are kept as written (containers_rejected) but not linked")
        prepared.append(Prepared(path, len(raw) + len(raw.bad), bad, frames, notes, keep))
    return prepared


def _with_raw(bad: pd.DataFrame, prepared: list[Prepared]) -> pd.DataFrame:
    """The original row text for rows quarantined after loading (e.g. orphan outcomes)."""
    bad = bad.copy()
    bad["raw"] = ""
    for item in prepared:
        if item.raw is None:
            continue
        mine = bad["source_file"].astype(str) == str(item.path)
        if not mine.any():
            continue
        position = pd.Series(range(len(item.raw.line)), index=item.raw.line)
        lines = bad.loc[mine, "line"].astype("int64")
        found = lines.map(position).dropna().astype("int64")
        bad.loc[found.index, "raw"] = item.raw.raw_at(found.to_numpy()).to_numpy()
    return bad


def load_normalised(kind: str, good: pd.DataFrame, ctx: Context) -> dict[str, pd.DataFrame]:
    from ingest.normalize import normalize

    return normalize(kind, good, ctx)


def ingest_files(
    store: Store, kind: str, paths: list[Path], mapping: Path | Mapping | None = None,
    progress: ProgressFn = null_progress, defer_links: bool = False,
) -> dict:
    """Load ``paths`` of input ``kind`` into ``store``; returns the load summary.

    ``defer_links`` (declarations): the declarations' edges are not written yet;
    ``summary["link"]`` is the function that writes them and then records the load as
    complete (until then it is recorded as ``linking``), for the caller to run."""
    started = pd.Timestamp.now(tz="UTC").tz_localize(None)
    t0 = time.perf_counter()
    store.init_schema()
    ctx = reference_context(store)
    prepared = prepare_files(kind, list(paths), ctx, mapping, progress)
    load.ensure_reference(store, ctx.hubs)

    summary: dict = {"kind": kind, "files": [], "notes": [], "quarantine_dir": str(store.quarantine_dir)}
    for item in prepared:
        summary["notes"].extend(item.notes)
    merged = {name: pd.concat([p.frames[name] for p in prepared], ignore_index=True)
              for name in prepared[0].frames} if prepared else {}
    result, extra_bad = _load_kind(store, kind, merged, progress, defer_links)
    if len(extra_bad):
        extra_bad = _with_raw(extra_bad, prepared)
    bad_all = pd.concat([p.bad for p in prepared] + ([extra_bad] if len(extra_bad) else []), ignore_index=True)
    progress("quarantine")
    write_quarantine(store.quarantine_dir, kind, bad_all)

    for item in prepared:
        rows = len(item.frames.get(_main_frame(kind), pd.DataFrame()))
        nbad = len(item.bad) + (int((extra_bad["source_file"] == str(item.path)).sum()) if len(extra_bad) else 0)
        summary["files"].append({"file": str(item.path), "read": item.read, "loaded": rows - (nbad - len(item.bad)),
                                 "quarantined": nbad})
    summary["read"] = sum(f["read"] for f in summary["files"])
    summary["loaded"] = sum(f["loaded"] for f in summary["files"])
    summary["quarantined"] = sum(f["quarantined"] for f in summary["files"])
    summary["new"] = result.get("new", 0)
    if kind == "declarations":  # which declarations this load holds, and which it added
        summary["keys"], summary["new_keys"] = result.get("keys", []), result.get("new_keys", [])
    if len(summary["files"]) == 1:
        summary["files"][0]["new"] = summary["new"]
    summary["notes"].extend(result.get("notes", []))
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    record = {
        "load_id": uuid.uuid4().hex[:16], "kind": kind, "files": ";".join(map(str, paths)),
        "started_at": started, "finished_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
        "rows_read": summary["read"], "rows_loaded": summary["loaded"],
        "rows_quarantined": summary["quarantined"], "status": "complete",
    }
    link = result.get("link")
    if link is not None:
        store.record_load({**record, "status": "linking"})

        def finish() -> None:
            link()
            store.record_load({**record, "finished_at": pd.Timestamp.now(tz="UTC").tz_localize(None)})

        summary["link"] = finish
    else:
        store.record_load(record)
    return summary


_MAIN = {"declarations": "declarations", "parties": "mentions", "tips": "tips", "outcomes": "outcomes",
         "hubs": "hubs", "rates": "rates"}


def _main_frame(kind: str) -> str:
    return _MAIN[kind]


def _count_new(store: Store, label: str, write) -> int:  # noqa: ANN001 - a callable
    before = store.counts().get(label, 0)
    write()
    return store.counts().get(label, 0) - before


def _load_kind(store: Store, kind: str, frames: dict[str, pd.DataFrame], progress: ProgressFn,
               defer_links: bool = False) -> tuple[dict, pd.DataFrame]:
    """Write one kind's normalised frames; returns (result, rows to quarantine after all)."""
    no_bad = pd.DataFrame(columns=["source_file", "line", "reason"])
    if not frames:
        return {}, no_bad
    if kind == "declarations":
        result = load.load_declarations(store, frames["declarations"], frames["mentions"], progress, defer_links)
        unknown = frames.get("unknown_hubs")
        if unknown is not None and len(unknown):
            result["notes"] = [f"{len(unknown)} port code(s) not in the hub reference were added as hubs "
                               f"with unknown coordinates: {', '.join(unknown['locode'].astype(str).head(10))}"]
        return result, no_bad
    if kind == "outcomes":
        missing: list[pd.DataFrame] = []
        new = _count_new(store, "Outcome", lambda: missing.append(load.load_outcomes(store, frames["outcomes"])[1]))
        orphans = missing[0]
        bad = pd.DataFrame({
            "source_file": orphans["source_file"], "line": orphans["line"],
            "reason": "declaration " + orphans["declaration_id"].astype(str) + " of "
            + orphans["reporting_country"].astype(str) + " is not in the store (load its declarations first)",
        }) if len(orphans) else no_bad
        return {"new": new}, bad
    if kind == "rates":
        return {"new": _store_rates(store, frames["rates"])}, no_bad
    writers = {
        "parties": ("Mention", lambda: load.load_mentions(store, frames["mentions"], progress)),
        "tips": ("Tip", lambda: load.load_tips(store, frames["tips"])),
        "hubs": ("Hub", lambda: load.load_hubs(store, frames["hubs"])),
    }
    if kind not in writers:
        raise ValueError(f"unknown kind {kind!r}")
    label, write = writers[kind]
    return {"new": _count_new(store, label, write)}, no_bad


def _store_rates(store: Store, rates: pd.DataFrame) -> int:
    """User rates live beside the graph (they serve normalisation, not analysis)."""
    path = store.state_dir / "rates.parquet"
    old = pd.read_parquet(path) if path.exists() else rates.iloc[:0]
    combined = pd.concat([old, rates]).drop_duplicates(["currency", "date"], keep="last")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    combined.to_parquet(tmp, index=False)
    tmp.replace(path)
    return len(combined) - len(old)
