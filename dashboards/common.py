"""What every dashboard page shares: the store and app database, the sign-in guard, cached
reads (findings, search index, neighbourhoods) and small display helpers.

Security rules kept here:

- every page calls :func:`guard` with the roles it serves *before* showing anything; the
  check runs on the server on every rerun, whichever way the page was reached (menu, link,
  typed URL, back button) and re-reads the user from the app database;
- data strings reach the browser only through elements that render text (``st.text``,
  ``st.dataframe``, ``st.table``, widget labels) or through :func:`md` (escaped markdown);
- the graph store is opened read-only, briefly, for each read (LadybugDB allows one writer
  per folder; a read-only open works while ``intel ingest``/``analyze`` write).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import streamlit as st

from intel.appdb import AppDB
from intel.auth import User, authenticate, create_session, end_session, get_user, session_user
from intel.cases import _reasons, read_findings
from intel.config import Settings, load_settings
from intel.model import NODES
from intel.safe import md_escape

from dashboards.roles import PAGES  # noqa: F401 - re-exported for the pages

COOKIE = "intel_session"
DEFAULT_STORE = "embedded:./intel-data"

SEARCH_LABELS = ("Party", "Identifier", "Hub", "Declaration", "Route", "Tip", "Country", "Commodity")


# ---------------------------------------------------------------------- context

@dataclass(frozen=True)
class Ctx:
    uri: str
    state_dir: Path
    db: AppDB
    cfg: Settings
    store_error: str

    @property
    def findings_dir(self) -> Path:
        return self.state_dir / "findings"


def store_uri() -> str:
    return os.environ.get("INTEL_STORE") or DEFAULT_STORE


@st.cache_resource(show_spinner=False)
def _context(uri: str) -> Ctx:
    from intel.store import open_store, parse_store_uri
    from intel.store.base import StoreError

    error = ""
    state_dir: Path | None = None
    try:
        with open_store(uri, read_only=True) as store:
            state_dir = Path(store.state_dir)
    except StoreError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - e.g. a Neo4j server down: say so, keep running
        error = f"{type(exc).__name__}: {exc}"
    if state_dir is None:
        kind, target = parse_store_uri(uri)
        if kind == "embedded":
            state_dir = Path(target).expanduser().resolve() / "state"
        else:
            state_dir = Path(os.environ.get("INTEL_HOME") or "./intel-data").expanduser() / "state"  # as the Neo4j store
    state_dir.mkdir(parents=True, exist_ok=True)
    return Ctx(uri=uri, state_dir=state_dir, db=AppDB(state_dir / "app.sqlite"),
               cfg=load_settings(state_dir), store_error=error)


def ctx() -> Ctx:
    c = _context(store_uri())
    if c.store_error:
        # the store may have been created since: retry once per session
        if not st.session_state.get("_ctx_retried"):
            st.session_state["_ctx_retried"] = True
            _context.clear()
            c = _context(store_uri())
    return c


@contextmanager
def read_store() -> Iterator[Any]:
    """The graph store, opened read-only for the duration of the block."""
    from intel.store import open_store

    store = open_store(store_uri(), read_only=True)
    try:
        yield store
    finally:
        store.close()


def data_version() -> str:
    """Changes when the store or the findings change (cache key for every cached read)."""
    c = ctx()
    parts = []
    try:
        from intel.store import parse_store_uri

        kind, target = parse_store_uri(c.uri)
        roots = [Path(target).expanduser().resolve() / "graph"] if kind == "embedded" else []
    except Exception:  # noqa: BLE001
        roots = []
    for root in [*roots, c.findings_dir]:
        if root.is_dir():
            for p in sorted(root.iterdir()):
                try:
                    s = p.stat()
                    parts.append(f"{p.name}:{s.st_mtime_ns}:{s.st_size}")
                except OSError:
                    continue
    if not roots:  # a server store: refresh every five minutes
        parts.append(str(int(time.time() // 300)))
    return "|".join(parts)


# ---------------------------------------------------------------------- sign-in and guard

def current_user() -> User | None:
    """The signed-in user, re-read from the app database (a removed user is signed out)."""
    user = st.session_state.get("user")
    if user is None:
        return None
    fresh = get_user(ctx().db, user.username)
    if fresh is None:
        st.session_state.pop("user", None)
        return None
    if fresh != user:
        st.session_state["user"] = fresh
    return fresh


def restore_session() -> None:
    """Sign the browser in again from its session cookie (a reload opens a new session)."""
    if st.session_state.get("user") is not None or st.session_state.get("signed_out"):
        return
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no request context (tests)
        token = None
    user = session_user(ctx().db, token) if token else None
    if user is not None:
        st.session_state["user"] = user
        st.session_state["token"] = token


def emit_cookie_script() -> None:
    """Set or clear the session cookie in the browser (once, after sign-in/out)."""
    action = st.session_state.pop("_cookie_action", None)
    if action is None:
        return
    if action == "clear":
        value, age = "", 0
    else:
        value, age = action, 8 * 3600
    # the token is URL-safe base64 (secrets.token_urlsafe): no quoting needed
    assert all(ch.isalnum() or ch in "-_" for ch in value)
    st.html(
        f"<script>document.cookie = '{COOKIE}={value}; path=/; max-age={age}; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def sign_in_form() -> None:
    """The sign-in form; on success the session is signed in and the page reruns."""
    st.title("Illicit-trade intelligence")
    st.caption("Sign in with the account your administration gave you.")
    with st.form("signin", clear_on_submit=False):
        username = st.text_input("Username", key="signin_username")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        user = authenticate(ctx().db, username.strip(), password)
        if user is None:
            st.error("Unknown user or wrong password.")
            return
        token = create_session(ctx().db, user)
        st.session_state["user"] = user
        st.session_state["token"] = token
        st.session_state["_cookie_action"] = token
        st.session_state.pop("signed_out", None)
        st.rerun()


def sign_out() -> None:
    end_session(ctx().db, st.session_state.get("token"))
    for k in list(st.session_state.keys()):
        del st.session_state[k]
    st.session_state["_cookie_action"] = "clear"
    st.session_state["signed_out"] = True


def guard(page: str) -> User:
    """Stop the page unless the signed-in user's role may see it (server-side, every run)."""
    user = current_user()
    if user is None:
        sign_in_form()
        st.stop()
    roles = PAGES[page][1]
    if user.role not in roles:
        ctx().db.audit("page.denied", user.username, user.org, page)
        st.error(f"Not permitted: the {PAGES[page][0]} page is not available to the {user.role.replace('_', ' ')} role.")
        st.stop()
    return user


# ---------------------------------------------------------------------- display helpers

def md(text: Any) -> str:
    """Escaped markdown for a data string."""
    return md_escape(text)


def reasons_text(value: Any) -> str:
    return "; ".join(_reasons(value))


def store_problem(exc: BaseException) -> None:
    st.error(f"The graph store cannot be read right now: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def need_findings(name: str) -> pd.DataFrame | None:
    """A findings frame, or a message telling the user to run ``intel analyze``."""
    frame = findings().get(name)
    if frame is None:
        st.info(f"No {name} findings yet: run `intel analyze` on this store.")
    return frame


def legend() -> None:
    """Node colours by kind (from intel.model) and the score scale."""
    items = "".join(
        f'<span style="display:inline-block;margin:0 10px 4px 0;font-size:0.8rem">'
        f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;background:{nt.colour};'
        f'margin-right:4px;vertical-align:middle"></span>{nt.label}</span>'
        for nt in NODES.values() if nt.label not in ("Load", "Mention")
    )
    scale = ('<span style="font-size:0.8rem">score: node size and red ring grow with the finding score '
             '<span style="display:inline-block;width:60px;height:8px;background:linear-gradient(90deg,#ffffff,#d62728);'
             'border:1px solid #ccc;vertical-align:middle"></span></span>')
    # static markup built from the model only (no data strings)
    st.html(f"<div>{items}<br>{scale}</div>")


# ---------------------------------------------------------------------- cached reads

@st.cache_data(show_spinner=False, max_entries=4)
def _findings(findings_dir: str, version: str) -> dict[str, pd.DataFrame]:
    out = read_findings(findings_dir)
    for frame in out.values():
        if "reasons" in frame.columns:
            frame["reasons"] = frame["reasons"].map(lambda v: "; ".join(_reasons(v)))
        for col in ("members", "countries", "hubs", "hs_chapters"):
            if col in frame.columns:
                frame[col] = frame[col].map(lambda v: v if isinstance(v, str) else " | ".join(_reasons(v)))
    return out


def findings() -> dict[str, pd.DataFrame]:
    return _findings(str(ctx().findings_dir), data_version())


@st.cache_data(show_spinner=False, max_entries=4)
def _counts(uri: str, version: str) -> dict[str, int]:
    with read_store() as s:
        return s.counts()


def counts() -> dict[str, int]:
    return _counts(store_uri(), data_version())


@st.cache_data(show_spinner=False, max_entries=2)
def _search_index(uri: str, version: str) -> pd.DataFrame:
    rows = []
    with read_store() as s:
        for label in SEARCH_LABELS:
            nt = NODES[label]
            cols = list(dict.fromkeys([nt.key, nt.caption, *nt.searchable]))
            if label == "Party":
                cols.append("country")
            try:
                frame = s.nodes(label, columns=cols)
            except Exception:  # noqa: BLE001 - a label the backend lacks
                continue
            if frame.empty:
                continue
            key = frame[nt.key].astype(str)
            caption = frame[nt.caption].fillna(key).astype(str)
            extra = frame["country"].fillna("").astype(str) if label == "Party" else pd.Series("", index=frame.index)
            texts = [key]
            for col in nt.searchable:
                vals = frame[col].fillna("").astype(str)
                if col == "aliases":
                    vals = vals.str.split("|")
                    exploded = pd.DataFrame({"key": key, "caption": caption, "text": vals, "country": extra}).explode("text")
                    rows.append(exploded.assign(label=label))
                    continue
                texts.append(vals)
            for t in texts:
                rows.append(pd.DataFrame({"key": key, "caption": caption, "text": t, "country": extra, "label": label}))
    if not rows:
        return pd.DataFrame(columns=["label", "key", "caption", "text", "country", "fold"])
    index = pd.concat(rows, ignore_index=True)
    index["text"] = index["text"].fillna("").astype(str).str.strip()
    index = index[index["text"] != ""].drop_duplicates(["label", "key", "text"], ignore_index=True)
    index["fold"] = index["text"].str.casefold()
    return index


def search_index() -> pd.DataFrame:
    return _search_index(store_uri(), data_version())


def search(query: str, limit: int = 25) -> pd.DataFrame:
    """Entities whose name, alias, id, value or LOCODE matches ``query`` (exact and prefix
    first, then fuzzy with rapidfuzz; declarations by id only)."""
    from rapidfuzz import fuzz, process, utils

    q = (query or "").strip()
    index = search_index()
    if not q or index.empty:
        return index.head(0).assign(score=[])
    fold = q.casefold()
    exact = index[index["fold"] == fold].assign(score=100.0)
    prefix = index[index["fold"].str.startswith(fold, na=False)].assign(score=95.0)
    fuzzy_pool = index[index["label"] != "Declaration"]
    hits = process.extract(q, fuzzy_pool["text"].tolist(), scorer=fuzz.WRatio, processor=utils.default_process,
                           limit=limit * 3, score_cutoff=60)
    fuzzy = fuzzy_pool.iloc[[h[2] for h in hits]].assign(score=[float(h[1]) for h in hits]) if hits else index.head(0).assign(score=[])
    out = pd.concat([exact, prefix, fuzzy], ignore_index=True)
    out = out.sort_values("score", ascending=False, kind="stable").drop_duplicates(["label", "key"])
    return out.head(limit).reset_index(drop=True)


def caption_of(label: str, key: str) -> str:
    index = search_index()
    hit = index[(index["label"] == label) & (index["key"] == key)]
    return str(hit["caption"].iloc[0]) if len(hit) else key


@st.cache_data(show_spinner=False, max_entries=256)
def _neighbourhood(uri: str, version: str, label: str, key: str, depth: int, limit: int):
    with read_store() as s:
        return s.neighbourhood(label, key, depth=depth, limit=limit)


def neighbourhood(label: str, key: str, depth: int, limit: int):
    return _neighbourhood(store_uri(), data_version(), label, key, int(depth), int(limit))


@st.cache_data(show_spinner=False, max_entries=2)
def _hub_nodes(uri: str, version: str) -> pd.DataFrame:
    with read_store() as s:
        return s.nodes("Hub")


def hub_nodes() -> pd.DataFrame:
    return _hub_nodes(store_uri(), data_version())


@st.cache_data(show_spinner=False, max_entries=2)
def _declaration_facts(uri: str, version: str) -> pd.DataFrame:
    with read_store() as s:
        return s.nodes("Declaration", columns=["decl_key", "declared_at", "reporting_country", "origin_country",
                                               "hs_chapter", "lane", "risk_score"])


def declaration_facts() -> pd.DataFrame:
    return _declaration_facts(store_uri(), data_version())


# ---------------------------------------------------------------------- shared navigation state

def open_in_explorer(label: str, key: str) -> None:
    """Jump to the network explorer centred on an entity."""
    st.session_state["explorer_centre"] = (label, str(key))
    st.session_state["explorer_expanded"] = []
    st.session_state["explorer_selected"] = f"{label}:{key}"
    st.switch_page(st.session_state["_pages"]["explorer"], query_params={"label": label, "key": str(key)})


def basket() -> list[tuple[str, str, str]]:
    """Entities picked for a new case (label, key, caption)."""
    return st.session_state.setdefault("case_basket", [])


def add_to_basket(label: str, key: str, caption: str = "") -> None:
    b = basket()
    if (label, str(key)) not in {(x[0], x[1]) for x in b}:
        b.append((label, str(key), caption))
