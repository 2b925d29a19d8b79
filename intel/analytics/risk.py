"""Risk: one score per declaration from the analytics' parts, with the reasons behind it.

Each part gives a score in [0, 1] per declaration (party-level parts reach the declaration
through its consignee). They combine as a weighted noisy-OR, ``1 - prod(1 - w_p * s_p)``
with ``w_p`` from ``cfg.risk_weights``: one strong part is enough to raise a declaration, and
independent parts that agree raise it further. Missing parts (``None``, absent columns,
declarations they do not cover) contribute nothing.

Parts (keys of ``parts``):

- ``consignees``: per party ``party_id, score, reasons`` (via the declaration's consignee);
- ``valuation``, ``deminimis``, ``tips``, ``routes``: per declaration ``decl_key, score, reasons``;
- ``communities`` + ``membership``: the consignee's community score;
- computed here: ``watch_list`` (the HS code is on a sector watch list) and ``history``
  (adverse outcomes — seizures, non-compliance — of the consignee or consignor decided
  before the declaration).

A consignee with an AEO tier gets its score multiplied by ``cfg.aeo_discount[tier]``
(trusted-trader facilitation), and the reasons say so. Lanes are cut by score thresholds
or, with ``lane_mode='rate'``, by rank so that ``red_rate`` and ``yellow_rate`` of the
declarations go red and yellow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intel.analytics.features import ADVERSE_RESULT, text, timestamp
from intel.analytics.projection import Projection
from intel.analytics.routes import prepare_routes, hub_info, watch_sector
from intel.config import Settings

__all__ = ["run", "assign_lanes", "combine", "part_scores", "other_score", "history_part", "decided_outcomes", "watch_part", "blend",
           "PART_LABELS"]

#: How each part is named in the reasons.
PART_LABELS = {
    "consignee": "consignee", "valuation": "valuation", "deminimis": "de minimis",
    "tips": "tip", "route": "route", "community": "community", "watch_list": "sector",
    "history": "history",
}
_DECL_PARTS = {"valuation": "valuation", "deminimis": "deminimis", "tips": "tips", "route": "routes"}
MAX_REASONS = 6
PRIOR_STRENGTH = 5.0
_DECIDED = {"compliant", *ADVERSE_RESULT}


def _reasons_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value if str(v)]
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [s.strip() for s in str(value).split(";") if s.strip()]


def _by_key(frame: pd.DataFrame | None, key: str) -> pd.DataFrame | None:
    """``score, reasons`` indexed by ``key`` (highest score kept for duplicates)."""
    if frame is None or not isinstance(frame, pd.DataFrame) or key not in frame or "score" not in frame:
        return None
    out = frame[[key, "score"] + (["reasons"] if "reasons" in frame else [])].copy()
    out[key] = text(out[key])
    out["score"] = pd.to_numeric(out["score"], errors="coerce").fillna(0.0).clip(0, 1)
    if "reasons" not in out:
        out["reasons"] = [[] for _ in range(len(out))]
    out = out.sort_values("score", ascending=False, kind="stable").drop_duplicates(key)
    return out.set_index(key)


def _map_part(keys: pd.Series, table: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Score per key (0 when absent) and the part's reasons (an object array, None when absent)."""
    if table is None:
        return np.zeros(len(keys)), np.full(len(keys), None, dtype=object)
    score = keys.map(table["score"]).fillna(0.0).to_numpy(dtype=float)
    reasons = keys.map(table["reasons"]).to_numpy(dtype=object)
    return score, reasons


def watch_part(hs: pd.Series, cfg: Settings) -> tuple[np.ndarray, np.ndarray]:
    """1 for an HS code on a sector watch list, with the list named."""
    codes, unique = pd.factorize(hs.fillna("").astype(str))
    sector = watch_sector(pd.Series(np.asarray(unique, dtype=object)), cfg.watch_lists).to_numpy(dtype=object)
    per_code = np.array([[f"HS {h} is on the {s} watch list"] if s else None for h, s in zip(unique, sector)] + [None],
                        dtype=object)
    score = (np.append(sector, "")[codes] != "").astype(float)
    return score, per_code[codes]


def history_part(proj: Projection, d: pd.DataFrame, events: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Adverse outcomes (seizure, non-compliance) of the consignee or consignor decided before
    each declaration, as a share of their earlier decided inspections.

    ``d`` has ``decl_key, consignee, consignor, declared_at``. Outcomes come from
    ``proj.outcomes`` (``decl_key, result, decided_at``) and, for declarations without one,
    the declaration's own ``inspection_result``; an outcome without a decision date counts
    from its declaration's date. Only strictly earlier decisions count, so a declaration's
    own outcome never scores it. Per role, with ``k`` earlier adverse outcomes out of ``m``
    earlier decided inspections, the party's adverse rate is estimated with a prior at the
    overall rate ``g`` (inspections are targeted, so ``g`` is high): ``r = (k + 5g) / (m + 5)``,
    and the score is ``(1 - 0.5**k) * (r - g) / (1 - g)`` (0 when ``r <= g``) — a big trader
    with 3 seizures in 200 inspections scores nothing, one caught five times in five scores
    high. The roles combine as a noisy-OR.

    ``events``: the declarations (same columns as ``d``) whose outcomes count, when they are
    more than the rows scored (``proj.decl`` holds them all); default ``d``.
    """
    n = len(d)
    score = np.zeros(n)
    reasons = np.full(n, None, dtype=object)
    decided = decided_outcomes(proj)
    if decided.empty or n == 0:
        return score, reasons
    events = d if events is None else events
    when = events.drop_duplicates("decl_key").set_index("decl_key")["declared_at"]
    decided["at"] = decided["decided_at"].fillna(decided["decl_key"].map(when))
    decided = decided.dropna(subset=["at"])
    roles = events.drop_duplicates("decl_key").set_index("decl_key")[["consignee", "consignor"]]
    base_rate = float(decided["adverse"].mean())
    keep = np.ones(n)
    parts = {}
    for role in ("consignee", "consignor"):
        events = decided.join(roles[role], on="decl_key").rename(columns={role: "party"})
        events = events[events["party"].fillna("").ne("")]
        bad = events[events["adverse"]]
        k = _prior_counts(d[role], d["declared_at"], bad["party"], bad["at"])
        m = _prior_counts(d[role], d["declared_at"], events["party"], events["at"])
        posterior = (k + PRIOR_STRENGTH * base_rate) / (m + PRIOR_STRENGTH)
        role_score = (1.0 - 0.5 ** k) * np.clip((posterior - base_rate) / max(1.0 - base_rate, 1e-9), 0.0, 1.0)
        keep *= 1.0 - role_score
        parts[role] = (k, m, role_score)
    score = 1.0 - keep
    names = {"consignee": d["consignee"].to_numpy(dtype=object), "consignor": d["consignor"].to_numpy(dtype=object)}
    for i in np.flatnonzero(score > 0):
        reasons[i] = [f"{role} {names[role][i]}: {int(k[i])} of {int(m[i])} earlier inspections ended in seizure or non-compliance"
                      for role, (k, m, rs) in parts.items() if rs[i] > 0]
    return score, reasons


def decided_outcomes(proj: Projection) -> pd.DataFrame:
    """``decl_key, result, decided_at, adverse`` of every decided inspection (the outcomes,
    else the declaration's own ``inspection_result``)."""
    o = proj.outcomes
    out = pd.DataFrame({"decl_key": text(o["decl_key"]) if "decl_key" in o else pd.Series(dtype=object),
                        "result": text(o["result"], lower=True) if "result" in o else pd.Series(dtype=object),
                        "decided_at": timestamp(o["decided_at"]) if "decided_at" in o else pd.Series(dtype="datetime64[ns]")})
    dec = proj.decl
    if "inspection_result" in dec and len(dec):
        own = pd.DataFrame({"decl_key": text(dec["decl_key"]), "result": text(dec["inspection_result"], lower=True),
                            "decided_at": pd.Series(pd.NaT, index=dec.index, dtype="datetime64[ns]")})
        own = own[own["result"].ne("")]
        own = own[~pd.Index(own["decl_key"].to_numpy(dtype=object)).isin(out["decl_key"].to_numpy(dtype=object))]
        out = pd.concat([out, own], ignore_index=True) if len(out) else own.reset_index(drop=True)
    out = out[out["result"].isin(_DECIDED)].reset_index(drop=True)
    out["adverse"] = out["result"].isin(ADVERSE_RESULT)
    return out


def _prior_counts(parties: pd.Series, at: pd.Series, ev_party: pd.Series, ev_at: pd.Series) -> np.ndarray:
    """For each (party, time), how many events of that party happened strictly before."""
    if not len(ev_party):
        return np.zeros(len(parties))
    codes = pd.Index(pd.unique(ev_party.to_numpy()))
    ev_code = codes.get_indexer(ev_party.to_numpy())
    secs = lambda s: (s.to_numpy(dtype="datetime64[s]").astype(np.int64) - np.datetime64("1900-01-01", "s").astype(np.int64))  # noqa: E731
    span = 10**11  # seconds from 1900 stay below this for millennia
    ev_key = np.sort(ev_code.astype(np.int64) * span + secs(ev_at))
    code = codes.get_indexer(parties.fillna("").to_numpy())
    valid = (code >= 0) & at.notna().to_numpy()
    t = np.where(valid, secs(at.fillna(pd.Timestamp("1900-01-01"))), 0)
    key = code.astype(np.int64) * span + t
    lo = np.searchsorted(ev_key, code.astype(np.int64) * span, side="left")
    hi = np.searchsorted(ev_key, key, side="left")
    return np.where(valid, hi - lo, 0)


def combine(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted noisy-OR of part scores (a missing weight counts as 1)."""
    keep = None
    for name, s in scores.items():
        w = float(weights.get(name, 1.0))
        term = 1.0 - w * np.clip(np.nan_to_num(np.asarray(s, dtype=float)), 0.0, 1.0)
        keep = term if keep is None else keep * term
    return np.zeros(0) if keep is None else 1.0 - keep


def assign_lanes(score: pd.Series, cfg: Settings, order_key: pd.Series | None = None) -> pd.Series:
    """Green / yellow / red per declaration.

    ``lane_mode='score'``: red at ``risk_score >= red_threshold``, yellow at ``>= yellow_threshold``.
    ``lane_mode='rate'``: the top ``round(red_rate * n)`` by score go red and the next
    ``round((red_rate + yellow_rate) * n) - n_red`` yellow (ties broken by ``order_key``,
    then position), whatever their absolute score: the rate is the inspection capacity.
    """
    n = len(score)
    lanes = pd.Series("green", index=score.index, dtype=object)
    if n == 0:
        return lanes
    values = pd.to_numeric(score, errors="coerce").fillna(0.0)
    if str(cfg.lane_mode).lower() == "score":
        lanes[values >= cfg.yellow_threshold] = "yellow"
        lanes[values >= cfg.red_threshold] = "red"
        return lanes
    if str(cfg.lane_mode).lower() != "rate":
        raise ValueError(f"lane_mode must be 'score' or 'rate', not {cfg.lane_mode!r}")
    n_red = int(round(cfg.red_rate * n))
    n_flag = min(n, int(round((cfg.red_rate + cfg.yellow_rate) * n)))
    frame = pd.DataFrame({"s": -values.to_numpy(), "k": (order_key if order_key is not None else pd.Series(range(n))).astype(str).to_numpy(),
                          "pos": np.arange(n)})
    order = frame.sort_values(["s", "k", "pos"], kind="stable")["pos"].to_numpy()
    lane_values = np.array(["green"] * n, dtype=object)
    lane_values[order[n_red:n_flag]] = "yellow"
    lane_values[order[:n_red]] = "red"
    return pd.Series(lane_values, index=score.index)


def _aeo_multiplier(consignee: pd.Series, proj: Projection, cfg: Settings) -> tuple[np.ndarray, pd.Series]:
    p = proj.parties
    if not len(p) or "aeo_tier" not in p:
        return np.ones(len(consignee)), pd.Series("", index=consignee.index)
    tier = text(p["aeo_tier"]).str.replace(r"\.0$", "", regex=True)
    tiers = pd.Series(tier.to_numpy(), index=text(p["party_id"]).to_numpy())
    tiers = tiers[~tiers.index.duplicated()]
    t = consignee.map(tiers).fillna("").astype(str)
    discount = {str(k): float(v) for k, v in (cfg.aeo_discount or {}).items()}
    mult = t.map(discount).fillna(1.0).to_numpy(dtype=float)
    return mult, t


def _roles(dec: pd.DataFrame) -> pd.DataFrame:
    """``decl_key, declaration_id, reporting_country, consignee, consignor, declared_at`` of
    the declarations ``dec``, typed."""
    n = len(dec)
    return pd.DataFrame({
        "decl_key": text(dec["decl_key"]) if "decl_key" in dec else pd.Series([str(i) for i in range(n)]),
        "declaration_id": text(dec["declaration_id"]) if "declaration_id" in dec else "",
        "reporting_country": text(dec["reporting_country"]).str.upper() if "reporting_country" in dec else "",
        "consignee": text(dec["consignee"]) if "consignee" in dec else "",
        "consignor": text(dec["consignor"]) if "consignor" in dec else "",
        "declared_at": timestamp(dec["declared_at"]) if "declared_at" in dec else pd.Series(pd.NaT, index=dec.index),
    }).reset_index(drop=True)


def part_scores(proj: Projection, cfg: Settings, parts: dict[str, object] | None = None,
                rows: int | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, object]]:
    """The typed declaration frame, each part's score per declaration and its reasons.
    ``rows``: score only the first ``rows`` declarations of ``proj.decl`` (a pre-arrival
    batch; the others are its parties' history, whose outcomes the history part counts)."""
    parts = parts or {}
    events = _roles(proj.decl)
    dec = proj.decl if rows is None else proj.decl.iloc[:rows]
    d = events if rows is None else events.iloc[:rows].reset_index(drop=True)
    n = len(dec)
    scores: dict[str, np.ndarray] = {}
    reasons: dict[str, object] = {}
    consignee_table = _by_key(parts.get("consignees"), "party_id")
    scores["consignee"], reasons["consignee"] = _map_part(d["consignee"], consignee_table)
    for name, key in _DECL_PARTS.items():
        scores[name], reasons[name] = _map_part(d["decl_key"], _by_key(parts.get(key), "decl_key"))
    scores["community"], reasons["community"] = _community_part(d["consignee"], parts)
    hs = text(dec["hs_code"]).str.replace(r"[^0-9]", "", regex=True).reset_index(drop=True) if "hs_code" in dec else pd.Series([""] * n)
    if "hs6" in dec:
        hs = hs.where(hs.ne(""), text(dec["hs6"]).reset_index(drop=True))
    scores["watch_list"], reasons["watch_list"] = watch_part(hs, cfg)
    scores["history"], reasons["history"] = history_part(proj, d, events)
    return d, scores, reasons


def other_score(proj: Projection, cfg: Settings, parts: dict[str, object], exclude: tuple[str, ...] = ("route",),
                computed: tuple | None = None) -> pd.Series:
    """The combined score of every part but ``exclude`` (indexed by ``decl_key``), as the
    other analytics' suspicion the routes analytic looks for concentrations of.
    ``computed`` is a :func:`part_scores` result to reuse."""
    d, scores, _ = computed if computed is not None else part_scores(proj, cfg, parts)
    kept = {k: v for k, v in scores.items() if k not in exclude}
    return pd.Series(combine(kept, dict(cfg.risk_weights or {})), index=d["decl_key"].to_numpy())


def run(proj: Projection, cfg: Settings, parts: dict[str, object] | None = None, computed: tuple | None = None) -> pd.DataFrame:
    """Combine the parts into ``risk_score``, ``lane`` and ``reasons`` for every declaration.

    Returns ``decl_key, declaration_id, reporting_country, risk_score, lane, reasons,
    consignee_party_id, route_id`` plus ``rule_score`` (before learning) and one ``p_<part>``
    column per part score (the features the learner uses). ``computed`` is a
    :func:`part_scores` result for the same parts before the routes analytic ran: only the
    route part is (re)computed.
    """
    parts = parts or {}
    if computed is not None:
        d, scores, reasons = computed[0], dict(computed[1]), dict(computed[2])
        scores["route"], reasons["route"] = _map_part(d["decl_key"], _by_key(parts.get("routes"), "decl_key"))
    else:
        d, scores, reasons = part_scores(proj, cfg, parts)
    weights = dict(cfg.risk_weights or {})
    rule = combine(scores, weights)
    mult, tier = _aeo_multiplier(d["consignee"], proj, cfg)
    rule = rule * mult
    out = d[["decl_key", "declaration_id", "reporting_country"]].copy()
    out["risk_score"] = np.clip(rule, 0.0, 1.0)
    out["rule_score"] = out["risk_score"]
    out["reasons"] = _top_reasons(scores, reasons, weights, mult, tier)
    out["consignee_party_id"] = d["consignee"]
    out["route_id"] = _route_ids(proj, parts)
    for name, s in scores.items():
        out[f"p_{name}"] = s
    out["aeo_multiplier"] = mult
    out["lane"] = assign_lanes(out["risk_score"], cfg, out["decl_key"])
    cols = ["decl_key", "declaration_id", "reporting_country", "risk_score", "lane", "reasons",
            "consignee_party_id", "route_id", "rule_score", *[f"p_{k}" for k in scores], "aeo_multiplier"]
    return out[cols]


def blend(risk: pd.DataFrame, probability: pd.Series, cfg: Settings, note: str) -> pd.DataFrame:
    """Blend a learned probability (indexed by ``decl_key``) into ``risk_score`` with
    ``cfg.learn_weight``, re-cut the lanes and add ``note`` to the reasons of declarations
    whose score the model raised."""
    out = risk.copy()
    p = out["decl_key"].map(probability).astype(float)
    known = p.notna().to_numpy()
    w = float(cfg.learn_weight)
    mixed = (1 - w) * out["rule_score"].to_numpy() + w * p.fillna(0).to_numpy() * out.get("aeo_multiplier", 1.0)
    out["learned_probability"] = p.to_numpy()
    out["risk_score"] = np.where(known, np.clip(mixed, 0, 1), out["rule_score"])
    raised = known & (out["risk_score"].to_numpy() > out["rule_score"].to_numpy() + 0.05)
    out["reasons"] = [
        [*r, f"{note} (learned probability {q:.2f})"] if up else r
        for r, up, q in zip(out["reasons"], raised, p.fillna(0).to_numpy())
    ]
    out["lane"] = assign_lanes(out["risk_score"], cfg, out["decl_key"])
    return out


def _community_part(consignee: pd.Series, parts: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    comm, member = parts.get("communities"), parts.get("membership")
    if isinstance(comm, tuple) and len(comm) == 2:
        comm, member = comm
    if not isinstance(comm, pd.DataFrame) or not isinstance(member, pd.DataFrame) or comm.empty or member.empty:
        return _map_part(consignee, None)
    table = _by_key(comm, "community_id")
    if table is None:
        return _map_part(consignee, None)
    m = member[["party_id", "community_id"]].copy()
    m["party_id"], m["community_id"] = text(m["party_id"]), text(m["community_id"])
    m = m.drop_duplicates("party_id").set_index("party_id")["community_id"]
    table = table.assign(reasons=[[f"community {cid}: {r}" for r in rs] for cid, rs in
                                  zip(table.index, table["reasons"].map(_reasons_list))])
    return _map_part(consignee.map(m), table)


def _route_ids(proj: Projection, parts: dict[str, object]) -> pd.Series:
    routes = parts.get("routes")
    keys = text(proj.decl["decl_key"]).reset_index(drop=True) if "decl_key" in proj.decl else pd.Series([], dtype=object)
    if isinstance(routes, pd.DataFrame) and {"decl_key", "route_id"} <= set(routes.columns):
        ids = routes.drop_duplicates("decl_key").set_index("decl_key")["route_id"]
        mapped = keys.map(ids)
        if mapped.notna().all():
            return mapped.astype(str)
    built = prepare_routes(proj.decl.reset_index(drop=True), hub_info(proj.hubs))["route_id"].reset_index(drop=True)
    if isinstance(routes, pd.DataFrame) and {"decl_key", "route_id"} <= set(routes.columns):
        return keys.map(ids).fillna(built).astype(str)
    return built.astype(str)


def _top_reasons(scores: dict[str, np.ndarray], reasons: dict[str, np.ndarray], weights: dict[str, float],
                 mult: np.ndarray, tier: pd.Series) -> list[list[str]]:
    """The reasons of the parts that contribute most, quoted, most important first."""
    names = list(scores)
    n = len(mult)
    if not names or n == 0:
        return [[] for _ in range(n)]
    contrib = np.column_stack([np.asarray(scores[k], dtype=float) * float(weights.get(k, 1.0)) for k in names])
    order = np.argsort(-contrib, axis=1, kind="stable")
    labels = [PART_LABELS.get(k, k) for k in names]
    arrays = [np.asarray(reasons[k], dtype=object) for k in names]
    tiers = tier.to_numpy(dtype=object)
    out: list[list[str]] = [[] for _ in range(n)]
    for i in np.flatnonzero(contrib.max(axis=1) > 0):
        items: list[str] = []
        for j in order[i]:
            if contrib[i, j] <= 0 or len(items) >= MAX_REASONS:
                break
            quoted = _reasons_list(arrays[j][i])[:2] or [f"{labels[j]} score {scores[names[j]][i]:.2f}"]
            items.extend(f"{labels[j]}: {q}" for q in quoted)
        if mult[i] != 1.0:
            items.append(f"AEO tier {tiers[i]} consignee: score × {mult[i]:g} (trusted-trader facilitation)")
        out[i] = items[: MAX_REASONS + 1]
    return out
