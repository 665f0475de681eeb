"""Typeahead headless: a whole key sequence posted to the App at once (as the terminal
driver does with a burst) ends as if typed one key at a time. The pty tests
(``tests/test_typeahead_pty.py``) prove the same through a real terminal."""

from __future__ import annotations

import pytest
from textual import events

from incident_tui import models as m
from incident_tui.ui import typeahead
from incident_tui.ui.screens.home import HomeScreen
from incident_tui.ui.screens.incident import IncidentScreen

from .incident_support import settle

NAMED = {"\t": ("tab", "\t"), " ": ("space", " "), "/": ("slash", "/"), ":": ("colon", ":"),
         "\r": ("enter", "\r"), ",": ("comma", ",")}  # fmt: skip


def burst(app, *keys: str) -> None:
    """Post every key before the App handles any of them."""
    for key in keys:
        if key.startswith("ctrl+") or key in ("escape", "shift+tab"):
            app.post_message(events.Key(key, None))
        else:
            for ch in key:
                name, character = NAMED.get(ch, (ch, ch))
                app.post_message(events.Key(name, character))


async def wait_for(pilot, test, rounds: int = 200) -> None:
    for _ in range(rounds):
        if test():
            return
        await pilot.pause(0.02)
    assert test()


async def newest(store) -> m.Incident:
    page = await store.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1)))
    return page.incidents[0]


async def test_a_declare_burst_fills_title_severity_and_labels(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "nDisk full on db-7\t1\tdb, api", "shift+tab", "2", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await settle(pilot)
    incident = await newest(store)
    assert (incident.title, incident.severity) == ("Disk full on db-7", "major")
    assert sorted(label.label for label in incident.labels) == ["api", "db"]


async def test_a_filter_burst_fills_the_filter_line_not_the_list_keys(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "/label:db")
        await wait_for(pilot, lambda: app.screen.filter_text == "label:db")
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert home.active_only is False  # `a` went into the line, not to the toggle
        assert home.incident_list.count == 1


async def test_keys_are_never_dropped_when_the_screen_stays_busy(
    make_app, store, monkeypatch
) -> None:
    """Past MAX_HOLD a key goes on regardless, still in order."""
    monkeypatch.setattr(typeahead, "MAX_HOLD", 0.05)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(typeahead.KeyQueue, "settled", lambda self: False)
        burst(app, "/abc")
        await wait_for(pilot, lambda: app.typeahead.held == 0, rounds=500)
        monkeypatch.undo()
        await settle(pilot)
        await wait_for(pilot, lambda: getattr(app.screen, "filter_text", "") == "abc")


@pytest.mark.parametrize("keys", ["nx", ":q"])
async def test_keys_typed_after_a_screen_opens_land_in_its_field(make_app, keys) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, keys)
        await settle(pilot)
        field = app.screen.focused
        assert field is not None and getattr(field, "value", None) == keys[1:]
