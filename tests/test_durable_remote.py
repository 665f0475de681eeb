"""The durable layer against ``incident-tui serve`` started for real on 127.0.0.1: writes made
while the server is down are queued, shown, and delivered exactly once when it is back;
a frozen server (SIGSTOP past the timeout, then SIGCONT) ends with exactly one incident and
one note; a queued write survives the console; a refused one stays with the remote's words.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.durable import (
    QUEUED,
    REFUSED,
    SENDING,
    UNCONFIRMED,
    DurableBackend,
    OutboxEvent,
    is_queued,
    outbox_path,
    overlay,
)
from tests.support.serve_process import ServeProcess

SHORT = Timeouts(connect=1.0, read=1.0, write=1.0, pool=1.0, deadline=2.5)
FEW_RETRIES = RetryPolicy(attempts=2, base_delay=0.05, max_delay=0.1)
QUICK = (0.1, 0.2, 0.3)
WAIT = 60.0


async def until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait for a condition (never for a fixed time): the machine is loaded."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


TOKENS: dict[str, str] = {}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp_path)
    # tokens before the start: the server reads its tokens file as it starts
    TOKENS["alice"] = proc.token("alice", user_name="Alice")
    TOKENS["checker"] = proc.token("checker")
    TOKENS["wall"] = proc.token("wall", "read")
    proc.start()
    try:
        yield proc
    finally:
        proc.close()


@pytest.fixture
def token(server: ServeProcess) -> str:
    return TOKENS["alice"]


def rpc(server: ServeProcess, token: str, **kwargs) -> RpcBackend:
    kwargs.setdefault("timeouts", SHORT)
    kwargs.setdefault("retry", FEW_RETRIES)
    return RpcBackend(server.url, token, name="shared", **kwargs)


@pytest.fixture
def outbox_file(tmp_path: Path, server: ServeProcess) -> Path:
    return outbox_path("shared", server.url, tmp_path / "state" / "outbox")


@pytest.fixture
async def durable(
    server: ServeProcess, token: str, outbox_file: Path
) -> AsyncIterator[DurableBackend]:
    backend = DurableBackend(rpc(server, token), outbox_file, retry_delays=QUICK)
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
async def checker(server: ServeProcess) -> AsyncIterator[RpcBackend]:
    """A plain client that reads what really reached the server."""
    backend = rpc(server, TOKENS["checker"], timeouts=Timeouts(deadline=30))
    yield backend
    await backend.close()


async def titles(checker: RpcBackend) -> list[str]:
    page = await checker.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=100)))
    return [i.title for i in page.incidents]


async def notes(checker: RpcBackend, incident_id: str) -> list[str]:
    page = await checker.query_activity(
        m.QueryActivityRequest(
            query=m.ActivityQuery(incident_id=incident_id, activity_kind=["userNote"], limit=100)
        )
    )
    return [i.body for i in page.activity_items]


def first_page() -> m.QueryIncidentsRequest:
    return m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=50))


def timeline_of(incident_id: str) -> m.QueryActivityRequest:
    return m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident_id, limit=50))


def note(incident_id: str, body: str) -> m.AddActivityRequest:
    return m.AddActivityRequest(incident_id=incident_id, activity_kind="userNote", body=body)


async def test_server_down_note_and_declare_are_queued_shown_and_delivered_once(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    events: list[OutboxEvent] = []
    durable.subscribe(events.append)
    made = await durable.create_incident(m.CreateIncidentRequest(title="db down"))
    db_down = made.incident.incident_id
    assert not is_queued(db_down)
    await durable.query_incidents(first_page())
    await durable.query_incident_previews(
        m.QueryIncidentPreviewsRequest(query=m.IncidentPreviewsQuery(limit=50))
    )
    await durable.query_activity(timeline_of(db_down))

    server.stop()
    queued_note = await durable.add_activity(note(db_down, "failing over to the replica"))
    assert is_queued(queued_note.activity_item.activity_item_id)
    assert durable.offline_since is not None
    declared = await durable.create_incident(
        m.CreateIncidentRequest(title="api 502s", severity="major")
    )
    api = declared.incident.incident_id
    assert is_queued(api) and declared.incident.title == "api 502s"
    on_api = await durable.add_activity(note(api, "rolled back 4711"))
    assert is_queued(on_api.activity_item.activity_item_id)
    assert durable.waiting == 3
    assert {e.state for e in durable.entries} <= {QUEUED, SENDING}  # delivery keeps trying
    assert {e.kind for e in events} >= {"offline", "queued"}

    # shown where they belong, from the last good copy plus the queue
    listed = await durable.query_incidents(first_page())
    assert [i.title for i in listed.incidents][:2] == ["api 502s", "db down"]
    previews = await durable.query_incident_previews(
        m.QueryIncidentPreviewsRequest(query=m.IncidentPreviewsQuery(limit=50))
    )
    assert [p.title for p in previews.incident_previews][0] == "api 502s"
    assert is_queued(previews.incident_previews[0].incident_id)
    timeline = await durable.query_activity(timeline_of(db_down))
    assert timeline.activity_items[0].body == "failing over to the replica"
    pending = await durable.get_incident(m.GetIncidentRequest(incident_id=api))
    assert pending.incident.title == "api 502s" and pending.incident.severity == "major"
    on_pending = await durable.query_activity(timeline_of(api))
    assert [i.body for i in on_pending.activity_items] == ["rolled back 4711"]

    server.start()
    await durable.query_incidents(first_page())  # the remote answers: delivery starts
    await until(lambda: not durable.entries, "the outbox to empty")
    assert sorted(await titles(checker)) == ["api 502s", "db down"]
    assert await notes(checker, db_down) == ["failing over to the replica"]
    real_api = next(
        i.incident_id
        for i in (await checker.query_incidents(first_page())).incidents
        if i.title == "api 502s"
    )
    assert await notes(checker, real_api) == ["rolled back 4711"]
    # the placeholder now reads as the real incident, and a later write reaches it
    again = await durable.get_incident(m.GetIncidentRequest(incident_id=api))
    assert again.incident.incident_id == real_api
    await durable.add_activity(note(api, "customers notified"))
    assert sorted(await notes(checker, real_api)) == ["customers notified", "rolled back 4711"]
    assert durable.offline_since is None
    assert "delivered" in {e.kind for e in events}


async def test_frozen_server_past_the_timeout_gives_one_incident_and_one_note(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    events: list[OutboxEvent] = []
    durable.subscribe(events.append)
    await durable.query_incidents(first_page())
    server.freeze()
    try:
        declared = await durable.create_incident(m.CreateIncidentRequest(title="disk full"))
        incident = declared.incident.incident_id
        assert is_queued(incident)
        assert [e.state for e in durable.entries] in ([UNCONFIRMED], [SENDING])
        kinds = [e.kind for e in events]
        assert "unconfirmed" in kinds
        message = next(e.message for e in events if e.kind == "unconfirmed")
        assert "may have gone through" in message
        # whatever the person does meanwhile: add a note, refresh, add the note again
        await durable.add_activity(note(incident, "cleared /var/log"))
        with pytest.raises(Exception):  # noqa: B017 - a read of a frozen remote fails
            await durable.get_incident_membership(m.GetIncidentMembershipRequest(incident_id="1"))
        assert durable.waiting == 2
    finally:
        server.thaw()
    await until(lambda: not durable.entries, "the outbox to empty")
    assert await titles(checker) == ["disk full"]
    real = (await checker.query_incidents(first_page())).incidents[0].incident_id
    assert await notes(checker, real) == ["cleared /var/log"]


async def test_a_lost_answer_is_checked_and_resent_under_the_same_key(tmp_path: Path) -> None:
    """The first create is swallowed; the read finds nothing; the re-send carries the key
    the first attempt went with (our server would answer it from memory)."""
    from tests.support.raw_http import Seen, raw_server, reply

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> bool | None:
        if seen.target.endswith("CreateIncident") and n == 0:
            return False  # read it, answer nothing: the client cannot tell
        if seen.target.endswith("QueryIncidents"):
            writer.write(reply(200, {"incidents": [], "cursor": {}}))
            return None
        writer.write(reply(200, {"incident": {"incidentID": "41", "title": "disk full"}}))
        return None

    async with raw_server(handler) as srv:
        inner = RpcBackend(srv.url, "t0ken", timeouts=SHORT, retry=FEW_RETRIES)
        durable = DurableBackend(inner, tmp_path / "outbox.db", retry_delays=QUICK)
        await durable.open()
        try:
            declared = await durable.create_incident(m.CreateIncidentRequest(title="disk full"))
            assert is_queued(declared.incident.incident_id)
            await until(lambda: not durable.entries, "delivery")
        finally:
            await durable.close()
    sent = [s for s in srv.requests if s.target.endswith("CreateIncident")]
    assert len(sent) == 2
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]
    targets = [s.target.rsplit(".", 1)[-1] for s in srv.requests]
    assert targets.index("QueryIncidents") < len(targets) - 1  # read before the re-send


async def test_a_queued_write_is_delivered_by_the_next_console(
    server: ServeProcess, token: str, outbox_file: Path, checker: RpcBackend
) -> None:
    first = DurableBackend(rpc(server, token), outbox_file, retry_delays=QUICK)
    await first.open()
    made = await first.create_incident(m.CreateIncidentRequest(title="queue survives"))
    server.stop()
    await first.add_activity(note(made.incident.incident_id, "typed while offline"))
    assert first.waiting == 1
    await first.close()  # the console ends with the write still queued

    server.start()
    second = DurableBackend(rpc(server, token), outbox_file, retry_delays=QUICK)
    await second.open()
    try:
        assert second.waiting == 1
        second.kick()
        await until(lambda: not second.entries, "the next console to deliver")
    finally:
        await second.close()
    assert await notes(checker, made.incident.incident_id) == ["typed while offline"]


async def test_a_refused_queued_write_stays_with_the_remote_message(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    events: list[OutboxEvent] = []
    durable.subscribe(events.append)
    made = await durable.create_incident(m.CreateIncidentRequest(title="db down"))
    server.stop()
    queued = await durable.add_activity(note("424242", "on an incident that does not exist"))
    await durable.add_activity(note(made.incident.incident_id, "a good one"))
    server.start()
    durable.kick()
    await until(lambda: durable.waiting == 0, "delivery of the good one")
    (refused,) = durable.entries
    assert refused.state == REFUSED
    assert "not found" in refused.error.lower() or "424242" in refused.error
    assert any(e.kind == "refused" and "outbox" in e.message for e in events)
    assert durable.entry_for(queued.activity_item.activity_item_id) == refused
    assert await notes(checker, made.incident.incident_id) == ["a good one"]
    # retry as is: refused again; discard: gone
    await durable.retry(refused.seq)
    await until(lambda: durable.refused == 1 and durable.waiting == 0, "the retry's refusal")
    await durable.discard(refused.seq)
    assert durable.entries == []


async def test_a_fixed_refused_write_is_delivered(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    made = await durable.create_incident(m.CreateIncidentRequest(title="db down"))
    server.stop()
    await durable.add_task(m.AddTaskRequest(incident_id=made.incident.incident_id, text=" "))
    server.start()
    durable.kick()
    await until(lambda: durable.refused == 1, "the refusal")
    (entry,) = durable.entries
    await durable.edit(entry.seq, "page the DBA")
    await until(lambda: not durable.entries, "the fixed write")
    got = await checker.get_incident(m.GetIncidentRequest(incident_id=made.incident.incident_id))
    assert [t.text for t in got.incident.task_list.tasks] == ["page the DBA"]


async def test_a_refused_queued_summary_can_be_fixed_and_is_delivered(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    """A summary the remote refuses (over its 10 000 characters) stays in the outbox, its
    text editable, instead of only being discarded."""
    made = await durable.create_incident(m.CreateIncidentRequest(title="db down"))
    server.stop()
    too_long = "replica lag " * 1000
    await durable.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=made.incident.incident_id, summary=too_long)
    )
    server.start()
    durable.kick()
    await until(lambda: durable.refused == 1, "the refusal")
    (entry,) = durable.entries
    assert overlay.text_field(entry) == "summary"
    assert entry.request.summary == too_long  # type: ignore[attr-defined]
    await durable.edit(entry.seq, "replica lag on db-2")
    await until(lambda: not durable.entries, "the fixed summary")
    got = await checker.get_incident(m.GetIncidentRequest(incident_id=made.incident.incident_id))
    assert got.incident.summary == "replica lag on db-2"


async def test_writes_on_a_refused_create_wait_and_go_with_it(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    await durable.query_incidents(first_page())
    server.stop()
    declared = await durable.create_incident(m.CreateIncidentRequest(title="x" * 1500))
    placeholder = declared.incident.incident_id
    await durable.add_activity(note(placeholder, "note on a doomed incident"))
    server.start()
    durable.kick()
    await until(lambda: durable.refused == 1, "the refusal")
    create, waiting = durable.entries
    assert create.state == REFUSED and waiting.state == QUEUED
    assert durable.blocker_of(waiting) == create
    dropped = await durable.discard(create.seq)
    assert [e.seq for e in dropped] == [create.seq, waiting.seq]
    assert durable.entries == [] and await titles(checker) == []


async def test_reads_fall_back_to_the_last_good_copy_while_offline(
    server: ServeProcess, durable: DurableBackend
) -> None:
    made = await durable.create_incident(m.CreateIncidentRequest(title="db down"))
    request = m.GetIncidentRequest(incident_id=made.incident.incident_id)
    before = await durable.get_incident(request)
    server.stop()
    after = await durable.get_incident(request)
    assert after == before
    with pytest.raises(Exception) as never_read:
        await durable.get_incident(m.GetIncidentRequest(incident_id="999"))
    assert "cannot reach" in str(never_read.value)


async def test_two_consoles_on_one_context_deliver_each_write_once(
    server: ServeProcess, token: str, outbox_file: Path, checker: RpcBackend
) -> None:
    one = DurableBackend(rpc(server, token), outbox_file, retry_delays=QUICK)
    two = DurableBackend(rpc(server, token), outbox_file, retry_delays=QUICK)
    await one.open()
    await two.open()
    try:
        made = await one.create_incident(m.CreateIncidentRequest(title="db down"))
        incident = made.incident.incident_id
        server.stop()
        await one.add_activity(note(incident, "from the first console"))
        await two.add_activity(note(incident, "from the second console"))
        server.start()
        one.kick()
        two.kick()
        await until(
            lambda: not one.outbox.entries and not two.outbox.entries, "both to see it delivered"
        )
        await one.outbox.reload()
        await two.outbox.reload()
        assert one.outbox.entries == [] and two.outbox.entries == []
    finally:
        await one.close()
        await two.close()
    assert sorted(await notes(checker, incident)) == [
        "from the first console",
        "from the second console",
    ]


async def test_the_outbox_is_private_and_never_holds_the_token(
    server: ServeProcess, durable: DurableBackend, token: str, outbox_file: Path
) -> None:
    await durable.query_incidents(first_page())
    server.stop()
    await durable.create_incident(m.CreateIncidentRequest(title="kept on disk"))
    assert stat.S_IMODE(outbox_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(outbox_file.parent.stat().st_mode) == 0o700
    blob = b"".join(
        p.read_bytes() for p in outbox_file.parent.iterdir() if p.name.startswith(outbox_file.name)
    )
    assert b"kept on disk" in blob
    assert token.encode() not in blob and b"Bearer" not in blob


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b"SQLite format 3\x00" + os.urandom(4000)],
    ids=["text", "damaged"],
)
async def test_an_unreadable_outbox_is_set_aside_and_a_new_one_used(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "outbox" / "shared-x.db"
    path.parent.mkdir(mode=0o700)
    path.write_bytes(content)
    inner = RpcBackend("http://127.0.0.1:9", "t0ken", timeouts=SHORT, retry=FEW_RETRIES)
    durable = DurableBackend(inner, path, retry_delays=QUICK)
    await durable.open()
    try:
        (notice,) = durable.notices
        assert "set aside" in notice and str(path) in notice
        aside = [p for p in path.parent.iterdir() if ".unreadable-" in p.name]
        assert len(aside) == 1 and aside[0].read_bytes() == content
        queued = await durable.add_activity(note("1", "still queued"))
        assert is_queued(queued.activity_item.activity_item_id)
        assert durable.waiting == 1
    finally:
        await durable.close()


async def test_a_read_only_token_turns_the_context_read_only_with_the_reason(
    server: ServeProcess, outbox_file: Path
) -> None:
    events: list[OutboxEvent] = []
    durable = DurableBackend(rpc(server, TOKENS["wall"]), outbox_file)
    durable.subscribe(events.append)
    await durable.open()
    try:
        assert not durable.capabilities.read_only
        await durable.query_incidents(first_page())
        assert durable.capabilities.read_only
        assert "can only read" in durable.capabilities.read_only_reason
        assert [e.kind for e in events] == ["capabilities"]
        assert "can only read" in events[0].message
    finally:
        await durable.close()


async def test_queued_changes_arrive_in_the_order_they_were_made_and_show_meanwhile(
    server: ServeProcess, durable: DurableBackend, checker: RpcBackend
) -> None:
    made = await durable.create_incident(m.CreateIncidentRequest(title="db down"))
    incident = made.incident.incident_id
    request = m.GetIncidentRequest(incident_id=incident)
    await durable.get_incident(request)
    server.stop()
    for title in ("db slow", "db down again", "orders-db failover"):
        await durable.update_title(m.UpdateTitleRequest(incident_id=incident, title=title))
    await durable.update_status(m.UpdateStatusRequest(incident_id=incident, status="resolved"))
    shown = (await durable.get_incident(request)).incident
    assert shown.title == "orders-db failover" and str(shown.status) == "resolved"
    server.start()
    durable.kick()
    await until(lambda: not durable.entries, "delivery")
    got = (await checker.get_incident(request)).incident
    assert got.title == "orders-db failover" and str(got.status) == "resolved"
    timeline = await checker.query_activity(
        m.QueryActivityRequest(
            query=m.ActivityQuery(
                incident_id=incident, activity_kind=["incidentTitleChanged"], order_direction="ASC"
            )
        )
    )
    bodies = " ".join(i.body for i in timeline.activity_items)
    assert bodies.index("db slow") < bodies.index("db down again") < bodies.index("failover")
