"""Turn row skeletons into contract-format frames: ids, parties as written, documents, values."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .catalog import AIR_CARRIERS, AIR_PREFIX, EXPRESS, POSTAL, PRODUCTS, ROAD, SEA_CARRIERS, SEA_SCAC
from .core import Core, take
from .reference import LOCAL_CURRENCY, USD_SHARE, currency_index, usd_per_unit
from .world import World

DECL_COLUMNS = (
    "declaration_id", "item_no", "reporting_country", "declared_at", "flow", "procedure", "transport_mode",
    "consignor_id", "consignor_name", "consignor_address", "consignor_country", "consignor_phone",
    "consignor_email", "consignee_id", "consignee_name", "consignee_address", "consignee_country",
    "consignee_phone", "consignee_email", "declarant_id", "declarant_name", "carrier", "transport_document",
    "previous_document", "container_ids", "preference", "hs_code", "goods_description", "brand", "origin_country", "export_country",
    "port_of_loading", "transit_ports", "port_of_discharge", "quantity", "quantity_unit", "gross_mass_kg",
    "customs_value", "currency", "incoterms", "inspection_result", "status")
TRUTH_COLUMNS = ("declaration_id", "reporting_country", "item_no", "consignee_true_id", "consignor_true_id",
                 "illicit", "scheme", "laundering_route", "declarant_true_id", "chain_id", "chain_kind", "chain_leg")
OUTCOME_COLUMNS = ("declaration_id", "reporting_country", "result", "offence", "decided_at")
OFFENCES = {"shell_ring": ("smuggling", "misdeclaration", "prohibited_goods"), "origin_laundering": ("misdeclared_origin",),
            "counterfeit": ("counterfeit", "IPR infringement"), "de_minimis_split": ("split_consignment",),
            "undervaluation": ("undervaluation",)}
LEGIT_OFFENCES = ("misclassification", "documentation", "valuation_error", "quantity_discrepancy")
_ID_FMT = {"TH": "A0{yy}{n:010d}", "MY": "K1{yy}{n:09d}", "SG": "{yy}{n:08d}SGC", "VN": "10{yy}{n:08d}",
           "ID": "PIB{yy}{n:08d}", "PH": "C{yy}-{n:08d}", "KH": "KH{yy}{n:08d}"}
_TZ = {"VN": "+07:00", "ID": "+07:00", "PH": "+08:00"}
_ROUND0 = ("VND", "IDR", "KHR", "LAK", "MMK", "KRW", "JPY")
_LETTER = {c: v for c, v in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                (10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                                 32, 34, 35, 36, 37, 38))}


@dataclass
class VarTable:
    start: np.ndarray
    cum: np.ndarray
    fields: tuple[np.ndarray, ...]   # raw_id, raw_name, raw_address, raw_country, raw_phone, raw_email
    owner: np.ndarray


def variant_table(w: World) -> VarTable:
    kmax = max(len(p.variants) for p in w.parties)
    cum = np.ones((len(w.parties), kmax))
    start = np.zeros(len(w.parties), dtype=np.int64)
    flat: list[tuple] = []
    owner: list[int] = []
    for p in w.parties:
        start[p.idx] = len(flat)
        wt = np.array(p.vweights)
        cum[p.idx, : len(wt)] = np.cumsum(wt) / wt.sum()
        cum[p.idx, len(wt) - 1:] = 1.0
        flat.extend(p.variants)
        owner.extend([p.idx] * len(p.variants))
    cols = tuple(np.array(c, dtype=object) for c in zip(*flat))
    return VarTable(start, cum, cols, np.array(owner, dtype=np.int32))


def pick_variant(vt: VarTable, party: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(party))
    local = (u[:, None] > vt.cum[party]).sum(1)
    return vt.start[party] + local


def _iso6346(owner: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Container numbers with a valid ISO 6346 check digit."""
    uniq, inv = np.unique(owner.astype(str), return_inverse=True)
    lsum = np.array([sum(_LETTER[ch] * 2 ** i for i, ch in enumerate(o)) for o in uniq])[inv]
    digits = (serial[:, None] // 10 ** np.arange(5, -1, -1)) % 10
    total = lsum + (digits * 2 ** np.arange(4, 10)).sum(1)
    check = (total % 11) % 10
    return np.array([f"{o}{s:06d}{c}" for o, s, c in zip(owner, serial, check)], dtype=object)


ASEAN = frozenset({"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"})
#: preferential certificates claimed for goods of an origin entering ASEAN, and how often
_CLAIMS = {"CN": ("ACFTA Form E", 0.35), "KR": ("AKFTA Form AK", 0.3), "JP": ("AJCEP Form AJ", 0.25),
           "IN": ("AIFTA Form AI", 0.2)}


def _preference(given: np.ndarray, origin: np.ndarray, rc: np.ndarray, proc: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """The preference claimed per declaration: the planted one where given, else drawn: intra-ASEAN
    goods often claim ATIGA, goods of a dialogue partner sometimes claim its agreement, parcels never."""
    u = rng.random(len(given))
    out = np.array(given, dtype=object)
    auto = np.flatnonzero(given == "auto")
    for i in auto:
        o = origin[i]
        if proc[i] in ("express", "ecommerce", "postal"):
            out[i] = ""
        elif o in ASEAN and o != rc[i]:
            out[i] = "ATIGA Form D" if u[i] < 0.6 else ""
        else:
            form, p = _CLAIMS.get(o, ("", 0.0))
            out[i] = form if u[i] < p else ""
    return out


@dataclass
class ChunkState:
    seq: dict[str, int] = field(default_factory=dict)
    rows_written: int = 0


@dataclass
class Rendered:
    decl: pd.DataFrame
    truth: pd.DataFrame
    outcomes: pd.DataFrame
    mention_codes: np.ndarray
    malformed: list[tuple[int, str]]
    extra_rows: list[int]


def render(w: World, vt: VarTable, c: Core, rng: np.random.Generator, st: ChunkState,
           allow_bytes: bool = True) -> Rendered:
    prof = w.prof
    n0 = len(c["t"])
    missing = c["decl"] < 0
    base = int(c["decl"].max()) + 1 if n0 else 0
    c["decl"][missing] = base + np.arange(missing.sum())
    c = take(c, np.lexsort((c["item"], c["decl"], c["t"])))
    n = n0
    first = np.r_[True, c["decl"][1:] != c["decl"][:-1]] if n else np.zeros(0, bool)
    d_of_row = np.cumsum(first) - 1
    fi = np.flatnonzero(first)
    m = len(fi)
    rc_d = c["rc"][fi]
    t_d = c["t"][fi]
    # declaration ids, numbered per reporting country
    seq_d = np.zeros(m, dtype=np.int64)
    for cc in np.unique(rc_d):
        mask = rc_d == cc
        base = st.seq.get(cc, 0)
        seq_d[mask] = base + 1 + np.arange(mask.sum())
        st.seq[cc] = base + int(mask.sum())
    yy = (t_d.astype("datetime64[Y]").astype(int) + 1970) % 100
    ids_d = np.array([_ID_FMT.get(cc, "{yy}{n:09d}").format(yy=y, n=s) for cc, y, s in zip(rc_d, yy, seq_d)], dtype=object)
    # parties as written (one variant per declaration)
    cons_d, shp_d = c["cons"][fi], c["shp"][fi]
    cv = pick_variant(vt, cons_d, rng)[d_of_row]
    sv = pick_variant(vt, shp_d, rng)[d_of_row]
    proc_d, mode_d = c["proc"][fi], c["mode"][fi]
    # carriers and declarants
    parcel_d = np.isin(proc_d, ["express", "ecommerce", "postal"])
    carrier_d = np.empty(m, dtype=object)
    carrier_d[:] = np.array(SEA_CARRIERS, dtype=object)[rng.integers(0, len(SEA_CARRIERS), m)]
    air_i = rng.integers(0, len(AIR_CARRIERS), m)
    carrier_d[mode_d == "air"] = np.array(AIR_CARRIERS, dtype=object)[air_i[mode_d == "air"]]
    carrier_d[mode_d == "road"] = np.array(ROAD, dtype=object)[rng.integers(0, len(ROAD), m)[mode_d == "road"]]
    exp_i = rng.integers(0, len(EXPRESS), m)
    exp_mask = np.isin(proc_d, ["express", "ecommerce"])
    carrier_d[exp_mask] = np.array(EXPRESS, dtype=object)[exp_i[exp_mask]]
    post_mask = proc_d == "postal"
    carrier_d[post_mask] = [POSTAL.get(x, "Post") for x in rc_d[post_mask]]
    dec_d = w.broker_of[cons_d].copy()
    other = rng.random(m) < 0.15
    for cc in np.unique(rc_d):
        mask = (rc_d == cc) & other & ~parcel_d
        br = np.array(w.brokers[cc])
        dec_d[mask] = br[rng.integers(0, len(br), mask.sum())]
    pidx = np.flatnonzero(parcel_d)
    dec_d[pidx] = [w.couriers[(rc_d[i], carrier_d[i])] for i in pidx]
    dv = pick_variant(vt, dec_d, rng)[d_of_row]
    # transport documents and containers
    day = t_d.astype("datetime64[D]").astype(np.int64)
    doc_d = np.empty(m, dtype=object)
    cont_d = np.full(m, "", dtype=object)
    sea = (mode_d == "sea")
    scac_of = dict(zip(SEA_CARRIERS, SEA_SCAC))
    consol = sea & (rng.random(m) < 0.15) | parcel_d & ~post_mask
    key = pd.Series(day // np.where(parcel_d, 1, 3)).astype(str).values + c["pol"][fi] + c["pod"][fi] + \
        carrier_d.astype(str) + (rng.integers(0, 3, m) * parcel_d).astype(str)
    g = pd.factorize(key)[0]
    gnum = rng.integers(10 ** 7, 10 ** 8, g.max() + 1 if m else 1)[g]
    own = rng.integers(10 ** 7, 10 ** 8, m)
    num = np.where(consol, gnum, own)
    pre = np.array(AIR_PREFIX, dtype=object)[num % len(AIR_PREFIX)]
    for i in range(m):
        if sea[i]:
            doc_d[i] = f"{scac_of[carrier_d[i]]}{num[i]:08d}{(num[i] * 7) % 97:02d}"
        elif post_mask[i]:
            doc_d[i] = ""
        elif mode_d[i] == "road":
            doc_d[i] = f"TRK{rc_d[i]}{num[i]:08d}"
        else:
            doc_d[i] = f"{pre[i]}-{num[i]:08d}"
    sidx = np.flatnonzero(sea)
    if len(sidx):
        nbox = np.where(consol[sidx], 1, np.minimum(rng.geometric(0.55, len(sidx)), 4))
        owners = np.array([scac_of[x][:3] + "U" for x in carrier_d[sidx]], dtype=object)
        serial = np.where(consol[sidx], gnum[sidx] % 10 ** 6, rng.integers(0, 10 ** 6, len(sidx)))
        boxes = [_iso6346(owners, (serial + 7919 * j) % 10 ** 6) for j in range(4)]
        cont_d[sidx] = [";".join(b[i] for b in boxes[:k]) for i, k in enumerate(nbox)]
    # the units of planted chains (sample_data.chains) are given
    given = c["doc"][fi] != ""
    doc_d[given] = c["doc"][fi][given]
    given = c["cont"][fi] != ""
    cont_d[given] = c["cont"][fi][given]
    pref_d = _preference(c["pref"][fi], c["origin"][fi], rc_d, proc_d, rng)
    # values
    prod = c["prod"]
    qty = np.maximum(c["qty"], 1)
    vusd = np.where(np.isnan(c["vusd"]), c["unit_usd"] * qty, c["vusd"])
    rc = c["rc"]
    local = np.array([LOCAL_CURRENCY[x] for x in rc_d], dtype=object)
    usd_p = np.array([USD_SHARE.get(x, 0.3) for x in rc_d])
    dm = c["scheme"][fi] == "de_minimis_split"
    cur_d = np.where(rng.random(m) < np.where(dm, 0.1, usd_p), "USD", local).astype(object)
    cur = cur_d[d_of_row]
    cidx = np.array([currency_index(x) for x in cur], dtype=np.int64) if n else np.zeros(0, np.int64)
    val = vusd / usd_per_unit(cidx, c["t"])
    val = np.where(np.isin(cur, _ROUND0), np.round(val), np.round(val, 2))
    kg = np.array([p.kg for p in PRODUCTS])[prod]
    mass = np.maximum(np.round(qty * kg * rng.uniform(0.9, 1.15, n), 2), 0.01)
    # goods text
    hs = np.array([p.hs for p in PRODUCTS], dtype=object)[prod]
    u = rng.random(n)
    hs = np.where(u < 0.12, [f"{h[:4]}.{h[4:6]}.{h[6:]}" for h in hs],
                  np.where(u < 0.18, [h[:6] for h in hs], np.where(u < 0.26, hs + "00", hs))).astype(object)
    desc = np.array([PRODUCTS[i].descriptions[j % len(PRODUCTS[i].descriptions)]
                     for i, j in zip(prod, rng.integers(0, 6, n))], dtype=object)
    units = np.array([p.unit for p in PRODUCTS], dtype=object)[prod]
    # outcomes (declaration level)
    illicit_row = (c["scheme"] != "").astype(np.int8)
    illicit_d = np.maximum.reduceat(illicit_row, fi) if n else np.zeros(0, np.int8)
    hint_d = c["status"][fi]
    scheme_d = np.array([s for s in c["scheme"][fi]], dtype=object)
    inspected = (rng.random(m) < np.where(illicit_d == 1, prof.inspect_rate_illicit, prof.inspect_rate)) | (hint_d == "seized")
    ur = rng.random(m)
    result = np.where(illicit_d == 1, np.where(ur < 0.12, "compliant", np.where(ur < 0.55, "non_compliant", "seized")),
                      np.where(ur < 0.93, "compliant", "non_compliant")).astype(object)
    result[hint_d == "seized"] = "seized"
    off_i = rng.integers(0, 8, m)
    offence = np.array([("" if r_ == "compliant" else
                         OFFENCES[s][k % len(OFFENCES[s])] if s else LEGIT_OFFENCES[k % len(LEGIT_OFFENCES)])
                        for r_, s, k in zip(result, scheme_d, off_i)], dtype=object)
    decided = (t_d + rng.integers(1, 30, m).astype("timedelta64[D]")).astype("datetime64[D]").astype(str)
    status_d = np.where(hint_d != "", hint_d,
                        np.where(inspected & (result == "seized"), "seized",
                                 np.where(inspected & (result == "non_compliant") & (rng.random(m) < 0.3), "held",
                                          np.where(rng.random(m) < 0.005, "held", "cleared")))).astype(object)
    insp_col = np.where(inspected & (rng.random(m) < 0.5), result, np.where(rng.random(m) < 0.05, "none", "")).astype(object)
    # a transit port is never the port of loading itself
    tr = c["transit"]
    same = np.flatnonzero([bool(t_) and t_[:5] == p_ for t_, p_ in zip(tr, c["pol"])])
    for i in same:
        tr[i] = tr[i][6:]
    # dates as written
    tz = np.array([_TZ.get(x, "") for x in rc_d], dtype=object)
    when_d = np.datetime_as_string(t_d, unit="s").astype(object) + tz
    miss = lambda: rng.random(n) < prof.p_optional_missing
    blank = lambda a: np.where(miss(), "", a).astype(object)
    miss_d = lambda: (rng.random(m) < prof.p_optional_missing)[d_of_row]
    blank_d = lambda a: np.where(miss_d(), "", a).astype(object)
    F = vt.fields
    df = pd.DataFrame({
        "declaration_id": ids_d[d_of_row], "item_no": c["item"], "reporting_country": rc,
        "declared_at": when_d[d_of_row], "flow": np.where((rng.random(m) < 0.1)[d_of_row], "", "import").astype(object),
        "procedure": c["proc"], "transport_mode": blank_d(c["mode"]),
        "consignor_id": F[0][sv], "consignor_name": F[1][sv], "consignor_address": F[2][sv],
        "consignor_country": F[3][sv], "consignor_phone": F[4][sv], "consignor_email": F[5][sv],
        "consignee_id": F[0][cv], "consignee_name": F[1][cv], "consignee_address": F[2][cv],
        "consignee_country": F[3][cv], "consignee_phone": F[4][cv], "consignee_email": F[5][cv],
        "declarant_id": F[0][dv], "declarant_name": F[1][dv], "carrier": blank_d(carrier_d[d_of_row]),
        "transport_document": blank_d(doc_d[d_of_row]), "previous_document": c["prev"],
        "container_ids": blank_d(cont_d[d_of_row]), "preference": blank_d(pref_d[d_of_row]),
        "hs_code": hs, "goods_description": np.where(c["brand"] != "", c["brand"] + " " + desc, desc),
        "brand": c["brand"], "origin_country": c["origin"], "export_country": blank_d(c["export"]),
        "port_of_loading": c["pol"], "transit_ports": c["transit"], "port_of_discharge": c["pod"],
        "quantity": qty.astype(np.int64), "quantity_unit": blank(units),
        "gross_mass_kg": np.where(miss(), np.nan, mass), "customs_value": val, "currency": cur,
        "incoterms": blank_d(np.array(("FOB", "CIF", "EXW", "DAP", "CFR"), dtype=object)[rng.integers(0, 5, m)][d_of_row]),
        "inspection_result": insp_col[d_of_row], "status": blank_d(status_d[d_of_row]),
    }, columns=list(DECL_COLUMNS))
    P = w.parties
    tp = np.array([p.tpid for p in P], dtype=object)
    truth = pd.DataFrame({
        "declaration_id": ids_d[d_of_row], "reporting_country": rc, "item_no": c["item"],
        "consignee_true_id": tp[c["cons"]], "consignor_true_id": tp[c["shp"]], "illicit": illicit_row,
        "scheme": c["scheme"], "laundering_route": c["laund"], "declarant_true_id": tp[dec_d][d_of_row],
        "chain_id": c["chain"], "chain_kind": c["ckind"], "chain_leg": c["leg"]})
    oi = np.flatnonzero(inspected)
    outcomes = pd.DataFrame({"declaration_id": ids_d[oi], "reporting_country": rc_d[oi], "result": result[oi],
                             "offence": offence[oi], "decided_at": decided[oi]}, columns=list(OUTCOME_COLUMNS))
    bad, malformed = corrupt(df, rng, prof.malformed_rate, st.rows_written, allow_bytes)
    ok = ~bad
    rci = np.array([w.countries.index(x) for x in rc], dtype=np.int64) if n else np.zeros(0, np.int64)
    V = len(vt.owner)
    codes = np.unique(np.concatenate([rci[ok] * V + cv[ok], rci[ok] * V + sv[ok], rci[ok] * V + dv[ok]]))
    st.rows_written += n
    extra = [line - 2 - (st.rows_written - n) for line, why in malformed if why == EXTRA_REASON]
    return Rendered(df, truth, outcomes, codes, malformed, extra)


EXTRA_REASON = "more fields than the header"
BAD_DATES = ("2025-13-45", "31/02/2025", "not a date", "2024-02-30T25:61:00", "20240x15")
BAD_LOCODES = ("CN-SHA", "SHANGHAI", "CNSH", "12345", "TH LCH1")


def corrupt(df: pd.DataFrame, rng: np.random.Generator, rate: float, offset: int,
            allow_bytes: bool) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Plant malformed rows in place. Returns (row mask, [(physical line, reason)])."""
    n = len(df)
    k = int(rng.binomial(n, rate)) if n else 0
    kinds = ["bad_date", "negative_value", "hs_letters", "hs_short", "bad_country", "bad_locode",
             "missing_consignee", "negative_quantity"] + (["extra_fields", "non_utf8"] if allow_bytes else [])
    forced = 2 * len(kinds) if offset == 0 and n >= 1000 else 0   # every kind at least twice per file
    k = max(k, forced)
    rows = rng.permutation(rng.choice(n, size=min(k, n), replace=False)) if k else np.zeros(0, int)
    out: list[tuple[int, str]] = []
    bad = np.zeros(n, dtype=bool)
    for j, i in enumerate(rows):
        kind = kinds[j % len(kinds)] if j < forced else kinds[rng.integers(8)]  # bytes-level kinds: forced only
        col = df.columns.get_loc
        if kind == "bad_date":
            df.iat[i, col("declared_at")] = BAD_DATES[rng.integers(len(BAD_DATES))]
            reason = "unparseable declared_at"
        elif kind == "negative_value":
            df.iat[i, col("customs_value")] = -abs(float(df.iat[i, col("customs_value")]) or 1.0)
            reason = "negative customs_value"
        elif kind == "negative_quantity":
            df.iat[i, col("quantity")] = -abs(int(df.iat[i, col("quantity")]))
            reason = "negative quantity"
        elif kind == "hs_letters":
            h = str(df.iat[i, col("hs_code")])
            df.iat[i, col("hs_code")] = h[:2] + "A" + h[3:]
            reason = "hs_code contains letters"
        elif kind == "hs_short":
            df.iat[i, col("hs_code")] = str(df.iat[i, col("hs_code")]).replace(".", "")[:4]
            reason = "hs_code has 4 digits"
        elif kind == "bad_country":
            df.iat[i, col("origin_country")] = ("XX", "ZZZ")[j % 2]
            reason = "origin_country is not ISO 3166-1 alpha-2"
        elif kind == "bad_locode":
            df.iat[i, col("port_of_loading")] = BAD_LOCODES[rng.integers(len(BAD_LOCODES))]
            reason = "port_of_loading is not a UN/LOCODE"
        elif kind == "missing_consignee":
            df.iat[i, col("consignee_id")] = ""
            df.iat[i, col("consignee_name")] = ""
            reason = "consignee has neither name nor id"
        elif kind == "extra_fields":   # the writer appends the extra field
            reason = EXTRA_REASON
        else:
            name = str(df.iat[i, col("consignee_name")]) or "Cafe"
            pos = max(name.find("e"), 0)
            df.iat[i, col("consignee_name")] = name[:pos] + "\x02" + name[pos + 1:]
            reason = "invalid UTF-8 byte (latin-1 e-acute)"
        bad[i] = True
        out.append((offset + int(i) + 2, reason))
    out.sort()
    return bad, out
