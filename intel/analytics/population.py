"""Population statistics: what pre-arrival scoring needs to know about every declaration.

Some analytics judge a declaration against the whole population: its unit value against the
price norm of its peers (``valuation``), its routing against how its lane usually travels and
how often its origin loads where it did (``routes``), its party's record against the overall
rate of adverse inspections (``risk``). Re-reading a million declarations to score ten
thousand new ones would take longer than the scoring, so ``intel analyze`` keeps the
statistics these judgements are made from, in ``STATE/population/``:

- ``valuation_norms.parquet``: the price norm (median and MAD of the log unit value) of every
  peer group that is a market (:func:`intel.analytics.valuation.norms`);
- ``route_combinations.parquet``: the routing combinations with their declaration counts and
  summed suspicion (:func:`intel.analytics.routes.combinations`) — they add up, so a scored
  batch is folded in and the next batch is judged against it too;
- ``population.json``: the number of declarations counted, decided inspections (adverse and
  not), the lane cut-offs and whether a learned model was blended in, and when.

Route combinations grow with each scored batch; price norms and the rest stay those of the
last analyze until the next one (a norm over a million declarations hardly moves with ten
thousand more).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from intel.analytics.routes import COMBINATION_COLUMNS

__all__ = ["Population", "clear", "fold", "from_analysis", "load", "save"]

DIR = "population"
_FILES = {"valuation_norms": "valuation_norms.parquet", "route_combinations": "route_combinations.parquet"}
_MANIFEST = "population.json"
VERSION = 1


@dataclass
class Population:
    """The statistics, and the manifest that says what they count."""

    valuation_norms: pd.DataFrame
    route_combinations: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def declarations(self) -> int:
        return int(self.manifest.get("declarations", 0))

    @property
    def cutoffs(self) -> tuple[float, float] | None:
        cuts = self.manifest.get("lane_cutoffs")
        return (float(cuts[0]), float(cuts[1])) if cuts else None


def _dir(state_dir: Path | str) -> Path:
    return Path(state_dir) / DIR


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _atomic_json(data: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def save(state_dir: Path | str, population: Population) -> Path:
    """Write the statistics (each file atomically, the manifest last: a reader that finds
    the manifest's ``version`` finds the files it describes)."""
    folder = _dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / _MANIFEST
    if manifest_path.exists():  # a half-written set must never pass for a complete one
        manifest_path.unlink()
    for name, file_name in _FILES.items():
        _atomic_parquet(getattr(population, name), folder / file_name)
    _atomic_json({**population.manifest, "version": VERSION}, manifest_path)
    return folder


def load(state_dir: Path | str) -> Population | None:
    """The saved statistics, or ``None`` when there are none (no analyze yet), they are from
    another version, or a file is unreadable."""
    folder = _dir(state_dir)
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("version") != VERSION:
            return None
        frames = {name: pd.read_parquet(folder / file_name) for name, file_name in _FILES.items()}
    except (OSError, ValueError):
        return None
    if not set(COMBINATION_COLUMNS) <= set(frames["route_combinations"].columns):
        return None
    return Population(manifest=manifest, **frames)


def fold(state_dir: Path | str, population: Population, combinations: pd.DataFrame, added: int) -> None:
    """Count ``added`` newly scored declarations (their routing ``combinations``, the
    population's already included) into the saved statistics."""
    if added <= 0:
        return
    population.route_combinations = combinations[COMBINATION_COLUMNS].reset_index(drop=True)
    population.manifest["declarations"] = population.declarations + int(added)
    population.manifest["folded"] = int(population.manifest.get("folded", 0)) + int(added)
    save(state_dir, population)


def from_analysis(proj, frames: dict[str, pd.DataFrame]) -> Population | None:  # noqa: ANN001 - a Projection
    """The statistics of a full analyze (its projection and findings); ``None`` when an
    analytic they come from failed."""
    from intel.analytics.incremental import cutoffs
    from intel.analytics.risk import decided_outcomes

    norms, combos = frames.get("valuation_norms"), frames.get("route_combinations")
    if norms is None or combos is None:
        return None
    decided = decided_outcomes(proj)
    d = frames["declarations"]
    cuts = cutoffs(d[["risk_score", "lane"]]) if {"risk_score", "lane"} <= set(d.columns) else None
    learned = "learned_probability" in d and bool(d["learned_probability"].notna().any())
    manifest = {
        "declarations": int(len(proj.decl)),
        "decided_adverse": int(decided["adverse"].sum()),
        "decided_other": int((~decided["adverse"]).sum()),
        "lane_cutoffs": list(cuts) if cuts is not None else None,
        "learned_blended": learned,
        "analysed_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "folded": 0,
    }
    return Population(valuation_norms=norms.reset_index(drop=True), route_combinations=combos.reset_index(drop=True),
                      manifest=manifest)


def clear(state_dir: Path | str) -> None:
    """Forget the statistics (an analyze that could not renew them must not leave stale ones
    passing for current)."""
    path = _dir(state_dir) / _MANIFEST
    if path.exists():
        path.unlink()
