"""The console on a OneUptime context: the OneUptime test server really started on
127.0.0.1 (its requests checked against the document in ../shared/specs), the console
headless over a OneUptimeBackend, driven by keys.

What these pin is what the backend gives the console: the list, the overview with the
root cause and postmortem note, the timeline of notes and state changes with authors,
resolving through the project's resolved state, and a note written in the editor
landing as an internal note. How the screens follow the capabilities (hidden tabs,
the project's own words in pickers and columns) is another change's work.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from incident_tui import models as m
from incident_tui.config import Config
from incident_tui.ui.app import IncidentApp
from incident_tui.ui.headless import settle
from tests.support.oneuptime_server import OneUptimeServer, oneuptime_backend
from tests.ui.incident_support import press, screen_text, type_text, wait_for

LIST_PATH = "/api/incident/get-list"
ALICE = m.UserPreview(user_id="alice", name="Alice Example")


@pytest.fixture
async def ou() -> AsyncIterator[object]:
    async with oneuptime_backend() as backend:
        server: OneUptimeServer = backend.server
        server.add_incident(
            "Checkout API returning 502s",
            severity="Critical Incident",
            labels=("api",),
            description="Payments fail at the last step.",
            root_cause="a bad deploy",
            postmortem="deploy behind a canary",
        )
        server.add_incident("Replica lag on orders-db", severity="Major Incident", labels=("db",))
        server.add_incident("Certificate expired", state="Resolved")
        yield backend


def app_for(backend: object) -> IncidentApp:
    return IncidentApp(
        backend,  # type: ignore[arg-type]
        Config(),
        context_name="ou",
        user=ALICE,
        install_signal_handlers=False,
        poll_interval=60.0,
    )


async def test_the_list_shows_the_projects_incidents(ou) -> None:
    app = app_for(ou)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        assert "3 incidents" in text
        for title in ("Checkout API returning 502s", "Replica lag on orders-db", "Certificate"):
            assert title in text
        assert text.index("Certificate") < text.index("Checkout API")  # newest first
        assert "api" in text and "db" in text


async def test_the_overview_shows_root_cause_and_postmortem(ou) -> None:
    app = app_for(ou)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_incident("1")
        await settle(pilot)
        text = screen_text(pilot)
        assert "Checkout API returning 502s" in text
        assert "Payments fail at the last step." in text
        assert "Root cause: a bad deploy" in text
        assert "Postmortem: deploy behind a canary" in text


async def test_resolving_moves_it_to_the_projects_resolved_state(ou) -> None:
    server: OneUptimeServer = ou.server  # type: ignore[attr-defined]
    app = app_for(ou)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_incident("1")
        await settle(pilot)
        await press(pilot, "R")
        await press(pilot, "y")
        incident = next(r for r in server.data["incidents"].values() if r["incidentNumber"] == 1)
        await wait_for(
            lambda: incident["currentIncidentStateId"] == server.state_named("Resolved"),
            what="the incident to reach Resolved",
        )
        await settle(pilot)
        ended = next(line for line in screen_text(pilot).splitlines() if "Ended" in line)
        assert "—" not in ended
        await press(pilot, "2")
        assert "changed the state to Resolved" in screen_text(pilot)


async def test_a_note_from_the_editor_is_an_internal_note_by_its_author(ou) -> None:
    server: OneUptimeServer = ou.server  # type: ignore[attr-defined]
    app = app_for(ou)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_incident("2")
        await settle(pilot)
        await press(pilot, "2")
        assert "declared the incident (Identified)" in screen_text(pilot)
        await press(pilot, "a")
        await type_text(pilot, "Rolled back.")
        await press(pilot, "ctrl+s")
        await wait_for(lambda: len(server.data["internal_notes"]) == 1, what="the note")
        [note] = server.data["internal_notes"].values()
        assert note["note"] == "Rolled back."
        assert server.data["users"][note["createdByUserId"]]["name"] == "Alice Example"
        await settle(pilot)
        text = screen_text(pilot)
        assert "Rolled back." in text and "Alice Example" in text
        assert not server.data["public_notes"]


async def test_S_edits_the_description_leaving_root_cause_and_postmortem_alone(ou) -> None:
    """The summary shown is the description, then the root cause and the postmortem note;
    S opens it prefilled, and saving writes only the description (update-item)."""
    from textual.widgets import TextArea

    from incident_tui.ui.dialogs import SummaryEditor

    server: OneUptimeServer = ou.server  # type: ignore[attr-defined]
    app = app_for(ou)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_incident("1")
        await settle(pilot)
        await press(pilot, "S")
        editor = app.screen
        assert isinstance(editor, SummaryEditor)
        area = editor.query_one(TextArea)
        assert area.text == (
            "Payments fail at the last step.\n\nRoot cause: a bad deploy"
            "\n\nPostmortem: deploy behind a canary"
        )
        area.move_cursor((0, len("Payments fail at the last step.")))
        await type_text(pilot, " Card and wallet.")
        await press(pilot, "ctrl+s")
        incident = next(r for r in server.data["incidents"].values() if r["incidentNumber"] == 1)
        await wait_for(
            lambda: incident["description"] == "Payments fail at the last step. Card and wallet.",
            what="the description",
        )
        assert incident["rootCause"] == "a bad deploy"
        assert incident["postmortemNote"] == "deploy behind a canary"
        await settle(pilot)
        text = screen_text(pilot)
        assert "Card and wallet." in text and "Root cause: a bad deploy" in text
        assert text.count("Root cause:") == 1


async def test_the_header_counts_come_from_the_count_path_exactly(ou) -> None:
    """Counts per severity from ``/api/incident/count`` (the active total and one per
    severity): exact past the 200 a listed page holds, and no 200-incident list is read
    for the header."""
    server: OneUptimeServer = ou.server  # type: ignore[attr-defined]
    for n in range(205):
        server.add_incident(f"minor {n}", severity="Minor Incident")
    server.add_incident("old major", severity="Major Incident", state="Resolved")
    app = app_for(ou)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        header = screen_text(pilot).splitlines()[0]
        for shown in ("1 critical", "1 major", "205 minor"):
            assert shown in header, header
        assert "200+" not in header
        counts = [
            json.loads(s.body)["query"] for s in server.requests if s.path == "/api/incident/count"
        ]
        assert len(counts) == 4  # the active total, then one per severity
        asked = sorted(
            q["incidentSeverityId"]["value"][0] for q in counts if "incidentSeverityId" in q
        )
        assert asked == sorted(server.data["severities"])
        listed = [dict(s.query).get("limit") for s in server.requests if s.path == LIST_PATH]
        assert "200" not in listed and "100" not in listed, listed
