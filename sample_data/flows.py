"""Legitimate trade, generated chunk by chunk with numpy."""
from __future__ import annotations

import numpy as np

from .catalog import PRODUCTS
from .core import Core, concat, make_core
from .reference import DOMESTIC_PORTS, FOREIGN_PORTS, START
from .world import World

_UNIT = np.array([p.usd for p in PRODUCTS])
_LO = np.log(np.array([p.bulk[0] for p in PRODUCTS], dtype=float))
_HI = np.log(np.array([p.bulk[1] for p in PRODUCTS], dtype=float))


def _objs(seq) -> np.ndarray:
    a = np.empty(len(seq), dtype=object)
    a[:] = list(seq)
    return a


def _pick_product(w: World, rng: np.random.Generator, party: np.ndarray) -> np.ndarray:
    table = w.products_of[party]
    cnt = np.maximum((table >= 0).sum(1), 1)
    col = (rng.random(len(party)) * cnt).astype(int)
    out = table[np.arange(len(party)), col]
    return np.where(out < 0, 0, out)


def standard_rows(w: World, rng: np.random.Generator, n: int, t_lo: int, t_hi: int, decl0: int) -> Core:
    L = w.lanes
    m = int(n / 1.6) + 8
    items = np.minimum(rng.geometric(0.6, m), 6)
    li = rng.choice(len(L.p), m, p=L.p)
    t = START + rng.integers(t_lo, t_hi, m).astype("timedelta64[s]")
    rep = np.repeat(np.arange(m), items)[:n]
    item = (np.arange(len(rep)) - np.repeat(np.cumsum(items) - items, items)[:n] + 1).astype(np.int16)
    lane = li[rep]
    shp = L.shp[lane]
    prod = np.where(item == 1, L.prod[lane], _pick_product(w, rng, shp))
    k = len(rep)
    direct = (rng.random(m) < 0.05)[rep]
    transit = np.where(direct & (L.mode[lane] == "sea"), "", L.transit[lane]).astype(object)
    brand = np.where(item == 1, L.brand[lane], "").astype(object)
    qty = np.exp(rng.uniform(_LO[prod], _HI[prod])).round()
    price = _UNIT[prod] * rng.lognormal(0, 0.25, k) * np.where(brand != "", 1.8, 1.0)
    u = rng.random(m)[rep]
    proc = np.where(u < 0.02, "bonded", np.where(u < 0.035, "ftz", "standard")).astype(object)
    return make_core(k, t=t[rep], rc=np.array([w.parties[c].home for c in L.cons[lane]], dtype=object),
                     cons=L.cons[lane], shp=shp, prod=prod, qty=qty, unit_usd=price, proc=proc, mode=L.mode[lane],
                     pol=L.pol[lane], transit=transit, pod=L.pod[lane], origin=L.origin[lane],
                     export=L.export[lane], brand=brand, decl=decl0 + rep, item=item)


def parcel_rows(w: World, rng: np.random.Generator, n: int, t_lo: int, t_hi: int, decl0: int) -> Core:
    prof = w.prof
    cw = np.array(prof.country_weights) / sum(prof.country_weights)
    rc_i = rng.choice(len(w.countries), n, p=cw)
    rc = _objs(w.countries)[rc_i]
    cons = np.empty(n, dtype=np.int32)
    pod = np.empty(n, dtype=object)
    for i, c in enumerate(w.countries):
        mask = rc_i == i
        idx, p = w.buyers[c]
        cons[mask] = idx[rng.choice(len(idx), mask.sum(), p=p)]
        pod[mask] = _objs(DOMESTIC_PORTS[c][1])[rng.integers(0, len(DOMESTIC_PORTS[c][1]), mask.sum())]
    sellers, sp = w.sellers
    shp = sellers[rng.choice(len(sellers), n, p=sp)]
    prod = _pick_product(w, rng, shp)
    scc = _objs([w.parties[s].country for s in shp])
    pol = _objs([FOREIGN_PORTS[c][1][j % len(FOREIGN_PORTS[c][1])] for c, j in zip(scc, rng.integers(0, 8, n))])
    u = rng.random(n)
    proc = np.where(u < 0.5, "ecommerce", np.where(u < 0.85, "express", "postal")).astype(object)
    hub = (rng.random(n) < 0.15) & (scc != "HK") & (scc != "SG") & (rc != "SG")
    origin = np.where(np.isin(scc, ["HK", "SG"]) & (rng.random(n) < 0.7), "CN", scc).astype(object)
    t = START + rng.integers(t_lo, t_hi, n).astype("timedelta64[s]")
    return make_core(n, t=t, rc=rc, cons=cons, shp=shp, prod=prod, qty=np.minimum(rng.geometric(0.55, n), 8),
                     unit_usd=_UNIT[prod] * rng.lognormal(0, 0.45, n), proc=proc,
                     mode=np.where(proc == "postal", "post", "air").astype(object), pol=pol,
                     transit=np.where(hub, np.where(rng.random(n) < 0.5, "HKHKG", "SGSIN"), "").astype(object),
                     pod=pod, origin=origin, export=scc, decl=decl0 + np.arange(n))


def legit_rows(w: World, rng: np.random.Generator, n: int, t_lo: int, t_hi: int, decl0: int) -> Core:
    n_par = int(round(n * w.prof.small_parcel_share))
    a = standard_rows(w, rng, n - n_par, t_lo, t_hi, decl0)
    b = parcel_rows(w, rng, n_par, t_lo, t_hi, decl0 + 10 * n + 100)
    return concat([a, b])
