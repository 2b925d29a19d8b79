"""Tips matched to parties, identifiers, hubs and declarations on a hand-made projection."""

from __future__ import annotations

import pandas as pd
import pytest

from intel.analytics import consignees, tips
from intel.analytics.projection import Projection
from intel.config import Settings

PARTIES = pd.DataFrame([
    {"party_id": "P1", "display_name": "Golden Star Trading Co., Ltd.", "country": "TH"},
    {"party_id": "P2", "display_name": "Golden Sun Trading Co., Ltd.", "country": "TH"},
    {"party_id": "P3", "display_name": "Siam Battery Import Co., Ltd.", "country": "TH"},
])
IDENTS = pd.DataFrame([
    {"party_id": "P1", "ident_key": "phone:+6621234567", "kind": "phone", "value": "+6621234567"},
    {"party_id": "P2", "ident_key": "phone:+6629999999", "kind": "phone", "value": "+6629999999"},
    {"party_id": "P3", "ident_key": "address:99 moo 3 bangna rd bangkok 10260", "kind": "address",
     "value": "99 moo 3 bangna rd bangkok 10260"},
])


def declaration(key: str, consignee: str, when: str = "2025-03-01", hs: str = "85076000", origin: str = "CN",
                brand: str = "", port: str = "CNSHA") -> dict:
    return {"decl_key": f"TH|{key}|1", "declaration_id": key, "reporting_country": "TH", "declared_at": pd.Timestamp(when),
            "consignee": consignee, "hs_code": hs, "origin_country": origin, "brand": brand, "port_of_loading": port}


DECL = pd.DataFrame([
    declaration("1", "P1"),
    declaration("2", "P1", hs="61091000"),           # other goods than the tip's
    declaration("3", "P2"),
    declaration("4", "P3", brand="Acme"),
    declaration("5", "P3", brand="Other Brand"),
    declaration("6", "P2", when="2025-06-30"),         # the latest declaration: the analysis date
])


def tip(tip_id: str, grade: str = "B2", **fields) -> dict:
    return {"tip_id": tip_id, "submitted_by": "Acme Brand Protection", "submitted_at": pd.Timestamp("2025-03-10"),
            "source_reliability": grade[0], "info_credibility": grade[1], **fields}


def run(*rows: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    proj = Projection.from_frames(decl=DECL, parties=PARTIES, party_ident=IDENTS, tips=pd.DataFrame(list(rows)))
    return tips.run(proj, Settings())


def party_score(matches: pd.DataFrame, tip_id: str, party: str) -> float:
    hits = tips.party_hits(matches, IDENTS)
    hit = hits[(hits["tip_id"] == tip_id) & (hits["party_id"] == party)]
    return float(hit["score"].iloc[0]) if len(hit) else 0.0


def test_a_name_variant_and_a_national_phone_match_the_right_party():
    matches, flagged = run(tip("T1", suspect_names="GOLDEN STAR TRADNG CO LTD", suspect_phones="02 123 4567",
                               hs_codes="8507"))
    parties = matches[matches["target_label"].eq("Party")]
    assert parties["target_key"].tolist() == ["P1"]  # not Golden *Sun*
    phone = matches[matches["target_label"].eq("Identifier")].iloc[0]
    assert phone["target_key"] == "phone:+6621234567"
    assert phone["evidence"] == "suspect phone '02 123 4567' = party phone +6621234567"
    assert flagged["decl_key"].tolist() == ["TH|1|1"]  # declaration 2 is other goods
    reason = flagged["reasons"].iloc[0][0]
    assert reason.startswith("tip T1 from Acme Brand Protection (B2, weight 0.72): consignee ")
    assert "suspect name 'GOLDEN STAR TRADNG CO LTD' ~ party name Golden Star Trading Co., Ltd." in reason
    assert reason.endswith("HS 85076000 within 8507")


@pytest.mark.parametrize("better, worse", [("A1", "B2"), ("B2", "C3"), ("C3", "E5"), ("F6", "E5")])
def test_matches_weigh_by_the_admiralty_grade(better: str, worse: str):
    matches, _ = run(tip("HI", better, suspect_phones="+66 2 123 4567"), tip("LO", worse, suspect_phones="+66 2 123 4567"))
    assert party_score(matches, "HI", "P1") > party_score(matches, "LO", "P1") > 0


def test_a_given_weight_overrides_the_grades():
    matches, _ = run(tip("T1", "A1", suspect_phones="+6621234567", weight=0.1))
    assert party_score(matches, "T1", "P1") == pytest.approx(0.1 * tips.STRENGTH["phone"])


def test_an_expired_tip_contributes_nothing():
    matches, flagged = run(tip("OLD", "A1", suspect_names="Golden Star Trading", suspect_phones="+6621234567",
                               valid_until=pd.Timestamp("2025-02-01")))
    assert len(matches) >= 2 and (matches["score"] == 0).all()
    assert all(e.startswith("(expired 2025-02-01)") for e in matches["evidence"])
    assert flagged.empty  # its declarations came after valid_until
    proj = Projection.from_frames(decl=DECL, parties=PARTIES, party_ident=IDENTS,
                                  tips=pd.DataFrame([tip("OLD", "A1", suspect_phones="+6621234567",
                                                         valid_until=pd.Timestamp("2025-02-01"))]))
    result = consignees.run(proj, Settings(), tip_matches=matches).set_index("party_id")
    assert result.loc["P1", "f_named_in_tip"] == 0


def test_declarations_long_before_the_tip_are_not_flagged():
    _, flagged = run(tip("T1", suspect_phones="+6621234567", submitted_at=pd.Timestamp("2026-01-01")))
    assert flagged.empty


def test_an_address_matches_despite_spelling_but_not_another_house_number():
    matches, _ = run(tip("T1", suspect_addresses="99 Moo 3, Bangna Road, Bangkok 10260"),
                     tip("T2", suspect_addresses="98 Moo 3, Bangna Road, Bangkok 10260"))
    hits = matches[matches["target_label"].eq("Identifier")]
    assert hits["tip_id"].tolist() == ["T1"]


def test_a_brand_on_the_declaration_must_agree_with_the_tip():
    _, flagged = run(tip("T1", suspect_addresses="99 Moo 3 Bangna Rd Bangkok 10260", brand="ACME"))
    assert flagged["decl_key"].tolist() == ["TH|4|1"]
    assert flagged["reasons"].iloc[0][0].endswith("brand Acme")


def test_a_port_tip_with_goods_criteria_flags_declarations_through_the_port():
    matches, flagged = run(tip("T1", "A1", suspect_ports="CNSHA", hs_codes="850760", origin_countries="CN"))
    assert matches[matches["target_label"].eq("Hub")]["target_key"].tolist() == ["CNSHA"]
    assert set(flagged["decl_key"]) == {"TH|1|1", "TH|3|1", "TH|4|1", "TH|5|1", "TH|6|1"}
    assert "loaded at suspect port CNSHA; HS 85076000 within 850760; origin CN" in flagged["reasons"].iloc[0][0]


def test_no_tips_give_empty_frames():
    matches, flagged = tips.run(Projection.from_frames(decl=DECL), Settings())
    assert matches.empty and flagged.empty
    assert {"tip_id", "target_label", "target_key", "score", "evidence"} <= set(matches.columns)
