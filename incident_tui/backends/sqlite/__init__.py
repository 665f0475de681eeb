"""The local store: SQLite on a thread of its own, behaving like Grafana Incident."""

from incident_tui.backends.sqlite.backend import SqliteBackend, default_user
from incident_tui.backends.sqlite.bulk import BulkIncident, BulkItem, BulkTask
from incident_tui.backends.sqlite.store import StoreError

__all__ = [
    "BulkIncident",
    "BulkItem",
    "BulkTask",
    "SqliteBackend",
    "StoreError",
    "default_user",
]
