"""Communities of parties: who trades with whom and who shares contact details.

The party graph joins

- a consignor and a consignee for every pair that shares declarations, weighted
  ``1 + ln(declarations)`` (repeat business counts, but not linearly), and
- two differently-named parties sharing a usable phone, e-mail, tax id or address, weighted
  ``2 × identifier weight`` (see :func:`intel.analytics.features.identifier_links`: addresses
  weigh 0.6, registered-agent / business-park identifiers 0 — they are left out).

Declarants (brokers) are left out: one broker files for thousands of unrelated traders.

Communities come from the Leiden algorithm maximising modularity at resolution
``cfg.community_resolution`` for at most ``cfg.community_iterations`` iterations, seeded with
``cfg.community_seed``. ``cfg.community_algorithm``: ``'leiden'`` runs igraph's C
implementation (``Graph.community_leiden``); ``'leidenalg'`` the ``leidenalg`` package
(RB-configuration quality, the same objective) — on trade graphs, whose big consignors are
hubs of thousands of edges, it measured 10-20× slower for the same modularity (see
``benchmarks/bench_communities.py``); ``'louvain'`` networkx Louvain; ``'multilevel'`` igraph's
Louvain. Edges are sorted before detection, so the same data gives the same communities; a
community's id is ``C`` + the first 10 hex digits of sha1 of its smallest member id, stable
while that member stays in it.

Score of a community (0..1) from the findings inside it::

    top    = mean of its 3 highest member scores (consignee scores)
    k      = members scoring >= cfg.community_member_threshold; share = k / size
    score  = top × (1 − exp(−k / 1.5)) × (0.5 + 0.5·√share) × (0.8 + 0.2·ident_share)

where ``ident_share`` is the share of members linked to another member by a shared identifier;
with declaration scores, ``score = 1 − (1 − score)(1 − 0.5·flagged_share)`` where
``flagged_share`` is the share of the members' declarations scoring ≥ 0.5. A lone strong member
in a large community counts for little; several flagged members sharing contact details count
for a lot.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pandas as pd

from intel.analytics import features as F
from intel.analytics import reasons as R
from intel.analytics.projection import Projection

__all__ = ["detect", "party_graph", "run"]

COMMUNITY_COLUMNS = ["community_id", "size", "score", "reasons", "members", "countries", "hubs", "hs_chapters",
                     "members_with_findings", "declaration_count", "ident_share"]
IDENT_EDGE = 2.0
ALGORITHMS = ("leiden", "leidenalg", "louvain", "multilevel")


def party_graph(proj: Projection, cfg, d: pd.DataFrame | None = None, prof: pd.DataFrame | None = None,
                held: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(edges, ident_pairs)``: undirected weighted edges ``a, b, weight, trade, ident``
    (``a < b``), and the identifier pairs behind the ``ident`` part (for describing)."""
    d = F.declarations(proj) if d is None else d
    prof = F.party_profile(proj, cfg, d) if prof is None else prof
    held = F.held_identifiers(proj) if held is None else held
    t = d[d["consignor"].ne("") & d["consignee"].ne("") & d["consignor"].ne(d["consignee"])]
    a = np.minimum(t["consignor"].to_numpy(dtype=object), t["consignee"].to_numpy(dtype=object))
    b = np.maximum(t["consignor"].to_numpy(dtype=object), t["consignee"].to_numpy(dtype=object))
    trade = pd.DataFrame({"a": a, "b": b}).groupby(["a", "b"]).size().rename("n").reset_index()
    trade["trade"] = 1 + np.log(trade["n"].to_numpy(dtype=float))
    held, idents = F.identifier_links(proj, prof, cfg, held)
    pairs = F.identifier_pairs(held, idents)
    ip = pairs[pairs["party_id"] < pairs["other_id"]]
    ident = (ip.assign(ident=IDENT_EDGE * ip["weight"]).groupby(["party_id", "other_id"])["ident"].max()
             .reset_index().rename(columns={"party_id": "a", "other_id": "b"}))
    edges = trade[["a", "b", "trade"]].merge(ident, on=["a", "b"], how="outer").fillna({"trade": 0.0, "ident": 0.0})
    edges["weight"] = edges["trade"] + edges["ident"]
    edges = edges[edges["weight"] > 0].sort_values(["a", "b"]).reset_index(drop=True)
    return edges[["a", "b", "weight", "trade", "ident"]], pairs


def detect(edges: pd.DataFrame, cfg) -> pd.Series:
    """Community label per party (Series indexed by party id, labels are integers)."""
    if edges.empty:
        return pd.Series(dtype=np.int64)
    # edges come sorted, so first-appearance codes are the same on every run over the same data
    code, nodes = pd.factorize(np.concatenate([edges["a"].to_numpy(dtype=object), edges["b"].to_numpy(dtype=object)]))
    ai, bi = code[: len(edges)], code[len(edges):]
    w = edges["weight"].to_numpy(dtype=float)
    algorithm = str(cfg.community_algorithm).lower()
    if algorithm not in ALGORITHMS:
        raise ValueError(f"community_algorithm {cfg.community_algorithm!r}: choose one of {', '.join(ALGORITHMS)}")
    resolution = float(cfg.community_resolution)
    if algorithm == "louvain":
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(len(nodes)))
        g.add_weighted_edges_from(zip(ai.tolist(), bi.tolist(), w.tolist()))
        parts = nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=cfg.community_seed)
        label = np.empty(len(nodes), dtype=np.int64)
        for k, part in enumerate(sorted(parts, key=min)):
            label[list(part)] = k
    else:
        import igraph as ig

        g = ig.Graph(n=len(nodes), edges=np.column_stack([ai, bi]).tolist(), directed=False)
        g.es["weight"] = w.tolist()
        iterations = int(cfg.community_iterations)
        if algorithm == "leidenalg":
            import leidenalg

            label = np.asarray(leidenalg.find_partition(
                g, leidenalg.RBConfigurationVertexPartition, weights="weight", resolution_parameter=resolution,
                n_iterations=iterations, seed=int(cfg.community_seed)).membership)
        else:
            # igraph's own random generator, seeded for this call only, then restored
            ig.set_random_number_generator(random.Random(int(cfg.community_seed)))
            try:
                if algorithm == "multilevel":
                    label = np.asarray(g.community_multilevel(weights="weight", resolution=resolution).membership)
                else:
                    label = np.asarray(g.community_leiden(objective_function="modularity", weights="weight",
                                                          resolution=resolution, n_iterations=iterations).membership)
            finally:
                ig.set_random_number_generator(random)
    return pd.Series(label, index=nodes)


def _community_ids(label: pd.Series) -> pd.Series:
    """``C`` + sha1(smallest member id)[:10] per party."""
    smallest = pd.Series(label.index, index=label.index).groupby(label.to_numpy()).transform("min")
    ids = {m: "C" + hashlib.sha1(m.encode("utf-8")).hexdigest()[:10] for m in pd.unique(smallest)}
    return smallest.map(ids)


def _top(values: pd.DataFrame, key: str, item: str, n: int = 5) -> pd.Series:
    """Most frequent ``item`` per ``key`` (up to ``n``), as lists."""
    if values.empty:
        return pd.Series(dtype=object)
    c = values.groupby([key, item]).size().rename("n").reset_index()
    c = c.sort_values([key, "n", item], ascending=[True, False, True]).groupby(key).head(n)
    return c.groupby(key)[item].agg(list)


def _scores(party_scores) -> pd.Series:
    if party_scores is None:
        return pd.Series(dtype=float)
    if isinstance(party_scores, pd.Series):
        return pd.to_numeric(party_scores, errors="coerce").fillna(0.0)
    return pd.to_numeric(party_scores.set_index("party_id")["score"], errors="coerce").fillna(0.0)


def run(proj: Projection, cfg, party_scores: pd.DataFrame | pd.Series | None = None,
        decl_scores: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(communities, membership)``.

    communities: ``community_id, size, score, reasons, members`` (list, highest score first),
    ``countries, hubs, hs_chapters`` (lists), ``members_with_findings`` (list),
    ``declaration_count, ident_share``; communities of two or more parties, highest score
    first. membership: ``party_id, community_id``.

    ``party_scores``: consignees.run's frame (``party_id, score``) or a Series; computed with
    :func:`intel.analytics.consignees.run` when omitted. ``decl_scores``: optional
    ``decl_key, score`` (e.g. declaration risk) counted per community."""
    d = F.declarations(proj, ("hs_chapter", "hs_code", "port_of_loading", "port_of_discharge", "transit_ports"))
    prof = F.party_profile(proj, cfg, d)
    held = F.held_identifiers(proj)
    edges, pairs = party_graph(proj, cfg, d, prof, held)
    label = detect(edges, cfg)
    empty = (pd.DataFrame(columns=COMMUNITY_COLUMNS), pd.DataFrame(columns=["party_id", "community_id"]))
    if label.empty:
        return empty
    cid = _community_ids(label)
    size = cid.map(cid.value_counts())
    cid = cid[size >= 2]
    if cid.empty:
        return empty
    membership = pd.DataFrame({"party_id": cid.index.astype(str), "community_id": cid.to_numpy()})
    membership = membership.sort_values(["community_id", "party_id"]).reset_index(drop=True)

    if party_scores is None:
        from intel.analytics import consignees

        party_scores = consignees.run(proj, cfg)
    scores = _scores(party_scores)
    thr = float(cfg.community_member_threshold)
    m = membership.assign(score=membership["party_id"].map(scores).fillna(0.0).to_numpy(dtype=float),
                          name=membership["party_id"].map(prof["display_name"]).fillna(""),
                          country=membership["party_id"].map(prof["country"]).fillna(""))
    m = m.sort_values(["community_id", "score", "party_id"], ascending=[True, False, True])
    m["rank"] = m.groupby("community_id").cumcount()
    g = m.groupby("community_id", sort=True)
    c = pd.DataFrame({
        "size": g.size(),
        "top": m[m["rank"] < 3].groupby("community_id")["score"].mean(),
        "k": (m["score"] >= thr).groupby(m["community_id"]).sum().astype(int),
        "members": g["party_id"].agg(list),
        "members_with_findings": m[m["score"] >= thr].groupby("community_id")["party_id"].agg(list),
        "countries": m[m["country"].ne("")].groupby("community_id")["country"].agg(lambda s: sorted(set(s))),
    })
    for col in ("members_with_findings", "countries"):
        c[col] = c[col].map(lambda v: v if isinstance(v, list) else [])
    c["share"] = c["k"] / c["size"]

    # shared identifiers inside each community
    comm = membership.set_index("party_id")["community_id"]
    inside = pairs[pairs["party_id"].map(comm).eq(pairs["other_id"].map(comm))] if len(pairs) else pairs
    if len(inside):
        inside = inside.assign(community_id=inside["party_id"].map(comm))
        linked = inside.groupby("community_id")["party_id"].nunique()
        per_ident = held[F.member(held["party_id"], comm.index)].assign(community_id=lambda x: x["party_id"].map(comm))
        per_ident = per_ident[F.member(per_ident["ident_key"], inside["ident_key"])]
        best = (per_ident.groupby(["community_id", "ident_key", "kind", "value"])["party_id"].nunique().rename("n")
                .reset_index().sort_values(["community_id", "n", "ident_key"], ascending=[True, False, True])
                .drop_duplicates("community_id").set_index("community_id"))
    else:
        linked, best = pd.Series(dtype=float), pd.DataFrame(columns=["kind", "value", "n"])
    c["ident_share"] = (linked.reindex(c.index).fillna(0) / c["size"]).astype(float)

    # declarations of members (as consignee or consignor): hubs, chapters, flagged share
    roles = []
    for r in ("consignee", "consignor"):
        pos = comm.index.get_indexer(d[r])
        rows = np.flatnonzero(pos >= 0)
        roles.append(pd.DataFrame({"row": rows, "community_id": comm.to_numpy()[pos[rows]]}))
    roles = pd.concat(roles).drop_duplicates()
    c["declaration_count"] = roles.groupby("community_id").size().reindex(c.index).fillna(0).astype(int)
    rows = roles["row"].to_numpy()
    chapters = F.text(d["hs_chapter"]).where(F.text(d["hs_chapter"]).ne(""), F.text(d["hs_code"]).str[:2])
    c["hs_chapters"] = _top(roles.assign(ch=chapters.to_numpy()[rows])[lambda x: x["ch"].ne("")], "community_id", "ch")
    ports = [roles.assign(port=F.text(d[p]).str.upper().to_numpy()[rows]) for p in ("port_of_loading", "port_of_discharge")]
    transit = F.text(d["transit_ports"]).str.upper()
    has = transit.ne("").to_numpy()[rows]
    if has.any():
        tr = roles[has].assign(port=transit.to_numpy()[rows[has]])
        tr = tr.assign(port=tr["port"].str.split(";")).explode("port")
        ports.append(tr.assign(port=tr["port"].str.strip()))
    ports = pd.concat(ports)
    c["hubs"] = _top(ports[ports["port"].ne("")], "community_id", "port")
    for col in ("hs_chapters", "hubs"):
        c[col] = c[col].reindex(c.index).map(lambda v: v if isinstance(v, list) else [])

    top = c["top"].fillna(0).to_numpy()
    k = c["k"].to_numpy(dtype=float)
    score = top * (1 - np.exp(-k / 1.5)) * (0.5 + 0.5 * np.sqrt(c["share"].to_numpy())) * (0.8 + 0.2 * c["ident_share"].to_numpy())
    flagged_txt = pd.Series("", index=c.index, dtype=object)
    if decl_scores is not None and len(decl_scores):
        ds = pd.to_numeric(decl_scores.set_index("decl_key")["score"], errors="coerce")
        hot = d["decl_key"].map(ds).fillna(0).to_numpy()[rows] >= 0.5
        n_hot = pd.Series(hot, index=roles.index).groupby(roles["community_id"].to_numpy()).sum().reindex(c.index).fillna(0)
        share = (n_hot / c["declaration_count"].where(c["declaration_count"] > 0)).fillna(0)
        score = 1 - (1 - score) * (1 - 0.5 * share.to_numpy())
        flagged_txt = ("members' " + c["declaration_count"].map("{:,}".format) + " declarations include "
                       + n_hot.astype(int).map("{:,}".format) + " scoring ≥ 0.5").where(n_hot > 0, "")
    c["score"] = np.clip(score, 0, 1)

    # reasons
    b = best.reindex(c.index)
    what = np.where(b["kind"].eq("address"), "address '" + b["value"].fillna("") + "'",
                    b["kind"].fillna("") + " " + b["value"].fillna(""))
    ident_txt = pd.Series(np.where(b["n"].fillna(0) >= 2, b["n"].fillna(0).astype(int).astype(str) + " of "
                                   + c["size"].astype(str) + " members share " + what, ""), index=c.index)
    top_member = m[m["rank"] == 0].set_index("community_id")
    member_txt = pd.Series(np.where(c["k"] > 0, c["k"].astype(str) + " member" + np.where(c["k"] == 1, " scores", "s score")
                                    + f" ≥ {thr:g} as fictitious consignees (highest: "
                                    + top_member["name"].reindex(c.index).fillna("").replace("", "?") + " "
                                    + top_member["score"].reindex(c.index).map("{:.2f}".format) + ")", ""), index=c.index)
    trade = d[F.member(d["consignee"], comm.index) & d["consignor"].ne("").to_numpy()]
    feeder_txt = pd.Series("", index=c.index, dtype=object)
    if len(trade):
        fc = pd.DataFrame({"community_id": trade["consignee"].map(comm).to_numpy(), "consignor": trade["consignor"].to_numpy(),
                           "consignee": trade["consignee"].to_numpy()}).drop_duplicates()
        fc = fc[fc["consignor"].map(comm).eq(fc["community_id"])]
        feeders = fc.groupby(["community_id", "consignor"])["consignee"].nunique().rename("n").reset_index()
        feeders = feeders.sort_values(["community_id", "n", "consignor"], ascending=[True, False, True]).drop_duplicates("community_id")
        feeders = feeders[feeders["n"] >= 3].set_index("community_id")
        name = feeders["consignor"].map(prof["display_name"]).fillna("")
        feeder_txt = ("consignor " + name.where(name.ne(""), feeders["consignor"]) + " ships to "
                      + feeders["n"].astype(str) + " of the members").reindex(c.index).fillna("")
    c["reasons"] = R.collect([ident_txt, member_txt, feeder_txt, flagged_txt])
    out = c.reset_index().rename(columns={"index": "community_id"})
    out = out.sort_values(["score", "size", "community_id"], ascending=[False, False, True]).reset_index(drop=True)
    return out[COMMUNITY_COLUMNS], membership
