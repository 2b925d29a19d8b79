"""Chains of declarations through free zones, on small hand-made graphs.

Each case is a handful of declarations written the way the loader leaves them (normalised
units, resolved party ids), run through :func:`intel.analytics.chains.run`; and one case goes
through the real ingest pipeline and store, so the chain is found from the graph's
``IN_CONTAINER`` / ``UNDER_DOCUMENT`` edges as loaded.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.normalize import load_reference
from ingest.units import normalize_container, normalize_document, unit_edges
from intel.analytics import chains
from intel.analytics.projection import Projection
from intel.config import Settings

HUBS = load_reference().hubs
CFG = Settings()


def decl(key: str, when: str, *, rc: str, origin: str, hs: str, pol: str, pod: str, consignor: str, consignee: str,
         containers: str = "", doc: str = "", previous: str = "", preference: str = "", qty: float = 1000.0) -> dict:
    rc_, did, item = key.split("|")
    return {"decl_key": key, "declaration_id": did, "item_no": int(item), "reporting_country": rc,
            "declared_at": pd.Timestamp(when), "flow": "import", "procedure": "standard", "transport_mode": "sea",
            "origin_country": origin, "export_country": pol[:2], "hs_code": hs, "hs6": hs[:6], "hs_chapter": hs[:2],
            "port_of_loading": pol, "port_of_discharge": pod, "transit_ports": "", "container_ids": containers,
            "transport_document": doc, "previous_document": previous, "preference": preference, "quantity": qty,
            "consignor": consignor, "consignee": consignee}


def run(rows: list[dict], party_ident: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    proj = Projection.from_frames(decl=pd.DataFrame(rows), hubs=HUBS,
                                  **({"party_ident": party_ident} if party_ident is not None else {}))
    return chains.run(proj, CFG)


FEEDER = dict(rc="MY", origin="CN", hs="76061200", pol="CNSHA", pod="MYPKG", consignor="P-CN-MILL", consignee="P-MY-FRONT",
              containers="MSCU1234566", doc="MSCU240000171")
REEXPORT = dict(rc="TH", origin="MY", hs="76061200", pol="MYPKG", pod="THLCH", consignor="P-MY-FRONT", consignee="P-TH-IMP",
                containers="MSCU1234566", doc="ONEY555000012", preference="ATIGA Form D")


def test_container_numbers_are_checked_and_normalised():
    assert normalize_container("mscu 123456-6") == "MSCU1234566"
    assert normalize_container("MSCU1234565") == ""  # wrong check digit: not a container
    assert normalize_container("12345") == ""
    assert normalize_document("618-1234 5675") == normalize_document("6181234-5675") == "61812345675"
    edges = unit_edges(pd.DataFrame([{"decl_key": "k", "container_ids": "MSCU1234566;CSQU3054383", "transport_document": "X1",
                                      "previous_document": "", "declared_at": pd.Timestamp("2024-01-01"),
                                      "port_of_loading": "CNSHA", "port_of_discharge": "MYPKG"}]))
    assert sorted(edges["unit"]) == ["CSQU3054383", "MSCU1234566", "X1"]
    assert set(edges["discharged_at"]) == {"MYPKG"}


def test_chain_without_transformation_is_origin_laundering_across_two_countries():
    found, per_decl = run([decl("MY|24000017|1", "2024-03-02", **FEEDER), decl("TH|A0240001|1", "2024-03-19", **REEXPORT)])
    assert len(found) == 1
    c = found.iloc[0]
    assert c["decl_keys"] == ["MY|24000017|1", "TH|A0240001|1"]  # time-ordered
    assert c["reporting_countries"] == ["MY", "TH"]  # the entry and the exit from two administrations
    assert c["dwell_days"] == [17.0]
    assert c["origin_in"] == "CN" and c["origin_out"] == "MY" and not c["heading_changed"]
    assert c["score"] >= 0.7
    first = c["reasons"][0]
    for quoted in ("container MSCU1234566 entered MYPKG on 2024-03-02 under MY import 24000017 as CN-origin HS 760612",
                   "left on 2024-03-19 under TH import A0240001 declared MY origin", "ATIGA Form D claim",
                   "17 days, same HS heading"):
        assert quoted in first
    legs = per_decl.set_index("decl_key")
    assert legs.at["TH|A0240001|1", "leg"] == "exit" and legs.at["MY|24000017|1", "leg"] == "entry"
    assert legs.at["TH|A0240001|1", "score"] > legs.at["MY|24000017|1", "score"] > 0


def test_chain_with_transformation_scores_low():
    ingots = dict(FEEDER, hs="76011000", consignee="P-MY-MILL")
    profiles = dict(REEXPORT, hs="76042900", consignor="P-MY-MILL")
    # the mill also receives inputs of other headings (alloys, dies): a manufacturing footprint
    inputs = [decl(f"MY|2400010{i}|1", f"2024-0{i + 1}-10", **dict(FEEDER, hs=hs, consignee="P-MY-MILL", containers="", doc=""))
              for i, hs in enumerate(["81049000", "84807100", "28182000"])]
    found, _ = run([decl("MY|24000017|1", "2024-03-02", **ingots), decl("TH|A0240001|1", "2024-05-20", **profiles), *inputs])
    assert len(found) == 1
    c = found.iloc[0]
    assert c["heading_changed"] and c["origin_out"] == "MY"
    assert c["score"] < 0.3
    assert any("manufacturing footprint" in r for r in c["reasons"])


def test_container_reused_months_apart_by_unrelated_shippers_is_no_chain():
    later = dict(REEXPORT, consignor="P-MY-OTHER", hs="94036090", preference="")
    found, per_decl = run([decl("MY|24000017|1", "2024-01-05", **FEEDER), decl("TH|A0240009|1", "2024-05-28", **later)])
    assert found.empty and per_decl.empty


def test_restuffing_is_linked_through_the_bill_of_lading():
    restuffed = dict(REEXPORT, containers="TGHU7654320", previous="MSCU 2400 00171")
    restuffed["previous"] = normalize_document(restuffed["previous"])
    found, _ = run([decl("MY|24000017|1", "2024-03-02", **FEEDER), decl("TH|A0240001|1", "2024-03-12", **restuffed)])
    assert len(found) == 1
    c = found.iloc[0]
    assert c["units"] == ["MSCU240000171"]
    assert "goods under bill of lading MSCU240000171" in c["reasons"][0]
    assert "in other containers" in c["reasons"][0]
    assert c["score"] >= 0.7


def test_second_hop_and_partial_quantities():
    via = dict(REEXPORT, rc="ID", pod="IDBTM", consignee="P-ID-FRONT", origin="CN", containers="MSCU1234566", preference="",
               qty=600)
    final = dict(REEXPORT, pol="IDBTM", consignor="P-ID-FRONT", origin="ID", containers="MSCU1234566", qty=600)
    other_half = dict(REEXPORT, qty=400, doc="ONEY555000013")
    found, _ = run([decl("MY|24000017|1", "2024-03-02", **FEEDER), decl("ID|B1|1", "2024-03-10", **via),
                    decl("TH|A0240002|1", "2024-03-25", **final), decl("TH|A0240003|1", "2024-03-12", **other_half)])
    by_exit = found.set_index("exit_decl_key")
    two_hop = by_exit.loc["TH|A0240002|1"]
    assert two_hop["decl_keys"] == ["MY|24000017|1", "ID|B1|1", "TH|A0240002|1"]
    assert two_hop["hubs"] == ["MYPKG", "IDBTM"]
    assert two_hop["origin_in"] == "CN" and two_hop["origin_out"] == "ID" and two_hop["score"] >= 0.6
    # the other part of the same consignment left MYPKG on its own, also re-originated
    assert by_exit.loc["TH|A0240003|1", "score"] >= 0.6


def test_transshipment_without_origin_change_and_consolidation_boxes_are_not_laundering():
    feeder = dict(FEEDER, pod="SGSIN", rc="SG", consignee="P-SG-FWD", containers="MSCU1234566")
    onward = dict(REEXPORT, pol="SGSIN", origin="CN", consignor="P-SG-FWD", preference="")
    # a consolidation box: unloaded at SGSIN for one distributor, reloaded with many shippers' goods
    box = "CSQU3054383"
    arrive = dict(FEEDER, pod="SGSIN", rc="SG", origin="JP", hs="84713020", consignee="P-SG-DIST", containers=box, doc="")
    leave = [decl(f"TH|A09{i}|1", "2024-04-02", **dict(REEXPORT, pol="SGSIN", origin="SG", hs=hs, consignor=f"P-SG-S{i}",
                                                       consignee=f"P-TH-C{i}", containers=box, doc=""))
             for i, hs in enumerate(["33049930", "85044090", "95030099", "61091010"])]
    found, per_decl = run([decl("SG|S1|1", "2024-03-02", **feeder), decl("TH|A0240001|1", "2024-03-05", **onward),
                           decl("SG|S2|1", "2024-03-30", **arrive), *leave])
    assert len(found) == 1 and found.iloc[0]["score"] == 0.0
    assert "no change of origin" in found.iloc[0]["reasons"][0]
    assert per_decl.empty


#: how the parties of the loaded case are written (the front company the same way in both countries' files)
TRADERS = {"P-CN-MILL": ("Jiangsu Hengda Aluminium Co., Ltd.", "CN", "+86 21 5555 0101"),
           "P-MY-FRONT": ("Sinar Mega Trading Sdn. Bhd.", "MY", "+60 3 3166 1234"),
           "P-TH-IMP": ("Siam Metal Works Co., Ltd.", "TH", "+66 2 555 0199")}


def written(party: str, role: str) -> dict:
    name, country, phone = TRADERS[party]
    return {f"{role}_name": name, f"{role}_country": country, f"{role}_phone": phone}


def test_chain_found_from_the_graph_as_loaded(tmp_path):
    """Both administrations' files through the real pipeline: the chain comes from the stored
    container edges."""
    from ingest.pipeline import ingest_files
    from intel.analytics.projection import read_projection
    from intel.store import open_store

    rows = []
    for key, when, spec in (("MY|24000017|1", "2024-03-02", FEEDER), ("TH|A0240001|1", "2024-03-19", REEXPORT)):
        rc, did, _ = key.split("|")
        rows.append({"declaration_id": did, "reporting_country": rc, "declared_at": when, "procedure": "standard",
                     "transport_mode": "sea", **written(spec["consignor"], "consignor"), **written(spec["consignee"], "consignee"),
                     "hs_code": spec["hs"], "origin_country": spec["origin"], "port_of_loading": spec["pol"],
                     "port_of_discharge": spec["pod"], "container_ids": "mscu 123456-6", "transport_document": spec["doc"],
                     "preference": spec.get("preference", ""), "quantity": 1000})
    for rc in ("MY", "TH"):
        pd.DataFrame([r for r in rows if r["reporting_country"] == rc]).to_csv(tmp_path / f"{rc}.csv", index=False)
    with open_store(f"embedded:{tmp_path / 'store'}") as store:
        ingest_files(store, "declarations", [tmp_path / "MY.csv"])
        ingest_files(store, "declarations", [tmp_path / "TH.csv"])
        edges = store.rels("IN_CONTAINER")
        assert set(edges["dst"]) == {"MSCU1234566"} and len(edges) == 2
        assert set(edges["discharged_at"]) == {"MYPKG", "THLCH"}
        found, _ = chains.run(read_projection(store), CFG)
    assert len(found) == 1 and found.iloc[0]["origin_out"] == "MY" and found.iloc[0]["score"] > 0.5


@pytest.mark.parametrize("days", [1, 29])
def test_shorter_dwell_scores_higher(days):
    found, _ = run([decl("MY|24000017|1", "2024-03-02", **FEEDER),
                    decl("TH|A0240001|1", str((pd.Timestamp("2024-03-02") + pd.Timedelta(days=days)).date()), **REEXPORT)])
    slow, _ = run([decl("MY|24000017|1", "2024-03-02", **FEEDER), decl("TH|A0240001|1", "2024-06-20", **REEXPORT)])
    assert found.iloc[0]["score"] > slow.iloc[0]["score"]


def test_unit_rows_read_a_column_of_several_arrow_chunks():
    from ingest.units import unit_rows

    boxes = pd.concat([pd.Series(["MSCU1234566;CSQU3054383"], dtype="string[pyarrow]"),
                       pd.Series([None, "TGHU7654320"], dtype="string[pyarrow]")], ignore_index=True)
    found = unit_rows(pd.DataFrame({"container_ids": boxes}))
    assert found[["row", "unit"]].values.tolist() == [[0, "MSCU1234566"], [0, "CSQU3054383"], [2, "TGHU7654320"]]
