"""Landing page: who you are and where to go."""

import streamlit as st

from dashboards import common as C

user = C.guard("home")

st.title("Illicit-trade intelligence")
st.text(f"Signed in as {user.username} ({user.role.replace('_', ' ')}, {user.org})")

pages = st.session_state["_pages"]
blurbs = {
    "overview": "Counts, findings by type and country, top leads and trends.",
    "explorer": "Search any party, identifier, hub or declaration and walk its network.",
    "routes": "Suspicious transshipment routes on the hub network; where to place inspections.",
    "findings": "Consignees, communities and declarations: sort, filter, download, open.",
    "cases": "Cases shared under TLP with partner administrations; joint operations.",
    "tips": "Submit a tip and follow what became of it." if user.role == "rights_holder"
    else "Tips from rights holders and partners, and what they matched.",
    "admin": "Users and the audit log.",
}
for name, (title, roles) in C.PAGES.items():
    if name != "home" and user.role in roles:
        st.page_link(pages[name], label=title)
        st.caption(blurbs.get(name, ""))

if C.ctx().store_error and user.role != "rights_holder":
    st.warning("The graph store could not be opened: " + C.ctx().store_error.splitlines()[0][:300])
