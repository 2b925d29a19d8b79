"""ingest.normalize: canonical frames, mentions, names, phones, addresses, routes, money."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.normalize import (
    DECLARATION_COLUMNS,
    HUB_COLUMNS,
    MENTION_COLUMNS,
    OUTCOME_COLUMNS,
    RATE_COLUMNS,
    TIP_COLUMNS,
    Context,
    load_reference,
    mention_key,
    name_fingerprint,
    normalize,
    normalize_address,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_phones,
    normalize_tax_id,
    route_id,
    route_string,
    tip_weight,
    to_usd,
)
from ingest.readers import read_file
from ingest.validate import validate

HUBS = """locode,name,country,lat,lon,kind,ftz
CNSHA,Shanghai,CN,31.2,121.5,seaport,false
MYPKG,Port Klang,MY,3.0,101.4,seaport,true
THLCH,Laem Chabang,TH,13.08,100.88,seaport,false
AEJEA,Jebel Ali,AE,25.0,55.06,ftz,
"""
RATES = """currency,date,usd_per_unit
THB,2024-01-01,0.028
THB,2024-06-01,0.027
MYR,2024-01-01,0.21
"""


@pytest.fixture()
def ctx(tmp_path) -> Context:
    (tmp_path / "hubs.csv").write_text(HUBS, encoding="utf-8")
    (tmp_path / "rates.csv").write_text(RATES, encoding="utf-8")
    return load_reference(tmp_path, as_of="2024-07-01")


def _load(tmp_path: Path, kind: str, text: str, ctx: Context) -> dict[str, pd.DataFrame]:
    p = tmp_path / f"{kind}_in.csv"
    p.write_text(text, encoding="utf-8")
    good, bad = validate(read_file(p, kind), kind)
    assert len(bad) == 0, bad["reason"].tolist()
    return normalize(kind, good, ctx)


# --------------------------------------------------------------------------------------------
# value normalisers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("ABC Trading Co., Ltd.", "A.B.C. TRADING COMPANY LIMITED"),
    ("Công ty TNHH ABC", "CTY TNHH ABC"),
    ("Công ty TNHH ABC", "Cong Ty Trach Nhiem Huu Han ABC"),
    ("PT Maju Jaya", "P.T. Maju Jaya"),
    ("PT Maju Jaya", "Perseroan Terbatas Maju Jaya"),
    ("Golden Pte. Ltd.", "Golden Private Limited"),
    ("Sinar Abadi Sdn Bhd", "Sinar Abadi Sendirian Berhad"),
    ("Thai Foo PCL", "Thai Foo Public Company Limited"),
    ("CV Sinar", "Commanditaire Vennootschap Sinar"),
])
def test_same_fingerprint(a, b):
    assert name_fingerprint(a) == name_fingerprint(b) != ""


def test_fingerprint_examples():
    assert name_fingerprint("ABC Trading Co., Ltd.") == "abc co ltd trading"
    assert name_fingerprint("Công ty TNHH ABC") == "abc cty tnhh"
    fp = name_fingerprint("\u0e1a\u0e23\u0e34\u0e29\u0e31\u0e17 \u0e40\u0e2d\u0e1a\u0e35\u0e0b\u0e35 \u0e08\u0e33\u0e01\u0e31\u0e14")
    assert "co" in fp.split() and "ltd" in fp.split()       # Thai company ... limited
    assert name_fingerprint("") == "" and name_fingerprint(None) == ""


def test_normalize_name():
    assert normalize_name("A.B.C.  Trading, Co.") == "a b c trading co"
    assert normalize_name("Công ty TNHH") == "cong ty tnhh"


@pytest.mark.parametrize("raw", ["+66 2 123 4567", "021234567", "(02) 123-4567", "02-123-4567",
                                 "0066 2 123 4567", "tel. 02 123 4567"])
def test_phone_thailand(raw):
    assert normalize_phone(raw, "TH") == "+6621234567"


def test_phone_edge_cases():
    assert normalize_phone("+84 28 3823 4567", "TH") == "+842838234567"   # own country code wins
    assert normalize_phone("081 234 5678", "TH") == "+66812345678"
    assert normalize_phone("021234567", None) == ""          # no region, no country code
    assert normalize_phone("123", "TH") == ""
    assert normalize_phone("", "TH") == "" and normalize_phone(None) == ""


def test_phone_column_matches_the_library_one_by_one():
    rng = random.Random(7)
    raws, regions = [], []
    for _ in range(4000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(2, 13)))
        text = rng.choice(["", "+", "0", "00", "+66 ", "+84", "(0", "+44 (0)", "+1 "]) + digits
        text = "".join(c + (rng.choice([" ", "-", ".", ")", "", "/"]) if rng.random() < 0.2 else "")
                       for c in text)
        raws.append(text)
        regions.append(rng.choice(["TH", "VN", "MY", "SG", "ID", "PH", "CN", "GB", "US", "IT", ""]))
    fast = normalize_phones(pd.Series(raws), pd.Series(regions)).tolist()
    slow = [normalize_phone(r, g or None) for r, g in zip(raws, regions)]
    assert fast == slow


def test_email_and_tax_id():
    assert normalize_email(" mailto:Info@Example.COM ") == "info@example.com"
    assert normalize_email("not-an-email") == ""
    assert normalize_email("a@b.co; c@d.com") == "a@b.co"
    assert normalize_tax_id("th 0105-551 234 567") == "TH0105551234567"


@pytest.mark.parametrize("raw, expected", [
    ("12/3 Soi 5, Sukhumvit Rd.", "12 3 soi 5 sukhumvit road"),
    ("No. 12, Jln Ampang", "number 12 jalan ampang"),
    ("Unit 5, 3rd Fl., ABC Bldg, 1 Main St", "unit 5 3rd floor abc building 1 main street"),
    ("Tầng 5, Số 12 Đường Lê Lợi", "tang 5 so 12 duong le loi"),
    ("", ""),
])
def test_address(raw, expected):
    assert normalize_address(raw) == expected
    assert normalize_address(raw.upper()) == expected


def test_route_string_and_id():
    ftz = {"MYPKG"}
    assert route_string("CN", "CNSHA", "MYPKG", "THLCH", ftz) == "CN>CNSHA>MYPKG(ftz)>THLCH"
    assert route_string("CN", "CNSHA", ["SGSIN", "MYPKG"], None, ftz) == "CN>CNSHA>SGSIN>MYPKG(ftz)>?"
    assert route_string("CN", None, None, "THLCH") == "CN>?>THLCH"
    rid = route_id("CN>CNSHA>MYPKG(ftz)>THLCH")
    assert rid.startswith("R") and len(rid) == 11 and rid == route_id("CN>CNSHA>MYPKG(ftz)>THLCH")


def test_mention_key_is_stable():
    k = mention_key("TH", "C1", "ACME", "", "TH", "", "")
    assert len(k) == 16 and k == mention_key("TH", "C1", "ACME", None, "TH", None, None)
    assert k != mention_key("MY", "C1", "ACME", "", "TH", "", "")


def test_tip_weights():
    assert tip_weight("A", "1") == 1.0
    assert tip_weight("F", "6") == pytest.approx(0.1225)
    assert tip_weight("E", "5") < tip_weight("F", "6") < tip_weight("C", "3")
    assert tip_weight("A", "1", expired=True) == 0.0


def test_to_usd_nearest_earlier_rate():
    rates = pd.DataFrame({"currency": ["THB", "THB"], "date": pd.to_datetime(["2024-01-01", "2024-06-01"]),
                          "usd_per_unit": [0.03, 0.02]})
    values = pd.Series([100.0, 100.0, 100.0, 100.0, 50.0, np.nan])
    cur = pd.Series(["THB", "THB", "THB", "XXX", "USD", "THB"])
    when = pd.Series(pd.to_datetime(["2024-05-31 23:00", "2024-06-01 08:00", "2023-06-01 00:00",
                                     "2024-06-01 00:00", "2024-06-01 00:00", "2024-06-01 00:00"]))
    out = to_usd(values, cur, when, rates).tolist()
    assert out[:3] == pytest.approx([3.0, 2.0, 3.0])           # before the first rate: first
    assert np.isnan(out[3]) and out[4] == 50.0 and np.isnan(out[5])


# --------------------------------------------------------------------------------------------
# frames
# --------------------------------------------------------------------------------------------

DECLS = """declaration_id,item_no,reporting_country,declared_at,hs_code,origin_country,consignee_name,consignee_id,consignee_phone,consignee_country,consignor_name,customs_value,currency,port_of_loading,transit_ports,port_of_discharge,declarant_name,Vessel
D1,1,TH,2024-03-05,8507.60,CN,"ABC Trading Co., Ltd.",,(02) 123-4567,,Shenzhen X Co,1000,THB,CNSHA,MYPKG,THLCH,Broker A,EVER GIVEN
D1,2,TH,2024-07-05T10:00:00+07:00,850760,CN,"A.B.C. TRADING COMPANY LIMITED",,021234567,TH,,1000,THB,CNSHA,,XXABC,,
D3,,MY,2023-12-05,6404110000,VN,,C9,,,"ABC Trading Co., Ltd.",500,GBP,,SGSIN;MYPKG,,,
D3,,MY,2023-12-05,6404110000,VN,,C9,,,"ABC Trading Co., Ltd.",600,MYR,,SGSIN;MYPKG,,,
"""


def test_declarations_frame(tmp_path, ctx):
    out = _load(tmp_path, "declarations", DECLS, ctx)
    d = out["declarations"]
    assert list(d.columns) == DECLARATION_COLUMNS
    assert d["decl_key"].tolist() == ["TH|D1|1", "TH|D1|2", "MY|D3|1"]   # re-keyed: last wins
    assert d.attrs["duplicates_dropped"] == 1
    assert d["hs6"].tolist() == ["850760", "850760", "640411"]
    assert d["hs_chapter"].tolist() == ["85", "85", "64"]
    assert d["declared_at"].iloc[1] == pd.Timestamp("2024-07-05 03:00")
    assert d["value_usd"].tolist() == pytest.approx([28.0, 27.0, 126.0])
    assert d["route"].tolist() == ["CN>CNSHA>MYPKG(ftz)>THLCH", "CN>CNSHA>XXABC",
                                   "VN>?>SGSIN>MYPKG(ftz)>?"]
    assert d["route_id"].iloc[0] == route_id("CN>CNSHA>MYPKG(ftz)>THLCH")
    assert d["extra"].iloc[0] == '{"vessel":"EVER GIVEN"}' and d["extra"].iloc[1] == "{}"
    assert d["line"].tolist() == [2, 3, 5]
    assert pd.isna(d["consignor_mention"].iloc[1]) and pd.isna(d["declarant_mention"].iloc[2])

    m = out["mentions"]
    assert list(m.columns) == MENTION_COLUMNS
    assert set(d["consignee_mention"].dropna()) | set(d["consignor_mention"].dropna()) | \
        set(d["declarant_mention"].dropna()) == set(m["mention_key"])
    c1 = m.set_index("mention_key").loc[d["consignee_mention"].iloc[0]]
    c2 = m.set_index("mention_key").loc[d["consignee_mention"].iloc[1]]
    assert c1["name_fp"] == c2["name_fp"] == "abc co ltd trading"
    assert c1["phone"] == c2["phone"] == "+6621234567"
    assert c1["scope"] == "TH" and c1["role_hint"] == "consignee"
    assert c1["raw_name"] == "ABC Trading Co., Ltd."
    assert m["mention_key"].is_unique
    assert (m.drop(columns="registered_at").isna().sum() == 0).all()   # '' not NaN
    expected_key = mention_key("TH", "", "ABC Trading Co., Ltd.", "", "", "(02) 123-4567", "")
    assert d["consignee_mention"].iloc[0] == expected_key

    hubs = out["unknown_hubs"]
    assert list(hubs.columns) == HUB_COLUMNS
    assert hubs["locode"].tolist() == ["SGSIN", "XXABC"]
    assert not hubs["known"].any() and hubs["lat"].isna().all()


def test_role_hint_joins_roles(tmp_path, ctx):
    text = ("declaration_id,reporting_country,declared_at,hs_code,origin_country,consignee_name,consignor_name\n"
            "D1,TH,2024-03-05,850760,CN,ACME,Other\n"
            "D2,TH,2024-03-05,850760,CN,Other,Third\n")
    m = _load(tmp_path, "declarations", text, ctx)["mentions"]
    assert m.set_index("raw_name").loc["Other", "role_hint"] == "consignor|consignee"


def test_parties_to_registry_mentions(tmp_path, ctx):
    text = ("party_id,name,address,country,phone,email,tax_id,registered_at,aeo_tier\n"
            "P1,ABC Trading Co Ltd,12 Sukhumvit Rd,TH,02 123 4567,Sales@ABC.co.th,0105-551,2020-01-02,2\n"
            "P2,Foo,,,+84 28 3823 4567,,,,\n")
    m = _load(tmp_path, "parties", text, ctx)["mentions"]
    assert list(m.columns) == MENTION_COLUMNS
    r = m.iloc[0]
    assert (r["scope"], r["role_hint"], r["raw_id"]) == ("registry", "registry", "P1")
    assert r["phone"] == "+6621234567" and r["email"] == "sales@abc.co.th"
    assert r["address_norm"] == "12 sukhumvit road" and r["tax_id"] == "0105551"
    assert r["registered_at"] == pd.Timestamp("2020-01-02") and r["aeo_tier"] == "2"
    assert m.iloc[1]["phone"] == "+842838234567" and pd.isna(m.iloc[1]["registered_at"])


def test_tips_frame(tmp_path, ctx):
    text = ("tip_id,submitted_by,submitted_at,brand,hs_codes,suspect_names,suspect_phones,suspect_emails,"
            "suspect_ports,origin_countries,source_reliability,info_credibility,tlp,valid_until\n"
            "T1,Brand X,2024-01-01,BX,8507;850760,ABC Trading Co Ltd;Foo PT,+66 2 123 4567;bad,"
            "A@X.com,th lch;SGSIN,CN,B,2,green,2024-12-31\n"
            "T2,Customs MY,2024-01-01,,,,021234567,,,,,,,2024-06-30\n")
    t = _load(tmp_path, "tips", text, ctx)["tips"]
    assert list(t.columns) == TIP_COLUMNS
    a, b = t.iloc[0], t.iloc[1]
    assert a["hs_codes"] == "8507;850760" and a["suspect_ports"] == "THLCH;SGSIN"
    assert a["suspect_phones"] == "+6621234567" and a["suspect_emails"] == "a@x.com"
    assert a["suspect_phones_raw"] == "+66 2 123 4567;bad"
    assert a["suspect_name_fps"] == "abc co ltd trading;foo pt"
    assert (a["tlp"], a["weight"], a["status"]) == ("GREEN", pytest.approx(0.64), "active")
    assert (b["source_reliability"], b["info_credibility"], b["tlp"]) == ("F", "6", "AMBER")
    assert (b["weight"], b["status"]) == (0.0, "expired")       # valid_until before as_of


def test_outcomes_hubs_rates(tmp_path, ctx):
    o = _load(tmp_path, "outcomes",
              "declaration_id,reporting_country,result,offence,decided_at,item_no\n"
              "D1,TH,seized,counterfeit,2024-04-01,\nD1,TH,seized,counterfeit,2024-04-02,\n"
              "D2,MY,compliant,,,3\n", ctx)["outcomes"]
    assert list(o.columns) == OUTCOME_COLUMNS
    assert o["decl_key"].tolist() == ["TH|D1|1", "MY|D2|3"]
    assert o["outcome_key"].tolist() == ["TH|D1|1|seized", "MY|D2|3|compliant"]
    assert o["decided_at"].iloc[0] == pd.Timestamp("2024-04-02")
    assert o["declaration_ref"].tolist() == ["TH|D1", "MY|D2"]

    h = ctx.hubs
    assert list(h.columns) == HUB_COLUMNS
    assert h.set_index("locode")["ftz"].to_dict() == {"CNSHA": False, "MYPKG": True,
                                                      "THLCH": False, "AEJEA": True}
    assert h["known"].all()
    r = ctx.rates
    assert list(r.columns) == RATE_COLUMNS and r["date"].dtype == "datetime64[ns]"


def test_shipped_reference_loads():
    c = load_reference()
    assert len(c.hubs) > 0 and len(c.rates) > 0 and not c.notes
