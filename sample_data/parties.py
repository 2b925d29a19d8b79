"""Parties of the synthetic world and the ways each is written (mention variants)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from .names import company_name, person_name
from .profiles import Profile
from .variants import N_PHONE_STYLES, Phone, address_variant, email_variant, format_phone, name_variant, typo

MENTION_FIELDS = ("raw_id", "raw_name", "raw_address", "raw_country", "raw_phone", "raw_email")
Variant = tuple[str, str, str, str, str, str]


@dataclass
class Party:
    idx: int
    tpid: str
    kind: str
    country: str
    name: str
    address: str = ""
    phone: Phone | None = None
    phone_style: int = 0
    email: str = ""
    reg_id: str = ""
    tax_id: str = ""
    registered_at: str = ""
    aeo_tier: str = ""
    in_registry: bool = False
    is_shell: bool = False
    ring_id: str = ""
    home: str = ""                  # reporting country it imports into ('' for foreign parties)
    weight: float = 1.0
    person: bool = False
    products: list[int] = field(default_factory=list)
    # extra identifiers a shell may also be written with (shared with its ring)
    alt_phones: list[Phone] = field(default_factory=list)
    alt_emails: list[str] = field(default_factory=list)
    alt_addresses: list[str] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    vweights: list[float] = field(default_factory=list)


def national_id(r: random.Random, country: str, used: set[str]) -> tuple[str, str]:
    """(registry id as keyed in declarations, formatted tax id)."""
    while True:
        d = lambda k: "".join(str(r.randrange(10)) for _ in range(k))
        if country == "TH":
            raw = "0105" + d(9)
            fmt = f"{raw[0]}-{raw[1:5]}-{raw[5:10]}-{raw[10:12]}-{raw[12]}"
        elif country == "MY":
            raw = str(r.randint(1995, 2023)) + "01" + d(6)
            fmt = "C" + d(10)
        elif country == "SG":
            raw = str(r.randint(1990, 2023)) + d(5) + r.choice("KMNRWZDEGH")
            fmt = raw
        elif country == "VN":
            raw = r.choice(("01", "03", "02", "04")) + d(8)
            fmt = raw
        elif country == "ID":
            raw = d(15)
            fmt = f"{raw[:2]}.{raw[2:5]}.{raw[5:8]}.{raw[8]}-{raw[9:12]}.{raw[12:]}"
        elif country == "PH":
            raw = d(9) + "000"
            fmt = f"{raw[:3]}-{raw[3:6]}-{raw[6:9]}-{raw[9:]}"
        elif country == "CN":
            raw = "91" + r.choice(("4403", "4401", "3307", "3302")) + "00" + "".join(r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))
            fmt = raw
        else:
            raw = country + d(9)
            fmt = raw
        if raw not in used:
            used.add(raw)
            return raw, fmt


def build_variants(r: random.Random, p: Party, prof: Profile, style: str) -> None:
    """Fill p.variants/p.vweights. style: legit | foreign | shell | person | declarant | buyer."""
    noise = prof.name_noise
    if style == "declarant":
        n = 1 + (r.random() < 0.3)
    elif style in ("shell", "buyer"):
        n = r.randint(3, 7)
    elif style == "person":
        n = 1 + (r.random() < 0.4 + noise)
    else:
        n = 1 + min(4, np.random.default_rng(r.getrandbits(32)).poisson(0.6 + 3 * noise))
    id_p = {"legit": prof.p_id_given, "declarant": max(0.5, prof.p_id_given), "foreign": 0.08,
            "shell": 0.35 * prof.p_id_given, "person": 0.0, "buyer": 0.0}[style]
    has_id = bool(p.reg_id)
    out: dict[Variant, float] = {}
    phones = [p.phone] + p.alt_phones if p.phone else list(p.alt_phones)
    emails = [p.email] + p.alt_emails if p.email else list(p.alt_emails)
    addrs = [p.address] + p.alt_addresses if p.address else list(p.alt_addresses)
    for j in range(n):
        first = j == 0
        rid = p.reg_id if has_id and r.random() < id_p else ""
        name = p.name
        if not first and (style in ("shell", "buyer") or r.random() < 0.5 + noise):
            name = name_variant(r, name, person=p.person)
            if style in ("shell", "buyer") and r.random() < 0.25:
                name = typo(r, name)
        if style == "declarant":
            out[(rid or p.reg_id, name, "", "", "", "")] = out.get((rid or p.reg_id, name, "", "", "", ""), 0) + (8 if first else 1)
            continue
        addr = ""
        if addrs and (r.random() < prof.p_address or style in ("person", "buyer")):
            addr = addrs[0] if (first or r.random() < 0.6) else r.choice(addrs)
            if not first and r.random() < (0.5 if style in ("shell", "buyer") else 0.25 + noise / 2):
                addr = address_variant(r, addr)
        phone = ""
        if phones and (r.random() < prof.p_phone or (style in ("person", "buyer") and not addr)):
            ph = phones[0] if (first or r.random() < 0.6) else r.choice(phones)
            st = p.phone_style if (first and style not in ("shell", "buyer")) else r.randrange(N_PHONE_STYLES)
            phone = format_phone(ph, st)
        email = ""
        if emails and r.random() < prof.p_email:
            email = emails[0] if (first or r.random() < 0.6) else r.choice(emails)
            if not first and r.random() < 0.2:
                email = email_variant(r, email)
        if not (rid or addr or phone or email) and style != "foreign":
            addr = addrs[0] if addrs else ""
            phone = format_phone(phones[0], p.phone_style) if phones and not addr else phone
        country = p.country if r.random() > prof.p_optional_missing else ""
        w = (r.uniform(5, 12) if style in ("legit", "foreign", "person") else r.uniform(1, 3)) if first else r.uniform(0.5, 2)
        v: Variant = (rid, name, addr, country, phone, email)
        out[v] = out.get(v, 0.0) + w
    p.variants = list(out)
    p.vweights = list(out.values())


SHELL_WORDS = ("Golden Star", "Lucky 88", "Fortune", "Rich Harvest", "Prosperity", "Grand Ocean", "Silver Moon",
               "Happy Home", "Smart Buy", "Top Win", "Sunshine", "Great Wall", "Wealth", "Ever Bright", "New Star")


def shell_name(r: random.Random, country: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTWXYZ"
    acr = "".join(r.choice(letters) for _ in range(r.choice((2, 3, 3, 4))))
    core = acr if r.random() < 0.5 else r.choice(SHELL_WORDS)
    trade = r.choice(("Trading", "Global Trading", "Import Export", "International", "Enterprise", "Supply",
                      "Online", "Commerce"))
    if country == "VN":
        return f"Công ty TNHH {r.choice(('Thương mại', 'Xuất Nhập Khẩu', 'Thương mại Dịch vụ'))} {core}"
    if country == "ID":
        return f"PT {core} {r.choice(('Niaga', 'Global', 'Sukses', 'Makmur'))} {r.choice(('Indonesia', 'Abadi', 'Jaya'))}"
    form = {"TH": "Co., Ltd.", "MY": "Sdn. Bhd.", "SG": "Pte. Ltd.", "PH": "Trading Inc.", "KH": "Co., Ltd."}.get(country, "Co., Ltd.")
    return f"{core} {trade} {form}".replace("Trading Trading", "Trading")


def new_company(r: random.Random, idx: int, kind: str, country: str, home: str, names_used: set[str],
                sector: str | None = None) -> Party:
    for _ in range(20):
        name = company_name(r, country, sector)
        if name not in names_used:
            break
    else:
        name = f"{name.split(' ', 1)[0]} {r.randint(2, 999)} {name.split(' ', 1)[-1]}"
    names_used.add(name)
    return Party(idx=idx, tpid=f"T{idx:07d}", kind=kind, country=country, name=name, home=home)


def new_person(r: random.Random, idx: int, kind: str, country: str) -> Party:
    return Party(idx=idx, tpid=f"T{idx:07d}", kind=kind, country=country, name=person_name(r, country),
                 home=country, person=True)
