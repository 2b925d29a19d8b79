"""ingest.validate: every quarantine rule, every reason of a row, canonical typed output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ingest.contract import IngestError
from ingest.readers import RawFrame, read_file
from ingest.validate import (
    COUNTRIES,
    compact_locode,
    is_country,
    parse_datetimes,
    validate,
)

BASE = {
    "declaration_id": "D1", "reporting_country": "TH", "declared_at": "2024-03-05",
    "hs_code": "850760", "origin_country": "CN", "consignee_name": "ACME",
}


def _raw(rows: list[dict], name: str = "f.csv") -> RawFrame:
    data = pd.DataFrame(rows).astype("str")
    data = data.where(data != "", np.nan)
    return RawFrame(data=data, line=np.arange(2, len(rows) + 2), source_file=name)


def _one(kind: str = "declarations", **changes) -> tuple[pd.DataFrame, pd.DataFrame]:
    row = dict(BASE) if kind == "declarations" else {}
    row.update(changes)
    return validate(_raw([row]), kind)


def _reason(**changes) -> str:
    good, bad = _one(**changes)
    assert len(good) == 0 and len(bad) == 1
    return bad["reason"].iloc[0]


def test_a_clean_row_passes_with_defaults_and_canonical_values():
    good, bad = _one(transport_mode="Sea", port_of_loading="th lch", hs_code="8507.60.00",
                     transit_ports=" SGSIN ; my pkg ;", reporting_country="th",
                     quantity="1,234.5", container_ids="A; B;;")
    assert len(bad) == 0
    r = good.iloc[0]
    assert r["flow"] == "import" and r["item_no"] == 1 and r["currency"] == "USD"
    assert r["transport_mode"] == "sea" and r["port_of_loading"] == "THLCH"
    assert r["hs_code"] == "85076000" and r["reporting_country"] == "TH"
    assert r["transit_ports"] == "SGSIN;MYPKG" and r["container_ids"] == "A;B"
    assert r["quantity"] == 1234.5
    assert good["declared_at"].dtype == "datetime64[ns]"
    assert str(good["item_no"].dtype) == "Int64"
    assert good["source_file"].iloc[0] == "f.csv" and good["line"].iloc[0] == 2
    assert list(good.columns[-2:]) == ["source_file", "line"]


@pytest.mark.parametrize("changes, expected", [
    ({"declared_at": "2024-13-45"}, "declared_at '2024-13-45' is not a valid date"),
    ({"declared_at": "yesterday"}, "declared_at 'yesterday' is not a valid date"),
    ({"declared_at": "2024"}, "declared_at '2024' is not a valid date"),
    ({"declared_at": "1066-10-14"}, "declared_at '1066-10-14' is not a valid date"),
    ({"quantity": "-5"}, "quantity '-5' is negative"),
    ({"quantity": "abc"}, "quantity 'abc' is not a number"),
    ({"gross_mass_kg": "-0.1"}, "gross_mass_kg '-0.1' is negative"),
    ({"customs_value": "12,34"}, "customs_value '12,34' is not a number"),
    ({"customs_value": "inf"}, "customs_value 'inf' is not a number"),
    ({"item_no": "1.5"}, "item_no '1.5' is not a whole number"),
    ({"item_no": "0"}, "item_no '0' must be at least 1"),
    ({"hs_code": "85AB"}, "hs_code '85AB' is not 6-10 digits"),
    ({"hs_code": "8507"}, "hs_code '8507' is not 6-10 digits"),
    ({"hs_code": "85076000001"}, "hs_code '85076000001' is not 6-10 digits"),
    ({"origin_country": "XX"}, "origin_country 'XX' is not ISO 3166-1 alpha-2"),
    ({"origin_country": "UK"}, "origin_country 'UK' is not ISO 3166-1 alpha-2"),
    ({"origin_country": "EU"}, "origin_country 'EU' is not ISO 3166-1 alpha-2"),
    ({"origin_country": "CHN"}, "origin_country 'CHN' is not ISO 3166-1 alpha-2 (alpha-3; use 'CN')"),
    ({"export_country": "Z1"}, "export_country 'Z1' is not ISO 3166-1 alpha-2"),
    ({"port_of_loading": "TH-LCH"}, "port_of_loading 'TH-LCH' is not a UN/LOCODE"),
    ({"port_of_discharge": "1HLCH"}, "port_of_discharge '1HLCH' is not a UN/LOCODE"),
    ({"port_of_discharge": "THLCHX"}, "port_of_discharge 'THLCHX' is not a UN/LOCODE"),
    ({"transit_ports": "SGSIN;XX1"}, "transit_ports 'XX1' is not a UN/LOCODE"),
    ({"transit_ports": "A;B"}, "transit_ports 'A', 'B' are not UN/LOCODEs"),
    ({"flow": "importt"}, "flow 'importt' is not one of import, export, transit"),
    ({"transport_mode": "boat"}, "transport_mode 'boat' is not one of sea, air, road, rail, post"),
    ({"status": "lost"}, "status 'lost' is not one of cleared, held, seized, abandoned"),
    ({"inspection_result": "bad"}, "inspection_result 'bad' is not one of"),
    ({"declaration_id": ""}, "declaration_id is missing"),
    ({"reporting_country": ""}, "reporting_country is missing"),
    ({"declared_at": ""}, "declared_at is missing"),
    ({"hs_code": ""}, "hs_code is missing"),
    ({"origin_country": ""}, "origin_country is missing"),
    ({"consignee_name": ""}, "consignee has neither name nor id"),
])
def test_each_rule(changes, expected):
    assert expected in _reason(**changes)


@pytest.mark.parametrize("changes", [
    {"declared_at": "2024-03-05T10:00:00+07:00"},
    {"declared_at": "2024-03-05 10:00"},
    {"declared_at": "2024-03-05T10:00:00Z"},
    {"declared_at": "2024-03-05T10:00:00.123456"},
    {"declared_at": "20240305"},
    {"declared_at": "2024/03/05"},
    {"declared_at": "05/03/2024"},
    {"declared_at": "05.03.2024 10:30"},
    {"declared_at": "5 Mar 2024"},
    {"declared_at": "Mar 5, 2024"},
    {"declared_at": "Tue, 05 Mar 2024 10:00:00 +0700"},
    {"origin_country": "cn"},
    {"transport_mode": "AIR"},
    {"inspection_result": "Non-Compliant"},
    {"procedure": "e-commerce"},
    {"consignee_name": "", "consignee_id": "C1"},
    {"quantity": "0"},
    {"port_of_loading": "TH LCH"},
    {"hs_code": "8507 60"},
    {"transport_mode": "ocean"},
])
def test_accepted_forms(changes):
    _, bad = _one(**changes)
    assert len(bad) == 0, bad["reason"].tolist()


def test_dates_are_naive_utc():
    s = pd.Series(["2024-03-05T10:00:00+07:00", "2024-03-05", "05/03/2024", None, "nope"],
                  dtype="str")
    out, bad = parse_datetimes(s)
    assert out.tolist()[:3] == [pd.Timestamp("2024-03-05 03:00"), pd.Timestamp("2024-03-05"),
                                pd.Timestamp("2024-03-05")]
    assert pd.isna(out.iloc[3]) and pd.isna(out.iloc[4])
    assert bad.tolist() == [False, False, False, False, True]


def test_every_problem_of_a_row_is_gathered_in_column_order():
    reason = _reason(hs_code="85AB", origin_country="XX", quantity="-1", flow="nope",
                     consignee_name="")
    assert reason == ("flow 'nope' is not one of import, export, transit; "
                      "hs_code '85AB' is not 6-10 digits; "
                      "origin_country 'XX' is not ISO 3166-1 alpha-2; "
                      "quantity '-1' is negative; consignee has neither name nor id")


def test_bad_rows_keep_line_raw_and_reader_rejects(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("declaration_id,reporting_country,declared_at,hs_code,origin_country,consignee_id\n"
                 "D1,TH,2024-03-05,850760,CN,C1\n"
                 "D2,TH,2024-03-05,85AB,CN,C1\n"
                 "D3,TH,2024-03-05,850760,CN,C1,surplus\n"
                 "D4,TH,2024-03-05,850760,CN,\n", encoding="utf-8")
    good, bad = validate(read_file(p, "declarations"), "declarations")
    assert good["declaration_id"].tolist() == ["D1"]
    assert bad.columns.tolist() == ["source_file", "line", "reason", "raw"]
    assert bad["line"].tolist() == [3, 4, 5]
    assert bad["raw"].tolist() == ["D2,TH,2024-03-05,85AB,CN,C1",
                                   "D3,TH,2024-03-05,850760,CN,C1,surplus",
                                   "D4,TH,2024-03-05,850760,CN,"]
    assert bad["reason"].tolist()[1] == "row has 7 fields, header has 6"
    assert (bad["source_file"] == str(p)).all()


def test_extras_are_kept_and_reserved_names_renamed():
    good, _ = _one(vessel="EVER GIVEN", line="7")
    assert good["vessel"].iloc[0] == "EVER GIVEN"
    assert good["line_src"].iloc[0] == "7" and good["line"].iloc[0] == 2


def test_missing_required_column_is_a_layout_error():
    raw = _raw([{"declaration_id": "D1", "consignee_id": "C"}])
    with pytest.raises(IngestError) as e:
        validate(raw, "declarations")
    msg = str(e.value)
    assert "reporting_country" in msg and "hs_code" in msg and "\n" not in msg
    good, bad = validate(raw, "declarations", missing_columns_policy="quarantine")
    assert len(good) == 0 and "hs_code is missing" in bad["reason"].iloc[0]


@pytest.mark.parametrize("kind, row, expected", [
    ("parties", {"party_id": "P1", "country": "XX"}, "country 'XX' is not ISO 3166-1 alpha-2"),
    ("parties", {"party_id": "P1", "aeo_tier": "4"}, "aeo_tier '4' is not one of 1, 2, 3"),
    ("parties", {"party_id": "P1", "registered_at": "someday"}, "registered_at 'someday' is not a valid date"),
    ("parties", {"party_id": "", "name": "x"}, "party_id is missing"),
    ("hubs", {"locode": "TH LCH", "lat": "95"}, "lat '95' is above 90"),
    ("hubs", {"locode": "THLCH", "lon": "-181"}, "lon '-181' is below -180"),
    ("hubs", {"locode": "THLCH", "ftz": "maybe"}, "ftz 'maybe' is not true/false"),
    ("hubs", {"locode": "THLCH", "kind": "spaceport"}, "kind 'spaceport' is not one of"),
    ("tips", {"tip_id": "T1", "submitted_by": "X", "submitted_at": "2024-01-01",
              "hs_codes": "85;ab"}, "hs_codes 'ab' is not an HS prefix of 2-10 digits"),
    ("tips", {"tip_id": "T1", "submitted_by": "X", "submitted_at": "2024-01-01",
              "source_reliability": "G"}, "source_reliability 'G' is not one of A, B, C, D, E, F"),
    ("tips", {"tip_id": "T1", "submitted_by": "X", "submitted_at": "2024-01-01",
              "origin_countries": "CN;XX"}, "origin_countries 'XX' is not ISO 3166-1 alpha-2"),
    ("tips", {"tip_id": "T1", "submitted_by": "", "submitted_at": "2024-01-01"}, "submitted_by is missing"),
    ("outcomes", {"declaration_id": "D1", "reporting_country": "TH", "result": "guilty"},
     "result 'guilty' is not one of compliant, non_compliant, seized"),
    ("rates", {"currency": "THB", "date": "2024-01-01", "usd_per_unit": "0"},
     "usd_per_unit '0' must be greater than 0"),
])
def test_other_kinds(kind, row, expected):
    good, bad = validate(_raw([row]), kind)
    assert len(good) == 0 and expected in bad["reason"].iloc[0]


def test_tip_defaults_and_tlp_aliases():
    good, bad = validate(_raw([{"tip_id": "T1", "submitted_by": "Brand", "submitted_at": "2024-01-01",
                                "tlp": "tlp:white"}]), "tips")
    assert len(bad) == 0
    r = good.iloc[0]
    assert (r["source_reliability"], r["info_credibility"], r["tlp"]) == ("F", "6", "CLEAR")


def test_helpers():
    assert is_country("th") and not is_country("UK") and not is_country("XX")
    assert "TH" in COUNTRIES and "EU" not in COUNTRIES
    assert compact_locode("th lch") == "THLCH" and compact_locode("TH-LCH") is None


def test_vectorised_on_many_rows():
    rows = [dict(BASE, declaration_id=f"D{i}") for i in range(20000)]
    rows[123]["hs_code"] = "x"
    good, bad = validate(_raw(rows), "declarations")
    assert len(good) == 19999 and bad["line"].tolist() == [125]
