"""The server's read path: reader connections, incidents encoded from rows, probe plans.

A store opened with ``readers`` runs reads on query-only connections of their own, each
in one snapshot, and still sees every write that returned before the read began. The
JSON built in SQLite (``encode.py``) must be byte for byte what the models give, for
every incident of the demo store and for text with quotes, control characters and
characters outside the BMP. Labels and words probed row by row must give the same pages
as when they are collected.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from incident_tui import models as m
from incident_tui.backends.sqlite import SqliteBackend, encode, queries, reads, search
from incident_tui.backends.sqlite.store import READER_THREAD_NAME, THREAD_NAME
from incident_tui.demo import fill_demo
from incident_tui.errors import NotFound, PermissionDenied, Unavailable
from tests.support.rpc_server import rpc_server

ALICE = m.UserPreview(user_id="alice", name="Alice")
NOW = datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)
TRICKY = 'quote " back \\ tab \t nl \n bell \x07 rs \x1e us \x1f del \x7f é 😀 \u2028 end'


@pytest.fixture
async def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    await fill_demo(path, count=30, seed=5, now=NOW)
    backend = await SqliteBackend.open(path, ALICE)
    try:
        iid = (
            await backend.create_incident(
                m.CreateIncidentRequest(
                    title=TRICKY,
                    labels=[m.IncidentLabel(label=TRICKY, description=TRICKY, color_hex="#fff")],
                )
            )
        ).incident.incident_id
        await backend.add_task(m.AddTaskRequest(incident_id=iid, text=TRICKY))
        await backend.update_incident_event_time(
            m.UpdateIncidentEventTimeRequest(
                incident_id=iid, event_time="2026-01-02T03:04:05.5Z", event_name="incidentStart"
            )
        )
    finally:
        await backend.close()
    return path


@pytest.fixture
async def pooled(demo_db: Path) -> AsyncIterator[SqliteBackend]:
    backend = await SqliteBackend.open(demo_db, ALICE, readers=2)
    yield backend
    await backend.close()


async def test_reads_run_on_the_reader_threads_and_writes_on_the_store_thread(demo_db: Path):
    backend = await SqliteBackend.open(demo_db, ALICE, readers=2)
    seen: dict[str, set[str]] = {"read": set(), "write": set()}
    try:

        def note(kind: str):
            def run(conn):
                seen[kind].add(threading.current_thread().name)
                return conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]

            return run

        counts = await asyncio.gather(*(backend._store.read(note("read")) for _ in range(20)))
        await backend._store.write(note("write"))
    finally:
        await backend.close()
    assert set(counts) == {31}
    assert seen["read"] and all(n.startswith(READER_THREAD_NAME) for n in seen["read"])
    assert seen["write"] and all(
        n.startswith(THREAD_NAME) and not n.startswith(READER_THREAD_NAME) for n in seen["write"]
    )


async def test_a_read_sees_every_write_that_returned_before_it(pooled: SqliteBackend):
    for n in range(15):
        created = (
            await pooled.create_incident(m.CreateIncidentRequest(title=f"fresh {n}"))
        ).incident
        got = await pooled.get_incident(m.GetIncidentRequest(incident_id=created.incident_id))
        assert got.incident.title == f"fresh {n}"
        note = await pooled.add_activity(
            m.AddActivityRequest(incident_id=created.incident_id, body=f"note {n}")
        )
        items = await pooled.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=created.incident_id))
        )
        assert note.activity_item.activity_item_id in {
            i.activity_item_id for i in items.activity_items
        }


async def test_a_read_is_one_snapshot_while_the_writer_commits(pooled: SqliteBackend):
    """Two counts inside one read agree even when a write commits between them."""
    started, committed = threading.Event(), threading.Event()

    def two_counts(conn):
        first = conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        started.set()
        committed.wait(5)
        second = conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        return first, second

    reading = asyncio.ensure_future(pooled._store.read(two_counts))
    await asyncio.to_thread(started.wait, 5)
    await pooled.create_incident(m.CreateIncidentRequest(title="meanwhile"))
    committed.set()
    first, second = await reading
    assert first == second == 31
    assert await pooled.count_incidents() == 32


async def test_reader_connections_refuse_to_write(pooled: SqliteBackend):
    with pytest.raises(PermissionDenied):
        await pooled._store.read(
            lambda conn: conn.execute("UPDATE incidents SET title = 'x'").fetchall()
        )
    page = await pooled.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1)))
    assert page.incidents[0].title != "x"


async def test_closing_stops_the_readers_and_later_reads_are_unavailable(demo_db: Path):
    backend = await SqliteBackend.open(demo_db, ALICE, readers=3)
    pages = await asyncio.gather(
        *(backend.query_incidents(m.QueryIncidentsRequest()) for _ in range(6))
    )
    assert all(len(p.incidents) == 31 for p in pages)
    await backend.close()
    assert not any(t.name.startswith(READER_THREAD_NAME) for t in threading.enumerate())
    with pytest.raises(Unavailable, match="closed"):
        await backend.query_incidents(m.QueryIncidentsRequest())


def _requests() -> list[m.QueryIncidentsRequest]:
    out = []
    for query_string in ("", "status:active", "label:db", "-label:db", "quote"):
        for field in ("", "statusTime", "title", "duration"):
            for limit in (1, 7, 500):
                query = m.IncidentsQuery(limit=limit, order_field=field, query_string=query_string)
                out.append(m.QueryIncidentsRequest(query=query))
    return out


async def test_encoded_pages_equal_the_models_bytes_for_bytes(pooled: SqliteBackend):
    def both(conn, request):
        return (
            queries.query_incidents(conn, request, NOW).to_json_bytes(),
            encode.query_incidents_json(conn, request, NOW),
        )

    compared = 0
    for request in _requests():
        while True:
            expected, got = await pooled._store.read(lambda conn, r=request: both(conn, r))
            assert got == expected, request
            compared += len(json.loads(got)["incidents"])
            cursor = m.QueryIncidentsResponse.model_validate_json(got).cursor
            if not cursor.has_more:
                break
            request = m.QueryIncidentsRequest(query=request.query, cursor=cursor)
    assert compared > 500
    tricky = await pooled._store.read(
        lambda conn: encode.query_incidents_json(
            conn, m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=500)), NOW
        )
    )
    incidents = json.loads(tricky)["incidents"]
    odd = next(i for i in incidents if i["title"] == TRICKY)
    assert odd["labels"][0]["description"] == TRICKY
    assert odd["taskList"]["tasks"][-1]["text"] == TRICKY
    assert odd["durationSeconds"] > 0
    assert any(i["taskList"]["tasks"] and i["roles"] for i in incidents)


async def test_encoded_get_incident_equals_the_model_and_refuses_the_same(pooled: SqliteBackend):
    for iid in ("1", "17", "31"):
        expected = (
            await pooled.get_incident(m.GetIncidentRequest(incident_id=iid))
        ).to_json_bytes()
        got = await pooled.encoded_reply("get_incident", m.GetIncidentRequest(incident_id=iid))
        # Only durationSeconds may differ (the two reads ran at different times).
        assert (
            json.loads(got or b"")["incident"]["title"] == json.loads(expected)["incident"]["title"]
        )
        same = await pooled._store.read(
            lambda conn, i=iid: (
                encode.get_incident_json(conn, i, NOW),
                m.GetIncidentResponse(
                    incident=reads.load_incident(conn, reads.incident_seq(conn, i), NOW)
                ).to_json_bytes(),
            )
        )
        assert same[0] == same[1]
    with pytest.raises(NotFound):
        await pooled.encoded_reply("get_incident", m.GetIncidentRequest(incident_id="999"))
    assert await pooled.encoded_reply("get_roles", m.GetRolesRequest()) is None


async def test_the_server_sends_the_encoded_page(demo_db: Path):
    """Over HTTP, the page is what the models would have given (no durations: the clock
    moves between the two reads)."""
    direct = await SqliteBackend.open(demo_db, ALICE)
    try:
        async with rpc_server(demo_db) as server:
            token = server.token_for(ALICE)
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
                resp = await http.post(
                    "/api/plugins/grafana-irm-app/resources/api/v1/IncidentsService.QueryIncidents",
                    json={"query": {"limit": 500, "orderField": "title"}},
                    headers={"Authorization": f"Bearer {token}"},
                )
        expected = await direct.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=500, order_field="title"))
        )
    finally:
        await direct.close()
    assert resp.status_code == 200, resp.text
    got = resp.json()
    want = expected.to_wire()
    for page in (got, want):
        for incident in page["incidents"]:
            incident.pop("durationSeconds")
    assert got == want
    assert len(got["incidents"]) == 31


@pytest.mark.parametrize("labels_over", [0, 10_000])
@pytest.mark.parametrize("words_over", [0, 10_000])
async def test_probed_and_collected_terms_give_the_same_pages(
    pooled: SqliteBackend, monkeypatch, labels_over, words_over
):
    monkeypatch.setattr(search, "LABEL_PROBE_THRESHOLD", labels_over)
    monkeypatch.setattr(search, "TEXT_PROBE_THRESHOLD", words_over)
    results: dict[str, list[str]] = {}
    for text in ("label:db", "any(label:db label:api)", "-label:db", "disk ", "quote back "):
        seen: list[str] = []
        request = m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=4, query_string=text))
        while True:
            page = await pooled.query_incidents(request)
            seen += [i.incident_id for i in page.incidents]
            if not page.cursor.has_more:
                break
            request = m.QueryIncidentsRequest(query=request.query, cursor=page.cursor)
        results[text] = seen
    monkeypatch.undo()
    for text, seen in results.items():
        every = await pooled.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=500, query_string=text))
        )
        assert seen == [i.incident_id for i in every.incidents], text
    assert results["label:db"] and results["quote back "]


_MEMSTATUS_PROBE = r"""
import ctypes, json, sqlite3, sys, _sqlite3
from incident_tui.backends.sqlite.store import memory_statistics_off
lib = ctypes.CDLL(_sqlite3.__file__)
lib.sqlite3_memory_used.restype = ctypes.c_int64
out = {}
if sys.argv[1] == "busy":
    held = sqlite3.connect(":memory:")
    held.execute("CREATE TABLE t (x)")
    out["off"] = memory_statistics_off()
    held.execute("INSERT INTO t VALUES (1)")
    out["held_still_works"] = held.execute("SELECT x FROM t").fetchone()[0] == 1
else:
    out["off"] = memory_statistics_off()
    out["again"] = memory_statistics_off()
conn = sqlite3.connect(sys.argv[2])
conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
conn.execute("INSERT INTO t VALUES (randomblob(100000))")
out["rows"] = conn.execute("SELECT COUNT(*), length(group_concat(x)) FROM t").fetchone()
out["counted"] = lib.sqlite3_memory_used()
print(json.dumps(out))
"""


@pytest.mark.parametrize("state", ["fresh", "busy"])
def test_sqlite_memory_statistics_are_turned_off_only_while_sqlite_is_unused(
    tmp_path: Path, state: str
) -> None:
    """The server turns SQLite's per-allocation statistics (one process-wide mutex) off
    before it opens its store; with a connection open it leaves SQLite as it is."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _MEMSTATUS_PROBE, state, str(tmp_path / f"{state}.db")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rows"][0] == 1
    if state == "fresh":
        assert out["off"] is True and out["again"] is True
        assert out["counted"] == 0  # nothing counted any more
    else:
        assert out["off"] is False and out["held_still_works"] is True
        assert out["counted"] > 0
