"""Community detection: leidenalg vs igraph (Leiden, multilevel) vs networkx Louvain.

Two graphs of a projection's size (default 20k parties, 100k links):

- ``random``: uniform random edges — no structure to find, the worst case for every method;
- ``trade``: planted rings (groups of 5-15 parties densely linked, as a shell ring's fronts
  sharing contact details and one consignor) plus hub consignors shipping to hundreds of
  consignees and random background links — the shape of a real trade graph.

For each graph and method it prints the time, the ratio to the fastest, the modularity
reached and (trade graph) how many planted rings come out whole in one community. Run::

    python benchmarks/bench_communities.py [--nodes 20000] [--edges 100000] [--skip-networkx]
"""

from __future__ import annotations

import argparse
import random
import time

import igraph as ig
import leidenalg
import networkx as nx
import numpy as np

SEED = 42


def random_graph(nodes: int, edges: int, rng: np.random.Generator) -> tuple[np.ndarray, None]:
    pairs = rng.integers(0, nodes, size=(edges, 2))
    return pairs[pairs[:, 0] != pairs[:, 1]], None


def trade_graph(nodes: int, edges: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Planted rings + hubs + background; returns edges and each node's ring (-1: none)."""
    ring = np.full(nodes, -1)
    links, start, k = [], 0, 0
    while start < nodes // 2:
        size = int(rng.integers(5, 16))
        members = np.arange(start, min(start + size, nodes // 2))
        ring[members] = k
        a, b = np.triu_indices(len(members), 1)
        keep = rng.random(len(a)) < 0.6
        links.append(np.column_stack([members[a[keep]], members[b[keep]]]))
        start, k = start + size, k + 1
    hubs = rng.choice(np.arange(nodes // 2, nodes), size=max(1, nodes // 2000), replace=False)
    used = sum(len(x) for x in links)
    spokes = (edges - used) // 2
    links.append(np.column_stack([rng.choice(hubs, spokes), rng.integers(nodes // 2, nodes, spokes)]))
    rest = edges - used - spokes
    links.append(rng.integers(0, nodes, size=(rest, 2)))
    pairs = np.concatenate(links)
    return pairs[pairs[:, 0] != pairs[:, 1]], ring


def run_leidenalg(g: ig.Graph) -> list[int]:
    return leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, n_iterations=5, seed=SEED).membership


def run_igraph_leiden(g: ig.Graph) -> list[int]:
    ig.set_random_number_generator(random.Random(SEED))
    try:
        return g.community_leiden(objective_function="modularity", n_iterations=5).membership
    finally:
        ig.set_random_number_generator(random)


def run_multilevel(g: ig.Graph) -> list[int]:
    ig.set_random_number_generator(random.Random(SEED))
    try:
        return g.community_multilevel().membership
    finally:
        ig.set_random_number_generator(random)


def run_networkx(g: ig.Graph) -> list[int]:
    nxg = nx.Graph()
    nxg.add_nodes_from(range(g.vcount()))
    nxg.add_edges_from(g.get_edgelist())
    label = [0] * g.vcount()
    for k, part in enumerate(nx.community.louvain_communities(nxg, seed=SEED)):
        for v in part:
            label[v] = k
    return label


METHODS = {"leidenalg": run_leidenalg, "igraph leiden": run_igraph_leiden, "igraph multilevel": run_multilevel,
           "networkx louvain": run_networkx}


def whole_rings(label: list[int], ring: np.ndarray) -> str:
    lab = np.asarray(label)
    rings = [np.flatnonzero(ring == r) for r in range(ring.max() + 1)]
    whole = sum(len(set(lab[m])) == 1 for m in rings)
    return f"{whole}/{len(rings)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--edges", type=int, default=100_000)
    parser.add_argument("--skip-networkx", action="store_true", help="leave out networkx (the slowest)")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    methods = {k: v for k, v in METHODS.items() if not (args.skip_networkx and k.startswith("networkx"))}
    for name, build in (("random", random_graph), ("trade", trade_graph)):
        pairs, ring = build(args.nodes, args.edges, rng)
        g = ig.Graph(n=args.nodes, edges=pairs.tolist()).simplify()
        print(f"\n{name} graph: {g.vcount():,} nodes, {g.ecount():,} edges, max degree {max(g.degree()):,}")
        rows = []
        for method, fn in methods.items():
            t = time.perf_counter()
            label = fn(g)
            seconds = time.perf_counter() - t
            rows.append((method, seconds, g.modularity(label), len(set(label)),
                         whole_rings(label, ring) if ring is not None else "-"))
        fastest = min(r[1] for r in rows)
        print(f"{'method':<20}{'seconds':>10}{'× fastest':>11}{'modularity':>12}{'communities':>13}{'rings whole':>13}")
        for method, seconds, q, n, whole in rows:
            print(f"{method:<20}{seconds:>10.2f}{seconds / fastest:>11.1f}{q:>12.4f}{n:>13,}{whole:>13}")


if __name__ == "__main__":
    main()
