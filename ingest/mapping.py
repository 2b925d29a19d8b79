"""Column mappings: load another layout without touching code (see the contract's "Mappings").

```yaml
kind: declarations            # optional; checked against the command's KIND
columns:                      # source column -> contract column
  Importer ID: consignee_id
constants:                    # contract column -> value set on every row
  reporting_country: KR
codes:                        # contract column -> {source value: contract value}
  transport_mode: {10: sea, 40: air, 90: ""}
```

Rules:

* The YAML is read with every scalar as text (``yaml.BaseLoader``): ``10``, ``010``, ``NO``
  (Norway), ``2024-01-01`` and ``true`` stay exactly as written.
* Source column names are compared like the readers' names: case-insensitive, stripped,
  inner whitespace collapsed. A mapped source column missing from the file is noted, not fatal.
* A file column that already carries a contract name which a mapping now fills from another
  column is kept as an extra, renamed ``<name>_unmapped``.
* ``codes`` keys are compared as text with the cell value after stripping; an exact match wins,
  then a case-insensitive one. ``""`` (or ``~``/``null``) means empty (unknown). Values not
  listed pass through unchanged. Codes apply after renaming and before constants.
* ``constants`` overwrite the column on every row (an empty constant blanks it).
* Unknown top-level keys, a kind mismatch, unknown contract targets, or two sources for one
  target raise :class:`IngestError` with a one-line reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping as _MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ingest.contract import IngestError
from ingest.contract import kind as get_kind
from ingest.readers import RawFrame

__all__ = ["Mapping", "apply_mapping", "load_mapping", "parse_mapping"]

_EMPTY = {"", "~", "null", "Null", "NULL"}
_TOP_KEYS = {"kind", "columns", "constants", "codes"}


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping: every key and value is text (``None`` = empty for codes/constants)."""

    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str | None] = field(default_factory=dict)
    codes: dict[str, dict[str, str | None]] = field(default_factory=dict)
    source: str = "mapping"


def _norm_name(name: str) -> str:
    return " ".join(str(name).replace("\ufeff", "").split()).lower()


def _text(v: Any) -> str | None:
    """A YAML scalar (loaded as text) as a contract value; empty markers -> ``None``."""
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        raise TypeError(type(v).__name__)
    s = str(v).strip()
    return None if s in _EMPTY else s


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping YAML file (structure only; targets are checked on apply)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise IngestError(f"mapping {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise IngestError(f"mapping {path}: cannot read it ({e})") from None
    try:
        doc = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar stays text
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise IngestError(f"mapping {path}: invalid YAML{at}") from None
    return parse_mapping(doc if doc is not None else {}, source=str(path))


def parse_mapping(doc: _MappingABC[str, Any], source: str = "mapping") -> Mapping:
    """Build a :class:`Mapping` from an already-loaded document (e.g. a dict in tests).

    Values that are not strings (a dict built in Python with ``{10: "sea"}``) are turned into
    text, so ``10`` and ``"10"`` mean the same key.
    """
    if not isinstance(doc, dict):
        raise IngestError(f"{source}: a mapping must be a YAML mapping with "
                          "kind/columns/constants/codes")
    unknown = sorted(set(map(str, doc)) - _TOP_KEYS)
    if unknown:
        raise IngestError(f"{source}: unknown key(s) {', '.join(unknown)}; expected "
                          "kind, columns, constants, codes")
    kind = _text(doc.get("kind"))
    columns: dict[str, str] = {}
    constants: dict[str, str | None] = {}
    codes: dict[str, dict[str, str | None]] = {}
    try:
        for src, dst in _section(doc, "columns", source).items():
            target = _text(dst)
            if target is None:
                raise IngestError(f"{source}: column {src!r} is mapped to nothing")
            columns[_norm_name(src)] = target.lower()
        for col, value in _section(doc, "constants", source).items():
            constants[str(col).strip().lower()] = _text(value)
        for col, table in _section(doc, "codes", source).items():
            if not isinstance(table, dict):
                raise IngestError(f"{source}: codes for {col!r} must be a mapping "
                                  "{source value: contract value}")
            codes[str(col).strip().lower()] = {
                ("" if k is None else str(k).strip()): _text(v) for k, v in table.items()}
    except TypeError as e:
        raise IngestError(f"{source}: a value is a {e}, expected text") from None
    return Mapping(kind=kind.lower() if kind else None, columns=columns, constants=constants,
                   codes=codes, source=source)


def _section(doc: _MappingABC[str, Any], key: str, source: str) -> dict[Any, Any]:
    value = doc.get(key)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise IngestError(f"{source}: '{key}' must be a mapping")
    return value


def check_mapping(mapping: Mapping, kind: str) -> None:
    """Raise :class:`IngestError` when the mapping does not fit ``kind``."""
    k = get_kind(kind)
    if mapping.kind and mapping.kind != k.name:
        raise IngestError(f"{mapping.source} is for kind '{mapping.kind}', not '{k.name}'")
    targets = list(mapping.columns.values()) + list(mapping.constants) + list(mapping.codes)
    unknown = sorted({t for t in targets if t not in k})
    if unknown:
        raise IngestError(f"{mapping.source}: unknown {k.name} column(s) {', '.join(unknown)}")
    seen: dict[str, str] = {}
    for src, dst in mapping.columns.items():
        if dst in seen:
            raise IngestError(f"{mapping.source}: columns {seen[dst]!r} and {src!r} are both "
                              f"mapped to {dst}")
        seen[dst] = src


def apply_mapping(raw: RawFrame, mapping: Mapping | None, kind: str) -> RawFrame:
    """``raw`` with the mapping applied: renamed columns, coded values, constants.

    Returns a new :class:`RawFrame` (same rows, lines and raw text); notes say which mapped
    columns were missing from the file.
    """
    if mapping is None:
        return raw
    check_mapping(mapping, kind)
    data = raw.data.copy()
    notes = list(raw.notes)
    present = set(data.columns)
    rename: dict[str, str] = {}
    missing = []
    for src, dst in mapping.columns.items():
        if src in present:
            if src != dst:
                rename[src] = dst
        else:
            missing.append(src)
    if missing:
        notes.append(f"mapped column(s) not in {Path(raw.source_file).name}: "
                     f"{', '.join(missing)}")
    # a file column already named like a target that another column now fills: keep it aside
    clash = {dst for dst in rename.values() if dst in present and dst not in rename}
    aside = {c: f"{c}_unmapped" for c in clash}
    data = data.rename(columns={**aside, **rename})
    header = {rename.get(k, aside.get(k, k)): v for k, v in raw.header.items()}

    for col, table in mapping.codes.items():
        if col not in data.columns:
            if col not in mapping.constants:
                notes.append(f"codes for {col}: no such column in the file")
            continue
        data[col] = recode(data[col], table)
    n = len(data)
    for col, value in mapping.constants.items():
        data[col] = pd.Series([value] * n if value is not None else np.full(n, np.nan),
                              index=data.index, dtype="str")
    return dataclasses.replace(raw, data=data, notes=notes, header=header)


def recode(values: pd.Series, table: dict[str, str | None]) -> pd.Series:
    """Replace values by ``table`` (keys compared as text: exact, then case-insensitive);
    ``None`` targets become missing; unlisted values pass through."""
    if not table:
        return values
    s = values.astype("str")
    exact = s.map(table)
    hit = s.isin(list(table))
    lower = {k.lower(): v for k, v in reversed(list(table.items()))}
    ci_hit = ~hit & s.notna() & s.str.lower().isin(list(lower))
    out = s.where(~hit, exact)
    if ci_hit.any():
        out = out.where(~ci_hit, s.str.lower().map(lower))
    # missing cells can be coded too (key "")
    if "" in table:
        out = out.where(s.notna(), table[""])
    return out.astype("str")
