"""Fictitious consignee scores on small hand-made projections whose answer is known."""

from __future__ import annotations

import pandas as pd
import pytest

from intel.analytics import consignees
from intel.analytics.projection import Projection
from intel.config import Settings

DAY = pd.Timedelta(days=1)


def declarations(party: str, first: str, count: int, every_days: int, consignors: list[str], **extra) -> list[dict]:
    start = pd.Timestamp(first)
    return [
        {"decl_key": f"TH|{party}-{k}|1", "declaration_id": f"{party}-{k}", "reporting_country": "TH",
         "declared_at": start + k * every_days * DAY, "consignee": party, "consignor": consignors[k % len(consignors)],
         "hs_code": "85076000", "origin_country": "CN", "gross_mass_kg": 100.0, "value_usd": 500.0,
         "currency": "USD", "customs_value": 500.0, "procedure": "standard", "status": "cleared", **extra}
        for k in range(count)
    ]


def established(party: str, name: str, **extra) -> tuple[dict, list[dict]]:
    """A trader registered in 2010, importing every fortnight from eight suppliers since 2024."""
    row = {"party_id": party, "display_name": name, "country": "TH", "registered_at": pd.Timestamp("2010-01-01"), **extra}
    return row, declarations(party, "2024-01-01", 30, 14, [f"S{k}" for k in range(8)])


def ring(size: int, ident: str, registered: str = "2025-01-01") -> tuple[list[dict], list[dict], list[dict]]:
    """``size`` consignees registered days before their first shipment, all fed by one
    consignor, sharing one identifier."""
    parties, decl, held = [], [], []
    kind, value = ident.split(":", 1)
    for k in range(size):
        pid = f"R{k}"
        parties.append({"party_id": pid, "display_name": f"Ring Front {chr(65 + k)} Co Ltd", "country": "TH",
                        "registered_at": pd.Timestamp(registered)})
        decl += declarations(pid, "2025-01-10", 3, 1, ["S-ring"])
        held.append({"party_id": pid, "ident_key": ident, "kind": kind, "value": value})
    return parties, decl, held


def score_of(result: pd.DataFrame, party: str) -> float:
    return float(result.set_index("party_id").loc[party, "score"])


def test_a_ring_of_four_new_consignees_sharing_a_phone_scores_above_an_established_consignee():
    ring_parties, ring_decl, held = ring(4, "phone:+6621234567")
    legit, legit_decl = established("L1", "Siam Battery Importers Co Ltd")
    proj = Projection.from_frames(decl=pd.DataFrame(ring_decl + legit_decl), parties=pd.DataFrame(ring_parties + [legit]),
                                  party_ident=pd.DataFrame(held))
    result = consignees.run(proj, Settings())
    assert min(score_of(result, f"R{k}") for k in range(4)) > score_of(result, "L1") + 0.4
    reasons = result.set_index("party_id").loc["R0", "reasons"]
    assert any("shares phone +6621234567 with 3 other consignees (3 registered < 90 days" in r for r in reasons)
    assert any("registered 9 days before its first shipment" in r for r in reasons)


def test_sixty_established_companies_at_a_registered_agents_address_are_not_flagged_for_it():
    parties, decl, held = [], [], []
    agent = "address:1 raffles place 20 61 one raffles place singapore 048616"
    for k in range(60):
        row, rows = established(f"A{k}", f"Client Company Number {k} Pte Ltd")
        parties.append(row)
        decl += rows
        held.append({"party_id": f"A{k}", "ident_key": agent, "kind": "address", "value": agent.split(":", 1)[1]})
    proj = Projection.from_frames(decl=pd.DataFrame(decl), parties=pd.DataFrame(parties), party_ident=pd.DataFrame(held))
    result = consignees.run(proj, Settings())
    assert (result["f_shared_identifiers"] == 0).all()
    assert result["score"].max() < 0.05
    assert not any("raffles" in r for reasons in result["reasons"] for r in reasons)


def test_new_fronts_sharing_one_address_are_flagged_even_when_many_share_it():
    # breadth alone does not clear an address: these sharers are all new
    parties, decl, held = ring(30, "address:99 moo 3 bangna rd bangkok")
    proj = Projection.from_frames(decl=pd.DataFrame(decl), parties=pd.DataFrame(parties), party_ident=pd.DataFrame(held))
    result = consignees.run(proj, Settings())
    assert (result["f_shared_identifiers"] > 1).all()


@pytest.mark.parametrize("missing", ["parties", "party_ident", "everything but declarations"])
def test_missing_phones_or_registry_neither_crash_nor_flag(missing: str):
    legit, legit_decl = established("L1", "Siam Battery Importers Co Ltd")
    small = declarations("L2", "2024-06-01", 2, 30, ["S1"])
    frames = {"decl": pd.DataFrame(legit_decl + small), "parties": pd.DataFrame([legit]),
              "party_ident": pd.DataFrame([{"party_id": "L1", "ident_key": "phone:+6620000000", "kind": "phone",
                                            "value": "+6620000000"}])}
    if missing == "everything but declarations":
        frames = {"decl": frames["decl"].drop(columns=["status", "value_usd", "gross_mass_kg"])}
    else:
        frames.pop(missing)
    result = consignees.run(Projection.from_frames(**frames), Settings())
    assert set(result["party_id"]) == {"L1", "L2"}
    assert result["score"].between(0, 1).all()
    assert result["score"].max() < 0.3
    said = " ".join(r for reasons in result["reasons"] for r in reasons)
    assert "registry" not in said and "shares" not in said


def test_an_aeo_tier_multiplies_the_score_by_its_discount_and_says_so():
    parties, decl, held = ring(3, "email:front@example.com")
    plain = consignees.run(Projection.from_frames(decl=pd.DataFrame(decl), parties=pd.DataFrame(parties),
                                                  party_ident=pd.DataFrame(held)), Settings())
    parties[0]["aeo_tier"] = "3"
    trusted = consignees.run(Projection.from_frames(decl=pd.DataFrame(decl), parties=pd.DataFrame(parties),
                                                    party_ident=pd.DataFrame(held)), Settings())
    assert score_of(trusted, "R0") == pytest.approx(Settings().aeo_discount["3"] * score_of(plain, "R0"))
    assert any("AEO tier 3" in r for r in trusted.set_index("party_id").loc["R0", "reasons"])


def test_abandoned_consignments_raise_the_score_with_the_counts_quoted():
    legit, rows = established("L1", "Siam Battery Importers Co Ltd")
    other, other_rows = established("L2", "Bangkok Cells Co Ltd")
    for row in other_rows[:6]:
        row["status"] = "abandoned"
    proj = Projection.from_frames(decl=pd.DataFrame(rows + other_rows), parties=pd.DataFrame([legit, other]))
    result = consignees.run(proj, Settings())
    assert score_of(result, "L2") > score_of(result, "L1")
    assert any("6 of 30 declarations with a known outcome abandoned or seized" in r
               for r in result.set_index("party_id").loc["L2", "reasons"])


def test_every_feature_publishes_its_explanation_and_weight():
    table = consignees.explain()
    assert len(table) == len(consignees.FEATURES)
    assert table["explanation"].str.len().gt(40).all()
    assert (table["weight"] < 0).sum() == 1  # one mitigating feature


def test_an_empty_projection_gives_an_empty_frame():
    result = consignees.run(Projection.from_frames(), Settings())
    assert result.empty and {"party_id", "score", "reasons"} <= set(result.columns)


def test_links_worked_out_by_the_caller_give_the_same_findings_and_de_minimis_findings():
    from intel.analytics import deminimis
    from intel.analytics.features import PartyLinks

    ring_parties, ring_decl, held = ring(4, "phone:+6621234567")
    legit, legit_decl = established("L1", "Siam Battery Importers Co Ltd")
    proj = Projection.from_frames(decl=pd.DataFrame(ring_decl + legit_decl), parties=pd.DataFrame(ring_parties + [legit]),
                                  party_ident=pd.DataFrame(held))
    cfg = Settings()
    links = PartyLinks.of(proj, cfg, consignees.DECLARATION_COLUMNS)
    assert len(links.pairs) == 12  # four differently-named ring members, both directions
    dm = deminimis.run(proj, cfg, d=links.d, prof=links.prof, pairs=links.pairs)
    pd.testing.assert_frame_equal(dm, deminimis.run(proj, cfg))
    pd.testing.assert_frame_equal(consignees.run(proj, cfg, deminimis=dm, links=links), consignees.run(proj, cfg))
