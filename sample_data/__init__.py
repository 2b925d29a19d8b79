"""Synthetic illicit-trade world: contract-format inputs plus ground truth for evaluation."""
from __future__ import annotations

from pathlib import Path

WORLD_DIR = Path(__file__).resolve().parent / "world"


def generate_world(out_dir: str | Path, declarations: int = 5000, seed: int = 7, profile: str = "default",
                   fmt: str = "csv") -> dict:
    """Generate a world into out_dir (see sample_data.generate); returns a summary dict."""
    from .generate import generate_world as _gen
    return _gen(out_dir, declarations=declarations, seed=seed, profile=profile, fmt=fmt)


__all__ = ["WORLD_DIR", "generate_world"]
