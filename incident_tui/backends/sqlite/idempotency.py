"""Creates made at most once per idempotency key, the key written in the create's transaction.

A key is remembered per scope (the caller) with the request's fingerprint and the
serialised first response. Within the key's lifetime the same request gets that
response back and nothing is written; another request under the same key is a
``Conflict``. Expired keys are deleted as new ones arrive (one indexed range delete).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from incident_tui import models as m
from incident_tui.backends.base import CreateOnce, Method, Remembered
from incident_tui.backends.sqlite import writes
from incident_tui.backends.sqlite.timeutil import fmt
from incident_tui.errors import Conflict, InvalidArgument

#: The store's function for every create row of the method table.
CREATES: dict[str, Callable[[writes.Tx, Any], m.Response]] = {
    "add_activity": writes.add_activity,
    "add_label": writes.add_label,
    "create_incident": writes.create_incident,
    "create_role": writes.create_role,
    "add_task": writes.add_task,
}


def create_once(tx: writes.Tx, method: Method, request: m.Request, once: CreateOnce) -> Remembered:
    """Run the create ``method`` unless ``once.key`` already names an answer (see module)."""
    write = CREATES.get(method.backend_method)
    if write is None or not method.creates:
        raise InvalidArgument(f"{method.name} is not a create; it takes no idempotency key")
    conn = tx.conn
    cutoff = fmt(tx.now_dt - timedelta(seconds=once.ttl_seconds))
    conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (cutoff,))
    row = conn.execute(
        "SELECT method, fingerprint, response FROM idempotency_keys WHERE scope = ? AND key = ?",
        (once.scope, once.key),
    ).fetchone()
    if row is not None:
        if row["fingerprint"] != once.fingerprint or row["method"] != method.path:
            raise Conflict(
                "this Idempotency-Key was already used for a different request;"
                " send a new key for a new change"
            )
        return Remembered(method.response.model_validate_json(row["response"]), replayed=True)
    response = write(tx, request)
    conn.execute(
        "INSERT INTO idempotency_keys (scope, key, method, fingerprint, response, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (once.scope, once.key, method.path, once.fingerprint, response.to_json_bytes(), tx.now),
    )
    return Remembered(response, replayed=False)
