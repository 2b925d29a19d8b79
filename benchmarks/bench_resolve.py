"""Time entity resolution on 50k and 200k mentions, against naive all-pairs matching.

    python benchmarks/bench_resolve.py                         # 50k and 200k mentions
    python benchmarks/bench_resolve.py --sizes 20000 --declarations 1000000

Mentions come from a generated world (``sample_data.generate_world``, cached in ``--workdir``,
``benchmarks/out/`` by default, git-ignored, with its normalised mentions as Parquet): every
distinct way a party was written on declarations plus the trader registry. A size below the
world's mention count takes whole true parties (seeded shuffle) until it is reached, so each
sample keeps real duplicates. Each size reports wall and CPU seconds (the CPU figure includes
rapidfuzz's worker threads; on a machine shared with other jobs the wall figure is the less
reliable one), the per-stage split, the candidate pairs blocking produced, and pairwise
precision / recall against the ground truth.

The naive baseline compares every pair of core names of a ``--naive`` sample (5k mentions)
with ``rapidfuzz.process.cdist`` — the all-pairs comparison alone, in C, on both cores, no
rules — and is reported against ``resolve`` on the same sample, with the all-pairs time
extrapolated (n²) to the large size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _worlds import world  # noqa: E402 - benchmarks/ is on the path when run as a script

from ingest.resolve import ResolveConfig, resolve
from ingest.resolve_eval import pairwise_scores, world_mentions
from ingest.resolve_prepare import prepare


def mentions_of(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    cache = path / "resolve_mentions.parquet"
    if not cache.is_file():
        started = time.perf_counter()
        mentions, truth = world_mentions(path)
        mentions.assign(true_party_id=truth.reindex(mentions["mention_key"]).to_numpy()).to_parquet(cache)
        print(f"normalised {len(mentions):,} mentions in {time.perf_counter() - started:.0f} s")
    frame = pd.read_parquet(cache)
    truth = frame.set_index("mention_key")["true_party_id"]
    return frame.drop(columns=["true_party_id"]), truth


def sample(mentions: pd.DataFrame, truth: pd.Series, size: int, seed: int = 1) -> pd.DataFrame:
    """Whole true parties, in a seeded random order, until ``size`` mentions."""
    if size >= len(mentions):
        return mentions
    per_party = truth.reindex(mentions["mention_key"]).to_numpy()
    parties = pd.unique(per_party)
    np.random.default_rng(seed).shuffle(parties)
    counts = pd.Series(per_party).value_counts().reindex(parties).cumsum()
    keep = set(counts.index[: int(np.searchsorted(counts.to_numpy(), size)) + 1])
    return mentions[pd.Series(per_party).isin(keep).to_numpy()].head(size)


def timed_resolve(mentions: pd.DataFrame, config: ResolveConfig):
    wall, cpu = time.perf_counter(), time.process_time()
    result = resolve(mentions, config=config)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def report(label: str, mentions: pd.DataFrame, truth: pd.Series, config: ResolveConfig) -> float:
    result, wall, cpu = timed_resolve(mentions, config)
    scores = pairwise_scores(result.assignments.set_index("mention_key")["party_id"], truth)
    stages = " ".join(f"{k} {v:.1f}" for k, v in result.stats["seconds"].items())
    candidates = result.stats["candidates"]["pairs"]
    print(f"{label:>10} {len(mentions):>8,} mentions  wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
          f"[{stages}]  {candidates:,} candidate pairs ({candidates / len(mentions):.1f}/mention)  "
          f"precision {scores['precision']:.4f} recall {scores['recall']:.4f}")
    return wall


def naive_all_pairs(mentions: pd.DataFrame, workers: int) -> tuple[float, int]:
    """Seconds to score every pair of core names (rapidfuzz cdist), and the pair count."""
    from rapidfuzz import fuzz, process

    core = prepare(mentions).core
    started = time.perf_counter()
    process.cdist(core, core, scorer=fuzz.token_sort_ratio, score_cutoff=90, dtype=np.uint8,
                  workers=workers)
    return time.perf_counter() - started, len(core) * (len(core) - 1) // 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--declarations", type=int, default=3_500_000, help="world size (default gives ~230k mentions)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    ap.add_argument("--naive", type=int, default=5_000, help="sample size for the all-pairs baseline")
    ap.add_argument("--workers", type=int, default=-1, help="rapidfuzz threads (-1: all cores)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out")
    args = ap.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    mentions, truth = mentions_of(world(args.workdir, args.declarations, args.seed, args.profile))
    print(f"world: {args.declarations:,} declarations, {len(mentions):,} mentions")
    config = ResolveConfig(workers=args.workers)
    for size in args.sizes:
        if size > len(mentions):
            print(f"{size:,} mentions asked, the world has {len(mentions):,}: use --declarations")
            continue
        report(f"{size:,}", sample(mentions, truth, size), truth, config)

    small = sample(mentions, truth, args.naive, seed=2)
    blocked = report("naive set", small, truth, config)
    naive, pairs = naive_all_pairs(small, args.workers)
    big = max(args.sizes)
    print(f"all-pairs cdist on {len(small):,} mentions: {pairs:,} pairs in {naive:.2f} s "
          f"({naive / blocked:.1f}x resolve's whole run on the same sample); extrapolated to "
          f"{big:,} mentions: {naive * (big / len(small)) ** 2:,.0f} s for the name comparison alone")


if __name__ == "__main__":
    main()
