"""Bounded neighbourhoods, written once for every backend.

The walk is breadth-first. Each hop asks the backend for one bounded query per
*expansion* — a relationship type of the model touching the frontier's label, in the
direction the model declares — each with ``LIMIT limit + 1``. The neighbourhood of a hub
with 100,000 declarations therefore costs a few queries of at most ``limit + 1`` rows; it
is never materialised.

New nodes are admitted round-robin across the expansions (first row of each, then the second
of each, ...) until ``limit`` nodes are held, so a party with 100,000 declarations and three
identifiers still shows its identifiers. The ``capped`` flag says some neighbour was left
out. Edges are kept when both ends are admitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from intel.model import NODES, RELS, NodeType, RelType

__all__ = ["EDGE_COLUMNS", "NODE_COLUMNS", "Expansion", "expansions", "node_id", "walk"]

NODE_COLUMNS = ["id", "label", "key", "caption", "props"]
EDGE_COLUMNS = ["src", "dst", "type"]


@dataclass(frozen=True)
class Expansion:
    """One way out of a label: ``rel`` followed forwards (``outgoing``) or backwards."""

    rel: RelType
    outgoing: bool

    @property
    def anchor(self) -> NodeType:
        return NODES[self.rel.source if self.outgoing else self.rel.target]

    @property
    def other(self) -> NodeType:
        return NODES[self.rel.target if self.outgoing else self.rel.source]


def expansions(label: str) -> list[Expansion]:
    """Every expansion of the model leaving ``label`` (both directions for a self-loop)."""
    out = [Expansion(r, True) for r in RELS.values() if r.source == label]
    return out + [Expansion(r, False) for r in RELS.values() if r.target == label]


def node_id(label: str, key: str) -> str:
    return f"{label}:{key}"


#: ``expand(expansion, anchor_keys, cap)`` -> frame with ``anchor``, ``key``, ``props`` (dict)
Expand = Callable[[Expansion, list[str], int], pd.DataFrame]
#: ``fetch(label, key)`` -> the node's properties, or None when it does not exist
Fetch = Callable[[str, str], "dict[str, Any] | None"]


def walk(fetch: Fetch, expand: Expand, label: str, key: str, depth: int, limit: int
         ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The bounded neighbourhood of ``label:key`` (see the module docstring)."""
    centre = fetch(label, key)
    if centre is None or limit < 1:
        return _nodes_frame([]), _edges_frame([]), False
    nodes = {node_id(label, key): _node_row(NODES[label], key, centre)}
    edges: list[dict[str, str]] = []
    frontier: dict[str, list[str]] = {label: [key]}
    capped = False
    for _ in range(max(depth, 0)):
        if not frontier:
            break
        rows, hit_cap = _expand_all(expand, frontier, limit)
        admitted, over = _admit(rows, nodes, limit - len(nodes))
        capped = capped or hit_cap or over
        nodes.update(admitted)
        edges.extend(_edges(rows, nodes))
        frontier = _frontier(admitted.values())
    return _nodes_frame(nodes.values()), _edges_frame(edges), capped


def _expand_all(expand: Expand, frontier: dict[str, list[str]], limit: int
                ) -> tuple[pd.DataFrame, bool]:
    parts, capped = [], False
    for label, keys in frontier.items():
        for exp in expansions(label):
            got = expand(exp, keys, limit + 1)
            capped = capped or len(got) > limit
            parts.append(_annotate(got.head(limit), exp, len(parts)))
    if not parts:
        return pd.DataFrame(columns=["src", "dst", "type", "other", "label", "key", "props"]), capped
    return pd.concat(parts, ignore_index=True), capped


def _annotate(got: pd.DataFrame, exp: Expansion, order: int) -> pd.DataFrame:
    here = exp.anchor.label + ":" + got["anchor"].astype(str)
    there = exp.other.label + ":" + got["key"].astype(str)
    return pd.DataFrame({
        "src": here if exp.outgoing else there,
        "dst": there if exp.outgoing else here,
        "type": exp.rel.type,
        "other": there,
        "label": exp.other.label,
        "key": got["key"].astype(object),
        "props": got["props"],
        "rank": range(len(got)),
        "order": order,
    })


def _admit(rows: pd.DataFrame, nodes: dict[str, dict], budget: int
           ) -> tuple[dict[str, dict], bool]:
    """Round-robin admission of unseen neighbours, at most ``budget`` of them."""
    if rows.empty:
        return {}, False
    fresh = rows[~rows["other"].isin(list(nodes))]
    fresh = fresh.sort_values(["rank", "order"], kind="stable").drop_duplicates("other")
    chosen = fresh.head(max(budget, 0))
    admitted = {
        r.other: _node_row(NODES[r.label], r.key, r.props)
        for r in chosen.itertuples(index=False)
    }
    return admitted, len(fresh) > len(chosen)


def _edges(rows: pd.DataFrame, nodes: dict[str, dict]) -> list[dict[str, str]]:
    if rows.empty:
        return []
    held = rows[rows["src"].isin(list(nodes)) & rows["dst"].isin(list(nodes))]
    return held[EDGE_COLUMNS].to_dict("records")


def _frontier(admitted: Iterable[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in admitted:
        out.setdefault(row["label"], []).append(row["key"])
    return out


def _node_row(nt: NodeType, key: str, props: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in props.items() if k in nt.properties and not _missing(v)}
    caption = clean.get(nt.caption, key)
    return {"id": node_id(nt.label, key), "label": nt.label, "key": key,
            "caption": str(caption), "props": clean}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _nodes_frame(rows: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=NODE_COLUMNS)


def _edges_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=EDGE_COLUMNS)
    return frame.drop_duplicates(ignore_index=True)
