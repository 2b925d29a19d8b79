"""The one exception the ingest layer raises for input it cannot use at all (defined with the
input contract in :mod:`ingest.contract`)."""

from ingest.contract import IngestError

__all__ = ["IngestError"]
