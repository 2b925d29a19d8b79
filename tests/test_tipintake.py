"""Tips from the dashboard: validation, matching, and what each side may see."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

from intel import tipintake as T
from intel.appdb import AppDB
from intel.auth import User, add_user

_WORLD = Path(__file__).parent / "browser" / "world.py"
_spec = importlib.util.spec_from_file_location("intel_test_world_tips", _WORLD)
world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(world)

TODAY = date(2025, 6, 1)
RH = User("brand", "rights_holder", "rh:Sonique Audio GmbH")
RH_OTHER = User("other.brand", "rights_holder", "rh:Kestrel Sport")
TH_A = User("ana.th", "analyst", "customs:TH")
MY_A = User("ana.my", "analyst", "customs:MY")
ADMIN = User("root", "admin", "customs:TH")


@pytest.fixture
def db(tmp_path):  # noqa: ANN001, ANN201
    d = AppDB(tmp_path / "app.sqlite")
    for u in (RH, RH_OTHER, TH_A, MY_A, ADMIN):
        add_user(d, u.username, "long enough password", u.role, u.org)
    return d


@pytest.fixture(scope="module")
def store(tmp_path_factory):  # noqa: ANN001, ANN201
    from intel.store import open_store

    uri = world.build_test_store(tmp_path_factory.mktemp("tips") / "store")
    s = open_store(uri, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def ids(store):  # noqa: ANN001, ANN201
    """The resolver's party ids of the planted parties (role -> id)."""
    return world.planted_ids(store)


def _expected_from_planted_input() -> dict[str, int]:
    """What GOOD should match, derived from the planted declarations file as written (not
    from the product): the consignees whose phone, in whatever spelling, is +66 2 123 4567,
    and their declarations narrowed to HS 8507* or brand Sonique."""
    import re

    d = world.planted_declarations()
    digits = d["consignee_phone"].map(lambda v: re.sub(r"\D", "", v))
    holders = d[digits.str.endswith("21234567")]
    kept = holders[holders["hs_code"].str.startswith("8507") | (holders["brand"].str.casefold() == "sonique")]
    return {"consignees": holders["consignee_name"].nunique(), "declarations": len(kept),
            "inspections": int(kept["inspection_result"].isin(["compliant", "non_compliant", "seized"]).sum()),
            "seizures": int(((kept["inspection_result"] == "seized") | (kept["status"] == "seized")).sum()),
            "excluded_inspected": int(holders.loc[~holders.index.isin(kept.index), "inspection_result"]
                                      .isin(["compliant", "non_compliant", "seized"]).sum())}


GOOD = {"suspect_names": "Golden Lotus Trading", "suspect_phones": "+66 2 123 4567", "hs_codes": "8507",
        "brand": "Sonique", "suspect_ports": "mypkg", "origin_countries": "cn", "tlp": "AMBER",
        "source_reliability": "b", "info_credibility": "2", "valid_until": "2025-12-31"}


def test_valid_tip_is_normalised():  # noqa: ANN201
    clean, problems = T.validate_tip(GOOD, today=TODAY)
    assert problems == []
    assert clean["suspect_phones"] == ["+6621234567"]
    assert clean["suspect_ports"] == ["MYPKG"] and clean["origin_countries"] == ["CN"]
    assert clean["hs_codes"] == ["8507"] and clean["source_reliability"] == "B"
    assert clean["valid_until"] == "2025-12-31"
    clean, problems = T.validate_tip({"hs_codes": "8507.60; 85 07 80", "suspect_phones": "02 123 4567"},
                                     today=TODAY, default_region="TH")
    assert problems == [] and clean["hs_codes"] == ["850760", "850780"] and clean["suspect_phones"] == ["+6621234567"]


def test_every_problem_is_reported_at_once():  # noqa: ANN201
    form = {"hs_codes": "85A7; 8", "suspect_phones": "12; call me", "suspect_emails": "not-an-email",
            "suspect_ports": "XX1; ZZABC", "origin_countries": "ZZ; China", "source_reliability": "G",
            "info_credibility": "7", "tlp": "PURPLE", "valid_until": "2025-06-01", "recipients": "rh:Other"}
    _, problems = T.validate_tip(form, today=TODAY)
    expected = [
        "HS code '85A7': use digits only, 2 to 10 of them (e.g. 8507 or 850760).",
        "HS code '8': use digits only, 2 to 10 of them (e.g. 8507 or 850760).",
        "Phone '12' is not a valid phone number; write it with its country code, e.g. +66 2 123 4567, or remove it.",
        "Phone 'call me' is not a valid phone number; write it with its country code, e.g. +66 2 123 4567, or remove it.",
        "E-mail 'not-an-email' is not a valid e-mail address.",
        "Port 'XX1' is not a UN/LOCODE (two letters for the country and three letters/digits, e.g. THLCH).",
        "Port 'ZZABC': ZZ is not a country code.",
        "Origin country 'ZZ' is not an ISO 3166-1 alpha-2 code (e.g. CN, VN).",
        "Origin country 'China' is not an ISO 3166-1 alpha-2 code (e.g. CN, VN).",
        "Source reliability 'G': use an Admiralty grade A to F (F: cannot be judged).",
        "Information credibility '7': use an Admiralty grade 1 to 6 (6: cannot be judged).",
        "TLP 'PURPLE': use one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED.",
        "Valid until 2025-06-01: must be after today (2025-06-01).",
        "Recipient 'rh:Other': tips go to customs administrations (customs:XX).",
    ]
    assert problems == expected


@pytest.mark.parametrize("form,message", [
    ({}, "Give at least one suspect indicator"),
    ({"description": "they sell fakes"}, "Give at least one suspect indicator"),
    ({"brand": "Sonique", "tlp": "RED"}, "A TLP:RED tip must name the customs administrations"),
    ({"brand": "Sonique", "valid_until": "31/12/2025"}, "not a date (use YYYY-MM-DD)"),
    ({"brand": "Sonique", "suspect_names": "x"}, "too short to match"),
])
def test_single_rules(form, message):  # noqa: ANN001
    _, problems = T.validate_tip(form, today=TODAY)
    assert any(message in p for p in problems), problems


def test_defaults_of_the_contract():  # noqa: ANN201
    clean, problems = T.validate_tip({"brand": "Sonique"}, today=TODAY)
    assert problems == []
    assert (clean["source_reliability"], clean["info_credibility"], clean["tlp"]) == ("F", "6", "AMBER")


def test_submit_match_and_what_each_side_sees(db, store, ids):  # noqa: ANN001
    exp = _expected_from_planted_input()
    # the planted world: the shell and three other holders of the phone; 24 declarations, of
    # which 16 are HS 8507 and 2 more carry the brand; two seized, and the non-compliant one is
    # HS 8517 without the brand (so it is not matched)
    assert (exp["consignees"], exp["declarations"], exp["inspections"], exp["seizures"]) == (4, 18, 2, 2)
    assert exp["excluded_inspected"] == 1
    tip_id, problems = T.submit_tip(db, RH, GOOD, files=[("evidence.pdf", b"%PDF test", "application/pdf")], today=TODAY)
    assert problems == [] and tip_id.startswith("UT-")
    assert db.one("SELECT status FROM tips WHERE tip_id = ?", (tip_id,))["status"] == "received"
    assert "not yet matched" in T.tips_for(db, RH)["outcome"].iloc[0]

    counts = T.match_tip(db, store, tip_id)
    # the shell (by name, and by the phone) plus the three other holders of the phone
    assert counts["parties"] == exp["consignees"] and counts["consignees"] == exp["consignees"]
    assert counts["identifiers"] == 1 and counts["hubs"] == 1
    # their declarations narrowed to HS 8507 or brand Sonique; two of them were seized
    assert counts["declarations"] == exp["declarations"]
    assert counts["inspections"] == exp["inspections"] and counts["seizures"] == exp["seizures"]
    row = db.one("SELECT status FROM tips WHERE tip_id = ?", (tip_id,))
    assert row["status"] == "matched"

    mine = T.tips_for(db, RH)
    assert list(mine.columns) == ["tip_id", "submitted_at", "brand", "tlp", "status", "outcome", "status_note", "status_updated_at"]
    assert mine["outcome"].iloc[0] == "4 consignees and 18 declarations matched; 2 inspections, 2 seizures"
    flat = mine.to_string() + str(T.tip_detail(db, RH, tip_id))
    for secret in (ids["shell"], world.SHELL_NAME, ids["siam_star"], world.SIAM_STAR_NAME, "TH25000", "phone:+66"):
        assert secret not in flat, secret
    assert "targets" not in T.tip_detail(db, RH, tip_id)

    # another rights holder sees nothing of it
    assert T.tips_for(db, RH_OTHER).empty
    with pytest.raises(PermissionError):
        T.tip_detail(db, RH_OTHER, tip_id)
    with pytest.raises(PermissionError):
        T.tip_attachment(db, RH_OTHER, tip_id, 1)

    # customs analysts see the matched entities and move the tip on
    detail = T.tip_detail(db, TH_A, tip_id)
    targets = detail["targets"]
    assert {(r.target_label, r.target_key) for r in targets.itertuples()} >= {
        ("Party", ids["shell"]), ("Identifier", world.SHARED_PHONE_KEY), ("Hub", "MYPKG")}
    # every holder of the phone, none else
    assert set(targets.loc[targets["target_label"] == "Party", "target_key"]) == {
        ids["shell"], ids["siam_star"], ids["prime"], ids["xss"]}
    assert (targets["target_label"] == "Declaration").sum() == exp["declarations"]
    assert T.tip_attachment(db, TH_A, tip_id, int(detail["files"]["attachment_id"].iloc[0]))[2] == b"%PDF test"
    with pytest.raises(PermissionError):
        T.set_tip_status(db, RH, tip_id, "closed")
    T.set_tip_status(db, TH_A, tip_id, "acted on", "2 inspections planned")
    mine = T.tips_for(db, RH)
    assert (mine["status"].iloc[0], mine["status_note"].iloc[0]) == ("acted on", "2 inspections planned")
    T.match_tip(db, store, tip_id)  # matching again keeps a status set by customs
    assert T.tips_for(db, RH)["status"].iloc[0] == "acted on"
    with pytest.raises(PermissionError):
        T.tips_for(db, ADMIN)


def test_tip_addressed_to_one_administration(db, store):  # noqa: ANN001
    form = {**GOOD, "tlp": "RED", "recipients": ["customs:MY"]}
    tip_id, problems = T.submit_tip(db, RH, form, today=TODAY, store=store)
    assert problems == []
    assert tip_id in T.tips_for(db, MY_A)["tip_id"].tolist()
    assert T.tips_for(db, TH_A).empty
    with pytest.raises(PermissionError):
        T.tip_detail(db, TH_A, tip_id)


def test_invalid_tip_is_not_stored(db):  # noqa: ANN001
    tip_id, problems = T.submit_tip(db, RH, {"suspect_phones": "12"}, today=TODAY)
    assert tip_id is None and problems
    assert db.one("SELECT COUNT(*) AS n FROM tips")["n"] == 0
    with pytest.raises(PermissionError):
        T.submit_tip(db, ADMIN, GOOD, today=TODAY)


def test_unmatched_tip_and_outcome_text(db, store):  # noqa: ANN001
    tip_id, _ = T.submit_tip(db, RH, {"suspect_names": "Nobody Imaginary Holdings", "brand": "Sonique"},
                             today=TODAY, store=store)
    assert T.tips_for(db, RH)["outcome"].iloc[0] == "No matches in the data so far."
    assert T.outcome_text({"matched_at": "x", "consignees": 1, "parties": 1, "declarations": 1,
                           "inspections": 0, "seizures": 0}) == "1 consignee and 1 declaration matched; 0 inspections, 0 seizures"
    assert T.outcome_text({"matched_at": "x", "consignees": 3, "parties": 3, "declarations": 41,
                           "inspections": 2, "seizures": 1}) == "3 consignees and 41 declarations matched; 2 inspections, 1 seizure"


def test_tips_frame_has_the_contract_columns(db):  # noqa: ANN001
    T.submit_tip(db, RH, GOOD, today=TODAY)
    frame = T.tips_frame(db)
    assert list(frame.columns)[:3] == ["tip_id", "submitted_by", "submitted_at"]
    row = frame.iloc[0]
    assert row["submitted_by"] == "Sonique Audio GmbH" and row["suspect_phones"] == "+6621234567"
    assert row["hs_codes"] == "8507" and row["tlp"] == "AMBER"
