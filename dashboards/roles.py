"""Which role may use which dashboard page: the one table the menu and the page guard use."""

from __future__ import annotations

__all__ = ["PAGES"]

#: url_path -> (title, roles allowed)
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "home": ("Home", ("analyst", "planner", "rights_holder", "admin")),
    "overview": ("Overview", ("analyst", "planner")),
    "explorer": ("Network explorer", ("analyst", "planner")),
    "routes": ("Routes", ("analyst", "planner")),
    "findings": ("Findings", ("analyst", "planner")),
    "cases": ("Cases", ("analyst", "planner")),
    "tips": ("Tips", ("analyst", "planner", "rights_holder")),
    "admin": ("Admin", ("admin",)),
}
