"""Cases (TLP 2.0, shared with named administrations), case packages, joint operations."""

import json

import pandas as pd
import streamlit as st

from dashboards import common as C
from intel import cases as K
from intel.auth import list_orgs, list_users

user = C.guard("cases")
db = C.ctx().db
ss = st.session_state
st.title("Cases")

ASEAN = ["customs:BN", "customs:ID", "customs:KH", "customs:LA", "customs:MM", "customs:MY", "customs:PH",
         "customs:SG", "customs:TH", "customs:VN"]
customs_orgs = sorted(set(ASEAN) | set(list_orgs(db, "customs")))
TLP_HELP = ("RED: named recipients only · AMBER+STRICT: recipient administrations only · AMBER: recipient "
            "administrations (need-to-know) · GREEN/CLEAR: every customs administration. Rights holders never see cases.")

qp_case = st.query_params.get("case")
if qp_case:
    ss["cases_open"] = qp_case


def _open(case_id: str) -> None:
    ss["cases_open"] = case_id
    st.query_params["case"] = case_id


tab_list, tab_new, tab_import, tab_ops = st.tabs(["Cases", "New case", "Import package", "Operations"])

# ------------------------------------------------------------------ list + detail
with tab_list:
    visible = K.list_cases(db, user)
    if visible:
        frame = pd.DataFrame([{"case_id": c.case_id, "title": c.title, "status": c.status, "tlp": c.tlp,
                               "owner": c.owner_org, "imported": c.imported, "updated": c.updated_at} for c in visible])
        st.dataframe(frame, hide_index=True)
        ids = [c.case_id for c in visible]
        titles = {c.case_id: c.title for c in visible}
        pick = st.selectbox("Open case", ids, index=ids.index(ss["cases_open"]) if ss.get("cases_open") in ids else 0,
                            format_func=lambda i: f"{i} · {titles[i]}", key="cases_pick")
        if st.button("Open", key="cases_open_btn"):
            _open(pick)
            st.rerun()
    else:
        st.info("No cases visible to you yet.")

    case_id = ss.get("cases_open")
    if case_id:
        st.divider()
        try:
            case = K.get_case(db, user, case_id)
        except PermissionError as exc:
            st.error(f"Case {case_id}: {exc}.")
            case = None
        if case is not None:
            editable = K.can_edit(user, case)
            st.subheader(case.title)
            st.text(f"Case {case.case_id} · TLP:{case.tlp} · {case.status} · owner {case.owner_org} · "
                    f"created by {case.created_by} {case.created_at}")
            if case.description:
                st.text(case.description)
            if case.imported and case.provenance:
                p = case.provenance
                st.info(f"Imported from {p.get('exporting_org')} (exported by {p.get('exported_by')} at "
                        f"{p.get('exported_at')}, product {p.get('product_version')}); marking TLP:{p.get('tlp')}.")
            shares = ", ".join(f"{k}:{r}" if k == "user" else r for k, r in case.shares) or "nobody"
            st.text(f"Shared with: {shares}")

            ents = K.case_entities(db, user, case.case_id)
            st.markdown("**Entities**")
            ev = st.dataframe(ents, hide_index=True, on_select="rerun", selection_mode="single-row", key="case_ents")
            e1, e2, e3 = st.columns(3)
            if ev is not None and ev.selection.rows:
                row = ents.iloc[ev.selection.rows[0]]
                if e1.button("Open in explorer", key="case_ent_open"):
                    C.open_in_explorer(str(row["label"]), str(row["key"]))
                if editable and e2.button("Remove from case", key="case_ent_rm"):
                    K.remove_entity(db, user, case.case_id, str(row["label"]), str(row["key"]))
                    st.rerun()
            if editable and C.basket() and e3.button(f"Add {len(C.basket())} basket entities", key="case_add_basket"):
                K.add_entities(db, user, case.case_id, C.basket())
                ss["case_basket"] = []
                st.rerun()

            if case.imported:
                with st.expander("Package view (as received, including entities not in the local graph)"):
                    view = K.package_view(db, user, case.case_id)
                    pe = pd.DataFrame([{"label": e.get("label"), "key": e.get("key"), "caption": e.get("caption"),
                                        "in local graph": e.get("in_local_graph"),
                                        "findings": "; ".join(f"{f.get('source')} {f.get('score')}" for f in e.get("findings") or []),
                                        "properties": json.dumps(e.get("properties") or {}, ensure_ascii=False)[:500]}
                                       for e in view["entities"]])
                    st.dataframe(pe, hide_index=True)
                    st.caption(f"{len(view['relationships'])} relationships in the package")

            n1, n2 = st.columns(2)
            with n1:
                st.markdown("**Notes**")
                for n in K.case_notes(db, user, case.case_id).to_dict("records"):
                    st.caption(f"{n['author']} ({n['org_id']}) {n['created_at']}" + (" · imported" if n["imported"] else ""))
                    st.text(n["body"])
                with st.form("case_note", clear_on_submit=True):
                    body = st.text_area("Add a note", key="case_note_body")
                    if st.form_submit_button("Add note"):
                        try:
                            K.add_note(db, user, case.case_id, body)
                            st.rerun()
                        except ValueError as exc:
                            st.error(str(exc))
            with n2:
                st.markdown("**Attachments**")
                atts = K.case_attachments(db, user, case.case_id)
                for a in atts.to_dict("records"):
                    name, ctype, data = K.get_attachment(db, user, case.case_id, a["attachment_id"])
                    st.download_button(f"{name} ({a['size']:,} bytes)", data, file_name=name,
                                       mime="application/octet-stream", key=f"att_{a['attachment_id']}")
                up = st.file_uploader("Attach a file", key=f"case_upload_{case.case_id}")
                if up is not None and st.button("Upload", key="case_upload_btn"):
                    try:
                        K.add_attachment(db, user, case.case_id, up.name, up.getvalue(), up.type or "application/octet-stream")
                        st.rerun()
                    except ValueError as exc:
                        st.error(str(exc))

            if editable:
                st.markdown("**Status, marking and sharing**")
                s1, s2 = st.columns(2)
                with s1:
                    new_status = st.selectbox("Status", K.CASE_STATUSES, index=K.CASE_STATUSES.index(case.status), key="case_status")
                    new_tlp = st.selectbox("TLP", K.TLP_LEVELS, index=K.TLP_LEVELS.index(case.tlp), key="case_tlp", help=TLP_HELP)
                    if st.button("Save status and TLP", key="case_save"):
                        try:
                            if new_status != case.status:
                                K.set_status(db, user, case.case_id, new_status)
                            if new_tlp != case.tlp:
                                K.set_tlp(db, user, case.case_id, new_tlp)
                            st.rerun()
                        except (PermissionError, ValueError) as exc:
                            st.error(str(exc))
                with s2:
                    orgs = st.multiselect("Share with administrations", [o for o in customs_orgs if o != user.org], key="case_share_orgs")
                    peers = [u.username for u in list_users(db) if u.role in ("analyst", "planner") and u.username != user.username]
                    names = st.multiselect("Share with named users", peers, key="case_share_users", help=TLP_HELP)
                    if st.button("Share", key="case_share", type="primary"):
                        try:
                            K.share_case(db, user, case.case_id, orgs=orgs, users=names)
                            st.success("Shared with " + ", ".join([*orgs, *names]))
                            st.rerun()
                        except (PermissionError, ValueError) as exc:
                            st.error(str(exc))
                    for k, r in case.shares:
                        if st.button(f"Stop sharing with {r}", key=f"unshare_{k}_{r}"):
                            K.unshare_case(db, user, case.case_id, k, r)
                            st.rerun()

            st.markdown("**Export**")
            if K.can_export(user, case):
                if st.button("Prepare case package (JSON)", key="case_export"):
                    try:
                        with C.read_store() as store:
                            data = K.export_case_json(db, user, case.case_id, store, C.ctx().findings_dir)
                    except Exception:  # noqa: BLE001 - store busy: export without graph properties
                        data = K.export_case_json(db, user, case.case_id, None, C.ctx().findings_dir)
                    ss["case_export_bytes"] = (case.case_id, data)
                got = ss.get("case_export_bytes")
                if got and got[0] == case.case_id:
                    st.download_button("Download package", got[1], file_name=f"{case.case_id}.json",
                                       mime="application/json", key="case_export_dl")
            else:
                st.caption(f"TLP:{case.tlp}: only the originating administration may pass this case on.")

# ------------------------------------------------------------------ new case
with tab_new:
    b = C.basket()
    st.caption(f"{len(b)} entities in the case basket (add them from the explorer or the findings tables).")
    if b:
        st.dataframe(pd.DataFrame(b, columns=["label", "key", "caption"]), hide_index=True)
        if st.button("Empty the basket", key="basket_clear"):
            ss["case_basket"] = []
            st.rerun()
    with st.form("new_case"):
        title = st.text_input("Title", key="new_case_title")
        desc = st.text_area("Description", key="new_case_desc")
        tlp = st.selectbox("TLP", K.TLP_LEVELS, index=K.TLP_LEVELS.index("AMBER"), key="new_case_tlp", help=TLP_HELP)
        use_basket = st.checkbox("Include the basket's entities", value=True, key="new_case_basket")
        if st.form_submit_button("Create case", type="primary"):
            try:
                case = K.create_case(db, user, title, C.basket() if use_basket else [], tlp=tlp, description=desc)
                if use_basket:
                    ss["case_basket"] = []
                _open(case.case_id)
                st.success(f"Case {case.case_id} created; open it in the Cases tab.")
                st.rerun()
            except (PermissionError, ValueError) as exc:
                st.error(str(exc))

# ------------------------------------------------------------------ import
with tab_import:
    st.caption("Import a case package exported by another administration. Its TLP and provenance are kept; "
               "entities your graph does not hold stay visible in the package view.")
    up = st.file_uploader("Case package (.json)", type=["json"], key="case_import_file")
    if up is not None and st.button("Import", key="case_import_btn", type="primary"):
        try:
            try:
                with C.read_store() as store:
                    case = K.import_case(db, user, up.getvalue(), store)
            except K.PackageError:
                raise
            except PermissionError:
                raise
            except Exception:  # noqa: BLE001 - store busy: import without the local-graph check
                case = K.import_case(db, user, up.getvalue(), None)
            _open(case.case_id)
            st.success(f"Imported as case {case.case_id}.")
            st.rerun()
        except K.PackageError as exc:
            st.error("The package was refused:")
            for p in exc.problems[:50]:
                st.text(f"• {p}")
        except PermissionError as exc:
            st.error(str(exc))

# ------------------------------------------------------------------ operations
with tab_ops:
    ops = K.list_operations(db, user)
    if user.role == "planner":
        with st.expander("New operation", expanded=not ops):
            with st.form("new_op"):
                name = st.text_input("Name", key="op_name")
                desc = st.text_area("Description", key="op_desc")
                parts = st.multiselect("Participating administrations", [o for o in customs_orgs if o != user.org], key="op_parts")
                d1, d2 = st.columns(2)
                start = d1.date_input("Starts", value=None, key="op_start")
                end = d2.date_input("Ends", value=None, key="op_end")
                if st.form_submit_button("Create operation", type="primary"):
                    try:
                        op = K.create_operation(db, user, name, parts, desc, start.isoformat() if start else "",
                                                end.isoformat() if end else "")
                        ss["ops_open"] = op["op_id"]
                        st.rerun()
                    except (PermissionError, ValueError) as exc:
                        st.error(str(exc))
    if not ops:
        st.info("No operations your administration takes part in.")
    else:
        ids = [o["op_id"] for o in ops]
        names = {o["op_id"]: o["name"] for o in ops}
        op_id = st.selectbox("Operation", ids, index=ids.index(ss["ops_open"]) if ss.get("ops_open") in ids else 0,
                             format_func=lambda i: f"{i} · {names[i]}", key="ops_pick")
        try:
            try:
                with C.read_store() as store:
                    v = K.operation_view(db, user, op_id, store, C.ctx().findings_dir)
            except PermissionError:
                raise
            except Exception:  # noqa: BLE001 - store busy
                v = K.operation_view(db, user, op_id, None, C.ctx().findings_dir)
        except PermissionError as exc:
            st.error(str(exc))
            st.stop()
        op = v["operation"]
        st.text(f"{op['name']} · {op['status']} · led by {op['owner_org']} · with {', '.join(op['participants']) or 'no partner yet'}"
                f" · {op['starts_on'] or '?'} to {op['ends_on'] or '?'}")
        if op["description"]:
            st.text(op["description"])
        m = st.columns(5)
        for col, (k, lab) in zip(m, [("cases", "Cases"), ("targets", "Targets"), ("hubs", "Hubs"),
                                     ("inspections", "Inspections"), ("seizures", "Seizures")]):
            col.metric(lab, v["summary"][k])
        if v["summary"]["hidden_cases"]:
            st.caption(f"{v['summary']['hidden_cases']} case(s) of this operation are not shared with you.")
        own = [c for c in K.list_cases(db, user) if c.case_id not in op["case_ids"]]
        if own:
            a1, a2 = st.columns([3, 1])
            add = a1.selectbox("Add a case", [c.case_id for c in own], key="op_add_case",
                               format_func=lambda i: f"{i} · {next(c.title for c in own if c.case_id == i)}")
            if a2.button("Add to operation", key="op_add_btn"):
                try:
                    K.add_case_to_operation(db, user, op_id, add)
                    st.rerun()
                except PermissionError as exc:
                    st.error(str(exc))
        st.markdown("**Targets**")
        st.dataframe(v["targets"], hide_index=True)
        st.markdown("**Hubs**")
        st.dataframe(v["hubs"], hide_index=True)
        st.markdown("**Results**")
        st.dataframe(v["results"], hide_index=True)
        with st.form("op_result", clear_on_submit=True):
            r1, r2, r3 = st.columns([1, 1, 3])
            kind = r1.selectbox("Result", K.RESULT_KINDS, key="op_res_kind")
            qty = r2.number_input("Count", 0, 100000, 1, key="op_res_qty")
            note = r3.text_input("Note", key="op_res_note")
            if st.form_submit_button("Record result"):
                try:
                    K.record_result(db, user, op_id, kind, int(qty), note)
                    st.rerun()
                except (PermissionError, ValueError) as exc:
                    st.error(str(exc))
