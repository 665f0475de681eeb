"""Redaction mode (``--redact``, ``:redact``, ``redact = true``): on the demo store, no demo
person's name, no email, no IP address and no configured customer name appears on any
screen, toast or export; the header says REDACTED; turning it off shows them again."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.config import Config, ContextConfig, UserConfig
from incident_tui.demo import CAST, fill_demo
from incident_tui.redact import Redactor
from incident_tui.text import clean, set_redactor
from incident_tui.ui.headless import settle

from .conftest import FIXED_NOW
from .incident_support import notifications, press, screen_text, type_text

DEMO_NOW = datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)
SECRET_NOTE = (
    "Globex Corporation reports failures from 203.0.113.77 and 2001:db8::17; "
    "contact ops@globex.example or Chen Wei directly. amara.okafor@example.com is paged."
)
SECRET_TITLE = "Globex checkout failing from 198.51.100.23"
FORBIDDEN_PATTERNS = [
    r"globex",
    r"203\.0\.113\.77",
    r"198\.51\.100\.23",
    r"2001:db8::17",
    r"@",
]


@pytest.fixture(autouse=True)
def no_redactor_left() -> Iterator[None]:
    yield
    set_redactor(None)  # a failing test never leaves the process masking


@pytest.fixture
async def demo(tmp_path: Path):
    from incident_tui.backends.sqlite import SqliteBackend

    path = tmp_path / "demo.db"
    await fill_demo(path, count=12, seed=7, now=DEMO_NOW)
    backend = await SqliteBackend.open(path, CAST[0])
    made = await backend.create_incident(
        m.CreateIncidentRequest(title=SECRET_TITLE, severity="major")
    )
    incident_id = made.incident.incident_id
    await backend.add_activity(
        m.AddActivityRequest(incident_id=incident_id, activity_kind="userNote", body=SECRET_NOTE)
    )
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=incident_id, user_id="chen.wei", role="commander")
    )
    await backend.add_task(
        m.AddTaskRequest(
            incident_id=incident_id,
            text="Call Globex about 203.0.113.77",
            assign_to_user_id="grace",
        )
    )
    yield backend, incident_id
    await backend.close()


def config(**context: Any) -> Config:
    return Config(
        user=UserConfig(id="amara", name="Amara Okafor", email="amara.okafor@example.com"),
        contexts={"local": ContextConfig(name="local", redact_patterns=["globex"], **context)},
    )


def make(backend: Any, **kwargs: Any) -> Any:
    from incident_tui.ui.app import IncidentApp

    kwargs.setdefault("config", config())
    return IncidentApp(
        backend,
        context_name="local",
        user=CAST[0],
        now=FIXED_NOW,
        poll_interval=3600,
        install_signal_handlers=False,
        **kwargs,
    )


def leaks(text: str) -> list[str]:
    found = [p.name for p in CAST if p.name.casefold() in text.casefold()]
    found += [p for p in FORBIDDEN_PATTERNS if re.search(p, text, re.IGNORECASE)]
    return found


async def everything_on_screen(app: Any, pilot: Any, incident_id: str, tmp_path: Path) -> str:
    """The list, every tab of a few incidents, the palette, the help, the toasts, an export."""
    seen = [screen_text(pilot)]
    for ref in (incident_id, "1", "2"):
        app.open_incident(ref)
        await settle(pilot)
        for tab in "1234":
            await press(pilot, tab)
            seen.append(screen_text(pilot))
        await press(pilot, "2", "enter")  # the whole timeline item under the cursor
        seen.append(screen_text(pilot))
        await press(pilot, "escape")
        await press(pilot, "escape")
    app.open_incident(incident_id)
    await settle(pilot)
    export = tmp_path / "pm.md"
    await press(pilot, "X", "ctrl+u")
    await type_text(pilot, str(export))
    await press(pilot, "enter")
    await settle(pilot)
    seen.append(screen_text(pilot))
    await press(pilot, "escape")
    await press(pilot, "ctrl+p")
    await type_text(pilot, "checkout")
    await settle(pilot)
    seen.append(screen_text(pilot))
    await press(pilot, "escape")
    await press(pilot, "question_mark")
    seen.append(screen_text(pilot))
    await press(pilot, "escape")
    seen += notifications(app)
    seen.append(export.read_text(encoding="utf-8"))
    return "\n".join(seen)


async def test_redact_masks_every_screen_toast_and_export(demo, tmp_path: Path) -> None:
    backend, incident_id = demo
    app = make(backend, redact=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = screen_text(pilot)
        assert "REDACTED" in home
        assert "person " in home  # commanders shown as pseudonyms
        app.notify(f"Handed over to Grace Kim at {SECRET_TITLE}", markup=False)
        await settle(pilot)
        text = await everything_on_screen(app, pilot, incident_id, tmp_path)
    assert leaks(text) == [], leaks(text)
    assert "Redacted: people are shown as pseudonyms" in (tmp_path / "pm.md").read_text()
    assert "▒▒▒" in text and "person " in text


async def test_the_context_setting_turns_it_on_and_redact_toggles_with_an_immediate_redraw(
    demo, tmp_path: Path
) -> None:
    backend, incident_id = demo
    app = make(backend, config=config(redact=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(incident_id)
        await settle(pilot)
        await press(pilot, "4")
        redacted = screen_text(pilot)
        assert "REDACTED" in redacted and not leaks(redacted), leaks(redacted)
        await press(pilot, "colon")
        await type_text(pilot, "redact")
        await press(pilot, "enter")
        await settle(pilot)
        shown = screen_text(pilot)
        assert "REDACTED" not in shown
        assert "Chen Wei" in shown and "Globex" in shown
        assert not app.redacting and clean("Chen Wei") == "Chen Wei"
        await press(pilot, "colon")
        await type_text(pilot, "redact")
        await press(pilot, "enter")
        await settle(pilot)
        again = screen_text(pilot)
        assert "REDACTED" in again and not leaks(again), leaks(again)
        # the same pseudonym as before the toggle: stable for the run
        assert _commander(redacted) == _commander(again) != ""
    assert clean("Chen Wei") == "Chen Wei"  # the console's exit took the masking away


def _commander(screen: str) -> str:
    match = re.search(r"commander\s+(person \d+)", screen)
    return match.group(1) if match else ""


def test_redactor_pseudonyms_are_stable_and_patterns_masked() -> None:
    redactor = Redactor(["acme( corp)?"])
    first = redactor.learn("amara", "Amara Okafor")
    second = redactor.learn("bjorn", "Bjørn Lindqvist", "bjorn@example.com")
    assert (first, second) == ("person 1", "person 2")
    assert redactor.learn("amara") == "person 1"
    assert redactor.apply("amara") == "person 1"  # an id shown alone
    assert redactor.apply("BJØRN LINDQVIST paged amara okafor") == "person 2 paged person 1"
    assert redactor.apply("Acme Corp at 10.0.0.1, bjorn@example.com") == "▒▒▒ at ▒▒▒, person 2"
    assert redactor.learn("grace", "grace") == "person 3"  # an id as its only name
    assert redactor.apply("grace") == "person 3"
    assert redactor.apply("grace period for amaranth") == "grace period for amaranth"
    started = time.perf_counter()
    assert redactor.apply("v2.8.1 rolled back") == "v2.8.1 rolled back"  # not an IP
    assert time.perf_counter() - started < 5  # (a sanity bound, not a benchmark)


def test_bad_redact_pattern_is_one_clear_config_message(tmp_path: Path) -> None:
    from incident_tui.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text('[contexts.share]\nredact_patterns = ["(unclosed"]\n')
    with pytest.raises(ConfigError, match=r"contexts\.share\.redact_patterns: '\(unclosed'"):
        load_config(path)


@pytest.fixture
def snapshot_store(tmp_path: Path) -> Iterator[Any]:
    import asyncio

    from .conftest import open_store, seed_incidents

    path = tmp_path / "snap.db"

    async def build() -> None:
        backend = open_store(path)
        try:
            await seed_incidents(backend)
            await backend.create_incident(
                m.CreateIncidentRequest(title=SECRET_TITLE, severity="major")
            )
        finally:
            await backend.close()

    asyncio.run(build())
    backend = open_store(path)
    yield backend
    asyncio.run(backend.close())


def test_snapshot_of_the_list_in_redaction_mode(snap_compare, snapshot_store, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    app = make(snapshot_store, redact=True, config=config())

    async def run_before(pilot: Any) -> None:
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)
    finally:
        monkeypatch.undo()
        time.tzset()


async def test_the_palette_turns_redaction_on_and_off(demo) -> None:
    """``Redaction on/off`` is a registry command offered by the palette (no key: a stray
    key press must not unmask a shared screen); help lists keys, so not it."""
    backend, incident_id = demo
    app = make(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Chen Wei" in screen_text(pilot) and "REDACTED" not in screen_text(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "redaction")
        await settle(pilot)
        offered = screen_text(pilot)
        assert "Everywhere: Redaction on/off" in offered
        await press(pilot, "enter")
        await settle(pilot)
        assert app.redacting
        home = screen_text(pilot)
        assert "REDACTED" in home and not leaks(home), leaks(home)
        await press(pilot, "question_mark")
        from incident_tui.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)  # help is open: the command is not in it
        assert "Redaction mode on or off" not in screen_text(pilot)
        await press(pilot, "escape")
        await press(pilot, "ctrl+p")
        await type_text(pilot, "redaction")
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        assert not app.redacting
        assert "Chen Wei" in screen_text(pilot) and "REDACTED" not in screen_text(pilot)


async def test_a_prefilled_dialog_shows_nothing_redaction_masks_and_keeps_the_text(
    demo,
) -> None:
    """Edit title while redacting: the field holding the customer's name and an IP is
    shown empty with a note (nothing of it on screen); submitted untouched, the stored
    title is the real one, never its masked form; ctrl+r puts it back to edit."""
    from textual.widgets import Input

    from incident_tui.ui.dialogs import TextPrompt

    backend, incident_id = demo
    app = make(backend, redact=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(incident_id)
        await settle(pilot)
        await press(pilot, "e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TextPrompt)
        shown = screen_text(pilot)
        assert leaks(shown) == [], leaks(shown)
        assert "hidden while redacting" in shown and "ctrl+r" in shown
        assert dialog.query_one(Input).value == ""
        await press(pilot, "ctrl+r")  # on purpose: the text comes back to edit
        assert dialog.query_one(Input).value == SECRET_TITLE
        assert "Globex" in screen_text(pilot)
        await press(pilot, "escape")
        await settle(pilot)
        await press(pilot, "e")
        await settle(pilot)
        assert leaks(screen_text(pilot)) == []
        await press(pilot, "enter")  # untouched: saved as it was
        await settle(pilot)
        assert not isinstance(app.screen, TextPrompt)
    stored = (await backend.get_incident(m.GetIncidentRequest(incident_id=incident_id))).incident
    assert stored.title == SECRET_TITLE


async def test_a_draft_brought_back_while_redacting_is_hidden_and_saved_as_typed(
    demo, tmp_path: Path
) -> None:
    """A kept draft of a note edit, reopened at start in redaction mode: hidden (no name,
    email or pattern on screen), the draft file keeps the real text, and ctrl+s saves
    the real text."""
    from incident_tui.drafts import Draft, DraftStore, Place
    from incident_tui.ui.dialogs import NoteEditor

    backend, incident_id = demo
    items = (
        await backend.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident_id, limit=50))
        )
    ).activity_items
    note = next(i for i in items if i.body == SECRET_NOTE)
    typed = SECRET_NOTE + "\nCalled Globex back at 03:10."
    drafts = DraftStore.for_context("local", "test", root=tmp_path / "drafts")
    place = Place("note-edit", incident_id, note.activity_item_id)
    drafts.put(Draft(place=place, fields={"note-text": typed}, title="earlier"))
    drafts.flush()
    app = make(backend, redact=True, drafts_for=lambda name: drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(100):
            if isinstance(app.screen, NoteEditor):
                break
            await pilot.pause(0.05)
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        shown = screen_text(pilot)
        assert leaks(shown) == [], leaks(shown)
        assert "hidden while redacting" in shown
        assert editor.text == typed  # what it stands for: the real text
        editor.keep_draft()
        drafts.flush()
        assert drafts.get(place).fields["note-text"] == typed  # never the masked form
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
    items = (
        await backend.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident_id, limit=50))
        )
    ).activity_items
    assert next(i for i in items if i.activity_item_id == note.activity_item_id).body == typed


async def test_typing_over_a_hidden_field_saves_what_was_typed_and_a_paste_is_not_masked(
    demo,
) -> None:
    """A hidden field typed into is replaced by exactly what is on screen; text pasted
    into a dialog is saved as pasted (a masked paste would store ``▒▒▒``)."""
    from textual import events

    from incident_tui.ui.dialogs import NoteEditor, TextPrompt

    backend, incident_id = demo
    app = make(backend, redact=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(incident_id)
        await settle(pilot)
        await press(pilot, "e")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await type_text(pilot, "Checkout failing for one customer")
        await press(pilot, "enter")
        await settle(pilot)
        await press(pilot, "2", "a")  # a new note on the timeline
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert editor.focused is not None
        editor.focused.post_message(events.Paste("mail ops@globex.example about 203.0.113.77"))
        await settle(pilot)
        assert editor.text == "mail ops@globex.example about 203.0.113.77"  # not ▒▒▒
        await press(pilot, "ctrl+s")
        await settle(pilot)
    stored = (await backend.get_incident(m.GetIncidentRequest(incident_id=incident_id))).incident
    assert stored.title == "Checkout failing for one customer"
    items = (
        await backend.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident_id, limit=50))
        )
    ).activity_items
    assert any(i.body == "mail ops@globex.example about 203.0.113.77" for i in items)


async def test_redaction_turned_on_over_an_open_dialog_hides_its_field_and_off_gives_it_back(
    demo,
) -> None:
    from textual.widgets import Input

    from incident_tui.ui.dialogs import TextPrompt

    backend, incident_id = demo
    app = make(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(incident_id)
        await settle(pilot)
        await press(pilot, "e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TextPrompt)
        assert dialog.query_one(Input).value == SECRET_TITLE
        app.set_redaction(True)
        await settle(pilot)
        shown = screen_text(pilot)
        assert leaks(shown) == [], leaks(shown)
        assert dialog.query_one(Input).value == "" and dialog.text == SECRET_TITLE
        app.set_redaction(False)
        await settle(pilot)
        assert dialog.query_one(Input).value == SECRET_TITLE
        assert "hidden while redacting" not in screen_text(pilot)
