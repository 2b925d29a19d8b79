"""Routes: suspicious transshipment routes drawn over the hub network, the route findings table
and the hub ranking for placing inspections.

Offline map: Streamlit's deck.gl chart loads a Carto basemap style from the internet for any
``MapView`` whatever ``map_style`` says (``None`` and ``""`` included), and plotly's
``scattergeo`` fetches its topojson from a CDN. So the map is a deck.gl ``OrthographicView``
over coordinates projected here (Web Mercator, in degree units): no tiles, no style, no
fonts from outside. The sea lanes of searoute's bundled maritime network stand in for a map.
"""

import json
import math
from pathlib import Path

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboards import chainview
from dashboards import common as C
from intel.safe import csv_bytes

user = C.guard("routes")
st.title("Routes")

F = C.findings()
routes = F.get("routes")
hub_f = F.get("hubs")
try:
    hubs = C.hub_nodes()
except Exception as exc:  # noqa: BLE001
    C.store_problem(exc)
    hubs = pd.DataFrame(columns=["locode", "name", "country", "lat", "lon", "ftz"])

if routes is None:
    st.info("No route findings yet: run `intel analyze` on this store.")


@st.cache_resource(show_spinner=False)
def sea_lanes() -> list[list[list[float]]]:
    """Line strings of searoute's bundled maritime network (offline), if installed."""
    try:
        import searoute

        path = Path(searoute.__file__).parent / "data" / "marnet_searoute.geojson"
        data = json.loads(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - no background then
        return []
    out = []
    for feat in data.get("features", []):
        geom = feat.get("geometry") or {}
        if geom.get("type") == "LineString":
            out.append(geom["coordinates"])
        elif geom.get("type") == "MultiLineString":
            out.extend(geom["coordinates"])
    return out


def _route_hubs(route: str) -> list[str]:
    return [p.replace("(ftz)", "") for p in str(route).split(">")[1:] if len(p.replace("(ftz)", "")) == 5]


def _colour(score: float) -> list[int]:
    s = 0.0 if score != score else max(0.0, min(1.0, float(score)))
    return [int(44 + (214 - 44) * s), int(160 - (160 - 39) * s), int(44 - (44 - 40) * s), 200]


def merc(lon: float, lat: float) -> list[float]:
    """Web Mercator in degree units, y pointing down (OrthographicView flips y)."""
    lat = max(-85.0, min(85.0, float(lat)))
    return [float(lon), -math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))]


coords = {}
if len(hubs):
    h = hubs.dropna(subset=["lat", "lon"])
    coords = {str(r.locode): (float(r.lon), float(r.lat)) for r in h.itertuples(index=False)}

c1, c2, c3 = st.columns([2, 1, 2])
min_score = c1.slider("Routes with score at least", 0.0, 1.0, 0.5, 0.05, key="routes_min")
top_n = c2.number_input("At most this many routes", 5, 2000, 200, 5, key="routes_top")
label_top = c3.slider("Label the hubs of the drawn routes and the top-scoring hubs", 0, 100, 15, key="routes_labels")
paths, on_routes = [], set()
if routes is not None and len(routes):
    sel = routes[routes["score"].fillna(0) >= min_score].sort_values("score", ascending=False).head(int(top_n))
    for r in sel.itertuples(index=False):
        codes = [h_ for h_ in _route_hubs(r.route) if h_ in coords]
        if len(codes) >= 2:
            count = int(getattr(r, "declaration_count", 1) or 1)
            on_routes.update(codes)
            paths.append({"path": [merc(*coords[c]) for c in codes], "label": f"{r.route} ({count} declarations)",
                          "score": round(float(r.score), 2), "declarations": count,
                          "width": 2 + 3 * math.log10(1 + count), "color": _colour(float(r.score))})
scores = dict(zip(hub_f["locode"].astype(str), hub_f["score"].fillna(0))) if hub_f is not None else {}
top_hubs = set(sorted(scores, key=lambda c: -float(scores[c]))[: int(label_top)]) if scores else set(list(coords)[: int(label_top)])
hub_rows = []
for code, (lon, lat) in coords.items():
    s = float(scores.get(code, 0) or 0)
    featured = code in on_routes or code in top_hubs
    hub_rows.append({"position": merc(lon, lat), "locode": code, "label": code, "score": round(s, 2),
                     "radius": (6 + 16 * s) if featured else 3, "color": _colour(s) if featured else [150, 150, 150, 120],
                     "text": code if featured else ""})

layers = []
width_px, height_px = 1100, 560
if coords:
    focus = [coords[c] for c in (on_routes or coords)]
    lons = [p[0] for p in focus]
    lats = [p[1] for p in focus]
    pad = 4
    box = (min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad)
    lanes = [[merc(x, y) for x, y in ln] for ln in sea_lanes()
             if any(box[0] - 40 <= x <= box[1] + 40 and box[2] - 30 <= y <= box[3] + 30 for x, y in ln[:: max(1, len(ln) // 4)])]
    layers.append(pdk.Layer("PathLayer", [{"path": ln} for ln in lanes], get_path="path", get_color=[190, 200, 215, 160],
                            width_min_pixels=1, get_width=1, width_units='"pixels"', pickable=False))
    x0, y0 = merc(box[0], box[3])
    x1, y1 = merc(box[1], box[2])
    zoom = math.log2(min(width_px / max(1e-6, x1 - x0), height_px / max(1e-6, y1 - y0)))
    view_state = {"target": [(x0 + x1) / 2, (y0 + y1) / 2, 0], "zoom": zoom, "minZoom": zoom - 3, "maxZoom": zoom + 8}
else:
    view_state = {"target": merc(105, 10) + [0], "zoom": 2}
layers.append(pdk.Layer("ScatterplotLayer", [h_ for h_ in hub_rows if not h_["text"]], get_position="position",
                        get_radius="radius", radius_units='"pixels"', get_fill_color="color", pickable=True))
layers.append(pdk.Layer("PathLayer", paths, get_path="path", get_color="color", get_width="width",
                        width_units='"pixels"', pickable=True, auto_highlight=True, cap_rounded=True, joint_rounded=True))
featured_rows = [h_ for h_ in hub_rows if h_["text"]]
layers.append(pdk.Layer("ScatterplotLayer", featured_rows, get_position="position", get_radius="radius",
                        radius_units='"pixels"', get_fill_color="color", get_line_color=[40, 40, 40], stroked=True,
                        line_width_units='"pixels"', get_line_width=1, pickable=True))
layers.append(pdk.Layer("TextLayer", featured_rows, get_position="position", get_text="text", get_size=12,
                        get_color=[30, 30, 30], get_pixel_offset=[0, -16], font_family='"sans-serif"'))
deck = pdk.Deck(layers=layers, views=[pdk.View(type="OrthographicView", controller=True)],
                initial_view_state=view_state, map_provider=None, map_style=None,
                tooltip={"text": "{label}\nscore {score}"})
st.pydeck_chart(deck, height=height_px)
st.caption(f"{len(paths)} routes drawn (width: declarations, colour: score green→red) over {len(coords)} hubs with "
           "known coordinates; grey lines: sea lanes. No map tiles are loaded (works offline); scroll to zoom, drag to pan.")

t1, t3, t2 = st.tabs(["Route findings", "Chain findings (origin changed between two declarations)",
                      "Hub ranking (where to inspect)"])
with t1:
    if routes is not None:
        view_r = routes.sort_values("score", ascending=False)
        cols = [c for c in ["route_id", "route", "declaration_count", "score", "reasons"] if c in view_r]
        ev = st.dataframe(view_r[cols], hide_index=True, on_select="rerun", selection_mode="single-row", key="routes_table",
                          column_config={"score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f")})
        st.download_button("Download CSV", csv_bytes(view_r[cols]), file_name="routes.csv", mime="text/csv")
        if ev is not None and ev.selection.rows:
            rid = str(view_r[cols].iloc[ev.selection.rows[0]]["route_id"])
            if st.button("Open route in explorer", key="routes_open"):
                C.open_in_explorer("Route", rid)
with t2:
    if hub_f is None:
        st.info("No hub findings: run `intel analyze`.")
    else:
        hr = hub_f.sort_values(["score", "suspicious_flow"] if "suspicious_flow" in hub_f else ["score"], ascending=False)
        cols = [c for c in ["locode", "name", "country", "ftz", "score", "suspicious_flow", "betweenness", "reasons"] if c in hr]
        st.caption("Hubs ranked by score: where suspicious flows converge, an inspection intercepts the most.")
        ev = st.dataframe(hr[cols], hide_index=True, on_select="rerun", selection_mode="single-row", key="hubs_table",
                          column_config={"score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f")})
        st.download_button("Download CSV", csv_bytes(hr[cols]), file_name="hubs.csv", mime="text/csv", key="hubs_csv")
        if ev is not None and ev.selection.rows:
            code = str(hr[cols].iloc[ev.selection.rows[0]]["locode"])
            if st.button("Open hub in explorer", key="hubs_open"):
                C.open_in_explorer("Hub", code)
with t3:
    chains = F.get("chains")
    if chains is None or not len(chains):
        st.info("No chain findings: no shipment unit links two declarations in this store (or run `intel analyze`).")
    else:
        st.caption("Goods that entered a free zone, bonded warehouse or hub country under one declaration and left under a "
                   "later one in the same containers or under a bill of lading referring to the first, scored as origin "
                   "laundering when the origin changed without a plausible transformation.")
        view_c = chainview.chain_table(chains)
        cols = [c for c in ["chain_id", "score", "origin_in", "origin_out", "hubs", "dwell_days", "hs_in", "hs_out",
                            "units", "reporting_countries", "reasons"] if c in view_c]
        ev = st.dataframe(view_c[cols], hide_index=True, on_select="rerun", selection_mode="single-row", key="chains_table",
                          column_config={"score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f")})
        st.download_button("Download CSV", csv_bytes(view_c[cols]), file_name="chains.csv", mime="text/csv", key="chains_csv")
        if ev is not None and ev.selection.rows:
            chosen = view_c.iloc[ev.selection.rows[0]]
            chainview.timeline(chosen)
            b1, b2 = st.columns(2)
            if b1.button("Add chain to case basket", key="chains_basket"):
                for label, key, caption in chainview.chain_entities(chosen):
                    C.add_to_basket(label, key, caption)
                st.toast(f"{len(C.basket())} entities in the case basket (Cases page)")
            if b2.button("Open chain in explorer", key="chains_open"):
                st.session_state["explorer_chain"] = str(chosen["chain_id"])
                C.open_in_explorer("Declaration", chainview._keys(chosen["decl_keys"])[-1])
