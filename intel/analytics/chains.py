"""Chains: goods that change origin between two declarations.

The most damaging origin laundering leaves no trace on any single declaration: goods enter a
free zone, bonded warehouse or hub country under a first, truthful declaration (CN origin),
and leave weeks later under a second one, in the same containers or under a bill of lading
that refers to the first, with a new origin (MY, VN, TH) and often a preferential claim. The
second declaration's route starts at the free zone and looks clean. What ties the two is the
shipment unit, so this analytic walks the graph's ``Declaration -[IN_CONTAINER |
UNDER_DOCUMENT]-> unit`` edges through time.

**Hops.** A unit that was discharged in country H under declaration A (its port of
discharge) and is loaded in H under a later declaration B (its port of loading, else its
export country), within ``cfg.chain_max_dwell_days``, is a candidate hop A → B at H. A
shared unit alone does not make a hop: containers are reused by unrelated shippers months
apart, and a consolidation box at Singapore or Hong Kong carries many consignees' goods.
What keeps a candidate is corroboration:

- the unit is an explicit reference (B's ``previous_document`` is A's bill of lading: goods
  restuffed into new containers), or
- the party that received the goods under A ships them under B (same resolved party, or
  parties sharing a phone, e-mail, address or tax id), or
- the goods stay the same (same HS heading) within a dwell short enough to be one
  consignment, in a unit that few consignees shared.

The strength of the unit evidence falls with the number of consignees sharing the box on
either side (a consolidation container links nobody in particular).

**Chains.** Hops only go forward in time, so they form a DAG over declarations; a chain is a
maximal time-respecting path in it (from a declaration no hop reaches to one no hop leaves),
followed by frontier expansion up to ``cfg.chain_max_hops`` hops: the feeder import, the
re-export and any second hop. A chain holds, per hop, the unit, the hub and the dwell; and
for its two ends the origin, the HS code, the preference claimed and the parties. The two
ends may be reported by two administrations (the free zone's and the destination's): the
chain is found once both are loaded.

**Scoring (origin laundering).** A chain whose origin does not change is transshipment and
scores 0. One whose origin changes is judged by whether a transformation that confers the
new origin is plausible, from the rules of origin's own tests:

- the HS heading stays the same (no change of tariff heading: no substantial
  transformation); a change of chapter makes processing plausible;
- the dwell is too short for manufacturing (under ``cfg.chain_processing_days``);
- the party that re-exports has no manufacturing footprint: everything it ships is of
  headings it received, and it receives no inputs of other headings;
- the motive: a preferential origin claimed (or the new origin is preferential and the old
  is not), goods under trade remedies or high duties (``cfg.high_duty_hs``) or on a sector
  watch list.

Every chain's reasons quote both declarations: "container MSCU1234565 entered MYPKG on
2024-03-02 under MY import 24000017 as CN-origin HS 760612, left on 2024-03-19 under TH
import A0240001 declared MY origin with an ATIGA claim: 17 days, same HS heading".

``run(proj, cfg) -> (chains, decl_chain)``: ``chains`` one row per chain (``chain_id,
score, reasons``, the path and its facts), ``decl_chain`` per declaration on a scored chain
(``decl_key, score, reasons, chain_id, leg``: ``exit`` full score, ``entry`` and ``via``
less — the feeder import is truthful, but its goods may still be in the zone).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ingest.units import unit_rows
from intel.analytics.features import timestamp
from intel.analytics.projection import Projection
from intel.analytics.routes import _per_value, _text, hub_info, watch_sector
from intel.config import Settings

__all__ = ["run", "hops", "CHAIN_COLUMNS", "DECL_CHAIN_COLUMNS"]

CHAIN_COLUMNS = [
    "chain_id", "score", "reasons", "hops", "decl_keys", "units", "hubs", "dwell_days", "entered_at", "left_at",
    "entry_decl_key", "exit_decl_key", "origin_in", "origin_out", "hs_in", "hs_out", "heading_changed",
    "preference", "entry_party", "exit_party", "reporting_countries", "confidence", "laundering",
]
DECL_CHAIN_COLUMNS = ["decl_key", "score", "reasons", "chain_id", "leg"]
_DAY = 86_400.0
#: how much of a chain's score its feeder import and intermediate legs take
LEG_WEIGHT = {"exit": 1.0, "via": 0.8, "entry": 0.6}
_NO_CLAIM = {"", "NONE", "NO", "MFN", "N", "0", "FALSE"}
#: hops kept per departing declaration (the best-corroborated arrivals)
_MAX_ARRIVALS = 3


# ---------------------------------------------------------------- per-declaration facts
def _facts(decl: pd.DataFrame, info: pd.DataFrame, cfg: Settings) -> pd.DataFrame:
    """The columns the chain search and its reasons read, one row per declaration item (text
    cleaned once per distinct value: a million rows hold a few thousand ports and codes)."""
    n = len(decl)
    get = decl.get
    f = pd.DataFrame({"decl_key": _text(get("decl_key"), n, upper=False).to_numpy(),
                      "declaration_id": _text(get("declaration_id"), n, upper=False).to_numpy(),
                      "rc": _text(get("reporting_country"), n).to_numpy()})
    flow = _text(get("flow"), n, upper=False).str.lower()
    f["flow"] = flow.where(flow != "", "import").to_numpy()
    f["t"] = timestamp(decl["declared_at"]).to_numpy() if "declared_at" in decl else pd.NaT
    country = info["country"].to_dict() if len(info) else {}
    for name, src in (("pol", "port_of_loading"), ("pod", "port_of_discharge")):
        code = _text(get(src), n, drop=r"[^A-Z0-9]")
        f[name] = code.to_numpy()
        f[name + "_c"] = _per_value(code, lambda u: u.map(lambda c: country.get(c, c[:2] if len(c) == 5 else ""))).to_numpy()
    export = _text(get("export_country"), n).to_numpy()
    f["from_c"] = np.where(f["pol_c"].to_numpy() != "", f["pol_c"].to_numpy(), export)
    f["origin"] = _text(get("origin_country"), n).to_numpy()
    hs = _text(get("hs_code"), n, drop=r"[^0-9]")
    f["hs"] = hs.where(hs != "", _text(get("hs6"), n)).to_numpy()
    f["hs4"] = _per_value(f["hs"], lambda u: u.str[:4]).to_numpy()
    f["preference"] = _text(get("preference"), n, upper=False).to_numpy()
    for role in ("consignee", "consignor"):
        f[role] = _text(get(role), n, upper=False).to_numpy()
    f["watch"] = _per_value(f["hs"], lambda u: watch_sector(u, cfg.watch_lists)).to_numpy()
    high = _per_value(f["hs"], lambda u: watch_sector(u, {"high duty": list(cfg.high_duty_hs or [])}))
    f["high_duty"] = (high != "").to_numpy()
    # plain object columns: the search indexes them by position many times (Arrow-backed
    # strings would be converted back on every access)
    return pd.DataFrame({c: pd.Series(f[c].to_numpy(dtype=object), dtype=object) if f[c].dtype != bool and c != "t"
                         else f[c] for c in f.columns})


def _label(F: dict, i: int) -> str:
    """``MY import 24000017`` for declaration row ``i`` (``F``: the facts' columns as arrays)."""
    return f"{F['rc'][i]} {F['flow'][i]} {F['declaration_id'][i]}".strip()


# ---------------------------------------------------------------- hops
def _shared_identifiers(proj: Projection, pairs: pd.DataFrame) -> np.ndarray:
    """Whether the parties of each row of ``pairs`` (``a, b``) share an identifier."""
    pi = proj.party_ident
    if not len(pairs) or pi is None or not len(pi) or "ident_key" not in pi:
        return np.zeros(len(pairs), bool)
    link = pi[["party_id", "ident_key"]].astype(str).drop_duplicates()
    wanted = set(pairs["a"]) | set(pairs["b"])
    link = link[link["party_id"].isin(wanted)]
    both = pairs.reset_index(drop=True).reset_index()
    left = both.merge(link.rename(columns={"party_id": "a"}), on="a")
    right = left.merge(link.rename(columns={"party_id": "b"}), on=["b", "ident_key"])
    out = np.zeros(len(pairs), bool)
    out[right["index"].unique()] = True
    return out


def _sharing(e: pd.DataFrame, f: pd.DataFrame, side: str) -> pd.Series:
    """Per unit edge: how many distinct consignees the unit carried on the same leg (same
    ``side`` hub and day): one box for many consignees is a consolidation, which links
    nobody in particular."""
    day = (e["t"].to_numpy() // _DAY).astype(np.int64)
    party = f["consignee"].to_numpy(dtype=object)[e["row"].to_numpy()]
    party = np.where(party == "", f["decl_key"].to_numpy(dtype=object)[e["row"].to_numpy()], party)
    key = pd.DataFrame({"u": e["u"].to_numpy(), "h": e[side].to_numpy(), "d": day, "p": party})
    return key.groupby(["u", "h", "d"])["p"].transform("nunique").to_numpy()


def hops(proj: Projection, cfg: Settings, facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Corroborated hops between declarations (rows of :func:`_facts`): ``a, b`` (arrival
    and departure row), ``unit``, ``kind``, ``hub`` (where A discharged it), ``dwell_days``,
    ``confidence`` and the evidence (``same_party``, ``shared_ident``, ``same_heading``,
    ``reference``, ``sharing``)."""
    info = hub_info(proj.hubs)
    f = facts if facts is not None else _facts(proj.decl, info, cfg)
    empty = pd.DataFrame(columns=["a", "b", "unit", "kind", "hub", "dwell_days", "confidence", "same_party",
                                  "shared_ident", "same_heading", "reference", "sharing"])
    e = unit_rows(proj.decl)
    if not len(e):
        return empty
    t = f["t"].to_numpy("datetime64[s]").astype("int64").astype(float)
    t[pd.isna(f["t"]).to_numpy()] = np.nan
    e["t"] = t[e["row"].to_numpy()]
    e = e[np.isfinite(e["t"].to_numpy())]
    e["u"] = pd.factorize(e["unit"])[0]
    # arrivals: own units discharged in a country; departures: any unit loaded from one
    arr = e[e["kind"] != "previous"].assign(c=f["pod_c"].to_numpy(dtype=object)[e.loc[e["kind"] != "previous", "row"].to_numpy()],
                                            h=f["pod"].to_numpy(dtype=object)[e.loc[e["kind"] != "previous", "row"].to_numpy()])
    dep = e.assign(c=f["from_c"].to_numpy(dtype=object)[e["row"].to_numpy()], h=f["pol"].to_numpy(dtype=object)[e["row"].to_numpy()])
    arr = arr[arr["c"] != ""]
    dep = dep[dep["c"] != ""]
    # a unit both arriving and departing in the same country (candidates only there)
    both = np.intersect1d(arr["u"].to_numpy(), dep["u"].to_numpy())
    arr = arr[np.isin(arr["u"].to_numpy(), both)]
    dep = dep[np.isin(dep["u"].to_numpy(), both)]
    if not len(arr) or not len(dep):
        return empty
    arr = arr.assign(share=_sharing(arr, f, "h"))
    dep = dep.assign(share=_sharing(dep, f, "h"))
    pairs = arr[["u", "c", "row", "t", "kind", "unit", "h", "share"]].merge(
        dep[["u", "c", "row", "t", "kind", "share"]], on=["u", "c"], suffixes=("_a", "_b"))
    dwell = (pairs["t_b"].to_numpy() - pairs["t_a"].to_numpy()) / _DAY
    ok = (dwell > 0) & (dwell <= float(cfg.chain_max_dwell_days))
    rc, did = pd.factorize(f["rc"])[0], pd.factorize(f["declaration_id"])[0]
    ra, rb = pairs["row_a"].to_numpy(), pairs["row_b"].to_numpy()
    ok &= (rc[ra] != rc[rb]) | (did[ra] != did[rb])  # two items of one declaration are no hop
    pairs = pairs[ok].assign(dwell_days=dwell[ok])
    if not len(pairs):
        return empty
    a, b = pairs["row_a"].to_numpy(), pairs["row_b"].to_numpy()
    receiver = f["consignee"].to_numpy(dtype=object)[a]
    shipper = f["consignor"].to_numpy(dtype=object)[b]
    pairs["same_party"] = (receiver != "") & (receiver == shipper)
    pairs["same_heading"] = (f["hs4"].to_numpy(dtype=object)[a] == f["hs4"].to_numpy(dtype=object)[b]) & (f["hs4"].to_numpy(dtype=object)[a] != "")
    pairs["reference"] = pairs["kind_b"].to_numpy() == "previous"
    pairs["sharing"] = np.maximum(pairs["share_a"].to_numpy(), pairs["share_b"].to_numpy())
    # one row per (arrival, departure): the strongest unit evidence, all units named
    pairs = pairs.sort_values(["row_a", "row_b", "reference", "sharing"], ascending=[True, True, False, True], kind="stable")
    grouped = pairs.groupby(["row_a", "row_b"], sort=False)
    first = grouped.head(1).set_index(["row_a", "row_b"])
    first["units"] = grouped["unit"].agg(lambda u: list(dict.fromkeys(u)))
    first["reference"] = grouped["reference"].any()
    h = first.reset_index()
    parties = pd.DataFrame({"a": f["consignee"].to_numpy(dtype=object)[h["row_a"].to_numpy()],
                            "b": f["consignor"].to_numpy(dtype=object)[h["row_b"].to_numpy()]})
    h["shared_ident"] = ~h["same_party"].to_numpy() & _shared_identifiers(proj, parties)
    # evidence -> confidence that A and B carry the same goods
    unit_ev = np.where(h["reference"], 0.85,
                       np.where(h["kind_a"] == "container", 0.6, 0.5) / np.sqrt(np.maximum(h["sharing"], 1)))
    party_ev = np.where(h["same_party"], 0.8, np.where(h["shared_ident"], 0.5, 0.0))
    goods_ev = np.where(h["same_heading"], 0.4, 0.0)
    conf = 1 - (1 - unit_ev) * (1 - party_ev) * (1 - goods_ev)
    unlinked = ~h["reference"] & (party_ev == 0)
    # nobody ties the two: only the same goods soon after, in a box few consignees shared
    conf = np.where(unlinked, conf * np.where(h["same_heading"] & (h["dwell_days"] <= 90) & (h["sharing"] <= 2), 0.8, 0.0), conf)
    h["confidence"] = conf
    h = h[h["confidence"] >= 0.5]
    h = h.sort_values(["row_b", "confidence", "dwell_days"], ascending=[True, False, True], kind="stable")
    h = h[h.groupby("row_b").cumcount() < _MAX_ARRIVALS]
    out = pd.DataFrame({"a": h["row_a"].to_numpy(), "b": h["row_b"].to_numpy(), "unit": h["unit"].to_numpy(),
                        "units": h["units"].to_numpy(), "kind": np.where(h["reference"], "previous", h["kind_a"]),
                        "hub": h["h"].to_numpy(), "dwell_days": h["dwell_days"].to_numpy(),
                        "confidence": h["confidence"].to_numpy(), "same_party": h["same_party"].to_numpy(),
                        "shared_ident": h["shared_ident"].to_numpy(), "same_heading": h["same_heading"].to_numpy(),
                        "reference": h["reference"].to_numpy(), "sharing": h["sharing"].to_numpy()})
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- paths
def _paths(h: pd.DataFrame, max_hops: int) -> list[list[int]]:
    """Maximal time-respecting paths through the hop DAG (indices into ``h``), found by
    frontier expansion from the hops whose arrival no hop reaches."""
    if not len(h):
        return []
    reached = set(h["b"].tolist())
    out_of: dict[int, list[int]] = {}
    for k, a in enumerate(h["a"].tolist()):
        out_of.setdefault(a, []).append(k)
    b = h["b"].tolist()
    frontier = [[k] for k, a in enumerate(h["a"].tolist()) if a not in reached]
    done: list[list[int]] = []
    for _ in range(max(1, int(max_hops))):
        nxt = []
        for path in frontier:
            follow = out_of.get(b[path[-1]], [])
            if not follow or len(path) >= max_hops:
                done.append(path)
            else:
                nxt.extend([*path, k] for k in follow[:8])
        frontier = nxt
        if not frontier:
            break
    done.extend(frontier)
    return done


# ---------------------------------------------------------------- footprint
def _footprint(f: pd.DataFrame) -> pd.DataFrame:
    """Per party: items received and shipped, and whether it shows manufacturing: inputs of
    headings it does not ship (``inputs_other``), and the share of what it ships that is of
    headings it received (``reexport_share``)."""
    receiver, shipper = f["consignee"].to_numpy(dtype=object), f["consignor"].to_numpy(dtype=object)
    party, parties = pd.factorize(np.concatenate([receiver, shipper]))
    heading = pd.factorize(f["hs4"].to_numpy(dtype=object))[0].astype(np.int64)
    n, width = len(f), int(heading.max()) + 2 if len(heading) else 1
    p_in, p_out = party[:n].astype(np.int64), party[n:].astype(np.int64)
    blank = np.flatnonzero(np.asarray(parties, dtype=object) == "")
    known_in = ~np.isin(p_in, blank)
    known_out = ~np.isin(p_out, blank)
    known_in &= np.isin(p_in, p_out[known_out])  # only parties that also ship
    if not known_in.any() or not known_out.any():
        return pd.DataFrame(columns=["received", "shipped", "inputs_other", "reexport_share"])
    key_in, key_out = p_in[known_in] * width + heading[known_in], p_out[known_out] * width + heading[known_out]
    g_in = pd.DataFrame({"p": p_in[known_in], "other": ~np.isin(key_in, key_out)}).groupby("p").agg(
        received=("other", "size"), inputs_other=("other", "mean"))
    g_out = pd.DataFrame({"p": p_out[known_out], "same": np.isin(key_out, key_in)}).groupby("p").agg(
        shipped=("same", "size"), reexport_share=("same", "mean"))
    out = g_in.join(g_out, how="inner")
    out.index = np.asarray(parties, dtype=object)[out.index.to_numpy()]
    return out


# ---------------------------------------------------------------- scoring
def _claims(pref: str) -> bool:
    return pref.strip().upper() not in _NO_CLAIM


def _score(F: dict, H: dict, path: list[int], foot: pd.DataFrame, cfg: Settings) -> dict:
    rows = [int(H["a"][path[0]]), *(int(H["b"][k]) for k in path)]
    entry, exit_ = rows[0], rows[-1]
    o_in, o_out = F["origin"][entry], F["origin"][exit_]
    # where the origin changed: the first hop whose departure declares another origin
    change = next((k for k in path if F["origin"][int(H["b"][k])] != o_in), None)
    conf = float(np.prod([H["confidence"][k] for k in path]) ** (1.0 / len(path)))
    dwell = float(sum(H["dwell_days"][k] for k in path))
    hs_in, hs_out = F["hs"][entry], F["hs"][exit_]
    same_heading = bool(hs_in[:4] and hs_in[:4] == hs_out[:4])
    same_chapter = bool(hs_in[:2] and hs_in[:2] == hs_out[:2])
    pref = F["preference"][exit_]
    claimed = _claims(pref)
    preferential = {c.upper() for c in (cfg.preferential_origins or [])}
    reasons: list[str] = []
    score = 0.0
    laundering = bool(o_in and o_out and o_in != o_out)
    if laundering:
        k = change if change is not None else path[-1]
        a_row, b_row = int(H["a"][k]), int(H["b"][k])
        reexporter = F["consignor"][b_row]
        fp = foot.loc[reexporter] if reexporter and reexporter in foot.index else None
        no_footprint = fp is not None and fp["inputs_other"] < 0.1 and fp["reexport_share"] >= 0.8
        manufacturer = fp is not None and fp["inputs_other"] >= 0.3
        s_dwell = float(np.clip((cfg.chain_processing_days - dwell) / max(cfg.chain_processing_days, 1), 0.0, 1.0))
        motive_pref = 1.0 if claimed and o_out in preferential and o_in not in preferential else \
            (0.6 if o_out in preferential and o_in not in preferential else (0.5 if claimed else 0.2))
        goods = 1.0 if F["high_duty"][exit_] or F["high_duty"][entry] else (0.7 if F["watch"][exit_] else 0.0)
        s_motive = max(motive_pref, goods)
        # weights of evidence (log-odds) that no transformation conferring the new origin took
        # place, from the rules of origin's own tests: a change of tariff heading is the usual
        # test of substantial transformation (a change of chapter, more so), then the time it
        # would take, the re-exporter's footprint, and the motive
        heading = 2.0 if same_heading else (-2.5 if same_chapter else -3.5)
        footprint = 0.8 if no_footprint else (-1.0 if manufacturer else 0.0)
        logit = -0.5 + heading + 1.2 * s_dwell + footprint + 1.0 * s_motive
        score = conf / (1.0 + np.exp(-logit))
        reasons.append(_chain_text(F, H, path, rows, pref, dwell, same_heading, same_chapter))
        if fp is not None:
            who = f"the re-exporter {reexporter}"
            if no_footprint:
                reasons.append(f"{who} received {int(fp['received'])} and shipped {int(fp['shipped'])} goods items, all of "
                               f"headings it received and no inputs of other headings: no manufacturing footprint")
            elif manufacturer:
                reasons.append(f"{who} receives inputs of other headings ({fp['inputs_other']:.0%} of {int(fp['received'])} "
                               "items received): a manufacturing footprint")
        if s_dwell > 0:
            reasons.append(f"{dwell:.0f} days in the zone is too short for manufacturing (under {cfg.chain_processing_days})")
        if goods == 1.0:
            reasons.append(f"HS {hs_out[:6] or hs_in[:6]}: goods under trade remedies or high duties")
        elif goods:
            reasons.append(f"HS {hs_out[:6]} is on the {F['watch'][exit_]} watch list")
        if o_out in preferential and o_in not in preferential:
            reasons.append(f"{o_out} is a preferential origin and {o_in} is not"
                           + (f" (claimed: {pref})" if claimed else ""))
        links = _link_text(H, path)
        if links:
            reasons.append(links)
    else:
        reasons.append(_chain_text(F, H, path, rows, pref, dwell, same_heading, same_chapter)
                       + (": no change of origin (transshipment)" if o_in == o_out else ""))
    decl_keys = [F["decl_key"][r] for r in rows]
    units = list(dict.fromkeys(u for k in path for u in H["units"][k]))
    return {
        "chain_id": "C" + hashlib.sha1("|".join(decl_keys).encode()).hexdigest()[:10],
        "score": float(np.clip(score, 0.0, 1.0)), "reasons": reasons, "hops": len(path), "decl_keys": decl_keys,
        "units": units, "hubs": [H["hub"][k] for k in path],
        "dwell_days": [round(float(H["dwell_days"][k]), 1) for k in path],
        "entered_at": F["t"][entry], "left_at": F["t"][exit_],
        "entry_decl_key": decl_keys[0], "exit_decl_key": decl_keys[-1], "origin_in": o_in, "origin_out": o_out,
        "hs_in": hs_in, "hs_out": hs_out, "heading_changed": not same_heading, "preference": pref,
        "entry_party": F["consignee"][entry], "exit_party": F["consignor"][exit_],
        "reporting_countries": sorted({F["rc"][r] for r in rows}), "confidence": round(conf, 3),
        "laundering": laundering,
    }


def _date(value: object) -> str:
    return str(pd.Timestamp(value).date()) if value is not None and not pd.isna(value) else "?"


def _chain_text(F: dict, H: dict, path: list[int], rows: list[int], pref: str, dwell: float,
                same_heading: bool, same_chapter: bool) -> str:
    """"container MSCU1234565 entered MYPKG on 2024-03-02 under MY import 24000017 as
    CN-origin HS 760612, left on 2024-03-19 under TH import A0240001 declared MY origin with
    an ATIGA claim: 17 days, same HS heading" (each further hop after a semicolon)."""
    parts = []
    for n, k in enumerate(path):
        a, b = int(H["a"][k]), int(H["b"][k])
        unit = H["unit"][k]
        what = {"container": f"container {unit}", "document": f"transport document {unit}",
                "previous": f"goods under bill of lading {unit}"}.get(H["kind"][k], f"unit {unit}")
        head = f"{what} entered {H['hub'][k] or F['pod_c'][a]} on {_date(F['t'][a])} under {_label(F, a)}"
        if n == 0:
            head += f" as {F['origin'][a] or '?'}-origin HS {F['hs'][a][:6] or '?'}"
        pref_b = F["preference"][b]
        claim = f" with {'an' if pref_b[:1].upper() in 'AEIOU' else 'a'} {pref_b} claim" if _claims(pref_b) else ""
        tail = (f", left on {_date(F['t'][b])} under {_label(F, b)} declared {F['origin'][b] or '?'} origin"
                f" HS {F['hs'][b][:6] or '?'}{claim}")
        if H["kind"][k] == "previous":
            tail += " in other containers, its document referring to the first"
        parts.append(head + tail)
    heading = "same HS heading" if same_heading else ("HS heading changed within the chapter" if same_chapter
                                                       else "HS chapter changed")
    return "; then ".join(parts) + f": {dwell:.0f} days, {heading}"


def _link_text(H: dict, path: list[int]) -> str:
    ties = []
    for k in path:
        if H["same_party"][k]:
            ties.append("the consignee of the first is the consignor of the next")
        elif H["shared_ident"][k]:
            ties.append("the consignee of the first and the consignor of the next share an identifier")
        if int(H["sharing"][k]) > 1:
            ties.append(f"the unit carried goods of {int(H['sharing'][k])} consignees on one leg")
    return "; ".join(dict.fromkeys(ties))


# ---------------------------------------------------------------- the analytic
def run(proj: Projection, cfg: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chains of declarations linked by their shipment units, scored as origin
    laundering; see the module docstring. Returns ``(chains, decl_chain)``."""
    info = hub_info(proj.hubs)
    f = _facts(proj.decl, info, cfg)
    h = hops(proj, cfg, f)
    paths = _paths(h, int(cfg.chain_max_hops))
    if not paths:
        return pd.DataFrame(columns=CHAIN_COLUMNS), pd.DataFrame(columns=DECL_CHAIN_COLUMNS)
    foot = _footprint(f)
    F = {c: f[c].to_numpy(dtype=object) if f[c].dtype != bool else f[c].to_numpy() for c in f.columns}
    F["t"] = f["t"].to_numpy()
    H = {c: h[c].to_numpy() for c in h.columns}
    chains = pd.DataFrame([_score(F, H, p, foot, cfg) for p in paths])
    chains = chains.sort_values(["score", "confidence"], ascending=False, kind="stable")
    chains = chains.drop_duplicates("chain_id").reset_index(drop=True)
    return chains[CHAIN_COLUMNS], _per_declaration(chains)


def _per_declaration(chains: pd.DataFrame) -> pd.DataFrame:
    """Each declaration on a scored chain: its best chain's score for its leg, and reasons."""
    scored = chains[chains["score"] > 0]
    rows = []
    for c in scored.itertuples(index=False):
        last = len(c.decl_keys) - 1
        for n, key in enumerate(c.decl_keys):
            leg = "entry" if n == 0 else ("exit" if n == last else "via")
            lead = {"exit": "exit leg of an origin-laundering chain",
                    "entry": "feeder declaration of an origin-laundering chain",
                    "via": "intermediate leg of an origin-laundering chain"}[leg]
            rows.append((key, c.score * LEG_WEIGHT[leg], [f"{lead} {c.chain_id}: {c.reasons[0]}", *c.reasons[1:3]],
                         c.chain_id, leg))
    out = pd.DataFrame(rows, columns=DECL_CHAIN_COLUMNS)
    return out.sort_values("score", ascending=False, kind="stable").drop_duplicates("decl_key").reset_index(drop=True)
