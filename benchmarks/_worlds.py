"""Generated worlds for the benchmarks, cached by size, seed and profile."""

from __future__ import annotations

import time
from pathlib import Path


def world(workdir: Path, n: int, seed: int, profile: str) -> Path:
    """The folder of a generated world, generating it unless a finished one is there
    (the generator writes ``ground_truth/summary.json`` last)."""
    path = workdir / f"world_{profile}_{n}_s{seed}"
    if not (path / "ground_truth" / "summary.json").is_file():
        from sample_data import generate_world

        started = time.perf_counter()
        generate_world(path, declarations=n, seed=seed, profile=profile)
        print(f"generated {n:,} declarations in {time.perf_counter() - started:.1f} s -> {path}")
    return path
