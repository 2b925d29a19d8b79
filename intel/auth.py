"""Dashboard users: roles, organisations, argon2 password hashes, sign-in sessions.

Roles
-----
- ``analyst`` — a customs enforcement analyst: findings, network, routes, cases, tips.
- ``planner`` — a joint-operation planner: the same, plus creating operations.
- ``rights_holder`` — a brand owner: submits tips and sees what became of its own tips
  (status and aggregate outcomes only). Never sees cases, parties or declarations.
- ``admin`` — manages users and reads the audit log; sees no intelligence.

Organisations
-------------
Every user belongs to one organisation, written ``customs:XX`` (a customs administration by
ISO 3166-1 alpha-2 country code, e.g. ``customs:TH``) or ``rh:NAME`` (a rights holder, e.g.
``rh:Acme Brands``). Analysts and planners belong to a customs administration, rights holders
to a rights-holder organisation; admins to either.

Demo users
----------
:func:`create_demo_users` creates one user per role (and a second and third administration, so
sharing can be tried). Passwords are random (``secrets.token_urlsafe``) and returned once for
the caller to print — unless the environment sets ``INTEL_DEMO_PASSWORDS=fixed``, which gives
deterministic passwords ``demo-<username>`` for tests and screenshots. Re-running resets the
demo users' passwords.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from intel.appdb import AppDB, now_iso

__all__ = [
    "ROLES",
    "CUSTOMS_ROLES",
    "User",
    "add_user",
    "remove_user",
    "list_users",
    "get_user",
    "set_password",
    "authenticate",
    "require_role",
    "parse_org",
    "ensure_org",
    "list_orgs",
    "create_demo_users",
    "DEMO_USERS",
    "create_session",
    "session_user",
    "end_session",
    "SESSION_HOURS",
    "MAX_FAILURES",
]

ROLES = ("analyst", "planner", "rights_holder", "admin")
CUSTOMS_ROLES = ("analyst", "planner")
#: sign-in sessions last this long (the cookie and the server-side record)
SESSION_HOURS = 8
#: failed sign-ins for one username within FAILURE_WINDOW before further attempts are refused
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
_ORG = re.compile(r"^(customs|rh):(.+)$")
# a hash to verify against when the user does not exist, so timing does not reveal usernames
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    username: str
    role: str
    org: str

    @property
    def org_kind(self) -> str:
        return parse_org(self.org)[0]

    @property
    def country(self) -> str:
        """Alpha-2 of the user's administration ('' for a rights holder)."""
        kind, name = parse_org(self.org)
        return name if kind == "customs" else ""

    @property
    def is_customs(self) -> bool:
        return self.role in CUSTOMS_ROLES and self.org_kind == "customs"


# ---------------------------------------------------------------------- organisations

def parse_org(org: str) -> tuple[str, str]:
    """``('customs', 'TH')`` or ``('rh', 'Acme Brands')``; ValueError for anything else."""
    m = _ORG.match(org or "")
    if not m:
        raise ValueError(f"organisation {org!r} must be 'customs:XX' (ISO alpha-2) or 'rh:Name'")
    kind, name = m.group(1), m.group(2).strip()
    if kind == "customs":
        import pycountry

        if not (len(name) == 2 and name.isalpha() and name.isupper() and pycountry.countries.get(alpha_2=name)):
            raise ValueError(f"organisation {org!r}: {name!r} is not an ISO 3166-1 alpha-2 country code")
    else:
        if not name or len(name) > 100 or re.search(r"[\x00-\x1f\x7f]", name):
            raise ValueError(f"organisation {org!r}: the rights-holder name must be 1-100 printable characters")
    return kind, name


def ensure_org(db: AppDB, org: str, conn=None) -> str:  # noqa: ANN001
    """Register ``org`` (validated) if new; returns its id."""
    kind, name = parse_org(org)
    org_id = f"{kind}:{name}"
    sql = ("INSERT OR IGNORE INTO organisations(org_id, kind, name, country, created_at) VALUES (?,?,?,?,?)")
    params = (org_id, "customs" if kind == "customs" else "rights_holder", name,
              name if kind == "customs" else "", now_iso())
    if conn is not None:
        conn.execute(sql, params)
    else:
        db.execute(sql, params)
    return org_id


def list_orgs(db: AppDB, kind: str | None = None) -> list[str]:
    """Organisation ids, optionally only ``customs`` or ``rights_holder`` ones."""
    if kind:
        return [r["org_id"] for r in db.rows("SELECT org_id FROM organisations WHERE kind = ? ORDER BY org_id", (kind,))]
    return [r["org_id"] for r in db.rows("SELECT org_id FROM organisations ORDER BY org_id")]


# ---------------------------------------------------------------------- users

def _check_role_org(role: str, org: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    kind, name = parse_org(org)
    if role in CUSTOMS_ROLES and kind != "customs":
        raise ValueError(f"a {role} belongs to a customs administration (customs:XX), not {org!r}")
    if role == "rights_holder" and kind != "rh":
        raise ValueError(f"a rights holder belongs to a rights-holder organisation (rh:Name), not {org!r}")
    return f"{kind}:{name}"


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")


def add_user(db: AppDB, username: str, password: str, role: str, org: str) -> User:
    """Create a user; ValueError for a bad username, role, organisation or password, or a
    username already taken."""
    if not _USERNAME.match(username or ""):
        raise ValueError("username: 2-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit")
    org_id = _check_role_org(role, org)
    _check_password(password)
    digest = _hasher.hash(password)
    with db.tx() as conn:
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise ValueError(f"user {username!r} already exists")
        ensure_org(db, org_id, conn=conn)
        conn.execute(
            "INSERT INTO users(username, password_hash, role, org_id, created_at) VALUES (?,?,?,?,?)",
            (username, digest, role, org_id, now_iso()),
        )
        db.audit("user.add", username=username, org_id=org_id, obj=username, detail={"role": role}, conn=conn)
    return User(username, role, org_id)


def remove_user(db: AppDB, username: str) -> None:
    """Delete a user and their sessions; ValueError if there is no such user."""
    with db.tx() as conn:
        row = conn.execute("SELECT org_id FROM users WHERE username = ?", (username,)).fetchone()
        if row is None:
            raise ValueError(f"no user {username!r}")
        conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
        conn.execute("DELETE FROM users WHERE username = ?", (username,))
        db.audit("user.remove", username=username, org_id=row["org_id"], obj=username, conn=conn)


def list_users(db: AppDB) -> list[User]:
    """Every user, by username."""
    return [User(r["username"], r["role"], r["org_id"])
            for r in db.rows("SELECT username, role, org_id FROM users ORDER BY username")]


def get_user(db: AppDB, username: str) -> User | None:
    r = db.one("SELECT username, role, org_id FROM users WHERE username = ?", (username,))
    return User(r["username"], r["role"], r["org_id"]) if r else None


def set_password(db: AppDB, username: str, password: str) -> None:
    _check_password(password)
    if db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_hasher.hash(password), username)) == 0:
        raise ValueError(f"no user {username!r}")
    db.execute("DELETE FROM sessions WHERE username = ?", (username,))
    db.audit("user.password", username=username, obj=username)


def _recent_failures(db: AppDB, username: str) -> int:
    since = (datetime.now(timezone.utc) - FAILURE_WINDOW).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    last_ok = db.one(
        "SELECT MAX(at) AS at FROM audit WHERE username = ? AND action = 'login.ok'", (username,)
    )["at"] or ""
    row = db.one(
        "SELECT COUNT(*) AS n FROM audit WHERE username = ? AND action = 'login.fail' AND at >= ? AND at > ?",
        (username, since, last_ok),
    )
    return int(row["n"])


def authenticate(db: AppDB, username: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else ``None`` (unknown user, wrong password, or more
    than :data:`MAX_FAILURES` failures in the last 15 minutes). Every attempt is audited."""
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        return None
    row = db.one("SELECT username, password_hash, role, org_id FROM users WHERE username = ?", (username,))
    if row is None:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        db.audit("login.fail", username=username[:64], detail="unknown user")
        return None
    if _recent_failures(db, username) >= MAX_FAILURES:
        db.audit("login.fail", username=username, org_id=row["org_id"], detail="throttled")
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        db.audit("login.fail", username=username, org_id=row["org_id"], detail="wrong password")
        return None
    with db.tx() as conn:
        if _hasher.check_needs_rehash(row["password_hash"]):
            conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_hasher.hash(password), username))
        conn.execute("UPDATE users SET last_login = ? WHERE username = ?", (now_iso(), username))
        db.audit("login.ok", username=username, org_id=row["org_id"], conn=conn)
    return User(row["username"], row["role"], row["org_id"])


def require_role(user: User | None, *roles: str) -> User:
    """``user`` if signed in with one of ``roles``; PermissionError otherwise."""
    if user is None:
        raise PermissionError("sign in first")
    if roles and user.role not in roles:
        raise PermissionError(f"not permitted for role {user.role}")
    return user


# ---------------------------------------------------------------------- sessions

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(db: AppDB, user: User, hours: float = SESSION_HOURS) -> str:
    """A new random session token for ``user`` (store only its hash)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with db.tx() as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(),))
        conn.execute(
            "INSERT INTO sessions(token_hash, username, created_at, expires_at) VALUES (?,?,?,?)",
            (_token_hash(token), user.username, now_iso(),
             (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")),
        )
    return token


def session_user(db: AppDB, token: str | None) -> User | None:
    """The user of a live session token, or ``None``."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    row = db.one(
        "SELECT u.username, u.role, u.org_id FROM sessions s JOIN users u ON u.username = s.username "
        "WHERE s.token_hash = ? AND s.expires_at > ?",
        (_token_hash(token), now_iso()),
    )
    return User(row["username"], row["role"], row["org_id"]) if row else None


def end_session(db: AppDB, token: str | None) -> None:
    if token:
        db.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))


# ---------------------------------------------------------------------- demo users

#: (username, role, organisation) of the demo users
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("analyst.th", "analyst", "customs:TH"),
    ("planner.th", "planner", "customs:TH"),
    ("analyst.my", "analyst", "customs:MY"),
    ("analyst.vn", "analyst", "customs:VN"),
    ("brand.sonique", "rights_holder", "rh:Sonique Audio GmbH"),
    ("admin", "admin", "customs:TH"),
)


def create_demo_users(db: AppDB) -> list[tuple[str, str, str, str]]:
    """Create (or reset) the demo users; returns ``(username, password, role, org)`` rows for
    printing once. ``INTEL_DEMO_PASSWORDS=fixed`` gives the passwords ``demo-<username>``."""
    fixed = os.environ.get("INTEL_DEMO_PASSWORDS", "").strip().lower() == "fixed"
    created = []
    for username, role, org in DEMO_USERS:
        password = f"demo-{username}" if fixed else secrets.token_urlsafe(12)
        if get_user(db, username) is None:
            add_user(db, username, password, role, org)
        else:
            set_password(db, username, password)
        created.append((username, password, role, org))
    return created
