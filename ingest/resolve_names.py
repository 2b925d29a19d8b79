"""Entity resolution: what a company name says, and how alike two names are.

Names are compared on their *core*: the ``fingerprints`` fingerprint (case, accents and
punctuation folded, tokens sorted) without legal forms. The similarity (0-100) is built
from first principles about how the same name gets written differently:

- typing slips (a transposed, dropped or doubled letter) change a few characters: the
  character ratio stays high, and a name that differs by one slip in one word of four or
  more letters scores at least ``SLIP_SCORE``;
- because fingerprints sort tokens, a slip at the start of a word can move it ("Bohua" ->
  "ohua"), so words are aligned (shared words first, then the rest) before the ratio;
- a *different* word ("Maju Jaya Trading" / "Maju Jaya Logistics", "Golden Star" /
  "Golden Sun") is another company even when the letters are close: capped at
  ``WORD_SUBSTITUTION_CAP``;
- different numbers ("Siam 57 Trading" / "Siam 58 Trading"): capped at ``NUMBER_MISMATCH_CAP``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

__all__ = ["LEGAL_FORMS", "BUSINESS_WORDS", "ORG_WORDS", "FORM_CLASSES", "core_name",
           "is_legal_form", "is_organisation", "legal_form", "word_order", "reordered", "letters_of", "numbers_in", "name_score", "name_similarity",
           "CANDIDATE_SCORER"]

#: Tokens of a name fingerprint that say what kind of company it is, not which one. They are
#: dropped from the core name, so "ABC Trading", "ABC Trading Co., Ltd." and "ABC TRADING SDN
#: BHD" compare as equal while "ABC" vs "ABD" stays different. (``fingerprints`` folds some
#: forms itself, e.g. "Pte" and "Company Limited" -> "co ltd", but keeps others, e.g.
#: "Private", "Sdn Bhd", "FZCO", "Cong ty TNHH", Thai "borisat".)
LEGAL_FORMS = frozenset(
    """
    co ltd limited company companies corp corporation inc incorporated llc llp lp plc pcl
    pte pty pvt private public sdn bhd berhad sendirian pt tbk cv ud jsc tnhh ty cty cp mtv
    dntn fze fzco gmbh ag sa sas sarl srl sl spa bv nv kk
    brisath bristh borisat cakad chamkat mhachn mahachon
    """.split()
)

#: Short legal forms with a typing slip (two letters swapped, one doubled or dropped: "Coo",
#: "Ldt", "Lttd") are legal forms too: a typo there says nothing about which company it is.
#: Long forms one slip away ("Limtied") are caught by ``is_legal_form``. Two-letter results
#: ("te" from "pte", "nc" from "inc") are left alone, being what acronym names are made of,
#: except "oc" ("Co" typed "oC"); slips that make a real word ("crop", "pet") are not forms.
def _slips(word: str) -> set[str]:
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    doubled = {word[:i] + word[i] + word[i:] for i in range(len(word))}
    dropped = {word[:i] + word[i + 1:] for i in range(len(word))}
    return {s for s in swapped | doubled | dropped if len(s) >= 3 and s != word}


_UNSLIPPED = {
    slip: form
    for form in ("co", "ltd", "inc", "llc", "bhd", "sdn", "pte", "pvt", "jsc", "plc", "corp",
                 "cty", "tnhh")
    for slip in _slips(form)
    if slip not in ("crop", "cop", "pet") and slip not in LEGAL_FORMS
}
_UNSLIPPED["oc"] = "co"
_LONG_FORMS = tuple(f for f in LEGAL_FORMS if len(f) >= 6)

#: Legal-form classes, most specific first. The legal form is part of a registered name:
#: "X Co., Ltd." and "X Public Company Limited", "Cong ty TNHH X" and "Cong ty Co phan X",
#: "X FZE" and "X FZCO", "X Corp." and "X LLC" are different legal persons (often related
#: ones, sharing an address or e-mail). Spelling variants of one form ("Co., Ltd.",
#: "Company Limited", "CO LTD") fall in one class.
FORM_CLASSES = (
    ("public", ("public", "pcl", "plc", "tbk", "mhachn", "mahachon")),
    ("jsc", ("cp", "jsc")),
    ("tnhh", ("tnhh",)),
    ("llc", ("llc",)),
    ("fzco", ("fzco",)),
    ("fze", ("fze",)),
    ("corp", ("corp", "corporation")),
    ("inc", ("inc", "incorporated")),
    ("sdn", ("sdn",)),
    ("pt", ("pt",)),
    ("cv", ("cv",)),
    ("gmbh", ("gmbh",)), ("ag", ("ag",)), ("bv", ("bv",)), ("nv", ("nv",)), ("sas", ("sas",)),
    ("srl", ("srl",)), ("sl", ("sl",)), ("kk", ("kk",)),
    ("ltd", ("ltd", "limited", "pte", "pvt", "private")),
)
_FORM_RANK = {word: rank for rank, (_, words) in enumerate(FORM_CLASSES) for word in words}
_FORM_RANK.update({slip: _FORM_RANK[form] for slip, form in _UNSLIPPED.items()
                   if form in _FORM_RANK and slip not in _FORM_RANK})

#: Names whose legal forms differ are capped here, below the merge thresholds.
LEGAL_FORM_CAP = 85.0

#: Words that make a name an organisation's rather than a person's (with ``LEGAL_FORMS``).
#: Registered company names are unique within a jurisdiction; people's names are not
#: ("Tan Wei Jie" is many people in Singapore), so the name-only rule needs one of these.
BUSINESS_WORDS = frozenset(
    """
    trading trade traders intertrade imp exp import export impex enterprise enterprises
    industry industries industrial international intl global group holdings holding supply
    supplies logistics freight shipping distribution marketing electronics electronic
    technology tech solutions engineering manufacturing factory garment garments textile
    textiles pharma pharmaceutical cosmetics commerce commercial services service parts
    auto motor motors store shop mart agency brokerage customs overseas exports
    thuong xuat nhap khau niaga
    """.split()
)
ORG_WORDS = LEGAL_FORMS | BUSINESS_WORDS


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


#: Every long organisation word and its one-letter deletions: a word one slip from one of
#: them shares an entry ("logistic", "Tradng" still say "organisation"). Seven letters and
#: up only: Vietnamese "Huong" (a given name) is one letter from "thuong" (trade).
_ORG_NEIGHBOURHOOD = frozenset(d for w in ORG_WORDS if len(w) >= 7 for d in _deletions(w))


@lru_cache(maxsize=None)
def _org_word(token: str) -> bool:
    if token in ORG_WORDS:
        return True
    return len(token) >= 6 and not _deletions(token).isdisjoint(_ORG_NEIGHBOURHOOD)


def is_organisation(fp: str) -> bool:
    """The name has a legal form or business word (allowing one slip in a long one)."""
    return any(_org_word(t) for t in fp.split())

#: Names that carry different numbers ("Offshore Vehicle 12" / "Offshore Vehicle 13") are
#: different companies however close the letters are.
NUMBER_MISMATCH_CAP = 50.0
#: A word replaced by a different word: below every merge threshold.
WORD_SUBSTITUTION_CAP = 75.0
#: The same words in another order ("Fat Fung Industrial" / "Fung Fat Industrial",
#: "Wawasan Jaya" / "Jaya Wawasan") make another company's name; people's names are
#: written in either order, so this applies to organisations only.
WORD_ORDER_CAP = 75.0
#: One word differs by a replaced letter ("Shenzhen Baixin" / "Shenzhen Kaixin"): maybe a
#: typo, maybe another name from the same pool of syllables. Enough with a shared phone,
#: e-mail or address (``name_threshold``), not on the name alone (``fuzzy_threshold``).
REPLACED_LETTER_CAP = 94.0
#: One typing slip in one word of four or more letters ("Matsuda nIdustries").
SLIP_SCORE = 96.0

#: An upper bound of ``name_score`` that rapidfuzz computes in C, for ``cdist`` in big blocks.
CANDIDATE_SCORER = fuzz.token_set_ratio

_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=None)
def is_legal_form(token: str) -> bool:
    """``token`` is a legal form, or one typing slip away from a long one."""
    if token in LEGAL_FORMS or token in _UNSLIPPED:
        return True
    return len(token) >= 6 and any(OSA.distance(token, f, score_cutoff=1) <= 1 for f in _LONG_FORMS)


def core_name(fp: str) -> str:
    """The fingerprint's tokens minus legal forms; the fingerprint itself if nothing is left.

    Multi-word forms whose words mean something alone are dropped only together: "S/B"
    (Sdn Bhd, fingerprinted "b s"), "P. Ltd." ("ltd p"), "Cong ty" ("cong" is also "success"
    in "Thanh Cong").
    """
    tokens = fp.split()
    drop = {t for t in tokens if is_legal_form(t)}
    if {"s", "b"} <= set(tokens):
        drop |= {"s", "b"}
    if "p" in tokens and "ltd" in tokens:
        drop.add("p")
    if "cong" in tokens and ("ty" in tokens or "cty" in tokens):
        drop.add("cong")
    kept = [t for t in tokens if t not in drop]
    return " ".join(kept) if kept else fp


def legal_form(fp: str) -> str:
    """The legal-form class a name fingerprint states ('' when it states none)."""
    tokens = fp.split()
    ranks = [_FORM_RANK[t] for t in tokens if t in _FORM_RANK]
    if "s" in tokens and "b" in tokens:
        ranks.append(_FORM_RANK["sdn"])
    return FORM_CLASSES[min(ranks)][0] if ranks else ""


def word_order(norm: str, core: str) -> str:
    """The core name's words in the order the name was written (``norm``: the name
    lower-cased with punctuation as spaces, as ``ingest.normalize.normalize_name`` gives it)."""
    words = set(core.split())
    seen: dict[str, None] = {}
    for token in norm.split():
        if token in words:
            seen.setdefault(token)
    return " ".join(seen)


def reordered(x: str, y: str) -> bool:
    """The words two names share are written in a different order (see ``word_order``)."""
    tx, ty = x.split(), y.split()
    common = set(tx) & set(ty)
    return len(common) > 1 and [t for t in tx if t in common] != [t for t in ty if t in common]


def numbers_in(core: str) -> str:
    """The numbers written in a name, sorted and space-joined ('' when none)."""
    return " ".join(sorted(_DIGITS.findall(core)))


def _abbreviations() -> dict[str, tuple[str, ...]]:
    """fingerprints' abbreviation -> the single words it stands for ("exp" -> "export")."""
    from fingerprints.types.data import TYPES

    out = {}
    for entry in TYPES["types"]:
        words = tuple(f for f in entry["forms"] if f.isascii() and f.isalpha())
        if words:
            out[entry["main"]] = words
    return out


#: fingerprints abbreviates a word only when it is spelled right: "Export" -> "exp" but
#: "Expot" stays "expot". A slip is looked for against the full word too.
ABBREVIATIONS = _abbreviations()


def _same_letters_slip(t: str, u: str) -> bool:
    """Two letters swapped or one doubled: the same letters, so not another acronym."""
    if set(t) != set(u) or abs(len(t) - len(u)) > 1:
        return False
    if len(t) == len(u):
        return sorted(t) == sorted(u) and OSA.distance(t, u, score_cutoff=1) <= 1
    return Indel.distance(t, u, score_cutoff=1) <= 1


def _plain_slip(t: str, u: str) -> bool:
    if min(len(t), len(u)) <= 3:  # acronyms: "GZG"/"GXG", "PK"/"PKW", "ZC"/"Z" differ
        return _same_letters_slip(t, u)
    if min(len(t), len(u)) == 4:
        return _one_slip(t, u)
    allowed = 1 if min(len(t), len(u)) <= 6 else 2
    return OSA.distance(t, u, score_cutoff=allowed) <= allowed


def _slip(t: str, u: str) -> bool:
    """``u`` may be ``t`` mistyped: one edit, two in words longer than six letters; in
    four-letter words a dropped, doubled or swapped letter only; in words of three letters
    or less, which in company names are mostly acronyms, a doubled or swapped letter only."""
    if _plain_slip(t, u):
        return True
    return (any(_plain_slip(t, w) for w in ABBREVIATIONS.get(u, ()))
            or any(_plain_slip(w, u) for w in ABBREVIATIONS.get(t, ())))


def _one_slip(t: str, u: str, min_len: int = 4) -> bool:
    """One letter dropped, doubled or transposed, in a word of ``min_len`` letters or more.

    A *replaced* letter is not a slip here: "Hing"/"Wing", "Pattana"/"Rattana" are
    different names that naming pools produce side by side.
    """
    if min(len(t), len(u)) < min_len:
        return False
    if len(t) != len(u):
        return Indel.distance(t, u, score_cutoff=1) <= 1
    return sorted(t) == sorted(u) and OSA.distance(t, u, score_cutoff=1) <= 1


@lru_cache(maxsize=500_000)
def _refine(x: str, y: str, base: float) -> float:
    """Word-aware similarity of two different core names, from their sorted-token ratio
    (cached: evidence and cluster guards ask again about pairs the rules scored)."""
    tx, ty = x.split(), y.split()
    sx, sy = set(tx), set(ty)
    common = [t for t in tx if t in sy]
    only_x = [t for t in tx if t not in sy]
    only_y = [t for t in ty if t not in sx]
    score = max(base, fuzz.ratio(" ".join(common + only_x), " ".join(common + only_y)))
    if only_x and only_y:
        if len(only_x) <= 2 and len(only_y) <= 2 and sorted("".join(only_x)) == sorted("".join(only_y)):
            return max(score, SLIP_SCORE)  # a space typed in the wrong place: "Chuangd aIndustry"
        if (any(not any(_slip(t, u) for u in only_y) for t in only_x)
                and any(not any(_slip(u, t) for t in only_x) for u in only_y)):
            return min(score, WORD_SUBSTITUTION_CAP)
        if len(only_x) == len(only_y) == 1:
            if _one_slip(only_x[0], only_y[0]):
                return max(score, SLIP_SCORE)
            if len(only_x[0]) == len(only_y[0]):  # one letter replaced: "Baixin"/"Kaixin"
                return min(score, REPLACED_LETTER_CAP)
    return score


def name_score(x: str, y: str) -> float:
    """Similarity 0-100 of two core names (0 when either is empty)."""
    if not x or not y:
        return 0.0
    if x == y:
        return 100.0
    score = _refine(x, y, fuzz.token_sort_ratio(x, y))
    return min(score, NUMBER_MISMATCH_CAP) if numbers_in(x) != numbers_in(y) else score


def letters_of(core: str) -> str:
    """The letters of a name, sorted, spaces dropped: equal for a misplaced space."""
    return "".join(sorted(core.replace(" ", "")))


def _pair_scores(x: np.ndarray, y: np.ndarray, same_letters: np.ndarray, workers: int) -> np.ndarray:
    """``name_score`` without the number cap, for arrays of distinct, non-empty core names.

    The word-aware refinement runs where the token-set ratio (an upper bound of the aligned
    ratio) clears ``WORD_SUBSTITUTION_CAP``, or where the letters are the same (a misplaced
    space, which no token ratio sees).
    """
    sim = process.cpdist(x, y, scorer=fuzz.token_sort_ratio, dtype=np.float32, workers=workers)
    upper = process.cpdist(x, y, scorer=CANDIDATE_SCORER, dtype=np.float32, workers=workers)
    for k in np.flatnonzero((sim < 100) & ((upper > WORD_SUBSTITUTION_CAP) | same_letters)).tolist():
        sim[k] = _refine(x[k], y[k], float(sim[k]))
    return sim


def _cap_reordered(p, a: np.ndarray, b: np.ndarray, sim: np.ndarray) -> None:
    """Cap (in place) organisation name pairs whose shared words come in another order."""
    oa, ob = p.order[a], p.order[b]
    check = np.flatnonzero((oa != ob) & (oa >= 0) & (ob >= 0) & p.is_org[a] & p.is_org[b]
                           & (sim > WORD_ORDER_CAP))
    if not len(check):
        return
    width = np.int64(len(p.orders))
    pairs, inverse = np.unique(oa[check] * width + ob[check], return_inverse=True)
    capped = np.array([reordered(p.orders[k // width], p.orders[k % width]) for k in pairs.tolist()],
                      dtype=bool)
    hit = check[capped[inverse]]
    sim[hit] = np.minimum(sim[hit], WORD_ORDER_CAP)


def name_similarity(p, a: np.ndarray, b: np.ndarray, workers: int = 1) -> np.ndarray:
    """``name_score`` of every pair of mentions ``(a[k], b[k])``, with the legal-form cap.

    ``p`` holds per mention ``name`` (int code of the core name, -1 for none; the names
    themselves in ``names``, codes of their ``letters_of`` in ``name_letters``), ``numbers`` (int codes of ``numbers_in``), ``form`` (int
    codes of ``legal_form``), ``order`` (int codes of ``word_order``; the strings in
    ``orders``) and ``is_org``. Each distinct pair of names is scored once (the same spelling
    recurs in every reporting country): rapidfuzz computes the sorted-token ratio and its
    token-set upper bound in C, and the word-aware refinement runs in Python only on pairs
    whose upper bound could clear ``WORD_SUBSTITUTION_CAP``.
    """
    na, nb = p.name[a], p.name[b]
    sim = np.where((na == nb) & (na >= 0), 100.0, 0.0).astype(np.float32)
    todo = (na != nb) & (na >= 0) & (nb >= 0)
    if todo.any():
        lo, hi = np.minimum(na[todo], nb[todo]), np.maximum(na[todo], nb[todo])
        width = np.int64(len(p.names))
        pairs, inverse = np.unique(lo * width + hi, return_inverse=True)
        x, y = pairs // width, pairs % width
        scores = _pair_scores(p.names[x], p.names[y], p.name_letters[x] == p.name_letters[y],
                              workers)
        sim[todo] = scores[inverse]
    _cap_reordered(p, a, b, sim)
    forms_differ = (p.form[a] >= 0) & (p.form[b] >= 0) & (p.form[a] != p.form[b])
    sim[forms_differ] = np.minimum(sim[forms_differ], LEGAL_FORM_CAP)
    numbers_differ = p.numbers[a] != p.numbers[b]
    sim[numbers_differ] = np.minimum(sim[numbers_differ], NUMBER_MISMATCH_CAP)
    return sim
