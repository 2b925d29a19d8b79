"""Findings tables: consignees, communities, declarations — sortable, filterable, downloadable
(CSV with spreadsheet formulas neutralised), each row opens the explorer or goes to a case."""

import pandas as pd
import streamlit as st

from dashboards import common as C
from intel.safe import csv_bytes

user = C.guard("findings")
st.title("Findings")

F = C.findings()
if not F:
    st.info("No findings yet: run `intel analyze` on this store.")
    st.stop()

try:
    index = C.search_index()
except Exception as exc:  # noqa: BLE001
    C.store_problem(exc)
    index = pd.DataFrame(columns=["label", "key", "caption", "country"])
party_names = index[index["label"] == "Party"].drop_duplicates("key")[["key", "caption", "country"]]


def _table(name: str, frame: pd.DataFrame, label: str | None, key_col: str, score_col: str, columns: list[str],
           text_cols: list[str], country_col: str | None = None) -> None:
    c1, c2, c3 = st.columns([1, 1, 2])
    lo = c1.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key=f"{name}_min")
    countries = sorted(frame[country_col].dropna().astype(str).unique()) if country_col and country_col in frame else []
    cc = c2.multiselect("Country", countries, key=f"{name}_cc") if countries else []
    text = c3.text_input("Contains (name, id, reason)", key=f"{name}_text")
    view = frame[frame[score_col].fillna(0) >= lo]
    if cc:
        view = view[view[country_col].astype(str).isin(cc)]
    if text.strip():
        needle = text.strip().casefold()
        mask = pd.Series(False, index=view.index)
        for col in text_cols:
            if col in view:
                mask |= view[col].astype(str).str.casefold().str.contains(needle, regex=False, na=False)
        view = view[mask]
    view = view.sort_values(score_col, ascending=False)
    shown = [c for c in columns if c in view.columns]
    st.caption(f"{len(view):,} of {len(frame):,} rows" + (" (first 5,000 shown; the download has all)" if len(view) > 5000 else ""))
    event = st.dataframe(view[shown].head(5000), hide_index=True, on_select="rerun", selection_mode="single-row",
                         key=f"{name}_table",
                         column_config={score_col: st.column_config.ProgressColumn(score_col, min_value=0.0, max_value=1.0, format="%.2f")})
    d1, d2, d3 = st.columns([1, 1, 2])
    d1.download_button("Download CSV", csv_bytes(view[shown]), file_name=f"{name}.csv", mime="text/csv", key=f"{name}_csv")
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if rows:
        picked = view[shown].head(5000).iloc[rows[0]]
        key = str(picked[key_col])
        if label and d2.button("Open in explorer", key=f"{name}_open", type="primary"):
            C.open_in_explorer(label, key)
        if label and d3.button("Add to case basket", key=f"{name}_basket"):
            C.add_to_basket(label, key, str(picked.get("display_name", picked.get("declaration_id", key))))
            st.toast(f"{len(C.basket())} entities in the case basket (Cases page)")
        if not label:
            members = [m.strip() for m in str(picked.get("members", "")).split("|") if m.strip()]
            if members and d2.button(f"Add {len(members)} members to case basket", key=f"{name}_members"):
                names = dict(zip(party_names["key"], party_names["caption"]))
                for m in members:
                    C.add_to_basket("Party", m, names.get(m, m))
                st.toast(f"{len(C.basket())} entities in the case basket (Cases page)")
            if members:
                pick = st.selectbox("Open a member in the explorer", members, key=f"{name}_member",
                                    format_func=lambda m: f"{dict(zip(party_names['key'], party_names['caption'])).get(m, m)} ({m})")
                if st.button("Open member", key=f"{name}_open_member"):
                    C.open_in_explorer("Party", pick)
    else:
        d2.caption("Select a row to open it.")


tabs = st.tabs(["Consignees", "Communities", "Declarations"])
with tabs[0]:
    cons = F.get("consignees")
    if cons is None:
        st.info("No consignee findings: run `intel analyze`.")
    else:
        cons = cons.copy()
        if "display_name" not in cons:
            cons = cons.merge(party_names.rename(columns={"key": "party_id", "caption": "display_name"}), on="party_id", how="left")
        elif "country" not in cons:
            cons = cons.merge(party_names[["key", "country"]].rename(columns={"key": "party_id"}), on="party_id", how="left")
        _table("consignees", cons, "Party", "party_id", "score",
               ["party_id", "display_name", "country", "score", "declaration_count", "n_consignors", "shared_ident_parties",
                "community_id", "reasons", "aliases"], ["party_id", "display_name", "aliases", "reasons"], "country")
with tabs[1]:
    comm = F.get("communities")
    if comm is None:
        st.info("No community findings: run `intel analyze`.")
    else:
        _table("communities", comm, None, "community_id", "score",
               ["community_id", "size", "score", "reasons", "countries", "hubs", "hs_chapters", "members"],
               ["community_id", "reasons", "members", "countries", "hubs"])
with tabs[2]:
    decl = F.get("declarations")
    if decl is None:
        st.info("No declaration findings: run `intel analyze`.")
    else:
        score_col = "risk_score" if "risk_score" in decl else "score"
        _table("declarations", decl, "Declaration", "decl_key", score_col,
               ["decl_key", "declaration_id", "reporting_country", score_col, "lane", "reasons", "consignee_party_id", "route_id"],
               ["declaration_id", "decl_key", "reasons", "consignee_party_id", "route_id"], "reporting_country")
