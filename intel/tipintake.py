"""Tips submitted from the dashboard: validation, storage, immediate matching, status.

A rights holder (or a partner agency user) fills the tip form; :func:`validate_tip` applies the
data contract's rules for tips and returns *every* problem at once; :func:`submit_tip` stores
a valid tip in the app database with status ``received`` (supporting files as attachments) and
:func:`match_tip` matches it at once against the graph, read-only:

- suspect names, fuzzily (rapidfuzz ``token_sort_ratio`` >= ``cfg.tip_name_threshold``)
  against Party display names and aliases;
- phones (E.164) and e-mails against Identifier values; addresses fuzzily against address
  identifiers;
- ports against Hubs;
- the declarations of the matched parties (narrowed to the tip's HS prefixes / brand when it
  names them), or — when no party matched — the declarations through the named ports with the
  tip's HS prefixes / brand / origin countries;

and sets the status ``matched`` with counts. Statuses: ``received`` -> ``matched`` ->
``acted on`` -> ``closed`` (the last two set by customs users).

What a submitter sees is only :func:`tips_for` / :func:`outcome_text`: the status and
aggregate outcomes ("3 consignees and 41 declarations matched; 2 inspections, 1 seizure"),
never the matched parties or declarations. Customs users see the tips addressed to their
administration with the matched entities.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timezone
from typing import Any, Iterable

import pandas as pd

from intel.appdb import AppDB, now_iso
from intel.auth import CUSTOMS_ROLES, User, parse_org, require_role
from intel.cases import TLP_LEVELS, _clean_filename, fetch_nodes

__all__ = [
    "TIP_STATUSES", "FORM_FIELDS", "LIST_FIELDS", "validate_tip", "submit_tip", "match_tip",
    "tips_for", "tip_detail", "set_tip_status", "outcome_text", "tips_frame", "can_view_tip",
    "tip_attachment", "SUBMIT_ROLES",
]

TIP_STATUSES = ("received", "matched", "acted on", "closed")
SUBMIT_ROLES = ("rights_holder", "analyst", "planner")
LIST_FIELDS = ("hs_codes", "suspect_names", "suspect_addresses", "suspect_phones", "suspect_emails",
               "suspect_ports", "origin_countries")
FORM_FIELDS = ("brand", *LIST_FIELDS, "description", "source_reliability", "info_credibility", "tlp",
               "valid_until", "recipients")
MAX_ITEMS = 50
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DECLARATIONS = 200_000

_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")


# ---------------------------------------------------------------------- validation

def _items(value: Any) -> list[str]:
    """A list from a list, or from text separated by ';', ',' or new lines."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[;\n\r]+", str(value))
    return [p.strip() for p in parts if p and p.strip()]


def _comma_items(value: Any) -> list[str]:
    out = []
    for item in _items(value):
        out.extend(p.strip() for p in item.split(",") if p.strip())
    return out


def _country_ok(code: str) -> bool:
    import pycountry

    return len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code) is not None


def validate_tip(form: dict[str, Any], today: date | None = None,
                 default_region: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """``(clean, problems)``: the normalised tip and every problem found (empty when valid).

    Lists may be given as lists or as text separated by ``;`` or new lines (HS codes, ports and
    countries also by commas). Phones without a ``+`` country code are read in
    ``default_region`` when given.
    """
    today = today or datetime.now(timezone.utc).date()
    problems: list[str] = []
    clean: dict[str, Any] = {}

    brand = str(form.get("brand") or "").strip()
    if len(brand) > 200:
        problems.append("Brand: at most 200 characters.")
    clean["brand"] = brand[:200]

    hs = []
    for raw in _comma_items(form.get("hs_codes")):
        code = re.sub(r"[.\s]", "", raw)
        if not code.isdigit() or not 2 <= len(code) <= 10:
            problems.append(f"HS code {raw!r}: use digits only, 2 to 10 of them (e.g. 8507 or 850760).")
        else:
            hs.append(code)
    clean["hs_codes"] = list(dict.fromkeys(hs))

    for name, label, limit in (("suspect_names", "Suspect name", 300), ("suspect_addresses", "Suspect address", 500)):
        values = _items(form.get(name))
        for v in values:
            if len(v) > limit:
                problems.append(f"{label} {v[:30]!r}…: at most {limit} characters.")
            elif len(v) < 2:
                problems.append(f"{label} {v!r}: too short to match.")
        clean[name] = list(dict.fromkeys(v for v in values if 2 <= len(v) <= limit))

    phones = []
    region = (default_region or "").upper() or None
    for raw in _items(form.get("suspect_phones")):
        e164 = _phone(raw, region)
        if e164 is None:
            hint = "" if region else " write it with its country code, e.g. +66 2 123 4567,"
            problems.append(f"Phone {raw!r} is not a valid phone number;{hint} or remove it.")
        else:
            phones.append(e164)
    clean["suspect_phones"] = list(dict.fromkeys(phones))

    emails = []
    for raw in _items(form.get("suspect_emails")):
        if not _EMAIL.match(raw) or len(raw) > 254:
            problems.append(f"E-mail {raw!r} is not a valid e-mail address.")
        else:
            emails.append(raw.lower())
    clean["suspect_emails"] = list(dict.fromkeys(emails))

    ports = []
    for raw in _comma_items(form.get("suspect_ports")):
        code = raw.replace(" ", "").upper()
        if not _LOCODE.match(code):
            problems.append(f"Port {raw!r} is not a UN/LOCODE (two letters for the country and three letters/digits, e.g. THLCH).")
        elif not _country_ok(code[:2]):
            problems.append(f"Port {raw!r}: {code[:2]} is not a country code.")
        else:
            ports.append(code)
    clean["suspect_ports"] = list(dict.fromkeys(ports))

    countries = []
    for raw in _comma_items(form.get("origin_countries")):
        code = raw.upper()
        if not _country_ok(code):
            problems.append(f"Origin country {raw!r} is not an ISO 3166-1 alpha-2 code (e.g. CN, VN).")
        else:
            countries.append(code)
    clean["origin_countries"] = list(dict.fromkeys(countries))

    for name in LIST_FIELDS:
        if len(clean[name]) > MAX_ITEMS:
            problems.append(f"{name.replace('_', ' ').capitalize()}: at most {MAX_ITEMS} entries.")

    description = str(form.get("description") or "").strip()
    if len(description) > 5000:
        problems.append("Description: at most 5000 characters.")
    clean["description"] = description[:5000]

    rel = str(form.get("source_reliability") or "F").strip().upper()
    if rel not in tuple("ABCDEF"):
        problems.append(f"Source reliability {rel!r}: use an Admiralty grade A to F (F: cannot be judged).")
    clean["source_reliability"] = rel
    cred = str(form.get("info_credibility") or "6").strip()
    if cred not in tuple("123456"):
        problems.append(f"Information credibility {cred!r}: use an Admiralty grade 1 to 6 (6: cannot be judged).")
    clean["info_credibility"] = cred

    tlp = str(form.get("tlp") or "AMBER").strip().upper().replace("TLP:", "")
    if tlp not in TLP_LEVELS:
        problems.append(f"TLP {tlp!r}: use one of {', '.join(TLP_LEVELS)}.")
    clean["tlp"] = tlp

    raw_until = form.get("valid_until")
    clean["valid_until"] = ""
    if raw_until not in (None, ""):
        try:
            until = raw_until if isinstance(raw_until, date) else date.fromisoformat(str(raw_until).strip()[:10])
            if isinstance(until, datetime):
                until = until.date()
            if until <= today:
                problems.append(f"Valid until {until.isoformat()}: must be after today ({today.isoformat()}).")
            clean["valid_until"] = until.isoformat()
        except ValueError:
            problems.append(f"Valid until {raw_until!r}: not a date (use YYYY-MM-DD).")

    recipients = []
    for raw in _items(form.get("recipients")):
        try:
            kind, cc = parse_org(raw)
        except ValueError as exc:
            problems.append(f"Recipient: {exc}.")
            continue
        if kind != "customs":
            problems.append(f"Recipient {raw!r}: tips go to customs administrations (customs:XX).")
        else:
            recipients.append(f"customs:{cc}")
    clean["recipients"] = list(dict.fromkeys(recipients))
    if tlp == "RED" and not recipients:
        problems.append("A TLP:RED tip must name the customs administrations it is for.")

    indicators = ("suspect_names", "suspect_addresses", "suspect_phones", "suspect_emails", "suspect_ports")
    raw_given = any(_items(form.get(n)) for n in indicators) or _items(form.get("hs_codes")) or brand
    if not raw_given:
        problems.append("Give at least one suspect indicator (name, address, phone, e-mail or port) or an HS code or brand.")
    return clean, problems


def _phone(raw: str, region: str | None) -> str | None:
    import phonenumbers

    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


# ---------------------------------------------------------------------- storage

def _tip_row_to_dict(row: dict) -> dict:
    out = dict(row)
    for name in LIST_FIELDS:
        out[name] = [v for v in str(out.get(name) or "").split(";") if v]
    out["recipients"] = [v for v in str(out.get("recipients") or "").split(";") if v]
    return out


def submit_tip(db: AppDB, user: User, form: dict[str, Any], files: Iterable[tuple[str, bytes, str]] = (),
               today: date | None = None, default_region: str | None = None,
               store: Any = None, cfg: Any = None, party_index: pd.DataFrame | None = None
               ) -> tuple[str | None, list[str]]:
    """Validate and store a tip (status ``received``) with its files ``(name, bytes, type)``;
    when ``store`` is given, match it at once. Returns ``(tip_id, [])`` or ``(None, problems)``."""
    require_role(user, *SUBMIT_ROLES)
    clean, problems = validate_tip(form, today=today, default_region=default_region)
    files = list(files)
    for name, data, _ in files:
        if len(data) > MAX_FILE_BYTES:
            problems.append(f"File {_clean_filename(name)!r}: at most {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if len(files) > 10:
        problems.append("At most 10 supporting files.")
    if problems:
        return None, problems
    tip_id = f"UT-{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(4).upper()}"
    now = now_iso()
    digests = [(n, db.put_blob(d), len(d), t) for n, d, t in files]
    with db.tx() as conn:
        conn.execute(
            "INSERT INTO tips(tip_id, org_id, submitted_by_user, submitted_at, brand, hs_codes, suspect_names, "
            "suspect_addresses, suspect_phones, suspect_emails, suspect_ports, origin_countries, description, "
            "source_reliability, info_credibility, tlp, valid_until, recipients, status, status_updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'received', ?)",
            (tip_id, user.org, user.username, now, clean["brand"],
             *(";".join(clean[n]) for n in LIST_FIELDS), clean["description"], clean["source_reliability"],
             clean["info_credibility"], clean["tlp"], clean["valid_until"], ";".join(clean["recipients"]), now))
        conn.executemany(
            "INSERT INTO tip_attachments(tip_id, filename, sha256, size, content_type, uploaded_at) VALUES (?,?,?,?,?,?)",
            [(tip_id, _clean_filename(n), h, size, (t or "application/octet-stream")[:100], now) for n, h, size, t in digests])
        db.audit("tip.submit", user.username, user.org, tip_id, {"tlp": clean["tlp"], "files": len(files)}, conn=conn)
    if store is not None:
        match_tip(db, store, tip_id, cfg=cfg, party_index=party_index)
    return tip_id, []


# ---------------------------------------------------------------------- matching

def _fuzzy_parties(names: list[str], parties: pd.DataFrame, threshold: float) -> dict[str, tuple[float, str]]:
    """party_id -> (best score, evidence) for suspect names against display names + aliases."""
    from rapidfuzz import fuzz, process, utils

    if not names or parties.empty:
        return {}
    choices: list[str] = []
    owners: list[str] = []
    for pid, display, aliases in parties[["party_id", "display_name", "aliases"]].itertuples(index=False):
        for n in {str(display or ""), *str(aliases or "").split("|")}:
            n = n.strip()
            if n:
                choices.append(n)
                owners.append(str(pid))
    found: dict[str, tuple[float, str]] = {}
    for name in names:
        for choice, score, idx in process.extract(name, choices, scorer=fuzz.token_sort_ratio,
                                                  processor=utils.default_process, score_cutoff=threshold,
                                                  limit=200):
            pid = owners[idx]
            if pid not in found or score > found[pid][0]:
                found[pid] = (float(score), f"name {name!r} ~ {choice!r} ({score:.0f})")
    return found


def match_tip(db: AppDB, store: Any, tip_id: str, cfg: Any = None,
              party_index: pd.DataFrame | None = None) -> dict[str, int]:
    """Match a stored tip against the graph (read-only) and record the counts and targets;
    a ``received`` tip becomes ``matched``. Returns the counts."""
    from intel.model import PIVOT_KINDS  # noqa: F401 - documents the identifier kinds used

    row = db.one("SELECT * FROM tips WHERE tip_id = ?", (tip_id,))
    if row is None:
        raise LookupError(f"no tip {tip_id}")
    tip = _tip_row_to_dict(row)
    threshold = float(getattr(cfg, "tip_name_threshold", 88.0))
    targets: list[tuple[str, str, str, float, str]] = []

    # parties by name
    if tip["suspect_names"]:
        parties = party_index if party_index is not None else store.nodes("Party", columns=["party_id", "display_name", "aliases"])
        for col in ("display_name", "aliases"):
            if col not in parties:
                parties[col] = ""
        by_name = _fuzzy_parties(tip["suspect_names"], parties, threshold)
        captions = dict(zip(parties["party_id"].astype(str), parties["display_name"].astype(str)))
        targets += [("Party", pid, captions.get(pid, ""), s / 100.0, ev) for pid, (s, ev) in by_name.items()]

    # identifiers: phones, e-mails exact; addresses fuzzy
    ident_keys = {f"phone:{p}": p for p in tip["suspect_phones"]}
    ident_keys.update({f"email:{e}": e for e in tip["suspect_emails"]})
    matched_idents: dict[str, tuple[str, float, str]] = {}
    if ident_keys:
        found = fetch_nodes(store, "Identifier", list(ident_keys), ["ident_key", "value"])
        values = dict(zip(found["ident_key"].astype(str), found["value"].astype(str)))
        if len(found) < len(ident_keys):  # values stored under another key spelling
            q = store.query("MATCH (i:Identifier) WHERE i.`value` IN $v RETURN i.ident_key AS ident_key, i.`value` AS `value`",
                            {"v": sorted(set(ident_keys.values()))})
            values.update(dict(zip(q["ident_key"].astype(str), q["value"].astype(str))))
        for key, value in values.items():
            matched_idents[key] = (value, 1.0, f"{key.split(':', 1)[0]} {value} named in the tip")
    if tip["suspect_addresses"]:
        from rapidfuzz import fuzz, process, utils

        addr = store.query("MATCH (i:Identifier) WHERE i.`kind` = 'address' RETURN i.ident_key AS ident_key, i.`value` AS `value`")
        choices = addr["value"].astype(str).tolist()
        for a in tip["suspect_addresses"]:
            for choice, score, idx in process.extract(a, choices, scorer=fuzz.token_set_ratio,
                                                      processor=utils.default_process, score_cutoff=max(threshold, 90), limit=20):
                matched_idents.setdefault(str(addr["ident_key"].iloc[idx]), (choice, score / 100.0, f"address ~ {choice!r} ({score:.0f})"))
    targets += [("Identifier", k, v, s, ev) for k, (v, s, ev) in matched_idents.items()]
    party_ids = {t[1] for t in targets if t[0] == "Party"}
    if matched_idents:
        holders = store.query(
            "UNWIND $k AS key MATCH (p:Party)-[:HAS_IDENTIFIER]->(i:Identifier {ident_key: key}) "
            "RETURN p.party_id AS party_id, p.display_name AS display_name, i.ident_key AS ident_key",
            {"k": sorted(matched_idents)})
        for r in holders.itertuples(index=False):
            pid = str(r.party_id)
            if pid not in party_ids:
                party_ids.add(pid)
                targets.append(("Party", pid, str(r.display_name or ""), 0.9, f"holds {r.ident_key} named in the tip"))

    # hubs
    hubs = fetch_nodes(store, "Hub", tip["suspect_ports"], ["locode", "name"]) if tip["suspect_ports"] else pd.DataFrame(columns=["locode", "name"])
    targets += [("Hub", str(r.locode), str(r.name or r.locode), 1.0, f"port {r.locode} named in the tip")
                for r in hubs.itertuples(index=False)]

    # declarations
    cols = "d.decl_key AS decl_key, d.hs_code AS hs_code, d.brand AS brand, d.origin_country AS origin_country, " \
           "d.inspection_result AS inspection_result, d.status AS status"
    decl = pd.DataFrame(columns=["decl_key", "hs_code", "brand", "origin_country", "inspection_result", "status", "party_id", "role"])
    frames = []
    if party_ids:
        for rel, role in (("CONSIGNEE", "consignee"), ("CONSIGNOR", "consignor")):
            q = store.query(f"UNWIND $ids AS pid MATCH (d:Declaration)-[:{rel}]->(p:Party {{party_id: pid}}) "
                            f"RETURN {cols}, p.party_id AS party_id LIMIT {MAX_DECLARATIONS}", {"ids": sorted(party_ids)})
            q["role"] = role
            frames.append(q)
    elif len(hubs) and (tip["hs_codes"] or tip["brand"] or tip["origin_countries"]):
        for rel in ("LOADED_AT", "TRANSITED", "DISCHARGED_AT"):
            q = store.query(f"UNWIND $l AS code MATCH (d:Declaration)-[:{rel}]->(h:Hub {{locode: code}}) RETURN {cols} LIMIT {MAX_DECLARATIONS}",
                            {"l": hubs["locode"].astype(str).tolist()})
            q["party_id"], q["role"] = None, "port"
            frames.append(q)
    if frames:
        decl = pd.concat(frames, ignore_index=True)
    if len(decl):
        keep = pd.Series(True, index=decl.index)
        if tip["hs_codes"] or tip["brand"]:
            hs_ok = decl["hs_code"].fillna("").astype(str).map(lambda h: any(h.startswith(p) for p in tip["hs_codes"]))
            brand_ok = decl["brand"].fillna("").astype(str).str.casefold() == tip["brand"].casefold() if tip["brand"] else False
            keep &= hs_ok | brand_ok
        if tip["origin_countries"] and not party_ids:
            keep &= decl["origin_country"].isin(tip["origin_countries"])
        decl = decl[keep]
    consignee_ids = set(decl.loc[decl["role"] == "consignee", "party_id"].dropna().astype(str)) & party_ids
    per_decl = decl.drop_duplicates("decl_key")
    inspected = per_decl["inspection_result"].isin(["compliant", "non_compliant", "seized"])
    seized = (per_decl["inspection_result"] == "seized") | (per_decl["status"] == "seized")
    targets += [("Declaration", str(k), str(k), 0.8, "declaration of a matched party" if party_ids else "through a named port")
                for k in per_decl["decl_key"].head(500)]
    counts = {
        "parties": len(party_ids), "consignees": len(consignee_ids), "identifiers": len(matched_idents),
        "hubs": len(hubs), "declarations": int(len(per_decl)),
        "inspections": int(inspected.sum()), "seizures": int(seized.sum()),
    }
    now = now_iso()
    with db.tx() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO tip_matches(tip_id, matched_at, parties, consignees, identifiers, hubs, declarations, "
            "inspections, seizures) VALUES (?,?,?,?,?,?,?,?,?)",
            (tip_id, now, *(counts[k] for k in ("parties", "consignees", "identifiers", "hubs", "declarations", "inspections", "seizures"))))
        conn.execute("DELETE FROM tip_match_targets WHERE tip_id = ?", (tip_id,))
        conn.executemany(
            "INSERT OR REPLACE INTO tip_match_targets(tip_id, target_label, target_key, caption, score, evidence) VALUES (?,?,?,?,?,?)",
            [(tip_id, label, key, caption[:300], float(score), ev[:500]) for label, key, caption, score, ev in targets])
        conn.execute("UPDATE tips SET status = 'matched', status_updated_at = ? WHERE tip_id = ? AND status = 'received'",
                     (now, tip_id))
        db.audit("tip.match", "", "", tip_id, counts, conn=conn)
    return counts


# ---------------------------------------------------------------------- views

def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def outcome_text(counts: dict[str, Any] | None, status: str = "received") -> str:
    """The aggregate outcome a submitter may see, e.g. ``"3 consignees and 41 declarations
    matched; 2 inspections, 1 seizure"``."""
    if not counts or counts.get("matched_at") is None and status == "received":
        return "Received; not yet matched against the data."
    c = {k: int(counts.get(k) or 0) for k in ("consignees", "parties", "declarations", "inspections", "seizures", "hubs", "identifiers")}
    if not (c["parties"] or c["declarations"] or c["hubs"] or c["identifiers"]):
        return "No matches in the data so far."
    first = []
    if c["consignees"]:
        first.append(_plural(c["consignees"], "consignee"))
    other_parties = c["parties"] - c["consignees"]
    if other_parties:
        first.append(_plural(other_parties, "other trader"))
    if c["declarations"]:
        first.append(_plural(c["declarations"], "declaration"))
    if not first and c["hubs"]:
        first.append(_plural(c["hubs"], "port"))
    if not first and c["identifiers"]:
        first.append(_plural(c["identifiers"], "contact detail"))
    text = (", ".join(first[:-1]) + " and " + first[-1] if len(first) > 1 else first[0]) + " matched"
    return f"{text}; {_plural(c['inspections'], 'inspection')}, {_plural(c['seizures'], 'seizure')}"


def can_view_tip(user: User | None, tip: dict) -> bool:
    """Submitters see their organisation's tips; customs analysts and planners see tips addressed
    to their administration (or to every administration)."""
    if user is None:
        return False
    if user.org == tip["org_id"] and user.role in SUBMIT_ROLES:
        return True
    if user.role in CUSTOMS_ROLES and user.org.startswith("customs:"):
        recipients = tip["recipients"] if isinstance(tip["recipients"], list) else [r for r in str(tip["recipients"]).split(";") if r]
        return not recipients or user.org in recipients
    return False


_SUBMITTER_COLUMNS = ["tip_id", "submitted_at", "brand", "tlp", "status", "outcome", "status_note", "status_updated_at"]


def tips_for(db: AppDB, user: User) -> pd.DataFrame:
    """The tips ``user`` may see. A rights holder gets only its own organisation's tips and
    only :data:`_SUBMITTER_COLUMNS` (status and aggregate outcome); customs users get the tips
    addressed to them with the tip content and match counts."""
    require_role(user, *SUBMIT_ROLES)
    rows = db.rows("SELECT t.*, m.matched_at, m.parties, m.consignees, m.identifiers, m.hubs, m.declarations, "
                   "m.inspections, m.seizures FROM tips t LEFT JOIN tip_matches m ON m.tip_id = t.tip_id "
                   "ORDER BY t.submitted_at DESC, t.tip_id")
    if user.role == "rights_holder":
        own = [r for r in rows if r["org_id"] == user.org]
        out = [{**{k: r[k] for k in _SUBMITTER_COLUMNS if k in r}, "outcome": outcome_text(r, r["status"])} for r in own]
        return pd.DataFrame(out, columns=_SUBMITTER_COLUMNS)
    visible = [r for r in rows if can_view_tip(user, _tip_row_to_dict(r))]
    frame = pd.DataFrame(visible)
    if frame.empty:
        return pd.DataFrame(columns=["tip_id", "org_id", "submitted_at", "brand", "tlp", "status", "outcome"])
    frame["outcome"] = [outcome_text(r, r["status"]) for r in visible]
    return frame


def tip_detail(db: AppDB, user: User, tip_id: str) -> dict:
    """One tip. Customs users: the tip, its matched targets and files. The submitter: the same
    fields as :func:`tips_for` plus its own text and file names — never the targets."""
    row = db.one("SELECT t.*, m.matched_at, m.parties, m.consignees, m.identifiers, m.hubs, m.declarations, "
                 "m.inspections, m.seizures FROM tips t LEFT JOIN tip_matches m ON m.tip_id = t.tip_id WHERE t.tip_id = ?",
                 (tip_id,))
    if row is None or not can_view_tip(user, _tip_row_to_dict(row)):
        raise PermissionError("no such tip, or it is not addressed to you")
    tip = _tip_row_to_dict(row)
    files = db.frame("SELECT attachment_id, filename, size, content_type, uploaded_at FROM tip_attachments "
                     "WHERE tip_id = ? ORDER BY attachment_id", (tip_id,))
    outcome = outcome_text(row, row["status"])
    if user.role == "rights_holder" or (user.org == tip["org_id"] and user.role not in CUSTOMS_ROLES):
        keep = ("tip_id", "submitted_at", "brand", *LIST_FIELDS, "description", "source_reliability",
                "info_credibility", "tlp", "valid_until", "status", "status_note", "status_updated_at")
        return {"tip": {k: tip[k] for k in keep}, "outcome": outcome, "files": files[["filename", "size", "uploaded_at"]]}
    targets = db.frame("SELECT target_label, target_key, caption, score, evidence FROM tip_match_targets "
                       "WHERE tip_id = ? ORDER BY target_label, score DESC", (tip_id,))
    return {"tip": tip, "outcome": outcome, "files": files, "targets": targets}


def tip_attachment(db: AppDB, user: User, tip_id: str, attachment_id: int) -> tuple[str, str, bytes]:
    tip_detail(db, user, tip_id)  # visibility
    row = db.one("SELECT filename, content_type, sha256 FROM tip_attachments WHERE tip_id = ? AND attachment_id = ?",
                 (tip_id, int(attachment_id)))
    if row is None:
        raise PermissionError("no such file")
    return row["filename"], row["content_type"], db.get_blob(row["sha256"])


def set_tip_status(db: AppDB, user: User, tip_id: str, status: str, note: str = "") -> None:
    """Customs users move a tip on (``acted on``, ``closed``); ``note`` is shown to the
    submitter, so it must stay aggregate (no names, no declaration numbers)."""
    require_role(user, *CUSTOMS_ROLES)
    tip_detail(db, user, tip_id)
    if status not in TIP_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TIP_STATUSES)}")
    with db.tx() as conn:
        conn.execute("UPDATE tips SET status = ?, status_note = ?, status_updated_at = ? WHERE tip_id = ?",
                     (status, (note or "")[:1000], now_iso(), tip_id))
        db.audit("tip.status", user.username, user.org, tip_id, status, conn=conn)


def tips_frame(db: AppDB) -> pd.DataFrame:
    """Dashboard tips in the data contract's ``tips`` layout (``;``-joined lists), for
    ``intel analyze`` to weigh alongside ingested tips."""
    rows = db.rows("SELECT * FROM tips ORDER BY submitted_at")
    columns = ["tip_id", "submitted_by", "submitted_at", "brand", *LIST_FIELDS, "description",
               "source_reliability", "info_credibility", "tlp", "valid_until", "status"]
    out = []
    for r in rows:
        kind, name = parse_org(r["org_id"])
        out.append({**{c: r.get(c, "") for c in columns if c in r}, "submitted_by": name})
    return pd.DataFrame(out, columns=columns)
