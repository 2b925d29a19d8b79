"""Every statement :class:`~intel.store.neo4j_store.Neo4jStore` sends, as pure functions.

No driver is needed to build them, so they can be listed (:func:`all_statements`), checked
offline for syntax (``tools/cypher_check``) and checked for injection (no user value ever
appears in the text). Labels, relationship types and property names come only from
:mod:`intel.model` — builders take :class:`~intel.model.NodeType` /
:class:`~intel.model.RelType` objects and validated column names — and are back-quoted;
every value is a parameter (``$rows``, ``$keys``, ``$key``, ``$after``, ``$chunk``,
``$cap``, ``$graph``, ...).

Row shapes sent with ``$rows``: nodes ``{key, props}``; relationships
``{src, dst, key, props}`` (``key`` only when the model declares a key property).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from intel import model
from intel.model import NodeType, RelType

from ._frames import HASH_COLUMN
from ._quote import q, returns as _returns

__all__ = [
    "all_statements",
    "constraint",
    "count_nodes",
    "delete_nodes",
    "delete_rels",
    "expand",
    "fetch_hashes",
    "fetch_node",
    "fetch_rels",
    "fetch_rows",
    "gds_drop",
    "gds_louvain_stream",
    "gds_project",
    "gds_version",
    "indexes",
    "merge_nodes",
    "merge_rels",
    "node_page",
    "q",
    "rel_page",
    "set_nodes",
    "update_rels",
]


def _name(*parts: str) -> str:
    return q("intel_" + "_".join(parts).lower())


def constraint(nt: NodeType) -> str:
    return (f"CREATE CONSTRAINT {_name(nt.label, nt.key, 'unique')} IF NOT EXISTS "
            f"FOR (n:{q(nt.label)}) REQUIRE n.{q(nt.key)} IS UNIQUE")


def indexes(nt: NodeType) -> list[str]:
    """Range indexes on the searchable properties other than the key."""
    return [f"CREATE INDEX {_name(nt.label, p)} IF NOT EXISTS FOR (n:{q(nt.label)}) "
            f"ON (n.{q(p)})" for p in nt.searchable if p != nt.key]


def rel_index(rt: RelType) -> str | None:
    """An index on the relationship's key property, when the model declares one."""
    if not rt.key:
        return None
    return (f"CREATE INDEX {_name(rt.type, rt.key)} IF NOT EXISTS "
            f"FOR ()-[r:{q(rt.type)}]-() ON (r.{q(rt.key)})")


def _by_key(nt: NodeType, var: str, value: str) -> str:
    return f"({var}:{q(nt.label)} {{{q(nt.key)}: {value}}})"


def merge_nodes(nt: NodeType) -> str:
    return f"UNWIND $rows AS row MERGE {_by_key(nt, 'n', 'row.key')} SET n += row.props"


def set_nodes(nt: NodeType) -> str:
    """Update existing nodes only (a NULL in ``props`` removes the property)."""
    return (f"UNWIND $rows AS row MATCH {_by_key(nt, 'n', 'row.key')} SET n += row.props "
            f"RETURN count(n) AS n")


def fetch_hashes(nt: NodeType) -> str:
    return (f"UNWIND $keys AS k MATCH {_by_key(nt, 'n', 'k')} "
            f"RETURN n.{q(nt.key)} AS {q(nt.key)}, n.{q(HASH_COLUMN)} AS {q(HASH_COLUMN)}")


def fetch_rows(nt: NodeType, columns: Sequence[str]) -> str:
    return f"UNWIND $keys AS k MATCH {_by_key(nt, 'n', 'k')} RETURN {_returns('n', columns)}"


def _ends(rt: RelType) -> tuple[NodeType, NodeType]:
    return model.node(rt.source), model.node(rt.target)


def merge_rels(rt: RelType) -> str:
    src, dst = _ends(rt)
    key = f" {{{q(rt.key)}: row.key}}" if rt.key else ""
    return (f"UNWIND $rows AS row MATCH {_by_key(src, 'a', 'row.src')} "
            f"MATCH {_by_key(dst, 'b', 'row.dst')} "
            f"MERGE (a)-[r:{q(rt.type)}{key}]->(b) SET r += row.props RETURN count(r) AS n")


def _match_rel_id(rt: RelType) -> str:
    """Each row's relationship ``r`` by ``row.src``, ``row.dst`` and (keyed types) ``row.key``."""
    src, dst = _ends(rt)
    where = f" WHERE r.{q(rt.key)} = row.key" if rt.key else ""
    return (f"UNWIND $rows AS row MATCH {_by_key(src, 'a', 'row.src')}-[r:{q(rt.type)}]->"
            f"{_by_key(dst, 'b', 'row.dst')}{where}")


def update_rels(rt: RelType) -> str:
    return f"{_match_rel_id(rt)} SET r += row.props"


def fetch_rels(rt: RelType, columns: Sequence[str]) -> str:
    """Stored rels of the sources ``$keys``; a source without any gives a NULL ``dst``."""
    src, dst = _ends(rt)
    props = "".join(f", r.{q(c)} AS {q(c)}" for c in columns)
    return (f"UNWIND $keys AS k MATCH {_by_key(src, 'a', 'k')} "
            f"OPTIONAL MATCH (a)-[r:{q(rt.type)}]->(b:{q(dst.label)}) "
            f"RETURN a.{q(src.key)} AS src, b.{q(dst.key)} AS dst{props}")


def delete_rels(rt: RelType) -> str:
    return f"{_match_rel_id(rt)} DELETE r RETURN count(*) AS n"


def delete_nodes(nt: NodeType) -> str:
    return f"UNWIND $keys AS k MATCH {_by_key(nt, 'n', 'k')} DETACH DELETE n RETURN count(*) AS n"


def node_page(nt: NodeType, columns: Sequence[str]) -> str:
    """One page of nodes in key order from ``$after`` on (keyset pagination on the unique
    index: each page costs the same, unlike ``SKIP``; the caller drops the ``$after`` row
    it already has, which also lets the first page, ``$after = ''``, include a key ``''``)."""
    return (f"MATCH (n:{q(nt.label)}) WHERE n.{q(nt.key)} >= $after "
            f"RETURN {_returns('n', columns)} ORDER BY n.{q(nt.key)} LIMIT $chunk")


def rel_page(rt: RelType, columns: Sequence[str]) -> str:
    """Relationships of the next ``$chunk`` sources from ``$after`` on (a source without
    relationships gives one row with NULL ``dst``, so a page always ends on its last
    source; the caller drops the rows of ``$after``, read on the previous page)."""
    src, dst = _ends(rt)
    props = "".join(f", r.{q(c)} AS {q(c)}" for c in columns)
    return (f"MATCH (a:{q(src.label)}) WHERE a.{q(src.key)} >= $after "
            f"WITH a ORDER BY a.{q(src.key)} LIMIT $chunk "
            f"OPTIONAL MATCH (a)-[r:{q(rt.type)}]->(b:{q(dst.label)}) "
            f"RETURN a.{q(src.key)} AS src, b.{q(dst.key)} AS dst{props}")


def count_nodes(nt: NodeType) -> str:
    return f"MATCH (n:{q(nt.label)}) RETURN count(n) AS n"


def fetch_node(nt: NodeType) -> str:
    return f"MATCH {_by_key(nt, 'n', '$key')} RETURN properties(n) AS props LIMIT 1"


def expand(rt: RelType, anchor: NodeType, other: NodeType, outgoing: bool) -> str:
    """Neighbours of ``$keys`` along ``rt``, at most ``$cap`` rows."""
    arrow = f"-[:{q(rt.type)}]->" if outgoing else f"<-[:{q(rt.type)}]-"
    return (f"MATCH (m:{q(anchor.label)}){arrow}(x:{q(other.label)}) "
            f"WHERE m.{q(anchor.key)} IN $keys "
            f"RETURN m.{q(anchor.key)} AS anchor, x.{q(other.key)} AS key, "
            f"properties(x) AS props LIMIT $cap")


def gds_version() -> str:
    return "CALL gds.version() YIELD gdsVersion RETURN gdsVersion AS version"


def gds_project() -> str:
    """Project ``$labels`` and ``$rels`` (a map type -> {orientation}) as ``$graph``."""
    return ("CALL gds.graph.project($graph, $labels, $rels) "
            "YIELD nodeCount, relationshipCount RETURN nodeCount, relationshipCount")


def gds_louvain_stream(nt: NodeType) -> str:
    """Louvain communities of the projected ``$graph`` for the ``nt`` nodes in it."""
    return (f"CALL gds.louvain.stream($graph, {{maxIterations: $iterations}}) "
            f"YIELD nodeId, communityId "
            f"WITH gds.util.asNode(nodeId) AS n, communityId WHERE n:{q(nt.label)} "
            f"RETURN n.{q(nt.key)} AS {q(nt.key)}, communityId AS community")


def gds_drop() -> str:
    return "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"


def schema_statements() -> list[str]:
    """Constraints and indexes for the whole model, in order."""
    out: list[str] = []
    for nt in model.NODES.values():
        out += [constraint(nt), *indexes(nt)]
    out += [s for rt in model.RELS.values() if (s := rel_index(rt))]
    return out


def all_statements() -> Iterator[tuple[str, str]]:
    """``(name, cypher)`` for every statement the Neo4j backend can send."""
    for i, stmt in enumerate(schema_statements()):
        yield f"schema[{i}]", stmt
    for label, nt in model.NODES.items():
        cols = nt.columns
        for fn in (merge_nodes, set_nodes, fetch_hashes, delete_nodes, count_nodes, fetch_node,
                   gds_louvain_stream):
            yield f"{fn.__name__}({label})", fn(nt)
        yield f"fetch_rows({label})", fetch_rows(nt, cols)
        yield f"node_page({label})", node_page(nt, cols)
    for rel_type, rt in model.RELS.items():
        props = list(rt.properties)
        for fn in (merge_rels, update_rels, delete_rels):
            yield f"{fn.__name__}({rel_type})", fn(rt)
        yield f"fetch_rels({rel_type})", fetch_rels(rt, props)
        yield f"rel_page({rel_type})", rel_page(rt, props)
        src, dst = _ends(rt)
        yield f"expand({rel_type}, out)", expand(rt, src, dst, True)
        yield f"expand({rel_type}, in)", expand(rt, dst, src, False)
    for fn in (gds_version, gds_project, gds_drop):
        yield f"{fn.__name__}()", fn()
