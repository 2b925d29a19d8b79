"""Frame normalisation shared by the stores: pandas in, Arrow tables typed by the model out.

Both backends take their column types from :mod:`intel.model`. Incoming frames come from
pandas with whatever dtypes the caller had (``Int64``, ``float64`` with ``NaN``, ``object``,
``str``, ``datetime64[ns, UTC]`` ...); they are converted column by column into an Arrow
table with the model's types so that

* missing values (``None``, ``NaN``, ``NaT``, ``pd.NA``) become real NULLs,
* columns the model does not declare are dropped (they belong in ``extra``),
* columns the model declares but the frame lacks are simply absent (the store writes
  NULL for new rows and leaves existing values alone),
* lists, tuples and dicts in ``STRING`` columns are stored as JSON text (``reasons``),
* time-zone-aware timestamps are converted to naive UTC.

Nothing here loops over rows in Python except the fallback that stringifies an ``object``
column holding non-string values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .base import StoreError

__all__ = [
    "ARROW_TYPES",
    "HASH_COLUMN",
    "anti_join",
    "arrow_schema",
    "changed_rows",
    "dedupe_last",
    "empty_table",
    "row_hash",
    "to_arrow",
    "to_frame",
]

ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}

#: hidden per-node property: a hash of the columns last written by an upsert (a fast
#: pre-filter for change detection; never part of the model, never returned by ``nodes()``)
HASH_COLUMN = "_row_hash"


def arrow_schema(types: Mapping[str, str], columns: Iterable[str]) -> pa.Schema:
    """The Arrow schema for ``columns`` given model ``types`` (name -> portable type)."""
    return pa.schema([pa.field(c, ARROW_TYPES[types[c]]) for c in columns])


def empty_table(types: Mapping[str, str], columns: Iterable[str]) -> pa.Table:
    """A zero-row table with the model's types."""
    return arrow_schema(types, columns).empty_table()


def to_arrow(df: pd.DataFrame, types: Mapping[str, str], columns: Iterable[str]) -> pa.Table:
    """``df[columns]`` as an Arrow table typed by the model (see the module docstring)."""
    arrays = [_column(df[c], types[c], c) for c in columns]
    return pa.Table.from_arrays(arrays, schema=arrow_schema(types, columns))


def _column(s: pd.Series, kind: str, name: str) -> pa.Array:
    converters = {
        "STRING": _strings, "INT64": _ints, "DOUBLE": _doubles,
        "BOOLEAN": _booleans, "TIMESTAMP": _timestamps,
    }
    try:
        return converters[kind](s)
    except (ValueError, TypeError, pa.ArrowException) as exc:
        raise StoreError(f"column {name!r} cannot be stored as {kind}: {exc}") from None


def _strings(s: pd.Series) -> pa.Array:
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    try:
        return pa.array(s, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array(s.astype(object).map(_as_text), type=pa.string(), from_pandas=True)


def _as_text(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (list, tuple, set, dict, np.ndarray)):
        items = sorted(value) if isinstance(value, set) else value
        items = items.tolist() if isinstance(items, np.ndarray) else items
        return json.dumps(items, ensure_ascii=False, default=str)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _ints(s: pd.Series) -> pa.Array:
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        s = pd.to_numeric(s, errors="raise")
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("Int64")
    return pa.array(s, type=pa.int64(), from_pandas=True)


def _doubles(s: pd.Series) -> pa.Array:
    if not pd.api.types.is_float_dtype(s.dtype):
        s = pd.to_numeric(s, errors="raise").astype("Float64")
    return pa.array(s, type=pa.float64(), from_pandas=True)


def _booleans(s: pd.Series) -> pa.Array:
    if pd.api.types.is_bool_dtype(s.dtype):
        return pa.array(s, type=pa.bool_(), from_pandas=True)
    text = s.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
    mapping = {"true": True, "1": True, "yes": True, "y": True,
               "false": False, "0": False, "no": False, "n": False, "1.0": True, "0.0": False}
    bad = text.notna() & ~text.isin(list(mapping))
    if bad.any():
        raise ValueError(f"not a boolean: {s[bad].iloc[0]!r}")
    return pa.array(text.map(mapping).astype(object), type=pa.bool_(), from_pandas=True)


def _timestamps(s: pd.Series) -> pa.Array:
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, errors="raise", utc=True, format="mixed")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return pa.array(s.astype("datetime64[us]"), type=pa.timestamp("us"), from_pandas=True)


def row_hash(table: pa.Table) -> pa.Array:
    """A deterministic 64-bit hash per row of ``table`` (column names included)."""
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    salt = np.uint64(int(pd.util.hash_array(np.array(["|".join(table.column_names)],
                                                     dtype=object))[0]))
    return pa.array((hashed ^ salt).view(np.int64))


def dedupe_last(table: pa.Table, keys: list[str]) -> pa.Table:
    """Keep the last row for each combination of ``keys`` (a later row wins)."""
    if table.num_rows == 0:
        return table
    frame = table.select(keys).to_pandas(types_mapper=pd.ArrowDtype)
    keep = ~frame.duplicated(keep="last").to_numpy()
    return table if keep.all() else table.filter(pa.array(keep))


def anti_join(left: pa.Table, right: pa.Table, keys: list[str]) -> pa.Table:
    """Rows of ``left`` whose ``keys`` do not occur in ``right``."""
    if left.num_rows == 0 or right.num_rows == 0:
        return left
    right = right.select(keys).cast(left.select(keys).schema)
    return _restore_order(left, left.join(right, keys=keys, join_type="left anti"))


def semi_join(left: pa.Table, right: pa.Table, keys: list[str]) -> pa.Table:
    """Rows of ``left`` whose ``keys`` occur in ``right``."""
    if left.num_rows == 0 or right.num_rows == 0:
        return left.slice(0, 0)
    right = right.select(keys).cast(left.select(keys).schema)
    return _restore_order(left, left.join(right, keys=keys, join_type="left semi"))


def _restore_order(left: pa.Table, joined: pa.Table) -> pa.Table:
    return joined.select(left.column_names).cast(left.schema)


def changed_rows(incoming: pa.Table, current: pa.Table, keys: list[str]) -> pa.Table:
    """Rows of ``incoming`` whose non-key columns differ from ``current`` (NULL == NULL).

    ``current`` holds the stored values of the same columns for (some of) the same keys; an
    incoming row without a stored counterpart counts as changed.
    """
    if incoming.num_rows == 0:
        return incoming
    values = [c for c in incoming.column_names if c not in keys]
    left = incoming.to_pandas(types_mapper=pd.ArrowDtype)
    right = current.select(incoming.column_names).cast(incoming.schema)
    merged = left.merge(right.to_pandas(types_mapper=pd.ArrowDtype), on=keys, how="left",
                        suffixes=("", "__stored"), indicator=True)
    differs = (merged["_merge"] != "both").to_numpy(dtype=bool, copy=True)
    for c in values:
        differs |= _differs(merged[c], merged[f"{c}__stored"])
    return incoming.filter(pa.array(differs))


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    na_a, na_b = a.isna().to_numpy(), b.isna().to_numpy()
    equal = (a == b).fillna(False).to_numpy(dtype=bool)
    return ~(equal | (na_a & na_b))


_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a pandas frame: INT64 -> ``Int64``, BOOLEAN -> ``boolean`` (both
    nullable), STRING -> ``str``, DOUBLE -> ``float64``, TIMESTAMP -> ``datetime64[us]``;
    NULL becomes ``<NA>``/``NaN``/``NaT``."""
    return table.to_pandas(types_mapper=_PANDAS_TYPES.get)


def filter_in(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    """Rows of ``table`` whose ``column`` is in ``values``."""
    return table.filter(pc.is_in(table[column], value_set=values))
