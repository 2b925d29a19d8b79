"""One contract, every store backend: the embedded LadybugDB store always, a Neo4j server
when ``NEO4J_URI`` is set (it must point at a disposable database: the tests delete every
node of the model's labels in it).

The second half holds what only the embedded store has: its lock, read-only opening while
a writer holds it, and a load killed with ``kill -9`` and then re-run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from intel import model
from intel.store import StoreError, open_store, parse_store_uri, resolve_uri
from intel.store.ladybug_store import LadybugStore

REPO = Path(__file__).resolve().parents[1]

BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=[
        pytest.mark.neo4j,
        pytest.mark.skipif(not os.environ.get("NEO4J_URI"),
                           reason="NEO4J_URI not set: the Neo4j backend was not exercised"),
    ]),
]


def _neo4j_store():
    from intel.store.neo4j_store import Neo4jStore

    store = Neo4jStore(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USERNAME", "neo4j"),
                       os.environ.get("NEO4J_PASSWORD", ""),
                       os.environ.get("NEO4J_DATABASE", "neo4j"), batch_size=500)
    for label, nt in model.NODES.items():
        keys = store.nodes(label, [nt.key])[nt.key].tolist()
        store.delete_nodes(label, keys)
    return store


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    s = LadybugStore(tmp_path / "store") if request.param == "embedded" else _neo4j_store()
    yield s
    s.close()


# -- a small world --------------------------------------------------------------------------
def declarations(n: int = 5, start: int = 0) -> pd.DataFrame:
    i = np.arange(start, start + n)
    return pd.DataFrame({
        "decl_key": [f"TH|D{k}|1" for k in i],
        "declaration_id": [f"D{k}" for k in i],
        "item_no": pd.array([1] * n, dtype="Int64"),
        "declared_at": pd.Timestamp("2024-03-01 08:30") + pd.to_timedelta(i, unit="D"),
        "hs6": "640399",
        "value_usd": [100.0 + k for k in i],
        "quantity": [np.nan if k % 2 else float(k) for k in i],
        "line": pd.array([None if k % 3 == 0 else int(k) for k in i], dtype="Int64"),
        "brand": ["Nike" if k % 2 else None for k in i],
        "extra": "{}",
        "not_in_model": "dropped",
    })


def hubs() -> pd.DataFrame:
    return pd.DataFrame({"locode": ["CNSHA", "MYPKG", "THLCH"],
                         "name": ["Shanghai", "Port Klang", "Laem Chabang"],
                         "ftz": [False, True, None], "lat": [31.2, 3.0, np.nan]})


def parties(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"party_id": [f"P{k:012x}" for k in range(n)],
                         "display_name": [f"Trader {k}" for k in range(n)],
                         "registered_at": [pd.Timestamp("2023-01-01"), None, pd.Timestamp("2020-05-05")][:n],
                         "mention_count": [1, 2, 3][:n]})


def load_small_world(store) -> None:
    store.upsert_nodes("Hub", hubs())
    store.upsert_nodes("Party", parties())
    store.upsert_nodes("Declaration", declarations())
    store.upsert_rels("TRANSITED", pd.DataFrame({
        "src": ["TH|D0|1", "TH|D0|1", "TH|D1|1"], "dst": ["MYPKG", "MYPKG", "MYPKG"],
        "seq": [1, 2, 1]}))
    store.upsert_rels("CONSIGNEE", pd.DataFrame({
        "src": [f"TH|D{k}|1" for k in range(5)], "dst": ["P000000000000"] * 4 + ["P000000000001"]}))


# -- loading ----------------------------------------------------------------------------
def test_a_fresh_store_has_every_label_with_zero_nodes(store):
    assert store.counts() == {label: 0 for label in model.NODES}


def test_loading_nodes_writes_every_row_and_counts_them(store):
    assert store.upsert_nodes("Declaration", declarations(5)) == 5
    assert store.upsert_nodes("Hub", hubs()) == 3
    counts = store.counts()
    assert (counts["Declaration"], counts["Hub"], counts["Party"]) == (5, 3, 0)


def test_reloading_the_same_frame_writes_nothing_and_keeps_the_counts(store):
    load_small_world(store)
    before = store.counts()
    assert store.upsert_nodes("Declaration", declarations()) == 0
    assert store.upsert_nodes("Hub", hubs()) == 0
    assert store.upsert_rels("TRANSITED", store.rels("TRANSITED")) == 0
    assert store.upsert_rels("CONSIGNEE", store.rels("CONSIGNEE")) == 0
    assert store.counts() == before
    assert len(store.rels("TRANSITED")) == 3


def test_a_changed_property_is_updated_and_only_that_row_is_written(store):
    store.upsert_nodes("Declaration", declarations())
    changed = declarations()
    changed.loc[2, "value_usd"] = 9_999.5
    changed.loc[3, "brand"] = None
    assert store.upsert_nodes("Declaration", changed) == 2
    got = store.nodes("Declaration", ["value_usd", "brand"]).set_index("decl_key")
    assert got.loc["TH|D2|1", "value_usd"] == 9_999.5
    assert pd.isna(got.loc["TH|D3|1", "brand"])
    assert got.loc["TH|D1|1", "value_usd"] == 101.0


def test_new_and_existing_keys_in_one_frame_are_inserted_and_updated(store):
    store.upsert_nodes("Declaration", declarations(3))
    mixed = declarations(5)
    mixed.loc[0, "hs6"] = "420221"
    assert store.upsert_nodes("Declaration", mixed) == 3  # two new, one changed
    assert store.counts()["Declaration"] == 5


def test_columns_missing_from_a_frame_leave_stored_values_alone(store):
    store.upsert_nodes("Declaration", declarations())
    partial = declarations()[["decl_key", "hs6"]].assign(hs6="610910")
    assert store.upsert_nodes("Declaration", partial) == 5
    got = store.nodes("Declaration", ["hs6", "value_usd"]).set_index("decl_key")
    assert set(got["hs6"]) == {"610910"}
    assert got.loc["TH|D4|1", "value_usd"] == 104.0


def test_extra_columns_are_dropped_and_absent_ones_are_null(store):
    store.upsert_nodes("Declaration", declarations(2))
    got = store.nodes("Declaration")
    assert "not_in_model" not in got.columns
    assert got["risk_score"].isna().all() and got["lane"].isna().all()
    assert list(got.columns) == model.node("Declaration").columns


def test_values_keep_their_types_and_nulls_round_trip(store):
    store.upsert_nodes("Declaration", declarations(4))
    store.upsert_nodes("Hub", hubs())
    store.upsert_nodes("Party", parties())
    d = store.nodes("Declaration").set_index("decl_key").sort_index()
    assert d.loc["TH|D1|1", "declared_at"] == pd.Timestamp("2024-03-02 08:30")
    assert str(d["item_no"].dtype) == "Int64" and d["item_no"].tolist() == [1, 1, 1, 1]
    assert pd.isna(d.loc["TH|D0|1", "line"]) and d.loc["TH|D1|1", "line"] == 1
    assert pd.isna(d.loc["TH|D1|1", "quantity"]) and d.loc["TH|D2|1", "quantity"] == 2.0
    h = store.nodes("Hub").set_index("locode")
    assert h.loc["MYPKG", "ftz"] is True or h.loc["MYPKG", "ftz"] == True
    assert pd.isna(h.loc["THLCH", "ftz"]) and pd.isna(h.loc["THLCH", "lat"])
    p = store.nodes("Party").set_index("party_id")
    assert pd.isna(p.loc["P000000000001", "registered_at"])
    assert p.loc["P000000000002", "registered_at"] == pd.Timestamp("2020-05-05")


def test_timezone_aware_timestamps_are_stored_as_utc(store):
    frame = declarations(1).assign(declared_at=pd.Timestamp("2024-03-01 15:00", tz="Asia/Bangkok"))
    store.upsert_nodes("Declaration", frame)
    assert store.nodes("Declaration")["declared_at"].iloc[0] == pd.Timestamp("2024-03-01 08:00")


def test_duplicate_keys_in_one_frame_keep_the_last_row(store):
    frame = pd.concat([declarations(2), declarations(2).assign(hs6="999999")])
    assert store.upsert_nodes("Declaration", frame) == 2
    assert set(store.nodes("Declaration")["hs6"]) == {"999999"}


def test_a_frame_without_its_key_column_is_refused_clearly(store):
    with pytest.raises(StoreError, match="decl_key"):
        store.upsert_nodes("Declaration", pd.DataFrame({"hs6": ["1"]}))
    with pytest.raises(StoreError, match="unknown node label 'Ship'"):
        store.upsert_nodes("Ship", pd.DataFrame({"x": [1]}))


def test_a_value_of_the_wrong_type_is_refused_with_the_column_named(store):
    with pytest.raises(StoreError, match="value_usd"):
        store.upsert_nodes("Declaration", declarations(1).assign(value_usd="lots"))


# -- relationships --------------------------------------------------------------------
def test_transited_relationships_are_told_apart_by_their_seq(store):
    load_small_world(store)
    got = store.rels("TRANSITED").sort_values(["src", "seq"], ignore_index=True)
    assert got[["src", "dst", "seq"]].values.tolist() == [
        ["TH|D0|1", "MYPKG", 1], ["TH|D0|1", "MYPKG", 2], ["TH|D1|1", "MYPKG", 1]]
    third = pd.DataFrame({"src": ["TH|D0|1", "TH|D0|1"], "dst": ["MYPKG", "THLCH"],
                          "seq": [2, 3]})
    assert store.upsert_rels("TRANSITED", third) == 1
    assert len(store.rels("TRANSITED")) == 4


def test_prune_rels_removes_only_the_relationships_of_the_sources_not_kept(store):
    load_small_world(store)
    keep = pd.DataFrame({"src": ["TH|D0|1", "TH|D3|1"], "dst": ["P000000000000", "P000000000001"]})
    # D0 keeps its consignee; D1 (no row kept) loses its own; D3 keeps only a consignee it does not have
    assert store.prune_rels("CONSIGNEE", ["TH|D0|1", "TH|D1|1", "TH|D3|1", "TH|NOPE|1"], keep) == 2
    got = store.rels("CONSIGNEE").set_index("src")["dst"].to_dict()
    assert got == {"TH|D0|1": "P000000000000", "TH|D2|1": "P000000000000", "TH|D4|1": "P000000000001"}
    assert store.prune_rels("CONSIGNEE", ["TH|D0|1"], keep) == 0  # idempotent


def test_prune_rels_tells_transits_apart_by_their_seq(store):
    load_small_world(store)
    keep = pd.DataFrame({"src": ["TH|D0|1", "TH|D0|1"], "dst": ["MYPKG", "THLCH"], "seq": [1, 2]})
    assert store.prune_rels("TRANSITED", ["TH|D0|1"], keep) == 1  # MYPKG as the 2nd stop goes
    got = store.rels("TRANSITED").sort_values(["src", "seq"], ignore_index=True)
    assert got[["src", "dst", "seq"]].values.tolist() == [["TH|D0|1", "MYPKG", 1], ["TH|D1|1", "MYPKG", 1]]


def test_relationship_properties_are_updated_when_they_change(store):
    store.upsert_nodes("Party", parties())
    store.upsert_nodes("Mention", pd.DataFrame({"mention_key": ["m1", "m2"], "raw_name": ["A", "B"]}))
    rels = pd.DataFrame({"src": ["m1", "m2"], "dst": ["P000000000000"] * 2,
                         "rule": ["same_id", "singleton"], "score": [1.0, 0.5]})
    assert store.upsert_rels("MENTION_OF", rels) == 2
    assert store.upsert_rels("MENTION_OF", rels) == 0
    assert store.upsert_rels("MENTION_OF", rels.assign(score=[1.0, 0.75])) == 1
    got = store.rels("MENTION_OF").set_index("src")
    assert got.loc["m2", "score"] == 0.75 and got.loc["m2", "rule"] == "singleton"


def test_relationships_naming_a_missing_node_are_refused_clearly(store):
    load_small_world(store)
    with pytest.raises(StoreError, match="not in the store.*'NOPE'"):
        store.upsert_rels("CONSIGNEE", pd.DataFrame({"src": ["TH|D0|1"], "dst": ["NOPE"]}))
    with pytest.raises(StoreError, match="src key"):
        store.upsert_rels("CONSIGNEE", pd.DataFrame({"src": ["TH|X|1"], "dst": ["P000000000000"]}))
    assert len(store.rels("CONSIGNEE")) == 5


def test_relationships_of_fresh_sources_are_inserted_and_checked_like_any(store):
    load_small_world(store)
    store.upsert_nodes("Declaration", declarations(7))  # D5, D6 are new: no edges yet
    fresh = pd.DataFrame({"src": ["TH|D5|1", "TH|D6|1"], "dst": ["P000000000001", "P000000000000"]})
    assert store.upsert_rels("CONSIGNEE", fresh, fresh=True) == 2
    got = store.rels("CONSIGNEE").set_index("src")["dst"].to_dict()
    assert got["TH|D5|1"] == "P000000000001" and got["TH|D6|1"] == "P000000000000" and len(got) == 7
    assert store.upsert_rels("CONSIGNEE", fresh) == 0  # the ordinary upsert finds them stored
    with pytest.raises(StoreError, match="not in the store.*'NOPE'"):
        store.upsert_rels("CONSIGNEE", pd.DataFrame({"src": ["TH|D5|1"], "dst": ["NOPE"]}), fresh=True)
    with pytest.raises(StoreError, match="src key"):
        store.upsert_rels("CONSIGNEE", pd.DataFrame({"src": ["TH|X|1"], "dst": ["P000000000000"]}), fresh=True)
    assert len(store.rels("CONSIGNEE")) == 7


def test_a_keyed_relationship_without_its_key_is_refused(store):
    load_small_world(store)
    with pytest.raises(StoreError, match="seq"):
        store.upsert_rels("TRANSITED", pd.DataFrame({"src": ["TH|D2|1"], "dst": ["MYPKG"]}))


# -- neighbourhoods ---------------------------------------------------------------------
def test_neighbourhood_at_depth_one_holds_the_node_and_its_neighbours(store):
    load_small_world(store)
    nodes, edges, capped = store.neighbourhood("Hub", "MYPKG", depth=1, limit=50)
    assert set(nodes["id"]) == {"Hub:MYPKG", "Declaration:TH|D0|1", "Declaration:TH|D1|1"}
    assert set(edges["type"]) == {"TRANSITED"} and not capped
    hub = nodes.set_index("id").loc["Hub:MYPKG"]
    assert (hub["label"], hub["key"], hub["caption"]) == ("Hub", "MYPKG", "MYPKG")
    assert hub["props"]["name"] == "Port Klang"
    assert set(edges["dst"]) == {"Hub:MYPKG"}


def test_neighbourhood_at_depth_two_reaches_the_parties_behind_the_declarations(store):
    load_small_world(store)
    nodes, edges, capped = store.neighbourhood("Hub", "MYPKG", depth=2, limit=50)
    assert {"Party:P000000000000"} <= set(nodes["id"])
    assert "Party:P000000000001" not in set(nodes["id"])  # reached only via D4, three hops
    assert {"CONSIGNEE", "TRANSITED"} == set(edges["type"]) and not capped
    held = set(nodes["id"])
    assert set(edges["src"]) <= held and set(edges["dst"]) <= held


def test_neighbourhood_is_capped_at_the_limit_and_says_so(store):
    load_small_world(store)
    store.upsert_nodes("Declaration", declarations(40, start=10))
    store.upsert_rels("CONSIGNEE", pd.DataFrame({
        "src": [f"TH|D{k}|1" for k in range(10, 50)], "dst": "P000000000000"}))
    nodes, _, capped = store.neighbourhood("Party", "P000000000000", depth=2, limit=12)
    assert capped and len(nodes) == 12
    _, _, roomy = store.neighbourhood("Party", "P000000000000", depth=1, limit=500)
    assert not roomy


def test_neighbourhood_shares_the_limit_across_relationship_types(store):
    load_small_world(store)
    store.upsert_nodes("Identifier", pd.DataFrame({"ident_key": ["phone:+661"], "kind": ["phone"],
                                                   "value": ["+661"]}))
    store.upsert_rels("HAS_IDENTIFIER", pd.DataFrame({"src": ["P000000000000"],
                                                      "dst": ["phone:+661"]}))
    nodes, _, capped = store.neighbourhood("Party", "P000000000000", depth=1, limit=3)
    assert capped and "Identifier:phone:+661" in set(nodes["id"])


def test_neighbourhood_of_an_unknown_key_is_empty(store):
    load_small_world(store)
    nodes, edges, capped = store.neighbourhood("Hub", "XXXXX", depth=2, limit=10)
    assert nodes.empty and edges.empty and not capped
    assert list(nodes.columns) == ["id", "label", "key", "caption", "props"]


# -- write-back -------------------------------------------------------------------------
def test_set_properties_writes_scores_back_and_they_read_back(store):
    load_small_world(store)
    scores = pd.DataFrame({"decl_key": ["TH|D1|1", "TH|D3|1", "TH|NOPE|1"],
                           "risk_score": [0.9, 0.1, 0.5], "lane": ["red", "green", "red"],
                           "reasons": [["shares phone", "new consignee"], [], None]})
    assert store.set_properties("Declaration", scores) == 2
    got = store.nodes("Declaration", ["risk_score", "lane", "reasons"]).set_index("decl_key")
    assert got.loc["TH|D1|1", "lane"] == "red" and got.loc["TH|D1|1", "risk_score"] == 0.9
    assert got.loc["TH|D1|1", "reasons"] == '["shares phone", "new consignee"]'
    assert pd.isna(got.loc["TH|D0|1", "risk_score"])
    assert store.counts()["Declaration"] == 5


def test_set_properties_refuses_properties_the_model_does_not_declare(store):
    load_small_world(store)
    with pytest.raises(StoreError, match="'risk'"):
        store.set_properties("Declaration", pd.DataFrame({"decl_key": ["TH|D1|1"], "risk": [1]}))


def test_reloading_after_set_properties_restores_a_value_it_overwrote(store):
    store.upsert_nodes("Declaration", declarations())
    store.set_properties("Declaration", pd.DataFrame({"decl_key": ["TH|D2|1"], "value_usd": [1.0]}))
    assert store.upsert_nodes("Declaration", declarations()) == 1
    assert store.nodes("Declaration").set_index("decl_key").loc["TH|D2|1", "value_usd"] == 102.0
    assert store.upsert_nodes("Declaration", declarations()) == 0


# -- projections, queries, deletes, loads ------------------------------------------------
def test_nodes_projection_round_trips_the_loaded_frame(store):
    frame = declarations(6)
    store.upsert_nodes("Declaration", frame)
    cols = ["decl_key", "declared_at", "value_usd", "brand", "line"]
    got = store.nodes("Declaration", cols[1:]).sort_values("decl_key", ignore_index=True)
    assert list(got.columns) == cols
    expected = frame[cols].sort_values("decl_key", ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_rels_projection_returns_src_dst_and_the_properties_asked_for(store):
    load_small_world(store)
    assert list(store.rels("TRANSITED").columns) == ["src", "dst", "seq"]
    assert list(store.rels("TRANSITED", ["src", "dst"]).columns) == ["src", "dst"]
    assert list(store.rels("CONSIGNEE").columns) == ["src", "dst"]
    with pytest.raises(StoreError, match="'colour'"):
        store.rels("TRANSITED", ["colour"])


def test_query_takes_values_only_as_parameters(store):
    load_small_world(store)
    got = store.query("MATCH (d:Declaration) WHERE d.value_usd > $v RETURN d.decl_key AS k "
                      "ORDER BY k", {"v": 102.0})
    assert got["k"].tolist() == ["TH|D3|1", "TH|D4|1"]


def test_delete_nodes_removes_the_nodes_and_their_relationships(store):
    load_small_world(store)
    assert store.delete_nodes("Declaration", ["TH|D0|1", "TH|NOPE|1"]) == 1
    assert store.counts()["Declaration"] == 4
    assert "TH|D0|1" not in set(store.rels("TRANSITED")["src"])
    assert len(store.rels("CONSIGNEE")) == 4


def test_record_load_keeps_one_row_per_load_id_and_loads_lists_them_in_order(store):
    store.record_load({"load_id": "L2", "kind": "declarations", "files": ["b.csv"],
                       "started_at": pd.Timestamp("2024-05-02"), "status": "running"})
    store.record_load({"load_id": "L1", "kind": "parties", "files": ["a.csv", "c.csv"],
                       "started_at": pd.Timestamp("2024-05-01"), "status": "done",
                       "rows_read": 10, "rows_loaded": 9, "rows_quarantined": 1})
    store.record_load({"load_id": "L2", "status": "done", "rows_read": 5,
                       "finished_at": pd.Timestamp("2024-05-02 01:00")})
    loads = store.loads()
    assert loads["load_id"].tolist() == ["L1", "L2"]
    l2 = loads.set_index("load_id").loc["L2"]
    assert (l2["status"], l2["rows_read"], l2["files"]) == ("done", 5, '["b.csv"]')
    assert l2["started_at"] == pd.Timestamp("2024-05-02")


# -- against networkx -----------------------------------------------------------------------
def _random_world(rng: random.Random, n_decl: int = 120, n_party: int = 25, n_hub: int = 6):
    decl = [f"TH|R{i}|1" for i in range(n_decl)]
    party = [f"P{i:012x}" for i in range(n_party)]
    hub = [f"HB{i:03d}" for i in range(n_hub)]
    edges = {
        "CONSIGNEE": [(d, rng.choice(party)) for d in decl],
        "CONSIGNOR": [(d, rng.choice(party)) for d in decl if rng.random() < 0.5],
        "TRANSITED": [(d, h, s) for d in decl for s, h in
                      enumerate(rng.sample(hub, rng.randint(0, 2)), start=1)],
    }
    return decl, party, hub, edges


def _networkx_graph(decl, party, hub, edges) -> nx.MultiGraph:
    g = nx.MultiGraph()
    g.add_nodes_from([f"Declaration:{d}" for d in decl] + [f"Party:{p}" for p in party]
                     + [f"Hub:{h}" for h in hub])
    for rel_type, rows in edges.items():
        target = "Hub" if rel_type == "TRANSITED" else "Party"
        g.add_edges_from((f"Declaration:{r[0]}", f"{target}:{r[1]}") for r in rows)
    return g


def test_store_neighbourhoods_match_networkx_on_a_seeded_random_graph(store):
    seed = int(os.environ.get("INTEL_TEST_SEED", random.randrange(1_000_000)))
    print(f"random graph seed: {seed} (re-run with INTEL_TEST_SEED={seed})")
    rng = random.Random(seed)
    decl, party, hub, edges = _random_world(rng)
    store.upsert_nodes("Party", pd.DataFrame({"party_id": party}))
    store.upsert_nodes("Hub", pd.DataFrame({"locode": hub}))
    store.upsert_nodes("Declaration", pd.DataFrame({"decl_key": decl}))
    for rel_type, rows in edges.items():
        columns = ["src", "dst", "seq"] if rel_type == "TRANSITED" else ["src", "dst"]
        store.upsert_rels(rel_type, pd.DataFrame(rows, columns=columns))
    g = _networkx_graph(decl, party, hub, edges)
    assert store.counts()["Declaration"] == len(decl)
    for rel_type, rows in edges.items():
        got = set(map(tuple, store.rels(rel_type).itertuples(index=False)))
        assert got == set(rows), f"{rel_type} differs (seed {seed})"
    for label, key in [("Party", rng.choice(party)), ("Hub", rng.choice(hub)),
                       ("Declaration", rng.choice(decl))]:
        for depth in (1, 2):
            nodes, _, capped = store.neighbourhood(label, key, depth=depth, limit=10_000)
            expected = set(nx.ego_graph(g, f"{label}:{key}", radius=depth).nodes)
            assert not capped
            assert set(nodes["id"]) == expected, f"{label}:{key} depth {depth} (seed {seed})"


# -- store URIs -------------------------------------------------------------------------------
@pytest.mark.parametrize("uri, expected", [
    ("embedded:/data/intel", ("embedded", "/data/intel")),
    ("./intel-data", ("embedded", "./intel-data")),
    ("neo4j+s://abc.databases.neo4j.io", ("neo4j", "neo4j+s://abc.databases.neo4j.io")),
    ("bolt://localhost:7687", ("neo4j", "bolt://localhost:7687")),
])
def test_store_uris_name_their_backend(uri, expected):
    assert parse_store_uri(uri) == expected


def test_an_unknown_uri_scheme_is_refused_with_the_accepted_forms():
    with pytest.raises(StoreError, match="unknown store URI scheme 'http'.*embedded:PATH.*bolt"):
        open_store("http://example.org")


def test_the_default_store_comes_from_intel_store(monkeypatch, tmp_path):
    monkeypatch.setenv("INTEL_STORE", f"embedded:{tmp_path}/s")
    assert resolve_uri() == f"embedded:{tmp_path.resolve()}/s"
    monkeypatch.delenv("INTEL_STORE")
    assert resolve_uri() == f"embedded:{Path('intel-data').resolve()}"


def test_the_neo4j_backend_is_opened_for_neo4j_uris(monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "x")
    with pytest.raises(StoreError, match="cannot reach Neo4j at bolt://127.0.0.1:1"):
        open_store("bolt://127.0.0.1:1")


def test_the_neo4j_backend_without_its_driver_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "neo4j", None)
    from intel.store.neo4j_store import Neo4jStore

    with pytest.raises(StoreError, match=r"pip install 'illicit-trade-intel\[neo4j\]'"):
        Neo4jStore("bolt://localhost:7687")


# -- embedded only: folders, locks, read-only, interrupted loads ---------------------------
def test_the_embedded_store_keeps_graph_quarantine_and_state_in_its_folder(tmp_path):
    with open_store(f"embedded:{tmp_path}/s") as s:
        assert s.quarantine_dir == (tmp_path / "s" / "quarantine").resolve()
        assert s.state_dir == (tmp_path / "s" / "state").resolve()
        assert s.quarantine_dir.is_dir() and s.state_dir.is_dir()
    assert (tmp_path / "s" / "graph" / "graph.lbug").exists()


def _python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


_HOLDER = """
    import sys, time
    from intel.store.ladybug_store import LadybugStore
    s = LadybugStore(sys.argv[1])
    import pandas as pd
    s.upsert_nodes("Hub", pd.DataFrame({"locode": ["MYPKG"]}))
    print("holding", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def held_store(tmp_path):
    """A store held read-write by another process."""
    path = tmp_path / "held"
    LadybugStore(path).close()
    proc = _python(_HOLDER, str(path))
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read()
    yield path
    proc.kill()
    proc.wait()


def test_a_second_writer_is_refused_with_a_one_line_message(held_store):
    with pytest.raises(StoreError) as err:
        LadybugStore(held_store)
    message = str(err.value)
    assert "is in use by another process" in message and "retry when it finishes" in message
    assert "\n" not in message


def test_a_reader_can_open_while_a_writer_holds_the_store_and_sees_committed_data(held_store):
    with LadybugStore(held_store, read_only=True) as reader:
        assert reader.counts()["Hub"] == 1
        assert reader.nodes("Hub")["locode"].tolist() == ["MYPKG"]


def test_a_read_only_store_refuses_writes(tmp_path):
    LadybugStore(tmp_path / "s").close()
    with LadybugStore(tmp_path / "s", read_only=True) as s, \
            pytest.raises(StoreError, match="read-only"):
        s.upsert_nodes("Hub", hubs())


def test_opening_a_missing_store_read_only_says_so(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        LadybugStore(tmp_path / "nothing", read_only=True)


_LOADER = """
    import sys
    import pandas as pd
    from intel.store.ladybug_store import LadybugStore
    sys.path.insert(0, sys.argv[2])
    from test_store_contract import batch_world
    s = LadybugStore(sys.argv[1])
    for i in range(int(sys.argv[3])):
        print(f"batch {i}", flush=True)
        for kind, name, frame in batch_world(i):
            (s.upsert_nodes if kind == "nodes" else s.upsert_rels)(name, frame)
    print("finished", flush=True)
"""

BATCHES, BATCH_ROWS = 8, 20_000


def batch_world(i: int) -> list[tuple[str, str, pd.DataFrame]]:
    """Batch ``i`` of a load: hubs, parties, declarations and their relationships."""
    keys = [f"TH|K{i}-{k}|1" for k in range(BATCH_ROWS)]
    party = [f"P{i:04d}{k:08d}" for k in range(BATCH_ROWS // 10)]
    decl = pd.DataFrame({"decl_key": keys, "declaration_id": keys, "item_no": 1,
                         "declared_at": pd.Timestamp("2024-01-01"), "value_usd": 1.5,
                         "goods_description": "shoes " * 20})
    return [
        ("nodes", "Hub", pd.DataFrame({"locode": ["CNSHA", "THLCH"]})),
        ("nodes", "Party", pd.DataFrame({"party_id": party, "display_name": party})),
        ("nodes", "Declaration", decl),
        ("rels", "CONSIGNEE", pd.DataFrame({"src": keys, "dst": np.repeat(party, 10)})),
        ("rels", "TRANSITED", pd.DataFrame({"src": keys, "dst": "CNSHA", "seq": 1})),
        ("rels", "DISCHARGED_AT", pd.DataFrame({"src": keys, "dst": "THLCH"})),
    ]


def test_a_load_killed_mid_way_is_completed_by_running_it_again(tmp_path):
    path = tmp_path / "killed"
    proc = _python(_LOADER, str(path), str(Path(__file__).parent), str(BATCHES))
    while (line := proc.stdout.readline().strip()) != "batch 2":
        assert line, f"loader stopped early: {proc.stderr.read()}"
    time.sleep(random.uniform(0.1, 0.6))  # somewhere inside batch 2's statements
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert "finished" not in proc.stdout.read()

    with LadybugStore(path) as s:  # the lock died with the process; the log is replayed
        partial = s.counts()
        assert partial["Declaration"] < BATCHES * BATCH_ROWS
        for i in range(BATCHES):
            for kind, name, frame in batch_world(i):
                (s.upsert_nodes if kind == "nodes" else s.upsert_rels)(name, frame)
        counts = s.counts()
        assert counts["Declaration"] == BATCHES * BATCH_ROWS
        assert counts["Party"] == BATCHES * BATCH_ROWS // 10 and counts["Hub"] == 2
        for rel_type in ("CONSIGNEE", "TRANSITED", "DISCHARGED_AT"):
            rels = s.rels(rel_type)
            assert len(rels) == BATCHES * BATCH_ROWS, rel_type
            assert not rels.duplicated(["src", "dst"]).any(), rel_type
        nodes, _, _ = s.neighbourhood("Hub", "CNSHA", depth=2, limit=100)
        assert len(nodes) == 100
        assert s.upsert_rels("CONSIGNEE", batch_world(0)[3][2]) == 0


def test_writes_from_other_threads_land_and_their_connections_are_reused(tmp_path):
    from intel.background import Background

    store = LadybugStore(tmp_path / "threads")
    try:
        for k in range(4):  # one thread after another, as loads and scoring runs start them
            Background(lambda k=k: store.upsert_nodes("Declaration", declarations(1, start=k))).start().join()
        assert store.counts()["Declaration"] == 4  # seen from the opening thread
        assert len(store._others) == 1  # each finished thread handed its connection back
    finally:
        store.close()
