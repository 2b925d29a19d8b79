"""Tips. Rights holders: submit a tip and follow their own tips (status and aggregate outcome
only). Analysts and planners: the tips addressed to their administration, what they matched,
and moving them on."""

import streamlit as st

from dashboards import common as C
from intel import tipintake as T
from intel.auth import list_orgs
from intel.cases import TLP_LEVELS

user = C.guard("tips")
db = C.ctx().db
ss = st.session_state
st.title("Tips")

ASEAN = ["customs:BN", "customs:ID", "customs:KH", "customs:LA", "customs:MM", "customs:MY", "customs:PH",
         "customs:SG", "customs:TH", "customs:VN"]


def submit_form() -> None:
    st.subheader("Submit a tip")
    st.caption("Separate several values with new lines or ';'. Give at least one suspect indicator, or an HS code or brand. "
               "You will see the status of your tip and aggregate outcomes — never the matched traders or declarations.")
    with st.form("tip_form", clear_on_submit=False):
        c1, c2 = st.columns(2)
        brand = c1.text_input("Brand", key="tip_brand")
        hs = c2.text_input("HS codes or prefixes", key="tip_hs", placeholder="8507; 850760")
        names = c1.text_area("Suspect names", key="tip_names")
        addresses = c2.text_area("Suspect addresses", key="tip_addresses")
        phones = c1.text_area("Suspect phones", key="tip_phones", placeholder="+66 2 123 4567")
        emails = c2.text_area("Suspect e-mails", key="tip_emails")
        ports = c1.text_input("Ports (UN/LOCODE)", key="tip_ports", placeholder="CNSZX; MYPKG")
        origins = c2.text_input("Origin countries (ISO alpha-2)", key="tip_origins", placeholder="CN; MY")
        desc = st.text_area("Description", key="tip_desc")
        g1, g2, g3, g4 = st.columns(4)
        rel = g1.selectbox("Source reliability", list("ABCDEF"), index=5, key="tip_rel",
                           help="Admiralty grade: A completely reliable … E unreliable, F cannot be judged")
        cred = g2.selectbox("Information credibility", list("123456"), index=5, key="tip_cred",
                            help="Admiralty grade: 1 confirmed … 5 improbable, 6 cannot be judged")
        tlp = g3.selectbox("TLP", TLP_LEVELS, index=TLP_LEVELS.index("AMBER"), key="tip_tlp")
        until = g4.date_input("Valid until (optional)", value=None, key="tip_until")
        r1, r2 = st.columns(2)
        recipients = r1.multiselect("For administrations (empty: all)", sorted(set(ASEAN) | set(list_orgs(db, "customs"))), key="tip_recipients")
        region = r2.selectbox("Country of phone numbers written without +code", ["", *[o.split(":")[1] for o in ASEAN], "CN", "HK"],
                              key="tip_region")
        files = st.file_uploader("Supporting files", accept_multiple_files=True, key="tip_files")
        sent = st.form_submit_button("Submit tip", type="primary")
    if not sent:
        return
    form = {"brand": brand, "hs_codes": hs, "suspect_names": names, "suspect_addresses": addresses, "suspect_phones": phones,
            "suspect_emails": emails, "suspect_ports": ports, "origin_countries": origins, "description": desc,
            "source_reliability": rel, "info_credibility": cred, "tlp": tlp, "valid_until": until or "",
            "recipients": recipients}
    uploads = [(f.name, f.getvalue(), f.type or "application/octet-stream") for f in (files or [])]
    tip_id, problems = T.submit_tip(db, user, form, uploads, default_region=region or None)
    if problems:
        st.error(f"The tip was not submitted; please correct {len(problems)} problem(s):")
        for p in problems:
            st.text(f"• {p}")
        return
    try:
        with C.read_store() as store:
            T.match_tip(db, store, tip_id, cfg=C.ctx().cfg)
    except Exception:  # noqa: BLE001 - store busy or absent: matched later
        st.info("The data could not be searched just now; your tip will be matched later.")
    st.success(f"Tip {tip_id} received.")


if user.role == "rights_holder":
    st.subheader("Your organisation's tips")
    slot = st.container()  # filled after the form, so a tip just submitted is listed
    submit_form()
    mine = T.tips_for(db, user)
    with slot:
        if mine.empty:
            st.info("No tips submitted yet.")
        else:
            st.caption("Status and aggregate outcome of each tip; the matched traders and declarations stay with customs.")
            st.table(mine.set_index("tip_id"))
    st.stop()

# ------------------------------------------------------------------ customs users
tab_ui, tab_files, tab_submit = st.tabs(["Tips received here", "Tips loaded from files", "Submit a tip"])
with tab_ui:
    frame = T.tips_for(db, user)
    if frame.empty:
        st.info("No tips addressed to your administration.")
    else:
        cols = [c for c in ["tip_id", "org_id", "submitted_at", "brand", "tlp", "source_reliability", "info_credibility",
                            "status", "outcome"] if c in frame]
        st.dataframe(frame[cols], hide_index=True)
        pick = st.selectbox("Tip", frame["tip_id"].tolist(), key="tips_pick")
        d = T.tip_detail(db, user, pick)
        tip = d["tip"]
        st.text(f"{tip['tip_id']} from {tip['org_id']} ({tip['submitted_by_user']}) at {tip['submitted_at']} · TLP:{tip['tlp']} · "
                f"grade {tip['source_reliability']}{tip['info_credibility']} · {tip['status']}")
        st.text(d["outcome"])
        st.json({k: tip[k] for k in ["brand", *T.LIST_FIELDS, "description", "valid_until", "recipients"]}, expanded=False)
        st.markdown("**Matched in the graph** (never shown to the submitter)")
        targets = d["targets"]
        people = targets[targets["target_label"] != "Declaration"]
        if len(people):
            st.table(people.head(200).set_index("target_label"))
        st.caption(f"{int((targets['target_label'] == 'Declaration').sum())} declarations matched; select a row below to open it.")
        ev = st.dataframe(targets, hide_index=True, on_select="rerun", selection_mode="single-row", key="tip_targets")
        if ev is not None and ev.selection.rows:
            row = targets.iloc[ev.selection.rows[0]]
            if st.button("Open in explorer", key="tip_open"):
                C.open_in_explorer(str(row["target_label"]), str(row["target_key"]))
        for a in d["files"].to_dict("records"):
            name, ctype, data = T.tip_attachment(db, user, pick, a["attachment_id"])
            st.download_button(f"{name} ({a['size']:,} bytes)", data, file_name=name, mime="application/octet-stream",
                               key=f"tipfile_{a['attachment_id']}")
        c1, c2, c3 = st.columns([1, 3, 1])
        status = c1.selectbox("Status", T.TIP_STATUSES, index=T.TIP_STATUSES.index(tip["status"]), key="tip_status")
        note = c2.text_input("Note for the submitter (aggregate only: no names, no declaration numbers)",
                             value=tip.get("status_note", ""), key="tip_note")
        if c3.button("Save", key="tip_save"):
            T.set_tip_status(db, user, pick, status, note)
            st.rerun()
        if st.button("Match again against the current data", key="tip_rematch"):
            try:
                with C.read_store() as store:
                    T.match_tip(db, store, pick, cfg=C.ctx().cfg)
                st.rerun()
            except Exception as exc:  # noqa: BLE001
                C.store_problem(exc)
with tab_files:
    tm = C.findings().get("tip_matches")
    if tm is None:
        st.info("No tip matches yet: run `intel analyze`.")
    else:
        summary = tm.groupby(["tip_id", "target_label"]).size().unstack(fill_value=0).reset_index()
        st.dataframe(summary, hide_index=True)
        ev = st.dataframe(tm, hide_index=True, on_select="rerun", selection_mode="single-row", key="tm_table")
        if ev is not None and ev.selection.rows:
            row = tm.iloc[ev.selection.rows[0]]
            if st.button("Open target in explorer", key="tm_open"):
                C.open_in_explorer(str(row["target_label"]), str(row["target_key"]))
with tab_submit:
    submit_form()
