"""Keyset paging, order fields, the search document, the bulk path and the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.sqlite import BulkIncident, BulkItem, BulkTask, SqliteBackend
from incident_tui.backends.sqlite.queries import encode_cursor
from incident_tui.backends.sqlite.timeutil import fmt
from incident_tui.errors import InvalidArgument

ALICE = m.UserPreview(user_id="alice", name="Alice")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteBackend]:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    yield backend
    await backend.close()


async def _declare(backend: SqliteBackend, title: str, **fields) -> m.Incident:
    return (await backend.create_incident(m.CreateIncidentRequest(title=title, **fields))).incident


async def _page(backend: SqliteBackend, cursor: m.Cursor | None = None, **query):
    return await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(**query), cursor=cursor or m.Cursor())
    )


async def _search(backend: SqliteBackend, text: str) -> list[str]:
    page = await _page(backend, query_string=text, limit=500)
    return [i.title for i in page.incidents]


async def test_pages_neither_skip_nor_repeat_when_incidents_arrive_between_them(store):
    for n in range(7):
        await _declare(store, f"old {n}")
    seen: list[str] = []
    page = await _page(store, limit=3)
    seen += [i.title for i in page.incidents]
    for n in range(4):  # newer than everything already sent
        await _declare(store, f"new {n}")
    while page.cursor.has_more:
        page = await _page(store, page.cursor, limit=3)
        seen += [i.title for i in page.incidents]
    assert seen == [f"old {n}" for n in reversed(range(7))]


async def test_ascending_pages_pick_up_incidents_declared_meanwhile_at_the_end(store):
    for n in range(4):
        await _declare(store, f"old {n}")
    page = await _page(store, limit=3, order_direction="ASC")
    seen = [i.title for i in page.incidents]
    await _declare(store, "late")
    while page.cursor.has_more:
        page = await _page(store, page.cursor, limit=3, order_direction="ASC")
        seen += [i.title for i in page.incidents]
    assert seen == ["old 0", "old 1", "old 2", "old 3", "late"]


async def test_last_page_with_items_says_no_more(store):
    for n in range(4):
        await _declare(store, f"i{n}")
    first = await _page(store, limit=2)
    assert first.cursor.has_more
    second = await _page(store, first.cursor, limit=2)
    assert len(second.incidents) == 2
    assert not second.cursor.has_more
    assert second.cursor.next_value == ""


@pytest.mark.parametrize(
    "value",
    [
        "garbage!",
        "e30",
        encode_cursor(["createdTime", "ASC", "x", 1]),
        encode_cursor([1, 2]),
        encode_cursor(["createdTime", "DESC", "2026-01-01T00:00:00.000000Z", 2**70]),
    ],
)
async def test_a_foreign_or_damaged_cursor_is_refused(store, value):
    await _declare(store, "one")
    with pytest.raises(InvalidArgument, match="cursor"):
        await _page(store, m.Cursor(next_value=value, has_more=True))


async def test_a_cursor_with_numbers_beyond_64_bits_is_refused(store):
    await _declare(store, "one")
    value = encode_cursor(["severity", "DESC", -(2**64), 1])
    with pytest.raises(InvalidArgument, match="cursor"):
        await _page(store, m.Cursor(next_value=value, has_more=True), order_field="severity")


async def test_a_cursor_from_another_order_is_refused(store):
    for n in range(3):
        await _declare(store, f"i{n}")
    page = await _page(store, limit=1, order_field="title")
    with pytest.raises(InvalidArgument):
        await _page(store, page.cursor, limit=1, order_field="modifiedTime")


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_order_field_pages_through_everything_once(store, direction):
    titles = ["delta", "Alpha", "charlie", "bravo", "echo", "alpha"]
    severities = ["critical", "minor", "pending", "major", "minor", "critical"]
    for title, severity in zip(titles, severities, strict=True):
        await _declare(store, title, severity=severity)
    await store.update_title(m.UpdateTitleRequest(incident_id="2", title="Alpha!"))
    for field in [
        "",
        "createdTime",
        "modifiedTime",
        "incidentStart",
        "title",
        "status",
        "severity",
    ]:
        got: list[m.Incident] = []
        page = await _page(store, limit=2, order_field=field, order_direction=direction)
        got += page.incidents
        while page.cursor.has_more:
            page = await _page(
                store, page.cursor, limit=2, order_field=field, order_direction=direction
            )
            got += page.incidents
        assert sorted(i.incident_id for i in got) == ["1", "2", "3", "4", "5", "6"], field
        if field == "title":
            keys = [i.title.lower() for i in got]
            assert keys == sorted(keys, reverse=direction == "DESC")
        if field == "severity":
            rank = {"critical": 4, "major": 3, "minor": 2, "pending": 1}
            keys = [rank[i.severity] for i in got]
            assert keys == sorted(keys, reverse=direction == "DESC")
        if field == "modifiedTime":
            assert (got[0].incident_id == "2") == (direction == "DESC")


async def test_unknown_order_field_is_refused(store):
    with pytest.raises(InvalidArgument, match="orderField"):
        await _page(store, order_field="colour")


async def test_search_document_follows_titles_notes_and_tasks(store):
    incident = await _declare(store, "Checkout latency")
    iid = incident.incident_id
    await _declare(store, "Unrelated")
    assert await _search(store, "checkout") == ["Checkout latency"]

    note = await store.add_activity(m.AddActivityRequest(incident_id=iid, body="replication lag"))
    assert await _search(store, "replication") == ["Checkout latency"]
    item_id = note.activity_item.activity_item_id
    await store.update_activity_body(
        m.UpdateActivityBodyRequest(incident_id=iid, activity_item_id=item_id, body="vacuum stall")
    )
    assert await _search(store, "replication") == []
    assert await _search(store, "vacuum") == ["Checkout latency"]
    await store.remove_activity(m.RemoveActivityRequest(incident_id=iid, activity_item_id=item_id))
    assert await _search(store, "vacuum") == []

    await store.update_title(m.UpdateTitleRequest(incident_id=iid, title="Payments latency"))
    assert await _search(store, "checkout") == []
    assert await _search(store, "payments") == ["Payments latency"]

    task = await store.add_task(m.AddTaskRequest(incident_id=iid, text="rotate credentials"))
    assert await _search(store, "credentials") == ["Payments latency"]
    await store.delete_task(m.DeleteTaskRequest(incident_id=iid, task_id=task.task.task_id))
    assert await _search(store, "credentials") == []


async def test_removed_note_is_gone_from_the_timeline_and_the_search(store):
    incident = await _declare(store, "x")
    iid = incident.incident_id
    note = await store.add_activity(m.AddActivityRequest(incident_id=iid, body="secret-ish words"))
    removed = await store.remove_activity(
        m.RemoveActivityRequest(
            incident_id=iid, activity_item_id=note.activity_item.activity_item_id
        )
    )
    assert removed.activity_item.body == "secret-ish words"
    items = await store.query_activity(
        m.QueryActivityRequest(query=m.ActivityQuery(incident_id=iid))
    )
    assert [i.activity_kind for i in items.activity_items] == ["incidentCreated"]
    assert await _search(store, "secret") == []


async def test_bulk_insert_is_queryable_and_searchable(store):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        BulkIncident(
            title=f"bulk {n}",
            created_at=fmt(base + timedelta(minutes=n)),
            created_by="loader",
            severity="major" if n % 2 else "minor",
            status="resolved" if n < 5 else "active",
            closed_at=fmt(base + timedelta(minutes=n, seconds=30)) if n < 5 else "",
            labels=["db", "db", "api"] if n % 3 == 0 else ["api"],
            items=[
                BulkItem(
                    "incidentCreated",
                    "declared the incident",
                    "loader",
                    fmt(base + timedelta(minutes=n)),
                ),
                BulkItem(
                    "userNote",
                    f"note about zebra{n}",
                    "dora",
                    fmt(base + timedelta(minutes=n, seconds=5)),
                    immutable=False,
                ),
            ],
            tasks=[BulkTask("check it", "loader", status="done")],
            assignments=[("commander", "dora")],
        )
        for n in range(12)
    ]
    count = await store.bulk_insert(rows, users=[m.UserPreview(user_id="dora", name="Dora")])
    assert count == 12
    page = await _page(store, limit=5)
    assert [i.title for i in page.incidents] == [f"bulk {n}" for n in (11, 10, 9, 8, 7)]
    first = page.incidents[0]
    assert first.roles[0].user.name == "Dora"
    assert first.task_list.done_count == 1
    assert await _search(store, "zebra4") == ["bulk 4"]
    labelled = await _page(store, limit=50, incident_labels=["db"])
    assert sorted(i.title for i in labelled.incidents) == sorted(f"bulk {n}" for n in (0, 3, 6, 9))
    resolved = (await store.get_incident(m.GetIncidentRequest(incident_id="2"))).incident
    assert resolved.status == "resolved" and resolved.duration_seconds == 30
    # The store keeps numbering after a bulk load.
    assert (await _declare(store, "after")).incident_id == "13"


@pytest.mark.parametrize("threshold", [0, 10_000])
async def test_label_filter_gives_the_same_pages_whichever_plan_it_picks(
    store, monkeypatch, threshold
):
    from incident_tui.backends.sqlite import queries

    monkeypatch.setattr(queries, "LABEL_PROBE_THRESHOLD", threshold)
    for n in range(9):
        labels = [m.IncidentLabel(label="db")] if n % 2 else [m.IncidentLabel(label="api")]
        if n % 3 == 0:
            labels.append(m.IncidentLabel(label="auth"))
        await _declare(store, f"i{n}", labels=labels)
    got: list[str] = []
    page = await _page(store, limit=2, incident_labels=["db", "auth"])
    got += [i.title for i in page.incidents]
    while page.cursor.has_more:
        page = await _page(store, page.cursor, limit=2, incident_labels=["db", "auth"])
        got += [i.title for i in page.incidents]
    assert got == ["i7", "i6", "i5", "i3", "i1", "i0"]


async def test_a_view_with_its_own_clock_writes_at_that_time(store):
    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    past = store.as_user(m.UserPreview(user_id="eve", name="Eve"), clock=lambda: at)
    incident = await _declare(past, "back then")
    assert incident.created_time == "2026-03-04T05:06:07.000000Z"
    assert incident.created_by_user.name == "Eve"
    items = await store.query_activity(
        m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident.incident_id))
    )
    assert items.activity_items[0].event_time == "2026-03-04T05:06:07.000000Z"


async def test_duration_runs_until_now_then_stops_at_the_end(tmp_path: Path):
    now = [datetime(2026, 5, 1, 10, 0, tzinfo=UTC)]
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE, clock=lambda: now[0])
    try:
        incident = await _declare(backend, "clocked")
        iid = incident.incident_id
        now[0] += timedelta(minutes=90)
        got = (await backend.get_incident(m.GetIncidentRequest(incident_id=iid))).incident
        assert got.duration_seconds == 5400
        await backend.update_status(m.UpdateStatusRequest(incident_id=iid, status="resolved"))
        now[0] += timedelta(hours=5)
        got = (await backend.get_incident(m.GetIncidentRequest(incident_id=iid))).incident
        assert got.duration_seconds == 5400
        assert got.closed_time == got.incident_end == "2026-05-01T11:30:00.000000Z"
    finally:
        await backend.close()


def test_stored_times_are_fixed_width_in_every_year():
    from incident_tui.backends.sqlite.timeutil import normalise_time, parse_stored

    early = fmt(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    assert early == "0999-01-02T03:04:05.000006Z"
    assert len(early) == len(fmt(datetime(2026, 11, 25, tzinfo=UTC)))
    assert fmt(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000000Z"
    plus_two = datetime.fromisoformat("2026-01-01T12:00:00.000005+02:00")
    assert fmt(plus_two) == "2026-01-01T10:00:00.000005Z"
    assert parse_stored(early) == datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert normalise_time("2026-11-25T03:04:05.5+02:00", "t") == "2026-11-25T01:04:05.500000Z"
    with pytest.raises(InvalidArgument):
        normalise_time("0001-01-01T00:00:00+01:00", "t")  # before year 1 in UTC
    with pytest.raises(InvalidArgument):
        normalise_time("2026-02-30T00:00:00Z", "t")


def _bulk_store(path: Path, count: int, scattered: bool) -> SqliteBackend:
    """``count`` incidents: every one says "rollback", every 7th "dns", every 401st is
    labelled "rare"; ``scattered`` numbers them out of declaration order."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    order = list(range(count))
    if scattered:
        order = order[::2] + order[1::2]  # seq order far from time order

    def incidents():
        for n in order:
            at = fmt(start + timedelta(minutes=n))
            yield BulkIncident(
                title=f"incident {n}" + (" dns" if n % 7 == 0 else ""),
                created_at=at,
                created_by="alice",
                severity="minor",
                status="active" if n % 3 else "resolved",
                is_drill=False,
                modified_at=at,
                closed_at="" if n % 3 else at,
                labels=["rare"] if n % 401 == 0 else ["db"] if n % 2 else [],
                items=[BulkItem("userNote", "rolled back: rollback done", "alice", at)],
                tasks=[BulkTask("postmortem", "alice", "todo")],
                assignments=[],
            )

    backend = SqliteBackend(path, ALICE)
    backend.bulk_insert_sync(incidents(), users=[ALICE])
    return backend


@pytest.mark.parametrize("scattered", [False, True])
async def test_filters_read_window_by_window_give_the_plain_plans_pages(tmp_path, scattered):
    """Filters with subqueries (words, labels) are read through windows of the sort order
    bounded by seq; every page must be the one the plain plan gives, in both directions."""
    from incident_tui.backends.sqlite import queries

    backend = _bulk_store(tmp_path / "w.db", 2600, scattered)
    try:
        for text in ["rollback", "rollb", "dns", "label:rare", "-rollback", "label:db dns",
                     "any(label:rare dns)", "-label:db rollback", "nothing-matches"]:  # fmt: skip
            for direction in ("DESC", "ASC"):
                pages: dict[bool, list[list[str]]] = {}
                for windowed in (True, False):
                    saved = queries.WINDOWED_ORDERS
                    queries.WINDOWED_ORDERS = saved if windowed else frozenset()
                    try:
                        seen, cursor = [], None
                        while True:
                            page = await _page(
                                backend, cursor, query_string=text, limit=97,
                                order_direction=direction,
                            )  # fmt: skip
                            seen.append([i.incident_id for i in page.incidents])
                            if not page.cursor.has_more:
                                break
                            cursor = page.cursor
                    finally:
                        queries.WINDOWED_ORDERS = saved
                    pages[windowed] = seen
                assert pages[True] == pages[False], (text, direction)
                assert sum(map(len, pages[True])) == sum(map(len, pages[False]))
        rollback = await _page(backend, query_string="rollback", limit=500)
        assert len(rollback.incidents) == 500  # the word is everywhere: pages are full
    finally:
        await backend.close()


def test_window_sizes_follow_the_matches_seen_so_far():
    """The next window is what the density seen so far says the rest of the page needs,
    with a margin; a filter too rare for the largest window goes to the plain plan."""
    from incident_tui.backends.sqlite.queries import MAX_WINDOW, _next_window

    assert _next_window(204, 0, 51) == 0  # nothing seen: rare
    assert _next_window(204, 150, 5) == 64  # dense: the smallest window
    five_percent = _next_window(204, 10, 41)  # ~840 incidents more are needed
    assert 840 < five_percent < 1400
    assert _next_window(1000, 3, 48) == 0  # 0.3 %: 16 000 incidents more, past the largest
    assert 4800 < _next_window(1000, 12, 39) < 5000  # 1.2 %: ~3 250 more, with the margin
    assert _next_window(1000, 10, 60) == MAX_WINDOW  # 6 000 more: the margin is capped


async def test_a_common_words_first_page_by_creation_is_read_without_counting(tmp_path):
    """Counting how many incidents hold a word (to choose its plan) costs 2-3 ms for a
    common word or a typed prefix; a page read window by window does not need it, so the
    first page of ``rollback`` (in every incident) counts nothing and reads a small window."""
    import sqlite3

    from incident_tui.backends.sqlite import queries

    backend = _bulk_store(tmp_path / "c.db", 2600, scattered=False)
    await backend.close()
    conn = sqlite3.connect(tmp_path / "c.db")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    now = datetime.now(UTC)
    try:
        for text in ("rollback", "rollb", "rollback "):
            statements.clear()
            query = m.IncidentsQuery(limit=50, query_string=text)
            seqs, cursor, _ = queries._select_incidents(conn, query, m.Cursor(), now)
            assert len(seqs) == 50 and cursor.has_more
            assert not [s for s in statements if "COUNT(" in s.upper()], text
            windows = [s for s in statements if "LIMIT" in s and "WHERE 1 " in s]
            assert windows and all("LIMIT 204" in s for s in windows), windows
        # A word the first window does not find is read by the plain plan, chosen by count.
        statements.clear()
        query = m.IncidentsQuery(limit=50, query_string="nowhere")
        seqs, cursor, _ = queries._select_incidents(conn, query, m.Cursor(), now)
        assert seqs == [] and not cursor.has_more
        assert [s for s in statements if "COUNT(" in s.upper()]
    finally:
        conn.close()


def test_word_plans_follow_how_many_incidents_hold_the_word():
    """Rare words are looked up and sorted, mid-frequency words and typed prefixes walk the
    order's index against the collected matches, words in most incidents are checked row by
    row; one- and two-letter prefixes are not probed at all (the probe would cost a read)."""
    from incident_tui.backends.sqlite import search

    counts = {'"rare"': 10, '"common"': 5000, '"everywhere"': 50_000, '"everyw"*': 50_000}
    probed: list[object] = []

    def over(sql: str, params: list[object], n: int) -> bool:
        probed.append(params[0])
        return counts.get(str(params[0]), 5000) > n

    now = datetime.now(UTC)
    assert search.compile_query_string("rare ", now, over)[0].startswith("i.seq IN (")
    assert search.compile_query_string("common ", now, over)[0].startswith("+i.seq IN (")
    assert search.compile_query_string("everywhere ", now, over)[0].startswith("EXISTS")
    # A prefix in most incidents still walks: EXISTS would expand it for every incident.
    assert search.compile_query_string("everyw", now, over)[0].startswith("+i.seq IN (")
    probed.clear()
    assert search.compile_query_string("co", now, over)[0].startswith("i.seq IN (")
    assert search.compile_query_string("rare c", now, over)[0].startswith("i.seq IN (")
    assert probed == []


async def test_walked_and_sorted_word_plans_give_the_same_pages(tmp_path, monkeypatch):
    """Every order and direction, paged through to the end: the same incidents in the same
    order whether a word's matches are walked in the order's index or looked up and sorted
    (compared with the plain lookup, which the planner cannot turn into a walk)."""
    from incident_tui.backends.sqlite import queries, search

    backend = _bulk_store(tmp_path / "walk.db", 2600, scattered=False)
    monkeypatch.setattr(queries, "WINDOWED_ORDERS", frozenset())  # this plan on its own
    try:
        for text in ["rollback ", "rollb", "dns ", "rollback status:active", "-rollback "]:
            for field in ("createdTime", "modifiedTime", "title", "severity", "statusTime"):
                for direction in ("DESC", "ASC"):
                    pages: dict[bool, list[list[str]]] = {}
                    for walked in (True, False):
                        threshold = 0 if walked else 10**9
                        monkeypatch.setattr(search, "TEXT_WALK_THRESHOLD", threshold)
                        seen, cursor = [], None
                        while True:
                            page = await _page(
                                backend, cursor, query_string=text, limit=97,
                                order_field=field, order_direction=direction,
                            )  # fmt: skip
                            seen.append([i.incident_id for i in page.incidents])
                            if not page.cursor.has_more:
                                break
                            cursor = page.cursor
                        pages[walked] = seen
                    assert pages[True] == pages[False], (text, field, direction)
        everything = await _page(backend, query_string="rollback ", limit=500)
        assert len(everything.incidents) == 500
    finally:
        await backend.close()


def _plans(conn, run) -> list[str]:
    """The query plans of the SELECTs ``run()`` makes on ``conn`` (bound values inlined)."""
    import sqlite3

    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            try:
                rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            except sqlite3.Error:
                continue
            plans.append(" | ".join(str(r[3]) for r in rows))
    return plans


async def test_first_pages_with_a_status_walk_the_orders_index_and_match_a_full_sort(tmp_path):
    """A status filter on a first page sorted by creation time reads the
    (status, created_at) index in order, as the next pages do, instead of sorting every
    match; the incidents are the ones a full sort gives, page after page. A month of
    closing times is found through its own index, then sorted."""
    from incident_tui.backends.sqlite import queries

    backend = _bulk_store(tmp_path / "plans.db", 2600, scattered=True)
    now = datetime.now(UTC)
    try:
        for status, field, direction in [
            ("resolved", "", "DESC"),
            ("active", "createdTime", "ASC"),
            ("resolved", "createdTime", "ASC"),
        ]:
            query = m.IncidentsQuery(
                limit=40, include_statuses=[status], order_field=field, order_direction=direction
            )

            def select(conn, q=query):
                return queries._select_incidents(conn, q, m.Cursor(), now)

            plans = await backend._store.read(lambda conn, s=select: _plans(conn, lambda: s(conn)))
            assert not any("TEMP B-TREE" in p for p in plans), (status, field, plans)
            seen, cursor = [], None
            while True:
                page = await _page(backend, cursor, **query.model_dump())
                seen += [(i.incident_id, i.status) for i in page.incidents]
                if not page.cursor.has_more:
                    break
                cursor = page.cursor
            every = await _page(backend, limit=500, order_field=field, order_direction=direction)
            rest = every
            everything = list(every.incidents)
            while rest.cursor.has_more:
                rest = await _page(
                    backend, rest.cursor, limit=500, order_field=field, order_direction=direction
                )
                everything += rest.incidents
            assert seen == [(i.incident_id, i.status) for i in everything if i.status == status]
            assert seen
        month = m.IncidentsQuery(limit=20, query_string="resolved:2020-01-01..2020-02-01")

        def closed(conn):
            return queries._select_incidents(conn, month, m.Cursor(), now)

        plans = await backend._store.read(lambda conn: _plans(conn, lambda: closed(conn)))
        assert any("incidents_by_closed" in p for p in plans), plans
    finally:
        await backend.close()


async def test_a_pages_seqs_read_as_one_value_keep_the_order_and_the_cursor(tmp_path):
    """The page's seqs come back as one text value (one GIL hand-over): in the order the
    rows would come one by one, and the cursor carries the last row's sort value."""
    from incident_tui.backends.sqlite import queries

    backend = _bulk_store(tmp_path / "one.db", 700, scattered=True)
    now = datetime.now(UTC)
    try:
        for field, value_column in queries.ORDER_VALUE_COLUMNS.items():
            key = queries.ORDER_KEYS[field].format(now="2461000.5")
            value_column = value_column.format(now="2461000.5")
            for direction in ("ASC", "DESC"):
                sql = (
                    f"SELECT i.seq, {value_column} FROM incidents i WHERE i.status = ?"
                    f" ORDER BY {key} {direction}, i.seq {direction} LIMIT ?"
                )

                def both(conn, sql=sql):
                    rows = conn.execute(sql, ["resolved", 120]).fetchall()
                    return rows, queries._ordered_seqs(conn, sql, ["resolved", 120])

                rows, seqs = await backend._store.read(both)
                assert seqs == [r[0] for r in rows] and len(seqs) == 120, (field, direction)
            query = m.IncidentsQuery(limit=33, order_field=field, order_direction="DESC")

            def first(conn, q=query):
                return queries._select_incidents(conn, q, m.Cursor(), now)

            seqs, cursor, _ = await backend._store.read(first)
            value, seq = queries.decode_clocked_cursor(cursor.next_value, field, "DESC")[:2]
            assert seq == seqs[-1]
            expected = await backend._store.read(
                lambda conn, s=seq, f=field: conn.execute(
                    f"SELECT {queries.ORDER_VALUE_COLUMNS[f].format(now='0')}"
                    " FROM incidents i WHERE i.seq = ?",
                    (s,),
                ).fetchone()[0]
            )
            if field != "duration":
                assert value == expected, field
    finally:
        await backend.close()
