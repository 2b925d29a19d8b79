"""Admin: users and the audit log."""

import pandas as pd
import streamlit as st

from dashboards import common as C
from intel.auth import ROLES, add_user, list_users, remove_user, set_password

user = C.guard("admin")
db = C.ctx().db
st.title("Admin")

users = list_users(db)
st.subheader("Users")
st.dataframe(pd.DataFrame([{"username": u.username, "role": u.role, "organisation": u.org} for u in users]), hide_index=True)

c1, c2 = st.columns(2)
with c1, st.form("add_user", clear_on_submit=True):
    st.markdown("**Add a user**")
    username = st.text_input("Username", key="admin_new_username")
    role = st.selectbox("Role", ROLES, key="admin_new_role")
    org = st.text_input("Organisation", placeholder="customs:TH or rh:Brand Name", key="admin_new_org")
    password = st.text_input("Initial password (at least 8 characters)", type="password", key="admin_new_password")
    if st.form_submit_button("Add user", type="primary"):
        try:
            add_user(db, username.strip(), password, role, org.strip())
            st.success(f"User {username.strip()} added.")
            st.rerun()
        except ValueError as exc:
            st.error(str(exc))
with c2:
    st.markdown("**Remove a user or reset a password**")
    others = [u.username for u in users if u.username != user.username]
    if others:
        who = st.selectbox("User", others, key="admin_who")
        if st.button("Remove user", key="admin_remove"):
            remove_user(db, who)
            st.rerun()
        new_pw = st.text_input("New password", type="password", key="admin_reset_pw")
        if st.button("Reset password", key="admin_reset"):
            try:
                set_password(db, who, new_pw)
                st.success("Password reset; the user's sessions were ended.")
            except ValueError as exc:
                st.error(str(exc))

st.subheader("Audit log")
st.dataframe(db.audit_log(1000), hide_index=True)
