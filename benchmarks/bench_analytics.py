"""Time each analytic on a generated world, and score the findings against its ground truth.

    python benchmarks/bench_analytics.py                      # 100k declarations
    python benchmarks/bench_analytics.py --declarations 1000000 --direct

By default the world goes through the product's path: ``intel ingest`` into an embedded store
under ``--workdir``, then ``read_projection``. ``--direct`` builds the projection straight from
the generated CSVs instead (party ids are the ground-truth ids, so entity resolution is taken
as perfect): much faster for large worlds, and it isolates the analytics. Worlds and stores are
cached in ``--workdir`` (``benchmarks/out/`` by default, git-ignored).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from _worlds import world  # noqa: E402 - benchmarks/ is on the path when run as a script

from intel.analytics import evaluate as ev  # noqa: E402
from intel.analytics import run as run_mod  # noqa: E402
from intel.analytics.projection import Projection, read_projection  # noqa: E402
from intel.analytics.routes import hub_info, route_id_of, route_string  # noqa: E402
from intel.config import Settings  # noqa: E402

KINDS = (("parties", "parties.csv"), ("declarations", "declarations.csv"), ("tips", "tips.csv"), ("outcomes", "outcomes.csv"))


def via_store(path: Path, workdir: Path) -> Projection:
    from ingest.pipeline import ingest_files
    from intel.store import open_store

    uri = f"embedded:{workdir / (path.name + '_store')}"
    with open_store(uri) as store:
        if not store.counts().get("Declaration"):
            for kind, name in KINDS:
                t = time.perf_counter()
                summary = ingest_files(store, kind, [path / name])
                print(f"ingest {kind:<13}{summary['loaded']:>10,} rows {time.perf_counter() - t:8.1f} s")
        t = time.perf_counter()
        proj = read_projection(store)
        print(f"read_projection {time.perf_counter() - t:.1f} s")
    return proj


def _ts(s: pd.Series) -> pd.Series:
    out = pd.to_datetime(s, errors="coerce", utc=True, format="mixed")
    return out.dt.tz_convert("UTC").dt.tz_localize(None)


def direct(path: Path) -> Projection:
    """The projection straight from the generated files (ground-truth party ids)."""
    read = dict(dtype=str, keep_default_na=False, on_bad_lines="skip", encoding_errors="replace")
    d = pd.read_csv(path / "declarations.csv", **read)
    gt = pd.read_csv(path / "ground_truth" / "declarations.csv", **read)
    ids = ["declaration_id", "reporting_country", "item_no"]
    d = d.merge(gt[[*ids, "consignee_true_id", "consignor_true_id", "declarant_true_id"]], on=ids, how="left")
    d = d.rename(columns={"consignee_true_id": "consignee", "consignor_true_id": "consignor", "declarant_true_id": "declarant"})
    d["decl_key"] = d["reporting_country"] + "|" + d["declaration_id"] + "|" + d["item_no"]
    d = d.drop_duplicates("decl_key").reset_index(drop=True)
    d["declared_at"] = _ts(d["declared_at"])
    d["hs_code"] = d["hs_code"].str.replace(r"\D", "", regex=True)
    d["hs6"], d["hs_chapter"] = d["hs_code"].str[:6], d["hs_code"].str[:2]
    for c in ("quantity", "gross_mass_kg", "customs_value", "item_no"):
        d[c] = pd.to_numeric(d[c], errors="coerce")
    hubs = pd.read_csv(ROOT / "ingest" / "reference" / "hubs.csv", dtype={"locode": str})
    info = hub_info(hubs)
    ftz = set(info.index[info["ftz"].astype(bool)])
    d["route"] = [route_string(o, p, [x for x in t.split(";") if x], q, ftz) for o, p, t, q in
                  zip(d["origin_country"], d["port_of_loading"], d["transit_ports"], d["port_of_discharge"])]
    d["route_id"] = d["route"].map(route_id_of)
    gp = pd.read_csv(path / "ground_truth" / "parties.csv", **read)
    reg = pd.read_csv(path / "parties.csv", **read)
    parties = gp.rename(columns={"true_party_id": "party_id", "name": "display_name"}).merge(
        reg[["party_id", "registered_at", "aeo_tier"]].rename(columns={"party_id": "registry_party_id"}),
        on="registry_party_id", how="left")
    parties["registered_at"] = pd.to_datetime(parties["registered_at"], errors="coerce")
    m = pd.read_csv(path / "ground_truth" / "mentions.csv", **read)
    mentions = pd.DataFrame({"mention_key": [f"m{i}" for i in range(len(m))], "scope": m["reporting_country"],
                             "raw_name": m["raw_name"], "party_id": m["true_party_id"],
                             "phone": m["raw_phone"].str.replace(r"\D", "", regex=True),
                             "email": m["raw_email"].str.lower()})
    idents = [mentions.loc[mentions[k].str.len() > 3, ["party_id", k]].drop_duplicates().rename(columns={k: "value"}).assign(kind=k)
              for k in ("phone", "email")]
    party_ident = pd.concat(idents, ignore_index=True)
    party_ident["ident_key"] = party_ident["kind"] + ":" + party_ident["value"]
    tips = pd.read_csv(path / "tips.csv", **read)
    for c in ("submitted_at", "valid_until"):
        tips[c] = pd.to_datetime(tips[c], errors="coerce")
    o = pd.read_csv(path / "outcomes.csv", **read).merge(d[["declaration_id", "reporting_country", "decl_key"]],
                                                         on=["declaration_id", "reporting_country"])
    outcomes = pd.DataFrame({"decl_key": o["decl_key"], "result": o["result"], "offence": o["offence"],
                             "decided_at": pd.to_datetime(o["decided_at"], errors="coerce")})
    return Projection.from_frames(decl=d, parties=parties, mentions=mentions, party_ident=party_ident, hubs=hubs,
                                  tips=tips, outcomes=outcomes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--direct", action="store_true", help="build the projection from the CSVs, not through a store")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = world(args.workdir, args.declarations, args.seed, args.profile)
    t = time.perf_counter()
    proj = direct(path) if args.direct else via_store(path, args.workdir)
    print(f"projection ready in {time.perf_counter() - t:.1f} s: {proj.sizes()}")
    out_dir = args.workdir / f"{path.name}_findings"
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames, summary = run_mod.analyze_projection(proj, Settings(), model_dir=out_dir / "models")
    total = time.perf_counter() - t
    t = time.perf_counter()
    run_mod.write_outputs(frames, out_dir, None)
    written = time.perf_counter() - t
    n = len(proj.decl)
    print(f"\n{'stage':<16}{'seconds':>10}{'decl/s':>12}")
    for stage, seconds in summary["timings"].items():
        print(f"{stage:<16}{seconds:>10.2f}{(n / seconds if seconds else float('inf')):>12,.0f}")
    print(f"{'write CSVs':<16}{written:>10.2f}")
    print(f"{'total':<16}{total + written:>10.2f}{n / (total + written):>12,.0f}")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB; "
          f"{n:,} declarations; missing {summary['missing'] or 'none'}; errors {summary['errors'] or 'none'}")
    for note in summary["notes"]:
        print("note:", note)
    print()
    print(ev.format_report(ev.evaluate(out_dir, path / "ground_truth")))


if __name__ == "__main__":
    main()
