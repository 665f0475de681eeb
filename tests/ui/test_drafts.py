"""Drafts in the dialogs: kept on disk while typing (not once per key, not on the event
loop), reopened where they were with text, cursor and focus, cleaned when shown, gone
only once written or thrown away; ctrl+q and SIGTERM keep them."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from incident_tui import models as m
from incident_tui.drafts import Draft, DraftStore, Place
from incident_tui.errors import Unavailable
from incident_tui.ui.dialogs import (
    DRAFT_DELAY,
    ConfirmDialog,
    NoteEditor,
    SummaryEditor,
    TextPrompt,
)
from incident_tui.ui.drafting import QuitDialog
from incident_tui.ui.screens.declare import DeclareDialog
from incident_tui.ui.screens.home import HomeScreen
from incident_tui.ui.screens.org_roles import RoleForm

from .incident_support import activity, add_note, press, settle, type_text


class CountingStore(DraftStore):
    """The real store, counting its disk writes and the threads they ran on."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.writes = 0
        self.threads: set[str] = set()

    def _write(self, path: Path, data: bytes) -> None:
        self.writes += 1
        self.threads.add(threading.current_thread().name)
        super()._write(path, data)


@pytest.fixture
def drafts(tmp_path: Path) -> CountingStore:
    return CountingStore(DraftStore.for_context("local", "test", root=tmp_path / "drafts").folder)


@pytest.fixture
def app_with_drafts(make_app, drafts):
    def factory(**kwargs: Any):
        return make_app(drafts_for=lambda name: drafts, **kwargs)

    return factory


def on_disk(store: DraftStore, place: Place) -> dict[str, Any] | None:
    store.flush()
    path = store.path_of(place)
    return json.loads(path.read_text()) if path.exists() else None


async def wait_until(pilot: Any, test: Any, rounds: int = 100) -> None:
    for _ in range(rounds):
        if test():
            return
        await pilot.pause(0.05)
    assert test()


def kept(store: DraftStore, place: Place, **fields: Any) -> None:
    """A draft left by an earlier session (written through the real store)."""
    store.put(Draft(place=place, fields=dict(fields), title="earlier"))
    store.flush()


async def test_typing_keeps_a_draft_within_the_delay_off_the_loop_not_per_key(
    app_with_drafts, drafts
) -> None:
    assert DRAFT_DELAY <= 1.0
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        started = time.monotonic()
        await type_text(pilot, "Disk full on db-7")
        await pilot.press("tab", "1")
        typed = time.monotonic() - started
        place = Place("declare")
        await wait_until(
            pilot,
            lambda: (on_disk(drafts, place) or {}).get("fields", {}).get("severity") == "critical",
        )
        saved = on_disk(drafts, place)
        assert saved is not None
        assert saved["fields"]["title"] == "Disk full on db-7"
        assert saved["focus"] == "severity"
        assert drafts.writes < 19  # 19 keys typed
        assert drafts.writes <= typed / DRAFT_DELAY + 3
        assert drafts.threads == {next(iter(drafts.threads))}
        assert next(iter(drafts.threads)).startswith("drafts")
        # Typing it all away (the fields as they opened) keeps nothing.
        await press(pilot, "4")
        app.screen.query_one("#title", Input).value = ""
        await wait_until(pilot, lambda: on_disk(drafts, place) is None)


async def test_a_kept_draft_reopens_with_its_text_cursor_and_focus(app_with_drafts, drafts) -> None:
    drafts.put(
        Draft(
            place=Place("declare"),
            fields={"title": "DB down", "severity": "critical", "labels": "db, api",
                    "drill": True},
            cursor={"labels": [2], "title": [3]},
            focus="labels",
        )
    )  # fmt: skip
    drafts.flush()
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DeclareDialog)
        assert dialog.query_one("#title", Input).value == "DB down"
        assert dialog.severity == "critical"
        assert dialog.query_one("#drill").value is True
        labels = dialog.query_one("#labels", Input)
        assert labels.has_focus and labels.cursor_position == 2
        assert any("A draft was kept" in str(n.message) for n in app._notifications)
        await press(pilot, "x", "ctrl+s")  # typed where the cursor was
    made = app.backend
    newest = await made.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1)))
    incident = newest.incidents[0]
    assert (incident.title, incident.severity, incident.is_drill) == ("DB down", "critical", True)
    assert sorted(label.label for label in incident.labels) == ["api", "dbx"]
    assert on_disk(drafts, Place("declare")) is None  # written: the draft is gone


async def _role_id(store: Any, name: str) -> str:
    roles = (await store.get_roles(m.GetRolesRequest())).roles
    return str(next(r.role_id for r in roles if r.name == name))


@pytest.mark.parametrize(
    ("kind", "dialog_type", "field", "title"),
    [
        ("note", NoteEditor, "note-text", "Add note"),
        ("note-edit", NoteEditor, "note-text", "Edit note"),
        ("title", TextPrompt, "prompt-input", "Edit title"),
        ("summary", SummaryEditor, "note-text", "Edit summary"),
        ("label", TextPrompt, "prompt-input", "Add label"),
        ("task", TextPrompt, "prompt-input", "Add task"),
        ("task-edit", TextPrompt, "prompt-input", "Edit task"),
        ("role-new", RoleForm, "role-name", "New role"),
        ("role-edit", RoleForm, "role-description", "Edit role commander"),
    ],
)
async def test_each_kind_of_draft_reopens_in_its_dialog_at_its_place(
    app_with_drafts, drafts, store, kind, dialog_type, field, title
) -> None:
    target, incident_id = "", "1"
    if kind == "note-edit":
        target = (await add_note(store, "first words")).activity_item_id
    elif kind == "task-edit":
        incident = (await store.get_incident(m.GetIncidentRequest(incident_id="1"))).incident
        target = incident.task_list.tasks[0].task_id
    elif kind.startswith("role"):
        incident_id = ""
        target = await _role_id(store, "commander") if kind == "role-edit" else ""
    kept(drafts, Place(kind, incident_id, target), **{field: "kept words"})
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, dialog_type))
        await settle(pilot)
        dialog = app.screen
        assert dialog.dialog_title == title
        widget = dialog.query_one(f"#{field}")
        value = widget.text if isinstance(widget, TextArea) else widget.value
        assert value == "kept words"
        if incident_id:
            assert app.screen_stack[-2].incident_id == incident_id


async def test_escape_sequences_in_a_draft_are_cleaned_on_screen_and_kept_in_the_file(
    app_with_drafts, drafts
) -> None:
    raw = "DB \x1b[31mdown\x1b]0;owned\x07\nsecond line"
    kept(drafts, Place("note", "1"), **{"note-text": raw})
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor))
        await settle(pilot)
        editor = app.screen
        assert "\x1b" not in editor.text and "\x07" not in editor.text
        assert editor.text.endswith("\nsecond line")
        editor.keep_draft()  # nothing typed since it came back: the file stays as it was
        assert on_disk(drafts, Place("note", "1"))["fields"]["note-text"] == raw


async def test_a_refused_write_keeps_the_draft_and_a_written_one_removes_it(
    app_with_drafts, drafts, store
) -> None:
    class Flaky:
        """The real store; the first note is refused (the remote went away)."""

        def __init__(self, inner: Any) -> None:
            self.inner, self.refused = inner, False

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        async def add_activity(self, request: m.AddActivityRequest) -> Any:
            if not self.refused:
                self.refused = True
                raise Unavailable("the server is restarting")
            return await self.inner.add_activity(request)

    app = app_with_drafts(backend=Flaky(store))
    place = Place("note", "1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_incident("1")
        await settle(pilot)
        await press(pilot, "2", "a")
        await type_text(pilot, "Paged the DBA")
        await press(pilot, "ctrl+s")
        editor = app.screen
        assert isinstance(editor, NoteEditor) and "restarting" in editor.error_text
        await wait_until(
            pilot,
            lambda: (on_disk(drafts, place) or {}).get("fields") == {"note-text": "Paged the DBA"},
        )
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, NoteEditor)
        assert on_disk(drafts, place) is None
    notes = [i.body for i in await activity(store, "1") if i.activity_kind == "userNote"]
    assert notes == ["Paged the DBA"]  # once: the refused attempt wrote nothing


async def _note_editor_with_text(app: Any, pilot: Any, text: str) -> NoteEditor:
    await settle(pilot)
    app.open_incident("1")
    await settle(pilot)
    await press(pilot, "2", "a")
    await type_text(pilot, text)
    await settle(pilot)
    editor = app.screen
    assert isinstance(editor, NoteEditor)
    return editor


async def test_ctrl_q_with_unsaved_text_asks_and_stay_keeps_everything(
    app_with_drafts, drafts
) -> None:
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _note_editor_with_text(app, pilot, "half a thought")
        await press(pilot, "ctrl+q")
        assert isinstance(app.screen, QuitDialog)
        assert "a note on #1" in " ".join(app.screen.places)
        await press(pilot, "escape")  # stay
        assert app.screen is editor and editor.text == "half a thought"
        assert app.is_running
        await press(pilot, "ctrl+q", "d")  # discard and quit
    assert app.return_code == 0
    assert on_disk(drafts, Place("note", "1")) is None


async def test_ctrl_q_twice_keeps_the_draft_and_says_so(app_with_drafts, drafts) -> None:
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await _note_editor_with_text(app, pilot, "half a thought")
        await press(pilot, "ctrl+q", "ctrl+q")
    saved = on_disk(drafts, Place("note", "1"))
    assert saved is not None and saved["fields"]["note-text"] == "half a thought"
    assert app.exit_notes and "kept a draft: a note on #1" in app.exit_notes[0]


async def test_ctrl_q_with_nothing_typed_quits_at_once(app_with_drafts) -> None:
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_incident("1")
        await settle(pilot)
        await press(pilot, "2", "a", "ctrl+q")
    assert app.return_code == 0 and not app.exit_notes


async def test_sigterm_keeps_the_open_draft_before_leaving(app_with_drafts, drafts) -> None:
    app = app_with_drafts(install_signal_handlers=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _note_editor_with_text(app, pilot, "written before the kill")
        os.kill(os.getpid(), signal.SIGTERM)
        await pilot.pause(0.2)
    app.cancel_hangup_watchdog()
    assert app.return_code == 143
    saved = on_disk(drafts, Place("note", "1"))
    assert saved is not None and saved["fields"]["note-text"] == "written before the kill"


async def test_escape_with_typed_text_asks_and_discarding_removes_the_draft(
    app_with_drafts, drafts
) -> None:
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _note_editor_with_text(app, pilot, "never mind")
        editor.keep_draft()
        assert on_disk(drafts, Place("note", "1")) is not None
        await press(pilot, "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert not isinstance(app.screen, NoteEditor | ConfirmDialog)
    assert on_disk(drafts, Place("note", "1")) is None


async def test_a_damaged_draft_file_is_set_aside_and_the_console_starts(
    app_with_drafts, drafts
) -> None:
    drafts.folder.mkdir(parents=True)
    bad = drafts.folder / "note-1-deadbeef0000.json"
    bad.write_text("{ this is not json")
    app = app_with_drafts()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any("set aside" in text and "unreadable" in text for text in messages), messages
    assert not bad.exists()
    assert [p.name for p in drafts.folder.iterdir() if ".unreadable-" in p.name]
