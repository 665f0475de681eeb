"""Rows to models: incidents (with labels, roles, membership, tasks), items, roles.

Everything derived (counts, durations, membership) is computed here from the
stored facts, never stored twice. Functions run on the store thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import datetime

from incident_tui import models as m
from incident_tui.backends.sqlite.timeutil import duration_seconds, slugify
from incident_tui.errors import InvalidArgument, NotFound

PLUGIN_ID = "grafana-irm-app"
COMMANDER = "commander"

INCIDENT_COLUMNS = (
    "i.seq, i.id, i.title, i.status, i.severity, i.is_drill, i.created_at, i.modified_at,"
    " i.created_by, i.closed_at, i.incident_start, i.incident_end, i.summary, i.version"
)

ACTIVITY_COLUMNS = (
    "a.seq, a.id, a.incident_seq, a.kind, a.body, a.url, a.user_id, a.subject_user_id,"
    " a.created_at, a.event_time, a.immutable, a.tags, a.field_values, a.removed"
)


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def user_preview(user_id: str, name: str | None, photo_url: str | None = "") -> m.UserPreview:
    return m.UserPreview(user_id=user_id, name=name or user_id, photo_url=photo_url or "")


class Memo:
    """Share identical UserPreview/Role objects within one response (fewer models to build)."""

    def __init__(self) -> None:
        self.users: dict[tuple, m.UserPreview] = {}
        self.roles: dict[tuple, m.Role] = {}

    def user(self, user_id: str, name: str | None, photo_url: str | None = "") -> m.UserPreview:
        key = (user_id, name, photo_url)
        found = self.users.get(key)
        if found is None:
            found = self.users[key] = user_preview(user_id, name, photo_url)
        return found

    def role(self, row: sqlite3.Row | tuple) -> m.Role:
        key = tuple(row)
        found = self.roles.get(key)
        if found is None:
            found = self.roles[key] = role_from_row(key)
        return found


def load_user(conn: sqlite3.Connection, user_id: str) -> m.UserPreview:
    row = conn.execute("SELECT name, photo_url FROM users WHERE id = ?", (user_id,)).fetchone()
    return user_preview(user_id, row[0] if row else None, row[1] if row else "")


USER_COLUMNS = "u.id, u.name, u.email, u.photo_url"


def user_from_row(row: sqlite3.Row | tuple) -> m.User:
    user_id, name, email, photo_url = row[:4]
    return m.User(user_id=user_id, name=name or user_id, email=email, photo_url=photo_url or "")


def load_full_user(conn: sqlite3.Connection, user_id: str) -> m.User:
    """The person with this ID, or NotFound."""
    if not user_id:
        raise InvalidArgument("userID is required")
    row = conn.execute(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFound(f"no user with ID {user_id[:80]!r}")
    return user_from_row(row)


def labels_in_use(conn: sqlite3.Connection, limit: int) -> list[m.IncidentKeyValueLabel]:
    """Every label text on some incident, with its most recent description and colour."""
    rows = conn.execute(
        "SELECT label, description, color_hex, MAX(added_at) FROM incident_labels"
        " GROUP BY label ORDER BY label LIMIT ?",
        (limit,),
    )
    return [
        m.IncidentKeyValueLabel(value=label, description=description, color_hex=color)
        for label, description, color, _ in rows
    ]


def incident_labels(conn: sqlite3.Connection, seq: int) -> list[m.IncidentKeyValueLabel]:
    return [
        m.IncidentKeyValueLabel(
            value=lab.label, description=lab.description, color_hex=lab.color_hex
        )
        for lab in _labels(conn, [seq]).get(seq, [])
    ]


# --- incidents ---------------------------------------------------------------


def incident_row(conn: sqlite3.Connection, incident_id: str, columns: str = "seq") -> sqlite3.Row:
    """The ``columns`` of an incident by ID in one lookup; InvalidArgument or NotFound."""
    if not incident_id:
        raise InvalidArgument("incidentID is required")
    row = conn.execute(f"SELECT {columns} FROM incidents WHERE id = ?", (incident_id,)).fetchone()
    if row is None:
        raise NotFound(f"no incident with ID {incident_id[:80]!r}")
    return row


def incident_seq(conn: sqlite3.Connection, incident_id: str) -> int:
    """The seq of an incident ID, or NotFound."""
    return incident_row(conn, incident_id)[0]


def role_from_row(row: sqlite3.Row | tuple) -> m.Role:
    role_id, name, description, important, mandatory, archived, created_at, updated_at = row
    return m.Role(
        role_id=role_id,
        name=name,
        description=description,
        important=bool(important),
        mandatory=bool(mandatory),
        archived=bool(archived),
        created_at=created_at,
        updated_at=updated_at,
    )


ROLE_COLUMNS = (
    "r.id, r.name, r.description, r.important, r.mandatory, r.archived, r.created_at, r.updated_at"
)


def list_roles(conn: sqlite3.Connection) -> list[m.Role]:
    rows = conn.execute(f"SELECT {ROLE_COLUMNS} FROM roles r ORDER BY r.id")
    return [role_from_row(r) for r in rows]


def load_role(conn: sqlite3.Connection, role_id: int) -> m.Role:
    row = conn.execute(f"SELECT {ROLE_COLUMNS} FROM roles r WHERE r.id = ?", (role_id,)).fetchone()
    if row is None:
        raise NotFound(f"no role with ID {role_id}")
    return role_from_row(row)


def _assignments(
    conn: sqlite3.Connection, seqs: list[int], memo: Memo | None = None
) -> dict[int, list[m.Assignment]]:
    memo = memo or Memo()
    out: dict[int, list[m.Assignment]] = defaultdict(list)
    rows = conn.execute(
        f"SELECT a.incident_seq, a.user_id, u.name, u.photo_url, {ROLE_COLUMNS}"
        " FROM assignments a JOIN roles r ON r.id = a.role_id"
        " LEFT JOIN users u ON u.id = a.user_id"
        f" WHERE a.incident_seq IN ({_placeholders(len(seqs))})"
        " ORDER BY a.incident_seq, r.id, a.assigned_at, a.user_id",
        seqs,
    )
    for row in rows:
        out[row[0]].append(
            m.Assignment(
                user=memo.user(row[1], row[2], row[3]), role=memo.role(row[4:]), role_id=row[4]
            )
        )
    return out


def _participants(conn: sqlite3.Connection, seqs: list[int]) -> dict[int, int]:
    """People who acted on each incident (timeline authors) but hold no role in it."""
    rows = conn.execute(
        "SELECT x.incident_seq, COUNT(DISTINCT x.user_id) FROM activity x"
        f" WHERE x.incident_seq IN ({_placeholders(len(seqs))})"
        " AND NOT EXISTS (SELECT 1 FROM assignments a"
        "   WHERE a.incident_seq = x.incident_seq AND a.user_id = x.user_id)"
        " GROUP BY x.incident_seq",
        seqs,
    )
    return dict(rows.fetchall())


def _labels(conn: sqlite3.Connection, seqs: list[int]) -> dict[int, list[m.IncidentLabel]]:
    out: dict[int, list[m.IncidentLabel]] = defaultdict(list)
    rows = conn.execute(
        "SELECT incident_seq, label, description, color_hex FROM incident_labels"
        f" WHERE incident_seq IN ({_placeholders(len(seqs))})"
        " ORDER BY incident_seq, added_at, label",
        seqs,
    )
    for seq, label, description, color in rows:
        out[seq].append(m.IncidentLabel(label=label, description=description, color_hex=color))
    return out


TASK_COLUMNS = (
    "t.incident_seq, t.id, t.immutable, t.created_at, t.modified_at, t.text, t.status,"
    " t.author_id, au.name, au.photo_url, t.assignee_id, su.name, su.photo_url"
)
# Tasks with their author (au) and assignee (su) joined in.
TASKS_FROM = (
    "FROM tasks t LEFT JOIN users au ON au.id = t.author_id"
    " LEFT JOIN users su ON su.id = t.assignee_id"
)


def _task_from_row(row: sqlite3.Row | tuple, memo: Memo) -> m.Task:
    return m.Task(
        task_id=row[1],
        immutable=bool(row[2]),
        created_time=row[3],
        modified_time=row[4],
        text=row[5],
        status=row[6],
        author_user=memo.user(row[7], row[8], row[9]),
        assigned_user=memo.user(row[10], row[11], row[12]) if row[10] else None,
    )


def task_lists(
    conn: sqlite3.Connection, seqs: list[int], memo: Memo | None = None
) -> dict[int, m.TaskList]:
    memo = memo or Memo()
    tasks: dict[int, list[m.Task]] = defaultdict(list)
    rows = conn.execute(
        f"SELECT {TASK_COLUMNS} {TASKS_FROM}"
        f" WHERE t.incident_seq IN ({_placeholders(len(seqs))})"
        " ORDER BY t.incident_seq, t.seq",
        seqs,
    )
    for row in rows:
        tasks[row[0]].append(_task_from_row(row, memo))
    return {seq: make_task_list(tasks.get(seq, [])) for seq in seqs}


def make_task_list(tasks: list[m.Task]) -> m.TaskList:
    done = sum(1 for t in tasks if t.status == m.TaskStatus.DONE)
    return m.TaskList(tasks=tasks, todo_count=len(tasks) - done, done_count=done)


def task_list(conn: sqlite3.Connection, seq: int) -> m.TaskList:
    return task_lists(conn, [seq])[seq]


def load_task(conn: sqlite3.Connection, seq: int, task_id: str) -> m.Task:
    if not task_id:
        raise InvalidArgument("taskID is required")
    row = conn.execute(
        f"SELECT {TASK_COLUMNS} {TASKS_FROM} WHERE t.id = ? AND t.incident_seq = ?",
        (task_id, seq),
    ).fetchone()
    if row is None:
        raise NotFound(f"no task with ID {task_id[:80]!r} in this incident")
    return _task_from_row(row, Memo())


def load_incidents(conn: sqlite3.Connection, seqs: list[int], now: datetime) -> list[m.Incident]:
    """Assemble full incidents for ``seqs``, in that order (missing ones skipped)."""
    if not seqs:
        return []
    rows = conn.execute(
        f"SELECT {INCIDENT_COLUMNS}, u.name, u.photo_url FROM incidents i"
        " LEFT JOIN users u ON u.id = i.created_by"
        f" WHERE i.seq IN ({_placeholders(len(seqs))})",
        seqs,
    ).fetchall()
    by_seq = {row[0]: row for row in rows}
    memo = Memo()
    labels = _labels(conn, seqs)
    assignments = _assignments(conn, seqs, memo)
    participants = _participants(conn, seqs)
    tasks = task_lists(conn, seqs, memo)
    out: list[m.Incident] = []
    for seq in seqs:
        row = by_seq.get(seq)
        if row is None:
            continue
        held = assignments.get(seq, [])
        out.append(
            m.Incident(
                incident_id=row[1],
                title=row[2],
                status=row[3],
                severity=row[4],
                is_drill=bool(row[5]),
                created_time=row[6],
                modified_time=row[7],
                created_by_user=memo.user(row[8], row[14], row[15]),
                closed_time=row[9],
                incident_start=row[10],
                incident_end=row[11],
                summary=row[12],
                duration_seconds=duration_seconds(row[10] or row[6], row[11] or row[9], now),
                overview_url=f"/a/{PLUGIN_ID}/incidents/{row[1]}/{slugify(row[2])}",
                hero_image_path="",
                labels=labels.get(seq, []),
                roles=[_incident_role(a) for a in held],
                incident_membership=m.IncidentMembership(
                    assignments=held,
                    total_assignments=len(held),
                    total_participants=participants.get(seq, 0),
                ),
                task_list=tasks[seq],
            )
        )
    return out


def load_previews(
    conn: sqlite3.Connection, seqs: list[int], *, membership: bool
) -> list[m.IncidentPreview]:
    """Light incidents for ``seqs``, in that order: no tasks, roles or membership objects.

    ``membership``: fill the membership preview (important assignments and totals).
    """
    if not seqs:
        return []
    marks = _placeholders(len(seqs))
    rows = conn.execute(
        f"SELECT {INCIDENT_COLUMNS}, u.name, u.photo_url FROM incidents i"
        f" LEFT JOIN users u ON u.id = i.created_by WHERE i.seq IN ({marks})",
        seqs,
    ).fetchall()
    by_seq = {row[0]: row for row in rows}
    memo = Memo()
    labels = _labels(conn, seqs)
    counts = {
        seq: (total - done, done)
        for seq, done, total in conn.execute(
            "SELECT incident_seq, SUM(status = 'done'), COUNT(*) FROM tasks"
            f" WHERE incident_seq IN ({marks}) GROUP BY incident_seq",
            seqs,
        )
    }
    important: dict[int, list[m.AssignmentPreview]] = defaultdict(list)
    held: dict[int, int] = {}
    participants: dict[int, int] = {}
    if membership:
        for seq, user_id, name, photo, role_id, is_important in conn.execute(
            "SELECT a.incident_seq, a.user_id, u.name, u.photo_url, a.role_id, r.important"
            " FROM assignments a JOIN roles r ON r.id = a.role_id"
            " LEFT JOIN users u ON u.id = a.user_id"
            f" WHERE a.incident_seq IN ({marks})"
            " ORDER BY a.incident_seq, r.id, a.assigned_at, a.user_id",
            seqs,
        ):
            held[seq] = held.get(seq, 0) + 1
            if is_important:
                important[seq].append(
                    m.AssignmentPreview(user=memo.user(user_id, name, photo), role_id=role_id)
                )
        participants = _participants(conn, seqs)
    out: list[m.IncidentPreview] = []
    for seq in seqs:
        row = by_seq.get(seq)
        if row is None:
            continue
        todo, done = counts.get(seq, (0, 0))
        out.append(
            m.IncidentPreview(
                incident_id=row[1],
                title=row[2],
                status=row[3],
                severity_id=row[4],
                severity_label=row[4],
                incident_type="internal",
                is_drill=bool(row[5]),
                created_time=row[6],
                modified_time=row[7],
                created_by_user=memo.user(row[8], row[14], row[15]),
                closed_time=row[9],
                incident_start=row[10],
                incident_end=row[11],
                summary=row[12],
                version=row[13],
                slug=slugify(row[2]),
                labels=labels.get(seq, []),
                incident_membership_preview=m.IncidentMembershipPreview(
                    important_assignments=important.get(seq, []),
                    total_assignments=held.get(seq, 0),
                    total_participants=participants.get(seq, 0),
                ),
                todo_count=todo,
                done_count=done,
            )
        )
    return out


def _incident_role(assignment: m.Assignment) -> m.IncidentRole:
    role = assignment.role
    return m.IncidentRole(
        role=role.name,
        description=role.description,
        max_people=1 if role.name == COMMANDER else 0,
        mandatory=role.mandatory,
        important=role.important,
        user=assignment.user,
    )


def load_incident(conn: sqlite3.Connection, seq: int, now: datetime) -> m.Incident:
    found = load_incidents(conn, [seq], now)
    if not found:
        raise NotFound("the incident no longer exists")
    return found[0]


def membership(conn: sqlite3.Connection, seq: int) -> list[m.Assignment]:
    return _assignments(conn, [seq]).get(seq, [])


# --- activity ----------------------------------------------------------------


def items_from_rows(conn: sqlite3.Connection, rows: list[tuple]) -> list[m.ActivityItem]:
    if not rows:
        return []
    user_ids = {r[6] for r in rows} | {r[7] for r in rows if r[7]}
    users = {
        uid: user_preview(uid, name, photo)
        for uid, name, photo in conn.execute(
            f"SELECT id, name, photo_url FROM users WHERE id IN ({_placeholders(len(user_ids))})",
            list(user_ids),
        )
    }
    incident_ids = dict(
        conn.execute(
            "SELECT seq, id FROM incidents"
            f" WHERE seq IN ({_placeholders(len({r[2] for r in rows}))})",
            list({r[2] for r in rows}),
        ).fetchall()
    )
    out = []
    for r in rows:
        out.append(
            m.ActivityItem(
                activity_item_id=r[1],
                incident_id=incident_ids.get(r[2], str(r[2])),
                activity_kind=r[3],
                body=r[4],
                url=r[5],
                user=users.get(r[6]) or user_preview(r[6], None),
                subject_user=(users.get(r[7]) or user_preview(r[7], None))
                if r[7]
                else m.UserPreview(),
                created_time=r[8],
                event_time=r[9],
                immutable=bool(r[10]),
                tags=json.loads(r[11] or "[]"),
                field_values=json.loads(r[12] or "{}"),
                attachments=[],
            )
        )
    return out


def activity_row(conn: sqlite3.Connection, seq: int, item_id: str) -> tuple:
    """A live item of this incident by ID, or NotFound (removed items are gone)."""
    if not item_id:
        raise InvalidArgument("activityItemID is required")
    row = conn.execute(
        f"SELECT {ACTIVITY_COLUMNS} FROM activity a"
        " WHERE a.id = ? AND a.incident_seq = ? AND a.removed = 0",
        (item_id, seq),
    ).fetchone()
    if row is None:
        raise NotFound(f"no timeline item with ID {item_id[:80]!r} in this incident")
    return tuple(row)


def load_item(conn: sqlite3.Connection, activity_seq: int) -> m.ActivityItem:
    row = conn.execute(
        f"SELECT {ACTIVITY_COLUMNS} FROM activity a WHERE a.seq = ?", (activity_seq,)
    ).fetchone()
    return items_from_rows(conn, [tuple(row)])[0]
