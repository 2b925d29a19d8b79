"""Intelligence tips: rights holders and partner agencies, right and wrong, with Admiralty grades."""
from __future__ import annotations

import random

import pandas as pd

from .catalog import BRANDS, PRODUCTS
from .parties import Party
from .reference import DOMESTIC_PORTS, START
from .schemes import SPAN_S, Schemes
from .variants import format_phone, strip_accents
from .world import World

TIP_COLUMNS = ("tip_id", "submitted_by", "submitted_at", "brand", "hs_codes", "suspect_names", "suspect_addresses",
               "suspect_phones", "suspect_emails", "suspect_ports", "origin_countries", "description",
               "source_reliability", "info_credibility", "tlp", "valid_until")
AGENCIES = {"TH": "Thai Customs Department - Investigation and Suppression Bureau",
            "MY": "Royal Malaysian Customs Department - Enforcement Division", "SG": "Singapore Customs - Intelligence Branch",
            "VN": "General Department of Vietnam Customs - Anti-Smuggling Department",
            "ID": "Directorate General of Customs and Excise - Intelligence", "PH": "Bureau of Customs - CIIS",
            "KH": "General Department of Customs and Excise of Cambodia"}
PARTNERS = ("WCO RILO Asia/Pacific", "US CBP Attache Bangkok", "European Anti-Fraud Office (OLAF)",
            "Korea Customs Service", "Japan Customs - Intelligence Division")


def _date(seconds: int) -> str:
    return str((START + pd.Timedelta(seconds=int(seconds))).date())


def _written(r: random.Random, p: Party) -> tuple[str, str, str, str]:
    """(name, address, phone, email) as a tipster would write them."""
    v = r.choice(p.variants)
    name = v[1] if r.random() < 0.7 else strip_accents(p.name).upper()
    phone = format_phone(p.phone, r.randrange(7)) if p.phone and r.random() < 0.7 else ""
    return name, (p.address if r.random() < 0.4 else ""), phone, (p.email if r.random() < 0.4 else "")


def _grades(r: random.Random, good: bool) -> tuple[str, str]:
    if good:
        return r.choice("AABBBC") if r.random() < 0.9 else r.choice("DF"), r.choice("112223") if r.random() < 0.9 else "4"
    if r.random() < 0.15:  # a wrong tip that looks reliable
        return "B", r.choice("23")
    return r.choice("DDEFFC"), r.choice("445566")


def make_tips(w: World, s: Schemes, r: random.Random) -> tuple[pd.DataFrame, pd.DataFrame]:
    P = w.parties
    rows: list[dict] = []
    truth: list[dict] = []

    def add(correct: bool, targets: list[Party], by: str, t: int, brand: str = "", hs: str = "", ports: str = "",
            origins: str = "", desc: str = "") -> None:
        written = [_written(r, p) for p in targets[:3]]
        rel, cred = _grades(r, correct)
        tid = f"TIP-{len(rows) + 1:04d}"
        rows.append({"tip_id": tid, "submitted_by": by, "submitted_at": _date(t), "brand": brand, "hs_codes": hs,
                     "suspect_names": ";".join(x[0] for x in written),
                     "suspect_addresses": ";".join(x[1] for x in written if x[1]),
                     "suspect_phones": ";".join(x[2] for x in written if x[2]),
                     "suspect_emails": ";".join(x[3] for x in written if x[3]), "suspect_ports": ports,
                     "origin_countries": origins, "description": desc, "source_reliability": rel,
                     "info_credibility": cred, "tlp": r.choice(("AMBER", "AMBER", "GREEN", "AMBER+STRICT", "RED", "CLEAR")),
                     "valid_until": _date(min(SPAN_S, t) + r.randint(180, 540) * 86400) if r.random() < 0.8 else ""})
        truth.append({"tip_id": tid, "correct": int(correct), "target_true_party_ids": "|".join(p.tpid for p in targets)})

    for op in s.counterfeit:
        for _ in range(r.choice((0, 1, 1, 2, 2, 3))):
            prod = PRODUCTS[r.choice(op.products)]
            brand = r.choice(prod.brands)
            ports = ";".join(r.sample(DOMESTIC_PORTS[op.rc][0] + DOMESTIC_PORTS[op.rc][1], 2))
            add(True, [P[op.cons]], BRANDS[brand][0], r.randint(op.t0, op.t1), brand, prod.hs[: r.choice((4, 6))],
                ports, "CN", f"Counterfeit {brand} {prod.descriptions[0].lower()} believed imported by the named company.")
    for g in s.rings:
        for _ in range(r.choice((0, 1, 1, 2))):
            members = r.sample([P[m] for m in g.members], min(len(g.members), r.randint(2, 4)))
            add(True, members, AGENCIES.get(g.rc, PARTNERS[0]), r.randint(g.t0, g.t1), "",
                ";".join(sorted({PRODUCTS[i].hs[:4] for i in g.products})), "", "CN",
                "Network of recently registered consignees sharing contact details; low-value parcels, high abandonment.")
    for op in s.laundering:
        for _ in range(r.choice((0, 1, 1, 2))):
            prod = PRODUCTS[op.products[0]]
            add(True, [P[op.cons], P[op.shp[0]]], r.choice(PARTNERS), r.randint(op.t0, op.t1), "", prod.hs[:6],
                op.hub, op.claimed, f"Goods of Chinese origin re-documented as {op.claimed} origin via {op.hub} free zone.")
    for op in s.split_buyers:
        if r.random() < 0.4:
            add(True, [P[op.cons]], AGENCIES.get(op.rc, PARTNERS[0]), r.randint(0, SPAN_S - 1), "", "", "", "CN",
                "Same buyer receiving many e-commerce parcels just under the de minimis threshold.")
    # wrong tips: point at legitimate traders (often authorised distributors of the brand)
    n_wrong = 3 + int(len(rows) * 0.4)
    legit = [p for p in P if p.kind in ("legit", "aeo", "agent_client", "park_tenant") and p.home]
    branded = {}
    L = w.lanes
    for c, b in zip(L.cons, L.brand):
        if b:
            branded.setdefault(b, []).append(int(c))
    for _ in range(n_wrong):
        brand = r.choice(list(BRANDS))
        cands = [P[i] for i in branded.get(brand, [])] or legit
        p = r.choice(cands)
        hs = next((pr.hs[:4] for pr in PRODUCTS if brand in pr.brands), "")
        add(False, [p], BRANDS[brand][0] if r.random() < 0.7 else r.choice(PARTNERS), r.randint(0, SPAN_S - 1), brand,
            hs, r.choice(DOMESTIC_PORTS[p.home][0]), r.choice(("CN", "CN;HK", "")),
            f"Suspected counterfeit {brand} goods; unverified open-source lead.")
    order = sorted(range(len(rows)), key=lambda i: rows[i]["submitted_at"])
    tips = pd.DataFrame([rows[i] for i in order], columns=list(TIP_COLUMNS))
    gt = pd.DataFrame([truth[i] for i in order], columns=["tip_id", "correct", "target_true_party_ids"])
    new_ids = [f"TIP-{k + 1:04d}" for k in range(len(order))]
    tips["tip_id"] = new_ids
    gt["tip_id"] = new_ids
    return tips, gt
