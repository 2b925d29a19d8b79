"""Network explorer: search anything, draw its neighbourhood, expand and re-centre."""

import time
from collections import deque

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from dashboards import chainview
from dashboards import common as C
from dashboards.graph import build_network, node_score
from intel.cases import entity_findings
from intel.model import NODES

user = C.guard("explorer")
cfg = C.ctx().cfg
CAP = int(cfg.explorer_node_cap)
ss = st.session_state
ss.setdefault("explorer_expanded", [])
ss.setdefault("explorer_depth", 1)

st.title("Network explorer")

# ------------------------------------------------------------------ entry by URL / link
qp = st.query_params
if qp.get("label") in NODES and qp.get("key"):
    wanted = (qp.get("label"), qp.get("key"))
    if ss.get("explorer_centre") != wanted and ss.get("_explorer_qp") != wanted:
        ss["explorer_centre"] = wanted
        ss["explorer_expanded"] = []
        ss["explorer_selected"] = f"{wanted[0]}:{wanted[1]}"
    ss["_explorer_qp"] = wanted

# ------------------------------------------------------------------ search
with st.container():
    c1, c2 = st.columns([3, 2])
    query = c1.text_input("Search parties, identifiers, hubs, declarations, routes (name, alias, id, phone, LOCODE)",
                          key="explorer_q", placeholder="e.g. Golden Lotus, +6621234567, MYPKG, TH25000001")
    results = pd.DataFrame()
    if query.strip():
        try:
            results = C.search(query)
        except Exception as exc:  # noqa: BLE001
            C.store_problem(exc)
    if len(results):
        options = list(range(len(results)))
        pick = c2.selectbox(
            f"{len(results)} matches", options, key="explorer_pick",
            format_func=lambda i: f"{results.at[i, 'label']} · {results.at[i, 'caption']} · {results.at[i, 'key']}"
            + (f"  (matched: {results.at[i, 'text']})" if results.at[i, 'text'] != results.at[i, 'caption'] else ""),
        )
        if c2.button("Show network", type="primary", key="explorer_go"):
            chosen = (str(results.at[pick, "label"]), str(results.at[pick, "key"]))
            ss["explorer_centre"] = chosen
            ss["explorer_expanded"] = []
            ss["explorer_selected"] = f"{chosen[0]}:{chosen[1]}"
            st.query_params.update({"label": chosen[0], "key": chosen[1]})
            ss["_explorer_qp"] = chosen
    elif query.strip():
        c2.info("No match.")

centre = ss.get("explorer_centre")
if not centre:
    st.info("Search for an entity above, or open one from the Findings or Overview pages.")
    st.stop()

# ------------------------------------------------------------------ filters
facts = None
try:
    facts = C.declaration_facts()
except Exception as exc:  # noqa: BLE001
    C.store_problem(exc)
with st.expander("Depth and filters", expanded=False):
    f1, f2, f3, f4 = st.columns(4)
    depth = f1.slider("Depth (hops)", 1, 3, key="explorer_depth")
    lo = hi = None
    if facts is not None and len(facts) and facts["declared_at"].notna().any():
        lo, hi = pd.to_datetime(facts["declared_at"]).min().date(), pd.to_datetime(facts["declared_at"]).max().date()
    dates = f2.date_input("Declared between", value=(lo, hi) if lo else (), key="explorer_dates") if lo else ()
    chapters = sorted(facts["hs_chapter"].dropna().astype(str).unique()) if facts is not None and len(facts) else []
    hs_sel = f3.multiselect("HS chapter", chapters, key="explorer_hs")
    countries = sorted(set(facts["reporting_country"].dropna().astype(str)) | set(facts["origin_country"].dropna().astype(str))) if facts is not None and len(facts) else []
    cc_sel = f4.multiselect("Country (reporting or origin; party country)", countries, key="explorer_cc")

# ------------------------------------------------------------------ compose the neighbourhood
t0 = time.perf_counter()
label, key = centre
centre_id = f"{label}:{key}"
try:
    nodes, edges, capped = C.neighbourhood(label, key, depth, CAP)
    parts_n, parts_e = [nodes], [edges]
    for ex_label, ex_key in ss["explorer_expanded"]:
        n2, e2, c2_ = C.neighbourhood(ex_label, ex_key, 1, CAP)
        parts_n.append(n2)
        parts_e.append(e2)
        capped = capped or c2_
except Exception as exc:  # noqa: BLE001
    C.store_problem(exc)
    st.stop()
nodes = pd.concat(parts_n, ignore_index=True).drop_duplicates("id", ignore_index=True)
edges = pd.concat(parts_e, ignore_index=True).drop_duplicates(ignore_index=True)
if nodes.empty:
    st.warning(f"{label} {key} is not in the store.")
    st.stop()


def _keep(row) -> bool:
    if row["id"] == centre_id:
        return True
    props = row["props"] if isinstance(row["props"], dict) else {}
    if row["label"] == "Declaration":
        if isinstance(dates, tuple) and len(dates) == 2 and props.get("declared_at") is not None:
            d = pd.Timestamp(props["declared_at"]).date()
            if not (dates[0] <= d <= dates[1]):
                return False
        if hs_sel and str(props.get("hs_chapter", "")) not in hs_sel:
            return False
        if cc_sel and props.get("reporting_country") not in cc_sel and props.get("origin_country") not in cc_sel:
            return False
    if row["label"] == "Party" and cc_sel and props.get("country") not in cc_sel:
        return False
    return True


filtered = bool((isinstance(dates, tuple) and len(dates) == 2 and lo and (dates[0] > lo or dates[1] < hi)) or hs_sel or cc_sel)
if filtered:
    nodes = nodes[nodes.apply(_keep, axis=1)]
    edges = edges[edges["src"].isin(nodes["id"]) & edges["dst"].isin(nodes["id"])]
    # keep what is still connected to the centre
    adj: dict[str, set[str]] = {}
    for s_, d_ in edges[["src", "dst"]].itertuples(index=False):
        adj.setdefault(s_, set()).add(d_)
        adj.setdefault(d_, set()).add(s_)
    seen, todo = {centre_id}, deque([centre_id])
    while todo:
        for nxt in adj.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    nodes = nodes[nodes["id"].isin(seen)]
    edges = edges[edges["src"].isin(seen) & edges["dst"].isin(seen)]
if len(nodes) > CAP:
    keep = [centre_id] + [i for i in nodes["id"] if i != centre_id][: CAP - 1]
    nodes = nodes[nodes["id"].isin(keep)]
    edges = edges[edges["src"].isin(keep) & edges["dst"].isin(keep)]
    capped = True
nodes = nodes.reset_index(drop=True)

# scores: findings first, then what the graph carries
F = C.findings()
lookup = {}
for fname, lab, kcol, scol in (("consignees", "Party", "party_id", "score"), ("declarations", "Declaration", "decl_key", "risk_score"),
                               ("routes", "Route", "route_id", "score"), ("hubs", "Hub", "locode", "score")):
    fr = F.get(fname)
    if fr is not None and kcol in fr and scol in fr:
        lookup[lab] = dict(zip(fr[kcol].astype(str), fr[scol]))
nodes["score"] = [lookup.get(r.label, {}).get(str(r.key), node_score(r.label, r.props if isinstance(r.props, dict) else {}))
                  for r in nodes.itertuples(index=False)]
compose_ms = (time.perf_counter() - t0) * 1000

# ------------------------------------------------------------------ draw + side panel
st.caption(f"Centre: {NODES[label].label} {C.caption_of(label, key)}")
info = f"Showing {len(nodes)} nodes and {len(edges)} edges (depth {depth}"
info += f", {len(ss['explorer_expanded'])} expanded)" if ss["explorer_expanded"] else ")"
st.text(info)
if capped:
    st.warning(f"Capped: the neighbourhood has more than {CAP} nodes; only the first {CAP} are drawn "
               "(raise explorer_node_cap, add filters or lower the depth).",)
C.legend()

left, right = st.columns([3, 1])
ids = nodes["id"].tolist()
if ss.get("explorer_selected") not in ids:
    ss["explorer_selected"] = centre_id
t1 = time.perf_counter()
html = build_network(nodes, edges, centre_id=centre_id, selected_id=ss.get("explorer_selected"))
with left:
    components.html(html, height=640)
render_ms = (time.perf_counter() - t1) * 1000

with right:
    by_id = nodes.set_index("id")
    sel = st.selectbox("Selected node", ids, key="explorer_selected",
                       format_func=lambda i: f"{by_id.at[i, 'label']} · {by_id.at[i, 'caption']}")
    row = by_id.loc[sel]
    props = row["props"] if isinstance(row["props"], dict) else {}
    st.text(f"{row['label']}: {row['caption']}")
    if row["score"] is not None and row["score"] == row["score"]:
        st.progress(float(min(max(row["score"], 0.0), 1.0)), text=f"score {float(row['score']):.2f}")
    b1, b2 = st.columns(2)
    if b1.button("Expand", key="explorer_expand", help="Add this node's neighbours to the drawing"):
        pair = (str(row["label"]), str(row["key"]))
        if pair not in ss["explorer_expanded"] and sel != centre_id:
            ss["explorer_expanded"] = [*ss["explorer_expanded"], pair]
            st.rerun()
    if b2.button("Re-centre", key="explorer_recentre"):
        ss["explorer_centre"] = (str(row["label"]), str(row["key"]))
        ss["explorer_expanded"] = []
        st.query_params.update({"label": str(row["label"]), "key": str(row["key"])})
        ss["_explorer_qp"] = ss["explorer_centre"]
        st.rerun()
    if st.button("Add to case basket", key="explorer_basket"):
        C.add_to_basket(str(row["label"]), str(row["key"]), str(row["caption"]))
        st.toast(f"{len(C.basket())} entities in the case basket (Cases page)")
    st.markdown("**Findings**")
    found = entity_findings(F, str(row["label"]), str(row["key"])) if F else []
    if not found:
        st.caption("No findings about this entity." if F else "No findings yet: run `intel analyze`.")
    for item in found:
        score = item.get("score")
        st.text(f"{item['source']}: score {score:.2f}" if isinstance(score, (int, float)) else item["source"])
        for reason in item.get("reasons", [])[:8]:
            st.text(f"• {reason}")
    st.markdown("**Properties**")
    shown = {k: ("" if v is None else str(v)) for k, v in props.items() if k not in ("reasons",) and str(v) not in ("nan", "NaT", "None")}
    st.table(pd.DataFrame({"property": list(shown), "value": list(shown.values())}).set_index("property"))

# ------------------------------------------------------------------ chains through this entity
on_chains = pd.DataFrame()
for lab, k in ((str(row["label"]), str(row["key"])), (label, key)):
    on_chains = chainview.chains_about(F.get("chains"), lab, k)
    if len(on_chains):
        break
if len(on_chains):
    ids_c = on_chains["chain_id"].astype(str).tolist()
    wanted_c = ss.get("explorer_chain")
    pick_c = st.selectbox("Chains through this entity (time-ordered paths of declarations)", ids_c,
                          index=ids_c.index(wanted_c) if wanted_c in ids_c else 0, key="explorer_chain_pick",
                          format_func=lambda c: f"{c} · score {float(on_chains.set_index('chain_id').at[c, 'score']):.2f}")
    chosen_c = on_chains[on_chains["chain_id"].astype(str) == pick_c].iloc[0]
    chainview.timeline(chosen_c)
    if st.button("Add chain to case basket", key="explorer_chain_basket"):
        for lab, k, cap in chainview.chain_entities(chosen_c):
            C.add_to_basket(lab, k, cap)
        st.toast(f"{len(C.basket())} entities in the case basket (Cases page)")

with st.expander(f"Nodes in view ({len(nodes)})"):
    st.dataframe(nodes[["label", "caption", "key", "score"]].sort_values("score", ascending=False, na_position="last"),
                 hide_index=True)
st.caption(f"neighbourhood composed in {compose_ms:.0f} ms, drawing generated in {render_ms:.0f} ms")
