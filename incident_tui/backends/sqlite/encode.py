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

import json
import sqlite3
from datetime import datetime

from pydantic_core import to_json

from incident_tui import models as m
from incident_tui.backends.sqlite.queries import _select_incidents
from incident_tui.backends.sqlite.reads import COMMANDER, PLUGIN_ID, incident_seq
from incident_tui.backends.sqlite.timeutil import duration_seconds, slugify


def _bool(sql: str) -> str:
    return f"CASE WHEN {sql} THEN 'true' ELSE 'false' END"


def _user(id_sql: str, name_sql: str, photo_sql: str) -> str:
    """A UserPreview: the name falls back to the ID, the photo to ""."""
    name = f"COALESCE(NULLIF({name_sql}, ''), {id_sql})"
    photo = f"COALESCE({photo_sql}, '')"
    return (
        f"""'{{"userID":' || json_quote({id_sql}) || ',"name":' || json_quote({name})"""
        f""" || ',"photoURL":' || json_quote({photo}) || '}}'"""
    )


def _array(element: str, source: str) -> str:
    """``[element, ...]`` over the rows of ``source`` (in its order), ``[]`` when none."""
    return f"(SELECT '[' || COALESCE(group_concat({element}, ','), '') || ']' FROM {source})"


# Every object below is written as text ('{"key":' || value || ...), keys in the models'
# order: no JSON is parsed back (json() of a subquery's text re-reads it) and no object
# is built twice. Strings go through json_quote, which escapes exactly as json_object.

_LABELS = _array(
    """'{"label":' || json_quote(l.label) || ',"description":' || json_quote(l.description)"""
    """ || ',"colorHex":' || json_quote(l.color_hex) || '}'""",
    "(SELECT label, description, color_hex FROM incident_labels WHERE incident_seq = i.seq"
    " ORDER BY added_at, label) l",
)

#: Each role's two JSON forms, made once per statement (a handful of roles): as an
#: assignment's ``role`` object, and an IncidentRole up to its ``user`` value.
_ROLE_FORMS = (
    "role_json AS MATERIALIZED (SELECT r.id,"
    """ '{"roleID":' || r.id || ',"orgID":"","name":' || json_quote(r.name)"""
    """ || ',"description":' || json_quote(r.description)"""
    f""" || ',"important":' || {_bool("r.important")}"""
    f""" || ',"mandatory":' || {_bool("r.mandatory")}"""
    f""" || ',"archived":' || {_bool("r.archived")}"""
    """ || ',"createdAt":' || json_quote(r.created_at)"""
    """ || ',"updatedAt":' || json_quote(r.updated_at) || '}' AS assigned,"""
    """ '{"role":' || json_quote(r.name) || ',"description":' || json_quote(r.description)"""
    f""" || ',"maxPeople":' || CASE WHEN r.name = '{COMMANDER}' THEN '1' ELSE '0' END"""
    f""" || ',"mandatory":' || {_bool("r.mandatory")}"""
    f""" || ',"important":' || {_bool("r.important")}"""
    """ || ',"user":' AS held FROM roles r)"""
)

# The incident's assignments in the order reads._assignments gives them.
_HELD = (
    "SELECT a.user_id, u.name AS user_name, u.photo_url AS user_photo, r.id AS role_id,"
    " r.assigned, r.held"
    " FROM assignments a JOIN role_json r ON r.id = a.role_id"
    " LEFT JOIN users u ON u.id = a.user_id"
    " WHERE a.incident_seq = i.seq ORDER BY r.id, a.assigned_at, a.user_id"
)
_HELD_USER = _user("h.user_id", "h.user_name", "h.user_photo")

# People who wrote on the timeline but hold no role (reads._participants).
_PARTICIPANTS = (
    "(SELECT COUNT(*) FROM (SELECT DISTINCT user_id FROM activity WHERE incident_seq = i.seq) x"
    " WHERE NOT EXISTS (SELECT 1 FROM assignments a"
    " WHERE a.incident_seq = i.seq AND a.user_id = x.user_id))"
)

#: ``"roles":[...],"incidentMembership":{"assignments":[...],"totalAssignments":N`` from
#: one pass over the assignments (they feed both lists and the count).
_ROLES_AND_MEMBERS = (
    f"""(SELECT '"roles":[' || COALESCE(group_concat(h.held || {_HELD_USER} || '}}', ','), '')"""
    """ || '],"incidentMembership":{"assignments":[' || COALESCE(group_concat("""
    f"""'{{"user":' || {_HELD_USER} || ',"role":' || h.assigned || ',"roleID":' || h.role_id"""
    """ || '}', ','), '') || '],"totalAssignments":' || COUNT(*)"""
    f" FROM ({_HELD}) h)"
)

_TASK = (
    """'{"taskID":' || json_quote(t.id) || ',"immutable":' || """
    + _bool("t.immutable")
    + """ || ',"createdTime":' || json_quote(t.created_at)"""
    """ || ',"modifiedTime":' || json_quote(t.modified_at) || ',"text":' || json_quote(t.text)"""
    """ || ',"status":' || json_quote(t.status) || ',"authorUser":' || """
    + _user("t.author_id", "au.name", "au.photo_url")
    + """ || CASE WHEN t.assignee_id != '' THEN ',"assignedUser":' || """
    + _user("t.assignee_id", "su.name", "su.photo_url")
    + " || '}' ELSE '}' END"
)
_TASK_LIST = (
    f"""(SELECT '{{"tasks":[' || COALESCE(group_concat({_TASK}, ','), '')"""
    """ || '],"todoCount":' || (COUNT(t.id) - COALESCE(SUM(t.status = 'done'), 0))"""
    """ || ',"doneCount":' || COALESCE(SUM(t.status = 'done'), 0) || '}'"""
    " FROM (SELECT * FROM tasks WHERE incident_seq = i.seq ORDER BY seq) t"
    " LEFT JOIN users au ON au.id = t.author_id LEFT JOIN users su ON su.id = t.assignee_id)"
)

#: Per incident, its JSON in three pieces around the two values Python computes
#: (``durationSeconds`` after ``closedTime``, ``overviewURL`` after ``title``): no Python
#: function is called from SQL, so a page's rows come back with one GIL hand-over each.
#: ``_HEAD`` is open at its end, ``_MIDDLE`` at both ends, ``_TAIL`` at its start.
_HEAD = (
    """'{"incidentID":' || json_quote(i.id) || ',"severity":' || json_quote(i.severity)"""
    f""" || ',"labels":' || {_LABELS} || ',"isDrill":' || {_bool("i.is_drill")}"""
    """ || ',"createdTime":' || json_quote(i.created_at)"""
    """ || ',"modifiedTime":' || json_quote(i.modified_at) || ',"createdByUser":' || """
    + _user("i.created_by", "cu.name", "cu.photo_url")
    + """ || ',"closedTime":' || json_quote(i.closed_at)"""
)
_MIDDLE = """'"status":' || json_quote(i.status) || ',"title":' || json_quote(i.title)"""
_TAIL = (
    f"""{_ROLES_AND_MEMBERS} || ',"totalParticipants":' || {_PARTICIPANTS}"""
    f""" || '}},"taskList":' || {_TASK_LIST} || ',"summary":' || json_quote(i.summary)"""
    """ || ',"heroImagePath":"","incidentStart":' || json_quote(i.incident_start)"""
    """ || ',"incidentEnd":' || json_quote(i.incident_end) || '}'"""
)
#: The page as one text value: per incident, its seq, ID, title, start and end (JSON
#: strings) and its three pieces, ``\x1f`` between them, ``\x1e`` between incidents. JSON
#: text never holds a raw control character (json_quote escapes them), so neither
#: separator can occur inside a part. One value, so the reading thread takes the GIL back
#: once per page instead of once per row (under load it waits for it each time).
#: ``%s``: the page's placeholders.
_INCIDENTS_SQL = (
    f"WITH {_ROLE_FORMS}"
    " SELECT CAST(group_concat(i.seq || X'1f' || json_quote(i.id) || X'1f' || json_quote(i.title)"
    " || X'1f' || json_quote(COALESCE(NULLIF(i.incident_start, ''), i.created_at))"
    " || X'1f' || json_quote(COALESCE(NULLIF(i.incident_end, ''), i.closed_at))"
    f" || X'1f' || {_HEAD} || X'1f' || {_MIDDLE} || X'1f' || {_TAIL}, X'1e') AS BLOB)"
    " FROM incidents i LEFT JOIN users cu ON cu.id = i.created_by WHERE i.seq IN (%s)"
)


def _unquote(quoted: bytes) -> str:
    """The text of a JSON string json_quote wrote (most need no unescaping)."""
    if quoted == b"null":
        return ""
    if b"\\" not in quoted:
        return quoted[1:-1].decode()
    return str(json.loads(quoted))


def incidents_json(conn: sqlite3.Connection, seqs: list[int], now: datetime) -> list[bytes]:
    """The JSON of the full incidents ``seqs``, in that order (missing ones skipped)."""
    if not seqs:
        return []
    (page,) = conn.execute(_INCIDENTS_SQL % ",".join("?" * len(seqs)), seqs).fetchone()
    if not page:
        return []
    by_seq: dict[int, bytes] = {}
    for incident in page.split(b"\x1e"):
        seq, incident_id, title, start, end, head, middle, tail = incident.split(b"\x1f")
        overview = f"/a/{PLUGIN_ID}/incidents/{_unquote(incident_id)}/{slugify(_unquote(title))}"
        by_seq[int(seq)] = b"".join(
            (
                head,
                b',"durationSeconds":%d,' % duration_seconds(_unquote(start), _unquote(end), now),
                middle,
                b',"overviewURL":',
                to_json(overview),
                b",",
                tail,
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
