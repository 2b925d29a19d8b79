"""Risk: combining parts (some missing), AEO facilitation, outcome history and lanes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intel.analytics import risk
from intel.analytics.projection import Projection
from intel.config import Settings


def make_decl(n: int = 10, consignee: str = "P1", hs: str = "940360") -> pd.DataFrame:
    return pd.DataFrame({
        "decl_key": [f"TH|D{i}|1" for i in range(n)],
        "declaration_id": [f"D{i}" for i in range(n)],
        "reporting_country": "TH",
        "consignee": consignee,
        "consignor": "S1",
        "hs_code": hs,
        "declared_at": pd.date_range("2024-01-01", periods=n, freq="D"),
        "origin_country": "CN",
        "port_of_loading": "CNSHA",
        "port_of_discharge": "THLCH",
    })


def test_missing_parts_give_zero_scores_and_every_declaration_a_row():
    proj = Projection.from_frames(decl=make_decl(5))
    out = risk.run(proj, Settings(), {"valuation": None, "tips": None})
    assert list(out.columns[:8]) == ["decl_key", "declaration_id", "reporting_country", "risk_score", "lane",
                                     "reasons", "consignee_party_id", "route_id"]
    assert len(out) == 5
    assert (out["risk_score"] == 0).all()
    assert out["reasons"].map(len).eq(0).all()
    assert out["route_id"].str.startswith("R").all()
    assert (out["consignee_party_id"] == "P1").all()


def test_parts_combine_as_noisy_or_and_reasons_quote_the_strongest_first():
    proj = Projection.from_frames(decl=make_decl(3))
    parts = {
        "valuation": pd.DataFrame({"decl_key": ["TH|D0|1"], "score": [0.5], "reasons": [["unit value 12% of the HS6 norm"]]}),
        "tips": pd.DataFrame({"decl_key": ["TH|D0|1", "TH|D1|1"], "score": [1.0, 0.2],
                              "reasons": [["tip T7 names consignee ACME"], ["tip T9 names port CNSHA"]]}),
        "consignees": pd.DataFrame({"party_id": ["P1"], "score": [0.0], "reasons": [[]]}),
        "deminimis": pd.DataFrame(columns=["decl_key", "score", "reasons"]),
    }
    cfg = Settings()
    out = risk.run(proj, cfg, parts).set_index("decl_key")
    w = cfg.risk_weights
    expected = 1 - (1 - w["valuation"] * 0.5) * (1 - w["tips"] * 1.0)
    assert out.loc["TH|D0|1", "risk_score"] == pytest.approx(expected)
    assert out.loc["TH|D0|1", "reasons"][0] == "tip: tip T7 names consignee ACME"
    assert "valuation: unit value 12% of the HS6 norm" in out.loc["TH|D0|1", "reasons"]
    assert out.loc["TH|D1|1", "risk_score"] == pytest.approx(w["tips"] * 0.2)
    assert out.loc["TH|D2|1", "risk_score"] == 0
    assert 0 <= out["risk_score"].min() and out["risk_score"].max() <= 1


def test_consignee_and_community_scores_reach_declarations_through_the_consignee():
    decl = pd.concat([make_decl(2, consignee="P1"), make_decl(2, consignee="P2").assign(
        decl_key=["TH|E0|1", "TH|E1|1"], declaration_id=["E0", "E1"])], ignore_index=True)
    parts = {
        "consignees": pd.DataFrame({"party_id": ["P1"], "score": [0.8], "reasons": ["registered 12 days before first shipment; shares phone +6621234567"]}),
        "communities": pd.DataFrame({"community_id": ["C1"], "score": [0.7], "reasons": [["9 new consignees share 2 phones"]]}),
        "membership": pd.DataFrame({"party_id": ["P1", "P2"], "community_id": ["C1", "C2"]}),
    }
    out = risk.run(Projection.from_frames(decl=decl), Settings(), parts).set_index("decl_key")
    assert out.loc["TH|D0|1", "p_consignee"] == 0.8 and out.loc["TH|D0|1", "p_community"] == 0.7
    assert out.loc["TH|E0|1", "risk_score"] == 0
    text = " | ".join(out.loc["TH|D0|1", "reasons"])
    assert "consignee: registered 12 days before first shipment" in text  # ';'-joined reasons are split
    assert "community: community C1: 9 new consignees share 2 phones" in text


def test_aeo_tier_3_consignee_is_discounted_and_the_reasons_say_so():
    decl = pd.concat([make_decl(1, consignee="AEO"), make_decl(1, consignee="NEW").assign(
        decl_key=["TH|E0|1"], declaration_id=["E0"])], ignore_index=True)
    parties = pd.DataFrame({"party_id": ["AEO", "NEW"], "aeo_tier": ["3", pd.NA]})
    parts = {"tips": pd.DataFrame({"decl_key": ["TH|D0|1", "TH|E0|1"], "score": [0.8, 0.8], "reasons": [["tip"], ["tip"]]})}
    cfg = Settings()
    out = risk.run(Projection.from_frames(decl=decl, parties=parties), cfg, parts).set_index("decl_key")
    assert out.loc["TH|D0|1", "risk_score"] == pytest.approx(out.loc["TH|E0|1", "risk_score"] * cfg.aeo_discount["3"])
    assert any("AEO tier 3" in r and "× 0.5" in r for r in out.loc["TH|D0|1", "reasons"])
    assert not any("AEO" in r for r in out.loc["TH|E0|1", "reasons"])


def test_watch_list_goods_add_a_small_sector_part():
    proj = Projection.from_frames(decl=make_decl(2, hs="8507600010"))
    out = risk.run(proj, Settings(), {})
    assert (out["p_watch_list"] == 1).all()
    assert out["risk_score"].iloc[0] == pytest.approx(Settings().risk_weights["watch_list"])
    assert "lithium_batteries" in out["reasons"].iloc[0][0]


def test_prior_seizures_of_the_consignee_count_only_before_the_declaration():
    decl = make_decl(4)
    outcomes = pd.DataFrame({"decl_key": ["TH|D0|1", "TH|D1|1"], "result": ["seized", "compliant"],
                             "decided_at": pd.to_datetime(["2024-01-01 12:00", "2024-01-02 12:00"])})
    out = risk.run(Projection.from_frames(decl=decl, outcomes=outcomes), Settings(), {}).set_index("decl_key")
    assert out.loc["TH|D0|1", "p_history"] == 0  # its own seizure does not count
    # D1: one earlier seizure in one earlier inspection, for the consignee and for the consignor;
    # the overall adverse rate g is 1/2 (one seizure, one compliant)
    g = 0.5
    per_role = 0.5 * ((1 + 5 * g) / (1 + 5) - g) / (1 - g)
    assert out.loc["TH|D1|1", "p_history"] == pytest.approx(1 - (1 - per_role) ** 2)
    assert any("consignee P1: 1 of 1 earlier inspections" in r for r in out.loc["TH|D1|1", "reasons"])
    # D2 comes after the compliant inspection of D1: the rate of adverse outcomes halves
    assert out.loc["TH|D2|1", "p_history"] < out.loc["TH|D1|1", "p_history"]


def test_a_big_trader_with_a_few_seizures_in_many_inspections_scores_little():
    n = 300
    big = make_decl(n)
    # another trader caught often makes inspections look targeted (a high overall adverse rate)
    caught = make_decl(20, consignee="P9").assign(consignor="S9", decl_key=[f"TH|X{i}|1" for i in range(20)],
                                                  declaration_id=[f"X{i}" for i in range(20)])
    decl = pd.concat([big, caught], ignore_index=True)
    results = ["seized" if i % 100 == 0 else "compliant" for i in range(n - 1)] + ["seized"] * 19
    decided = pd.concat([big["decl_key"][: n - 1], caught["decl_key"][:19]], ignore_index=True)
    when = pd.concat([big["declared_at"][: n - 1], caught["declared_at"][:19]], ignore_index=True)
    outcomes = pd.DataFrame({"decl_key": decided, "result": results, "decided_at": when + pd.Timedelta(hours=1)})
    out = risk.run(Projection.from_frames(decl=decl, outcomes=outcomes), Settings(), {}).set_index("decl_key")
    assert out.loc[f"TH|D{n - 1}|1", "p_history"] == 0  # 3 in 299 is below the overall rate
    assert out.loc["TH|X19|1", "p_history"] > 0.5  # caught 19 times in 19


def test_scoring_the_first_rows_counts_the_history_of_all_rows():
    # a pre-arrival batch (the last declaration, put first) scored against its parties'
    # history: the parts equal those of a run over everything, the history included
    decl = make_decl(6)
    other = make_decl(4, consignee="P2").assign(consignor="S2", decl_key=[f"TH|X{i}|1" for i in range(4)],
                                                 declaration_id=[f"X{i}" for i in range(4)])
    outcomes = pd.DataFrame({"decl_key": ["TH|D0|1", "TH|D1|1", *other["decl_key"]],
                             "result": ["seized", "seized", *["compliant"] * 4],
                             "decided_at": pd.to_datetime(["2024-01-01 12:00", "2024-01-02 12:00", *["2024-01-01 00:00"] * 4])})
    batch_first = pd.concat([decl.iloc[[5]], decl.iloc[:5], other], ignore_index=True)
    proj = Projection.from_frames(decl=batch_first, outcomes=outcomes)
    whole = risk.part_scores(proj, Settings())
    head = risk.part_scores(proj, Settings(), rows=1)
    assert head[0]["decl_key"].tolist() == ["TH|D5|1"]
    assert head[1]["history"][0] == whole[1]["history"][0] > 0
    assert head[2]["history"][0] == whole[2]["history"][0]
    assert {k: len(v) for k, v in head[1].items()} == {k: 1 for k in whole[1]}
    # without the history rows, the batch row has nothing to go on
    alone = risk.part_scores(Projection.from_frames(decl=decl.iloc[[5]], outcomes=outcomes), Settings())
    assert alone[1]["history"][0] == 0


@pytest.mark.parametrize("n,red,yellow", [(1000, 50, 100), (20, 1, 2), (7, 0, 1)])
def test_lane_by_rate_gives_the_target_counts(n, red, yellow):
    cfg = Settings(lane_mode="rate", red_rate=0.05, yellow_rate=0.10)
    rng = np.random.default_rng(1)
    scores = pd.Series(rng.random(n))
    lanes = risk.assign_lanes(scores, cfg)
    counts = lanes.value_counts()
    assert counts.get("red", 0) == red and counts.get("yellow", 0) == yellow
    assert scores[lanes == "red"].min() >= scores[lanes == "yellow"].max() if red else True
    if yellow:
        assert scores[lanes == "yellow"].min() >= scores[lanes == "green"].max()


def test_lane_by_rate_with_ties_still_gives_exact_counts():
    cfg = Settings(lane_mode="rate", red_rate=0.1, yellow_rate=0.2)
    lanes = risk.assign_lanes(pd.Series([0.0] * 10), cfg)
    assert lanes.value_counts().to_dict() == {"green": 7, "yellow": 2, "red": 1}


def test_lane_by_score_uses_thresholds():
    cfg = Settings(lane_mode="score", red_threshold=0.6, yellow_threshold=0.35)
    lanes = risk.assign_lanes(pd.Series([0.1, 0.35, 0.59, 0.6, 0.95]), cfg)
    assert list(lanes) == ["green", "yellow", "yellow", "red", "red"]
    with pytest.raises(ValueError, match="lane_mode"):
        risk.assign_lanes(pd.Series([0.1]), Settings(lane_mode="random"))


def test_blend_mixes_the_learned_probability_and_says_so():
    proj = Projection.from_frames(decl=make_decl(3))
    out = risk.run(proj, Settings(learn_weight=0.5), {})
    prob = pd.Series([0.9, 0.0], index=["TH|D0|1", "TH|D1|1"])
    blended = risk.blend(out, prob, Settings(learn_weight=0.5), "learned from outcomes").set_index("decl_key")
    assert blended.loc["TH|D0|1", "risk_score"] == pytest.approx(0.45)
    assert "learned from outcomes" in blended.loc["TH|D0|1", "reasons"][-1]
    assert blended.loc["TH|D2|1", "risk_score"] == 0  # no probability: the rules stand


def test_declarations_with_nothing_but_keys_get_a_green_zero_row():
    proj = Projection.from_frames(decl=pd.DataFrame({"decl_key": ["a", "b", "c"]}))
    out = risk.run(proj, Settings(lane_mode="score"), {"routes": None, "consignees": pd.DataFrame()})
    assert list(out["risk_score"]) == [0.0, 0.0, 0.0]
    assert set(out["lane"]) == {"green"}
