"""Chains of declarations through free zones: origin laundering in two declarations, and its
legitimate look-alikes.

The scheme (``origin_laundering``, two-declaration variant): goods of Chinese origin enter a
free zone or bonded warehouse (Port Klang, Tanjung Pelepas, Labuan, Batam, Subic) under a
truthful entry declaration of the zone's administration, consigned to a front company with a
free-zone address; after a short dwell they leave, reported by the destination's
administration, consigned by the front, declared of the zone country's (or another ASEAN)
origin, usually with an ATIGA claim. Variations: the same containers; new containers after
restuffing, the exit's ``previous_document`` naming the entry's bill of lading; partial
quantities leaving on two exits; a second hop through another zone before the exit.

The traps, all legitimate:

- ``ftz_processing``: a factory in a free zone imports inputs (aluminium ingots, steel coil,
  fabric, rubber, sawn wood, chips) and other materials, and after weeks exports what it
  made of them (another HS heading) with the zone country's origin and a preference claim,
  often reusing an input's container;
- ``transshipment``: a forwarder at Singapore or a Malaysian hub takes goods in under one
  declaration and sends them on under another, same containers, origin unchanged;
- ``consolidation``: a container unloaded at Singapore for one distributor leaves again
  stuffed with several shippers' goods for several consignees;
- ``container_reuse``: a container that brought one importer's goods is, months later, used
  by an unrelated exporter of the same country for its own goods.

Ground truth: ``chain_id``, ``chain_kind`` (``laundering`` or the trap's name) and
``chain_leg`` (``entry``, ``via``, ``exit``) on every planted declaration; the laundering
exit carries ``laundering_route = 1``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from .catalog import PROCESSING, PRODUCTS, SEA_SCAC
from .core import Core, make_core
from .names import FREE_ZONE_ADDRESSES
from .reference import DOMESTIC_PORTS, FOREIGN_PORTS, LAUNDER_HUBS, START
from .render import _iso6346

DAY = 86400
ASEAN = ("MY", "VN", "TH", "ID", "KH", "PH", "SG", "BN", "LA", "MM")
#: zones where the entry is recorded by a reporting administration (the hub's country)
CHAIN_HUBS = ("MYPKG", "MYTPP", "MYLBU", "IDBTM", "PHSFS")
TRANSSHIP_HUBS = ("SGSIN", "SGSIN", "MYTPP", "MYPKG")
ATIGA = "ATIGA Form D"


@dataclass
class ChainOp:
    """One laundering operation through a zone: a front there, importers abroad."""
    front: int
    importers: list[int]
    sources: list[int]
    products: list[int]
    hub: str
    claimed: str
    t0: int
    t1: int
    second: tuple[str, int] | None = None   # (hub, front there) for the second-hop variant


@dataclass
class Traps:
    processors: list[tuple[int, str, list[int]]] = field(default_factory=list)  # (party, hub, input products)
    forwarders: list[tuple[int, str]] = field(default_factory=list)              # (party, hub)


def _hubs_in(w, pool) -> list[str]:  # noqa: ANN001 - a World
    return [h for h in pool if LAUNDER_HUBS.get(h, h[:2]) in w.countries or h[:2] in w.countries]


def define(w, r: random.Random, budget_rows: int, traps_budget: dict[str, int],  # noqa: ANN001 - a World
           span_s: int) -> tuple[list[ChainOp], Traps]:
    """The chain operations (about ``budget_rows`` rows) and the trap actors."""
    from .world import _company, _register

    hubs = _hubs_in(w, CHAIN_HUBS)
    ops: list[ChainOp] = []
    if hubs and budget_rows > 0:
        high = [i for i, p in enumerate(PRODUCTS) if p.high_duty and p.hs[:2] not in ("22",)]
        cn_sources = [p.idx for p in w.parties if p.kind == "supplier" and p.country == "CN"]
        for _ in range(max(2, budget_rows // 40)):
            hub = r.choice(hubs)
            hc = hub[:2]
            dests = [c for c in w.countries if c != hc]
            front = _company(w, r, "launder_supplier", hc, "", sector="Trading")
            front.address = r.choice(FREE_ZONE_ADDRESSES.get(hc, ("Free Zone {u}",))).format(u=r.randint(1, 300))
            importers = []
            for _ in range(r.randint(1, 3)):
                rc = r.choice(dests)
                imp = _company(w, r, "launder_importer", rc, rc, sector=r.choice(("Industry", "Trading", None)))
                _register(w, r, imp, 2008, 2023)
                importers.append(imp.idx)
            claimed = hc if hc in ASEAN else r.choice(ASEAN[:5])
            sources = r.sample(cn_sources, min(len(cn_sources), r.randint(1, 3))) or [front.idx]
            t0 = r.randint(0, span_s - 150 * DAY)
            op = ChainOp(front.idx, importers, sources, r.sample(high, r.randint(1, 2)), hub, claimed, t0,
                         t0 + r.randint(60, 330) * DAY)
            for i in importers:
                w.parties[i].products = list(op.products)
            others = [h for h in hubs if h[:2] != hc]
            if others and r.random() < 0.25:
                h2 = r.choice(others)
                f2 = _company(w, r, "launder_supplier", h2[:2], "", sector="Trading")
                f2.address = r.choice(FREE_ZONE_ADDRESSES.get(h2[:2], ("Free Zone {u}",))).format(u=r.randint(1, 300))
                op.second = (h2, f2.idx)
            ops.append(op)
    traps = Traps()
    zones = _hubs_in(w, CHAIN_HUBS)
    for _ in range(max(2, traps_budget.get("ftz_processing", 0) // 30) if zones else 0):
        hub = r.choice(zones)
        hc = hub[:2]
        p = _company(w, r, "ftz_manufacturer", hc, hc, sector=r.choice(("Industry", "Engineering", "Textile", None)))
        _register(w, r, p, 1995, 2020)
        p.address = r.choice(FREE_ZONE_ADDRESSES.get(hc, ("Free Zone {u}",))).format(u=r.randint(1, 300))
        inputs = r.sample(sorted(PROCESSING), r.randint(1, 2))
        p.products = list(inputs)
        traps.processors.append((p.idx, hub, inputs))
    fhubs = _hubs_in(w, TRANSSHIP_HUBS)
    for _ in range(max(2, traps_budget.get("transshipment", 0) // 25) if fhubs else 0):
        hub = r.choice(fhubs)
        p = _company(w, r, "forwarder", hub[:2], "", sector="Logistics")
        _register(w, r, p, 1990, 2020)
        traps.forwarders.append((p.idx, hub))
    return ops, traps


# ---------------------------------------------------------------- rows
class _Rows:
    """Declaration rows (one goods item each) collected as dicts, then one Core."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[dict] = []
        self.serial = 0

    def boxes(self, k: int) -> str:
        owners = np.array([SEA_SCAC[i][:3] + "U" for i in self.rng.integers(0, len(SEA_SCAC), k)], dtype=object)
        return ";".join(_iso6346(owners, self.rng.integers(0, 10 ** 6, k)))

    def bill(self) -> str:
        scac = SEA_SCAC[int(self.rng.integers(len(SEA_SCAC)))]
        num = int(self.rng.integers(10 ** 7, 10 ** 8))
        return f"{scac}{num:08d}{(num * 7) % 97:02d}"

    def add(self, **row: object) -> None:
        self.rows.append(row)

    def core(self) -> Core:
        if not self.rows:
            return make_core(0)
        cols = {k: np.array([r.get(k) for r in self.rows], dtype=object) for k in self.rows[0]}
        for k in ("cons", "shp", "prod"):
            cols[k] = cols[k].astype(np.int64)
        for k in ("qty", "unit_usd"):
            cols[k] = cols[k].astype(float)
        cols["laund"] = cols["laund"].astype(np.int8)
        cols["t"] = START + cols["t"].astype(np.int64).astype("timedelta64[s]")
        return make_core(len(self.rows), **cols)


def _port(rng: np.random.Generator, ports: list[str]) -> str:
    return ports[int(rng.integers(len(ports)))]


def _sea(country: str) -> list[str]:
    return DOMESTIC_PORTS[country][0] if country in DOMESTIC_PORTS else FOREIGN_PORTS.get(country, (["SGSIN"],))[0]


def _base(**kw: object) -> dict:
    row = dict(proc="standard", mode="sea", transit="", brand="", scheme="", laund=0, status="", cont="", doc="", prev="",
               pref="auto", chain="", ckind="", leg="")
    row.update(kw)
    return row


def rows(w, ops: list[ChainOp], traps: Traps, budget_rows: int, traps_budget: dict[str, int],  # noqa: ANN001
         rng: np.random.Generator, span_s: int) -> Core:
    out = _Rows(rng)
    P = w.parties
    unit = [p.usd for p in PRODUCTS]
    lo = [p.bulk[0] for p in PRODUCTS]
    n_chain = 0
    # ---- the laundering chains
    per_op = max(1, budget_rows // max(1, len(ops))) if ops else 0
    for op in ops:
        left = per_op
        while left > 0:
            n_chain += 1
            cid = f"CH{n_chain:05d}"
            prod = op.products[int(rng.integers(len(op.products)))]
            qty = float(round(lo[prod] * rng.uniform(1, 8)))
            price = unit[prod] * rng.uniform(0.8, 1.1)
            t_in = int(rng.integers(op.t0, max(op.t0 + 1, op.t1)))
            hc = op.hub[:2]
            boxes = out.boxes(int(rng.integers(1, 4)))
            bl = out.bill()
            src = op.sources[int(rng.integers(len(op.sources)))]
            out.add(**_base(t=t_in, rc=hc, cons=op.front, shp=src, prod=prod, qty=qty, unit_usd=price,
                            proc="ftz" if rng.random() < 0.7 else "bonded", pol=_port(rng, FOREIGN_PORTS["CN"][0]),
                            pod=op.hub, origin="CN", export="CN", scheme="origin_laundering", cont=boxes, doc=bl,
                            pref="", chain=cid, ckind="laundering", leg="entry"))
            left -= 1
            u = rng.random()
            dwell = int(rng.integers(2, 29) if rng.random() < 0.85 else rng.integers(29, 60))
            t_out = min(t_in + dwell * DAY + int(rng.integers(0, DAY)), span_s - 1)
            imp = op.importers[int(rng.integers(len(op.importers)))]
            rc = P[imp].home
            pref = ATIGA if rng.random() < 0.8 else ""
            exit_row = dict(rc=rc, cons=imp, prod=prod, unit_usd=price * rng.uniform(1.0, 1.15), pod=_port(rng, _sea(rc)),
                            origin=op.claimed, scheme="origin_laundering", laund=1, pref=pref, chain=cid,
                            ckind="laundering", leg="exit")
            if op.second is not None and u < 0.35:   # a second hop through another zone
                h2, f2 = op.second
                t_via = min(t_in + int(rng.integers(2, 10)) * DAY, span_s - 1)
                out.add(**_base(t=t_via, rc=h2[:2], cons=f2, shp=op.front, prod=prod, qty=qty, unit_usd=price,
                                proc="ftz", pol=op.hub, pod=h2, origin="CN", export=hc, scheme="origin_laundering",
                                cont=boxes, doc=out.bill(), pref="", chain=cid, ckind="laundering", leg="via"))
                out.add(**_base(t=min(t_via + dwell * DAY, span_s - 1), shp=f2, qty=qty, pol=h2, export=h2[:2], cont=boxes,
                                doc=out.bill(), **{**exit_row, "origin": h2[:2] if h2[:2] in ASEAN else op.claimed}))
                left -= 2
            elif u < 0.55:   # restuffed: new containers, the bill of lading refers to the entry's
                out.add(**_base(t=t_out, shp=op.front, qty=qty, pol=op.hub, export=hc, cont=out.boxes(int(rng.integers(1, 3))),
                                doc=out.bill(), prev=bl, **exit_row))
                left -= 1
            elif u < 0.72:   # partial quantities: two exits, the boxes split between them
                parts = boxes.split(";")
                share = rng.uniform(0.3, 0.7)
                for j, q in enumerate((qty * share, qty * (1 - share))):
                    mine = ";".join(parts[j::2]) or parts[0]
                    out.add(**_base(t=min(t_out + j * int(rng.integers(1, 20)) * DAY, span_s - 1), shp=op.front,
                                    qty=float(round(q)), pol=op.hub, export=hc, cont=mine, doc=out.bill(), **exit_row))
                left -= 2
            else:            # the same containers, straight on
                out.add(**_base(t=t_out, shp=op.front, qty=qty, pol=op.hub, export=hc, cont=boxes, doc=out.bill(), **exit_row))
                left -= 1
    # ---- legitimate look-alikes
    legit = {c: [p.idx for p in P if p.home == c and p.kind in ("legit", "aeo", "park_tenant", "agent_client")]
             for c in w.countries}
    suppliers = [p.idx for p in P if p.kind in ("supplier", "distributor")]
    cn = [i for i in suppliers if P[i].country == "CN"] or suppliers
    n_trap = 0

    def buyer(not_in: str) -> int:
        c = [x for x in w.countries if x != not_in and legit.get(x)]
        pool = legit[c[int(rng.integers(len(c)))]]
        return pool[int(rng.integers(len(pool)))]

    # free-zone processing: inputs in, other materials in, products of another heading out
    k = traps_budget.get("ftz_processing", 0)
    while k > 0 and traps.processors:
        n_trap += 1
        cid = f"TP{n_trap:05d}"
        party, hub, inputs = traps.processors[int(rng.integers(len(traps.processors)))]
        hc = hub[:2]
        inp = inputs[int(rng.integers(len(inputs)))]
        made = PROCESSING[inp]
        t_in = int(rng.integers(0, span_s - 160 * DAY))
        boxes = out.boxes(int(rng.integers(1, 4)))
        qty = float(round(lo[inp] * rng.uniform(1, 5)))
        out.add(**_base(t=t_in, rc=hc, cons=party, shp=cn[int(rng.integers(len(cn)))], prod=inp, qty=qty,
                        unit_usd=unit[inp] * rng.uniform(0.85, 1.15), proc="ftz", pol=_port(rng, FOREIGN_PORTS["CN"][0]),
                        pod=hub, origin=PRODUCTS[inp].origins[0], export="CN", cont=boxes, doc=out.bill(), pref="",
                        chain=cid, ckind="ftz_processing", leg="entry"))
        other = int(rng.choice([24, 37, 25]))   # parts, plastics, compressors: other materials of the factory
        out.add(**_base(t=t_in + int(rng.integers(1, 20)) * DAY, rc=hc, cons=party, shp=suppliers[int(rng.integers(len(suppliers)))],
                        prod=other, qty=float(round(lo[other] * rng.uniform(1, 3))), unit_usd=unit[other], proc="ftz",
                        pol=_port(rng, FOREIGN_PORTS["CN"][0]), pod=hub, origin="CN", export="CN", doc=out.bill(), pref=""))
        dwell = int(rng.integers(20, 150))
        reuse = boxes.split(";")[0] if rng.random() < 0.6 else out.boxes(1)
        to = buyer(hc)
        out.add(**_base(t=min(t_in + dwell * DAY, span_s - 1), rc=P[to].home, cons=to, shp=party, prod=made,
                        qty=float(round(lo[made] * rng.uniform(1, 4))), unit_usd=unit[made] * rng.uniform(0.9, 1.2),
                        pol=hub, pod=_port(rng, _sea(P[to].home)), origin=hc, export=hc, cont=reuse, doc=out.bill(),
                        pref=ATIGA if rng.random() < 0.7 else "", chain=cid, ckind="ftz_processing", leg="exit"))
        k -= 3
    # transshipment: in under one declaration, on under another, origin unchanged
    k = traps_budget.get("transshipment", 0)
    while k > 0 and traps.forwarders:
        n_trap += 1
        cid = f"TT{n_trap:05d}"
        party, hub = traps.forwarders[int(rng.integers(len(traps.forwarders)))]
        src = suppliers[int(rng.integers(len(suppliers)))]
        sc = P[src].country
        prod = P[src].products[int(rng.integers(len(P[src].products)))] if P[src].products else 0
        origin = sc if sc in PRODUCTS[prod].origins or not PRODUCTS[prod].origins else PRODUCTS[prod].origins[0]
        t_in = int(rng.integers(0, span_s - 30 * DAY))
        boxes = out.boxes(int(rng.integers(1, 3)))
        qty = float(round(lo[prod] * rng.uniform(1, 4)))
        price = unit[prod] * rng.uniform(0.85, 1.15)
        out.add(**_base(t=t_in, rc=hub[:2], cons=party, shp=src, prod=prod, qty=qty, unit_usd=price,
                        proc=r_choice(rng, ("transit", "bonded", "transit")), pol=_port(rng, FOREIGN_PORTS.get(sc, (["CNSHA"],))[0]),
                        pod=hub, origin=origin, export=sc, cont=boxes, doc=out.bill(), pref="", chain=cid,
                        ckind="transshipment", leg="entry"))
        to = buyer(hub[:2])
        out.add(**_base(t=min(t_in + int(rng.integers(1, 21)) * DAY, span_s - 1), rc=P[to].home, cons=to, shp=party, prod=prod,
                        qty=qty, unit_usd=price * rng.uniform(1.0, 1.08), pol=hub, pod=_port(rng, _sea(P[to].home)),
                        origin=origin, export=hub[:2], cont=boxes, doc=out.bill(), chain=cid, ckind="transshipment", leg="exit"))
        k -= 2
    # consolidation at Singapore: one box in for a distributor, out with several shippers' goods
    k = traps_budget.get("consolidation", 0)
    sg = legit.get("SG") or []
    distributors = [p.idx for p in P if p.kind == "distributor" and p.country == "SG"] + sg
    while k > 0 and "SG" in w.countries and distributors:
        n_trap += 1
        cid = f"TC{n_trap:05d}"
        box = out.boxes(1)
        t_in = int(rng.integers(0, span_s - 40 * DAY))
        src = suppliers[int(rng.integers(len(suppliers)))]
        prod = int(rng.integers(len(PRODUCTS) - 6))
        dist = sg[int(rng.integers(len(sg)))] if sg else distributors[0]
        out.add(**_base(t=t_in, rc="SG", cons=dist, shp=src, prod=prod, qty=float(round(lo[prod] * rng.uniform(1, 3))),
                        unit_usd=unit[prod], pol=_port(rng, FOREIGN_PORTS.get(P[src].country, (["CNSHA"],))[0]), pod="SGSIN",
                        origin=P[src].country, export=P[src].country, cont=box, doc=out.bill(), chain=cid,
                        ckind="consolidation", leg="entry"))
        t_out = t_in + int(rng.integers(3, 31)) * DAY
        bl = out.bill()
        for _ in range(int(rng.integers(3, 9))):
            shipper = distributors[int(rng.integers(len(distributors)))]
            to = buyer("SG")
            p2 = int(rng.integers(len(PRODUCTS) - 6))
            origins = PRODUCTS[p2].origins or ("SG",)
            out.add(**_base(t=min(t_out + int(rng.integers(0, DAY)), span_s - 1), rc=P[to].home, cons=to, shp=shipper, prod=p2,
                            qty=float(round(lo[p2] * rng.uniform(0.2, 1))), unit_usd=unit[p2], pol="SGSIN",
                            pod=_port(rng, _sea(P[to].home)), origin=origins[int(rng.integers(len(origins)))], export="SG",
                            cont=box, doc=bl, chain=cid, ckind="consolidation", leg="exit"))
            k -= 1
        k -= 1
    # a container reused months later by an unrelated exporter of the country it came into
    k = traps_budget.get("container_reuse", 0)
    while k > 0:
        n_trap += 1
        cid = f"TR{n_trap:05d}"
        c_in = w.countries[int(rng.integers(len(w.countries)))]
        if not legit.get(c_in) or c_in not in DOMESTIC_PORTS:
            k -= 1
            continue
        box = out.boxes(1)
        port = _port(rng, DOMESTIC_PORTS[c_in][0])
        t_in = int(rng.integers(0, span_s - 250 * DAY))
        imp = legit[c_in][int(rng.integers(len(legit[c_in])))]
        src = cn[int(rng.integers(len(cn)))]
        prod = P[imp].products[int(rng.integers(len(P[imp].products)))] if P[imp].products else 20
        out.add(**_base(t=t_in, rc=c_in, cons=imp, shp=src, prod=prod, qty=float(round(lo[prod] * rng.uniform(1, 3))),
                        unit_usd=unit[prod], pol=_port(rng, FOREIGN_PORTS["CN"][0]), pod=port, origin="CN", export="CN",
                        cont=box, doc=out.bill(), chain=cid, ckind="container_reuse", leg="entry"))
        exporter = legit[c_in][int(rng.integers(len(legit[c_in])))]
        while exporter == imp and len(legit[c_in]) > 1:
            exporter = legit[c_in][int(rng.integers(len(legit[c_in])))]
        to = buyer(c_in)
        p2 = int(rng.choice([39, 40, 44, 15, 37]))
        out.add(**_base(t=min(t_in + int(rng.integers(60, 240)) * DAY, span_s - 1), rc=P[to].home, cons=to, shp=exporter, prod=p2,
                        qty=float(round(lo[p2] * rng.uniform(1, 3))), unit_usd=unit[p2], pol=port, pod=_port(rng, _sea(P[to].home)),
                        origin=c_in, export=c_in, cont=box, doc=out.bill(), chain=cid, ckind="container_reuse", leg="exit"))
        k -= 2
    return out.core()


def r_choice(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]
