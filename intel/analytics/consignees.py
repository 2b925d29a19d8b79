"""Fictitious consignees: a score per party that received goods, from graph and behaviour
evidence, each piece a small explained feature.

A fictitious (shell) consignee is a name created to receive a few consignments and vanish:
set up shortly before its first shipment, often absent from the trader registry, sharing a
phone, e-mail or address with other such names (one operator behind many fronts), fed by a
single consignor, with goods abandoned or seized when stopped, low declared values and
parcels kept under the de minimis threshold. Each feature below returns a strength in [0, 1]
(0 where its evidence is missing: *absence of evidence is never evidence of suspicion*) and a
sentence quoting the evidence; its docstring is the published explanation.

Combination — a logistic of the weighted sum (weights are log-odds, so independent pieces of
evidence add)::

    score = sigmoid(BIAS + sum(weight_i * strength_i))

then multiplied by the AEO facilitation factor ``cfg.aeo_discount[tier]`` (AEO tier lowers).
``BIAS`` is a prior of about 2 % (most consignees are genuine): a consignee without evidence
scores 0.018, an established one less, so mitigating evidence still orders them. See :data:`FEATURES` for the
weights and :func:`explain` for the table.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from intel.analytics import features as F
from intel.analytics import reasons as R
from intel.analytics.projection import Projection

__all__ = ["run", "explain", "FEATURES", "BIAS", "consignee_frame"]

BIAS = -4.0
#: a sharer that neither trades with a common consignor nor was formed at the same time
#: counts this much: tenants of one building, clients of one agent, act independently
INDEPENDENT = 0.4
#: a reason is written for a feature contributing at least this much (log-odds)
REASON_FLOOR = 0.1


# --------------------------------------------------------------------------- features
def _v(f: pd.DataFrame, column: str, missing: float = 0.0) -> np.ndarray:
    """A column as floats, missing values as ``missing`` (absent evidence)."""
    return pd.to_numeric(f[column], errors="coerce").astype(float).fillna(missing).to_numpy()


def shared_identifiers(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Shares a phone, e-mail, tax id or address with other, differently-named parties — one
    operator behind several fronts. Each other party counts 1 when it is itself unestablished
    and ½ when established, × 0.4 unless the two act together (a common consignor, or
    registered within 30 days of each other), × the identifier's weight (addresses 0.6);
    strength = 1 − exp(−count / 2). Registered-agent and business-park identifiers — held by
    more than ``shared_identifier_breadth`` parties, mostly established — do not count."""
    s = 1 - np.exp(-_v(f, "shared_eff") / 2)
    return s, f["shared_text"].fillna("")


def registered_just_before(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Registered shortly before its first shipment: 1 within ``new_company_days`` (or
    registered after it), falling to 0 at four times that. Unknown registration date: 0."""
    days = _v(f, "days_registered_before_first", np.nan)
    n = float(cfg.new_company_days)
    s = np.nan_to_num(np.clip((4 * n - days) / (3 * n), 0, 1))
    txt = np.where(days < 0, "registered " + R.num(pd.Series(-days, index=f.index), 0) + " days after its first shipment",
                   "registered " + R.num(pd.Series(days, index=f.index), 0) + " days before its first shipment")
    txt = pd.Series(txt, index=f.index) + " (" + R.day(f["registered_at"]) + ")"
    return s, txt


def absent_from_registry(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Not in the trader registry although the registry lists most consignees of its country:
    strength = (coverage − 0.3) / 0.6, clipped (0 when the registry lists under 30 % of them,
    1 from 90 %; coverage is shrunk toward 0 for countries with few consignees). No registry
    loaded: 0."""
    cov = _v(f, "registry_coverage")
    absent = f["registry_exists"].to_numpy(dtype=bool) & ~f["in_registry"].to_numpy(dtype=bool)
    s = np.where(absent, np.clip((cov - 0.3) / 0.6, 0, 1), 0.0)
    txt = "not in the trader registry, which lists " + R.pct(f["registry_coverage"]) + " of " + f["home"] + " consignees"
    return s, txt


def short_lived(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """One-shot or short-lived: active for a short span (1 for a single day, 0 from 180 days)
    and silent since — for at least a third of the data's time span, up to 90 days — so a
    newcomer near the end of the data is not judged before it could be."""
    active = _v(f, "active_days")
    silent = _v(f, "silent_days")
    scale = np.clip(_v(f, "window_days") / 3, 14, 90)
    s = (1 - np.clip(active / 180, 0, 1)) * np.clip(silent / scale, 0, 1)
    txt = ("active " + R.plural(f["active_days"].fillna(0) + 1, "day") + " (" + R.plural(f["declaration_count"], "declaration")
           + ", " + R.day(f["first_declared"]) + " to " + R.day(f["last_declared"]) + "), silent for the "
           + R.num(f["silent_days"], 0) + " days since")
    return s, txt


def abandoned_or_seized(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Consignments abandoned or seized (status), or found non-compliant / seized on
    inspection: share among its declarations with a known outcome, shrunk toward 0 for few
    declarations (k / (n + 1))."""
    k = _v(f, "n_adverse")
    n = _v(f, "n_outcome_known")
    s = np.where(n > 0, k / (n + 1), 0.0)
    txt = R.num(f["n_adverse"].fillna(0), 0) + " of " + R.plural(f["n_outcome_known"].fillna(0), "declaration") + " with a known outcome abandoned or seized"
    return s, txt


def single_consignor(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Few distinct consignors over several declarations (a front fed by one shipper):
    1 / consignors, scaled by how many declarations show it (0 for one, 1 from five).
    Unknown consignors: 0."""
    nc = _v(f, "n_consignors")
    nd = _v(f, "declaration_count")
    s = np.where(nc > 0, 1 / np.maximum(nc, 1), 0.0) * np.clip((nd - 1) / 4, 0, 1)
    txt = R.plural(f["declaration_count"], "declaration") + " from only " + R.plural(f["n_consignors"], "consignor")
    return s, txt


def undervalued(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Low declared values: its declarations' undervaluation scores (valuation.py) summed and
    shrunk, Σ score / (n + 1)."""
    s = _v(f, "under_sum") / (_v(f, "declaration_count") + 1)
    txt = (R.plural(f["n_under"].fillna(0), "declaration") + " declared far below the unit-value norm"
           + np.where(f["under_example"].fillna("").ne(""), " (" + f["under_example"].fillna("") + ")", ""))
    return s, txt


def de_minimis_parcels(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Parcels just under the de minimis threshold (deminimis.py): the strongest parcel score
    (a split consignment scores high), or the shrunk share of just-under parcels × 0.6,
    whichever is larger."""
    k = _v(f, "n_de_minimis")
    n = _v(f, "declaration_count")
    s = np.maximum(_v(f, "de_minimis_max"), 0.6 * k / (n + 2))
    txt = (R.num(f["n_de_minimis"].fillna(0), 0) + " of " + R.plural(f["declaration_count"], "parcel")
           + " just under the de minimis threshold"
           + np.where(f["de_minimis_example"].fillna("").ne(""), "; " + f["de_minimis_example"].fillna(""), ""))
    return s, txt


def named_in_tip(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Named in a tip (tips.py): the best tip's match score, which is the tip's Admiralty
    weight × match strength (name, phone, e-mail, address); expired tips score 0."""
    return _v(f, "tip_score"), f["tip_text"].fillna("")


def established_trader(f: pd.DataFrame, cfg) -> tuple[np.ndarray, pd.Series]:  # noqa: ANN001
    """Mitigating — an established trader: registered long before its first shipment, many
    trading partners, or a long record of activity (the AEO tier is applied separately as a
    multiplier)."""
    s = _v(f, "established_record")
    parts = [
        R.when(f["days_registered_before_first"].ge(365), "registered " + R.day(f["registered_at"])),
        R.when(f["n_partners"].ge(3), R.plural(f["n_partners"], "trading partner")),
        R.when(f["active_days"].ge(90), "active over " + R.num(f["active_days"], 0) + " days"),
    ]
    joined = pd.Series([", ".join(x for x in row if x) for row in zip(*parts)], index=f.index, dtype=object)
    return s, "mitigating: established (" + joined + ")"


@dataclass(frozen=True)
class Feature:
    """One explained feature: ``fn(frame, cfg) -> (strength, reason text)`` and its weight
    (log-odds; negative weights mitigate)."""

    name: str
    weight: float
    fn: Callable[[pd.DataFrame, object], tuple[np.ndarray, pd.Series]]

    @property
    def explanation(self) -> str:
        return inspect.getdoc(self.fn) or ""


#: Weights are log-odds: how much more often the evidence is seen on fronts than on genuine
#: consignees (e^3.5 ≈ 33× for a shared identifier with new parties, e^1 ≈ 3× for
#: short-lived activity). Chosen from how the schemes work, not fitted to any data set.
FEATURES: list[Feature] = [
    Feature("shared_identifiers", 3.5, shared_identifiers),
    Feature("named_in_tip", 3.5, named_in_tip),
    Feature("abandoned_or_seized", 2.5, abandoned_or_seized),
    Feature("registered_just_before", 2.0, registered_just_before),
    Feature("absent_from_registry", 1.5, absent_from_registry),
    Feature("de_minimis_parcels", 1.5, de_minimis_parcels),
    Feature("undervalued", 1.5, undervalued),
    Feature("short_lived", 1.0, short_lived),
    Feature("single_consignor", 0.5, single_consignor),
    Feature("established_trader", -2.0, established_trader),
]


def explain() -> pd.DataFrame:
    """The published feature table: ``feature, weight, explanation``."""
    return pd.DataFrame([(f.name, f.weight, f.explanation) for f in FEATURES],
                        columns=["feature", "weight", "explanation"])


# --------------------------------------------------------------------------- evidence frame
def _coordinated(pairs: pd.DataFrame, prof: pd.DataFrame, d: pd.DataFrame) -> np.ndarray:
    """Whether each pair acts together: supplied by a common consignor, or registered within
    30 days of each other (formed in one batch)."""
    trade = d.loc[d["consignee"].ne("") & d["consignor"].ne(""), ["consignee", "consignor"]].drop_duplicates()
    first = pairs[["party_id", "other_id"]].reset_index().merge(trade, left_on="party_id", right_on="consignee")
    both = first.merge(trade, left_on=["other_id", "consignor"], right_on=["consignee", "consignor"])
    common = np.zeros(len(pairs), dtype=bool)
    common[pd.unique(both["index"])] = True
    reg = prof["registered_at"]
    gap = (reg.reindex(pairs["party_id"]).to_numpy() - reg.reindex(pairs["other_id"]).to_numpy()) / F.DAY
    return common | (np.abs(np.nan_to_num(gap.astype(float), nan=np.inf)) <= 30)


def _shared(proj: Projection, prof: pd.DataFrame, cfg, held: pd.DataFrame, d: pd.DataFrame) -> pd.DataFrame:  # noqa: ANN001
    """Per party: ``shared_ident_parties`` (distinct differently-named parties it shares a
    usable identifier with), ``shared_eff`` (their weighted count, see
    :func:`shared_identifiers`) and ``shared_text``."""
    _, idents = F.identifier_links(proj, prof, cfg, held)
    pairs = F.identifier_pairs(held, idents, prof)
    cols = ["shared_ident_parties", "shared_eff", "shared_text"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    est = prof["established"].reindex(pairs["other_id"]).fillna(0).to_numpy()
    together = _coordinated(pairs, prof, d)
    pairs = pairs.assign(
        contrib=pairs["weight"].to_numpy() * (0.5 + 0.5 * (1 - est)) * np.where(together, 1.0, INDEPENDENT),
        new=prof["new_company"].reindex(pairs["other_id"]).fillna(False).to_numpy(dtype=bool),
        together=together,
        consignee=prof["n_as_consignee"].reindex(pairs["other_id"]).fillna(0).to_numpy() > 0)
    per_other = pairs.groupby(["party_id", "other_id"])["contrib"].max()
    out = pd.DataFrame({"shared_eff": per_other.groupby(level=0).sum(),
                        "shared_ident_parties": per_other.groupby(level=0).size()})
    g = pairs.groupby(["party_id", "ident_key"])
    per_ident = pd.DataFrame({"kind": g["kind"].first(), "value": g["value"].first(), "others": g.size(),
                              "new": g["new"].sum(), "together": g["together"].sum(), "consignees": g["consignee"].sum(),
                              "contrib": g["contrib"].sum()}).reset_index()
    per_ident = per_ident.sort_values(["party_id", "contrib", "ident_key"], ascending=[True, False, True])
    top = per_ident[per_ident.groupby("party_id").cumcount() < 2]
    what = np.where(top["kind"].eq("address"), "address '" + top["value"] + "'", top["kind"] + " " + top["value"])
    all_consignees = top["consignees"].eq(top["others"])
    who = np.where(all_consignees, np.where(top["others"] == 1, " other consignee", " other consignees"),
                   np.where(top["others"] == 1, " other party", " other parties"))
    notes = [
        np.where(top["new"] > 0, top["new"].astype(int).astype(str) + f" registered < {int(cfg.new_company_days)} days "
                 "before their first shipment", ""),
        np.where(top["together"] > 0, top["together"].astype(int).astype(str) + " sharing a consignor or formed within "
                 "30 days of it", ""),
    ]
    note = pd.Series([", ".join(x for x in row if x) for row in zip(*notes)], index=top.index, dtype=object)
    sentence = ("shares " + what + " with " + top["others"].astype(str) + who
                + np.where(note.ne(""), " (" + note + ")", ""))
    keys, texts = R.group_lists(top["party_id"], sentence)
    out["shared_text"] = pd.Series(["; also ".join(t) for t in texts], index=keys["party_id"].to_numpy())
    return out[cols]


def _per_consignee(values: pd.DataFrame, d: pd.DataFrame, column: str) -> pd.Series:
    """Map a per-declaration frame (``decl_key`` + columns) onto ``d``'s consignee column."""
    return d["decl_key"].map(values.set_index("decl_key")[column]) if len(values) else pd.Series(np.nan, index=d.index)


def consignee_frame(proj: Projection, cfg, tip_matches: pd.DataFrame | None = None,  # noqa: ANN001
                    valuation: pd.DataFrame | None = None, deminimis: pd.DataFrame | None = None) -> pd.DataFrame:
    """The evidence per party that received goods (index ``party_id``), the features' input."""
    from intel.analytics import deminimis as dm_module
    from intel.analytics import tips as tips_module
    from intel.analytics import valuation as val_module

    d = F.declarations(proj, ("hs6", "hs_code", "origin_country", "quantity_unit", "brand", "port_of_loading",
                              "port_of_discharge", "transit_ports"))
    prof = F.party_profile(proj, cfg, d)
    held = F.held_identifiers(proj)
    ce = d[d["consignee"].ne("")]
    f = prof[prof["n_as_consignee"] > 0].copy()
    f.index.name = "party_id"
    ref = F.reference_time(d)
    start = d["declared_at"].min() if len(d) else ref
    f["declaration_count"] = f["n_as_consignee"]
    f["first_declared"] = f["first_in"]
    f["last_declared"] = f["last_in"]
    f["active_days"] = ((f["last_in"] - f["first_in"]) / F.DAY).round()
    f["silent_days"] = ((ref - f["last_in"]) / F.DAY).round()
    f["window_days"] = (ref - start) / F.DAY if pd.notna(start) else 0.0
    f["n_partners"] = f["n_consignors"] + f["n_consignees"]

    # registry coverage per home country (the country whose customs most often saw it)
    counts = ce.groupby(["consignee", "reporting_country"]).size().rename("n").reset_index()
    home = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("consignee") \
        .set_index("consignee")["reporting_country"]
    f["home"] = home.reindex(f.index).fillna("")
    f["home"] = f["home"].where(f["home"].ne(""), f["country"])
    # shrunk toward 0 (k / (n + 10)): a registry seen listing 1 of 2 consignees says little
    listed = f.groupby("home")["in_registry"].agg(["sum", "size"])
    f["registry_coverage"] = f["home"].map(listed["sum"] / (listed["size"] + 10)).astype(float)

    # outcomes: status, inspection result, fed-back outcomes
    adverse = d["status"].isin(F.ADVERSE_STATUS) | d["inspection_result"].isin(F.ADVERSE_RESULT)
    known = d["status"].ne("") | ~d["inspection_result"].isin({"", "none"})
    o = proj.outcomes
    if len(o):
        res = F.text(F._column(o, "result"), lower=True)
        keys = F.text(F._column(o, "decl_key"))
        adverse |= d["decl_key"].isin(set(keys[res.isin(F.ADVERSE_RESULT)]))
        known |= d["decl_key"].isin(set(keys[res.ne("")]))
    g = pd.DataFrame({"c": d["consignee"], "a": adverse & known, "k": known})[d["consignee"].ne("")].groupby("c")
    f["n_adverse"] = g["a"].sum().reindex(f.index).fillna(0)
    f["n_outcome_known"] = g["k"].sum().reindex(f.index).fillna(0)
    f["share_abandoned_seized"] = f["n_adverse"] / f["n_outcome_known"].where(f["n_outcome_known"] > 0)

    # de minimis and valuation (from the upstream analytics, computed here when not given)
    dm = dm_module.run(proj, cfg, d=d, prof=prof) if deminimis is None else deminimis
    val = val_module.run(proj, cfg, d=d) if valuation is None else valuation
    per = pd.DataFrame({"c": d["consignee"]})
    if len(dm):
        per["dm_just"] = _per_consignee(dm, d, "just_under").fillna(False).astype(bool)
        per["dm_score"] = _per_consignee(dm, d, "score").fillna(0).astype(float)
        first_reason = dm.set_index("decl_key")["reasons"].map(lambda r: r[0] if len(r) else "")
        per["dm_reason"] = d["decl_key"].map(first_reason).fillna("")
    else:
        per["dm_just"], per["dm_score"], per["dm_reason"] = False, 0.0, ""
    if len(val):
        direction = _per_consignee(val, d, "direction").fillna("")
        vscore = _per_consignee(val, d, "score").fillna(0).astype(float)
        per["under"] = direction.eq("under")
        per["under_score"] = np.where(per["under"], vscore, 0.0)
        first_reason = val.set_index("decl_key")["reasons"].map(lambda r: r[0] if len(r) else "")
        per["under_reason"] = np.where(per["under"], d["decl_key"].map(first_reason).fillna(""), "")
    else:
        per["under"], per["under_score"], per["under_reason"] = False, 0.0, ""
    per = per[per["c"].ne("")]
    g = per.groupby("c")
    f["n_de_minimis"] = g["dm_just"].sum().reindex(f.index).fillna(0)
    f["share_de_minimis"] = f["n_de_minimis"] / f["declaration_count"]
    f["de_minimis_max"] = g["dm_score"].max().reindex(f.index).fillna(0)
    best = per.sort_values("dm_score", ascending=False).drop_duplicates("c").set_index("c")
    f["de_minimis_example"] = best["dm_reason"].where(best["dm_score"] >= 0.3, "").reindex(f.index).fillna("")
    f["n_under"] = g["under"].sum().reindex(f.index).fillna(0)
    f["under_sum"] = g["under_score"].sum().reindex(f.index).fillna(0)
    f["share_undervalued"] = f["n_under"] / f["declaration_count"]
    best = per.sort_values("under_score", ascending=False).drop_duplicates("c").set_index("c")
    f["under_example"] = best["under_reason"].reindex(f.index).fillna("")

    # tips
    tm = tips_module.run(proj, cfg, d=d)[0] if tip_matches is None else tip_matches
    hits = tips_module.party_hits(tm, held)
    if len(hits):
        info = tips_module.tip_table(proj, cfg, ref).set_index("tip_id")
        hits = hits[hits["score"] > 0].sort_values("score", ascending=False).drop_duplicates("party_id")
        t = hits["tip_id"]
        if len(info):
            label = " from " + t.map(info["submitted_by"]).fillna("") + " (" + t.map(info["grade"]).fillna("") + ")"
        else:
            label = ""
        hits = hits.assign(text="named in tip " + t + label + ": " + hits["evidence"]).set_index("party_id")
        f["tip_score"] = hits["score"].reindex(f.index).fillna(0)
        f["tip_text"] = hits["text"].reindex(f.index).fillna("")
    else:
        f["tip_score"], f["tip_text"] = 0.0, ""

    f = f.join(_shared(proj, prof, cfg, held, d))
    f["shared_ident_parties"] = pd.to_numeric(f["shared_ident_parties"], errors="coerce").fillna(0).astype(int)
    f["shared_eff"] = pd.to_numeric(f["shared_eff"], errors="coerce").fillna(0.0)
    f["shared_text"] = f["shared_text"].fillna("").astype(object)
    return f


def run(proj: Projection, cfg, tip_matches: pd.DataFrame | None = None,  # noqa: ANN001
        valuation: pd.DataFrame | None = None, deminimis: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per party that received goods: ``party_id, display_name, score, reasons`` and
    the evidence columns (``declaration_count, n_consignors, shared_ident_parties,
    days_registered_before_first, active_days, share_abandoned_seized, share_de_minimis,
    share_undervalued, tip_score, established, in_registry, aeo_tier``) plus one ``f_<feature>``
    column per feature with its contribution (weight × strength, log-odds). Upstream frames
    (tips.run's tip_matches, valuation.run, deminimis.run) are computed when not given."""
    f = consignee_frame(proj, cfg, tip_matches, valuation, deminimis)
    cols = ["party_id", "display_name", "score", "reasons", "declaration_count", "n_consignors",
            "shared_ident_parties", "days_registered_before_first", "active_days", "share_abandoned_seized",
            "share_de_minimis", "share_undervalued", "tip_score", "established", "in_registry", "aeo_tier",
            "first_declared", "last_declared", *[f"f_{x.name}" for x in FEATURES]]
    if f.empty:
        return pd.DataFrame(columns=cols)
    contrib = np.zeros((len(f), len(FEATURES)))
    texts = np.empty((len(f), len(FEATURES)), dtype=object)
    for j, feat in enumerate(FEATURES):
        s, txt = feat.fn(f, cfg)
        s = np.clip(np.nan_to_num(np.asarray(s, dtype=float)), 0, 1)
        contrib[:, j] = feat.weight * s
        f[f"f_{feat.name}"] = contrib[:, j]
        texts[:, j] = np.where(np.abs(contrib[:, j]) >= REASON_FLOOR, pd.Series(txt, index=f.index).fillna("").to_numpy(dtype=object), "")
    score = 1 / (1 + np.exp(-(BIAS + contrib.sum(axis=1))))
    tier = f["aeo_tier"].fillna("").astype(str)
    factor = tier.map({str(k): float(v) for k, v in (cfg.aeo_discount or {}).items()}).fillna(1.0).to_numpy()
    f["score"] = score * factor
    aeo_txt = R.when(factor < 1, "mitigating: AEO tier " + tier + " (score × " + pd.Series(factor, index=f.index).map("{:.2f}".format) + ")")
    order = np.argsort(-np.abs(contrib), axis=1, kind="stable")
    ranked = np.take_along_axis(texts, order, axis=1)
    f["reasons"] = R.collect([*ranked.T, aeo_txt.to_numpy()])
    out = f.reset_index()
    return out[cols].sort_values(["score", "party_id"], ascending=[False, True]).reset_index(drop=True)
