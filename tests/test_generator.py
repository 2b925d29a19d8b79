"""The synthetic world generator: determinism, shape, planted malformations, ground truth."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pycountry
import pytest

from sample_data import generate_world
from sample_data.profiles import PROFILES

REF = Path(__file__).resolve().parent.parent / "ingest" / "reference"
SCHEMES = {"shell_ring", "origin_laundering", "counterfeit", "de_minimis_split", "undervaluation"}
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
ISO2 = {c.alpha_2 for c in pycountry.countries}
N = 2500


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, declarations=N, seed=7, profile="default")
    return out


def _good_rows(world: Path) -> tuple[list[str], dict[int, list[str]]]:
    """Header and {physical line: fields} of the lines that decode as UTF-8."""
    lines = (world / "declarations.csv").read_bytes().split(b"\n")
    header = lines[0].decode().split(",")
    rows: dict[int, list[str]] = {}
    for no, raw in enumerate(lines[1:], start=2):
        if not raw:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        rows[no] = next(csv.reader(io.StringIO(text)))
    return header, rows


def test_files_present(world: Path) -> None:
    for name in ("declarations.csv", "parties.csv", "tips.csv", "outcomes.csv", "ground_truth/declarations.csv",
                 "ground_truth/parties.csv", "ground_truth/tips.csv", "ground_truth/mentions.csv",
                 "ground_truth/malformed.csv"):
        assert (world / name).is_file(), name
    parties = _read(world / "parties.csv")
    assert {"party_id", "registered_at", "aeo_tier"} <= set(parties.columns)
    assert parties.party_id.is_unique
    assert set(parties.aeo_tier) <= {"", "1", "2", "3"}


def test_deterministic(world: Path, tmp_path: Path) -> None:
    generate_world(tmp_path, declarations=N, seed=7, profile="default")
    for name in ("declarations.csv", "parties.csv", "tips.csv", "outcomes.csv", "ground_truth/mentions.csv",
                 "ground_truth/declarations.csv", "ground_truth/malformed.csv"):
        assert (tmp_path / name).read_bytes() == (world / name).read_bytes(), name


def test_seeds_differ(world: Path, tmp_path: Path) -> None:
    generate_world(tmp_path, declarations=N, seed=8, profile="default")
    a, b = _read(world / "ground_truth/parties.csv"), _read(tmp_path / "ground_truth/parties.csv")
    shells_a, shells_b = set(a[a.kind == "shell"].name), set(b[b.kind == "shell"].name)
    assert len(shells_a & shells_b) <= 0.3 * min(len(shells_a), len(shells_b))
    ra, rb = _read(world / "parties.csv"), _read(tmp_path / "parties.csv")
    assert len(set(ra.party_id) & set(rb.party_id)) < 0.02 * len(ra)
    assert (world / "declarations.csv").read_bytes() != (tmp_path / "declarations.csv").read_bytes()


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_profiles_plant_every_scheme(profile: str, tmp_path: Path) -> None:
    s = generate_world(tmp_path, declarations=N, seed=3, profile=profile)
    assert set(s["schemes"]) == SCHEMES
    gt = _read(tmp_path / "ground_truth/declarations.csv")
    share = (gt.illicit == "1").mean()
    assert 0.03 < share < 0.2
    assert set(gt[gt.laundering_route == "1"].scheme) == {"origin_laundering"}
    parties = _read(tmp_path / "ground_truth/parties.csv")
    rings = parties[parties.is_shell == "1"].groupby("ring_id").size()
    lo, hi = PROFILES[profile].ring_size
    assert len(rings) >= 2 and rings.between(lo, hi).all()


def test_malformed_rows_listed(world: Path) -> None:
    mal = _read(world / "ground_truth/malformed.csv")
    listed = {int(x): r for x, r in zip(mal.line, mal.reason)}
    assert len(listed) == len(mal) and 0.003 * N <= len(mal) <= 0.02 * N
    header, rows = _good_rows(world)
    n_lines = len((world / "declarations.csv").read_bytes().rstrip(b"\n").split(b"\n"))
    undecodable = set(range(2, n_lines + 1)) - set(rows)
    assert undecodable and all("UTF-8" in listed[x] for x in undecodable)
    assert sum("UTF-8" in r for r in listed.values()) == len(undecodable)
    col = {c: i for i, c in enumerate(header)}
    found: set[int] = set(undecodable)
    for no, f in rows.items():
        problems = []
        if len(f) != len(header):
            problems.append("fields")
        else:
            if not re.fullmatch(r"\d{6,10}", f[col["hs_code"]].replace(".", "").replace(" ", "")):
                problems.append("hs")
            if f[col["origin_country"]] not in ISO2:
                problems.append("country")
            for c in ("port_of_loading", "port_of_discharge"):
                if f[col[c]] and not LOCODE.match(f[col[c]]):
                    problems.append("locode")
            if pd.isna(pd.to_datetime(f[col["declared_at"]], errors="coerce", utc=True)):
                problems.append("date")
            for c in ("customs_value", "quantity", "gross_mass_kg"):
                if f[col[c]] and float(f[col[c]]) < 0:
                    problems.append("negative")
            if not (f[col["consignee_id"]] or f[col["consignee_name"]]):
                problems.append("consignee")
        if problems:
            found.add(no)
    assert found == set(listed)


def test_ground_truth_consistency(world: Path) -> None:
    header, rows = _good_rows(world)
    gt = _read(world / "ground_truth/declarations.csv")
    keys = set(zip(gt.reporting_country, gt.declaration_id, gt.item_no))
    assert len(keys) == len(gt) == N
    col = {c: i for i, c in enumerate(header)}
    for f in rows.values():
        assert (f[col["reporting_country"]], f[col["declaration_id"]], f[col["item_no"]]) in keys
    assert set(gt.scheme) - {""} == SCHEMES
    assert ((gt.scheme != "") == (gt.illicit == "1")).all()
    parties = _read(world / "ground_truth/parties.csv")
    assert parties.true_party_id.is_unique
    assert set(gt.consignee_true_id) | set(gt.consignor_true_id) <= set(parties.true_party_id)
    mentions = _read(world / "ground_truth/mentions.csv")
    key = ["reporting_country", "raw_id", "raw_name", "raw_address", "raw_phone", "raw_email", "raw_country"]
    assert not mentions.duplicated(key).any()
    written = {(f[col["reporting_country"]], f[col["consignee_id"]], f[col["consignee_name"]],
                f[col["consignee_address"]], f[col["consignee_phone"]], f[col["consignee_email"]],
                f[col["consignee_country"]]) for no, f in rows.items() if len(f) == len(header)}
    known = set(map(tuple, mentions[key].values))
    mal = set(_read(world / "ground_truth/malformed.csv").line.astype(int))
    clean = {(f[col["reporting_country"]], f[col["consignee_id"]], f[col["consignee_name"]],
              f[col["consignee_address"]], f[col["consignee_phone"]], f[col["consignee_email"]],
              f[col["consignee_country"]]) for no, f in rows.items() if no not in mal}
    assert clean <= known and len(written) > 0
    tips, tips_gt = _read(world / "tips.csv"), _read(world / "ground_truth/tips.csv")
    assert list(tips.tip_id) == list(tips_gt.tip_id) and set(tips_gt.correct) == {"0", "1"}
    targets = {t for s in tips_gt.target_true_party_ids for t in s.split("|")}
    assert targets <= set(parties.true_party_id)
    outcomes = _read(world / "outcomes.csv")
    assert set(zip(outcomes.reporting_country, outcomes.declaration_id)) <= {(a, b) for a, b, _ in keys}
    assert 0.03 < len(outcomes) / gt.drop_duplicates(["reporting_country", "declaration_id"]).shape[0] < 0.15


def test_registered_agent_addresses_are_shared_by_legit_companies(world: Path) -> None:
    reg = _read(world / "parties.csv")
    reg = reg[reg.address != ""]
    shared = reg.groupby("address").party_id.nunique()
    assert shared.max() >= 5
    top = reg[reg.address == shared.idxmax()]
    assert top.phone.nunique() == len(top)


def test_parquet_format(tmp_path: Path) -> None:
    generate_world(tmp_path, declarations=1200, seed=5, fmt="parquet")
    df = pd.read_parquet(tmp_path / "declarations.parquet")
    assert len(df) == 1200 and "declaration_id" in df.columns


def test_hubs_reference() -> None:
    hubs = _read(REF / "hubs.csv")
    assert list(hubs.columns) == ["locode", "name", "country", "lat", "lon", "kind", "ftz"]
    assert hubs.locode.is_unique and 100 <= len(hubs) <= 160
    assert hubs.locode.map(lambda s: bool(LOCODE.match(s))).all()
    assert (hubs.locode.str[:2] == hubs.country).all()
    assert set(hubs.kind) <= {"seaport", "airport", "land", "ftz", "bonded", "inland"}
    assert set(hubs.ftz) == {"true", "false"}
    assert hubs.lat.astype(float).between(-90, 90).all() and hubs.lon.astype(float).between(-180, 180).all()
    asean = {"SG", "MY", "TH", "VN", "ID", "PH", "KH", "LA", "MM", "BN"}
    assert asean <= set(hubs.country)
    for code in ("SGSIN", "MYPKG", "MYTPP", "THLCH", "VNSGN", "IDTPP", "PHMNL", "CNSHA", "HKHKG", "AEJEA", "NLRTM"):
        assert code in set(hubs.locode)


def test_rates_reference() -> None:
    rates = _read(REF / "rates.csv")
    assert list(rates.columns) == ["currency", "date", "usd_per_unit"]
    assert not rates.duplicated(["currency", "date"]).any()
    per = rates.groupby("currency").size()
    assert len(per) == 18 and (per == 48).all()
    assert (rates.usd_per_unit.astype(float) > 0).all()
    assert (rates[rates.currency == "USD"].usd_per_unit.astype(float) == 1).all()
