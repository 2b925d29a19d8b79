"""Users, argon2 hashes, the role guard, sessions, demo users, the app database."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from intel import auth
from intel.appdb import AppDB
from intel.auth import (
    User, add_user, authenticate, create_demo_users, create_session, end_session, list_users, remove_user,
    require_role, session_user, set_password,
)


@pytest.fixture
def db(tmp_path):  # noqa: ANN001, ANN201
    return AppDB(tmp_path / "state" / "app.sqlite")


def test_app_database_is_wal_and_creates_its_schema(db):  # noqa: ANN001
    assert db.journal_mode() == "wal"
    tables = {r["name"] for r in db.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "organisations", "cases", "case_entities", "case_notes", "case_attachments", "case_shares",
            "operations", "operation_cases", "tips", "tip_matches", "audit"} <= tables
    AppDB(db.path)  # opening again is harmless


def test_password_is_stored_as_argon2_hash_only(db):  # noqa: ANN001
    add_user(db, "analyst.th", "correct horse battery", "analyst", "customs:TH")
    stored = db.one("SELECT password_hash FROM users WHERE username = 'analyst.th'")["password_hash"]
    assert stored.startswith("$argon2id$")
    assert "correct horse battery" not in stored
    assert db.frame("SELECT * FROM audit").to_string().find("correct horse battery") == -1


def test_authenticate(db):  # noqa: ANN001
    add_user(db, "analyst.th", "correct horse battery", "analyst", "customs:TH")
    assert authenticate(db, "analyst.th", "correct horse battery") == User("analyst.th", "analyst", "customs:TH")
    assert authenticate(db, "analyst.th", "wrong password!") is None
    assert authenticate(db, "analyst.th", "") is None
    assert authenticate(db, "nobody", "correct horse battery") is None
    actions = db.frame("SELECT action FROM audit")["action"].tolist()
    assert actions.count("login.ok") == 1 and actions.count("login.fail") == 3


def test_repeated_failures_are_throttled(db):  # noqa: ANN001
    add_user(db, "analyst.th", "correct horse battery", "analyst", "customs:TH")
    for _ in range(auth.MAX_FAILURES):
        assert authenticate(db, "analyst.th", "guess guess") is None
    assert authenticate(db, "analyst.th", "correct horse battery") is None  # throttled


@pytest.mark.parametrize("role,org,message", [
    ("analyst", "rh:Acme Brands", "customs administration"),
    ("planner", "rh:Acme Brands", "customs administration"),
    ("rights_holder", "customs:TH", "rights-holder organisation"),
    ("analyst", "customs:XX", "not an ISO"),
    ("analyst", "customs:th", "not an ISO"),
    ("analyst", "TH", "must be 'customs:XX'"),
    ("superuser", "customs:TH", "unknown role"),
])
def test_role_and_organisation_are_checked(db, role, org, message):  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        add_user(db, "someone", "long enough password", role, org)


def test_username_password_and_duplicates(db):  # noqa: ANN001
    with pytest.raises(ValueError, match="at least"):
        add_user(db, "short.pw", "short", "analyst", "customs:TH")
    with pytest.raises(ValueError, match="username"):
        add_user(db, "bad name!", "long enough password", "analyst", "customs:TH")
    add_user(db, "analyst.th", "long enough password", "analyst", "customs:TH")
    with pytest.raises(ValueError, match="already exists"):
        add_user(db, "analyst.th", "another password", "planner", "customs:TH")


def test_list_and_remove_users(db):  # noqa: ANN001
    add_user(db, "b.planner", "long enough password", "planner", "customs:MY")
    add_user(db, "a.brand", "long enough password", "rights_holder", "rh:Acme Brands")
    assert [(u.username, u.role, u.org) for u in list_users(db)] == [
        ("a.brand", "rights_holder", "rh:Acme Brands"), ("b.planner", "planner", "customs:MY")]
    token = create_session(db, User("b.planner", "planner", "customs:MY"))
    remove_user(db, "b.planner")
    assert [u.username for u in list_users(db)] == ["a.brand"]
    assert authenticate(db, "b.planner", "long enough password") is None
    assert session_user(db, token) is None
    with pytest.raises(ValueError, match="no user"):
        remove_user(db, "b.planner")


def test_require_role():  # noqa: ANN201
    analyst = User("a", "analyst", "customs:TH")
    assert require_role(analyst, "analyst", "planner") is analyst
    with pytest.raises(PermissionError):
        require_role(analyst, "admin")
    with pytest.raises(PermissionError):
        require_role(User("r", "rights_holder", "rh:Acme"), "analyst", "planner")
    with pytest.raises(PermissionError, match="sign in"):
        require_role(None, "analyst")


def test_sessions(db):  # noqa: ANN001
    user = add_user(db, "analyst.th", "long enough password", "analyst", "customs:TH")
    token = create_session(db, user)
    assert session_user(db, token) == user
    assert session_user(db, token + "x") is None
    assert session_user(db, None) is None
    assert token not in db.frame("SELECT * FROM sessions").to_string()  # only its hash is stored
    set_password(db, "analyst.th", "a new long password")  # ends sessions
    assert session_user(db, token) is None
    token = create_session(db, user)
    end_session(db, token)
    assert session_user(db, token) is None
    expired = create_session(db, user, hours=-1)
    assert session_user(db, expired) is None


def test_demo_users_fixed_and_random(db, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("INTEL_DEMO_PASSWORDS", "fixed")
    rows = create_demo_users(db)
    roles = {r[2] for r in rows}
    assert roles == {"analyst", "planner", "rights_holder", "admin"}
    for username, password, role, org in rows:
        assert password == f"demo-{username}"
        assert authenticate(db, username, password) == User(username, role, org)
    monkeypatch.delenv("INTEL_DEMO_PASSWORDS")
    again = create_demo_users(db)  # resets the passwords, random now
    assert [r[0] for r in again] == [r[0] for r in rows]
    assert all(p != f"demo-{u}" and len(p) >= 12 for u, p, _, _ in again)
    assert len({p for _, p, _, _ in again}) == len(again)
    u, p, role, org = again[0]
    assert authenticate(db, u, p) == User(u, role, org)
    assert authenticate(db, u, f"demo-{u}") is None


def _writer(path: str, n: int, tag: str) -> None:
    db = AppDB(path)
    for i in range(n):
        db.audit("concurrency", username=tag, detail=str(i))


def test_two_processes_write_at_once(db):  # noqa: ANN001
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db.path), 60, f"p{i}")) for i in range(2)]
    for p in procs:
        p.start()
    for i in range(60):  # and this process reads meanwhile
        db.rows("SELECT COUNT(*) FROM audit")
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert db.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'concurrency'")["n"] == 120
