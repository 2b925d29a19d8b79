"""Build the population: traders, suppliers, brokers, couriers and their usual trade lanes."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from .catalog import EXPRESS, POSTAL, PRODUCTS
from .names import AGENT_ADDRESSES, PARKS, address
from .parties import Party, build_variants, national_id, new_company, new_person
from .profiles import Profile
from .reference import DOMESTIC_PORTS, FOREIGN_PORTS
from .variants import N_PHONE_STYLES, Phone, new_email, new_phone

SUPPLIER_COUNTRIES = ("CN",) * 12 + ("HK", "SG", "KR", "KR", "JP", "JP", "IN", "IN", "AE", "US", "NL", "DE",
                                     "BE", "FR", "IT", "ES", "TH", "MY", "VN", "ID", "GB")
DISTRIBUTOR_COUNTRIES = ("SG", "HK", "AE", "NL")
NEIGHBOURS = {("MY", "SG"), ("SG", "MY"), ("TH", "MY"), ("MY", "TH"), ("KH", "TH"), ("TH", "KH"), ("VN", "KH"),
              ("KH", "VN"), ("LA", "TH"), ("TH", "LA")}
LAND = {"MY": "MYJHB", "SG": "SGSIN", "TH": "THLKR", "KH": "KHPNH", "VN": "VNSGN", "LA": "LAVTE"}
SECTOR_PRODUCTS = {  # sector word -> product indices
    "Electronics": [0, 1, 2, 3, 4, 5, 6, 36], "Technology": [0, 1, 2, 5, 21], "Cosmetics": [13, 14, 15],
    "Pharma": [16, 17], "Garment": [7, 8, 9, 10], "Textile": [7, 8, 9, 10, 11, 12], "Auto Parts": [26, 27, 28],
    "Engineering": [22, 23, 24, 25], "Industry": [23, 24, 29, 30, 31, 37], "Foods": [39, 40, 38],
}


@dataclass
class Lanes:
    cons: np.ndarray
    shp: np.ndarray
    prod: np.ndarray
    origin: np.ndarray
    export: np.ndarray
    pol: np.ndarray
    transit: np.ndarray
    pod: np.ndarray
    mode: np.ndarray
    brand: np.ndarray
    p: np.ndarray


@dataclass
class World:
    prof: Profile
    seed: int
    n_target: int
    countries: tuple[str, ...]
    parties: list[Party] = field(default_factory=list)
    lanes: Lanes | None = None
    buyers: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)   # rc -> (idx, p)
    sellers: tuple[np.ndarray, np.ndarray] | None = None
    products_of: np.ndarray | None = None      # party idx -> padded product list (-1)
    broker_of: np.ndarray | None = None        # party idx -> broker party idx
    couriers: dict[tuple[str, str], int] = field(default_factory=dict)
    brokers: dict[str, list[int]] = field(default_factory=dict)
    ids_used: set[str] = field(default_factory=set)
    names_used: set[str] = field(default_factory=set)
    emails_used: set[str] = field(default_factory=set)
    phones_used: set[Phone] = field(default_factory=set)

    def phone(self, r: random.Random, country: str, mobile: bool = False) -> Phone:
        """A phone number no other party has."""
        while True:
            ph = new_phone(r, country, mobile)
            if ph not in self.phones_used:
                self.phones_used.add(ph)
                return ph

    def add(self, p: Party) -> Party:
        self.parties.append(p)
        return p

    @property
    def next_idx(self) -> int:
        return len(self.parties)


def _reg_date(r: random.Random, y0: int, y1: int) -> str:
    return f"{r.randint(y0, y1)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def _company(w: World, r: random.Random, kind: str, country: str, home: str, sector: str | None = None) -> Party:
    p = w.add(new_company(r, w.next_idx, kind, country, home, w.names_used, sector))
    p.phone = w.phone(r, country, mobile=r.random() < 0.15)
    p.phone_style = r.randrange(N_PHONE_STYLES)
    p.email = new_email(r, p.name, country, used=w.emails_used)
    p.address = address(r, country)
    return p


def _register(w: World, r: random.Random, p: Party, y0: int = 1988, y1: int = 2022) -> None:
    p.reg_id, p.tax_id = national_id(r, p.country, w.ids_used)
    p.registered_at = _reg_date(r, y0, y1)
    p.in_registry = r.random() < w.prof.registry_coverage


def build_population(w: World, r: random.Random) -> None:
    prof, n = w.prof, w.n_target
    cw = np.array(prof.country_weights) / sum(prof.country_weights)
    sq = math.sqrt(n)
    # brokers and couriers (declarants)
    for rc in w.countries:
        w.brokers[rc] = []
        for _ in range(4 + int(sq / 40)):
            b = _company(w, r, "broker", rc, rc, sector=r.choice(("Logistics", "Customs Brokerage", "Freight")))
            _register(w, r, b)
            w.brokers[rc].append(b.idx)
        for c in EXPRESS + (POSTAL.get(rc, "Post"),):
            cname = f"{c} ({rc})" if c in EXPRESS else c
            p = w.add(Party(w.next_idx, f"T{w.next_idx:07d}", "courier", rc, cname, home=rc))
            p.address, p.phone, p.phone_style = address(r, rc), w.phone(r, rc), r.randrange(N_PHONE_STYLES)
            _register(w, r, p)
            w.couriers[(rc, c)] = p.idx
    # domestic businesses
    n_dom = int(100 + 6 * sq)
    for i in range(n_dom):
        rc = w.countries[int(np.searchsorted(np.cumsum(cw), r.random()))]
        u = r.random()
        kind = "aeo" if u < 0.12 else "agent_client" if u < 0.22 else "park_tenant" if u < 0.32 else "legit"
        sector = r.choice(tuple(SECTOR_PRODUCTS) + (None, None))
        p = _company(w, r, kind, rc, rc, sector)
        _register(w, r, p, 2005 if kind == "agent_client" else 1985, 2023)
        if kind == "aeo":
            p.aeo_tier = str(r.choice((1, 2, 2, 3, 3)))
            p.in_registry = True
        if kind == "agent_client" and rc in AGENT_ADDRESSES:
            p.address = r.choice(AGENT_ADDRESSES[rc])
        elif kind == "park_tenant" and rc in PARKS:
            p.address = PARKS[rc].format(u=r.randint(1, 120), f=r.randint(1, 9))
        p.weight = float(np.exp(r.gauss(0, 1.0))) * (3.0 if kind == "aeo" else 1.0) / (1 + i) ** 0.15
        p.products = list(SECTOR_PRODUCTS.get(sector or "", [])) or r.sample(range(len(PRODUCTS)), 3)
        p.products = r.sample(p.products, min(len(p.products), r.randint(1, 3)))
    # foreign suppliers: manufacturers, distributors, e-commerce sellers
    for _ in range(int(80 + 4 * sq)):
        u = r.random()
        if u < 0.3:
            c = r.choice(("CN",) * 6 + ("HK", "KR", "JP", "US"))
            kind = "ecom_seller"
        elif u < 0.4:
            c, kind = r.choice(DISTRIBUTOR_COUNTRIES), "distributor"
        else:
            c, kind = r.choice(SUPPLIER_COUNTRIES), "supplier"
        p = _company(w, r, kind, c, "", sector="E-commerce" if kind == "ecom_seller" and c == "CN" else None)
        if c == "CN" and r.random() < 0.3:
            p.reg_id, p.tax_id = national_id(r, "CN", w.ids_used)
        p.weight = float(np.exp(r.gauss(0, 1.0)))
        if kind == "ecom_seller":
            pool = [i for i, pr in enumerate(PRODUCTS) if pr.parcel]
            p.products = r.sample(pool, r.randint(3, 6))
        elif kind == "distributor":
            p.products = r.sample(range(len(PRODUCTS)), r.randint(3, 6))
        else:
            pool = [i for i, pr in enumerate(PRODUCTS) if c in pr.origins] or list(range(len(PRODUCTS)))
            p.products = r.sample(pool, min(len(pool), r.randint(2, 4)))
    # individuals buying online
    for _ in range(int(150 + 12 * sq)):
        rc = w.countries[int(np.searchsorted(np.cumsum(cw), r.random()))]
        p = w.add(new_person(r, w.next_idx, "individual", rc))
        p.phone = w.phone(r, rc, mobile=True)
        p.phone_style = r.randrange(N_PHONE_STYLES)
        p.address = address(r, rc)
        p.email = new_email(r, p.name, rc, free=True, used=w.emails_used) if r.random() < 0.6 else ""
        p.weight = float(np.exp(r.gauss(0, 0.8)))


def _route(r: random.Random, prof: Profile, sc: str, rc: str, air: bool) -> tuple[str, str, str, str]:
    """(mode, pol, transit, pod) for a lane from supplier country sc into rc."""
    sea_d, air_d, _ = DOMESTIC_PORTS[rc]
    if (sc, rc) in NEIGHBOURS and r.random() < 0.5:
        return "road", LAND.get(sc, ""), "", LAND.get(rc, r.choice(sea_d))
    sea_f, air_f = FOREIGN_PORTS.get(sc, (["SGSIN"], ["SGSIN"]))
    if air:
        transit = r.choice(("HKHKG", "SGSIN")) if r.random() < 0.2 and sc not in ("HK", "SG") and rc != "SG" else ""
        return "air", r.choice(air_f), transit, r.choice(air_d)
    pol, pod = r.choice(sea_f), r.choice(sea_d)
    transit = ""
    if sc in ("CN", "KR", "JP") and rc != "SG" and r.random() < prof.hub_transit_share:
        transit = r.choices(("SGSIN", "HKHKG", "MYTPP", "MYPKG", "HKHKG;SGSIN"), (50, 30, 8, 7, 5))[0]
    elif sc in ("IN", "AE", "NL", "DE", "BE", "FR", "IT", "ES", "GB", "US") and r.random() < 0.7:
        transit = r.choices(("SGSIN", "MYTPP", "MYPKG", "AEJEA;SGSIN"), (60, 20, 15, 5))[0]
        if rc == "SG":
            transit = ""
    elif sc == "SG" and rc == "SG":
        transit = ""
    return "sea", pol, transit, pod


def build_lanes(w: World, r: random.Random) -> None:
    from .catalog import BRANDS
    by_product: dict[int, list[int]] = {}
    for p in w.parties:
        if p.kind in ("supplier", "distributor"):
            for pr in p.products:
                by_product.setdefault(pr, []).append(p.idx)
    manufacturers = [p.idx for p in w.parties if p.kind == "supplier"]
    rows: list[tuple] = []
    for p in w.parties:
        if p.home == "" or p.kind in ("broker", "courier", "individual", "shell", "split_buyer"):
            continue
        k = r.randint(1, 4)
        shares = np.random.default_rng(r.getrandbits(32)).dirichlet(np.ones(k))
        for j in range(k):
            prod = r.choice(p.products)
            cands = [i for i in by_product.get(prod, []) if w.parties[i].country != p.home] or \
                [i for i in manufacturers if w.parties[i].country != p.home]
            s = w.parties[r.choice(cands)]
            pr = PRODUCTS[prod]
            if s.country in pr.origins or s.kind != "distributor":
                origin = s.country
            else:
                origin = r.choice([o for o in pr.origins if o != p.home] or [s.country])
            air = pr.usd / max(pr.kg, 0.01) > 40 and r.random() < 0.5
            mode, pol, transit, pod = _route(r, w.prof, s.country, p.home, air)
            brand = ""
            for b in pr.brands:
                if origin in BRANDS[b][1] and r.random() < 0.6:
                    brand = b
            rows.append((p.idx, s.idx, prod, origin, s.country, pol, transit, pod, mode, brand,
                         p.weight * shares[j]))
    cols = list(zip(*rows))
    pw = np.array(cols[10], dtype=float)
    w.lanes = Lanes(np.array(cols[0], dtype=np.int32), np.array(cols[1], dtype=np.int32),
                    np.array(cols[2], dtype=np.int32), *(np.array(c, dtype=object) for c in cols[3:10]),
                    pw / pw.sum())


def build_indexes(w: World, r: random.Random) -> None:
    """Lookup arrays used by the vectorised row generators."""
    for rc in w.countries:
        idx = [p.idx for p in w.parties if p.home == rc and p.kind in ("individual", "split_buyer")] * 7 + \
              [p.idx for p in w.parties if p.home == rc and p.kind in ("legit", "agent_client", "park_tenant")]
        wts = np.array([w.parties[i].weight for i in idx])
        w.buyers[rc] = (np.array(idx, dtype=np.int32), wts / wts.sum())
    sel = [p.idx for p in w.parties if p.kind == "ecom_seller"]
    sw = np.array([w.parties[i].weight for i in sel])
    w.sellers = (np.array(sel, dtype=np.int32), sw / sw.sum())
    kmax = max(len(p.products) for p in w.parties if p.products)
    w.products_of = np.full((len(w.parties), kmax), -1, dtype=np.int32)
    for p in w.parties:
        w.products_of[p.idx, : len(p.products)] = p.products
    w.broker_of = np.full(len(w.parties), -1, dtype=np.int32)
    for p in w.parties:
        if p.home and p.kind not in ("broker", "courier"):
            w.broker_of[p.idx] = r.choice(w.brokers[p.home]) if p.home in w.brokers else -1


def finalize_variants(w: World, r: random.Random) -> None:
    for p in w.parties:
        if p.variants:
            continue
        style = ("declarant" if p.kind in ("broker", "courier") else "person" if p.person and p.kind != "split_buyer"
                 else "buyer" if p.kind == "split_buyer" else "shell" if p.is_shell
                 else "foreign" if not p.home else "legit")
        build_variants(r, p, w.prof, style)
