"""The durable layer: remote contexts lose no write and repeat none blindly.

``DurableBackend`` wraps a remote's Backend (through the protocol only) with an
outbox file per context; see ``backend.py``. It may use sqlite3 for its own file.
"""

from incident_tui.durable.backend import DurableBackend, OutboxEvent
from incident_tui.durable.outbox import (
    QUEUED,
    REFUSED,
    SENDING,
    UNCONFIRMED,
    QueuedWrite,
    outbox_dir,
    outbox_path,
    placeholder_seq,
)

__all__ = [
    "QUEUED",
    "REFUSED",
    "SENDING",
    "UNCONFIRMED",
    "DurableBackend",
    "OutboxEvent",
    "QueuedWrite",
    "is_queued",
    "outbox_dir",
    "outbox_path",
    "placeholder_seq",
]


def is_queued(object_id: str) -> bool:
    """Whether an id is a placeholder of an object that exists only in the outbox."""
    return placeholder_seq(object_id) is not None
