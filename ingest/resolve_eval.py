"""Measuring the resolver against a synthetic world's ground truth.

``sample_data.generate_world`` writes ``ground_truth/mentions.csv`` (every distinct way a
party was written on declarations, per reporting country, with its ``true_party_id``),
``parties.csv`` (the trader registry) and ``ground_truth/parties.csv`` (which registry id
belongs to which true party). ``world_mentions`` turns those into the normalised ``mentions``
frame the resolver takes, and ``pairwise_scores`` compares a resolution with the truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["normalise_mentions", "pairwise_scores", "world_mentions"]

RAW = ["scope", "raw_id", "raw_name", "raw_address", "raw_country", "raw_phone", "raw_email"]


def normalise_mentions(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw mention columns -> the normalised ``mentions`` frame, with ``ingest.normalize``'s
    value normalisers (the same functions the ingest pipeline applies)."""
    from ingest import normalize as nz
    from ingest.validate import COUNTRIES

    out = frame.copy()
    for c in [*RAW, "tax_id", "registered_at", "aeo_tier", "role_hint"]:
        out[c] = out[c].fillna("").astype(str) if c in out.columns else ""
    out["mention_key"] = [nz.mention_key(*row) for row in out[RAW].itertuples(index=False)]
    country = out["raw_country"].where(out["raw_country"].isin(COUNTRIES), "")
    region = country.where(country != "", out["scope"].where(out["scope"].isin(COUNTRIES), ""))
    unique = lambda col, fn: col.map({v: fn(v) for v in col.unique()})
    out["name_fp"] = unique(out["raw_name"], nz.name_fingerprint)
    out["name_norm"] = unique(out["raw_name"], nz.normalize_name)
    out["phone"] = nz.normalize_phones(out["raw_phone"], region).astype(str)
    out["email"] = unique(out["raw_email"], nz.normalize_email)
    out["address_norm"] = unique(out["raw_address"], nz.normalize_address)
    out["tax_id"] = unique(out["tax_id"], nz.normalize_tax_id)
    out["country"] = country
    return out


def world_mentions(world: str | Path) -> tuple[pd.DataFrame, pd.Series]:
    """The world's mentions (declarations + registry), normalised, and ``mention_key -> true_party_id``."""
    world = Path(world)
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)
    decl = read(world / "ground_truth" / "mentions.csv")
    decl["scope"] = decl["reporting_country"]
    registry = read(world / "parties.csv")
    truth_parties = read(world / "ground_truth" / "parties.csv")
    owner = truth_parties[truth_parties["registry_party_id"] != ""]
    owner = owner.set_index("registry_party_id")["true_party_id"]
    reg = pd.DataFrame({
        "scope": "registry", "raw_id": registry["party_id"], "raw_name": registry["name"],
        "raw_address": registry["address"], "raw_country": registry["country"],
        "raw_phone": registry["phone"], "raw_email": registry["email"],
        "tax_id": registry["tax_id"], "registered_at": registry["registered_at"],
        "aeo_tier": registry["aeo_tier"], "reporting_country": registry["country"],
        "true_party_id": registry["party_id"].map(owner).fillna(""),
    })
    both = normalise_mentions(pd.concat([decl, reg], ignore_index=True))
    both = both.drop_duplicates("mention_key")
    truth = both.set_index("mention_key")["true_party_id"]
    return both.drop(columns=["true_party_id", "reporting_country"]), truth


def _pairs(sizes: pd.Series) -> int:
    n = sizes.to_numpy(np.int64)
    return int((n * (n - 1) // 2).sum())


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision and recall of ``mention_key -> party`` against the truth."""
    both = pd.DataFrame({"pred": predicted, "true": truth}).dropna()
    tp = _pairs(both.groupby(["pred", "true"]).size())
    pred_pairs = _pairs(both.groupby("pred").size())
    true_pairs = _pairs(both.groupby("true").size())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    return {"precision": precision, "recall": recall, "mentions": len(both),
            "true_parties": int(both["true"].nunique()), "parties": int(both["pred"].nunique())}
