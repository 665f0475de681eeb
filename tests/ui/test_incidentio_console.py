"""The console on an incident.io context: the incident.io test server really started on
127.0.0.1 (checking every request against the published document), the backend behind
the durable layer as ``incident-tui`` runs it, driven headless by keys.

What a person sees and does: the org's incidents with their own severities, test mode
as a drill, an incident's custom fields and type as labels, its role holders, the
timeline of updates with their authors, follow-ups and actions as tasks; declaring,
renaming, changing the severity and resolving land on the server as incident.io's own
requests. (The pickers and footer keys still speak Grafana's words and show keys for
methods incident.io lacks: making the UI follow ``Capabilities`` is another change.)
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.config import Config
from incident_tui.durable import DurableBackend, outbox_path
from incident_tui.ui.app import IncidentApp
from incident_tui.ui.headless import settle
from tests.support.incidentio_server import IncidentIoServer, client, incidentio_server
from tests.ui.incident_support import screen_text, type_text

ALICE = m.UserPreview(user_id="alice", name="Alice")


@pytest.fixture
async def server() -> AsyncIterator[IncidentIoServer]:
    async with incidentio_server() as running:
        yield running
        assert running.violations == [], "requests off the published API:\n" + "\n".join(
            running.violations
        )


@pytest.fixture
async def outage(server: IncidentIoServer) -> str:
    """A live incident with a lead, a custom field, an update, a follow-up and an action;
    beside it a post-incident one and a test-mode one."""
    ident = server.add_incident(
        "Checkout API returning 502s",
        severity="Total outage",
        status="Fixing",
        summary="card payments fail at the gateway",
    )
    server.incidents[ident].roles[server.role("Incident Lead")["id"]] = server.user("Bob")["id"]
    server.incidents[ident].custom_fields = [
        {
            "custom_field": {"id": "CF1", "name": "Affected Team", "description": "who"},
            "values": [{"value_option": {"id": "O1", "value": "Payments"}}],
        }
    ]
    server.add_update(ident, "rolled back deploy 4711")
    server.add_follow_up(ident, "Alert on the 502 rate")
    server.add_action(ident, "Page the gateway vendor")
    server.add_incident("Replica lag on orders-db", severity="Low", status="Post-incident")
    server.add_incident("Game day: kill a node", mode="test")
    return ident


@pytest.fixture
async def console(server: IncidentIoServer, tmp_path: Path) -> AsyncIterator[DurableBackend]:
    inner = client(server, name="inc")
    backend = DurableBackend(inner, outbox_path("inc", server.url, tmp_path / "state"), user=ALICE)
    await backend.open()
    yield backend
    await backend.close()


def app_for(backend: DurableBackend) -> IncidentApp:
    return IncidentApp(
        backend,
        Config(),
        context_name="inc",
        user=ALICE,
        install_signal_handlers=False,
        poll_interval=0.5,
    )


async def until(pilot: Any, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{screen_text(pilot)}")
        await pilot.pause(0.05)


def row_of(pilot: Any, title_start: str) -> str:
    lines = [line for line in screen_text(pilot).splitlines() if title_start in line]
    assert lines, f"no row with {title_start!r}:\n{screen_text(pilot)}"
    return lines[0]


async def test_the_list_and_an_incident_show_what_incident_io_holds(
    server: IncidentIoServer, console: DurableBackend, outage: str
) -> None:
    app = app_for(console)
    async with app.run_test(size=(120, 30)) as pilot:
        # The count line is drawn by its own message after the rows: wait for both.
        await until(
            pilot,
            lambda: "Game day" in screen_text(pilot) and "3 incidents" in screen_text(pilot),
            "the list and its count",
        )
        assert "[drill] Game day" in row_of(pilot, "Game day")  # test mode: a drill
        assert "tota." in row_of(pilot, "Checkout").lower()  # the org's own severity, short
        assert "low" in row_of(pilot, "Replica").lower()

        app.open_incident(outage)
        # The roles line comes from its own read: under load it lands after the rest.
        await until(
            pilot,
            lambda: "Affected Team" in (t := screen_text(pilot)) and "Incident Lead:" in t,
            "the overview with its roles",
        )
        text = screen_text(pilot)
        assert "total outage" in text.lower()
        assert "type:Default, Affected Team: Payments" in text
        assert "Incident Lead: Bob" in text
        assert "card payments fail at the gateway" in text
        assert "Tasks       1/2 done" in text

        await pilot.press("2")
        await until(pilot, lambda: "rolled back deploy 4711" in screen_text(pilot), "timeline")
        text = screen_text(pilot)
        assert "2 items" in text
        update = next(line for line in text.splitlines() if "status" in line and "Bob" in line)
        assert "Bob" in update
        assert "declared INC-1: Checkout API returning 502s" in text

        await pilot.press("3")
        await until(pilot, lambda: "Alert on the 502 rate" in screen_text(pilot), "tasks")
        text = screen_text(pilot)
        assert "→ Carol" in row_of(pilot, "Alert on the 502 rate")
        assert "action: Page the gateway vendor" in text
    assert server.writes() == []


async def test_declare_rename_severity_and_resolve_reach_incident_io(
    server: IncidentIoServer, console: DurableBackend, outage: str
) -> None:
    app = app_for(console)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: "Game day" in screen_text(pilot), "the list")
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "DNS failing in eu-west")
        await pilot.press("tab", "2")  # severity: major
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Title       DNS failing in eu-west" in screen_text(pilot), "it")
        made = next(i for i in server.incidents.values() if i.name == "DNS failing in eu-west")
        assert made.severity_id == server.severity("High")["id"]  # the most severe "major"
        assert "high" in screen_text(pilot).lower()

        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+u")
        await type_text(pilot, "DNS failing in eu-west-1")
        await pilot.press("enter")
        await until(pilot, lambda: made.name == "DNS failing in eu-west-1", "the rename")

        await pilot.press("v")
        await settle(pilot)
        await pilot.press("home", "enter")  # the org's own list, most severe first
        await until(
            pilot, lambda: made.severity_id == server.severity("Total outage")["id"], "severity"
        )

        await pilot.press("R")
        await settle(pilot)
        await pilot.press("y")
        await until(
            pilot, lambda: made.status_id == server.status("Post-incident")["id"], "resolve"
        )
        await until(pilot, lambda: "Ended       —" not in screen_text(pilot), "the end time")
    creates = [s.json() for s in server.writes() if s.path == "/v2/incidents"]
    assert len(creates) == 1 and creates[0]["idempotency_key"]
    edits = [s.json()["incident"] for s in server.writes() if s.path.endswith("/actions/edit")]
    assert edits == [
        {"name": "DNS failing in eu-west-1"},
        {"severity_id": server.severity("Total outage")["id"]},
        {"incident_status_id": server.status("Post-incident")["id"]},
    ]


async def test_the_list_shows_incident_io_references_and_S_edits_the_summary(
    server: IncidentIoServer, console: DurableBackend, outage: str
) -> None:
    """The REF column is incident.io's own reference (INC-1), not the long id; S opens
    the summary prefilled and saves it through the edit endpoint's ``summary``."""
    from textual.widgets import TextArea

    from incident_tui.ui.dialogs import SummaryEditor

    app = app_for(console)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: "Game day" in screen_text(pilot), "the list")
        row = row_of(pilot, "Checkout")
        reference = f"INC-{server.incidents[outage].number}"
        assert row.split()[0] == reference, row
        assert outage not in screen_text(pilot)

        app.open_incident(outage)
        await until(pilot, lambda: "Affected Team" in screen_text(pilot), "the overview")
        assert screen_text(pilot).splitlines()[0].lstrip().startswith(reference)
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SummaryEditor), "the editor")
        area = app.screen.query_one(TextArea)
        assert area.text == "card payments fail at the gateway"
        await pilot.press("enter")
        await type_text(pilot, "gateway vendor paged")
        await pilot.press("ctrl+s")
        wanted = "card payments fail at the gateway\ngateway vendor paged"
        await until(pilot, lambda: server.incidents[outage].summary == wanted, "the summary")
        await until(pilot, lambda: "gateway vendor paged" in screen_text(pilot), "shown")
    edits = [s.json() for s in server.writes() if s.path.endswith("/actions/edit")]
    assert edits == [{"incident": {"summary": wanted}, "notify_incident_channel": False}]
