"""Every statement :class:`~intel.store.ladybug_store.LadybugStore` sends, as pure functions.

Labels, relationship types and property names come only from :mod:`intel.model` (callers
pass :class:`~intel.model.NodeType` / :class:`~intel.model.RelType` objects and column names
already validated against them) and are back-quoted; every value travels as a parameter —
``$t`` is an Arrow table scanned by ``COPY``/``LOAD FROM``, whose columns are named
``k0``/``k1`` (keys) and ``v0``, ``v1``, ... (values) so no user text can become a variable
name either.
"""

from __future__ import annotations

from collections.abc import Sequence

from intel.model import NodeType, RelType

from ._frames import HASH_COLUMN
from ._quote import q, returns as _returns

__all__ = [
    "LOOKUP",
    "ONE",
    "SCAN",
    "add_column",
    "all_nodes",
    "all_rels",
    "copy_nodes",
    "copy_rels",
    "count_nodes",
    "create_node_table",
    "create_rel_table",
    "delete_nodes",
    "delete_rels",
    "expand",
    "expand_plan",
    "fetch_hashes",
    "fetch_node",
    "fetch_rels",
    "fetch_rows",
    "load_columns",
    "q",
    "update_nodes",
    "update_rels",
]


def load_columns(n_keys: int, n_values: int) -> list[str]:
    """Column names for an Arrow table scanned by ``LOAD FROM``: k0.., then v0.."""
    return [f"k{i}" for i in range(n_keys)] + [f"v{i}" for i in range(n_values)]


def create_node_table(nt: NodeType) -> str:
    cols = ", ".join(f"{q(p)} {t}" for p, t in nt.properties.items())
    return (f"CREATE NODE TABLE IF NOT EXISTS {q(nt.label)}({cols}, {q(HASH_COLUMN)} INT64, "
            f"PRIMARY KEY({q(nt.key)}))")


def create_rel_table(rt: RelType) -> str:
    cols = "".join(f", {q(p)} {t}" for p, t in rt.properties.items())
    return f"CREATE REL TABLE IF NOT EXISTS {q(rt.type)}(FROM {q(rt.source)} TO {q(rt.target)}{cols})"


def add_column(table: str, column: str, kind: str) -> str:
    return f"ALTER TABLE {q(table)} ADD IF NOT EXISTS {q(column)} {kind}"


def copy_nodes(nt: NodeType, columns: Sequence[str]) -> str:
    return f"COPY {q(nt.label)}({', '.join(q(c) for c in columns)}) FROM $t"


def copy_rels(rt: RelType) -> str:
    return f"COPY {q(rt.type)} FROM $t"


def _match_key(nt: NodeType, var: str = "n", column: str = "k0") -> str:
    return f"({var}:{q(nt.label)} {{{q(nt.key)}: {column}}})"


def fetch_hashes(nt: NodeType) -> str:
    return (f"LOAD FROM $t MATCH {_match_key(nt)} "
            f"RETURN n.{q(nt.key)} AS {q(nt.key)}, n.{q(HASH_COLUMN)} AS {q(HASH_COLUMN)}")


def fetch_rows(nt: NodeType, columns: Sequence[str]) -> str:
    return f"LOAD FROM $t MATCH {_match_key(nt)} RETURN {_returns('n', columns)}"


def update_nodes(nt: NodeType, columns: Sequence[str]) -> str:
    """``SET`` of ``columns`` (non-key) from ``v0``, ``v1``, ... on nodes matched by ``k0``."""
    sets = ", ".join(f"n.{q(c)} = v{i}" for i, c in enumerate(columns))
    return f"LOAD FROM $t MATCH {_match_key(nt)} SET {sets} RETURN count(*) AS n"


def _rel_pattern(rt: RelType, src: NodeType, dst: NodeType, dst_keyed: bool) -> str:
    right = _match_key(dst, "b", "k1") if dst_keyed else f"(b:{q(dst.label)})"
    return f"{_match_key(src, 'a', 'k0')}-[r:{q(rt.type)}]->{right}"


def fetch_rels(rt: RelType, src: NodeType, dst: NodeType, columns: Sequence[str]) -> str:
    """Stored rels of the sources ``k0``; a source without any gives one row with NULL dst.

    ``OPTIONAL MATCH`` after the key lookup makes LadybugDB walk from each looked-up node
    (0.2 s per 100k keys on a 1M store) instead of scanning the whole relationship table
    and joining (1.2-2 s, whatever the number of keys)."""
    props = "".join(f", r.{q(c)} AS {q(c)}" for c in columns)
    return (f"LOAD FROM $t MATCH {_match_key(src, 'a', 'k0')} "
            f"OPTIONAL MATCH (a)-[r:{q(rt.type)}]->(b:{q(dst.label)}) "
            f"RETURN a.{q(src.key)} AS src, b.{q(dst.key)} AS dst{props}")


def _match_rel_id(rt: RelType, src: NodeType, dst: NodeType) -> str:
    """Each scanned row's relationship ``r``, by ``k0`` (source key), ``k1`` (target key)
    and, for a keyed type, ``k2`` (its key property)."""
    where = f" WHERE r.{q(rt.key)} = k2" if rt.key else ""
    return f"LOAD FROM $t MATCH {_rel_pattern(rt, src, dst, True)}{where}"


def update_rels(rt: RelType, src: NodeType, dst: NodeType, columns: Sequence[str]) -> str:
    """``SET`` of ``columns`` from ``v0``... on the relationships of :func:`_match_rel_id`."""
    sets = ", ".join(f"r.{q(c)} = v{i}" for i, c in enumerate(columns))
    return f"{_match_rel_id(rt, src, dst)} SET {sets}"


def delete_rels(rt: RelType, src: NodeType, dst: NodeType) -> str:
    """Delete the relationships of :func:`_match_rel_id`."""
    return f"{_match_rel_id(rt, src, dst)} DELETE r"


def delete_nodes(nt: NodeType) -> str:
    return f"LOAD FROM $t MATCH {_match_key(nt)} DETACH DELETE n RETURN count(*) AS n"


def all_nodes(nt: NodeType, columns: Sequence[str]) -> str:
    return f"MATCH (n:{q(nt.label)}) RETURN {_returns('n', columns)}"


def all_rels(rt: RelType, src: NodeType, dst: NodeType, columns: Sequence[str]) -> str:
    props = "".join(f", r.{q(c)} AS {q(c)}" for c in columns)
    return (f"MATCH (a:{q(src.label)})-[r:{q(rt.type)}]->(b:{q(dst.label)}) "
            f"RETURN a.{q(src.key)} AS src, b.{q(dst.key)} AS dst{props}")


def count_nodes(nt: NodeType) -> str:
    return f"MATCH (n:{q(nt.label)}) RETURN count(n) AS n"


def fetch_node(nt: NodeType) -> str:
    return (f"MATCH (n:{q(nt.label)}) WHERE n.{q(nt.key)} = $key "
            f"RETURN {_returns('n', nt.columns)} LIMIT 1")


#: expansion plans, chosen by :func:`expand_plan` (timings on a 1M-declaration store)
ONE, SCAN, LOOKUP = "one", "scan", "lookup"


def expand_plan(n_keys: int, table_rows: int, scan_rows: int = 250_000) -> str:
    """Which statement shape expands ``n_keys`` anchors in a table of ``table_rows`` nodes.

    * ``one``: a primary-key lookup and ``HINT (m JOIN r) JOIN x``; degree-independent
      (30 ms from a hub with 900k declarations, where the planner's own choice took 850 ms);
    * ``scan``: ``WHERE key IN $keys`` with the same hint; also degree-independent, but the
      ``IN`` test costs per row of the anchor table (100k parties: 30-40 ms for 2 or 200
      keys; 1M declarations: 100 ms for 2 keys, 2.4 s for 200), hence ``scan_rows``;
    * ``lookup``: ``UNWIND`` + primary-key lookup + ``OPTIONAL MATCH``; cost follows the
      anchors' degree (200 declarations: 5 ms; 200 parties: 46 ms; one hub: 5 s), used for
      big tables, whose nodes (declarations, mentions) have few relationships each.
    """
    if n_keys == 1:
        return ONE
    return SCAN if table_rows <= scan_rows else LOOKUP


def expand(rt: RelType, anchor: NodeType, other: NodeType, outgoing: bool, cap: int,
           plan: str = SCAN) -> str:
    """Neighbours of the anchors (``$key`` for ``one``, else ``$keys``) along ``rt``,
    at most ``cap`` rows; ``anchor`` and the ``other`` node's model columns are returned."""
    arrow = f"-[r:{q(rt.type)}]->" if outgoing else f"<-[r:{q(rt.type)}]-"
    returns = f"RETURN m.{q(anchor.key)} AS anchor, {_returns('x', other.columns)} LIMIT {int(cap)}"
    target = f"(x:{q(other.label)})"
    if plan == LOOKUP:
        return (f"UNWIND $keys AS k0 MATCH {_match_key(anchor, 'm')} "
                f"OPTIONAL MATCH (m){arrow}{target} WITH m, x WHERE x IS NOT NULL {returns}")
    test = "= $key" if plan == ONE else "IN $keys"
    return (f"MATCH (m:{q(anchor.label)}){arrow}{target} WHERE m.{q(anchor.key)} {test} "
            f"HINT (m JOIN r) JOIN x {returns}")
