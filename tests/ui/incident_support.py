"""Helpers for the incident-view and org-roles tests: open a screen, let workers finish,
read what the screen shows as text, and read the backend afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot

from incident_tui import models as m
from incident_tui.ui.headless import settle


def screen_text(pilot: Pilot) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


async def wait_for(
    condition: Callable[[], object], *, timeout: float = 30.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds: a condition, not a clock, so a loaded
    machine only makes it slower; the timeout is generous and only catches a hang."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        await asyncio.sleep(0.01)


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type ``text`` key by key (spaces and punctuation by their key names)."""
    names = {" ": "space", "-": "minus", ":": "colon", ".": "full_stop", "/": "slash"}
    await pilot.press(*[names.get(ch, ch) for ch in text])


@asynccontextmanager
async def incident_view(make_app: Any, incident_id: str = "1", *, tab: str = "", **kwargs: Any):
    """Run the App, open ``incident_id``, optionally switch tab; yields (app, pilot, screen)."""
    from incident_tui.ui.screens.incident import TAB_IDS, IncidentScreen

    app = make_app(**kwargs)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_incident(incident_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        if tab:
            await press(pilot, str(TAB_IDS.index(tab) + 1))
        yield app, pilot, screen


async def get_incident(backend: Any, incident_id: str = "1") -> m.Incident:
    return (await backend.get_incident(m.GetIncidentRequest(incident_id=incident_id))).incident


async def activity(backend: Any, incident_id: str = "1", **query: Any) -> list[m.ActivityItem]:
    """Every live timeline item of the incident, oldest first."""
    items: list[m.ActivityItem] = []
    cursor = m.Cursor()
    while True:
        response = await backend.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(
                    incident_id=incident_id, limit=100, order_direction="ASC", **query
                ),
                cursor=cursor,
            )
        )
        items += response.activity_items
        cursor = response.cursor
        if not cursor.has_more:
            return items


async def kinds(backend: Any, incident_id: str = "1") -> list[str]:
    return [item.activity_kind for item in await activity(backend, incident_id)]


async def add_note(backend: Any, body: str, incident_id: str = "1") -> m.ActivityItem:
    response = await backend.add_activity(
        m.AddActivityRequest(incident_id=incident_id, activity_kind="userNote", body=body)
    )
    return response.activity_item


def notifications(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def typing_paused(pilot: Pilot) -> None:
    """Let an invalid filter typed a moment ago be called so: the home screen says "not
    valid" only once typing pauses with the filter still invalid (it keeps the rows while
    keys come)."""
    screen: Any = pilot.app.screen
    await wait_for(lambda: screen._filter_invalid, what="the typed filter called invalid")
    await settle(pilot)
