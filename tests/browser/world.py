"""A small hand-made world for the browser tests.

``build_test_store(path) -> store_uri`` is the one function the fixture calls. Today it writes
nodes and relationships straight through ``open_store(...).upsert_nodes/upsert_rels`` and
writes plausible findings parquet files; once ``ingest.pipeline`` and
``intel.analytics.run.analyze`` are complete, replace its body with::

    from intel.demo import load_world, sample_world_dir
    from intel.analytics.run import analyze
    with open_store(uri) as store:
        load_world(store, sample_world_dir())          # or a world with the planted names
        analyze(store, load_settings(store.state_dir))
        ... plus upsert the XSS party and the shell consignee if the world lacks them

What the tests rely on (keep these true after the swap):

- a party named :data:`XSS_NAME` exists;
- :data:`SHELL_NAME` is a consignee whose phone :data:`SHARED_PHONE` is shared with other
  consignees (an ``Identifier`` node ``phone:+6621234567`` linked by ``HAS_IDENTIFIER``);
- a consignee is named :data:`FORMULA_NAME` (CSV formula injection);
- the findings folder ``STATE/findings`` holds ``consignees``, ``declarations``, ``routes``,
  ``communities``, ``hubs`` and ``tip_matches`` parquet files.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

XSS_NAME = "<img src=x onerror=alert(1)>"
#: a consignee whose name a spreadsheet would run as a formula
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","Invoice")'
FORMULA_ID = "P0000000000a6"
SHELL_NAME = "Golden Lotus Trading Co"
SHELL_ID = "P0000000000a1"
SHARED_PHONE = "+6621234567"
SHARED_PHONE_KEY = f"phone:{SHARED_PHONE}"
BRAND = "Sonique"

HUBS = [
    ("CNSHA", "Shanghai", "CN", 31.23, 121.47, "seaport", False),
    ("CNSZX", "Shenzhen", "CN", 22.54, 114.06, "seaport", False),
    ("MYPKG", "Port Klang", "MY", 3.0, 101.39, "seaport", True),
    ("THLCH", "Laem Chabang", "TH", 13.08, 100.88, "seaport", False),
    ("SGSIN", "Singapore", "SG", 1.26, 103.84, "seaport", False),
    ("VNSGN", "Ho Chi Minh City", "VN", 10.77, 106.7, "seaport", False),
    ("THBKK", "Bangkok", "TH", 13.69, 100.75, "airport", False),
]

PARTIES = [
    # party_id, display_name, aliases, country, registered_at, aeo
    (SHELL_ID, SHELL_NAME, "Golden Lotus Trading Co|GOLDEN LOTUS TRADING COMPANY", "TH", "2024-05-20", ""),
    ("P0000000000a2", "Siam Star Import", "Siam Star Import", "TH", "2024-05-22", ""),
    ("P0000000000a3", "Bangkok Prime Goods", "Bangkok Prime Goods", "TH", "2024-05-25", ""),
    ("P0000000000a4", "Chao Phraya Wholesale", "Chao Phraya Wholesale", "TH", "2019-01-10", "2"),
    ("P0000000000a5", XSS_NAME, XSS_NAME, "TH", "2024-06-01", ""),
    (FORMULA_ID, FORMULA_NAME, FORMULA_NAME, "TH", "2023-02-01", ""),
    ("P0000000000b1", "Shenzhen Bright Electronics Ltd", "Shenzhen Bright Electronics Ltd", "CN", "2015-03-03", ""),
    ("P0000000000b2", "Klang Freight Forwarding Sdn Bhd", "Klang Freight Forwarding Sdn Bhd", "MY", "2012-07-07", "1"),
    ("P0000000000c1", "Thai Customs Brokers Co", "Thai Customs Brokers Co", "TH", "2010-01-01", "3"),
]
SHELLS = [SHELL_ID, "P0000000000a2", "P0000000000a3", "P0000000000a5"]


def _route(origin: str, pol: str, transit: list[str], pod: str) -> tuple[str, str]:
    hubs = {h[0]: h for h in HUBS}
    parts = [origin, pol, *[f"{t}(ftz)" if hubs.get(t, (0,) * 7)[6] else t for t in transit], pod]
    text = ">".join(parts)
    return "R" + hashlib.sha1(text.encode()).hexdigest()[:10], text


def world_frames() -> dict[str, pd.DataFrame]:
    """Node and relationship frames of the world (label/type -> frame)."""
    start = datetime(2025, 1, 6)
    decl, consignee, consignor, declarant, loaded, transited, discharged = [], [], [], [], [], [], []
    origin, classified, on_route = [], [], []
    routes: dict[str, tuple[str, int]] = {}
    plan = []
    for i in range(38):
        cons = SHELLS[i % len(SHELLS)] if i < 24 else ["P0000000000a4", "P0000000000a4", "P0000000000b2"][i % 3]
        if i >= 36:
            cons = FORMULA_ID
        suspicious = i < 24
        transit = ["MYPKG"] if suspicious else []
        origin_c = "MY" if suspicious and i % 2 else "CN"
        hs = "85076000" if i % 3 else "85171300"
        plan.append((i, cons, transit, origin_c, hs, suspicious))
    for i, cons, transit, origin_c, hs, suspicious in plan:
        did = f"TH25{i:06d}"
        key = f"TH|{did}|1"
        rid, rtext = _route(origin_c, "CNSZX" if i % 2 else "CNSHA", transit, "THLCH")
        routes[rid] = (rtext, routes.get(rid, ("", 0))[1] + 1)
        inspection = "seized" if i in (1, 5) else ("non_compliant" if i == 9 else ("compliant" if i in (30, 31) else "none"))
        decl.append({
            "decl_key": key, "declaration_id": did, "item_no": 1, "reporting_country": "TH",
            "declared_at": start + timedelta(days=3 * i), "flow": "import", "procedure": "standard",
            "transport_mode": "sea", "carrier": "Maersk", "hs_code": hs, "hs6": hs[:6], "hs_chapter": hs[:2],
            "goods_description": "Lithium-ion batteries" if hs.startswith("8507") else "Mobile phones",
            "brand": BRAND if suspicious and i % 4 == 0 else "", "origin_country": origin_c, "export_country": "CN",
            "port_of_loading": "CNSZX" if i % 2 else "CNSHA", "transit_ports": ";".join(transit),
            "port_of_discharge": "THLCH", "route": rtext, "route_id": rid, "quantity": 100.0 + i,
            "quantity_unit": "PCE", "gross_mass_kg": 50.0 + i, "customs_value": 1200.0 if suspicious else 9000.0,
            "currency": "USD", "value_usd": 1200.0 if suspicious else 9000.0, "inspection_result": inspection,
            "status": "seized" if inspection == "seized" else "cleared",
            "risk_score": 0.82 if suspicious else 0.1, "lane": "red" if suspicious else "green",
            "reasons": '["consignee shares phone +6621234567 with 3 consignees"]' if suspicious else "[]",
        })
        consignee.append({"src": key, "dst": cons})
        consignor.append({"src": key, "dst": "P0000000000b1"})
        declarant.append({"src": key, "dst": "P0000000000c1"})
        loaded.append({"src": key, "dst": "CNSZX" if i % 2 else "CNSHA"})
        for seq, t in enumerate(transit, start=1):
            transited.append({"src": key, "dst": t, "seq": seq})
        discharged.append({"src": key, "dst": "THLCH"})
        origin.append({"src": key, "dst": origin_c})
        classified.append({"src": key, "dst": hs[:6]})
        on_route.append({"src": key, "dst": rid})
    parties = pd.DataFrame([
        {"party_id": p, "display_name": n, "aliases": a, "country": c,
         "registered_at": pd.Timestamp(r), "aeo_tier": aeo, "mention_count": 1,
         "score": 0.9 if p in SHELLS else 0.1, "community_id": "K1" if p in SHELLS else ""}
        for p, n, a, c, r, aeo in PARTIES])
    idents = pd.DataFrame([
        {"ident_key": SHARED_PHONE_KEY, "kind": "phone", "value": SHARED_PHONE, "party_count": len(SHELLS), "score": 0.8},
        {"ident_key": "email:lotus.trading88@gmail.com", "kind": "email", "value": "lotus.trading88@gmail.com", "party_count": 1},
        {"ident_key": "phone:+66899999999", "kind": "phone", "value": "+66899999999", "party_count": 1},
        {"ident_key": "address:99 moo 4 bang na bangkok", "kind": "address", "value": "99 moo 4 bang na bangkok", "party_count": 2},
    ])
    has_ident = [{"src": p, "dst": SHARED_PHONE_KEY} for p in SHELLS]
    has_ident += [{"src": SHELL_ID, "dst": "email:lotus.trading88@gmail.com"},
                  {"src": "P0000000000a4", "dst": "phone:+66899999999"},
                  {"src": SHELL_ID, "dst": "address:99 moo 4 bang na bangkok"},
                  {"src": "P0000000000a2", "dst": "address:99 moo 4 bang na bangkok"}]
    hubs = pd.DataFrame([{"locode": h[0], "name": h[1], "country": h[2], "lat": h[3], "lon": h[4], "kind": h[5],
                          "ftz": h[6], "known": True} for h in HUBS])
    countries = pd.DataFrame([{"code": c, "name": n} for c, n in
                              [("CN", "China"), ("MY", "Malaysia"), ("TH", "Thailand"), ("SG", "Singapore"), ("VN", "Viet Nam")]])
    commodities = pd.DataFrame([{"hs6": "850760", "chapter": "85", "sector": "lithium_batteries"},
                                {"hs6": "851713", "chapter": "85", "sector": ""}])
    route_nodes = pd.DataFrame([{"route_id": r, "route": t, "declaration_count": n, "score": 0.7 if "MYPKG" in t else 0.1}
                                for r, (t, n) in routes.items()])
    tips = pd.DataFrame([{"tip_id": "T-0001", "submitted_by": "Sonique Audio GmbH", "submitted_at": pd.Timestamp("2025-03-01"),
                          "brand": BRAND, "hs_codes": "8507", "suspect_names": SHELL_NAME, "suspect_phones": SHARED_PHONE,
                          "source_reliability": "B", "info_credibility": "2", "tlp": "AMBER", "status": "matched"}])
    return {
        "nodes": {
            "Hub": hubs, "Country": countries, "Commodity": commodities, "Party": parties, "Identifier": idents,
            "Declaration": pd.DataFrame(decl), "Route": route_nodes, "Tip": tips,
            "RightsHolder": pd.DataFrame([{"name": "Sonique Audio GmbH"}]),
        },
        "rels": {
            "CONSIGNEE": pd.DataFrame(consignee), "CONSIGNOR": pd.DataFrame(consignor),
            "DECLARANT": pd.DataFrame(declarant), "LOADED_AT": pd.DataFrame(loaded),
            "TRANSITED": pd.DataFrame(transited), "DISCHARGED_AT": pd.DataFrame(discharged),
            "ORIGIN": pd.DataFrame(origin), "CLASSIFIED_AS": pd.DataFrame(classified),
            "ON_ROUTE": pd.DataFrame(on_route), "HAS_IDENTIFIER": pd.DataFrame(has_ident),
            "SUBMITTED": pd.DataFrame([{"src": "Sonique Audio GmbH", "dst": "T-0001"}]),
            "TIP_NAMES": pd.DataFrame([{"src": "T-0001", "dst": SHELL_ID, "score": 0.95, "evidence": "name"}]),
            "TIP_IDENT": pd.DataFrame([{"src": "T-0001", "dst": SHARED_PHONE_KEY, "score": 1.0, "evidence": "phone"}]),
        },
    }


def write_findings(state_dir: Path, frames: dict) -> Path:
    """Findings parquet files in the analytics contract's columns (what ``analyze`` writes)."""
    folder = Path(state_dir) / "findings"
    folder.mkdir(parents=True, exist_ok=True)
    nodes = frames["nodes"]
    parties, decl = nodes["Party"], nodes["Declaration"]
    cons = frames["rels"]["CONSIGNEE"]
    counts = cons.groupby("dst").size()
    receivers = parties[parties["party_id"].isin(cons["dst"])]
    pd.DataFrame({
        "party_id": receivers["party_id"], "display_name": receivers["display_name"],
        "aliases": receivers["aliases"], "score": receivers["score"],
        "reasons": [[f"shares phone {SHARED_PHONE} with {len(SHELLS) - 1} consignees registered in the last 90 days",
                     "first shipment 10 days after registration"] if p in SHELLS else [] for p in receivers["party_id"]],
        "declaration_count": [int(counts.get(p, 0)) for p in receivers["party_id"]],
        "n_consignors": 1, "shared_ident_parties": [len(SHELLS) - 1 if p in SHELLS else 0 for p in receivers["party_id"]],
        "community_id": receivers["community_id"],
    }).to_parquet(folder / "consignees.parquet", index=False)
    pd.DataFrame({
        "decl_key": decl["decl_key"], "declaration_id": decl["declaration_id"],
        "reporting_country": decl["reporting_country"], "risk_score": decl["risk_score"], "lane": decl["lane"],
        "reasons": [["consignee shares a phone with 3 new consignees", "transited MYPKG (free zone) with origin MY"]
                    if s > 0.5 else [] for s in decl["risk_score"]],
        "consignee_party_id": cons["dst"].values, "route_id": decl["route_id"], "declared_at": decl["declared_at"],
        "hs_code": decl["hs_code"],
    }).to_parquet(folder / "declarations.parquet", index=False)
    r = nodes["Route"]
    pd.DataFrame({"route_id": r["route_id"], "route": r["route"], "declaration_count": r["declaration_count"],
                  "score": r["score"],
                  "reasons": [["declared origin MY but loaded at a CN port and transited MYPKG (free zone)"]
                              if "MYPKG" in t else [] for t in r["route"]]}).to_parquet(folder / "routes.parquet", index=False)
    pd.DataFrame([{"community_id": "K1", "size": len(SHELLS), "score": 0.88,
                   "reasons": [f"{len(SHELLS)} consignees share phone {SHARED_PHONE}"], "members": SHELLS,
                   "countries": ["TH"], "hubs": ["THLCH", "MYPKG"], "hs_chapters": ["85"]}]
                 ).to_parquet(folder / "communities.parquet", index=False)
    h = nodes["Hub"]
    pd.DataFrame({"locode": h["locode"], "name": h["name"], "country": h["country"], "ftz": h["ftz"],
                  "suspicious_flow": [24 if c == "MYPKG" else 0 for c in h["locode"]],
                  "betweenness": [0.5 if c == "MYPKG" else 0.1 for c in h["locode"]],
                  "score": [0.75 if c == "MYPKG" else 0.05 for c in h["locode"]],
                  "reasons": [["24 suspicious declarations transit here"] if c == "MYPKG" else [] for c in h["locode"]]}
                 ).to_parquet(folder / "hubs.parquet", index=False)
    pd.DataFrame([{"tip_id": "T-0001", "target_label": "Party", "target_key": SHELL_ID, "score": 0.95,
                   "evidence": f"name ~ {SHELL_NAME}"},
                  {"tip_id": "T-0001", "target_label": "Identifier", "target_key": SHARED_PHONE_KEY, "score": 1.0,
                   "evidence": f"phone {SHARED_PHONE}"}]).to_parquet(folder / "tip_matches.parquet", index=False)
    return folder


def build_test_store(path: Path) -> str:
    """Build the test world into an embedded store at ``path``; returns its URI."""
    from intel.store import open_store

    uri = f"embedded:{Path(path).resolve()}"
    frames = world_frames()
    with open_store(uri) as store:
        for label, df in frames["nodes"].items():
            store.upsert_nodes(label, df)
        for rel, df in frames["rels"].items():
            store.upsert_rels(rel, df)
        write_findings(store.state_dir, frames)
    return uri
