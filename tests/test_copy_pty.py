"""``y`` copies through the terminal: the real ``incident-tui`` under a pty writes the
OSC 52 sequence whose base64 decodes to the reference (and, on a remote context, the
incident's web link), read from the raw bytes it sends to the terminal."""

from __future__ import annotations

import asyncio
import base64
import re
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.rpc import RpcBackend, Timeouts
from tests.support.pty_console import console_env
from tests.support.pty_raw import PtyConsole
from tests.support.serve_process import ServeProcess
from tests.ui.conftest import open_store, seed_incidents

OSC52 = re.compile(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


def copied(console: PtyConsole, since: int, timeout: float = 30.0) -> list[str]:
    """Every text the console put on the clipboard after ``since`` (waits for one)."""
    console.wait_for("\x1b]52;c;", since=since, timeout=timeout)
    console.wait_for("Copied", since=since, timeout=timeout)
    return [base64.b64decode(b).decode() for b in OSC52.findall(console.output[since:])]


@pytest.fixture
def local(tmp_path: Path) -> tuple[Path, list[m.Incident]]:
    db = tmp_path / "store.db"

    async def seed() -> list[m.Incident]:
        backend = open_store(db)
        try:
            return await seed_incidents(backend)
        finally:
            await backend.close()

    made = asyncio.run(seed())
    (tmp_path / "config.toml").write_text(
        'poll_interval = 60\n[user]\nid = "alice"\nname = "Alice Example"\n'
    )
    return db, made


def test_y_on_a_list_row_and_on_an_incident_copies_the_reference(
    tmp_path: Path, local: tuple[Path, list[m.Incident]]
) -> None:
    db, made = local
    env = console_env(tmp_path, tmp_path / "config.toml")
    console = PtyConsole(env, "--db", str(db))
    try:
        console.wait_for("Checkout")
        time.sleep(0.5)
        newest = made[-1].incident_id  # the list is newest first: the cursor's row
        mark = console.mark()
        console.send("y")
        assert copied(console, mark) == [f"#{newest}"]
        console.wait_for(f"Copied #{newest}", since=mark)

        mark = console.mark()
        console.send("j")  # the next row down is the one declared before it
        time.sleep(0.3)
        console.send("y")
        assert copied(console, mark) == [f"#{made[-2].incident_id}"]

        mark = console.mark()
        console.send(f":inc {made[1].incident_id}\r")
        console.wait_for("Overview", since=mark)
        time.sleep(0.3)
        mark = console.mark()
        console.send("y")
        assert copied(console, mark) == [f"#{made[1].incident_id}"]
    finally:
        console.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp_path)
    proc.tokens = {"alice": proc.token("alice", user_name="Alice")}  # type: ignore[attr-defined]
    proc.start()
    try:
        yield proc
    finally:
        proc.close()


def test_y_on_a_remote_context_copies_the_reference_and_the_web_link(
    tmp_path: Path, server: ServeProcess
) -> None:
    alice = server.tokens["alice"]  # type: ignore[attr-defined]

    async def declare() -> m.Incident:
        client = RpcBackend(server.url, alice, timeouts=Timeouts(deadline=30))
        try:
            made = await client.create_incident(
                m.CreateIncidentRequest(title="Queue backlog on billing")
            )
        finally:
            await client.close()
        return made.incident

    incident = asyncio.run(declare())
    assert incident.overview_url.startswith("/")  # a path: the console joins the context's URL
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            current_context = "shared"
            poll_interval = 60
            [user]
            id = "alice"
            [contexts.shared]
            backend = "grafana"
            url = "{server.url}/"
            token_env = "SHARED_TOKEN"
            """
        )
    )
    env = dict(console_env(tmp_path, config), SHARED_TOKEN=alice)
    console = PtyConsole(env)
    try:
        console.wait_for("backlog")
        time.sleep(0.5)
        mark = console.mark()
        console.send("y")
        expected = f"#{incident.incident_id} {server.url}{incident.overview_url}"
        assert copied(console, mark) == [expected]
    finally:
        console.close()
