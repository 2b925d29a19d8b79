"""Quoting of model names in Cypher, shared by both backends."""

__all__ = ["q"]


def q(name: str) -> str:
    """A back-quoted identifier (model names only; a back-quote in one is refused)."""
    if "`" in name or not name:
        raise ValueError(f"refusing identifier {name!r}")
    return f"`{name}`"
