"""Score the findings against a world's ground truth (the sample world's ``ground_truth/``).

Three rankings are judged with average precision and precision@k (k = 10, 50, 100 and 5% /
10% of the ranked population):

- **shell consignees**: each predicted consignee party is mapped to the true party most of its
  declarations were really consigned to (``consignee_true_id``); positive when that true
  party ``is_shell``. How many registered-agent clients (``kind == agent_client``: legitimate
  traders sharing an agent's address and phone) rank in the top k is reported too.
- **laundering routes**: a route is positive when more than half of its declarations have
  ``laundering_route = 1``; how many routes through a legitimate transshipment hub (SGSIN,
  HKHKG) that are *not* laundering rank in the top k is reported too.
- **illicit declarations**: positive when ``illicit = 1``; precision@5% over all declarations
  is the headline.

When the ground truth marks planted chains (``chain_id``, ``chain_kind``, ``chain_leg``:
the sample world's two-declaration laundering through a free zone and its legitimate
look-alikes), two more measures:

- the **two-declaration variant** among the laundering routes: a positive route whose
  laundering declarations are mostly chain exits; how many there are, their share of the
  positives, and the average precision of the ranking restricted to them and the negatives
  (likewise for the single-declaration variant);
- the **chain findings** (when the findings hold them): a chain is positive when its exit is
  a laundering chain's exit and its entry belongs to the same planted chain; average
  precision and precision@k, how many planted laundering exits some scored chain reaches,
  and how many chains of each legitimate kind (``ftz_processing``, ``consolidation``,
  ``transshipment``, ``container_reuse``) rank in the top k.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from intel.analytics.metrics import average_precision, k_for_fraction, precision_at_k, top_k

__all__ = ["evaluate", "format_report", "print_report", "load_findings"]

KS = (10, 50, 100)
FRACTIONS = (0.05, 0.10)
LEGIT_HUBS = ("SGSIN", "HKHKG")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_findings(source) -> dict[str, pd.DataFrame]:  # noqa: ANN001 - a folder or a Store
    """``declarations, consignees, routes`` (and ``chains`` when present) from an output folder (the contract CSVs), a
    findings folder (Parquet) or a store (its ``state_dir/findings``)."""
    if hasattr(source, "state_dir"):
        source = Path(source.state_dir) / "findings"
    folder = Path(source)
    names = {"declarations": "declaration_risk", "consignees": "consignee_findings", "routes": "route_findings"}
    out: dict[str, pd.DataFrame] = {}
    for key, stem in {**names, "chains": "chain_findings"}.items():
        csv, parquet = folder / f"{stem}.csv", folder / f"{key}.parquet"
        if csv.is_file():
            out[key] = _read(csv)
        elif parquet.is_file():
            out[key] = pd.read_parquet(parquet)
        elif key in names:  # the chain findings are optional (findings written before chains were)
            raise FileNotFoundError(f"{folder} holds neither {csv.name} nor {parquet.name}: run `intel analyze --out {folder}` first")
    for frame in out.values():
        if "score" in frame:
            frame["score"] = pd.to_numeric(frame["score"], errors="coerce").fillna(0.0)
        if "risk_score" in frame:
            frame["risk_score"] = pd.to_numeric(frame["risk_score"], errors="coerce").fillna(0.0)
    return out


def _ranking(labels: np.ndarray, scores: np.ndarray) -> dict:
    n = len(labels)
    out = {"n": int(n), "positives": int(np.sum(labels)), "average_precision": average_precision(labels, scores) if n else float("nan")}
    for k in KS:
        out[f"precision_at_{k}"] = precision_at_k(labels, scores, k) if n else float("nan")
    for f in FRACTIONS:
        k = k_for_fraction(n, f)
        out[f"precision_at_{int(f * 100)}pct"] = precision_at_k(labels, scores, k) if n else float("nan")
        out[f"k_{int(f * 100)}pct"] = k
    return out


def _in_top(flags: np.ndarray, scores: np.ndarray) -> dict:
    """How many flagged items sit in the top k."""
    out = {"total": int(np.sum(flags))}
    for k in KS:
        out[f"in_top_{k}"] = int(np.sum(flags[top_k(scores, k)]))
    return out


def _declarations(find: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    keys = ["declaration_id", "reporting_country"]
    f = find.copy()
    t = truth.copy()
    if "item_no" in f and "item_no" in t and f["item_no"].astype(str).ne("").all():
        keys.append("item_no")
        f["item_no"] = pd.to_numeric(f["item_no"], errors="coerce")
        t["item_no"] = pd.to_numeric(t["item_no"], errors="coerce")
    t = t.drop_duplicates(keys)
    return f.merge(t, on=keys, how="left", suffixes=("", "_truth"))


def evaluate(findings, ground_truth_dir: Path | str) -> dict:  # noqa: ANN001 - folder or Store
    """AP and precision@k for shell consignees, laundering routes and illicit declarations."""
    found = load_findings(findings)
    gt = Path(ground_truth_dir)
    truth_decl = _read(gt / "declarations.csv")
    truth_parties = _read(gt / "parties.csv")
    joined = _declarations(found["declarations"], truth_decl)
    matched = joined["illicit"].notna() & joined["illicit"].ne("")
    result = {"declarations_matched": int(matched.sum()), "declarations_total": len(joined)}

    illicit = joined["illicit"].fillna("0").isin(["1", "true", "True"]).to_numpy(dtype=float)
    result["declarations"] = _ranking(illicit, joined["risk_score"].to_numpy(dtype=float))

    # consignees: predicted party -> majority true party of its declarations
    pairs = joined[joined["consignee_party_id"].fillna("").ne("") & joined["consignee_true_id"].fillna("").ne("")]
    majority = (pairs.groupby(["consignee_party_id", "consignee_true_id"]).size().reset_index(name="n")
                .sort_values(["consignee_party_id", "n"], ascending=[True, False]).drop_duplicates("consignee_party_id")
                .set_index("consignee_party_id")["consignee_true_id"])
    kinds = truth_parties.drop_duplicates("true_party_id").set_index("true_party_id")
    cons = found["consignees"].copy()
    cons["true_id"] = cons["party_id"].map(majority)
    shell = cons["true_id"].map(kinds["is_shell"]).fillna("0").isin(["1", "true", "True"]).to_numpy(dtype=float)
    agent = cons["true_id"].map(kinds["kind"]).fillna("").eq("agent_client").to_numpy()
    cons_scores = cons["score"].to_numpy(dtype=float)
    result["consignees"] = {**_ranking(shell, cons_scores), "agent_clients": _in_top(agent, cons_scores),
                            "true_shells": int(kinds["is_shell"].isin(["1", "true", "True"]).sum())}

    # routes: positive when most of its declarations ride a laundering route
    lr = joined.assign(lr=joined["laundering_route"].fillna("0").isin(["1", "true", "True"]).astype(float))
    share = lr.groupby("route_id")["lr"].mean()
    routes = found["routes"].copy()
    positive = (routes["route_id"].map(share).fillna(0) > 0.5).to_numpy(dtype=float)
    legit = routes["route"].fillna("").str.contains("|".join(LEGIT_HUBS)).to_numpy() & (positive == 0)
    route_scores = routes["score"].to_numpy(dtype=float)
    result["routes"] = {**_ranking(positive, route_scores), "legit_hub_routes": _in_top(legit, route_scores)}
    if {"chain_kind", "chain_leg"} <= set(joined.columns):
        exit_leg = (joined["chain_kind"].eq("laundering") & joined["chain_leg"].eq("exit")).astype(float)
        laundering = lr["lr"] > 0
        variant = (exit_leg[laundering].groupby(joined.loc[laundering, "route_id"]).mean() > 0.5)
        two = routes["route_id"].map(variant).fillna(False).to_numpy(dtype=bool) & (positive == 1)
        single = (positive == 1) & ~two
        result["routes"]["variants"] = {
            "two_declaration": int(two.sum()), "single_declaration": int(single.sum()),
            "two_declaration_share": float(two.sum() / max(positive.sum(), 1)),
            "ap_two_declaration": _restricted_ap(positive, route_scores, two),
            "ap_single_declaration": _restricted_ap(positive, route_scores, single)}
        if "chains" in found:
            result["chains"] = _chains(found["chains"], truth_decl)
    return result


def _restricted_ap(positive: np.ndarray, scores: np.ndarray, keep_positive: np.ndarray) -> float:
    """Average precision of the ranking of the positives ``keep_positive`` among all negatives."""
    mask = keep_positive | (positive == 0)
    return average_precision(positive[mask], scores[mask]) if keep_positive.any() else float("nan")


def _chains(chains: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """The chain findings against the planted chains (see the module docstring)."""
    t = truth.assign(decl_key=truth["reporting_country"] + "|" + truth["declaration_id"] + "|"
                     + truth["item_no"].replace("", "1"))
    t = t.drop_duplicates("decl_key").set_index("decl_key")
    kind_exit = chains["exit_decl_key"].map(t["chain_kind"]).fillna("")
    kind_entry = chains["entry_decl_key"].map(t["chain_kind"]).fillna("")
    same = chains["exit_decl_key"].map(t["chain_id"]).fillna("-").eq(chains["entry_decl_key"].map(t["chain_id"]).fillna("+"))
    positive = (kind_exit.eq("laundering") & chains["exit_decl_key"].map(t["chain_leg"]).eq("exit") & same).to_numpy(dtype=float)
    scores = pd.to_numeric(chains["score"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    out = _ranking(positive, scores)
    planted = t[t["chain_kind"].eq("laundering") & t["chain_leg"].eq("exit")]
    reached = set(chains.loc[scores > 0, "exit_decl_key"])
    out["planted_exits"] = int(len(planted))
    out["planted_exits_found"] = int(planted.index.isin(reached).sum())
    out["legit_in_top"] = {kind: _in_top((kind_exit.eq(kind) | kind_entry.eq(kind)).to_numpy(), scores)
                           for kind in ("ftz_processing", "consolidation", "transshipment", "container_reuse")}
    return out


def format_report(result: dict) -> str:
    """A plain-text table of the evaluation."""
    lines = [f"declarations matched to ground truth: {result['declarations_matched']:,} of {result['declarations_total']:,}", ""]
    header = f"{'ranking':<24}{'n':>9}{'pos':>7}{'AP':>7}" + "".join(f"{'P@' + str(k):>8}" for k in KS) + f"{'P@5%':>8}{'P@10%':>8}"
    lines.append(header)
    titles = {"consignees": "shell consignees", "routes": "laundering routes", "declarations": "illicit declarations"}
    for key, title in titles.items():
        r = result[key]
        cells = [r["average_precision"], *[r[f"precision_at_{k}"] for k in KS], r["precision_at_5pct"], r["precision_at_10pct"]]
        lines.append(f"{title:<24}{r['n']:>9,}{r['positives']:>7,}" + "".join(f"{c:>8.3f}" if c == c else f"{'-':>8}" for c in cells))
    a = result["consignees"]["agent_clients"]
    h = result["routes"]["legit_hub_routes"]
    lines += ["", f"registered-agent clients in the top 10/50/100 consignees: {a['in_top_10']}/{a['in_top_50']}/{a['in_top_100']} "
              f"(of {a['total']})",
              f"legitimate SGSIN/HKHKG routes in the top 10/50/100 routes: {h['in_top_10']}/{h['in_top_50']}/{h['in_top_100']} "
              f"(of {h['total']})"]
    v = result["routes"].get("variants")
    if v:
        lines.append(f"laundering routes by variant: {v['two_declaration']} two-declaration (through a free zone; "
                     f"{v['two_declaration_share']:.0%} of the positives, AP {v['ap_two_declaration']:.3f}), "
                     f"{v['single_declaration']} single-declaration (AP {v['ap_single_declaration']:.3f})")
    c = result.get("chains")
    if c:
        lines.append(f"chain findings: {c['n']:,} chains, {c['positives']} laundering, AP {c['average_precision']:.3f}, "
                     f"P@10/50/100 {c['precision_at_10']:.2f}/{c['precision_at_50']:.2f}/{c['precision_at_100']:.2f}; "
                     f"{c['planted_exits_found']} of {c['planted_exits']} planted laundering exits reached")
        legit = ", ".join(f"{k} {x['in_top_10']}/{x['in_top_50']}/{x['in_top_100']} (of {x['total']})"
                          for k, x in c["legit_in_top"].items())
        lines.append(f"legitimate chains in the top 10/50/100 chain findings: {legit}")
    return "\n".join(lines)


def print_report(result: dict) -> None:
    print(format_report(result))
