"""Ingest: files -> raw frames -> mapped -> validated -> normalised frames -> resolved -> store.

Modules (see ``docs/internals.md``): :mod:`ingest.contract` (the input kinds, declared once),
:mod:`ingest.readers` (CSV, Parquet, JSON Lines, Excel as text with physical line numbers),
:mod:`ingest.mapping` (YAML column mappings), :mod:`ingest.validate` (good rows and quarantine
rows with every reason), :mod:`ingest.normalize` (canonical frames and mentions),
:mod:`ingest.quarantine` (the per-kind quarantine CSVs), :mod:`ingest.resolve` (entity
resolution) and :mod:`ingest.pipeline` (``intel ingest``).

Importing this package stays cheap (no pandas); import the modules you need.
"""

from ingest.contract import KIND_NAMES, KINDS, IngestError

__all__ = ["KINDS", "KIND_NAMES", "IngestError"]
