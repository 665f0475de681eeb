"""Untrusted text (titles, notes, labels, names, errors) renders literally and triggers nothing.

Markup must show as typed, escape sequences and control characters must not reach
the terminal, bidi controls must not reorder what a person reads, and nothing may
crash or run an action (``[@click=app.quit]`` must not quit).
"""

from __future__ import annotations

from typing import Any

from incident_tui import models as m
from incident_tui.ui.screens.home import HomeScreen
from incident_tui.ui.widgets.incident_list import IncidentList

from .incident_support import press, settle, type_text

MARKUP_TITLE = "[bold]Boom[/] [@click=app.quit]x[/] [link=http://evil]y[/link]"
ESCAPES = "\x1b]0;pwned\x07\x1b[31mred\x1b[0m\x1b[2J\x07bell\x9b1m"
BIDI = "safe\u202egnp.exe\u2066x\u2069"
NOTE = "note [/] [@click=app.quit]q[/]\n\x1b]52;c;ZXZpbA==\x07 clipboard \u202eevil"
LABEL = "[red]lbl[/]"
PERSON = "[@click=app.quit]mallory[/]"


def rendered(app: Any) -> tuple[str, list[str]]:
    """The screen's text and every segment's raw text (what would reach the terminal)."""
    strips = app.screen._compositor.render_strips()
    segments = [segment.text for strip in strips for segment in strip]
    return "\n".join("".join(s.text for s in strip) for strip in strips), segments


def assert_nothing_raw(segments: list[str]) -> None:
    joined = "".join(segments)
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2069"):
        assert bad not in joined, f"{bad!r} reached the terminal"


async def nasty_store(store) -> str:
    created = await store.create_incident(
        m.CreateIncidentRequest(
            title=f"{MARKUP_TITLE} {ESCAPES} {BIDI}",
            severity="critical",
            labels=[m.IncidentLabel(label=LABEL)],
        )
    )
    incident_id = created.incident.incident_id
    await store.assign_role(
        m.AssignRoleRequest(incident_id=incident_id, user_id=PERSON, role="commander")
    )
    await store.add_activity(
        m.AddActivityRequest(incident_id=incident_id, activity_kind="userNote", body=NOTE)
    )
    await store.add_task(
        m.AddTaskRequest(incident_id=incident_id, text=f"task {MARKUP_TITLE} {ESCAPES}")
    )
    return incident_id


async def test_list_shows_markup_literally_and_strips_escapes(make_app, store):
    await nasty_store(store)
    app = make_app()
    async with app.run_test(size=(240, 30)) as pilot:  # wide: the whole title fits
        await settle(pilot)
        text, segments = rendered(app)
        assert "[bold]Boom[/] [@click=app.quit]x[/]" in text
        assert "[red]lbl[/]" in text
        assert "[@click=app.qui…" in text  # the commander's name, cut to its column
        assert "␛" in text and "safegnp.exe" in text
        assert_nothing_raw(segments)
        # clicking the row (where a [@click] would live) and opening it runs no action
        await pilot.click(IncidentList, offset=(60, 0))
        await settle(pilot)
        assert app.is_running


async def test_incident_view_tabs_show_untrusted_text_literally(make_app, store):
    incident_id = await nasty_store(store)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(incident_id)
        await settle(pilot)
        for tab in ("1", "2", "3", "4"):
            await press(pilot, tab)
            text, segments = rendered(app)
            assert_nothing_raw(segments)
            if tab == "1":
                assert "[bold]Boom[/]" in text
            if tab == "2":
                assert "[@click=app.quit]q[/]" in text
            if tab == "3":
                assert "task [bold]Boom[/]" in text
            if tab == "4":
                assert "mallory" in text
        assert app.is_running


async def test_palette_and_filter_errors_render_literally(make_app, store):
    await nasty_store(store)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "Boom")
        await settle(pilot, rounds=5)
        text, segments = rendered(app)
        assert "[bold]Boom[/]" in text
        assert_nothing_raw(segments)
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)
        await press(pilot, "slash")
        await type_text(pilot, "title:'[bold]")
        await settle(pilot)
        text, segments = rendered(app)
        assert "[bold]" in text  # the typed text and the backend's message, literal
        assert_nothing_raw(segments)
        assert app.is_running


async def test_the_store_keeps_the_original_text(make_app, store):
    incident_id = await nasty_store(store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    incident = (await store.get_incident(m.GetIncidentRequest(incident_id=incident_id))).incident
    assert incident.title == f"{MARKUP_TITLE} {ESCAPES} {BIDI}"


class ForeignIds:
    """A remote whose incident ids carry escape sequences (ids are untrusted too)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> Any:
        response = await self.inner.query_incidents(request)
        for incident in response.incidents:
            incident.incident_id = f"{incident.incident_id}{ESCAPES}"
        return response

    async def query_incident_previews(self, request: m.QueryIncidentPreviewsRequest) -> Any:
        response = await self.inner.query_incident_previews(request)
        for preview in response.incident_previews:
            preview.incident_id = f"{preview.incident_id}{ESCAPES}"
        return response


async def test_an_incident_id_with_escapes_is_drawn_harmless_in_the_list(make_app, store):
    app = make_app(ForeignIds(store))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text, segments = rendered(app)
        assert_nothing_raw(segments)
        assert "#5␛" in text
