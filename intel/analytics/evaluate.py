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
    """``declarations, consignees, routes`` from an output folder (the contract CSVs), a
    findings folder (Parquet) or a store (its ``state_dir/findings``)."""
    if hasattr(source, "state_dir"):
        source = Path(source.state_dir) / "findings"
    folder = Path(source)
    names = {"declarations": "declaration_risk", "consignees": "consignee_findings", "routes": "route_findings"}
    out = {}
    for key, stem in names.items():
        csv, parquet = folder / f"{stem}.csv", folder / f"{key}.parquet"
        if csv.is_file():
            out[key] = _read(csv)
        elif parquet.is_file():
            out[key] = pd.read_parquet(parquet)
        else:
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
    return result


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
    return "\n".join(lines)


def print_report(result: dict) -> None:
    print(format_report(result))
