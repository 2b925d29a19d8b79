"""The dashboard: ``streamlit run dashboards/app.py`` (or ``intel serve``).

The store comes from ``$INTEL_STORE`` (default ``embedded:./intel-data``). Every page is
registered with ``st.navigation`` (so a typed URL reaches it) but the menu lists only the pages
the signed-in role may use, and each page checks the role itself before showing anything
(:func:`dashboards.common.guard`).
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from dashboards import common as C  # noqa: E402

st.set_page_config(page_title="Illicit-trade intelligence", layout="wide")

C.restore_session()
C.emit_cookie_script()

_VIEWS = Path(__file__).resolve().parent / "views"
pages = {
    name: st.Page(str(_VIEWS / f"{name}.py"), title=title, url_path=name, default=(name == "home"))
    for name, (title, _roles) in C.PAGES.items()
}
st.session_state["_pages"] = pages
current = st.navigation(list(pages.values()), position="hidden")

user = C.current_user()
with st.sidebar:
    st.markdown("### Illicit-trade intelligence")
    if user is not None:
        st.text(f"{user.username}\n{user.role.replace('_', ' ')} · {user.org}")
        for name, (title, roles) in C.PAGES.items():
            if user.role in roles:
                st.page_link(pages[name], label=title)
        if C.ctx().store_error:
            st.warning("Store: " + C.ctx().store_error.splitlines()[0][:200])
        if st.button("Sign out", key="signout"):
            C.sign_out()
            st.rerun()
    else:
        st.caption("Not signed in")

current.run()
