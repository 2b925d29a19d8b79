"""Where the time goes: every stage from generated files to findings, with peak memory.

    python benchmarks/bench_pipeline.py --declarations 100000
    python benchmarks/bench_pipeline.py --declarations 1000000 --skip-alternatives

Generates a world with the sample generator (not timed as part of the product), then runs
``ingest`` and ``analyze`` each in a fresh process, exactly as the CLI does, timing each stage
from the pipeline's own progress callbacks, and records each process's peak resident memory.
Then ``--batches`` fresh batches (other seeds, new declaration ids) are scored one after the
other with ``score_batch``, each in its own process against the store the last one grew:
pre-arrival scoring as it runs between two full analyses.
Then, unless ``--skip-alternatives``, it compares each heavy stage with the obvious
alternative a user might otherwise pick, on samples of the same world, as ratios:

- store load: LadybugDB ``COPY`` (what we do) against row-by-row ``UNWIND ... MERGE``;
- communities: leidenalg (what we do) against networkx Louvain;
- entity resolution: blocked matching (what we do) against all-pairs name matching.

Prints one table; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StageClock:
    """A progress callback that records how long each named stage took."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.stages: list[tuple[str, float]] = []

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if not self.stages or self.stages[-1][0] != stage:
            self.stages.append((stage, time.perf_counter()))

    def durations(self, end: float) -> dict[str, float]:
        out: dict[str, float] = {}
        marks = self.stages + [("_end", end)]
        for (name, start), (_, stop) in zip(marks, marks[1:]):
            key = _family(name)
            out[key] = out.get(key, 0.0) + stop - start
        return out


def _family(stage: str) -> str:
    """'read declarations.csv' -> 'read'; analytics stage names pass through."""
    first = stage.split(" ")[0]
    return first if first in {"read", "validate", "normalise"} else stage


def phase_ingest(world: Path, store: str) -> dict:
    from ingest.pipeline import ingest_files
    from intel.store import open_store

    clock = StageClock()
    rows = {}
    with open_store(store) as st:
        for kind in ("parties", "declarations", "tips", "outcomes"):
            files = sorted(world.glob(f"{kind}.*"))
            if files:
                rows[kind] = ingest_files(st, kind, files, progress=clock)["loaded"]
    end = time.perf_counter()
    return {"total": end - clock.t0, "stages": clock.durations(end), "peak_mb": _peak_mb(), "rows": rows}


def phase_analyze(store: str, out_dir: Path) -> dict:
    from intel.analytics.run import analyze
    from intel.config import load_settings
    from intel.store import open_store

    clock = StageClock()
    with open_store(store) as st:
        summary = analyze(st, load_settings(st.state_dir), out_dir=out_dir, progress=clock)
    end = time.perf_counter()
    return {"total": end - clock.t0, "stages": clock.durations(end), "peak_mb": _peak_mb(),
            "counts": summary.get("counts", {})}


def phase_score(batch: Path, store: str) -> dict:
    from intel.analytics.incremental import score_batch
    from intel.store import open_store

    t0 = time.perf_counter()
    with open_store(store) as st:
        result = score_batch(st, sorted(batch.glob("declarations.*")))
    return {"total": time.perf_counter() - t0, "peak_mb": _peak_mb(), "rows": len(result),
            "stages": result.attrs.get("timings", {}), "notes": result.attrs.get("notes", []),
            "lanes": {str(k): int(v) for k, v in result["lane"].value_counts().items()}}


def _fresh_ids(path: Path, prefix: str = "NEW") -> None:
    """The generator numbers declarations from 1 in every world: prefix the batch's ids so
    it holds new declarations (pre-arrival), not amendments of stored ones. Parses the CSV
    (latin-1 round-trips any byte), so the batch's planted malformed rows stay malformed."""
    import csv

    with open(path, newline="", encoding="latin-1") as fh:
        header, *rows = list(csv.reader(fh))
    column = header.index("declaration_id")
    for row in rows:
        if len(row) > column and row[column]:
            row[column] = prefix + row[column]
    with open(path, "w", newline="", encoding="latin-1") as fh:
        csv.writer(fh).writerows([header, *rows])


def _child(phase: str, *args: str) -> dict:
    """Run one phase in a fresh interpreter, so its peak memory is its own."""
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args], capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def alternatives(world: Path, workdir: Path) -> list[tuple[str, str, float, float]]:
    """(stage, alternative, ours seconds, theirs seconds) on samples of the world."""
    rows = []
    rows.append(_alt_store(workdir))
    rows.append(_alt_communities())
    rows.append(_alt_resolve(world))
    return rows


def _alt_store(workdir: Path) -> tuple[str, str, float, float]:
    import pandas as pd

    from intel.store import open_store

    n = 5_000
    frame = pd.DataFrame({"party_id": [f"P{i:08d}" for i in range(n)], "display_name": [f"Company {i}" for i in range(n)]})
    with open_store(f"embedded:{workdir / 'alt-copy'}") as st:
        st.init_schema()
        t = time.perf_counter()
        st.upsert_nodes("Party", frame)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        rows = frame.rename(columns={"party_id": "k", "display_name": "n"}).assign(k=lambda f: "M" + f["k"])
        st.query("UNWIND $rows AS r MERGE (p:Party {party_id: r.k}) SET p.display_name = r.n",
                 {"rows": rows.to_dict("records")})
        theirs = time.perf_counter() - t
    return (f"store load, {n:,} nodes", "UNWIND ... MERGE", ours, theirs)


def _alt_communities() -> tuple[str, str, float, float]:
    import igraph as ig
    import leidenalg
    import networkx as nx

    g = nx.gnm_random_graph(20_000, 100_000, seed=3)
    t = time.perf_counter()
    ig_graph = ig.Graph(n=g.number_of_nodes(), edges=list(g.edges()))
    leidenalg.find_partition(ig_graph, leidenalg.ModularityVertexPartition, seed=3, n_iterations=2)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    nx.community.louvain_communities(g, seed=3)
    theirs = time.perf_counter() - t
    return ("communities, 20k nodes / 100k edges", "networkx Louvain", ours, theirs)


def _alt_resolve(world: Path) -> tuple[str, str, float, float]:
    from rapidfuzz import fuzz, process

    from ingest.normalize import load_reference, normalize
    from ingest.readers import read_file
    from ingest.resolve import resolve
    from ingest.validate import validate

    raw = read_file(next(iter(sorted(world.glob("declarations.*")))), "declarations")
    good, _ = validate(raw, "declarations")
    mentions = normalize("declarations", good.head(60_000), load_reference())["mentions"]
    sample = mentions.head(5_000)
    t = time.perf_counter()
    resolve(sample)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    process.cdist(sample["name_fp"].tolist(), sample["name_fp"].tolist(), scorer=fuzz.token_sort_ratio,
                  score_cutoff=90, workers=-1)
    theirs = time.perf_counter() - t
    return (f"entity resolution, {len(sample):,} mentions", "all-pairs name matching", ours, theirs)


def _table(result: dict) -> str:
    lines = [f"world: {result['declarations']:,} declarations (seed {result['seed']}, profile {result['profile']})", ""]
    lines.append(f"{'stage':<44}{'seconds':>10}")
    for phase in ("ingest", "analyze"):
        data = result[phase]
        for stage, seconds in data["stages"].items():
            lines.append(f"  {phase}: {stage:<36}{seconds:>10.1f}")
        lines.append(f"{phase + ' total':<44}{data['total']:>10.1f}   peak RSS {data['peak_mb']:,.0f} MB")
    for i, s in enumerate(result.get("score", []), 1):
        for stage, seconds in s.get("stages", {}).items():
            lines.append(f"  score batch {i}: {stage:<31}{seconds:>10.1f}")
        lines.append(f"{f'incremental score, batch {i} (' + format(s['rows'], ',') + ' declarations)':<44}{s['total']:>10.1f}"
                     f"   peak RSS {s['peak_mb']:,.0f} MB")
    if result.get("alternatives"):
        lines += ["", f"{'stage':<40}{'alternative':<26}{'ours s':>8}{'theirs s':>10}{'ratio':>8}"]
        for stage, alt, ours, theirs in result["alternatives"]:
            lines.append(f"{stage:<40}{alt:<26}{ours:>8.2f}{theirs:>10.2f}{theirs / max(ours, 1e-9):>7.1f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--declarations", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=10_000, help="size of each incremental batch")
    ap.add_argument("--batches", type=int, default=3, help="incremental batches scored one after the other")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--skip-alternatives", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.phase:
        fn = {"ingest": lambda: phase_ingest(Path(a.args[0]), a.args[1]),
              "analyze": lambda: phase_analyze(a.args[0], Path(a.args[1])),
              "score": lambda: phase_score(Path(a.args[0]), a.args[1])}[a.phase]
        print(json.dumps(fn()))
        return

    from sample_data import generate_world

    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    world, store = workdir / "world", f"embedded:{workdir / 'store'}"
    t = time.perf_counter()
    generate_world(world, declarations=a.declarations, seed=a.seed, profile=a.profile)
    batches = [workdir / f"batch{i}" for i in range(1, a.batches + 1)]
    for i, folder in enumerate(batches, 1):  # other seeds: new traders as well as known ones
        generate_world(folder, declarations=a.batch, seed=a.seed + i, profile=a.profile)
        _fresh_ids(folder / "declarations.csv", prefix=f"NEW{i}")
    print(f"generated in {time.perf_counter() - t:.1f}s -> {workdir}", file=sys.stderr)
    result = {"declarations": a.declarations, "seed": a.seed, "profile": a.profile}
    result["ingest"] = _child("ingest", str(world), store)
    result["analyze"] = _child("analyze", store, str(workdir / "findings"))
    result["score"] = []
    for folder in batches:  # each in a fresh process, each against the store the last one grew
        try:
            result["score"].append(_child("score", str(folder), store))
        except SystemExit as exc:
            print(f"incremental scoring not measured: {exc}", file=sys.stderr)
            break
    if not a.skip_alternatives:
        result["alternatives"] = alternatives(world, workdir)
    print(_table(result))
    if a.json:
        a.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
