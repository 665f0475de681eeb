"""Notifications that travel over SSH: the real ``incident-tui`` under a pty, on a local
store file another process writes to (``incident-tui declare`` acting as someone else),
rings the terminal: BEL and an OSC 9 desktop notification, in tmux's passthrough
envelope when ``TMUX`` is set. Not for its own declares; not with ``notify = []``.
Read from the raw bytes the console writes."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.pty_console import PtyConsole as ScreenConsole
from tests.support.pty_console import console_env
from tests.support.pty_raw import PtyConsole
from tests.ui.conftest import open_store, seed_incidents

OSC9 = b"\x1b]9;"
TMUX_OSC9 = b"\x1bPtmux;\x1b\x1b]9;"
BEL = b"\x07"
CTRL_S = "\x13"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"

    async def seed() -> None:
        backend = open_store(path)
        try:
            await seed_incidents(backend)
        finally:
            await backend.close()

    asyncio.run(seed())
    return path


def console_config(tmp_path: Path, notify: str = "") -> Path:
    config = tmp_path / "config.toml"
    context = f'\n[contexts.local]\npath = ""\n{notify}\n' if notify else ""
    config.write_text(
        'poll_interval = 0.3\n[user]\nid = "alice"\nname = "Alice Example"\n' + context
    )
    return config


def declare_as_bob(tmp_path: Path, db: Path, title: str, *extra: str) -> None:
    """Another process writes the store: ``incident-tui declare`` as bob."""
    bob = tmp_path / "bob.toml"
    bob.write_text('[user]\nid = "bob"\nname = "Bob Builder"\n')
    env = console_env(tmp_path, bob)
    result = subprocess.run(
        [sys.executable, "-m", "incident_tui", "declare", title, "--db", str(db), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def bells(output: bytes) -> int:
    """BELs that ring: not the ones ending Textual's own OSC sequences (pointer shape...)."""
    return re.sub(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)", b"", output).count(BEL)


def notification_bytes(output: bytes) -> list[bytes]:
    """Every OSC 9 payload written (wrapped or not)."""
    found = []
    at = output.find(OSC9)
    while at != -1:
        found.append(output[at + len(OSC9) : output.find(BEL, at)])
        at = output.find(OSC9, at + 1)
    return found


def start(tmp_path: Path, db: Path, config: Path, **env: str) -> PtyConsole:
    console = PtyConsole(dict(console_env(tmp_path, config), **env), "--db", str(db))
    console.wait_for("Checkout")
    time.sleep(1.5)  # a few polls: the first look is the baseline
    return console


def test_an_incident_declared_by_another_process_rings_bel_and_osc9(
    tmp_path: Path, db: Path
) -> None:
    console = start(tmp_path, db, console_config(tmp_path))
    try:
        assert OSC9 not in console.output and bells(console.output) == 0
        mark = console.mark()
        declare_as_bob(tmp_path, db, "Payments; queue stuck", "--severity", "critical")
        console.wait_for("\x1b]9;", since=mark)
        console.wait_for("stuck", since=mark)  # the toast
        after = console.output[mark:]
        assert BEL + OSC9 in after and bells(after) == 1
        payload = notification_bytes(after)[0].decode()
        assert "declared (critical)" in payload and "Payments, queue stuck" in payload
        assert TMUX_OSC9 not in after
    finally:
        console.close()


def test_inside_tmux_the_notification_is_wrapped_for_passthrough(tmp_path: Path, db: Path) -> None:
    console = start(tmp_path, db, console_config(tmp_path), TMUX="/tmp/tmux-1/default,1,0")
    try:
        mark = console.mark()
        declare_as_bob(tmp_path, db, "Disk full on kafka-6")
        console.wait_for("\x1b]9;", since=mark)
        after = console.output[mark:]
        # BEL stays outside (tmux's own bell); the OSC goes in the envelope, ESCs doubled.
        assert BEL + TMUX_OSC9 in after
        wrapped = after[after.index(TMUX_OSC9) :]
        assert b"Disk full on kafka-6\x07\x1b\\" in wrapped
    finally:
        console.close()


def test_no_ring_for_the_consoles_own_declare(tmp_path: Path, db: Path) -> None:
    console = start(tmp_path, db, console_config(tmp_path))
    try:
        mark = console.mark()
        console.send("n")
        console.wait_for("Declare", since=mark)
        time.sleep(0.5)
        console.send("Own outage here\t1" + CTRL_S)
        console.wait_for("Overview", since=mark)  # declared and opened
        console.send("q")
        time.sleep(3.0)  # many polls after the change
        after = console.output[mark:]
        assert OSC9 not in after and bells(after) == 0
        # ...and the same console does ring for someone else's, afterwards.
        mark = console.mark()
        declare_as_bob(tmp_path, db, "Someone else's outage")
        console.wait_for("\x1b]9;", since=mark)
    finally:
        console.close()


def test_notify_off_rings_nothing(tmp_path: Path, db: Path) -> None:
    console = start(tmp_path, db, console_config(tmp_path, "notify = []"))
    try:
        mark = console.mark()
        declare_as_bob(tmp_path, db, "Quiet outage")
        console.wait_for("Quiet outage", since=mark)  # the list shows it: the refresh ran
        time.sleep(2.0)
        after = console.output[mark:]
        assert OSC9 not in after and bells(after) == 0
    finally:
        console.close()


def test_rings_are_rate_limited_while_every_alert_still_shows(tmp_path: Path, db: Path) -> None:
    console = start(tmp_path, db, console_config(tmp_path))
    try:
        mark = console.mark()
        declare_as_bob(tmp_path, db, "First outage")
        console.wait_for("\x1b]9;", since=mark)
        declare_as_bob(tmp_path, db, "Second outage")
        console.wait_for("Second outage", since=mark)  # its toast (and the list row)
        time.sleep(1.0)
        after = console.output[mark:]
        assert after.count(OSC9) == 1 and bells(after) == 1  # within RING_GAP: one ring
    finally:
        console.close()


def test_the_header_counts_what_arrived_while_on_another_screen(tmp_path: Path, db: Path) -> None:
    config = console_config(tmp_path)
    with ScreenConsole(["--db", str(db)], console_env(tmp_path, config)) as console:
        console.wait_for("Checkout API returning 502s", why="the incident list")
        console.wait_quiet(0.5)
        console.write(b":inc 2\r")
        console.wait_for(lambda s: "Overview" in s and "Replica lag" in s, why="incident #2")
        declare_as_bob(tmp_path, db, "Disk full on kafka-6")
        console.wait_for("⚑ 1 new", why="the header's marker")
        declare_as_bob(tmp_path, db, "Queue backlog on billing")
        console.wait_for("⚑ 2 new", why="the marker counting on")
        console.write(b"q")
        console.wait_for(
            lambda s: "Queue backlog" in s and "⚑" not in s.splitlines()[0],
            why="back on the list, the marker gone",
        )
