"""Quoting of model names in Cypher, shared by both backends."""

from collections.abc import Sequence

__all__ = ["q", "returns"]


def q(name: str) -> str:
    """A back-quoted identifier (model names only; a back-quote in one is refused)."""
    if "`" in name or not name:
        raise ValueError(f"refusing identifier {name!r}")
    return f"`{name}`"


def returns(var: str, columns: Sequence[str]) -> str:
    """``var.`a` AS `a`, var.`b` AS `b`, ...`` for a RETURN clause."""
    return ", ".join(f"{var}.{q(c)} AS {q(c)}" for c in columns)
