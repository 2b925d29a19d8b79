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

__all__ = ["BIAS", "FEATURES", "consignee_frame", "explain", "run"]

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


Say = Callable[[pd.DataFrame], pd.Series]


def shared_identifiers(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Shares a phone, e-mail, tax id or address with other, differently-named parties — one
    operator behind several fronts. Each other party counts 1 when it is itself unestablished
    and ½ when established, × 0.4 unless the two act together (a common consignor, or
    registered within 30 days of each other), × the identifier's weight (addresses 0.6);
    strength = 1 − exp(−count / 2). Registered-agent and business-park identifiers — held by
    more than ``shared_identifier_breadth`` parties, mostly established — do not count."""
    return 1 - np.exp(-_v(f, "shared_eff") / 2), lambda g: g["shared_text"]


def registered_just_before(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Registered shortly before its first shipment: 1 within ``new_company_days`` (or
    registered after it), falling to 0 at four times that. Unknown registration date: 0."""
    n = float(cfg.new_company_days)
    s = np.nan_to_num(np.clip((4 * n - _v(f, "days_registered_before_first", np.nan)) / (3 * n), 0, 1))

    def say(g: pd.DataFrame) -> pd.Series:
        days = g["days_registered_before_first"].astype(float)
        when = np.where(days < 0, " days after its first shipment (", " days before its first shipment (")
        return "registered " + R.num(days.abs(), 0) + when + R.day(g["registered_at"]) + ")"
    return s, say


def absent_from_registry(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Not in the trader registry although the registry lists most consignees of its country:
    strength = (coverage − 0.3) / 0.6, clipped (0 when the registry lists under 30 % of them,
    1 from 90 %; coverage is shrunk toward 0 for countries with few consignees). No registry
    loaded: 0."""
    absent = f["registry_exists"].to_numpy(dtype=bool) & ~f["in_registry"].to_numpy(dtype=bool)
    s = np.where(absent, np.clip((_v(f, "registry_coverage") - 0.3) / 0.6, 0, 1), 0.0)
    return s, lambda g: ("not in the trader registry, which lists " + R.pct(g["registry_coverage"]) + " of "
                         + g["home"] + " consignees")


def short_lived(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """One-shot or short-lived: active for a short span (1 for a single day, 0 from 180 days)
    and silent since — for at least a third of the data's time span, up to 90 days — so a
    newcomer near the end of the data is not judged before it could be."""
    scale = np.clip(_v(f, "window_days") / 3, 14, 90)
    s = (1 - np.clip(_v(f, "active_days") / 180, 0, 1)) * np.clip(_v(f, "silent_days") / scale, 0, 1)
    return s, lambda g: ("active " + R.plural(g["active_days"] + 1, "day") + " ("
                         + R.plural(g["declaration_count"], "declaration") + ", " + R.day(g["first_declared"]) + " to "
                         + R.day(g["last_declared"]) + "), silent for the " + R.num(g["silent_days"], 0) + " days since")


def abandoned_or_seized(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Consignments abandoned or seized (status), or found non-compliant / seized on
    inspection: share among its declarations with a known outcome, shrunk toward 0 for few
    declarations (k / (n + 1))."""
    k, n = _v(f, "n_adverse"), _v(f, "n_outcome_known")
    return np.where(n > 0, k / (n + 1), 0.0), lambda g: (
        R.num(g["n_adverse"], 0) + " of " + R.plural(g["n_outcome_known"], "declaration")
        + " with a known outcome abandoned or seized")


def single_consignor(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Few distinct consignors over several declarations (a front fed by one shipper):
    1 / consignors, scaled by how many declarations show it (0 for one, 1 from five).
    Unknown consignors: 0."""
    nc, nd = _v(f, "n_consignors"), _v(f, "declaration_count")
    s = np.where(nc > 0, 1 / np.maximum(nc, 1), 0.0) * np.clip((nd - 1) / 4, 0, 1)
    return s, lambda g: (R.plural(g["declaration_count"], "declaration") + " from only "
                         + R.plural(g["n_consignors"], "consignor"))


def undervalued(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Low declared values: its declarations' undervaluation scores (valuation.py) summed and
    shrunk, Σ score / (n + 1)."""
    s = _v(f, "under_sum") / (_v(f, "declaration_count") + 1)
    return s, lambda g: (R.plural(g["n_under"], "declaration") + " declared far below the unit-value norm"
                         + np.where(g["under_example"].ne(""), " (" + g["under_example"] + ")", ""))


def de_minimis_parcels(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Parcels just under the de minimis threshold (deminimis.py): the strongest parcel score
    (a split consignment scores high), or the shrunk share of just-under parcels × 0.6,
    whichever is larger."""
    s = np.maximum(_v(f, "de_minimis_max"), 0.6 * _v(f, "n_de_minimis") / (_v(f, "declaration_count") + 2))
    return s, lambda g: (R.num(g["n_de_minimis"], 0) + " of " + R.plural(g["declaration_count"], "parcel")
                         + " just under the de minimis threshold"
                         + np.where(g["de_minimis_example"].ne(""), "; " + g["de_minimis_example"], ""))


def named_in_tip(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Named in a tip (tips.py): the best tip's match score, which is the tip's Admiralty
    weight × match strength (name, phone, e-mail, address); expired tips score 0."""
    return _v(f, "tip_score"), lambda g: g["tip_text"]


def established_trader(f: pd.DataFrame, cfg) -> tuple[np.ndarray, Say]:
    """Mitigating — an established trader: registered long before its first shipment, many
    trading partners, or a long record of activity (the AEO tier is applied separately as a
    multiplier)."""
    def say(g: pd.DataFrame) -> pd.Series:
        parts = [
            R.when(g["days_registered_before_first"].ge(365), "registered " + R.day(g["registered_at"])),
            R.when(g["n_partners"].ge(3), R.plural(g["n_partners"], "trading partner")),
            R.when(g["active_days"].ge(90), "active over " + R.num(g["active_days"], 0) + " days"),
        ]
        joined = pd.Series([", ".join(x for x in row if x) for row in zip(*parts)], index=g.index, dtype=object)
        return "mitigating: established (" + joined + ")"
    return _v(f, "established_record"), say


@dataclass(frozen=True)
class Feature:
    """One explained feature: ``fn(frame, cfg) -> (strength per row, say)`` where
    ``say(rows)`` words the evidence for the rows where the feature counts, and its weight
    (log-odds; negative weights mitigate)."""

    name: str
    weight: float
    fn: Callable[[pd.DataFrame, object], tuple[np.ndarray, Say]]

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


def _shared(links: F.PartyLinks, cfg) -> pd.DataFrame:
    """Per party: ``shared_ident_parties`` (distinct differently-named parties it shares a
    usable identifier with), ``shared_eff`` (their weighted count, see
    :func:`shared_identifiers`) and ``shared_text``."""
    prof, pairs, d = links.prof, links.pairs, links.d
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
        np.where(top["together"] > 0, top["together"].astype(int).astype(str) + " with a common consignor or "
                 "registered within 30 days of it", ""),
    ]
    note = pd.Series([", ".join(x for x in row if x) for row in zip(*notes)], index=top.index, dtype=object)
    sentence = ("shares " + what + " with " + top["others"].astype(str) + who
                + np.where(note.ne(""), " (" + note + ")", ""))
    keys, texts = R.group_lists(top["party_id"], sentence)
    out["shared_text"] = pd.Series(["; also ".join(t) for t in texts], index=keys["party_id"].to_numpy())
    return out[cols]


def _per_declaration(values: pd.DataFrame, d: pd.DataFrame, column: str) -> pd.Series:
    """``values[column]`` (a per-declaration frame keyed by ``decl_key``) aligned to ``d``'s
    rows: positionally when the frame is in ``d``'s order (as the analytics return it),
    else by key."""
    if not len(values):
        return pd.Series(np.nan, index=d.index)
    keys = values["decl_key"].to_numpy(dtype=object)
    if len(values) == len(d) and (keys == d["decl_key"].to_numpy(dtype=object)).all():
        return pd.Series(values[column].to_numpy(), index=d.index)
    return d["decl_key"].map(values.drop_duplicates("decl_key").set_index("decl_key")[column])


def _example(per: pd.DataFrame, column: str, floor: float, findings: pd.DataFrame, d: pd.DataFrame) -> pd.Series:
    """Per consignee, the first reason of its highest-scoring declaration on ``column`` (at
    least ``floor``)."""
    best = per[per[column] >= floor].sort_values(column, ascending=False, kind="stable").drop_duplicates("c")
    if best.empty or not len(findings):
        return pd.Series(dtype=object)
    reasons = _per_declaration(findings, d, "reasons").to_numpy(dtype=object)[best["row"].to_numpy()]
    return pd.Series([r[0] if isinstance(r, list) and r else "" for r in reasons], index=best["c"].to_numpy())


#: the declaration columns the consignee evidence reads beyond :func:`features.declarations`'
#: own (``features.PartyLinks.of(proj, cfg, DECLARATION_COLUMNS)`` serves it)
DECLARATION_COLUMNS = ("hs6", "hs_code", "origin_country", "quantity_unit", "brand", "port_of_loading",
                       "port_of_discharge", "transit_ports")


def consignee_frame(proj: Projection, cfg, tip_matches: pd.DataFrame | None = None,
                    valuation: pd.DataFrame | None = None, deminimis: pd.DataFrame | None = None,
                    links: F.PartyLinks | None = None) -> pd.DataFrame:
    """The evidence per party that received goods (index ``party_id``), the features' input.
    ``links``: :class:`features.PartyLinks` of ``proj`` with :data:`DECLARATION_COLUMNS`,
    when the caller already has them."""
    from intel.analytics import deminimis as dm_module
    from intel.analytics import tips as tips_module
    from intel.analytics import valuation as val_module

    links = links or F.PartyLinks.of(proj, cfg, DECLARATION_COLUMNS)
    d, prof, held = links.d, links.prof, links.held
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
        res = F.text(F.column(o, "result"), lower=True)
        keys = F.text(F.column(o, "decl_key"))
        adverse |= F.member(d["decl_key"], keys[res.isin(F.ADVERSE_RESULT)])
        known |= F.member(d["decl_key"], keys[res.ne("")])
    g = pd.DataFrame({"c": d["consignee"], "a": adverse & known, "k": known})[d["consignee"].ne("")].groupby("c")
    f["n_adverse"] = g["a"].sum().reindex(f.index).fillna(0)
    f["n_outcome_known"] = g["k"].sum().reindex(f.index).fillna(0)
    f["share_abandoned_seized"] = f["n_adverse"] / f["n_outcome_known"].where(f["n_outcome_known"] > 0)

    # de minimis and valuation (from the upstream analytics, computed here when not given)
    dm = dm_module.run(proj, cfg, d=d, prof=prof, pairs=links.pairs) if deminimis is None else deminimis
    val = val_module.run(proj, cfg, d=d) if valuation is None else valuation
    per = pd.DataFrame({"c": d["consignee"], "row": np.arange(len(d))})
    per["dm_just"] = _per_declaration(dm, d, "just_under").fillna(False).astype(bool)
    per["dm_score"] = _per_declaration(dm, d, "score").fillna(0).astype(float)
    per["under"] = _per_declaration(val, d, "direction").fillna("").eq("under")
    per["under_score"] = np.where(per["under"], _per_declaration(val, d, "score").fillna(0).astype(float), 0.0)
    per = per[per["c"].ne("")]
    g = per.groupby("c")
    f["n_de_minimis"] = g["dm_just"].sum().reindex(f.index).fillna(0)
    f["share_de_minimis"] = f["n_de_minimis"] / f["declaration_count"]
    f["de_minimis_max"] = g["dm_score"].max().reindex(f.index).fillna(0)
    f["de_minimis_example"] = _example(per, "dm_score", 0.3, dm, d).reindex(f.index).fillna("")
    f["n_under"] = g["under"].sum().reindex(f.index).fillna(0)
    f["under_sum"] = g["under_score"].sum().reindex(f.index).fillna(0)
    f["share_undervalued"] = f["n_under"] / f["declaration_count"]
    f["under_example"] = _example(per, "under_score", 1e-9, val, d).reindex(f.index).fillna("")

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

    f = f.join(_shared(links, cfg))
    f["shared_ident_parties"] = pd.to_numeric(f["shared_ident_parties"], errors="coerce").fillna(0).astype(int)
    f["shared_eff"] = pd.to_numeric(f["shared_eff"], errors="coerce").fillna(0.0)
    f["shared_text"] = f["shared_text"].fillna("").astype(object)
    return f


def run(proj: Projection, cfg, tip_matches: pd.DataFrame | None = None,
        valuation: pd.DataFrame | None = None, deminimis: pd.DataFrame | None = None,
        links: F.PartyLinks | None = None) -> pd.DataFrame:
    """One row per party that received goods: ``party_id, display_name, score, reasons`` and
    the evidence columns (``declaration_count, n_consignors, shared_ident_parties,
    days_registered_before_first, active_days, share_abandoned_seized, share_de_minimis,
    share_undervalued, tip_score, established, in_registry, aeo_tier``) plus one ``f_<feature>``
    column per feature with its contribution (weight × strength, log-odds). Upstream frames
    (tips.run's tip_matches, valuation.run, deminimis.run) are computed when not given, and
    so are the shared ``links`` (:class:`features.PartyLinks`)."""
    f = consignee_frame(proj, cfg, tip_matches, valuation, deminimis, links)
    cols = ["party_id", "display_name", "score", "reasons", "declaration_count", "n_consignors",
            "shared_ident_parties", "days_registered_before_first", "active_days", "share_abandoned_seized",
            "share_de_minimis", "share_undervalued", "tip_score", "established", "in_registry", "aeo_tier",
            "first_declared", "last_declared", *[f"f_{x.name}" for x in FEATURES]]
    if f.empty:
        return pd.DataFrame(columns=cols)
    contrib = np.zeros((len(f), len(FEATURES)))
    texts = np.full((len(f), len(FEATURES)), "", dtype=object)
    for j, feat in enumerate(FEATURES):
        s, say = feat.fn(f, cfg)
        contrib[:, j] = feat.weight * np.clip(np.nan_to_num(np.asarray(s, dtype=float)), 0, 1)
        f[f"f_{feat.name}"] = contrib[:, j]
        rows = np.flatnonzero(np.abs(contrib[:, j]) >= REASON_FLOOR)
        if len(rows):
            texts[rows, j] = pd.Series(say(f.iloc[rows])).fillna("").to_numpy(dtype=object)
    score = 1 / (1 + np.exp(-(BIAS + contrib.sum(axis=1))))
    tier = f["aeo_tier"].fillna("").astype(str)
    factor = tier.map({str(k): float(v) for k, v in (cfg.aeo_discount or {}).items()}).fillna(1.0).to_numpy()
    f["score"] = score * factor
    aeo_txt = np.full(len(f), "", dtype=object)
    trusted = np.flatnonzero(factor < 1)
    aeo_txt[trusted] = ("mitigating: AEO tier " + tier.iloc[trusted] + " (score × "
                        + R.num(pd.Series(factor[trusted]), 2).to_numpy() + ")").to_numpy(dtype=object)
    order = np.argsort(-np.abs(contrib), axis=1, kind="stable")
    ranked = np.take_along_axis(texts, order, axis=1)
    f["reasons"] = R.collect([*ranked.T, aeo_txt])
    out = f.reset_index()
    return out[cols].sort_values(["score", "party_id"], ascending=[False, True]).reset_index(drop=True)
