"""Run every analytic on the store's projection, write the findings and the contract's files.

``analyze(store, cfg, out_dir)`` = read the projection, :func:`analyze_projection` (pure:
frames in, frames out), then :func:`write_outputs` (CSV + Parquet) and :func:`write_back`
(scores onto the graph). The sibling analytics (tips, valuation, deminimis, consignees,
communities) are imported lazily by name, so a missing one is reported and skipped, never
fatal; an analytic that fails is reported in the summary (``errors``) and the others go on,
unless ``strict=True``.
"""

from __future__ import annotations

import importlib
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from intel.analytics import risk as risk_mod
from intel.analytics import routes as routes_mod
from intel.analytics.features import text
from intel.analytics.projection import Projection, read_projection
from intel.config import Settings

__all__ = ["analyze", "analyze_projection", "write_outputs", "write_back", "CSV_FILES", "PARQUET_FILES"]

#: frame name -> (file name, contract columns first)
CSV_FILES = {
    "declarations": ("declaration_risk.csv", ["declaration_id", "reporting_country", "risk_score", "lane", "reasons",
                                              "consignee_party_id", "route_id", "item_no", "decl_key"]),
    "consignees": ("consignee_findings.csv", ["party_id", "display_name", "aliases", "declaration_count", "score",
                                              "reasons", "community_id"]),
    "routes": ("route_findings.csv", ["route_id", "route", "declaration_count", "score", "reasons"]),
    "communities": ("communities.csv", ["community_id", "size", "score", "reasons", "members"]),
    "hubs": ("hub_ranking.csv", ["locode", "name", "country", "ftz", "declaration_count", "suspicious_flow",
                                 "betweenness", "score", "reasons"]),
    "tip_matches": ("tip_matches.csv", ["tip_id", "target_label", "target_key", "score", "evidence"]),
}
PARQUET_FILES = {name: f"{name}.parquet" for name in CSV_FILES}
_LIST_COLUMNS = {"reasons", "members", "aliases", "tip_ids", "evidence", "countries", "hubs", "hs_chapters"}
TIP_RELS = {"Party": "TIP_NAMES", "Identifier": "TIP_IDENT", "Hub": "TIP_PORT", "Declaration": "TIP_FLAGS"}


class _Stages:
    """Runs named stages, timing them, reporting progress and collecting failures."""

    def __init__(self, progress: Callable[[str], Any] | None, strict: bool) -> None:
        self.progress, self.strict = progress, strict
        self.timings: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self.missing: list[str] = []

    def __call__(self, name: str, fn: Callable[[], Any], default: Any = None) -> Any:
        if self.progress is not None:
            self.progress(name)
        start = time.perf_counter()
        try:
            return fn()
        except ModuleNotFoundError as exc:
            if self.strict or not (exc.name or "").startswith("intel.analytics."):
                raise
            self.missing.append(name)
            warnings.warn(f"analytic {name!r} is not installed ({exc.name}); its part is left out", stacklevel=2)
            return default
        except Exception as exc:  # noqa: BLE001 - one failing analytic must not sink the others
            if self.strict:
                raise
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"analytic {name!r} failed and was left out: {type(exc).__name__}: {exc}\n"
                          f"{traceback.format_exc(limit=3)}", stacklevel=2)
            return default
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)


def _sibling(name: str):  # noqa: ANN202 - a module
    return importlib.import_module(f"intel.analytics.{name}")


def analyze_projection(proj: Projection, cfg: Settings, progress: Callable[[str], Any] | None = None,
                       model_dir: Path | None = None, strict: bool = False) -> tuple[dict[str, pd.DataFrame], dict]:
    """Run the analytics on a projection; returns ``(frames, summary)`` where frames are the
    findings (``declarations, consignees, routes, communities, hubs, tip_matches`` plus the
    raw parts) and the summary holds counts, timings, learning and any failures."""
    stage = _Stages(progress, strict)
    tips_out = stage("tips", lambda: _sibling("tips").run(proj, cfg), (None, None))
    tip_matches, decl_tip = tips_out if isinstance(tips_out, tuple) else (None, None)
    valuation = stage("valuation", lambda: _sibling("valuation").run(proj, cfg))
    deminimis = stage("deminimis", lambda: _sibling("deminimis").run(proj, cfg))
    consignees = stage("consignees", lambda: _sibling("consignees").run(proj, cfg, tip_matches=tip_matches, valuation=valuation,
                                                                    deminimis=deminimis))
    party_scores = consignees[["party_id", "score"]] if isinstance(consignees, pd.DataFrame) and "score" in consignees else None
    comm_out = stage("communities", lambda: _sibling("communities").run(proj, cfg, party_scores=party_scores), (None, None))
    communities, membership = comm_out if isinstance(comm_out, tuple) else (None, None)
    parts: dict[str, Any] = {"consignees": consignees, "valuation": valuation, "deminimis": deminimis, "tips": decl_tip,
                             "communities": communities, "membership": membership}
    computed = stage("risk parts", lambda: risk_mod.part_scores(proj, cfg, parts))
    other = risk_mod.other_score(proj, cfg, parts, computed=computed) if computed is not None else None
    routes, decl_route, hubs = stage("routes", lambda: routes_mod.run(proj, cfg, decl_scores=other), (None, None, None))
    parts["routes"] = decl_route
    risk = stage("risk", lambda: risk_mod.run(proj, cfg, parts, computed=computed))
    if risk is None:  # the combination itself failed: every declaration still gets a row
        risk = risk_mod.run(proj, cfg, {})
    learned = stage("learn", lambda: _learn(proj, cfg, risk, parts, model_dir))
    if learned is not None and learned.beats_rules and learned.probability is not None:
        risk = risk_mod.blend(risk, learned.probability, cfg, "learned from past inspection outcomes")
    frames = {
        "declarations": _declaration_frame(proj, risk),
        "consignees": _consignee_frame(proj, consignees, membership),
        "routes": routes if routes is not None else pd.DataFrame(columns=CSV_FILES["routes"][1]),
        "communities": _community_frame(communities),
        "hubs": hubs if hubs is not None else pd.DataFrame(columns=CSV_FILES["hubs"][1]),
        "tip_matches": tip_matches if isinstance(tip_matches, pd.DataFrame) else pd.DataFrame(columns=CSV_FILES["tip_matches"][1]),
    }
    extra = {"decl_route": decl_route, "membership": membership, "valuation": valuation, "deminimis": deminimis,
             "decl_tip": decl_tip}
    lanes = frames["declarations"]["lane"].value_counts().to_dict()
    summary = {
        "counts": {"declarations": len(frames["declarations"]), "consignees": len(frames["consignees"]),
                   "routes": len(frames["routes"]), "communities": len(frames["communities"]),
                   "hubs": len(frames["hubs"]), "tip_matches": len(frames["tip_matches"]),
                   **{f"lane_{k}": int(v) for k, v in lanes.items()}},
        "timings": stage.timings, "errors": stage.errors, "missing": stage.missing,
        "learn": learned.summary() if learned is not None else {"status": "failed", "reason": stage.errors.get("learn", "")},
    }
    summary["notes"] = [
        *(f"analytic {name} is not available: its part is left out" for name in stage.missing),
        *(f"analytic {name} failed and was left out ({err})" for name, err in stage.errors.items()),
        f"learning {summary['learn']['status']}: {summary['learn']['reason']}",
    ]
    return {**frames, **{k: v for k, v in extra.items() if v is not None}}, summary


def _learn(proj: Projection, cfg: Settings, risk: pd.DataFrame, parts: dict, model_dir: Path | None):  # noqa: ANN202
    from intel.analytics import learn

    return learn.run(proj, cfg, risk, parts, model_dir=model_dir)


def _declaration_frame(proj: Projection, risk: pd.DataFrame) -> pd.DataFrame:
    out = risk.copy()
    item = proj.decl["item_no"].reset_index(drop=True) if "item_no" in proj.decl else pd.Series(pd.NA, index=out.index)
    out["item_no"] = pd.to_numeric(item, errors="coerce").astype("Int64").to_numpy()
    return out


def _consignee_frame(proj: Projection, consignees: pd.DataFrame | None, membership: pd.DataFrame | None) -> pd.DataFrame:
    """One row for every party that received goods, flagged or not."""
    receiver = text(proj.decl["consignee"]) if "consignee" in proj.decl else pd.Series([], dtype=object)
    counts = receiver[receiver.ne("")].value_counts()
    out = pd.DataFrame({"party_id": counts.index.astype(str), "declaration_count": counts.to_numpy().astype(int)})
    parties = proj.parties
    if len(parties) and "party_id" in parties:
        info = parties.assign(party_id=text(parties["party_id"])).drop_duplicates("party_id").set_index("party_id")
        for c in ("display_name", "aliases"):
            out[c] = out["party_id"].map(text(info[c]) if c in info else pd.Series(dtype=object)).fillna("")
    else:
        out["display_name"], out["aliases"] = "", ""
    if isinstance(consignees, pd.DataFrame) and "party_id" in consignees:
        c = consignees.assign(party_id=text(consignees["party_id"])).drop_duplicates("party_id")
        extra = [k for k in c.columns if k not in {"display_name", "aliases", "declaration_count", "community_id"}]
        out = out.merge(c[extra], on="party_id", how="left")
    if "score" not in out:
        out["score"] = 0.0
    out["score"] = pd.to_numeric(out["score"], errors="coerce").fillna(0.0).clip(0, 1)
    if "reasons" not in out:
        out["reasons"] = [[] for _ in range(len(out))]
    out["reasons"] = out["reasons"].map(lambda r: risk_mod._reasons_list(r))
    if isinstance(membership, pd.DataFrame) and {"party_id", "community_id"} <= set(membership.columns):
        m = membership.assign(party_id=text(membership["party_id"])).drop_duplicates("party_id").set_index("party_id")
        out["community_id"] = out["party_id"].map(text(m["community_id"])).fillna("")
    else:
        out["community_id"] = ""
    return out.sort_values(["score", "declaration_count"], ascending=False, kind="stable").reset_index(drop=True)


def _community_frame(communities: pd.DataFrame | None) -> pd.DataFrame:
    if not isinstance(communities, pd.DataFrame) or communities.empty:
        return pd.DataFrame(columns=CSV_FILES["communities"][1])
    out = communities.copy()
    if "members" in out:
        out["members"] = out["members"].map(lambda m: "|".join(map(str, m)) if isinstance(m, (list, tuple, np.ndarray, set)) else ("" if m is None else str(m)))
    return out


# ---------------------------------------------------------------- writing
def _flat(value: Any, sep: str) -> str:
    if isinstance(value, (list, tuple, np.ndarray, set)):
        return sep.join(str(v) for v in value)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _csv_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The contract columns first; the per-declaration file keeps only them plus the rule score
    (the part scores stay in the Parquet findings), the others keep every column."""
    columns = CSV_FILES[name][1]
    out = frame.copy()
    for c in columns:
        if c not in out:
            out[c] = pd.NA
    extra = [c for c in out.columns if c not in columns]
    if name == "declarations":
        extra = [c for c in ("rule_score", "learned_probability") if c in out.columns]
    out = out[[*columns, *extra]]
    for c in out.columns:
        if out[c].dtype == object and _has_lists(out[c]):
            sep = "|" if c in {"members", "aliases", "tip_ids"} else "; "
            out[c] = out[c].map(lambda v, s=sep: _flat(v, s))
    return out


def _has_lists(column: pd.Series) -> bool:
    """A column of lists (reasons, members, ...): the known ones, or any whose first values are."""
    if column.name in _LIST_COLUMNS:
        return True
    sample = column.dropna().head(1000)
    return bool(sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray, set))).any())


def _parquet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists of text stay lists; any other object column becomes text (Parquet wants one type)."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype != object or pd.api.types.infer_dtype(out[c], skipna=True) in {"string", "empty"}:
            continue
        if _has_lists(out[c]):
            out[c] = out[c].map(lambda v: [str(x) for x in v] if isinstance(v, (list, tuple, np.ndarray, set))
                                else ([] if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else [str(v)]))
        else:
            out[c] = out[c].map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v))
    return out


def write_outputs(frames: dict[str, pd.DataFrame], out_dir: Path | None, findings_dir: Path | None) -> dict[str, str]:
    """The contract CSVs (+ hub ranking and tip matches) to ``out_dir`` and the same frames as
    Parquet to ``findings_dir``; returns the paths written."""
    written = {}
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, (file_name, _) in CSV_FILES.items():
            path = out_dir / file_name
            _csv_frame(name, frames[name]).to_csv(path, index=False)
            written[file_name] = str(path)
    if findings_dir is not None:
        findings_dir = Path(findings_dir)
        findings_dir.mkdir(parents=True, exist_ok=True)
        for name, file_name in PARQUET_FILES.items():
            path = findings_dir / file_name
            _parquet_frame(frames[name]).to_parquet(path, index=False)
            written[file_name] = str(path)
    return written


def write_back(store, frames: dict[str, pd.DataFrame], proj: Projection) -> dict[str, int]:  # noqa: ANN001 - any Store
    """Scores and reasons onto the graph: declarations, parties, routes (+ ON_ROUTE), hubs,
    tip match edges."""
    n: dict[str, int] = {}
    d = frames["declarations"]
    n["Declaration"] = store.set_properties("Declaration", pd.DataFrame({
        "decl_key": d["decl_key"], "risk_score": d["risk_score"].astype(float), "lane": d["lane"],
        "reasons": d["reasons"].map(lambda r: _flat(r, "; "))}))
    c = frames["consignees"]
    parties = pd.DataFrame({"party_id": c["party_id"], "score": c["score"].astype(float),
                            "reasons": c["reasons"].map(lambda r: _flat(r, "; ")), "community_id": c["community_id"].fillna("")})
    membership = frames.get("membership")
    if isinstance(membership, pd.DataFrame) and len(membership):
        others = membership[~membership["party_id"].isin(set(parties["party_id"]))]
        known = set(text(proj.parties["party_id"])) if "party_id" in proj.parties else set()
        others = others[others["party_id"].isin(known)]
        parties = pd.concat([parties, pd.DataFrame({"party_id": others["party_id"], "score": 0.0, "reasons": "",
                                                    "community_id": others["community_id"].astype(str)})], ignore_index=True)
    n["Party"] = store.set_properties("Party", parties)
    r = frames["routes"]
    if len(r):
        n["Route"] = store.upsert_nodes("Route", pd.DataFrame({
            "route_id": r["route_id"], "route": r["route"], "declaration_count": r["declaration_count"].astype(int),
            "score": r["score"].astype(float), "reasons": r["reasons"].map(lambda x: _flat(x, "; "))}))
        edges = pd.DataFrame({"src": d["decl_key"], "dst": d["route_id"]})
        existing = store.rels("ON_ROUTE", ["src", "dst"])
        if len(existing):
            have = set(zip(existing["src"], existing["dst"]))
            edges = edges[[pair not in have for pair in zip(edges["src"], edges["dst"])]]
        n["ON_ROUTE"] = store.upsert_rels("ON_ROUTE", edges) if len(edges) else 0
    h = frames["hubs"]
    known_hubs = set(text(proj.hubs["locode"])) if "locode" in proj.hubs else set()
    h = h[h["locode"].isin(known_hubs)]
    if len(h):
        n["Hub"] = store.set_properties("Hub", pd.DataFrame({"locode": h["locode"], "score": h["score"].astype(float),
                                                               "reasons": h["reasons"].map(lambda x: _flat(x, "; "))}))
    t = frames["tip_matches"]
    for label, rel in TIP_RELS.items():
        sub = t[t["target_label"] == label] if len(t) else t
        if len(sub):
            edges = pd.DataFrame({"src": sub["tip_id"].astype(str), "dst": sub["target_key"].astype(str),
                                  "score": pd.to_numeric(sub["score"], errors="coerce").astype(float),
                                  "evidence": sub["evidence"].map(lambda x: _flat(x, "; "))})
            edges = edges.sort_values("score", ascending=False).drop_duplicates(["src", "dst"])
            n[rel] = store.upsert_rels(rel, edges)
    return n


def analyze(store, cfg: Settings, out_dir: Path | str | None = None,  # noqa: ANN001 - any Store
            progress: Callable[[str], Any] | None = None, strict: bool = False) -> dict:
    """Run every analytic on the store, write the findings (CSV to ``out_dir`` when given,
    Parquet to ``state_dir/findings``), set the scores on the graph, return a summary
    (counts, timings per stage, learning, failures)."""
    start = time.perf_counter()
    if progress is not None:
        progress("projection")
    t0 = time.perf_counter()
    proj = read_projection(store)
    read_s = round(time.perf_counter() - t0, 3)
    state = Path(store.state_dir)
    frames, summary = analyze_projection(proj, cfg, progress, model_dir=state / "models", strict=strict)
    if progress is not None:
        progress("write")
    t0 = time.perf_counter()
    summary["files"] = write_outputs(frames, Path(out_dir) if out_dir is not None else None, state / "findings")
    summary["written"] = write_back(store, frames, proj)
    summary["timings"] = {"projection": read_s, **summary["timings"], "write": round(time.perf_counter() - t0, 3),
                          "total": round(time.perf_counter() - start, 3)}
    return summary
