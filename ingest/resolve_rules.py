"""Entity resolution, step 3: the match rules, one small vectorised function each.

Each rule takes the prepared mentions ``p``, candidate pairs ``a``/``b`` (index arrays), their
name similarity ``sim`` (0-100) and the config, and returns a boolean mask of the pairs it
accepts. Its docstring is the explanation an analyst reads. Rules are tried in the order of
``SOFT_RULES``; a pair takes the first rule that accepts it (the ``rule`` in the evidence),
and ``fields`` lists every field the two mentions share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ingest.resolve_prepare import Prepared
from ingest.resolve_similarity import name_similarity

if TYPE_CHECKING:
    from ingest.resolve import ResolveConfig

__all__ = ["RULE_NAMES", "SOFT_RULES", "evaluate", "fields"]

#: Rule code -> name used in ``assignments.rule`` and ``evidence.rule``.
#: 0 and 1 are the hard rules (see ``resolve_blocking.hard_edges``), 2.. the soft rules below.
RULE_NAMES = ("same_id", "same_tax_id", "same_id", "name+phone", "name+email", "name+address",
              "fuzzy_name+country")


def _same(code: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (code[a] >= 0) & (code[a] == code[b])


def _differ(code: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (code[a] >= 0) & (code[b] >= 0) & (code[a] != code[b])


def registry_id(p, a, b, sim, cfg):
    """A registry entry and a declaration party carry the same id and compatible names.

    Declarations' consignee ids point into the trader registry, but each administration
    numbers its own traders too, so an equal id alone could be a coincidence across scopes.
    """
    one_registry = p.is_registry[a] != p.is_registry[b]
    return one_registry & _same(p.raw_id, a, b) & (sim >= cfg.id_name_threshold)


def name_phone(p, a, b, sim, cfg):
    """Compatible names and the same phone number (E.164)."""
    return (sim >= cfg.name_threshold) & _same(p.phone, a, b)


def name_email(p, a, b, sim, cfg):
    """Compatible names and the same e-mail address."""
    return (sim >= cfg.name_threshold) & _same(p.email, a, b)


def name_address(p, a, b, sim, cfg):
    """Compatible names and the same normalised address."""
    return (sim >= cfg.name_threshold) & _same(p.address, a, b)


def conflicting_identifiers(p, a, b):
    """Both mentions give a phone, e-mail, tax id or (same scope) trader id, and they differ.

    Addresses are not in the list: one company's address is written in too many ways.
    """
    out = _differ(p.phone_tail, a, b) | _differ(p.email, a, b) | _differ(p.tax, a, b)
    return out | (_same(p.scope, a, b) & _differ(p.raw_id, a, b))


def fuzzy_name_country(p, a, b, sim, cfg):
    """Nearly identical organisation names, not in different countries, and no identifier
    that contradicts it.

    Registered company names are unique within a jurisdiction, so the same name in the same
    country is the same company; people's names are not, so a person's name never merges on
    its own (``resolve_names.BUSINESS_WORDS``). A mention that does not say its country may
    join, but the cluster guard stops it from bridging two countries. The weakest rule, so
    its bar is higher than the identifier-backed rules' (``fuzzy_threshold``: the same name
    up to one typing slip), and different phones, e-mails, tax ids or trader ids (same
    administration) veto it: "ABC Trading" and "ABD Trading" with different phones stay two
    companies.
    """
    ok = (sim >= cfg.fuzzy_threshold) & ~_differ(p.country, a, b) & (p.is_org[a] | p.is_org[b])
    return ok & ~conflicting_identifiers(p, a, b)


SOFT_RULES = ((2, registry_id), (3, name_phone), (4, name_email), (5, name_address),
              (6, fuzzy_name_country))


def evaluate(p: Prepared, a: np.ndarray, b: np.ndarray, cfg: ResolveConfig):
    """The candidate pairs some soft rule accepts: ``(a, b, rule, score)``.

    ``score`` is the name similarity as a fraction: every soft rule rests on the names.
    """
    sim = name_similarity(p, a, b, cfg.workers)
    rule = np.full(len(a), -1, dtype=np.int8)
    for code, accepts in SOFT_RULES:
        open_ = rule < 0
        if not open_.any():
            break
        hit = np.zeros(len(a), dtype=bool)
        hit[open_] = accepts(p, a[open_], b[open_], sim[open_], cfg)
        rule[hit] = code
    keep = rule >= 0
    return a[keep], b[keep], rule[keep], sim[keep] / 100.0


def _labels(p: Prepared, column: str, prefix: str, idx: np.ndarray) -> np.ndarray:
    return prefix + p.frame[column].to_numpy(dtype=object)[idx]


def fields(p: Prepared, a: np.ndarray, b: np.ndarray, workers: int = 1) -> list[str]:
    """For each pair, the fields the two mentions share: ``name~96;phone=+6621234567``.

    Ids are written ``scope:raw_id`` (``raw_id=registry:C1~TH:C1`` across scopes), names as
    ``name_fp=<fingerprint>`` when equal or ``name~<similarity>``.
    """
    ids_a = p.frame["scope"].to_numpy(dtype=object)[a] + ":" + p.frame["raw_id"].to_numpy(dtype=object)[a]
    ids_b = p.frame["scope"].to_numpy(dtype=object)[b] + ":" + p.frame["raw_id"].to_numpy(dtype=object)[b]
    parts = [
        np.where(_same(p.scope_id, a, b), "raw_id=" + ids_a,
                 np.where(_same(p.raw_id, a, b), "raw_id=" + ids_a + "~" + ids_b, "")),
    ]
    sim = name_similarity(p, a, b, workers)
    rounded = np.char.mod("%d", np.rint(sim).astype(int)).astype(object)
    parts.append(np.where((p.fp[a] == p.fp[b]) & (p.fp[a] != ""), "name_fp=" + p.fp[a],
                          np.where(sim > 0, "name~" + rounded, "")))
    for column, code in (("tax_id", p.tax), ("phone", p.phone), ("email", p.email),
                         ("address_norm", p.address), ("country", p.country)):
        parts.append(np.where(_same(code, a, b), _labels(p, column, column + "=", a), ""))
    return [";".join(x for x in row if x) for row in zip(*parts)]
