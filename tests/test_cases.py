"""Cases: the TLP visibility matrix, sharing and editing rights, packages, operations."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path

import pytest

from intel import cases as K
from intel.appdb import AppDB
from intel.auth import User, add_user

_WORLD = Path(__file__).parent / "browser" / "world.py"
_spec = importlib.util.spec_from_file_location("intel_test_world", _WORLD)
world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(world)

TH_A = User("ana.th", "analyst", "customs:TH")
TH_P = User("pla.th", "planner", "customs:TH")
MY_A = User("ana.my", "analyst", "customs:MY")
MY_B = User("bob.my", "analyst", "customs:MY")
VN_A = User("ana.vn", "analyst", "customs:VN")
RH = User("brand", "rights_holder", "rh:Sonique Audio GmbH")
ADMIN = User("root", "admin", "customs:TH")
ALL = [TH_A, TH_P, MY_A, MY_B, VN_A, RH, ADMIN]


@pytest.fixture
def db(tmp_path):  # noqa: ANN001, ANN201
    d = AppDB(tmp_path / "app.sqlite")
    for u in ALL:
        add_user(d, u.username, "long enough password", u.role, u.org)
    return d


@pytest.fixture(scope="module")
def store_uri(tmp_path_factory):  # noqa: ANN001, ANN201
    """The test world, ingested and analysed by the product (built once for the module)."""
    return world.build_test_store(tmp_path_factory.mktemp("cases") / "store")


@pytest.fixture(scope="module")
def ids(store_uri):  # noqa: ANN001, ANN201
    """The resolver's party ids of the planted parties (role -> id)."""
    return world.planted_ids(store_uri)


# ---------------------------------------------------------------------- the visibility matrix

def _case(tlp: str, shares=(), imported=False, created_by="pla.th") -> K.Case:  # noqa: ANN001
    return K.Case("C-1", "t", "", "open", tlp, "customs:TH", created_by, "", "", imported, None, tuple(shares))


SHARE_MY = (("org", "customs:MY"),)
SHARE_BOB = (("user", "bob.my"),)
#: (tlp, shares, viewer) -> may view
MATRIX = [
    # owner administration always (every TLP)
    *[(tlp, SHARE_MY, TH_A, True) for tlp in K.TLP_LEVELS],
    # RED: named recipients only
    ("RED", SHARE_MY, MY_A, True), ("RED", SHARE_MY, VN_A, False),
    ("RED", SHARE_BOB, MY_B, True), ("RED", SHARE_BOB, MY_A, False), ("RED", (), MY_A, False),
    # AMBER+STRICT: recipient organisations only
    ("AMBER+STRICT", SHARE_MY, MY_A, True), ("AMBER+STRICT", SHARE_MY, MY_B, True),
    ("AMBER+STRICT", SHARE_MY, VN_A, False), ("AMBER+STRICT", (), MY_A, False),
    ("AMBER+STRICT", SHARE_BOB, MY_B, True), ("AMBER+STRICT", SHARE_BOB, MY_A, False),
    # AMBER: recipient organisations (need-to-know inside them)
    ("AMBER", SHARE_MY, MY_A, True), ("AMBER", SHARE_MY, VN_A, False), ("AMBER", (), VN_A, False),
    # GREEN / CLEAR: every customs administration
    ("GREEN", (), VN_A, True), ("GREEN", (), MY_B, True), ("CLEAR", (), VN_A, True),
    # rights holders and admins: never, whatever the marking
    *[(tlp, SHARE_MY, RH, False) for tlp in K.TLP_LEVELS],
    *[(tlp, (("org", "rh:Sonique Audio GmbH"),), RH, False) for tlp in ("GREEN", "CLEAR")],
    *[(tlp, SHARE_MY, ADMIN, False) for tlp in K.TLP_LEVELS],
]


@pytest.mark.parametrize("tlp,shares,viewer,expected", MATRIX,
                         ids=[f"{t}-{'+'.join(r for _, r in s) or 'unshared'}-{v.username}" for t, s, v, _ in MATRIX])
def test_tlp_visibility_matrix(tlp, shares, viewer, expected):  # noqa: ANN001
    assert K.can_view(viewer, _case(tlp, shares)) is expected
    assert K.can_view(None, _case(tlp, shares)) is False


def test_imported_red_case_is_for_the_importer_only():  # noqa: ANN201
    case = _case("RED", imported=True, created_by="ana.th")
    assert K.can_view(TH_A, case)
    assert not K.can_view(TH_P, case)  # same administration, not named
    assert K.can_view(TH_P, _case("RED", (("user", "pla.th"),), imported=True, created_by="ana.th"))


def test_get_case_enforces_visibility_and_says_the_same_for_missing(db, ids):  # noqa: ANN001
    case = K.create_case(db, TH_P, "Lotus ring", [("Party", ids["shell"], world.SHELL_NAME)], tlp="AMBER")
    K.share_case(db, TH_P, case.case_id, orgs=["customs:MY"])
    assert K.get_case(db, MY_A, case.case_id).title == "Lotus ring"
    with pytest.raises(PermissionError) as denied:
        K.get_case(db, VN_A, case.case_id)
    with pytest.raises(PermissionError) as missing:
        K.get_case(db, VN_A, "C-does-not-exist")
    assert str(denied.value) == str(missing.value)
    with pytest.raises(PermissionError):
        K.case_entities(db, RH, case.case_id)
    assert [c.case_id for c in K.list_cases(db, MY_A)] == [case.case_id]
    assert K.list_cases(db, VN_A) == [] and K.list_cases(db, RH) == []
    assert db.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'case.denied'")["n"] >= 2


def test_editing_and_sharing_rights(db):  # noqa: ANN001
    case = K.create_case(db, TH_P, "Lotus ring", [], tlp="AMBER")
    with pytest.raises(ValueError, match="rights holders never see cases"):
        K.share_case(db, TH_P, case.case_id, orgs=["rh:Sonique Audio GmbH"])
    with pytest.raises(ValueError, match="customs analysts and planners"):
        K.share_case(db, TH_P, case.case_id, users=["brand"])
    K.share_case(db, TH_P, case.case_id, orgs=["customs:MY"])
    # a recipient may annotate but not change the case or pass it on
    K.add_note(db, MY_A, case.case_id, "Seen this consignee at Port Klang")
    K.add_attachment(db, MY_A, case.case_id, "photo.jpg", b"\xff\xd8jpeg")
    for change in (lambda: K.set_status(db, MY_A, case.case_id, "closed"),
                   lambda: K.set_tlp(db, MY_A, case.case_id, "GREEN"),
                   lambda: K.share_case(db, MY_A, case.case_id, orgs=["customs:VN"]),
                   lambda: K.add_entities(db, MY_A, case.case_id, [("Hub", "MYPKG")])):
        with pytest.raises(PermissionError):
            change()
    with pytest.raises(PermissionError):
        K.export_case(db, MY_A, case.case_id)
    with pytest.raises(PermissionError):
        K.create_case(db, RH, "tip follow-up")
    K.set_status(db, TH_A, case.case_id, "in progress")  # any user of the owning administration
    assert K.get_case(db, TH_A, case.case_id).status == "in progress"
    with pytest.raises(ValueError):
        K.create_case(db, TH_A, "bad", [("Nonsense", "x")])
    with pytest.raises(ValueError):
        K.create_case(db, TH_A, "bad", tlp="PURPLE")


def test_export_import_round_trip(db, tmp_path, store_uri, ids):  # noqa: ANN001
    from intel.store import open_store

    SHELL_ID = ids["shell"]
    ents = [("Party", SHELL_ID, world.SHELL_NAME), ("Identifier", world.SHARED_PHONE_KEY, world.SHARED_PHONE),
            ("Declaration", "TH|TH25000000|1", "TH25000000"), ("Hub", "MYPKG", "Port Klang")]
    case = K.create_case(db, TH_P, "Lotus ring", ents, tlp="AMBER+STRICT", description="4 shells, one phone")
    K.add_note(db, TH_P, case.case_id, "Phone shared by four consignees <b>registered</b> in May")
    K.add_attachment(db, TH_P, case.case_id, "../../etc/evidence.pdf", b"%PDF-1.4 evidence", "application/pdf")
    with open_store(store_uri, read_only=True) as store:
        package = K.export_case(db, TH_P, case.case_id, store, Path(store.state_dir) / "findings")
    assert K.validate_package(package) == []
    prov = package["provenance"]
    assert prov["exporting_org"] == "customs:TH" and prov["exported_by"] == "pla.th"
    assert prov["tlp"] == "AMBER+STRICT" and prov["product_version"] and prov["exported_at"]
    by_key = {(e["label"], e["key"]): e for e in package["entities"]}
    shell = by_key[("Party", SHELL_ID)]
    assert shell["properties"]["display_name"] == world.SHELL_NAME and shell["in_source_graph"] is True
    sources = {f["source"] for f in shell["findings"]}
    assert {"consignees", "communities", "tip_matches"} <= sources
    assert any("shares phone" in r for f in shell["findings"] for r in f["reasons"])
    assert by_key[("Declaration", "TH|TH25000000|1")]["findings"][0]["source"] == "declarations"
    rel = {(r["type"], r["source"]["key"], r["target"]["key"]) for r in package["relationships"]}
    assert ("HAS_IDENTIFIER", SHELL_ID, world.SHARED_PHONE_KEY) in rel
    assert ("CONSIGNEE", "TH|TH25000000|1", SHELL_ID) in rel
    assert ("TRANSITED", "TH|TH25000000|1", "MYPKG") in rel
    raw = json.dumps(package).encode()

    # another administration's database; its graph lacks one of the entities
    other = AppDB(tmp_path / "my" / "app.sqlite")
    add_user(other, "ana.my", "long enough password", "analyst", "customs:MY")
    add_user(other, "bob.my", "long enough password", "planner", "customs:MY")
    tampered = json.loads(raw)
    tampered["entities"].append({"label": "Party", "key": "P-not-local", "caption": "Offshore Holdings",
                                 "properties": {"display_name": "Offshore Holdings"}, "findings": []})
    with open_store(store_uri, read_only=True) as store:
        imported = K.import_case(other, MY_A, json.dumps(tampered).encode(), store)
    assert imported.imported and imported.tlp == "AMBER+STRICT" and imported.owner_org == "customs:MY"
    assert imported.title == "Lotus ring" and imported.provenance["exporting_org"] == "customs:TH"
    assert imported.provenance["imported_by"] == "ana.my"
    view = K.package_view(other, MY_A, imported.case_id)
    flags = {(e["label"], e["key"]): e["in_local_graph"] for e in view["entities"]}
    assert flags[("Party", SHELL_ID)] is True and flags[("Party", "P-not-local")] is False
    offshore = next(e for e in view["entities"] if e["key"] == "P-not-local")
    assert offshore["properties"]["display_name"] == "Offshore Holdings"
    assert len(view["relationships"]) == len(package["relationships"])
    notes = K.case_notes(other, MY_A, imported.case_id)
    assert notes["body"].tolist() == ["Phone shared by four consignees <b>registered</b> in May"]
    assert notes["author"].tolist() == ["pla.th"] and notes["imported"].tolist() == [1]
    att = K.case_attachments(other, MY_A, imported.case_id).iloc[0]
    assert att["filename"] == "evidence.pdf"  # no path survives
    assert K.get_attachment(other, MY_A, imported.case_id, int(att["attachment_id"]))[2] == b"%PDF-1.4 evidence"
    assert (other.attachments_dir / att["sha256"]).is_file()
    # the marking travels: raise yes, lower no; AMBER+STRICT may not be passed on
    with pytest.raises(PermissionError, match="raised, not lowered"):
        K.set_tlp(other, MY_A, imported.case_id, "AMBER")
    with pytest.raises(PermissionError):
        K.export_case(other, MY_A, imported.case_id)
    K.set_tlp(other, MY_A, imported.case_id, "RED")
    assert K.can_view(MY_A, K.get_case(other, MY_A, imported.case_id))
    with pytest.raises(PermissionError):  # imported RED: the importer only
        K.get_case(other, User("bob.my", "planner", "customs:MY"), imported.case_id)


def test_green_case_can_be_passed_on_by_a_recipient(db):  # noqa: ANN001
    case = K.create_case(db, TH_A, "Public advisory", [("Hub", "MYPKG")], tlp="GREEN")
    package = K.export_case(db, VN_A, case.case_id)  # no store: still a valid package
    assert K.validate_package(package) == []
    assert package["entities"][0]["in_source_graph"] is None


def test_invalid_packages_list_every_problem(db):  # noqa: ANN001
    bad = {
        "format": "something-else", "version": 9,
        "case": {"title": "", "status": "done", "tlp": "PURPLE"},
        "entities": [{"label": "Spaceship", "key": ""}, "not an object"],
        "relationships": [{"type": "KNOWS"}],
        "notes": [{"body": 5}],
        "attachments": [{"filename": "a.bin", "data_base64": "%%%not base64"},
                        {"filename": "b.bin", "data_base64": base64.b64encode(b"abc").decode(), "sha256": "0" * 64}],
        "provenance": {"exporting_org": "rh:Brand", "tlp": "RED"},
    }
    problems = K.validate_package(bad)
    text = " | ".join(problems)
    for expected in ("format must be", "unsupported package version", "case.title", "case.status", "case.tlp",
                     "provenance.exported_by is missing", "exporting_org must be a customs", "entities[0].label",
                     "entities[0].key", "entities[1] must be an object", "relationships[0]", "notes[0]",
                     "not valid base64", "sha256 does not match"):
        assert expected in text, expected
    with pytest.raises(K.PackageError) as err:
        K.import_case(db, MY_A, json.dumps(bad).encode())
    assert err.value.problems == problems
    with pytest.raises(K.PackageError, match="not JSON"):
        K.import_case(db, MY_A, b"{nope")
    with pytest.raises(PermissionError):
        K.import_case(db, RH, b"{}")
    assert K.list_cases(db, MY_A) == []


def test_operations(db, store_uri, ids):  # noqa: ANN001
    import pandas as pd

    from intel.store import open_store

    case_th = K.create_case(db, TH_P, "Lotus ring", [("Party", ids["shell"], world.SHELL_NAME),
                                                     ("Declaration", "TH|TH25000001|1", "TH25000001"),
                                                     ("Hub", "MYPKG", "Port Klang")], tlp="AMBER")
    K.share_case(db, TH_P, case_th.case_id, orgs=["customs:MY"])
    case_secret = K.create_case(db, TH_A, "Internal only", [("Party", ids["siam_star"], world.SIAM_STAR_NAME)], tlp="AMBER")
    with pytest.raises(PermissionError):
        K.create_operation(db, TH_A, "Op by an analyst")
    op = K.create_operation(db, TH_P, "Operation Mekong Lotus", ["customs:MY"], starts_on="2025-06-01", ends_on="2025-06-30")
    K.add_case_to_operation(db, TH_P, op["op_id"], case_th.case_id)
    K.add_case_to_operation(db, TH_P, op["op_id"], case_secret.case_id)
    K.record_result(db, MY_A, op["op_id"], "inspection", 3, "three containers opened at MYPKG")
    K.record_result(db, TH_P, op["op_id"], "seizure", 1)
    with pytest.raises(PermissionError):
        K.record_result(db, VN_A, op["op_id"], "seizure", 1)
    with pytest.raises(PermissionError):
        K.get_operation(db, VN_A, op["op_id"])
    assert [o["op_id"] for o in K.list_operations(db, MY_A)] == [op["op_id"]]
    assert K.list_operations(db, RH) == []
    with open_store(store_uri, read_only=True) as store:
        view = K.operation_view(db, MY_A, op["op_id"], store, Path(store.state_dir) / "findings")
    assert [c.case_id for c in view["cases"]] == [case_th.case_id]
    assert view["summary"]["hidden_cases"] == 1  # the TH-only case is not shown to MY
    assert view["targets"]["key"].tolist() == [ids["shell"]]
    assert ids["siam_star"] not in view["targets"]["key"].tolist()
    # the hub's score is the one the analytics gave MYPKG
    with open_store(store_uri, read_only=True) as store:
        hubs = pd.read_parquet(Path(store.state_dir) / "findings" / "hubs.parquet")
    mypkg_score = float(hubs.loc[hubs["locode"] == "MYPKG", "score"].iloc[0])
    assert 0.0 < mypkg_score <= 1.0
    assert view["hubs"]["locode"].tolist() == ["MYPKG"] and view["hubs"]["score"].iloc[0] == pytest.approx(mypkg_score)
    # TH25000001 was seized in the world (planted declarations file): recorded 3 inspections +
    # 1 seizure, plus the declaration's own outcome
    planted = world.planted_declarations().set_index("declaration_id")
    assert planted.at["TH25000001", "inspection_result"] == "seized"
    assert view["summary"]["inspections"] == 4 and view["summary"]["seizures"] == 2
    with pytest.raises(ValueError):
        K.create_operation(db, TH_P, "Backwards", starts_on="2025-07-01", ends_on="2025-06-01")
