"""Answers the person waits for are drawn at once, not at the frame timer's next tick.

Textual paces frames with a timer (60 a second); having just drawn one, it waits one to
two periods before the next. ``ConsoleScreen.draw_now`` (used by the incident list when
a filter's rows or a page in view arrive) draws without that wait. These tests slow the
timer to 30 s: whatever reaches the terminal before then was drawn by ``draw_now``. They
change the app directly and wait with asyncio, not through the pilot, whose pauses draw a
frame themselves.
"""

from __future__ import annotations

import asyncio
from typing import Any

import textual.screen

from .incident_support import settle, wait_for
from .test_home_list import listed_ids


def _displayed(app: Any) -> list[str]:
    """Record the screen as each frame written to the terminal leaves it."""
    frames: list[str] = []
    display = app._display

    def record(screen: Any, renderable: Any) -> None:
        frames.append("\n".join(strip.text for strip in screen._compositor.render_strips()))
        display(screen, renderable)

    app._display = record
    return frames


def _slow_frame_timer(app: Any, monkeypatch: Any) -> None:
    """From now on the screen's frame timer ticks every 30 s (it is made on first use)."""
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 30.0)
    timer = app.screen._Screen__update_timer
    if timer is not None:
        timer.stop()
        app.screen._Screen__update_timer = None


async def test_a_filters_rows_are_drawn_without_waiting_for_the_frame_timer(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        _slow_frame_timer(app, monkeypatch)
        frames = _displayed(app)
        app.screen.query_one("#filter-input").value = "Replica"  # as typed
        await wait_for(lambda: listed_ids(app) == ["2"], what="the filtered list", timeout=10)
        # A frame carrying the rows went out long before the timer's 30 s: drawn at once.
        await wait_for(
            lambda: any("Replica lag" in f and "Login page" not in f for f in frames),
            what="a frame with the filtered rows",
            timeout=10,
        )


async def test_without_an_answer_frames_keep_the_timers_pace(make_app, monkeypatch):
    """Only answers skip the wait: a cursor move waits for the (slowed) timer."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)  # past any answer's window
        _slow_frame_timer(app, monkeypatch)
        frames = _displayed(app)
        app.screen.incident_list.action_cursor_down()
        await asyncio.sleep(0.3)
        assert app.screen.incident_list.cursor == 1
        assert frames == []  # the move is drawn at the timer's tick, not before


async def test_pages_read_ahead_join_the_next_move_not_a_frame_of_their_own(
    tmp_path, make_app, monkeypatch
):
    """A page read ahead of the view changes only the scrollbar and the header's count; those
    follow at the next move (in its frame) or once the list is left alone, not as a frame
    of their own after every page down."""
    from incident_tui.ui.widgets import incident_list

    from .test_home_list import bulk_store

    monkeypatch.setattr(incident_list, "GROWTH_QUIET", 60.0)  # left alone: not in this test
    backend = await bulk_store(tmp_path, 600)
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = app.screen.incident_list
        await pilot.press("pagedown", "pagedown", "pagedown")  # rows 63-84: 150-199 read ahead
        await settle(pilot)
        await wait_for(lambda: lst._growth_pending, what="a page read ahead")
        loaded = lst.count
        assert lst.virtual_size.height < loaded + 1  # not yet in the scrollbar
        assert f"{loaded}+ incidents" not in app.screen.query_one("#context-text").render().plain
        await pilot.press("j")
        await settle(pilot)
        assert lst.virtual_size.height == lst.count + 1
        header = app.screen.query_one("#context-text").render().plain
        assert f"{lst.count}+ incidents" in header
        # Sent straight to a row read ahead but not yet in the scrollbar (no key), the
        # view still reaches it.
        for _ in range(10):  # until a page down reads a page ahead
            await pilot.press("pagedown")
            await settle(pilot)
            if lst._growth_pending:
                break
        assert lst._growth_pending and lst.virtual_size.height < lst.count
        lst.cursor = target = lst.count - 1
        await settle(pilot)
        assert lst.cursor == target and lst.virtual_size.height > target
        assert lst.scroll_offset.y <= lst.cursor < lst.scroll_offset.y + lst.size.height
