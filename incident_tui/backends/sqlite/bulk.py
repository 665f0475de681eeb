"""The bulk path: many incidents in one transaction with ``executemany``.

For the benchmark and imports. Rows are written as given (times already in
the stored form), the search documents are filled too, and version counters
are bumped once. It does not write timeline items for you: pass them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from incident_tui import models as m
from incident_tui.errors import InvalidArgument

CHUNK = 2000


@dataclass(slots=True)
class BulkItem:
    kind: str
    body: str
    user_id: str
    event_time: str  # stored form: fmt(datetime)
    subject_user_id: str = ""
    immutable: bool = True


@dataclass(slots=True)
class BulkTask:
    text: str
    author_id: str
    status: str = "todo"
    assignee_id: str = ""


@dataclass(slots=True)
class BulkIncident:
    title: str
    created_at: str  # stored form
    created_by: str
    severity: str = "pending"
    status: str = "active"
    is_drill: bool = False
    modified_at: str = ""
    closed_at: str = ""
    labels: list[str] = field(default_factory=list)
    items: list[BulkItem] = field(default_factory=list)
    tasks: list[BulkTask] = field(default_factory=list)
    assignments: list[tuple[str, str]] = field(default_factory=list)  # (role name, user id)


def _chunks(items: Iterable[BulkIncident]) -> Iterator[list[BulkIncident]]:
    it = iter(items)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def bulk_insert(
    conn: sqlite3.Connection, incidents: Iterable[BulkIncident], users: list[m.UserPreview]
) -> int:
    """Insert everything inside the caller's transaction; return how many incidents."""
    conn.executemany(
        "INSERT INTO users (id, name, photo_url) VALUES (?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        [(u.user_id, u.name or u.user_id, u.photo_url) for u in users],
    )
    known = {r[0] for r in conn.execute("SELECT id FROM users")}
    roles = {r[1]: r[0] for r in conn.execute("SELECT id, name FROM roles")}
    next_incident = conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM incidents").fetchone()[0]
    next_item = conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM activity").fetchone()[0]
    next_task = conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM tasks").fetchone()[0]
    total = 0
    for chunk in _chunks(incidents):
        incident_rows, label_rows, item_rows, task_rows, assign_rows, docs = [], [], [], [], [], []
        new_users: set[str] = set()
        for inc in chunk:
            seq = next_incident
            next_incident += 1
            modified = inc.modified_at or inc.created_at
            end = inc.closed_at if inc.status == "resolved" else ""
            incident_rows.append(
                (
                    seq,
                    str(seq),
                    inc.title,
                    inc.status,
                    inc.severity,
                    int(inc.is_drill),
                    inc.created_at,
                    modified,
                    inc.created_by,
                    end,
                    inc.created_at,
                    end,
                )
            )
            new_users.add(inc.created_by)
            for label in dict.fromkeys(inc.labels):
                label_rows.append((seq, label, inc.created_at))
            notes = []
            for item in inc.items:
                item_rows.append(
                    (
                        next_item,
                        str(next_item),
                        seq,
                        item.kind,
                        item.body,
                        item.user_id,
                        item.subject_user_id,
                        item.event_time,
                        item.event_time,
                        int(item.immutable),
                    )
                )
                next_item += 1
                new_users.add(item.user_id)
                if item.kind == "userNote":
                    notes.append(item.body)
            for task in inc.tasks:
                task_rows.append(
                    (
                        next_task,
                        str(next_task),
                        seq,
                        task.text,
                        task.status,
                        task.author_id,
                        task.assignee_id,
                        inc.created_at,
                        modified,
                    )
                )
                next_task += 1
                new_users.add(task.author_id)
                if task.assignee_id:
                    new_users.add(task.assignee_id)
            for role_name, user_id in inc.assignments:
                if role_name not in roles:
                    raise InvalidArgument(f"bulk insert: there is no role named {role_name!r}")
                assign_rows.append((seq, roles[role_name], user_id, inc.created_at))
                new_users.add(user_id)
            docs.append((seq, "\n".join([inc.title, *notes, *(t.text for t in inc.tasks)])))
        missing = new_users - known
        if missing:
            conn.executemany(
                "INSERT OR IGNORE INTO users (id, name) VALUES (?, ?)", [(u, u) for u in missing]
            )
            known |= missing
        conn.executemany(
            "INSERT INTO incidents (seq, id, title, status, severity, is_drill, created_at,"
            " modified_at, created_by, closed_at, incident_start, incident_end)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            incident_rows,
        )
        conn.executemany(
            "INSERT INTO incident_labels (incident_seq, label, added_at) VALUES (?, ?, ?)",
            label_rows,
        )
        conn.executemany(
            "INSERT INTO activity (seq, id, incident_seq, kind, body, user_id, subject_user_id,"
            " created_at, event_time, immutable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            item_rows,
        )
        conn.executemany(
            "INSERT INTO tasks (seq, id, incident_seq, text, status, author_id, assignee_id,"
            " created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            task_rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO assignments (incident_seq, role_id, user_id, assigned_at)"
            " VALUES (?, ?, ?, ?)",
            assign_rows,
        )
        conn.executemany("INSERT INTO incident_fts (rowid, doc) VALUES (?, ?)", docs)
        total += len(chunk)
    return total
