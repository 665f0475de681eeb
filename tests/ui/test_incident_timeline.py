"""Timeline tab: notes added / edited / re-timed / removed, system items refused,
order, filters, the detail view and paging with cursors."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from incident_tui import models as m
from incident_tui.ui.dialogs import ChoicePicker, ConfirmDialog, NoteEditor, TextPrompt
from incident_tui.ui.presentation import parse_time
from incident_tui.ui.screens.incident_timeline import PAGE_SIZE, ActivityDetail, TimelinePane

from .incident_support import (
    activity,
    add_note,
    incident_view,
    notifications,
    press,
    screen_text,
    settle,
    type_text,
)


def pane_of(screen) -> TimelinePane:
    return screen.query_one(TimelinePane)


async def notes(backend) -> list[m.ActivityItem]:
    return [i for i in await activity(backend) if i.activity_kind == "userNote"]


async def test_timeline_shows_items_newest_first_with_author_kind_and_system_mark(
    make_app,
) -> None:
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        text = screen_text(pilot)
        assert "newest first" in text
        assert "Alice Example" in text
        assert "⊘ system" in text
        pane = pane_of(screen)
        assert pane.items[0].activity_kind == "taskCompleted"
        assert pane.items[-1].activity_kind == "incidentCreated"


async def test_add_note_with_the_multiline_editor(make_app, store) -> None:
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "a")
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "Rolled back.")
        await pilot.press("enter")
        await type_text(pilot, "Error rate falling.")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        [note] = await notes(store)
        assert note.body == "Rolled back.\nError rate falling."
        assert note.user.user_id == "alice"
        pane = pane_of(screen)
        assert pane.items[0].activity_item_id == note.activity_item_id
        assert "Error rate falling." in screen_text(pilot)


async def test_edit_note_text(make_app, store) -> None:
    await add_note(store, "first draft")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "e")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert editor.query_one(TextArea).text == "first draft"
        await type_text(pilot, " fixed")
        await press(pilot, "ctrl+s")
        [note] = await notes(store)
        assert note.body == "first draft fixed"
        assert "first draft fixed" in screen_text(pilot)


async def test_edit_note_event_time(make_app, store) -> None:
    await add_note(store, "happened earlier")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "E")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        prompt.query_one(Input).value = ""
        await type_text(pilot, "2026-11-24 21:40 UTC")
        await press(pilot, "enter")
        assert app.screen is screen
        [note] = await notes(store)
        when = parse_time(note.event_time)
        assert when is not None and when.isoformat() == "2026-11-24T21:40:00+00:00"


async def test_remove_note_is_confirmed(make_app, store) -> None:
    await add_note(store, "wrong incident, sorry")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert len(await notes(store)) == 1
        await press(pilot, "x", "y")
        assert await notes(store) == []
        assert "wrong incident" not in screen_text(pilot)


async def test_system_items_refuse_edit_and_remove_with_a_message(make_app, store) -> None:
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        before = await activity(store)
        for key in ("e", "E", "x"):
            await press(pilot, key)
            assert app.screen is screen, key
        assert any("System items cannot be changed" in n for n in notifications(app))
        assert await activity(store) == before


async def test_o_toggles_oldest_first(make_app, store) -> None:
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "o")
        pane = pane_of(screen)
        assert pane.items[0].activity_kind == "incidentCreated"
        assert "oldest first" in screen_text(pilot)
        await press(pilot, "o")
        assert pane.items[0].activity_kind == "taskCompleted"


async def test_filter_by_kind(make_app, store) -> None:
    await add_note(store, "a note among system items")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "f")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        await type_text(pilot, "userNote")
        await press(pilot, "enter")
        pane = pane_of(screen)
        assert pane.kinds == ["userNote"]
        assert [i.activity_kind for i in pane.items] == ["userNote"]
        assert "(filtered)" in screen_text(pilot)

        await press(pilot, "f")
        await type_text(pilot, "all")
        await press(pilot, "enter")
        assert pane.kinds == []
        assert len(pane.items) == len(await activity(store))


async def test_filter_by_tag(make_app, store) -> None:
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "number_sign")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        await press(pilot, "down", "enter")  # important
        pane = pane_of(screen)
        assert pane.tag == "important"
        expected = await activity(store, tag="important")
        assert [i.activity_item_id for i in pane.items] == [
            i.activity_item_id for i in reversed(expected)
        ]
        assert "tag important" in screen_text(pilot)


async def test_enter_opens_the_whole_text_of_a_long_note(make_app, store) -> None:
    body = "\n".join(f"line {n} of the postmortem notes" for n in range(1, 31))
    await add_note(store, body)
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        text = screen_text(pilot)
        assert "line 4 of" in text and "line 5 of" not in text
        assert "enter shows the whole text" in text
        await press(pilot, "enter")
        detail = app.screen
        assert isinstance(detail, ActivityDetail)
        assert detail.item.body == body
        assert "line 1 of" in screen_text(pilot)
        for _ in range(30):
            await pilot.press("j")
        await settle(pilot)
        assert "line 30 of" in screen_text(pilot)
        await press(pilot, "escape")
        assert app.screen is screen


async def test_pages_load_as_the_cursor_reaches_the_end(make_app, store) -> None:
    for n in range(PAGE_SIZE * 2 + 10):
        await add_note(store, f"update {n}")
    total = len(await activity(store))
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        pane = pane_of(screen)
        assert len(pane.items) == PAGE_SIZE
        assert pane.cursor.has_more
        assert "more below" in screen_text(pilot)
        for _ in range(4):
            await press(pilot, "end")
        assert len(pane.items) == total
        assert not pane.cursor.has_more
        ids = [i.activity_item_id for i in pane.items]
        assert len(set(ids)) == len(ids)
        times = [i.event_time for i in pane.items]
        assert times == sorted(times, reverse=True)


async def test_refresh_keeps_every_loaded_page_and_the_cursor(make_app, store) -> None:
    for n in range(PAGE_SIZE + 20):
        await add_note(store, f"update {n}")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        pane = pane_of(screen)
        await press(pilot, "end")
        await press(pilot, "end")
        loaded = len(pane.items)
        assert loaded > PAGE_SIZE
        await press(pilot, "k", "k", "k")
        key = pane.item_list.current_key
        await add_note(store, "written by someone else")
        screen.backend_changed()
        await settle(pilot)
        assert len(pane.items) == loaded + 1
        assert pane.items[0].body == "written by someone else"
        assert pane.item_list.current_key == key


async def test_markup_in_notes_renders_literally(make_app, store) -> None:
    await add_note(store, "[bold]not bold[/] [@click=app.quit]quit[/] \x1b]0;owned\x07 done")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        text = screen_text(pilot)
        assert "[bold]not bold[/] [@click=app.quit]quit[/]" in text
        assert "owned" not in text and "\x1b" not in text
        await press(pilot, "enter")
        assert isinstance(app.screen, ActivityDetail)
        assert "[@click=app.quit]quit[/]" in screen_text(pilot)
        assert app.is_running


async def test_refresh_does_not_jump_the_view(make_app, store) -> None:
    for n in range(40):
        await add_note(store, f"update {n}")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        pane = pane_of(screen)
        await press(pilot, *(["j"] * 20))
        view = pane.item_list.scroll_y
        assert view > 0
        await store.update_title(m.UpdateTitleRequest(incident_id="1", title="renamed"))
        screen.backend_changed()
        await settle(pilot)
        assert "renamed" in screen_text(pilot).splitlines()[0]
        assert abs(pane.item_list.scroll_y - view) <= 3


async def test_scrolling_to_the_bottom_reads_the_next_page(make_app, store) -> None:
    for n in range(PAGE_SIZE + 10):
        await add_note(store, f"update {n}")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        pane = pane_of(screen)
        assert len(pane.items) == PAGE_SIZE
        pane.item_list.scroll_end(animate=False, immediate=True)
        await settle(pilot)
        assert len(pane.items) == len(await activity(store))
        assert pane.item_list.highlighted == 0  # the cursor did not move


async def test_a_wrapped_note_line_continues_under_its_text(make_app, store) -> None:
    words = " ".join(f"word{n:02d}" for n in range(30))
    await add_note(store, words, incident_id="2")
    async with incident_view(make_app, "2", tab="timeline") as (app, pilot, screen):
        lines = screen_text(pilot).splitlines()
        body = [n for n, line in enumerate(lines) if "word" in line]
        assert len(body) >= 3  # ~240 characters wrap at 80 columns
        for n in body:
            assert lines[n].startswith("  word"), lines[n]


async def test_one_timeline_item_is_one_item(make_app, store) -> None:
    incident = await store.create_incident(m.CreateIncidentRequest(title="Fresh"))
    async with incident_view(make_app, incident.incident.incident_id, tab="timeline") as (
        app,
        pilot,
        screen,
    ):
        assert "· 1 item" in screen_text(pilot) and "1 items" not in screen_text(pilot)
