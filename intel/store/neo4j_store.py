"""The server store: any Neo4j 5 (self-hosted, container, cluster or Aura) via the official
driver.

Install with ``pip install 'illicit-trade-intel[neo4j]'``. Every statement comes from
:mod:`intel.store.neo4j_cypher` (labels, types and property names only from the model; all
values as parameters). Writes go in batches of ``batch_size`` rows (default 5,000), each one
a managed write transaction (``Driver.execute_query``), which the driver retries on
transient errors (deadlocks, leader switches); ``progress(name, done, total)`` is called
after each batch. Upserts are set differences (:mod:`._setdiff`), so re-running a load that
was interrupted writes only what is missing. Reads of whole labels use keyset pagination on
the unique key (pages of ``chunk`` rows, constant cost per page).

Not verified against a live server in this repository's CI unless ``NEO4J_URI`` is set (see
``docs/neo4j.md``); the statements are syntax-checked offline (``tools/cypher_check``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from intel import model
from intel.model import NodeType, RelType

from . import _frames as fr
from . import neo4j_cypher as cy
from ._neighbourhood import Expansion, walk
from ._setdiff import SetDifferenceStore, _node_type, _rel_type
from .base import StoreError

__all__ = ["Neo4jStore", "Progress"]

#: ``progress(what, done, total)`` after each written batch
Progress = Callable[[str, int, int], None]

_INSTALL = "pip install 'illicit-trade-intel[neo4j]'"


def _driver_module() -> Any:
    try:
        import neo4j
    except ImportError:
        raise StoreError(f"the Neo4j backend needs the neo4j driver: {_INSTALL}") from None
    return neo4j


class Neo4jStore(SetDifferenceStore):
    """A :class:`~intel.store.base.Store` on a Neo4j server (see the module docstring)."""

    def __init__(self, uri: str, user: str = "neo4j", password: str = "",
                 database: str = "neo4j", read_only: bool = False, batch_size: int = 5_000,
                 progress: Progress | None = None, home: Path | str | None = None) -> None:
        self._neo4j = _driver_module()
        self.uri, self.database, self.read_only = uri, database, read_only
        self.batch_size = max(int(batch_size), 1)
        self.progress = progress
        home = Path(home or os.environ.get("INTEL_HOME") or "./intel-data").expanduser()
        self.quarantine_dir, self.state_dir = home / "quarantine", home / "state"
        self._driver = self._connect(user, password)
        if not read_only:
            self.quarantine_dir.mkdir(parents=True, exist_ok=True)
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.init_schema()

    def _connect(self, user: str, password: str) -> Any:
        neo4j = self._neo4j
        try:
            driver = neo4j.GraphDatabase.driver(self.uri, auth=(user, password))
            driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            raise StoreError(f"Neo4j at {self.uri} refused user {user!r}: check NEO4J_USERNAME "
                             "and NEO4J_PASSWORD") from None
        except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, ValueError) as exc:
            raise StoreError(f"cannot reach Neo4j at {self.uri}: {_one_line(exc)}") from None
        return driver

    # -- execution -----------------------------------------------------------------------
    def _execute(self, cypher: str, params: dict[str, Any] | None = None, write: bool = False,
                 frame: bool = True) -> Any:
        neo4j = self._neo4j
        routing = neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ
        transform = (lambda r: r.to_df(parse_dates=True)) if frame else (lambda r: r.consume())
        try:
            return self._driver.execute_query(cypher, params or {}, routing_=routing,
                                              database_=self.database,
                                              result_transformer_=transform)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            raise StoreError(f"Neo4j: {_one_line(exc)}") from None

    def _write_batches(self, what: str, cypher: str, rows: pa.Table,
                       shape: Callable[[pa.Table], list[dict]]) -> int:
        self._check_writable()
        done = matched = 0
        for start in range(0, rows.num_rows, self.batch_size):
            batch = rows.slice(start, self.batch_size)
            result = self._execute(cypher, {"rows": shape(batch)}, write=True)
            matched += int(result["n"].sum()) if "n" in result else 0
            done += batch.num_rows
            if self.progress:
                self.progress(what, done, rows.num_rows)
        return matched

    def _read_keys(self, cypher: str, keys: pa.Array, schema: pa.Schema) -> pa.Table:
        """Run ``cypher`` for ``keys`` in batches; the rows as a table typed by ``schema``."""
        parts = [self._typed(self._execute(cypher, {"keys": keys.slice(i, 50_000).to_pylist()}),
                             schema) for i in range(0, len(keys), 50_000)]
        return pa.concat_tables(parts) if parts else schema.empty_table()

    @staticmethod
    def _typed(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
        if frame.empty:
            return schema.empty_table()
        types = {f.name: _portable(f.type) for f in schema}
        return fr.to_arrow(_native_times(frame), types, schema.names)

    # -- schema --------------------------------------------------------------------------
    def init_schema(self) -> None:
        """Uniqueness constraints on every key, indexes on searchable properties."""
        self._check_writable()
        for stmt in cy.schema_statements():
            self._execute(stmt, write=True, frame=False)

    # -- set-difference primitives ------------------------------------------------------
    def _fetch_hashes(self, nt: NodeType, keys: pa.Array) -> pa.Table:
        schema = fr.arrow_schema({nt.key: "STRING", fr.HASH_COLUMN: "INT64"},
                                 [nt.key, fr.HASH_COLUMN])
        return self._read_keys(cy.fetch_hashes(nt), keys, schema)

    def _fetch_node_rows(self, nt: NodeType, keys: pa.Array, columns: list[str]) -> pa.Table:
        return self._read_keys(cy.fetch_rows(nt, columns), keys,
                               fr.arrow_schema({**nt.properties, fr.HASH_COLUMN: "INT64"}, columns))

    def _insert_nodes(self, nt: NodeType, table: pa.Table) -> None:
        self._write_batches(nt.label, cy.merge_nodes(nt), table, _node_rows)

    def _update_nodes(self, nt: NodeType, table: pa.Table) -> int:
        return self._write_batches(nt.label, cy.set_nodes(nt), table, _node_rows)

    def _fetch_rels(self, rt: RelType, src_keys: pa.Array, columns: list[str]) -> pa.Table:
        types = {"src": "STRING", "dst": "STRING", **rt.properties}
        return self._read_keys(cy.fetch_rels(rt, columns), src_keys,
                               fr.arrow_schema(types, ["src", "dst", *columns]))

    def _insert_rels(self, rt: RelType, table: pa.Table) -> None:
        self._write_batches(rt.type, cy.merge_rels(rt), table, lambda b: _rel_rows(rt, b))

    def _update_rels(self, rt: RelType, table: pa.Table) -> None:
        self._write_batches(rt.type, cy.update_rels(rt), table, lambda b: _rel_rows(rt, b))

    def _delete_rels(self, rt: RelType, table: pa.Table) -> None:
        self._write_batches(rt.type, cy.delete_rels(rt), table, lambda b: _rel_rows(rt, b))

    # -- Store API ----------------------------------------------------------------------
    def delete_nodes(self, label: str, keys: list[str]) -> int:
        nt = _node_type(label)
        table = pa.table({"key": pa.array(list(dict.fromkeys(map(str, keys))), pa.string())})
        self._check_writable()
        deleted = 0
        for start in range(0, table.num_rows, self.batch_size):
            batch = table["key"].slice(start, self.batch_size).to_pylist()
            deleted += int(self._execute(cy.delete_nodes(nt), {"keys": batch}, write=True)
                           ["n"].sum())
        return deleted

    def nodes(self, label: str, columns: list[str] | None = None, chunk: int = 200_000
              ) -> pd.DataFrame:
        """All ``label`` nodes in key order, read in pages of ``chunk`` rows."""
        nt = _node_type(label)
        cols = [nt.key, *[c for c in (columns or nt.columns) if c != nt.key]]
        _known(nt.label, cols, nt.properties)
        schema = fr.arrow_schema(nt.properties, cols)
        pages = self._pages(cy.node_page(nt, cols), nt.key, schema, max(chunk, 2))
        return fr.to_frame(pages)

    def rels(self, rel_type: str, columns: list[str] | None = None) -> pd.DataFrame:
        """All ``rel_type`` relationships (``src``, ``dst`` + properties), by source pages."""
        rt = _rel_type(rel_type)
        props = [c for c in (columns or rt.columns) if c not in ("src", "dst")]
        _known(rt.type, props, rt.properties)
        schema = fr.arrow_schema({"src": "STRING", "dst": "STRING", **rt.properties},
                                 ["src", "dst", *props])
        table = self._pages(cy.rel_page(rt, props), "src", schema, 50_000)
        return fr.to_frame(table.filter(pc.is_valid(table["dst"])))

    def _pages(self, cypher: str, key: str, schema: pa.Schema, chunk: int) -> pa.Table:
        """Keyset pagination: ``key >= $after``; the row(s) of ``after`` itself, already read
        on the previous page, are dropped."""
        parts, after = [], ""
        while True:
            page = self._typed(self._execute(cypher, {"after": after, "chunk": chunk}), schema)
            if parts:
                page = page.filter(pc.not_equal(page[key], after))
            if page.num_rows == 0:
                break
            parts.append(page)
            after = pc.max(page[key]).as_py()
        return pa.concat_tables(parts) if parts else schema.empty_table()

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run ``cypher`` with ``params`` (read routing when the store is read-only)."""
        if params is not None and not isinstance(params, dict):
            raise StoreError("query parameters must be a dict of name -> value")
        return self._execute(cypher, params, write=not self.read_only)

    def neighbourhood(self, label: str, key: str, depth: int = 1, limit: int = 200
                      ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        _node_type(label)
        return walk(self._fetch_node, self._expand, label, str(key), depth, limit)

    def _fetch_node(self, label: str, key: str) -> dict[str, Any] | None:
        rows = self._execute(cy.fetch_node(model.node(label)), {"key": key})
        return None if rows.empty else _native_props(rows["props"].iloc[0])

    def _expand(self, exp: Expansion, keys: list[str], cap: int) -> pd.DataFrame:
        rows = self._execute(cy.expand(exp.rel, exp.anchor, exp.other, exp.outgoing),
                             {"keys": keys, "cap": cap})
        if rows.empty:
            return pd.DataFrame(columns=["anchor", "key", "props"])
        return rows.assign(props=rows["props"].map(_native_props))

    def counts(self) -> dict[str, int]:
        return {label: int(self._execute(cy.count_nodes(nt))["n"].iloc[0])
                for label, nt in model.NODES.items()}

    # -- Graph Data Science ---------------------------------------------------------------
    def has_gds(self) -> bool:
        """Whether the server has the Graph Data Science plugin."""
        try:
            self._execute(cy.gds_version())
        except StoreError:
            return False
        return True

    def gds_louvain(self, rel_types: Sequence[str] = ("HAS_IDENTIFIER",), label: str = "Party",
                    max_iterations: int = 10, write: bool = True) -> pd.DataFrame:
        """Louvain communities, in the database, of the ``label`` nodes over ``rel_types``
        (undirected); returns ``key, community_id`` and, with ``write``, stores
        ``community_id`` (as text, ``gds-<n>``) on those nodes."""
        nt = _node_type(label)
        rts = [_rel_type(r) for r in rel_types]
        labels = sorted({e for rt in rts for e in (rt.source, rt.target)} | {nt.label})
        graph = f"intel-louvain-{uuid.uuid4().hex[:12]}"
        rels = {rt.type: {"orientation": "UNDIRECTED"} for rt in rts}
        self._execute(cy.gds_project(), {"graph": graph, "labels": labels, "rels": rels},
                      write=True)
        try:
            found = self._execute(cy.gds_louvain_stream(nt),
                                  {"graph": graph, "iterations": int(max_iterations)})
        finally:
            self._execute(cy.gds_drop(), {"graph": graph}, write=True)
        result = pd.DataFrame({nt.key: found.get(nt.key, pd.Series(dtype=object)),
                               "community_id": "gds-" + found.get(
                                   "community", pd.Series(dtype=object)).astype(str)})
        if write and not result.empty:
            self.set_properties(nt.label, result)
        return result

    def close(self) -> None:
        driver, self._driver = getattr(self, "_driver", None), None
        if driver is not None:
            driver.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, database={self.database!r})"


def _portable(t: pa.DataType) -> str:
    return next(name for name, arrow in fr.ARROW_TYPES.items() if arrow == t)


def _known(owner: str, columns: Sequence[str], known: dict[str, str]) -> None:
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise StoreError(f"{owner} has no column(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(known)}")


def _struct(table: pa.Table, columns: list[str]) -> pa.Array:
    if not columns:
        return pa.array([{}] * table.num_rows, type=pa.struct([]))
    return pa.StructArray.from_arrays([table[c].combine_chunks() for c in columns],
                                      names=columns)


def _node_rows(batch: pa.Table) -> list[dict]:
    """``[{key, props}]`` built by Arrow (no per-row Python work beyond the driver's)."""
    key, props = batch.column_names[0], batch.column_names[1:]
    return pa.table({"key": batch[key], "props": _struct(batch, props)}).to_pylist()


def _rel_rows(rt: RelType, batch: pa.Table) -> list[dict]:
    ids = ["src", "dst", *([rt.key] if rt.key else [])]
    props = [c for c in batch.column_names if c not in ids]
    columns = {"src": batch["src"], "dst": batch["dst"], "props": _struct(batch, props)}
    if rt.key:
        columns["key"] = batch[rt.key]
    return pa.table(columns).to_pylist()


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def _native_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Driver temporal objects (``neo4j.time.*``) as Python ones."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            sample = out[column].dropna()
            if len(sample) and hasattr(sample.iloc[0], "to_native"):
                out[column] = out[column].map(_native)
    return out


def _native_props(props: Any) -> dict[str, Any]:
    return {k: _native(v) for k, v in dict(props or {}).items()}


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0]
