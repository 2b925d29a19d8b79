"""Routes: origin laundering, circuitous and rare routings, and where to place inspections.

Each declaration's route is ``origin country > port of loading > transit hubs in order >
port of discharge`` (the ``route`` / ``route_id`` strings built at ingest, rebuilt here from
the columns when absent, or the ports recovered from the string when only it is present).
Signals, each explained in the reasons:

- **origin laundering**: the declared origin differs from the country the goods were loaded in
  (port of loading, else export country). What is normal is learned from the data: a
  landlocked origin (no seaport in the hub reference, few loadings of its own) that ships
  through a neighbour, and an entrepôt loading country (Singapore, Hong Kong, Rotterdam: many
  foreign-origin loadings) make the mismatch ordinary. It weighs more with a motive (a
  preferential origin claimed for goods loaded outside the preferential area), a free-zone
  stop in the claimed origin country or in a third country (less at a configured legitimate
  hub), a consignment country that differs from the loading country (itself weighted by how
  rare that is for the loading country) and watch-list goods;
- **circuity**: the distance along the legs (sea lanes for ships, great circle otherwise) over
  the direct distance between the same ports, above ``cfg.circuity_ratio`` and
  ``cfg.circuity_min_extra_km``; discounted for routings common in their lane and for detours
  only through the configured legitimate hubs;
- **rarity**: a routing seen in at most ``cfg.rare_route_share`` of a lane (origin,
  destination, HS chapter; falling back to origin and destination for small lanes) that has a
  dominant routing;
- **concentration**: transit through a hub where the other analytics' findings concentrate.

A transit stop at a big hub is never suspicious by itself: every signal needs an inconsistency
(origin versus loading country, a detour, a deviation from the lane's usual routing).

The hub ranking (inspection placement) counts the high-scored declarations each hub carries
beyond what its volume explains, overall and as an intermediate stop, their lift over the
overall share, and the hub's betweenness on the hub graph whose legs are weighted by the excess
suspicion they carry: a free zone in the middle of laundering paths ranks above the ports at
either end, and a big hub whose flow is as clean as the average ranks low however large.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from intel.analytics.geo import Distances
from intel.analytics.projection import Projection
from intel.config import Settings

__all__ = ["run", "route_string", "route_id_of", "prepare_routes", "watch_sector", "hub_info"]

UNKNOWN = "?"
LOCODE = r"[A-Z]{2}[A-Z0-9]{3}"
#: hub kinds where sea-going ships load (an empty kind counts: unknown is not 'no port')
SEA_KINDS = frozenset({"seaport", "ftz", "bonded", ""})
_FTZ_TAG = "(ftz)"


# ---------------------------------------------------------------- building routes
def _text(series: pd.Series | None, n: int, upper: bool = True, drop: str | None = None) -> pd.Series:
    """A clean string column ('' for missing), cleaned once per distinct value; ``drop`` is a
    regex of characters to remove."""
    if series is None:
        return pd.Series(np.full(n, "", dtype=object))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip()
    if upper:
        u = u.str.upper()
    u = u.mask(u.str.upper().isin({"NAN", "NONE", "<NA>", "NAT"}), "")
    if drop:
        u = u.str.replace(drop, "", regex=True)
    values = np.append(u.to_numpy(dtype=object), "")  # code -1 (missing) -> ''
    return pd.Series(values[codes], index=series.index, dtype=object)


def _per_value(series: pd.Series, fn) -> pd.Series:  # noqa: ANN001 - Series -> Series
    """``fn`` applied once per distinct value of a text column."""
    codes, uniques = pd.factorize(series)
    mapped = fn(pd.Series(np.asarray(uniques, dtype=object))).to_numpy(dtype=object)
    return pd.Series(np.append(mapped, "")[codes], index=series.index, dtype=object)


def _truthy(value: object) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(value) and not pd.isna(value)
    return str(value).strip().lower() in {"true", "1", "yes", "y", "t"}


def hub_info(hubs: pd.DataFrame) -> pd.DataFrame:
    """Hub reference indexed by locode: ``name, country, ftz (bool), lat, lon, kind``."""
    if hubs is None or not len(hubs) or "locode" not in hubs:
        return pd.DataFrame(columns=["name", "country", "ftz", "lat", "lon", "kind"], index=pd.Index([], name="locode"))
    frame = hubs.copy()
    frame["locode"] = _text(frame["locode"], len(frame)).values
    frame = frame[frame["locode"] != ""].drop_duplicates("locode").set_index("locode")
    kind = _text(frame.get("kind"), len(frame), upper=False).str.lower().values
    ftz = np.array([_truthy(v) for v in frame.get("ftz", pd.Series([None] * len(frame)))])
    frame["ftz"] = ftz | (kind == "ftz")
    frame["kind"] = kind
    country = _text(frame.get("country"), len(frame)).values
    frame["country"] = np.where(country == "", frame.index.str[:2], country)
    for column in ("name", "lat", "lon"):
        if column not in frame:
            frame[column] = pd.NA
    frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    return frame[["name", "country", "ftz", "lat", "lon", "kind"]]


def route_string(origin: str, pol: str, transits: Iterable[str], pod: str, ftz: set[str] | frozenset[str] = frozenset()) -> str:
    """``CN>CNSHA>MYPKG(ftz)>THLCH``: origin first, ``(ftz)`` after a free-zone hub, ``?`` unknown."""

    def hub(code: str) -> str:
        return UNKNOWN if not code else code + (_FTZ_TAG if code in ftz else "")

    return ">".join([origin or UNKNOWN, hub(pol), *(hub(t) for t in transits if t), hub(pod)])


def route_id_of(route: str) -> str:
    """``R`` + 10 hex of the sha1 of the route string."""
    return "R" + hashlib.sha1(route.encode("utf-8")).hexdigest()[:10]


def _parse_route(route: str) -> tuple[str, str, tuple[str, ...], str]:
    parts = [p.replace(_FTZ_TAG, "").strip().upper() for p in str(route).split(">")]
    parts = ["" if p == UNKNOWN else p for p in parts]
    if len(parts) < 3:
        return (parts[0] if parts else "", "", (), "")
    return parts[0], parts[1], tuple(p for p in parts[2:-1] if p), parts[-1]


def watch_sector(hs: pd.Series, watch_lists: dict[str, list[str]]) -> pd.Series:
    """Name of the first watch list whose HS prefix the code starts with ('' when none)."""
    codes = hs.astype("string").fillna("").str.replace(r"[^0-9]", "", regex=True)
    out = pd.Series("", index=hs.index, dtype=object)
    for sector, prefixes in (watch_lists or {}).items():
        for prefix in prefixes:
            digits = "".join(ch for ch in str(prefix) if ch.isdigit())
            if digits:
                out = out.mask((out == "") & codes.str.startswith(digits).fillna(False), sector)
    return out


def prepare_routes(decl: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """Per declaration: ``decl_key, route, route_id, origin, pol, transit (tuple), pod,
    ship_country, dest`` plus the columns the signals need."""
    n = len(decl)
    get = decl.get
    out = pd.DataFrame(index=decl.index)
    out["decl_key"] = decl["decl_key"].astype(str).values if "decl_key" in decl else [str(i) for i in range(n)]
    origin = _text(get("origin_country"), n)
    pol = _text(get("port_of_loading"), n, drop=r"[^A-Z0-9]")
    pod = _text(get("port_of_discharge"), n, drop=r"[^A-Z0-9]")
    transit_raw = _per_value(_text(get("transit_ports"), n, drop=r"[^A-Z0-9;,|]"), lambda u: u.str.replace(r"[,|]", ";", regex=True))
    given_route = _text(get("route"), n, upper=False)
    # a projection that only carries route strings: recover the parts from them
    no_ports = (pol == "") & (pod == "") & (transit_raw == "") & (given_route != "")
    if no_ports.any():
        parsed = given_route[no_ports].map(_parse_route)
        origin = origin.mask(no_ports & (origin == ""), parsed.str[0])
        pol = pol.mask(no_ports, parsed.str[1])
        transit_raw = transit_raw.mask(no_ports, parsed.str[2].map(";".join))
        pod = pod.mask(no_ports, parsed.str[3])
    ftz = frozenset(info.index[info["ftz"].astype(bool)]) if len(info) else frozenset()
    combos = pd.DataFrame({"o": origin, "l": pol, "t": transit_raw, "d": pod})
    uniq = combos.drop_duplicates()
    uniq_transit = uniq["t"].map(lambda s: tuple(x for x in s.split(";") if x))
    uniq_route = [route_string(o, l, t, d, ftz) for o, l, t, d in zip(uniq["o"], uniq["l"], uniq_transit, uniq["d"])]
    lookup = pd.DataFrame({"o": uniq["o"].values, "l": uniq["l"].values, "t": uniq["t"].values, "d": uniq["d"].values,
                           "transit": uniq_transit.values, "transit_key": uniq_transit.map(";".join).values,
                           "built": uniq_route})
    merged = combos.reset_index(drop=True).merge(lookup, on=["o", "l", "t", "d"], how="left")
    route = given_route.reset_index(drop=True)
    route = route.where(route != "", merged["built"])
    out["route"] = route.values
    given_id = _text(get("route_id"), n, upper=False).reset_index(drop=True)
    ids = pd.Series(route.values).map(route_id_of) if (given_id == "").any() else given_id
    out["route_id"] = given_id.where(given_id != "", ids).values
    out["origin"] = origin.values
    out["pol"] = pol.values
    out["transit"] = merged["transit"].values
    out["transit_key"] = merged["transit_key"].values
    out["pod"] = pod.values
    country = info["country"].to_dict() if len(info) else {}

    def country_of(code: pd.Series) -> pd.Series:
        """The hub's country, else the LOCODE's country part (only for a well-formed LOCODE)."""
        def one(u: pd.Series) -> pd.Series:
            mapped = u.map(country)
            prefix = u.str[:2].where(u.str.fullmatch(LOCODE).fillna(False), "")
            return mapped.where(mapped.notna(), prefix).fillna("")
        return _per_value(code, one)

    pol_country = country_of(pol)
    export = _text(get("export_country"), n)
    out["pol_country"] = pol_country.values
    out["export_country"] = export.values
    out["ship_country"] = pol_country.where(pol_country != "", export).values
    pod_country = country_of(pod)
    reporting = _text(get("reporting_country"), n)
    flow = _text(get("flow"), n, upper=False).str.lower()
    dest_fallback = reporting.where(flow.isin(["", "import"]), "")
    out["pod_country"] = pod_country.values
    out["dest"] = pod_country.where(pod_country != "", dest_fallback).values
    out["mode"] = _text(get("transport_mode"), n, upper=False).str.lower().values
    chapter = _text(get("hs_chapter"), n)
    hs = _text(get("hs_code"), n, drop=r"[^0-9]")
    hs6 = _text(get("hs6"), n)
    hs = hs.where(hs != "", hs6)
    out["hs"] = hs.values
    out["chapter"] = chapter.where(chapter != "", _per_value(hs, lambda u: u.str[:2])).values
    return out


# ---------------------------------------------------------------- signals
def _smoothed(hits: np.ndarray, total: np.ndarray, prior: float, strength: float = 5.0) -> np.ndarray:
    return (hits + prior * strength) / (total + strength)


def _origin_stats(r: pd.DataFrame, info: pd.DataFrame) -> dict[str, np.ndarray]:
    """What is normal about origins and loading countries, learned from the data itself.

    - ``pair_share``: share of origin-O goods loaded in country S;
    - ``landlocked``: 1 when the origin has no seaport in the hub reference and hardly loads
      anything itself (its goods must leave through a neighbour), else 0;
    - ``foreign_share``: share of the goods loaded in S that declare another origin (high for
      entrepôts such as Singapore, Hong Kong, Rotterdam);
    - ``consign_share``: share of the goods loaded in S consigned from another country.
    """
    origin, ship = r["origin"].to_numpy(dtype=object), r["ship_country"].to_numpy(dtype=object)
    pol_c, export = r["pol_country"].to_numpy(dtype=object), r["export_country"].to_numpy(dtype=object)
    n = r["n"].to_numpy(dtype=float)
    known = (origin != "") & (ship != "")
    f = pd.DataFrame({"o": origin[known], "s": ship[known], "n": n[known]})
    f["foreign"] = (f["o"] != f["s"]) * f["n"]
    by_origin = f.groupby("o")["n"].sum()
    by_pair = f.groupby(["o", "s"])["n"].sum()
    by_ship = f.groupby("s")[["n", "foreign"]].sum()
    both = (pol_c != "") & (export != "")
    g = pd.DataFrame({"s": pol_c[both], "n": n[both], "other": (export[both] != pol_c[both]) * n[both]}).groupby("s")[["n", "other"]].sum()
    origins = pd.Series(origin)
    origin_n = origins.map(by_origin).fillna(0).to_numpy()
    own_loadings = origins.map(by_ship["n"]).fillna(0).to_numpy()
    sea_countries = set(info.loc[info["kind"].isin(SEA_KINDS), "country"]) if len(info) else set()
    has_port = origins.isin(sea_countries).to_numpy() | (own_loadings >= np.maximum(5, 0.05 * origin_n))
    ships = pd.Series(ship)
    pols = pd.Series(pol_c)
    return {
        "pair_share": pd.Series(list(zip(origin, ship))).map(by_pair).fillna(0).to_numpy() / np.maximum(origin_n, 1),
        "pair_n": pd.Series(list(zip(origin, ship))).map(by_pair).fillna(0).to_numpy(),
        "origin_n": origin_n,
        "landlocked": (~has_port).astype(float),
        "foreign_share": _smoothed(ships.map(by_ship["foreign"]).fillna(0).to_numpy(), ships.map(by_ship["n"]).fillna(0).to_numpy(), 0.5),
        "consign_share": _smoothed(pols.map(g["other"]).fillna(0).to_numpy(), pols.map(g["n"]).fillna(0).to_numpy(), 0.5),
    }


def _laundering(r: pd.DataFrame, info: pd.DataFrame, cfg: Settings, watch: pd.Series,
                wanted: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Origin laundering score and reason per row of the combination frame ``r``.

    The core is an inconsistency: the declared origin differs from the country the goods were
    loaded in (port of loading, else the export country). How unusual that is comes from the
    data: a landlocked origin that always ships through a neighbour and a loading country that
    ships many origins (an entrepôt: Singapore, Hong Kong, Rotterdam) make it ordinary. What
    raises it: a preferential origin claimed for goods loaded outside the preferential area
    (motive), a free-zone stop in the claimed origin country or a third country (where goods
    are re-documented), a consignment country that differs from the loading country, and
    watch-list goods. A stop at a legitimate big hub counts for less than one at another
    free zone; it never counts without the inconsistency.
    """
    st = _origin_stats(r, info)
    origin, ship = r["origin"].to_numpy(dtype=object), r["ship_country"].to_numpy(dtype=object)
    pol_c, export = r["pol_country"].to_numpy(dtype=object), r["export_country"].to_numpy(dtype=object)
    unusual = (1.0 - st["pair_share"] * st["landlocked"]) * (1.0 - st["foreign_share"])
    consign_unusual = 1.0 - st["consign_share"]
    pref = list({c.upper() for c in (cfg.preferential_origins or [])})
    motive = np.where(np.isin(origin, pref) & ~np.isin(ship, pref), 1.0, np.where(np.isin(origin, pref), 0.5, 0.3))
    legit = {h.upper() for h in (cfg.legitimate_hubs or [])}
    ftz_hubs = set(info.index[info["ftz"].astype(bool)]) if len(info) else set()
    hub_country = info["country"].to_dict() if len(info) else {}
    transit, pol, dest = r["transit"].to_numpy(), r["pol"].to_numpy(), r["dest"].to_numpy()
    hs, sector = r["hs"].to_numpy(), watch.to_numpy()
    scores = np.zeros(len(r))
    reasons = [""] * len(r)
    mismatch = (origin != "") & (ship != "") & (origin != ship)
    consigned_elsewhere = (pol_c != "") & (export != "") & (export != pol_c)
    todo = mismatch | consigned_elsewhere
    if wanted is not None:
        todo &= wanted
    for i in np.flatnonzero(todo):
        o, s, e = origin[i], ship[i], export[i]
        ftz_stops = [t for t in transit[i] if t in ftz_hubs]
        in_origin = [t for t in ftz_stops if hub_country.get(t, t[:2]) == o]
        third = [t for t in ftz_stops if hub_country.get(t, t[:2]) not in {s, dest[i]} and t not in in_origin]
        a = float(unusual[i]) if mismatch[i] else 0.0
        f = 0.6 if in_origin else (max(0.5 * (0.5 if t in legit else 1.0) for t in third) if third else 0.0)
        w = 0.35 if sector[i] else 0.0
        c = 0.0
        if consigned_elsewhere[i]:
            stop_countries = {hub_country.get(t, t[:2]) for t in ftz_stops}
            c = (0.5 if (e == o or e in stop_countries) else 0.3) * float(consign_unusual[i])
        m = a if mismatch[i] else 0.5 * float(consign_unusual[i])  # a consignment inconsistency alone weighs less
        scores[i] = 1 - (1 - 0.45 * motive[i] * a) * (1 - f * m) * (1 - w * m) * (1 - c)
        reasons[i] = _laundering_reason(i, o, s, e, pol[i], in_origin, third, hub_country, mismatch[i], consigned_elsewhere[i],
                                        motive[i], sector[i], hs[i], st)
    return scores, reasons


def _laundering_reason(i: int, o: str, s: str, e: str, pol: str, in_origin: list[str], third: list[str],
                       hub_country: dict, mismatch: bool, consigned: bool, motive: float, sector: str, hs: str,
                       st: dict[str, np.ndarray]) -> str:
    where = f"loaded at {pol} ({s})" if pol else f"exported from {s}"
    text = f"declared origin {o} but {where}" if mismatch else f"consigned from {e} but {where}"
    if mismatch and consigned:
        text += f" and consigned from {e}"
    stops = in_origin or third
    if stops:
        text += " via " + ", ".join(f"{t} (free zone, {hub_country.get(t, t[:2])})" for t in stops)
    if in_origin and mismatch:
        text += f": origin {o} claimed after a free-zone stop in {o}"
    notes = []
    if mismatch and motive == 1.0:
        notes.append(f"{o} is a preferential origin and {s} is not")
    if sector:
        notes.append(f"watch-list goods ({sector}, HS {str(hs)[:6]})")
    if mismatch:
        notes.append(f"{st['foreign_share'][i]:.0%} of goods loaded in {s} declare a foreign origin")
        notes.append(f"{st['pair_share'][i]:.0%} of origin-{o} goods load in {s}")
    if consigned:
        notes.append(f"{st['consign_share'][i]:.0%} of goods loaded in {s} are consigned from another country")
    return f"{text} ({', '.join(notes)})"


def _lane_stats(r: pd.DataFrame, cfg: Settings) -> pd.DataFrame:
    """For each combination row: lane size, routing share and the lane's dominant routing."""
    shape = r["ship_country"] + "|" + r["transit"].map(";".join) + "|" + r["pod_country"]
    out = pd.DataFrame(index=r.index)
    out["lane_n"] = 0.0
    out["share"] = np.nan
    out["dominant"] = np.nan
    out["dominant_route"] = ""
    out["lane"] = ""
    known_shape = (r["ship_country"] != "") | (r["pod_country"] != "")
    for keys in (["origin", "dest", "chapter"], ["origin", "dest"]):
        todo = known_shape & (out["lane_n"] < cfg.route_min_lane) & (r["origin"] != "") & (r["dest"] != "")
        if not todo.any():
            break
        sub = r[todo].assign(shape=shape[todo])
        lane_key = sub[keys[0]].astype(str)
        for key in keys[1:]:
            lane_key = lane_key + "|" + sub[key].astype(str)
        sub = sub.assign(lane=lane_key)
        n_lane = sub.groupby("lane", sort=False)["n"].transform("sum")
        sn = sub.groupby(["lane", "shape"], sort=False)["n"].transform("sum")
        dominant = sn.groupby(sub["lane"], sort=False).transform("max") / n_lane
        route_n = sub.groupby(["lane", "route"])["n"].sum().reset_index().sort_values("n", ascending=False)
        top_route = route_n.drop_duplicates("lane").set_index("lane")["route"]
        out.loc[sub.index, "lane_n"] = n_lane.values
        out.loc[sub.index, "share"] = (sn / n_lane).values
        out.loc[sub.index, "dominant"] = dominant.values
        out.loc[sub.index, "dominant_route"] = sub["lane"].map(top_route).values
        label = sub["origin"] + "→" + sub["dest"] + (" HS " + sub["chapter"] if "chapter" in keys else "")
        out.loc[sub.index, "lane"] = label.values
    return out


def _rarity(r: pd.DataFrame, cfg: Settings, wanted: np.ndarray | None = None) -> tuple[np.ndarray, list[str], pd.Series]:
    stats = _lane_stats(r, cfg)
    rare = (stats["lane_n"] >= cfg.route_min_lane) & (stats["share"] <= cfg.rare_route_share) & (stats["dominant"] >= 0.3)
    scores = np.where(rare, 0.55 * stats["dominant"].fillna(0) * (1 - 0.5 * stats["share"].fillna(0) / max(cfg.rare_route_share, 1e-9)), 0.0)
    reasons = [""] * len(r)
    todo = rare.to_numpy() if wanted is None else rare.to_numpy() & wanted
    rows = np.flatnonzero(todo)
    columns = [stats[c].to_numpy()[rows] for c in ("share", "lane_n", "lane", "dominant", "dominant_route")]
    for i, share, lane_n, lane, dominant, example in zip(rows, *columns):
        reasons[i] = (f"rare routing: {round(share * lane_n)} of {int(lane_n)} declarations in lane {lane} "
                      f"({share:.1%}), where {dominant:.0%} follow the usual routing (e.g. {example})")
    return scores, reasons, stats["share"]


def _ratios(routes: pd.DataFrame, dist: Distances) -> pd.DataFrame:
    """Per route (``route_id, pol, transit, pod, mode``) with transit stops: path and direct
    km and their ratio (NaN where a distance is unknown, and for a route without stops, which
    needs no distance: it goes direct)."""
    rows = []
    for rid, pol, transit, pod, mode in routes[["route_id", "pol", "transit", "pod", "mode"]].itertuples(index=False):
        path_km = direct_km = ratio = np.nan
        if pol and pod and transit and pol != pod:
            d = dist.leg(pol, pod, mode or "sea")
            p = dist.path([pol, *transit, pod], mode or "sea")
            if p is not None and d:
                path_km, direct_km, ratio = p, d, p / d
        rows.append((rid, path_km, direct_km, ratio))
    return pd.DataFrame(rows, columns=["route_id", "path_km", "direct_km", "circuity_ratio"])


def _lane_usual(r: pd.DataFrame, ratios: pd.DataFrame, cfg: Settings) -> pd.DataFrame:
    """Per route: how its lane (loading country to destination country, by mode) usually
    routes: the declaration-weighted median ratio of path to direct distance over the lane's
    routes (``lane_ratio``), the share of the lane's declarations routed at least as long
    (``as_long``) and the lane's size; what most traders on that origin-destination pair do."""
    g = r.groupby("route_id", sort=False).agg(n=("n", "sum"), o=("ship_country", "first"), d=("dest", "first"),
                                              mode=("mode", "first")).reset_index()
    g = g.merge(ratios[["route_id", "circuity_ratio"]], on="route_id", how="left")
    no_stop = ~g["route_id"].isin(set(ratios["route_id"]))  # ratios hold the routes with stops
    g.loc[no_stop, "circuity_ratio"] = 1.0  # a route without transit stops goes direct
    g = g[(g["o"] != "") & (g["d"] != "")].dropna(subset=["circuity_ratio"])
    if not len(g):
        return pd.DataFrame(columns=["route_id", "lane_ratio", "as_long", "lane_n", "lane_label"])
    g["lane"] = g["o"] + "→" + g["d"] + " (" + g["mode"].replace("", "sea") + ")"
    g = g.sort_values(["lane", "circuity_ratio"], kind="stable")
    total = g.groupby("lane")["n"].transform("sum")
    cum = g.groupby("lane")["n"].cumsum()
    median = g[cum >= total / 2].drop_duplicates("lane").set_index("lane")["circuity_ratio"]
    # declarations of the lane on routes at least as long as this one (ratio within 10 %)
    g["as_long"] = 0.0
    for idx in g.groupby("lane").groups.values():
        ratio, n = g.loc[idx, "circuity_ratio"].to_numpy(), g.loc[idx, "n"].to_numpy()
        g.loc[idx, "as_long"] = [float(n[ratio >= 0.9 * x].sum() / n.sum()) for x in ratio]
    g["lane_ratio"] = g["lane"].map(median).to_numpy()
    g["lane_n"] = total.to_numpy()
    g["lane_label"] = g["lane"]
    return g[["route_id", "lane_ratio", "as_long", "lane_n", "lane_label"]]


def _circuity(routes: pd.DataFrame, dist: Distances, cfg: Settings, common: pd.Series,
              usual: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per route (pol, transit, pod, mode): path and direct km, ratio, score, reason.

    A detour is judged against the direct distance and against the lane's own usual
    routings (:func:`_lane_usual`): in a lane of at least ``cfg.route_min_lane``
    declarations, a route is circuitous only when it is also ``cfg.circuity_ratio`` times
    longer than the lane's usual ratio and few of the lane's declarations route as long
    (a feeder leg that most of the lane takes is how the lane works)."""
    legit = {h.upper() for h in (cfg.legitimate_hubs or [])}
    ratios = _ratios(routes, dist)  # the legs are cached in ``dist``: no second sea-lane search
    lane = usual.set_index("route_id") if usual is not None and len(usual) else pd.DataFrame()
    scores, reasons = [], []
    for rid, pol, transit, pod, path_km, direct_km, ratio in zip(
            ratios["route_id"], routes["pol"], routes["transit"], routes["pod"], ratios["path_km"], ratios["direct_km"],
            ratios["circuity_ratio"]):
        score, reason = 0.0, ""
        if transit and ratio == ratio and ratio > cfg.circuity_ratio and path_km - direct_km >= cfg.circuity_min_extra_km:
            hubs = [pol, *transit, pod]
            excess = ratio
            reason = f"circuitous: {' → '.join(hubs)} is {path_km:,.0f} km against {direct_km:,.0f} km direct ({ratio:.1f}×)"
            if rid in lane.index and lane.at[rid, "lane_n"] >= cfg.route_min_lane:
                usual_ratio, as_long = float(lane.at[rid, "lane_ratio"]), float(lane.at[rid, "as_long"])
                excess = ratio / max(usual_ratio, 1.0)
                reason += (f"; the lane {lane.at[rid, 'lane_label']} usually routes at {usual_ratio:.1f}× and "
                           f"{as_long:.0%} of its {int(lane.at[rid, 'lane_n'])} declarations route as long")
                if as_long >= 0.25:
                    excess = min(excess, cfg.circuity_ratio)
            if excess > cfg.circuity_ratio:
                score = min(1.0, 0.35 + 0.4 * (excess - cfg.circuity_ratio) / cfg.circuity_ratio)
                if set(transit) <= legit:
                    score *= 0.4
                    reason += " (detour through a major transshipment hub only)"
                share = float(common.get(rid, 0.0))
                if share >= 0.25:
                    score *= 0.3
                    reason += f", but {share:.0%} of its lane takes this routing"
            else:
                reason = ""
        scores.append(score)
        reasons.append(reason)
    out = ratios.assign(circuity=scores, circuity_reason=reasons)
    return out[["route_id", "path_km", "direct_km", "circuity_ratio", "circuity", "circuity_reason"]]


def _hub_lift(r: pd.DataFrame, with_other: bool) -> dict[str, tuple[float, int]]:
    """Mean other-analytics suspicion of declarations transiting each hub over the overall mean."""
    if not with_other or not len(r) or r["other_sum"].sum() <= 0:
        return {}
    total_mean = r["other_sum"].sum() / r["n"].sum()
    ex = r[["transit", "n", "other_sum"]].explode("transit").dropna(subset=["transit"])
    if not len(ex):
        return {}
    g = ex.groupby("transit")[["n", "other_sum"]].sum()
    g = g[g["n"] >= 30]
    return {h: (float(row.other_sum / row.n / total_mean), int(row.n)) for h, row in g.iterrows()}


def _concentration(r: pd.DataFrame, lift: dict[str, tuple[float, int]],
                   wanted: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    scores = np.zeros(len(r))
    reasons = [""] * len(r)
    if not lift:
        return scores, reasons
    transits = r["transit"].to_numpy()
    for i in range(len(r)) if wanted is None else np.flatnonzero(wanted):
        transit = transits[i]
        best = max(((lift[t][0], t) for t in transit if t in lift), default=None)
        if best and best[0] >= 2.0:
            scores[i] = min(0.5, 0.1 * (best[0] - 1.0))
            reasons[i] = (f"transits {best[1]}, where the other findings concentrate "
                          f"({best[0]:.1f}× the average suspicion over {lift[best[1]][1]} declarations)")
    return scores, reasons


def _noisy_or(*parts: np.ndarray) -> np.ndarray:
    keep = np.ones_like(parts[0], dtype=float)
    for p in parts:
        keep *= 1.0 - np.clip(np.nan_to_num(np.asarray(p, dtype=float)), 0.0, 1.0)
    return 1.0 - keep


# ---------------------------------------------------------------- the analytic
_SIGNALS = ("laundering", "circuity", "rare", "concentration")
#: what makes two declarations the same routing case: every signal is a function of these
#: (and of the population of combinations), so the analytic works on combinations, not rows
GROUP_KEYS = ["route_id", "route", "origin", "pol", "pod", "ship_country", "pol_country", "pod_country",
              "export_country", "dest", "mode", "chapter", "watch", "transit_key"]
COMBINATION_COLUMNS = [*GROUP_KEYS, "hs", "n", "other_sum"]


def combinations(decl: pd.DataFrame, info: pd.DataFrame, cfg: Settings,
                 other: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(base, combos)``: per declaration its routing columns, the other analytics' suspicion
    ``other`` and its combination number ``combo``; per combination the :data:`GROUP_KEYS`,
    a representative ``hs`` code, ``n`` declarations and ``other_sum`` (their summed
    suspicion). Combinations of two populations add up (:func:`add_combinations`), which is
    what lets pre-arrival scoring judge a batch against every stored declaration without
    reading them."""
    base = prepare_routes(decl, info)
    base["other"] = base["decl_key"].map(other).fillna(0.0).astype(float).values if other is not None else 0.0
    base["watch"] = _per_value(base["hs"], lambda u: watch_sector(u, cfg.watch_lists)).values
    base["hs6"] = _per_value(base["hs"], lambda u: u.str[:6]).values
    grouped = base.groupby(GROUP_KEYS, sort=False, dropna=False)
    r = grouped.agg(n=("decl_key", "size"), other_sum=("other", "sum"), hs=("hs6", "first")).reset_index()
    base["combo"] = grouped.ngroup().values
    return base, r[COMBINATION_COLUMNS]


def add_combinations(*frames: pd.DataFrame) -> pd.DataFrame:
    """The combinations of the union of populations: counts and suspicion summed per
    combination."""
    frames = tuple(f for f in frames if f is not None and len(f))
    if not frames:
        return pd.DataFrame(columns=COMBINATION_COLUMNS)
    both = pd.concat([f[COMBINATION_COLUMNS] for f in frames], ignore_index=True)
    both[GROUP_KEYS] = both[GROUP_KEYS].astype(object).fillna("")
    out = both.groupby(GROUP_KEYS, sort=False, dropna=False).agg(hs=("hs", "first"), n=("n", "sum"),
                                                                  other_sum=("other_sum", "sum")).reset_index()
    return out[COMBINATION_COLUMNS]


def _signals(r: pd.DataFrame, info: pd.DataFrame, cfg: Settings, dist: Distances, with_other: bool,
             wanted: np.ndarray | None = None) -> pd.DataFrame:
    """Score the combinations ``r``: the statistics of what is normal come from all of them,
    the signals and reasons are worked out for the ``wanted`` rows (all when ``None``; the
    others score 0 with no reasons)."""
    r = r.reset_index(drop=True).copy()
    code, keys = pd.factorize(r["transit_key"].fillna(""))  # a few hundred distinct transit sequences
    r["transit"] = pd.Series([tuple(x for x in s.split(";") if x) for s in keys], dtype=object).to_numpy()[code]
    wanted = np.ones(len(r), bool) if wanted is None else np.asarray(wanted, bool)
    r["laundering"], laundering_reasons = _laundering(r, info, cfg, r["watch"], wanted)
    r["rare"], rare_reasons, share = _rarity(r, cfg, wanted)
    route_share = (share.fillna(0) * r["n"]).groupby(r["route_id"]).sum() / r.groupby("route_id")["n"].sum()
    per_route = r[wanted].sort_values("n", ascending=False).drop_duplicates("route_id")
    every = r.sort_values("n", ascending=False).drop_duplicates("route_id")
    usual = _lane_usual(r, _ratios(every[every["transit"].map(len) > 0], dist), cfg)
    circ = _circuity(per_route, dist, cfg, route_share, usual)
    r = r.merge(circ, on="route_id", how="left")
    r["circuity"] = r["circuity"].fillna(0.0)
    lift = _hub_lift(r, with_other)
    r["concentration"], conc_reasons = _concentration(r, lift, wanted)
    r["score"] = _noisy_or(*(r[s].to_numpy() for s in _SIGNALS))
    reason_cols = {"laundering": laundering_reasons, "circuity": list(r["circuity_reason"].fillna("")),
                   "rare": rare_reasons, "concentration": conc_reasons}
    r["reasons"] = _ordered_reasons(r, reason_cols, wanted)
    return r


def run(proj: Projection, cfg: Settings, decl_scores: pd.DataFrame | pd.Series | None = None,
        dist: Distances | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score routes and declarations' routings, and rank hubs for inspection placement.

    ``decl_scores``: optional suspicion per declaration from the other analytics (a Series
    indexed by ``decl_key`` or a frame with ``decl_key, score``), used for hub concentration
    and the hub ranking. Returns ``(routes, decl_route, hubs)`` per the analytics contract.
    """
    routes, decl_route, hubs, _ = assess(proj, cfg, decl_scores, dist)
    return routes, decl_route, hubs


def assess(proj: Projection, cfg: Settings, decl_scores: pd.DataFrame | pd.Series | None = None,
           dist: Distances | None = None, chains: pd.DataFrame | None = None,
           decl_chain: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`run` plus the combinations it judged (:func:`combinations`), which ``intel
    analyze`` keeps as population statistics for pre-arrival scoring.

    ``chains`` / ``decl_chain``: the chain findings (:mod:`intel.analytics.chains`). A
    chain's score raises its declarations' routing score (the exit leg's fully), the route
    finding of its exit leg, and the ranking of the hubs where its goods dwelled."""
    info = hub_info(proj.hubs)
    dist = dist or Distances(info.reset_index())
    other = _as_series(decl_scores)
    base, combos = combinations(proj.decl, info, cfg, other)
    r = _signals(combos, info, cfg, dist, other is not None)
    decl_route = _per_declaration(base, r, base["combo"].to_numpy())
    routes = _route_table(r)
    if decl_chain is not None and len(decl_chain):
        decl_route, routes = _with_chains(decl_route, routes, decl_chain)
    hubs = _hub_ranking(base, decl_route, r, info, cfg, chains)
    return routes, decl_route, hubs, combos


def _with_chains(decl_route: pd.DataFrame, routes: pd.DataFrame, decl_chain: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fold the chain scores in: each declaration's routing score is combined (noisy-OR) with
    its chain leg's, its reasons led by the chain's when that is the stronger; a route's
    score becomes the mean over its declarations of their routing score combined with the
    chain score of those that are a chain's exit (the feeder import's route is the honest
    one its goods arrived by, so it is not raised)."""
    c = decl_chain.drop_duplicates("decl_key").set_index("decl_key")
    keys = decl_route["decl_key"]
    leg_score = keys.map(c["score"]).fillna(0.0).to_numpy(dtype=float)
    is_exit = keys.map(c["leg"]).eq("exit").to_numpy()
    out = decl_route.copy()
    old = out["score"].to_numpy(dtype=float)
    out["chain"] = leg_score
    out["score"] = _noisy_or(old, leg_score)
    chained = np.flatnonzero(leg_score > 0)
    chain_reasons = keys.iloc[chained].map(c["reasons"]).to_numpy()
    reasons = out["reasons"].to_numpy(dtype=object).copy()
    for i, extra in zip(chained, chain_reasons):
        mine = list(extra) if isinstance(extra, (list, tuple, np.ndarray)) else []
        reasons[i] = [*mine, *reasons[i]] if leg_score[i] >= old[i] else [*reasons[i], *mine]
    out["reasons"] = list(reasons)
    exit_score = np.where(is_exit, leg_score, 0.0)
    per = pd.DataFrame({"route_id": out["route_id"].to_numpy(), "score": _noisy_or(old, exit_score),
                        "exit": exit_score, "n_exit": (exit_score > 0).astype(int)})
    g = per.groupby("route_id", sort=False).agg(score=("score", "mean"), chain=("exit", "mean"), n_exit=("n_exit", "sum"))
    rt = routes.copy()
    rt["chain"] = rt["route_id"].map(g["chain"]).fillna(0.0).to_numpy()
    raised = rt["route_id"].map(g["n_exit"]).fillna(0).to_numpy() > 0
    rt.loc[raised, "score"] = rt.loc[raised, "route_id"].map(g["score"]).to_numpy()
    example = pd.Series(chain_reasons, index=keys.iloc[chained].to_numpy())
    exits = out.loc[is_exit & (leg_score > 0), ["route_id", "decl_key"]]
    exits = exits.assign(s=leg_score[is_exit & (leg_score > 0)]).sort_values("s", ascending=False).drop_duplicates("route_id")
    lead = exits.set_index("route_id")["decl_key"].map(example)
    texts = []
    for rid, n, total, current in zip(rt["route_id"], rt["route_id"].map(g["n_exit"]).fillna(0).astype(int),
                                      rt["declaration_count"], rt["reasons"]):
        if n:
            first = lead.get(rid)
            quote = first[0] if isinstance(first, (list, tuple, np.ndarray)) and len(first) else ""
            texts.append([f"{n} of {total} declarations on this route are the exit leg of an origin-laundering chain"
                          + (f" ({quote})" if quote else ""), *current])
        else:
            texts.append(current)
    rt["reasons"] = texts
    rt = rt.sort_values(["score", "declaration_count"], ascending=False, kind="stable").reset_index(drop=True)
    return out, rt


def score_against(decl: pd.DataFrame, hubs: pd.DataFrame, cfg: Settings, population: pd.DataFrame,
                  decl_scores: pd.Series | None = None, new: np.ndarray | None = None,
                  dist: Distances | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The routing findings (``decl_route``) of the declarations ``decl`` judged against a
    ``population`` of combinations (the last analyze's, see :func:`assess`) to which the ``new``
    rows of ``decl`` (not yet counted in it) are added. Returns ``(decl_route, population
    with the new rows added)``. A declaration of ``decl`` whose combination the population
    does not hold (loaded after the analyze but not scored) is counted in too."""
    info = hub_info(hubs)
    dist = dist or Distances(info.reset_index())
    base, mine = combinations(decl, info, cfg, _as_series(decl_scores))
    new = np.zeros(len(base), bool) if new is None else np.asarray(new, bool)
    added = base[new].groupby("combo").agg(n=("decl_key", "size"), other_sum=("other", "sum"))
    fresh = mine.loc[added.index, [*GROUP_KEYS, "hs"]].assign(n=added["n"].to_numpy(), other_sum=added["other_sum"].to_numpy())
    grown = add_combinations(population, fresh)
    key = pd.MultiIndex.from_frame(grown[GROUP_KEYS].astype(object))
    pos = key.get_indexer(pd.MultiIndex.from_frame(mine[GROUP_KEYS].astype(object)))
    if (pos < 0).any():  # stored declarations the population statistics never counted
        unseen = base[~new & (pos[base["combo"].to_numpy()] < 0)]
        extra = unseen.groupby("combo").agg(n=("decl_key", "size"), other_sum=("other", "sum"))
        grown = add_combinations(grown, mine.loc[extra.index, [*GROUP_KEYS, "hs"]].assign(
            n=extra["n"].to_numpy(), other_sum=extra["other_sum"].to_numpy()))
        key = pd.MultiIndex.from_frame(grown[GROUP_KEYS].astype(object))
        pos = key.get_indexer(pd.MultiIndex.from_frame(mine[GROUP_KEYS].astype(object)))
    wanted = np.zeros(len(grown), bool)
    wanted[pos] = True
    r = _signals(grown, info, cfg, dist, bool(grown["other_sum"].sum() > 0), wanted)
    decl_route = _per_declaration(base, r, pos[base["combo"].to_numpy()])
    return decl_route, grown


def _per_declaration(base: pd.DataFrame, r: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``decl_key, route_id, score, reasons`` and the signals: each declaration takes row
    ``rows[i]`` of the scored combinations ``r``."""
    combo_cols = ["score", "reasons", *_SIGNALS, "circuity_ratio"]
    out = r[combo_cols].iloc[rows].reset_index(drop=True)
    out.insert(0, "route_id", base["route_id"].astype(str).to_numpy())
    out.insert(0, "decl_key", base["decl_key"].to_numpy())
    return out


def _as_series(scores: pd.DataFrame | pd.Series | None) -> pd.Series | None:
    if scores is None:
        return None
    if isinstance(scores, pd.Series):
        return scores.astype(float)
    if not len(scores):
        return None
    return scores.drop_duplicates("decl_key").set_index("decl_key")["score"].astype(float)


def _ordered_reasons(r: pd.DataFrame, reason_cols: dict[str, list[str]],
                     wanted: np.ndarray | None = None) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(len(r))]
    values = {s: r[s].to_numpy() for s in _SIGNALS}
    for i in range(len(r)) if wanted is None else np.flatnonzero(wanted):
        parts = sorted(((values[s][i], reason_cols[s][i]) for s in _SIGNALS if reason_cols[s][i] and values[s][i] > 0),
                       key=lambda x: -x[0])
        out[i] = [text for _, text in parts]
    return out


def _route_table(r: pd.DataFrame) -> pd.DataFrame:
    """One row per route: the declaration-weighted mean score and signals, and the leading
    reasons (with how many of its declarations each applies to, when not all)."""
    weighted = r[["route_id", "n"]].copy()
    for column in ("score", *_SIGNALS):
        weighted[column] = r[column].to_numpy() * r["n"].to_numpy()
    g = weighted.groupby("route_id", sort=False).sum()
    routes = pd.DataFrame({"route_id": g.index, "declaration_count": g["n"].astype(int).to_numpy()})
    for column in ("score", *_SIGNALS):
        routes[column] = (g[column] / g["n"]).to_numpy()
    first = r.drop_duplicates("route_id").set_index("route_id")
    routes["route"] = routes["route_id"].map(first["route"])
    routes["circuity_ratio"] = routes["route_id"].map(first["circuity_ratio"])
    flagged = r.loc[r["score"] > 0, ["route_id", "n", "reasons"]].explode("reasons").dropna(subset=["reasons"])
    if len(flagged):
        counts = flagged.groupby(["route_id", "reasons"], sort=False)["n"].sum().reset_index()
        counts = counts.sort_values(["route_id", "n"], ascending=[True, False], kind="stable")
        counts = counts[counts.groupby("route_id").cumcount() < 4]
        total = counts["route_id"].map(routes.set_index("route_id")["declaration_count"])
        counts["text"] = np.where(counts["n"] >= total, counts["reasons"],
                                  counts["reasons"] + " [" + counts["n"].astype(str) + " of " + total.astype(str) + " declarations]")
        texts = counts.groupby("route_id", sort=False)["text"].agg(list)
        routes["reasons"] = routes["route_id"].map(texts)
    else:
        routes["reasons"] = None
    routes["reasons"] = routes["reasons"].map(lambda x: x if isinstance(x, list) else [])
    cols = ["route_id", "route", "declaration_count", "score", "reasons", *_SIGNALS, "circuity_ratio"]
    return routes[cols].sort_values(["score", "declaration_count"], ascending=False, kind="stable").reset_index(drop=True)


def _hub_ranking(base: pd.DataFrame, decl_route: pd.DataFrame, r: pd.DataFrame, info: pd.DataFrame,
                 cfg: Settings, chains: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank hubs for inspection placement by the suspicious flow they carry beyond what their
    volume explains.

    Each declaration's suspicion is its route score combined (noisy-OR) with the other
    analytics' score; "high" is at least ``cfg.red_threshold``. Per hub: ``excess_high`` =
    high-scored declarations passing through it minus the overall high share times its volume
    (the extra catches over inspecting the same number at random: a big clean hub has none),
    the same where the hub is an intermediate stop, the lift of its high share over the
    overall share (shrunk for small hubs), and its betweenness on the hub graph whose legs are
    weighted by the excess suspicion they carry (a free zone in the middle of suspicious paths
    scores, the ports at either end less).
    """
    susp = _noisy_or(decl_route["score"].to_numpy(), base["other"].to_numpy())
    mean_s = float(susp.mean()) if len(susp) else 0.0
    high_cut = float(cfg.red_threshold)
    paths = pd.DataFrame({"pol": base["pol"].to_numpy(), "pod": base["pod"].to_numpy(), "transit_key": base["transit_key"].to_numpy(),
                          "s": susp, "high": (susp >= high_cut).astype(int)})
    combos = paths.groupby(["pol", "pod", "transit_key"], sort=False).agg(n=("s", "size"), s=("s", "sum"), high=("high", "sum")).reset_index()
    flow: Counter[str] = Counter()
    s_flow: Counter[str] = Counter()
    high: Counter[str] = Counter()
    through_n: Counter[str] = Counter()  # declarations and high-scored ones where the hub is an intermediate stop
    through_high: Counter[str] = Counter()
    graph = nx.Graph()
    for pol, pod, tkey, n, s, h in combos.itertuples(index=False):
        hubs = [x for x in [pol, *tkey.split(";"), pod] if x]
        excess = s - mean_s * n
        for x in dict.fromkeys(hubs):
            flow[x] += n
            s_flow[x] += s
            high[x] += h
        for x in dict.fromkeys(hubs[1:-1]):
            through_n[x] += n
            through_high[x] += h
        if excess > 0:
            for a, b in zip(hubs[:-1], hubs[1:]):
                if a != b:
                    w = graph.get_edge_data(a, b, {"flow": 0.0})["flow"] + excess
                    graph.add_edge(a, b, flow=w, dist=1.0 / w)
    betw = nx.betweenness_centrality(graph, weight="dist", normalized=True) if graph.number_of_nodes() > 2 else {}
    launder = decl_route["laundering"].to_numpy() >= 0.5
    launder_routes = base.loc[launder, ["route_id", "pol", "transit", "pod"]].drop_duplicates("route_id")
    n_launder = len(launder_routes)
    launder_at: Counter[str] = Counter()
    for pol, transit, pod in launder_routes[["pol", "transit", "pod"]].itertuples(index=False):
        for x in dict.fromkeys([pol, *transit, pod]):
            if x:
                launder_at[x] += 1
    codes = sorted(set(info.index) | set(flow))
    out = pd.DataFrame({"locode": pd.Series(codes, dtype=object)})
    out["name"] = out["locode"].map(info["name"]).astype(object) if len(info) else ""
    out["country"] = out["locode"].map(info["country"]).fillna(out["locode"].str[:2]) if len(info) else out["locode"].str[:2]
    out["ftz"] = out["locode"].map(info["ftz"]).fillna(False).astype(bool) if len(info) else False
    out["declaration_count"] = out["locode"].map(flow).fillna(0).astype(int)
    out["suspicious_flow"] = out["locode"].map(s_flow).fillna(0.0).astype(float)
    out["high_count"] = out["locode"].map(high).fillna(0).astype(int)
    rate = float((susp >= high_cut).mean()) if len(susp) else 0.0
    # high-scored declarations beyond what random inspection of the same volume would find
    out["excess_high"] = (out["high_count"] - rate * out["declaration_count"]).astype(float)
    transit_n = out["locode"].map(through_n).fillna(0)
    out["transit_excess_high"] = (out["locode"].map(through_high).fillna(0) - rate * transit_n).astype(float)
    out["betweenness"] = out["locode"].map(betw).fillna(0.0).astype(float)
    out["laundering_routes"] = out["locode"].map(launder_at).fillna(0).astype(int)
    share = (out["high_count"] + 5 * rate) / (out["declaration_count"] + 5)  # shrunk towards the overall rate
    out["lift"] = share / rate if rate > 0 else 0.0
    out["score"] = (0.35 * _norm(out["excess_high"].clip(lower=0)) + 0.35 * _norm(out["transit_excess_high"].clip(lower=0))
                    + 0.15 * _norm(out["betweenness"]) + 0.15 * np.clip((out["lift"] - 1.0) / 4.0, 0.0, 1.0)).clip(0.0, 1.0)
    out["laundering_chains"], out["chain_dwell_days"] = 0, np.nan
    if chains is not None and len(chains):
        # chains count where their goods dwelled: the free zone between the two declarations
        strong = chains[chains["score"] >= 0.5]
        stays = pd.DataFrame({"locode": strong["hubs"].explode(), "dwell": strong["dwell_days"].explode()}).dropna()
        if len(stays):
            g = stays.groupby("locode")["dwell"].agg(["size", "median"])
            out["laundering_chains"] = out["locode"].map(g["size"]).fillna(0).astype(int)
            out["chain_dwell_days"] = out["locode"].map(g["median"]).astype(float)
            out["score"] = (0.8 * out["score"] + 0.2 * _norm(out["laundering_chains"].astype(float))).clip(0.0, 1.0)
    out["reasons"] = [_hub_reasons(row, high_cut, n_launder, rate) for row in out.itertuples(index=False)]
    return out.sort_values(["score", "declaration_count"], ascending=False, kind="stable").reset_index(drop=True)


def _norm(values: pd.Series) -> pd.Series:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values * 0.0


def _hub_reasons(row: tuple, high_cut: float, n_launder: int, rate: float) -> list[str]:
    reasons = []
    if row.high_count:
        text = (f"carries {row.high_count} declarations scored ≥{high_cut:.1f} "
                f"({row.high_count / max(row.declaration_count, 1):.0%} of its flow of {row.declaration_count}")
        reasons.append(text + (f", {row.lift:.1f}× the overall share)" if rate > 0 else ")"))
    if row.laundering_chains:
        reasons.append(f"{row.laundering_chains} origin-laundering chains dwelled here (median {row.chain_dwell_days:.0f} days "
                       "between the entry and the exit declaration)")
    if row.laundering_routes:
        reasons.append(f"on {row.laundering_routes} of {n_launder} origin-laundering routes")
    if row.excess_high >= 1:
        reasons.append(f"{row.excess_high:.0f} more high-scored declarations than its volume explains"
                       + (f" ({row.transit_excess_high:.0f} where it is an intermediate stop)" if row.transit_excess_high >= 1 else ""))
    if row.betweenness > 0:
        reasons.append(f"betweenness {row.betweenness:.2f} on the hub graph weighted by excess suspicion")
    if row.ftz and reasons:
        reasons.append("free-trade zone")
    return reasons
