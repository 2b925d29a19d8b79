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

Hard edges (same id in one scope, same tax id) are facts and are never refused. Refused
edges are returned so the reason can be shown.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ingest.resolve_prepare import Prepared
from ingest.resolve_names import name_score

if TYPE_CHECKING:
    from ingest.resolve import ResolveConfig

__all__ = ["Clustering", "cluster", "party_ids", "new_party_id"]

FUZZY = 6


class Clustering:
    """Union-find over mention indices with the per-cluster facts the guards look at."""

    def __init__(self, p: Prepared):
        n = len(p)
        self.p = p
        self.parent = list(range(n))
        self.size = [1] * n
        self.facts: dict[int, dict] = {}

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        fa, fb = self.facts.pop(ra, None), self.facts.pop(rb, None)
        if fa is not None and fb is not None:
            self.facts[ra] = _merge_facts(fa, fb)
        return ra

    def union_all(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Union every pair; True where the pair joined two clusters (a merge edge)."""
        joined = np.zeros(len(a), dtype=bool)
        for k, (i, j) in enumerate(zip(a.tolist(), b.tolist())):
            if self.find(i) != self.find(j):
                self.union(i, j)
                joined[k] = True
        return joined

    def collect_facts(self) -> None:
        """Per-cluster identifier sets and representative name (after the hard unions)."""
        p = self.p
        facts: dict[int, dict] = {}
        cols = (p.tax.tolist(), p.scope.tolist(), p.raw_id.tolist(), p.phone_tail.tolist(),
                p.email.tolist(), p.country.tolist())
        for i, (tax, scope, rid, phone, email, country) in enumerate(zip(*cols)):
            f = facts.setdefault(self.find(i), {"tax": set(), "ids": {}, "phone": set(),
                                                "email": set(), "country": set(), "rep": ""})
            if tax >= 0:
                f["tax"].add(tax)
            if rid >= 0:
                f["ids"].setdefault(scope, set()).add(rid)
            if phone >= 0:
                f["phone"].add(phone)
            if email >= 0:
                f["email"].add(email)
            if country >= 0:
                f["country"].add(country)
            if not f["rep"]:
                f["rep"] = p.core[i]
        self.facts = facts

    def conflict(self, ra: int, rb: int, rule: int, chain_floor: float) -> str:
        """Why clusters ``ra`` and ``rb`` must not be joined by ``rule`` ('' = they may)."""
        fa, fb = self.facts[ra], self.facts[rb]
        if _disjoint(fa["tax"], fb["tax"]):
            return "tax_id"
        for scope in fa["ids"].keys() & fb["ids"].keys():
            if _disjoint(fa["ids"][scope], fb["ids"][scope]):
                return "raw_id"
        if rule == FUZZY:
            for kind in ("country", "phone", "email"):
                if _disjoint(fa[kind], fb[kind]):
                    return kind
        if fa["rep"] and fb["rep"] and name_score(fa["rep"], fb["rep"]) < chain_floor:
            return "name"
        return ""


def _disjoint(x: set, y: set) -> bool:
    return bool(x) and bool(y) and x.isdisjoint(y)


def _merge_facts(fa: dict, fb: dict) -> dict:
    fa["tax"] |= fb["tax"]
    fa["phone"] |= fb["phone"]
    fa["email"] |= fb["email"]
    fa["country"] |= fb["country"]
    for scope, ids in fb["ids"].items():
        fa["ids"].setdefault(scope, set()).update(ids)
    fa["rep"] = fa["rep"] or fb["rep"]
    return fa


def cluster(p: Prepared, hard, soft, cfg: ResolveConfig):
    """Apply existing parties, hard edges, then guarded soft edges.

    ``hard`` is ``(a, b, rule)``; ``soft`` is ``(a, b, rule, score)``. Returns the
    clustering, the merge edges as a frame ``(a, b, rule, score)`` and the refused
    soft edges with their ``conflict``.
    """
    uf = Clustering(p)
    party = p.frame["party_id"]
    seeded = pd.Series(np.flatnonzero(party != ""), index=party[party != ""].to_numpy())
    first = seeded.groupby(level=0).transform("first")
    uf.union_all(first.to_numpy(np.int64), seeded.to_numpy(np.int64))
    ha, hb, hr = hard
    joined = uf.union_all(ha, hb)
    edges = [pd.DataFrame({"a": ha[joined], "b": hb[joined], "rule": hr[joined],
                           "score": 1.0})]
    uf.collect_facts()
    sa, sb, sr, ss = soft
    order = np.lexsort((sb, sa, -ss, sr))
    accepted, refused, reasons = [], [], []
    for k in order.tolist():
        ra, rb = uf.find(int(sa[k])), uf.find(int(sb[k]))
        if ra == rb:
            continue
        why = uf.conflict(ra, rb, int(sr[k]), cfg.chain_floor)
        if why:
            refused.append(k)
            reasons.append(why)
        else:
            uf.union(ra, rb)
            accepted.append(k)
    acc = np.asarray(accepted, dtype=np.int64)
    edges.append(pd.DataFrame({"a": sa[acc], "b": sb[acc], "rule": sr[acc], "score": ss[acc]}))
    ref = np.asarray(refused, dtype=np.int64)
    refused_df = pd.DataFrame({"a": sa[ref], "b": sb[ref], "rule": sr[ref], "score": ss[ref],
                               "conflict": reasons})
    return uf, pd.concat(edges, ignore_index=True), refused_df


def new_party_id(mention_key: str) -> str:
    """``P`` + 12 hex of sha1 of the cluster's smallest mention key."""
    return "P" + hashlib.sha1(mention_key.encode("utf-8")).hexdigest()[:12]


def party_ids(p: Prepared, uf: Clustering) -> tuple[np.ndarray, pd.DataFrame]:
    """Party id per mention and the ``merged_into`` frame (old_party_id -> party_id).

    A cluster holding existing mentions keeps their party id; when it holds several (new
    evidence joined existing parties) the smallest id survives — ids are content hashes, so
    "smallest" is the one order every re-run and every loader agrees on.
    """
    roots = np.fromiter((uf.find(i) for i in range(len(p))), dtype=np.int64, count=len(p))
    df = pd.DataFrame({"root": roots, "key": p.key, "old": p.frame["party_id"].to_numpy()})
    old = df[df["old"] != ""]
    survivor = old.groupby("root")["old"].min()
    fresh = df.groupby("root")["key"].min().map(new_party_id)  # keys sorted: min = first
    pid = survivor.reindex(fresh.index).fillna(fresh)
    ids = pid.reindex(roots).to_numpy(dtype=object)
    merged = old.assign(party_id=old["root"].map(pid)).query("old != party_id")
    merged = merged[["old", "party_id"]].drop_duplicates().rename(columns={"old": "old_party_id"})
    return ids, merged.sort_values("old_party_id").reset_index(drop=True)
