"""Entity resolution on small hand-made mention frames where the right answer is known."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from ingest import normalize as nz
from ingest.resolve import Resolution, ResolveConfig, resolve


def mention(scope: str, name: str = "", *, raw_id: str = "", address: str = "",
            country: str = "", phone: str = "", email: str = "", tax_id: str = "",
            registered_at: str = "", aeo_tier: str = "") -> dict:
    """One row of the ``mentions`` frame, normalised with ``ingest.normalize``'s functions."""
    region = country or (scope if scope != "registry" else "")
    return {
        "mention_key": nz.mention_key(scope, raw_id, name, address, country, phone, email),
        "scope": scope, "role_hint": "consignee", "raw_id": raw_id, "raw_name": name,
        "raw_address": address, "raw_country": country, "raw_phone": phone, "raw_email": email,
        "tax_id": nz.normalize_tax_id(tax_id), "registered_at": registered_at,
        "aeo_tier": aeo_tier, "name_fp": nz.name_fingerprint(name),
        "name_norm": nz.normalize_name(name), "phone": nz.normalize_phone(phone, region),
        "email": nz.normalize_email(email), "address_norm": nz.normalize_address(address),
        "country": country,
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def party_of(res: Resolution, row: dict) -> str:
    a = res.assignments
    return a.loc[a["mention_key"] == row["mention_key"], "party_id"].item()


def stored(mentions: pd.DataFrame, res: Resolution) -> pd.DataFrame:
    """The mentions as the store would hand them back: with their party id."""
    return mentions.merge(res.assignments[["mention_key", "party_id"]], on="mention_key")


DRAGON = [
    mention("registry", "Siam Golden Dragon Trading Co., Ltd.", raw_id="C0042",
            address="12 Sukhumvit Rd, Bangkok", country="TH", phone="+66 2 123 4567",
            email="info@sgdragon.co.th", tax_id="0105551234567", registered_at="2016-03-01",
            aeo_tier="2"),
    mention("TH", "SIAM GOLDEN DRAGON TRADING CO LTD", raw_id="C0042",
            address="12 Sukhumvit Road Bangkok", country="TH", phone="02 123 4567"),
    mention("MY", "Siam Golden Dragon Trading Company Limited", country="TH",
            phone="+66 2 123 4567"),
    mention("SG", "Siam Golden Dragn Trading Co Ltd", country="TH", email="INFO@sgdragon.co.th"),
    mention("VN", "Siam Golden Dragon Trading", address="12 Sukhumvit Rd, Bangkok", country="TH"),
]


def test_five_spellings_of_one_consignee_across_countries_merge_with_named_evidence():
    res = resolve(frame(*DRAGON))
    assert res.assignments["party_id"].nunique() == 1
    party = res.parties.iloc[0]
    assert party["mention_count"] == 5
    assert party["display_name"] == "Siam Golden Dragon Trading Company Limited"  # longest of ties
    assert "registry:C0042" in party["aliases"] and "TH:C0042" in party["aliases"]
    assert party["aeo_tier"] == "2" and party["registered_at"] == pd.Timestamp("2016-03-01")
    assert len(res.evidence) == 4  # a spanning tree: every merge edge, none redundant
    fields = " ".join(res.evidence["fields"])
    for field in ("raw_id=", "phone=+6621234567", "email=info@sgdragon.co.th",
                  "address_norm=", "name"):
        assert field in fields
    assert set(res.evidence["rule"]) <= {"same_id", "name+phone", "name+email", "name+address"}
    assert "singleton" not in set(res.assignments["rule"])


def test_two_companies_sharing_only_a_registered_agent_address_stay_apart():
    agent = "Level 9, 1 Raffles Place, Singapore"
    res = resolve(frame(mention("TH", "Alpha Pacific Holdings Pte Ltd", address=agent, country="SG"),
                        mention("TH", "Zenith Marine Supplies Pte Ltd", address=agent, country="SG")))
    assert res.assignments["party_id"].nunique() == 2
    assert res.evidence.empty
    address = res.party_identifiers[res.party_identifiers["ident_key"].str.startswith("address:")]
    assert address["party_id"].nunique() == 2 and address["ident_key"].nunique() == 1


def test_shell_ring_of_four_names_sharing_one_phone_stays_four_parties_linked_by_the_phone():
    names = [
        "Bright Star Import Sdn Bhd", "Lucky Moon Export Sdn Bhd", "Golden Lotus Traders",
        "Silver River Enterprise",
    ]
    ring = [mention("MY", n, country="MY", phone="03-5555 1111") for n in names]
    res = resolve(frame(*ring))
    assert res.assignments["party_id"].nunique() == 4
    assert set(res.assignments["rule"]) == {"singleton"}
    phones = res.identifiers[res.identifiers["kind"] == "phone"]
    assert phones["ident_key"].tolist() == ["phone:+60355551111"]
    linked = res.party_identifiers[res.party_identifiers["ident_key"] == "phone:+60355551111"]
    assert linked["party_id"].nunique() == 4


def test_similar_names_with_different_phones_stay_apart_but_merge_without_conflict():
    abc = mention("TH", "ABC Trading Co., Ltd.", country="TH", phone="+66 2 999 0000")
    abd = mention("TH", "ABD Trading Co., Ltd.", country="TH", phone="+66 2 999 1111")
    assert resolve(frame(abc, abd)).assignments["party_id"].nunique() == 2
    typo_a = mention("TH", "Chaiyaporn Rubber Products Co Ltd", country="TH")
    typo_b = mention("MY", "Chaiyaporn Rubber Product Co., Ltd.", country="TH")
    res = resolve(frame(typo_a, typo_b))
    assert res.assignments["party_id"].nunique() == 1
    assert res.evidence["rule"].tolist() == ["fuzzy_name+country"]


def test_same_id_is_per_administration_and_a_registry_id_needs_a_compatible_name():
    th = mention("TH", "Kanchana Foods", raw_id="100234", country="TH")
    th_renamed = mention("TH", "KCN Holdings", raw_id="100234", country="TH")
    my = mention("MY", "Perdana Steel Works", raw_id="100234", country="MY")
    reg_good = mention("registry", "Perdana Steel Works Sdn Bhd", raw_id="100234", country="MY")
    res = resolve(frame(th, th_renamed, my, reg_good))
    assert party_of(res, th) == party_of(res, th_renamed)  # same id, same scope: any name
    assert party_of(res, my) == party_of(res, reg_good)  # registry id + compatible name
    assert party_of(res, th) != party_of(res, my)  # same id in two administrations


def test_a_chain_is_refused_when_it_would_join_two_tax_ids():
    a = mention("registry", "Mekong Star Logistics", raw_id="R1", country="VN", tax_id="0301111111")
    b = mention("registry", "Mekong Star Logistic", raw_id="R2", country="VN", tax_id="0302222222")
    bridge = mention("VN", "Mekong Star Logistics", country="VN", phone="+84 28 3822 1111")
    b2 = mention("VN", "Mekong Star Logistic", country="VN", phone="+84 28 3822 1111")
    res = resolve(frame(a, b, bridge, b2))
    assert party_of(res, a) != party_of(res, b)
    assert not res.rejected.empty
    assert set(res.rejected["conflict"]) <= {"tax_id", "raw_id"}


def test_party_ids_are_deterministic_and_do_not_depend_on_row_order():
    rows = frame(*DRAGON, mention("TH", "Zenith Marine Supplies", country="SG"))
    first = resolve(rows).assignments.sort_values("mention_key").reset_index(drop=True)
    again = resolve(rows.iloc[::-1]).assignments.sort_values("mention_key").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, again)
    assert first["party_id"].str.fullmatch(r"P[0-9a-f]{12}").all()


def test_incremental_new_mention_joins_an_existing_party_and_keeps_its_id():
    before = frame(*DRAGON[:3])
    first = resolve(before)
    (pid,) = first.assignments["party_id"].unique()
    new = frame(DRAGON[3], mention("PH", "Manila Bay Freight Inc", country="PH"))
    res = resolve(new, existing=stored(before, first))
    assert party_of(res, DRAGON[3]) == pid
    assert set(res.assignments["mention_key"]) == set(new["mention_key"])  # nothing re-pointed
    assert res.merged_into.empty
    assert res.parties.set_index("party_id").loc[pid, "mention_count"] == 4


def test_incremental_evidence_joining_two_existing_parties_reports_merged_into():
    left = mention("TH", "Andaman Seafood Export Co Ltd", country="TH", phone="+66 76 211 111")
    right = mention("MY", "Andaman Seafood Export Co Ltd", country="TH", email="sales@andaman.co.th")
    before = frame(left, right)
    first = resolve(before, config=ResolveConfig(fuzzy_threshold=101))  # keep them apart
    old = stored(before, first)
    assert old["party_id"].nunique() == 2
    bridge = mention("SG", "Andaman Seafood Export", country="TH", phone="+66 76 211 111",
                     email="sales@andaman.co.th")
    res = resolve(frame(bridge), existing=old, config=ResolveConfig(fuzzy_threshold=101))
    survivor, absorbed = sorted(old["party_id"])
    assert res.merged_into.to_dict("records") == [{"old_party_id": absorbed, "party_id": survivor}]
    assert party_of(res, bridge) == survivor
    repointed = res.assignments[res.assignments["mention_key"] != bridge["mention_key"]]
    assert repointed["party_id"].tolist() == [survivor]
    assert res.parties["party_id"].tolist() == [survivor]


WORDS = [
    "amber", "azure", "birch", "cedar", "coral", "delta", "ebony", "falcon", "garnet",
    "harbor", "indigo", "jasper", "kestrel", "lotus", "maple", "nimbus", "onyx", "pearl",
    "quartz", "raven", "sable", "tiger", "ultra", "violet", "willow", "zephyr",
]


def test_a_giant_address_block_is_compared_by_name_without_blowing_up():
    agent = "Unit 3A, 88 Market Street, Singapore"
    others = [
        "apparel", "bearings", "cables", "dyes", "engines", "fabrics", "glass", "hardware",
        "inks", "jute", "kilns", "lamps", "metals", "nets", "oils", "paper", "resins", "salt",
        "tiles", "valves", "wires", "yarn",
    ]
    names = [f"{a} {b} {c} Holdings" for i, a in enumerate(WORDS) for b in WORDS[i + 1:]
             for c in others][:3000]
    rows = [mention("SG", n, address=agent, country="SG", phone=f"+65 6{i:07d}")
            for i, n in enumerate(names)]
    rows.append(mention("MY", names[1] + " Pte Ltd", address=agent, country="SG"))
    config = ResolveConfig(block_cap=50, cdist_cap=2000)
    started = time.perf_counter()
    res = resolve(frame(*rows), config=config)
    assert time.perf_counter() - started < 30
    assert res.stats["address"]["split_blocks"] == 1  # 3001 > cdist_cap: split on name tokens
    assert res.stats["candidates"]["pairs"] < 3001 * 3000 // 20
    assert res.assignments["party_id"].nunique() == 3000
    assert party_of(res, rows[1]) == party_of(res, rows[-1])
    assert res.evidence["rule"].tolist() == ["name+address"]


@pytest.mark.parametrize(("first", "second", "same"), [
    # the same company written differently
    ("Siam Golden Dragon Trading Co., Ltd.", "SIAM GOLDEN DRAGON TRADING COMPANY LIMITED", True),
    ("Matsuda Industries Co., Ltd.", "Matsuda nIdustries Co., Ltd.", True),  # swapped letters
    ("Qingdao Bohua Industrial Co., Ltd.", "Qingdao ohua Industrial Co., Ltd.", True),  # moves in sort
    ("Yamato Shoji Co., Ltd.", "Yamato Shoji oC., Ltd.", True),  # slip in the legal form
    ("Shenzhen Ruishun Import & Export Co., Ltd.", "Shenzhen Ruishun Import & Expot Co., Ltd.", True),
    ("Hangzhou Chuangda Industry Co., Ltd.", "Hangzhou Chuangd aIndustry Co., Ltd.", True),  # space
    ("Wong Hup Sinar Distribution Sdn. Bhd.", "Wong Hup Sinar Distribution S/B", True),
    # other companies
    ("Offshore Vehicle 12 Holdings", "Offshore Vehicle 13 Holdings", False),  # numbers
    ("Maju Jaya Trading Sdn. Bhd.", "Maju Jaya Logistics Sdn. Bhd.", False),  # another word
    ("GZG Trading Co., Ltd.", "GXG Trading Co., Ltd.", False),  # another acronym
    ("Fat Fung Industrial Limited", "Fung Fat Industrial Limited", False),  # word order
    ("Ratchada Solutions Co., Ltd.", "Ratchada Solutions Public Company Limited", False),
    ("Cong ty TNHH Duoc pham Viet Hung", "Cong ty Co phan Duoc pham Viet Hung", False),
    ("Al Noor FZE", "Al Noor FZCO", False),  # legal forms
])
def test_names_sharing_an_address_merge_only_when_they_are_one_name(first, second, same):
    address = "Unit 3A, 88 Market Street, Singapore"
    a, b = (mention(scope, name, address=address, country="SG")
            for scope, name in (("SG", first), ("MY", second)))
    res = resolve(frame(a, b))
    assert (party_of(res, a) == party_of(res, b)) is same
    if same:
        assert res.evidence["rule"].iloc[0] in {"name+address", "fuzzy_name+country"}


def test_a_persons_name_merges_on_a_shared_phone_never_on_the_name_alone():
    one = mention("SG", "Tan Wei Jie", country="SG", phone="+65 9123 4567")
    same = mention("SG", "TAN WEI JIE", country="SG", phone="+65 9123 4567")
    other = mention("SG", "Tan Wei Jie", country="SG")
    res = resolve(frame(one, same, other))
    assert party_of(res, one) == party_of(res, same) != party_of(res, other)


def test_a_registry_id_in_a_declaration_with_another_name_does_not_reach_the_registry():
    registry = mention("registry", "Perdana Steel Works Sdn Bhd", raw_id="100234", country="MY")
    other = mention("TH", "Kanchana Foods Co., Ltd.", raw_id="100234", country="TH")
    res = resolve(frame(registry, other))
    assert party_of(res, registry) != party_of(res, other)


def test_parties_show_the_most_frequent_name_every_alias_and_the_registry_facts():
    rows = frame(
        mention("registry", "Andaman Seafood Export Co., Ltd.", raw_id="0105551", country="TH",
                registered_at="2016-03-01", aeo_tier="1"),
        mention("TH", "Andaman Seafood Export Co., Ltd.", raw_id="0105551", country="TH"),
        mention("TH", "ANDAMAN SEAFOOD EXPORT CO LTD", raw_id="0105551", country="TH",
                phone="+66 76 211 111"),
    ).assign(count=[1, 5, 2])
    party = resolve(rows).parties.iloc[0]
    assert party["display_name"] == "Andaman Seafood Export Co., Ltd."
    assert party["aliases"] == ("ANDAMAN SEAFOOD EXPORT CO LTD|Andaman Seafood Export Co., Ltd."
                                "|TH:0105551|registry:0105551")
    assert (party["country"], party["aeo_tier"], party["mention_count"]) == ("TH", "1", 3)
    assert party["registered_at"] == pd.Timestamp("2016-03-01")


def test_no_new_mentions_give_empty_frames_with_their_columns():
    res = resolve(frame(DRAGON[0]).iloc[:0])
    assert res.assignments.empty and res.parties.empty and res.merged_into.empty
    assert list(res.assignments.columns) == ["mention_key", "party_id", "rule", "score"]
    assert "display_name" in res.parties.columns


def test_a_frame_without_mention_keys_fails_with_a_clear_message():
    with pytest.raises(ValueError, match="mention_key"):
        resolve(pd.DataFrame({"raw_name": ["x"]}))


def test_a_name_memo_gives_the_same_resolution_and_a_stale_one_is_ignored(tmp_path):
    import dataclasses

    import numpy as np

    from ingest.resolve_prepare import NameMemo, prepare

    path = tmp_path / "cache" / "names.parquet"
    config = ResolveConfig(name_cache=str(path))
    before = frame(*DRAGON[:3], mention("TH", "Bangkok Mercantile 57 Co., Ltd.", country="TH"))
    first = resolve(before, config=config)
    assert path.is_file()
    new = frame(DRAGON[3], DRAGON[4], mention("PH", "Manila Bay Freight Inc", country="PH"))
    plain = resolve(new, existing=stored(before, first))
    memoised = resolve(new, existing=stored(before, first), config=config)
    pd.testing.assert_frame_equal(plain.assignments, memoised.assignments)
    pd.testing.assert_frame_equal(plain.parties, memoised.parties)
    # every array the matcher works on is the same, from an empty memo and from a warm one
    warm = NameMemo(path)
    assert warm.tables["core"] and warm.added == 0
    a, b = prepare(new, stored(before, first)), prepare(new, stored(before, first), warm)
    assert warm.added == 0  # all known from the runs before
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.equals(y) if f.name == "frame" else (x is None and y is None) or np.array_equal(x, y), f.name
    # a memo written by other name code, or an unreadable file, is not used
    import pyarrow.parquet as pq

    data = pq.read_table(path)
    pq.write_table(data.replace_schema_metadata({"code": "other"}), path)
    assert NameMemo(path).tables == {}
    path.write_bytes(b"not parquet")
    assert NameMemo(path).tables == {}
    assert resolve(new, existing=stored(before, first), config=config).assignments.equals(plain.assignments)
