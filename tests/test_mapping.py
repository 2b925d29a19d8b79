"""ingest.mapping: YAML mappings (columns, constants, codes) applied to raw frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingest.contract import IngestError
from ingest.mapping import apply_mapping, load_mapping, parse_mapping
from ingest.readers import read_file
from ingest.validate import validate

KR_MAPPING = """\
kind: declarations
columns:
  Importer ID: consignee_id
  Item Price: customs_value
  Decl No: declaration_id
  HS: hs_code
  Origin: origin_country
  Date: declared_at
  Mode: transport_mode
constants:
  reporting_country: KR
  currency: KRW
codes:
  transport_mode: {10: sea, 40: air, 90: ""}
"""


def _csv(tmp_path: Path, text: str, name: str = "kr.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _mapping(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "m.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_columns_constants_and_codes(tmp_path):
    src = _csv(tmp_path, "Decl No,Importer ID,Item Price,HS,Origin,Date,Mode,Vessel\n"
                         "K1,IMP-1,1000,850760,CN,2024-03-05,10,EVER\n"
                         "K2,IMP-2,5,850760,CN,2024-03-05,90,\n"
                         "K3,IMP-3,7,850760,CN,2024-03-05,40,\n"
                         "K4,IMP-4,7,850760,CN,2024-03-05,SEA,\n")
    m = load_mapping(_mapping(tmp_path, KR_MAPPING))
    rf = apply_mapping(read_file(src, "declarations"), m, "declarations")
    d = rf.data
    assert {"consignee_id", "customs_value", "declaration_id", "reporting_country",
            "currency", "vessel"} <= set(d.columns)
    assert d["reporting_country"].tolist() == ["KR"] * 4
    assert d["currency"].tolist() == ["KRW"] * 4
    assert d["transport_mode"].iloc[0] == "sea"
    assert pd.isna(d["transport_mode"].iloc[1])            # 90 -> "" -> unknown
    assert d["transport_mode"].iloc[2] == "air"
    assert d["transport_mode"].iloc[3] == "SEA"            # unlisted values pass through
    assert rf.line.tolist() == [2, 3, 4, 5]
    good, bad = validate(rf, "declarations")
    assert len(bad) == 0
    assert good["transport_mode"].tolist()[0] == "sea" and good["vessel"].iloc[0] == "EVER"


def test_codes_keys_are_text_numeric_looking_keys_and_leading_zeros(tmp_path):
    m = parse_mapping({"codes": {"transport_mode": {10: "sea", "010": "road", "": "air"}}})
    assert m.codes["transport_mode"] == {"10": "sea", "010": "road", "": "air"}
    src = _csv(tmp_path, "transport_mode,n\n10,1\n010,2\n,3\n10.0,4\n")
    rf = apply_mapping(read_file(src), m, "declarations")
    assert rf.data["transport_mode"].tolist() == ["sea", "road", "air", "10.0"]


def test_yaml_scalars_stay_text(tmp_path):
    text = "constants:\n  reporting_country: NO\n  item_no: 010\ncodes:\n  flow: {1: import, true: export}\n"
    m = load_mapping(_mapping(tmp_path, text))
    assert m.constants == {"reporting_country": "NO", "item_no": "010"}   # Norway, not False
    assert m.codes["flow"] == {"1": "import", "true": "export"}


def test_source_names_are_case_insensitive_and_missing_ones_are_noted(tmp_path):
    src = _csv(tmp_path, "IMPORTER id,x\nA,1\n")
    m = parse_mapping({"columns": {"Importer ID": "consignee_id", "Nope": "carrier"}})
    rf = apply_mapping(read_file(src), m, "declarations")
    assert rf.data["consignee_id"].tolist() == ["A"]
    assert any("Nope".lower() in n for n in rf.notes)


def test_existing_contract_column_is_kept_aside(tmp_path):
    src = _csv(tmp_path, "ID,declaration_id\nA,B\n")
    m = parse_mapping({"columns": {"ID": "declaration_id"}})
    rf = apply_mapping(read_file(src), m, "declarations")
    assert rf.data["declaration_id"].tolist() == ["A"]
    assert rf.data["declaration_id_unmapped"].tolist() == ["B"]


def test_kind_mismatch_is_one_line_error(tmp_path):
    m = parse_mapping({"kind": "parties"}, source="m.yaml")
    rf = read_file(_csv(tmp_path, "a\n1\n"))
    with pytest.raises(IngestError, match=r"m.yaml is for kind 'parties', not 'declarations'"):
        apply_mapping(rf, m, "declarations")


@pytest.mark.parametrize("doc, words", [
    ({"columns": {"A": "not_a_column"}}, ["not_a_column"]),
    ({"constants": {"bogus": "x", "other": "y"}}, ["bogus", "other"]),
    ({"codes": {"nope": {"1": "a"}}}, ["nope"]),
])
def test_unknown_targets_are_named(tmp_path, doc, words):
    m = parse_mapping(doc, source="m.yaml")
    rf = read_file(_csv(tmp_path, "a\n1\n"))
    with pytest.raises(IngestError) as e:
        apply_mapping(rf, m, "declarations")
    assert "\n" not in str(e.value)
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize("text, fragment", [
    ("colums:\n  a: b\n", "unknown key"),
    ("columns: [a, b]\n", "'columns' must be a mapping"),
    ("columns:\n  a: [x]\n", "expected text"),
    ("codes:\n  flow: sea\n", "must be a mapping"),
    ("columns: {a: declaration_id, b: declaration_id}\n", "both mapped"),
    ("columns:\n  a: b\n c: d\n", "invalid YAML"),
])
def test_malformed_mappings(tmp_path, text, fragment):
    p = _mapping(tmp_path, text)
    with pytest.raises(IngestError) as e:
        m = load_mapping(p)
        apply_mapping(read_file(_csv(tmp_path, "a\n1\n")), m, "declarations")
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_missing_mapping_file(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        load_mapping(tmp_path / "none.yaml")


def test_no_mapping_is_identity(tmp_path):
    rf = read_file(_csv(tmp_path, "a\n1\n"))
    assert apply_mapping(rf, None, "declarations") is rf
