"""An amended declaration (same key, new values) is updated in place: its properties and the
relationships its values imply follow the amendment, and what hangs off it — the inspection
outcome fed back, tip flags, scores — stays attached."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ingest.pipeline import ingest_files
from intel.demo import sample_world_dir
from intel.store import open_store

WORLD = sample_world_dir()


def _one_row(rows_path: Path, declaration_id: str, out: Path, **changes: str) -> dict:
    with open(rows_path, newline="", encoding="latin-1") as fh:
        reader = csv.DictReader(fh)
        row = next(r for r in reader if r["declaration_id"] == declaration_id and r["item_no"] == "1")
        fields = reader.fieldnames
    row = {**row, **changes}
    with open(out, "w", newline="", encoding="latin-1") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerow(row)
    return row


def _edges(st, rel: str, key: str) -> list:
    got = st.rels(rel)
    got = got[got["src"] == key]
    cols = ["dst", "seq"] if "seq" in got else ["dst"]
    return sorted(got[cols].itertuples(index=False, name=None))


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("amend")
    uri = f"embedded:{tmp / 'store'}"
    with open_store(uri) as st:
        for kind in ("parties", "declarations", "outcomes"):
            ingest_files(st, kind, [WORLD / f"{kind}.csv"])
        outcome = st.query("MATCH (o:Outcome)-[:OUTCOME_OF]->(d:Declaration) WHERE d.transit_ports <> '' "
                           "AND d.item_no = 1 RETURN d.decl_key AS k, d.declaration_id AS id, o.outcome_key AS o "
                           "ORDER BY k LIMIT 1")
        key, decl_id = outcome["k"][0], outcome["id"][0]
        st.set_properties("Declaration", pd.DataFrame({"decl_key": [key], "risk_score": [0.9], "lane": ["red"]}))
        counts = st.counts()
        before = {rel: _edges(st, rel, key) for rel in ("LOADED_AT", "TRANSITED", "CONSIGNEE", "OUTCOME_OF")}
        row = _one_row(WORLD / "declarations.csv", decl_id, tmp / "amend.csv", customs_value="12.5",
                       port_of_loading="VNSGN", transit_ports="SGSIN;MYPKG")
        first = ingest_files(st, "declarations", [tmp / "amend.csv"])
        after = {rel: _edges(st, rel, key) for rel in ("LOADED_AT", "TRANSITED", "CONSIGNEE")}
        node = st.query("MATCH (d:Declaration {decl_key: $k}) RETURN d.customs_value AS v, d.port_of_loading AS pol, "
                        "d.risk_score AS s", {"k": key})
        outcome_after = st.query("MATCH (o:Outcome)-[:OUTCOME_OF]->(d:Declaration {decl_key: $k}) RETURN o.outcome_key AS o",
                                 {"k": key})
        second = ingest_files(st, "declarations", [tmp / "amend.csv"])
        again = {rel: _edges(st, rel, key) for rel in ("LOADED_AT", "TRANSITED", "CONSIGNEE")}
        counts_after = st.counts()
    return {"key": key, "row": row, "before": before, "after": after, "again": again, "node": node, "first": first,
            "second": second, "counts": counts, "counts_after": counts_after, "outcome": outcome["o"][0],
            "outcome_after": outcome_after}


def test_the_amendment_replaces_the_values_and_the_edges_they_imply(amended: dict) -> None:
    assert amended["node"]["v"][0] == 12.5 and amended["node"]["pol"][0] == "VNSGN"
    assert amended["after"]["LOADED_AT"] == [("VNSGN",)]
    assert amended["after"]["TRANSITED"] == [("MYPKG", 2), ("SGSIN", 1)]
    assert amended["after"]["CONSIGNEE"] == amended["before"]["CONSIGNEE"]
    assert amended["before"]["LOADED_AT"] != amended["after"]["LOADED_AT"]


def test_what_hangs_off_the_declaration_stays_attached(amended: dict) -> None:
    assert amended["outcome_after"]["o"].tolist() == [amended["outcome"]]
    assert amended["node"]["s"][0] == 0.9  # its last score stays until the next scoring
    # no node was removed or added: Declarations, Outcomes, Parties as they were
    for label in ("Declaration", "Outcome", "Party"):
        assert amended["counts_after"][label] == amended["counts"][label]


def test_loading_the_amendment_again_changes_nothing(amended: dict) -> None:
    assert amended["first"]["new"] == 0 and amended["second"]["new"] == 0
    assert amended["again"] == amended["after"]
