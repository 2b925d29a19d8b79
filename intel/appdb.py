"""The dashboard's own state: one SQLite file, ``STATE/app.sqlite``.

Users, organisations, sign-in sessions, cases (entities, notes, attachments, shares),
operations, tips submitted from the dashboard (with their match summaries) and the audit log.
The graph store is never written by the dashboard; everything an analyst or a rights holder
creates lives here, so the dashboard can run while ``intel ingest`` or ``intel analyze`` hold
the store.

WAL journal mode, a busy timeout and one short connection per operation make the file safe
for the dashboard (several sessions, threads) and the command line at the same time. Every
statement is plain parameterised SQL. Attachments (case files, tip supporting files) are stored
once under ``STATE/attachments/<sha256>``; the tables keep the name, size, type and hash.

``AppDB(path)`` creates the file and the schema on first use; the command line calls
``AppDB(store.state_dir / "app.sqlite")``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

__all__ = ["AppDB", "SCHEMA_VERSION", "now_iso"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS organisations (
    org_id      TEXT PRIMARY KEY,            -- 'customs:TH', 'rh:Acme Brands'
    kind        TEXT NOT NULL,               -- 'customs' | 'rights_holder'
    name        TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    username       TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('analyst','planner','rights_holder','admin')),
    org_id         TEXT NOT NULL REFERENCES organisations(org_id),
    created_at     TEXT NOT NULL,
    last_login     TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash  TEXT PRIMARY KEY,             -- sha256 of the cookie value; the value is never stored
    username    TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    case_id      TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('open','in progress','closed')),
    tlp          TEXT NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
    owner_org    TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    imported     INTEGER NOT NULL DEFAULT 0,
    provenance   TEXT,                         -- JSON, for imported cases
    package      TEXT                          -- JSON: the imported package's entities/relationships
);
CREATE TABLE IF NOT EXISTS case_entities (
    case_id     TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    key         TEXT NOT NULL,
    caption     TEXT NOT NULL DEFAULT '',
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    in_local_graph INTEGER,                     -- NULL unknown, 0/1 (imported cases)
    PRIMARY KEY (case_id, label, key)
);
CREATE TABLE IF NOT EXISTS case_notes (
    note_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    author      TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,
    imported    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS case_attachments (
    attachment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL DEFAULT 'application/octet-stream',
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_shares (
    case_id        TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('org','user')),
    recipient      TEXT NOT NULL,
    shared_by      TEXT NOT NULL,
    shared_at      TEXT NOT NULL,
    PRIMARY KEY (case_id, recipient_kind, recipient)
);
CREATE TABLE IF NOT EXISTS operations (
    op_id        TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('planned','active','closed')),
    starts_on    TEXT NOT NULL DEFAULT '',
    ends_on      TEXT NOT NULL DEFAULT '',
    owner_org    TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS operation_participants (
    op_id   TEXT NOT NULL REFERENCES operations(op_id) ON DELETE CASCADE,
    org_id  TEXT NOT NULL,
    PRIMARY KEY (op_id, org_id)
);
CREATE TABLE IF NOT EXISTS operation_cases (
    op_id     TEXT NOT NULL REFERENCES operations(op_id) ON DELETE CASCADE,
    case_id   TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (op_id, case_id)
);
CREATE TABLE IF NOT EXISTS operation_results (
    result_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id        TEXT NOT NULL REFERENCES operations(op_id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,              -- inspection, seizure, arrest, other
    quantity     INTEGER NOT NULL DEFAULT 1,
    note         TEXT NOT NULL DEFAULT '',
    org_id       TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tips (
    tip_id             TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL,         -- submitting organisation
    submitted_by_user  TEXT NOT NULL,
    submitted_at       TEXT NOT NULL,
    brand              TEXT NOT NULL DEFAULT '',
    hs_codes           TEXT NOT NULL DEFAULT '',   -- ';'-joined, as in the data contract
    suspect_names      TEXT NOT NULL DEFAULT '',
    suspect_addresses  TEXT NOT NULL DEFAULT '',
    suspect_phones     TEXT NOT NULL DEFAULT '',
    suspect_emails     TEXT NOT NULL DEFAULT '',
    suspect_ports      TEXT NOT NULL DEFAULT '',
    origin_countries   TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    source_reliability TEXT NOT NULL DEFAULT 'F',
    info_credibility   TEXT NOT NULL DEFAULT '6',
    tlp                TEXT NOT NULL DEFAULT 'AMBER',
    valid_until        TEXT NOT NULL DEFAULT '',
    recipients         TEXT NOT NULL DEFAULT '',   -- ';'-joined customs org ids; '' = every administration
    status             TEXT NOT NULL DEFAULT 'received'
                       CHECK (status IN ('received','matched','acted on','closed')),
    status_note        TEXT NOT NULL DEFAULT '',   -- shown to the submitter: keep it aggregate
    status_updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tip_attachments (
    attachment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    tip_id        TEXT NOT NULL REFERENCES tips(tip_id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL DEFAULT 'application/octet-stream',
    uploaded_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tip_matches (
    tip_id        TEXT PRIMARY KEY REFERENCES tips(tip_id) ON DELETE CASCADE,
    matched_at    TEXT NOT NULL,
    parties       INTEGER NOT NULL DEFAULT 0,
    consignees    INTEGER NOT NULL DEFAULT 0,
    identifiers   INTEGER NOT NULL DEFAULT 0,
    hubs          INTEGER NOT NULL DEFAULT 0,
    declarations  INTEGER NOT NULL DEFAULT 0,
    inspections   INTEGER NOT NULL DEFAULT 0,
    seizures      INTEGER NOT NULL DEFAULT 0
);
-- which entities a tip matched: customs users only, never shown to the submitter
CREATE TABLE IF NOT EXISTS tip_match_targets (
    tip_id        TEXT NOT NULL REFERENCES tips(tip_id) ON DELETE CASCADE,
    target_label  TEXT NOT NULL,
    target_key    TEXT NOT NULL,
    caption       TEXT NOT NULL DEFAULT '',
    score         REAL NOT NULL,
    evidence      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tip_id, target_label, target_key)
);
CREATE TABLE IF NOT EXISTS audit (
    audit_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    username   TEXT NOT NULL DEFAULT '',
    org_id     TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE INDEX IF NOT EXISTS audit_user_action ON audit(username, action, at);
CREATE INDEX IF NOT EXISTS tips_org ON tips(org_id);
CREATE INDEX IF NOT EXISTS case_shares_recipient ON case_shares(recipient_kind, recipient);
"""

_initialised: set[str] = set()
_init_lock = threading.Lock()


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds and ``Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class AppDB:
    """The app-state database at ``path`` (usually ``store.state_dir / 'app.sqlite'``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._ensure_schema()

    # ------------------------------------------------------------------ plumbing
    def __repr__(self) -> str:
        return f"AppDB({str(self.path)!r})"

    @property
    def state_dir(self) -> Path:
        return self.path.parent

    @property
    def attachments_dir(self) -> Path:
        return self.state_dir / "attachments"

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _ensure_schema(self) -> None:
        key = str(self.path.resolve())
        if key in _initialised and self.path.exists():
            return
        with _init_lock:
            conn = self._open()
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":  # pragma: no cover - e.g. a network file system
                    raise RuntimeError(f"{self.path}: could not switch SQLite to WAL mode ({mode})")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.executescript(
                    "BEGIN IMMEDIATE;\n" + _SCHEMA
                    + f"\nPRAGMA user_version = {int(max(version, SCHEMA_VERSION))};\n"
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.close()
            _initialised.add(key)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error."""
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """Run one write statement in its own transaction; returns rows changed."""
        with self.tx() as conn:
            return conn.execute(sql, params).rowcount

    def rows(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts."""
        conn = self._open()
        try:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def frame(self, sql: str, params: tuple | dict = ()) -> pd.DataFrame:
        """A read query as a DataFrame."""
        conn = self._open()
        try:
            return pd.read_sql_query(sql, conn, params=params)
        finally:
            conn.close()

    def journal_mode(self) -> str:
        return str(self.one("PRAGMA journal_mode")["journal_mode"])

    # ------------------------------------------------------------------ audit
    def audit(self, action: str, username: str = "", org_id: str = "", obj: str = "", detail: Any = "",
              conn: sqlite3.Connection | None = None) -> None:
        """Append one audit record (inside ``conn``'s transaction when given)."""
        text = detail if isinstance(detail, str) else json.dumps(detail, default=str, sort_keys=True)
        sql = "INSERT INTO audit(at, username, org_id, action, object, detail) VALUES (?,?,?,?,?,?)"
        params = (now_iso(), username, org_id, action, obj, text[:4000])
        if conn is not None:
            conn.execute(sql, params)
        else:
            self.execute(sql, params)

    def audit_log(self, limit: int = 500) -> pd.DataFrame:
        return self.frame("SELECT * FROM audit ORDER BY audit_id DESC LIMIT ?", (int(limit),))

    # ------------------------------------------------------------------ blobs
    def put_blob(self, data: bytes) -> str:
        """Store ``data`` under ``attachments/<sha256>`` (once) and return the hash."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.attachments_dir / digest
        if not target.exists():
            self.attachments_dir.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{digest}.{os.getpid()}.{time.monotonic_ns()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        return digest

    def get_blob(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; checks the hash."""
        if not (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            raise ValueError("not a sha256 digest")
        data = (self.attachments_dir / digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"attachment {digest[:12]}… is corrupt (hash mismatch)")
        return data
