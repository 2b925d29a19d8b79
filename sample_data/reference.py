"""Reference tables the generator draws on: hubs, exchange rates, currencies, thresholds."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

REF_DIR = Path(__file__).resolve().parent.parent / "ingest" / "reference"

# world time span (declared_at)
START = np.datetime64("2024-01-01T00:00:00")
END = np.datetime64("2026-01-01T00:00:00")
RATES_START_MONTH = np.datetime64("2023-01", "M")

LOCAL_CURRENCY = {"TH": "THB", "MY": "MYR", "SG": "SGD", "VN": "VND", "ID": "IDR", "PH": "PHP",
                  "KH": "KHR", "LA": "LAK", "MM": "MMK", "BN": "BND", "CN": "CNY", "HK": "HKD",
                  "KR": "KRW", "JP": "JPY", "IN": "INR", "AE": "AED", "US": "USD", "NL": "EUR",
                  "DE": "EUR", "BE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR"}
# share of declarations in a reporting country valued in USD rather than the local currency
USD_SHARE = {"TH": 0.3, "MY": 0.3, "SG": 0.35, "VN": 0.45, "ID": 0.5, "PH": 0.35, "KH": 0.7}
# de minimis: (amount, currency) below which small consignments go duty-free
DE_MINIMIS = {"TH": (1500.0, "THB"), "MY": (500.0, "MYR"), "SG": (400.0, "SGD"),
              "VN": (1_000_000.0, "VND"), "ID": (3.0, "USD"), "PH": (10_000.0, "PHP"),
              "KH": (200_000.0, "KHR")}
# domestic ports per reporting country: (seaports, airport/express gateways, land crossings)
DOMESTIC_PORTS = {
    "TH": (["THLCH", "THBKK", "THLCH", "THSGZ", "THMAT", "THLKR"], ["THBKK"], []),
    "MY": (["MYPKG", "MYPKG", "MYTPP", "MYPEN", "MYPGU", "MYKUA", "MYKCH"], ["MYKUL"], ["MYJHB"]),
    "SG": (["SGSIN"], ["SGSIN"], []),
    "VN": (["VNSGN", "VNSGN", "VNCMT", "VNHPH", "VNHPH", "VNDAD"], ["VNSGN", "VNHAN"], []),
    "ID": (["IDTPP", "IDTPP", "IDSUB", "IDSRG", "IDBLW", "IDUPG"], ["IDJKT"], []),
    "PH": (["PHMNL", "PHMNL", "PHBTG", "PHCEB", "PHDVO", "PHSFS"], ["PHMNL", "PHCRK"], []),
    "KH": (["KHKOS", "KHPNH"], ["KHPNH"], []),
}
# foreign loading ports per partner country (sea, air)
FOREIGN_PORTS = {
    "CN": (["CNSHA", "CNNGB", "CNSZX", "CNYTN", "CNSHK", "CNCAN", "CNNSA", "CNTAO", "CNXMN",
            "CNTXG", "CNDGG", "CNFOC"], ["CNSZX", "CNCAN", "CNSHA", "CNCGO"]),
    "HK": (["HKHKG"], ["HKHKG"]), "SG": (["SGSIN"], ["SGSIN"]),
    "KR": (["KRPUS", "KRINC", "KRKAN"], ["KRINC"]), "JP": (["JPTYO", "JPYOK", "JPOSA", "JPUKB", "JPNGO"], ["JPNRT"]),
    "IN": (["INNSA", "INMUN", "INMAA", "INCCU"], ["INDEL"]), "AE": (["AEJEA"], ["AEDXB"]),
    "US": (["USLAX", "USOAK", "USNYC", "USSAV"], ["USCHI"]), "NL": (["NLRTM"], ["NLAMS"]),
    "DE": (["DEHAM", "DEBRV"], ["DEFRA"]), "BE": (["BEANR"], ["BELGG"]), "FR": (["FRLEH", "FRMRS"], ["FRCDG"]),
    "IT": (["ITGOA", "ITSPE"], ["ITMIL"]), "ES": (["ESVLC", "ESBCN"], ["ESMAD"]),
    "TH": (["THLCH", "THBKK"], ["THBKK"]), "MY": (["MYPKG", "MYTPP", "MYPEN"], ["MYKUL"]),
    "VN": (["VNSGN", "VNCMT", "VNHPH"], ["VNSGN", "VNHAN"]), "ID": (["IDTPP", "IDSUB"], ["IDJKT"]),
    "PH": (["PHMNL", "PHCEB"], ["PHMNL"]), "KH": (["KHKOS"], ["KHPNH"]),
    "GB": (["GBFXT", "GBSOU"], ["GBLHR"]), "LA": (["LAVTE"], ["LAVTE"]), "MM": (["MMRGN"], ["MMRGN"]),
}
# free-zone hubs used to launder origin: hub -> country claimed/exported from
LAUNDER_HUBS = {"MYPKG": "MY", "MYTPP": "MY", "AEJEA": "AE", "IDBTM": "ID", "PHSFS": "PH", "MYLBU": "MY"}


@dataclass(frozen=True)
class Hub:
    locode: str
    name: str
    country: str
    lat: float
    lon: float
    kind: str
    ftz: bool


@lru_cache(maxsize=1)
def load_hubs() -> dict[str, Hub]:
    hubs: dict[str, Hub] = {}
    with open(REF_DIR / "hubs.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            hubs[r["locode"]] = Hub(r["locode"], r["name"], r["country"], float(r["lat"]),
                                    float(r["lon"]), r["kind"], r["ftz"].strip().lower() == "true")
    return hubs


@lru_cache(maxsize=1)
def load_rates() -> tuple[tuple[str, ...], np.ndarray]:
    """Return (currencies, matrix[currency, month since 2023-01]) of USD per unit."""
    table: dict[str, dict[int, float]] = {}
    with open(REF_DIR / "rates.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            month = int((np.datetime64(r["date"][:7], "M") - RATES_START_MONTH).astype(int))
            table.setdefault(r["currency"], {})[month] = float(r["usd_per_unit"])
    currencies = tuple(sorted(table))
    n_months = max(max(m) for m in table.values()) + 1
    mat = np.ones((len(currencies), n_months))
    for i, c in enumerate(currencies):
        months = sorted(table[c])
        mat[i] = np.interp(np.arange(n_months), months, [table[c][m] for m in months])
    return currencies, mat


def usd_per_unit(currency_idx: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Vectorised rate lookup: currency index (into load_rates()[0]) and datetime64 array."""
    _, mat = load_rates()
    month = (when.astype("datetime64[M]") - RATES_START_MONTH).astype(int)
    month = np.clip(month, 0, mat.shape[1] - 1)
    return mat[currency_idx, month]


def currency_index(code: str) -> int:
    return load_rates()[0].index(code)
