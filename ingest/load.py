"""Writing normalised frames into the graph.

Every step is an idempotent set-difference upsert (see :class:`intel.store.base.Store`), in an
order where an interruption at any point leaves a store that a re-run completes: parties
before the mentions that point at them, nodes before the relationships between them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from ingest.units import unit_edges
from intel.background import Background
from intel.model import NODES
from intel.progress import ProgressFn, null_progress
from intel.store.base import Store

__all__ = [
    "ensure_reference", "load_mentions", "load_declarations", "load_tips", "load_outcomes",
    "load_hubs", "row_hash",
]

_ROLES = {"consignee": "CONSIGNEE", "consignor": "CONSIGNOR", "declarant": "DECLARANT"}


def row_hash(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A stable content hash per row, to tell a changed re-ingested row from an identical one."""
    hashed = pd.util.hash_pandas_object(df[columns].astype("string").fillna("\x00"), index=False)
    return hashed.astype("uint64").map("{:016x}".format)


def ensure_reference(store: Store, hubs: pd.DataFrame) -> None:
    """Load the countries and the reference hubs once (safe to repeat)."""
    if store.counts().get("Country", 0) == 0:
        countries = pd.DataFrame(
            [(c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries],
            columns=["code", "name"],
        )
        store.upsert_nodes("Country", countries)
    if store.counts().get("Hub", 0) == 0 and len(hubs):
        load_hubs(store, hubs)


def load_hubs(store: Store, hubs: pd.DataFrame) -> int:
    """Hubs from a reference or user file are 'known' (they have a name and place)."""
    frame = hubs.copy()
    frame["known"] = True
    return store.upsert_nodes("Hub", frame)


def _stored_mentions(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stored mentions with their party, and stored mentions that lost theirs (a load killed
    between removing an absorbed party and re-linking its mentions)."""
    mentions = store.nodes("Mention")
    links = store.rels("MENTION_OF", ["src", "dst"]).rename(columns={"src": "mention_key", "dst": "party_id"})
    linked = mentions.merge(links.drop_duplicates("mention_key"), on="mention_key", how="inner")
    orphans = mentions[~_isin(mentions["mention_key"], set(links["mention_key"]))]
    return linked, orphans


def _isin(values: pd.Series, keys: set) -> np.ndarray:
    """``values.isin(keys)`` through a Python set: pandas' Arrow-string ``isin`` converts
    the keys element by element (0.4 s a call against 200k stored mention keys)."""
    return np.fromiter((v in keys for v in values), dtype=bool, count=len(values))


def load_mentions(store: Store, mentions: pd.DataFrame, progress: ProgressFn = null_progress,
                  before_write: Callable[[], object] = lambda: None) -> pd.DataFrame:
    """Resolve new mentions against the stored ones and write parties, mentions, identifiers.

    Returns the ``mention_key -> party_id`` mapping for every mention in ``mentions``.
    ``before_write()`` is called before the first write (a write going on in another thread
    finishes first).
    """
    from ingest.resolve import ResolveConfig, resolve

    progress("resolve parties")
    existing, orphans = _stored_mentions(store)
    known = set(existing["mention_key"])
    fresh = pd.concat([mentions[~_isin(mentions["mention_key"], known)], orphans[[c for c in orphans.columns if c in mentions.columns]]])
    fresh = fresh.drop_duplicates("mention_key")
    if len(fresh):
        memo = Path(store.state_dir) / "cache" / "name_features.parquet"
        res = resolve(fresh, existing=existing if len(existing) else None, config=ResolveConfig(name_cache=str(memo)))
        before_write()
        progress("store parties")
        relinked = _repoint_merged(store, getattr(res, "merged_into", None), existing)
        store.upsert_nodes("Party", res.parties)
        store.upsert_nodes("Mention", fresh)
        store.upsert_rels("MENTION_OF", res.assignments.rename(columns={"mention_key": "src", "party_id": "dst"}))
        store.upsert_nodes("Identifier", res.identifiers)
        store.upsert_rels("HAS_IDENTIFIER", res.party_identifiers.rename(columns={"party_id": "src", "ident_key": "dst"}))
        _refresh_identifier_counts(store, res.identifiers["ident_key"].tolist())
        if len(relinked):
            store.upsert_rels("MENTION_OF", relinked.rename(columns={"mention_key": "src", "party_id": "dst"}).assign(rule="merged", score=1.0))
            _relink_declarations(store, relinked)
        if len(orphans):
            recovered = res.assignments[res.assignments["mention_key"].isin(set(orphans["mention_key"]))]
            _relink_declarations(store, recovered[["mention_key", "party_id"]])
        assignments = pd.concat([
            existing[["mention_key", "party_id"]], relinked, res.assignments[["mention_key", "party_id"]],
        ])
        assignments = assignments.drop_duplicates("mention_key", keep="last")
    else:
        assignments = existing[["mention_key", "party_id"]]
    wanted = mentions[["mention_key"]].drop_duplicates()
    return wanted.merge(assignments, on="mention_key", how="left")


def _repoint_merged(store: Store, merged: pd.DataFrame | None, existing: pd.DataFrame) -> pd.DataFrame:
    """Parties that new evidence joined: the absorbed party node goes (with its edges) and
    its stored mentions are returned with the surviving party id, to be linked again."""
    if merged is None or not len(merged):
        return pd.DataFrame(columns=["mention_key", "party_id"])
    target = dict(zip(merged["old_party_id"], merged["party_id"]))
    store.delete_nodes("Party", list(target))
    moved = existing.loc[existing["party_id"].isin(target), ["mention_key", "party_id"]].copy()
    moved["party_id"] = moved["party_id"].map(target)
    return moved


def _relink_declarations(store: Store, moved: pd.DataFrame) -> None:
    """Stored declarations written with a moved mention get their role edge back."""
    lookup = dict(zip(moved["mention_key"], moved["party_id"]))
    for role, rel_type in _ROLES.items():
        column = f"{role}_mention"
        rows = store.nodes("Declaration", ["decl_key", column])
        rows = rows[rows[column].isin(lookup)]
        if len(rows):
            store.upsert_rels(rel_type, pd.DataFrame({"src": rows["decl_key"], "dst": rows[column].map(lookup)}))


def _refresh_identifier_counts(store: Store, keys: list[str]) -> None:
    if not keys:
        return
    counts = store.query(
        "UNWIND $keys AS k MATCH (i:Identifier {ident_key: k})<-[:HAS_IDENTIFIER]-(p:Party) "
        "RETURN k AS ident_key, count(DISTINCT p) AS party_count",
        {"keys": keys},
    )
    if len(counts):
        store.set_properties("Identifier", counts)


def load_declarations(
    store: Store, decl: pd.DataFrame, mentions: pd.DataFrame, progress: ProgressFn = null_progress,
    defer_links: bool = False,
) -> dict:
    """Write declarations with their parties, hubs, countries, commodities and routes.

    ``defer_links``: write the declarations but not their edges to parties and places;
    ``result["link"]`` is then a function that writes them (pre-arrival scoring runs it in
    a thread while it computes). A load killed before it ran is completed by loading the
    same file again (the declarations are then stored, and their edges compared as usual)."""
    decl = decl.drop_duplicates("decl_key", keep="last").copy()
    hash_columns = [c for c in NODES["Declaration"].columns if c in decl.columns and c not in {"source_file", "line", "row_hash"}]
    decl["row_hash"] = row_hash(decl, hash_columns)
    # key look-ups for a small batch; one read of two columns for a large one
    stored = store.query(
        "UNWIND $keys AS k MATCH (d:Declaration {decl_key: k}) RETURN d.decl_key AS decl_key, d.row_hash AS row_hash",
        {"keys": decl["decl_key"].tolist()},
    ) if len(decl) <= 20_000 else store.nodes("Declaration", ["decl_key", "row_hash"])
    stored = stored[stored["decl_key"].isin(set(decl["decl_key"]))]
    merged = decl[["decl_key", "row_hash"]].merge(stored, on="decl_key", how="left", suffixes=("", "_old"))
    changed = merged.loc[merged["row_hash_old"].notna() & (merged["row_hash_old"] != merged["row_hash"]), "decl_key"]
    is_new = merged["row_hash_old"].isna()
    new = int(is_new.sum())

    # new declarations have no edges and nothing read below depends on them: their nodes are
    # written in a thread while the mentions are resolved (nodes still come before edges; a
    # load killed after it finds them stored, and links them as usual)
    fresh_nodes = Background(lambda: store.upsert_nodes("Declaration", decl[is_new.to_numpy()]),
                             name="intel-declarations").start()
    try:
        mapping = load_mentions(store, mentions, progress, before_write=fresh_nodes.join) if len(mentions) \
            else pd.DataFrame(columns=["mention_key", "party_id"])
    finally:
        written = fresh_nodes.join()
    lookup = dict(zip(mapping["mention_key"], mapping["party_id"]))
    edges = declaration_edges(decl, lookup)
    if len(changed):
        # an amendment is updated in place, so its outcomes, tip flags and scores stay attached
        # (and DETACH DELETE costs ~2 ms a declaration on a 1M store). The edges its new values
        # no longer imply go first: its row_hash, written next, marks it done, so a load killed
        # before that redoes this.
        amended = changed.tolist()
        for rel_type, frame in edges.items():
            store.prune_rels(rel_type, amended, frame[_isin(frame["src"], set(amended))])

    progress("store declarations", 0, len(decl))
    _ensure_hubs(store, decl)
    _ensure_commodities(store, decl)
    _ensure_routes(store, decl)
    _ensure_units(store, edges)
    written += store.upsert_nodes("Declaration", decl[~is_new.to_numpy()])
    progress("store declarations", len(decl), len(decl))
    # a declaration that was not stored when this load began has no edges yet: its edges are
    # inserted without the look-up of stored ones (a re-run after a kill finds it stored and
    # compares as usual)
    new_keys = merged.loc[is_new, "decl_key"].tolist()
    fresh = set(new_keys)

    def link() -> None:
        for rel_type, frame in edges.items():
            mine = _isin(frame["src"], fresh)
            store.upsert_rels(rel_type, frame[mine], fresh=True)
            store.upsert_rels(rel_type, frame[~mine])

    result = {"rows": len(decl), "new": new, "changed": int(len(changed)), "written": written,
              "keys": decl["decl_key"].tolist(), "new_keys": new_keys}
    if defer_links:
        return {**result, "link": link}
    progress("link declarations")
    link()
    return result


def _nonempty(series: pd.Series) -> pd.Series:
    return series.dropna().astype(str).loc[lambda s: s.str.len() > 0]


def _ensure_hubs(store: Store, decl: pd.DataFrame) -> None:
    """A well-formed LOCODE missing from the reference becomes a hub of unknown place."""
    codes = pd.concat([
        _nonempty(decl.get("port_of_loading", pd.Series(dtype=str))),
        _nonempty(decl.get("port_of_discharge", pd.Series(dtype=str))),
        _nonempty(decl.get("transit_ports", pd.Series(dtype=str))).str.split(";").explode(),
    ]).str.strip().loc[lambda s: s.str.len() == 5].unique()
    if not len(codes):
        return
    known = set(store.nodes("Hub", ["locode"])["locode"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        store.upsert_nodes("Hub", pd.DataFrame({"locode": unknown, "country": [c[:2] for c in unknown], "known": False}))


def _ensure_commodities(store: Store, decl: pd.DataFrame) -> None:
    hs6 = _nonempty(decl.get("hs6", pd.Series(dtype=str))).unique()
    if len(hs6):
        store.upsert_nodes("Commodity", pd.DataFrame({"hs6": hs6, "chapter": [h[:2] for h in hs6]}))


def _ensure_routes(store: Store, decl: pd.DataFrame) -> None:
    if "route_id" not in decl:
        return
    routes = decl.dropna(subset=["route_id"]).drop_duplicates("route_id")[["route_id", "route"]]
    if len(routes):
        store.upsert_nodes("Route", routes)


def declaration_edges(decl: pd.DataFrame, lookup: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Every relationship the declarations imply, per type (``src, dst`` and ``seq`` for
    transits): their parties (``lookup``: mention key -> party id), loading, transit and
    discharge hubs, origin, commodity and route. A type whose column the frame lacks is left
    out."""
    key = decl["decl_key"]
    out: dict[str, pd.DataFrame] = {}
    for role, rel_type in _ROLES.items():
        column = f"{role}_mention"
        if column in decl:
            out[rel_type] = pd.DataFrame({"src": key, "dst": decl[column].map(lookup)}).dropna()
    simple = {
        "LOADED_AT": "port_of_loading", "DISCHARGED_AT": "port_of_discharge",
        "ORIGIN": "origin_country", "CLASSIFIED_AS": "hs6", "ON_ROUTE": "route_id",
    }
    for rel_type, column in simple.items():
        if column in decl:
            edges = pd.DataFrame({"src": key, "dst": decl[column]})
            out[rel_type] = edges[edges["dst"].notna() & (edges["dst"].astype(str) != "")]
    out.update(unit_rels(decl))
    if "transit_ports" in decl:
        transit = pd.DataFrame({"src": key, "dst": decl["transit_ports"]}).dropna()
        transit = transit[transit["dst"].astype(str) != ""]
        transit["dst"] = transit["dst"].str.split(";")
        transit = transit.explode("dst")
        transit["dst"] = transit["dst"].str.strip()
        transit = transit[transit["dst"] != ""]
        transit["seq"] = transit.groupby("src").cumcount() + 1
        out["TRANSITED"] = transit
    return out


def unit_rels(decl: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``IN_CONTAINER`` and ``UNDER_DOCUMENT`` edges (with the declaration's date and hubs)
    of the shipment units the declarations name (:func:`ingest.units.unit_edges`); a
    document both carried and referred to is one edge, its role ``own``."""
    edges = unit_edges(decl)
    if not len(edges):
        return {}
    frame = edges.rename(columns={"decl_key": "src", "unit": "dst"})
    props = ["src", "dst", "declared_at", "loaded_at", "discharged_at"]
    docs = frame[frame["kind"] != "container"].assign(role=lambda f: np.where(f["kind"] == "document", "own", "previous"))
    docs = docs.sort_values("role", kind="stable").drop_duplicates(["src", "dst"])
    return {"IN_CONTAINER": frame.loc[frame["kind"] == "container", props].reset_index(drop=True),
            "UNDER_DOCUMENT": docs[[*props, "role"]].reset_index(drop=True)}


def _ensure_units(store: Store, edges: dict[str, pd.DataFrame]) -> None:
    """The container and transport-document nodes the declarations' unit edges point at."""
    boxes = edges.get("IN_CONTAINER")
    if boxes is not None and len(boxes):
        ids = pd.Series(boxes["dst"].unique(), dtype=object)
        store.upsert_nodes("Container", pd.DataFrame({"container_id": ids, "owner_code": ids.str[:3],
                                                      "category": ids.str[3]}))
    docs = edges.get("UNDER_DOCUMENT")
    if docs is not None and len(docs):
        ids = pd.Series(docs["dst"].unique(), dtype=object)
        kind = np.where(ids.str.fullmatch(r"\d{11}"), "air waybill", np.where(ids.str.match(r"[A-Z]{4}\d"), "bill of lading", ""))
        store.upsert_nodes("TransportDocument", pd.DataFrame({"document_id": ids, "kind": kind}))


def load_tips(store: Store, tips: pd.DataFrame) -> int:
    """Tips, the organisations that submitted them, and who submitted what."""
    written = store.upsert_nodes("Tip", tips)
    holders = pd.DataFrame({"name": tips["submitted_by"].dropna().unique()})
    store.upsert_nodes("RightsHolder", holders)
    store.upsert_rels("SUBMITTED", pd.DataFrame({"src": tips["submitted_by"], "dst": tips["tip_id"]}).dropna())
    return written


def load_outcomes(store: Store, outcomes: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """Outcomes attach to every item of their declaration; ones whose declaration is not in
    the store are returned so the caller can quarantine them (a later re-run picks them up)."""
    items = store.nodes("Declaration", ["decl_key", "declaration_id", "reporting_country", "item_no"])
    given_item = outcomes["item_no"] if "item_no" in outcomes else pd.Series(pd.NA, index=outcomes.index)
    frame = outcomes.drop(columns=["decl_key", "outcome_key", "item_no"], errors="ignore").assign(_item=given_item)
    joined = frame.merge(items, on=["declaration_id", "reporting_country"], how="left")
    # an outcome naming an item applies to that item; one that does not, to every item
    named = joined["_item"].notna() & joined["item_no"].notna()
    joined = joined[~named | (joined["_item"].astype("Int64") == joined["item_no"].astype("Int64"))]
    missing = joined[joined["decl_key"].isna()]
    joined = joined.dropna(subset=["decl_key"]).copy()
    joined["outcome_key"] = (
        joined["decl_key"] + "|" + joined["result"].astype(str) + "|" + joined["decided_at"].astype(str)
    ).map(lambda s: hashlib.sha1(s.encode()).hexdigest()[:16])
    nodes = joined.drop_duplicates("outcome_key")
    written = store.upsert_nodes("Outcome", nodes)
    store.upsert_rels("OUTCOME_OF", pd.DataFrame({"src": joined["outcome_key"], "dst": joined["decl_key"]}))
    return written, missing.drop(columns=["decl_key", "_item", "item_no"])
