"""Keys typed ahead go where the person meant: the real console under a pty, each key
sequence written in one ``write()`` (as a laggy SSH link delivers it), must end as if
typed slowly. Checked on what the store holds afterwards, or on the screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from incident_tui import models as m
from tests.support.pty_console import PtyConsole, console_env
from tests.ui.conftest import open_store, seed_incidents

SHIFT_TAB = b"\x1b[Z"
CTRL_S = b"\x13"
CTRL_Q = b"\x11"


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    db = tmp_path / "store.db"

    async def seed() -> None:
        backend = open_store(db)
        try:
            await seed_incidents(backend)
        finally:
            await backend.close()

    asyncio.run(seed())
    return db


def read_store(db: Path, call):
    async def run():
        backend = open_store(db)
        try:
            return await call(backend)
        finally:
            await backend.close()

    return asyncio.run(run())


def all_incidents(db: Path) -> list[m.Incident]:
    async def call(backend):
        query = m.IncidentsQuery(limit=100, order_direction="ASC", order_field="createdTime")
        return (await backend.query_incidents(m.QueryIncidentsRequest(query=query))).incidents

    return read_store(db, call)


def start(tmp_path: Path, db: Path) -> PtyConsole:
    config = tmp_path / "config.toml"
    config.write_text('poll_interval = 60\n[user]\nid = "alice"\nname = "Alice Example"\n')
    console = PtyConsole(["--db", str(db)], console_env(tmp_path, config))
    console.wait_for("Checkout API returning 502s", why="the incident list")
    console.wait_quiet(0.3)
    return console


def quit_console(console: PtyConsole) -> None:
    console.write(CTRL_Q)
    assert console.wait_exit() == 0


def test_declare_dialog_burst_fills_each_field_in_order(tmp_path: Path, seeded: Path) -> None:
    with start(tmp_path, seeded) as console:
        console.write(b"nDisk full on db-7\t1\tdb" + CTRL_S)
        console.wait_for("Disk full on db-7", why="the new incident opened")
        console.wait_for("▸1 Overview")
        # Back to the list, then tab past severity to the labels and shift+tab back to it.
        console.write(b"q")
        console.wait_for(lambda s: "Declare" in s and "Disk full" in s, why="list")
        console.wait_quiet(0.3)
        console.write(b"nQueue backlog\t\tapi, queue" + SHIFT_TAB + b"2" + CTRL_S)
        console.wait_for(lambda s: "Queue backlog" in s and "▸1 Overview" in s)
        quit_console(console)
    made = [
        (i.title, i.severity, [label.label for label in i.labels]) for i in all_incidents(seeded)
    ]
    assert made[-2:] == [
        ("Disk full on db-7", "critical", ["db"]),
        ("Queue backlog", "major", ["api", "queue"]),
    ]


def test_filter_line_and_command_line_bursts_fill_their_lines(tmp_path: Path, seeded: Path) -> None:
    with start(tmp_path, seeded) as console:
        console.write(b"/label:db")
        screen = console.wait_for("label:db", why="the filter line holding the query")
        screen = console.wait_for(
            lambda s: "Replica lag on orders-db" in s and "Checkout API" not in s,
            why="the list filtered by label:db",
        )
        assert "active only" not in screen  # `a` did not toggle the active filter
        assert "inc REF" not in screen  # `:` did not open the command line
        console.write(b"\r")  # back to the list, the filter stays
        console.wait_quiet(0.3)
        console.write(b":inc 3\r")
        console.wait_for(
            lambda s: "#3" in s and "Login page slow in eu-west" in s and "Overview" in s,
            why="incident #3 opened from the command line",
        )
        quit_console(console)


def test_org_role_form_burst_keeps_name_and_description_apart(tmp_path: Path, seeded: Path) -> None:
    with start(tmp_path, seeded) as console:
        console.write(b"Onscribe\tWrites the timeline as it happens\t " + CTRL_S)
        console.wait_for(lambda s: "scribe" in s and "Org roles" in s and "New role" not in s)
        quit_console(console)

    async def roles(backend):
        return (await backend.get_roles(m.GetRolesRequest())).roles

    made = {r.name: r for r in read_store(seeded, roles)}
    assert "scribe" in made, sorted(made)
    assert made["scribe"].description == "Writes the timeline as it happens"
    assert made["scribe"].important is True
