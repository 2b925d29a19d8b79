"""Overview: counts, findings by type and country, top leads, time trend."""

import time

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import common as C

user = C.guard("overview")
t0 = time.perf_counter()
st.title("Overview")

try:
    counts = C.counts()
except Exception as exc:  # noqa: BLE001
    C.store_problem(exc)
    counts = {}

cols = st.columns(6)
for col, (label, title) in zip(cols, [("Declaration", "Declarations"), ("Party", "Parties"), ("Identifier", "Identifiers"),
                                      ("Hub", "Hubs"), ("Route", "Routes"), ("Tip", "Tips")]):
    col.metric(title, f"{counts.get(label, 0):,}")

f = C.findings()
if not f:
    st.info("No findings yet: run `intel analyze` on this store.")
    st.stop()

cfg = C.ctx().cfg
flag = 0.5
cons, comm, decl, routes, hubs = (f.get(n) for n in ("consignees", "communities", "declarations", "routes", "hubs"))
m = st.columns(5)
m[0].metric("Flagged consignees", int((cons["score"] >= flag).sum()) if cons is not None else 0, help=f"score >= {flag}")
m[1].metric("Communities", len(comm) if comm is not None else 0)
m[2].metric("Red-lane declarations", int((decl["lane"] == "red").sum()) if decl is not None and "lane" in decl else 0)
m[3].metric("Suspicious routes", int((routes["score"] >= flag).sum()) if routes is not None else 0)
m[4].metric("Hubs scored", len(hubs) if hubs is not None else 0)

# findings by type and country
left, right = st.columns(2)
by_country = []
facts = None
try:
    facts = C.declaration_facts()
except Exception as exc:  # noqa: BLE001
    C.store_problem(exc)
if decl is not None and "lane" in decl:
    d = decl.copy()
    if "reporting_country" not in d and facts is not None:
        d = d.merge(facts[["decl_key", "reporting_country"]], on="decl_key", how="left")
    d = d[d["lane"].isin(["red", "yellow"])]
    g = d.groupby(["reporting_country", "lane"]).size().reset_index(name="declarations")
    g["finding"] = g["lane"].astype(str) + "-lane declarations"
    by_country.append(g.rename(columns={"reporting_country": "country", "declarations": "count"})[["country", "finding", "count"]])
if cons is not None and "party_id" in cons:
    idx = C.search_index()
    pc = idx[idx["label"] == "Party"].drop_duplicates("key")[["key", "country"]].rename(columns={"key": "party_id"})
    c = cons[cons["score"] >= flag].merge(pc, on="party_id", how="left")
    g = c.groupby("country").size().reset_index(name="count")
    g["finding"] = "flagged consignees"
    by_country.append(g[["country", "finding", "count"]])
with left:
    st.subheader("Findings by type and country")
    if by_country:
        frame = pd.concat(by_country, ignore_index=True)
        frame["country"] = frame["country"].fillna("").astype(str).replace("", "unknown")
        fig = px.bar(frame, x="country", y="count", color="finding", barmode="group", height=340,
                     color_discrete_map={"red-lane declarations": "#d62728", "yellow-lane declarations": "#ffbf00",
                                         "flagged consignees": "#1f77b4"})
        fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h"))
        st.plotly_chart(fig, config={"displaylogo": False})
with right:
    st.subheader("Trend")
    if facts is not None and len(facts) and "declared_at" in facts:
        t = facts.dropna(subset=["declared_at"]).copy()
        t["week"] = pd.to_datetime(t["declared_at"]).dt.to_period("W").dt.start_time
        if decl is not None and "lane" in decl:
            t = t.drop(columns=["lane"], errors="ignore").merge(decl[["decl_key", "lane"]], on="decl_key", how="left")
        t["lane"] = t["lane"].fillna("unscored")
        g = t.groupby(["week", "lane"]).size().reset_index(name="declarations")
        fig = px.area(g, x="week", y="declarations", color="lane", height=340,
                      color_discrete_map={"red": "#d62728", "yellow": "#ffbf00", "green": "#2ca02c", "unscored": "#9e9e9e"})
        fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h"))
        st.plotly_chart(fig, config={"displaylogo": False})

st.subheader("Top leads")
tabs = st.tabs(["Consignees", "Communities", "Routes", "Declarations", "Hubs"])


def _top(tab, frame, label, key_col, caption_col, score_col="score", extra=()):
    with tab:
        if frame is None or frame.empty:
            st.info("No findings of this kind: run `intel analyze`.")
            return
        top = frame.sort_values(score_col, ascending=False).head(5)
        for i, row in enumerate(top.to_dict("records")):
            c1, c2 = st.columns([5, 1])
            name = str(row.get(caption_col) or row[key_col])
            c1.text(f"{row[score_col]:.2f}  {name}  [{row[key_col]}]" + "".join(f"  {e}: {row.get(e)}" for e in extra))
            c1.caption(C.md(C.reasons_text(row.get("reasons")))[:600])
            if label and c2.button("Open", key=f"top_{label}_{i}"):
                C.open_in_explorer(label, str(row[key_col]))


cons_view = cons
if cons is not None and "display_name" not in cons.columns:
    idx = C.search_index()
    names = idx[idx["label"] == "Party"].drop_duplicates("key")[["key", "caption"]].rename(columns={"key": "party_id", "caption": "display_name"})
    cons_view = cons.merge(names, on="party_id", how="left")
_top(tabs[0], cons_view, "Party", "party_id", "display_name", extra=("declaration_count",))
_top(tabs[1], comm, None, "community_id", "community_id", extra=("size",))
_top(tabs[2], routes, "Route", "route_id", "route", extra=("declaration_count",))
_top(tabs[3], decl, "Declaration", "decl_key", "declaration_id", score_col="risk_score" if decl is not None and "risk_score" in decl else "score", extra=("lane",))
_top(tabs[4], hubs, "Hub", "locode", "name")

st.caption(f"page built in {(time.perf_counter() - t0) * 1000:.0f} ms")
