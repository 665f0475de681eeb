"""Every mutation, each with its timeline item, inside the caller's transaction.

Functions take a ``Tx`` (connection, acting user, one "now" for the whole
transaction) and return the response model, assembled inside the same
transaction so the caller sees exactly what was written.

Choices (documented for the contract suite):
- editing, re-timing or removing a system (immutable) item -> InvalidArgument;
- a change to the value already held (same title/status/severity/drill flag,
  same task status) is a no-op: no item, no version bump;
- assigning a new commander replaces the current one (maxPeople 1);
- deleting a role someone still holds in an incident -> Conflict (archive it instead).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from incident_tui import models as m
from incident_tui.backends.base import summary_within
from incident_tui.backends.sqlite import reads
from incident_tui.backends.sqlite.queries import SEVERITIES, STATUSES
from incident_tui.backends.sqlite.timeutil import fmt, human_time, normalise_time
from incident_tui.errors import Conflict, InvalidArgument, NotFound

TASK_STATUSES = tuple(s.value for s in m.TaskStatus)
MAX_TITLE = 1000
MAX_SUMMARY = 10_000
MAX_LABEL = 200
MAX_BODY = 100_000
MAX_TASK = 2000
MAX_ROLE_NAME = 100
MAX_USER_ID = 200
MAX_LABELS = 100  # per incident: a label list is read whole on every page of incidents
QUOTE_LIMIT = 120


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1] + "…"
    return f"“{text}”"


def _required(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument(f"{field} is required")
    if len(text) > limit:
        raise InvalidArgument(f"{field} is too long ({len(text)} characters, at most {limit})")
    return text


class Tx:
    """One write transaction: the connection, the acting user and its single "now"."""

    def __init__(self, conn: sqlite3.Connection, user: m.UserPreview, now: datetime) -> None:
        self.conn = conn
        self.user = user
        self.now_dt = now
        self.now = fmt(now)
        conn.execute(
            # A nameless caller (name = ID) never overwrites a name we already know.
            "INSERT INTO users (id, name, photo_url) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, photo_url = excluded.photo_url"
            " WHERE excluded.name != excluded.id AND"
            " (users.name != excluded.name OR users.photo_url != excluded.photo_url)",
            (user.user_id, user.name or user.user_id, user.photo_url),
        )

    def known_user(self, user_id: str) -> m.UserPreview:
        """Make any person ID known (name = ID until we learn better) and return them."""
        user_id = user_id.strip()
        if len(user_id) > MAX_USER_ID:
            raise InvalidArgument(f"userID is too long (at most {MAX_USER_ID} characters)")
        self.conn.execute(
            "INSERT OR IGNORE INTO users (id, name) VALUES (?, ?)", (user_id, user_id)
        )
        return reads.load_user(self.conn, user_id)

    def incident(self, incident_id: str) -> sqlite3.Row:
        return reads.incident_row(self.conn, incident_id, "*")

    def touch(self, seq: int) -> None:
        self.conn.execute(
            "UPDATE incidents SET modified_at = ?, version = version + 1 WHERE seq = ?",
            (self.now, seq),
        )

    def item(
        self,
        seq: int,
        kind: m.ActivityKind,
        body: str,
        *,
        subject: str = "",
        immutable: bool = True,
        event_time: str | None = None,
    ) -> int:
        """Write one timeline item authored by the acting user; return its seq."""
        next_seq = self.conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM activity").fetchone()[0]
        self.conn.execute(
            "INSERT INTO activity (seq, id, incident_seq, kind, body, user_id, subject_user_id,"
            " created_at, event_time, immutable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                next_seq,
                str(next_seq),
                seq,
                kind.value,
                body,
                self.user.user_id,
                subject,
                self.now,
                event_time or self.now,
                int(immutable),
            ),
        )
        return next_seq

    def incident_model(self, seq: int) -> m.Incident:
        return reads.load_incident(self.conn, seq, self.now_dt)


def refresh_fts(conn: sqlite3.Connection, seq: int) -> None:
    """Rebuild the incident's one search document: title, live notes, task texts."""
    title = conn.execute("SELECT title FROM incidents WHERE seq = ?", (seq,)).fetchone()[0]
    notes = [
        r[0]
        for r in conn.execute(
            "SELECT body FROM activity WHERE incident_seq = ? AND removed = 0"
            " AND kind = 'userNote' ORDER BY seq",
            (seq,),
        )
    ]
    tasks = [r[0] for r in conn.execute("SELECT text FROM tasks WHERE incident_seq = ?", (seq,))]
    conn.execute("DELETE FROM incident_fts WHERE rowid = ?", (seq,))
    conn.execute(
        "INSERT INTO incident_fts (rowid, doc) VALUES (?, ?)",
        (seq, "\n".join([title, *notes, *tasks])),
    )


def _severity(value: str, *, default: str | None = None) -> str:
    text = value.strip().lower()
    if not text and default is not None:
        return default
    if text not in SEVERITIES:
        raise InvalidArgument(
            f"severity must be one of {', '.join(SEVERITIES)} (got {value[:40]!r})"
        )
    return text


def _label_text(label: str) -> str:
    return _required(label, "label", MAX_LABEL)


# --- incidents ---------------------------------------------------------------


def create_incident(tx: Tx, req: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
    title = _required(req.title, "title", MAX_TITLE)
    severity = _severity(req.severity, default="pending")
    status = req.status.strip().lower() or "active"
    if status not in STATUSES:
        raise InvalidArgument(f"status must be active or resolved (got {req.status[:40]!r})")
    labels: dict[str, m.IncidentLabel] = {}
    for label in req.labels:
        text = _label_text(label.label)
        labels.setdefault(text, label)
    if len(labels) > MAX_LABELS:
        raise InvalidArgument(f"labels: at most {MAX_LABELS} labels on one incident")
    conn = tx.conn
    seq = conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM incidents").fetchone()[0]
    closed = tx.now if status == "resolved" else ""
    conn.execute(
        "INSERT INTO incidents (seq, id, title, status, severity, is_drill, created_at,"
        " modified_at, created_by, closed_at, incident_start, incident_end)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            str(seq),
            title,
            status,
            severity,
            int(req.is_drill),
            tx.now,
            tx.now,
            tx.user.user_id,
            closed,
            tx.now,
            closed,
        ),
    )
    conn.executemany(
        "INSERT INTO incident_labels (incident_seq, label, description, color_hex, added_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(seq, text, lab.description, lab.color_hex, tx.now) for text, lab in labels.items()],
    )
    body = "declared a retrospective incident" if status == "resolved" else "declared the incident"
    if req.is_drill:
        body += " (a drill)"
    tx.item(seq, m.ActivityKind.INCIDENT_CREATED, body)
    refresh_fts(conn, seq)
    return m.CreateIncidentResponse(incident=tx.incident_model(seq))


def update_title(tx: Tx, req: m.UpdateTitleRequest) -> m.UpdateTitleResponse:
    row = tx.incident(req.incident_id)
    title = _required(req.title, "title", MAX_TITLE)
    if title != row["title"]:
        tx.conn.execute("UPDATE incidents SET title = ? WHERE seq = ?", (title, row["seq"]))
        tx.item(
            row["seq"],
            m.ActivityKind.INCIDENT_TITLE_CHANGED,
            f"changed the title from {_quote(row['title'])} to {_quote(title)}",
        )
        tx.touch(row["seq"])
        refresh_fts(tx.conn, row["seq"])
    return m.UpdateTitleResponse(incident=tx.incident_model(row["seq"]))


def update_incident_summary(
    tx: Tx, req: m.UpdateIncidentSummaryRequest
) -> m.UpdateIncidentSummaryResponse:
    """Replace the summary (free text, several lines; empty clears it). The timeline item
    (``incidentSummary``) holds the new summary, as Grafana's summary items do: empty
    when cleared (a reader takes the last item's body as the summary)."""
    row = tx.incident(req.incident_id)
    summary = summary_within(req.summary, MAX_SUMMARY)
    if summary != row["summary"]:
        tx.conn.execute("UPDATE incidents SET summary = ? WHERE seq = ?", (summary, row["seq"]))
        tx.item(
            row["seq"],
            m.ActivityKind.INCIDENT_SUMMARY,
            summary,
        )
        tx.touch(row["seq"])
    return m.UpdateIncidentSummaryResponse(incident=tx.incident_model(row["seq"]))


def update_status(tx: Tx, req: m.UpdateStatusRequest) -> m.UpdateStatusResponse:
    row = tx.incident(req.incident_id)
    status = req.status.strip().lower()
    if status not in STATUSES:
        raise InvalidArgument(f"status must be active or resolved (got {req.status[:40]!r})")
    if status != row["status"]:
        if status == "resolved":
            tx.conn.execute(
                "UPDATE incidents SET status = 'resolved', closed_at = ?, incident_end = ?"
                " WHERE seq = ?",
                (tx.now, tx.now, row["seq"]),
            )
        else:
            tx.conn.execute(
                "UPDATE incidents SET status = 'active', closed_at = '', incident_end = ''"
                " WHERE seq = ?",
                (row["seq"],),
            )
        tx.item(
            row["seq"],
            m.ActivityKind.INCIDENT_STATUS_CHANGED,
            f"changed the status from {row['status']} to {status}",
        )
        tx.touch(row["seq"])
    return m.UpdateStatusResponse(incident=tx.incident_model(row["seq"]))


def update_severity(tx: Tx, req: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse:
    row = tx.incident(req.incident_id)
    severity = _severity(req.severity)
    if severity != row["severity"]:
        tx.conn.execute("UPDATE incidents SET severity = ? WHERE seq = ?", (severity, row["seq"]))
        tx.item(
            row["seq"],
            m.ActivityKind.INCIDENT_SEVERITY_CHANGED,
            f"changed the severity from {row['severity']} to {severity}",
        )
        tx.touch(row["seq"])
    return m.UpdateSeverityResponse(incident=tx.incident_model(row["seq"]))


def update_is_drill(tx: Tx, req: m.UpdateIncidentIsDrillRequest) -> m.UpdateIncidentIsDrillResponse:
    row = tx.incident(req.incident_id)
    if bool(row["is_drill"]) != req.is_drill:
        tx.conn.execute(
            "UPDATE incidents SET is_drill = ? WHERE seq = ?", (int(req.is_drill), row["seq"])
        )
        body = (
            "marked the incident as a drill"
            if req.is_drill
            else "marked the incident as real (not a drill)"
        )
        tx.item(row["seq"], m.ActivityKind.INCIDENT_IS_DRILL_CHANGED, body)
        tx.touch(row["seq"])
    return m.UpdateIncidentIsDrillResponse(incident=tx.incident_model(row["seq"]))


def add_label(tx: Tx, req: m.AddLabelRequest) -> m.AddLabelResponse:
    row = tx.incident(req.incident_id)
    text = _label_text(req.label.label)
    held = tx.conn.execute(
        "SELECT COUNT(*), SUM(label = ?) FROM incident_labels WHERE incident_seq = ?",
        (text, row["seq"]),
    ).fetchone()
    if held[0] >= MAX_LABELS and not held[1]:
        raise InvalidArgument(f"label: the incident already has {MAX_LABELS} labels, the most")
    cur = tx.conn.execute(
        "INSERT OR IGNORE INTO incident_labels"
        " (incident_seq, label, description, color_hex, added_at) VALUES (?, ?, ?, ?, ?)",
        (row["seq"], text, req.label.description, req.label.color_hex, tx.now),
    )
    if cur.rowcount:
        tx.item(row["seq"], m.ActivityKind.LABEL_ADDED, f"added the label {_quote(text)}")
        tx.touch(row["seq"])
    return m.AddLabelResponse(incident=tx.incident_model(row["seq"]))


def remove_label(tx: Tx, req: m.RemoveLabelRequest) -> m.RemoveLabelResponse:
    row = tx.incident(req.incident_id)
    text = _label_text(req.label)
    cur = tx.conn.execute(
        "DELETE FROM incident_labels WHERE incident_seq = ? AND label = ?", (row["seq"], text)
    )
    if not cur.rowcount:
        raise NotFound(f"the incident has no label {_quote(text)}")
    tx.item(row["seq"], m.ActivityKind.LABEL_REMOVED, f"removed the label {_quote(text)}")
    tx.touch(row["seq"])
    return m.RemoveLabelResponse(incident=tx.incident_model(row["seq"]))


def update_event_time(
    tx: Tx, req: m.UpdateIncidentEventTimeRequest
) -> m.UpdateIncidentEventTimeResponse:
    row = tx.incident(req.incident_id)
    kind = req.activity_item_kind or req.event_name
    if kind not in (m.IncidentEventKind.START, m.IncidentEventKind.END):
        raise InvalidArgument("activityItemKind must be incidentStart or incidentEnd")
    if m.time_is_unset(req.event_time):
        raise InvalidArgument("eventTime is required")
    when = normalise_time(req.event_time, "eventTime")
    start = row["incident_start"] or row["created_at"]
    if kind == m.IncidentEventKind.START:
        if row["incident_end"] and when > row["incident_end"]:
            raise InvalidArgument("the incident cannot start after it ended")
        old, column, item_kind, word = (
            start,
            "incident_start",
            m.ActivityKind.INCIDENT_START,
            "start",
        )
    else:
        if when < start:
            raise InvalidArgument("the incident cannot end before it started")
        old, column, item_kind, word = (
            row["incident_end"],
            "incident_end",
            m.ActivityKind.INCIDENT_END,
            "end",
        )
    if when != old:
        tx.conn.execute(f"UPDATE incidents SET {column} = ? WHERE seq = ?", (when, row["seq"]))
        body = f"set the incident {word} to {human_time(when)}"
        if old:
            body += f" (was {human_time(old)})"
        tx.item(row["seq"], item_kind, body, event_time=when)
        tx.touch(row["seq"])
    return m.UpdateIncidentEventTimeResponse()


# --- roles in an incident ------------------------------------------------------


def _role_by_name(tx: Tx, name: str) -> sqlite3.Row:
    text = name.strip()
    if not text:
        raise InvalidArgument("role is required (e.g. commander, investigator, observer)")
    row = tx.conn.execute("SELECT * FROM roles WHERE name = ?", (text,)).fetchone()
    if row is None:
        row = tx.conn.execute(
            "SELECT * FROM roles WHERE name = ? COLLATE NOCASE", (text,)
        ).fetchone()
    if row is None:
        raise InvalidArgument(f"there is no role named {_quote(text)}")
    return row


def _user_id(value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument("userID is required")
    return text


def assign_role(tx: Tx, req: m.AssignRoleRequest) -> m.AssignRoleResponse:
    row = tx.incident(req.incident_id)
    seq = row["seq"]
    role = _role_by_name(tx, req.role)
    user_id = _user_id(req.user_id)
    if role["archived"]:
        raise InvalidArgument(f"the role {_quote(role['name'])} is archived and cannot be assigned")
    person = tx.known_user(user_id)
    held = tx.conn.execute(
        "SELECT 1 FROM assignments WHERE incident_seq = ? AND role_id = ? AND user_id = ?",
        (seq, role["id"], user_id),
    ).fetchone()
    if held:
        return m.AssignRoleResponse(incident=tx.incident_model(seq), did_change=False)
    if role["name"] == reads.COMMANDER:
        for (previous,) in tx.conn.execute(
            "SELECT user_id FROM assignments WHERE incident_seq = ? AND role_id = ?",
            (seq, role["id"]),
        ).fetchall():
            tx.conn.execute(
                "DELETE FROM assignments WHERE incident_seq = ? AND role_id = ? AND user_id = ?",
                (seq, role["id"], previous),
            )
            old = reads.load_user(tx.conn, previous)
            tx.item(
                seq,
                m.ActivityKind.ROLE_UNASSIGNED,
                f"removed {old.name} from the {role['name']} role",
                subject=previous,
            )
    tx.conn.execute(
        "INSERT INTO assignments (incident_seq, role_id, user_id, assigned_at) VALUES (?, ?, ?, ?)",
        (seq, role["id"], user_id, tx.now),
    )
    tx.item(
        seq,
        m.ActivityKind.ROLE_ASSIGNED,
        f"assigned {person.name} as {role['name']}",
        subject=user_id,
    )
    tx.touch(seq)
    return m.AssignRoleResponse(incident=tx.incident_model(seq), did_change=True)


def unassign_role(tx: Tx, req: m.UnassignRoleRequest) -> m.UnassignRoleResponse:
    row = tx.incident(req.incident_id)
    seq = row["seq"]
    role = _role_by_name(tx, req.role)
    user_id = _user_id(req.user_id)
    cur = tx.conn.execute(
        "DELETE FROM assignments WHERE incident_seq = ? AND role_id = ? AND user_id = ?",
        (seq, role["id"], user_id),
    )
    if not cur.rowcount:
        return m.UnassignRoleResponse(incident=tx.incident_model(seq), did_change=False)
    person = reads.load_user(tx.conn, user_id)
    tx.item(
        seq,
        m.ActivityKind.ROLE_UNASSIGNED,
        f"removed {person.name} from the {role['name']} role",
        subject=user_id,
    )
    tx.touch(seq)
    return m.UnassignRoleResponse(incident=tx.incident_model(seq), did_change=True)


# --- tasks ---------------------------------------------------------------------


def _task_row(tx: Tx, seq: int, task_id: str) -> sqlite3.Row:
    """A task of this incident that may be changed (system tasks are immutable)."""
    if not task_id:
        raise InvalidArgument("taskID is required")
    row = tx.conn.execute(
        "SELECT * FROM tasks WHERE id = ? AND incident_seq = ?", (task_id, seq)
    ).fetchone()
    if row is None:
        raise NotFound(f"no task with ID {task_id[:80]!r} in this incident")
    if row["immutable"]:
        raise InvalidArgument("this task is managed by the system and cannot be changed")
    return row


def _task_response(tx: Tx, cls: type, seq: int, incident_id: str, task_id: str):  # noqa: ANN202
    return cls(
        incident_id=incident_id,
        task=reads.load_task(tx.conn, seq, task_id),
        task_list=reads.task_list(tx.conn, seq),
    )


def add_task(tx: Tx, req: m.AddTaskRequest) -> m.AddTaskResponse:
    row = tx.incident(req.incident_id)
    seq = row["seq"]
    text = _required(req.text, "text", MAX_TASK)
    assignee = req.assign_to_user_id.strip()
    body = f"added the task {_quote(text)}"
    if assignee:
        body += f" for {tx.known_user(assignee).name}"
    task_seq = tx.conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM tasks").fetchone()[0]
    tx.conn.execute(
        "INSERT INTO tasks (seq, id, incident_seq, text, status, author_id, assignee_id,"
        " created_at, modified_at) VALUES (?, ?, ?, ?, 'todo', ?, ?, ?, ?)",
        (task_seq, str(task_seq), seq, text, tx.user.user_id, assignee, tx.now, tx.now),
    )
    tx.item(seq, m.ActivityKind.TASK_ADDED, body, subject=assignee)
    tx.touch(seq)
    refresh_fts(tx.conn, seq)
    return _task_response(tx, m.AddTaskResponse, seq, row["id"], str(task_seq))


def update_task_text(tx: Tx, req: m.UpdateTaskTextRequest) -> m.UpdateTaskTextResponse:
    row = tx.incident(req.incident_id)
    task = _task_row(tx, row["seq"], req.task_id)
    text = _required(req.text, "text", MAX_TASK)
    if text != task["text"]:
        tx.conn.execute(
            "UPDATE tasks SET text = ?, modified_at = ? WHERE seq = ?", (text, tx.now, task["seq"])
        )
        tx.item(
            row["seq"],
            m.ActivityKind.TASK_UPDATED,
            f"changed the task {_quote(task['text'])} to {_quote(text)}",
        )
        tx.touch(row["seq"])
        refresh_fts(tx.conn, row["seq"])
    return _task_response(tx, m.UpdateTaskTextResponse, row["seq"], row["id"], task["id"])


def update_task_status(tx: Tx, req: m.UpdateTaskStatusRequest) -> m.UpdateTaskStatusResponse:
    row = tx.incident(req.incident_id)
    task = _task_row(tx, row["seq"], req.task_id)
    status = req.status.strip().lower()
    if status not in TASK_STATUSES:
        raise InvalidArgument(f"status must be todo, progress or done (got {req.status[:40]!r})")
    if status != task["status"]:
        tx.conn.execute(
            "UPDATE tasks SET status = ?, modified_at = ? WHERE seq = ?",
            (status, tx.now, task["seq"]),
        )
        if status == "done":
            tx.item(
                row["seq"],
                m.ActivityKind.TASK_COMPLETED,
                f"completed the task {_quote(task['text'])}",
            )
        else:
            words = {"todo": "to do", "progress": "in progress"}[status]
            tx.item(
                row["seq"],
                m.ActivityKind.TASK_UPDATED,
                f"marked the task {_quote(task['text'])} as {words}",
            )
        tx.touch(row["seq"])
    return _task_response(tx, m.UpdateTaskStatusResponse, row["seq"], row["id"], task["id"])


def update_task_user(tx: Tx, req: m.UpdateTaskUserRequest) -> m.UpdateTaskUserResponse:
    row = tx.incident(req.incident_id)
    task = _task_row(tx, row["seq"], req.task_id)
    user_id = req.user_id.strip()
    if user_id != task["assignee_id"]:
        if user_id:
            person = tx.known_user(user_id)
            body = f"assigned the task {_quote(task['text'])} to {person.name}"
        else:
            body = f"unassigned the task {_quote(task['text'])}"
        tx.conn.execute(
            "UPDATE tasks SET assignee_id = ?, modified_at = ? WHERE seq = ?",
            (user_id, tx.now, task["seq"]),
        )
        tx.item(row["seq"], m.ActivityKind.TASK_UPDATED, body, subject=user_id)
        tx.touch(row["seq"])
    return _task_response(tx, m.UpdateTaskUserResponse, row["seq"], row["id"], task["id"])


def delete_task(tx: Tx, req: m.DeleteTaskRequest) -> m.DeleteTaskResponse:
    row = tx.incident(req.incident_id)
    task = _task_row(tx, row["seq"], req.task_id)
    tx.conn.execute("DELETE FROM tasks WHERE seq = ?", (task["seq"],))
    tx.item(row["seq"], m.ActivityKind.TASK_DELETED, f"deleted the task {_quote(task['text'])}")
    tx.touch(row["seq"])
    refresh_fts(tx.conn, row["seq"])
    return m.DeleteTaskResponse(
        incident_id=row["id"], task_list=reads.task_list(tx.conn, row["seq"])
    )


# --- timeline notes ------------------------------------------------------------


def _mutable_item(tx: Tx, seq: int, item_id: str) -> tuple:
    item = reads.activity_row(tx.conn, seq, item_id)
    if item[10]:  # immutable
        raise InvalidArgument(
            "this timeline item was written by the system and cannot be changed or removed"
        )
    return item


def add_activity(tx: Tx, req: m.AddActivityRequest) -> m.AddActivityResponse:
    row = tx.incident(req.incident_id)
    kind = req.activity_kind or m.ActivityKind.USER_NOTE.value
    if kind != m.ActivityKind.USER_NOTE:
        raise InvalidArgument(f"only userNote items can be added (got {kind[:40]!r})")
    body = _body(req.body)
    event_time = (
        None if m.time_is_unset(req.event_time) else normalise_time(req.event_time, "eventTime")
    )
    item_seq = tx.item(
        row["seq"], m.ActivityKind.USER_NOTE, body, immutable=False, event_time=event_time
    )
    tx.touch(row["seq"])
    refresh_fts(tx.conn, row["seq"])
    return m.AddActivityResponse(activity_item=reads.load_item(tx.conn, item_seq))


def _body(value: str) -> str:
    if not value.strip():
        raise InvalidArgument("body is required")
    if len(value) > MAX_BODY:
        raise InvalidArgument(f"body is too long ({len(value)} characters, at most {MAX_BODY})")
    return value


def update_activity_body(tx: Tx, req: m.UpdateActivityBodyRequest) -> m.UpdateActivityBodyResponse:
    row = tx.incident(req.incident_id)
    item = _mutable_item(tx, row["seq"], req.activity_item_id)
    body = _body(req.body)
    if body != item[4]:
        tx.conn.execute("UPDATE activity SET body = ? WHERE seq = ?", (body, item[0]))
        tx.touch(row["seq"])
        refresh_fts(tx.conn, row["seq"])
    return m.UpdateActivityBodyResponse(activity_item=reads.load_item(tx.conn, item[0]))


def update_activity_event_time(
    tx: Tx, req: m.UpdateActivityEventTimeRequest
) -> m.UpdateActivityEventTimeResponse:
    row = tx.incident(req.incident_id)
    item = _mutable_item(tx, row["seq"], req.activity_item_id)
    when = (
        item[8] if m.time_is_unset(req.event_time) else normalise_time(req.event_time, "eventTime")
    )
    if when != item[9]:
        tx.conn.execute("UPDATE activity SET event_time = ? WHERE seq = ?", (when, item[0]))
        tx.touch(row["seq"])
    return m.UpdateActivityEventTimeResponse(activity_item=reads.load_item(tx.conn, item[0]))


def remove_activity(tx: Tx, req: m.RemoveActivityRequest) -> m.RemoveActivityResponse:
    row = tx.incident(req.incident_id)
    item = _mutable_item(tx, row["seq"], req.activity_item_id)
    removed = reads.load_item(tx.conn, item[0])
    tx.conn.execute("UPDATE activity SET removed = 1 WHERE seq = ?", (item[0],))
    tx.touch(row["seq"])
    refresh_fts(tx.conn, row["seq"])
    return m.RemoveActivityResponse(activity_item=removed)


# --- organisation roles ----------------------------------------------------------


def _role_name(value: str) -> str:
    return _required(value, "role name", MAX_ROLE_NAME)


def create_role(tx: Tx, req: m.CreateRoleRequest) -> m.CreateRoleResponse:
    role = req.role
    name = _role_name(role.name)
    if tx.conn.execute("SELECT 1 FROM roles WHERE name = ? COLLATE NOCASE", (name,)).fetchone():
        raise Conflict(f"a role named {_quote(name)} already exists")
    if role.role_id < 0:
        raise InvalidArgument("roleID must not be negative")
    role_id = role.role_id
    if role_id:
        if tx.conn.execute("SELECT 1 FROM roles WHERE id = ?", (role_id,)).fetchone():
            raise Conflict(f"a role with ID {role_id} already exists")
    else:
        role_id = tx.conn.execute("SELECT IFNULL(MAX(id), 0) + 1 FROM roles").fetchone()[0]
    tx.conn.execute(
        "INSERT INTO roles (id, name, description, important, mandatory, archived, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        (role_id, name, role.description, int(role.important), int(role.mandatory), tx.now, tx.now),
    )
    return m.CreateRoleResponse(role=reads.load_role(tx.conn, role_id))


def _role_id(value: int) -> int:
    if value <= 0:
        raise InvalidArgument("roleID is required")
    return value


def update_role(tx: Tx, req: m.UpdateRoleRequest) -> m.UpdateRoleResponse:
    role = req.role
    role_id = _role_id(role.role_id)
    reads.load_role(tx.conn, role_id)
    name = _role_name(role.name)
    clash = tx.conn.execute(
        "SELECT 1 FROM roles WHERE name = ? COLLATE NOCASE AND id != ?", (name, role_id)
    ).fetchone()
    if clash:
        raise Conflict(f"a role named {_quote(name)} already exists")
    tx.conn.execute(
        "UPDATE roles SET name = ?, description = ?, important = ?, mandatory = ?, updated_at = ?"
        " WHERE id = ?",
        (name, role.description, int(role.important), int(role.mandatory), tx.now, role_id),
    )
    _bump_holders(tx, role_id)
    return m.UpdateRoleResponse(role=reads.load_role(tx.conn, role_id))


def _bump_holders(tx: Tx, role_id: int) -> None:
    """Incidents showing this role change too (their roles list carries its fields)."""
    tx.conn.execute(
        "UPDATE incidents SET version = version + 1"
        " WHERE seq IN (SELECT incident_seq FROM assignments WHERE role_id = ?)",
        (role_id,),
    )


def set_role_archived(tx: Tx, role_id: int, archived: bool) -> None:
    role_id = _role_id(role_id)
    reads.load_role(tx.conn, role_id)
    tx.conn.execute(
        "UPDATE roles SET archived = ?, updated_at = ? WHERE id = ? AND archived != ?",
        (int(archived), tx.now, role_id, int(archived)),
    )
    _bump_holders(tx, role_id)


def delete_role(tx: Tx, role_id: int) -> None:
    role_id = _role_id(role_id)
    role = reads.load_role(tx.conn, role_id)
    held = tx.conn.execute(
        "SELECT COUNT(DISTINCT incident_seq) FROM assignments WHERE role_id = ?", (role_id,)
    ).fetchone()[0]
    if held:
        raise Conflict(
            f"the role {_quote(role.name)} is still held in {held} incident(s); "
            "archive it instead, or unassign it first"
        )
    tx.conn.execute("DELETE FROM roles WHERE id = ?", (role_id,))
