"""Entity resolution: what a party's name says.

From a name fingerprint (``ingest.normalize.name_fingerprint``: case, accents and
punctuation folded, legal forms abbreviated, tokens sorted) this module derives what the
comparisons in :mod:`ingest.resolve_similarity` look at:

- the *core* name: the words that say which company it is, without the legal form
  ("ABC Trading Co., Ltd." -> "abc trading"), legal forms mistyped included ("oC., Ltd.",
  "Limtied"), abbreviations written out ("imp exp" -> "import export");
- the *legal-form class* ("Co., Ltd." and "Company Limited" -> ``ltd``; "Public Company
  Limited" -> ``public``): part of the registered name, so two classes mean two companies;
- whether it is an *organisation's* name (a legal form or business word) or a person's;
- the *word order* as written, and the *numbers* in it.
"""

from __future__ import annotations

import re
from functools import cache

from rapidfuzz.distance import OSA

__all__ = [
    "BUSINESS_WORDS",
    "EXPANSIONS",
    "FORM_CLASSES",
    "LEGAL_FORMS",
    "ORG_WORDS",
    "core_name",
    "is_legal_form",
    "is_organisation",
    "legal_form",
    "letters_of",
    "numbers_in",
    "reordered",
    "word_order",
]

#: Tokens of a name fingerprint that say what kind of company it is, not which one. They are
#: dropped from the core name, so "ABC Trading", "ABC Trading Co., Ltd." and "ABC TRADING SDN
#: BHD" compare as equal while "ABC" vs "ABD" stays different. (``fingerprints`` folds some
#: forms itself, e.g. "Pte" and "Company Limited" -> "co ltd", but keeps others, e.g.
#: "Private", "Sdn Bhd", "FZCO", "Cong ty TNHH", Thai "borisat".)
LEGAL_FORMS = frozenset((
    "co", "ltd", "limited", "company", "companies", "corp", "corporation", "inc",
    "incorporated", "llc", "llp", "lp", "plc", "pcl", "pte", "pty", "pvt", "private",
    "public", "sdn", "bhd", "berhad", "sendirian", "pt", "tbk", "cv", "ud", "jsc", "tnhh",
    "ty", "cty", "cp", "mtv", "dntn", "fze", "fzco", "gmbh", "ag", "sa", "sas", "sarl",
    "srl", "sl", "spa", "bv", "nv", "kk", "brisath", "bristh", "borisat", "cakad",
    "chamkat", "mhachn", "mahachon",
))

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
    for form in sorted(f for f in LEGAL_FORMS if 2 <= len(f) <= 5)
    for slip in _slips(form)
    if slip not in ("crop", "cop", "pet", "ass") and slip not in LEGAL_FORMS
}
_UNSLIPPED["oc"] = "co"
_LONG_FORMS = tuple(f for f in LEGAL_FORMS if len(f) >= 6)

#: "Co" as typed in "Co., Ltd.", slips included ("oC", "C.", "o.", "Coo").
_CO = frozenset({"co", "c", "o", *(slip for slip, form in _UNSLIPPED.items() if form == "co")})


class _LongSlips(dict):
    """token -> the long legal form it is one slip from ("limied" -> "limited"), cached."""

    def __missing__(self, token: str) -> str:
        found = ""
        if len(token) >= 6 and token not in LEGAL_FORMS:
            found = next((f for f in _LONG_FORMS if OSA.distance(token, f, score_cutoff=1) <= 1), "")
        self[token] = found
        return found


_LONG_SLIPS = _LongSlips()

#: Business words ``fingerprints`` abbreviates ("Import Export" -> "imp exp"), written out
#: again in core names: it abbreviates only correctly spelled words, so "Expot" and "exp"
#: would otherwise look like different words rather than one slip apart.
EXPANSIONS = {"exp": "export", "imp": "import", "intl": "international", "ent": "enterprise"}
_EXPANSIONS = {**{slip: word for short, word in EXPANSIONS.items() for slip in _slips(short)
                  if slip not in LEGAL_FORMS and slip != "net"}, **EXPANSIONS}  # "Impp." mistyped

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

#: Words that make a name an organisation's rather than a person's (with ``LEGAL_FORMS``).
#: Registered company names are unique within a jurisdiction; people's names are not
#: ("Tan Wei Jie" is many people in Singapore), so the name-only rule needs one of these.
BUSINESS_WORDS = frozenset((
    "trading", "trade", "traders", "intertrade", "imp", "exp", "import", "export", "impex",
    "enterprise", "enterprises", "industry", "industries", "industrial", "international",
    "intl", "global", "group", "holdings", "holding", "supply", "supplies", "logistics",
    "freight", "shipping", "distribution", "marketing", "electronics", "electronic",
    "technology", "tech", "solutions", "engineering", "manufacturing", "factory",
    "garment", "garments", "textile", "textiles", "pharma", "pharmaceutical", "cosmetics",
    "commerce", "commercial", "services", "service", "parts", "auto", "motor", "motors",
    "store", "shop", "mart", "agency", "brokerage", "customs", "overseas", "exports",
    "thuong", "xuat", "nhap", "khau", "niaga",
))
ORG_WORDS = LEGAL_FORMS | BUSINESS_WORDS


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


#: Every long organisation word and its one-letter deletions: a word one slip from one of
#: them shares an entry ("logistic", "Tradng" still say "organisation"). Seven letters and
#: up only: Vietnamese "Huong" (a given name) is one letter from "thuong" (trade).
_ORG_NEIGHBOURHOOD = frozenset(d for w in ORG_WORDS if len(w) >= 7 for d in _deletions(w))


@cache
def _org_word(token: str) -> bool:
    if token in ORG_WORDS:
        return True
    return len(token) >= 6 and not _deletions(token).isdisjoint(_ORG_NEIGHBOURHOOD)


def is_organisation(fp: str) -> bool:
    """The name has a legal form or business word (allowing one slip in a long one)."""
    return any(_org_word(t) for t in fp.split())

_DIGITS = re.compile(r"\d+")


@cache
def is_legal_form(token: str) -> bool:
    """``token`` is a legal form, or one typing slip away from a long one."""
    return token in LEGAL_FORMS or token in _UNSLIPPED or bool(_LONG_SLIPS[token])


def core_name(fp: str) -> str:
    """The fingerprint's tokens minus legal forms; the fingerprint itself if nothing is left.

    Multi-word forms whose words mean something alone are dropped only together: "S/B"
    (Sdn Bhd, fingerprinted "b s"), "P. Ltd." ("ltd p"), "Cong ty" ("cong" is also "success"
    in "Thanh Cong"). Words fingerprints abbreviates are written out again (``EXPANSIONS``).
    """
    tokens = fp.split()
    drop = {t for t in tokens if is_legal_form(t)}
    if {"s", "b"} <= set(tokens):
        drop |= {"s", "b"}
    if "p" in tokens and "ltd" in tokens:
        drop.add("p")
    if "cong" in tokens and ("ty" in tokens or "cty" in tokens):
        drop.add("cong")
    kept = sorted(_EXPANSIONS.get(t, t) for t in tokens if t not in drop)
    return " ".join(kept) if kept else fp


def legal_form(fp: str) -> str:
    """The legal-form class a name fingerprint states ('' when it states none).

    A limited company says whether it is a "Company Limited" (``co ltd``) or a "Limited"
    (``ltd``): in Hong Kong "X Limited" and "X Company Limited" are two registrations.
    """
    tokens = fp.split()
    if "pt" in tokens and "ltd" in tokens:  # "Pt. Ltd.": a slipped "Pvt. Ltd.", not Indonesian PT
        tokens = [t for t in tokens if t != "pt"]
    ranks = [_FORM_RANK[t] for t in tokens if t in _FORM_RANK]
    if "s" in tokens and "b" in tokens:
        ranks.append(_FORM_RANK["sdn"])
    ranks += [_FORM_RANK[form] for t in tokens if (form := _LONG_SLIPS[t]) in _FORM_RANK]
    if not ranks:
        return ""
    form = FORM_CLASSES[min(ranks)][0]
    if form == "ltd" and any(t in _CO for t in tokens):
        return "co ltd"
    return form


_QUALIFIER = re.compile(r"\(([^()]{1,20})\)")


def qualifier(raw_name: str) -> str:
    """The bracketed part of a registered name, letters only: "(HK)", "(H.K.)" -> "hk",
    "(M)" -> "m", "(Thailand)" -> "thailand". Fingerprints drop it, but "X (HK) Limited"
    and "X Limited", "Y (M) Sdn. Bhd." and "Y Sdn. Bhd." are different registrations."""
    return " ".join("".join(c for c in q.lower() if c.isalnum()) for q in _QUALIFIER.findall(raw_name))


def form_signature(fp: str, raw_name: str) -> str:
    """Legal-form class and bracketed qualifier: two names stating different ones are two
    legal persons ('' when the name states neither)."""
    form, qual = legal_form(fp), qualifier(raw_name)
    return f"{form} ({qual})" if qual else form


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


def letters_of(core: str) -> str:
    """The letters of a name, sorted, spaces dropped: equal for a misplaced space."""
    return "".join(sorted(core.replace(" ", "")))
