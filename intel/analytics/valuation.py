"""Under- and over-invoicing: a declaration's unit value against the robust norm of its peers.

Unit value is ``value_usd`` per kg of gross mass when the mass is known, else per unit of
``quantity`` (peers must share the same basis: kg, or the same quantity unit). The norm is the
median of log unit values in the peer group — same HS6 and origin, falling back to the same
HS6 (all origins) and then the same HS4 when a group is not a market: fewer than
``cfg.min_peer_group`` declarations, fewer than 3 distinct traders, or one trader with more
than half of it — and its spread the median absolute deviation (MAD), so outliers (including
the suspicious declarations themselves) cannot set the norm.

A declaration is *under* when its unit value is below ``cfg.undervalue_ratio`` × the median,
*over* when above ``cfg.overvalue_ratio`` × the median. Its score is the product of

- how far past the cut-off it is, on a log scale: 0.5 at the cut-off, 1 at the cut-off
  squared (0.35 → 0.5, 0.12 → 1 for under; 4× → 0.5, 16× → 1 for over), and
- how unusual that is for the group: robust z = (log uv − median) / (1.4826 × MAD, at least
  0.1), scored 0 at |z| ≤ 1 rising to 1 at |z| ≥ 3 — a group whose prices legitimately spread
  over an order of magnitude flags less than a tight one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intel.analytics import features as F
from intel.analytics import reasons as R
from intel.analytics.projection import Projection

__all__ = ["run", "unit_values"]

COLUMNS = ["decl_key", "score", "reasons", "unit_value", "norm", "ratio", "direction",
           "robust_z", "peer_n", "peer_group", "unit"]
#: a norm is a market price: its peer group needs this many distinct traders (consignor, else
#: consignee) and no trader with more than this share of it — otherwise one trader's own
#: (possibly undervalued) invoices would set the norm they are judged against
MIN_TRADERS = 3
MAX_TRADER_SHARE = 0.5
#: smallest robust spread on the log scale (≈10 %), so identical peer prices do not turn a
#: small difference into an extreme z
MIN_SCALE = 0.1


def unit_values(d: pd.DataFrame) -> pd.DataFrame:
    """``unit_value`` (USD per kg, else per quantity unit) and its ``unit`` label per row;
    NaN where value, mass and quantity do not allow one."""
    mass = d["gross_mass_kg"].where(d["gross_mass_kg"] > 0)
    qty = d["quantity"].where(d["quantity"] > 0)
    per_kg = d["value_usd"] / mass
    per_qty = d["value_usd"] / qty
    qunit = F.text(d["quantity_unit"], lower=True) if "quantity_unit" in d else pd.Series("", index=d.index)
    qunit = qunit.where(qunit.ne(""), "unit")
    use_kg = per_kg.notna()
    uv = per_kg.where(use_kg, per_qty)
    unit = pd.Series(np.where(use_kg, "kg", qunit), index=d.index)
    ok = uv.gt(0) & np.isfinite(uv)
    return pd.DataFrame({"unit_value": uv.where(ok), "unit": unit.where(ok, "")})


def _codes(*cols: pd.Series) -> np.ndarray:
    """One integer group code per row for the combination of columns."""
    code = np.zeros(len(cols[0]), dtype=np.int64)
    for c in cols:
        f, uniques = pd.factorize(c)
        code = code * (len(uniques) + 1) + (f + 1)
    return code


def _norms(x: pd.Series, code: np.ndarray, valid: np.ndarray,
           trader: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Median, MAD, count, distinct traders and the largest trader's share of ``x`` per group
    code, broadcast to every row (NaN / 0 for rows whose group has no valid value)."""
    xs = pd.Series(x.to_numpy()[valid])
    cs = code[valid]
    g = xs.groupby(cs)
    med = g.median()
    n = g.size()
    dev = (xs - med.reindex(cs).to_numpy()).abs()
    mad = dev.groupby(cs).median()
    per_trader = pd.DataFrame({"c": cs, "t": trader[valid]}).groupby(["c", "t"]).size()
    traders = per_trader.groupby(level=0).size()
    top = per_trader.groupby(level=0).max() / n
    return (med.reindex(code).to_numpy(), mad.reindex(code).to_numpy(), n.reindex(code).fillna(0).to_numpy(),
            traders.reindex(code).fillna(0).to_numpy(), top.reindex(code).fillna(1).to_numpy())


def run(proj: Projection, cfg, d: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per declaration: ``decl_key, score, reasons, unit_value, norm, ratio, direction`` (``under``,
    ``over`` or ``''``) plus ``robust_z``, ``peer_n``, ``peer_group`` and ``unit``."""
    d = F.declarations(proj, ("hs6", "hs_code", "origin_country", "quantity_unit")) if d is None else d
    if d.empty:
        return pd.DataFrame(columns=COLUMNS)
    hs_digits = F.text(d["hs_code"]).str.replace(r"\D", "", regex=True) if "hs_code" in d else pd.Series("", index=d.index)
    hs6 = F.text(d["hs6"]).str.replace(r"\D", "", regex=True) if "hs6" in d else pd.Series("", index=d.index)
    hs6 = hs6.where(hs6.str.len() == 6, hs_digits.str[:6])
    hs6 = hs6.where(hs6.str.len() == 6, "")
    origin = F.text(d["origin_country"]).str.upper() if "origin_country" in d else pd.Series("", index=d.index)
    uv = unit_values(d)
    x = np.log(uv["unit_value"])
    valid = (x.notna() & hs6.ne("")).to_numpy()

    levels = [
        (_codes(hs6, origin, uv["unit"]), origin.ne("").to_numpy(), "hs6+origin"),
        (_codes(hs6, uv["unit"]), np.ones(len(d), bool), "hs6"),
        (_codes(hs6.str[:4], uv["unit"]), np.ones(len(d), bool), "hs4"),
    ]
    med = np.full(len(d), np.nan)
    mad = np.full(len(d), np.nan)
    n = np.zeros(len(d))
    level = np.full(len(d), "", dtype=object)
    todo = valid.copy()
    # the trader who sets the invoice price: the consignor, else the consignee
    # (a row whose trader is unknown counts as its own trader: no evidence of dominance)
    shipper, shippers = pd.factorize(d["consignor"])
    receiver, receivers = pd.factorize(d["consignee"])
    trader = np.where(d["consignor"].ne("").to_numpy(), shipper,
                      np.where(d["consignee"].ne("").to_numpy(), len(shippers) + receiver,
                               len(shippers) + len(receivers) + np.arange(len(d))))
    for code, usable, name in levels:
        m, s, k, traders, top = _norms(x, code, valid & usable, trader)
        market = (k >= cfg.min_peer_group) & (traders >= MIN_TRADERS) & (top <= MAX_TRADER_SHARE)
        take = todo & usable & market
        med[take], mad[take], n[take], level[take] = m[take], s[take], k[take], name
        todo &= ~take

    scale = np.maximum(1.4826 * np.nan_to_num(mad), MIN_SCALE)
    dx = x.to_numpy() - med
    z = dx / scale
    ratio = np.exp(dx)
    lu, lo = np.log(cfg.undervalue_ratio), np.log(cfg.overvalue_ratio)
    s_z = np.clip((np.abs(z) - 1) / 2, 0, 1)
    under = ratio < cfg.undervalue_ratio
    over = ratio > cfg.overvalue_ratio
    s_ratio = np.where(under, np.clip(0.5 * dx / lu, 0, 1), np.where(over, np.clip(0.5 * dx / lo, 0, 1), 0.0))
    score = np.nan_to_num(s_ratio * s_z)
    direction = np.where(under & (score > 0), "under", np.where(over & (score > 0), "over", ""))

    out = pd.DataFrame({
        "decl_key": d["decl_key"].to_numpy(), "score": score, "unit_value": uv["unit_value"].to_numpy(),
        "norm": np.exp(med), "ratio": ratio, "direction": direction, "robust_z": z, "peer_n": n.astype(int),
        "unit": uv["unit"].to_numpy(),
    })
    out["peer_group"] = ""
    reasons = np.full(len(d), "", dtype=object)
    flagged = np.flatnonzero(direction != "")
    if len(flagged):
        f = out.iloc[flagged]
        lv, h6, org = level[flagged], hs6.iloc[flagged], origin.iloc[flagged]
        group = np.where(lv == "hs6+origin", "HS " + h6 + " from " + org,
                         np.where(lv == "hs6", "HS " + h6 + ", all origins", "HS " + h6.str[:4]))
        note = np.where(lv == "hs6", np.where(org.ne(""), "; too few peers from " + org, ""),
                        np.where(lv == "hs4", "; too few HS " + h6 + " peers", ""))
        out.loc[out.index[flagged], "peer_group"] = group
        unit = "USD/" + f["unit"]
        how = np.where(f["direction"] == "under", R.pct(f["ratio"]) + " of", R.num(f["ratio"]) + "×")
        reasons[flagged] = ("unit value " + R.num(f["unit_value"]) + " " + unit + " is " + how + " the median "
                            + R.num(f["norm"]) + " " + unit + " for " + group + " (n="
                            + f["peer_n"].map("{:,}".format) + note + ")").to_numpy()
    out["reasons"] = R.collect([reasons])
    return out[COLUMNS]
