"""The embedded store: LadybugDB (the maintained fork of Kùzu), in-process, on disk.

Layout of a store folder ``STORE``::

    STORE/graph/graph.lbug   the database file (plus graph.lbug.wal while a writer holds it)
    STORE/quarantine/        rejected input rows (written by ingest)
    STORE/state/             app.sqlite, findings parquet files, trained models

Bulk paths (measured on a 2-core machine, see ``benchmarks/bench_store.py``): new rows go
through ``COPY <table> FROM $t`` with an Arrow table typed by the model (~280k wide
declaration rows/s); changed rows and :meth:`set_properties` go through
``LOAD FROM $t MATCH (n {key: k0}) SET ...`` (1M declarations x 3 properties in 7-15 s,
depending on machine load; :meth:`set_properties` first reads the stored values, ~4 s for
1M declarations, and writes only the ones that differ);
``MERGE`` (~1,700 rows/s) is never used for loading.

Concurrency, as observed with ladybug 0.22 (see ``tests/test_store_contract.py``):

* one read-write process per database: a second writer fails at once with a lock error,
  reported here as :class:`StoreError` "store ... is in use by another process";
* a **read-only open works while a writer holds the database**, and sees what the writer has
  committed so far (including its write-ahead log); it keeps that snapshot for as long as
  it stays open, so the dashboard should open, read and close;
* while the writer is checkpointing (after a large ``COPY``) a read-only open fails with
  "checkpoint recovery is pending"; :class:`LadybugStore` retries such opens for
  ``wait`` seconds before giving up;
* readers do not block writers.

Every statement is ACID; a load killed half-way (even ``kill -9``) leaves the committed
statements in place, the next read-write open replays the log, and re-running the load
writes what is missing (the upserts are set differences).
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from intel import model
from intel.model import NodeType, RelType

from . import _frames as fr
from . import _ladybug_cypher as cy
from ._neighbourhood import Expansion, walk
from ._setdiff import SetDifferenceStore, _node_type, _rel_type
from .base import StoreError

__all__ = ["DB_FILE", "LadybugStore"]

#: the database file inside a store folder
DB_FILE = Path("graph") / "graph.lbug"

_LOCKED = re.compile(r"Could not set lock on file.*?(?:held by PID (\d+))?", re.DOTALL)
_CHECKPOINTING = "checkpoint recovery is pending"


class LadybugStore(SetDifferenceStore):
    """A :class:`~intel.store.base.Store` on LadybugDB in the folder ``path``.

    ``read_only=True`` opens for reading only (the dashboard); it works while another
    process holds the database for writing (see the module docstring). ``wait`` is how long
    a read-only open retries while a writer is checkpointing.
    """

    def __init__(self, path: Path | str, read_only: bool = False, wait: float = 10.0) -> None:
        self.root = Path(path).expanduser().resolve()
        self.uri = f"embedded:{self.root}"
        self.read_only = read_only
        self.quarantine_dir = self.root / "quarantine"
        self.state_dir = self.root / "state"
        self._db, self._conn = self._open(wait)
        self._owner, self._local, self._others, self._spare = threading.get_ident(), threading.local(), [], []
        if not read_only:
            self.quarantine_dir.mkdir(parents=True, exist_ok=True)
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.init_schema()

    # -- opening -------------------------------------------------------------------------
    def _open(self, wait: float) -> tuple[Any, Any]:
        import ladybug as lb

        db_path = self.root / DB_FILE
        if self.read_only and not db_path.exists():
            raise StoreError(f"no store at {self.root} (no {DB_FILE}); load data into it first")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            try:
                db = lb.Database(str(db_path), read_only=self.read_only)
                return db, lb.Connection(db)
            except RuntimeError as exc:
                if _CHECKPOINTING in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                raise self._open_error(exc) from None

    def _open_error(self, exc: RuntimeError) -> StoreError:
        text = str(exc)
        locked = _LOCKED.search(text)
        if locked:
            pid = f" (pid {locked.group(1)})" if locked.group(1) else ""
            return StoreError(f"store {self.root} is in use by another process{pid} (a load or "
                              "analyze?); retry when it finishes, or open it read-only")
        if _CHECKPOINTING in text:
            return StoreError(f"store {self.root} is being checkpointed by a writing process; "
                              "retry in a moment")
        return StoreError(f"cannot open store {self.root}: {text.splitlines()[0]}")

    # -- schema --------------------------------------------------------------------------
    def init_schema(self) -> None:
        """Create the node and relationship tables of the model; add columns the model
        gained since the store was created. Safe to repeat."""
        self._check_writable()
        for nt in model.NODES.values():
            self._run(cy.create_node_table(nt))
            self._add_missing_columns(nt.label, {**nt.properties, fr.HASH_COLUMN: "INT64"})
        for rt in model.RELS.values():
            self._run(cy.create_rel_table(rt))
            self._add_missing_columns(rt.type, rt.properties)

    def _add_missing_columns(self, table: str, wanted: dict[str, str]) -> None:
        have = set(self._run(f"CALL table_info({_string_literal(table)}) RETURN *")
                   .get_as_df()["name"])
        for column, kind in wanted.items():
            if column not in have:
                self._run(cy.add_column(table, column, kind))

    # -- low-level execution ------------------------------------------------------------
    def _run(self, cypher: str, params: dict[str, Any] | None = None) -> Any:
        try:
            result = self._connection().execute(cypher, params or {})
        except RuntimeError as exc:
            raise StoreError(_one_line(exc)) from None
        return result[-1] if isinstance(result, list) else result

    def _connection(self) -> Any:
        """The calling thread's connection: the opener's own, else one made for the thread.
        LadybugDB runs a writer and readers side by side, each on its own connection, so a
        load can go on in one thread while another works (pre-arrival scoring writes a
        batch's edges while it computes)."""
        if threading.get_ident() == self._owner:
            return self._conn
        held = getattr(self._local, "held", None)
        if held is None:  # a connection for this thread, back to the spares when the thread ends
            if self._spare:
                conn = self._spare.pop()
            else:
                import ladybug as lb

                conn = lb.Connection(self._db)
                self._others.append(conn)  # every one is closed with the store
            held = self._local.held = _Held(conn)
            weakref.finalize(held, self._spare.append, conn)
        return held.conn

    def _arrow(self, cypher: str, params: dict[str, Any] | None = None) -> pa.Table:
        return self._run(cypher, params).get_as_arrow(-1)

    def _scan(self, cypher: str, table: pa.Table) -> pa.Table:
        return self._arrow(cypher, {"t": table})

    # -- set-difference primitives --------------------------------------------------------
    def _fetch_hashes(self, nt: NodeType, keys: pa.Array) -> pa.Table:
        found = self._scan(cy.fetch_hashes(nt), pa.table({"k0": keys}))
        return found.cast(fr.arrow_schema({nt.key: "STRING", fr.HASH_COLUMN: "INT64"},
                                          [nt.key, fr.HASH_COLUMN]))

    def _fetch_node_rows(self, nt: NodeType, keys: pa.Array, columns: list[str]) -> pa.Table:
        found = self._scan(cy.fetch_rows(nt, columns), pa.table({"k0": keys}))
        return found.cast(fr.arrow_schema({**nt.properties, fr.HASH_COLUMN: "INT64"}, columns))

    def _insert_nodes(self, nt: NodeType, table: pa.Table) -> None:
        self._check_writable()
        self._run(cy.copy_nodes(nt, table.column_names), {"t": table})

    def _update_nodes(self, nt: NodeType, table: pa.Table) -> int:
        self._check_writable()
        values = table.column_names[1:]
        scanned = table.rename_columns(cy.load_columns(1, len(values)))
        return int(self._scan(cy.update_nodes(nt, values), scanned)["n"][0].as_py() or 0)

    def _fetch_rels(self, rt: RelType, src_keys: pa.Array, columns: list[str]) -> pa.Table:
        src, dst = model.node(rt.source), model.node(rt.target)
        found = self._scan(cy.fetch_rels(rt, src, dst, columns), pa.table({"k0": src_keys}))
        types = {"src": "STRING", "dst": "STRING", **rt.properties}
        return found.cast(fr.arrow_schema(types, ["src", "dst", *columns]))

    def _insert_rels(self, rt: RelType, table: pa.Table) -> None:
        self._check_writable()
        self._run(cy.copy_rels(rt), {"t": table})

    def _update_rels(self, rt: RelType, table: pa.Table) -> None:
        self._check_writable()
        ids = ["src", "dst", *([rt.key] if rt.key else [])]
        values = [c for c in table.column_names if c not in ids]
        scanned = table.select(ids + values).rename_columns(cy.load_columns(len(ids), len(values)))
        src, dst = model.node(rt.source), model.node(rt.target)
        self._scan(cy.update_rels(rt, src, dst, values), scanned)

    def _delete_rels(self, rt: RelType, table: pa.Table) -> None:
        self._check_writable()
        src, dst = model.node(rt.source), model.node(rt.target)
        self._scan(cy.delete_rels(rt, src, dst), table.rename_columns(cy.load_columns(table.num_columns, 0)))

    # -- Store API --------------------------------------------------------------------------
    def delete_nodes(self, label: str, keys: list[str]) -> int:
        self._check_writable()
        nt = _node_type(label)
        if not len(keys):
            return 0
        table = pa.table({"k0": pa.array(list(dict.fromkeys(map(str, keys))), pa.string())})
        return int(self._scan(cy.delete_nodes(nt), table)["n"][0].as_py() or 0)

    def nodes(self, label: str, columns: list[str] | None = None, chunk: int = 200_000
              ) -> pd.DataFrame:
        """All ``label`` nodes (``columns`` default to every model property, key first).
        ``chunk`` is accepted for interface compatibility; LadybugDB exports in one go."""
        nt = _node_type(label)
        cols = _columns(nt.label, nt.columns, nt.properties, columns, nt.key)
        return fr.to_frame(self._arrow(cy.all_nodes(nt, cols)).cast(
            fr.arrow_schema(nt.properties, cols)))

    def rels(self, rel_type: str, columns: list[str] | None = None) -> pd.DataFrame:
        """All ``rel_type`` relationships: ``src``, ``dst`` and the properties asked for."""
        rt = _rel_type(rel_type)
        props = [c for c in _columns(rt.type, rt.columns, {"src": 1, "dst": 1, **rt.properties},
                                     columns, None) if c not in ("src", "dst")]
        src, dst = model.node(rt.source), model.node(rt.target)
        types = {"src": "STRING", "dst": "STRING", **rt.properties}
        table = self._arrow(cy.all_rels(rt, src, dst, props))
        return fr.to_frame(table.cast(fr.arrow_schema(types, ["src", "dst", *props])))

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run ``cypher`` with ``params`` (values always as parameters, never spliced)."""
        if params is not None and not isinstance(params, dict):
            raise StoreError("query parameters must be a dict of name -> value")
        return self._run(cypher, params).get_as_df()

    def query_columns(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """:meth:`query` through Arrow: 90k declaration rows convert in 0.2 s, not 1.4 s."""
        if params is not None and not isinstance(params, dict):
            raise StoreError("query parameters must be a dict of name -> value")
        return self._arrow(cypher, params).to_pandas()

    #: read statements run side by side by :meth:`query_columns_all` (LadybugDB releases the
    #: GIL while it works: two connections read 90k declarations in 0.6 s instead of 0.9 s)
    read_workers: int = 2

    def query_columns_all(self, statements: list[tuple[str, dict[str, Any]]]) -> list[pd.DataFrame]:
        """Independent read statements, each on its own connection to the database, at most
        :attr:`read_workers` at a time; results in the order given."""
        if len(statements) < 2 or self.read_workers < 2:
            return super().query_columns_all(statements)
        import queue
        from concurrent.futures import ThreadPoolExecutor

        import ladybug as lb

        if any(params is not None and not isinstance(params, dict) for _, params in statements):
            raise StoreError("query parameters must be a dict of name -> value")
        pool: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(min(self.read_workers, len(statements))):
            pool.put(lb.Connection(self._db))

        def run(statement: tuple[str, dict[str, Any]]) -> pd.DataFrame:
            conn = pool.get()
            try:
                result = conn.execute(statement[0], statement[1] or {})
            except RuntimeError as exc:
                raise StoreError(_one_line(exc)) from None
            finally:
                pool.put(conn)
            result = result[-1] if isinstance(result, list) else result
            return result.get_as_arrow(-1).to_pandas()

        with ThreadPoolExecutor(self.read_workers) as workers:
            frames = list(workers.map(run, statements))
        while not pool.empty():
            pool.get().close()
        return frames

    def neighbourhood(self, label: str, key: str, depth: int = 1, limit: int = 200
                      ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        """Bounded neighbourhood (see :mod:`._neighbourhood`); each expansion is one
        statement of at most ``limit + 1`` rows, shaped by :func:`._ladybug_cypher.expand_plan`
        so a hub with 100k+ declarations costs tens of milliseconds."""
        _node_type(label)
        self._sizes: dict[str, int] = {}
        return walk(self._fetch_node, self._expand, label, str(key), depth, limit)

    def _fetch_node(self, label: str, key: str) -> dict[str, Any] | None:
        rows = self._run(cy.fetch_node(model.node(label)), {"key": key}).get_as_df()
        return None if rows.empty else rows.iloc[0].to_dict()

    def _expand(self, exp: Expansion, keys: list[str], cap: int) -> pd.DataFrame:
        plan = cy.expand_plan(len(keys), self._table_rows(exp.anchor))
        params = {"key": keys[0]} if plan == cy.ONE else {"keys": keys}
        rows = self._run(cy.expand(exp.rel, exp.anchor, exp.other, exp.outgoing, cap, plan),
                         params).get_as_df()
        props = rows[exp.other.columns].astype(object).to_dict("records")
        return pd.DataFrame({"anchor": rows["anchor"], "key": rows[exp.other.key],
                             "props": props}, index=rows.index)

    def _table_rows(self, nt: NodeType) -> int:
        sizes = getattr(self, "_sizes", {})
        if nt.label not in sizes:
            sizes[nt.label] = int(self._arrow(cy.count_nodes(nt))["n"][0].as_py())
        return sizes[nt.label]

    def counts(self) -> dict[str, int]:
        return {label: int(self._arrow(cy.count_nodes(nt))["n"][0].as_py())
                for label, nt in model.NODES.items()}

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (readers open faster after)."""
        self._check_writable()
        self._run("CHECKPOINT")

    def close(self) -> None:
        conn, db = getattr(self, "_conn", None), getattr(self, "_db", None)
        others, self._others = getattr(self, "_others", []), []
        self._conn = self._db = None
        for handle in (*others, conn, db):
            if handle is not None:
                handle.close()

    def __repr__(self) -> str:
        return f"LadybugStore({str(self.root)!r}, read_only={self.read_only})"


class _Held:
    """The connection one thread holds (its thread-local slot; dropped when the thread ends)."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: Any) -> None:
        self.conn = conn


def _columns(owner: str, default: list[str], known: dict[str, Any], asked: list[str] | None,
             key: str | None) -> list[str]:
    """Validated projection columns (model names only), the key first when there is one."""
    if asked is None:
        return list(default)
    unknown = [c for c in asked if c not in known]
    if unknown:
        raise StoreError(f"{owner} has no column(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(known)}")
    cols = list(dict.fromkeys(asked))
    return [key, *[c for c in cols if c != key]] if key else cols


def _string_literal(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"refusing table name {name!r}")
    return f"'{name}'"


def _one_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
