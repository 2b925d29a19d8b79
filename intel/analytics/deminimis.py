"""De minimis abuse: parcels valued just under the duty-free threshold, and one receiver
(or a group of receivers sharing a phone, e-mail or address) taking several of them within
a few days — a consignment split to stay under the threshold.

The threshold applies to a consignment, so items of one declaration are summed. Values are
compared in the threshold's own currency: ``customs_value`` directly when it is declared in
that currency, otherwise ``value_usd`` converted at the data's own rate for that currency
(falling back to the shipped reference rates).

Score per declaration:

- a lone just-under parcel scores low: 0.10, up to 0.25 the closer it sits to the threshold;
- a burst — parcels to the same consignee whose dates are at most ``de_minimis_window_days``
  apart, chained — raises it: ``score = s0 + (1 - s0) * (1 - exp(-(n_eff - 1) / 2.5))`` where
  ``n_eff`` is the burst's parcel count thinned when the burst is spread over more than the
  window (``n * min(1, window / span_days)``): 2 parcels ≈ 0.45, 4 ≈ 0.75, 7 ≈ 0.9;
- a burst to a group of consignees linked by shared identifiers counts the same way at 0.9
  of the strength (the link is an inference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intel.analytics import features as F
from intel.analytics import reasons as R
from intel.analytics.projection import Projection

__all__ = ["run", "thresholds"]

COLUMNS = ["decl_key", "score", "reasons", "just_under", "value_local", "threshold",
           "threshold_currency", "burst_parcels", "group_parcels"]


def thresholds(cfg) -> pd.DataFrame:
    """The configured threshold per reporting country: ``amount, currency``."""
    rows = {str(k).upper(): (float(v[0]), str(v[1]).upper()) for k, v in (cfg.de_minimis or {}).items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["amount", "currency"])


def _local_values(d: pd.DataFrame, cfg) -> pd.DataFrame:
    """Consignment value in the threshold currency, per item row (items of one declaration
    summed), with the threshold and an integer ``consignment`` code."""
    th = thresholds(cfg)
    rates = F.usd_rates(d)
    country = d["reporting_country"]
    out = pd.DataFrame(index=d.index)
    out["threshold"] = country.map(th["amount"]).astype(float)
    out["threshold_currency"] = country.map(th["currency"]).fillna("").astype(str)
    same = (d["currency"].to_numpy(dtype=object) == out["threshold_currency"].to_numpy(dtype=object)) & d["customs_value"].notna().to_numpy()
    rate = out["threshold_currency"].map(rates).astype(float).to_numpy()
    item = np.where(same, d["customs_value"].to_numpy(), d["value_usd"].to_numpy() / rate)
    ident = d["declaration_id"].where(d["declaration_id"].ne(""), d["decl_key"])
    code = pd.DataFrame({"c": country, "i": ident}).groupby(["c", "i"], sort=False).ngroup().to_numpy()
    if len(code) and code.max() + 1 < len(code):  # multi-item declarations: sum the items
        known = ~np.isnan(item)
        total = np.bincount(code[known], weights=item[known], minlength=code.max() + 1)
        has = np.bincount(code[known], minlength=code.max() + 1) > 0
        item = np.where(has[code], total[code], np.nan)
    out["value_local"] = item
    out["consignment"] = code
    return out


def _bursts(c: pd.DataFrame, key: str, window: int) -> pd.DataFrame:
    """Chain parcels of the same ``key`` whose days are at most ``window - 1`` apart; stats
    per burst mapped back to each parcel."""
    s = c[c[key].ne("") & c["day"].notna()].sort_values([key, "day"])
    if s.empty:
        empty = {k: np.nan for k in ("bid", "n", "span", "vmin", "vmax", "total", "n_consignors", "consignor_known",
                                     "n_consignees")}
        return pd.DataFrame(empty, index=c.index).assign(first=pd.NaT, last=pd.NaT).astype(
            {"first": "datetime64[ns]", "last": "datetime64[ns]"})
    gap = s["day"].diff()
    new = s[key].ne(s[key].shift()) | gap.gt(window - 1)
    s = s.assign(bid=new.cumsum(), shipper=s["consignor"].where(s["consignor"].ne("")))
    g = s.groupby("bid")
    stats = pd.DataFrame({
        "n": g.size(), "vmin": g["value_local"].min(), "vmax": g["value_local"].max(),
        "total": g["value_local"].sum(), "first": g["declared_at"].min(), "last": g["declared_at"].max(),
        "span": g["day"].max() - g["day"].min() + 1,
        "n_consignors": g["shipper"].nunique(), "consignor_known": g["shipper"].count(),
        "n_consignees": g["consignee"].nunique(),
    })
    return s[["bid"]].join(stats, on="bid").reindex(c.index)


def _strength(b: pd.DataFrame, window: int) -> np.ndarray:
    n = b["n"].fillna(1).to_numpy(dtype=float)
    span = b["span"].fillna(1).to_numpy(dtype=float)
    n_eff = n * np.minimum(1.0, window / np.maximum(span, 1.0))
    return np.where(n >= 2, 1 - np.exp(-(np.maximum(n_eff, 1) - 1) / 2.5), 0.0)


def _burst_text(b: pd.DataFrame, c: pd.DataFrame, who: str) -> pd.Series:
    dates = np.where(
        b["first"].dt.normalize() == b["last"].dt.normalize(),
        "on " + R.day(b["first"]),
        "between " + R.day(b["first"]) + " and " + R.day(b["last"]),
    )
    cur = c["threshold_currency"]
    each = np.where(b["vmin"].round() == b["vmax"].round(), R.money(b["vmin"], cur),
                    R.num(b["vmin"]) + "-" + R.money(b["vmax"], cur))
    one_from = np.where(b["n_consignors"].eq(1) & b["consignor_known"].eq(b["n"]), ", all from one consignor", "")
    return (b["n"].fillna(0).astype(int).map("{:,}".format) + " parcels " + who + " " + dates + ", each " + each
            + ", just under the " + c["reporting_country"] + " de minimis of " + R.money(c["threshold"], cur)
            + " (together " + R.money(b["total"], cur) + ")" + one_from)


def run(proj: Projection, cfg, d: pd.DataFrame | None = None, prof: pd.DataFrame | None = None,
        pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per declaration: ``decl_key, score, reasons, just_under`` plus ``value_local``,
    ``threshold``, ``threshold_currency`` (the consignment value and the threshold it is
    compared with), ``burst_parcels`` (parcels in this consignee's burst) and
    ``group_parcels`` (parcels in the burst to its identifier-linked group).

    ``d``, ``prof`` and ``pairs`` (from :mod:`intel.analytics.features`) may be passed to
    reuse work already done; they are computed when omitted."""
    d = F.declarations(proj) if d is None else d
    if d.empty:
        return pd.DataFrame(columns=COLUMNS)
    window = max(1, int(cfg.de_minimis_window_days))
    band = float(cfg.de_minimis_band)
    v = _local_values(d, cfg)
    eligible = d["flow"].isin({"", "import"}) & ~d["procedure"].isin(F.HIGH_VALUE_PROCEDURES)
    just_under = (eligible & v["value_local"].lt(v["threshold"])
                  & v["value_local"].ge((1 - band) * v["threshold"])).to_numpy()

    out = pd.DataFrame({"decl_key": d["decl_key"], "score": 0.0, "just_under": just_under,
                        "value_local": v["value_local"], "threshold": v["threshold"],
                        "threshold_currency": v["threshold_currency"], "burst_parcels": 0, "group_parcels": 0})
    reasons = [np.full(len(d), "", dtype=object)]
    if just_under.any():
        rows = np.flatnonzero(just_under)
        c = pd.concat([d.iloc[rows][["reporting_country", "consignee", "consignor", "declared_at", "procedure"]],
                       v.iloc[rows]], axis=1)
        c = c[~c["consignment"].duplicated().to_numpy()]  # one row per consignment
        c["day"] = np.floor((c["declared_at"] - pd.Timestamp("1970-01-01")) / F.DAY)
        closeness = 1 - (c["threshold"] - c["value_local"]) / (band * c["threshold"])
        s0 = 0.10 + 0.15 * np.clip(closeness.to_numpy(dtype=float), 0, 1)

        own = _bursts(c, "consignee", window)
        strength = _strength(own, window)
        if pairs is None:
            prof = F.party_profile(proj, cfg, d) if prof is None else prof
            held, idents = F.identifier_links(proj, prof, cfg)
            pairs = F.identifier_pairs(held, idents)
        personal = pairs[pairs["kind"].isin({"phone", "email", "address"})]
        clusters = F.identifier_clusters(personal)
        c["group"] = c["consignee"].map(clusters).fillna("").astype(str) if len(clusters) else ""
        grp = _bursts(c, "group", window)
        g_strength = np.where(grp["n_consignees"].fillna(0).to_numpy() >= 2, 0.9 * _strength(grp, window), 0.0)
        score = s0 + (1 - s0) * np.maximum(strength, g_strength)

        pct = (1 - c["value_local"] / c["threshold"]) * 100
        lone = ("declared " + R.money(c["value_local"], c["threshold_currency"]) + ", "
                + R.num(pct, 0) + "% under the " + c["reporting_country"] + " de minimis of "
                + R.money(c["threshold"], c["threshold_currency"]) + " ("
                + c["procedure"].where(c["procedure"].ne(""), "procedure unknown") + ")")
        own_text = R.when(own["n"].fillna(1).ge(2), _burst_text(own, c, "to this consignee"))
        grp_text = R.when(g_strength > 0, _burst_text(
            grp, c, "to " + grp["n_consignees"].fillna(0).astype(int).astype(str)
            + " consignees sharing a phone, e-mail or address with this one"))
        # consignment results back to every item of the consignment (integer positions)
        pos = np.full(int(v["consignment"].max()) + 1, -1)
        pos[c["consignment"].to_numpy()] = np.arange(len(c))
        at = pos[v["consignment"].to_numpy()[rows]]
        out.loc[rows, "score"] = score[at]
        out.loc[rows, "burst_parcels"] = own["n"].fillna(1).to_numpy()[at].astype(int)
        out.loc[rows, "group_parcels"] = grp["n"].fillna(0).to_numpy()[at].astype(int)
        reasons = []
        for text in (own_text, grp_text, lone):
            col = np.full(len(d), "", dtype=object)
            col[rows] = text.to_numpy(dtype=object)[at]
            reasons.append(col)
    out["reasons"] = R.collect(reasons)
    out["score"] = out["score"].clip(0, 1).astype(float)
    return out[COLUMNS]
