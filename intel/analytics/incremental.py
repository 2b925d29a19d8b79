"""Pre-arrival scoring: a new batch of declarations scored against everything already known,
without re-analysing the whole graph.

``score_batch(store, paths)``:

1. ingests the batch (``ingest.pipeline.ingest_files``: new parties are resolved against the
   stored ones, stored parties keep their ids), which names the batch's ``decl_key`` values
   and which of them are new to the store;
2. reads a **restricted projection** from the graph, by key — the batch declarations, the
   parties on them (consignees, consignors, declarants), the parties sharing an identifier
   with those, every stored declaration of all of these parties, their mentions, identifiers
   and outcomes, plus hubs and tips;
3. loads the **population statistics** the last ``intel analyze`` kept
   (:mod:`intel.analytics.population`: price norms, routing combinations, inspection
   counts), so whole-population judgements need no read of the whole population;
4. runs the same analytics as ``intel analyze``, so the reasons read the same:

   - ``valuation`` against the population's price norms;
   - ``routes`` against the population's routing combinations plus the batch's own
     (``routes.score_against``); the other analytics' suspicion that the concentration
     signal looks for is the last analyze's for stored declarations and this run's for the
     batch;
   - ``tips``, ``deminimis``, ``consignees`` and the risk parts on the restricted projection
     (the history part's base adverse rate is the population's);
   - ``communities`` from the last analyze's findings (a community needs the whole graph);
   - the learned model of the last analyze, when it was blended in;

5. cuts lanes with the last full analyze's cut-offs when ``lane_mode='rate'`` (the lowest
   ``risk_score`` that went red, and yellow), so a batch is laned as it would have been, not
   re-ranked within itself; ``lane_mode='score'`` uses the thresholds;
6. writes ``risk_score, lane, reasons`` onto the batch's Declaration nodes, folds the new
   declarations' routings into the population statistics (the next batch is judged against
   this one too) and returns the frame (the columns of ``declaration_risk.csv``).
   ``frame.attrs["notes"]`` and ``frame.attrs["timings"]`` say what was approximated and how
   long each step took.

Without saved statistics (no analyze yet) they are computed from the whole store, which is
correct but as slow as reading it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from intel.analytics import population as pop_mod
from intel.analytics import risk as risk_mod
from intel.analytics import routes as routes_mod
from intel.analytics.features import member, text
from intel.analytics.geo import Distances
from intel.analytics.projection import Projection
from intel.background import Background
from intel.config import Settings, load_settings
from intel.model import NODES

__all__ = ["cutoffs", "score_batch", "score_keys"]

#: the Declaration columns the analytics read (not the provenance, free text, documents or
#: the last scores): each column costs about 0.35 s per 100k declarations read by key
_DECL_COLUMNS = [c for c in NODES["Declaration"].columns
                 if c not in {"reasons", "extra", "raw", "source_file", "line", "row_hash", "risk_score", "lane",
                              "container_ids", "transport_document", "carrier", "goods_description"}]
_ROLE_RELS = {"consignee": "CONSIGNEE", "consignor": "CONSIGNOR", "declarant": "DECLARANT"}
#: of those, the ones the party-level analytics read on the parties' history (the context
#: rows): routing, brand and transport serve the per-declaration parts, which score the
#: batch only
_CONTEXT_COLUMNS = [c for c in _DECL_COLUMNS
                    if c not in {"transport_mode", "hs_chapter", "brand", "export_country", "port_of_loading",
                                 "transit_ports", "port_of_discharge", "route", "route_id"}]


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
    from ingest.pipeline import ingest_files
    from intel.progress import null_progress

    timer = _Timer(progress)
    timer("ingest batch")
    summary = ingest_files(store, "declarations", [Path(p) for p in paths], mapping, progress or null_progress,
                           defer_links=True)
    # the batch's edges (to its parties, hubs, countries, commodities) are written in a thread,
    # on a connection of its own, while the analytics compute: the neighbourhood is read first
    # (it walks the stored parties' history, which the batch's edges are not part of), and the
    # edges are in place before the scores are written back
    linker = Background(summary.pop("link", None), name="intel-link")
    try:
        out = score_keys(store, list(summary.get("keys", [])), cfg=cfg, progress=progress, _timer=timer,
                         new_keys=summary.get("new_keys", []), _links=linker)
    finally:
        linker.join()
    out.attrs["ingest"] = {k: summary.get(k) for k in ("read", "loaded", "quarantined", "new")}
    return out


def score_keys(store, keys: list[str], cfg: Settings | None = None,
               progress: Callable[[str], Any] | None = None, write: bool = True,
               new_keys: list[str] | None = None, _timer: _Timer | None = None,
               _links: Background | None = None) -> pd.DataFrame:
    """Score stored declarations ``keys`` against the rest of the graph (see the module doc).
    ``new_keys``: those of them the population statistics do not count yet (loaded since the
    last analyze by this batch); they are folded in after scoring. ``_links``: the batch's
    edges still to write (:func:`score_batch`), started once the neighbourhood is read."""
    links = _links or Background(None)
    timer = _timer or _Timer(progress)
    cfg = cfg or load_settings(Path(store.state_dir))
    notes: list[str] = []
    state = Path(store.state_dir)
    findings = state / "findings"
    keys = list(dict.fromkeys(str(k) for k in keys))
    timer("population")
    stats, saved = _statistics(store, cfg, notes, before_reading_all=links.join)
    if stats.manifest.get("learned_blended"):
        _prefetch("intel.analytics.learn", "lightgbm")  # 1.8 s of imports, overlapped with the reads
    timer("restricted projection")
    proj, in_batch = _restricted(store, keys)
    if not in_batch.any():
        return _frame(pd.DataFrame(columns=["decl_key"]), notes, timer)
    new = set(map(str, new_keys or [])) if saved else set()
    batch_keys = text(proj.decl["decl_key"])
    new_mask = in_batch & np.fromiter((k in new for k in batch_keys), dtype=bool, count=len(batch_keys))
    _unseen(store, stats, int(new_mask.sum()), notes)
    links.start()
    proj = Projection.from_frames(decl=proj.decl, parties=proj.parties, mentions=proj.mentions,
                                  party_ident=proj.party_ident, hubs=proj.hubs, tips=proj.tips,
                                  outcomes=_pad_outcomes(stats, proj))

    timer("valuation")
    from intel.analytics import valuation as val_mod
    valuation = val_mod.run(proj, cfg, peer_norms=stats.valuation_norms)
    timer("tips")
    from intel.analytics import deminimis as dm_mod
    from intel.analytics import tips as tips_mod
    from intel.analytics.features import declarations as typed
    # the tips' matches on every party (the consignee analytic reads them), their flags on
    # the batch's declarations only (the context's flags would score rows not returned)
    n_batch = int(in_batch.sum())
    batch_rows = typed(Projection.from_frames(decl=proj.decl.iloc[:n_batch]), tips_mod.DECLARATION_COLUMNS)
    tip_matches, decl_tip = tips_mod.run(proj, cfg, d=batch_rows)
    timer("deminimis")
    from intel.analytics import consignees as cons_mod
    from intel.analytics.features import PartyLinks
    shared = PartyLinks.of(proj, cfg, cons_mod.DECLARATION_COLUMNS)  # what both read, worked out once
    deminimis = dm_mod.run(proj, cfg, d=shared.d, prof=shared.prof, pairs=shared.pairs)
    timer("consignees")
    consignees = cons_mod.run(proj, cfg, tip_matches=tip_matches, valuation=valuation, deminimis=deminimis,
                              links=shared)
    communities, membership = _communities(findings, notes)
    parts: dict[str, Any] = {"consignees": consignees, "valuation": valuation, "deminimis": deminimis, "tips": decl_tip,
                             "communities": communities, "membership": membership}
    # from here on only the batch: the parts, routing and the combination are per declaration
    # (the context rows above served the party-level analytics and count as history)
    timer("risk parts")
    computed = risk_mod.part_scores(proj, cfg, parts, rows=n_batch)
    other = risk_mod.other_score(proj, cfg, parts, computed=computed)
    batch = Projection.from_frames(decl=proj.decl.iloc[:n_batch].reset_index(drop=True), parties=proj.parties,
                                   hubs=proj.hubs)
    timer("routes")
    dist = Distances.cached(routes_mod.hub_info(proj.hubs).reset_index(), state.joinpath(*DISTANCE_CACHE))
    decl_route, grown = routes_mod.score_against(batch.decl, proj.hubs, cfg, stats.route_combinations,
                                                 decl_scores=other, new=new_mask[:n_batch], dist=dist)
    dist.save(state.joinpath(*DISTANCE_CACHE))
    parts["routes"] = decl_route
    timer("risk")
    risk = risk_mod.run(batch, cfg, parts, computed=computed)
    if stats.manifest.get("learned_blended"):
        risk = _learned(store, batch, risk, parts, cfg, notes)
    risk = risk.reset_index(drop=True)
    risk["lane"] = _lanes(risk["risk_score"], cfg, stats.cutoffs, notes)
    item = batch.decl["item_no"] if "item_no" in batch.decl else pd.Series(pd.NA, index=risk.index)
    risk["item_no"] = pd.to_numeric(item, errors="coerce").astype("Int64").to_numpy()
    timer("wait for the batch's edges")
    links.join()
    out = _frame(risk, notes, timer, write_to=store if write else None, finish=False)
    if saved and write and new_mask.any():
        timer("fold into population")
        pop_mod.fold(state, stats, grown, int(new_mask.sum()))
    timer("done")
    out.attrs["timings"] = dict(timer.timings)
    return out


def _prefetch(*modules: str) -> None:
    """Import ``modules`` in a background thread (the store's reads release the GIL)."""
    import importlib
    import threading

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:  # the caller's own import reports it
                return

    threading.Thread(target=work, name="intel-prefetch", daemon=True).start()


# ---------------------------------------------------------------- reading
def _named(rows: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if rows is None or not len(rows):
        return pd.DataFrame(columns=columns)
    rows.columns = columns
    return rows


def _q(store, cypher: str, params: dict, columns: list[str]) -> pd.DataFrame:
    return _named(store.query_columns(cypher, params), columns)


def _qs(store, *statements: tuple[str, dict, list[str]]) -> list[pd.DataFrame]:
    """Independent reads, side by side where the store can (``query_columns_all``)."""
    frames = store.query_columns_all([(cypher, params) for cypher, params, _ in statements])
    return [_named(rows, columns) for rows, (_, _, columns) in zip(frames, statements)]


_DECL_BY_KEY = "UNWIND $keys AS k MATCH (d:Declaration {decl_key: k}) RETURN "
_MENTION_COLUMNS = [f"{role}_mention" for role in _ROLE_RELS]


def _declarations(store, keys: list[str], parts: int = 2, columns: list[str] = _DECL_COLUMNS) -> pd.DataFrame:
    """The stored declarations ``keys`` (``columns``) with their consignee,
    consignor and declarant, by key look-up: in key order (a 1M-declaration store answers
    90k sorted keys in a third of the time of the same keys shuffled), in ``parts`` ranges
    read side by side.

    A declaration's party in a role is the party its mention in that role is of (the loader
    links the role edge through ``MENTION_OF`` and relinks both on a merge), so the parties
    come from one look-up of the distinct mentions rather than one edge walk per role."""
    keys = sorted(set(keys))
    step = -(-len(keys) // parts) if len(keys) >= 20_000 else max(len(keys), 1)
    chunks = [keys[i:i + step] for i in range(0, len(keys), step)] or [[]]
    cypher = _DECL_BY_KEY + ", ".join(f"d.{c}" for c in columns)
    frames = _qs(store, *[(cypher, {"keys": chunk}, list(columns)) for chunk in chunks])
    return _with_parties(store, pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])


def _with_parties(store, decl: pd.DataFrame) -> pd.DataFrame:
    """``decl`` with its ``consignee, consignor, declarant`` party ids, from its role
    mentions (see :func:`_declarations`)."""
    mentions = sorted(set(pd.unique(decl[_MENTION_COLUMNS].to_numpy(dtype=object).ravel())) - {"", None} - {np.nan})
    of = _q(store, "UNWIND $keys AS k MATCH (m:Mention {mention_key: k}) OPTIONAL MATCH (m)-[:MENTION_OF]->(p:Party) "
                   "WITH m, p WHERE p IS NOT NULL RETURN m.mention_key, p.party_id", {"keys": mentions}, ["mention_key", "party_id"])
    party_of = pd.Series(of["party_id"].to_numpy(dtype=object), index=of["mention_key"].to_numpy(dtype=object))
    party_of = party_of[~party_of.index.duplicated()]
    for role, column in zip(_ROLE_RELS, _MENTION_COLUMNS):
        decl[role] = decl[column].map(party_of)
    return decl


def _restricted(store, keys: list[str]) -> tuple[Projection, np.ndarray]:
    """The batch, its parties and their identifier-sharers, all their declarations, read by
    key from the graph; and which rows of ``decl`` are the batch's (its first ones).

    The history rows come straight from the walk from each party along its role edges
    (:data:`_CONTEXT_COLUMNS`, a declaration reached in two roles kept once, in key order):
    a second look-up of the same declarations by key cost as much again."""
    batch = _declarations(store, keys)
    core = set(pd.concat([batch["consignee"], batch["consignor"]]).dropna().astype(str)) - {""}
    own = _q(store, "UNWIND $ids AS id MATCH (p:Party {party_id: id})-[:HAS_IDENTIFIER]->(i:Identifier) RETURN DISTINCT i.ident_key",
             {"ids": sorted(core)}, ["ident_key"])
    party_ident = _q(store, "UNWIND $keys AS k MATCH (q:Party)-[:HAS_IDENTIFIER]->(i:Identifier {ident_key: k}) "
                            "RETURN q.party_id, i.ident_key, i.kind, i.value",
                     {"keys": sorted(set(own["ident_key"].astype(str)))}, ["party_id", "ident_key", "kind", "value"])
    ids = sorted(core | set(party_ident["party_id"].astype(str)))
    pcols, mcols = NODES["Party"].columns, NODES["Mention"].columns
    *found, parties, mentions = _qs(
        store,
        *[(f"UNWIND $ids AS id MATCH (p:Party {{party_id: id}}) OPTIONAL MATCH (p)<-[:{rel_type}]-(d:Declaration) "
           "WITH d WHERE d IS NOT NULL RETURN " + ", ".join(f"d.{c}" for c in _CONTEXT_COLUMNS), {"ids": ids},
           _CONTEXT_COLUMNS) for rel_type in _ROLE_RELS.values()],
        ("UNWIND $ids AS id MATCH (p:Party {party_id: id}) RETURN " + ", ".join(f"p.{c}" for c in pcols),
         {"ids": ids}, list(pcols)),
        ("UNWIND $ids AS id MATCH (m:Mention)-[:MENTION_OF]->(p:Party {party_id: id}) RETURN "
         + ", ".join(f"m.{c}" for c in mcols) + ", p.party_id", {"ids": ids}, [*mcols, "party_id"]),
    )
    context = pd.concat(found, ignore_index=True).drop_duplicates("decl_key")
    context = context[~member(context["decl_key"].astype(str), batch["decl_key"].astype(str))]
    if len(context):
        context = context.sort_values("decl_key", kind="stable", ignore_index=True)
        decl = pd.concat([batch, _with_parties(store, context)], ignore_index=True)
    else:
        decl = batch
    in_batch = np.zeros(len(decl), bool)
    in_batch[: len(batch)] = True
    outcomes = _outcomes(store, decl["decl_key"].astype(str))
    proj = Projection.from_frames(decl=decl, parties=parties, mentions=mentions, party_ident=party_ident,
                                  hubs=store.nodes("Hub"), tips=store.nodes("Tip"), outcomes=outcomes)
    return proj, in_batch


_OUTCOME_COLUMNS = ["decl_key", "result", "offence", "decided_at"]
_OUTCOME_RETURN = " RETURN d.decl_key, o.result, o.offence, o.decided_at"


def _outcomes(store, keys: pd.Series) -> pd.DataFrame:
    """The fed-back outcomes of the declarations ``keys``: looked up by key, or, when the
    store holds fewer than three outcomes per key asked (a key look-up costs about three
    times a scanned row), all of them read in one scan and filtered here."""
    wanted = set(keys)
    stored = int(store.query("MATCH (o:Outcome) RETURN count(o) AS n")["n"].iloc[0])
    if stored < 3 * len(wanted):
        found = _q(store, "MATCH (o:Outcome)-[:OUTCOME_OF]->(d:Declaration)" + _OUTCOME_RETURN, {}, _OUTCOME_COLUMNS)
        keep = np.fromiter((k in wanted for k in found["decl_key"].astype(str)), bool, len(found))
        return found[keep].reset_index(drop=True)
    return _q(store, "UNWIND $keys AS k MATCH (o:Outcome)-[:OUTCOME_OF]->(d:Declaration {decl_key: k})" + _OUTCOME_RETURN,
              {"keys": sorted(wanted)}, _OUTCOME_COLUMNS)


def _pad_outcomes(stats: pop_mod.Population, proj: Projection) -> pd.DataFrame:
    """Add placeholder decided outcomes (keys of no declaration, so they name no party) so
    the overall adverse rate of decided inspections — the history part's prior — is the
    population's, not the restricted projection's."""
    from intel.analytics.features import ADVERSE_RESULT
    from intel.analytics.risk import decided_outcomes

    outcomes = proj.outcomes[["decl_key", "result", "offence", "decided_at"]]
    here = decided_outcomes(proj)
    n_bad = int(stats.manifest.get("decided_adverse", 0)) - int(here["adverse"].sum())
    n_ok = int(stats.manifest.get("decided_other", 0)) - int((~here["adverse"]).sum())
    n_bad, n_ok = max(n_bad, 0), max(n_ok, 0)
    if not n_bad and not n_ok:
        return outcomes
    bad = next(iter(sorted(ADVERSE_RESULT)))
    pad = pd.DataFrame({"decl_key": [f"__population_{i}" for i in range(n_bad + n_ok)],
                        "result": [bad] * n_bad + ["compliant"] * n_ok,
                        "offence": "", "decided_at": pd.Timestamp("2200-01-01")})
    return pd.concat([outcomes, pad], ignore_index=True)


def _statistics(store, cfg: Settings, notes: list[str],
                before_reading_all: Callable[[], Any] = lambda: None) -> tuple[pop_mod.Population, bool]:
    """The saved population statistics, else (no analyze yet) those of the whole store, read
    after ``before_reading_all()`` (which completes the batch's own edges); and whether they
    were saved ones."""
    saved = pop_mod.load(store.state_dir)
    if saved is not None:
        return saved, True
    before_reading_all()
    notes.append("no population statistics from a full analyze (run `intel analyze`): "
                 "computed from the whole store for this batch")
    from intel.analytics import valuation as val_mod
    from intel.analytics.projection import read_projection

    proj = read_projection(store)
    _, combos = routes_mod.combinations(proj.decl, routes_mod.hub_info(proj.hubs), cfg)
    last = _last_declarations(Path(store.state_dir) / "findings", columns=["risk_score", "lane", "learned_probability"])
    stats = pop_mod.from_analysis(proj, {"valuation_norms": val_mod.norms(proj.decl, cfg), "route_combinations": combos,
                                         "declarations": last if last is not None else pd.DataFrame()})
    return stats, False


def _unseen(store, stats: pop_mod.Population, new: int, notes: list[str]) -> None:
    """Say so when the store holds declarations the statistics never counted (loaded with
    ``intel ingest`` since the last analyze, not scored)."""
    stored = int(store.counts().get("Declaration", 0))
    missing = stored - stats.declarations - new
    if missing > 0:
        notes.append(f"{missing:,} stored declarations were loaded since the last analyze without being scored: "
                     "the price norms and lane statistics do not count them until `intel analyze` runs")


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


# ---------------------------------------------------------------- routing context
#: the hub distances earlier runs worked out (``geo.Distances.cached``), under the state folder
DISTANCE_CACHE = ("cache", "hub_distances.json")


def _learned(store, proj: Projection, risk: pd.DataFrame, parts: dict, cfg: Settings,
             notes: list[str]) -> pd.DataFrame:
    """Blend the last analyze's learned model in, as the analyze did (called only when it did)."""
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
def cutoffs(last: pd.DataFrame | None) -> tuple[float, float] | None:
    """``(red, yellow)``: the lowest ``risk_score`` of ``last`` (``risk_score, lane``) in the
    red and in the yellow lane; ``None`` for no scores."""
    if last is None or not {"risk_score", "lane"} <= set(last.columns) or not len(last):
        return None
    score = pd.to_numeric(last["risk_score"], errors="coerce")
    red = score[last["lane"].eq("red")]
    yellow = score[last["lane"].eq("yellow")]
    red_cut = float(red.min()) if len(red) else float("inf")
    yellow_cut = float(yellow.min()) if len(yellow) else red_cut
    return red_cut, min(yellow_cut, red_cut)


def _lanes(score: pd.Series, cfg: Settings, cuts: tuple[float, float] | None, notes: list[str]) -> pd.Series:
    mode = str(cfg.lane_mode).lower()
    cuts = cuts if mode == "rate" else None
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


def _frame(risk: pd.DataFrame, notes: list[str], timer: _Timer, write_to=None, finish: bool = True) -> pd.DataFrame:
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
    if finish:
        timer("done")
    out.attrs["notes"] = list(dict.fromkeys(notes))
    out.attrs["timings"] = dict(timer.timings)
    return out
