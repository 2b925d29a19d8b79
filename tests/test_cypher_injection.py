"""Hostile text through every store path: it is stored and read back exactly, nothing else
is touched, and no statement ever carries a value in its text.

The embedded store is exercised for real. The Neo4j backend is exercised without a server:
its driver call is replaced by a recorder backed by a tiny in-memory fake, and every
statement it would have sent is checked (only model names between back-quotes, no string
literal, no hostile value).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from intel import model
from intel.store import StoreError, neo4j_cypher
from intel.store import _frames as fr
from intel.store.ladybug_store import LadybugStore
from intel.store.neo4j_store import Neo4jStore

HOSTILE = [
    "'", '"', "`", "}) DETACH DELETE n //", "\\", "\\'", "ünïcødé 中文 ไทย 🚢",
    "<img src=x onerror=alert(1)>", "x'}) MATCH (m) DETACH DELETE m //",
    "` MATCH (m) DETACH DELETE m //", "$key", "{key}", "\n\r\t", "", " ", "%s %n",
    "'; DROP TABLE Party; --", "a" * 5_000,
]

#: hostile values that look like the statements' own parameter syntax (checked as values only)
PARAMETER_SHAPED = {"$key", "{key}"}

MODEL_NAMES = ({n for nt in model.NODES.values() for n in (nt.label, *nt.properties)}
               | {n for rt in model.RELS.values() for n in (rt.type, *rt.properties)}
               | {fr.HASH_COLUMN})


def hostile_parties() -> pd.DataFrame:
    return pd.DataFrame({"party_id": HOSTILE, "display_name": [f"{h}!" for h in HOSTILE],
                         "aliases": list(reversed(HOSTILE))})


def hostile_world(store) -> None:
    store.upsert_nodes("Party", hostile_parties())
    store.upsert_nodes("Party", pd.DataFrame({"party_id": ["innocent"], "display_name": ["I"]}))
    store.upsert_nodes("Mention", pd.DataFrame({"mention_key": HOSTILE, "raw_name": HOSTILE}))
    store.upsert_rels("MENTION_OF", pd.DataFrame({"src": HOSTILE, "dst": HOSTILE,
                                                  "rule": HOSTILE, "score": 0.5}))


@pytest.fixture
def store(tmp_path):
    s = LadybugStore(tmp_path / "store")
    yield s
    s.close()


def test_hostile_keys_and_values_round_trip_exactly_through_upserts(store):
    hostile_world(store)
    got = store.nodes("Party").set_index("party_id")
    assert len(got) == len(HOSTILE) + 1
    for h in HOSTILE:
        assert got.loc[h, "display_name"] == f"{h}!"
    assert sorted(got["aliases"].dropna()) == sorted(h for h in HOSTILE)
    assert store.upsert_nodes("Party", hostile_parties()) == 0


def test_hostile_relationship_ends_and_properties_round_trip(store):
    hostile_world(store)
    rels = store.rels("MENTION_OF")
    assert sorted(zip(rels["src"], rels["dst"], rels["rule"])) == sorted(zip(HOSTILE, HOSTILE, HOSTILE))
    again = pd.DataFrame({"src": HOSTILE, "dst": HOSTILE, "rule": HOSTILE, "score": 0.5})
    assert store.upsert_rels("MENTION_OF", again) == 0


def test_hostile_values_written_back_by_set_properties_read_back_exactly(store):
    hostile_world(store)
    written = pd.DataFrame({"party_id": HOSTILE, "reasons": HOSTILE,
                            "community_id": list(reversed(HOSTILE))})
    assert store.set_properties("Party", written) == len(HOSTILE)
    got = store.nodes("Party", ["reasons", "community_id"]).set_index("party_id")
    for h, c in zip(HOSTILE, reversed(HOSTILE)):
        assert (got.loc[h, "reasons"], got.loc[h, "community_id"]) == (h, c)
    assert store.counts()["Party"] == len(HOSTILE) + 1


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_query_parameters_are_values_not_code(store, value):
    hostile_world(store)
    got = store.query("MATCH (p:Party) WHERE p.party_id = $k RETURN p.display_name AS name",
                      {"k": value})
    assert got["name"].tolist() == [f"{value}!"]
    assert store.counts()["Party"] == len(HOSTILE) + 1


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_neighbourhood_key_finds_only_its_own_node(store, value):
    hostile_world(store)
    nodes, edges, _ = store.neighbourhood("Party", value, depth=2, limit=50)
    assert set(nodes["key"]) == {value}
    assert set(edges["type"]) == {"MENTION_OF"}
    assert store.counts()["Party"] == len(HOSTILE) + 1


def test_deleting_hostile_keys_deletes_exactly_those_nodes(store):
    hostile_world(store)
    doomed = HOSTILE[:6]
    assert store.delete_nodes("Party", doomed) == len(doomed)
    left = set(store.nodes("Party")["party_id"])
    assert left == set(HOSTILE[6:]) | {"innocent"}
    assert store.counts()["Mention"] == len(HOSTILE)
    assert store.delete_nodes("Party", ["}) DETACH DELETE n //nothing"]) == 0


def test_hostile_column_names_never_reach_a_statement(store):
    hostile_world(store)
    frame = pd.DataFrame({"party_id": ["innocent"], "x`) DETACH DELETE n //": ["boom"]})
    assert store.upsert_nodes("Party", frame) == 0  # unknown column dropped
    with pytest.raises(StoreError, match="no propert"):
        store.set_properties("Party", frame)
    with pytest.raises(StoreError, match="no column"):
        store.nodes("Party", ["display_name`) DETACH DELETE n //"])
    with pytest.raises(StoreError, match="unknown node label"):
        store.upsert_nodes("Party`) DETACH DELETE n //", frame)
    assert store.counts()["Party"] == len(HOSTILE) + 1


def _assert_names_only(cypher: str) -> None:
    """Only model names between back-quotes, no string literal, no hostile value."""
    quoted = set(re.findall(r"`([^`]*)`", cypher))
    assert quoted <= MODEL_NAMES | {q.strip("`") for q in _constraint_names()}, cypher
    assert "'" not in cypher and '"' not in cypher, cypher
    for h in HOSTILE:
        if len(h) > 2 and h.strip() and h not in PARAMETER_SHAPED:
            assert h not in cypher, (h, cypher)


def _constraint_names() -> set[str]:
    return set(re.findall(r"`intel_[a-z0-9_]+`", " ".join(neo4j_cypher.schema_statements())))


def test_every_embedded_statement_is_built_from_model_names_only(store, monkeypatch):
    sent: list[str] = []
    run = store._run
    monkeypatch.setattr(store, "_run", lambda c, p=None: (sent.append(c), run(c, p))[1])
    hostile_world(store)
    store.set_properties("Party", pd.DataFrame({"party_id": HOSTILE, "reasons": HOSTILE}))
    for value in HOSTILE[:4]:
        store.neighbourhood("Party", value, depth=2, limit=20)
    store.delete_nodes("Party", HOSTILE[:3])
    store.nodes("Party"), store.rels("MENTION_OF"), store.counts()
    assert len(sent) > 20
    for cypher in sent:
        _assert_names_only(cypher)


# -- Neo4j without a server ------------------------------------------------------------------
class FakeGraph:
    """Just enough of a graph database to answer the Neo4j backend's statements."""

    def __init__(self) -> None:
        self.keys: dict[str, set[str]] = {label: set() for label in model.NODES}
        self.sent: list[tuple[str, dict]] = []

    def __call__(self, cypher: str, params=None, write=False, frame=True):
        params = params or {}
        self.sent.append((cypher, params))
        label = next((lb for lb in model.NODES if f"(n:`{lb}`" in cypher or f"(a:`{lb}`" in cypher
                      or f"(m:`{lb}`" in cypher), None)
        if cypher.startswith("UNWIND $rows AS row MERGE (n:"):
            self.keys[label].update(r["key"] for r in params["rows"])
        if cypher.startswith("UNWIND $keys") and "DELETE" not in cypher:
            found = [k for k in params["keys"] if k in self.keys[label]]
            first, *rest = re.findall(r" AS `?(\w+)`?", cypher.split("RETURN", 1)[1])
            return pd.DataFrame({first: found, **{c: [None] * len(found) for c in rest}})
        if "RETURN properties(n)" in cypher:
            return pd.DataFrame({"props": [{"name": "x"}] if params["key"] in self.keys[label] else []})
        if "RETURN count" in cypher:
            return pd.DataFrame({"n": [len(params.get("rows", params.get("keys", [])))]})
        return pd.DataFrame()


@pytest.fixture
def fake_neo4j(tmp_path, monkeypatch):
    store = Neo4jStore.__new__(Neo4jStore)
    fake = FakeGraph()
    store.uri, store.database, store.read_only = "bolt://fake", "neo4j", False
    store.batch_size, store.progress = 7, None
    store.quarantine_dir, store.state_dir = tmp_path / "q", tmp_path / "s"
    store._driver = None
    monkeypatch.setattr(store, "_execute", fake)
    return store, fake


def test_the_neo4j_backend_sends_hostile_values_only_as_parameters(fake_neo4j):
    store, fake = fake_neo4j
    store.init_schema()
    hostile_world(store)
    store.set_properties("Party", pd.DataFrame({"party_id": HOSTILE, "reasons": HOSTILE}))
    for value in HOSTILE[:3]:
        store.neighbourhood("Party", value, depth=1, limit=10)
    store.delete_nodes("Party", HOSTILE)
    statements = {cypher for cypher, _ in fake.sent}
    assert any("properties(x)" in cypher for cypher in statements)
    assert len(statements) >= 10
    for cypher in statements:
        _assert_names_only(cypher)
    sent_values = [v for _, params in fake.sent for v in _flatten(params)]
    assert set(HOSTILE) <= set(sent_values)


def test_the_neo4j_backend_writes_in_batches_of_the_configured_size(fake_neo4j):
    store, fake = fake_neo4j
    store.upsert_nodes("Party", hostile_parties())
    merges = [p["rows"] for c, p in fake.sent if c.startswith("UNWIND $rows AS row MERGE")]
    assert [len(rows) for rows in merges] == [7, 7, 4]
    assert merges[0][0] == {"key": HOSTILE[0], "props": {
        "display_name": f"{HOSTILE[0]}!", "aliases": HOSTILE[-1],
        fr.HASH_COLUMN: merges[0][0]["props"][fr.HASH_COLUMN]}}


def test_every_neo4j_statement_names_only_model_labels_types_and_properties():
    statements = list(neo4j_cypher.all_statements())
    assert len(statements) > 100
    for _, cypher in statements:
        _assert_names_only(cypher)


def test_statement_builders_refuse_an_identifier_with_a_back_quote():
    with pytest.raises(ValueError, match="refusing identifier"):
        neo4j_cypher.q("Party`) DETACH DELETE n //")


def _flatten(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _flatten(v)
    else:
        yield value
