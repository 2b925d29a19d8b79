"""Routes: origin laundering, circuity, rarity and the hub ranking on hand-made projections."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from intel.analytics import routes
from intel.analytics.geo import Distances, haversine_km
from intel.analytics.projection import Projection
from intel.config import Settings

HUBS = pd.DataFrame(
    [
        ("CNSHA", "Shanghai", "CN", 31.36, 121.62, "seaport", False),
        ("CNSZX", "Shenzhen", "CN", 22.54, 113.94, "seaport", False),
        ("SGSIN", "Singapore", "SG", 1.264, 103.84, "seaport", True),
        ("HKHKG", "Hong Kong", "HK", 22.32, 114.17, "seaport", True),
        ("MYPKG", "Port Klang", "MY", 3.0, 101.39, "seaport", True),
        ("THLCH", "Laem Chabang", "TH", 13.083, 100.883, "seaport", False),
        ("VNSGN", "Ho Chi Minh City", "VN", 10.77, 106.71, "seaport", False),
        ("INNSA", "Nhava Sheva", "IN", 18.95, 72.95, "seaport", False),
        ("AEJEA", "Jebel Ali", "AE", 25.01, 55.06, "seaport", True),
        ("IDTPP", "Tanjung Priok", "ID", -6.104, 106.88, "seaport", False),
    ],
    columns=["locode", "name", "country", "lat", "lon", "kind", "ftz"],
)

_counter = itertools.count()


def decls(n: int, origin: str, pol: str, transit: str, pod: str, hs: str = "850760", mode: str = "sea",
          reporting: str = "TH", export: str | None = None) -> pd.DataFrame:
    """``n`` declarations on one routing."""
    rows = []
    for _ in range(n):
        i = next(_counter)
        rows.append({
            "decl_key": f"{reporting}|D{i}|1", "declaration_id": f"D{i}", "item_no": 1,
            "reporting_country": reporting, "flow": "import", "transport_mode": mode,
            "hs_code": hs, "hs6": hs[:6], "hs_chapter": hs[:2], "origin_country": origin,
            "export_country": export if export is not None else (pol[:2] if pol else pd.NA),
            "port_of_loading": pol or pd.NA, "transit_ports": transit or pd.NA,
            "port_of_discharge": pod or pd.NA,
        })
    return pd.DataFrame(rows)


def background() -> list[pd.DataFrame]:
    """Normal flows into Thailand: direct and through the big hubs."""
    return [
        decls(120, "CN", "CNSHA", "", "THLCH", hs="940360"),
        decls(150, "CN", "CNSHA", "SGSIN", "THLCH", hs="940360"),
        decls(80, "CN", "CNSZX", "HKHKG", "THLCH", hs="850760"),
        decls(60, "CN", "CNSHA", "SGSIN", "THLCH", hs="850760"),
        decls(100, "VN", "VNSGN", "", "THLCH", hs="850760"),
        decls(60, "VN", "VNSGN", "", "THLCH", hs="940360"),
    ]


def project(*frames: pd.DataFrame) -> Projection:
    return Projection.from_frames(decl=pd.concat(frames, ignore_index=True), hubs=HUBS)


def route_score(routes_df: pd.DataFrame, route: str) -> pd.Series:
    row = routes_df[routes_df["route"] == route]
    assert len(row) == 1, f"route {route} not found in {list(routes_df['route'])}"
    return row.iloc[0]


@pytest.fixture(scope="module")
def distances() -> Distances:
    return Distances(HUBS)


def test_route_string_marks_free_zones_and_unknown_ports():
    s = routes.route_string("CN", "CNSHA", ["MYPKG"], "THLCH", {"MYPKG"})
    assert s == "CN>CNSHA>MYPKG(ftz)>THLCH"
    assert routes.route_string("VN", "", [], "") == "VN>?>?"
    assert routes.route_id_of(s).startswith("R") and len(routes.route_id_of(s)) == 11


def test_routes_are_rebuilt_from_columns_when_the_route_string_is_absent(distances):
    proj = project(decls(3, "CN", "CNSHA", "MYPKG", "THLCH"))
    route_df, decl_route, _ = routes.run(proj, Settings(), dist=distances)
    assert list(route_df["route"]) == ["CN>CNSHA>MYPKG(ftz)>THLCH"]
    assert decl_route["route_id"].nunique() == 1
    assert decl_route["route_id"].iloc[0] == routes.route_id_of("CN>CNSHA>MYPKG(ftz)>THLCH")


def test_cn_loaded_goods_declared_vn_origin_via_free_zone_are_flagged_with_ports(distances):
    launder = decls(6, "VN", "CNSHA", "MYPKG", "THLCH", hs="850760")
    proj = project(*background(), launder)
    route_df, decl_route, _ = routes.run(proj, Settings(), dist=distances)
    row = route_score(route_df, "VN>CNSHA>MYPKG(ftz)>THLCH")
    assert row["score"] >= 0.6
    assert row["laundering"] >= 0.6
    text = " ".join(row["reasons"])
    assert "declared origin VN" in text and "CNSHA (CN)" in text and "MYPKG" in text
    # it is the top route and its declarations carry the reasons too
    assert route_df.iloc[0]["route"] == "VN>CNSHA>MYPKG(ftz)>THLCH"
    flagged = decl_route[decl_route["decl_key"].isin(launder["decl_key"])]
    assert (flagged["score"] >= 0.6).all()
    assert all(any("CNSHA" in r for r in reasons) for reasons in flagged["reasons"])


def test_cn_origin_through_singapore_is_not_flagged(distances):
    proj = project(*background(), decls(6, "VN", "CNSHA", "MYPKG", "THLCH"))
    route_df, decl_route, _ = routes.run(proj, Settings(), dist=distances)
    for route in ("CN>CNSHA>SGSIN(ftz)>THLCH", "CN>CNSZX>HKHKG(ftz)>THLCH", "CN>CNSHA>THLCH"):
        row = route_score(route_df, route)
        assert row["score"] < 0.1, (route, row["reasons"])
        assert row["laundering"] == 0


def test_laundering_without_any_port_uses_export_country_and_never_crashes(distances):
    no_ports = decls(5, "VN", "", "", "", export="CN")
    nothing = decls(5, "", "", "", "", export="")
    proj = project(*background(), no_ports, nothing)
    route_df, decl_route, hubs = routes.run(proj, Settings(), dist=distances)
    scored = decl_route.set_index("decl_key")
    assert (scored.loc[no_ports["decl_key"], "laundering"] > 0).all()
    assert "exported from CN" in " ".join(scored.loc[no_ports["decl_key"][0], "reasons"])
    assert (scored.loc[nothing["decl_key"], "score"] == 0).all()
    assert "?>?>?" in set(route_df["route"])


def test_landlocked_style_origin_that_always_ships_through_a_neighbour_is_normal(distances):
    # every LA-origin declaration loads in Thailand: the data say this is the norm
    normal = decls(200, "LA", "THLCH", "", "VNSGN", reporting="VN")
    proj = project(*background(), normal)
    _, decl_route, _ = routes.run(proj, Settings(), dist=distances)
    scores = decl_route.set_index("decl_key").loc[normal["decl_key"], "laundering"]
    assert scores.max() < 0.05


def test_circuitous_route_is_flagged_with_distances(distances):
    detour = decls(3, "CN", "CNSHA", "AEJEA", "THLCH", hs="940360")
    proj = project(*background(), detour)
    route_df, _, _ = routes.run(proj, Settings(), dist=distances)
    row = route_score(route_df, "CN>CNSHA>AEJEA(ftz)>THLCH")
    assert row["circuity"] > 0.3
    assert row["circuity_ratio"] > Settings().circuity_ratio
    assert any("circuitous" in r and "AEJEA" in r and "km" in r for r in row["reasons"])
    # the ordinary transshipment through Singapore is not circuitous
    assert route_score(route_df, "CN>CNSHA>SGSIN(ftz)>THLCH")["circuity"] == 0


def test_circuity_uses_great_circle_for_air_and_when_coordinates_are_missing():
    dist = Distances(HUBS)
    air = dist.leg("CNSHA", "THLCH", "air")
    assert air == pytest.approx(haversine_km(31.36, 121.62, 13.083, 100.883))
    assert dist.leg("CNSHA", "XXABC", "sea") is None
    assert dist.path(["CNSHA", "XXABC", "THLCH"], "sea") is None
    sea = dist.leg("CNSHA", "THLCH", "sea")
    assert sea > air  # ships sail around the coast


def test_rare_route_in_a_lane_with_a_dominant_route(distances):
    rare = decls(2, "VN", "VNSGN", "IDTPP", "THLCH", hs="850760")
    proj = project(*background(), rare)
    route_df, decl_route, _ = routes.run(proj, Settings(), dist=distances)
    row = route_score(route_df, "VN>VNSGN>IDTPP>THLCH")
    assert row["rare"] > 0.3
    text = " ".join(row["reasons"])
    assert "rare routing" in text and "VN>VNSGN>THLCH" in text
    # the dominant routing of the lane is not rare
    assert route_score(route_df, "VN>VNSGN>THLCH")["rare"] == 0


def test_hub_ranking_puts_the_free_zone_carrying_laundering_flow_first(distances):
    launder = [decls(8, "VN", "CNSHA", "MYPKG", "THLCH"), decls(6, "TH", "CNSZX", "MYPKG", "VNSGN", reporting="VN"),
               decls(5, "ID", "CNSHA", "MYPKG", "THLCH", hs="940360")]
    proj = project(*background(), *launder)
    _, _, hubs = routes.run(proj, Settings(), dist=distances)
    assert hubs.iloc[0]["locode"] == "MYPKG"
    top = hubs.iloc[0]
    assert top["laundering_routes"] == 3
    assert any("origin-laundering routes" in r for r in top["reasons"])
    ranked = list(hubs["locode"])
    assert ranked.index("SGSIN") > ranked.index("MYPKG") and ranked.index("HKHKG") > ranked.index("MYPKG")


def test_other_findings_raise_hub_suspicion_and_route_concentration(distances):
    proj = project(*background(), decls(40, "CN", "CNSZX", "MYPKG", "THLCH", hs="940360"))
    keys = proj.decl.loc[proj.decl["transit_ports"] == "MYPKG", "decl_key"]
    other = pd.Series(0.05, index=proj.decl["decl_key"])
    other[keys] = 0.8
    route_df, _, hubs = routes.run(proj, Settings(), decl_scores=other, dist=distances)
    row = route_score(route_df, "CN>CNSZX>MYPKG(ftz)>THLCH")
    assert row["concentration"] > 0
    assert any("other findings concentrate" in r for r in row["reasons"])
    assert hubs.iloc[0]["locode"] == "MYPKG"


def test_empty_projection_gives_empty_frames(distances):
    route_df, decl_route, hubs = routes.run(Projection.from_frames(), Settings(), dist=distances)
    assert route_df.empty and decl_route.empty
    assert list(decl_route.columns)[:4] == ["decl_key", "route_id", "score", "reasons"]
    assert {"locode", "score", "reasons", "betweenness", "suspicious_flow"} <= set(hubs.columns)


def test_a_projection_with_only_route_strings_recovers_the_ports(distances):
    decl = pd.DataFrame({"decl_key": [f"k{i}" for i in range(4)], "route": ["VN>CNSHA>MYPKG(ftz)>THLCH"] * 4,
                         "reporting_country": "TH"})
    route_df, decl_route, hubs = routes.run(Projection.from_frames(decl=decl, hubs=HUBS), Settings(), dist=distances)
    assert route_df.iloc[0]["route_id"] == routes.route_id_of("VN>CNSHA>MYPKG(ftz)>THLCH")
    assert decl_route["laundering"].gt(0).all()
    assert "MYPKG" in set(hubs.loc[hubs["declaration_count"] > 0, "locode"])


def test_declarations_with_nothing_but_keys_score_zero_without_error(distances):
    decl = pd.DataFrame({"decl_key": ["a", "b"]})
    route_df, decl_route, hubs = routes.run(Projection.from_frames(decl=decl), Settings(), dist=distances)
    assert list(decl_route["score"]) == [0.0, 0.0]
    assert list(route_df["route"]) == ["?>?>?"]


def _signals(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["decl_key", "route_id", "score", "laundering", "circuity", "rare", "concentration"]
    return frame[cols].set_index("decl_key").sort_index()


def test_a_batch_judged_against_the_rest_as_combinations_scores_as_in_a_full_run(distances):
    """Pre-arrival scoring: the population kept as routing combinations plus the batch's own
    gives every batch declaration exactly the findings of a full run over all of them."""
    laundering = decls(30, "VN", "CNSHA", "MYPKG", "THLCH", hs="940360")
    rare = decls(2, "CN", "CNSHA", "AEJEA", "THLCH", hs="940360")
    proj = project(*background(), laundering, rare)
    other = pd.Series(0.05, index=proj.decl["decl_key"].to_numpy())
    other[laundering["decl_key"].to_numpy()] = 0.7
    _, full, _ = routes.run(proj, Settings(), decl_scores=other, dist=distances)

    batch_keys = set(laundering["decl_key"].iloc[::3]) | set(rare["decl_key"]) | set(proj.decl["decl_key"].iloc[::50])
    in_batch = proj.decl["decl_key"].isin(batch_keys).to_numpy()
    info = routes.hub_info(HUBS)
    _, population = routes.combinations(proj.decl[~in_batch], info, Settings(), other)
    batch = proj.decl[in_batch].reset_index(drop=True)
    scored, grown = routes.score_against(batch, HUBS, Settings(), population, decl_scores=other,
                                         new=[True] * len(batch), dist=distances)

    assert len(scored) == len(batch)
    assert grown["n"].sum() == len(proj.decl)  # the batch was counted in
    want = _signals(full).loc[sorted(batch_keys)]
    pd.testing.assert_frame_equal(_signals(scored), want, check_exact=False, atol=1e-12)
    row = scored[scored["decl_key"].isin(set(laundering["decl_key"]))].iloc[0]
    assert row["laundering"] > 0.3 and any("declared origin VN" in r for r in row["reasons"])
    assert scored[scored["decl_key"].isin(set(rare["decl_key"]))]["rare"].gt(0).all()


def test_stored_declarations_of_combinations_the_population_never_saw_are_counted_in(distances):
    """Re-scored stored declarations are taken as counted when the population holds their
    combination; a combination it lacks (loaded after the analyze, never scored) is added."""
    proj = project(*background())  # flows of 120, 150, 80, 60, 100 and 60 declarations
    info = routes.hub_info(HUBS)
    _, population = routes.combinations(proj.decl.iloc[:300], info, Settings())  # 2½ flows
    rest = proj.decl.iloc[300:].reset_index(drop=True)
    scored, grown = routes.score_against(rest, HUBS, Settings(), population, new=[False] * len(rest), dist=distances)
    assert len(scored) == len(rest) and scored["score"].notna().all()
    assert grown["n"].sum() == 300 + 60 + 100 + 60  # not the 30 of the flow it had seen


def test_hub_distances_kept_between_runs_are_reused_and_dropped_when_a_hub_moves(tmp_path):
    hubs = pd.DataFrame({"locode": ["SGSIN", "THLCH", "MYPKG"], "lat": [1.26, 13.08, 3.0], "lon": [103.84, 100.88, 101.39]})
    path = tmp_path / "cache" / "hub_distances.json"
    first = Distances.cached(hubs, path)  # nothing saved yet
    legs = {pair: first.leg(*pair, mode="road") for pair in [("SGSIN", "THLCH"), ("THLCH", "MYPKG")]}
    first.save(path)
    again = Distances.cached(hubs, path)
    assert {pair: again._cache[(min(pair), max(pair), False)] for pair in legs} == legs  # read back, before any leg
    assert {pair: again.leg(*pair, mode="road") for pair in legs} == legs
    moved = hubs.assign(lat=[1.30, 13.08, 3.0])
    assert Distances.cached(moved, path)._cache == {}  # other coordinates: recomputed
    path.write_text("{not json", encoding="utf-8")
    assert Distances.cached(hubs, path)._cache == {}


def test_a_feeder_leg_most_of_its_lane_takes_is_not_circuitous(distances):
    """HKHKG → CNSHA → VNSGN is twice the direct distance, but it is how most of the lane
    from Hong Kong to Viet Nam goes (feeder to a mainline service): judged against the lane's
    own usual routings, it is not a detour; the same detour in a lane that goes direct is."""
    feeder = decls(30, "HK", "HKHKG", "CNSHA", "VNSGN", hs="392690", reporting="VN")
    direct = decls(4, "HK", "HKHKG", "", "VNSGN", hs="392690", reporting="VN")
    route_df, _, _ = routes.run(project(*background(), feeder, direct), Settings(), dist=distances)
    row = route_score(route_df, "HK>HKHKG(ftz)>CNSHA>VNSGN")
    assert row["circuity_ratio"] > Settings().circuity_ratio and row["circuity"] == 0
    assert not any("circuitous" in r for r in row["reasons"])
    rare = decls(3, "HK", "HKHKG", "CNSHA", "VNSGN", hs="392690", reporting="VN")
    usual = decls(40, "HK", "HKHKG", "", "VNSGN", hs="392690", reporting="VN")
    route_df, _, _ = routes.run(project(*background(), rare, usual), Settings(), dist=distances)
    row = route_score(route_df, "HK>HKHKG(ftz)>CNSHA>VNSGN")
    assert row["circuity"] > 0
    assert any("circuitous" in r and "usually routes at 1.0×" in r for r in row["reasons"])
