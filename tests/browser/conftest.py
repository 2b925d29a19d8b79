"""Browser tests: the real dashboard (``streamlit run`` subprocess) driven by headless Chromium.

Session fixtures build a store once (:func:`world.build_test_store`: the real ingest pipeline
on the committed sample world plus the planted cases of ``tests/fixtures/planted/``, then the
real analytics), create one user per role in the app database, start Streamlit on a free port and launch Debian's Chromium through the
Playwright sync API (no browser download).

Every browser context records requests to hosts other than the dashboard (and aborts them:
the product must work offline), JavaScript dialogs, and console messages; tests assert on
them. Page-load and neighbourhood-expansion timings are printed at the end of the session
and written to ``test-artifacts/timings.json``; screenshots go to
``test-artifacts/screenshots/``.

Run: ``python -m pytest -m browser tests/browser -q -s``
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("INTEL_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

#: the explorer's node cap in the test server (THLCH has well over a hundred declarations, the
#: shell's depth-1 neighbourhood far fewer nodes; both checked by the world fixture)
NODE_CAP = 30

#: username -> (password, role, organisation)
USERS = {
    "analyst.th": ("analyst-th-pass", "analyst", "customs:TH"),
    "planner.th": ("planner-th-pass", "planner", "customs:TH"),
    "analyst.my": ("analyst-my-pass", "analyst", "customs:MY"),
    "analyst.vn": ("analyst-vn-pass", "analyst", "customs:VN"),
    "brand.sonique": ("brand-sonique-pass", "rights_holder", "rh:Sonique Audio GmbH"),
    "admin": ("admin-pass-123", "admin", "customs:TH"),
}


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    for item in items:
        if str(HERE) in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.timeout(600))


# ---------------------------------------------------------------------- store, users, server

@pytest.fixture(scope="session")
def world(tmp_path_factory) -> dict[str, Any]:  # noqa: ANN001
    """The store (built once), its state folder and the resolver's ids of the planted parties
    (``world["ids"]["shell"]``, ...; see :func:`world.planted_ids`)."""
    from world import build_test_store, planted_ids

    from intel.store import open_store

    t0 = time.perf_counter()
    uri = build_test_store(tmp_path_factory.mktemp("store") / "intel-data")
    built = time.perf_counter() - t0
    with open_store(uri, read_only=True) as store:
        state_dir = Path(store.state_dir)
        ids = planted_ids(store)
        # the cap test needs THLCH above the cap and the shell's own neighbourhood below it
        hub_nodes, _, hub_capped = store.neighbourhood("Hub", "THLCH", 1, NODE_CAP)
        shell_nodes, _, shell_capped = store.neighbourhood("Party", ids["shell"], 1, NODE_CAP)
    assert hub_capped and len(hub_nodes) == NODE_CAP, "THLCH's neighbourhood should exceed the node cap"
    assert not shell_capped and len(shell_nodes) < NODE_CAP, "the shell's neighbourhood should fit under the cap"
    print(f"\ntest store built by ingest + analyze in {built:.1f} s: {uri}")
    return {"uri": uri, "state_dir": state_dir, "ids": ids, "build_s": round(built, 1)}


@pytest.fixture(scope="session")
def ids(world) -> dict[str, str]:  # noqa: ANN001
    """Party ids of the planted parties (role -> id)."""
    return world["ids"]


@pytest.fixture(scope="session")
def appdb(world):  # noqa: ANN001, ANN201
    from intel.appdb import AppDB
    from intel.auth import add_user

    db = AppDB(world["state_dir"] / "app.sqlite")
    for username, (password, role, org) in USERS.items():
        add_user(db, username, password, role, org)
    return db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(world, appdb) -> str:  # noqa: ANN001
    """Base URL of a running dashboard on the test store."""
    from dashboards.launch import _env, streamlit_command

    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "streamlit.log", "w")  # noqa: SIM115 - closed at teardown
    env = _env(world["uri"])
    env["INTEL_EXPLORER_NODE_CAP"] = str(NODE_CAP)  # small, so the world's busiest hub is capped
    proc = subprocess.Popen(streamlit_command(port, headless=True, address="127.0.0.1"), env=env,
                            cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit did not start (exit {proc.poll()}); see {ARTIFACTS / 'streamlit.log'}")
        time.sleep(0.3)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


# ---------------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium or set INTEL_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Session:
    """One signed-in browser context and what it observed."""

    page: Any
    base: str
    username: str = ""
    external: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def goto(self, path: str) -> float:
        """Open ``path`` as a fresh page load and wait until the app is idle; seconds taken."""
        t0 = time.perf_counter()
        self.page.goto(self.base + path)
        return wait_idle(self.page) - t0

    def text(self) -> str:
        return self.page.locator("[data-testid=stMain]").inner_text()

    def exceptions(self) -> list[str]:
        return self.page.locator("[data-testid=stException]").all_inner_texts()

    def shot(self, name: str, height: int = 2000) -> Path:
        """A screenshot of the page in a tall window (Streamlit scrolls inside its own frame)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": size["width"], "height": height})
        time.sleep(0.8)
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(size)
        return path


def wait_idle(page: Any, timeout: float = 60.0, settle: float = 0.5) -> float:
    """Wait until Streamlit has finished running the script and no element is stale, for
    ``settle`` seconds in a row; returns the ``time.perf_counter()`` when that quiet began
    (so timings exclude the settling wait)."""
    probe = """() => { const app = document.querySelector('[data-testid="stApp"]');
        if (!app) return false;
        return app.getAttribute('data-test-script-state') !== 'running'
            && document.querySelectorAll('[data-stale="true"]').length === 0; }"""
    deadline = time.monotonic() + timeout
    quiet_since = None
    time.sleep(0.15)
    while time.monotonic() < deadline:
        try:
            idle = page.evaluate(probe)
        except Exception:  # noqa: BLE001 - navigating
            idle = False
        if idle:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since >= settle:
                return quiet_since
        else:
            quiet_since = None
        time.sleep(0.1)
    raise TimeoutError("the dashboard did not become idle")


@pytest.fixture
def open_session(browser, server):  # noqa: ANN001, ANN201
    """``open_session(username)`` -> a signed-in :class:`Session` (its own cookies)."""
    contexts = []

    def _open(username: str | None = None, sign_in: bool = True) -> Session:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        s = Session(page=page, base=server, username=username or "")

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(server) or url.startswith(("data:", "blob:", "about:")):
                r.continue_()
            else:
                s.external.append(url)
                r.abort()

        context.route("**/*", route)
        page.on("dialog", lambda d: (s.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: s.console.append(f"{m.type}: {m.text}"))
        if username and sign_in:
            sign_in_as(s, username)
        return s

    yield _open
    for c in contexts:
        c.close()


def sign_in_as(s: Session, username: str, password: str | None = None) -> float:
    """Sign in through the form; returns the seconds until the home page is shown."""
    page = s.page
    t0 = time.perf_counter()
    page.goto(s.base + "/")
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password or USERS[username][0])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {username}").wait_for()
    done = wait_idle(page)
    s.username = username
    return done - t0


# ---------------------------------------------------------------------- timings

@pytest.fixture(scope="session")
def timings(world):  # noqa: ANN001, ANN201
    data: dict[str, Any] = {"store_build_s": world["build_s"], "page_load_s": {}, "explorer": {}}
    yield data
    data["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    data["note"] = ("wall-clock seconds in headless Chromium against a local streamlit run on the test "
                    "world (sample world + planted cases, ingested and analysed); page load = navigation until Streamlit is idle; no assertions on these")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    print("\n\nbrowser timings (s):\n" + json.dumps(data, indent=2))


def explorer_frame(page: Any, timeout: float = 30.0) -> Any:
    """The frame holding the pyvis network, once vis-network has drawn it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => window.intelReady === true && typeof network !== 'undefined'"):
                    return frame
            except Exception:  # noqa: BLE001 - frame detached / not ready
                continue
        time.sleep(0.1)
    raise TimeoutError("the network drawing did not appear")


def graph_nodes(page: Any, until: Any = None, timeout: float = 30.0) -> list[dict]:
    """Nodes of the drawn network: id, kind, key, label and the tooltip's text; with
    ``until``, polls until ``until(nodes)`` is true (the drawing is replaced after a rerun)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            nodes = _graph_nodes(page)
            if until is None or until(nodes):
                return nodes
        except Exception:  # noqa: BLE001 - the frame is being replaced
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"the drawing never satisfied the condition ({len(nodes)} nodes)")
        time.sleep(0.05)


def _graph_nodes(page: Any) -> list[dict]:
    frame = explorer_frame(page)
    return frame.evaluate("""() => nodes.get().map(n => ({id: n.id, kind: n.kind, key: n.key, label: n.label,
        title_text: (n.title instanceof Element) ? n.title.textContent : String(n.title || ''),
        title_imgs: (n.title instanceof Element) ? n.title.querySelectorAll('img,script,iframe').length : -1}))""")


def pick_option(page: Any, select_label: str, option_text: str) -> None:
    """Choose an option (containing ``option_text``) in a Streamlit selectbox."""
    box = page.get_by_role("combobox", name=select_label)
    box.click()
    box.fill(option_text)
    page.get_by_role("option").filter(has_text=option_text).first.click()
    wait_idle(page)
