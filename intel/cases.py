"""Cases, sharing under TLP 2.0, case packages between administrations, and operations.

A case is a set of graph entities (``label`` + ``key`` pairs: parties, identifiers, hubs,
declarations, routes, ...) with notes, attachments, a status (open / in progress / closed)
and a TLP 2.0 marking. It belongs to the customs administration (organisation) of the user who
created it and can be shared with named administrations or named users.

Who may see a case is decided in one place, :func:`can_view`:

- rights holders and admins never see cases (a rights holder cannot be a share recipient);
- the owning administration always sees its cases (for an imported RED case: only the
  importing user, since RED is for named individuals);
- ``RED``: only named recipient users and organisations;
- ``AMBER+STRICT``: only the recipient organisations (and named users);
- ``AMBER``: the recipient organisations — every user of a recipient administration, which
  is where its need-to-know is decided;
- ``GREEN`` / ``CLEAR``: every customs administration of the community.

Only the owning administration edits a case (entities, status, TLP, shares); anyone who can
view it may add notes and attachments. A case package (:func:`export_case`) is a
self-contained JSON document; only the owning administration may export AMBER, AMBER+STRICT
and RED cases, and an imported AMBER/AMBER+STRICT/RED case cannot be re-exported (TLP forbids
passing it on). An imported case keeps its provenance and its TLP (which may be raised, never
lowered), and keeps the packaged view of entities the local graph does not hold.

Operations (a joint customs control operation) group cases; their view shows the targets
(parties), the hubs and the results, drawn only from the cases the viewer may see.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from intel.appdb import AppDB, now_iso
from intel.auth import CUSTOMS_ROLES, User, get_user, parse_org, require_role
from intel.model import NODES, RELS

__all__ = [
    "TLP_LEVELS", "CASE_STATUSES", "OP_STATUSES", "Case", "PackageError",
    "can_view", "can_edit", "can_export",
    "create_case", "get_case", "list_cases", "case_entities", "add_entities", "remove_entity",
    "add_note", "case_notes", "add_attachment", "case_attachments", "get_attachment",
    "set_status", "set_tlp", "share_case", "unshare_case",
    "export_case", "export_case_json", "validate_package", "import_case", "package_view",
    "create_operation", "list_operations", "get_operation", "add_case_to_operation",
    "remove_case_from_operation", "record_result", "operation_view", "can_view_operation",
    "fetch_nodes", "relationships_among", "entity_findings", "read_findings",
    "PACKAGE_FORMAT", "PACKAGE_VERSION",
]

TLP_LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
_TLP_RANK = {t: i for i, t in enumerate(TLP_LEVELS)}
CASE_STATUSES = ("open", "in progress", "closed")
OP_STATUSES = ("planned", "active", "closed")
RESULT_KINDS = ("inspection", "seizure", "arrest", "detention", "other")
PACKAGE_FORMAT = "intel-case-package"
PACKAGE_VERSION = 1
MAX_ENTITIES = 10_000
MAX_NOTES = 5_000
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_PACKAGE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    case_id: str
    title: str
    description: str
    status: str
    tlp: str
    owner_org: str
    created_by: str
    created_at: str
    updated_at: str
    imported: bool = False
    provenance: dict | None = None
    shares: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def share_orgs(self) -> set[str]:
        return {r for k, r in self.shares if k == "org"}

    @property
    def share_users(self) -> set[str]:
        return {r for k, r in self.shares if k == "user"}


class PackageError(ValueError):
    """A case package that is not well formed; ``problems`` lists every issue."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid case package: " + "; ".join(problems[:10]))


# ---------------------------------------------------------------------- visibility

def _is_customs_user(user: User | None) -> bool:
    if user is None or user.role not in CUSTOMS_ROLES:
        return False
    try:
        return parse_org(user.org)[0] == "customs"
    except ValueError:
        return False


def can_view(user: User | None, case: Case) -> bool:
    """The one visibility rule for cases (see the module docstring)."""
    if not _is_customs_user(user):
        return False  # rights holders, admins, anonymous: never
    named_user = user.username in case.share_users
    in_org = user.org in case.share_orgs
    if case.tlp == "RED":
        if case.imported and user.org == case.owner_org:
            return user.username == case.created_by or named_user
        return user.org == case.owner_org or named_user or in_org
    if user.org == case.owner_org:
        return True
    if case.tlp in ("AMBER+STRICT", "AMBER"):
        return in_org or named_user
    if case.tlp in ("GREEN", "CLEAR"):
        return True  # every customs administration in the community
    return False


def can_edit(user: User | None, case: Case) -> bool:
    """Entities, status, TLP and shares: the owning administration (importer for imported RED)."""
    if not can_view(user, case) or user.org != case.owner_org:
        return False
    if case.imported and case.tlp == "RED":
        return user.username == case.created_by
    return True


def can_export(user: User | None, case: Case) -> bool:
    """Whether ``user`` may package ``case`` for another administration."""
    if not can_view(user, case):
        return False
    if case.tlp in ("CLEAR", "GREEN"):
        return True
    if case.imported:
        return False
    return user.org == case.owner_org


# ---------------------------------------------------------------------- cases

def _new_id(prefix: str) -> str:
    return f"{prefix}-{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(3).upper()}"


def _check_tlp(tlp: str) -> str:
    tlp = (tlp or "").strip().upper().replace("TLP:", "")
    if tlp not in TLP_LEVELS:
        raise ValueError(f"TLP must be one of {', '.join(TLP_LEVELS)}")
    return tlp


def _check_entity(label: str, key: Any) -> tuple[str, str]:
    if label not in NODES:
        raise ValueError(f"unknown entity kind {label!r}; known: {', '.join(NODES)}")
    key = "" if key is None else str(key)
    if not key or len(key) > 500:
        raise ValueError(f"{label} key must be 1-500 characters")
    return label, key


def _norm_entities(entities: Iterable[Any]) -> list[tuple[str, str, str]]:
    out = []
    for e in entities:
        if isinstance(e, dict):
            label, key, caption = e.get("label"), e.get("key"), e.get("caption", "")
        else:
            label, key, *rest = e
            caption = rest[0] if rest else ""
        label, key = _check_entity(label, key)
        out.append((label, key, "" if caption is None else str(caption)[:300]))
    return out


def _load_case(db: AppDB, case_id: str) -> Case | None:
    row = db.one("SELECT * FROM cases WHERE case_id = ?", (case_id,))
    if row is None:
        return None
    shares = tuple((r["recipient_kind"], r["recipient"]) for r in db.rows(
        "SELECT recipient_kind, recipient FROM case_shares WHERE case_id = ? ORDER BY recipient_kind, recipient",
        (case_id,)))
    return Case(
        case_id=row["case_id"], title=row["title"], description=row["description"],
        status=row["status"], tlp=row["tlp"], owner_org=row["owner_org"],
        created_by=row["created_by"], created_at=row["created_at"], updated_at=row["updated_at"],
        imported=bool(row["imported"]),
        provenance=json.loads(row["provenance"]) if row["provenance"] else None,
        shares=shares,
    )


_NOT_VISIBLE = "no such case, or it is not shared with you"


def get_case(db: AppDB, user: User | None, case_id: str) -> Case:
    """The case if ``user`` may see it; PermissionError (same message whether it does not exist
    or is not shared) otherwise. Every refusal is audited."""
    case = _load_case(db, case_id)
    if case is None or not can_view(user, case):
        db.audit("case.denied", username=getattr(user, "username", ""), org_id=getattr(user, "org", ""), obj=str(case_id)[:100])
        raise PermissionError(_NOT_VISIBLE)
    return case


def _editable(db: AppDB, user: User | None, case_id: str) -> Case:
    case = get_case(db, user, case_id)
    if not can_edit(user, case):
        raise PermissionError("only the owning administration can change this case")
    return case


def create_case(db: AppDB, user: User, title: str, entities: Iterable[Any] = (), tlp: str = "AMBER",
                description: str = "", status: str = "open") -> Case:
    """A new case owned by ``user``'s administration; ``entities`` are ``(label, key)`` or
    ``(label, key, caption)`` tuples or dicts with those fields."""
    require_role(user, *CUSTOMS_ROLES)
    if not _is_customs_user(user):
        raise PermissionError("cases belong to customs administrations")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValueError("a case needs a title of 1-200 characters")
    tlp = _check_tlp(tlp)
    if status not in CASE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(CASE_STATUSES)}")
    ents = _norm_entities(entities)
    case_id = _new_id("C")
    now = now_iso()
    with db.tx() as conn:
        conn.execute(
            "INSERT INTO cases(case_id, title, description, status, tlp, owner_org, created_by, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (case_id, title, description or "", status, tlp, user.org, user.username, now, now),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO case_entities(case_id, label, key, caption, added_by, added_at) VALUES (?,?,?,?,?,?)",
            [(case_id, label, key, caption, user.username, now) for label, key, caption in ents],
        )
        db.audit("case.create", user.username, user.org, case_id, {"tlp": tlp, "entities": len(ents)}, conn=conn)
    return _load_case(db, case_id)


def list_cases(db: AppDB, user: User | None) -> list[Case]:
    """Every case ``user`` may see, newest first."""
    if not _is_customs_user(user):
        return []
    out = []
    for row in db.rows("SELECT case_id FROM cases ORDER BY updated_at DESC, case_id"):
        case = _load_case(db, row["case_id"])
        if case is not None and can_view(user, case):
            out.append(case)
    return out


def case_entities(db: AppDB, user: User | None, case_id: str) -> pd.DataFrame:
    get_case(db, user, case_id)
    return db.frame(
        "SELECT label, key, caption, added_by, added_at, in_local_graph FROM case_entities "
        "WHERE case_id = ? ORDER BY label, key", (case_id,))


def add_entities(db: AppDB, user: User, case_id: str, entities: Iterable[Any]) -> int:
    _editable(db, user, case_id)
    ents = _norm_entities(entities)
    now = now_iso()
    with db.tx() as conn:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO case_entities(case_id, label, key, caption, added_by, added_at) VALUES (?,?,?,?,?,?)",
            [(case_id, label, key, caption, user.username, now) for label, key, caption in ents],
        )
        added = conn.total_changes - before
        conn.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", (now, case_id))
        db.audit("case.entities.add", user.username, user.org, case_id, {"added": added}, conn=conn)
    return added


def remove_entity(db: AppDB, user: User, case_id: str, label: str, key: str) -> None:
    _editable(db, user, case_id)
    with db.tx() as conn:
        conn.execute("DELETE FROM case_entities WHERE case_id = ? AND label = ? AND key = ?", (case_id, label, key))
        conn.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", (now_iso(), case_id))
        db.audit("case.entities.remove", user.username, user.org, case_id, {"label": label, "key": key}, conn=conn)


def add_note(db: AppDB, user: User, case_id: str, body: str) -> int:
    get_case(db, user, case_id)
    body = (body or "").strip()
    if not body or len(body) > 20_000:
        raise ValueError("a note needs 1-20000 characters")
    with db.tx() as conn:
        cur = conn.execute(
            "INSERT INTO case_notes(case_id, author, org_id, created_at, body) VALUES (?,?,?,?,?)",
            (case_id, user.username, user.org, now_iso(), body))
        conn.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", (now_iso(), case_id))
        db.audit("case.note", user.username, user.org, case_id, conn=conn)
        return int(cur.lastrowid)


def case_notes(db: AppDB, user: User | None, case_id: str) -> pd.DataFrame:
    get_case(db, user, case_id)
    return db.frame("SELECT note_id, author, org_id, created_at, body, imported FROM case_notes "
                    "WHERE case_id = ? ORDER BY note_id", (case_id,))


def _clean_filename(name: str) -> str:
    name = Path(str(name or "file").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return (name or "file")[:200]


def add_attachment(db: AppDB, user: User, case_id: str, filename: str, data: bytes,
                   content_type: str = "application/octet-stream") -> str:
    """Store a file with the case (under ``attachments/<sha256>``); returns the hash."""
    get_case(db, user, case_id)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"attachments are limited to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")
    digest = db.put_blob(data)
    with db.tx() as conn:
        conn.execute(
            "INSERT INTO case_attachments(case_id, filename, sha256, size, content_type, uploaded_by, uploaded_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (case_id, _clean_filename(filename), digest, len(data), (content_type or "application/octet-stream")[:100],
             user.username, now_iso()))
        conn.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", (now_iso(), case_id))
        db.audit("case.attachment", user.username, user.org, case_id, {"sha256": digest, "size": len(data)}, conn=conn)
    return digest


def case_attachments(db: AppDB, user: User | None, case_id: str) -> pd.DataFrame:
    get_case(db, user, case_id)
    return db.frame("SELECT attachment_id, filename, sha256, size, content_type, uploaded_by, uploaded_at "
                    "FROM case_attachments WHERE case_id = ? ORDER BY attachment_id", (case_id,))


def get_attachment(db: AppDB, user: User | None, case_id: str, attachment_id: int) -> tuple[str, str, bytes]:
    """``(filename, content_type, bytes)`` of one attachment of a case the user may see."""
    get_case(db, user, case_id)
    row = db.one("SELECT filename, content_type, sha256 FROM case_attachments WHERE case_id = ? AND attachment_id = ?",
                 (case_id, int(attachment_id)))
    if row is None:
        raise PermissionError("no such attachment")
    return row["filename"], row["content_type"], db.get_blob(row["sha256"])


def set_status(db: AppDB, user: User, case_id: str, status: str) -> None:
    _editable(db, user, case_id)
    if status not in CASE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(CASE_STATUSES)}")
    with db.tx() as conn:
        conn.execute("UPDATE cases SET status = ?, updated_at = ? WHERE case_id = ?", (status, now_iso(), case_id))
        db.audit("case.status", user.username, user.org, case_id, status, conn=conn)


def set_tlp(db: AppDB, user: User, case_id: str, tlp: str) -> None:
    case = _editable(db, user, case_id)
    tlp = _check_tlp(tlp)
    if case.imported and _TLP_RANK[tlp] < _TLP_RANK[case.tlp]:
        raise PermissionError(f"an imported case keeps its originator's marking: TLP:{case.tlp} can be raised, not lowered")
    with db.tx() as conn:
        conn.execute("UPDATE cases SET tlp = ?, updated_at = ? WHERE case_id = ?", (tlp, now_iso(), case_id))
        db.audit("case.tlp", user.username, user.org, case_id, {"from": case.tlp, "to": tlp}, conn=conn)


def share_case(db: AppDB, user: User, case_id: str, orgs: Iterable[str] = (), users: Iterable[str] = ()) -> None:
    """Share with customs administrations (``customs:XX``) and/or named customs users.
    Rights holders cannot be recipients: they never see cases."""
    _editable(db, user, case_id)
    rows = []
    for org in orgs:
        kind, name = parse_org(org)
        if kind != "customs":
            raise ValueError(f"{org}: cases are shared with customs administrations only; rights holders never see cases")
        rows.append(("org", f"customs:{name}"))
    for username in users:
        other = get_user(db, username)
        if other is None:
            raise ValueError(f"no user {username!r}")
        if not _is_customs_user(other):
            raise ValueError(f"{username}: cases are shared with customs analysts and planners only")
        rows.append(("user", username))
    now = now_iso()
    with db.tx() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO case_shares(case_id, recipient_kind, recipient, shared_by, shared_at) VALUES (?,?,?,?,?)",
            [(case_id, k, r, user.username, now) for k, r in rows])
        conn.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", (now, case_id))
        db.audit("case.share", user.username, user.org, case_id, rows, conn=conn)


def unshare_case(db: AppDB, user: User, case_id: str, kind: str, recipient: str) -> None:
    _editable(db, user, case_id)
    with db.tx() as conn:
        conn.execute("DELETE FROM case_shares WHERE case_id = ? AND recipient_kind = ? AND recipient = ?",
                     (case_id, kind, recipient))
        db.audit("case.unshare", user.username, user.org, case_id, [kind, recipient], conn=conn)


# ---------------------------------------------------------------------- graph + findings reads

def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (int, str, bool)):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _q(name: str) -> str:
    """A back-quoted model identifier (labels, properties: never user input)."""
    if not name or "`" in name:
        raise ValueError(f"refusing identifier {name!r}")
    return f"`{name}`"


def fetch_nodes(store: Any, label: str, keys: Iterable[str], columns: list[str] | None = None) -> pd.DataFrame:
    """Properties of the ``label`` nodes whose key is in ``keys`` (one parameterised query)."""
    nt = NODES[label]
    keys = sorted({str(k) for k in keys})
    cols = columns or nt.columns
    cols = [c for c in cols if c in nt.properties]
    if nt.key not in cols:
        cols = [nt.key, *cols]
    if not keys:
        return pd.DataFrame(columns=cols)
    ret = ", ".join(f"n.{_q(c)} AS {_q(c)}" for c in cols)
    frames = []
    for i in range(0, len(keys), 5000):
        # UNWIND + key match uses the primary-key index; `key IN $list` scans the table
        frames.append(store.query(f"UNWIND $keys AS k MATCH (n:{_q(label)} {{{_q(nt.key)}: k}}) RETURN {ret}",
                                  {"keys": keys[i:i + 5000]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def relationships_among(store: Any, entities: Iterable[tuple[str, str]]) -> list[dict]:
    """Relationships (any model type) whose two ends are both among ``entities``."""
    by_label: dict[str, set[str]] = {}
    for label, key in entities:
        by_label.setdefault(label, set()).add(str(key))
    out = []
    for rt in RELS.values():
        if rt.source not in by_label or rt.target not in by_label:
            continue
        sk, tk = NODES[rt.source].key, NODES[rt.target].key
        props = "".join(f", r.{_q(p)} AS {_q(p)}" for p in rt.properties)
        df = store.query(
            f"UNWIND $a AS ka MATCH (a:{_q(rt.source)} {{{_q(sk)}: ka}})-[r:{_q(rt.type)}]->(b:{_q(rt.target)}) "
            f"WHERE b.{_q(tk)} IN $b RETURN a.{_q(sk)} AS src, b.{_q(tk)} AS dst{props}",
            {"a": sorted(by_label[rt.source]), "b": sorted(by_label[rt.target])})
        for row in df.to_dict("records"):
            out.append({
                "type": rt.type,
                "source": {"label": rt.source, "key": str(row["src"])},
                "target": {"label": rt.target, "key": str(row["dst"])},
                "properties": {p: _jsonable(row.get(p)) for p in rt.properties},
            })
    return out


FINDINGS_FILES = ("declarations", "consignees", "routes", "communities", "hubs", "tip_matches", "chains")


def read_findings(findings_dir: Path | str | None) -> dict[str, pd.DataFrame]:
    """The findings parquet files present in ``findings_dir`` (missing ones are absent)."""
    out: dict[str, pd.DataFrame] = {}
    if not findings_dir:
        return out
    folder = Path(findings_dir)
    for name in FINDINGS_FILES:
        path = folder / f"{name}.parquet"
        if path.is_file():
            try:
                out[name] = pd.read_parquet(path)
            except Exception:  # noqa: BLE001 - a half-written file: treat as absent
                continue
    return out


def _reasons(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return [str(v) for v in json.loads(text)]
            except json.JSONDecodeError:
                pass
        return [p.strip() for p in text.split(";") if p.strip()]
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    try:
        if pd.isna(value):
            return []
    except (TypeError, ValueError):
        pass
    return [str(value)]


def entity_findings(findings: dict[str, pd.DataFrame], label: str, key: str) -> list[dict]:
    """Findings about one entity: ``{source, score, reasons, ...}`` dicts."""
    out = []

    def add(source: str, frame: pd.DataFrame, mask: pd.Series, score_col: str = "score", extra: tuple[str, ...] = ()) -> None:
        for row in frame[mask].head(20).to_dict("records"):
            item = {"source": source, "score": _jsonable(row.get(score_col)), "reasons": _reasons(row.get("reasons"))}
            for col in extra:
                if col in row:
                    item[col] = _jsonable(row[col])
            out.append(item)

    f = findings
    if label == "Party":
        if "consignees" in f and "party_id" in f["consignees"]:
            add("consignees", f["consignees"], f["consignees"]["party_id"].astype(str) == key, extra=("community_id",))
        if "communities" in f and "members" in f["communities"]:
            members = f["communities"]["members"].map(lambda m: key in _reasons(m) if not isinstance(m, str) else key in m.split("|") or key in _reasons(m))
            add("communities", f["communities"], members, extra=("community_id", "size"))
    elif label == "Declaration":
        d = f.get("declarations")
        if d is not None and "decl_key" in d:
            add("declarations", d, d["decl_key"].astype(str) == key, score_col="risk_score", extra=("lane",))
    elif label == "Route":
        d = f.get("routes")
        if d is not None and "route_id" in d:
            add("routes", d, d["route_id"].astype(str) == key, extra=("route", "declaration_count"))
    elif label == "Hub":
        d = f.get("hubs")
        if d is not None and "locode" in d:
            add("hubs", d, d["locode"].astype(str) == key, extra=("suspicious_flow", "betweenness"))
    chained = f.get("chains")
    if label in ("Declaration", "Container", "TransportDocument") and chained is not None and len(chained):
        column = "decl_keys" if label == "Declaration" else "units"
        if column in chained:
            add("chains", chained, chained[column].map(lambda v: key in _reasons(v)), extra=("chain_id",))
    t = f.get("tip_matches")
    if t is not None and {"target_label", "target_key"} <= set(t.columns):
        mask = (t["target_label"].astype(str) == label) & (t["target_key"].astype(str) == key)
        for row in t[mask].head(20).to_dict("records"):
            out.append({"source": "tip_matches", "score": _jsonable(row.get("score")),
                        "reasons": _reasons(row.get("evidence")), "tip_id": _jsonable(row.get("tip_id"))})
    return out


# ---------------------------------------------------------------------- packages

def _product_version() -> str:
    try:
        from importlib.metadata import version

        return version("illicit-trade-intel")
    except Exception:  # noqa: BLE001 - running from a source tree
        return "0.1.0+source"


def export_case(db: AppDB, user: User, case_id: str, store: Any = None,
                findings_dir: Path | str | None = None) -> dict:
    """A self-contained package of the case: entities with their graph properties and findings,
    the relationships among them, notes, attachments (base64) and provenance."""
    case = get_case(db, user, case_id)
    if not can_export(user, case):
        raise PermissionError(f"TLP:{case.tlp}: only the originating administration may pass this case on")
    ents = db.rows("SELECT label, key, caption FROM case_entities WHERE case_id = ? ORDER BY label, key", (case_id,))
    findings = read_findings(findings_dir)
    props: dict[tuple[str, str], dict] = {}
    relationships: list[dict] = []
    if store is not None and ents:
        for label in sorted({e["label"] for e in ents}):
            keys = [e["key"] for e in ents if e["label"] == label]
            frame = fetch_nodes(store, label, keys)
            key_col = NODES[label].key
            for row in frame.to_dict("records"):
                props[(label, str(row[key_col]))] = {k: _jsonable(v) for k, v in row.items()}
        relationships = relationships_among(store, [(e["label"], e["key"]) for e in ents])
    # an imported case re-exported: keep the packaged view of entities absent locally
    packaged = {}
    row = db.one("SELECT package FROM cases WHERE case_id = ?", (case_id,))
    if row and row["package"]:
        for e in json.loads(row["package"]).get("entities", []):
            packaged[(e.get("label"), e.get("key"))] = e
    entities = []
    for e in ents:
        k = (e["label"], e["key"])
        old = packaged.get(k, {})
        entities.append({
            "label": e["label"], "key": e["key"], "caption": e["caption"],
            "in_source_graph": k in props if store is not None else None,
            "properties": props.get(k, old.get("properties", {})),
            "findings": entity_findings(findings, *k) if findings else old.get("findings", []),
        })
    if not relationships and packaged and row:
        relationships = json.loads(row["package"]).get("relationships", [])
    notes = [{"author": n["author"], "org": n["org_id"], "created_at": n["created_at"], "body": n["body"]}
             for n in db.rows("SELECT author, org_id, created_at, body FROM case_notes WHERE case_id = ? ORDER BY note_id", (case_id,))]
    attachments = []
    for a in db.rows("SELECT filename, content_type, sha256, size FROM case_attachments WHERE case_id = ? ORDER BY attachment_id", (case_id,)):
        data = db.get_blob(a["sha256"])
        attachments.append({"filename": a["filename"], "content_type": a["content_type"], "size": a["size"],
                            "sha256": a["sha256"], "data_base64": base64.b64encode(data).decode("ascii")})
    history = list((case.provenance or {}).get("history", []))
    if case.provenance:
        history.append({k: v for k, v in case.provenance.items() if k != "history"})
    package = {
        "format": PACKAGE_FORMAT,
        "version": PACKAGE_VERSION,
        "case": {"case_id": case.case_id, "title": case.title, "description": case.description,
                 "status": case.status, "tlp": case.tlp, "owner_org": case.owner_org,
                 "created_by": case.created_by, "created_at": case.created_at},
        "entities": entities,
        "relationships": relationships,
        "notes": notes,
        "attachments": attachments,
        "provenance": {
            "exporting_org": user.org, "exported_by": user.username, "exported_at": now_iso(),
            "product": "illicit-trade-intel", "product_version": _product_version(),
            "tlp": case.tlp, "source_case_id": case.case_id, "history": history,
        },
    }
    db.audit("case.export", user.username, user.org, case_id,
             {"entities": len(entities), "relationships": len(relationships), "tlp": case.tlp})
    return package


def export_case_json(db: AppDB, user: User, case_id: str, store: Any = None,
                     findings_dir: Path | str | None = None) -> bytes:
    """:func:`export_case` as UTF-8 JSON bytes."""
    return json.dumps(export_case(db, user, case_id, store, findings_dir), ensure_ascii=False, indent=1).encode("utf-8")


def _is_str(v: Any, limit: int = 100_000) -> bool:
    return isinstance(v, str) and len(v) <= limit


def validate_package(package: Any) -> list[str]:
    """Every structural problem of a case package (an empty list when it is well formed)."""
    p: list[str] = []
    if not isinstance(package, dict):
        return ["the package must be a JSON object"]
    if package.get("format") != PACKAGE_FORMAT:
        p.append(f"format must be {PACKAGE_FORMAT!r}")
    if package.get("version") != PACKAGE_VERSION:
        p.append(f"unsupported package version {package.get('version')!r} (this product reads {PACKAGE_VERSION})")
    case = package.get("case")
    if not isinstance(case, dict):
        p.append("'case' must be an object")
    else:
        if not _is_str(case.get("title"), 200) or not case.get("title", "").strip():
            p.append("case.title must be text of 1-200 characters")
        if not _is_str(case.get("description", ""), 100_000):
            p.append("case.description must be text")
        if case.get("status") not in CASE_STATUSES:
            p.append(f"case.status must be one of {', '.join(CASE_STATUSES)}")
        if case.get("tlp") not in TLP_LEVELS:
            p.append(f"case.tlp must be one of {', '.join(TLP_LEVELS)}")
    prov = package.get("provenance")
    if not isinstance(prov, dict):
        p.append("'provenance' must be an object")
    else:
        for k in ("exporting_org", "exported_by", "exported_at", "product_version", "tlp"):
            if not _is_str(prov.get(k), 300) or not prov.get(k):
                p.append(f"provenance.{k} is missing")
        if isinstance(case, dict) and prov.get("tlp") != case.get("tlp"):
            p.append("provenance.tlp and case.tlp differ")
        if "exporting_org" in prov:
            try:
                if parse_org(prov["exporting_org"])[0] != "customs":
                    p.append("provenance.exporting_org must be a customs administration")
            except ValueError as exc:
                p.append(f"provenance.exporting_org: {exc}")
        if not isinstance(prov.get("history", []), list):
            p.append("provenance.history must be a list")
    ents = package.get("entities")
    if not isinstance(ents, list):
        p.append("'entities' must be a list")
        ents = []
    elif len(ents) > MAX_ENTITIES:
        p.append(f"at most {MAX_ENTITIES} entities")
    for i, e in enumerate(ents[:MAX_ENTITIES]):
        if not isinstance(e, dict):
            p.append(f"entities[{i}] must be an object")
            continue
        if e.get("label") not in NODES:
            p.append(f"entities[{i}].label {str(e.get('label'))[:40]!r} is not a known entity kind")
        if not _is_str(e.get("key"), 500) or not e.get("key"):
            p.append(f"entities[{i}].key must be text of 1-500 characters")
        if not isinstance(e.get("properties", {}), dict):
            p.append(f"entities[{i}].properties must be an object")
        if not isinstance(e.get("findings", []), list):
            p.append(f"entities[{i}].findings must be a list")
    rels = package.get("relationships", [])
    if not isinstance(rels, list):
        p.append("'relationships' must be a list")
        rels = []
    for i, r in enumerate(rels[:100_000]):
        if not isinstance(r, dict) or r.get("type") not in RELS:
            p.append(f"relationships[{i}] must have a known type")
            continue
        for end in ("source", "target"):
            v = r.get(end)
            if not isinstance(v, dict) or v.get("label") not in NODES or not _is_str(v.get("key"), 500):
                p.append(f"relationships[{i}].{end} must be {{label, key}}")
    notes = package.get("notes", [])
    if not isinstance(notes, list) or len(notes) > MAX_NOTES:
        p.append(f"'notes' must be a list of at most {MAX_NOTES}")
        notes = []
    for i, n in enumerate(notes):
        if not isinstance(n, dict) or not _is_str(n.get("body"), 20_000) or not _is_str(n.get("author", ""), 200):
            p.append(f"notes[{i}] must have a text body (at most 20000 characters) and author")
    atts = package.get("attachments", [])
    if not isinstance(atts, list):
        p.append("'attachments' must be a list")
        atts = []
    for i, a in enumerate(atts):
        if not isinstance(a, dict) or not _is_str(a.get("filename"), 300) or not _is_str(a.get("data_base64"), MAX_ATTACHMENT_BYTES * 2):
            p.append(f"attachments[{i}] needs filename and data_base64 (at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB)")
            continue
        try:
            data = base64.b64decode(a["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            p.append(f"attachments[{i}] ({a['filename'][:60]}): data_base64 is not valid base64")
            continue
        if a.get("sha256") and hashlib.sha256(data).hexdigest() != a["sha256"]:
            p.append(f"attachments[{i}] ({a['filename'][:60]}): sha256 does not match its content")
    return p


def import_case(db: AppDB, user: User, package: dict | bytes | str, store: Any = None) -> Case:
    """Import a package from another administration as a new local case owned by ``user``'s
    administration; keeps its TLP and provenance; PackageError lists every problem."""
    require_role(user, *CUSTOMS_ROLES)
    if not _is_customs_user(user):
        raise PermissionError("cases belong to customs administrations")
    if isinstance(package, (bytes, bytearray)):
        if len(package) > MAX_PACKAGE_BYTES:
            raise PackageError([f"the package exceeds {MAX_PACKAGE_BYTES // (1024 * 1024)} MB"])
        try:
            package = package.decode("utf-8")
        except UnicodeDecodeError:
            raise PackageError(["the package is not UTF-8 text"]) from None
    if isinstance(package, str):
        try:
            package = json.loads(package)
        except json.JSONDecodeError as exc:
            raise PackageError([f"not JSON: {exc.msg} at line {exc.lineno}"]) from None
    problems = validate_package(package)
    if problems:
        db.audit("case.import.rejected", user.username, user.org, "", problems[:20])
        raise PackageError(problems)
    src = package["case"]
    prov = dict(package["provenance"])
    prov.update({"imported_by": user.username, "importing_org": user.org, "imported_at": now_iso()})
    ents = package["entities"]
    local: dict[tuple[str, str], bool] = {}
    if store is not None and ents:
        for label in sorted({e["label"] for e in ents}):
            keys = [e["key"] for e in ents if e["label"] == label]
            try:
                found = set(fetch_nodes(store, label, keys, [NODES[label].key])[NODES[label].key].astype(str))
            except Exception:  # noqa: BLE001 - store unavailable: leave unknown
                continue
            for k in keys:
                local[(label, k)] = k in found
    view = {"entities": [{k: e.get(k) for k in ("label", "key", "caption", "properties", "findings", "in_source_graph")}
                         for e in ents],
            "relationships": package.get("relationships", [])}
    case_id = _new_id("C")
    now = now_iso()
    with db.tx() as conn:
        conn.execute(
            "INSERT INTO cases(case_id, title, description, status, tlp, owner_org, created_by, created_at, updated_at, "
            "imported, provenance, package) VALUES (?,?,?,?,?,?,?,?,?,1,?,?)",
            (case_id, src["title"].strip(), src.get("description", ""), src["status"], src["tlp"], user.org,
             user.username, now, now, json.dumps(prov, ensure_ascii=False), json.dumps(view, ensure_ascii=False)))
        conn.executemany(
            "INSERT OR IGNORE INTO case_entities(case_id, label, key, caption, added_by, added_at, in_local_graph) "
            "VALUES (?,?,?,?,?,?,?)",
            [(case_id, e["label"], e["key"], str(e.get("caption") or "")[:300], user.username, now,
              None if (e["label"], e["key"]) not in local else int(local[(e["label"], e["key"])])) for e in ents])
        conn.executemany(
            "INSERT INTO case_notes(case_id, author, org_id, created_at, body, imported) VALUES (?,?,?,?,?,1)",
            [(case_id, str(n.get("author", ""))[:200], str(n.get("org", ""))[:200], str(n.get("created_at", ""))[:40],
              n["body"]) for n in package.get("notes", [])])
        for a in package.get("attachments", []):
            data = base64.b64decode(a["data_base64"])
            digest = db.put_blob(data)
            conn.execute(
                "INSERT INTO case_attachments(case_id, filename, sha256, size, content_type, uploaded_by, uploaded_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (case_id, _clean_filename(a["filename"]), digest, len(data),
                 str(a.get("content_type") or "application/octet-stream")[:100], user.username, now))
        db.audit("case.import", user.username, user.org, case_id,
                 {"from": prov.get("exporting_org"), "source_case_id": prov.get("source_case_id"), "tlp": src["tlp"]}, conn=conn)
    return _load_case(db, case_id)


def package_view(db: AppDB, user: User, case_id: str) -> dict:
    """For an imported case: the packaged entities (with their packaged properties and
    findings, and whether the local graph holds them) and relationships."""
    get_case(db, user, case_id)
    row = db.one("SELECT package FROM cases WHERE case_id = ?", (case_id,))
    view = json.loads(row["package"]) if row and row["package"] else {"entities": [], "relationships": []}
    local = {(r["label"], r["key"]): r["in_local_graph"]
             for r in db.rows("SELECT label, key, in_local_graph FROM case_entities WHERE case_id = ?", (case_id,))}
    for e in view["entities"]:
        flag = local.get((e.get("label"), e.get("key")))
        e["in_local_graph"] = None if flag is None else bool(flag)
    return view


# ---------------------------------------------------------------------- operations

def can_view_operation(user: User | None, op: dict) -> bool:
    if not _is_customs_user(user):
        return False
    return user.org == op["owner_org"] or user.org in op.get("participants", [])


def _load_op(db: AppDB, op_id: str) -> dict | None:
    op = db.one("SELECT * FROM operations WHERE op_id = ?", (op_id,))
    if op is None:
        return None
    op["participants"] = [r["org_id"] for r in db.rows(
        "SELECT org_id FROM operation_participants WHERE op_id = ? ORDER BY org_id", (op_id,))]
    op["case_ids"] = [r["case_id"] for r in db.rows(
        "SELECT case_id FROM operation_cases WHERE op_id = ? ORDER BY added_at", (op_id,))]
    return op


def get_operation(db: AppDB, user: User | None, op_id: str) -> dict:
    op = _load_op(db, op_id)
    if op is None or not can_view_operation(user, op):
        raise PermissionError("no such operation, or your administration does not take part")
    return op


def create_operation(db: AppDB, user: User, name: str, participants: Iterable[str] = (), description: str = "",
                     starts_on: str = "", ends_on: str = "", status: str = "planned") -> dict:
    """A joint operation led by ``user``'s administration (planners only)."""
    require_role(user, "planner")
    if not _is_customs_user(user):
        raise PermissionError("operations belong to customs administrations")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValueError("an operation needs a name of 1-200 characters")
    if status not in OP_STATUSES:
        raise ValueError(f"status must be one of {', '.join(OP_STATUSES)}")
    orgs = set()
    for org in participants:
        kind, cc = parse_org(org)
        if kind != "customs":
            raise ValueError(f"{org}: operations are joined by customs administrations")
        orgs.add(f"customs:{cc}")
    orgs.discard(user.org)
    for d in (starts_on, ends_on):
        if d:
            date.fromisoformat(str(d))
    if starts_on and ends_on and str(ends_on) < str(starts_on):
        raise ValueError("the operation ends before it starts")
    op_id = _new_id("OP")
    with db.tx() as conn:
        conn.execute("INSERT INTO operations(op_id, name, description, status, starts_on, ends_on, owner_org, created_by, "
                     "created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                     (op_id, name, description or "", status, str(starts_on or ""), str(ends_on or ""), user.org,
                      user.username, now_iso()))
        conn.executemany("INSERT INTO operation_participants(op_id, org_id) VALUES (?,?)", [(op_id, o) for o in sorted(orgs)])
        db.audit("operation.create", user.username, user.org, op_id, {"participants": sorted(orgs)}, conn=conn)
    return _load_op(db, op_id)


def list_operations(db: AppDB, user: User | None) -> list[dict]:
    out = []
    for r in db.rows("SELECT op_id FROM operations ORDER BY created_at DESC"):
        op = _load_op(db, r["op_id"])
        if op and can_view_operation(user, op):
            out.append(op)
    return out


def add_case_to_operation(db: AppDB, user: User, op_id: str, case_id: str) -> None:
    op = get_operation(db, user, op_id)
    case = get_case(db, user, case_id)
    if user.org != op["owner_org"] and user.org != case.owner_org:
        raise PermissionError("add cases of your own administration, or lead the operation")
    with db.tx() as conn:
        conn.execute("INSERT OR IGNORE INTO operation_cases(op_id, case_id, added_by, added_at) VALUES (?,?,?,?)",
                     (op_id, case_id, user.username, now_iso()))
        db.audit("operation.case.add", user.username, user.org, op_id, case_id, conn=conn)


def remove_case_from_operation(db: AppDB, user: User, op_id: str, case_id: str) -> None:
    op = get_operation(db, user, op_id)
    if user.org != op["owner_org"]:
        raise PermissionError("only the leading administration changes the operation")
    db.execute("DELETE FROM operation_cases WHERE op_id = ? AND case_id = ?", (op_id, case_id))
    db.audit("operation.case.remove", user.username, user.org, op_id, case_id)


def record_result(db: AppDB, user: User, op_id: str, kind: str, quantity: int = 1, note: str = "") -> None:
    """A result of the operation (inspection, seizure, arrest, ...) by a participant."""
    get_operation(db, user, op_id)
    if kind not in RESULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RESULT_KINDS)}")
    if int(quantity) < 0:
        raise ValueError("quantity cannot be negative")
    with db.tx() as conn:
        conn.execute("INSERT INTO operation_results(op_id, kind, quantity, note, org_id, recorded_by, recorded_at) "
                     "VALUES (?,?,?,?,?,?,?)", (op_id, kind, int(quantity), (note or "")[:2000], user.org, user.username, now_iso()))
        db.audit("operation.result", user.username, user.org, op_id, {"kind": kind, "quantity": int(quantity)}, conn=conn)


def _route_hubs(route: str) -> list[str]:
    parts = [p.replace("(ftz)", "") for p in str(route or "").split(">")[1:]]
    return [p for p in parts if len(p) == 5]


def operation_view(db: AppDB, user: User, op_id: str, store: Any = None,
                   findings_dir: Path | str | None = None) -> dict[str, Any]:
    """Targets, hubs and results of an operation, from the cases ``user`` may see."""
    op = get_operation(db, user, op_id)
    visible, hidden = [], 0
    for cid in op["case_ids"]:
        case = _load_case(db, cid)
        if case is not None and can_view(user, case):
            visible.append(case)
        else:
            hidden += 1
    findings = read_findings(findings_dir)
    ents = []
    for case in visible:
        for e in db.rows("SELECT label, key, caption FROM case_entities WHERE case_id = ?", (case.case_id,)):
            ents.append({**e, "case_id": case.case_id})
    ent = pd.DataFrame(ents, columns=["label", "key", "caption", "case_id"])

    def score_of(label: str, key: str) -> float | None:
        fs = entity_findings(findings, label, key) if findings else []
        scores = [f["score"] for f in fs if isinstance(f.get("score"), (int, float))]
        return max(scores) if scores else None

    targets = (ent[ent["label"].isin(["Party", "Identifier"])]
               .groupby(["label", "key", "caption"], as_index=False)["case_id"].agg(lambda s: ", ".join(sorted(set(s)))))
    targets["score"] = [score_of(r.label, r.key) for r in targets.itertuples()]
    hub_keys: dict[str, set[str]] = {}
    for r in ent.itertuples():
        if r.label == "Hub":
            hub_keys.setdefault(r.key, set()).add(r.case_id)
        elif r.label == "Route":
            for h in _route_hubs(r.caption):
                hub_keys.setdefault(h, set()).add(r.case_id)
    hubs = pd.DataFrame([{"locode": h, "cases": ", ".join(sorted(c)), "score": score_of("Hub", h)}
                         for h, c in sorted(hub_keys.items())], columns=["locode", "cases", "score"])
    if len(hubs) and "hubs" in findings and {"locode", "name"} <= set(findings["hubs"].columns):
        hubs = hubs.merge(findings["hubs"][["locode", "name"]].astype({"locode": str}), on="locode", how="left")
    results = db.frame("SELECT kind, quantity, note, org_id, recorded_by, recorded_at FROM operation_results "
                       "WHERE op_id = ? ORDER BY result_id", (op_id,))
    outcomes = pd.DataFrame(columns=["decl_key", "inspection_result", "status"])
    decl_keys = ent.loc[ent["label"] == "Declaration", "key"].tolist()
    if store is not None and decl_keys:
        try:
            outcomes = fetch_nodes(store, "Declaration", decl_keys, ["decl_key", "inspection_result", "status"])
        except Exception:  # noqa: BLE001 - store busy: show recorded results only
            pass
    summary = {
        "cases": len(visible), "hidden_cases": hidden, "targets": int((targets["label"] == "Party").sum()),
        "hubs": len(hubs),
        "inspections": int(results.loc[results["kind"] == "inspection", "quantity"].sum())
        + int(outcomes["inspection_result"].isin(["compliant", "non_compliant", "seized"]).sum()),
        "seizures": int(results.loc[results["kind"] == "seizure", "quantity"].sum())
        + int(((outcomes["inspection_result"] == "seized") | (outcomes["status"] == "seized")).sum()),
    }
    return {"operation": op, "cases": visible, "targets": targets, "hubs": hubs, "results": results,
            "declaration_outcomes": outcomes, "summary": summary}
