"""Learning from inspection outcomes, honestly evaluated on later decisions.

Only a minority of declarations is inspected, and not at random: officers pick the ones the
rules (and their experience) flag. A model trained on the inspected learns "what is
non-compliant among the kind of declarations that get inspected". So:

- the features include the rule parts themselves, letting the model learn how much each
  part is worth and how parts interact, rather than rediscover them from few labels;
- training samples are weighted by the inverse of their estimated inspection propensity
  (a classifier of inspected vs not on the same features, clipped), so the rare inspected
  declarations that look like the uninspected bulk count more;
- evaluation is a **time split**: train on outcomes decided before a cut date, test on those
  decided after it, as the model would be used.

**precision@5% / precision@10%** (the headline numbers) are measured on the inspected
declarations of the test period: rank them by score, take the top ``ceil(5% * n_test)``
(resp. 10%) and report the share that were non-compliant or seized. The same is reported for
the rule score alone, with the average precision over the whole test ranking. The learned
probability blends into ``risk_score`` (weight ``cfg.learn_weight``) only when it beats the
rules on the mean of those three (the top 5% alone may be a few dozen declarations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from intel.analytics.features import ADVERSE_RESULT, number, text, timestamp
from intel.analytics.metrics import average_precision, precision_at_fraction
from intel.analytics.projection import Projection
from intel.config import Settings

__all__ = ["build_features", "labels", "train", "predict", "evaluate_time_split", "run", "LearnResult",
           "save_model", "load_model", "MODEL_NAME"]

MODEL_NAME = "risk_lgbm"
CATEGORICAL = ["hs_chapter", "procedure", "transport_mode", "reporting_country", "origin_country", "flow"]
_DECIDED = {"compliant", *ADVERSE_RESULT}
#: consignee feature columns that restate an outcome (status seized/abandoned) are left out
_LEAKY = ("seized", "abandon", "inspect", "outcome", "status")
PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
    "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "lambda_l2": 1.0,
    "verbose": -1, "seed": 7, "deterministic": True, "num_threads": 1,
}
ROUNDS = 200


@dataclass
class LearnResult:
    """What learning did: ``status`` is ``trained``, ``skipped`` or ``failed``."""

    status: str
    reason: str
    metrics: dict = field(default_factory=dict)
    beats_rules: bool = False
    probability: pd.Series | None = None
    model_path: Path | None = None

    def summary(self) -> dict:
        return {"status": self.status, "reason": self.reason, "beats_rules": self.beats_rules,
                "model_path": str(self.model_path) if self.model_path else None, **self.metrics}


def _isin(values, among) -> np.ndarray:  # noqa: ANN001 - Series / Index / arrays of text
    """Membership as object arrays (pandas' Arrow-backed text is very slow against a large set)."""
    return pd.Index(np.asarray(values, dtype=object)).isin(np.asarray(among, dtype=object))


def labels(proj: Projection) -> pd.DataFrame:
    """``decl_key, label (1 non_compliant/seized, 0 compliant), decided_at`` per decided
    declaration: ``proj.outcomes`` first (latest decision per declaration), else the
    declaration's own ``inspection_result`` (decided at its declaration date)."""
    o = proj.outcomes
    out = pd.DataFrame({
        "decl_key": text(o["decl_key"]) if "decl_key" in o else pd.Series(dtype=object),
        "result": text(o["result"], lower=True) if "result" in o else pd.Series(dtype=object),
        "decided_at": timestamp(o["decided_at"]) if "decided_at" in o else pd.Series(dtype="datetime64[ns]"),
    })
    out = out[out["result"].isin(_DECIDED)]
    d = proj.decl
    if not len(d) or "decl_key" not in d:
        return pd.DataFrame(columns=["decl_key", "label", "decided_at"])
    when = pd.Series(timestamp(d["declared_at"]).to_numpy() if "declared_at" in d else pd.NaT,
                     index=text(d["decl_key"]).to_numpy(dtype=object))
    when = when[~when.index.duplicated()]
    if "inspection_result" in d:
        result = text(d["inspection_result"], lower=True)
        decided = result.isin(_DECIDED).to_numpy()
        own = pd.DataFrame({"decl_key": text(d["decl_key"])[decided].to_numpy(dtype=object),
                            "result": result[decided].to_numpy(dtype=object)})
        own = own[~_isin(own["decl_key"], out["decl_key"])]
        out = pd.concat([out, own.assign(decided_at=pd.NaT)], ignore_index=True)
    declared = out["decl_key"].map(when)
    out = out[declared.notna().to_numpy() | _isin(out["decl_key"], when.index)].copy()
    out["decided_at"] = out["decided_at"].fillna(declared[out.index])
    out["label"] = out["result"].isin(ADVERSE_RESULT).astype(int)
    out = out.sort_values(["decl_key", "decided_at", "label"]).drop_duplicates("decl_key", keep="last")
    return out[["decl_key", "label", "decided_at"]].reset_index(drop=True)


def build_features(proj: Projection, risk: pd.DataFrame, parts: dict | None = None) -> pd.DataFrame:
    """Numeric and categorical features per declaration (index ``decl_key``): the rule parts
    (``p_*``), the route signals, the consignee's features, and the declaration's own fields."""
    parts = parts or {}
    d = proj.decl.reset_index(drop=True)
    key = text(d["decl_key"])
    f = pd.DataFrame(index=pd.Index(key, name="decl_key"))
    r = risk.drop_duplicates("decl_key").set_index("decl_key")
    for c in [c for c in r.columns if c.startswith("p_")] + ["rule_score"]:
        f[c] = r[c].reindex(f.index).astype(float).to_numpy()
    routes = parts.get("routes")
    if isinstance(routes, pd.DataFrame) and "decl_key" in routes:
        rr = routes.drop_duplicates("decl_key").set_index("decl_key")
        for c in ("laundering", "circuity", "rare", "concentration", "circuity_ratio"):
            if c in rr:
                f[f"route_{c}"] = pd.to_numeric(rr[c], errors="coerce").reindex(f.index).to_numpy()
    cons = parts.get("consignees")
    if isinstance(cons, pd.DataFrame) and "party_id" in cons and "consignee" in d:
        cc = cons.drop_duplicates("party_id").set_index("party_id")
        numeric = [c for c in cc.columns if c != "score" and pd.api.types.is_numeric_dtype(cc[c])
                   and not any(word in c for word in _LEAKY)]
        mapped = cc[numeric].reindex(text(d["consignee"]).to_numpy())
        for c in numeric:
            f[f"consignee_{c}"] = mapped[c].astype(float).to_numpy()
    value = number(d["value_usd"]) if "value_usd" in d else pd.Series(np.nan, index=d.index)
    if "customs_value" in d:
        value = value.fillna(number(d["customs_value"]))
    mass = number(d["gross_mass_kg"]) if "gross_mass_kg" in d else pd.Series(np.nan, index=d.index)
    f["log_value_usd"] = np.log1p(value.clip(lower=0)).to_numpy()
    f["log_mass_kg"] = np.log1p(mass.clip(lower=0)).to_numpy()
    f["log_value_per_kg"] = (np.log1p(value.clip(lower=0)) - np.log1p(mass.clip(lower=0))).to_numpy()
    transit = text(d["transit_ports"]) if "transit_ports" in d else pd.Series("", index=d.index)
    f["n_transit"] = transit.map(lambda s: len([x for x in s.split(";") if x.strip()])).to_numpy()
    for c in CATEGORICAL:
        col = d[c] if c in d else pd.Series("", index=d.index)
        values = text(col, lower=c in {"procedure", "transport_mode", "flow"})
        if c == "hs_chapter" and "hs_code" in d:
            values = values.where(values.ne(""), text(d["hs_code"]).str[:2])
        f[c] = pd.Categorical(values.to_numpy())
    return f[~f.index.duplicated()]


def _weights(features: pd.DataFrame, inspected: pd.Series, max_rows: int = 200_000) -> np.ndarray:
    """Inverse inspection propensity for the inspected rows, clipped to [1, 20] and scaled to
    mean 1. The uninspected are subsampled to ``max_rows`` for speed; the propensity's odds
    are scaled back by the sampling rate."""
    import lightgbm as lgb

    y = inspected.astype(int).to_numpy()
    if y.min() == y.max():
        return np.ones(int(y.sum()))
    rest = np.flatnonzero(y == 0)
    rate = 1.0
    if len(rest) > max_rows:
        rate = max_rows / len(rest)
        rest = np.random.default_rng(7).choice(rest, max_rows, replace=False)
    rows = np.sort(np.r_[np.flatnonzero(y == 1), rest])
    model = lgb.train({**PARAMS, "num_leaves": 7, "min_data_in_leaf": 50}, lgb.Dataset(features.iloc[rows], y[rows]), 60)
    p = np.clip(model.predict(features[y == 1]), 1e-6, 1 - 1e-6)
    odds = p / (1 - p) * rate
    w = 1.0 / np.clip(odds / (1 + odds), 0.05, 1.0)
    return w / w.mean()


def train(proj: Projection | None, features: pd.DataFrame, cfg: Settings, labelled: pd.DataFrame | None = None,
          weights: np.ndarray | None = None):  # noqa: ANN201 - lightgbm.Booster
    """A LightGBM binary model on the labelled declarations (labels from ``proj`` when not given)."""
    import lightgbm as lgb

    labelled = labels(proj) if labelled is None else labelled
    x = features.reindex(labelled["decl_key"])
    data = lgb.Dataset(x, labelled["label"].to_numpy(), weight=weights, free_raw_data=False)
    return lgb.train(PARAMS, data, ROUNDS)


def predict(model, features: pd.DataFrame) -> pd.Series:  # noqa: ANN001 - lightgbm.Booster
    """Probability of non-compliance per declaration (index ``decl_key``)."""
    if not len(features):
        return pd.Series(dtype=float)
    x = features[model.feature_name()] if set(model.feature_name()) <= set(features.columns) else features
    return pd.Series(model.predict(x), index=features.index, dtype=float)


def evaluate_time_split(features: pd.DataFrame, labelled: pd.DataFrame, rule_score: pd.Series, cfg: Settings,
                        weighted: bool = True) -> tuple[dict, object]:
    """Train on the outcomes decided before the cut, test on those decided from it on.

    The cut is the ``1 - cfg.learn_test_share`` quantile of the decision dates; every training
    decision is strictly earlier than every test decision. Returns ``(metrics, model)``.
    """
    ordered = labelled.sort_values("decided_at", kind="stable")
    cut = ordered["decided_at"].quantile(1 - float(cfg.learn_test_share), interpolation="higher")
    train_set, test_set = ordered[ordered["decided_at"] < cut], ordered[ordered["decided_at"] >= cut]
    metrics = {"n_labelled": len(ordered), "n_train": len(train_set), "n_test": len(test_set),
               "cut": str(cut), "train_positive_rate": float(train_set["label"].mean()) if len(train_set) else None,
               "test_positive_rate": float(test_set["label"].mean()) if len(test_set) else None}
    if train_set["label"].nunique() < 2 or test_set["label"].nunique() < 2:
        return {**metrics, "error": "the training or test period holds only one kind of outcome"}, None
    w = None
    if weighted:
        # inspection propensity from the declarations minus the test period's outcomes
        pool = features[~_isin(features.index, test_set["decl_key"])]
        inspected = pd.Series(_isin(pool.index, train_set["decl_key"]), index=pool.index)
        w_all = pd.Series(_weights(pool, inspected), index=pool.index[inspected.to_numpy()])
        w = w_all.reindex(train_set["decl_key"]).fillna(1.0).to_numpy()
    model = train(None, features, cfg, labelled=train_set, weights=w)
    y = test_set["label"].to_numpy()
    learned = predict(model, features.reindex(test_set["decl_key"])).to_numpy()
    rules = rule_score.reindex(test_set["decl_key"]).fillna(0).to_numpy()
    for name, s in (("model", learned), ("rules", rules)):
        metrics[f"{name}_precision_at_5"] = precision_at_fraction(y, s, 0.05)
        metrics[f"{name}_precision_at_10"] = precision_at_fraction(y, s, 0.10)
        metrics[f"{name}_average_precision"] = average_precision(y, s)
    metrics["precision_at_5"] = metrics["model_precision_at_5"]
    metrics["precision_at_10"] = metrics["model_precision_at_10"]
    return metrics, model


def _beats(metrics: dict) -> bool:
    """The model beats the rules when the mean of its precision@5%, precision@10% and average
    precision on the later inspections is higher: the top 5% alone is a few dozen declarations
    in a small test period, too few to decide on."""
    keys = ("precision_at_5", "precision_at_10", "average_precision")
    model = [metrics.get(f"model_{k}") for k in keys]
    rules = [metrics.get(f"rules_{k}") for k in keys]
    if any(v is None or np.isnan(v) for v in (*model, *rules)):
        return False
    return float(np.mean(model)) > float(np.mean(rules))


def save_model(model, directory: Path, features: pd.DataFrame, metrics: dict) -> Path:  # noqa: ANN001
    """Write the model (LightGBM text format) and its feature description beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{MODEL_NAME}.txt"
    model.save_model(str(path))
    cats = {c: list(map(str, features[c].cat.categories)) for c in features.columns
            if isinstance(features[c].dtype, pd.CategoricalDtype)}
    meta = {"features": list(features.columns), "categories": cats, "metrics": metrics}
    (directory / f"{MODEL_NAME}.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return path


def load_model(directory: Path):  # noqa: ANN201
    """The saved model and its feature description, or ``(None, None)``."""
    import lightgbm as lgb

    path = directory / f"{MODEL_NAME}.txt"
    if not path.is_file():
        return None, None
    meta_path = directory / f"{MODEL_NAME}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return lgb.Booster(model_file=str(path)), meta


def run(proj: Projection, cfg: Settings, risk: pd.DataFrame, parts: dict | None = None,
        model_dir: Path | None = None, always_predict: bool = False) -> LearnResult:
    """Evaluate on the time split, then (if enough outcomes) train on all of them and save the
    model; the probability for every declaration is returned when the model beats the rules
    (or ``always_predict``)."""
    labelled = labels(proj)
    n = len(labelled)
    if n < int(cfg.learn_min_outcomes):
        return LearnResult("skipped", f"only {n} labelled outcomes; learning needs {cfg.learn_min_outcomes} (learn_min_outcomes)")
    if labelled["label"].nunique() < 2:
        return LearnResult("skipped", f"all {n} outcomes are of one kind; nothing to learn")
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        return LearnResult("skipped", "lightgbm is not installed (pip install lightgbm)")
    features = build_features(proj, risk, parts)
    rule = risk.drop_duplicates("decl_key").set_index("decl_key")["rule_score"]
    metrics, split_model = evaluate_time_split(features, labelled, rule, cfg)
    if split_model is None:
        return LearnResult("skipped", metrics.get("error", "time split failed"), metrics)
    beats = _beats(metrics)
    inspected = pd.Series(_isin(features.index, labelled["decl_key"]), index=features.index)
    weights = pd.Series(_weights(features, inspected), index=features.index[inspected.to_numpy()])
    model = train(None, features, cfg, labelled=labelled, weights=weights.reindex(labelled["decl_key"]).to_numpy())
    probability = predict(model, features) if (beats or always_predict) else None
    path = save_model(model, model_dir, features, metrics) if model_dir is not None else None
    scores = (f"precision@5% {metrics['model_precision_at_5']:.3f} vs {metrics['rules_precision_at_5']:.3f}, "
              f"precision@10% {metrics['model_precision_at_10']:.3f} vs {metrics['rules_precision_at_10']:.3f}, "
              f"average precision {metrics['model_average_precision']:.3f} vs {metrics['rules_average_precision']:.3f} "
              f"on {metrics['n_test']} later inspections")
    verdict = (f"learned model beats the rules ({scores}): blended with weight {cfg.learn_weight}" if beats
               else f"learned model does not beat the rules ({scores}): rules kept")
    return LearnResult("trained", verdict, metrics, beats, probability, path)
