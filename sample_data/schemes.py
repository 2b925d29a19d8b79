"""The planted illicit schemes: actors (defined before lanes) and their declaration rows."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from . import chains
from .catalog import BRANDS, PRODUCTS
from .core import Core, concat, make_core
from .names import AGENT_ADDRESSES, FREE_ZONE_ADDRESSES, address
from .parties import Party, national_id, new_person, shell_name
from .reference import DE_MINIMIS, DOMESTIC_PORTS, END, FOREIGN_PORTS, LAUNDER_HUBS, START, currency_index, usd_per_unit
from .variants import N_PHONE_STYLES, new_email
from .world import World, _company, _register

SPAN_S = int((END - START).astype("timedelta64[s]").astype(np.int64))
DAY = 86400
RING_PRODUCTS = (13, 14, 16, 17, 3, 4, 2, 20, 36, 19)
BRANDED = tuple(i for i, p in enumerate(PRODUCTS) if p.brands)
HIGH_DUTY = tuple(i for i, p in enumerate(PRODUCTS) if p.high_duty and p.hs[:2] not in ("22", "24"))
ASEAN_ORIGINS = ("MY", "VN", "TH", "ID", "KH")


@dataclass
class Ring:
    ring_id: str
    rc: str
    members: list[int]
    consignors: list[int]
    products: list[int]
    t0: int
    t1: int
    rows: int


@dataclass
class Op:  # one counterfeit importer, one laundering operation or one split buyer
    cons: int
    shp: list[int]
    products: list[int]
    rc: str
    t0: int
    t1: int
    hub: str = ""
    claimed: str = ""


@dataclass
class Schemes:
    budget: dict[str, int]
    rings: list[Ring] = field(default_factory=list)
    counterfeit: list[Op] = field(default_factory=list)
    laundering: list[Op] = field(default_factory=list)
    split_buyers: list[Op] = field(default_factory=list)
    undervaluers: list[int] = field(default_factory=list)
    chain_ops: list[chains.ChainOp] = field(default_factory=list)   # two-declaration laundering
    traps: chains.Traps = field(default_factory=chains.Traps)
    chain_rows: int = 0
    trap_budget: dict[str, int] = field(default_factory=dict)


def _ts(r: random.Random, lo: int = 0, hi: int = SPAN_S) -> int:
    return r.randint(lo, max(lo, hi))


def _iso(seconds: int) -> str:
    return str((START + np.timedelta64(int(seconds), "s")).astype("datetime64[D]"))


def define(w: World, r: random.Random) -> Schemes:
    prof, n = w.prof, w.n_target
    budget = {k: int(round(v * n)) for k, v in prof.scheme_share.items()}
    s = Schemes(budget)
    # --- shell rings
    n_rings = max(2, round(budget["shell_ring"] / prof.rows_per_ring))
    for k in range(n_rings):
        rc = r.choice(w.countries)
        t0 = _ts(r, 0, SPAN_S - 130 * DAY)
        t1 = t0 + r.randint(30, 120) * DAY
        phones = [w.phone(r, rc, mobile=r.random() < 0.7) for _ in range(r.randint(1, 3))]
        emails = [new_email(r, shell_name(r, rc), rc, free=True, used=w.emails_used) for _ in range(r.randint(1, 2))]
        addrs = ([r.choice(AGENT_ADDRESSES[rc])] if rc in AGENT_ADDRESSES and r.random() < 0.3 else []) + \
                [address(r, rc) for _ in range(r.randint(1, 2))]
        ring = Ring(f"RING{k + 1:03d}", rc, [], [], r.sample(RING_PRODUCTS, r.randint(1, 3)), t0, t1, 0)
        for _ in range(r.randint(1, 3)):
            c = _company(w, r, "ring_supplier", r.choice(("CN", "CN", "CN", "HK")), "")
            ring.consignors.append(c.idx)
        for j in range(r.randint(*prof.ring_size)):
            nm = shell_name(r, rc)
            while nm in w.names_used:
                nm = shell_name(r, rc)
            w.names_used.add(nm)
            p = w.add(Party(w.next_idx, f"T{w.next_idx:07d}", "shell", rc, nm, home=rc, is_shell=True,
                            ring_id=ring.ring_id))
            p.phone, p.email, p.address = phones[j % len(phones)], emails[j % len(emails)], addrs[j % len(addrs)]
            p.alt_phones = [x for x in phones if x != p.phone and r.random() < 0.5]
            p.alt_emails = [x for x in emails if x != p.email and r.random() < 0.4]
            p.alt_addresses = [x for x in addrs if x != p.address and r.random() < 0.4]
            p.weight = r.uniform(0.5, 2)
            if r.random() < 0.6:
                p.reg_id, p.tax_id = national_id(r, rc, w.ids_used)
                p.registered_at = _iso(t0 - r.randint(5, 60) * DAY)
                p.in_registry = True
            ring.members.append(p.idx)
        s.rings.append(ring)
    tot = sum(w.parties[m].weight for g in s.rings for m in g.members)
    for g in s.rings:
        g.rows = max(3, round(budget["shell_ring"] * sum(w.parties[m].weight for m in g.members) / tot))
    # --- counterfeit suppliers and importers
    cf_sup = [_company(w, r, "cf_supplier", r.choice(("CN", "CN", "CN", "HK")), "").idx
              for _ in range(max(2, budget["counterfeit"] // 150))]
    for _ in range(max(4, budget["counterfeit"] // 25)):
        rc = r.choice(w.countries)
        p = _company(w, r, "cf_importer", rc, rc, sector=r.choice(("Trading", "Distribution", "Marketing", None)))
        _register(w, r, p, 2012, 2023)
        p.products = r.sample(BRANDED, r.randint(1, 2))
        t0 = _ts(r, 0, SPAN_S - 200 * DAY)
        s.counterfeit.append(Op(p.idx, r.sample(cf_sup, min(len(cf_sup), r.randint(1, 2))), p.products, rc,
                                t0, min(SPAN_S - 1, t0 + r.randint(180, 540) * DAY)))
    # --- origin laundering: through a zone in two declarations (sample_data.chains), or on one
    s.chain_rows = int(round(budget["origin_laundering"] * prof.chain_laundering_share))
    s.trap_budget = {k: int(round(v * n)) for k, v in prof.trap_share.items()}
    s.chain_ops, s.traps = chains.define(w, r, s.chain_rows, s.trap_budget, SPAN_S)
    hubs = list(LAUNDER_HUBS)
    for _ in range(max(2, (budget["origin_laundering"] - s.chain_rows) // 30)):
        hub = r.choices(hubs, (30, 20, 25, 10, 10, 5))[0]
        hc = LAUNDER_HUBS[hub]
        rc = r.choice([c for c in w.countries if c != hc])
        claimed = hc if hc in ASEAN_ORIGINS and hc != rc else r.choice([c for c in ASEAN_ORIGINS if c != rc])
        imp = _company(w, r, "launder_importer", rc, rc, sector="Industry")
        _register(w, r, imp, 2008, 2023)
        prod = r.sample(HIGH_DUTY, r.randint(1, 2))
        imp.products = list(prod)
        front = _company(w, r, "launder_supplier", hc, "", sector="Trading")
        front.address = r.choice(FREE_ZONE_ADDRESSES[hc]).format(u=r.randint(1, 300))
        t0 = _ts(r, 0, SPAN_S - 120 * DAY)
        s.laundering.append(Op(imp.idx, [front.idx], prod, rc, t0, min(SPAN_S - 1, t0 + r.randint(90, 360) * DAY),
                               hub, claimed))
    # --- de minimis split buyers
    per_event = 20 if prof.name == "heavy" else 12
    n_events = max(3, budget["de_minimis_split"] // per_event)
    for _ in range(max(2, n_events // 3)):
        rc = r.choice(w.countries)
        if r.random() < 0.8:
            p = w.add(new_person(r, w.next_idx, "split_buyer", rc))
            p.phone = w.phone(r, rc, mobile=True)
        else:
            p = _company(w, r, "split_buyer", rc, rc, sector="Online")
            p.kind = "split_buyer"
        p.address = address(r, rc)
        p.email = new_email(r, p.name, rc, free=True, used=w.emails_used)
        p.phone_style = r.randrange(N_PHONE_STYLES)
        s.split_buyers.append(Op(p.idx, [], [], rc, 0, SPAN_S - 1))
    # --- undervaluers: ordinary importers who under-declare some consignments
    pool = [p.idx for p in w.parties if p.kind in ("legit", "park_tenant")]
    for i in r.sample(pool, min(len(pool), max(3, budget["undervaluation"] // 30))):
        w.parties[i].kind = "undervaluer"
        s.undervaluers.append(i)
    return s


def _times(rng: np.random.Generator, t0: int, t1: int, k: int) -> np.ndarray:
    return START + rng.integers(t0, max(t0 + 1, t1), k).astype("timedelta64[s]")


def _pick(rng: np.random.Generator, seq, k: int) -> np.ndarray:
    arr = np.empty(len(seq), dtype=object)
    arr[:] = list(seq)
    return arr[rng.integers(0, len(arr), k)]


def _air_pol(rng: np.random.Generator, countries: np.ndarray) -> np.ndarray:
    return np.array([FOREIGN_PORTS[c][1][rng.integers(len(FOREIGN_PORTS[c][1]))] for c in countries], dtype=object)


def rows(w: World, s: Schemes, rng: np.random.Generator) -> Core:
    parts: list[Core] = []
    P = w.parties
    unit = np.array([p.usd for p in PRODUCTS])
    bulk_lo = np.array([p.bulk[0] for p in PRODUCTS])
    # shell rings
    for g in s.rings:
        k = g.rows
        mw = np.array([P[m].weight for m in g.members])
        cons = np.array(g.members)[rng.choice(len(g.members), k, p=mw / mw.sum())]
        shp = np.array(g.consignors)[rng.integers(0, len(g.consignors), k)]
        prod = np.array(g.products)[rng.integers(0, len(g.products), k)]
        proc = _pick(rng, ("ecommerce", "ecommerce", "express", "express", "postal", "standard"), k)
        std = proc == "standard"
        mode = np.where(proc == "postal", "post", "air").astype(object)
        scc = np.array([P[x].country for x in shp], dtype=object)
        u = rng.random(k)
        status = np.where(u < 0.15, "abandoned", np.where(u < 0.2, "seized", "")).astype(object)
        parts.append(make_core(
            k, t=_times(rng, g.t0, g.t1, k), rc=g.rc, cons=cons, shp=shp, prod=prod,
            qty=np.where(std, rng.integers(20, 300, k), rng.integers(1, 30, k)),
            unit_usd=unit[prod] * rng.uniform(0.3, 1.0, k), proc=proc, mode=mode, pol=_air_pol(rng, scc),
            transit=np.where(rng.random(k) < 0.3, "HKHKG", "").astype(object),
            pod=_pick(rng, DOMESTIC_PORTS[g.rc][1], k), origin=scc, export=scc, scheme="shell_ring", status=status))
    # counterfeit
    if s.counterfeit:
        k_tot = s.budget["counterfeit"]
        share = rng.dirichlet(np.ones(len(s.counterfeit)) * 2) * k_tot
        for op, kf in zip(s.counterfeit, share):
            k = max(1, int(round(kf)))
            prod = np.array(op.products)[rng.integers(0, len(op.products), k)]
            brand = np.array([PRODUCTS[i].brands[rng.integers(len(PRODUCTS[i].brands))] for i in prod], dtype=object)
            shp = np.array(op.shp)[rng.integers(0, len(op.shp), k)]
            scc = np.array([P[x].country for x in shp], dtype=object)
            proc = _pick(rng, ("standard", "standard", "express", "ecommerce", "express"), k)
            std = proc == "standard"
            sea_pol = np.array([FOREIGN_PORTS[c][0][rng.integers(len(FOREIGN_PORTS[c][0]))] for c in scc], dtype=object)
            lie = rng.random(k) < 0.2
            genuine = np.array([BRANDS[b][1][0] for b in brand], dtype=object)
            sea_pod = _pick(rng, DOMESTIC_PORTS[op.rc][0], k)
            air_pod = _pick(rng, DOMESTIC_PORTS[op.rc][1], k)
            ut = rng.random(k)
            parts.append(make_core(
                k, t=_times(rng, op.t0, op.t1, k), rc=op.rc, cons=op.cons, shp=shp, prod=prod,
                qty=np.where(std, bulk_lo[prod] * rng.uniform(0.5, 4, k), rng.integers(2, 40, k)).round(),
                unit_usd=unit[prod] * rng.uniform(0.08, 0.35, k), proc=proc,
                mode=np.where(std, "sea", "air").astype(object),
                pol=np.where(std, sea_pol, _air_pol(rng, scc)),
                transit=np.where(ut < 0.4, "HKHKG", np.where(ut < 0.6, "SGSIN", "")).astype(object),
                pod=np.where(std, sea_pod, air_pod), origin=np.where(lie, genuine, scc), export=scc, brand=brand,
                scheme="counterfeit"))
    # origin laundering
    if s.laundering:
        share = rng.dirichlet(np.ones(len(s.laundering)) * 3) * (s.budget["origin_laundering"] - s.chain_rows)
        for op, kf in zip(s.laundering, share):
            k = max(1, int(round(kf)))
            prod = np.array(op.products)[rng.integers(0, len(op.products), k)]
            via_cn = rng.random(k) < 0.3
            hc = LAUNDER_HUBS[op.hub]
            cn_sup = [p.idx for p in P if p.kind == "supplier" and p.country == "CN"][:50] or op.shp
            shp = np.where(via_cn, np.array(cn_sup)[rng.integers(0, len(cn_sup), k)], op.shp[0])
            transit = np.where((rng.random(k) < 0.2) & (op.hub != "SGSIN"), op.hub + ";SGSIN", op.hub).astype(object)
            parts.append(make_core(
                k, t=_times(rng, op.t0, op.t1, k), rc=op.rc, cons=op.cons, shp=shp, prod=prod,
                qty=(bulk_lo[prod] * rng.uniform(1, 10, k)).round(), unit_usd=unit[prod] * rng.uniform(0.8, 1.1, k),
                proc=np.where(rng.random(k) < 0.1, "ftz", "standard").astype(object), mode="sea",
                pol=_pick(rng, FOREIGN_PORTS["CN"][0], k), transit=transit,
                pod=_pick(rng, DOMESTIC_PORTS[op.rc][0], k), origin=op.claimed,
                export=np.where(via_cn, "CN", hc).astype(object), scheme="origin_laundering", laund=1))
    parts.append(chains.rows(w, s.chain_ops, s.traps, s.chain_rows, s.trap_budget, rng, SPAN_S))
    # de minimis splitting: bursts of parcels on one day, one consignor, one buyer
    if s.split_buyers:
        sellers = w.sellers[0]
        cn_sellers = np.array([i for i in sellers if P[i].country == "CN"] or list(sellers))
        per_event = 20 if w.prof.name == "heavy" else 12
        left = s.budget["de_minimis_split"]
        while left > 0:
            op = s.split_buyers[rng.integers(len(s.split_buyers))]
            k = int(min(left, max(5, rng.poisson(per_event))))
            left -= k
            seller = int(cn_sellers[rng.integers(len(cn_sellers))])
            prods = [x for x in w.products_of[seller] if x >= 0][:2] or [2]
            day = int(rng.integers(0, SPAN_S // DAY - 1))
            t = START + (day * DAY + rng.integers(7 * 3600, 20 * 3600, k)).astype("timedelta64[s]")
            amt, cur = DE_MINIMIS.get(op.rc, (50.0, "USD"))
            thr_usd = amt * usd_per_unit(np.full(k, currency_index(cur)), t)
            prod = np.array(prods)[rng.integers(0, len(prods), k)]
            parts.append(make_core(
                k, t=t, rc=op.rc, cons=op.cons, shp=seller, prod=prod, qty=rng.integers(1, 4, k),
                vusd=thr_usd * rng.uniform(0.78, 0.99, k),
                proc=_pick(rng, ("ecommerce", "ecommerce", "express"), k), mode="air",
                pol=_pick(rng, FOREIGN_PORTS["CN"][1], k), pod=_pick(rng, DOMESTIC_PORTS[op.rc][1], k),
                origin="CN", export="CN", scheme="de_minimis_split"))
    # undervaluation on the undervaluers' usual lanes
    if s.undervaluers:
        L = w.lanes
        mask = np.isin(L.cons, np.array(s.undervaluers))
        lanes = np.flatnonzero(mask)
        k = s.budget["undervaluation"]
        if len(lanes) and k:
            li = lanes[rng.integers(0, len(lanes), k)]
            prod = L.prod[li]
            parts.append(make_core(
                k, t=_times(rng, 0, SPAN_S, k), rc=np.array([P[c].home for c in L.cons[li]], dtype=object),
                cons=L.cons[li], shp=L.shp[li], prod=prod,
                qty=(bulk_lo[prod] * rng.uniform(0.5, 6, k)).round(), unit_usd=unit[prod] * rng.uniform(0.05, 0.3, k),
                mode=L.mode[li], pol=L.pol[li], transit=L.transit[li], pod=L.pod[li], origin=L.origin[li],
                export=L.export[li], brand=L.brand[li], scheme="undervaluation"))
    out = concat(parts)
    order = np.argsort(out["t"], kind="stable")
    return {k: v[order] for k, v in out.items()}
