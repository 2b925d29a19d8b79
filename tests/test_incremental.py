"""Pre-arrival scoring (intel.analytics.incremental.score_batch) on a small generated world.

A random 15 % of the world's declarations (whole declarations, all items) are held out as
the batch; the rest are loaded and analysed. The batch is scored incrementally, then a full
analyze of the same store (now holding the batch) scores it again: the two must agree.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from ingest.pipeline import ingest_files
from intel.analytics import incremental
from intel.analytics.incremental import score_batch
from intel.analytics.run import analyze
from intel.background import Background
from intel.config import Settings
from intel.store import open_store
from sample_data import generate_world


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("incremental")
    world = tmp / "world"
    generate_world(world, declarations=3000, seed=31)
    # split the raw rows (malformed ones included, bytes kept as latin-1 round-trips them) by time
    with open(world / "declarations.csv", newline="", encoding="latin-1") as fh:
        header, *rows = list(csv.reader(fh))
        n_fields = len(header)
    i_id = header.index("declaration_id")
    ok = [r for r in rows if len(r) == n_fields]
    ids = sorted({r[i_id] for r in ok})
    later = set(np.random.default_rng(31).choice(ids, size=len(ids) * 15 // 100, replace=False))
    base = [r for r in rows if not (len(r) == n_fields and r[i_id] in later)]
    batch = [r for r in ok if r[i_id] in later]
    for name, part in (("base", base), ("batch", batch)):
        (tmp / name).mkdir()
        with open(tmp / name / "declarations.csv", "w", newline="", encoding="latin-1") as fh:
            csv.writer(fh).writerows([header, *part])
    cfg = Settings()
    with open_store(f"embedded:{tmp / 'store'}") as st:
        for kind, files in (("parties", [world / "parties.csv"]), ("declarations", [tmp / "base" / "declarations.csv"]),
                            ("tips", [world / "tips.csv"]), ("outcomes", [world / "outcomes.csv"])):
            ingest_files(st, kind, files)
        analyze(st, cfg)
        before = set(st.nodes("Party", ["party_id"])["party_id"])
        stored = st.nodes("Declaration", ["decl_key"])
        base_roles = st.rels("CONSIGNEE", ["src", "dst"])
        result = score_batch(st, [tmp / "batch" / "declarations.csv"])
        on_graph = st.nodes("Declaration", ["decl_key", "risk_score", "lane", "reasons"])
        analyze(st, cfg)  # the full analyze on the same data, for comparison
        full = pd.read_parquet(st.state_dir / "findings" / "declarations.parquet")
    truth = pd.read_csv(world / "ground_truth" / "declarations.csv", dtype=str, keep_default_na=False)
    truth["decl_key"] = truth["reporting_country"] + "|" + truth["declaration_id"] + "|" + truth["item_no"]
    parties = pd.read_csv(world / "ground_truth" / "parties.csv", dtype=str, keep_default_na=False)
    shells = set(parties.loc[parties["is_shell"].eq("1") & parties["ring_id"].ne(""), "true_party_id"])
    return {"shells": shells, "result": result, "full": full, "truth": truth, "before": before, "stored": set(stored["decl_key"]),
            "base_roles": base_roles, "on_graph": on_graph, "n_batch": len(batch), "store": f"embedded:{tmp / 'store'}"}


def test_every_batch_row_is_scored_with_reasons(scored: dict) -> None:
    r = scored["result"]
    assert len(r) >= 0.95 * scored["n_batch"]  # a few malformed rows go to the quarantine
    assert not (set(r["decl_key"]) & scored["stored"])
    assert {"declaration_id", "reporting_country", "risk_score", "lane", "reasons", "consignee_party_id", "route_id",
            "decl_key"} <= set(r.columns)
    assert r["risk_score"].between(0, 1).all()
    assert r["lane"].isin({"green", "yellow", "red"}).all()
    flagged = r[r["risk_score"] > 0.05]
    assert len(flagged) and flagged["reasons"].map(len).gt(0).all()
    assert r["reasons"].map(lambda x: isinstance(x, list)).all()
    # written back onto the graph
    g = scored["on_graph"].set_index("decl_key").reindex(r["decl_key"])
    assert np.allclose(g["risk_score"].astype(float).to_numpy(), r["risk_score"].to_numpy())
    assert (g["lane"].to_numpy() == r["lane"].to_numpy()).all()


def test_parties_resolve_into_existing_ones(scored: dict) -> None:
    r, truth = scored["result"], scored["truth"]
    roles = scored["base_roles"].rename(columns={"src": "decl_key", "dst": "party_id"})
    known = roles.merge(truth[["decl_key", "consignee_true_id"]], on="decl_key")
    # the stored party each true consignee was resolved to before the batch
    stored_pid = known.groupby("consignee_true_id")["party_id"].agg(lambda s: s.mode().iloc[0])
    rows = r.merge(truth[["decl_key", "consignee_true_id"]], on="decl_key")
    rows = rows[rows["consignee_true_id"].isin(stored_pid.index)]
    assert len(rows) > 50
    same = rows["consignee_party_id"].to_numpy() == rows["consignee_true_id"].map(stored_pid).to_numpy()
    assert same.mean() >= 0.9
    assert rows["consignee_party_id"].isin(scored["before"]).mean() >= 0.95


def test_shell_ring_consignees_score_above_legit_ones(scored: dict) -> None:
    rows = scored["result"].merge(scored["truth"][["decl_key", "illicit", "scheme", "consignee_true_id"]], on="decl_key")
    shells = scored["shells"]
    shell = rows.loc[rows["scheme"].eq("shell_ring") | rows["consignee_true_id"].isin(shells), "risk_score"]
    legit = rows.loc[rows["illicit"].eq("0"), "risk_score"]
    assert len(shell) >= 3 and len(legit) > 100
    print(f"\nshell n={len(shell)} median {shell.median():.3f} mean {shell.mean():.3f}; legit n={len(legit)} median {legit.median():.3f} mean {legit.mean():.3f}")
    assert shell.median() > legit.median()
    assert shell.mean() > 3 * legit.mean()


def test_scores_agree_with_a_full_analyze(scored: dict) -> None:
    r = scored["result"].set_index("decl_key")
    full = scored["full"].drop_duplicates("decl_key").set_index("decl_key").reindex(r.index)
    assert full["risk_score"].notna().all()
    rho = r["risk_score"].rank().corr(full["risk_score"].rank())
    print(f"\nspearman {rho:.3f} lanes {(r['lane'] == full['lane']).mean():.3f} close {(np.abs(r['risk_score'] - full['risk_score']) < 0.05).mean():.3f} n {len(r)}")
    assert rho > 0.8, rho
    # the lanes: the full analyze re-cut them over the grown store, so most (not all) agree
    assert (r["lane"] == full["lane"]).mean() > 0.85
    close = np.abs(r["risk_score"] - full["risk_score"]) < 0.05
    assert close.mean() > 0.8


def test_outcomes_read_by_key_or_by_scan_are_the_same(scored: dict) -> None:
    with open_store(scored["store"], read_only=True) as st:
        every = st.query("MATCH (o:Outcome)-[:OUTCOME_OF]->(d:Declaration) "
                         "RETURN d.decl_key AS decl_key, o.result AS result, o.decided_at AS decided_at")
        keys = pd.Series(sorted(set(every["decl_key"]))[:5] + ["TH|NOT-STORED|1"])
        few = incremental._outcomes(st, keys)  # fewer keys than outcomes: looked up by key
        many = incremental._outcomes(st, pd.Series(sorted(scored["stored"])))  # scanned
    assert len(every) > 3 * len(keys)
    assert sorted(few["decl_key"]) == sorted(every.loc[every["decl_key"].isin(keys), "decl_key"])
    assert sorted(zip(many["decl_key"], many["result"])) == sorted(
        zip(every.loc[every["decl_key"].isin(scored["stored"]), "decl_key"],
            every.loc[every["decl_key"].isin(scored["stored"]), "result"]))


def test_the_batch_edges_written_beside_the_analytics_are_all_in_place(scored: dict) -> None:
    batch = set(scored["result"]["decl_key"])
    with open_store(scored["store"], read_only=True) as st:
        linked = {rel: set(st.rels(rel, ["src", "dst"])["src"]) & batch for rel in ("CONSIGNEE", "ORIGIN", "LOADED_AT")}
        loads = st.loads()
        decl = st.nodes("Declaration", ["decl_key", "consignee_mention", "origin_country"])
    decl = decl[decl["decl_key"].isin(batch)]
    assert linked["CONSIGNEE"] == set(decl.loc[decl["consignee_mention"].fillna("").ne(""), "decl_key"])
    assert linked["ORIGIN"] == set(decl.loc[decl["origin_country"].fillna("").ne(""), "decl_key"])
    assert len(linked["LOADED_AT"]) > 0.9 * len(batch)
    assert loads["status"].eq("complete").all()  # the batch's load, recorded "linking" until its edges were in


def test_background_work_hands_its_error_to_the_joining_thread() -> None:
    ran: list[str] = []

    def fail() -> None:
        ran.append("x")
        raise ValueError("edges refused")

    work = Background(fail)
    work.start()
    with pytest.raises(ValueError, match="edges refused"):
        work.join()
    work.join()  # once only
    never_started = Background(lambda: ran.append("y") or len(ran))
    assert never_started.join() == 2  # runs it here, returns what it returned
    assert ran == ["x", "y"]
    assert Background(None).join() is None
