"""Phones, e-mails and the many ways one party gets written on declarations."""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from .names import FORM_VARIANTS

# country -> (calling code, trunk prefix, landline areas, mobile prefixes, subscriber length)
_PHONE = {
    "TH": ("66", "0", ("2",), ("81", "86", "89", "92", "95", "61"), 7),
    "MY": ("60", "0", ("3",), ("12", "16", "17", "19"), 8),
    "SG": ("65", "", ("6",), ("8", "9"), 7),
    "VN": ("84", "0", ("28", "24"), ("90", "91", "98", "93"), 8),
    "ID": ("62", "0", ("21", "31"), ("812", "813", "821", "857"), 8),
    "PH": ("63", "0", ("2",), ("917", "918", "927", "998"), 8),
    "KH": ("855", "0", ("23",), ("12", "17", "77"), 6),
    "CN": ("86", "0", ("755", "20", "579", "574", "769", "21"), ("138", "139", "135", "186"), 8),
    "HK": ("852", "", ("2", "3"), ("9", "6"), 7),
    "KR": ("82", "0", ("2", "51"), ("10",), 8),
    "JP": ("81", "0", ("3", "6"), ("90",), 8),
    "IN": ("91", "0", ("22", "44"), ("98", "99"), 8),
    "AE": ("971", "0", ("4",), ("50", "55"), 7),
    "US": ("1", "", ("213", "310", "201", "713"), ("213",), 7),
    "NL": ("31", "0", ("10",), ("6",), 7), "DE": ("49", "0", ("40",), ("151",), 8),
    "BE": ("32", "0", ("3",), ("475",), 7), "FR": ("33", "0", ("1", "4"), ("6",), 8),
    "IT": ("39", "", ("010",), ("347",), 7), "ES": ("34", "", ("91",), ("6",), 8),
    "GB": ("44", "0", ("20",), ("7700",), 8),
}


@dataclass(frozen=True)
class Phone:
    cc: str
    trunk: str
    area: str
    local: str


def new_phone(r: random.Random, country: str, mobile: bool = False) -> Phone:
    cc, trunk, areas, mobiles, n = _PHONE.get(country, _PHONE["SG"])
    area = r.choice(mobiles if mobile else areas)
    if country == "PH" and not mobile:
        local = "8" + "".join(str(r.randrange(10)) for _ in range(n - 1))
    else:
        local = str(r.randint(2, 9)) + "".join(str(r.randrange(10)) for _ in range(n - 1))
    return Phone(cc, trunk, area, local)


def _groups(s: str, sep: str) -> str:
    n = len(s)
    if n <= 4:
        return s
    if n == 6:
        return s[:3] + sep + s[3:]
    if n == 7:
        return s[:3] + sep + s[3:]
    if n == 8:
        return s[:4] + sep + s[4:]
    return s[:3] + sep + s[3:6] + sep + s[6:]


N_PHONE_STYLES = 7


def format_phone(p: Phone, style: int) -> str:
    nat = f"{p.trunk}{p.area}"
    if style == 0:
        return f"+{p.cc} {p.area} {_groups(p.local, ' ')}"
    if style == 1:
        return f"{nat}{p.local}"
    if style == 2:
        return f"({nat}) {_groups(p.local, '-')}"
    if style == 3:
        return f"+{p.cc}{p.area}{p.local}"
    if style == 4:
        return f"{nat}-{_groups(p.local, '-')}"
    if style == 5:
        return f"{p.cc}-{p.area}-{p.local}"
    return f"+{p.cc} ({p.area}) {_groups(p.local, ' ')}"


def strip_accents(s: str) -> str:
    s = s.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def slug(name: str) -> str:
    base = strip_accents(name).lower()
    for w in ("cong ty", "tnhh", "co phan", "co., ltd.", "sdn. bhd.", "pte. ltd.", "public company limited",
              "corporation", "limited", "pvt. ltd.", "general trading", "llc", "fze", "fzco", "inc.", "gmbh",
              "b.v.", "s.r.l.", "s.l.", "sas", " nv", "(m)", "(hk)", "(thailand)"):
        base = base.replace(w, " ")
    words = [w for w in re.split(r"[^a-z0-9]+", base) if w and w not in ("pt", "cv", "co", "ltd", "the", "and")]
    if name.lower().startswith(("công ty", "cong ty")):   # Vietnamese: the distinctive name comes last
        return "".join(words[-2:]) or "congty"
    return "".join(words[:2]) or "trade"


_TLD = {"TH": "co.th", "MY": "com.my", "SG": "com.sg", "VN": "com.vn", "ID": "co.id", "PH": "com.ph",
        "KH": "com.kh", "CN": "com.cn", "HK": "com.hk", "KR": "co.kr", "JP": "co.jp", "IN": "in", "AE": "ae"}
_FREE = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")


def new_email(r: random.Random, name: str, country: str, free: bool = False, used: set[str] | None = None) -> str:
    """An e-mail for a name; with `used`, one not handed out before (unrelated parties never share one)."""
    for attempt in range(50):
        e = _email(r, name, country, free, salt=attempt)
        if used is None or e not in used:
            if used is not None:
                used.add(e)
            return e
    return e


def _email(r: random.Random, name: str, country: str, free: bool, salt: int) -> str:
    s = slug(name) + (str(r.randint(2, 999)) if salt else "")
    if free or r.random() < 0.2:
        domain = r.choice(("163.com", "qq.com", "126.com")) if country == "CN" and r.random() < 0.6 else r.choice(_FREE)
        return f"{s}{r.choice(('', '88', '2024', '.sales', '.import', str(r.randint(1, 99))))}@{domain}"
    local = r.choice(("sales", "info", "import", "admin", "accounts", "logistics", "purchasing", "cs"))
    return f"{local}@{s}.{_TLD.get(country, 'com')}"


def email_variant(r: random.Random, email: str) -> str:
    k = r.randrange(3)
    if k == 0:
        return email.upper()
    if k == 1:
        local, _, dom = email.partition("@")
        return local.capitalize() + "@" + dom.capitalize()
    return " " + email if r.random() < 0.5 else email + " "


def _acronym_dots(name: str) -> str:
    return re.sub(r"\b([A-Z]{2,4})\b", lambda m: ".".join(m.group(1)) + ".", name, count=1)


def typo(r: random.Random, s: str) -> str:
    idx = [i for i, c in enumerate(s) if c.isalpha()]
    if len(idx) < 4:
        return s
    i = r.choice(idx[1:-1])
    k = r.randrange(3)
    if k == 0:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:] if i + 1 < len(s) else s
    if k == 1:
        return s[:i] + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def name_variant(r: random.Random, name: str, person: bool = False) -> str:
    """One plausible re-writing of a name: case, legal form, diacritics, punctuation or a typo."""
    ops = ["upper", "typo", "form", "accents", "punct", "acronym", "lower_form"]
    if person:
        ops = ["upper", "typo", "accents", "reorder", "lower"]
    op = r.choice(ops)
    if op == "upper":
        return name.upper()
    if op == "lower":
        return name.lower()
    if op == "typo":
        return typo(r, name)
    if op == "accents":
        s = strip_accents(name)
        return s if s != name else name.upper()
    if op == "reorder":
        parts = name.split()
        return " ".join(parts[-1:] + parts[:-1]) if len(parts) > 1 else name.upper()
    if op == "acronym":
        s = _acronym_dots(name)
        return s if s != name else name.replace(" ", "  ", 1)
    if op == "punct":
        return name.replace(",", "").replace(".", "") if ("," in name or "." in name) else name + "."
    for canon, alts in FORM_VARIANTS.items():
        if canon in name:
            alt = r.choice(alts)
            out = name.replace(canon, alt)
            return out.upper() if op == "lower_form" and r.random() < 0.3 else out
    return name.upper()


_ABBR = (("Road", "Rd."), ("Street", "St."), ("Jalan", "Jln."), ("Taman", "Tmn."), ("Moo", "M."), ("Soi", "S."),
         ("Avenue", "Ave"), ("Number", "No."), ("Building", "Bldg"), ("District", "Dist."), ("Singapore", "S'pore"),
         ("Barangay", "Brgy."), ("Phường", "P."), ("Quận", "Q."), ("TP. Hồ Chí Minh", "TP.HCM"),
         ("Jl.", "Jalan"), ("St.,", "Street,"), ("Brgy.", "Barangay"), ("Bangkok", "Bangkok Metropolis"),
         ("Kuala Lumpur", "K. Lumpur"), ("Industrial Estate", "I/E"), ("Pulau Pinang", "Penang"))


def address_variant(r: random.Random, addr: str) -> str:
    k = r.randrange(5)
    if k == 0:
        return addr.upper()
    if k == 1:
        s = strip_accents(addr)
        return s if s != addr else addr.replace(",", "")
    if k == 2:
        return addr.replace(",", "").replace("  ", " ")
    hits = [(a, b) for a, b in _ABBR if a in addr]
    if not hits:
        return addr.lower()
    s = addr
    for a, b in r.sample(hits, min(len(hits), r.randint(1, 3))):
        s = s.replace(a, b)
    return s
