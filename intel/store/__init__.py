"""Graph stores: LadybugDB embedded (default) or a Neo4j server, behind one interface.

>>> store = open_store("embedded:./intel-data")          # doctest: +SKIP
>>> store = open_store("neo4j+s://xxxx.databases.neo4j.io")  # doctest: +SKIP

Accepted URIs: ``embedded:PATH``, a bare ``PATH``, ``neo4j://``, ``neo4j+s://``,
``neo4j+ssc://``, ``bolt://``, ``bolt+s://``, ``bolt+ssc://``. Without one, ``$INTEL_STORE``,
else ``embedded:./intel-data``. Neo4j credentials come from ``$NEO4J_USERNAME`` /
``$NEO4J_PASSWORD`` and the database from ``$NEO4J_DATABASE`` (default ``neo4j``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .base import Store, StoreError

__all__ = [
    "DEFAULT_STORE",
    "NEO4J_SCHEMES",
    "Store",
    "StoreError",
    "open_store",
    "parse_store_uri",
    "resolve_uri",
]

DEFAULT_STORE = "embedded:./intel-data"
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_ACCEPTED = ("embedded:PATH, a bare PATH, " + ", ".join(f"{s}://HOST[:PORT]" for s in NEO4J_SCHEMES))


def parse_store_uri(uri: str | None = None) -> tuple[str, str]:
    """``("embedded", path)`` or ``("neo4j", uri)`` for a store URI (see module docs)."""
    uri = (uri or os.environ.get("INTEL_STORE") or DEFAULT_STORE).strip()
    if uri.startswith("embedded:"):
        path = uri[len("embedded:"):].removeprefix("//")
        if not path:
            raise StoreError(f"store URI {uri!r} names no folder; accepted forms: {_ACCEPTED}")
        return "embedded", path
    scheme = _SCHEME.match(uri)
    if scheme is None:
        return "embedded", uri
    if scheme.group(1).lower() in NEO4J_SCHEMES:
        return "neo4j", uri
    raise StoreError(f"unknown store URI scheme {scheme.group(1)!r} in {uri!r}; "
                     f"accepted forms: {_ACCEPTED}")


def resolve_uri(uri: str | None = None) -> str:
    """The canonical form of a store URI: ``embedded:<absolute path>`` or the Neo4j URI
    unchanged (so another process, e.g. the dashboard, opens the same store)."""
    kind, target = parse_store_uri(uri)
    if kind == "embedded":
        return f"embedded:{Path(target).expanduser().resolve()}"
    return target


def open_store(uri: str | None = None, read_only: bool = False) -> Store:
    """Open the store named by ``uri`` (default ``$INTEL_STORE``, else ./intel-data)."""
    kind, target = parse_store_uri(uri)
    if kind == "embedded":
        from .ladybug_store import LadybugStore

        return LadybugStore(Path(target), read_only=read_only)
    from .neo4j_store import Neo4jStore

    return Neo4jStore(
        target,
        user=os.environ.get("NEO4J_USERNAME", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
        read_only=read_only,
    )
