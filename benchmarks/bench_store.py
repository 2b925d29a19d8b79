"""Store load paths on LadybugDB: COPY vs row-by-row ``UNWIND ... MERGE``; set_properties
(``LOAD FROM .. MATCH .. SET``) vs batched ``UNWIND .. MATCH .. SET``.

    python benchmarks/bench_store.py            # 20k nodes, 100k write-back (~1-2 min)
    python benchmarks/bench_store.py --nodes 50000 --props 1000000 --slow-rows 100000

The row-by-row variants run on ``--slow-rows`` rows at most (default 20,000) and are
reported per row; the table says how many rows each line measured. Not part of the tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intel.store.ladybug_store import LadybugStore

BATCH = 5_000


def declarations(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keys = [f"TH|B{i}|1" for i in range(n)]
    return pd.DataFrame({
        "decl_key": keys, "declaration_id": keys, "item_no": 1, "reporting_country": "TH",
        "declared_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="min"),
        "hs6": rng.choice(["640399", "420221", "610910"], n), "goods_description": "sports shoes",
        "value_usd": rng.random(n) * 1e4, "quantity": rng.random(n) * 100, "line": np.arange(n),
    })


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def unwind_merge(store: LadybugStore, frame: pd.DataFrame) -> None:
    """The row-by-row path: batches of ``UNWIND $rows AS row MERGE ... SET``."""
    cols = [c for c in frame.columns if c != "decl_key"]
    sets = ", ".join(f"n.{c} = row.{c}" for c in cols)
    cypher = f"UNWIND $rows AS row MERGE (n:Declaration {{decl_key: row.decl_key}}) SET {sets}"
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(records), BATCH):
        store.query(cypher, {"rows": records[start:start + BATCH]})


def unwind_set(store: LadybugStore, frame: pd.DataFrame) -> None:
    """Batched ``UNWIND $rows AS row MATCH ... SET`` write-back."""
    cypher = ("UNWIND $rows AS row MATCH (n:Declaration {decl_key: row.decl_key}) "
              "SET n.risk_score = row.risk_score, n.lane = row.lane, n.reasons = row.reasons")
    records = frame.to_dict("records")
    for start in range(0, len(records), BATCH):
        store.query(cypher, {"rows": records[start:start + BATCH]})


def scores(keys: pd.Series, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"decl_key": keys, "risk_score": rng.random(len(keys)),
                         "lane": rng.choice(["red", "yellow", "green"], len(keys)),
                         "reasons": '["shares a phone with 11 new consignees"]'})


def run(n_nodes: int, n_props: int, slow_rows: int, root: Path) -> list[tuple[str, int, float]]:
    rows: list[tuple[str, int, float]] = []
    frame = declarations(n_nodes)
    with LadybugStore(root / "copy") as store:
        rows.append(("upsert_nodes (anti-join + COPY)", n_nodes,
                     timed(lambda: store.upsert_nodes("Declaration", frame))))
        rows.append(("upsert_nodes re-run (nothing to write)", n_nodes,
                     timed(lambda: store.upsert_nodes("Declaration", frame))))
    slow = frame.head(slow_rows)
    with LadybugStore(root / "merge") as store:
        rows.append(("UNWIND $rows MERGE .. SET (batches of 5k)", len(slow),
                     timed(lambda: unwind_merge(store, slow))))
    big = declarations(n_props, seed=11)
    with LadybugStore(root / "props") as store:
        store.upsert_nodes("Declaration", big)
        sc = scores(big["decl_key"])
        rows.append(("set_properties x3 (LOAD FROM .. MATCH .. SET)", n_props,
                     timed(lambda: store.set_properties("Declaration", sc))))
        sc_slow = sc.head(slow_rows)
        rows.append(("UNWIND $rows MATCH .. SET x3 (batches of 5k)", len(sc_slow),
                     timed(lambda: unwind_set(store, sc_slow))))
    return rows


def table(rows: list[tuple[str, int, float]]) -> str:
    rates = [n / s for _, n, s in rows]
    lines = [f"{'operation':48s} {'rows':>9s} {'seconds':>8s} {'rows/s':>11s} {'vs fastest':>10s}"]
    for (name, n, s), rate in zip(rows, rates):
        lines.append(f"{name:48s} {n:9,d} {s:8.2f} {rate:11,.0f} {max(rates) / rate:9.1f}x")
    copy_rate, merge_rate = rates[0], rates[2]
    lines.append(f"\nCOPY path vs UNWIND MERGE: {copy_rate / merge_rate:,.0f}x faster per row")
    lines.append(f"set_properties vs UNWIND MATCH SET: {rates[3] / rates[4]:,.0f}x faster per row")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--props", type=int, default=100_000)
    parser.add_argument("--slow-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(table(run(args.nodes, args.props, args.slow_rows, Path(tmp))))


if __name__ == "__main__":
    main()
