"""Entity resolution, step 5: the output frames (docs/internals.md, "Resolver output")."""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

import numpy as np
import pandas as pd

from ingest.resolve_prepare import REGISTRY_SCOPE, Prepared
from ingest.resolve_rules import RULE_NAMES, fields

__all__ = ["assignments", "evidence", "rejected", "parties", "identifiers"]

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
    ``singleton`` (or ``existing``: an earlier run placed it and nothing new touched it).
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


def _mode(frame: pd.DataFrame, column: str, weight: pd.Series) -> pd.Series:
    """Per party, the most frequent non-empty value of ``column``; ties: longest, then A-Z."""
    f = frame.assign(_w=weight)[frame[column] != ""]
    counts = f.groupby(["party_id", column], sort=False)["_w"].sum().reset_index()
    counts["_len"] = counts[column].str.len()
    counts = counts.sort_values(["party_id", "_w", "_len", column],
                                ascending=[True, False, False, True])
    return counts.drop_duplicates("party_id").set_index("party_id")[column]


def _aliases(frame: pd.DataFrame) -> pd.Series:
    """Per party, '|'-joined distinct raw names (A-Z), then ``scope:raw_id`` labels (A-Z)."""
    names = frame.loc[frame["raw_name"] != "", ["party_id", "raw_name"]]
    with_id = frame[frame["raw_id"] != ""]
    both = pd.concat([
        pd.DataFrame({"party_id": names["party_id"], "k": 0, "alias": names["raw_name"]}),
        pd.DataFrame({"party_id": with_id["party_id"], "k": 1,
                      "alias": with_id["scope"] + ":" + with_id["raw_id"]}),
    ]).drop_duplicates(["party_id", "alias"]).sort_values(["party_id", "k", "alias"])
    parties = both["party_id"].tolist()
    aliases = both["alias"].str.replace("|", "/", regex=False).tolist()
    joined = {pid: "|".join(a for _, a in group)
              for pid, group in groupby(zip(parties, aliases), key=itemgetter(0))}
    return pd.Series(joined, dtype=object)


def parties(p: Prepared, ids: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """One row per party with a mention in ``rows``, computed over all its mentions."""
    touched = pd.unique(ids[rows])
    frame = p.frame.assign(party_id=ids)
    frame = frame[frame["party_id"].isin(touched)]
    weight = frame["count"] if "count" in frame.columns else pd.Series(1, index=frame.index)
    out = pd.DataFrame(index=pd.Index(sorted(touched), name="party_id"))
    out["display_name"] = _mode(frame, "raw_name", weight)
    out["aliases"] = _aliases(frame)
    out["country"] = _mode(frame, "country", pd.Series(1, index=frame.index))
    registry = frame[frame["scope"] == REGISTRY_SCOPE]
    for column in ("registered_at", "aeo_tier"):
        known = registry[registry[column] != ""]
        out[column] = known.groupby("party_id")[column].first()
    out["mention_count"] = frame.groupby("party_id").size()
    out = out.fillna("")
    out["aliases"] = out["aliases"].astype(str)
    no_name = out["display_name"] == ""
    out.loc[no_name, "display_name"] = out.loc[no_name, "aliases"].str.split("|").str[0]
    out["registered_at"] = pd.to_datetime(out["registered_at"].replace("", None), errors="coerce")
    out["mention_count"] = out["mention_count"].astype("int64")
    return out.reset_index()


def identifiers(p: Prepared, ids: np.ndarray, rows: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``identifiers (ident_key, kind, value)`` and ``party_identifiers (party_id, ident_key)``.

    Every identifier any mention of a touched party carries, shared or not: a phone written by
    four different consignees becomes one identifier node with four edges.
    """
    mask = pd.Series(ids).isin(pd.unique(ids[rows])).to_numpy()
    frame = p.frame[mask]
    parts = []
    for kind, column in IDENT_COLUMNS.items():
        have = frame[column] != ""
        parts.append(pd.DataFrame({"party_id": ids[mask][have.to_numpy()], "kind": kind,
                                   "value": frame.loc[have, column].to_numpy()}))
    edges = pd.concat(parts, ignore_index=True)
    edges["ident_key"] = edges["kind"] + ":" + edges["value"]
    idents = (edges[["ident_key", "kind", "value"]].drop_duplicates("ident_key")
              .sort_values("ident_key").reset_index(drop=True))
    links = (edges[["party_id", "ident_key"]].drop_duplicates()
             .sort_values(["party_id", "ident_key"]).reset_index(drop=True))
    return idents, links
