"""Entity resolution: party mentions -> parties, every merge explained.

A *mention* is one distinct way a trader was written (``ingest.normalize`` builds the
``mentions`` frame); a *party* is the trader the analyst reasons about. ``resolve`` groups
mentions into parties and says who merged with whom, by which rule, on which fields.

Rules (``assignments.rule`` / ``evidence.rule``), strongest first
-----------------------------------------------------------------
- ``same_id`` — the same ``raw_id`` in the same scope (ids are per administration; the
  trader registry is the scope ``registry``). A registry id also matches a declaration's
  id in any scope, but only when the names are compatible (``id_name_threshold``): that is
  how a declaration's ``consignee_id`` reaches the registry entry.
- ``same_tax_id`` — a tax registration names one legal person.
- ``name+phone``, ``name+email``, ``name+address`` — compatible names (``name_threshold``)
  and a shared strong identifier (E.164 phone, e-mail, normalised address).
- ``fuzzy_name+country`` — the same organisation name up to one typing slip
  (``fuzzy_threshold``), not in different countries, and no identifier contradicting it
  (different phones, e-mails, tax ids, or trader ids in one administration). Registered
  company names are unique within a jurisdiction; people's names are not, so a person's
  name never merges on its own.

Names are compared by :mod:`ingest.resolve_similarity` on their core (fingerprint without
legal form, :mod:`ingest.resolve_names`). The score is nearly discrete by construction: a
typing slip keeps it at 96+, while another word, another acronym, another word order,
another legal form or other numbers cap it at 50-85, below every threshold — which is why
precision and recall barely move between thresholds 85 and 92 (``name_threshold``) or 93
and 97 (``fuzzy_threshold``) on the generator's ``default`` and ``sparse`` worlds.

Never merged: a shared address alone (registered agents serve hundreds of companies), a
shared phone or e-mail with incompatible names (shell-consignee rings are *different*
fictitious companies sharing identifiers; they stay distinct parties so the identifiers they
share show up as graph structure through ``party_identifiers``).

Chaining is guarded (:mod:`ingest.resolve_cluster`): hard facts first, then soft edges
strongest first, each refused when the two clusters it would join carry different tax ids,
different trader ids in one scope, representative names below ``chain_floor``, or (fuzzy
rule) different countries, phones or e-mails. Refused edges are in ``Resolution.rejected``.

Pipeline: ``resolve_prepare`` (integer codes, name features once per distinct name) ->
``resolve_blocking`` (candidate pairs from exact-key and one-slip name blocks, block caps,
rapidfuzz ``cdist`` in big blocks, counts) -> ``resolve_rules`` (vectorised rules) ->
``resolve_cluster`` (connected components of the facts, guarded union-find, party ids) ->
``resolve_frames`` (output frames). Measured (``benchmarks/bench_resolve.py``, 2 cores):
200k mentions in 8.8 s (12-15 s while the machine was shared with other jobs), 1.5M
candidate pairs where all-pairs would be 20 billion; all-pairs name scoring alone would take
about 35 minutes.

Why not splink
--------------
splink (Fellegi-Sunter on DuckDB or Spark; not installed here) learns match weights from the
data and scales to tens of millions of records. These rules are deterministic domain rules
with vetoes ("never on an address alone", "different phones veto a fuzzy name", "another
legal form is another company"), which a weighted sum of comparison levels approximates
only loosely, and each merge must name its rule and fields for an analyst. The hand-rolled
matcher compares integer codes with numpy and names with rapidfuzz in C, needs no database
round trip, and is fast enough at this scale. A deployment that outgrows it (tens of
millions of mentions, or wanting learned weights) should move to splink with the same
selective blocking keys (phone, e-mail, address, exact and one-slip core names — a careless
name-prefix rule made 60k records take 190 s there) and keep this module's guards as a
post-processing step over its clusters.

Incremental mode: pass the stored mentions with their ``party_id`` as ``existing``. Only
pairs touching a new mention are compared; existing mentions keep their party; when new
evidence joins existing parties the smallest id survives (ids are content hashes, so
"smallest" is an order every re-run agrees on) and ``merged_into`` lists
``old_party_id -> party_id`` so the loader can re-point edges. New parties get ``P`` + 12
hex of sha1 of their smallest ``mention_key``: deterministic across runs. An existing
mention re-pointed by a merge with no new edge of its own has the rule ``existing``.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass, field
from itertools import pairwise

import pandas as pd

from ingest import resolve_frames as frames
from ingest.resolve_blocking import candidate_pairs, hard_edges
from ingest.resolve_cluster import cluster, party_ids
from ingest.resolve_prepare import NameMemo, prepare
from ingest.resolve_rules import evaluate

__all__ = ["Resolution", "ResolveConfig", "resolve"]


@dataclass(frozen=True)
class ResolveConfig:
    """Every resolver setting, with its default and what it does."""

    #: name similarity (0-100) for names backed by a shared phone, e-mail or address
    name_threshold: float = 90.0
    #: name similarity for the name-only rule (a typing slip scores 96)
    fuzzy_threshold: float = 95.0
    #: name similarity for a registry id to match a declaration's id in another scope
    id_name_threshold: float = 80.0
    #: a soft edge may not join clusters whose representative names score below this
    chain_floor: float = 70.0
    #: blocks up to this size are compared all-pairs
    block_cap: int = 50
    #: bigger blocks up to this size are compared by name with rapidfuzz cdist; larger ones
    #: are split on their members' two rarest name tokens, then skipped (counted in stats)
    cdist_cap: int = 5000
    #: threads for rapidfuzz (-1 = all cores)
    workers: int = -1
    #: file keeping the name features of earlier runs (:class:`ingest.resolve_prepare.NameMemo`;
    #: ``intel ingest`` uses ``STATE/cache/name_features.parquet``); ``None`` keeps none
    name_cache: str | None = None


@dataclass
class Resolution:
    """What ``resolve`` returns (frames as in docs/internals.md, "Resolver output")."""

    assignments: pd.DataFrame  # mention_key, party_id, rule, score
    parties: pd.DataFrame  # party_id, display_name, aliases, country, registered_at, ...
    identifiers: pd.DataFrame  # ident_key, kind, value
    party_identifiers: pd.DataFrame  # party_id, ident_key
    evidence: pd.DataFrame  # mention_a, mention_b, rule, score, fields
    merged_into: pd.DataFrame  # old_party_id, party_id (incremental merges of stored parties)
    rejected: pd.DataFrame  # mention_a, mention_b, rule, score, conflict (refused edges)
    #: per block kind its blocks / pairs / big, split and skipped blocks; "candidates",
    #: "counts" (mentions, edges, parties) and "seconds" per stage
    stats: dict = field(default_factory=dict)


def resolve(mentions: pd.DataFrame, existing: pd.DataFrame | None = None,
            config: ResolveConfig | None = None) -> Resolution:
    """Resolve ``mentions`` into parties (against ``existing`` stored mentions, if given).

    ``assignments`` covers every new mention, plus existing mentions whose party changed;
    ``parties`` and ``party_identifiers`` cover every party those touch, computed over all
    of its mentions. Unknown values may be '' or missing.
    """
    cfg = config or ResolveConfig()
    if not len(mentions):
        return _nothing_to_resolve()
    clock = {"start": time.perf_counter()}
    memo = NameMemo(Path(cfg.name_cache) if cfg.name_cache else None)
    p = prepare(mentions, existing, memo)
    memo.save()
    clock["prepare"] = time.perf_counter()
    hard = hard_edges(p)
    a, b, stats = candidate_pairs(p, cfg)
    clock["blocking"] = time.perf_counter()
    soft = evaluate(p, a, b, cfg)
    clock["rules"] = time.perf_counter()
    roots, edges, refused = cluster(p, hard, soft, cfg)
    ids, merged = party_ids(p, roots)
    clock["cluster"] = time.perf_counter()
    rows = p.frame["party_id"].to_numpy() != ids  # new, or re-pointed by a merge
    idents, links = frames.identifiers(p, ids, rows)
    result = Resolution(
        assignments=frames.assignments(p, ids, edges, rows),
        parties=frames.parties(p, ids, rows),
        identifiers=idents,
        party_identifiers=links,
        evidence=frames.evidence(p, edges, cfg.workers),
        merged_into=merged,
        rejected=frames.rejected(p, refused),
        stats=stats,
    )
    clock["frames"] = time.perf_counter()
    stats["counts"] = {"mentions": int(p.is_new.sum()), "existing": int((~p.is_new).sum()),
                       "hard_edges": len(hard[0]), "accepted_soft": len(soft[0]),
                       "merge_edges": len(edges), "refused": len(refused),
                       "parties": len(result.parties)}
    stats["seconds"] = {k: round(clock[k] - clock[prev], 3) for prev, k in pairwise(clock)}
    return result


def _nothing_to_resolve() -> Resolution:
    def empty(*columns: str) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    return Resolution(
        assignments=empty("mention_key", "party_id", "rule", "score"),
        parties=empty("party_id", "display_name", "aliases", "country", "registered_at",
                      "aeo_tier", "mention_count"),
        identifiers=empty("ident_key", "kind", "value"),
        party_identifiers=empty("party_id", "ident_key"),
        evidence=empty("mention_a", "mention_b", "rule", "score", "fields"),
        merged_into=empty("old_party_id", "party_id"),
        rejected=empty("mention_a", "mention_b", "rule", "score", "conflict"),
    )
