"""Generate a synthetic customs world in the data-contract format, with ground truth.

    python -m sample_data.generate --out DIR --declarations 5000 --seed 7 --profile default [--format csv|parquet]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np

from . import schemes
from .core import concat, size, take
from .flows import legit_rows
from .output import TableWriter, mentions_frame, registry_frame, truth_parties_frame
from .profiles import PROFILES, get_profile
from .render import ChunkState, render, variant_table
from .schemes import SPAN_S
from .tips import make_tips
from .world import World, build_indexes, build_lanes, build_population, finalize_variants

CHUNK = 100_000


def build(declarations: int, seed: int, profile: str):
    prof = get_profile(profile)
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    w = World(prof, seed, declarations, prof.countries)
    build_population(w, r)
    sch = schemes.define(w, r)
    build_lanes(w, r)
    build_indexes(w, r)
    srows = schemes.rows(w, sch, rng)
    finalize_variants(w, r)
    return w, sch, srows, variant_table(w), r, rng


def generate_world(out_dir: str | Path, declarations: int = 5000, seed: int = 7, profile: str = "default",
                   fmt: str = "csv", chunk: int = CHUNK) -> dict:
    """Write declarations, parties, tips, outcomes and ground_truth/ into out_dir; return a summary."""
    t_start = time.perf_counter()
    out = Path(out_dir)
    gt = out / "ground_truth"
    gt.mkdir(parents=True, exist_ok=True)
    w, sch, srows, vt, r, rng = build(declarations, seed, profile)
    n_scheme = min(size(srows), declarations)
    srows = take(srows, np.arange(n_scheme))
    n_legit = declarations - n_scheme
    k_chunks = max(1, math.ceil(declarations / chunk))
    edges = np.linspace(0, SPAN_S, k_chunks + 1).astype(np.int64)
    s_sec = (srows["t"] - np.datetime64("2024-01-01T00:00:00")).astype("timedelta64[s]").astype(np.int64)
    legit_split = np.diff(np.linspace(0, n_legit, k_chunks + 1).round().astype(np.int64))
    ext = "parquet" if fmt == "parquet" else "csv"
    decl_w = TableWriter(out / f"declarations.{ext}", fmt)
    truth_w = TableWriter(gt / "declarations.csv")
    outc_w = TableWriter(out / "outcomes.csv")
    st = ChunkState()
    codes: list[np.ndarray] = []
    referenced: set[str] = set()
    malformed: list[tuple[int, str]] = []
    counts = {"declarations": 0, "outcomes": 0, "illicit": 0}
    schemes_seen: dict[str, int] = {}
    for k in range(k_chunks):
        lo, hi = int(edges[k]), int(edges[k + 1])
        mask = (s_sec >= lo) & (s_sec < hi) if k < k_chunks - 1 else (s_sec >= lo)
        core = concat([legit_rows(w, rng, int(legit_split[k]), lo, hi, 0), take(srows, np.flatnonzero(mask))])
        rd = render(w, vt, core, rng, st, allow_bytes=(fmt == "csv"))
        decl_w.write(rd.decl, rd.extra_rows)
        truth_w.write(rd.truth)
        outc_w.write(rd.outcomes)
        codes.append(rd.mention_codes)
        for col in ("consignee_true_id", "consignor_true_id", "declarant_true_id"):
            referenced.update(rd.truth[col].unique())
        malformed.extend(rd.malformed)
        counts["declarations"] += len(rd.decl)
        counts["outcomes"] += len(rd.outcomes)
        counts["illicit"] += int(rd.truth["illicit"].sum())
        for s_, c_ in rd.truth["scheme"].value_counts().items():
            if s_:
                schemes_seen[s_] = schemes_seen.get(s_, 0) + int(c_)
    for wr in (decl_w, truth_w, outc_w):
        wr.close()
    registry_frame(w, rng).to_csv(out / "parties.csv", index=False)
    tips, tips_gt = make_tips(w, sch, r)
    tips.to_csv(out / "tips.csv", index=False)
    tips_gt.to_csv(gt / "tips.csv", index=False)
    referenced |= {p.tpid for p in w.parties if p.in_registry and p.reg_id}
    referenced |= {t for ts in tips_gt.target_true_party_ids for t in ts.split("|")}
    tp = truth_parties_frame(w)
    tp[tp.true_party_id.isin(referenced)].to_csv(gt / "parties.csv", index=False)
    all_codes = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
    mentions_frame(w, vt, all_codes).to_csv(gt / "mentions.csv", index=False)
    with open(gt / "malformed.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("line,reason\n")
        fh.writelines(f"{line},{reason}\n" for line, reason in malformed)
    summary = {"out_dir": str(out), "profile": profile, "seed": seed, "format": fmt, **counts,
               "malformed": len(malformed), "schemes": dict(sorted(schemes_seen.items())),
               "parties": len(w.parties), "rings": len(sch.rings), "tips": len(tips),
               "mentions": len(all_codes), "seconds": round(time.perf_counter() - t_start, 2)}
    (gt / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m sample_data.generate", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--declarations", type=int, default=5000, help="number of declaration rows (goods items)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", default="default", choices=sorted(PROFILES))
    ap.add_argument("--format", default="csv", choices=("csv", "parquet"), dest="fmt")
    a = ap.parse_args(argv)
    print(json.dumps(generate_world(a.out, a.declarations, a.seed, a.profile, a.fmt), indent=2))


if __name__ == "__main__":
    main()
