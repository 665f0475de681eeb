"""Nothing typed is lost when the terminal goes away or the person quits: the real
``incident-tui`` under a pty, a half-written note, then a dropped session (the pty
closed: SIGHUP) or ``ctrl+q``; the next start offers the text back in the editor."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from incident_tui import models as m
from tests.support.pty_console import PtyConsole, console_env
from tests.ui.conftest import open_store, seed_incidents

CTRL_Q = b"\x11"
CTRL_S = b"\x13"
NOTE = "Rolled back deploy 4711"
SECOND_LINE = "error rate falling"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    db = tmp_path / "store.db"

    async def seed() -> None:
        backend = open_store(db)
        try:
            await seed_incidents(backend)
        finally:
            await backend.close()

    asyncio.run(seed())
    (tmp_path / "config.toml").write_text(
        'poll_interval = 60\n[user]\nid = "alice"\nname = "Alice Example"\n'
    )
    return tmp_path


def start(home: Path) -> PtyConsole:
    console = PtyConsole(["--db", str(home / "store.db")], console_env(home, home / "config.toml"))
    console.wait_for("Checkout API returning 502s", why="the incident list")
    return console


def draft_files(home: Path) -> list[Path]:
    return sorted((home / ".local" / "state" / "incident-tui" / "drafts").glob("*/*.json"))


def notes_on_incident_1(home: Path) -> list[str]:
    async def read() -> list[str]:
        backend = open_store(home / "store.db")
        try:
            query = m.ActivityQuery(incident_id="1", activity_kind=["userNote"], limit=50)
            response = await backend.query_activity(m.QueryActivityRequest(query=query))
            return [item.body for item in response.activity_items]
        finally:
            await backend.close()

    return asyncio.run(read())


def write_half_a_note(console: PtyConsole) -> None:
    console.write(b":inc 1\r")
    console.wait_for(lambda s: "Checkout API" in s and "Overview" in s, why="incident #1")
    console.write(b"2a")
    console.wait_for("Add note", why="the note editor")
    console.write(f"{NOTE}\r{SECOND_LINE}".encode())
    console.wait_for(SECOND_LINE, why="the typed note on screen")


def assert_offered_back(console: PtyConsole) -> str:
    # A frame can reach the pty in several writes: wait for the whole of it, then check.
    screen = console.wait_for(
        lambda s: "Add note" in s and NOTE in s and SECOND_LINE in s and "restored" in s,
        why="the note editor reopened with the text and the restored note",
    )
    assert "restored" in screen, screen
    return screen


def test_dropped_session_keeps_the_note_and_the_next_start_offers_it_back(home: Path) -> None:
    with start(home) as console:
        write_half_a_note(console)
        console.hang_up()
        assert console.wait_exit() == 129

    (path,) = draft_files(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    kept = json.loads(path.read_text())
    assert kept["fields"]["note-text"] == f"{NOTE}\n{SECOND_LINE}"
    assert kept["place"] == {"kind": "note", "incident_id": "1", "target": ""}
    assert set(kept) == {"version", "place", "title", "fields", "base", "cursor", "focus",
                         "saved_at"}  # fmt: skip

    with start(home) as console:
        assert_offered_back(console)
        console.write(b" again" + CTRL_S)  # the cursor came back at the end of the text
        console.wait_for(lambda s: "Add note" not in s and "again" in s, why="note saved")
        console.write(CTRL_Q)
        assert console.wait_exit() == 0
    assert notes_on_incident_1(home) == [f"{NOTE}\n{SECOND_LINE} again"]
    assert draft_files(home) == []  # its write succeeded: the draft is gone


def test_ctrl_q_asks_keeps_the_draft_and_the_next_start_offers_it_back(home: Path) -> None:
    with start(home) as console:
        write_half_a_note(console)
        console.write(CTRL_Q)
        screen = console.wait_for("Quit with unsaved text?")
        assert "a note on #1" in screen
        console.write(b"s")  # save as draft and quit
        assert console.wait_exit() == 0
        console.wait_quiet(0.2)
    assert len(draft_files(home)) == 1

    with start(home) as console:
        assert_offered_back(console)
        console.write(b"\x1b")  # esc: throw it away? asks first
        console.wait_for("Discard changes?")
        console.write(b"y")
        console.wait_for(lambda s: "Add note" not in s and "Timeline" in s)
        console.write(CTRL_Q)  # nothing unsaved now: quits at once
        assert console.wait_exit() == 0
    assert draft_files(home) == []
    assert notes_on_incident_1(home) == []
