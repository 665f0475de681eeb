"""The console on a Prod Manager context (issue 12 item 2): the UI follows the backend's
capabilities. The backend talks to the Prod Manager test server started for real on
127.0.0.1 (tests/support/prodmanager_server.py), which checks every request it gets
against the published API document.

Prod Manager serves no tasks, roles, labels of your own, drills, event times, or edits
of notes; it has four statuses (active, investigating, stable, resolved) and five
severities. None of what it lacks is shown, help and the keys say why, and every
action that is shown works against the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.widgets import OptionList

from incident_tui.ui.dialogs import ChoicePicker, ConfirmDialog, NoteEditor, TextPrompt
from incident_tui.ui.screens.base import active_commands
from incident_tui.ui.screens.help import HelpScreen
from incident_tui.ui.screens.incident import IncidentScreen
from tests.support.prodmanager_server import prodmanager_backend

from .incident_support import press, screen_text, settle, type_text, typing_paused, wait_for


@pytest.fixture
async def pm() -> AsyncIterator[Any]:
    """A Prod Manager backend on a started server with three incidents in three statuses."""
    async with prodmanager_backend() as backend:
        server = backend.server
        server.add_incident("Disk full on db-1", severity="high", status="investigating")
        server.add_incident("Checkout slow", severity="critical", status="active")
        server.add_incident("Old outage", severity="low", status="resolved")
        yield backend


def shown_ids(app: Any) -> set[str]:
    """The ids of the commands offered on the current screen (footer, help, palette)."""
    return {command.id for _node, command in active_commands(app, app.screen)}


def notifications(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def open_incident(app: Any, pilot: Any, incident_id: str) -> IncidentScreen:
    app.open_incident(incident_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, IncidentScreen)
    await wait_for(lambda: screen.incident is not None, what="the incident to load")
    return screen


async def test_list_shows_prodmanager_words_and_no_drill_keys(make_app, pm) -> None:
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(lambda: app.screen.incident_list.count == 3, what="three incidents")
        text = screen_text(pilot)
        assert "INVESTIGATING" in text  # its own status, not squeezed into ACTIVE
        assert "◆ high" in text and "▲ crit." in text  # its words, Grafana's glyphs
        assert "crit. 1 high 1 mode. 0 low 0 minor 0" in text  # active, by its severities
        assert "DRILL" not in text and " D " not in text.splitlines()[1]
        ids = shown_ids(app)
        assert "list.drills" not in ids and "list.org_roles" not in ids
        assert "list.sort_direction" not in ids  # it sorts newest first only
        assert {"list.open", "list.declare", "list.filter", "list.active_only"} <= ids
        # The key of what is not offered says why instead of doing nothing.
        await press(pilot, "d")
        assert any("Prod Manager has no drills" in n for n in notifications(app))
        # Help lists the keys that work and says why the others are not there.
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.plain_text
        assert "Not offered here" in help_text
        assert "Prod Manager has no drills" in help_text
        assert "Drills: shown, hidden, only" not in help_text


async def test_filter_takes_its_words_and_refuses_what_it_cannot_filter(make_app, pm) -> None:
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(lambda: app.screen.incident_list.count == 3, what="three incidents")
        await press(pilot, "slash")
        await type_text(pilot, "status:INVEST ")
        await settle(pilot)
        await wait_for(lambda: app.screen.incident_list.count == 1, what="one incident")
        assert "Disk full on db-1" in screen_text(pilot)
        home = app.screen
        home.filter_text = "role:commander"
        home.reload()
        await typing_paused(pilot)  # the filter was typed a moment ago
        text = screen_text(pilot)
        assert "role:commander: Prod Manager has no roles" in text


async def test_incident_has_no_tasks_or_roles_tabs(make_app, pm) -> None:
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, "1")
        text = screen_text(pilot)
        assert "Overview" in text and "Timeline" in text
        assert "Tasks" not in text and "Roles" not in text
        assert "INVESTIGATING" in text and "◆ high" in text
        ids = shown_ids(app)
        for hidden in (
            "incident.tab_tasks",
            "incident.tab_roles",
            "incident.toggle_drill",
            "incident.add_label",
            "incident.remove_label",
            "incident.edit_start",
            "incident.edit_end",
        ):
            assert hidden not in ids, hidden
        assert {
            "incident.edit_title",
            "incident.edit_summary",
            "incident.set_severity",
            "incident.set_status",
        } <= ids
        # Its scope and service are its labels: shown, but not editable.
        assert "scope:Production" in text
        # 3 (Tasks) says why; ] cycles through the tabs it has.
        await press(pilot, "3")
        assert screen.active_tab == "overview"
        assert any("Prod Manager has no tasks" in n for n in notifications(app))
        await press(pilot, "right_square_bracket")
        assert screen.active_tab == "timeline"
        await press(pilot, "right_square_bracket")
        assert screen.active_tab == "overview"
        await press(pilot, "question_mark")
        help_text = app.screen.plain_text
        assert "Prod Manager has no tasks" in help_text
        assert "Prod Manager has no roles" in help_text


async def test_pickers_offer_its_severities_and_statuses(make_app, pm) -> None:
    server = pm.server
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_incident(app, pilot, "1")
        await press(pilot, "v")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        assert [c.value for c in picker.choices] == [
            "critical",
            "high",
            "moderate",
            "low",
            "minor",
        ]
        assert picker.query_one(OptionList).highlighted == 1  # high, the current one
        await press(pilot, "up", "enter")
        await wait_for(lambda: server.incidents[1].severity == "critical", what="critical")
        await press(pilot, "s")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        assert [c.label for c in picker.choices] == [
            "Active",
            "Investigating",
            "Stable",
            "Resolved",
        ]
        await press(pilot, "down", "enter")  # from Investigating to Stable
        await wait_for(lambda: server.incidents[1].status == "stable", what="stable")
        await settle(pilot)
        assert "STABLE" in screen_text(pilot)


async def test_every_shown_overview_action_works(make_app, pm) -> None:
    server = pm.server
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, "2")
        await press(pilot, "e")
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one("Input").value = "Checkout slow in eu"
        await press(pilot, "enter")
        await wait_for(lambda: server.incidents[2].name == "Checkout slow in eu", what="title")
        await press(pilot, "R")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        await wait_for(lambda: server.incidents[2].status == "resolved", what="resolved")
        await settle(pilot)
        await wait_for(lambda: str(screen.incident.status) == "resolved", what="re-read")
        assert "incident.reopen" in shown_ids(app)
        await press(pilot, "R")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        await wait_for(lambda: server.incidents[2].status != "resolved", what="reopened")
        await press(pilot, "X")
        assert isinstance(app.screen, TextPrompt)  # export asks where
        await press(pilot, "escape")


async def test_timeline_notes_are_internal_or_public_and_name_nobody(make_app, pm) -> None:
    server = pm.server
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, "1")
        await press(pilot, "2")
        assert screen.active_tab == "timeline"
        ids = shown_ids(app)
        assert "timeline.add_note" in ids and "timeline.add_public_note" in ids
        for hidden in ("timeline.edit_note", "timeline.remove_note", "timeline.edit_time"):
            assert hidden not in ids, hidden
        await press(pilot, "a")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert "internal" in screen_text(pilot)
        await type_text(pilot, "looking")
        await press(pilot, "ctrl+s")
        await press(pilot, "A")
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "public")
        await press(pilot, "ctrl+s")
        await wait_for(
            lambda: (
                [e.internal for e in server.incidents[1].events if e.type == "comment"]
                == [True, False]
            ),
            what="an internal and a public comment",
        )
        await settle(pilot)
        text = screen_text(pilot)
        assert "internal" in text and "public" in text
        assert "system" not in text  # it records no authors: nobody is named
        await press(pilot, "x")
        assert any("Prod Manager cannot remove notes" in n for n in notifications(app))


async def test_command_line_names_its_severities_and_statuses(make_app, pm) -> None:
    from incident_tui.ui.cmdline import CommandLine

    server = pm.server
    app = make_app(pm)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        async def line(text: str) -> str:
            await press(pilot, "colon")
            assert isinstance(app.screen, CommandLine)
            app.screen.query_one("Input").value = text
            await press(pilot, "enter")
            if isinstance(app.screen, CommandLine):
                error = app.screen.error_text
                await press(pilot, "escape")
                return error
            return ""

        assert "open one first" in await line("sev crit")
        assert "Prod Manager has no organisation roles" in await line("roles")
        await open_incident(app, pilot, "1")
        error = await line("sev m")
        assert "Prod Manager has no severity 'm'" in error
        assert "Critical, High, Moderate, Low" not in error  # least to most severe
        assert "Minor, Low, Moderate, High, Critical" in error
        assert await line("sev CRIT") == ""
        await wait_for(lambda: server.incidents[1].severity == "critical", what="critical")
        assert await line("status st") == ""
        await wait_for(lambda: server.incidents[1].status == "stable", what="stable")
        await settle(pilot)
        assert "STABLE" in screen_text(pilot) and "▲ critical" in screen_text(pilot)
