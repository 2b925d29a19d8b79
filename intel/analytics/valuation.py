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

__all__ = ["assess", "norms", "run", "score", "unit_values"]

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


_LEVELS = ("hs6+origin", "hs6", "hs4")
_NORM_COLUMNS = ["level", "hs", "origin", "unit", "median", "mad", "n"]


def _rows(d: pd.DataFrame) -> pd.DataFrame:
    """Per declaration: ``hs6`` (six digits or ''), ``origin``, ``unit``, ``unit_value`` and
    ``x`` (its log), ``valid`` (a unit value and an HS6 to compare it within)."""
    hs_digits = F.text(d["hs_code"]).str.replace(r"\D", "", regex=True) if "hs_code" in d else pd.Series("", index=d.index)
    hs6 = F.text(d["hs6"]).str.replace(r"\D", "", regex=True) if "hs6" in d else pd.Series("", index=d.index)
    hs6 = hs6.where(hs6.str.len() == 6, hs_digits.str[:6])
    hs6 = hs6.where(hs6.str.len() == 6, "")
    origin = F.text(d["origin_country"]).str.upper() if "origin_country" in d else pd.Series("", index=d.index)
    uv = unit_values(d)
    x = np.log(uv["unit_value"])
    return pd.DataFrame({"hs6": hs6, "origin": origin, "unit": uv["unit"], "unit_value": uv["unit_value"], "x": x,
                         "valid": (x.notna() & hs6.ne("")).to_numpy()}, index=d.index)


def _level_keys(rows: pd.DataFrame, level: str) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """The ``hs`` and ``origin`` group keys of each row at ``level`` and whether the level
    applies to it (the origin level needs a known origin)."""
    if level == "hs6+origin":
        return rows["hs6"], rows["origin"], rows["origin"].ne("").to_numpy()
    blank = pd.Series("", index=rows.index, dtype=object)
    hs = rows["hs6"] if level == "hs6" else rows["hs6"].str[:4]
    return hs, blank, np.ones(len(rows), bool)


def norms(d: pd.DataFrame, cfg) -> pd.DataFrame:
    """The price norms of the declarations ``d``: one row per peer group that is a market —
    ``level`` (``hs6+origin``, ``hs6``, ``hs4``), ``hs``, ``origin``, ``unit``, ``median`` and
    ``mad`` of the log unit value, ``n``. A group is a market with at least
    ``cfg.min_peer_group`` priced declarations from at least :data:`MIN_TRADERS` traders, none
    with more than :data:`MAX_TRADER_SHARE` of them.

    ``intel analyze`` keeps these (``population/valuation_norms.parquet``) so pre-arrival
    scoring judges a batch against the whole population's prices without re-reading it."""
    if d.empty:
        return pd.DataFrame(columns=_NORM_COLUMNS)
    rows = _rows(d)
    # the trader who sets the invoice price: the consignor, else the consignee
    # (a row whose trader is unknown counts as its own trader: no evidence of dominance)
    consignor = F.text(d["consignor"]) if "consignor" in d else pd.Series("", index=d.index)
    consignee = F.text(d["consignee"]) if "consignee" in d else pd.Series("", index=d.index)
    shipper, shippers = pd.factorize(consignor)
    receiver, receivers = pd.factorize(consignee)
    trader = np.where(consignor.ne("").to_numpy(), shipper,
                      np.where(consignee.ne("").to_numpy(), len(shippers) + receiver,
                               len(shippers) + len(receivers) + np.arange(len(d))))
    out = []
    for level in _LEVELS:
        hs, origin, usable = _level_keys(rows, level)
        take = rows["valid"].to_numpy() & usable
        if not take.any():
            continue
        g = pd.DataFrame({"hs": hs.to_numpy()[take], "origin": origin.to_numpy()[take], "unit": rows["unit"].to_numpy()[take],
                          "x": rows["x"].to_numpy()[take], "t": trader[take]})
        code = g.groupby(["hs", "origin", "unit"], sort=False).ngroup().to_numpy()
        x = pd.Series(g["x"].to_numpy())
        med = x.groupby(code).median()
        n = x.groupby(code).size()
        mad = (x - med.to_numpy()[code]).abs().groupby(code).median()
        per_trader = pd.DataFrame({"c": code, "t": g["t"].to_numpy()}).groupby(["c", "t"]).size()
        traders = per_trader.groupby(level=0).size()
        top = per_trader.groupby(level=0).max() / n
        first = g.assign(c=code).drop_duplicates("c").set_index("c").sort_index()
        table = pd.DataFrame({"level": level, "hs": first["hs"].to_numpy(), "origin": first["origin"].to_numpy(),
                              "unit": first["unit"].to_numpy(), "median": med.to_numpy(), "mad": mad.to_numpy(),
                              "n": n.to_numpy(), "traders": traders.to_numpy(), "top": top.to_numpy()})
        market = (table["n"] >= cfg.min_peer_group) & (table["traders"] >= MIN_TRADERS) & (table["top"] <= MAX_TRADER_SHARE)
        out.append(table.loc[market, _NORM_COLUMNS])
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=_NORM_COLUMNS)


def run(proj: Projection, cfg, d: pd.DataFrame | None = None, peer_norms: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per declaration: ``decl_key, score, reasons, unit_value, norm, ratio, direction`` (``under``,
    ``over`` or ``''``) plus ``robust_z``, ``peer_n``, ``peer_group`` and ``unit``.

    The norms are those of the projection's own declarations unless ``peer_norms`` (a
    :func:`norms` table, e.g. the whole population's from the last analyze) is given."""
    return assess(proj, cfg, d, peer_norms)[0]


def assess(proj: Projection, cfg, d: pd.DataFrame | None = None,
           peer_norms: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`run` and the norms it judged against."""
    d = F.declarations(proj, ("hs6", "hs_code", "origin_country", "quantity_unit")) if d is None else d
    if d.empty:
        return pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=_NORM_COLUMNS)
    peer_norms = norms(d, cfg) if peer_norms is None else peer_norms
    return score(d, peer_norms, cfg), peer_norms


def score(d: pd.DataFrame, peer_norms: pd.DataFrame, cfg) -> pd.DataFrame:
    """Judge each declaration of ``d`` against ``peer_norms``: the first level (HS6 and origin,
    then HS6, then HS4) whose group is a market sets its norm."""
    rows = _rows(d)
    med = np.full(len(d), np.nan)
    mad = np.full(len(d), np.nan)
    n = np.zeros(len(d))
    level = np.full(len(d), "", dtype=object)
    todo = rows["valid"].to_numpy().copy()
    for name in _LEVELS:
        table = peer_norms[peer_norms["level"].eq(name)] if len(peer_norms) else peer_norms
        if not len(table) or not todo.any():
            continue
        hs, origin, usable = _level_keys(rows, name)
        want = todo & usable
        keys = pd.MultiIndex.from_arrays([hs.to_numpy()[want], origin.to_numpy()[want], rows["unit"].to_numpy()[want]])
        lookup = table.set_index(["hs", "origin", "unit"])
        lookup = lookup[~lookup.index.duplicated()]
        pos = lookup.index.get_indexer(keys)
        found = pos >= 0
        idx = np.flatnonzero(want)[found]
        med[idx] = lookup["median"].to_numpy(dtype=float)[pos[found]]
        mad[idx] = lookup["mad"].to_numpy(dtype=float)[pos[found]]
        n[idx] = lookup["n"].to_numpy(dtype=float)[pos[found]]
        level[idx] = name
        todo[idx] = False

    hs6, origin = rows["hs6"], rows["origin"]
    scale = np.maximum(1.4826 * np.nan_to_num(mad), MIN_SCALE)
    dx = rows["x"].to_numpy() - med
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
        "decl_key": d["decl_key"].to_numpy(), "score": score, "unit_value": rows["unit_value"].to_numpy(),
        "norm": np.exp(med), "ratio": ratio, "direction": direction, "robust_z": z, "peer_n": n.astype(int),
        "unit": rows["unit"].to_numpy(),
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
