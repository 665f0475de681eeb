"""QueryIncidents and QueryActivity: filters compiled to SQL, keyset paging.

A cursor is base64url of JSON ``[field, direction, sort_value, seq]``: the
position after the last row sent. Pages continue strictly after it, so rows
inserted between pages cause neither gaps nor repeats, at any depth.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from incident_tui import models as m
from incident_tui.backends.sqlite import reads
from incident_tui.backends.sqlite.schema import SEVERITY_RANK_SQL, STATUS_TIME_SQL
from incident_tui.backends.sqlite.search import LABEL_PROBE_THRESHOLD, compile_query_string
from incident_tui.backends.sqlite.timeutil import normalise_time
from incident_tui.errors import InvalidArgument

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
SEVERITIES = tuple(s.value for s in m.Severity)
STATUSES = tuple(s.value for s in m.IncidentStatus)

_START = "COALESCE(NULLIF(i.incident_start, ''), i.created_at)"
_END = "COALESCE(NULLIF(i.incident_end, ''), NULLIF(i.closed_at, ''))"
#: How long it lasted, in days: end (or, while it runs, the time of the read) minus start.
#: ``{now}`` is a Julian day number carried in the cursor, so one paged read uses one clock.
DURATION_SQL = f"(COALESCE(julianday({_END}), {{now}}) - julianday({_START}))"

#: orderField -> SQL sort key over alias ``i`` (the seq breaks ties).
ORDER_KEYS: dict[str, str] = {
    "createdTime": "i.created_at",
    "modifiedTime": "i.modified_at",
    "incidentStart": "i.incident_start",
    "statusTime": f"({STATUS_TIME_SQL})",
    "duration": DURATION_SQL,
    "title": "i.title COLLATE NOCASE",
    "status": "i.status",
    "severity": f"({SEVERITY_RANK_SQL})",
}
ORDER_VALUE_COLUMNS: dict[str, str] = {
    **ORDER_KEYS,
    "title": "i.title",
}
#: A bound every row meets, put on a first page as a cursor puts its own on the next ones.
#: Without any bound on the sort key, SQLite (which keeps no statistics here) takes an
#: equality on status for a few rows, so it reads all 98 000 resolved incidents through
#: some (status, ...) index and sorts them (~30 ms) instead of walking (status,
#: created_at) in order (~0.05 ms); a range on the key tips it to the ordered index.
FIRST_PAGE_BOUNDS: dict[str, str] = {
    "createdTime": "i.created_at >= ''",
}
#: Order fields whose key depends on the time of the read.
CLOCKED_ORDERS = frozenset({"duration"})


def encode_cursor(parts: list[Any]) -> str:
    raw = json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str, field: str, direction: str) -> tuple[Any, int]:
    """The (sort value, seq) a cursor points after; InvalidArgument if it is not ours."""
    value, seq, _ = decode_clocked_cursor(value, field, direction)
    return value, seq


def decode_clocked_cursor(value: str, field: str, direction: str) -> tuple[Any, int, float | None]:
    """``decode_cursor`` plus the Julian day the read began at (orders by duration)."""
    bad = InvalidArgument(
        "the paging cursor is not valid for this query; start from the first page"
    )
    try:
        padded = value + "=" * (-len(value) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise bad from None
    clocked = field in CLOCKED_ORDERS
    if (
        not isinstance(parts, list)
        or len(parts) != (5 if clocked else 4)
        or parts[0] != field
        or parts[1] != direction
        or not isinstance(parts[2], str | int | float)
        or isinstance(parts[2], bool)
        or not isinstance(parts[3], int)
        or isinstance(parts[3], bool)
        or not all(_fits_sqlite(p) for p in parts[2:4])
        or (clocked and not _julian_day(parts[4]))
    ):
        raise bad
    return parts[2], parts[3], (float(parts[4]) if clocked else None)


def _julian_day(value: object) -> bool:
    """A plausible Julian day number (1970 to 2200): safe to put into SQL as a literal."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (2440587.5 <= value <= 2524593.5)
    )


def julian_day(moment: datetime) -> float:
    return moment.timestamp() / 86400.0 + 2440587.5


def _fits_sqlite(value: object) -> bool:
    """Strings always; integers only within SQLite's 64 bits."""
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def effective_limit(limit: int) -> int:
    if limit < 0:
        raise InvalidArgument("limit must not be negative")
    if limit == 0:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


def effective_direction(value: str, default: str) -> str:
    if not value:
        return default
    upper = value.upper()
    if upper not in ("ASC", "DESC"):
        raise InvalidArgument(f"orderDirection must be ASC or DESC (got {value[:20]!r})")
    return upper


def _check_values(values: list[str], allowed: tuple[str, ...], field: str) -> list[str]:
    for value in values:
        if value not in allowed:
            raise InvalidArgument(
                f"{field} values must be among {', '.join(allowed)} (got {value[:40]!r})"
            )
    return values


def _matches_over(conn: sqlite3.Connection) -> Callable[[str, list[Any], int], bool]:
    """Whether a query's rows number more than ``limit`` (counting stops past it)."""

    def matches_over(sql: str, params: list[Any], limit: int) -> bool:
        count = conn.execute(
            f"SELECT COUNT(*) FROM ({sql} LIMIT ?)", [*params, limit + 1]
        ).fetchone()[0]
        return bool(count > limit)

    return matches_over


def _label_filter(conn: sqlite3.Connection, labels: list[str]) -> str:
    marks = ",".join("?" * len(labels))
    # Counting stops past the threshold: a label on 50 000 incidents costs no more.
    count = conn.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM incident_labels WHERE label IN ({marks}) LIMIT ?)",
        [*labels, LABEL_PROBE_THRESHOLD + 1],
    ).fetchone()[0]
    if count > LABEL_PROBE_THRESHOLD:
        return (
            "EXISTS (SELECT 1 FROM incident_labels l"
            f" WHERE l.incident_seq = i.seq AND l.label IN ({marks}))"
        )
    return f"i.seq IN (SELECT incident_seq FROM incident_labels WHERE label IN ({marks}))"


def compile_incident_filters(
    query: m.IncidentsQuery, now: datetime, conn: sqlite3.Connection, *, probe: bool = True
) -> tuple[list[str], list[Any]]:
    """The WHERE terms (over alias ``i``) and their parameters.

    As in Grafana, a non-empty ``queryString`` replaces the other filter fields.
    ``incidentLabels`` matches incidents holding any of the labels. Without ``probe``,
    words are not counted to choose their plan (each is a plain lookup, bounded by a
    window reader): the count costs 2-3 ms for a common word or typed prefix.
    """
    where: list[str] = []
    params: list[Any] = []
    if query.query_string.strip():
        over = _matches_over(conn) if probe else None
        sql, qparams = compile_query_string(query.query_string, now, over)
        if sql:
            where.append(f"({sql})")
            params.extend(qparams)
        return where, params

    include = _check_values(query.include_statuses, STATUSES, "includeStatuses")
    if include:
        where.append(f"i.status IN ({','.join('?' * len(include))})")
        params.extend(include)
    exclude = _check_values(query.exclude_statuses, STATUSES, "excludeStatuses")
    if exclude:
        where.append(f"i.status NOT IN ({','.join('?' * len(exclude))})")
        params.extend(exclude)
    labels = [label for label in query.incident_labels if label]
    if labels:
        where.append(_label_filter(conn, labels))
        params.extend(labels)
    if not m.time_is_unset(query.date_from):
        where.append("i.created_at >= ?")
        params.append(normalise_time(query.date_from, "dateFrom"))
    if not m.time_is_unset(query.date_to):
        where.append("i.created_at < ?")
        params.append(normalise_time(query.date_to, "dateTo"))
    if query.only_drills:
        where.append("i.is_drill = 1")
    if query.severity:
        wanted = [s.strip().lower() for s in query.severity.split(",") if s.strip()]
        _check_values(wanted, SEVERITIES, "severity")
        where.append(f"i.severity IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    return where, params


def query_incidents(
    conn: sqlite3.Connection, request: m.QueryIncidentsRequest, now: datetime
) -> m.QueryIncidentsResponse:
    seqs, cursor, echoed = _select_incidents(conn, request.query, request.cursor, now)
    incidents = reads.load_incidents(conn, seqs, now)
    return m.QueryIncidentsResponse(incidents=incidents, query=echoed, cursor=cursor)


def query_incident_previews(
    conn: sqlite3.Connection, request: m.QueryIncidentPreviewsRequest, now: datetime
) -> m.QueryIncidentPreviewsResponse:
    """The same selection and paging as QueryIncidents, answered with light previews."""
    asked = request.query
    query = m.IncidentsQuery(
        limit=asked.limit,
        order_direction=asked.order_direction,
        order_field=asked.order_field,
        query_string=asked.query_string,
    )
    seqs, cursor, echoed = _select_incidents(conn, query, request.cursor, now)
    previews = reads.load_previews(conn, seqs, membership=request.include_membership_preview)
    return m.QueryIncidentPreviewsResponse(
        incident_previews=previews,
        query=asked.model_copy(
            update={"limit": echoed.limit, "order_direction": echoed.order_direction}
        ),
        cursor=cursor,
    )


def _select_incidents(
    conn: sqlite3.Connection, query: m.IncidentsQuery, after: m.Cursor, now: datetime
) -> tuple[list[int], m.Cursor, m.IncidentsQuery]:
    """The seqs of one page, the cursor after it, and the query as answered."""
    limit = effective_limit(query.limit)
    direction = effective_direction(query.order_direction, "DESC")
    field = query.order_field or "createdTime"
    if field not in ORDER_KEYS:
        raise InvalidArgument(
            f"orderField must be one of {', '.join(ORDER_KEYS)} (got {field[:40]!r})"
        )
    windowed = field in WINDOWED_ORDERS
    # Windows bound each word's lookup to a slice of the order: no plan to choose first.
    where, params = compile_incident_filters(query, now, conn, probe=not windowed)
    read_at = julian_day(now)
    cursor_value: tuple[Any, int] | None = None
    if after.next_value:
        value, seq, pinned = decode_clocked_cursor(after.next_value, field, direction)
        read_at = pinned if pinned is not None else read_at
        cursor_value = (value, seq)
    key = ORDER_KEYS[field].format(now=repr(read_at))
    value_column = ORDER_VALUE_COLUMNS[field].format(now=repr(read_at))
    found: list[Any] = []
    if windowed and any(_RANGE_MARK.search(w) for w in where):
        found, cursor_value, done = _select_windowed(
            conn, where, params, key, direction, cursor_value, limit + 1
        )
        if done:
            return _page_result(found, limit, field, direction, read_at, query)
        # The plain plan reads on from there: now each word's plan is worth choosing
        # (without words there is no window mark, and nothing was left unprobed).
        where, params = compile_incident_filters(query, now, conn)
    if cursor_value is not None:
        value, seq = cursor_value
        op, bound = ("<", "<=") if direction == "DESC" else (">", ">=")
        # The plain bound lets SQLite seek an expression index; the row value is exact.
        where.append(f"{key} {bound} ? AND ({key}, i.seq) {op} (?, ?)")
        params.extend([value, value, seq])
    elif field in FIRST_PAGE_BOUNDS:
        where.append(FIRST_PAGE_BOUNDS[field])
    sql = (
        f"SELECT i.seq, {value_column} FROM incidents i"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY {key} {direction}, i.seq {direction} LIMIT ?"
    )
    rows: list[Any] = found + [
        (seq, None) for seq in _ordered_seqs(conn, sql, [*params, limit + 1 - len(found)])
    ]
    if len(rows) > limit and rows[limit - 1][1] is None:
        # The cursor's sort value: the last row sent, read again in the same snapshot.
        seq = rows[limit - 1][0]
        value = conn.execute(
            f"SELECT {value_column} FROM incidents i WHERE i.seq = ?", (seq,)
        ).fetchone()[0]
        rows[limit - 1] = (seq, value)
    return _page_result(rows, limit, field, direction, read_at, query)


def _ordered_seqs(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[int]:
    """The ``seq`` column of ``sql``'s rows, in their order, read as one value: fetched
    row by row, each row hands the GIL back and forth, and under load the reading thread
    waits for it every time."""
    (seqs,) = conn.execute(f"SELECT group_concat(seq) FROM ({sql})", params).fetchone()
    return [int(seq) for seq in seqs.split(",")] if seqs else []


def _page_result(
    rows: list[Any], limit: int, field: str, direction: str, read_at: float, query: m.IncidentsQuery
) -> tuple[list[int], m.Cursor, m.IncidentsQuery]:
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = m.Cursor()
    if has_more:
        last = rows[-1]
        parts = [field, direction, last[1], last[0]]
        if field in CLOCKED_ORDERS:
            parts.append(read_at)
        cursor = m.Cursor(next_value=encode_cursor(parts), has_more=True)
    echoed = query.model_copy(update={"limit": limit, "order_direction": direction})
    return [r[0] for r in rows], cursor, echoed


#: Orders read window by window when a filter holds a subquery (an indexed sort key
#: whose order follows the seq closely: incidents are mostly numbered as declared).
WINDOWED_ORDERS = frozenset({"createdTime"})
#: The first window is this many times the rows wanted: a word in a quarter of the
#: incidents or more fills a page from it.
FIRST_WINDOW_FACTOR = 4
#: The largest window; a filter that would need more (a rare word or label) is read by
#: the plain plan instead, which looks its short list up at once.
MAX_WINDOW = 8000
#: Windows read before the plain plan takes over.
MAX_WINDOWS = 4
_RANGE_MARK = re.compile(r"/\*range:(rowid|incident_seq)\*/")


def _next_window(scanned: int, matched: int, still_wanted: int) -> int:
    """The next window's size: what the matches seen so far say the rest needs, with a
    margin (0 when that passes MAX_WINDOW: the filter is rare, the plain plan is better)."""
    if not matched:
        return 0
    needed = still_wanted * scanned / matched
    if needed > MAX_WINDOW:
        return 0
    return min(max(int(needed * 1.5) + 16, 64), MAX_WINDOW)


def _select_windowed(
    conn: sqlite3.Connection,
    where: list[str],
    params: list[Any],
    key: str,
    direction: str,
    after: tuple[Any, int] | None,
    want: int,
) -> tuple[list[Any], tuple[Any, int] | None, bool]:
    """Rows of a filtered page read through windows of the sort order.

    A word found in most incidents costs its whole FTS list when the filter is a plain
    ``seq IN (subquery)`` (40 ms for a timeline word at 1M items); reading the next few
    hundred incidents in order and bounding the subqueries to their seq range reads only
    a slice of it. The first window is a few times the rows wanted, and each next one is
    sized from the matches so far (a word in half the incidents reads ~200 incidents for
    a page of 50, one in 5 % ~1 500), since the bounded lookup costs by the incidents it
    spans. Returns the rows found, the position after the last window read, and whether
    the page is complete; when a window's seqs are scattered (imported incidents) or the
    filter is rare, the caller goes on with the plain plan from there.
    """
    op, bound = ("<", ">=") if direction == "DESC" else (">", "<=")
    found: list[Any] = []
    width = min(want * FIRST_WINDOW_FACTOR, MAX_WINDOW)
    scanned = 0
    for _ in range(MAX_WINDOWS):
        cond, cparams = ("1", []) if after is None else (f"({key}, i.seq) {op} (?, ?)", [*after])
        window = conn.execute(
            f"SELECT {key}, i.seq FROM incidents i WHERE {cond}"
            f" ORDER BY {key} {direction}, i.seq {direction} LIMIT ?",
            [*cparams, width],
        ).fetchall()
        if not window:
            return found, after, True
        seqs = [row[1] for row in window]
        low, high = min(seqs), max(seqs)
        if high - low > 4 * max(width, 1000):
            return found, after, False  # scattered: a bounded subquery would not help
        end = (window[-1][0], window[-1][1])
        # Integers we computed, not input: safe as literals.
        bounded = [_RANGE_MARK.sub(rf" AND \1 BETWEEN {low} AND {high}", w) for w in where]
        sql = (
            f"SELECT i.seq, {key} FROM incidents i WHERE {' AND '.join(bounded)}"
            f" AND i.seq BETWEEN {low} AND {high} AND {cond} AND ({key}, i.seq) {bound} (?, ?)"
            f" ORDER BY {key} {direction}, i.seq {direction} LIMIT ?"
        )
        found += conn.execute(sql, [*params, *cparams, *end, want - len(found)]).fetchall()
        after = end
        scanned += len(window)
        if len(found) >= want or len(window) < width:
            return found, after, True
        width = _next_window(scanned, len(found), want - len(found))
        if not width:
            break  # a rare match: the plain plan reads its short list at once
    return found, after, False


def query_users(conn: sqlite3.Connection, request: m.QueryUsersRequest) -> m.QueryUsersResponse:
    """People by name (then ID), keyset-paged like every other list."""
    limit = effective_limit(request.query.limit)
    where, params = "", []
    if request.cursor.next_value:
        name, rowid = decode_cursor(request.cursor.next_value, "name", "ASC")
        where = " WHERE (u.name COLLATE NOCASE, u.rowid) > (?, ?)"
        params = [name, rowid]
    rows = conn.execute(
        f"SELECT {reads.USER_COLUMNS}, u.rowid FROM users u{where}"
        " ORDER BY u.name COLLATE NOCASE, u.rowid LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = m.Cursor()
    if has_more:
        last = rows[-1]
        cursor = m.Cursor(
            next_value=encode_cursor(["name", "ASC", last[1], last[4]]), has_more=True
        )
    return m.QueryUsersResponse(
        users=[reads.user_from_row(r) for r in rows],
        query=m.UsersQuery(limit=limit),
        cursor=cursor,
    )


def query_activity(
    conn: sqlite3.Connection, request: m.QueryActivityRequest
) -> m.QueryActivityResponse:
    query = request.query
    seq = reads.incident_seq(conn, query.incident_id)
    limit = effective_limit(query.limit)
    direction = effective_direction(query.order_direction, "ASC")
    where = ["a.incident_seq = ?", "a.removed = 0"]
    params: list[Any] = [seq]
    kinds = [k for k in query.activity_kind if k]
    if kinds:
        known = {k.value for k in m.ActivityKind}
        for kind in kinds:
            if kind not in known:
                raise InvalidArgument(f"unknown activityKind {kind[:40]!r}")
        where.append(f"a.kind IN ({','.join('?' * len(kinds))})")
        params.extend(kinds)
    if query.tag:
        if query.tag not in {t.value for t in m.ActivityTag}:
            raise InvalidArgument(f"tag must be important or starred (got {query.tag[:40]!r})")
        where.append("EXISTS (SELECT 1 FROM json_each(a.tags) WHERE json_each.value = ?)")
        params.append(query.tag)
    if request.cursor.next_value:
        value, after = decode_cursor(request.cursor.next_value, "eventTime", direction)
        op = "<" if direction == "DESC" else ">"
        where.append(f"(a.event_time, a.seq) {op} (?, ?)")
        params.extend([value, after])
    rows = conn.execute(
        f"SELECT {reads.ACTIVITY_COLUMNS} FROM activity a WHERE {' AND '.join(where)}"
        f" ORDER BY a.event_time {direction}, a.seq {direction} LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    has_more = len(rows) > limit
    rows = [tuple(r) for r in rows[:limit]]
    cursor = m.Cursor()
    if has_more:
        last = rows[-1]
        cursor = m.Cursor(
            next_value=encode_cursor(["eventTime", direction, last[9], last[0]]), has_more=True
        )
    echoed = query.model_copy(update={"limit": limit, "order_direction": direction})
    return m.QueryActivityResponse(
        activity_items=reads.items_from_rows(conn, rows), query=echoed, cursor=cursor
    )
