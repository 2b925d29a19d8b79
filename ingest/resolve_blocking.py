"""Entity resolution, step 2: blocking — which pairs of mentions are worth comparing.

Nothing is compared all-pairs. A pair is a candidate only when the two mentions share a
block key, and each key exists for a rule that could accept the pair:

- ``phone``, ``email``, ``address`` (exact normalised values): the name+identifier rules;
- ``name`` (exact core name) and ``name_slip`` (the core name with one word replaced by each
  of its one-letter deletions, "SymSpell" style, so that "Matsuda Industries" and "Matsuda
  nIdustries", "Bohua" and "ohua" meet): the fuzzy-name rule, which only accepts nearly
  identical organisation names (people's names are left to the identifier blocks);
- ``registry_id``: a registry entry and the declaration mentions carrying its id;
- hard keys ``(scope, raw_id)`` and tax id become star edges (``hard_edges``), never pairs.

Blocks up to ``block_cap`` members yield all their pairs (built with numpy, by block size).
Bigger blocks — a registered agent's address shared by 500 companies — compare the distinct
names in the block with ``rapidfuzz.process.cdist`` (vectorised C) and keep only mention
pairs whose names could pass ``name_threshold``. Blocks above ``cdist_cap`` are split on
their members' two rarest name tokens; what is still too big is skipped. Every count
(blocks, pairs, big, split, skipped) is reported in the stats before rules run.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rapidfuzz import process

from ingest.resolve_prepare import Prepared, codes
from ingest.resolve_similarity import BLOCK_CUTOFF, BLOCK_SCORER

if TYPE_CHECKING:
    from ingest.resolve import ResolveConfig

__all__ = ["candidate_pairs", "hard_edges", "rarest_token_pairs", "slip_keys"]

EMPTY = np.empty(0, dtype=np.int64)


def rarest_token_pairs(names: np.ndarray) -> np.ndarray:
    """Per distinct core name, a code of its two rarest tokens (ties: alphabetical)."""
    token_sets = [set(s.split()) for s in names]
    freq = Counter(t for tokens in token_sets for t in tokens)
    keys = [" ".join(sorted(sorted(tokens, key=lambda t: (freq[t], t))[:2])) for tokens in token_sets]
    return codes(keys)


def slip_keys(names: np.ndarray, min_len: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``(name index, key code)``: each name with one word replaced by itself and, for words
    of ``min_len``+ letters, by each of its one-letter deletions. Two names one typing slip
    apart in one word (letter dropped, doubled, swapped or replaced) share a key."""
    keys: list[str] = []
    counts = np.zeros(len(names), dtype=np.int64)
    for n, name in enumerate(names.tolist()):
        tokens = name.split()
        before = len(keys)
        for k, word in enumerate(tokens):
            rest = " ".join(tokens[:k] + tokens[k + 1:]) + "|"
            keys.append(rest + word)
            if len(word) >= min_len:
                keys.extend([rest + word[:i] + word[i + 1:] for i in range(len(word))])
        counts[n] = len(keys) - before
    if not keys:
        return EMPTY, EMPTY
    return np.repeat(np.arange(len(names), dtype=np.int64), counts), codes(keys)


def _groups(idx: np.ndarray, code: np.ndarray, is_new: np.ndarray | None = None):
    """Members sorted by block, with each block's start and size: blocks of 2+ members and,
    when ``is_new`` is given, with at least one new member."""
    keep = code >= 0
    idx, code = idx[keep], code[keep]
    order = np.lexsort((idx, code))
    idx, code = idx[order], code[order]
    if not len(code):
        return idx, EMPTY, EMPTY
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    sizes = np.diff(np.r_[starts, len(code)])
    wanted = sizes >= 2
    if is_new is not None:
        wanted &= np.add.reduceat(is_new[idx].astype(np.int64), starts) > 0
    return idx, starts[wanted], sizes[wanted]


def _small_block_pairs(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray):
    """All pairs inside every block, vectorised per block size."""
    out_a, out_b = [EMPTY], [EMPTY]
    for s in np.unique(sizes):
        first = starts[sizes == s]
        mat = members[first[:, None] + np.arange(s)[None, :]]
        iu, ju = np.triu_indices(int(s), 1)
        out_a.append(mat[:, iu].ravel())
        out_b.append(mat[:, ju].ravel())
    return np.concatenate(out_a), np.concatenate(out_b)


def _expand(name_a: np.ndarray, name_b: np.ndarray, members: np.ndarray, p: Prepared):
    """Mention pairs ``(i, j)`` among ``members`` for every name pair ``(name_a, name_b)``."""
    who = pd.DataFrame({"i": members, "n": p.name[members]})
    pairs = pd.DataFrame({"n": name_a, "m": name_b})
    left = pairs.merge(who, on="n")
    both = left.merge(who.rename(columns={"i": "j", "n": "m"}), on="m")
    a, b = both["i"].to_numpy(np.int64), both["j"].to_numpy(np.int64)
    keep = (a != b) & (p.is_new[a] | p.is_new[b])
    return a[keep], b[keep]


def _name_filtered_pairs(block: np.ndarray, p: Prepared, cfg: ResolveConfig, st: Counter):
    """Pairs of a big block whose names could reach ``cfg.name_threshold`` (``BLOCK_SCORER``).

    The distinct names of the block's new mentions are compared (cdist, in C) with all its
    distinct names; matching name pairs are expanded back to mention pairs.
    """
    named = block[p.name[block] >= 0]
    queries = np.unique(p.name[named[p.is_new[named]]])
    choices = np.unique(p.name[named])
    if not len(queries):
        return EMPTY, EMPTY
    st["cdist_cells"] += len(queries) * len(choices)
    scores = process.cdist(p.names[queries], p.names[choices], scorer=BLOCK_SCORER,
                           score_cutoff=BLOCK_CUTOFF, dtype=np.uint8, workers=cfg.workers)
    qi, ci = np.nonzero(scores)
    return _expand(queries[qi], choices[ci], named, p)


def block_pairs(idx, code, p: Prepared, cfg: ResolveConfig, stats: dict, kind: str, depth=0):
    """Candidate pairs from one kind of block key (``idx[k]`` is in block ``code[k]``)."""
    members, starts, sizes = _groups(np.asarray(idx), np.asarray(code), p.is_new)
    st = stats.setdefault(kind, Counter())
    st["blocks"] += len(starts)
    small = sizes <= cfg.block_cap
    a, b = _small_block_pairs(members, starts[small], sizes[small])
    out_a, out_b = [a], [b]
    st["pairs"] += len(a)
    for start, size in zip(starts[~small].tolist(), sizes[~small].tolist()):
        block = members[start:start + size]
        if size <= cfg.cdist_cap and kind == "name":  # one name: every pair is compatible
            st["big_blocks"] += 1
            a, b = _small_block_pairs(block, np.zeros(1, np.int64), np.array([size]))
        elif size <= cfg.cdist_cap:
            st["big_blocks"] += 1
            a, b = _name_filtered_pairs(block, p, cfg, st)
        elif depth == 0:
            st["split_blocks"] += 1
            a, b = block_pairs(block, _token_pairs(p)[block], p, cfg, stats, kind, depth=1)
        else:
            st["skipped_blocks"] += 1
            st["skipped_members"] += size
            continue
        out_a.append(a)
        out_b.append(b)
        st["pairs"] += len(a)
    return np.concatenate(out_a), np.concatenate(out_b)


def _token_pairs(p: Prepared) -> np.ndarray:
    """Per mention, the code of its core name's two rarest tokens (-1: no name); computed
    the first time a block is too big to compare, and kept on ``p``."""
    if p.token_pair is None:
        named = p.name >= 0
        p.token_pair = np.where(named, rarest_token_pairs(p.names)[np.maximum(p.name, 0)], -1)
    return p.token_pair


def _org_names(p: Prepared) -> np.ndarray:
    """Per distinct core name: written as an organisation's name by at least one mention.

    The name blocks serve the fuzzy-name rule, which needs an organisation on one side:
    people's names ("Tan Wei Jie", 600 distinct people in a large world) merge only on a
    shared identifier, and the identifier blocks find those pairs. A name one slip from an
    organisation's is an organisation's too (``is_organisation`` allows a slip in the
    business word).
    """
    org = np.zeros(len(p.names), dtype=bool)
    org[p.name[p.is_org & (p.name >= 0)]] = True
    return org


def _slip_pairs(p: Prepared, cfg: ResolveConfig, stats: dict):
    """Mention pairs whose distinct organisation names are one slip apart (``slip_keys``)."""
    org = np.flatnonzero(_org_names(p))
    rows, keys = slip_keys(p.names[org])
    rows = org[rows] if len(rows) else rows
    members, starts, sizes = _groups(rows, keys)
    st = stats.setdefault("name_slip", Counter())
    ok = sizes <= cfg.cdist_cap
    st["skipped_blocks"] += int((~ok).sum())
    na, nb = _small_block_pairs(members, starts[ok], sizes[ok])
    na, nb = na[na != nb], nb[na != nb]  # a doubled letter gives one name a key twice
    name_pairs = np.unique(np.minimum(na, nb) * len(p.names) + np.maximum(na, nb))
    st["name_pairs"] += len(name_pairs)
    a, b = _expand(name_pairs // len(p.names), name_pairs % len(p.names),
                   np.flatnonzero(p.name >= 0), p)
    st["pairs"] += len(a)
    return a, b


def _registry_id_pairs(p: Prepared, cfg: ResolveConfig, stats: dict):
    """Registry mention x declaration mention with the same raw id (any scope)."""
    reg = pd.DataFrame({"r": np.flatnonzero(p.is_registry & (p.raw_id >= 0))})
    reg["code"] = p.raw_id[reg["r"]]
    decl = pd.DataFrame({"d": np.flatnonzero(~p.is_registry & (p.raw_id >= 0))})
    decl["code"] = p.raw_id[decl["d"]]
    decl = decl[decl["code"].isin(reg["code"])]
    sizes = decl["code"].value_counts()
    big = sizes[sizes > cfg.cdist_cap].index
    st = stats.setdefault("registry_id", Counter())
    st["skipped_blocks"] += len(big)
    pairs = reg.merge(decl[~decl["code"].isin(big)], on="code")
    a, b = pairs["r"].to_numpy(np.int64), pairs["d"].to_numpy(np.int64)
    keep = p.is_new[a] | p.is_new[b]
    st["pairs"] += int(keep.sum())
    return a[keep], b[keep]


def candidate_pairs(p: Prepared, cfg: ResolveConfig) -> tuple[np.ndarray, np.ndarray, dict]:
    """Deduplicated candidate pairs ``(a < b)`` with at least one new mention, and the stats."""
    stats: dict = {}
    n = len(p)
    all_idx = np.arange(n, dtype=np.int64)
    org_name = np.where(p.name >= 0, _org_names(p)[np.maximum(p.name, 0)], False)
    keys = {"phone": p.phone, "email": p.email, "address": p.address,
            "name": np.where(org_name, p.name, -1)}
    parts = [block_pairs(all_idx, code, p, cfg, stats, kind) for kind, code in keys.items()]
    parts.append(_slip_pairs(p, cfg, stats))
    parts.append(_registry_id_pairs(p, cfg, stats))
    a = np.concatenate([x[0] for x in parts])
    b = np.concatenate([x[1] for x in parts])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = (lo != hi) & (p.is_new[lo] | p.is_new[hi])
    uniq = pd.unique(lo[keep] * n + hi[keep])
    uniq.sort()
    stats["candidates"] = {"pairs_before_dedup": int(keep.sum()), "pairs": len(uniq)}
    return uniq // n, uniq % n, stats


def hard_edges(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Star edges (block member -> the block's first member) of the hard keys.

    ``(scope, raw_id)``: ids are per administration, so the same id in the same scope is the
    same trader whatever the name says. Tax id: a tax registration names one legal person.
    Returns ``(a, b, rule)`` with rule 0 = same_id, 1 = same_tax_id.
    """
    out = []
    for rule, code in enumerate((p.scope_id, p.tax)):
        members, starts, sizes = _groups(np.arange(len(p), dtype=np.int64), code, p.is_new)
        if not len(starts):
            continue
        offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        heads = members[np.repeat(starts, sizes)]
        tails = members[np.repeat(starts, sizes) + offsets]
        keep = heads != tails
        out.append((heads[keep], tails[keep], np.full(int(keep.sum()), rule, dtype=np.int8)))
    if not out:
        return EMPTY, EMPTY, np.empty(0, dtype=np.int8)
    return tuple(np.concatenate(x) for x in zip(*out))  # type: ignore[return-value]
