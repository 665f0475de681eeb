"""The console on a remote context when the link fails: ``incident-tui serve`` really started
on 127.0.0.1, stopped, restarted and frozen under the console (headless, driven by keys).

Queued changes show at once where they belong, marked; the header says ``offline since
HH:MM · N queued`` or ``stale Ns`` and clears itself; ``:outbox`` lists what waits; a
read-only token turns the console read-only with the reason.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.config import Config
from incident_tui.durable import DurableBackend, outbox_path
from incident_tui.ui.app import IncidentApp
from incident_tui.ui.headless import settle
from incident_tui.ui.widgets.link_state import LinkState
from tests.support.serve_process import ServeProcess
from tests.ui.incident_support import screen_text, type_text

SHORT = Timeouts(connect=1.0, read=1.0, write=1.0, pool=1.0, deadline=2.0)
FEW_RETRIES = RetryPolicy(attempts=2, base_delay=0.05, max_delay=0.1)
ALICE = m.UserPreview(user_id="alice", name="Alice")
TOKENS: dict[str, str] = {}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp_path)
    TOKENS["alice"] = proc.token("alice", user_name="Alice")
    TOKENS["wall"] = proc.token("wall", "read")
    proc.start()
    try:
        yield proc
    finally:
        proc.close()


@pytest.fixture
async def seeded(server: ServeProcess) -> str:
    """One incident on the server, made by a plain client; returns its id."""
    client = RpcBackend(server.url, TOKENS["alice"], timeouts=Timeouts(deadline=30))
    made = await client.create_incident(
        m.CreateIncidentRequest(title="Replica lag on orders-db", severity="major")
    )
    await client.close()
    return made.incident.incident_id


def durable_for(server: ServeProcess, tmp_path: Path, token: str = "alice") -> DurableBackend:
    inner = RpcBackend(server.url, TOKENS[token], name="shared", timeouts=SHORT, retry=FEW_RETRIES)
    path = outbox_path("shared", server.url, tmp_path / "state")
    return DurableBackend(inner, path, user=ALICE, retry_delays=(0.1, 0.2, 0.3))


@pytest.fixture
async def remote(
    server: ServeProcess, tmp_path: Path, seeded: str
) -> AsyncIterator[DurableBackend]:
    backend = durable_for(server, tmp_path)
    await backend.open()
    yield backend
    await backend.close()


def app_for(backend: DurableBackend, **kwargs: Any) -> IncidentApp:
    kwargs.setdefault("poll_interval", 0.3)
    return IncidentApp(
        backend,
        Config(),
        context_name="shared",
        user=ALICE,
        install_signal_handlers=False,
        **kwargs,
    )


async def until(pilot: Any, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{screen_text(pilot)}")
        await pilot.pause(0.05)


def header(app: IncidentApp) -> str:
    return " ".join(w.text for w in app.screen.query(LinkState))


async def server_notes(server: ServeProcess, incident_id: str) -> list[str]:
    client = RpcBackend(server.url, TOKENS["alice"], timeouts=Timeouts(deadline=30))
    try:
        page = await client.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(incident_id=incident_id, activity_kind=["userNote"])
            )
        )
    finally:
        await client.close()
    return [i.body for i in page.activity_items]


async def server_titles(server: ServeProcess) -> list[str]:
    client = RpcBackend(server.url, TOKENS["alice"], timeouts=Timeouts(deadline=30))
    try:
        page = await client.query_incidents(m.QueryIncidentsRequest())
    finally:
        await client.close()
    return [i.title for i in page.incidents]


async def test_a_note_written_offline_shows_queued_and_is_sent_when_the_server_is_back(
    server: ServeProcess, remote: DurableBackend, seeded: str
) -> None:
    app = app_for(remote)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_incident(seeded)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        # Linked: nothing in the header (a loaded machine may first show a read as stale).
        await until(pilot, lambda: header(app) == "", "a quiet link state")

        server.stop()
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "failing over to the replica")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "⧗ queued" in screen_text(pilot), "the queued note")
        text = screen_text(pilot)
        assert "failing over to the replica" in text
        await until(pilot, lambda: header(app).startswith("offline since"), "offline header")
        assert header(app).endswith("· 1 queued")
        assert any("outbox" in str(n.message) for n in app._notifications)

        server.start()
        await until(pilot, lambda: remote.waiting == 0, "delivery")
        await until(pilot, lambda: header(app) == "", "the header to clear")
        await until(pilot, lambda: "⧗ queued" not in screen_text(pilot), "the mark to go")
        assert "failing over to the replica" in screen_text(pilot)
    assert await server_notes(server, seeded) == ["failing over to the replica"]


async def test_declare_while_offline_opens_a_queued_incident_listed_as_queued(
    server: ServeProcess, remote: DurableBackend
) -> None:
    app = app_for(remote)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        server.stop()
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Checkout 502s")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "⧗ queued" in screen_text(pilot), "the queued incident")
        assert "Checkout 502s" in screen_text(pilot)
        await pilot.press("3", "a")  # a task on the queued incident waits for it
        await settle(pilot)
        await type_text(pilot, "page the payments team")
        await pilot.press("enter")
        await until(pilot, lambda: "page the payments team" in screen_text(pilot), "the task")
        assert screen_text(pilot).count("⧗") >= 2
        await pilot.press("escape")
        await until(pilot, lambda: "QUEUED" in screen_text(pilot), "the list's queued row")
        row = next(line for line in screen_text(pilot).splitlines() if "Checkout 502s" in line)
        assert "⧗ new" in row and "QUEUED" in row
        assert header(app).endswith("· 2 queued")

        server.start()
        await until(pilot, lambda: remote.waiting == 0, "delivery")
        await until(pilot, lambda: "QUEUED" not in screen_text(pilot), "the real row")
    assert sorted(await server_titles(server)) == ["Checkout 502s", "Replica lag on orders-db"]


async def test_the_header_says_stale_when_the_server_hangs_and_clears_after(
    server: ServeProcess, remote: DurableBackend
) -> None:
    app = app_for(remote)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: remote.last_ok is not None, "a first answer")
        server.freeze()
        try:
            await until(pilot, lambda: header(app).startswith("stale "), "the stale header")
            seconds = int(header(app).split()[1].rstrip("s"))
            assert seconds >= 2 * app.poll_interval  # only after two poll intervals
        finally:
            server.thaw()
        await until(pilot, lambda: header(app) == "", "the header to clear")


async def test_outbox_screen_lists_what_waits_and_discards_it(
    server: ServeProcess, remote: DurableBackend, seeded: str
) -> None:
    app = app_for(remote)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        server.stop()
        await remote.add_activity(
            m.AddActivityRequest(incident_id=seeded, activity_kind="userNote", body="oops")
        )
        await pilot.press("colon")
        await settle(pilot)
        await type_text(pilot, "outbox")
        await pilot.press("enter")
        await until(pilot, lambda: "Outbox · 1 waiting" in screen_text(pilot), "the outbox")
        assert f"note on #{seeded}: “oops”" in screen_text(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "Discard change" in screen_text(pilot)
        await pilot.press("y")
        await until(pilot, lambda: "Nothing waits" in screen_text(pilot), "the empty outbox")
        assert remote.entries == []
        server.start()
    assert await server_notes(server, seeded) == []


async def test_a_refused_queued_note_is_marked_with_the_remote_words_and_can_be_fixed(
    server: ServeProcess, remote: DurableBackend, seeded: str
) -> None:
    app = app_for(remote)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        server.stop()
        await remote.add_task(m.AddTaskRequest(incident_id=seeded, text="   "))
        server.start()
        await until(pilot, lambda: remote.refused == 1, "the refusal")
        await until(pilot, lambda: header(app).endswith("1 refused"), "the header")
        app.open_outbox()
        await until(pilot, lambda: "refused:" in screen_text(pilot), "the remote's words")
        assert "required" in screen_text(pilot).lower()
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "page the DBA")
        await pilot.press("enter")
        await until(pilot, lambda: not remote.entries, "the fixed task to go")
        await until(pilot, lambda: header(app) == "", "the header to clear")


async def test_a_read_only_token_turns_the_console_read_only_with_the_reason(
    server: ServeProcess, tmp_path: Path, seeded: str
) -> None:
    backend = durable_for(server, tmp_path, token="wall")
    await backend.open()
    app = app_for(backend)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await until(pilot, lambda: app.readonly, "read-only")
            assert "can only read" in app.readonly_reason
            messages = " ".join(str(n.message) for n in app._notifications)
            assert "Read-only" in messages and "can only read" in messages
            await until(pilot, lambda: "READ-ONLY" in screen_text(pilot), "the badge")
            await pilot.press("n")
            await settle(pilot)
            assert "Declare an incident" not in screen_text(pilot)
    finally:
        await backend.close()
    assert await server_titles(server) == ["Replica lag on orders-db"]
