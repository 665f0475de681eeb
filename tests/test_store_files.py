"""The local store's file: versions, modes, WAL, locks, damage, sharing, threads."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.sqlite import SqliteBackend, StoreError
from incident_tui.backends.sqlite.schema import SCHEMA_VERSION
from incident_tui.backends.sqlite.store import THREAD_NAME
from incident_tui.errors import PermissionDenied, Unavailable

ALICE = m.UserPreview(user_id="alice", name="Alice")
BOB = m.UserPreview(user_id="bob", name="Bob")


async def _declare(backend: SqliteBackend, title: str = "Disk full on db-1") -> m.Incident:
    return (await backend.create_incident(m.CreateIncidentRequest(title=title))).incident


def _snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


async def test_newer_store_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE incidents (seq INTEGER PRIMARY KEY, hologram TEXT)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = _snapshot(path)
    time.sleep(0.01)  # so a rewrite would show in the mtime

    with pytest.raises(StoreError) as err:
        await SqliteBackend.open(path, ALICE)
    assert "newer incident-tui" in str(err.value)
    assert _snapshot(path) == before
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{path}-journal").exists()


async def test_newer_wal_store_is_refused_without_leaving_files_behind(tmp_path: Path) -> None:
    path = tmp_path / "future-wal.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE incidents (seq INTEGER PRIMARY KEY)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = _snapshot(path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(StoreError, match="newer"):
        await SqliteBackend.open(path, ALICE)
    assert _snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


async def test_a_lazy_backend_reports_the_refusal_on_first_call(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    backend = SqliteBackend(path, ALICE)  # constructing never blocks nor raises
    with pytest.raises(StoreError, match="newer"):
        await backend.get_roles()
    await backend.close()


async def test_not_a_database_gives_a_clear_message_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200)
    before = _snapshot(path)
    with pytest.raises(StoreError) as err:
        await SqliteBackend.open(path, ALICE)
    message = str(err.value)
    assert "not an incident-tui store" in message
    assert "sqlite3" not in message.lower().replace("sqlite database", "")
    assert _snapshot(path) == before


async def test_someone_elses_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = _snapshot(path)
    with pytest.raises(StoreError, match="not an incident-tui store"):
        await SqliteBackend.open(path, ALICE)
    assert _snapshot(path) == before


async def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="directory"):
        await SqliteBackend.open(tmp_path, ALICE)


async def test_new_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "nested" / "incidents.db"
    backend = await SqliteBackend.open(path, ALICE)
    await _declare(backend)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        # every folder created for it, not only the last (mkdir -p made these 0755)
        assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
        wal = Path(f"{path}-wal")
        assert wal.exists()
        assert stat.S_IMODE(wal.stat().st_mode) & 0o077 == 0
    finally:
        await backend.close()


async def test_an_existing_directory_chosen_by_the_user_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    backend = await SqliteBackend.open(shared / "x.db", ALICE)
    await backend.close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "x.db").stat().st_mode) == 0o600


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
async def test_a_folder_that_cannot_be_created_is_a_clear_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="cannot create the folder /proc/nope"):
        await SqliteBackend.open("/proc/nope/incidents.db", ALICE)


async def test_store_uses_wal_busy_timeout_and_current_version(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    backend = await SqliteBackend.open(path, ALICE, busy_timeout_ms=1234)
    try:
        settings = await backend._store.run(
            lambda conn: (
                conn.execute("PRAGMA journal_mode").fetchone()[0],
                conn.execute("PRAGMA busy_timeout").fetchone()[0],
                conn.execute("PRAGMA user_version").fetchone()[0],
            )
        )
    finally:
        await backend.close()
    assert settings == ("wal", 1234, SCHEMA_VERSION)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent
    conn.close()


async def test_migrates_an_empty_version_zero_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("VACUUM")  # a real, empty SQLite file with user_version 0
    conn.close()
    assert path.stat().st_size > 0
    backend = await SqliteBackend.open(path, ALICE)
    try:
        roles = (await backend.get_roles()).roles
        assert [(r.role_id, r.name) for r in roles] == [
            (1, "commander"),
            (2, "investigator"),
            (3, "observer"),
        ]
        assert roles[0].important and roles[0].mandatory
        incident = await _declare(backend)
        assert incident.incident_id == "1"
    finally:
        await backend.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


async def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    backend = await SqliteBackend.open(path, ALICE)
    await _declare(backend, "first")
    await backend.close()
    backend = await SqliteBackend.open(path, ALICE)
    try:
        page = await backend.query_incidents(m.QueryIncidentsRequest())
        assert [i.title for i in page.incidents] == ["first"]
        assert len((await backend.get_roles()).roles) == 3
    finally:
        await backend.close()


async def test_locked_store_gives_unavailable_within_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    backend = await SqliteBackend.open(path, ALICE, busy_timeout_ms=300)
    await _declare(backend)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(Unavailable) as err:
            await _declare(backend, "blocked")
        elapsed = time.monotonic() - started
        assert "busy" in str(err.value)
        assert "sqlite" not in str(err.value).lower()
        assert 0.25 <= elapsed < 4.5  # the busy timeout, not the default 5 s (or forever)
        # Reads still work while another program writes (WAL).
        page = await backend.query_incidents(m.QueryIncidentsRequest())
        assert len(page.incidents) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (await _declare(backend, "after")).incident_id == "2"
    await backend.close()


async def test_waiting_for_a_lock_never_blocks_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    backend = await SqliteBackend.open(path, ALICE, busy_timeout_ms=600)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        with pytest.raises(Unavailable):
            await _declare(backend)
    finally:
        task.cancel()
        holder.execute("ROLLBACK")
        holder.close()
        await backend.close()
    assert ticks >= 20  # the loop kept running while the store waited ~0.6 s


async def test_every_statement_runs_on_the_store_thread(tmp_path: Path) -> None:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    threads: set[str] = set()
    await backend._store.run(
        lambda conn: conn.set_trace_callback(
            lambda _sql: threads.add(threading.current_thread().name)
        )
    )
    incident = await _declare(backend)
    iid = incident.incident_id
    await backend.add_activity(m.AddActivityRequest(incident_id=iid, body="looking"))
    await backend.query_incidents(m.QueryIncidentsRequest())
    await backend.get_incident(m.GetIncidentRequest(incident_id=iid))
    await backend.query_activity(m.QueryActivityRequest(query=m.ActivityQuery(incident_id=iid)))
    await backend.get_homescreen_version()
    await backend.close()
    assert threads
    assert all(name.startswith(THREAD_NAME) for name in threads), threads
    assert threading.current_thread().name not in threads


async def test_every_write_is_inside_begin_immediate_and_no_query_uses_offset(
    tmp_path: Path,
) -> None:
    """Trace every statement of a session that calls each mutation and pages twice."""
    import re

    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    statements: list[str] = []
    await backend._store.run(lambda conn: conn.set_trace_callback(statements.append))
    iid = (await _declare(backend)).incident_id
    await _declare(backend, "second")
    note = (
        await backend.add_activity(m.AddActivityRequest(incident_id=iid, body="x"))
    ).activity_item
    item = note.activity_item_id
    task = (await backend.add_task(m.AddTaskRequest(incident_id=iid, text="t"))).task.task_id
    for call in (
        backend.update_title(m.UpdateTitleRequest(incident_id=iid, title="renamed")),
        backend.update_status(m.UpdateStatusRequest(incident_id=iid, status="resolved")),
        backend.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="major")),
        backend.update_incident_is_drill(
            m.UpdateIncidentIsDrillRequest(incident_id=iid, is_drill=True)
        ),
        backend.add_label(m.AddLabelRequest(incident_id=iid, label=m.IncidentLabel(label="db"))),
        backend.remove_label(m.RemoveLabelRequest(incident_id=iid, label="db")),
        backend.assign_role(m.AssignRoleRequest(incident_id=iid, user_id="bob", role="observer")),
        backend.unassign_role(
            m.UnassignRoleRequest(incident_id=iid, user_id="bob", role="observer")
        ),
        backend.update_incident_event_time(
            m.UpdateIncidentEventTimeRequest(
                incident_id=iid,
                activity_item_kind="incidentStart",
                event_time="2026-01-01T00:00:00Z",
            )
        ),
        backend.update_activity_body(
            m.UpdateActivityBodyRequest(incident_id=iid, activity_item_id=item, body="y")
        ),
        backend.update_activity_event_time(
            m.UpdateActivityEventTimeRequest(
                incident_id=iid, activity_item_id=item, event_time="2026-01-01T00:01:00Z"
            )
        ),
        backend.remove_activity(m.RemoveActivityRequest(incident_id=iid, activity_item_id=item)),
        backend.update_task_text(m.UpdateTaskTextRequest(incident_id=iid, task_id=task, text="u")),
        backend.update_task_status(
            m.UpdateTaskStatusRequest(incident_id=iid, task_id=task, status="done")
        ),
        backend.update_task_user(
            m.UpdateTaskUserRequest(incident_id=iid, task_id=task, user_id="bob")
        ),
        backend.delete_task(m.DeleteTaskRequest(incident_id=iid, task_id=task)),
        backend.create_role(m.CreateRoleRequest(role=m.Role(name="scribe"))),
        backend.archive_role(m.ArchiveRoleRequest(role_id=4)),
        backend.unarchive_role(m.UnarchiveRoleRequest(role_id=4)),
        backend.update_role(m.UpdateRoleRequest(role=m.Role(role_id=4, name="writer"))),
        backend.delete_role(m.DeleteRoleRequest(role_id=4)),
    ):
        await call
    first = await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1, incident_labels=["db"]))
    )
    page = await backend.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1)))
    await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1), cursor=page.cursor)
    )
    await backend.query_activity(
        m.QueryActivityRequest(query=m.ActivityQuery(incident_id=iid, limit=1))
    )
    await backend.close()
    assert first.query.limit == 1

    in_tx = False
    writes = 0
    for sql in statements:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head == "BEGIN":
            assert sql.strip().upper() == "BEGIN IMMEDIATE", sql
            in_tx = True
        elif head in ("COMMIT", "ROLLBACK"):
            in_tx = False
        elif head in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            writes += 1
            assert in_tx, f"write outside BEGIN IMMEDIATE: {sql[:120]}"
        assert not re.search(r"\bOFFSET\b", sql, re.IGNORECASE), sql[:120]
    assert writes > 40


async def test_two_backends_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    a = await SqliteBackend.open(path, ALICE)
    b = await SqliteBackend.open(path, BOB)
    try:
        home_before = (await b.get_homescreen_version()).version
        incident = await _declare(a, "seen by both")
        assert (await b.get_homescreen_version()).version > home_before
        got = (
            await b.get_incident(m.GetIncidentRequest(incident_id=incident.incident_id))
        ).incident
        assert got.title == "seen by both"
        assert got.created_by_user.name == "Alice"

        version_req = m.GetIncidentVersionRequest(incident_id=incident.incident_id)
        version = (await a.get_incident_version(version_req)).version
        await b.add_activity(m.AddActivityRequest(incident_id=incident.incident_id, body="on it"))
        assert (await a.get_incident_version(version_req)).version > version
        items = (
            await a.query_activity(
                m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident.incident_id))
            )
        ).activity_items
        assert [(i.activity_kind, i.user.name) for i in items] == [
            ("incidentCreated", "Alice"),
            ("userNote", "Bob"),
        ]
    finally:
        await a.close()
        await b.close()


async def test_readonly_store_refuses_every_change(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    writer = await SqliteBackend.open(path, ALICE)
    incident = await _declare(writer)
    await writer.close()

    reader = await SqliteBackend.open(path, ALICE, readonly=True)
    try:
        assert reader.capabilities.read_only
        iid = incident.incident_id
        with pytest.raises(PermissionDenied):
            await _declare(reader)
        with pytest.raises(PermissionDenied):
            await reader.add_activity(m.AddActivityRequest(incident_id=iid, body="x"))
        with pytest.raises(PermissionDenied):
            await reader.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))
        with pytest.raises(PermissionDenied):
            await reader.as_user(BOB).update_status(
                m.UpdateStatusRequest(incident_id=iid, status="resolved")
            )
        got = await reader.get_incident(m.GetIncidentRequest(incident_id=iid))
        assert got.incident.status == "active"
    finally:
        await reader.close()


async def test_closed_backend_says_so(tmp_path: Path) -> None:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    await backend.close()
    await backend.close()  # twice is fine
    with pytest.raises(Unavailable, match="closed"):
        await backend.get_roles()


async def test_a_view_shares_the_store_and_closing_it_keeps_the_store_open(tmp_path: Path) -> None:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    bob = backend.as_user(BOB)
    incident = await _declare(bob, "Bob's incident")
    await bob.close()
    got = await backend.get_incident(m.GetIncidentRequest(incident_id=incident.incident_id))
    assert got.incident.created_by_user == m.UserPreview(user_id="bob", name="Bob")
    assert {u.user_id for u in (await backend.query_users()).users} == {"bob"}
    await backend.close()


async def test_readonly_on_a_missing_file_opens_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "new" / "s.db"
    backend = await SqliteBackend.open(path, ALICE, readonly=True)
    try:
        assert (await backend.query_incidents(m.QueryIncidentsRequest())).incidents == []
        assert len((await backend.get_roles()).roles) == 3
        with pytest.raises(PermissionDenied):
            await _declare(backend)
    finally:
        await backend.close()


async def test_calls_that_change_nothing_leave_the_versions_alone(tmp_path: Path) -> None:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    try:
        incident = await _declare(backend)
        iid = incident.incident_id
        label = m.AddLabelRequest(incident_id=iid, label=m.IncidentLabel(label="db"))
        assign = m.AssignRoleRequest(incident_id=iid, user_id="bob", role="commander")
        await backend.add_label(label)
        await backend.assign_role(assign)
        home = (await backend.get_homescreen_version()).version
        one = (
            await backend.get_incident_version(m.GetIncidentVersionRequest(incident_id=iid))
        ).version
        await backend.add_label(label)
        assert not (await backend.assign_role(assign)).did_change
        await backend.update_status(m.UpdateStatusRequest(incident_id=iid, status="active"))
        assert (await backend.get_homescreen_version()).version == home
        again = await backend.get_incident_version(m.GetIncidentVersionRequest(incident_id=iid))
        assert again.version == one
        await backend.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="major"))
        assert (await backend.get_homescreen_version()).version == home + 1
    finally:
        await backend.close()


async def test_a_nameless_caller_keeps_the_name_already_known(tmp_path: Path) -> None:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    try:
        await _declare(backend)
        await _declare(backend.as_user(m.UserPreview(user_id="alice")))
        assert [u.preview() for u in (await backend.query_users()).users] == [ALICE]
        await _declare(backend.as_user(m.UserPreview(user_id="alice", name="Alice Smith")))
        assert [u.name for u in (await backend.query_users()).users] == ["Alice Smith"]
    finally:
        await backend.close()


async def test_a_cancelled_read_is_interrupted_and_the_next_call_runs(tmp_path):
    """A read whose caller gave up (a filter typed on) stops on the store thread."""
    from incident_tui.backends.sqlite.store import Store

    store = Store(tmp_path / "i.db")
    await store.ready()
    started = threading.Event()
    outcome: list[str] = []

    def endless(conn: sqlite3.Connection) -> int:
        started.set()
        try:
            return conn.execute(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)"
                " SELECT count(*) FROM n"
            ).fetchone()[0]
        except sqlite3.OperationalError as exc:
            outcome.append(str(exc))
            raise

    task = asyncio.create_task(store.run(endless, interruptible=True))
    while not started.is_set():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.run(lambda conn: conn.execute("SELECT 7").fetchone()[0]) == 7
    assert outcome == ["interrupted"]
    await store.close()
