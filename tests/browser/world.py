"""The test world, built by the real product pipeline.

``build_test_store(path) -> store_uri`` is the one function the fixtures call. It ingests the
committed sample world (``sample_data/world/``) with :func:`intel.demo.load_world`, then the
planted cases of ``tests/fixtures/planted/`` (input files in the data-contract format, see
``docs/data-contract.md``) with :func:`ingest.pipeline.ingest_files`, and runs every analytic
with :func:`intel.analytics.run.analyze`. Nothing is written to the store or the findings
folder by hand: party ids, identifiers, scores and reasons are whatever the product computes.

What the planted files hold (and the tests rely on):

- a consignee named :data:`XSS_NAME` (markup in a name);
- the shell consignee :data:`SHELL_NAME`, whose phone ``+66 2 123 4567`` is written in several
  ways (``021234567``, ``(02) 123-4567``, ...) and shared with three other, differently named
  consignees (:data:`SIAM_STAR_NAME`, :data:`PRIME_NAME` and the :data:`XSS_NAME` party); the
  resolver turns it into one ``Identifier`` ``phone:+6621234567`` (:data:`SHARED_PHONE_KEY`);
- a consignee named :data:`FORMULA_NAME` (CSV formula injection);
- 38 declarations ``TH|TH25000000|1`` .. ``TH|TH25000037|1``, all discharged at THLCH (which the
  sample world already makes the busiest hub, far above the explorer's node cap in the tests);
  the 24 to the four phone holders transit MYPKG, two of them were seized, one non-compliant;
- a tip from the rights holder Sonique Audio GmbH naming the shell and the phone, and outcomes.

Party ids are assigned by the resolver, so tests look them up with :func:`planted_ids`.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
#: the planted input files (data-contract format), loaded on top of the sample world
PLANTED_DIR = ROOT / "tests" / "fixtures" / "planted"
#: load order: the registry and declarations before the tips and outcomes that refer to them
PLANTED_KINDS = ("parties", "declarations", "tips", "outcomes")

XSS_NAME = "<img src=x onerror=alert(1)>"
#: a consignee whose name a spreadsheet would run as a formula
FORMULA_NAME = '=HYPERLINK("http://x","y")'
SHELL_NAME = "Golden Lotus Trading Co"
SIAM_STAR_NAME = "Siam Star Import"
PRIME_NAME = "Bangkok Prime Goods"
SHARED_PHONE = "+6621234567"
SHARED_PHONE_KEY = f"phone:{SHARED_PHONE}"
BRAND = "Sonique"
PLANTED_TIP_ID = "T-PLANTED-01"

#: role in the tests -> display name of the planted party
PLANTED_NAMES = {"shell": SHELL_NAME, "siam_star": SIAM_STAR_NAME, "prime": PRIME_NAME, "xss": XSS_NAME,
                 "formula": FORMULA_NAME}


def planted_files(kind: str) -> list[Path]:
    return sorted(PLANTED_DIR.glob(f"{kind}.csv"))


def build_test_store(path: Path) -> str:
    """Ingest the sample world plus the planted cases into an embedded store at ``path`` and
    analyse it; returns the store's URI."""
    from ingest.pipeline import ingest_files
    from intel.analytics.run import analyze
    from intel.config import load_settings
    from intel.demo import load_world, sample_world_dir
    from intel.store import open_store

    uri = f"embedded:{Path(path).resolve()}"
    with open_store(uri) as store:
        load_world(store, sample_world_dir())
        for kind in PLANTED_KINDS:
            files = planted_files(kind)
            if not files:
                continue
            summary = ingest_files(store, kind, files)
            if summary["quarantined"]:
                raise AssertionError(f"planted {kind} rows were quarantined: {summary}")
        analyze(store, load_settings(store.state_dir), out_dir=None)
    return uri


def planted_ids(store_or_uri) -> dict[str, str]:  # noqa: ANN001
    """Party ids the resolver gave the planted parties: ``{"shell": "P…", "siam_star": …,
    "prime": …, "xss": …, "formula": …}``. Each name must resolve to exactly one party."""
    from intel.store import open_store

    if isinstance(store_or_uri, str):
        with open_store(store_or_uri, read_only=True) as store:
            return planted_ids(store)
    found = store_or_uri.query(
        "MATCH (p:Party) WHERE p.display_name IN $names RETURN p.party_id AS party_id, p.display_name AS display_name",
        {"names": sorted(PLANTED_NAMES.values())})
    ids = {}
    for role, name in PLANTED_NAMES.items():
        hits = found.loc[found["display_name"] == name, "party_id"].astype(str).tolist()
        if len(hits) != 1:
            raise AssertionError(f"planted party {name!r} resolved to {len(hits)} parties: {hits}")
        ids[role] = hits[0]
    return ids


def planted_declarations():  # noqa: ANN201
    """The planted declarations file as written (text columns), for expectations derived from
    the input rather than from the product."""
    import pandas as pd

    return pd.read_csv(PLANTED_DIR / "declarations.csv", dtype=str, keep_default_na=False)
