"""The incident screen as a whole: header, tabs, read-only, live refresh, slow and
failing backends."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from typing import Any

from incident_tui import models as m
from incident_tui.errors import Unavailable
from incident_tui.ui.dialogs import TextPrompt
from incident_tui.ui.screens.base import BusyIndicator
from incident_tui.ui.screens.incident import IncidentScreen
from incident_tui.ui.screens.incident_tasks import TasksPane

from .conftest import open_store
from .incident_support import (
    get_incident,
    incident_view,
    kinds,
    notifications,
    press,
    screen_text,
    settle,
    wait_for,
)


class Wrapped:
    """A real backend with some methods held back, failing or counted."""

    def __init__(
        self,
        inner: Any,
        *,
        gate: dict[str, asyncio.Event] | None = None,
        fail: dict[str, Exception] | None = None,
        versions: bool = True,
    ) -> None:
        self.inner = inner
        self.gate = gate or {}
        self.fail = fail or {}
        self.calls: Counter[str] = Counter()
        self.capabilities = replace(inner.capabilities, versions=versions)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target) or name.startswith("_"):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name in self.gate:  # answers only once the test lets it (a slow link)
                await self.gate[name].wait()
            if name in self.fail:
                raise self.fail[name]
            return await target(*args, **kwargs)

        return call


def header(pilot) -> str:
    return screen_text(pilot).splitlines()[0]


def footer(pilot) -> str:
    return screen_text(pilot).splitlines()[-1]


async def test_header_has_reference_severity_status_drill_and_title(make_app) -> None:
    async with incident_view(make_app, "4") as (app, pilot, screen):
        line = header(pilot)
        assert "#4" in line
        assert "○ SEV? pending" in line
        assert "ACTIVE" in line
        assert "[drill]" in line
        assert "Game day: kill a k8s node" in line


async def test_resolved_incident_header_and_duration(make_app) -> None:
    async with incident_view(make_app, "5") as (app, pilot, screen):
        text = screen_text(pilot)
        assert "RESOLVED" in header(pilot)
        assert "◆ SEV2 major" in header(pilot)
        assert "so far" not in text  # a resolved incident has a fixed duration
        ended = next(line for line in text.splitlines() if line.strip().startswith("Ended"))
        assert "UTC" in ended  # a retrospective incident ends when it was closed


async def test_number_keys_and_brackets_switch_tabs(make_app) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        assert screen.active_tab == "overview"
        await press(pilot, "3")
        assert screen.active_tab == "tasks"
        await press(pilot, "right_square_bracket")
        assert screen.active_tab == "roles"
        await press(pilot, "right_square_bracket")
        assert screen.active_tab == "overview"
        await press(pilot, "left_square_bracket")
        assert screen.active_tab == "roles"
        await press(pilot, "2")
        assert screen.active_tab == "timeline"
        assert "▸2 Timeline" in screen_text(pilot).splitlines()[1]


async def test_footer_shows_only_the_active_tabs_commands(make_app) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        assert "Title" in footer(pilot) and "Note" not in footer(pilot)
        await press(pilot, "2")
        assert "Note" in footer(pilot) and "Title" not in footer(pilot)
        await press(pilot, "3")
        assert "Done" in footer(pilot) and "Note" not in footer(pilot)


async def test_same_key_acts_on_the_active_tab_only(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "e")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert prompt.dialog_title == "Edit task"


async def test_readonly_hides_and_refuses_every_mutation(make_app, store) -> None:
    async with incident_view(make_app, readonly=True) as (app, pilot, screen):
        before = await get_incident(store)
        before_kinds = await kinds(store)
        assert "Title" not in footer(pilot) and "Severity" not in footer(pilot)
        for tab, keys in (
            ("1", ["e", "v", "R", "D", "l", "L", "t", "T"]),
            ("2", ["a", "e", "E", "x"]),
            ("3", ["a", "e", "space", "p", "u", "U", "x"]),
            ("4", ["a", "x"]),
        ):
            await press(pilot, tab)
            for key in keys:
                await press(pilot, key)
                assert app.screen is screen, (tab, key)
        after = await get_incident(store)
        # durationSeconds of an active incident grows with the store's clock: not a change
        assert after.model_copy(update={"duration_seconds": 0}) == before.model_copy(
            update={"duration_seconds": 0}
        )
        assert await kinds(store) == before_kinds
        # reading still works
        await press(pilot, "2", "o")
        assert "oldest first" in screen_text(pilot)


async def test_backend_change_refreshes_in_place_and_keeps_the_task_cursor(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        pane = screen.query_one(TasksPane)
        await press(pilot, "j")
        key = pane.task_list.current_key
        await store.update_title(m.UpdateTitleRequest(incident_id="1", title="Changed elsewhere"))
        await store.add_task(m.AddTaskRequest(incident_id="1", text="A new task from a colleague"))
        screen.backend_changed()
        await settle(pilot)
        assert "Changed elsewhere" in header(pilot)
        assert "A new task from a colleague" in screen_text(pilot)
        assert pane.task_list.current_key == key


async def test_unchanged_version_does_not_reread_the_incident(make_app, store) -> None:
    backend = Wrapped(store)
    async with incident_view(make_app, backend=backend) as (app, pilot, screen):
        reads = backend.calls["get_incident"]
        screen.backend_changed()
        await settle(pilot)
        assert backend.calls["get_incident_version"] >= 1
        assert backend.calls["get_incident"] == reads


async def test_without_versions_the_poll_rereads_only_what_is_visible(make_app, store) -> None:
    backend = Wrapped(store, versions=False)
    async with incident_view(make_app, backend=backend) as (app, pilot, screen):
        await press(pilot, "2", "1")  # the timeline has been read once, then hidden
        before = backend.calls.copy()
        await store.add_activity(
            m.AddActivityRequest(incident_id="1", activity_kind="userNote", body="from afar")
        )
        screen.backend_changed()
        await settle(pilot)
        assert backend.calls["get_incident"] == before["get_incident"] + 1
        assert backend.calls["get_roles"] == before["get_roles"]
        assert backend.calls["query_activity"] == before["query_activity"]
        assert backend.calls["get_incident_version"] == 0
        await press(pilot, "2")  # shown again: read again
        assert backend.calls["query_activity"] == before["query_activity"] + 1
        assert "from afar" in screen_text(pilot)


async def test_two_consoles_on_one_store_see_each_others_changes(make_app, store) -> None:
    other = open_store(store.path)
    try:
        async with incident_view(make_app, poll_interval=0.2) as (app, pilot, screen):
            await other.update_severity(m.UpdateSeverityRequest(incident_id="1", severity="minor"))
            await wait_for(lambda: "SEV3 minor" in header(pilot), what="the change to show")
            assert "● SEV3 minor" in header(pilot)
    finally:
        await other.close()


async def test_slow_backend_shows_a_spinner_not_a_frozen_screen(make_app, store) -> None:
    release = asyncio.Event()
    backend = Wrapped(store, gate={"get_incident": release})
    app = make_app(backend=backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_incident("1")
        await wait_for(
            lambda: isinstance(app.screen, IncidentScreen) and app.screen.query(BusyIndicator),
            what="the incident screen",
        )
        screen = app.screen
        indicator = screen.query_one(BusyIndicator)
        await wait_for(lambda: not indicator.has_class("-idle"), what="the spinner")
        await pilot.pause()
        assert "loading" in screen_text(pilot)
        await pilot.press("e")  # the incident is not there yet: say so, do nothing
        await wait_for(lambda: any("still loading" in n for n in notifications(app)))
        assert app.screen is screen
        release.set()
        await settle(pilot)
        assert indicator.has_class("-idle")
        assert "Checkout API" in header(pilot)


async def test_unknown_incident_says_so_in_place(make_app) -> None:
    async with incident_view(make_app, "999") as (app, pilot, screen):
        assert "#999" in header(pilot)
        assert app.is_running
        assert any(
            "999" in n or "not found" in n.lower() or "no incident" in n.lower()
            for n in notifications(app)
        )
        await press(pilot, "e")
        assert app.screen is screen


async def test_backend_refusal_keeps_the_typed_title(make_app, store) -> None:
    backend = Wrapped(store, fail={"update_title": Unavailable("the server is restarting")})
    async with incident_view(make_app, backend=backend) as (app, pilot, screen):
        await press(pilot, "e")
        prompt = app.screen
        await pilot.press("ctrl+u", *"Fresh")
        await press(pilot, "enter")
        assert app.screen is prompt
        assert prompt.text == "Fresh"
        assert "restarting" in prompt.error_text
        assert (await get_incident(store)).title == "Checkout API returning 502s"


async def test_failing_mutation_without_dialog_shows_the_error(make_app, store) -> None:
    backend = Wrapped(store, fail={"update_task_status": Unavailable("store is locked")})
    async with incident_view(make_app, backend=backend, tab="tasks") as (app, pilot, screen):
        await press(pilot, "space")
        assert app.is_running
        assert any("store is locked" in n for n in notifications(app))
        tasks = (await get_incident(store)).task_list.tasks
        assert [str(t.status) for t in tasks] == ["todo", "done"]


async def test_markup_in_title_and_labels_renders_literally(make_app, store) -> None:
    incident = (
        await store.create_incident(
            m.CreateIncidentRequest(
                title="[bold red]x[/] [@click=app.quit]quit[/] \u202eevil",
                severity="major",
                labels=[m.IncidentLabel(label="[reverse]lbl[/]")],
            )
        )
    ).incident
    async with incident_view(make_app, incident.incident_id) as (app, pilot, screen):
        text = screen_text(pilot)
        assert "[bold red]x[/] [@click=app.quit]quit[/]" in header(pilot)
        assert "\u202e" not in text
        assert "[reverse]lbl[/]" in text
        assert app.is_running


async def test_no_color_cursor_row_still_stands_out(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        assert app.no_color
        tasks = screen.query_one(TasksPane).task_list
        cursor = tasks.get_visual_style("option-list--option", "option-list--option-highlighted")
        plain = tasks.get_visual_style("option-list--option")
        assert cursor.underline and not plain.underline
        # the active tab is marked by a glyph, not only by colour
        assert "▸3 Tasks" in screen_text(pilot).splitlines()[1]


async def test_esc_and_q_each_leave_the_incident_view_from_any_tab(make_app) -> None:
    for key in ("escape", "q"):
        for tab in ("1", "2", "3", "4"):
            async with incident_view(make_app) as (app, pilot, screen):
                await press(pilot, tab)
                assert app.screen is screen
                await press(pilot, key)
                assert not isinstance(app.screen, IncidentScreen), (key, tab)


async def test_read_only_keys_of_changes_say_why_they_do_nothing(make_app, store) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        from incident_tui.ui.screens.home import HomeScreen

        assert isinstance(app.screen, HomeScreen)
        said = notifications(app)
        assert said == ["Read-only: started with --readonly; changes are off (Declare is one)."]
        app.open_incident("1")
        await settle(pilot)
        await press(pilot, "R")
        assert notifications(app)[-1].startswith("Read-only: started with --readonly")
        await press(pilot, "3")
        text = screen_text(pilot)
        assert "press a" not in text
        before = len(notifications(app))
        await press(pilot, "j")  # a key that changes nothing: no message
        assert len(notifications(app)) == before


async def test_tasks_tab_of_a_read_only_console_does_not_offer_to_add(make_app, store) -> None:
    incident = await store.create_incident(m.CreateIncidentRequest(title="No tasks here"))
    async with incident_view(
        make_app, incident.incident.incident_id, tab="tasks", readonly=True
    ) as (app, pilot, screen):
        text = screen_text(pilot)
        assert "No tasks yet." in text and "press a" not in text
    async with incident_view(make_app, incident.incident.incident_id, tab="tasks") as (
        app,
        pilot,
        screen,
    ):
        assert "No tasks yet: press a to add one." in screen_text(pilot)
