"""The chain search (intel.analytics.chains) against the obvious alternative: a self-join of
declarations on container id.

    python benchmarks/bench_chains.py --declarations 1000000 --workdir /tmp/bench

Generates a world (cached in ``--workdir``), loads it into an embedded store with
``intel ingest`` unless that store is already there, then, each in a fresh process with its
own peak resident memory:

- **chains**: read the projection ``intel analyze`` reads, then ``chains.run`` (hops from
  the arrival/departure join on (unit, country), corroboration, time-respecting paths,
  scoring and reasons);
- **pandas self-join**: every pair of declarations sharing a container (explode the
  container ids, merge on container id), kept when the first is earlier, the dwell is under
  ``chain_max_dwell_days`` and the second loads where the first discharged: candidate pairs
  only, no corroboration, no paths, no scores;
- **DuckDB self-join**: the same pairs in one SQL statement (``duckdb`` from the ``bench``
  extra; skipped when it is not installed).

The alternatives stop where the chain search starts its real work, so the comparison
flatters them. Prints one table; ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _projection(store_uri: str):  # noqa: ANN202
    from intel.analytics.projection import read_projection
    from intel.store import open_store

    with open_store(store_uri, read_only=True) as store:
        return read_projection(store)


def phase_chains(store_uri: str) -> dict:
    from intel.analytics import chains
    from intel.config import Settings

    t0 = time.perf_counter()
    proj = _projection(store_uri)
    read_s = time.perf_counter() - t0
    before = _peak_mb()
    t0 = time.perf_counter()
    found, per_decl = chains.run(proj, Settings())
    took = time.perf_counter() - t0
    return {"read_s": round(read_s, 1), "seconds": round(took, 1), "peak_mb_before": round(before), "peak_mb": round(_peak_mb()),
            "chains": len(found), "scored": int((found["score"] > 0).sum()), "declarations": len(proj.decl)}


def _pairs_frame(store_uri: str):  # noqa: ANN202
    """Per (declaration, container): time in seconds, discharge country, loading country."""
    import numpy as np
    import pandas as pd

    proj = _projection(store_uri)
    d = proj.decl
    e = pd.DataFrame({"row": np.arange(len(d)), "container": d["container_ids"].astype("str").str.split(";")}).explode("container")
    e = e[e["container"].notna() & (e["container"] != "")]
    t = pd.to_datetime(d["declared_at"]).to_numpy("datetime64[s]").astype("int64")
    pod = d["port_of_discharge"].astype("str").fillna("").str[:2].to_numpy(dtype=object)
    pol = d["port_of_loading"].astype("str").fillna("").str[:2].to_numpy(dtype=object)
    rows = e["row"].to_numpy()
    return pd.DataFrame({"row": rows, "container": e["container"].to_numpy(), "t": t[rows], "pod_c": pod[rows], "pol_c": pol[rows]})


def _prepared(store_uri: str) -> tuple:  # noqa: ANN202 - (frame, seconds, peak MB before the join)
    t0 = time.perf_counter()
    e = _pairs_frame(store_uri)
    return e, round(time.perf_counter() - t0, 1), round(_peak_mb())


def phase_pandas(store_uri: str) -> dict:
    from intel.config import Settings

    e, prep, before = _prepared(store_uri)
    t0 = time.perf_counter()
    pairs = e.merge(e, on="container", suffixes=("_a", "_b"))
    dwell = (pairs["t_b"] - pairs["t_a"]) / 86400
    kept = pairs[(dwell > 0) & (dwell <= Settings().chain_max_dwell_days) & (pairs["pod_c_a"] == pairs["pol_c_b"])]
    return {"prep_s": prep, "seconds": round(time.perf_counter() - t0, 1), "peak_mb_before": before,
            "peak_mb": round(_peak_mb()), "all_pairs": len(pairs), "candidate_pairs": len(kept)}


def phase_duckdb(store_uri: str) -> dict:
    try:
        import duckdb
    except ImportError:
        return {"skipped": "duckdb is not installed (pip install -e .[bench])"}
    from intel.config import Settings

    e, prep, before = _prepared(store_uri)
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.register("e", e)
    n_all, n_kept = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE b.t > a.t AND b.t - a.t <= ? * 86400 AND a.pod_c = b.pol_c) "
        "FROM e a JOIN e b ON a.container = b.container", [Settings().chain_max_dwell_days]).fetchone()
    return {"prep_s": prep, "seconds": round(time.perf_counter() - t0, 1), "peak_mb_before": before,
            "peak_mb": round(_peak_mb()), "all_pairs": int(n_all), "candidate_pairs": int(n_kept)}


PHASES = {"chains": phase_chains, "pandas": phase_pandas, "duckdb": phase_duckdb}


def _child(phase: str, store_uri: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--store", store_uri], capture_output=True, text=True)
    if out.returncode != 0:
        return {"failed": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_store(world: Path, store: Path) -> str:
    uri = f"embedded:{store}"
    if (store / "graph").is_dir():
        return uri
    for kind in ("parties", "declarations", "tips", "outcomes"):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "intel.cli", "ingest", "--store", uri, kind, str(world / f"{kind}.csv")],
                       check=True, capture_output=True)
        print(f"ingested {kind} in {time.perf_counter() - t0:.0f} s")
    return uri


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--declarations", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/intel-bench"))
    ap.add_argument("--store", help="an existing store to search (skips generating and loading)")
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--skip", nargs="*", default=[], choices=sorted(PHASES), help="phases not to run")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    if a.phase:
        print(json.dumps(PHASES[a.phase](a.store)))
        return
    uri = a.store
    if not uri:
        from _worlds import world

        a.workdir.mkdir(parents=True, exist_ok=True)
        folder = world(a.workdir, a.declarations, a.seed, a.profile)
        uri = ensure_store(folder, a.workdir / f"store_{a.profile}_{a.declarations}_s{a.seed}")
    result = {name: _child(name, uri) for name in PHASES if name not in a.skip}
    print(f"{'method':<18}{'seconds':>9}{'peak MB':>9}  result")
    for name, r in result.items():
        if "seconds" not in r:
            print(f"{name:<18}{'-':>9}{'-':>9}  {r}")
            continue
        what = (f"{r['chains']:,} chains ({r['scored']:,} scored) over {r['declarations']:,} declarations"
                if name == "chains" else f"{r['candidate_pairs']:,} candidate pairs of {r['all_pairs']:,} sharing a container")
        print(f"{name:<18}{r['seconds']:>9.1f}{r['peak_mb']:>9,}  {what}")
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
