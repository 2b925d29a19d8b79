"""Distances between hubs: sea lanes for ships, great circles for everything else.

Sea legs follow ``searoute``'s bundled maritime network (offline), searched with scipy's
Dijkstra from each port once (the same lengths as ``searoute.searoute`` within 0.1%, at a
fraction of the cost per pair); air, road, rail and post legs, and any leg the network
cannot give, fall back to the great-circle (haversine) distance. Hubs without coordinates
give no distance. Every pair is computed once per :class:`Distances`.

>>> round(haversine_km(1.264, 103.84, 13.083, 100.883))
1354
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["haversine_km", "Distances", "SEA_MODES"]

EARTH_RADIUS_KM = 6371.0088
#: transport modes whose legs follow sea lanes
SEA_MODES = frozenset({"sea", "maritime", "vessel", "ship", "1"})


def haversine_km(lat1, lon1, lat2, lon2):  # noqa: ANN001, ANN201 - scalars or arrays
    """Great-circle distance in kilometres (scalars or numpy arrays)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    d = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


class _SeaGraph:
    """searoute's maritime network as a sparse matrix, so one Dijkstra run (scipy, in C) from a
    port gives its sea distance to every other port. Restricted passages follow searoute's
    default (the Northwest Passage is closed). Hubs snap to the nearest network node the way
    ``searoute.searoute`` does."""

    _instance: "_SeaGraph | None" = None
    _failed = False

    def __init__(self) -> None:
        import importlib

        from scipy.sparse import coo_matrix

        module = importlib.import_module("searoute.searoute")
        graph = module.setup_M()
        nodes = list(graph.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        rows, cols, weights = [], [], []
        for u, v, data in graph.edges(data=True):
            if data.get("passage") == "northwest":
                continue
            rows.append(index[u])
            cols.append(index[v])
            weights.append(max(float(data.get("weight") or 0.0), 1e-6))  # explicit zeros would vanish
        n = len(nodes)
        self.matrix = coo_matrix((weights, (rows, cols)), shape=(n, n)).tocsr()
        self.index = index
        self.kdtree = graph.kdtree
        self._rows: dict[int, np.ndarray] = {}
        self._snapped: dict[tuple[float, float], int] = {}

    @classmethod
    def get(cls) -> "_SeaGraph | None":
        if cls._instance is None and not cls._failed:
            try:
                cls._instance = cls()
            except Exception:  # noqa: BLE001 - no maritime network: great circles only
                cls._failed = True
        return cls._instance

    def node(self, lat: float, lon: float) -> int:
        key = (lat, lon)
        if key not in self._snapped:
            self._snapped[key] = self.index[tuple(self.kdtree.query((lon, lat)))]
        return self._snapped[key]

    def km(self, a: tuple[float, float], b: tuple[float, float]) -> float | None:
        from scipy.sparse.csgraph import dijkstra

        source, target = self.node(*a), self.node(*b)
        if source not in self._rows:
            self._rows[source] = dijkstra(self.matrix, directed=False, indices=source)
        d = float(self._rows[source][target])
        return d if math.isfinite(d) else None


class Distances:
    """Leg and path distances between hubs, cached per unordered pair and mode family.

    ``hubs`` is a frame with ``locode, lat, lon`` (other columns ignored); hubs without
    coordinates give ``None`` for every leg that touches them.
    """

    def __init__(self, hubs: pd.DataFrame | None, use_sea: bool = True) -> None:
        self.coords: dict[str, tuple[float, float]] = {}
        if hubs is not None and len(hubs) and {"locode", "lat", "lon"} <= set(hubs.columns):
            frame = hubs[["locode", "lat", "lon"]].copy()
            frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
            frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
            frame = frame.dropna()
            self.coords = {str(k): (float(la), float(lo)) for k, la, lo in frame.itertuples(index=False)}
        self.use_sea = use_sea
        self._cache: dict[tuple[str, str, bool], float | None] = {}
        self._loaded = 0
        self.sea_calls = 0

    @classmethod
    def cached(cls, hubs: pd.DataFrame | None, path: Path) -> Distances:
        """Distances holding the legs an earlier run saved at ``path`` (:meth:`save`): the
        sea-lane searches are the slow part of the routes analytic, and a leg's length only
        changes with its hubs' coordinates, so a cache made for other coordinates, or one that
        cannot be read, is ignored."""
        dist = cls(hubs)
        if Path(path).is_file():
            try:  # JSON, not pickle: the state folder is data, never code
                saved = json.loads(Path(path).read_text(encoding="utf-8"))
                if saved.get("coords") == {k: list(v) for k, v in dist.coords.items()}:
                    dist._cache.update({(a, b, bool(sea)): d for a, b, sea, d in saved["legs"]})
                    dist._loaded = len(dist._cache)
            except (ValueError, KeyError, TypeError):
                dist._cache.clear()
        return dist

    def save(self, path: Path) -> None:
        """Keep the legs for the next run at ``path`` when this one added any (atomically)."""
        if len(self._cache) <= self._loaded:
            return
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        legs = [[a, b, sea, d] for (a, b, sea), d in self._cache.items()]
        tmp.write_text(json.dumps({"coords": {k: list(v) for k, v in self.coords.items()}, "legs": legs}), encoding="utf-8")
        tmp.replace(path)
        self._loaded = len(self._cache)

    def leg(self, a: str, b: str, mode: str | None = "sea") -> float | None:
        """Distance of one leg in km; sea lanes for sea mode, great circle otherwise."""
        if a == b:
            return 0.0
        ca, cb = self.coords.get(a), self.coords.get(b)
        if ca is None or cb is None:
            return None
        sea = self.use_sea and str(mode or "").lower() in SEA_MODES
        key = (min(a, b), max(a, b), sea)
        if key not in self._cache:
            dist = None
            if sea:
                graph = _SeaGraph.get()
                if graph is not None:
                    self.sea_calls += 1
                    dist = graph.km(ca, cb)
            if dist is None or dist <= 0:
                dist = haversine_km(ca[0], ca[1], cb[0], cb[1])
            self._cache[key] = dist
        return self._cache[key]

    def path(self, hubs: Sequence[str], mode: str | None = "sea") -> float | None:
        """Sum of the legs along ``hubs`` in order; None when any leg is unknown."""
        total = 0.0
        for a, b in zip(hubs[:-1], hubs[1:]):
            d = self.leg(a, b, mode)
            if d is None:
                return None
            total += d
        return total
