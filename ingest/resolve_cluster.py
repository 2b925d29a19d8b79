"""Entity resolution, step 4: clusters from accepted pairs, guarded against chaining.

Union-find joins mentions one accepted edge at a time. Transitive closure is where entity
resolution over-merges: A~B on a phone, B~C on an address, and A and C turn out to be two
companies. So edges are applied strongest first (hard rules, then soft rules in rule order,
then by descending score, ties by mention order for determinism) and a soft edge that would
join two clusters is refused when the clusters contradict each other:

- ``tax_id``: both clusters carry tax ids and none is shared (two legal persons);
- ``raw_id``: both carry a trader id in the same scope (administration or registry) and none
  is shared (the administration already told them apart);
- ``name``: the clusters' representative names (their first named mention) score below
  ``chain_floor`` — a chain of small spelling steps must not drift to another company;
- for ``fuzzy_name+country`` only: both name countries (or phones, or e-mails) and none is
  shared — a mention without a country must not bridge two countries' companies.

Hard edges (same id in one scope, same tax id) and the stored parties of an incremental
run are facts: they are joined first, as connected components (scipy, in C), and never
refused. The guarded union-find then runs over those components, one soft edge per pair of
components (the strongest; a weaker one could only meet more conflicts). Refused edges are
returned so the reason can be shown.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ingest.resolve_prepare import Prepared
from ingest.resolve_similarity import name_score

if TYPE_CHECKING:
    from ingest.resolve import ResolveConfig

__all__ = ["Guard", "cluster", "new_party_id", "party_ids"]

FUZZY = 6

def _codes(p: Prepared) -> dict[str, np.ndarray]:
    """The facts a guard compares, from per-mention int codes. ``ids`` holds (scope, raw_id)
    codes: two clusters conflict on them only within one scope. Phones are compared on their
    last eight digits (``Prepared.phone_tail``)."""
    return {"tax": p.tax, "ids": p.scope_id, "phone": p.phone_tail, "email": p.email,
            "country": p.country}


def _as_set(x) -> frozenset:
    return x if isinstance(x, frozenset) else frozenset((x,))


def _union(x, y):
    if x is None or x == y:
        return y
    if y is None:
        return x
    return _as_set(x) | _as_set(y)


def _disjoint(x, y) -> bool:
    """Both known and no value in common (a fact is None, one int code, or a frozenset)."""
    if x is None or y is None:
        return False
    if type(x) is int and type(y) is int:
        return x != y
    return _as_set(x).isdisjoint(_as_set(y))


class Guard:
    """Union-find over hard components, with the facts the guards compare.

    A fact is ``None`` (unknown), one int code, or a frozenset of codes: most clusters know
    at most one phone, so no set is built until two values meet.
    """

    def __init__(self, p: Prepared, labels: np.ndarray):
        k = int(labels.max()) + 1 if len(labels) else 0
        self.parent = list(range(k))
        self.size = np.bincount(labels, minlength=k).tolist()
        self.scope_of_id = pd.Series(p.scope).groupby(p.scope_id).first().to_dict()
        self.facts = {kind: self._initial(labels, code, k) for kind, code in _codes(p).items()}
        first_named = pd.Series(p.core).where(p.name >= 0).groupby(labels).first()
        self.rep = first_named.reindex(range(k)).fillna("").tolist()

    @staticmethod
    def _initial(labels: np.ndarray, code: np.ndarray, k: int) -> list:
        known = pd.DataFrame({"l": labels, "v": code})[code >= 0].drop_duplicates()
        fact: list = [None] * k
        counts = known["l"].value_counts()
        single = known[known["l"].isin(counts.index[counts == 1])]
        for label, value in zip(single["l"].tolist(), single["v"].tolist()):
            fact[label] = value
        for label, values in known[~known.index.isin(single.index)].groupby("l")["v"]:
            fact[label] = frozenset(values.tolist())
        return fact

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, ra: int, rb: int) -> None:
        """Join two roots; the bigger one stays root and gathers the facts."""
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        for fact in self.facts.values():
            fact[ra] = _union(fact[ra], fact[rb])
        self.rep[ra] = self.rep[ra] or self.rep[rb]

    def _ids_conflict(self, x, y) -> bool:
        if x is None or y is None:
            return False
        by_scope: dict = {}
        for sid in _as_set(x):
            by_scope.setdefault(self.scope_of_id[sid], [set(), set()])[0].add(sid)
        for sid in _as_set(y):
            by_scope.setdefault(self.scope_of_id[sid], [set(), set()])[1].add(sid)
        return any(a and b and a.isdisjoint(b) for a, b in by_scope.values())

    def conflict(self, ra: int, rb: int, rule: int, chain_floor: float) -> str:
        """Why clusters ``ra`` and ``rb`` must not be joined by ``rule`` ('' = they may)."""
        f = self.facts
        if _disjoint(f["tax"][ra], f["tax"][rb]):
            return "tax_id"
        if self._ids_conflict(f["ids"][ra], f["ids"][rb]):
            return "raw_id"
        if rule == FUZZY:
            for kind in ("country", "phone", "email"):
                if _disjoint(f[kind][ra], f[kind][rb]):
                    return kind
        if self.rep[ra] and self.rep[rb] and name_score(self.rep[ra], self.rep[rb]) < chain_floor:
            return "name"
        return ""

    def roots(self) -> np.ndarray:
        return np.fromiter((self.find(i) for i in range(len(self.parent))), dtype=np.int64,
                           count=len(self.parent))


def _components(p: Prepared, ha: np.ndarray, hb: np.ndarray) -> np.ndarray:
    """Component label per mention after the facts: stored parties and hard edges."""
    n = len(p)
    party = p.frame["party_id"].to_numpy(dtype=object)
    stored = np.flatnonzero(party != "")
    first = pd.Series(stored).groupby(party[stored]).transform("first").to_numpy(np.int64)
    a = np.concatenate([ha, first])
    b = np.concatenate([hb, stored])
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def cluster(p: Prepared, hard, soft, cfg: ResolveConfig):
    """Join stored parties and hard edges, then apply the guarded soft edges.

    ``hard`` is ``(a, b, rule)``; ``soft`` is ``(a, b, rule, score)``. Returns the final
    cluster label per mention, the merge edges ``(a, b, rule, score)`` (every hard edge, and
    each soft edge that joined two clusters) and the refused soft edges with their
    ``conflict``.
    """
    ha, hb, hr = hard
    labels = _components(p, ha, hb)
    guard = Guard(p, labels)
    sa, sb, sr, ss = soft
    la, lb = labels[sa], labels[sb]
    order = np.lexsort((sb, sa, -ss, sr))
    order = order[la[order] != lb[order]]
    pair = np.minimum(la, lb)[order] * (len(guard.parent) + 1) + np.maximum(la, lb)[order]
    order = order[~pd.Series(pair).duplicated().to_numpy()]
    accepted, refused, reasons = [], [], []
    for k, x, y, rule in zip(order.tolist(), la[order].tolist(), lb[order].tolist(),
                             sr[order].tolist()):
        rx, ry = guard.find(x), guard.find(y)
        if rx == ry:
            continue
        why = guard.conflict(rx, ry, rule, cfg.chain_floor)
        if why:
            refused.append(k)
            reasons.append(why)
        else:
            guard.union(rx, ry)
            accepted.append(k)
    acc = np.asarray(accepted, dtype=np.int64)
    edges = pd.concat([
        pd.DataFrame({"a": ha, "b": hb, "rule": hr, "score": 1.0}),
        pd.DataFrame({"a": sa[acc], "b": sb[acc], "rule": sr[acc], "score": ss[acc]}),
    ], ignore_index=True)
    ref = np.asarray(refused, dtype=np.int64)
    refused_df = pd.DataFrame({"a": sa[ref], "b": sb[ref], "rule": sr[ref], "score": ss[ref],
                               "conflict": reasons})
    return guard.roots()[labels], edges, refused_df


def new_party_id(mention_key: str) -> str:
    """``P`` + 12 hex of sha1 of the cluster's smallest mention key."""
    return "P" + hashlib.sha1(mention_key.encode("utf-8")).hexdigest()[:12]


def party_ids(p: Prepared, roots: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Party id per mention and the ``merged_into`` frame (old_party_id -> party_id).

    A cluster holding existing mentions keeps their party id; when it holds several (new
    evidence joined existing parties) the smallest id survives — ids are content hashes, so
    "smallest" is the one order every re-run and every loader agrees on.
    """
    df = pd.DataFrame({"root": roots, "key": p.key, "old": p.frame["party_id"].to_numpy()})
    old = df[df["old"] != ""]
    survivor = old.groupby("root")["old"].min()
    fresh = df.groupby("root")["key"].min().map(new_party_id)  # keys sorted: min = first
    pid = survivor.reindex(fresh.index).fillna(fresh)
    ids = pid.reindex(roots).to_numpy(dtype=object)
    merged = old.assign(party_id=old["root"].map(pid)).query("old != party_id")
    merged = merged[["old", "party_id"]].drop_duplicates().rename(columns={"old": "old_party_id"})
    return ids, merged.sort_values("old_party_id").reset_index(drop=True)
