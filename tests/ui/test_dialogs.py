"""The reusable dialogs: what they return, inline validation, and keeping typed text
when the backend refuses."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import Input, OptionList, TextArea

from incident_tui.errors import InvalidArgument
from incident_tui.ui.dialogs import (
    Choice,
    ChoicePicker,
    ConfirmDialog,
    NoteEditor,
    SummaryEditor,
    TextPrompt,
)

_UNSET = object()


class DialogHarness(App[None]):
    """Pushes one dialog on mount and records what it returned."""

    def __init__(self, dialog: Any) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: Any = _UNSET

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, result: Any) -> None:
        self.result = result


async def test_confirm_dialog_y_returns_true() -> None:
    app = DialogHarness(ConfirmDialog("Resolve?", "Resolve INC-1?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("y")
        await pilot.pause()
    assert app.result is True


async def test_confirm_dialog_escape_and_n_return_false() -> None:
    for key in ("escape", "n"):
        app = DialogHarness(ConfirmDialog("Delete?", danger=True))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(key)
            await pilot.pause()
        assert app.result is False, key


async def test_confirm_dialog_danger_focuses_no_so_enter_cancels() -> None:
    app = DialogHarness(ConfirmDialog("Delete?", danger=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
    assert app.result is False


async def test_confirm_dialog_shows_backend_refusal_and_stays_open() -> None:
    calls: list[bool] = []

    async def refuse(value: bool) -> None:
        calls.append(value)
        raise InvalidArgument("incident is locked")

    dialog = ConfirmDialog("Resolve?", submit=refuse)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog
        assert "incident is locked" in dialog.error_text
    assert calls == [True]
    assert app.result is _UNSET


async def test_text_prompt_returns_stripped_text() -> None:
    app = DialogHarness(TextPrompt("Title", "old"))
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.screen
        prompt.query_one(Input).value = ""
        await pilot.press(*"  new title ")
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == "new title"


async def test_text_prompt_validates_inline_and_refuses_empty() -> None:
    dialog = TextPrompt("Title", "x")
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("backspace")
        await pilot.pause()
        assert "empty" in dialog.error_text
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("y")
        await pilot.pause()
        assert dialog.error_text == ""
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == "y"


async def test_text_prompt_custom_parser_converts_value() -> None:
    def parse(text: str) -> int:
        if not text.isdigit():
            raise ValueError("digits only")
        return int(text)

    dialog = TextPrompt("Number", parse=parse)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert "digits only" in dialog.error_text
        await pilot.press("backspace", "4", "2", "enter")
        await pilot.pause()
    assert app.result == 42


async def test_text_prompt_keeps_text_when_backend_refuses_then_accepts() -> None:
    seen: list[str] = []

    async def submit(value: str) -> None:
        seen.append(value)
        if value == "bad":
            raise InvalidArgument("title is not allowed")

    dialog = TextPrompt("Title", submit=submit)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"bad", "enter")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.text == "bad"
        assert "not allowed" in dialog.error_text
        await pilot.press("backspace", "backspace", "backspace", *"good", "enter")
        await pilot.pause()
    assert seen == ["bad", "good"]
    assert app.result == "good"


async def test_text_prompt_escape_returns_none() -> None:
    app = DialogHarness(TextPrompt("Title", "keep"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_text_prompt_shows_markup_in_error_literally() -> None:
    async def refuse(value: str) -> None:
        raise InvalidArgument("[bold]nope[/] \x1b[31mred")

    dialog = TextPrompt("Title", submit=refuse)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("z", "enter")
        await pilot.pause()
        assert "[bold]nope[/]" in dialog.error_text
        assert "\x1b" not in dialog.error_text


async def test_note_editor_ctrl_s_saves_multiline_text() -> None:
    app = DialogHarness(NoteEditor("Note"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"first", "enter", *"second")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == "first\nsecond"


async def test_note_editor_refuses_empty_note() -> None:
    dialog = NoteEditor("Note")
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert "empty" in dialog.error_text


async def test_note_editor_escape_with_changes_asks_before_discarding() -> None:
    dialog = NoteEditor("Note", "draft")
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.query_one(TextArea).text == "draftx"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.result is None


async def test_note_editor_keeps_text_when_backend_refuses() -> None:
    async def refuse(value: str) -> None:
        raise InvalidArgument("note too long")

    dialog = NoteEditor("Note", submit=refuse)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"keep me", "ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.text == "keep me"
        assert "note too long" in dialog.error_text


SEVERITIES = [
    Choice("critical", "critical"),
    Choice("major", "major", current=True),
    Choice("minor", "minor"),
    Choice("pending", "pending"),
]


async def test_choice_picker_starts_on_current_and_picks_with_keys() -> None:
    app = DialogHarness(ChoicePicker("Severity", SEVERITIES))
    async with app.run_test(size=(80, 24)) as pilot:
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 1
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.result == "minor"


async def test_choice_picker_filters_and_picks_match() -> None:
    people = [Choice("Alice Example", "alice"), Choice("Bob Builder", "bob")]
    app = DialogHarness(ChoicePicker("Assign", people, free_text=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"bui", "enter")
        await pilot.pause()
    assert app.result == "bob"


async def test_choice_picker_free_text_used_when_nothing_matches() -> None:
    people = [Choice("Alice Example", "alice")]
    app = DialogHarness(ChoicePicker("Assign", people, free_text=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"carol", "enter")
        await pilot.pause()
    assert app.result == "carol"


async def test_choice_picker_free_text_offered_below_partial_matches() -> None:
    people = [Choice("Alice Example", "alice")]
    app = DialogHarness(ChoicePicker("Assign", people, free_text=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"ali", "down", "enter")
        await pilot.pause()
    assert app.result == "ali"


async def test_choice_picker_shows_labels_literally() -> None:
    people = [Choice("[@click=app.quit]x[/]", "evil")]
    app = DialogHarness(ChoicePicker("Assign", people))
    async with app.run_test(size=(80, 24)) as pilot:
        options = app.screen.query_one(OptionList)
        prompt = options.get_option_at_index(0).prompt
        assert "[@click=app.quit]x[/]" in str(prompt)
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == "evil"


async def test_choice_picker_keeps_filter_text_when_backend_refuses() -> None:
    async def refuse(value: str) -> None:
        raise InvalidArgument(f"unknown user {value}")

    dialog = ChoicePicker("Assign", [], free_text=True, submit=refuse)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"zed", "enter")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.typed == "zed"
        assert "unknown user zed" in dialog.error_text


async def test_choice_picker_without_filter_moves_with_j_and_k() -> None:
    app = DialogHarness(ChoicePicker("Severity", SEVERITIES))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "k", "enter")
        await pilot.pause()
    assert app.result == "minor"


async def test_choice_picker_with_filter_lets_j_and_k_be_typed() -> None:
    people = [Choice("Jack Kerouac", "jk"), Choice("Alice Example", "alice")]
    app = DialogHarness(ChoicePicker("Assign", people, free_text=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "k")
        await pilot.pause()
        assert app.screen.typed == "jk"
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == "jk"


def _raw_escape_on_screen(app: App[Any]) -> bool:
    """Whether any drawn cell would send an ESC (or another C0 control) to the terminal."""
    return any(ch < " " for strip in app.screen._compositor.render_strips() for ch in strip.text)


async def test_note_editor_never_draws_a_stored_escape_sequence() -> None:
    stored = "before \x1b]0;owned\x07\x1b[31mred\nline two"
    dialog = NoteEditor("Edit note", stored)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not _raw_escape_on_screen(app)
        assert "line two" in dialog.text
        await pilot.press("escape")  # unchanged: closes without asking
        await pilot.pause()
    assert app.result is None


async def test_summary_editor_never_draws_a_stored_escape_sequence() -> None:
    """A summary from a remote holding escape sequences opens cleaned, and saving it
    untouched writes nothing (the cleaned stand-ins are not taken as a change)."""
    stored = "ok \x1b]0;owned\x07 \x1b[31mred\nline two"
    submitted: list[str] = []

    async def submit(text: str) -> None:
        submitted.append(text)

    dialog = SummaryEditor("Summary", stored, submit=submit)
    app = DialogHarness(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not _raw_escape_on_screen(app)
        assert "\x1b" not in dialog.text and "line two" in dialog.text
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result is None and submitted == []


async def test_pasted_escape_sequences_are_cleaned_in_every_text_field() -> None:
    from textual import events

    paste = "x\x1b[31mred\x1b]0;owned\x07y"
    for dialog, selector in (
        (NoteEditor("Add note"), "#note-text"),
        (TextPrompt("Title"), "#prompt-input"),
        (ChoicePicker("Who", [Choice("Alice", "alice")], free_text=True), "#picker-input"),
    ):
        app = DialogHarness(dialog)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            field = app.screen.query_one(selector)
            field.post_message(events.Paste(paste))
            await pilot.pause()
            value = field.text if isinstance(field, TextArea) else field.value
            assert "\x1b" not in value and "\x07" not in value, (selector, value)
            assert value.startswith("x") and value.endswith("y"), (selector, value)
            assert value.count("x") == 1, (selector, value)  # pasted once
            assert not _raw_escape_on_screen(app), selector
