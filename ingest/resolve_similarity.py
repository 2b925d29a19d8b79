"""Entity resolution: how alike two party names are (0-100).

Names are compared on their core (:func:`ingest.resolve_names.core_name`). The score is
built from first principles about how the same name gets written differently, and how
different companies' names differ:

- typing slips (a transposed, dropped or doubled letter, a misplaced space) change a few
  characters: the character ratio stays high, and one slip in one word of four or more
  letters scores at least ``SLIP_SCORE``;
- fingerprints sort words, so a slip at a word's start can move it ("Bohua" -> "ohua"):
  words are aligned (shared words first, then the rest) before the ratio;
- a *different* word ("Maju Jaya Trading" / "Maju Jaya Logistics", "Golden Star" /
  "Golden Sun", acronyms "GZG" / "GXG") is another company however close the letters:
  capped at ``WORD_SUBSTITUTION_CAP``; one *replaced* letter ("Baixin" / "Kaixin") is
  ambiguous: capped at ``REPLACED_LETTER_CAP``, enough only with a shared identifier;
- the same words in another order ("Fat Fung" / "Fung Fat", organisations only), another
  legal form, or other numbers are other companies: ``WORD_ORDER_CAP``,
  ``LEGAL_FORM_CAP``, ``NUMBER_MISMATCH_CAP``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from ingest.resolve_names import numbers_in, reordered

__all__ = ["BLOCK_CUTOFF", "BLOCK_SCORER", "name_score", "name_similarity"]

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
#: Names stating different legal forms (see ``resolve_names.FORM_CLASSES``).
LEGAL_FORM_CAP = 85.0
#: One typing slip in one word of four or more letters ("Matsuda nIdustries").
SLIP_SCORE = 96.0

#: An upper bound of the aligned ratio that rapidfuzz computes in C: pairs below
#: ``WORD_SUBSTITUTION_CAP`` on it skip the word-aware refinement.
UPPER_SCORER = fuzz.token_set_ratio

#: The prefilter for blocks too big for all pairs (``resolve_blocking``): the plain ratio of
#: the sorted core names, 17x cheaper than the token-set ratio. A pair under
#: ``BLOCK_CUTOFF`` on it cannot score ``name_threshold``, except a typo that moved a word
#: in the sort order ("Bohua"/"ohua"): the slip blocks find those.
BLOCK_SCORER = fuzz.ratio
BLOCK_CUTOFF = 75.0


def _same_letters_slip(t: str, u: str) -> bool:
    """Two letters swapped or one doubled: the same letters, so not another acronym."""
    if set(t) != set(u) or abs(len(t) - len(u)) > 1:
        return False
    if len(t) == len(u):
        return sorted(t) == sorted(u) and OSA.distance(t, u, score_cutoff=1) <= 1
    return Indel.distance(t, u, score_cutoff=1) <= 1


def _slip(t: str, u: str) -> bool:
    """``u`` may be ``t`` mistyped: one edit, two in words longer than six letters; a
    dropped, doubled or swapped letter only where the shorter word has four letters or less;
    a doubled or swapped letter only between words of three letters or less, which in
    company names are mostly acronyms ("GZG"/"GXG", "PK"/"PKW" are other companies)."""
    if max(len(t), len(u)) <= 3:
        return _same_letters_slip(t, u)
    if min(len(t), len(u)) <= 4:
        return _one_slip(t, u, min_len=1)
    allowed = 1 if min(len(t), len(u)) <= 6 else 2
    return OSA.distance(t, u, score_cutoff=allowed) <= allowed


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


def _moved_space(only_x: list[str], only_y: list[str]) -> bool:
    """A space typed in the wrong place ("Chuangda Industry" / "Chuangd aIndustry"): the same
    letters, cut into words of other lengths (same lengths would be an anagram)."""
    return (len(only_x) <= 2 and len(only_y) <= 2
            and sorted(map(len, only_x)) != sorted(map(len, only_y))
            and sorted("".join(only_x)) == sorted("".join(only_y)))


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
        if _moved_space(only_x, only_y):
            return max(score, SLIP_SCORE)
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


def _pair_scores(x: np.ndarray, y: np.ndarray, same_letters: np.ndarray, workers: int) -> np.ndarray:
    """``name_score`` without the number cap, for arrays of distinct, non-empty core names.

    The word-aware refinement runs where the token-set ratio (an upper bound of the aligned
    ratio) clears ``WORD_SUBSTITUTION_CAP``, or where the letters are the same (a misplaced
    space, which no token ratio sees).
    """
    sim = process.cpdist(x, y, scorer=fuzz.token_sort_ratio, dtype=np.float32, workers=workers)
    upper = process.cpdist(x, y, scorer=UPPER_SCORER, dtype=np.float32, workers=workers)
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
