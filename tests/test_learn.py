"""Learning from outcomes: skipping when too few, the time split, precision@k and saving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intel.analytics import learn, risk
from intel.analytics.projection import Projection
from intel.config import Settings


def synthetic(n: int = 4000, inspected: int = 1200, seed: int = 3) -> Projection:
    """Declarations where non-compliance is decided by the origin (XX) and high value, and
    where the inspected ones are picked with a bias towards chapter 85."""
    rng = np.random.default_rng(seed)
    origin = rng.choice(["CN", "VN", "XX", "MY"], n, p=[0.35, 0.25, 0.2, 0.2])
    chapter = rng.choice(["85", "94", "61"], n)
    value = rng.lognormal(7, 1, n)
    decl = pd.DataFrame({
        "decl_key": [f"TH|D{i}|1" for i in range(n)], "declaration_id": [f"D{i}" for i in range(n)],
        "reporting_country": "TH", "declared_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 365, n)), "D"),
        "origin_country": origin, "hs_chapter": chapter, "hs_code": [c + "0000" for c in chapter],
        "value_usd": value, "procedure": "standard", "transport_mode": "sea",
        "consignee": [f"P{i % 300}" for i in range(n)],
    })
    bad = (origin == "XX") & (value > np.exp(6.5))
    weight = np.where(chapter == "85", 3.0, 1.0)
    chosen = rng.choice(n, inspected, replace=False, p=weight / weight.sum())
    outcomes = pd.DataFrame({
        "decl_key": decl["decl_key"].to_numpy()[chosen],
        "result": np.where(bad[chosen], "seized", "compliant"),
        "decided_at": decl["declared_at"].to_numpy()[chosen] + pd.Timedelta(days=3),
    })
    return Projection.from_frames(decl=decl, outcomes=outcomes)


@pytest.fixture(scope="module")
def world():
    proj = synthetic()
    cfg = Settings(learn_min_outcomes=200)
    return proj, cfg, risk.run(proj, cfg, {})


def test_fewer_outcomes_than_the_minimum_skips_with_a_reason(world):
    proj, _, r = world
    result = learn.run(proj, Settings(learn_min_outcomes=10_000), r)
    assert result.status == "skipped"
    assert "1200 labelled outcomes" in result.reason and "10000" in result.reason
    assert result.probability is None


def test_labels_come_from_outcomes_then_inspection_results():
    decl = pd.DataFrame({"decl_key": ["a", "b", "c", "d"], "declared_at": pd.to_datetime(["2024-01-0%d" % i for i in range(1, 5)]),
                         "inspection_result": ["seized", "none", "compliant", ""]})
    outcomes = pd.DataFrame({"decl_key": ["a"], "result": ["compliant"], "decided_at": pd.to_datetime(["2024-02-01"])})
    lab = learn.labels(Projection.from_frames(decl=decl, outcomes=outcomes)).set_index("decl_key")
    assert lab.loc["a", "label"] == 0  # the outcome file wins over the declaration's own field
    assert lab.loc["c", "label"] == 0 and lab.loc["c", "decided_at"] == pd.Timestamp("2024-01-03")
    assert set(lab.index) == {"a", "c"}


def test_time_split_trains_on_earlier_decisions_only(world, monkeypatch):
    proj, cfg, r = world
    seen = {}
    original = learn.train

    def spy(p, features, c, labelled=None, weights=None):
        seen["train"] = labelled
        return original(p, features, c, labelled=labelled, weights=weights)

    monkeypatch.setattr(learn, "train", spy)
    labelled = learn.labels(proj)
    features = learn.build_features(proj, r)
    metrics, model = learn.evaluate_time_split(features, labelled, r.set_index("decl_key")["rule_score"], cfg)
    train_keys = set(seen["train"]["decl_key"])
    test = labelled[~labelled["decl_key"].isin(train_keys)]
    assert seen["train"]["decided_at"].max() < test["decided_at"].min()
    assert metrics["n_train"] + metrics["n_test"] == len(labelled)
    assert metrics["n_test"] == pytest.approx(len(labelled) * cfg.learn_test_share, rel=0.05)


def test_a_feature_that_decides_the_label_gives_high_precision_and_beats_the_rules(world, tmp_path):
    proj, cfg, r = world
    result = learn.run(proj, cfg, r, model_dir=tmp_path)
    assert result.status == "trained"
    m = result.metrics
    assert m["model_precision_at_5"] >= 0.9
    assert m["model_precision_at_10"] >= 0.8
    assert m["rules_precision_at_5"] < 0.5  # the rules know nothing here
    assert result.beats_rules and "beats the rules" in result.reason
    # a probability for every declaration, higher for the planted pattern
    assert len(result.probability) == len(proj.decl)
    d = proj.decl.set_index("decl_key")
    bad = (d["origin_country"] == "XX") & (d["value_usd"] > np.exp(7))
    assert result.probability[bad].mean() > 0.5 > result.probability[~bad].mean()
    # the model is saved as LightGBM text and loads back to the same predictions
    assert (tmp_path / "risk_lgbm.txt").read_text().startswith("tree")
    model, meta = learn.load_model(tmp_path)
    features = learn.build_features(proj, r)
    assert np.allclose(learn.predict(model, features), result.probability)
    assert meta["metrics"]["n_labelled"] == 1200


def test_rules_are_kept_when_the_model_does_not_beat_them(world):
    proj, cfg, r = world
    # rules that know the answer exactly: the model cannot beat precision 1.0
    d = proj.decl.set_index("decl_key")
    truth = ((d["origin_country"] == "XX") & (d["value_usd"] > np.exp(6.5))).astype(float)
    perfect = r.assign(rule_score=r["decl_key"].map(truth).to_numpy())
    result = learn.run(proj, cfg, perfect)
    assert result.metrics["rules_precision_at_5"] == 1.0
    assert not result.beats_rules and "rules kept" in result.reason
