"""Idempotent set-difference upserts, written once for every backend.

A backend supplies a handful of bulk primitives (fetch stored hashes or rows for a batch of
keys, insert a table of new rows, update a table of changed rows, the same for
relationships); this module decides which rows are new, which changed and which are
identical:

1. the frame is typed by the model (:mod:`._frames`) and deduplicated on its key (last wins);
2. the stored ``_row_hash`` of the incoming keys is fetched; keys not stored are *new* and
   go to the backend's bulk insert (``COPY`` / batched ``MERGE``);
3. keys whose stored hash differs from the incoming one (or is NULL: ``set_properties``
   clears it) are compared value by value with the stored row; only rows that really differ
   are updated, the others just get their hash repaired.

Relationships are keyed on ``(src, dst)`` plus the model's ``key`` property when it declares
one; stored relationships of the incoming sources are fetched and anti-joined.

``set_properties`` (scores written back by every analyze) is a set difference too: the stored
values of the incoming keys are read a batch at a time and only the values that differ are
written, grouped by which columns differ (a re-analyze that changes nothing writes nothing;
one that moves the scores does not rewrite unchanged reasons).

Because every step is a set difference against what is stored, re-running a load that was
killed half-way writes exactly what is missing.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from intel import model
from intel.model import NodeType, RelType

from . import _frames as fr
from .base import Store, StoreError

__all__ = ["SetDifferenceStore"]

class SetDifferenceStore(Store):
    """A :class:`Store` whose upserts are computed as set differences (see module docs)."""

    read_only: bool = False

    # -- primitives a backend implements -------------------------------------------------
    @abc.abstractmethod
    def _fetch_hashes(self, nt: NodeType, keys: pa.Array) -> pa.Table:
        """Stored ``(key, _row_hash)`` for those of ``keys`` that exist."""

    @abc.abstractmethod
    def _fetch_node_rows(self, nt: NodeType, keys: pa.Array, columns: list[str]) -> pa.Table:
        """Stored values of ``columns`` (key first; may include ``_row_hash``) for those of
        ``keys`` that exist."""

    @abc.abstractmethod
    def _insert_nodes(self, nt: NodeType, table: pa.Table) -> None:
        """Bulk-insert rows whose keys are not stored (key, some columns, ``_row_hash``)."""

    @abc.abstractmethod
    def _update_nodes(self, nt: NodeType, table: pa.Table) -> int:
        """Set the non-key columns of ``table`` on the stored nodes; returns nodes matched."""

    @abc.abstractmethod
    def _fetch_rels(self, rt: RelType, src_keys: pa.Array, columns: list[str]) -> pa.Table:
        """Stored relationships (``src, dst`` + ``columns``) leaving ``src_keys``, plus one
        row with a NULL ``dst`` for each stored source without any; sources that are not
        stored give no row at all."""

    @abc.abstractmethod
    def _insert_rels(self, rt: RelType, table: pa.Table) -> None:
        """Bulk-insert relationships (``src, dst`` + every model property, in order)."""

    @abc.abstractmethod
    def _update_rels(self, rt: RelType, table: pa.Table) -> None:
        """Set the properties of ``table`` on stored relationships matched by their id."""

    @abc.abstractmethod
    def _delete_rels(self, rt: RelType, table: pa.Table) -> None:
        """Delete the stored relationships matched by their id (``src, dst`` + key)."""

    # -- Store API built on them --------------------------------------------------------
    def upsert_nodes(self, label: str, df: pd.DataFrame) -> int:
        nt = _node_type(label)
        table = _prepare_nodes(nt, df)
        if table.num_rows == 0:
            return 0
        table = table.append_column(fr.HASH_COLUMN, fr.row_hash(table))
        stored = self._fetch_hashes(nt, table[nt.key].combine_chunks())
        new = fr.anti_join(table, stored, [nt.key])
        if new.num_rows:
            self._insert_nodes(nt, new)
        return new.num_rows + self._update_changed_nodes(nt, table, stored)

    def _update_changed_nodes(self, nt: NodeType, table: pa.Table, stored: pa.Table) -> int:
        known = fr.semi_join(table, stored, [nt.key])
        suspects = fr.anti_join(known, stored, [nt.key, fr.HASH_COLUMN])
        if suspects.num_rows == 0:
            return 0
        values = suspects.drop_columns([fr.HASH_COLUMN])
        current = self._fetch_node_rows(nt, values[nt.key].combine_chunks(), values.column_names)
        changed = fr.changed_rows(values, current, [nt.key])
        if changed.num_rows:
            self._update_nodes(nt, fr.semi_join(suspects, changed, [nt.key]))
        same = fr.anti_join(suspects, changed, [nt.key])
        if same.num_rows:
            self._update_nodes(nt, same.select([nt.key, fr.HASH_COLUMN]))
        return changed.num_rows

    def upsert_rels(self, rel_type: str, df: pd.DataFrame, fresh: bool = False) -> int:
        rt = _rel_type(rel_type)
        table = _prepare_rels(rt, df)
        if table.num_rows == 0:
            return 0
        ids = _rel_id_columns(rt)
        props = [c for c in table.column_names if c not in ids]
        if fresh:  # sources created by this load: nothing stored to compare with
            self._check_ends(rt, table, "src")
            self._check_ends(rt, table, "dst")
            self._insert_rels(rt, _with_all_properties(rt, table))
            return table.num_rows
        stored = self._fetch_rels(rt, _distinct(table["src"]), [c for c in rt.properties
                                                                if c in table.column_names])
        _check_present(rt, "src", rt.source, _distinct(table["src"]), stored["src"])
        self._check_ends(rt, table, "dst")
        stored = fr.dedupe_last(stored.filter(pc.is_valid(stored["dst"])), ids)
        new = fr.anti_join(table, stored, ids)
        if new.num_rows:
            self._insert_rels(rt, _with_all_properties(rt, new))
        changed = fr.changed_rows(fr.semi_join(table, stored, ids), stored, ids) if props else \
            table.slice(0, 0)
        if changed.num_rows:
            self._update_rels(rt, changed)
        return new.num_rows + changed.num_rows

    def prune_rels(self, rel_type: str, sources: Sequence[str], keep: pd.DataFrame) -> int:
        """Delete the ``rel_type`` relationships leaving ``sources`` whose id (``src, dst`` and
        the model's key property) is not in ``keep``; returns how many went. With
        :meth:`upsert_rels` of ``keep`` after it, the sources' relationships become exactly
        ``keep`` (an amended declaration's edges follow its new values)."""
        rt = _rel_type(rel_type)
        keys = pa.array(list(dict.fromkeys(map(str, sources))), pa.string())
        if not len(keys):
            return 0
        self._check_writable()
        ids = _rel_id_columns(rt)
        stored = self._fetch_rels(rt, keys, ids[2:])
        stored = stored.filter(pc.is_valid(stored["dst"])).select(ids)
        stale = fr.anti_join(stored, _prepare_rels(rt, keep).select(ids), ids) if len(keep) else stored
        if stale.num_rows:
            self._delete_rels(rt, stale)
        return stale.num_rows

    def _check_ends(self, rt: RelType, table: pa.Table, end: str) -> None:
        label = rt.target if end == "dst" else rt.source
        keys = _distinct(table[end])
        found = self._fetch_hashes(model.node(label), keys)
        _check_present(rt, end, label, keys, found.column(0))

    #: rows compared (and written) per round of :meth:`set_properties`
    set_batch_rows: int = 100_000

    def set_properties(self, label: str, df: pd.DataFrame) -> int:
        """Set the columns of ``df`` on the stored nodes of its keys; returns how many of the
        keys are stored. The stored values are read first (a batch of rows at a time) and only
        the values that differ are written, on the nodes where they differ; a written node's
        ``_row_hash`` is cleared (an untouched node keeps values and hash as they were)."""
        nt = _node_type(label)
        table = _prepare_properties(nt, df)
        if table.num_rows == 0:
            return 0
        self._check_writable()
        matched = 0
        for start in range(0, table.num_rows, self.set_batch_rows):
            batch = table.slice(start, self.set_batch_rows)
            current = self._fetch_node_rows(nt, batch[nt.key].combine_chunks(),
                                            [*batch.column_names, fr.HASH_COLUMN])
            matched += current.num_rows
            for rows, columns, clear_hash in _differences(batch, current, nt.key):
                update = batch.take(rows).select([nt.key, *columns])
                if clear_hash:
                    update = update.append_column(fr.HASH_COLUMN, pa.nulls(len(rows), pa.int64()))
                self._update_nodes(nt, update)
        return matched

    def record_load(self, info: dict) -> None:
        """Upsert one ``Load`` node (unknown keys are ignored; lists are stored as JSON)."""
        self.upsert_nodes("Load", pd.DataFrame([info]))

    def loads(self) -> pd.DataFrame:
        """Every recorded load, oldest first."""
        frame = self.nodes("Load")
        return frame.sort_values(["started_at", "load_id"], na_position="last",
                                 ignore_index=True)

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.uri} was opened read-only; open it for writing")


def _node_type(label: str) -> NodeType:
    try:
        return model.node(label)
    except KeyError as exc:
        raise StoreError(exc.args[0]) from None


def _rel_type(rel_type: str) -> RelType:
    try:
        return model.rel(rel_type)
    except KeyError as exc:
        raise StoreError(exc.args[0]) from None


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise StoreError(f"{what} frame lacks column(s) {', '.join(missing)}; "
                         f"it has {', '.join(map(str, df.columns)) or 'none'}")


def _no_null_keys(table: pa.Table, columns: Sequence[str], what: str) -> None:
    for c in columns:
        if table[c].null_count:
            raise StoreError(f"{what}: {table[c].null_count} row(s) have no {c}")


def _prepare_nodes(nt: NodeType, df: pd.DataFrame) -> pa.Table:
    _require(df, [nt.key], nt.label)
    table = fr.to_arrow(df, nt.properties, [c for c in nt.columns if c in df.columns])
    _no_null_keys(table, [nt.key], nt.label)
    return fr.dedupe_last(table, [nt.key])


def _prepare_properties(nt: NodeType, df: pd.DataFrame) -> pa.Table:
    _require(df, [nt.key], nt.label)
    unknown = [c for c in df.columns if c not in nt.properties]
    if unknown:
        raise StoreError(f"{nt.label} has no propert(ies) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(nt.properties)}")
    columns = [nt.key, *[c for c in df.columns if c != nt.key]]
    table = fr.to_arrow(df, nt.properties, columns)
    _no_null_keys(table, [nt.key], nt.label)
    return fr.dedupe_last(table, [nt.key])


def _rel_types(rt: RelType) -> dict[str, str]:
    return {"src": "STRING", "dst": "STRING", **rt.properties}


def _rel_id_columns(rt: RelType) -> list[str]:
    return ["src", "dst", *([rt.key] if rt.key else [])]


def _prepare_rels(rt: RelType, df: pd.DataFrame) -> pa.Table:
    ids = _rel_id_columns(rt)
    _require(df, ids, rt.type)
    table = fr.to_arrow(df, _rel_types(rt), [c for c in rt.columns if c in df.columns])
    _no_null_keys(table, ids, rt.type)
    return fr.dedupe_last(table, ids)


def _with_all_properties(rt: RelType, table: pa.Table) -> pa.Table:
    """``src, dst`` and every model property in model order (NULL where absent)."""
    columns = {c: table[c] if c in table.column_names else pa.nulls(table.num_rows,
                                                                     fr.ARROW_TYPES[t])
               for c, t in _rel_types(rt).items()}
    return pa.table(columns, schema=fr.arrow_schema(_rel_types(rt), columns))


def _check_present(rt: RelType, end: str, label: str, wanted: pa.Array,
                   found: pa.ChunkedArray) -> None:
    """A clear error when relationships name endpoints that are not stored."""
    missing = wanted.filter(pc.invert(pc.is_in(wanted, value_set=_distinct(found))))
    if len(missing):
        sample = ", ".join(repr(k) for k in missing.to_pylist()[:3])
        raise StoreError(f"{rt.type}: {len(missing)} {end} key(s) name a {label} that is not in "
                         f"the store (e.g. {sample}); load the {label} nodes first")


def _differences(incoming: pa.Table, current: pa.Table, key: str
                 ) -> list[tuple[np.ndarray, list[str], bool]]:
    """Rows of ``incoming`` (stored, per ``current``) whose values differ from the stored ones,
    grouped by which columns differ: ``(row positions, columns, clear the stored hash)``.
    NULL equals NULL; doubles compare bit for bit (``-0.0`` is not ``0.0``)."""
    columns = [c for c in incoming.column_names if c != key]
    at = pc.index_in(incoming[key].combine_chunks(), value_set=current[key].combine_chunks())
    stored = pc.is_valid(at).to_numpy(zero_copy_only=False)
    pattern = np.zeros(incoming.num_rows, dtype=np.int64)
    for bit, c in enumerate(columns):
        pattern |= _differs(incoming[c].combine_chunks(), current[c].take(at).combine_chunks()
                            ).astype(np.int64) << bit
    pattern[~stored] = 0
    hashed = pc.is_valid(current[fr.HASH_COLUMN].take(at)).to_numpy(zero_copy_only=False)
    pattern[(pattern != 0) & hashed] |= 1 << len(columns)
    out = []
    for p in np.unique(pattern[pattern != 0]).tolist():
        out.append((np.flatnonzero(pattern == p), [c for bit, c in enumerate(columns) if p >> bit & 1],
                    bool(p >> len(columns) & 1)))
    return out


def _differs(new: pa.Array, old: pa.Array) -> np.ndarray:
    """Per row: the values differ (one NULL and the other not, or both set and unequal)."""
    new_set = pc.is_valid(new).to_numpy(zero_copy_only=False)
    old_set = pc.is_valid(old).to_numpy(zero_copy_only=False)
    if pa.types.is_floating(new.type):
        a = pc.fill_null(new, 0.0).to_numpy(zero_copy_only=False).view(np.int64)
        b = pc.fill_null(old.cast(new.type), 0.0).to_numpy(zero_copy_only=False).view(np.int64)
        equal = a == b
    else:
        equal = pc.fill_null(pc.equal(new, old.cast(new.type)), False).to_numpy(zero_copy_only=False)
    return (new_set != old_set) | (new_set & old_set & ~equal)


def _distinct(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    unique = pc.unique(column)
    return unique.combine_chunks() if isinstance(unique, pa.ChunkedArray) else unique
