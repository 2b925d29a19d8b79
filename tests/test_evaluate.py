"""analyze() end to end on an in-memory store, then evaluate() against a hand-made ground truth."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from intel.analytics import evaluate as ev
from intel.analytics import run as run_mod
from intel.analytics.projection import read_projection
from intel.config import Settings
from intel.model import NODES, RELS
from intel.store.base import Store


class MemoryStore(Store):
    """Just enough of a store for analyze(): node and relationship frames in dicts."""

    def __init__(self, state_dir: Path, nodes: dict[str, pd.DataFrame], rels: dict[str, pd.DataFrame]) -> None:
        self.uri, self.state_dir, self.quarantine_dir = "memory:", state_dir, state_dir / "quarantine"
        self._nodes = {label: nodes.get(label, pd.DataFrame(columns=NODES[label].columns)) for label in NODES}
        self._rels = {t: rels.get(t, pd.DataFrame(columns=RELS[t].columns)) for t in RELS}

    def init_schema(self) -> None: ...

    def upsert_nodes(self, label, df):
        key = NODES[label].key
        old = self._nodes[label]
        self._nodes[label] = pd.concat([old[~old[key].isin(set(df[key]))], df], ignore_index=True)
        return len(df)

    def upsert_rels(self, rel_type, df, fresh=False):
        self._rels[rel_type] = pd.concat([self._rels[rel_type], df], ignore_index=True)
        return len(df)

    def set_properties(self, label, df):
        key = NODES[label].key
        frame = self._nodes[label].set_index(key)
        for column in df.columns.drop(key):
            frame.loc[df[key].to_numpy(), column] = df[column].to_numpy()
        self._nodes[label] = frame.reset_index()
        return len(df)

    def delete_nodes(self, label, keys):
        return 0

    def prune_rels(self, rel_type, sources, keep):
        frame = self._rels[rel_type]
        kept = set(zip(keep["src"], keep["dst"]))
        drop = frame["src"].isin(set(sources)) & [pair not in kept for pair in zip(frame["src"], frame["dst"])]
        self._rels[rel_type] = frame[~drop].reset_index(drop=True)
        return int(drop.sum())

    def nodes(self, label, columns=None, chunk=200_000):
        frame = self._nodes[label]
        return frame[[c for c in columns if c in frame]].copy() if columns else frame.copy()

    def rels(self, rel_type, columns=None):
        frame = self._rels[rel_type]
        return frame[[c for c in columns if c in frame]].copy() if columns else frame.copy()

    def query(self, cypher, params=None):
        raise NotImplementedError

    def neighbourhood(self, label, key, depth=1, limit=200):
        raise NotImplementedError

    def counts(self):
        return {label: len(frame) for label, frame in self._nodes.items()}

    def record_load(self, info):
        pass

    def loads(self):
        return pd.DataFrame()

    def close(self) -> None: ...


HUBS = pd.DataFrame([("CNSHA", "Shanghai", "CN", 31.36, 121.62, "seaport", False),
                     ("MYPKG", "Port Klang", "MY", 3.0, 101.39, "seaport", True),
                     ("SGSIN", "Singapore", "SG", 1.264, 103.84, "seaport", True),
                     ("THLCH", "Laem Chabang", "TH", 13.083, 100.883, "seaport", False),
                     ("VNSGN", "Ho Chi Minh City", "VN", 10.77, 106.71, "seaport", False)],
                    columns=["locode", "name", "country", "lat", "lon", "kind", "ftz"])


def world_store(tmp_path: Path) -> MemoryStore:
    rows = []
    plan = [("CN", "CNSHA", "SGSIN", "P1", 40), ("CN", "CNSHA", "", "P2", 40), ("VN", "VNSGN", "", "P3", 40),
            ("VN", "CNSHA", "MYPKG", "P4", 6)]
    i = 0
    for origin, pol, transit, consignee, n in plan:
        for _ in range(n):
            rows.append({"decl_key": f"TH|D{i}|1", "declaration_id": f"D{i}", "item_no": 1, "reporting_country": "TH",
                         "declared_at": pd.Timestamp("2024-01-01") + pd.Timedelta(days=i % 200), "flow": "import",
                         "transport_mode": "sea", "hs_code": "940360", "hs6": "940360", "hs_chapter": "94",
                         "origin_country": origin, "port_of_loading": pol, "transit_ports": transit,
                         "port_of_discharge": "THLCH", "value_usd": 1000.0, "_consignee": consignee})
            i += 1
    decl = pd.DataFrame(rows)
    consignee = pd.DataFrame({"src": decl["decl_key"], "dst": decl.pop("_consignee")})
    parties = pd.DataFrame({"party_id": ["P1", "P2", "P3", "P4"], "display_name": ["A", "B", "C", "D"],
                            "aliases": ["A|a", "B", "C", "D|d"], "aeo_tier": ["3", "", "", ""]})
    tips = pd.DataFrame({"tip_id": ["T1"], "submitted_by": ["Brand"]})
    return MemoryStore(tmp_path, {"Declaration": decl, "Party": parties, "Hub": HUBS, "Tip": tips},
                       {"CONSIGNEE": consignee})


def fake_siblings(monkeypatch):
    """Stand-ins for the sibling analytics, following the analytics contract."""
    def tips_run(proj, cfg):
        matches = pd.DataFrame({"tip_id": ["T1", "T1"], "target_label": ["Party", "Hub"], "target_key": ["P4", "MYPKG"],
                                "score": [0.9, 0.5], "evidence": ["name matches D", "port MYPKG named"]})
        decl_tip = pd.DataFrame({"decl_key": ["TH|D0|1"], "score": [0.7], "reasons": [["tip T1 names the consignee"]]})
        return matches, decl_tip

    def consignees_run(proj, cfg, tip_matches=None, valuation=None, deminimis=None):
        assert tip_matches is not None
        return pd.DataFrame({"party_id": ["P4", "P1"], "score": [0.8, 0.1],
                             "reasons": [["registered 3 days before first shipment"], []], "declaration_count": [6, 40]})

    def communities_run(proj, cfg, party_scores=None):
        assert party_scores is not None
        comm = pd.DataFrame({"community_id": ["C1"], "size": [2], "score": [0.6], "reasons": [["2 new consignees"]],
                             "members": [["P3", "P4"]]})
        return comm, pd.DataFrame({"party_id": ["P3", "P4"], "community_id": ["C1", "C1"]})

    def valuation_run(proj, cfg):
        return pd.DataFrame({"decl_key": ["TH|D1|1"], "score": [0.5], "reasons": [["unit value 10% of norm"]]})

    modules = {"tips": types.SimpleNamespace(run=tips_run), "consignees": types.SimpleNamespace(run=consignees_run),
               "communities": types.SimpleNamespace(run=communities_run), "valuation": types.SimpleNamespace(run=valuation_run)}

    def sibling(name):
        if name not in modules:
            raise ModuleNotFoundError(f"No module named 'intel.analytics.{name}'", name=f"intel.analytics.{name}")
        return modules[name]

    monkeypatch.setattr(run_mod, "_sibling", sibling)


def test_analyze_writes_the_contract_files_findings_and_graph_properties(tmp_path, monkeypatch):
    fake_siblings(monkeypatch)
    store = world_store(tmp_path / "state")
    stages = []
    with pytest.warns(UserWarning, match="deminimis"):
        summary = run_mod.analyze(store, Settings(), out_dir=tmp_path / "out", progress=stages.append)
    assert summary["missing"] == ["deminimis"] and not summary["errors"]
    assert {"tips", "valuation", "consignees", "communities", "routes", "risk", "learn", "total"} <= set(summary["timings"])
    assert stages[0] == "projection" and "routes" in stages
    assert summary["learn"]["status"] == "skipped"
    out = tmp_path / "out"
    decl = pd.read_csv(out / "declaration_risk.csv", keep_default_na=False)
    assert list(decl.columns[:7]) == ["declaration_id", "reporting_country", "risk_score", "lane", "reasons",
                                      "consignee_party_id", "route_id"]
    assert len(decl) == 126 and decl["route_id"].str.startswith("R").all()
    assert set(decl["lane"]) <= {"green", "yellow", "red"}
    assert (decl["lane"] == "red").sum() == round(0.05 * 126)
    top = decl.sort_values("risk_score", ascending=False).iloc[0]
    assert top["consignee_party_id"] == "P4" and "declared origin VN" in top["reasons"]
    cons = pd.read_csv(out / "consignee_findings.csv", keep_default_na=False)
    assert list(cons.columns[:7]) == ["party_id", "display_name", "aliases", "declaration_count", "score", "reasons", "community_id"]
    assert set(cons["party_id"]) == {"P1", "P2", "P3", "P4"}  # every receiver, flagged or not
    assert cons.set_index("party_id").loc["P4", "community_id"] == "C1"
    assert cons.set_index("party_id").loc["P1", "aliases"] == "A|a"
    routes = pd.read_csv(out / "route_findings.csv", keep_default_na=False)
    assert list(routes.columns[:5]) == ["route_id", "route", "declaration_count", "score", "reasons"]
    assert routes.iloc[0]["route"] == "VN>CNSHA>MYPKG(ftz)>THLCH"
    comm = pd.read_csv(out / "communities.csv", keep_default_na=False)
    assert comm.loc[0, "members"] == "P3|P4"
    assert (out / "hub_ranking.csv").is_file() and (out / "tip_matches.csv").is_file()
    findings = tmp_path / "state" / "findings"
    assert {p.name for p in findings.iterdir()} >= {f"{n}.parquet" for n in run_mod.PARQUET_FILES}
    assert isinstance(pd.read_parquet(findings / "declarations.parquet")["reasons"].iloc[0], np.ndarray)
    # write-back
    d = store.nodes("Declaration").set_index("decl_key")
    assert d["risk_score"].notna().all() and set(d["lane"]) <= {"green", "yellow", "red"}
    assert store.nodes("Party").set_index("party_id").loc["P4", "community_id"] == "C1"
    assert len(store.nodes("Route")) == 4 and len(store.rels("ON_ROUTE")) == 126
    assert store.nodes("Hub").set_index("locode")["score"].notna().all()
    assert set(store.rels("TIP_NAMES")["dst"]) == {"P4"} and set(store.rels("TIP_PORT")["dst"]) == {"MYPKG"}
    # a second run adds no duplicate ON_ROUTE edges
    with pytest.warns(UserWarning, match="deminimis"):
        run_mod.analyze(store, Settings(), out_dir=None)
    assert len(store.rels("ON_ROUTE")) == 126


@pytest.mark.filterwarnings("ignore:analytic 'deminimis' is not installed")
def test_a_failing_analytic_is_reported_and_the_others_go_on(tmp_path, monkeypatch):
    fake_siblings(monkeypatch)
    working = run_mod._sibling

    def broken(name):
        if name == "valuation":
            return types.SimpleNamespace(run=lambda proj, cfg: 1 / 0)
        return working(name)

    monkeypatch.setattr(run_mod, "_sibling", broken)
    proj = read_projection(world_store(tmp_path))
    with pytest.warns(UserWarning, match="valuation"):
        frames, summary = run_mod.analyze_projection(proj, Settings())
    assert "ZeroDivisionError" in summary["errors"]["valuation"]
    assert len(frames["declarations"]) == 126
    assert frames["consignees"]["score"].max() == 0.8  # the consignee analytic still ran
    with pytest.raises(ZeroDivisionError):
        run_mod.analyze_projection(proj, Settings(), strict=True)


def test_evaluate_scores_consignees_routes_and_declarations(tmp_path):
    out, gt = tmp_path / "out", tmp_path / "gt"
    out.mkdir()
    gt.mkdir()
    n = 40
    ids = [f"D{i}" for i in range(n)]
    # predicted consignees: Q0..Q3 map (by majority) to true S0 (shell), L1, L2 (agent client), S3 (shell)
    pred = [f"Q{i % 4}" for i in range(n)]
    true = [{"Q0": "S0", "Q1": "L1", "Q2": "L2", "Q3": "S3"}[p] for p in pred]
    true[0] = "L1"  # one stray declaration does not change Q0's majority
    route = ["RA" if i < 10 else ("RB" if i < 30 else "RC") for i in range(n)]
    laundering = [1 if r == "RA" else (1 if (r == "RC" and i % 2) else 0) for i, r in enumerate(route)]
    illicit = [1 if i < 4 else 0 for i in range(n)]
    risk = [1 - i / n for i in range(n)]
    pd.DataFrame({"declaration_id": ids, "reporting_country": "TH", "risk_score": risk, "lane": "green", "reasons": "",
                  "consignee_party_id": pred, "route_id": route}).to_csv(out / "declaration_risk.csv", index=False)
    pd.DataFrame({"party_id": ["Q0", "Q1", "Q2", "Q3"], "display_name": "", "aliases": "", "declaration_count": 10,
                  "score": [0.9, 0.8, 0.7, 0.1], "reasons": "", "community_id": ""}).to_csv(out / "consignee_findings.csv", index=False)
    pd.DataFrame({"route_id": ["RA", "RB", "RC"], "route": ["VN>CNSHA>MYPKG(ftz)>THLCH", "CN>CNSHA>SGSIN(ftz)>THLCH", "CN>CNSHA>THLCH"],
                  "declaration_count": [10, 20, 10], "score": [0.2, 0.9, 0.1], "reasons": ""}).to_csv(out / "route_findings.csv", index=False)
    pd.DataFrame({"declaration_id": ids, "reporting_country": "TH", "item_no": 1, "consignee_true_id": true,
                  "consignor_true_id": "", "illicit": illicit, "scheme": "", "laundering_route": laundering}).to_csv(gt / "declarations.csv", index=False)
    pd.DataFrame({"true_party_id": ["S0", "L1", "L2", "S3"], "kind": ["shell", "legit", "agent_client", "shell"],
                  "is_shell": [1, 0, 0, 1], "ring_id": ""}).to_csv(gt / "parties.csv", index=False)
    result = ev.evaluate(out, gt)
    c = result["consignees"]
    assert c["positives"] == 2 and c["average_precision"] == pytest.approx((1 + 2 / 4) / 2)
    assert c["precision_at_10"] == pytest.approx(0.5) and c["agent_clients"]["in_top_10"] == 1
    r = result["routes"]
    # RA is the only laundering route (RC is exactly half: not more than half); ranked second
    assert r["positives"] == 1 and r["average_precision"] == pytest.approx(0.5)
    assert r["legit_hub_routes"] == {"total": 1, "in_top_10": 1, "in_top_50": 1, "in_top_100": 1}
    d = result["declarations"]
    assert d["precision_at_5pct"] == 1.0 and d["k_5pct"] == 2 and d["average_precision"] == pytest.approx(1.0)
    text = ev.format_report(result)
    assert "laundering routes" in text and "registered-agent clients" in text


def test_evaluate_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="declaration_risk.csv"):
        ev.evaluate(tmp_path, tmp_path)


def test_evaluate_reports_the_two_declaration_variant_and_the_chain_findings(tmp_path):
    """A ground truth with planted chains: the variant of each laundering route, and the chain
    findings against the planted chains (positives, legitimate look-alikes in the top)."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    out.mkdir()
    gt.mkdir()
    # RA: single-declaration laundering; RX: exits of laundering chains; RF: their feeder
    # imports (honest route); RP: a free-zone factory's exports (legitimate processing)
    rows = ([("A%d" % i, "RA", 1, "", "", "") for i in range(4)]
            + [("X%d" % i, "RX", 1, f"CH{i}", "laundering", "exit") for i in range(4)]
            + [("F%d" % i, "RF", 0, f"CH{i}", "laundering", "entry") for i in range(4)]
            + [("P%d" % i, "RP", 0, f"TP{i}", "ftz_processing", "exit") for i in range(2)]
            + [("Q%d" % i, "RF", 0, f"TP{i}", "ftz_processing", "entry") for i in range(2)])
    ids, route, laundering, chain_id, kind, leg = map(list, zip(*rows))
    scores = {"RA": 0.9, "RX": 0.8, "RF": 0.1, "RP": 0.3}
    pd.DataFrame({"declaration_id": ids, "reporting_country": "MY", "item_no": 1, "risk_score": 0.5, "lane": "green",
                  "reasons": "", "consignee_party_id": "", "route_id": route}).to_csv(out / "declaration_risk.csv", index=False)
    pd.DataFrame({"party_id": ["Q"], "score": [0.1], "reasons": ""}).to_csv(out / "consignee_findings.csv", index=False)
    pd.DataFrame({"route_id": list(scores), "route": ["CN>CNSHA>MYPKG(ftz)>THLCH", "MY>MYPKG(ftz)>THLCH", "CN>CNSHA>MYPKG(ftz)",
                                                      "MY>MYPKG(ftz)>VNSGN"],
                  "declaration_count": 1, "score": list(scores.values()), "reasons": ""}).to_csv(out / "route_findings.csv", index=False)
    pd.DataFrame({"chain_id": ["K0", "K1", "K2", "K3", "K4"], "score": [0.95, 0.9, 0.2, 0.4, 0.0],
                  "entry_decl_key": ["MY|F0|1", "MY|F1|1", "MY|Q0|1", "MY|Q1|1", "MY|F2|1"],
                  "exit_decl_key": ["MY|X0|1", "MY|X1|1", "MY|P0|1", "MY|X3|1", "MY|P1|1"]}).to_csv(out / "chain_findings.csv", index=False)
    pd.DataFrame({"declaration_id": ids, "reporting_country": "MY", "item_no": 1, "consignee_true_id": "", "consignor_true_id": "",
                  "illicit": laundering, "scheme": "", "laundering_route": laundering, "chain_id": chain_id,
                  "chain_kind": kind, "chain_leg": leg}).to_csv(gt / "declarations.csv", index=False)
    pd.DataFrame({"true_party_id": ["S"], "kind": ["legit"], "is_shell": [0], "ring_id": ""}).to_csv(gt / "parties.csv", index=False)
    result = ev.evaluate(out, gt)
    v = result["routes"]["variants"]
    assert v["two_declaration"] == 1 and v["single_declaration"] == 1 and v["two_declaration_share"] == 0.5
    assert v["ap_two_declaration"] == pytest.approx(1.0)  # RX ranks above every negative
    c = result["chains"]
    # K0 and K1 are planted chains end to end; K3 joins a factory's input to a laundering exit: not one
    assert c["positives"] == 2 and c["average_precision"] == pytest.approx(1.0)
    assert c["planted_exits"] == 4 and c["planted_exits_found"] == 3
    assert c["legit_in_top"]["ftz_processing"] == {"total": 3, "in_top_10": 3, "in_top_50": 3, "in_top_100": 3}
    text = ev.format_report(result)
    assert "two-declaration" in text and "chain findings" in text
