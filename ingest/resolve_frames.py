"""Entity resolution, step 5: the output frames (docs/internals.md, "Resolver output")."""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

import numpy as np
import pandas as pd

from ingest.resolve_prepare import REGISTRY_SCOPE, Prepared
from ingest.resolve_rules import RULE_NAMES, fields

__all__ = ["assignments", "evidence", "identifiers", "parties", "rejected"]

IDENT_COLUMNS = {"phone": "phone", "email": "email", "address": "address_norm", "tax_id": "tax_id"}


def evidence(p: Prepared, edges: pd.DataFrame, workers: int = 1) -> pd.DataFrame:
    """Every merge edge: ``mention_a, mention_b, rule, score, fields``."""
    a, b = edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64)
    return pd.DataFrame({
        "mention_a": p.key[a],
        "mention_b": p.key[b],
        "rule": np.asarray(RULE_NAMES, dtype=object)[edges["rule"].to_numpy(np.int64)],
        "score": edges["score"].to_numpy(float).round(4),
        "fields": fields(p, a, b, workers),
    })


def rejected(p: Prepared, refused: pd.DataFrame) -> pd.DataFrame:
    """Refused soft edges: ``mention_a, mention_b, rule, score, conflict``."""
    return pd.DataFrame({
        "mention_a": p.key[refused["a"].to_numpy(np.int64)],
        "mention_b": p.key[refused["b"].to_numpy(np.int64)],
        "rule": np.asarray(RULE_NAMES, dtype=object)[refused["rule"].to_numpy(np.int64)],
        "score": refused["score"].to_numpy(float).round(4),
        "conflict": refused["conflict"].to_numpy(object),
    })


def assignments(p: Prepared, ids: np.ndarray, edges: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``mention_key, party_id, rule, score`` for the mentions in ``rows`` (bool mask).

    A mention's rule is the strongest merge edge touching it; a mention joined by none is a
    ``singleton`` (or ``existing``: a stored mention whose party a merge re-pointed).
    """
    ends = pd.concat([edges[["a", "rule", "score"]].rename(columns={"a": "i"}),
                      edges[["b", "rule", "score"]].rename(columns={"b": "i"})])
    ends["neg"] = -ends["score"]
    best = ends.sort_values(["i", "rule", "neg"]).drop_duplicates("i").set_index("i")
    n = len(p)
    rule = np.where(p.is_new, "singleton", "existing").astype(object)
    score = np.ones(n)
    idx = best.index.to_numpy(np.int64)
    rule[idx] = [RULE_NAMES[r] for r in best["rule"].tolist()]
    score[idx] = best["score"].to_numpy(float)
    out = pd.DataFrame({"mention_key": p.key, "party_id": ids, "rule": rule,
                        "score": score.round(4)})
    return out[rows].reset_index(drop=True)


def _ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` that sort like the strings, and the sorted distinct strings."""
    codes, uniques = pd.factorize(values)
    order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], np.asarray(uniques, dtype=object)[order]


def _mode(party: np.ndarray, values: np.ndarray, weight: np.ndarray, n_parties: int) -> np.ndarray:
    """Per party code, its most frequent non-empty value (weighted); ties: longest, then A-Z."""
    out = np.full(n_parties, "", dtype=object)
    known = values != ""
    if not known.any():
        return out
    code, uniques = _ranks(values[known])
    key, inverse = np.unique(party[known] * len(uniques) + code, return_inverse=True)
    total = np.bincount(inverse, weights=weight[known])
    kp, kv = key // len(uniques), key % len(uniques)
    length = np.char.str_len(uniques.astype(str))[kv]
    best = np.lexsort((kv, -length, -total, kp))
    first = best[np.r_[True, kp[best][1:] != kp[best][:-1]]]
    out[kp[first]] = uniques[kv[first]]
    return out


def _aliases(party: np.ndarray, names: np.ndarray, labels: np.ndarray, n_parties: int) -> list[str]:
    """Per party code, '|'-joined distinct raw names (A-Z), then ``scope:raw_id`` labels (A-Z)."""
    has_name, has_id = names != "", labels != ""
    who = np.concatenate([party[has_name], party[has_id]])
    kind = np.concatenate([np.zeros(has_name.sum(), np.int64), np.ones(has_id.sum(), np.int64)])
    code, uniques = _ranks(np.concatenate([names[has_name], labels[has_id]]))
    key = np.unique((who * 2 + kind) * len(uniques) + code)
    ordered = zip((key // len(uniques) // 2).tolist(),
                  uniques[key % len(uniques)].tolist())
    out = [""] * n_parties
    for pc, group in groupby(ordered, key=itemgetter(0)):
        out[pc] = "|".join(a.replace("|", "/") for _, a in group)
    return out


def _first_known(party: np.ndarray, values: np.ndarray, where: np.ndarray, n_parties: int) -> np.ndarray:
    out = np.full(n_parties, "", dtype=object)
    rows = np.flatnonzero(where & (values != ""))[::-1]  # the first row per party wins
    out[party[rows]] = values[rows]
    return out


def parties(p: Prepared, ids: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """One row per party with a mention in ``rows``, computed over all its mentions.

    ``display_name`` is the most frequent raw name (weighted by the ``count`` column when the
    mentions carry one; ties: the longest, then A-Z), ``aliases`` every distinct raw name and
    ``scope:raw_id``, ``country`` the most common, ``registered_at``/``aeo_tier`` from the
    registry mentions.
    """
    mask = pd.Series(ids).isin(pd.unique(ids[rows])).to_numpy()
    code, party_ids = pd.factorize(ids[mask])
    n = len(party_ids)
    col = {c: p.frame[c].to_numpy(dtype=object)[mask]
           for c in ("raw_name", "raw_id", "scope", "country", "registered_at", "aeo_tier")}
    weight = p.frame["count"].to_numpy(float)[mask] if "count" in p.frame else np.ones(len(code))
    labels = np.where(col["raw_id"] != "", col["scope"] + ":" + col["raw_id"], "")
    registry = col["scope"] == REGISTRY_SCOPE
    out = pd.DataFrame({
        "party_id": np.asarray(party_ids, dtype=object),
        "display_name": _mode(code, col["raw_name"], weight, n),
        "aliases": _aliases(code, col["raw_name"], labels, n),
        "country": _mode(code, col["country"], np.ones(len(code)), n),
        "registered_at": pd.to_datetime(_first_known(code, col["registered_at"], registry, n),
                                        errors="coerce"),
        "aeo_tier": _first_known(code, col["aeo_tier"], registry, n),
        "mention_count": np.bincount(code, minlength=n).astype("int64"),
    })
    no_name = out["display_name"] == ""
    out.loc[no_name, "display_name"] = out.loc[no_name, "aliases"].str.split("|").str[0]
    return out.sort_values("party_id").reset_index(drop=True)


def identifiers(p: Prepared, ids: np.ndarray, rows: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``identifiers (ident_key, kind, value)`` and ``party_identifiers (party_id, ident_key)``.

    Every identifier any mention of a touched party carries, shared or not: a phone written by
    four different consignees becomes one identifier node with four edges.
    """
    mask = pd.Series(ids).isin(pd.unique(ids[rows])).to_numpy()
    party, party_ids = pd.factorize(ids[mask])
    party_ids = np.asarray(party_ids, dtype=object)
    idents, links = [], []
    for (kind, column), code in zip(IDENT_COLUMNS.items(), (p.phone, p.email, p.address, p.tax)):
        known = code[mask] >= 0
        width = np.int64(code.max(initial=-1) + 1)
        pairs = np.unique(party[known] * width + code[mask][known])
        first = pd.Series(np.flatnonzero(code >= 0)).groupby(code[code >= 0]).first()
        values = p.frame[column].to_numpy(dtype=object)[first.to_numpy()]
        keys = kind + ":" + values
        key_of = pd.Series(keys, index=first.index)
        idents.append(pd.DataFrame({"ident_key": keys, "kind": kind, "value": values})
                      .iloc[np.flatnonzero(first.index.isin(pairs % width))])
        links.append(pd.DataFrame({"party_id": party_ids[pairs // width],
                                   "ident_key": key_of.reindex(pairs % width).to_numpy()}))
    identifiers = pd.concat(idents, ignore_index=True).sort_values("ident_key", ignore_index=True)
    party_identifiers = pd.concat(links, ignore_index=True).sort_values(
        ["party_id", "ident_key"], ignore_index=True)
    return identifiers, party_identifiers
