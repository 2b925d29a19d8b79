"""The command line end to end on real files and a real embedded store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from intel.cli import app
from intel.demo import sample_world_dir
from intel.store import open_store

runner = CliRunner()
WORLD = sample_world_dir()
#: the committed sample world's declaration rows that load, and those it plants malformed
BAD_ROWS = len(pd.read_csv(WORLD / "ground_truth" / "malformed.csv"))
GOOD_ROWS = json.loads((WORLD / "ground_truth" / "summary.json").read_text())["declarations"] - BAD_ROWS


def intel(*args: str):  # noqa: ANN201
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture()
def store(tmp_path: Path) -> str:
    return f"embedded:{tmp_path / 'store'}"


def _counts(uri: str) -> dict[str, int]:
    with open_store(uri, read_only=True) as st:
        return st.counts()


def test_ingest_loads_good_rows_quarantines_every_bad_one_and_a_second_run_adds_nothing(store: str, tmp_path: Path) -> None:
    first = intel("ingest", "declarations", str(WORLD / "declarations.csv"), "--store", store)
    assert first.exit_code == 0, first.output
    truth = pd.read_csv(WORLD / "ground_truth" / "malformed.csv")
    quarantine = pd.read_csv(tmp_path / "store" / "quarantine" / "declarations.csv")
    assert sorted(quarantine["line"]) == sorted(truth["line"])
    assert quarantine["reason"].str.len().gt(0).all()
    assert {"source_file", "line", "reason", "raw"} <= set(quarantine.columns)
    assert f"({GOOD_ROWS} new)" in " ".join(first.output.split())
    counts = _counts(store)

    second = intel("ingest", "declarations", str(WORLD / "declarations.csv"), "--store", store)
    assert second.exit_code == 0, second.output
    assert "(0 new)" in " ".join(second.output.split())
    assert _counts(store) == {**counts, "Load": counts["Load"] + 1}
    again = pd.read_csv(tmp_path / "store" / "quarantine" / "declarations.csv")
    assert len(again) == len(quarantine)


def test_an_unreadable_file_fails_in_one_line_and_changes_nothing(store: str, tmp_path: Path) -> None:
    assert intel("ingest", "tips", str(WORLD / "tips.csv"), "--store", store).exit_code == 0
    before = _counts(store)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 this is not parquet at all \x00\x01\x02")
    good = tmp_path / "good.csv"
    shutil.copy(WORLD / "declarations.csv", good)
    result = intel("ingest", "declarations", str(good), str(junk), "--store", store)
    assert result.exit_code != 0
    message = result.output.strip()
    assert message.startswith("error:") and "junk.parquet" in message
    assert len(message.splitlines()) <= 2  # one line (rich may wrap a long one)
    assert _counts(store) == before


def test_a_missing_file_is_a_one_line_error(store: str) -> None:
    result = intel("ingest", "declarations", "/nonexistent/decl.csv", "--store", store)
    assert result.exit_code != 0
    assert "no such file" in result.output


def test_another_layout_loads_through_a_mapping_file(store: str, tmp_path: Path) -> None:
    src = pd.read_csv(WORLD / "declarations.csv", nrows=200, dtype=str, encoding="latin-1")
    src = src.rename(columns={"consignee_id": "Importer ID", "customs_value": "Item Price", "transport_mode": "Mode"})
    src["Mode"] = src["Mode"].map({"sea": "10", "air": "40"}).fillna("90")
    src = src.drop(columns=["reporting_country"])
    path = tmp_path / "korea.csv"
    src.to_csv(path, index=False)
    mapping = tmp_path / "korea.yaml"
    mapping.write_text(
        "kind: declarations\n"
        "columns:\n  Importer ID: consignee_id\n  Item Price: customs_value\n  Mode: transport_mode\n"
        "constants:\n  reporting_country: KR\n"
        "codes:\n  transport_mode: {10: sea, 40: air, 90: \"\"}\n",
        encoding="utf-8",
    )
    result = intel("ingest", "declarations", str(path), "--mapping", str(mapping), "--store", store)
    assert result.exit_code == 0, result.output
    with open_store(store, read_only=True) as st:
        decl = st.nodes("Declaration", ["decl_key", "reporting_country", "transport_mode"])
    assert len(decl) > 150
    assert set(decl["reporting_country"]) == {"KR"}
    assert set(decl["transport_mode"].dropna()) <= {"sea", "air"}


def test_a_mapping_for_another_kind_is_refused(store: str, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: tips\ncolumns: {}\n", encoding="utf-8")
    result = intel("ingest", "declarations", str(WORLD / "declarations.csv"), "--mapping", str(mapping), "--store", store)
    assert result.exit_code != 0
    assert "tips" in result.output


def test_status_reports_counts_loads_and_quarantine(store: str) -> None:
    intel("ingest", "declarations", str(WORLD / "declarations.csv"), "--store", store)
    result = intel("status", "--store", store)
    assert result.exit_code == 0, result.output
    assert "Declaration" in result.output and f"{GOOD_ROWS:,}" in result.output
    assert f"quarantine: {BAD_ROWS} rows" in result.output


def test_an_unknown_kind_is_refused(store: str) -> None:
    result = intel("ingest", "shipments", "x.csv", "--store", store)
    assert result.exit_code != 0
    assert "unknown kind" in result.output


def test_analyze_writes_the_four_contract_files_with_reasons(store: str, tmp_path: Path) -> None:
    for kind in ("parties", "declarations", "tips", "outcomes"):
        assert intel("ingest", kind, str(WORLD / f"{kind}.csv"), "--store", store).exit_code == 0
    out = tmp_path / "out"
    result = intel("analyze", "--out", str(out), "--store", store)
    assert result.exit_code == 0, result.output
    decl = pd.read_csv(out / "declaration_risk.csv")
    assert len(decl) == GOOD_ROWS
    assert decl["risk_score"].between(0, 1).all()
    assert set(decl["lane"]) <= {"green", "yellow", "red"}
    flagged = decl[decl["risk_score"] > 0.3]
    assert len(flagged) and flagged["reasons"].fillna("").str.len().gt(0).all()
    consignees = pd.read_csv(out / "consignee_findings.csv")
    assert {"party_id", "display_name", "aliases", "declaration_count", "score", "reasons", "community_id"} <= set(consignees.columns)
    routes = pd.read_csv(out / "route_findings.csv")
    assert {"route_id", "route", "declaration_count", "score", "reasons"} <= set(routes.columns)
    communities = pd.read_csv(out / "communities.csv")
    assert {"community_id", "size", "score", "reasons", "members"} <= set(communities.columns)

    again = tmp_path / "again"
    assert intel("analyze", "--out", str(again), "--store", store).exit_code == 0
    second = pd.read_csv(again / "consignee_findings.csv")
    assert sorted(second["party_id"]) == sorted(consignees["party_id"])  # stable party ids

    evaluation = intel("evaluate", str(WORLD / "ground_truth"), "--findings", str(out))
    assert evaluation.exit_code == 0, evaluation.output
    assert "shell consignees" in evaluation.output


def _new_batch(folder: Path, declarations: int, seed: int) -> Path:
    """A generated world's declarations with ids of their own (the generator numbers every
    world from 1): new declarations, not amendments of the stored ones."""
    import csv

    from sample_data import generate_world

    generate_world(folder, declarations=declarations, seed=seed)
    with open(folder / "declarations.csv", newline="", encoding="latin-1") as fh:
        header, *rows = list(csv.reader(fh))
    for row in rows:
        if row and row[0]:
            row[0] = "B" + row[0]
    path = folder / "batch.csv"
    with open(path, "w", newline="", encoding="latin-1") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def test_score_gives_a_batch_lanes_and_reasons_in_the_contract_layout(store: str, tmp_path: Path) -> None:
    for kind in ("parties", "declarations", "tips", "outcomes"):
        assert intel("ingest", kind, str(WORLD / f"{kind}.csv"), "--store", store).exit_code == 0
    assert intel("analyze", "--store", store).exit_code == 0
    batch = _new_batch(tmp_path / "batch", 400, seed=8)
    scores = tmp_path / "scores.csv"
    result = intel("score", str(batch), "--out", str(scores), "--store", store)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(scores)
    assert list(frame.columns[:9]) == ["declaration_id", "reporting_country", "risk_score", "lane", "reasons",
                                       "consignee_party_id", "route_id", "item_no", "decl_key"]
    assert frame["declaration_id"].str.startswith("B").all() and frame["lane"].isin({"green", "yellow", "red"}).all()
    flagged = frame[frame["risk_score"] > 0.3]
    assert len(flagged) and flagged["reasons"].fillna("").str.len().gt(0).all()
    assert not frame["reasons"].fillna("").str.startswith("[").any()  # joined text, not a Python list
    assert f"scored {len(frame)} in" in " ".join(result.output.split())
    assert "lanes cut at the last full analyze" in " ".join(result.output.split())
