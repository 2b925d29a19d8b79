"""Tips from rights holders and partner agencies, matched to the graph.

Each tip's suspects are matched to what the data holds:

- **names** — fingerprinted (``fingerprints``), legal forms dropped, then compared with
  rapidfuzz ``token_sort_ratio`` against every way each party was written (its mentions'
  fingerprints, display name and aliases); candidates are blocked on shared name tokens and
  4-letter token prefixes, and a match needs ``cfg.tip_name_threshold``;
- **phones** — parsed to E.164 (``phonenumbers``; a number without country code is tried in
  every country the data involves) and compared for equality with phone identifiers;
- **e-mails** — equal ignoring case; **addresses** — normalised (case, punctuation, common
  abbreviations) and fuzzy-matched (``token_sort_ratio`` ≥ 90);
- **ports** — UN/LOCODEs equal to a hub.

A declaration is *flagged* by a tip when one of its parties (consignee, consignor, declarant)
matches the tip by name or identifier — or, for a tip that names no party, when it touches a
suspect port — **and** it is consistent with every criterion the tip gives: HS prefixes, origin
countries, brand (a declaration with no brand is not inconsistent), **and** it falls in the
tip's validity: declared no more than ``cfg.tip_lookback_days`` before the tip was submitted
and not after ``valid_until``.

Tip weight: the ``weight`` column when given, else source reliability × information
credibility from the Admiralty (NATO) grading::

    reliability  A 1.00  B 0.85  C 0.65  D 0.45  E 0.15  F 0.35 (cannot be judged)
    credibility  1 1.00  2 0.85  3 0.60  4 0.35  5 0.10  6 0.35 (cannot be judged)

('cannot be judged' sits above 'unreliable'/'improbable': it is absence of evidence, not
evidence against). Tips whose status is rejected/withdrawn weigh 0. A match's score is
``weight × strength`` (names 0.5-0.9 with the fuzzy score, shared between parties when one
suspect name matches several; phone and e-mail 0.9; address 0.6; port 0.3; identifiers held by
more than 5 parties are thinned by √(5/n)). Party and identifier matches of a tip that expired
before the latest declaration are kept with score 0 (evidence says why): expired tips do not
raise risk.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from intel.analytics import features as F
from intel.analytics import reasons as R
from intel.analytics.projection import Projection

__all__ = ["run", "tip_table", "party_hits", "RELIABILITY", "CREDIBILITY", "normalise_address", "e164_candidates"]

RELIABILITY = {"A": 1.0, "B": 0.85, "C": 0.65, "D": 0.45, "E": 0.15, "F": 0.35}
CREDIBILITY = {"1": 1.0, "2": 0.85, "3": 0.6, "4": 0.35, "5": 0.1, "6": 0.35}
DEAD_STATUS = frozenset({"rejected", "withdrawn", "dismissed", "false", "invalid", "retracted"})
STRENGTH = {"phone": 0.9, "email": 0.9, "address": 0.6, "port": 0.3}
ADDRESS_THRESHOLD = 90.0
#: blocks (name tokens / prefixes) shared by more names than this are too common to block on
BLOCK_CAP = 5000
MATCH_COLUMNS = ["tip_id", "target_label", "target_key", "score", "evidence", "kind", "strength"]
DECL_COLUMNS = ["decl_key", "score", "reasons", "tip_ids"]
_ABBREVIATIONS = {
    "road": "rd", "street": "st", "avenue": "ave", "building": "bldg", "floor": "fl", "number": "no",
    "soi": "soi", "jalan": "jln", "lorong": "lrg", "taman": "tmn", "district": "dist", "moo": "moo",
    "village": "vil", "industrial": "ind", "estate": "est", "room": "rm", "unit": "unit", "suite": "ste",
}


# --------------------------------------------------------------------------- tips
def _split(s: pd.Series) -> pd.Series:
    """';'-separated cells as lists of stripped, non-empty items."""
    return F.text(s).map(lambda v: [x.strip() for x in re.split(r"[;|\n]", v) if x.strip()] if v else [])


def tip_table(proj: Projection, cfg, ref: pd.Timestamp) -> pd.DataFrame:  # noqa: ANN001
    """The tips with parsed lists, ``grade`` (e.g. ``B2``), ``weight``, and ``expired``."""
    t = proj.tips
    col = lambda name: F._column(t, name)  # noqa: E731
    out = pd.DataFrame({
        "tip_id": F.text(col("tip_id")),
        "submitted_by": F.text(col("submitted_by")),
        "submitted_at": F.timestamp(col("submitted_at")),
        "valid_until": F.timestamp(col("valid_until")),
        "brand": F.text(col("brand")),
        "status": F.text(col("status"), lower=True),
    })
    for name in ("suspect_names", "suspect_addresses", "suspect_phones", "suspect_emails", "suspect_ports",
                 "origin_countries", "hs_codes"):
        out[name] = _split(col(name))
    out["hs_codes"] = out["hs_codes"].map(lambda xs: [re.sub(r"\D", "", x) for x in xs if re.sub(r"\D", "", x)])
    out["origin_countries"] = out["origin_countries"].map(lambda xs: [x.upper() for x in xs])
    out["suspect_ports"] = out["suspect_ports"].map(lambda xs: [x.upper().replace(" ", "") for x in xs])
    rel = F.text(col("source_reliability")).str.upper().str[:1]
    cred = F.text(col("info_credibility")).str.replace(r"\.0$", "", regex=True).str[:1]
    rel = rel.where(rel.isin(list(RELIABILITY)), "F")
    cred = cred.where(cred.isin(list(CREDIBILITY)), "6")
    out["grade"] = rel + cred
    given = F.number(col("weight"))
    out["weight"] = given.where(given.notna(), rel.map(RELIABILITY).astype(float) * cred.map(CREDIBILITY).astype(float))
    out.loc[out["status"].isin(DEAD_STATUS), "weight"] = 0.0
    out["weight"] = out["weight"].clip(0, 1)
    out["expired"] = out["valid_until"].notna() & (out["valid_until"] < ref.normalize())
    return out[out["tip_id"].ne("")].drop_duplicates("tip_id").reset_index(drop=True)


# --------------------------------------------------------------------------- normalisers
def normalise_address(s: pd.Series) -> pd.Series:
    """Lower case, punctuation to spaces, common words abbreviated (road → rd, jalan → jln)."""
    tokens = F.text(s, lower=True).str.replace(r"[^\w]+", " ", regex=True).str.split()
    return tokens.map(lambda ts: " ".join(_ABBREVIATIONS.get(t, t) for t in ts) if isinstance(ts, list) else "")


def e164_candidates(raw: str, regions: list[str]) -> list[str]:
    """Every E.164 reading of ``raw``: as international when it starts with + or 00, else in
    each of ``regions``."""
    import phonenumbers

    s = raw.strip()
    if not s:
        return []
    if s.startswith("00"):
        s = "+" + s[2:]
    out = []
    for region in ([None] if s.startswith("+") else regions):
        try:
            n = phonenumbers.parse(s, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(n):
            out.append(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164))
    digits = re.sub(r"\D", "", s)
    if len(digits) >= 8:
        out.append("+" + digits)  # already international without the '+'
    return list(dict.fromkeys(out))


def _core(fp: pd.Series) -> pd.Series:
    from ingest.resolve_prepare import core_name

    return fp.map(lambda v: core_name(v) if v else "")


def _fingerprint(names: pd.Series) -> pd.Series:
    import fingerprints

    uniq = pd.Series(pd.unique(names))
    fps = uniq.map(lambda v: (fingerprints.generate(v) or "") if v else "")
    return names.map(dict(zip(uniq, fps))).fillna("")


# --------------------------------------------------------------------------- fuzzy blocking
def _blocks(keys: pd.Series) -> pd.DataFrame:
    """``(row, block)`` for each token and 4-letter token prefix of each key."""
    tok = keys.str.split().explode().dropna()
    tok = tok[tok.str.len() >= 2]
    pre = tok[tok.str.len() > 4].str[:4]
    out = pd.concat([pd.DataFrame({"row": tok.index, "block": tok.to_numpy()}),
                     pd.DataFrame({"row": pre.index, "block": ("~" + pre).to_numpy()})])
    return out.drop_duplicates()


def fuzzy_pairs(queries: pd.Series, choices: pd.Series, threshold: float) -> pd.DataFrame:
    """``(query, choice, score)`` positions (into the two Series) of every pair with
    ``token_sort_ratio >= threshold``. Candidates share a token or 4-letter prefix (blocks
    shared by more than ``BLOCK_CAP`` choices are ignored unless a query has no other)."""
    from rapidfuzz import fuzz, process

    queries = queries.reset_index(drop=True)
    choices = choices.reset_index(drop=True)
    if queries.empty or choices.empty:
        return pd.DataFrame(columns=["query", "choice", "score"])
    cb = _blocks(choices)
    size = cb["block"].map(cb["block"].value_counts())
    qb = _blocks(queries)
    cand = qb.merge(cb[size.le(BLOCK_CAP).to_numpy()], on="block", suffixes=("_q", "_c"))
    cand = cand[["row_q", "row_c"]].drop_duplicates()
    found = []
    choice_list = choices.to_numpy()
    grouped = dict(tuple(cand.groupby("row_q")["row_c"]))
    for qi, q in queries.items():
        if not q:
            continue
        rows = grouped.get(qi)
        pool = choice_list if rows is None else choice_list[rows.to_numpy()]
        index = np.arange(len(choice_list)) if rows is None else rows.to_numpy()
        for _, score, pos in process.extract(q, pool, scorer=fuzz.token_sort_ratio, score_cutoff=threshold,
                                             limit=None):
            found.append((qi, int(index[pos]), float(score)))
    return pd.DataFrame(found, columns=["query", "choice", "score"])


# --------------------------------------------------------------------------- matching
def _party_names(proj: Projection) -> pd.DataFrame:
    """``party_id, name, key`` for every way a party was written (core fingerprint keys)."""
    m = proj.mentions
    frames = []
    if len(m):
        names = pd.DataFrame({"party_id": F.text(F._column(m, "party_id")), "name": F.text(F._column(m, "raw_name")),
                              "fp": F.text(F._column(m, "name_fp"))})
        frames.append(names)
    p = proj.parties
    pid = F.text(F._column(p, "party_id"))
    frames.append(pd.DataFrame({"party_id": pid, "name": F.text(F._column(p, "display_name")), "fp": ""}))
    aliases = _split(F._column(p, "aliases"))
    al = pd.DataFrame({"party_id": pid, "name": aliases}).explode("name").dropna()
    frames.append(al.assign(fp=""))
    names = pd.concat(frames, ignore_index=True)
    names = names[names["party_id"].ne("") & names["name"].ne("")].drop_duplicates(["party_id", "name"])
    missing = names["fp"].eq("")
    if missing.any():
        # a name already fingerprinted on another row reuses it
        known = dict(zip(names.loc[~missing, "name"], names.loc[~missing, "fp"]))
        todo = names.loc[missing, "name"]
        need = todo[~todo.isin(known)].drop_duplicates()
        known.update(zip(need, _fingerprint(need)))
        names.loc[missing, "fp"] = todo.map(known)
    names["key"] = _core(names["fp"])
    return names[names["key"].ne("")].drop_duplicates(["party_id", "key"]).reset_index(drop=True)


def _explode(tips: pd.DataFrame, column: str) -> pd.DataFrame:
    e = tips[["tip_id", column]].explode(column).dropna()
    return e.rename(columns={column: "suspect"}).reset_index(drop=True)


def _name_matches(tips: pd.DataFrame, proj: Projection, cfg) -> pd.DataFrame:  # noqa: ANN001
    s = _explode(tips, "suspect_names")
    if s.empty:
        return pd.DataFrame(columns=["tip_id", "party_id", "kind", "suspect", "matched", "score", "strength"])
    names = _party_names(proj)
    s["key"] = _core(_fingerprint(s["suspect"]))
    uniq = names.drop_duplicates("key").reset_index(drop=True)
    hits = fuzzy_pairs(s["key"], uniq["key"], cfg.tip_name_threshold)
    if hits.empty:
        return pd.DataFrame(columns=["tip_id", "party_id", "kind", "suspect", "matched", "score", "strength"])
    hits = hits.assign(key=uniq["key"].to_numpy()[hits["choice"].to_numpy()],
                       tip_id=s["tip_id"].to_numpy()[hits["query"].to_numpy()],
                       suspect=s["suspect"].to_numpy()[hits["query"].to_numpy()])
    hits = hits.merge(names[["party_id", "name", "key"]], on="key").rename(columns={"name": "matched"})
    hits = hits.sort_values("score", ascending=False).drop_duplicates(["tip_id", "suspect", "party_id"])
    thr = float(cfg.tip_name_threshold)
    strength = 0.5 + 0.4 * np.clip((hits["score"] - thr) / max(100 - thr, 1), 0, 1)
    n_parties = hits.groupby(["tip_id", "suspect"])["party_id"].transform("nunique")
    hits["strength"] = strength / np.sqrt(n_parties)
    hits["kind"] = "name"
    return hits[["tip_id", "party_id", "kind", "suspect", "matched", "score", "strength"]]


def _ident_matches(tips: pd.DataFrame, held: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Tip suspects equal (phones, e-mails) or close (addresses) to identifier values."""
    out = []
    idents = held.drop_duplicates("ident_key")[["ident_key", "kind", "value"]]
    holders = held.groupby("ident_key").size()
    phones = idents[idents["kind"].eq("phone")]
    sp = _explode(tips, "suspect_phones")
    if len(sp) and len(phones):
        sp["e164"] = sp["suspect"].map(lambda v: e164_candidates(v, regions))
        sp = sp.explode("e164").dropna(subset=["e164"])
        norm = phones.assign(e164="+" + phones["value"].str.replace(r"\D", "", regex=True))
        m = sp.merge(norm, on="e164").drop_duplicates(["tip_id", "suspect", "ident_key"])
        out.append(m.assign(score=100.0))
    emails = idents[idents["kind"].eq("email")]
    se = _explode(tips, "suspect_emails")
    if len(se) and len(emails):
        se["norm"] = se["suspect"].str.strip().str.lower()
        m = se.merge(emails.assign(norm=emails["value"].str.strip().str.lower()), on="norm")
        out.append(m.assign(score=100.0))
    addrs = idents[idents["kind"].eq("address")].reset_index(drop=True)
    sa = _explode(tips, "suspect_addresses")
    if len(sa) and len(addrs):
        hits = fuzzy_pairs(normalise_address(sa["suspect"]), normalise_address(addrs["value"]), ADDRESS_THRESHOLD)
        if len(hits):
            m = pd.concat([sa.iloc[hits["query"].to_numpy()].reset_index(drop=True),
                           addrs.iloc[hits["choice"].to_numpy()].reset_index(drop=True)], axis=1)
            out.append(m.assign(score=hits["score"].to_numpy()))
    if not out:
        return pd.DataFrame(columns=["tip_id", "ident_key", "kind", "suspect", "matched", "score", "strength"])
    m = pd.concat(out, ignore_index=True).rename(columns={"value": "matched"})
    base = m["kind"].map(STRENGTH).astype(float)
    base = np.where(m["kind"].eq("address"), base * (0.8 + 0.2 * (m["score"] - ADDRESS_THRESHOLD) / (100 - ADDRESS_THRESHOLD)), base)
    n = m["ident_key"].map(holders).fillna(1).to_numpy(dtype=float)
    m["strength"] = base * np.sqrt(np.minimum(1.0, 5.0 / np.maximum(n, 1)))
    return m[["tip_id", "ident_key", "kind", "suspect", "matched", "score", "strength"]]


def _evidence(m: pd.DataFrame) -> pd.Series:
    label = np.where(m["kind"].eq("name"), "name", m["kind"])
    how = np.where(m["score"] >= 100, " = ", " ~ ")
    target = np.where(m["kind"].eq("name"), "party name ", "party " + m["kind"] + " ")
    score = np.where(m["score"] >= 100, "", " (" + m["score"].round().astype(int).astype(str) + ")")
    return ("suspect " + label + " '" + m["suspect"].astype(str) + "'" + how + target + m["matched"].astype(str) + score)


def _regions(proj: Projection, d: pd.DataFrame) -> list[str]:
    countries = set(d["reporting_country"].unique()) | set(F.text(F._column(proj.parties, "country")).str.upper())
    countries |= {"TH", "MY", "SG", "VN", "ID", "PH", "BN", "KH", "LA", "MM", "CN", "HK"}
    return sorted(c for c in countries if len(c) == 2 and c.isalpha())


def party_hits(tip_matches: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """Fold a tip's Party and Identifier matches onto parties: ``tip_id, party_id, score``
    (noisy-OR of that tip's matches on the party) and ``evidence`` (joined)."""
    cols = ["tip_id", "party_id", "score", "evidence"]
    if tip_matches is None or tip_matches.empty:
        return pd.DataFrame(columns=cols)
    tm = tip_matches[["tip_id", "target_label", "target_key", "score", "evidence"]]
    direct = tm[tm["target_label"].eq("Party")].rename(columns={"target_key": "party_id"})
    via = tm[tm["target_label"].eq("Identifier")].merge(
        held[["party_id", "ident_key"]], left_on="target_key", right_on="ident_key")
    m = pd.concat([direct[["tip_id", "party_id", "score", "evidence"]], via[["tip_id", "party_id", "score", "evidence"]]])
    if m.empty:
        return pd.DataFrame(columns=cols)
    m = m.assign(miss=np.log1p(-np.clip(m["score"].astype(float), 0, 0.999999)))
    g = m.groupby(["tip_id", "party_id"], sort=False)
    return pd.DataFrame({"score": 1 - np.exp(g["miss"].sum()),
                         "evidence": g["evidence"].agg(lambda e: "; ".join(dict.fromkeys(e)))}).reset_index()


def run(proj: Projection, cfg, d: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
    """``(tip_matches, decl_tip)``.

    ``tip_matches``: ``tip_id, target_label`` (Party / Identifier / Hub / Declaration),
    ``target_key, score, evidence`` plus ``kind`` (name, phone, email, address, port, flag)
    and ``strength`` (before the tip's weight and expiry).
    ``decl_tip``: one row per flagged declaration only: ``decl_key, score`` (noisy-OR over
    tips), ``reasons`` (one per tip: id, submitter, grade, what matched), ``tip_ids``."""
    empty = (pd.DataFrame(columns=MATCH_COLUMNS), pd.DataFrame(columns=DECL_COLUMNS))
    if proj.tips is None or proj.tips.empty:
        return empty
    d = F.declarations(proj, ("hs_code", "hs6", "origin_country", "brand", "port_of_loading",
                              "port_of_discharge", "transit_ports")) if d is None else d
    ref = F.reference_time(d)
    tips = tip_table(proj, cfg, ref)
    if tips.empty:
        return empty
    held = F.held_identifiers(proj)
    names = _name_matches(tips, proj, cfg)
    idents = _ident_matches(tips, held, _regions(proj, d))

    info = tips.set_index("tip_id")
    matches = []
    if len(names):
        matches.append(names.assign(target_label="Party", target_key=names["party_id"], evidence=_evidence(names)))
    if len(idents):
        matches.append(idents.assign(target_label="Identifier", target_key=idents["ident_key"], evidence=_evidence(idents)))
    ports = _explode(tips, "suspect_ports")
    hubs = set(F.text(F._column(proj.hubs, "locode")).str.upper())
    hubs |= set(pd.unique(pd.concat([d.get("port_of_loading", pd.Series(dtype=str)),
                                     d.get("port_of_discharge", pd.Series(dtype=str))])))
    ports = ports[ports["suspect"].isin(hubs)]
    if len(ports):
        matches.append(ports.assign(target_label="Hub", target_key=ports["suspect"], kind="port", score=100.0,
                                    strength=STRENGTH["port"], evidence="suspect port " + ports["suspect"]))
    tm = pd.concat(matches, ignore_index=True) if matches else pd.DataFrame(columns=MATCH_COLUMNS)
    if len(tm):
        w = tm["tip_id"].map(info["weight"]).astype(float)
        expired = tm["tip_id"].map(info["expired"]).astype(bool)
        tm["score"] = np.where(expired, 0.0, w * tm["strength"].astype(float))
        until = R.day(tm["tip_id"].map(info["valid_until"]))
        tm["evidence"] = np.where(expired, "(expired " + until + ") " + tm["evidence"], tm["evidence"])
    flags, decl_tip = _flag(tips, tm, held, d, cfg)
    out = pd.concat([tm, flags], ignore_index=True) if len(flags) else tm
    return out.reindex(columns=MATCH_COLUMNS).reset_index(drop=True), decl_tip


def _criteria(c: pd.DataFrame, tips: pd.DataFrame, d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """For candidate rows ``c`` (``row`` into ``d``, ``tip_id``): consistent with the tip's
    HS prefixes, origins and brand (unknown = consistent); how many matched positively; and
    text naming what matched."""
    info = tips.set_index("tip_id")
    rows = c["row"].to_numpy()
    ok = np.ones(len(c), bool)
    positive = np.zeros(len(c), int)
    said = [np.full(len(c), "", dtype=object)]
    # HS prefixes
    hs = F.text(d["hs_code"]).str.replace(r"\D", "", regex=True).to_numpy(dtype=object)[rows]
    pref = c[["tip_id"]].assign(i=np.arange(len(c))).merge(_explode(tips, "hs_codes"), on="tip_id")
    if len(pref):
        code = pd.Series(hs[pref["i"].to_numpy()], index=pref.index).astype(str)
        hit = np.zeros(len(pref), bool)
        lengths = pref["suspect"].str.len()
        for n in lengths.unique():
            at = (lengths == n).to_numpy()
            hit[at] = (code[at].str[:n] == pref["suspect"][at]).to_numpy()
        has = np.zeros(len(c), bool)
        has[pref["i"].unique()] = True
        matched = np.zeros(len(c), bool)
        first = pref[hit].drop_duplicates("i")
        matched[first["i"].to_numpy()] = True
        ok &= ~has | matched
        positive += matched
        text = np.full(len(c), "", dtype=object)
        text[first["i"].to_numpy()] = ("HS " + pd.Series(hs[first["i"].to_numpy()]).astype(str) + " within "
                                       + first["suspect"].to_numpy()).to_numpy()
        said.append(text)
    # origins
    origin = d["origin_country"].to_numpy(dtype=object)[rows] if "origin_country" in d else np.full(len(c), "")
    wanted = c["tip_id"].map(info["origin_countries"])
    has = wanted.map(len).to_numpy() > 0
    matched = np.array([o in w for o, w in zip(origin, wanted)], dtype=bool) if len(c) else np.zeros(0, bool)
    known = pd.Series(origin).astype(str).str.len().to_numpy() > 0
    ok &= ~has | matched | ~known
    positive += has & matched
    said.append(np.where(has & matched, "origin " + pd.Series(origin, dtype=object).astype(str), ""))
    # brand
    want = c["tip_id"].map(info["brand"]).fillna("").str.lower().str.replace(r"[\W_]+", "", regex=True).to_numpy(dtype=object)
    brand_raw = F.text(d["brand"]).to_numpy(dtype=object)[rows] if "brand" in d else np.full(len(c), "", dtype=object)
    got = pd.Series(brand_raw, dtype=object).str.lower().str.replace(r"[\W_]+", "", regex=True).to_numpy(dtype=object)
    both = (pd.Series(want).str.len() > 0).to_numpy() & (pd.Series(got).str.len() > 0).to_numpy()
    same = np.array([bool(w) and bool(g) and (w in g or g in w) for w, g in zip(want, got)], dtype=bool)
    ok &= ~both | same
    positive += both & same
    said.append(np.where(both & same, "brand " + pd.Series(brand_raw, dtype=object).astype(str), ""))
    text = pd.Series(["; ".join(x for x in row if x) for row in zip(*said)], index=c.index, dtype=object)
    return ok, positive, text


def _flag(tips: pd.DataFrame, tm: pd.DataFrame, held: pd.DataFrame, d: pd.DataFrame, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
    """Declarations flagged by tips (see the module docstring)."""
    empty = (pd.DataFrame(columns=MATCH_COLUMNS), pd.DataFrame(columns=DECL_COLUMNS))
    anchors = party_hits(tm.assign(score=tm["strength"]), held) if len(tm) else pd.DataFrame()
    cands = []
    if len(anchors):
        for role in ("consignee", "consignor", "declarant"):
            hit = d[role].isin(set(anchors["party_id"]))
            if hit.any():
                r = pd.DataFrame({"row": np.flatnonzero(hit.to_numpy()), "party_id": d.loc[hit, role].to_numpy()})
                cands.append(r.merge(anchors, on="party_id").assign(role=role))
    # tips naming no party: a suspect port plus goods criteria
    bare = tips[(tips["suspect_names"].map(len) + tips["suspect_phones"].map(len) + tips["suspect_emails"].map(len)
                 + tips["suspect_addresses"].map(len) == 0) & tips["suspect_ports"].map(len).gt(0)
                & (tips["hs_codes"].map(len).gt(0) | tips["brand"].ne(""))]
    if len(bare):
        wanted = set(x for xs in bare["suspect_ports"] for x in xs)
        ports = [("port_of_loading", "loaded at"), ("port_of_discharge", "discharged at")]
        long = [pd.DataFrame({"row": np.flatnonzero(d[col].isin(wanted).to_numpy()),
                              "port": d.loc[d[col].isin(wanted), col].to_numpy(), "role": verb}) for col, verb in ports]
        tr = F.text(d["transit_ports"]).str.upper()
        has = tr.str.contains("|".join(sorted(wanted)), regex=True) if wanted else tr.eq("x")
        if has.any():
            ex = tr[has].str.split(";").explode().str.strip()
            ex = ex[ex.isin(wanted)]
            long.append(pd.DataFrame({"row": d.index.get_indexer(ex.index), "port": ex.to_numpy(), "role": "via"}))
        long = pd.concat(long, ignore_index=True)
        bp = _explode(bare, "suspect_ports").rename(columns={"suspect": "port"})
        p = long.merge(bp, on="port")
        if len(p):
            cands.append(p.assign(party_id="", score=STRENGTH["port"],
                                  evidence=p["role"] + " suspect port " + p["port"])[["row", "party_id", "tip_id", "score", "evidence", "role"]].assign(role="route"))
    if not cands:
        return empty
    c = pd.concat(cands, ignore_index=True)
    info = tips.set_index("tip_id")
    when = d["declared_at"].to_numpy()[c["row"].to_numpy()]
    until = c["tip_id"].map(info["valid_until"]).to_numpy(dtype="datetime64[ns]")
    since = (c["tip_id"].map(info["submitted_at"]) - pd.Timedelta(days=int(cfg.tip_lookback_days))).to_numpy(dtype="datetime64[ns]")
    in_time = ~(pd.notna(until) & (when > until + np.timedelta64(1, "D"))) & ~(pd.notna(since) & (when < since))
    c = c[in_time].reset_index(drop=True)
    if c.empty:
        return empty
    ok, positive, said = _criteria(c, tips, d)
    c = c.assign(positive=positive, said=said)[ok].reset_index(drop=True)
    if c.empty:
        return empty
    strength = 1 - (1 - c["score"].astype(float)) * 0.6 ** c["positive"]
    c["score"] = strength * c["tip_id"].map(info["weight"]).astype(float)
    c = c.sort_values("score", ascending=False).drop_duplicates(["row", "tip_id"])
    t = c["tip_id"]
    head = ("tip " + t + " from " + t.map(info["submitted_by"]).replace("", "unknown submitter") + " ("
            + t.map(info["grade"]) + ", weight " + t.map(info["weight"]).map("{:.2f}".format) + "): ")
    what = np.where(c["role"].eq("route"), c["evidence"], c["role"] + " " + c["evidence"])
    c["reason"] = head + what + np.where(c["said"].ne(""), "; " + c["said"], "")
    c["decl_key"] = d["decl_key"].to_numpy()[c["row"].to_numpy()]
    flags = pd.DataFrame({"tip_id": c["tip_id"], "target_label": "Declaration", "target_key": c["decl_key"],
                          "score": c["score"], "evidence": c["reason"], "kind": "flag", "strength": strength.loc[c.index]})
    c = c.assign(miss=np.log1p(-np.clip(c["score"], 0, 0.999999)))
    g = c.sort_values(["decl_key", "score"], ascending=[True, False]).groupby("decl_key", sort=True)
    decl_tip = pd.DataFrame({"score": 1 - np.exp(g["miss"].sum()), "reasons": g["reason"].agg(list),
                             "tip_ids": g["tip_id"].agg(list)}).reset_index()
    return flags.reset_index(drop=True), decl_tip[DECL_COLUMNS]
