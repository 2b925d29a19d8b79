"""Community detection and scoring on small graphs with planted groups."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from intel.analytics import communities
from intel.analytics.projection import Projection
from intel.config import Settings


def group(prefix: str, consignor: str, ident: str, size: int = 6) -> tuple[list[dict], list[dict], list[dict]]:
    """A consignor shipping twice to each of ``size`` consignees that share one identifier."""
    kind, value = ident.split(":", 1)
    decl, parties, held = [], [{"party_id": consignor, "display_name": f"{prefix} Export Factory", "country": "CN"}], []
    for k in range(size):
        pid = f"{prefix}{k}"
        parties.append({"party_id": pid, "display_name": f"{prefix} Front Number {k}", "country": "TH"})
        held.append({"party_id": pid, "ident_key": ident, "kind": kind, "value": value})
        for n in range(2):
            decl.append({"decl_key": f"TH|{pid}-{n}|1", "declaration_id": f"{pid}-{n}", "reporting_country": "TH",
                         "declared_at": pd.Timestamp("2025-03-01"), "consignor": consignor, "consignee": pid,
                         "hs_code": "85076000", "hs_chapter": "85", "port_of_loading": "CNSHA",
                         "port_of_discharge": "THLCH", "transit_ports": "SGSIN"})
    return decl, parties, held


def planted() -> Projection:
    a = group("A", "SA", "phone:+6621234567")
    b = group("B", "SB", "email:fronts@example.com")
    bridge = [{"decl_key": "TH|bridge|1", "declaration_id": "bridge", "reporting_country": "TH",
               "declared_at": pd.Timestamp("2025-03-02"), "consignor": "SA", "consignee": "B0", "hs_code": "85076000"}]
    return Projection.from_frames(decl=pd.DataFrame(a[0] + b[0] + bridge), parties=pd.DataFrame(a[1] + b[1]),
                                  party_ident=pd.DataFrame(a[2] + b[2]))


def scores(high: set[str]) -> pd.DataFrame:
    ids = [f"{p}{k}" for p in "AB" for k in range(6)] + ["SA", "SB"]
    return pd.DataFrame({"party_id": ids, "score": [0.9 if i in high else 0.05 for i in ids]})


@pytest.mark.parametrize("algorithm", ["leiden", "leidenalg", "louvain", "multilevel"])
def test_two_planted_groups_are_found(algorithm: str):
    cfg = Settings(community_algorithm=algorithm)
    found, membership = communities.run(planted(), cfg, party_scores=scores(set()))
    groups = membership.groupby("community_id")["party_id"].agg(frozenset)
    assert set(groups) == {frozenset({"SA", *(f"A{k}" for k in range(6))}), frozenset({"SB", *(f"B{k}" for k in range(6))})}
    assert all(re.fullmatch(r"C[0-9a-f]{10}", c) for c in found["community_id"])


def test_detection_is_deterministic_and_ids_are_stable():
    first = communities.run(planted(), Settings(), party_scores=scores({"A1"}))
    second = communities.run(planted(), Settings(), party_scores=scores({"A1"}))
    pd.testing.assert_frame_equal(first[1], second[1])
    assert first[0]["community_id"].tolist() == second[0]["community_id"].tolist()


def test_a_community_of_flagged_fronts_sharing_a_phone_outscores_a_quiet_one():
    found, _ = communities.run(planted(), Settings(), party_scores=scores({f"A{k}" for k in range(5)}))
    top, other = found.iloc[0], found.iloc[1]
    assert set(top["members_with_findings"]) == {f"A{k}" for k in range(5)}
    assert top["score"] > 0.6
    assert other["score"] < 0.1
    assert top["reasons"][0] == "6 of 7 members share phone +6621234567"
    assert top["reasons"][1].startswith("5 members score ≥ 0.6 as fictitious consignees (highest: A Front Number 0 0.90)")
    assert "consignor A Export Factory ships to 6 of the members" in top["reasons"]
    assert top["size"] == 7 and top["countries"] == ["CN", "TH"]
    assert top["hubs"][0] in {"CNSHA", "THLCH", "SGSIN"} and top["hs_chapters"] == ["85"]


def test_declaration_scores_add_to_a_community_score():
    flagged = pd.DataFrame({"decl_key": [f"TH|B{k}-0|1" for k in range(6)], "score": 0.9})
    plain, _ = communities.run(planted(), Settings(), party_scores=scores({"B1"}))
    hot, _ = communities.run(planted(), Settings(), party_scores=scores({"B1"}), decl_scores=flagged)
    b = lambda f: f[f["members"].map(lambda m: "SB" in m)].iloc[0]
    assert b(hot)["score"] > b(plain)["score"]
    assert any("include 6 scoring ≥ 0.5" in r for r in b(hot)["reasons"])


def test_a_registered_agent_address_does_not_glue_its_clients_together():
    decl, parties, held = [], [], []
    agent = "address:1 raffles place 20 61 singapore 048616"
    for k in range(40):
        pid = f"L{k}"
        parties.append({"party_id": pid, "display_name": f"Established Client {k}", "aeo_tier": "1"})
        held.append({"party_id": pid, "ident_key": agent, "kind": "address", "value": agent.split(":", 1)[1]})
        decl.append({"decl_key": f"TH|{pid}|1", "declaration_id": pid, "reporting_country": "TH",
                     "declared_at": pd.Timestamp("2025-03-01"), "consignor": f"S{k}", "consignee": pid})
    proj = Projection.from_frames(decl=pd.DataFrame(decl), parties=pd.DataFrame(parties), party_ident=pd.DataFrame(held))
    found, _ = communities.run(proj, Settings(), party_scores=pd.DataFrame(columns=["party_id", "score"]))
    assert found["size"].max() == 2  # each client with its own supplier, nothing more


def test_no_edges_give_empty_frames():
    found, membership = communities.run(Projection.from_frames(), Settings(), party_scores=pd.Series(dtype=float))
    assert found.empty and membership.empty
    assert {"community_id", "size", "score", "reasons", "members"} <= set(found.columns)
