"""Run every analytic on the store's projection, write the findings and the contract's files.

``analyze(store, cfg, out_dir)`` = read the projection, :func:`analyze_projection` (pure:
frames in, frames out), then :func:`write_outputs` (CSV + Parquet) and :func:`write_back`
(scores onto the graph). The sibling analytics (tips, valuation, deminimis, consignees,
communities) are imported lazily by name, so a missing one is reported and skipped, never
fatal; an analytic that fails is reported in the summary (``errors``) and the others go on,
unless ``strict=True``.
"""

from __future__ import annotations

import importlib
import itertools
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from intel.analytics import chains as chains_mod
from intel.analytics import population
from intel.analytics import risk as risk_mod
from intel.analytics import routes as routes_mod
from intel.analytics.geo import Distances
from intel.analytics.features import text
from intel.analytics.projection import Projection, read_projection
from intel.config import Settings

__all__ = ["analyze", "analyze_projection", "write_outputs", "write_back", "CSV_FILES", "PARQUET_FILES"]

#: frame name -> (file name, contract columns first)
CSV_FILES = {
    "declarations": ("declaration_risk.csv", ["declaration_id", "reporting_country", "risk_score", "lane", "reasons",
                                              "consignee_party_id", "route_id", "item_no", "decl_key"]),
    "consignees": ("consignee_findings.csv", ["party_id", "display_name", "aliases", "declaration_count", "score",
                                              "reasons", "community_id"]),
    "routes": ("route_findings.csv", ["route_id", "route", "declaration_count", "score", "reasons"]),
    "communities": ("communities.csv", ["community_id", "size", "score", "reasons", "members"]),
    "hubs": ("hub_ranking.csv", ["locode", "name", "country", "ftz", "declaration_count", "suspicious_flow",
                                 "betweenness", "score", "reasons"]),
    "tip_matches": ("tip_matches.csv", ["tip_id", "target_label", "target_key", "score", "evidence"]),
    "chains": ("chain_findings.csv", ["chain_id", "score", "reasons", "decl_keys", "units", "hubs", "dwell_days",
                                      "origin_in", "origin_out", "hs_in", "hs_out", "preference"]),
}
PARQUET_FILES = {name: f"{name}.parquet" for name in CSV_FILES}
_LIST_COLUMNS = {"reasons", "members", "aliases", "tip_ids", "evidence", "countries", "hubs", "hs_chapters",
                 "decl_keys", "units", "dwell_days", "reporting_countries"}
TIP_RELS = {"Party": "TIP_NAMES", "Identifier": "TIP_IDENT", "Hub": "TIP_PORT", "Declaration": "TIP_FLAGS"}


class _Stages:
    """Runs named stages, timing them, reporting progress and collecting failures."""

    def __init__(self, progress: Callable[[str], Any] | None, strict: bool) -> None:
        self.progress, self.strict = progress, strict
        self.timings: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self.missing: list[str] = []

    def __call__(self, name: str, fn: Callable[[], Any], default: Any = None) -> Any:
        if self.progress is not None:
            self.progress(name)
        start = time.perf_counter()
        try:
            return fn()
        except ModuleNotFoundError as exc:
            if self.strict or not (exc.name or "").startswith("intel.analytics."):
                raise
            self.missing.append(name)
            warnings.warn(f"analytic {name!r} is not installed ({exc.name}); its part is left out", stacklevel=2)
            return default
        except Exception as exc:  # noqa: BLE001 - one failing analytic must not sink the others
            if self.strict:
                raise
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"analytic {name!r} failed and was left out: {type(exc).__name__}: {exc}\n"
                          f"{traceback.format_exc(limit=3)}", stacklevel=2)
            return default
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)


def _sibling(name: str):  # noqa: ANN202 - a module
    return importlib.import_module(f"intel.analytics.{name}")


def analyze_projection(proj: Projection, cfg: Settings, progress: Callable[[str], Any] | None = None,
                       model_dir: Path | None = None, strict: bool = False,
                       distance_cache: Path | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Run the analytics on a projection; returns ``(frames, summary)`` where frames are the
    findings (``declarations, consignees, routes, communities, hubs, tip_matches`` plus the
    raw parts) and the summary holds counts, timings, learning and any failures.
    ``distance_cache``: where hub distances are kept between runs (``geo.Distances.cached``)."""
    stage = _Stages(progress, strict)
    tips_out = stage("tips", lambda: _sibling("tips").run(proj, cfg), (None, None))
    tip_matches, decl_tip = tips_out if isinstance(tips_out, tuple) else (None, None)
    val_out = stage("valuation", lambda: _with_norms(_sibling("valuation"), proj, cfg), (None, None))
    valuation, valuation_norms = val_out if isinstance(val_out, tuple) else (None, None)
    deminimis = stage("deminimis", lambda: _sibling("deminimis").run(proj, cfg))
    consignees = stage("consignees", lambda: _sibling("consignees").run(proj, cfg, tip_matches=tip_matches, valuation=valuation,
                                                                    deminimis=deminimis))
    party_scores = consignees[["party_id", "score"]] if isinstance(consignees, pd.DataFrame) and "score" in consignees else None
    comm_out = stage("communities", lambda: _sibling("communities").run(proj, cfg, party_scores=party_scores), (None, None))
    communities, membership = comm_out if isinstance(comm_out, tuple) else (None, None)
    parts: dict[str, Any] = {"consignees": consignees, "valuation": valuation, "deminimis": deminimis, "tips": decl_tip,
                             "communities": communities, "membership": membership}
    computed = stage("risk parts", lambda: risk_mod.part_scores(proj, cfg, parts))
    other = risk_mod.other_score(proj, cfg, parts, computed=computed) if computed is not None else None
    dist = Distances.cached(routes_mod.hub_info(proj.hubs).reset_index(), distance_cache) if distance_cache else None
    chains, decl_chain = stage("chains", lambda: chains_mod.run(proj, cfg), (None, None))
    routes, decl_route, hubs, route_combinations = stage(
        "routes", lambda: routes_mod.assess(proj, cfg, decl_scores=other, dist=dist, chains=chains, decl_chain=decl_chain),
        (None, None, None, None))
    if dist is not None:
        dist.save(distance_cache)
    parts["routes"] = decl_route
    risk = stage("risk", lambda: risk_mod.run(proj, cfg, parts, computed=computed))
    if risk is None:  # the combination itself failed: every declaration still gets a row
        risk = risk_mod.run(proj, cfg, {})
    learned = stage("learn", lambda: _learn(proj, cfg, risk, parts, model_dir))
    if learned is not None and learned.beats_rules and learned.probability is not None:
        risk = risk_mod.blend(risk, learned.probability, cfg, "learned from past inspection outcomes")
    frames = {
        "declarations": _declaration_frame(proj, risk),
        "consignees": _consignee_frame(proj, consignees, membership),
        "routes": routes if routes is not None else pd.DataFrame(columns=CSV_FILES["routes"][1]),
        "communities": _community_frame(communities),
        "hubs": hubs if hubs is not None else pd.DataFrame(columns=CSV_FILES["hubs"][1]),
        "tip_matches": tip_matches if isinstance(tip_matches, pd.DataFrame) else pd.DataFrame(columns=CSV_FILES["tip_matches"][1]),
        "chains": chains if isinstance(chains, pd.DataFrame) else pd.DataFrame(columns=CSV_FILES["chains"][1]),
    }
    extra = {"decl_route": decl_route, "membership": membership, "valuation": valuation, "deminimis": deminimis,
             "decl_tip": decl_tip, "valuation_norms": valuation_norms, "route_combinations": route_combinations,
             "decl_chain": decl_chain}
    lanes = frames["declarations"]["lane"].value_counts().to_dict()
    summary = {
        "counts": {"declarations": len(frames["declarations"]), "consignees": len(frames["consignees"]),
                   "routes": len(frames["routes"]), "communities": len(frames["communities"]),
                   "hubs": len(frames["hubs"]), "tip_matches": len(frames["tip_matches"]), "chains": len(frames["chains"]),
                   **{f"lane_{k}": int(v) for k, v in lanes.items()}},
        "timings": stage.timings, "errors": stage.errors, "missing": stage.missing,
        "learn": learned.summary() if learned is not None else {"status": "failed", "reason": stage.errors.get("learn", "")},
    }
    summary["notes"] = [
        *(f"analytic {name} is not available: its part is left out" for name in stage.missing),
        *(f"analytic {name} failed and was left out ({err})" for name, err in stage.errors.items()),
        f"learning {summary['learn']['status']}: {summary['learn']['reason']}",
    ]
    return {**frames, **{k: v for k, v in extra.items() if v is not None}}, summary


def _with_norms(module, proj: Projection, cfg: Settings) -> tuple[pd.DataFrame, pd.DataFrame | None]:  # noqa: ANN001
    """The valuation findings and the norms they were judged against (kept for pre-arrival
    scoring); an analytic with only ``run`` gives no norms."""
    if hasattr(module, "assess"):
        return module.assess(proj, cfg)
    return module.run(proj, cfg), None


def _learn(proj: Projection, cfg: Settings, risk: pd.DataFrame, parts: dict, model_dir: Path | None):  # noqa: ANN202
    from intel.analytics import learn

    return learn.run(proj, cfg, risk, parts, model_dir=model_dir)


def _declaration_frame(proj: Projection, risk: pd.DataFrame) -> pd.DataFrame:
    out = risk.copy()
    item = proj.decl["item_no"].reset_index(drop=True) if "item_no" in proj.decl else pd.Series(pd.NA, index=out.index)
    out["item_no"] = pd.to_numeric(item, errors="coerce").astype("Int64").to_numpy()
    return out


def _consignee_frame(proj: Projection, consignees: pd.DataFrame | None, membership: pd.DataFrame | None) -> pd.DataFrame:
    """One row for every party that received goods, flagged or not."""
    receiver = text(proj.decl["consignee"]) if "consignee" in proj.decl else pd.Series([], dtype=object)
    counts = receiver[receiver.ne("")].value_counts()
    out = pd.DataFrame({"party_id": counts.index.astype(str), "declaration_count": counts.to_numpy().astype(int)})
    parties = proj.parties
    if len(parties) and "party_id" in parties:
        info = parties.assign(party_id=text(parties["party_id"])).drop_duplicates("party_id").set_index("party_id")
        for c in ("display_name", "aliases"):
            out[c] = out["party_id"].map(text(info[c]) if c in info else pd.Series(dtype=object)).fillna("")
    else:
        out["display_name"], out["aliases"] = "", ""
    if isinstance(consignees, pd.DataFrame) and "party_id" in consignees:
        c = consignees.assign(party_id=text(consignees["party_id"])).drop_duplicates("party_id")
        extra = [k for k in c.columns if k not in {"display_name", "aliases", "declaration_count", "community_id"}]
        out = out.merge(c[extra], on="party_id", how="left")
    if "score" not in out:
        out["score"] = 0.0
    out["score"] = pd.to_numeric(out["score"], errors="coerce").fillna(0.0).clip(0, 1)
    if "reasons" not in out:
        out["reasons"] = [[] for _ in range(len(out))]
    out["reasons"] = out["reasons"].map(lambda r: risk_mod._reasons_list(r))
    if isinstance(membership, pd.DataFrame) and {"party_id", "community_id"} <= set(membership.columns):
        m = membership.assign(party_id=text(membership["party_id"])).drop_duplicates("party_id").set_index("party_id")
        out["community_id"] = out["party_id"].map(text(m["community_id"])).fillna("")
    else:
        out["community_id"] = ""
    return out.sort_values(["score", "declaration_count"], ascending=False, kind="stable").reset_index(drop=True)


def _community_frame(communities: pd.DataFrame | None) -> pd.DataFrame:
    if not isinstance(communities, pd.DataFrame) or communities.empty:
        return pd.DataFrame(columns=CSV_FILES["communities"][1])
    out = communities.copy()
    if "members" in out:
        out["members"] = out["members"].map(lambda m: "|".join(map(str, m)) if isinstance(m, (list, tuple, np.ndarray, set)) else ("" if m is None else str(m)))
    return out


# ---------------------------------------------------------------- writing
#: rows per CSV chunk and per write-back batch: the flattened text of one batch at a time
#: (a million joined reasons are ~0.5 GB of Python strings)
_CHUNK_ROWS = 100_000


def _flat(value: Any, sep: str) -> str:
    if isinstance(value, (list, tuple, np.ndarray, set)):
        return sep.join(str(v) for v in value)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _text_lists(values: np.ndarray, kinds: tuple[type, ...]) -> bool:
    """Every value is exactly one of ``kinds`` and every item in them is exactly ``str``."""
    if not set(map(type, values)) <= set(kinds):
        return False
    return set(map(type, itertools.chain.from_iterable(values))) <= {str}


def _flat_values(column: pd.Series, sep: str) -> np.ndarray:
    """``column.map(lambda v: _flat(v, sep))`` as an object array; lists and tuples of text
    (the usual reasons) are joined without a Python call per row."""
    values = column.to_numpy(dtype=object)
    if _text_lists(values, (list, tuple)):
        return np.array([sep.join(v) for v in values], dtype=object)
    return np.array([_flat(v, sep) for v in values], dtype=object)


def _csv_layout(name: str, frame: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The columns of the CSV file in order, and the separator for each column of lists."""
    columns = CSV_FILES[name][1]
    if name == "declarations":
        extra = [c for c in ("rule_score", "learned_probability") if c in frame.columns]
    else:
        extra = [c for c in frame.columns if c not in columns]
    order = [*columns, *extra]
    lists = {}
    for c in order:
        # a missing column is added as pd.NA (object dtype): a list column by its name only
        is_list = c in _LIST_COLUMNS if c not in frame.columns else \
            frame[c].dtype == object and _has_lists(frame[c])
        if is_list:
            lists[c] = "|" if c in {"members", "aliases", "tip_ids"} else "; "
    return order, lists


def _csv_part(frame: pd.DataFrame, order: list[str], lists: dict[str, str]) -> pd.DataFrame:
    columns = {}
    for c in order:
        column = frame[c] if c in frame.columns else pd.Series(pd.NA, index=frame.index, dtype=object)
        columns[c] = pd.Series(_flat_values(column, lists[c]), index=frame.index, dtype=object) \
            if c in lists else column
    return pd.DataFrame(columns, index=frame.index)


def _csv_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The contract columns first; the per-declaration file keeps only them plus the rule score
    (the part scores stay in the Parquet findings), the others keep every column."""
    return _csv_part(frame, *_csv_layout(name, frame))


def _write_csv(name: str, frame: pd.DataFrame, path: Path) -> None:
    """:func:`_csv_frame` written as ``to_csv(path, index=False)`` would, byte for byte, in
    chunks of rows (a whole number of pandas' own formatting chunks, so even formats pandas
    decides per chunk come out the same); each chunk is formatted by Arrow when its columns
    allow (:func:`_csv_rows`), else by pandas."""
    order, lists = _csv_layout(name, frame)
    inner = (100_000 // (len(order) or 1)) or 1  # pandas' rows per formatting chunk
    step = inner * max(1, _CHUNK_ROWS // inner)
    with open(path, "wb") as handle:
        for start in range(0, max(len(frame), 1), step):
            part = _csv_part(frame.iloc[start:start + step], order, lists)
            if start == 0:
                handle.write(part.iloc[:0].to_csv(index=False).encode("utf-8"))
            rows = _csv_rows(part) if len(part) else b""
            handle.write(part.to_csv(index=False, header=False).encode("utf-8") if rows is None else rows)


def _csv_rows(frame: pd.DataFrame, checked: bool = True) -> bytes | memoryview | None:
    """The rows of ``frame.to_csv(index=False, header=False)`` formatted by Arrow, or None
    when a column's type is not one this covers (text, float64, int64, Int64, bool) or the
    self-check against pandas failed. Floats are Python's shortest repr (Arrow's digits in
    fixed notation, numpy's for the rest); text is quoted as the csv module does."""
    if frame.shape[1] < 2 or (checked and not _csv_fast_ok()):  # a lone empty field gets quotes
        return None
    cells = []
    for c in range(frame.shape[1]):
        column = _csv_cells(frame.iloc[:, c])
        if column is None:
            return None
        cells.append(column)
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, ","), "", "\n")
    _, offsets, data = lines.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(data)[int(ends[0]):int(ends[-1])]


def _csv_cells(column: pd.Series) -> pa.Array | None:
    dtype = column.dtype
    if dtype == np.float64:
        values = column.to_numpy()
        text = pc.cast(pa.array(values), pa.string())
        size = np.abs(values)
        plain = ((size >= 1e-4) & (size < 1e14)) | (values == 0)  # where repr has no exponent
        plain &= ~pc.match_substring_regex(text, "[en]").to_numpy(zero_copy_only=False)
        text = pc.if_else(pc.match_substring(text, "."), text, pc.binary_join_element_wise(text, ".0", ""))
        if not plain.all():
            other = values[~plain]
            formatted = other.astype(str).astype(object)
            formatted[np.isnan(other)] = ""
            text = pc.replace_with_mask(text, pa.array(~plain), pa.array(formatted, pa.string()))
        return text
    if dtype == np.int64 or isinstance(dtype, pd.Int64Dtype):
        return pc.fill_null(pc.cast(_one_array(pa.array(column, pa.int64(), from_pandas=True)), pa.string()), "")
    if dtype == np.bool_:
        return pc.if_else(pa.array(column.to_numpy()), "True", "False")
    if isinstance(dtype, pd.StringDtype):
        return _csv_quoted(_one_array(pa.array(column, pa.string(), from_pandas=True)))
    if dtype == object:
        values = column.to_numpy()
        kinds = set(map(type, values))
        if not kinds <= {str, type(None), float, type(pd.NA)} or \
                (float in kinds and not all(v != v for v in values if type(v) is float)):  # NaN only
            return None
        return _csv_quoted(_one_array(pa.array(values, pa.string(), from_pandas=True)))
    return None


def _one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _csv_quoted(text: pa.Array) -> pa.Array:
    text = pc.fill_null(text, "")
    need = pc.match_substring_regex(text, _CSV_FAST["quote"])
    if need.true_count:
        inner = text.filter(need)
        quotes = pc.match_substring_regex(inner, '"')  # doubling them is slow: only where there are any
        if quotes.true_count:
            inner = pc.replace_with_mask(inner, quotes, pc.replace_substring(inner.filter(quotes), '"', '""'))
        text = pc.replace_with_mask(text, need, pc.binary_join_element_wise('"', inner, '"', ""))
    return text


_CSV_FAST: dict[str, Any] = {}


def _csv_fast_ok() -> bool:
    """Whether :func:`_csv_rows` writes exactly what pandas writes: which characters make the
    csv module quote a field, then a check on a sample of awkward values (once per process;
    if it fails, every chunk goes through pandas)."""
    if "ok" not in _CSV_FAST:
        special = {",": ",", '"': '"', "\n": "\\n", "\r": "\\r", "\t": "\\t", " ": " ", ";": ";"}
        quoted = [pattern for ch, pattern in special.items()
                  if pd.DataFrame({"a": [f"x{ch}y"], "b": ["z"]}).to_csv(index=False).startswith('a,b\n"')]
        _CSV_FAST["quote"] = "[" + "".join(quoted) + "]"
        if "," not in quoted:  # not the csv module this was written against
            _CSV_FAST["ok"] = False
            return False
        text = ["a", "", None, "x,y", 'q"t', "l\nm", "r\rs", " sp ", "é€", "t\tu", '"', ",", "a;b", "z", "", "-"]
        samples = [
            pd.DataFrame({
                "f": [0.0, -0.0, 1.0, 0.5, 1e-5, 1.5e-7, 1e-4, 123456789012345.6, 1e16, 2.5e15, np.nan, np.inf,
                      -np.inf, 1 / 3, 100.0, 5e-324],
                "i": np.arange(16, dtype=np.int64) - 3,
                "n": pd.array([1, None, -2, 0] * 4, dtype="Int64"),
                "b": [True, False] * 8,
                "s": pd.array(text, dtype="str"),
                "o": np.array(["p", None, np.nan, pd.NA, "", "k,l", 'm"n', "o\np", "w", "x", "y", "z", "1", "2", "3",
                               "4"], dtype=object)}),
            pd.DataFrame({"f": [np.nan, 1.0], "n": pd.array([None, 1], dtype="Int64"),
                          "s": pd.array([None, "a"], dtype="str"), "o": np.array([None, ""], dtype=object)}),
        ]
        try:
            _CSV_FAST["ok"] = all(bytes(_csv_rows(f, checked=False)) == f.to_csv(index=False, header=False).encode()
                                  for f in samples)
        except Exception:  # noqa: BLE001 - any surprise: pandas writes
            _CSV_FAST["ok"] = False
    return _CSV_FAST["ok"]


def _has_lists(column: pd.Series) -> bool:
    """A column of lists (reasons, members, ...): the known ones, or any whose first values are."""
    if column.name in _LIST_COLUMNS:
        return True
    sample = column.dropna().head(1000)
    return bool(sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray, set))).any())


def _as_text_list(v: Any) -> list[str]:
    if isinstance(v, (list, tuple, np.ndarray, set)):
        return [str(x) for x in v]
    return [] if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else [str(v)]


def _as_text(v: Any) -> str | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)


def _parquet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists of text stay lists; any other object column becomes text (Parquet wants one type).
    Columns that already are lists of text are left as they are (no copy)."""
    changed = {}
    for c in frame.columns:
        column = frame[c]
        if column.dtype != object or pd.api.types.infer_dtype(column, skipna=True) in {"string", "empty"}:
            continue
        if _has_lists(column):
            if not _text_lists(column.to_numpy(), (list,)):
                changed[c] = column.map(_as_text_list)
        else:
            changed[c] = column.map(_as_text)
    if not changed:
        return frame
    out = frame.copy(deep=False)
    for c, column in changed.items():
        out[c] = column
    return out


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """``frame.to_parquet(path, index=False)``, but a large frame's columns of lists are
    converted to Arrow a chunk of rows at a time (one conversion of a million reasons lists
    grows its buffers by doubling: ~0.4 GB more at its peak). Same schema, pandas metadata
    and values; the file differs from pandas' only in where the pages of those columns break.
    The pandas metadata is taken from a sample of rows and used only when the sample's
    column types are those of the whole table; anything unusual goes through pandas."""
    plain = len(frame) <= _CHUNK_ROWS or bool(frame.attrs) or not frame.columns.is_unique or \
        any(isinstance(t, pd.CategoricalDtype) for t in frame.dtypes) or not all(isinstance(c, str) for c in frame.columns)
    lists = [] if plain else \
        [c for c in frame.columns if frame[c].dtype == object and set(map(type, frame[c].to_numpy())) == {list}]
    table = _parquet_table(frame, lists) if lists else None
    if table is None:
        frame.to_parquet(path, index=False)
        return
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="snappy")


def _parquet_table(frame: pd.DataFrame, lists: list[str]) -> pa.Table | None:
    rest = pa.Table.from_pandas(frame.drop(columns=lists), preserve_index=False)
    columns, text_list, null_list = {}, pa.list_(pa.string()), pa.list_(pa.null())
    for c in lists:
        values = frame[c].to_numpy()
        chunks = [pa.array(values[i:i + _CHUNK_ROWS], from_pandas=True) for i in range(0, len(values), _CHUNK_ROWS)]
        kinds = {chunk.type for chunk in chunks}
        if kinds == {text_list, null_list}:  # chunks of only empty lists: what one conversion would type them
            chunks = [chunk.cast(text_list) for chunk in chunks]
        elif len(kinds) != 1:
            return None
        columns[c] = pa.chunked_array(chunks)
    rows = {0, *(next((i for i, v in enumerate(frame[c].to_numpy()) if len(v)), 0) for c in lists)}
    sample = pa.Table.from_pandas(frame.iloc[sorted(rows)], preserve_index=False)
    arrays = [columns[c] if c in columns else rest[c] for c in frame.columns]
    if sample.schema.names != list(frame.columns) or [a.type for a in arrays] != sample.schema.types:
        return None
    return pa.Table.from_arrays(arrays, schema=sample.schema)


def write_outputs(frames: dict[str, pd.DataFrame], out_dir: Path | None, findings_dir: Path | None) -> dict[str, str]:
    """The contract CSVs (+ hub ranking and tip matches) to ``out_dir`` and the same frames as
    Parquet to ``findings_dir``; returns the paths written."""
    written = {}
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, (file_name, _) in CSV_FILES.items():
            path = out_dir / file_name
            _write_csv(name, frames[name], path)
            written[file_name] = str(path)
    if findings_dir is not None:
        findings_dir = Path(findings_dir)
        findings_dir.mkdir(parents=True, exist_ok=True)
        for name, file_name in PARQUET_FILES.items():
            path = findings_dir / file_name
            _write_parquet(_parquet_frame(frames[name]), path)
            written[file_name] = str(path)
    return written


def _new_pairs(edges: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``edges`` whose ``(src, dst)`` is not in ``existing`` (order kept)."""
    try:
        left = pa.table({"src": pa.array(edges["src"], pa.string(), from_pandas=True),
                         "dst": pa.array(edges["dst"], pa.string(), from_pandas=True),
                         "_row": pa.array(np.arange(len(edges), dtype=np.int64))})
        right = pa.table({"src": pa.array(existing["src"], pa.string(), from_pandas=True),
                          "dst": pa.array(existing["dst"], pa.string(), from_pandas=True)})
    except (pa.ArrowException, TypeError, ValueError):  # not text: compare the Python values
        have = set(zip(existing["src"], existing["dst"]))
        return edges[[pair not in have for pair in zip(edges["src"], edges["dst"])]]
    keep = left.join(right, keys=["src", "dst"], join_type="left anti")["_row"].to_numpy()
    return edges.iloc[np.sort(keep)]


def write_back(store, frames: dict[str, pd.DataFrame], proj: Projection) -> dict[str, int]:  # noqa: ANN001 - any Store
    """Scores and reasons onto the graph: declarations, parties, routes (+ ON_ROUTE), hubs,
    tip match edges."""
    n: dict[str, int] = {}
    d = frames["declarations"]
    # in batches of rows (the keys are unique), so only one batch of joined reasons is alive
    step = _CHUNK_ROWS if d["decl_key"].is_unique else max(len(d), 1)
    n["Declaration"] = 0
    for start in range(0, max(len(d), 1), step):
        part = d.iloc[start:start + step]
        n["Declaration"] += store.set_properties("Declaration", pd.DataFrame({
            "decl_key": part["decl_key"], "risk_score": part["risk_score"].astype(float), "lane": part["lane"],
            "reasons": pd.Series(_flat_values(part["reasons"], "; "), index=part.index, dtype=object)}))
    c = frames["consignees"]
    parties = pd.DataFrame({"party_id": c["party_id"], "score": c["score"].astype(float),
                            "reasons": c["reasons"].map(lambda r: _flat(r, "; ")), "community_id": c["community_id"].fillna("")})
    membership = frames.get("membership")
    if isinstance(membership, pd.DataFrame) and len(membership):
        others = membership[~membership["party_id"].isin(set(parties["party_id"]))]
        known = set(text(proj.parties["party_id"])) if "party_id" in proj.parties else set()
        others = others[others["party_id"].isin(known)]
        parties = pd.concat([parties, pd.DataFrame({"party_id": others["party_id"], "score": 0.0, "reasons": "",
                                                    "community_id": others["community_id"].astype(str)})], ignore_index=True)
    n["Party"] = store.set_properties("Party", parties)
    r = frames["routes"]
    if len(r):
        n["Route"] = store.upsert_nodes("Route", pd.DataFrame({
            "route_id": r["route_id"], "route": r["route"], "declaration_count": r["declaration_count"].astype(int),
            "score": r["score"].astype(float), "reasons": r["reasons"].map(lambda x: _flat(x, "; "))}))
        edges = pd.DataFrame({"src": d["decl_key"], "dst": d["route_id"]})
        existing = store.rels("ON_ROUTE", ["src", "dst"])
        if len(existing):
            edges = _new_pairs(edges, existing)
        del existing
        n["ON_ROUTE"] = store.upsert_rels("ON_ROUTE", edges) if len(edges) else 0
    h = frames["hubs"]
    known_hubs = set(text(proj.hubs["locode"])) if "locode" in proj.hubs else set()
    h = h[h["locode"].isin(known_hubs)]
    if len(h):
        n["Hub"] = store.set_properties("Hub", pd.DataFrame({"locode": h["locode"], "score": h["score"].astype(float),
                                                               "reasons": h["reasons"].map(lambda x: _flat(x, "; "))}))
    t = frames["tip_matches"]
    for label, rel in TIP_RELS.items():
        sub = t[t["target_label"] == label] if len(t) else t
        if len(sub):
            edges = pd.DataFrame({"src": sub["tip_id"].astype(str), "dst": sub["target_key"].astype(str),
                                  "score": pd.to_numeric(sub["score"], errors="coerce").astype(float),
                                  "evidence": sub["evidence"].map(lambda x: _flat(x, "; "))})
            edges = edges.sort_values("score", ascending=False).drop_duplicates(["src", "dst"])
            n[rel] = store.upsert_rels(rel, edges)
    return n


def analyze(store, cfg: Settings, out_dir: Path | str | None = None,  # noqa: ANN001 - any Store
            progress: Callable[[str], Any] | None = None, strict: bool = False) -> dict:
    """Run every analytic on the store, write the findings (CSV to ``out_dir`` when given,
    Parquet to ``state_dir/findings``), set the scores on the graph, return a summary
    (counts, timings per stage, learning, failures)."""
    start = time.perf_counter()
    if progress is not None:
        progress("projection")
    t0 = time.perf_counter()
    proj = read_projection(store)
    read_s = round(time.perf_counter() - t0, 3)
    state = Path(store.state_dir)
    from intel.analytics.incremental import DISTANCE_CACHE

    frames, summary = analyze_projection(proj, cfg, progress, model_dir=state / "models", strict=strict,
                                         distance_cache=state.joinpath(*DISTANCE_CACHE))
    if progress is not None:
        progress("write")
    t0 = time.perf_counter()
    summary["files"] = write_outputs(frames, Path(out_dir) if out_dir is not None else None, state / "findings")
    stats = population.from_analysis(proj, frames)
    if stats is not None:  # pre-arrival scoring judges batches against these
        population.save(state, stats)
    else:
        population.clear(state)
    summary["written"] = write_back(store, frames, proj)
    summary["timings"] = {"projection": read_s, **summary["timings"], "write": round(time.perf_counter() - t0, 3),
                          "total": round(time.perf_counter() - start, 3)}
    return summary
