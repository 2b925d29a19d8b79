"""Unit-value norms and under/over-invoicing on hand-made declarations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intel.analytics import valuation
from intel.analytics.projection import Projection
from intel.config import Settings


def decl(key: str, usd_per_kg: float, hs: str = "85076000", origin: str = "CN", consignor: str = "S1",
         mass: float | None = 100.0, quantity: float | None = None, unit: str = "") -> dict:
    value = usd_per_kg * (mass if mass else quantity)
    return {"decl_key": f"TH|{key}|1", "declaration_id": key, "reporting_country": "TH",
            "declared_at": pd.Timestamp("2025-03-04"), "hs_code": hs, "hs6": hs[:6], "origin_country": origin,
            "consignor": consignor, "consignee": "C1", "gross_mass_kg": mass, "quantity": quantity,
            "quantity_unit": unit, "value_usd": value}


def market(n: int = 40, hs: str = "85076000", origin: str = "CN", centre: float = 5.1, seed: int = 1) -> list[dict]:
    """``n`` declarations around ``centre`` USD/kg (±20 % lognormal) from six traders."""
    rng = np.random.default_rng(seed)
    return [decl(f"{hs}-{origin}-{k}", centre * rng.lognormal(0, 0.2), hs, origin, consignor=f"S{k % 6}") for k in range(n)]


def run(rows: list[dict]) -> pd.DataFrame:
    return valuation.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings()).set_index("decl_key")


def test_an_undervalued_declaration_is_flagged_with_its_ratio_to_the_median():
    result = run(market() + [decl("U", 0.42)])
    row = result.loc["TH|U|1"]
    assert row["direction"] == "under" and row["score"] > 0.9
    assert row["ratio"] == pytest.approx(0.42 / row["norm"])
    assert row["reasons"][0].startswith("unit value 0.42 USD/kg is 8% of the median 5.")
    assert row["reasons"][0].endswith("USD/kg for HS 850760 from CN (n=41)")


def test_an_over_invoiced_declaration_is_flagged_too():
    row = run(market() + [decl("O", 60.0)]).loc["TH|O|1"]
    assert row["direction"] == "over" and row["score"] > 0.5
    assert "× the median" in row["reasons"][0]


@pytest.mark.parametrize("usd_per_kg", [3.0, 5.1, 9.0])
def test_prices_within_the_market_spread_are_not_flagged(usd_per_kg: float):
    row = run(market() + [decl("N", usd_per_kg)]).loc["TH|N|1"]
    assert row["direction"] == "" and row["score"] == 0 and row["reasons"] == []


def test_a_small_peer_group_falls_back_to_hs4():
    rows = market(hs="85076000") + [decl(f"V{k}", 5.0, hs="85078000", origin="VN", consignor=f"T{k}") for k in range(3)]
    rows.append(decl("U", 0.3, hs="85078000", origin="VN", consignor="T9"))
    row = run(rows).loc["TH|U|1"]
    assert row["peer_group"] == "HS 8507"
    assert row["peer_n"] == 44
    assert "for HS 8507 (n=44; too few HS 850780 peers)" in row["reasons"][0]


def test_one_traders_own_invoices_cannot_set_the_norm():
    # 20 declarations of HS 850760 from KH, all from one (undervaluing) trader: no market there,
    # so they are judged against HS 850760 from every origin
    rows = market(origin="CN") + [decl(f"K{k}", 0.5, origin="KH", consignor="SOLE") for k in range(20)]
    result = run(rows)
    assert (result.loc[[f"TH|K{k}|1" for k in range(20)], "direction"] == "under").all()
    assert "HS 850760, all origins" in result.loc["TH|K0|1", "reasons"][0]


def test_outliers_do_not_move_the_norm():
    clean = run(market())
    dirty = run(market() + [decl(f"X{k}", 0.05, consignor=f"S{k % 6}") for k in range(8)])
    assert dirty["norm"].iloc[0] == pytest.approx(clean["norm"].iloc[0], rel=0.15)


def test_without_mass_the_unit_value_is_per_quantity_unit_and_peers_share_the_unit():
    rows = [decl(f"Q{k}", 2.0 + 0.1 * (k % 5), mass=None, quantity=10, unit="PCE", consignor=f"S{k % 6}") for k in range(20)]
    rows.append(decl("QU", 0.2, mass=None, quantity=10, unit="PCE", consignor="S9"))
    rows += market()  # per-kg declarations of the same HS6 are another peer group
    row = run(rows).loc["TH|QU|1"]
    assert row["unit"] == "pce" and row["direction"] == "under" and row["peer_n"] == 21
    assert "USD/pce" in row["reasons"][0]


def test_missing_values_masses_and_codes_neither_crash_nor_flag():
    rows = market() + [decl("M", 1.0) | {"value_usd": None}, decl("Z", 1.0) | {"gross_mass_kg": None},
                       decl("H", 0.1) | {"hs_code": None, "hs6": None}]
    result = run(rows)
    assert (result.loc[["TH|M|1", "TH|Z|1", "TH|H|1"], "score"] == 0).all()
    assert result["score"].between(0, 1).all()


def test_a_batch_judged_against_saved_norms_scores_as_in_the_full_run():
    """Pre-arrival scoring keeps the population's norms (``valuation.norms``) and judges a
    batch against them: the same findings as judging it inside the whole population."""
    rows = market() + market(hs="85078000", origin="VN", centre=9.0, seed=2) + [decl("U", 0.42), decl("O", 60.0)]
    full = run(rows)
    norms = valuation.norms(pd.DataFrame(rows), Settings())
    assert set(norms["level"]) <= {"hs6+origin", "hs6", "hs4"} and len(norms) >= 2
    batch = [r for r in rows if r["declaration_id"] in {"U", "O", "850760-CN-3", "850780-VN-5"}]
    alone = valuation.run(Projection.from_frames(decl=pd.DataFrame(batch)), Settings(), peer_norms=norms).set_index("decl_key")
    pd.testing.assert_frame_equal(alone, full.loc[alone.index])
    assert alone.loc["TH|U|1", "direction"] == "under"
    # judged against its own four rows instead, the batch is no market and nothing is flagged
    assert run(batch)["direction"].eq("").all()
