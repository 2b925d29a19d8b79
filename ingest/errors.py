"""The one exception the ingest layer raises for input it cannot use at all."""

__all__ = ["IngestError"]


class IngestError(Exception):
    """A file or mapping that cannot be used; its message is one line naming the file and why."""
