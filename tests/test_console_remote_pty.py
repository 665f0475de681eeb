"""The real ``incident-tui`` binary in a pseudo-terminal on a remote context, against
``incident-tui serve`` started for real on 127.0.0.1:

- the console is killed (``kill -9``) with a write queued while the server was down:
  the next console delivers it, once;
- the server is frozen (SIGSTOP) past the client timeout while the person declares an
  incident, insists, adds a note and refreshes; once it resumes (SIGCONT) there is
  exactly one incident and one note;
- an outbox file that cannot be read is set aside with a message; the console starts.
"""

from __future__ import annotations

import asyncio
import sqlite3
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.rpc import RpcBackend, Timeouts
from incident_tui.durable import outbox_path
from tests.support.pty_raw import PtyConsole
from tests.support.serve_process import ServeProcess

WAIT = 60.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp_path)
    proc.tokens = {  # type: ignore[attr-defined]
        "alice": proc.token("alice", user_name="Alice"),
        "checker": proc.token("checker"),
    }
    proc.start()
    try:
        yield proc
    finally:
        proc.close()


def token(server: ServeProcess, name: str) -> str:
    return server.tokens[name]  # type: ignore[attr-defined]


@pytest.fixture
def env(tmp_path: Path, server: ServeProcess) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            current_context = "shared"
            poll_interval = 0.5

            [user]
            id = "alice"
            name = "Alice"

            [contexts.shared]
            backend = "grafana"
            url = "{server.url}"
            token_env = "SHARED_TOKEN"
            timeout = 1
            """
        )
    )
    return dict(server.env, INCIDENT_TUI_CONFIG=str(config), SHARED_TOKEN=token(server, "alice"))


def outbox_file(tmp_path: Path, server: ServeProcess) -> Path:
    return outbox_path(
        "shared", server.url, tmp_path / ".local" / "state" / "incident-tui" / "outbox"
    )


def queued_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM writes").fetchone()[0])


def run(coro):  # the checks read the server with a plain client, outside any console
    return asyncio.run(coro)


async def seed(server: ServeProcess, title: str) -> str:
    client = RpcBackend(server.url, token(server, "checker"), timeouts=Timeouts(deadline=30))
    try:
        made = await client.create_incident(m.CreateIncidentRequest(title=title))
    finally:
        await client.close()
    return made.incident.incident_id


async def server_state(server: ServeProcess) -> dict[str, list[str]]:
    """Every incident title with the notes on it, as the server has them."""
    client = RpcBackend(server.url, token(server, "checker"), timeouts=Timeouts(deadline=30))
    try:
        page = await client.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=100))
        )
        state: dict[str, list[str]] = {}
        for incident in page.incidents:
            items = await client.query_activity(
                m.QueryActivityRequest(
                    query=m.ActivityQuery(
                        incident_id=incident.incident_id, activity_kind=["userNote"]
                    )
                )
            )
            state.setdefault(incident.title, []).extend(i.body for i in items.activity_items)
            state.setdefault("#" + incident.title, []).append(incident.incident_id)
    finally:
        await client.close()
    return state


def wait_until(check, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_write_queued_before_kill_9_is_delivered_by_the_next_start(
    tmp_path: Path, server: ServeProcess, env: dict[str, str]
) -> None:
    incident = run(seed(server, "Replica lag on orders-db"))
    outbox = outbox_file(tmp_path, server)
    console = PtyConsole(env)
    try:
        console.wait_for("orders-db")
        mark = console.mark()
        console.send("\r")
        console.wait_for("Timeline", since=mark)
        console.send("2")
        console.wait_for("created")  # the timeline was read while the link was up
        server.stop()
        mark = console.mark()
        console.send("a")
        console.wait_for("note", since=mark)
        time.sleep(0.3)  # the editor takes focus as it is drawn
        console.send("typed before the crash")
        console.wait_for("crash")
        mark = console.mark()
        console.send(b"\x13")  # ctrl+s
        console.wait_for("queued", since=mark)
        assert queued_rows(outbox) == 1
        console.kill9()
    finally:
        console.close()
    assert queued_rows(outbox) == 1  # the write outlived the console

    server.start()
    again = PtyConsole(env)
    try:
        again.wait_for("orders-db")
        wait_until(lambda: queued_rows(outbox) == 0, "the next console to deliver it")
        again.quit()
    finally:
        again.close()
    state = run(server_state(server))
    assert state["Replica lag on orders-db"] == ["typed before the crash"]
    assert state["#Replica lag on orders-db"] == [incident]


def test_a_frozen_server_ends_with_one_incident_and_one_note_whatever_is_pressed(
    tmp_path: Path, server: ServeProcess, env: dict[str, str]
) -> None:
    run(seed(server, "Replica lag on orders-db"))
    outbox = outbox_file(tmp_path, server)
    console = PtyConsole(env)
    try:
        console.wait_for("orders-db")
        server.freeze()
        try:
            mark = console.mark()
            console.send("n")
            console.wait_for("Declare", since=mark)
            time.sleep(0.3)
            console.send("Payments down")
            console.wait_for("Payments")
            mark = console.mark()
            console.send(b"\x13")  # ctrl+s: the server never answers
            console.send(b"\x13")  # and again, and again: the person insists
            console.send(b"\x13")
            console.wait_for("checking", since=mark)  # may have gone through: being checked
            console.send("2")
            mark = console.mark()
            console.send("a")
            console.wait_for("note", since=mark)
            time.sleep(0.3)
            console.send("rolled back deploy 4711")
            console.wait_for("4711")
            mark = console.mark()
            console.send(b"\x13")
            console.wait_for("outbox", since=mark)
            console.send(b"\x12")  # ctrl+r
            console.send(b"\x12")
            assert queued_rows(outbox) == 2
        finally:
            server.thaw()
        wait_until(lambda: queued_rows(outbox) == 0, "the outbox to empty")
        console.quit()
    finally:
        console.close()
    state = run(server_state(server))
    assert state["#Payments down"] and len(state["#Payments down"]) == 1
    assert state["Payments down"] == ["rolled back deploy 4711"]


def test_an_unreadable_outbox_is_set_aside_and_the_console_starts(
    tmp_path: Path, server: ServeProcess, env: dict[str, str]
) -> None:
    run(seed(server, "Replica lag on orders-db"))
    outbox = outbox_file(tmp_path, server)
    outbox.parent.mkdir(parents=True, mode=0o700)
    outbox.write_bytes(b"\x00garbage, not an outbox\xff" * 200)
    console = PtyConsole(env)
    try:
        console.wait_for("orders-db")
        console.wait_for("aside")
        console.quit()
    finally:
        console.close()
    assert console.status is not None and console.status >> 8 == 0
    assert "Traceback" not in console.output.decode("utf-8", "replace")
    aside = [p for p in outbox.parent.iterdir() if ".unreadable-" in p.name]
    assert len(aside) == 1
    assert queued_rows(outbox) == 0  # a fresh, working outbox took its place
