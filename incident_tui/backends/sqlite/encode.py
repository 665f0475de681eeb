"""Full incidents encoded straight from rows: the server's QueryIncidents and GetIncident.

``reads.load_incidents`` builds pydantic models (the console needs objects); a server
only sends JSON. Here one statement per page builds each incident's JSON inside SQLite
(labels, roles, membership and tasks as correlated subqueries over their indexes), so
no model is made and the work runs with the GIL released. The text is the same, byte
for byte, as ``to_json_bytes()`` of the models ``reads`` makes (the tests compare
them); only the two values computed in Python (``durationSeconds`` from the time of the
read, ``overviewURL``'s slug) are computed in Python by the same functions as there,
and spliced in.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from pydantic_core import to_json

from incident_tui import models as m
from incident_tui.backends.sqlite.queries import _select_incidents
from incident_tui.backends.sqlite.reads import COMMANDER, PLUGIN_ID, incident_seq
from incident_tui.backends.sqlite.timeutil import duration_seconds, slugify


def _user(id_sql: str, name_sql: str, photo_sql: str) -> str:
    """A UserPreview: the name falls back to the ID, the photo to ""."""
    return (
        f"json_object('userID', {id_sql}, 'name', COALESCE(NULLIF({name_sql}, ''), {id_sql}),"
        f" 'photoURL', COALESCE({photo_sql}, ''))"
    )


def _bool(sql: str) -> str:
    return f"json(CASE WHEN {sql} THEN 'true' ELSE 'false' END)"


_LABELS = (
    "json((SELECT json_group_array(json_object('label', l.label, 'description', l.description,"
    " 'colorHex', l.color_hex)) FROM (SELECT label, description, color_hex"
    " FROM incident_labels WHERE incident_seq = i.seq ORDER BY added_at, label) l))"
)

# The incident's assignments in the order reads._assignments gives them.
_HELD = (
    "SELECT a.user_id, u.name AS user_name, u.photo_url AS user_photo, r.id AS role_id,"
    " r.name AS role_name, r.description AS role_description, r.important, r.mandatory,"
    " r.archived, r.created_at AS role_created, r.updated_at AS role_updated"
    " FROM assignments a JOIN roles r ON r.id = a.role_id LEFT JOIN users u ON u.id = a.user_id"
    " WHERE a.incident_seq = i.seq ORDER BY r.id, a.assigned_at, a.user_id"
)
_HELD_USER = _user("h.user_id", "h.user_name", "h.user_photo")

_ROLES = (
    "json((SELECT json_group_array(json_object('role', h.role_name, 'description',"
    f" h.role_description, 'maxPeople', CASE WHEN h.role_name = '{COMMANDER}' THEN 1 ELSE 0 END,"
    f" 'mandatory', {_bool('h.mandatory')}, 'important', {_bool('h.important')},"
    f" 'user', {_HELD_USER})) FROM ({_HELD}) h))"
)

_ASSIGNMENTS = (
    f"json((SELECT json_group_array(json_object('user', {_HELD_USER}, 'role', json_object("
    "'roleID', h.role_id, 'orgID', '', 'name', h.role_name, 'description', h.role_description,"
    f" 'important', {_bool('h.important')}, 'mandatory', {_bool('h.mandatory')},"
    f" 'archived', {_bool('h.archived')}, 'createdAt', h.role_created,"
    f" 'updatedAt', h.role_updated), 'roleID', h.role_id)) FROM ({_HELD}) h))"
)

# People who wrote on the timeline but hold no role (reads._participants).
_PARTICIPANTS = (
    "(SELECT COUNT(*) FROM (SELECT DISTINCT user_id FROM activity WHERE incident_seq = i.seq) x"
    " WHERE NOT EXISTS (SELECT 1 FROM assignments a"
    " WHERE a.incident_seq = i.seq AND a.user_id = x.user_id))"
)

_MEMBERSHIP = (
    f"json_object('assignments', {_ASSIGNMENTS}, 'totalAssignments',"
    " (SELECT COUNT(*) FROM assignments a WHERE a.incident_seq = i.seq),"
    f" 'totalParticipants', {_PARTICIPANTS})"
)

_TASK_FIELDS = (
    "'taskID', t.id, 'immutable', {immutable}, 'createdTime', t.created_at,"
    " 'modifiedTime', t.modified_at, 'text', t.text, 'status', t.status,"
    " 'authorUser', {author}"
).format(
    immutable=_bool("t.immutable"),
    author=_user("t.author_id", "au.name", "au.photo_url"),
)
_TASK = (
    f"CASE WHEN t.assignee_id != '' THEN json_object({_TASK_FIELDS}, 'assignedUser',"
    f" {_user('t.assignee_id', 'su.name', 'su.photo_url')})"
    f" ELSE json_object({_TASK_FIELDS}) END"
)
_TASK_LIST = (
    f"json((SELECT json_object('tasks', json_group_array(json({_TASK})),"
    " 'todoCount', COUNT(t.id) - COALESCE(SUM(t.status = 'done'), 0),"
    " 'doneCount', COALESCE(SUM(t.status = 'done'), 0))"
    " FROM (SELECT * FROM tasks WHERE incident_seq = i.seq ORDER BY seq) t"
    " LEFT JOIN users au ON au.id = t.author_id LEFT JOIN users su ON su.id = t.assignee_id))"
)

#: Per incident, its JSON in three pieces around the two values Python computes
#: (``durationSeconds`` after ``closedTime``, ``overviewURL`` after ``title``): no Python
#: function is called from SQL, so a page's rows come back with one GIL hand-over each.
_HEAD = (
    "json_object('incidentID', i.id, 'severity', i.severity, 'labels', " + _LABELS + ","
    " 'isDrill', " + _bool("i.is_drill") + ", 'createdTime', i.created_at,"
    " 'modifiedTime', i.modified_at,"
    " 'createdByUser', " + _user("i.created_by", "cu.name", "cu.photo_url") + ","
    " 'closedTime', i.closed_at)"
)
_MIDDLE = "json_object('status', i.status, 'title', i.title)"
_TAIL = (
    "json_object('roles', " + _ROLES + ", 'incidentMembership', " + _MEMBERSHIP + ","
    " 'taskList', " + _TASK_LIST + ", 'summary', i.summary, 'heroImagePath', '',"
    " 'incidentStart', i.incident_start, 'incidentEnd', i.incident_end)"
)
_INCIDENTS_SQL = (
    "SELECT i.seq, i.id, i.title, COALESCE(NULLIF(i.incident_start, ''), i.created_at),"
    " COALESCE(NULLIF(i.incident_end, ''), i.closed_at),"
    f" CAST({_HEAD} AS BLOB), CAST({_MIDDLE} AS BLOB), CAST({_TAIL} AS BLOB)"
    " FROM incidents i LEFT JOIN users cu ON cu.id = i.created_by WHERE i.seq IN ({marks})"
)


def incidents_json(conn: sqlite3.Connection, seqs: list[int], now: datetime) -> list[bytes]:
    """The JSON of the full incidents ``seqs``, in that order (missing ones skipped)."""
    if not seqs:
        return []
    rows = conn.execute(_INCIDENTS_SQL.format(marks=",".join("?" * len(seqs))), seqs).fetchall()
    by_seq: dict[int, bytes] = {}
    for seq, incident_id, title, start, end, head, middle, tail in rows:
        overview = f"/a/{PLUGIN_ID}/incidents/{incident_id}/{slugify(title)}"
        by_seq[seq] = b"".join(
            (
                head[:-1],
                b',"durationSeconds":%d,' % duration_seconds(start, end, now),
                middle[1:-1],
                b',"overviewURL":',
                to_json(overview),
                b",",
                tail[1:],
            )
        )
    return [by_seq[seq] for seq in seqs if seq in by_seq]


def query_incidents_json(
    conn: sqlite3.Connection, request: m.QueryIncidentsRequest, now: datetime
) -> bytes:
    """``QueryIncidentsResponse.to_json_bytes()`` of ``queries.query_incidents``."""
    seqs, cursor, echoed = _select_incidents(conn, request.query, request.cursor, now)
    return b"".join(
        (
            b'{"error":"","incidents":[',
            b",".join(incidents_json(conn, seqs, now)),
            b'],"query":',
            echoed.to_json_bytes(),
            b',"cursor":',
            cursor.to_json_bytes(),
            b"}",
        )
    )


def get_incident_json(conn: sqlite3.Connection, incident_id: str, now: datetime) -> bytes:
    """``GetIncidentResponse.to_json_bytes()`` (NotFound as ``reads`` raises it)."""
    from incident_tui.errors import NotFound

    found = incidents_json(conn, [incident_seq(conn, incident_id)], now)
    if not found:
        raise NotFound("the incident no longer exists")
    return b'{"error":"","incident":' + found[0] + b"}"
