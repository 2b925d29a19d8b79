"""Entity resolution, step 2: blocking — which pairs of mentions are worth comparing.

Nothing is compared all-pairs. A pair is a candidate only when the two mentions share a
block key:

- exact keys: phone, e-mail, normalised address, core name, and a registry ``raw_id`` seen in
  declarations (``(scope, raw_id)`` and tax id are handled as hard keys, see ``hard_edges``);
- name tokens: the ``token_blocks`` rarest tokens of each core name ("golden dragon trading"
  -> "golden", "dragon" when "trading" is common), so spelling variants that share a
  distinctive word meet.

Blocks up to ``block_cap`` members yield all their pairs (built with numpy, by block size).
Bigger blocks — a registered agent's address shared by 500 companies, a common name token —
compare names with ``rapidfuzz.process.cdist`` (vectorised C) and keep only pairs whose names
are compatible: they are the only pairs any soft rule could accept. Blocks above
``cdist_cap`` are split on their members' rarest name token first; what is still too big is
skipped and counted in the stats. Every count (blocks, pairs, big, skipped) is reported.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rapidfuzz import process

from ingest.resolve_prepare import Prepared
from ingest.resolve_names import CANDIDATE_SCORER

if TYPE_CHECKING:
    from ingest.resolve import ResolveConfig

__all__ = ["candidate_pairs", "hard_edges", "rarest_tokens"]

EMPTY = np.empty(0, dtype=np.int64)


def rarest_tokens(core: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` rarest tokens of each core name (ties: alphabetical).

    Returns ``(mention index, token code)`` rows and, per mention, a code of its ``k``
    rarest tokens taken together (-1 for a mention without a name).
    """
    token_lists = [set(s.split()) for s in core]
    freq = Counter(t for tokens in token_lists for t in tokens)
    rows, toks, combo = [], [], []
    for i, tokens in enumerate(token_lists):
        rarest = sorted(tokens, key=lambda t: (freq[t], t))[:k]
        rows.extend([i] * len(rarest))
        toks.extend(rarest)
        combo.append(" ".join(sorted(rarest)))
    combo_code = pd.factorize(np.asarray(combo, dtype=object))[0].astype(np.int64)
    combo_code[np.asarray(combo, dtype=object) == ""] = -1
    if not rows:
        return EMPTY, EMPTY, combo_code
    tok_code = pd.factorize(np.asarray(toks, dtype=object))[0].astype(np.int64)
    return np.asarray(rows, dtype=np.int64), tok_code, combo_code


def _groups(idx: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members sorted by block, with each block's start and size (blocks of 2+ only)."""
    keep = code >= 0
    idx, code = idx[keep], code[keep]
    order = np.lexsort((idx, code))
    idx, code = idx[order], code[order]
    if not len(code):
        return idx, EMPTY, EMPTY
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    sizes = np.diff(np.r_[starts, len(code)])
    return idx, starts[sizes >= 2], sizes[sizes >= 2]


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


def _name_filtered_pairs(block: np.ndarray, p: Prepared, cfg: ResolveConfig):
    """Pairs of a big block whose core names reach ``cfg.name_threshold`` (cdist, in C)."""
    new = block[p.is_new[block]]
    if not len(new):
        return EMPTY, EMPTY
    scores = process.cdist(
        p.core[new], p.core[block], scorer=CANDIDATE_SCORER, score_cutoff=cfg.name_threshold,
        dtype=np.uint8, workers=cfg.workers,
    )
    qi, ci = np.nonzero(scores)
    a, b = new[qi], block[ci]
    keep = a != b
    return a[keep], b[keep]


def block_pairs(idx, code, p: Prepared, cfg: ResolveConfig, stats: dict, kind: str, depth=0):
    """Candidate pairs from one kind of block key (``idx[k]`` is in block ``code[k]``)."""
    members, starts, sizes = _groups(np.asarray(idx), np.asarray(code))
    has_new = np.add.reduceat(p.is_new[members].astype(np.int64), starts) > 0 if len(starts) else []
    starts, sizes = starts[has_new], sizes[has_new]
    st = stats.setdefault(kind, Counter())
    st["blocks"] += len(starts)
    small = sizes <= cfg.block_cap
    a, b = _small_block_pairs(members, starts[small], sizes[small])
    out_a, out_b = [a], [b]
    st["pairs"] += len(a)
    for start, size in zip(starts[~small], sizes[~small]):
        block = members[start:start + size]
        if size <= cfg.cdist_cap:
            st["big_blocks"] += 1
            st["cdist_cells"] += int(p.is_new[block].sum()) * int(size)
            a, b = _name_filtered_pairs(block, p, cfg)
        elif depth == 0:
            st["split_blocks"] += 1
            a, b = block_pairs(block, p.token_pair[block], p, cfg, stats, kind, depth=1)
        else:
            st["skipped_blocks"] += 1
            st["skipped_members"] += int(size)
            continue
        out_a.append(a)
        out_b.append(b)
        st["pairs"] += len(a)
    return np.concatenate(out_a), np.concatenate(out_b)


def _registry_id_pairs(p: Prepared, cfg: ResolveConfig, stats: dict):
    """Registry mention x declaration mention with the same raw id (any scope)."""
    reg = pd.DataFrame({"r": np.flatnonzero(p.is_registry & (p.raw_id >= 0))})
    reg["code"] = p.raw_id[reg["r"]]
    decl = pd.DataFrame({"d": np.flatnonzero(~p.is_registry & (p.raw_id >= 0))})
    decl["code"] = p.raw_id[decl["d"]]
    decl = decl[decl["code"].isin(reg["code"])]
    big = decl["code"].value_counts()
    big = big[big > cfg.cdist_cap].index
    st = stats.setdefault("registry_id", Counter())
    st["skipped_blocks"] += len(big)
    pairs = reg.merge(decl[~decl["code"].isin(big)], on="code")
    a, b = pairs["r"].to_numpy(np.int64), pairs["d"].to_numpy(np.int64)
    st["pairs"] += len(a)
    return a, b


def candidate_pairs(p: Prepared, cfg: ResolveConfig) -> tuple[np.ndarray, np.ndarray, dict]:
    """Deduplicated candidate pairs ``(a < b)`` with at least one new mention, and the stats."""
    stats: dict = {}
    n = len(p)
    all_idx = np.arange(n, dtype=np.int64)
    tok_idx, tok_code, p.token_pair = rarest_tokens(p.core, cfg.token_blocks)
    parts = [block_pairs(all_idx, getattr(p, k), p, cfg, stats, k)
             for k in ("phone", "email", "address", "name")]
    parts.append(block_pairs(tok_idx, tok_code, p, cfg, stats, "name_token"))
    parts.append(_registry_id_pairs(p, cfg, stats))
    a = np.concatenate([x[0] for x in parts])
    b = np.concatenate([x[1] for x in parts])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = (lo != hi) & (p.is_new[lo] | p.is_new[hi])
    uniq = np.unique(lo[keep] * n + hi[keep])
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
        members, starts, sizes = _groups(np.arange(len(p), dtype=np.int64), code)
        if not len(starts):
            continue
        block_of = np.repeat(np.arange(len(starts)), sizes)
        pos = np.repeat(starts - np.r_[0, np.cumsum(sizes)[:-1]], sizes) + np.arange(sizes.sum())
        heads, tails = members[np.repeat(starts, sizes)], members[pos]
        has_new = np.bincount(block_of, weights=p.is_new[tails], minlength=len(starts)) > 0
        keep = (heads != tails) & has_new[block_of]
        out.append((heads[keep], tails[keep], np.full(int(keep.sum()), rule, dtype=np.int8)))
    if not out:
        return EMPTY, EMPTY, np.empty(0, dtype=np.int8)
    return tuple(np.concatenate(x) for x in zip(*out))  # type: ignore[return-value]
