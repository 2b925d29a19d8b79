"""The store interface every backend implements (LadybugDB embedded, Neo4j server)."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, Self

import pandas as pd

__all__ = ["Store", "StoreError"]


class StoreError(RuntimeError):
    """A store problem worth one clear line to the user."""


class Store(abc.ABC):
    """A graph store holding the model declared in :mod:`intel.model`.

    Upserts are idempotent set-difference loads keyed on the model's keys: new keys are
    bulk-loaded, existing keys with changed properties are updated, identical rows are left
    alone. Relationships are keyed on ``(src, dst)`` plus the relationship's ``key`` property
    when the model declares one. Every query is parameterised.
    """

    uri: str
    #: folder for the quarantine CSVs (embedded: STORE/quarantine)
    quarantine_dir: Path
    #: folder for app state (app.sqlite), findings parquet files and trained models
    state_dir: Path

    @abc.abstractmethod
    def init_schema(self) -> None:
        """Create node/relationship tables (or constraints and indexes); safe to repeat."""

    @abc.abstractmethod
    def upsert_nodes(self, label: str, df: pd.DataFrame) -> int:
        """Insert new and update changed nodes; returns the number of rows written."""

    @abc.abstractmethod
    def upsert_rels(self, rel_type: str, df: pd.DataFrame, fresh: bool = False) -> int:
        """Insert missing relationships (columns ``src``, ``dst`` and properties).
        ``fresh=True``: the caller created every source node in this load, so none has a
        stored relationship yet and the look-up of stored ones may be skipped."""

    @abc.abstractmethod
    def set_properties(self, label: str, df: pd.DataFrame) -> int:
        """Set properties on existing nodes; ``df`` has the key column plus the properties."""

    @abc.abstractmethod
    def prune_rels(self, rel_type: str, sources: list[str], keep: pd.DataFrame) -> int:
        """Delete the relationships leaving ``sources`` that ``keep`` (``src, dst``, key)
        does not hold; returns how many were deleted."""

    @abc.abstractmethod
    def delete_nodes(self, label: str, keys: list[str]) -> int:
        """Delete nodes (and their relationships) by key."""

    @abc.abstractmethod
    def nodes(self, label: str, columns: list[str] | None = None, chunk: int = 200_000
              ) -> pd.DataFrame:
        """All nodes of a label as a frame, key column first (read in chunks of ``chunk``
        rows where the backend needs it)."""

    @abc.abstractmethod
    def rels(self, rel_type: str, columns: list[str] | None = None) -> pd.DataFrame:
        """All relationships of a type as a frame with ``src``, ``dst`` and properties."""

    @abc.abstractmethod
    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised Cypher query and return its rows."""

    def query_columns(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """:meth:`query` for large results (tens of thousands of rows): the backend may move
        them column by column, and text columns may come back as pandas' string type."""
        return self.query(cypher, params)

    def query_columns_all(self, statements: list[tuple[str, dict[str, Any]]]) -> list[pd.DataFrame]:
        """:meth:`query_columns` of independent read statements, in order; a backend may run
        them side by side."""
        return [self.query_columns(cypher, params) for cypher, params in statements]

    @abc.abstractmethod
    def neighbourhood(
        self, label: str, key: str, depth: int = 1, limit: int = 200
    ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        """Nodes (``id, label, key, caption, props``) and edges (``src, dst, type``) within
        ``depth`` hops of one node, at most ``limit`` nodes; the flag says it was capped."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Node count per label."""

    @abc.abstractmethod
    def record_load(self, info: dict[str, Any]) -> None:
        """Record (or update, by ``load_id``) one ingest run as a ``Load`` node."""

    @abc.abstractmethod
    def loads(self) -> pd.DataFrame:
        """Every recorded load, oldest first."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the database."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
