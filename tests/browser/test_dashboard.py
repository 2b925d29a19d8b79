"""The dashboard in a real browser: sign-in per role, the explorer, case sharing, rights-holder
tips and the guard, escaping, offline operation. See conftest.py for the fixtures."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import NODE_CAP, USERS, explorer_frame, graph_nodes, pick_option, sign_in_as, wait_idle
from world import FORMULA_NAME, PRIME_NAME, SHARED_PHONE, SHELL_NAME, SIAM_STAR_NAME, XSS_NAME

from dashboards.roles import PAGES

NOT_PERMITTED = "Not permitted"


def _assert_clean(s) -> None:  # noqa: ANN001
    """No request left the machine, no dialog opened, no script error was shown."""
    assert s.external == [], f"requests to the internet: {s.external[:5]}"
    assert s.dialogs == [], f"JavaScript dialogs opened: {s.dialogs}"
    assert not any("alert" in c.lower() and "sandbox" in c.lower() for c in s.console), s.console
    assert s.exceptions() == []


def _menu(s) -> list[str]:  # noqa: ANN001
    return [t.strip() for t in s.page.locator("[data-testid=stSidebar] [data-testid=stPageLink]").all_inner_texts()]


@pytest.mark.parametrize("username", list(USERS))
def test_sign_in_each_role_sees_only_its_pages(open_session, username, timings):  # noqa: ANN001
    s = open_session()
    took = sign_in_as(s, username)
    timings["page_load_s"].setdefault("sign_in", {})[username] = round(took, 3)
    role = USERS[username][1]
    expected = [title for name, (title, roles) in PAGES.items() if role in roles]
    assert _menu(s) == expected
    assert f"Signed in as {username}" in s.text()
    # every page the role may not see says so, even by URL (full page load: the session
    # is restored from the cookie, then the page's own guard refuses)
    for name, (title, roles) in PAGES.items():
        if role not in roles:
            s.goto(f"/{name}")
            assert NOT_PERMITTED in s.text(), f"{username} reached {name}"
    _assert_clean(s)


def test_wrong_password_is_refused(open_session):  # noqa: ANN001
    s = open_session()
    s.goto("/")
    s.page.get_by_role("textbox", name="Username").fill("analyst.th")
    s.page.get_by_role("textbox", name="Password").fill("not-the-password")
    s.page.get_by_role("button", name="Sign in").click()
    s.page.get_by_text("Unknown user or wrong password.").wait_for()
    assert "Signed in as" not in s.text()
    s.goto("/findings")  # no session: the sign-in form, not the data
    assert "Sign in" in s.text() and "Consignees" not in s.text()


def test_main_pages_load_offline_with_screenshots(open_session, timings):  # noqa: ANN001
    s = open_session("analyst.th")
    s.shot("home")
    pages = [("overview", "Top leads"), ("explorer", "Search parties"), ("routes", "Hub ranking"),
             ("findings", "Consignees"), ("cases", "Operations"), ("tips", "Tips received here")]
    for name, marker in pages:
        # a full page load (typed URL / reload: new session restored from the cookie)
        took = s.goto(f"/{name}")
        s.page.get_by_text(marker).first.wait_for()
        timings["page_load_s"][name] = round(took, 3)
        assert NOT_PERMITTED not in s.text()
    s.goto("/")
    for name, marker in pages:
        # in-app navigation from the menu (same session, no reload)
        t0 = time.perf_counter()
        s.page.locator("[data-testid=stSidebar]").get_by_text(PAGES[name][0], exact=True).click()
        s.page.get_by_text(marker).first.wait_for()
        timings.setdefault("menu_navigation_s", {})[name] = round(wait_idle(s.page) - t0, 3)
        if name == "routes":
            s.page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for()
            time.sleep(1.0)  # deck.gl draws on the next frames
        s.shot(name)
    _assert_clean(s)


def search_explorer(s, text: str):  # noqa: ANN001, ANN201 - a signed-in session; returns its page
    """Open the network explorer and search it for ``text``."""
    s.goto("/explorer")
    box = s.page.get_by_role("textbox", name=re.compile("Search parties"))
    box.fill(text)
    box.press("Enter")
    wait_idle(s.page)
    return s.page


def test_analyst_finds_shell_consignee_and_shared_phone(open_session, timings, ids):  # noqa: ANN001
    SHELL_ID = ids["shell"]
    s = open_session("analyst.th")
    page = search_explorer(s, "golden lotus")
    assert page.get_by_role("combobox", name=re.compile("matches")).input_value() == f"Party · {SHELL_NAME} · {SHELL_ID}"
    t0 = time.perf_counter()
    page.get_by_role("button", name="Show network").click()
    nodes = graph_nodes(page, until=lambda ns: f"Party:{SHELL_ID}" in {n["id"] for n in ns})
    timings["explorer"]["show_network_s"] = round(time.perf_counter() - t0, 3)
    wait_idle(page)
    kinds = {n["id"]: n for n in nodes}
    assert f"Party:{SHELL_ID}" in kinds
    phone_id = f"Identifier:phone:{SHARED_PHONE}"
    assert phone_id in kinds, "the shell's phone is not in its neighbourhood"
    before = len(nodes)
    # depth 1: the other consignees sharing the phone are not drawn yet
    assert not {SIAM_STAR_NAME, PRIME_NAME} & {n["label"] for n in nodes}

    pick_option(page, "Selected node", SHARED_PHONE)
    assert SHARED_PHONE in s.text()
    t0 = time.perf_counter()
    page.get_by_role("button", name="Expand").click()
    nodes = graph_nodes(page, until=lambda ns: len(ns) > before)
    timings["explorer"]["expand_neighbourhood_s"] = round(time.perf_counter() - t0, 3)
    page.get_by_text(re.compile(r"1 expanded")).wait_for()
    wait_idle(page)
    timings["explorer"]["nodes_before_after"] = [before, len(nodes)]
    labels = {n["label"] for n in nodes}
    assert {SIAM_STAR_NAME, PRIME_NAME} <= labels, "expanding the phone did not show the parties sharing it"
    assert len(nodes) > before
    s.shot("explorer-expanded")

    # re-centre on one of the parties sharing the phone
    pick_option(page, "Selected node", SIAM_STAR_NAME)
    page.get_by_role("button", name="Re-centre").click()
    page.get_by_text(f"Centre: Party {SIAM_STAR_NAME}").wait_for()
    wait_idle(page)
    assert "label=Party" in page.url and ids["siam_star"] in page.url
    _assert_clean(s)


def test_explorer_opens_from_findings_row_link(open_session, ids):  # noqa: ANN001
    SHELL_ID = ids["shell"]
    s = open_session("analyst.th")
    s.goto(f"/explorer?label=Party&key={SHELL_ID}")
    s.page.get_by_text(f"Centre: Party {SHELL_NAME}").wait_for()
    assert f"Party:{SHELL_ID}" in {n["id"] for n in graph_nodes(s.page)}
    _assert_clean(s)


def test_explorer_caps_big_neighbourhoods_visibly(open_session, ids):  # noqa: ANN001
    SHELL_ID = ids["shell"]
    s = open_session("analyst.th")
    s.goto("/explorer?label=Hub&key=THLCH")
    s.page.get_by_text("Capped: the neighbourhood has more than").wait_for()
    nodes = graph_nodes(s.page, until=lambda ns: "Hub:THLCH" in {n["id"] for n in ns})
    assert len(nodes) == NODE_CAP
    assert f"Showing {NODE_CAP} nodes" in s.text()
    s.goto(f"/explorer?label=Party&key={SHELL_ID}")
    s.page.get_by_text(f"Centre: Party {SHELL_NAME}").wait_for()
    assert "Capped" not in s.text()
    _assert_clean(s)


def test_hostile_party_name_renders_as_text(open_session, ids):  # noqa: ANN001
    s = open_session("analyst.th")
    page = search_explorer(s, "img src")
    page.get_by_role("button", name="Show network").click()
    wait_idle(page)
    frame = explorer_frame(page)
    # the name is visible as text in the side panel ...
    page.locator("[data-testid=stMain]").get_by_text(f"Party: {XSS_NAME}", exact=True).wait_for()
    # ... the drawing's tooltip holds it as text, with no element made from it ...
    nodes = {n["id"]: n for n in graph_nodes(page)}
    node = nodes[f"Party:{ids['xss']}"]
    assert XSS_NAME in node["title_text"]
    assert node["title_imgs"] == 0
    assert "<" not in node["label"]
    # ... and no image element was created anywhere, no dialog fired
    assert frame.evaluate("() => document.querySelectorAll('img').length") == 0
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    time.sleep(3.0)  # give a (failed) image load time to fire onerror (and a dialog)
    s.shot("explorer-hostile-name")
    _assert_clean(s)


def test_findings_csv_download_neutralises_formulas(open_session, ids):  # noqa: ANN001
    import csv
    import io

    s = open_session("analyst.th")
    s.goto("/findings")
    with s.page.expect_download() as got:
        s.page.get_by_role("button", name="Download CSV").first.click()
    data = Path(got.value.path()).read_bytes().decode("utf-8-sig")
    rows = {r["party_id"]: r for r in csv.DictReader(io.StringIO(data))}
    assert rows[ids["formula"]]["display_name"] == "'" + FORMULA_NAME
    assert rows[ids["shell"]]["display_name"] == SHELL_NAME
    assert rows[ids["xss"]]["display_name"] == XSS_NAME  # CSV is data, not HTML: kept as written
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows.values() for v in r.values() if v)
    _assert_clean(s)


def _case_id(appdb, title: str) -> str:  # noqa: ANN001
    row = appdb.one("SELECT case_id FROM cases WHERE title = ? ORDER BY created_at DESC LIMIT 1", (title,))
    assert row is not None, f"no case titled {title!r} was stored"
    return row["case_id"]


def test_planner_shares_case_with_one_country_only(open_session, appdb):  # noqa: ANN001
    title = "Golden Lotus ring - joint check"
    s = open_session("planner.th")
    page = s.page
    s.goto("/cases")
    page.get_by_role("tab", name="New case").click()
    page.get_by_role("textbox", name="Title").fill(title)
    page.get_by_role("button", name="Create case").click()
    wait_idle(page)
    case_id = _case_id(appdb, title)
    page.get_by_role("tab", name="Cases").first.click()
    page.get_by_text(f"Case {case_id}").wait_for()
    pick_option(page, "Share with administrations", "customs:MY")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Share", exact=True).click()
    page.get_by_text("Shared with: customs:MY").wait_for()
    shares = appdb.rows("SELECT recipient_kind, recipient FROM case_shares WHERE case_id = ?", (case_id,))
    assert shares == [{"recipient_kind": "org", "recipient": "customs:MY"}]
    s.shot("cases")
    _assert_clean(s)

    # the recipient administration opens it ...
    my = open_session("analyst.my")
    my.goto(f"/cases?case={case_id}")
    my.page.get_by_text(f"Case {case_id}").wait_for()
    assert title in my.text()
    _assert_clean(my)

    # ... another administration cannot, neither by link nor in its list
    vn = open_session("analyst.vn")
    vn.goto(f"/cases?case={case_id}")
    vn.page.get_by_text("not shared with you").wait_for()
    assert title not in vn.text()
    assert case_id not in vn.page.locator("[data-testid=stDataFrame]").all_inner_texts().__str__()
    _assert_clean(vn)

    # ... and a rights holder never reaches the cases page
    rh = open_session("brand.sonique")
    rh.goto(f"/cases?case={case_id}")
    assert NOT_PERMITTED in rh.text() and title not in rh.text()


def test_rights_holder_submits_tip_and_sees_only_aggregates(open_session, appdb, timings, ids):  # noqa: ANN001
    SHELL_ID = ids["shell"]
    s = open_session("brand.sonique")
    page = s.page
    took = s.goto("/tips")
    timings["page_load_s"]["tips_rights_holder"] = round(took, 3)

    # a bad tip: every problem at once
    page.get_by_role("textbox", name="Suspect phones").fill("12")
    page.get_by_role("textbox", name="Ports (UN/LOCODE)").fill("XX1")
    page.get_by_role("textbox", name="Origin countries (ISO alpha-2)").fill("ZZ")
    page.get_by_role("button", name="Submit tip").click()
    page.get_by_text("The tip was not submitted").wait_for()
    wait_idle(page)
    text = s.text()
    assert "Phone '12'" in text and "Port 'XX1'" in text and "Origin country 'ZZ'" in text
    assert appdb.one("SELECT COUNT(*) AS n FROM tips")["n"] == 0

    # a good one
    page.get_by_role("textbox", name="Suspect phones").fill("+66 2 123 4567")
    page.get_by_role("textbox", name="Ports (UN/LOCODE)").fill("MYPKG")
    page.get_by_role("textbox", name="Origin countries (ISO alpha-2)").fill("CN")
    page.get_by_role("textbox", name="Suspect names").fill("Golden Lotus Trading")
    page.get_by_role("textbox", name="Brand").fill("Sonique")
    page.get_by_role("textbox", name="HS codes or prefixes").fill("8507")
    page.get_by_role("button", name="Submit tip").click()
    page.get_by_text(re.compile(r"Tip UT-\S+ received")).wait_for()
    wait_idle(page)
    tip = appdb.one("SELECT tip_id, status FROM tips WHERE org_id = 'rh:Sonique Audio GmbH'")
    assert tip["status"] == "matched"
    s.goto("/tips")
    table = page.locator("[data-testid=stTable]").inner_text()
    assert tip["tip_id"] in table and "matched" in table
    assert re.search(r"\d+ consignees? and \d+ declarations? matched; \d+ inspections?, \d+ seizures?", table), table
    # never the matched parties or declarations
    body = s.text()
    for secret in (SHELL_ID, ids["siam_star"], SIAM_STAR_NAME, "TH25000", "phone:+66"):
        assert secret not in body, f"the rights holder sees {secret}"
    s.shot("tips-rights-holder")

    # the findings, explorer and cases pages are refused, whatever the URL
    for path in ("/findings", f"/explorer?label=Party&key={SHELL_ID}", "/overview", "/routes", "/cases", "/admin"):
        s.goto(path)
        assert NOT_PERMITTED in s.text(), path
        assert SHELL_NAME not in s.text()
    # same-session navigation (browser history, no reload) is guarded too
    s.goto("/tips")
    assert NOT_PERMITTED not in s.text()
    page.evaluate("() => { history.pushState({}, '', '/findings'); window.dispatchEvent(new PopStateEvent('popstate')); }")
    page.get_by_text(NOT_PERMITTED).wait_for()
    wait_idle(page)
    assert "Consignees" not in s.text() and "Submit a tip" not in s.text()
    _assert_clean(s)

    # the analyst sees what it matched
    a = open_session("analyst.th")
    a.goto("/tips")
    pick_option(a.page, "Tip", tip["tip_id"])
    assert SHELL_NAME in a.text() and SHARED_PHONE in a.text()
    targets = appdb.rows("SELECT target_label, target_key FROM tip_match_targets WHERE tip_id = ?", (tip["tip_id"],))
    assert {"target_label": "Party", "target_key": SHELL_ID} in targets
    _assert_clean(a)


def test_admin_page_lists_users(open_session):  # noqa: ANN001
    s = open_session("admin")
    s.goto("/admin")
    s.page.get_by_text("Audit log").wait_for()
    s.shot("admin")
    _assert_clean(s)


def test_chain_opens_as_a_time_ordered_path(open_session, world):  # noqa: ANN001
    """The sample world's best origin-laundering chain: in the explorer, under the network, a
    strip of its declarations in time order with the hub and the dwell between them; on the
    Routes page, among the chain findings, and into the case basket."""
    import pandas as pd

    chains = pd.read_parquet(world["state_dir"] / "findings" / "chains.parquet")
    top = chains.sort_values("score", ascending=False).iloc[0]
    assert top["score"] >= 0.5 and top["origin_in"] != top["origin_out"]
    keys, hubs = list(top["decl_keys"]), list(top["hubs"])
    s = open_session("analyst.th")
    s.goto(f"/explorer?label=Declaration&key={keys[-1]}")
    s.page.get_by_text("Chain as a time-ordered path").first.wait_for()
    wait_idle(s.page)
    page_text = s.text()
    text = page_text[page_text.find("Chain as a time-ordered path"):]  # the strip, then the chain's reasons
    assert f"chain {top['chain_id']}" in text
    # the declarations in time order, each with its date, the hub and the dwell between them
    rc_ids = [f"{k.split('|')[0]} import {k.split('|')[1]}" for k in keys]
    positions = [text.find(x) for x in rc_ids]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), (rc_ids, positions)
    dwell = f"{float(list(top['dwell_days'])[0]):.0f} days dwell"
    assert f"→ {hubs[0]} →" in text and dwell in text
    assert text.find(rc_ids[0]) < text.find(dwell) < text.find(rc_ids[-1])
    s.shot("explorer-chain")
    s.goto("/routes")
    s.page.get_by_text("Chain findings (origin changed between two declarations)").click()
    s.page.get_by_text("Goods that entered a free zone, bonded warehouse or hub country").first.wait_for()
    _assert_clean(s)
