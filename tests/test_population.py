"""Population statistics (intel.analytics.population): written by a full analyze, read and
grown by pre-arrival scoring, never trusted when stale or broken."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ingest.pipeline import ingest_files
from intel.analytics import population
from intel.analytics.incremental import score_batch
from intel.analytics.run import analyze
from intel.config import Settings
from intel.store import open_store
from sample_data import generate_world


def _split(src: Path, out: Path, parts: int) -> list[Path]:
    """The declarations file cut into ``parts`` files of whole declarations."""
    with open(src, newline="", encoding="latin-1") as fh:
        header, *rows = list(csv.reader(fh))
    ids = sorted({r[0] for r in rows if r})
    share = {i: n * parts // len(ids) for n, i in enumerate(ids)}
    paths = []
    for k in range(parts):
        path = out / f"part{k}.csv"
        with open(path, "w", newline="", encoding="latin-1") as fh:
            csv.writer(fh).writerows([header, *[r for r in rows if r and share[r[0]] == k]])
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("population")
    generate_world(tmp / "world", declarations=2000, seed=47)
    parts = _split(tmp / "world" / "declarations.csv", tmp, 4)
    uri = f"embedded:{tmp / 'store'}"
    with open_store(uri) as st:
        ingest_files(st, "parties", [tmp / "world" / "parties.csv"])
        ingest_files(st, "declarations", [parts[0], parts[1]])
        analyze(st, Settings())
    return {"uri": uri, "parts": parts, "state": tmp / "store" / "state"}


def test_analyze_keeps_the_statistics_of_every_declaration(world: dict) -> None:
    stats = population.load(world["state"])
    assert stats is not None
    with open_store(world["uri"], read_only=True) as st:
        stored = st.counts()["Declaration"]
    assert stats.declarations == stored == int(stats.route_combinations["n"].sum())
    assert len(stats.valuation_norms) and set(stats.valuation_norms["level"]) <= {"hs6+origin", "hs6", "hs4"}
    red, yellow = stats.cutoffs
    assert 0 < yellow <= red <= 1


def test_a_scored_batch_is_folded_in_once(world: dict) -> None:
    before = population.load(world["state"]).declarations
    with open_store(world["uri"]) as st:
        first = score_batch(st, [world["parts"][2]])
        grown = population.load(world["state"])
        again = score_batch(st, [world["parts"][2]])  # the same batch: nothing new to count
    assert first.attrs["ingest"]["new"] == len(first) > 0
    assert grown.declarations == before + len(first) == int(grown.route_combinations["n"].sum())
    assert population.load(world["state"]).declarations == grown.declarations
    assert (again.set_index("decl_key")["risk_score"].sort_index()
            == first.set_index("decl_key")["risk_score"].sort_index()).all()


def test_declarations_loaded_without_scoring_are_named_in_the_notes(world: dict) -> None:
    with open_store(world["uri"]) as st:
        loaded = ingest_files(st, "declarations", [world["parts"][3]])
        rescored = score_batch(st, [world["parts"][2]])
    assert loaded["new"] > 0
    assert any(f"{loaded['new']:,} stored declarations were loaded since the last analyze" in n
               for n in rescored.attrs["notes"])


def test_broken_or_foreign_statistics_are_not_used(world: dict, tmp_path: Path) -> None:
    manifest = world["state"] / "population" / "population.json"
    saved = manifest.read_text(encoding="utf-8")
    try:
        manifest.write_text(json.dumps({**json.loads(saved), "version": 999}), encoding="utf-8")
        assert population.load(world["state"]) is None
        manifest.write_text("{not json", encoding="utf-8")
        assert population.load(world["state"]) is None
        with open_store(world["uri"]) as st:
            result = score_batch(st, [world["parts"][2]])
        assert len(result) and any("no population statistics" in n for n in result.attrs["notes"])
    finally:
        manifest.write_text(saved, encoding="utf-8")
    assert population.load(world["state"]) is not None
