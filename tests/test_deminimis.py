"""De minimis: just-under parcels and split consignments on hand-made declarations."""

from __future__ import annotations

import pandas as pd
import pytest

from intel.analytics import deminimis
from intel.analytics.projection import Projection
from intel.config import Settings

THB_PER_USD = 35.0


def parcel(key: str, consignee: str, thb: float, when: str = "2025-03-04", procedure: str = "express",
           currency: str = "THB", consignor: str = "S1", item: int = 1) -> dict:
    usd = thb / THB_PER_USD
    return {"decl_key": f"TH|{key}|{item}", "declaration_id": key, "item_no": item, "reporting_country": "TH",
            "declared_at": pd.Timestamp(when), "procedure": procedure, "consignee": consignee, "consignor": consignor,
            "customs_value": thb if currency == "THB" else usd, "currency": currency, "value_usd": usd}


def background() -> list[dict]:
    """Ordinary parcels well under or over the threshold, one per consignee (and the data's
    own THB rate)."""
    return [parcel(f"B{k}", f"C{k}", 300 + 97 * k, when=f"2025-02-{1 + k % 27:02d}") for k in range(40)]


def by_key(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("decl_key")


def test_seven_parcels_to_one_consignee_on_one_day_are_a_split_consignment():
    values = [1350, 1400, 1480, 1420, 1390, 1450, 1470]
    rows = [parcel(f"A{k}", "P1", v) for k, v in enumerate(values)] + background()
    result = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings()))
    split = result.loc[[f"TH|A{k}|1" for k in range(7)]]
    assert split["just_under"].all()
    assert (split["score"] > 0.85).all()
    assert (split["burst_parcels"] == 7).all()
    assert split.iloc[0]["reasons"][0] == ("7 parcels to this consignee on 2025-03-04, each 1,350-1,480 THB, just under "
                                           "the TH de minimis of 1,500 THB (together 9,960 THB), all from one consignor")


def test_a_single_just_under_parcel_scores_low():
    rows = [parcel("A", "P1", 1450)] + background()
    row = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings())).loc["TH|A|1"]
    assert row["just_under"]
    assert 0.1 <= row["score"] < 0.3
    assert row["reasons"] == ["declared 1,450 THB, 3% under the TH de minimis of 1,500 THB (express)"]


@pytest.mark.parametrize("count, low, high", [(2, 0.35, 0.6), (4, 0.65, 0.85), (8, 0.9, 1.0)])
def test_the_score_rises_with_the_number_of_parcels_in_the_burst(count: int, low: float, high: float):
    rows = [parcel(f"A{k}", "P1", 1400, when=f"2025-03-0{4 + k % 2}") for k in range(count)] + background()
    result = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings()))
    assert low <= result.loc["TH|A0|1", "score"] <= high


def test_parcels_spread_over_weeks_are_not_a_burst():
    rows = [parcel(f"A{k}", "P1", 1400, when=str(pd.Timestamp("2025-01-01") + pd.Timedelta(days=10 * k))[:10])
            for k in range(6)] + background()
    result = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings()))
    assert (result.loc[[f"TH|A{k}|1" for k in range(6)], "score"] < 0.3).all()


def test_parcels_split_across_consignees_sharing_a_phone_are_caught_as_a_group():
    rows = [parcel(f"A{k}", f"P{k}", 1400) for k in range(5)] + background()
    held = pd.DataFrame([{"party_id": f"P{k}", "ident_key": "phone:+66812345678", "kind": "phone", "value": "+66812345678"}
                         for k in range(5)])
    parties = pd.DataFrame([{"party_id": f"P{k}", "display_name": f"Buyer Number {k}"} for k in range(5)])
    result = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows), party_ident=held, parties=parties), Settings()))
    row = result.loc["TH|A0|1"]
    assert row["group_parcels"] == 5 and row["score"] > 0.7
    assert any("to 5 consignees sharing a phone, e-mail or address with this one" in r for r in row["reasons"])


@pytest.mark.parametrize("procedure, thb, flagged", [
    ("standard", 1450, False),   # a standard sea consignment is no de minimis parcel
    ("postal", 1550, False),     # over the threshold
    ("postal", 1000, False),     # well under: not 'just' under
    ("", 1450, True),            # unknown procedure: the value alone decides
])
def test_only_low_value_procedures_just_under_the_threshold_count(procedure: str, thb: float, flagged: bool):
    rows = [parcel("A", "P1", thb, procedure=procedure)] + background()
    row = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings())).loc["TH|A|1"]
    assert bool(row["just_under"]) is flagged
    assert bool(row["score"] > 0) is flagged


def test_a_value_declared_in_dollars_is_converted_to_the_threshold_currency():
    rows = [parcel("A", "P1", 1470, currency="USD")] + background()
    row = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings())).loc["TH|A|1"]
    assert row["value_local"] == pytest.approx(1470)
    assert row["just_under"]


def test_items_of_one_declaration_are_summed_before_the_comparison():
    rows = [parcel("A", "P1", 900, item=1), parcel("A", "P1", 900, item=2)] + background()
    result = by_key(deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings()))
    assert result.loc["TH|A|1", "value_local"] == pytest.approx(1800)
    assert not result.loc[["TH|A|1", "TH|A|2"], "just_under"].any()


def test_missing_values_and_dates_neither_crash_nor_flag():
    rows = [parcel("A", "P1", 1450) | {"customs_value": None, "value_usd": None}, parcel("B", "P2", 1450) | {"declared_at": None}]
    result = deminimis.run(Projection.from_frames(decl=pd.DataFrame(rows)), Settings())
    assert len(result) == 2
    assert result["score"].between(0, 1).all()
    assert not result.set_index("decl_key").loc["TH|A|1", "just_under"]
