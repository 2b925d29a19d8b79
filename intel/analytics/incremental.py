"""Pre-arrival scoring: a new batch of declarations scored against everything already known,
without re-analysing the whole graph.

``score_batch(store, paths)``:

1. ingests the batch (``ingest.pipeline.ingest_files``: new parties are resolved against the
   stored ones, stored parties keep their ids) and learns the batch's ``decl_key`` values
   (``prepare_files`` on the same files, before the load);
2. reads a **restricted projection** — the batch declarations, the parties on them
   (consignees and consignors), the parties sharing an identifier with those, every stored
   declaration of all of these parties, their mentions, identifiers, outcomes, plus hubs and
   tips — and a few columns of **every** declaration as population context;
3. runs the same analytics as ``intel analyze`` so the reasons read the same:

   - ``valuation`` and ``routes`` on the population context (unit-value norms per HS6 /
     origin, lane and routing frequencies are whole-population statistics); the other
     analytics' suspicion that the routes analytic looks for concentrations of is the last
     full analyze's part scores (``p_*`` in ``findings/declarations.parquet``) for stored
     declarations and this run's for the batch;
   - ``tips``, ``deminimis``, ``consignees`` and the risk parts on the restricted projection
     (the history part's base adverse rate is the population's);
   - ``communities`` from the last analyze's findings (a community needs the whole graph);
   - the learned model of the last analyze, when it was blended in;

4. cuts lanes with the last full analyze's cut-offs when ``lane_mode='rate'`` (the lowest
   ``risk_score`` that went red, and yellow), so a batch is laned as it would have been, not
   re-ranked within itself; ``lane_mode='score'`` uses the thresholds;
5. writes ``risk_score, lane, reasons`` onto the batch's Declaration nodes and returns the
   frame (the columns of ``declaration_risk.csv``). ``frame.attrs["notes"]`` and
   ``frame.attrs["timings"]`` say what was approximated and how long each step took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from intel.analytics import risk as risk_mod
from intel.analytics import routes as routes_mod
from intel.analytics.features import text
from intel.analytics.projection import Projection
from intel.config import Settings, load_settings
from intel.model import NODES

__all__ = ["lane_cutoffs", "score_batch", "score_keys"]

_POP_COLUMNS = ["decl_key", "reporting_country", "flow", "transport_mode", "hs_code", "hs6", "hs_chapter",
                "origin_country", "export_country", "port_of_loading", "transit_ports", "port_of_discharge",
                "route", "route_id", "quantity", "quantity_unit", "gross_mass_kg", "customs_value", "currency",
                "value_usd", "inspection_result"]
_ROLE_RELS = {"consignee": "CONSIGNEE", "consignor": "CONSIGNOR", "declarant": "DECLARANT"}


class _Timer:
    def __init__(self, progress: Callable[[str], Any] | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()
        self._name: str | None = None

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self._name is not None:
            self.timings[self._name] = round(now - self._t, 3)
        self._name, self._t = name, now
        if self.progress is not None and name != "done":
            self.progress(name)


# ---------------------------------------------------------------- public API
def score_batch(store, paths: list[Path] | list[str], mapping=None,
                progress: Callable[[str], Any] | None = None, cfg: Settings | None = None) -> pd.DataFrame:
    """Ingest ``paths`` (declaration files) into ``store`` and score them against the stored
    graph; returns one row per batch declaration with the columns of ``declaration_risk.csv``
    (``declaration_id, reporting_country, risk_score, lane, reasons, consignee_party_id,
    route_id, item_no, decl_key``) plus the part scores ``p_*``. Scores, lanes and reasons are
    also set on the Declaration nodes."""
    from ingest.pipeline import ingest_files, prepare_files, reference_context
    from intel.progress import null_progress

    paths = [Path(p) for p in paths]
    timer = _Timer(progress)
    timer("read batch")
    prog = progress or null_progress
    prepared = prepare_files("declarations", paths, reference_context(store), mapping, prog)
    keys = pd.unique(pd.concat([text(p.frames["declarations"]["decl_key"]) for p in prepared
                                if "declarations" in p.frames] or [pd.Series([], dtype=object)]))
    timer("ingest batch")
    summary = ingest_files(store, "declarations", paths, mapping, prog)
    out = score_keys(store, list(keys), cfg=cfg, progress=progress, _timer=timer)
    out.attrs["ingest"] = {k: summary.get(k) for k in ("read", "loaded", "quarantined", "new")}
    return out


def score_keys(store, keys: list[str], cfg: Settings | None = None,
               progress: Callable[[str], Any] | None = None, write: bool = True, _timer: _Timer | None = None) -> pd.DataFrame:
    """Score stored declarations ``keys`` against the rest of the graph (see the module doc)."""
    timer = _timer or _Timer(progress)
    cfg = cfg or load_settings(Path(store.state_dir))
    notes: list[str] = []
    findings = Path(store.state_dir) / "findings"
    keys = [str(k) for k in keys]
    timer("population")
    pop = _population(store)
    batch_mask = pop["decl_key"].isin(set(keys)).to_numpy()
    if not batch_mask.any():
        return _frame(pd.DataFrame(columns=["decl_key"]), notes, timer)
    timer("restricted projection")
    proj = _restricted(store, pop, batch_mask)
    in_batch = text(proj.decl["decl_key"]).isin(set(keys)).to_numpy()

    timer("valuation")
    from intel.analytics import valuation as val_mod
    valuation = val_mod.run(Projection.from_frames(decl=pop), cfg)
    valuation = valuation[valuation["decl_key"].isin(set(text(proj.decl["decl_key"])))].reset_index(drop=True)

    timer("tips")
    from intel.analytics import deminimis as dm_mod
    from intel.analytics import tips as tips_mod
    tip_matches, decl_tip = tips_mod.run(proj, cfg)
    timer("deminimis")
    deminimis = dm_mod.run(proj, cfg)
    timer("consignees")
    from intel.analytics import consignees as cons_mod
    consignees = cons_mod.run(proj, cfg, tip_matches=tip_matches, valuation=valuation)
    communities, membership = _communities(findings, notes)
    parts: dict[str, Any] = {"consignees": consignees, "valuation": valuation, "deminimis": deminimis, "tips": decl_tip,
                             "communities": communities, "membership": membership}
    timer("risk parts")
    computed = risk_mod.part_scores(proj, cfg, parts)
    other = risk_mod.other_score(proj, cfg, parts, computed=computed)

    timer("routes")
    last = _last_declarations(findings)
    decl_route = _routes(store, pop, proj, cfg, other, last, notes)
    parts["routes"] = decl_route
    timer("risk")
    risk = risk_mod.run(proj, cfg, parts, computed=computed)
    risk = _learned(store, proj, cfg, risk, parts, last, notes)
    risk = risk[in_batch[: len(risk)]] if len(risk) == len(in_batch) else risk[risk["decl_key"].isin(set(keys))]
    risk = risk.reset_index(drop=True)
    risk["lane"] = _lanes(risk["risk_score"], cfg, last, notes)
    item = proj.decl.loc[in_batch, "item_no"] if "item_no" in proj.decl else pd.Series(pd.NA, index=risk.index)
    risk["item_no"] = pd.to_numeric(item.reset_index(drop=True), errors="coerce").astype("Int64").to_numpy()
    out = _frame(risk, notes, timer, write_to=store if write else None)
    return out


def lane_cutoffs(findings_dir: Path) -> tuple[float, float] | None:
    """``(red, yellow)``: the lowest ``risk_score`` the last full analyze sent red and yellow
    (``None`` when no analyze has written ``declarations.parquet``)."""
    last = _last_declarations(Path(findings_dir), columns=["risk_score", "lane"])
    return _cutoffs(last)


# ---------------------------------------------------------------- reading
def _population(store) -> pd.DataFrame:
    """Every declaration (the columns the analytics read) with its consignee, consignor and
    declarant: one columnar export per table, far cheaper than a query per key."""
    cols = [c for c in NODES["Declaration"].columns if c not in {"reasons", "extra", "raw"}]
    pop = store.nodes("Declaration", cols)
    for role, rel_type in _ROLE_RELS.items():
        edges = store.rels(rel_type, ["src", "dst"]).drop_duplicates("src")
        s = pd.Series(edges["dst"].to_numpy(dtype=object), index=edges["src"].to_numpy(dtype=object))
        pop[role] = pop["decl_key"].map(s)
    return pop


def _q(store, cypher: str, params: dict, columns: list[str]) -> pd.DataFrame:
    rows = store.query(cypher, params)
    if rows is None or not len(rows):
        return pd.DataFrame(columns=columns)
    rows.columns = columns
    return rows


def _restricted(store, pop: pd.DataFrame, batch_mask: np.ndarray) -> Projection:
    """The batch, its parties and their identifier-sharers, all their declarations."""
    batch = pop[batch_mask]
    core = set(pd.concat([batch["consignee"], batch["consignor"]]).dropna().astype(str)) - {""}
    core_ids = sorted(core)
    own = _q(store, "UNWIND $ids AS id MATCH (p:Party {party_id: id})-[:HAS_IDENTIFIER]->(i:Identifier) RETURN DISTINCT i.ident_key",
             {"ids": core_ids}, ["ident_key"])
    party_ident = _q(store, "UNWIND $keys AS k MATCH (q:Party)-[:HAS_IDENTIFIER]->(i:Identifier {ident_key: k}) "
                            "RETURN q.party_id, i.ident_key, i.kind, i.value",
                     {"keys": sorted(set(own["ident_key"].astype(str)))}, ["party_id", "ident_key", "kind", "value"])
    ids = sorted(core | set(party_ident["party_id"].astype(str)))
    idset = set(ids)
    rows = batch_mask | pop["consignee"].isin(idset).to_numpy() | pop["consignor"].isin(idset).to_numpy() \
        | pop["declarant"].isin(idset).to_numpy()
    decl = pop[rows].reset_index(drop=True)  # batch and context, in the store's order
    dkeys = decl["decl_key"].astype(str).tolist()

    pcols = NODES["Party"].columns
    parties = _q(store, "UNWIND $ids AS id MATCH (p:Party {party_id: id}) RETURN " + ", ".join(f"p.{c}" for c in pcols),
                 {"ids": ids}, list(pcols))
    mcols = NODES["Mention"].columns
    mentions = _q(store, "UNWIND $ids AS id MATCH (m:Mention)-[:MENTION_OF]->(p:Party {party_id: id}) RETURN "
                  + ", ".join(f"m.{c}" for c in mcols) + ", p.party_id", {"ids": ids}, [*mcols, "party_id"])
    ocols = NODES["Outcome"].columns
    all_out = store.nodes("Outcome", [c for c in ocols if c != "decl_key"])
    of = store.rels("OUTCOME_OF", ["src", "dst"]).rename(columns={"src": "outcome_key", "dst": "decl_key"})
    all_out = all_out.merge(of, on="outcome_key", how="inner")
    outcomes = all_out[all_out["decl_key"].isin(set(dkeys))]
    outcomes = _pad_outcomes(pop, all_out, outcomes, decl)
    return Projection.from_frames(decl=decl, parties=parties, mentions=mentions, party_ident=party_ident,
                                  hubs=store.nodes("Hub"), tips=store.nodes("Tip"),
                                  outcomes=outcomes[["decl_key", "result", "offence", "decided_at"]])


def _pad_outcomes(pop: pd.DataFrame, all_out: pd.DataFrame, outcomes: pd.DataFrame, decl: pd.DataFrame) -> pd.DataFrame:
    """Add placeholder decided outcomes (keys of no declaration, so they name no party) so
    the overall adverse rate of decided inspections — the history part's prior — is the
    population's, not the restricted projection's."""
    from intel.analytics.features import ADVERSE_RESULT
    from intel.analytics.risk import decided_outcomes

    population = decided_outcomes(Projection.from_frames(decl=pop[["decl_key", "inspection_result"]],
                                                         outcomes=all_out[["decl_key", "result", "offence", "decided_at"]]))
    here = decided_outcomes(Projection.from_frames(decl=decl, outcomes=outcomes))
    n_bad = int(population["adverse"].sum()) - int(here["adverse"].sum())
    n_ok = int((~population["adverse"]).sum()) - int((~here["adverse"]).sum())
    if n_bad <= 0 and n_ok <= 0:
        return outcomes
    bad = next(iter(sorted(ADVERSE_RESULT)))
    far = pd.Timestamp("2200-01-01")
    pad = pd.DataFrame({"decl_key": [f"__population_{i}" for i in range(max(n_bad, 0) + max(n_ok, 0))],
                        "result": [bad] * max(n_bad, 0) + ["compliant"] * max(n_ok, 0),
                        "offence": "", "decided_at": far})
    return pd.concat([outcomes, pad], ignore_index=True)


def _last_declarations(findings: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    path = findings / "declarations.parquet"
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception:  # noqa: BLE001 - columns missing: read all
        return pd.read_parquet(path)


def _communities(findings: Path, notes: list[str]) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    path = findings / "communities.parquet"
    if not path.is_file():
        notes.append("no community findings yet (run `intel analyze`): the community part is left out")
        return None, None
    comm = pd.read_parquet(path)
    if comm.empty or "members" not in comm:
        return comm, None
    members = comm["members"].map(lambda m: list(m) if isinstance(m, (list, tuple, np.ndarray))
                                  else [x for x in str(m or "").split("|") if x])
    membership = pd.DataFrame({"community_id": comm["community_id"].astype(str), "party_id": members}).explode("party_id")
    membership = membership.dropna(subset=["party_id"])[["party_id", "community_id"]]
    notes.append("communities are those of the last full analyze (new parties belong to none until the next one)")
    return comm, membership.reset_index(drop=True)


# ---------------------------------------------------------------- analytics on the context
def _routes(store, pop: pd.DataFrame, proj: Projection, cfg: Settings, other: pd.Series,
            last: pd.DataFrame | None, notes: list[str]) -> pd.DataFrame:
    """``routes.run`` on the whole population's routing columns; the other analytics'
    suspicion is the last analyze's (its ``p_*`` parts but the route) and this run's for the
    restricted projection."""
    susp = pd.Series(0.0, index=pop["decl_key"].to_numpy())
    if last is not None and "decl_key" in last:
        p_cols = [c for c in last.columns if c.startswith("p_") and c != "p_route"]
        if p_cols:
            scores = {c[2:]: last[c].to_numpy(dtype=float) for c in p_cols}
            prior = pd.Series(risk_mod.combine(scores, dict(cfg.risk_weights or {})), index=last["decl_key"].to_numpy())
            prior = prior[~prior.index.duplicated()]
            susp = prior.reindex(susp.index).fillna(0.0)
    # membership through a Python set: Index.isin between two large text indexes takes
    # seconds per call (measured 5 s at 1M declarations)
    stored = set(susp.index)
    hit = other[np.fromiter((key in stored for key in other.index), dtype=bool, count=len(other))]
    susp.loc[hit.index] = hit.to_numpy()
    susp = susp[~susp.index.duplicated()]
    keep = set(text(proj.decl["decl_key"]))
    dist = _distances(proj.hubs, Path(store.state_dir))
    _, decl_route, _ = routes_mod.run(Projection.from_frames(decl=pop, hubs=proj.hubs), cfg, decl_scores=susp, dist=dist)
    _save_distances(dist, Path(store.state_dir))
    return decl_route[decl_route["decl_key"].isin(keep)].reset_index(drop=True)


_DIST_FILE = ("cache", "hub_distances.json")


def _distances(hubs: pd.DataFrame, state: Path):
    """Hub distances with the legs computed by earlier scoring runs (sea-lane searches are the
    slow part of the routes analytic; a leg's length only changes with its hubs' coordinates)."""
    import json

    from intel.analytics.geo import Distances

    dist = Distances(routes_mod.hub_info(hubs).reset_index())
    path = state.joinpath(*_DIST_FILE)
    dist._loaded = 0
    if path.is_file():
        try:  # JSON, not pickle: the state folder is data, never code
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("coords") == {k: list(v) for k, v in dist.coords.items()}:
                dist._cache.update({(a, b, bool(sea)): d for a, b, sea, d in saved["legs"]})
                dist._loaded = len(saved["legs"])
        except (ValueError, KeyError, TypeError):  # a stale or broken cache is recomputed
            dist._cache.clear()
    return dist


def _save_distances(dist, state: Path) -> None:  # noqa: ANN001 - a geo.Distances
    import json

    if len(dist._cache) <= getattr(dist, "_loaded", 0):
        return
    path = state.joinpath(*_DIST_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    legs = [[a, b, sea, d] for (a, b, sea), d in dist._cache.items()]
    tmp.write_text(json.dumps({"coords": {k: list(v) for k, v in dist.coords.items()}, "legs": legs}), encoding="utf-8")
    tmp.replace(path)


def _learned(store, proj: Projection, cfg: Settings, risk: pd.DataFrame, parts: dict,
             last: pd.DataFrame | None, notes: list[str]) -> pd.DataFrame:
    """Blend the last analyze's learned model in, as the analyze did (only when it did)."""
    if last is None or "learned_probability" not in last or not last["learned_probability"].notna().any():
        return risk
    try:
        from intel.analytics import learn

        model, meta = learn.load_model(Path(store.state_dir) / "models")
        if model is None:
            notes.append("the last analyze blended a learned model that is no longer saved: rules only")
            return risk
        features = learn.build_features(proj, risk, parts)
        for c, cats in (meta or {}).get("categories", {}).items():
            if c in features:
                features[c] = pd.Categorical(features[c].astype(str), categories=cats)
        for c in (meta or {}).get("features", []):
            if c not in features:
                features[c] = np.nan
        probability = learn.predict(model, features)
        return risk_mod.blend(risk, probability, cfg, "learned from past inspection outcomes")
    except Exception as exc:  # noqa: BLE001 - the rules stand without the model
        notes.append(f"learned model not applied ({type(exc).__name__}: {exc}): rules only")
        return risk


# ---------------------------------------------------------------- lanes and output
def _cutoffs(last: pd.DataFrame | None) -> tuple[float, float] | None:
    if last is None or not {"risk_score", "lane"} <= set(last.columns) or not len(last):
        return None
    score = pd.to_numeric(last["risk_score"], errors="coerce")
    red = score[last["lane"].eq("red")]
    yellow = score[last["lane"].eq("yellow")]
    red_cut = float(red.min()) if len(red) else float("inf")
    yellow_cut = float(yellow.min()) if len(yellow) else red_cut
    return red_cut, min(yellow_cut, red_cut)


def _lanes(score: pd.Series, cfg: Settings, last: pd.DataFrame | None, notes: list[str]) -> pd.Series:
    mode = str(cfg.lane_mode).lower()
    cuts = _cutoffs(last) if mode == "rate" else None
    if mode == "rate" and cuts is None:
        notes.append("no full analyze has run yet: lanes cut at the score thresholds "
                     f"(red ≥ {cfg.red_threshold}, yellow ≥ {cfg.yellow_threshold}) instead of the inspection rates")
    red, yellow = cuts if cuts is not None else (float(cfg.red_threshold), float(cfg.yellow_threshold))
    if cuts is not None:
        notes.append(f"lanes cut at the last full analyze's scores: red ≥ {red:.4f}, yellow ≥ {yellow:.4f}")
    values = pd.to_numeric(score, errors="coerce").fillna(0.0)
    lanes = pd.Series("green", index=score.index, dtype=object)
    lanes[values >= yellow] = "yellow"
    lanes[values >= red] = "red"
    return lanes


def _frame(risk: pd.DataFrame, notes: list[str], timer: _Timer, write_to=None) -> pd.DataFrame:
    from intel.analytics.run import CSV_FILES, _flat

    out = risk.copy()
    columns = CSV_FILES["declarations"][1]
    for c in columns:
        if c not in out:
            out[c] = pd.Series(dtype=object) if c != "risk_score" else pd.Series(dtype=float)
    out = out[[*columns, *[c for c in out.columns if c not in columns]]]
    if write_to is not None and len(out):
        timer("write back")
        write_to.set_properties("Declaration", pd.DataFrame({
            "decl_key": out["decl_key"], "risk_score": out["risk_score"].astype(float), "lane": out["lane"],
            "reasons": out["reasons"].map(lambda r: _flat(r, "; "))}))
    timer("done")
    out.attrs["notes"] = list(dict.fromkeys(notes))
    out.attrs["timings"] = dict(timer.timings)
    return out
