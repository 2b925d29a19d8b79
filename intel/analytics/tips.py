"""Tips from rights holders and partner agencies, matched to the graph.

Each tip's suspects are matched to what the data holds:

- **names** — fingerprinted (``fingerprints``), legal forms dropped (the resolver's core
  name), then scored with the resolver's ``name_score`` (typing slips forgiven, a different
  word or number capped: "Golden Star" is not "Golden Sun") against every way each party was
  written (its mentions' names; display name and aliases for a party without mentions);
  candidates are blocked by
  character-trigram TF-IDF cosine, and a match needs ``cfg.tip_name_threshold``;
- **phones** — read as E.164 and compared for equality with phone identifiers (a number
  written nationally, ``02 123 4567``, equals ``+<country code>21234567`` for any 1-3 digit
  country code);
- **e-mails** — equal ignoring case; **addresses** — normalised (case, punctuation, common
  abbreviations) and fuzzy-matched (``token_sort_ratio`` ≥ 90 with the same numbers);
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
from collections.abc import Callable

import numpy as np
import pandas as pd

from intel.analytics import features as F
from intel.analytics import reasons as R
from intel.analytics.projection import Projection

__all__ = ["CREDIBILITY", "RELIABILITY", "normalise_address", "party_hits", "run", "tip_table"]

RELIABILITY = {"A": 1.0, "B": 0.85, "C": 0.65, "D": 0.45, "E": 0.15, "F": 0.35}
CREDIBILITY = {"1": 1.0, "2": 0.85, "3": 0.6, "4": 0.35, "5": 0.1, "6": 0.35}
DEAD_STATUS = frozenset({"rejected", "withdrawn", "dismissed", "false", "invalid", "retracted"})
STRENGTH = {"phone": 0.9, "email": 0.9, "address": 0.6, "port": 0.3}
ADDRESS_THRESHOLD = 90.0
_NUMBER = re.compile(r"\d+")
MATCH_COLUMNS = ["tip_id", "target_label", "target_key", "score", "evidence", "kind", "strength"]
DECL_COLUMNS = ["decl_key", "score", "reasons", "tip_ids"]
_ABBREVIATIONS = {
    "road": "rd", "street": "st", "avenue": "ave", "building": "bldg", "floor": "fl", "number": "no",
    "jalan": "jln", "lorong": "lrg", "taman": "tmn", "district": "dist", "village": "vil",
    "industrial": "ind", "estate": "est", "room": "rm", "suite": "ste",
}


# --------------------------------------------------------------------------- tips
def _split(s: pd.Series) -> pd.Series:
    """';'-separated cells as lists of stripped, non-empty items."""
    return F.text(s).map(lambda v: [x.strip() for x in re.split(r"[;|\n]", v) if x.strip()] if v else [])


def tip_table(proj: Projection, cfg, ref: pd.Timestamp) -> pd.DataFrame:
    """The tips with parsed lists, ``grade`` (e.g. ``B2``), ``weight``, and ``expired``."""
    t = proj.tips
    col = lambda name: F.column(t, name)
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


def address_score(x: str, y: str) -> float:
    """Similarity 0-100 of two normalised addresses: rapidfuzz ``token_sort_ratio``, but 0
    when their numbers differ (house, unit, floor, postcode: '355 Nguyen Thi Minh Khai' is
    not '316 Nguyen Thi Minh Khai')."""
    from rapidfuzz import fuzz

    if sorted(_NUMBER.findall(x)) != sorted(_NUMBER.findall(y)):
        return 0.0
    return float(fuzz.token_sort_ratio(x, y))


def _phone_matches(suspects: pd.DataFrame, phones: pd.DataFrame) -> pd.DataFrame:
    """Suspect phones equal to phone identifiers (E.164) once both are read as digits.

    A suspect written internationally (``+66 2 123 4567``, ``0066 2 123 4567``, or with its
    country code but no ``+``) must equal the identifier's digits; one written nationally
    (``02 123 4567``) matches an identifier that is some 1-3 digit country code followed by
    the number without its trunk ``0`` — its E.164 form in that country."""
    raw = suspects["suspect"].str.strip()
    digits = raw.str.replace(r"\D", "", regex=True)
    intl = raw.str.startswith("+") | raw.str.startswith("00")
    digits = digits.where(~raw.str.startswith("00"), digits.str[2:])
    s = suspects.assign(digits=digits, intl=intl, national=digits.str.replace(r"^0", "", regex=True),
                        tail=digits.str[-7:])
    s = s[s["digits"].str.len() >= 7]
    pd_ = phones.assign(pdigits=phones["value"].str.replace(r"\D", "", regex=True))
    pd_ = pd_.assign(tail=pd_["pdigits"].str[-7:])
    m = s.merge(pd_, on="tail")
    if m.empty:
        return m.assign(score=pd.Series(dtype=float))
    same = m["pdigits"].eq(m["digits"]).to_numpy()
    cc = m["pdigits"].str.len() - m["national"].str.len()
    national = np.array([p.endswith(n) for p, n in zip(m["pdigits"], m["national"])], dtype=bool)
    national &= (~m["intl"]).to_numpy() & cc.between(1, 3).to_numpy()
    return m[same | national].drop_duplicates(["tip_id", "suspect", "ident_key"]).assign(score=100.0)


def _core(fp: pd.Series) -> pd.Series:
    """Fingerprints without legal forms (the resolver's core name)."""
    from ingest.resolve_names import core_name

    uniq = pd.unique(fp)
    return fp.map(dict(zip(uniq, (core_name(v) if v else "" for v in uniq))))


def _fingerprint(names: pd.Series) -> pd.Series:
    import fingerprints

    uniq = pd.Series(pd.unique(names))
    fps = uniq.map(lambda v: (fingerprints.generate(v) or "") if v else "")
    return names.map(dict(zip(uniq, fps))).fillna("")


# --------------------------------------------------------------------------- fuzzy blocking
def _trigrams(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(doc, gram)`` for every character trigram of every text (each padded with a space on
    both sides, lower case), computed for all texts at once with numpy."""
    padded = [" " + t.lower() + " " for t in texts]
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    doc = np.repeat(np.arange(len(padded)), lengths)
    pos = np.arange(len(codes)) - np.repeat(starts, lengths)
    ok = pos <= np.repeat(lengths, lengths) - 3  # the trigram starting here stays inside its text
    i = np.flatnonzero(ok)
    gram = (codes[i] << 42) | (codes[i + 1] << 21) | codes[i + 2]
    return doc[i], gram


def _tfidf(queries: np.ndarray, choices: np.ndarray):
    """Trigram TF-IDF rows (sublinear tf, idf from the choices, L2-normalised) for both sets."""
    from scipy.sparse import csr_matrix

    dq, gq = _trigrams(queries)
    dc, gc = _trigrams(choices)
    vocab, inverse = np.unique(np.concatenate([gc, gq]), return_inverse=True)
    cc, qc = inverse[: len(gc)], inverse[len(gc):]
    def matrix(doc: np.ndarray, col: np.ndarray, n: int):
        m = csr_matrix((np.ones(len(doc), dtype=np.float32), (doc, col)), shape=(n, len(vocab)))
        m.sum_duplicates()
        m.data = 1 + np.log(m.data)
        return m
    cm, qm = matrix(dc, cc, len(choices)), matrix(dq, qc, len(queries))
    df = np.bincount(cm.indices, minlength=len(vocab))
    idf = (np.log((1 + len(choices)) / (1 + df)) + 1).astype(np.float32)
    for m in (cm, qm):
        m.data *= idf[m.indices]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        m.data /= np.repeat(np.where(norms > 0, norms, 1), np.diff(m.indptr)).astype(np.float32)
    return qm, cm


def fuzzy_pairs(queries: pd.Series, choices: pd.Series, threshold: float, min_cosine: float = 0.3,
                refine: Callable[[str, str], float] | None = None) -> pd.DataFrame:
    """``(query, choice, score)`` positions (into the two Series) of every pair scoring at
    least ``threshold``: rapidfuzz ``token_sort_ratio``, or ``refine(query, choice)`` for the
    pairs whose ``token_set_ratio`` (its upper bound) clears the threshold and whose numbers
    agree.

    Blocking: candidates are pairs whose character-trigram TF-IDF vectors have a cosine of at
    least ``min_cosine`` (a sparse matrix product, in chunks of queries). Rare trigrams weigh
    most, so common words ('trading', 'road') alone do not make a candidate; only candidates
    are scored (at 0.3, about 99 % of the pairs a full comparison finds, measured on
    synthetic party names)."""
    from rapidfuzz import fuzz, process

    q = queries.reset_index(drop=True).astype(str).to_numpy(dtype=object)
    c = choices.reset_index(drop=True).astype(str).to_numpy(dtype=object)
    empty = pd.DataFrame({"query": pd.Series(dtype=int), "choice": pd.Series(dtype=int), "score": pd.Series(dtype=float)})
    if not len(q) or not len(c):
        return empty
    qm, cm = _tfidf(q, c)
    ct = cm.T.tocsr()
    rows, cols = [], []
    for start in range(0, len(q), 500):
        sim = (qm[start:start + 500] @ ct).tocoo()
        keep = sim.data >= min_cosine
        rows.append(sim.row[keep] + start)
        cols.append(sim.col[keep])
    qi, ci = np.concatenate(rows), np.concatenate(cols)
    if not len(qi):
        return empty
    scorer = fuzz.token_sort_ratio if refine is None else fuzz.token_set_ratio
    score = process.cpdist(list(q[qi]), list(c[ci]), scorer=scorer, score_cutoff=threshold,
                           workers=-1, dtype=np.float32).astype(float)
    if refine is not None:
        # names whose numbers differ are different companies ('Siam 57' / 'Siam 58'): skipped
        # nor can two names of very different lengths reach the threshold: any alignment of
        # their words keeps their lengths, so its ratio is at most 2·min / (sum) — unless one
        # slip or a misplaced space is all that differs (lengths within 2)
        digits = lambda a: pd.Series(a).str.findall(r"\d+").map(" ".join).to_numpy(dtype=object)
        lq = pd.Series(q).str.len().to_numpy()[qi]
        lc = pd.Series(c).str.len().to_numpy()[ci]
        reachable = (200 * np.minimum(lq, lc) / np.maximum(lq + lc, 1) >= threshold) | (np.abs(lq - lc) <= 2)
        sel = np.flatnonzero((score >= threshold) & reachable & (digits(q)[qi] == digits(c)[ci]))
        score[:] = 0
        score[sel] = [refine(a, b) for a, b in zip(q[qi[sel]], c[ci[sel]])]
    keep = (score >= threshold) & (score > 0)
    out = pd.DataFrame({"query": qi[keep], "choice": ci[keep], "score": score[keep]})
    return out.sort_values(["query", "choice"]).reset_index(drop=True)


def fuzzy_join(left: pd.Series, right: pd.Series, threshold: float, **options) -> pd.DataFrame:
    """:func:`fuzzy_pairs` on the distinct non-empty values of each side, expanded back to
    ``(left, right, score)`` positions of the original rows."""
    lcodes, lvalues = pd.factorize(left.reset_index(drop=True))
    rcodes, rvalues = pd.factorize(right.reset_index(drop=True))
    lkeep = [i for i, v in enumerate(lvalues) if str(v).strip()]
    rkeep = [i for i, v in enumerate(rvalues) if str(v).strip()]
    hits = fuzzy_pairs(pd.Series(np.asarray(lvalues, dtype=object)[lkeep]), pd.Series(np.asarray(rvalues, dtype=object)[rkeep]),
                       threshold, **options)
    hits["query"] = np.asarray(lkeep, dtype=np.int64)[hits["query"].to_numpy(dtype=np.int64)]
    hits["choice"] = np.asarray(rkeep, dtype=np.int64)[hits["choice"].to_numpy(dtype=np.int64)]
    lpos = pd.DataFrame({"query": lcodes, "left": np.arange(len(lcodes))})
    rpos = pd.DataFrame({"choice": rcodes, "right": np.arange(len(rcodes))})
    return hits.merge(lpos, on="query").merge(rpos, on="choice")[["left", "right", "score"]]


# --------------------------------------------------------------------------- matching
def _party_names(proj: Projection) -> pd.DataFrame:
    """``party_id, name, key`` for every way a party was written (core fingerprint keys):
    its mentions' raw names (fingerprinted at ingest); for a party without mentions, its
    display name and aliases (source ids such as ``TH:0105…`` left out)."""
    m = proj.mentions
    names = pd.DataFrame({"party_id": F.text(F.column(m, "party_id")), "name": F.text(F.column(m, "raw_name")),
                          "fp": F.text(F.column(m, "name_fp"))})
    names = names[names["party_id"].ne("") & names["name"].ne("")]
    p = proj.parties
    pid = F.text(F.column(p, "party_id"))
    bare = ~F.member(pid, names["party_id"])
    if bare.any():
        own = pd.DataFrame({"party_id": pid[bare], "name": F.text(F.column(p, "display_name"))[bare]})
        aliases = pd.DataFrame({"party_id": pid[bare], "name": _split(F.column(p, "aliases"))[bare]}).explode("name").dropna()
        aliases = aliases[~aliases["name"].str.fullmatch(r"[\w-]+:\S+")]
        names = pd.concat([names, own.assign(fp=""), aliases.assign(fp="")], ignore_index=True)
    names = names[names["party_id"].ne("") & names["name"].ne("")].drop_duplicates(["party_id", "name"])
    missing = names["fp"].eq("")
    if missing.any():
        names.loc[missing, "fp"] = _fingerprint(names.loc[missing, "name"])
    names["key"] = _core(names["fp"])
    return names[names["key"].ne("")].drop_duplicates(["party_id", "key"]).reset_index(drop=True)


def _explode(tips: pd.DataFrame, column: str) -> pd.DataFrame:
    e = tips[["tip_id", column]].explode(column).dropna()
    return e.rename(columns={column: "suspect"}).reset_index(drop=True)


def _name_matches(tips: pd.DataFrame, proj: Projection, cfg) -> pd.DataFrame:
    s = _explode(tips, "suspect_names")
    if s.empty:
        return pd.DataFrame(columns=["tip_id", "party_id", "kind", "suspect", "matched", "score", "strength"])
    names = _party_names(proj)
    s["key"] = _core(_fingerprint(s["suspect"]))
    from ingest.resolve_similarity import (
        name_score,  # the resolver's own name similarity
    )

    hits = fuzzy_join(s["key"], names["key"], cfg.tip_name_threshold, refine=name_score)
    if hits.empty:
        return pd.DataFrame(columns=["tip_id", "party_id", "kind", "suspect", "matched", "score", "strength"])
    hits = pd.DataFrame({"tip_id": s["tip_id"].to_numpy()[hits["left"].to_numpy()],
                         "suspect": s["suspect"].to_numpy()[hits["left"].to_numpy()],
                         "party_id": names["party_id"].to_numpy()[hits["right"].to_numpy()],
                         "matched": names["name"].to_numpy()[hits["right"].to_numpy()], "score": hits["score"].to_numpy()})
    hits = hits.sort_values("score", ascending=False).drop_duplicates(["tip_id", "suspect", "party_id"])
    thr = float(cfg.tip_name_threshold)
    strength = 0.5 + 0.4 * np.clip((hits["score"] - thr) / max(100 - thr, 1), 0, 1)
    n_parties = hits.groupby(["tip_id", "suspect"])["party_id"].transform("nunique")
    hits["strength"] = strength / np.sqrt(n_parties)
    hits["kind"] = "name"
    return hits[["tip_id", "party_id", "kind", "suspect", "matched", "score", "strength"]]


def _ident_matches(tips: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """Tip suspects equal (phones, e-mails) or close (addresses) to identifier values."""
    out = []
    idents = held.drop_duplicates("ident_key")[["ident_key", "kind", "value"]]
    holders = held.groupby("ident_key").size()
    phones = idents[idents["kind"].eq("phone")]
    sp = _explode(tips, "suspect_phones")
    if len(sp) and len(phones):
        out.append(_phone_matches(sp, phones))
    emails = idents[idents["kind"].eq("email")]
    se = _explode(tips, "suspect_emails")
    if len(se) and len(emails):
        se["norm"] = se["suspect"].str.strip().str.lower()
        m = se.merge(emails.assign(norm=emails["value"].str.strip().str.lower()), on="norm")
        out.append(m.assign(score=100.0))
    addrs = idents[idents["kind"].eq("address")].reset_index(drop=True)
    sa = _explode(tips, "suspect_addresses")
    if len(sa) and len(addrs):
        hits = fuzzy_join(normalise_address(sa["suspect"]), normalise_address(addrs["value"]), ADDRESS_THRESHOLD,
                          min_cosine=0.5, refine=address_score)
        if len(hits):
            m = pd.concat([sa.iloc[hits["left"].to_numpy()].reset_index(drop=True),
                           addrs.iloc[hits["right"].to_numpy()].reset_index(drop=True)], axis=1)
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
    m = m.sort_values("score", ascending=False, kind="stable").drop_duplicates(["tip_id", "party_id", "evidence"])
    m = m.assign(miss=np.log1p(-np.clip(m["score"].astype(float), 0, 0.999999)))
    keys, evidence = R.group_lists(m[["tip_id", "party_id"]], m["evidence"])
    miss = m.groupby(["tip_id", "party_id"])["miss"].sum()
    keys["score"] = 1 - np.exp(miss.reindex(pd.MultiIndex.from_frame(keys[["tip_id", "party_id"]])).to_numpy())
    keys["evidence"] = ["; ".join(e) for e in evidence]
    return keys[cols]


#: the declaration columns the tips are matched on (``features.declarations`` adds these)
DECLARATION_COLUMNS = ("hs_code", "hs6", "origin_country", "brand", "port_of_loading", "port_of_discharge",
                       "transit_ports")


def run(proj: Projection, cfg, d: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(tip_matches, decl_tip)``.

    ``tip_matches``: ``tip_id, target_label`` (Party / Identifier / Hub / Declaration),
    ``target_key, score, evidence`` plus ``kind`` (name, phone, email, address, port, flag)
    and ``strength`` (before the tip's weight and expiry).
    ``decl_tip``: one row per flagged declaration only: ``decl_key, score`` (noisy-OR over
    tips), ``reasons`` (one per tip: id, submitter, grade, what matched), ``tip_ids``.

    ``d``: the declarations to flag (``features.declarations`` of them, with
    :data:`DECLARATION_COLUMNS`); by default every declaration of the projection. Tips are
    matched on every party of the projection either way."""
    empty = (pd.DataFrame(columns=MATCH_COLUMNS), pd.DataFrame(columns=DECL_COLUMNS))
    if proj.tips is None or proj.tips.empty:
        return empty
    d = F.declarations(proj, DECLARATION_COLUMNS) if d is None else d
    ref = F.reference_time(d)
    tips = tip_table(proj, cfg, ref)
    if tips.empty:
        return empty
    held = F.held_identifiers(proj)
    names = _name_matches(tips, proj, cfg)
    idents = _ident_matches(tips, held)

    info = tips.set_index("tip_id")
    matches = []
    if len(names):
        matches.append(names.assign(target_label="Party", target_key=names["party_id"], evidence=_evidence(names)))
    if len(idents):
        matches.append(idents.assign(target_label="Identifier", target_key=idents["ident_key"], evidence=_evidence(idents)))
    ports = _explode(tips, "suspect_ports")
    hubs = set(F.text(F.column(proj.hubs, "locode")).str.upper())
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


ROLES = ("consignee", "consignor", "declarant")


def _criteria(c: pd.DataFrame, tips: pd.DataFrame, d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For candidate rows ``c`` (``row`` into ``d``, ``t`` a tip position): consistent with
    the tip's HS prefixes, origins and brand (a declaration with no origin or brand is not
    inconsistent); how many criteria matched positively; the matched HS prefix length and
    whether origin and brand matched. Integer keys only, so millions of candidates are cheap."""
    rows, t = c["row"].to_numpy(), c["t"].to_numpy()
    tcode = pd.Index(tips["tip_id"])
    ok = np.ones(len(c), bool)
    # HS prefixes: the declaration's code starts with one of the tip's prefixes (longest kept)
    pref = _explode(tips, "hs_codes")
    pref_t = tcode.get_indexer(pref["tip_id"])
    has = np.zeros(len(tips), bool)
    has[pref_t] = True
    hs = F.text(d["hs_code"]).str.replace(r"\D", "", regex=True).iloc[rows].reset_index(drop=True)
    hs_len = np.zeros(len(c), int)
    lengths = pref["suspect"].str.len().to_numpy()
    for n in sorted(set(lengths.tolist()), reverse=True):
        codes, uniq = pd.factorize(hs.str[:n])
        pc = pd.Index(uniq).get_indexer(pref["suspect"][lengths == n])
        wanted = pref_t[lengths == n][pc >= 0].astype(np.int64) * (len(uniq) + 1) + pc[pc >= 0]
        hit = np.isin(t.astype(np.int64) * (len(uniq) + 1) + codes, wanted) & (hs_len == 0) & (codes >= 0)
        hs_len[hit] = n
    ok &= ~has[t] | (hs_len > 0)
    # origins
    orig = _explode(tips, "origin_countries")
    orig_t = tcode.get_indexer(orig["tip_id"])
    has = np.zeros(len(tips), bool)
    has[orig_t] = True
    codes, uniq = pd.factorize(d["origin_country"].iloc[rows].reset_index(drop=True))
    pc = pd.Index(uniq).get_indexer(orig["suspect"])
    wanted = orig_t[pc >= 0].astype(np.int64) * (len(uniq) + 1) + pc[pc >= 0]
    known = np.asarray(uniq, dtype=object)[np.maximum(codes, 0)] != "" if len(uniq) else np.zeros(len(c), bool)
    origin_hit = np.isin(t.astype(np.int64) * (len(uniq) + 1) + codes, wanted) & (codes >= 0) & has[t]
    ok &= ~has[t] | origin_hit | ~known
    # brand: either contains the other, ignoring case and punctuation
    norm = lambda x: x.str.lower().str.replace(r"[\W_]+", "", regex=True)
    want = norm(tips["brand"]).to_numpy(dtype=object)
    brand_hit = np.zeros(len(c), bool)
    idx = np.flatnonzero(want[t] != "")
    if len(idx):
        got = norm(F.text(d["brand"]).iloc[rows[idx]]).to_numpy(dtype=object)
        w = want[t[idx]]
        both = got != ""
        same = np.array([bool(b) and (a in b or b in a) for a, b in zip(w, got)], dtype=bool)
        ok[idx[both & ~same]] = False
        brand_hit[idx] = same
    positive = (hs_len > 0).astype(int) + origin_hit + brand_hit
    return ok, positive, hs_len, origin_hit, brand_hit


def _flag(tips: pd.DataFrame, tm: pd.DataFrame, held: pd.DataFrame, d: pd.DataFrame, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Declarations flagged by tips (see the module docstring)."""
    empty = (pd.DataFrame(columns=MATCH_COLUMNS), pd.DataFrame(columns=DECL_COLUMNS))
    tcode = pd.Index(tips["tip_id"])
    anchors = party_hits(tm.assign(score=tm["strength"]), held) if len(tm) else pd.DataFrame()
    parts = []
    if len(anchors):
        anchors = anchors.reset_index(drop=True)
        parties = pd.Index(pd.unique(anchors["party_id"]))
        by_party = pd.DataFrame({"p": parties.get_indexer(anchors["party_id"]), "a": np.arange(len(anchors))})
        a_t = tcode.get_indexer(anchors["tip_id"])
        for k, role in enumerate(ROLES):
            rows = np.flatnonzero(F.member(d[role], parties))
            if len(rows):
                r = pd.DataFrame({"row": rows, "p": parties.get_indexer(d[role].iloc[rows])}).merge(by_party, on="p")
                parts.append(pd.DataFrame({"row": r["row"].to_numpy(), "t": a_t[r["a"].to_numpy()], "a": r["a"].to_numpy(),
                                           "role": k, "strength": anchors["score"].to_numpy(dtype=float)[r["a"].to_numpy()]}))
    # tips naming no party: a suspect port plus goods criteria (HS prefixes or a brand)
    named = tips[["suspect_names", "suspect_phones", "suspect_emails", "suspect_addresses"]].map(len).sum(axis=1)
    bare = tips[named.eq(0) & tips["suspect_ports"].map(len).gt(0) & (tips["hs_codes"].map(len).gt(0) | tips["brand"].ne(""))]
    port_text: list[str] = []
    if len(bare):
        bp = _explode(bare, "suspect_ports")
        wanted = pd.Index(pd.unique(bp["suspect"]))
        by_port = pd.DataFrame({"q": wanted.get_indexer(bp["suspect"]), "t": tcode.get_indexer(bp["tip_id"])})
        longs = []
        for col in ("port_of_loading", "port_of_discharge"):
            rows = np.flatnonzero(F.member(d[col], wanted))
            longs.append(pd.DataFrame({"row": rows, "q": wanted.get_indexer(d[col].iloc[rows]), "verb": col}))
        transit = F.text(d["transit_ports"]).str.upper()
        has = transit.ne("") & transit.str.contains("|".join(wanted), regex=True)
        if has.any():
            ex = transit[has].str.split(";").explode().str.strip()
            ex = ex[ex.isin(wanted)]
            longs.append(pd.DataFrame({"row": ex.index.to_numpy(), "q": wanted.get_indexer(ex), "verb": "transit_ports"}))
        r = pd.concat(longs, ignore_index=True).merge(by_port, on="q")
        verbs = {"port_of_loading": "loaded at", "port_of_discharge": "discharged at", "transit_ports": "via"}
        port_text = [f"{v} suspect port {p}" for v, p in zip(r["verb"].map(verbs), wanted[r["q"].to_numpy()])]
        parts.append(pd.DataFrame({"row": r["row"].to_numpy(), "t": r["t"].to_numpy(), "a": -1 - np.arange(len(r)),
                                   "role": len(ROLES), "strength": STRENGTH["port"]}))
    if not parts:
        return empty
    c = pd.concat(parts, ignore_index=True)
    when = d["declared_at"].to_numpy()[c["row"].to_numpy()]
    until = tips["valid_until"].to_numpy(dtype="datetime64[ns]")[c["t"].to_numpy()]
    since = (tips["submitted_at"] - pd.Timedelta(days=int(cfg.tip_lookback_days))).to_numpy(dtype="datetime64[ns]")[c["t"].to_numpy()]
    in_time = ~(~np.isnat(until) & (when > until + np.timedelta64(1, "D"))) & ~(~np.isnat(since) & (when < since))
    c = c[in_time].reset_index(drop=True)
    if c.empty:
        return empty
    ok, positive, hs_len, origin_hit, brand_hit = _criteria(c, tips, d)
    c = c.assign(positive=positive, hs_len=hs_len, origin_hit=origin_hit, brand_hit=brand_hit)[ok]
    if c.empty:
        return empty
    weight = tips["weight"].to_numpy(dtype=float)
    c["strength"] = 1 - (1 - c["strength"]) * 0.6 ** c["positive"]
    c["score"] = c["strength"] * weight[c["t"].to_numpy()]
    c = c.sort_values(["score", "row", "t"], ascending=[False, True, True]).drop_duplicates(["row", "t"]).reset_index(drop=True)

    # the reason text, for the flagged rows only
    rows, t = c["row"].to_numpy(), c["t"].to_numpy()
    ti = tips.iloc[t].reset_index(drop=True)
    head = ("tip " + ti["tip_id"] + " from " + ti["submitted_by"].replace("", "unknown submitter") + " ("
            + ti["grade"] + ", weight " + ti["weight"].map("{:.2f}".format) + "): ")
    a = c["a"].to_numpy()
    ev = np.where(a >= 0, anchors["evidence"].to_numpy(dtype=object)[np.maximum(a, 0)] if len(anchors) else "",
                  np.asarray(port_text, dtype=object)[np.maximum(-1 - a, 0)] if port_text else "")
    role = np.asarray([*ROLES, ""], dtype=object)[c["role"].to_numpy()]
    what = pd.Series(np.where(role != "", role + " " + ev, ev), dtype=object)
    hs = F.text(d["hs_code"]).str.replace(r"\D", "", regex=True).to_numpy(dtype=object)[rows]
    hs_len = c["hs_len"].to_numpy()
    extra = [
        np.where(hs_len > 0, ["; HS " + h + " within " + h[:n] for h, n in zip(hs, hs_len)], ""),
        np.where(c["origin_hit"], "; origin " + d["origin_country"].to_numpy(dtype=object)[rows], ""),
        np.where(c["brand_hit"], "; brand " + F.text(d["brand"]).to_numpy(dtype=object)[rows], ""),
    ]
    reason = (head + what + extra[0] + extra[1] + extra[2]).to_numpy(dtype=object)
    decl_key = d["decl_key"].to_numpy(dtype=object)[rows]
    flags = pd.DataFrame({"tip_id": ti["tip_id"], "target_label": "Declaration", "target_key": decl_key,
                          "score": c["score"], "evidence": reason, "kind": "flag", "strength": c["strength"]})
    order = np.lexsort((-c["score"].to_numpy(), rows))
    keys, reasons = R.group_lists(pd.Series(decl_key[order], name="decl_key"), pd.Series(reason[order]))
    _, tip_ids = R.group_lists(pd.Series(decl_key[order], name="decl_key"), ti["tip_id"].iloc[order])
    miss = pd.Series(np.log1p(-np.clip(c["score"].to_numpy(), 0, 0.999999)), index=decl_key).groupby(level=0).sum()
    decl_tip = pd.DataFrame({"decl_key": keys["decl_key"], "score": 1 - np.exp(miss.reindex(keys["decl_key"]).to_numpy()),
                             "reasons": reasons, "tip_ids": tip_ids})
    return flags, decl_tip[DECL_COLUMNS]
