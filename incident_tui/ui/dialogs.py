"""Reusable modal dialogs: confirm, one-line prompt, note editor, choice picker.

Every dialog can take a ``submit`` coroutine function. When given, the dialog
runs it in a worker after the person confirms, shows "saving…" meanwhile, and
closes only when it succeeds; when the backend refuses (``BackendError``) the
message is shown inside the dialog and what the person typed stays there to be
fixed. Without ``submit`` the dialog simply returns the value.

A dialog given a draft ``Place`` keeps what is typed in it as a draft (see
``incident_tui.drafts``): within ``DRAFT_DELAY`` of a change the fields go to the
store, off the event loop; opened again at the same place, the dialog comes back
with the draft's text, cursor and focused field. The draft goes only when the
write succeeded or the person threw the text away (esc asks first).

All text that may come from a backend (labels, names, messages) is shown through
``incident_tui.text.clean`` inside ``Content`` objects, never as markup.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from incident_tui.drafts import Draft, DraftStore, FieldValue, Place
from incident_tui.errors import BackendError
from incident_tui.text import clean
from incident_tui.ui.commands import Command, bindings

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Called with the dialog's value; raises ``BackendError`` to refuse it.
Submit = Callable[[Any], Awaitable[object]]
#: Turns typed text into a value, raising ``ValueError(message)`` when it is not acceptable.
Parser = Callable[[str], Any]

#: Seconds from a change to its draft being handed to the writer (changes meanwhile ride
#: along, so a steady typist is written every DRAFT_DELAY, never once per key).
DRAFT_DELAY = 0.5


class FieldChanged(Message):
    """A custom field (one with a ``draft_value``) changed: drafts listen for it."""


def field_value(widget: Widget) -> FieldValue:
    """What a field holds, exactly as typed."""
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Checkbox):
        return widget.value
    return widget.draft_value  # type: ignore[attr-defined]


def set_field_value(widget: Widget, value: FieldValue) -> None:
    """Put a draft's value back, cleaned: a TextArea or Input draws its text raw."""
    if isinstance(widget, Input) and isinstance(value, str):
        widget.value = clean(value, masked=False)  # hidden at once while redacting
    elif isinstance(widget, TextArea) and isinstance(value, str):
        widget.load_text(clean(value, multiline=True, masked=False))
    elif isinstance(widget, Checkbox) and isinstance(value, bool):
        widget.value = value
    elif hasattr(widget, "draft_value"):
        try:
            widget.draft_value = value
        except ValueError:
            log.debug("draft value %r refused by %r", value, widget)


def field_cursor(widget: Widget) -> list[int] | None:
    if isinstance(widget, Input):
        return [widget.cursor_position]
    if isinstance(widget, TextArea):
        return list(widget.cursor_location)
    return None


def set_field_cursor(widget: Widget, cursor: list[int]) -> None:
    if isinstance(widget, Input) and len(cursor) == 1:
        widget.cursor_position = min(cursor[0], len(widget.value))
    elif isinstance(widget, TextArea) and len(cursor) == 2:
        document = widget.document
        row = min(cursor[0], document.line_count - 1)
        column = min(cursor[1], len(document.get_line(row)))
        widget.move_cursor((row, column))


def plain(text: str, style: str = "") -> Content:
    """Untrusted ``text`` as one styled line of ``Content`` (never parsed as markup)."""
    return Content.styled(clean(text), style) if style else Content(clean(text))


def required_text(text: str) -> str:
    """The default parser: the stripped text, refusing an empty one."""
    value = text.strip()
    if not value:
        raise ValueError("This cannot be empty.")
    return value


class SafeInput(Input):
    """An ``Input`` whose pasted text is cleaned: a pasted escape sequence would
    otherwise be drawn raw, reaching the terminal (colours, window title...)."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # the base handler would insert the raw text
        event.stop()
        if event.text:
            # Not masked: what is pasted is saved, and a masked form would replace it.
            line = clean(
                event.text.splitlines()[0] if event.text.splitlines() else "", masked=False
            )
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(line)
            else:
                self.replace(line, *selection)


class SafeTextArea(TextArea):
    """A ``TextArea`` whose pasted text is cleaned (newlines kept), like ``SafeInput``."""

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        if self.read_only or not event.text:
            return
        result = self.replace(clean(event.text, multiline=True, masked=False), *self.selection)
        self.move_cursor(result.end_location)
        self.focus()


#: Redaction mode: what a field hidden because of what it holds says.
HIDDEN_PLACEHOLDER = "hidden while redacting (ctrl+r to reveal)"
HIDDEN_NOTE = "Text hidden while redacting: left empty it stays as it is; ctrl+r shows it to edit."
REVEAL_COMMAND = Command(
    "dialog.reveal",
    "ctrl+r",
    "reveal_hidden",
    "Reveal",
    "Show text hidden while redacting, to edit it",
    "Dialogs",
    show=False,
    palette=False,
)


class Dialog(ModalScreen[T | None], Generic[T]):
    """Base of the dialogs: a titled box, an inline error line, and backend submission."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }
    Dialog > #dialog-box {
        width: 72;
        max-width: 96%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $panel;
        padding: 0 1;
    }
    Dialog #dialog-title {
        text-style: bold;
        width: 1fr;
        margin-bottom: 1;
    }
    Dialog .dialog-hint {
        color: $text-muted;
        height: auto;
    }
    Dialog #dialog-error {
        color: $text-error;
        height: auto;
        display: none;
    }
    Dialog #dialog-error.visible {
        display: block;
    }
    Dialog #dialog-busy {
        color: $text-warning;
        height: 1;
        display: none;
    }
    Dialog.busy #dialog-busy {
        display: block;
    }
    Dialog #dialog-draft {
        color: $text-warning;
        height: auto;
        display: none;
    }
    Dialog #dialog-draft.visible {
        display: block;
    }
    Dialog #dialog-hidden {
        color: $text-warning;
        height: auto;
        display: none;
    }
    Dialog #dialog-hidden.visible {
        display: block;
    }
    """

    BINDINGS = bindings(
        (
            Command(
                "dialog.cancel", "escape", "cancel", "Cancel", "Cancel", "Dialogs", palette=False
            ),
            REVEAL_COMMAND,
        )
    )

    #: Ask before esc throws typed text away, even with no draft place (the note editor).
    ASK_BEFORE_DISCARD: ClassVar[bool] = False

    def __init__(
        self, title: str, *, submit: Submit | None = None, draft: Place | None = None
    ) -> None:
        super().__init__()
        self.dialog_title = title
        self._submit = submit
        self.busy = False
        #: Where this dialog's draft belongs (None: no draft is kept).
        self.draft_place = draft
        #: The draft this dialog was opened with, if one was kept.
        self.restored: Draft | None = None
        self._initial: dict[str, FieldValue] = {}
        #: The fields as a restored draft filled them: unchanged, the file is not rewritten
        #: (it keeps what was typed; the fields show it cleaned).
        self._as_restored: dict[str, FieldValue] | None = None
        self._draft_timer: Timer | None = None
        self._draft_kept = False  # the store holds a draft for this place
        self._draft_over = False  # saved or thrown away: nothing more to keep
        #: Redaction mode: the text of fields shown empty because it holds what the
        #: console masks (field id -> the text). Left empty, a field keeps this text.
        self._hidden: dict[str, str] = {}

    def compose_title(self) -> ComposeResult:
        yield Static(plain(self.dialog_title), id="dialog-title")

    def compose_status(self) -> ComposeResult:
        yield Static(Content(""), id="dialog-hidden")
        yield Static(Content(""), id="dialog-draft")
        yield Static(Content(""), id="dialog-error")
        yield Static(Content("Saving…"), id="dialog-busy")

    # --- drafts -----------------------------------------------------------------

    @property
    def draft_store(self) -> DraftStore | None:
        from incident_tui.ui.access import running_console

        app = running_console(self)
        store = app.drafts if app is not None else None
        return store if isinstance(store, DraftStore) else None

    def draft_fields(self) -> dict[str, Widget]:
        """The fields a draft is made of: every text box and tick box with an id, and any
        widget offering a ``draft_value``."""
        return {
            widget.id: widget
            for widget in self.query("*")
            if widget.id
            and (isinstance(widget, Input | TextArea | Checkbox) or hasattr(widget, "draft_value"))
        }

    def field_values(self) -> dict[str, FieldValue]:
        return {name: self._value_of(name, widget) for name, widget in self.draft_fields().items()}

    def _value_of(self, name: str, widget: Widget) -> FieldValue:
        value = field_value(widget)
        return self._hidden[name] if name in self._hidden and value == "" else value

    def field_text(self, widget: Input | TextArea) -> str:
        """What a text field stands for: its text, or, for a field hidden while redacting
        and left empty, the text it held (never the masked form of it)."""
        value = widget.value if isinstance(widget, Input) else widget.text
        if widget.id and widget.id in self._hidden and value == "":
            return self._hidden[widget.id]
        return value

    @property
    def has_unsaved_text(self) -> bool:
        """Something was typed (or a draft restored) that is neither saved nor thrown away."""
        return bool(self._initial) and not self._draft_over and self.field_values() != self._initial

    def _on_mount(self, event: events.Mount) -> None:
        # Runs after a subclass's on_mount: its fields hold their starting values now.
        self._hide_redactable()
        self._initial = self.field_values()
        store = self.draft_store
        if self.draft_place is None or store is None:
            return
        draft = store.get(self.draft_place)
        if draft is not None:
            self.restore_draft(draft)

    def restore_draft(self, draft: Draft) -> None:
        """Fill the fields from ``draft``: values (cleaned), cursor, focused field."""
        fields = self.draft_fields()
        for name, value in draft.fields.items():
            if name in fields:
                self._hidden.pop(name, None)
                set_field_value(fields[name], value)
        self._hide_redactable()
        if draft.focus in fields and fields[draft.focus].focusable:
            self.set_focus(fields[draft.focus])
        for name, cursor in draft.cursor.items():
            if name in fields:
                # After the field's own Focus handling (an Input selects all on focus).
                fields[name].call_later(set_field_cursor, fields[name], cursor)
        self.restored = draft
        self._as_restored = self.field_values()
        self._draft_kept = True
        saved = draft.saved
        when = f" from {saved.strftime('%H:%M UTC')}" if saved else ""
        note = self.query_one("#dialog-draft", Static)
        note.update(Content(f"Draft{when} restored. esc then y throws it away."))
        note.add_class("visible")

    def _snapshot(self) -> Draft:
        assert self.draft_place is not None
        fields = self.draft_fields()
        cursors = {name: field_cursor(widget) for name, widget in fields.items()}
        return Draft(
            place=self.draft_place,
            fields={name: self._value_of(name, widget) for name, widget in fields.items()},
            base=dict(self._initial),
            cursor={name: cursor for name, cursor in cursors.items() if cursor is not None},
            focus=next((name for name, widget in fields.items() if widget.has_focus), ""),
            title=self.dialog_title,
        )

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(FieldChanged)
    def _field_changed(self) -> None:
        if self.draft_place is None or self._draft_over or self._draft_timer is not None:
            return
        if self.draft_store is not None and self._initial:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self.keep_draft)

    def keep_draft(self) -> bool:
        """Hand the fields to the store now; True when a draft is kept. Nothing typed
        (the fields as they opened) keeps nothing, and forgets an earlier draft."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        store = self.draft_store
        if self.draft_place is None or store is None or self._draft_over or not self._initial:
            return False
        if not self.is_mounted or not self.is_attached:
            return self._draft_kept
        snapshot = self._snapshot()
        if snapshot.fields == self._as_restored:
            return True  # nothing typed since the draft came back: the file stays as typed
        self._as_restored = None
        if snapshot.fields == self._initial:
            if self._draft_kept:
                store.discard(self.draft_place)
                self._draft_kept = False
            return False
        store.put(snapshot)
        self._draft_kept = True
        return True

    def end_draft(self) -> None:
        """The text was saved, or the person threw it away: its draft goes."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._draft_over = True
        store = self.draft_store
        if self.draft_place is not None and store is not None:
            if self._draft_kept or store.get(self.draft_place) is not None:
                store.discard(self.draft_place)
        self._draft_kept = False

    # --- redaction mode ---------------------------------------------------------

    def _redact(self) -> Callable[[str], str] | None:
        from incident_tui.ui.access import running_console

        app = running_console(self)
        redactor = app.redactor if app is not None else None
        return redactor.apply if redactor is not None else None

    def prefill(self, field_id: str, text: str, *, multiline: bool = False) -> str:
        """What the field ``field_id`` opens with: ``text`` cleaned but never masked (it
        is saved as it stands). While redacting, text the console would mask gives ""
        instead and is kept to stand for the field while it is left empty (called from
        ``compose``, so it is never drawn)."""
        value = clean(text, multiline=multiline, masked=False)
        redact = self._redact()
        if redact is not None and value and redact(value) != value:
            self._hidden[field_id] = value
            return ""
        return value

    def field_placeholder(self, field_id: str, placeholder: str = "") -> str:
        return HIDDEN_PLACEHOLDER if field_id in self._hidden else placeholder

    def _hide_redactable(self) -> None:
        """Redaction mode: a text field opened with text the console masks (a name, an
        email, an IP address, a configured pattern) is shown empty instead, with a note.

        Empty, not masked: the field shows exactly what would be saved if typed over, a
        masked form can never be saved by mistake, and nothing the masking misses (a
        name it has not learned) is on screen either. Left empty the field keeps its
        text; ``ctrl+r`` puts the text back to edit it (on screen, on purpose)."""
        redact = self._redact()
        if redact is None:
            self._show_hidden_note()  # fields hidden by ``prefill``, if any
            return
        for name, widget in self.draft_fields().items():
            if not isinstance(widget, Input | TextArea) or name in self._hidden:
                continue
            value = field_value(widget)
            if not isinstance(value, str) or not value or redact(value) == value:
                continue
            self._hidden[name] = value
            with self.prevent(Input.Changed, TextArea.Changed):
                if isinstance(widget, Input):
                    widget.value = ""
                else:
                    widget.load_text("")
            widget.placeholder = HIDDEN_PLACEHOLDER
        self._show_hidden_note()

    def _show_hidden_note(self) -> None:
        note = self.query_one("#dialog-hidden", Static)
        note.update(Content(HIDDEN_NOTE if self._hidden else ""))
        note.set_class(bool(self._hidden), "visible")

    def follow_redaction(self) -> None:
        """Redaction turned on or off while this dialog is open: hide or give back."""
        if self._redact() is not None:
            self._hide_redactable()
        elif self._hidden:
            self.action_reveal_hidden()

    def action_reveal_hidden(self) -> None:
        """Put the hidden text back into its (still empty) fields, to edit it."""
        fields = self.draft_fields()
        for name, value in list(self._hidden.items()):
            widget = fields.get(name)
            if isinstance(widget, Input | TextArea) and field_value(widget) == "":
                with self.prevent(Input.Changed, TextArea.Changed):
                    set_field_value(widget, value)
                if isinstance(widget, Input):
                    widget.cursor_position = len(widget.value)
                else:
                    widget.move_cursor(widget.document.end)
            if widget is not None and hasattr(widget, "placeholder"):
                widget.placeholder = ""
        self._hidden.clear()
        self._show_hidden_note()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal_hidden":
            return bool(self._hidden)  # the key and its footer entry only while text is hidden
        return super().check_action(action, parameters)

    # --- feedback -------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """Show ``message`` inside the dialog (cleaned, never markup)."""
        error = self.query_one("#dialog-error", Static)
        error.update(Content(clean(message, multiline=True)))
        error.set_class(bool(message), "visible")

    def clear_error(self) -> None:
        self.show_error("")

    @property
    def error_text(self) -> str:
        """The inline error currently shown ("" when none); handy for tests."""
        error = self.query_one("#dialog-error", Static)
        return str(error.render()) if error.has_class("visible") else ""

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.set_class(busy, "busy")

    # --- finishing ------------------------------------------------------------

    def finish(self, value: T) -> None:
        """Return ``value``: directly, or after ``submit`` accepted it."""
        if self.busy:
            return
        if self._submit is None:
            self.end_draft()
            self.dismiss(value)
            return
        self.clear_error()
        self._set_busy(True)
        self._run_submit(value)

    @work(exclusive=True, group="dialog-submit", exit_on_error=False)
    async def _run_submit(self, value: T) -> None:
        assert self._submit is not None
        try:
            await self._submit(value)
        except BackendError as error:
            self._set_busy(False)
            self.show_error(str(error) or "The backend refused this.")
            return
        except Exception as error:  # a bug must not lose what the person typed
            log.exception("dialog submit failed")
            self._set_busy(False)
            self.show_error(f"Unexpected error: {type(error).__name__}")
            return
        self._set_busy(False)
        self.end_draft()
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close; with typed text (or a restored draft) ask first, then throw it away."""
        if self.busy:
            return
        asks = self.ASK_BEFORE_DISCARD or self.draft_place is not None
        if not asks or not self.has_unsaved_text:
            self.end_draft()
            self.dismiss(None)
            return

        def discard(confirmed: bool | None) -> None:
            if confirmed:
                self.end_draft()
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog("Discard changes?", "What you typed will be lost.", danger=True),
            discard,
        )


# --- confirm ----------------------------------------------------------------


class ConfirmDialog(Dialog[bool]):
    """Ask yes or no. ``y`` confirms, ``n`` or ``esc`` cancels; ``danger`` focuses "No"."""

    DEFAULT_CSS = """
    ConfirmDialog #confirm-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    ConfirmDialog Button {
        margin-left: 2;
        min-width: 10;
    }
    """

    BINDINGS = bindings(
        (
            Command("dialog.yes", "y", "confirm", "Yes", "Yes", "Dialogs", palette=False),
            Command("dialog.no", "n", "cancel", "No", "No", "Dialogs", palette=False),
            Command(
                "dialog.switch",
                "left,right,h,l",
                "switch",
                "Switch",
                "Switch",
                "Dialogs",
                show=False,
                palette=False,
            ),
        )
    )

    def __init__(
        self,
        title: str,
        question: str | Content = "",
        *,
        yes: str = "Yes",
        no: str = "No",
        danger: bool = False,
        submit: Submit | None = None,
    ) -> None:
        super().__init__(title, submit=submit)
        self.question = question
        self.yes_label = yes
        self.no_label = no
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            if self.question:
                question = (
                    self.question
                    if isinstance(self.question, Content)
                    else Content(clean(self.question, multiline=True))
                )
                yield Static(question, id="confirm-question")
            yield from self.compose_status()
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    Content(f"{self.yes_label} (y)"),
                    id="confirm-yes",
                    variant="error" if self.danger else "primary",
                )
                yield Button(Content(f"{self.no_label} (n)"), id="confirm-no")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#confirm-no" if self.danger else "#confirm-yes", Button))

    @on(Button.Pressed, "#confirm-yes")
    def action_confirm(self) -> None:
        self.finish(True)

    @on(Button.Pressed, "#confirm-no")
    def _pressed_no(self) -> None:
        self.action_cancel()

    def action_switch(self) -> None:
        yes = self.query_one("#confirm-yes", Button)
        no = self.query_one("#confirm-no", Button)
        (no if yes.has_focus else yes).focus()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(False)


# --- one-line prompt ----------------------------------------------------------


class TextPrompt(Dialog[Any]):
    """Ask for one line. ``parse`` validates as the person types and turns the text
    into the returned value; a refusal (local or from the backend) keeps the text."""

    DEFAULT_CSS = """
    TextPrompt Input {
        margin-bottom: 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        placeholder: str = "",
        hint: str = "",
        parse: Parser = required_text,
        submit: Submit | None = None,
        draft: Place | None = None,
    ) -> None:
        super().__init__(title, submit=submit, draft=draft)
        self.initial = value
        self.placeholder = placeholder
        self._opened_with = ""
        self.hint = hint
        self.parse = parse
        self._edited = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            self._opened_with = self.prefill("prompt-input", self.initial)
            yield SafeInput(
                self._opened_with,
                placeholder=self.field_placeholder("prompt-input", self.placeholder),
                id="prompt-input",
                select_on_focus=False,
            )
            if self.hint:
                yield Static(plain(self.hint), classes="dialog-hint")
            yield from self.compose_status()
            yield Static(Content("enter save · esc cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    @property
    def text(self) -> str:
        return self.field_text(self.query_one("#prompt-input", Input))

    @on(Input.Changed, "#prompt-input")
    def _validate_inline(self, event: Input.Changed) -> None:
        if event.value == self._opened_with and not self._edited:
            return
        self._edited = True
        try:
            self.parse(self.text)
        except ValueError as error:
            self.show_error(str(error))
        else:
            self.clear_error()

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = self.parse(self.text)
        except ValueError as error:
            self.show_error(str(error))
            return
        self.finish(value)


# --- multi-line note editor -----------------------------------------------------


class NoteEditor(Dialog[str]):
    """Write or edit a multi-line note. ``ctrl+s`` saves; ``esc`` asks before
    throwing away changes."""

    DEFAULT_CSS = """
    NoteEditor > #dialog-box {
        width: 90%;
        max-width: 120;
    }
    NoteEditor TextArea {
        height: 12;
        max-height: 60vh;
    }
    """

    BINDINGS = bindings(
        (
            Command(
                "dialog.save",
                "ctrl+s",
                "save",
                "Save",
                "Save",
                "Dialogs",
                priority=True,
                palette=False,
            ),
            Command(
                "dialog.cancel", "escape", "cancel", "Cancel", "Cancel", "Dialogs", palette=False
            ),
        )
    )
    ASK_BEFORE_DISCARD = True

    def __init__(
        self,
        title: str,
        text: str = "",
        *,
        submit: Submit | None = None,
        draft: Place | None = None,
    ) -> None:
        super().__init__(title, submit=submit, draft=draft)
        # Cleaned (in ``prefill``): a TextArea draws its text raw, so a stored escape
        # sequence would reach the terminal. Saving an edited note therefore stores the
        # visible stand-ins.
        self.initial = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            area = SafeTextArea(
                self.prefill("note-text", self.initial, multiline=True),
                id="note-text",
                soft_wrap=True,
                tab_behavior="focus",
            )
            area.placeholder = self.field_placeholder("note-text")
            yield area
            yield from self.compose_status()
            yield Static(Content(self.hint()), id="note-hint", classes="dialog-hint")

    def hint(self) -> str:
        return "ctrl+s save · esc cancel"

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        self.set_focus(area)
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.field_text(self.query_one("#note-text", TextArea))

    def action_save(self) -> None:
        text = self.text
        if not text.strip():
            self.show_error("The note is empty.")
            return
        self.finish(text)


class SummaryEditor(NoteEditor):
    """Edit an incident's summary, several lines, prefilled with the current one. Unlike
    a note it may be emptied (that clears the summary); saved unchanged, it just closes."""

    def hint(self) -> str:
        if "note-text" in self._hidden:  # left empty it stays: clearing needs it shown
            return "ctrl+s save · ctrl+r reveal (to edit or clear) · esc cancel"
        return "ctrl+s save (empty clears the summary) · esc cancel"

    def _show_hidden_note(self) -> None:
        super()._show_hidden_note()
        self.query_one("#note-hint", Static).update(Content(self.hint()))

    def action_save(self) -> None:
        text = self.text
        # Compared with what the field opened with (cleaned), so a summary holding
        # control characters is not taken as changed and saved with their stand-ins.
        if text.strip() == clean(self.initial, multiline=True, masked=False).strip():
            self.end_draft()
            self.dismiss(None)
            return
        self.finish(text.strip())


# --- choice picker ------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One pickable value: ``label`` is shown (cleaned), ``value`` returned."""

    label: str
    value: str
    detail: str = ""
    current: bool = False


FREE_TEXT_ID = "__free_text__"


class PickerOptions(OptionList):
    """The picker's list; j/k move too (only when it has focus, so typing is never eaten)."""

    BINDINGS = bindings(
        (
            Command(
                "dialog.cursor_down",
                "j",
                "cursor_down",
                "Down",
                "Down",
                "Dialogs",
                show=False,
                palette=False,
            ),
            Command(
                "dialog.cursor_up",
                "k",
                "cursor_up",
                "Up",
                "Up",
                "Dialogs",
                show=False,
                palette=False,
            ),
        )
    )


class ChoicePicker(Dialog[str]):
    """Pick one of ``choices`` with j/k or arrows and enter. With ``free_text`` a line on
    top filters the list and whatever was typed can be used as the value itself."""

    DEFAULT_CSS = """
    ChoicePicker PickerOptions, ChoicePicker PickerOptions:focus {
        height: auto;
        max-height: 10;
        border: none;
        padding: 0;
    }
    ChoicePicker #picker-empty {
        color: $text-muted;
        height: auto;
    }
    """

    BINDINGS = bindings(
        (
            Command(
                "dialog.cancel", "escape", "cancel", "Cancel", "Cancel", "Dialogs", palette=False
            ),
            Command(
                "dialog.move_1",
                "down",
                "move(1)",
                "Down",
                "Down",
                "Dialogs",
                show=False,
                palette=False,
            ),
            Command(
                "dialog.move_1", "up", "move(-1)", "Up", "Up", "Dialogs", show=False, palette=False
            ),
        )
    )

    def __init__(
        self,
        title: str,
        choices: Sequence[Choice],
        *,
        free_text: bool = False,
        free_text_label: str = "Use",
        placeholder: str = "type to filter",
        hint: str = "",
        parse: Parser = required_text,
        submit: Submit | None = None,
    ) -> None:
        super().__init__(title, submit=submit)
        self.choices = list(choices)
        self.free_text = free_text
        self.free_text_label = free_text_label
        self.placeholder = placeholder
        self.hint = hint
        self.parse = parse
        self._shown: list[Choice] = []

    @property
    def has_filter(self) -> bool:
        return self.free_text or len(self.choices) > 8

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            if self.has_filter:
                yield SafeInput(placeholder=self.placeholder, id="picker-input")
            yield PickerOptions(id="picker-options", markup=False)
            yield Static(Content("Nothing to pick from."), id="picker-empty")
            if self.hint:
                yield Static(plain(self.hint), classes="dialog-hint")
            yield from self.compose_status()
            keys = (
                "↑/↓ move · enter pick · esc cancel"
                if self.has_filter
                else ("j/k move · enter pick · esc cancel")
            )
            yield Static(Content(keys), classes="dialog-hint")

    def on_mount(self) -> None:
        self._refill("")
        if self.has_filter:
            self.set_focus(self.query_one("#picker-input", Input))
        else:
            self.set_focus(self.query_one(OptionList))
        current = next((i for i, c in enumerate(self._shown) if c.current), None)
        if current is not None:
            self.query_one(OptionList).highlighted = current

    @property
    def typed(self) -> str:
        return self.field_text(self.query_one("#picker-input", Input)) if self.has_filter else ""

    def _option(self, choice: Choice) -> Option:
        prompt = Content.assemble(
            ("✓ " if choice.current else "  ", "bold"),
            Content(clean(choice.label)),
        )
        if choice.detail:
            prompt = prompt + Content.styled("  " + clean(choice.detail), "dim")
        return Option(prompt)

    def _refill(self, typed: str) -> None:
        options = self.query_one(OptionList)
        needle = typed.strip().casefold()
        self._shown = [
            c
            for c in self.choices
            if not needle or needle in c.label.casefold() or needle in c.value.casefold()
        ]
        items = [self._option(c) for c in self._shown]
        exact = any(needle in (c.label.casefold(), c.value.casefold()) for c in self._shown)
        if self.free_text and needle and not exact:
            items.append(
                Option(
                    Content.assemble(
                        ("+ ", "bold"),
                        f"{self.free_text_label} ",
                        (f"“{clean(typed.strip())}”", "italic"),
                    ),
                    id=FREE_TEXT_ID,
                )
            )
        options.clear_options()
        options.add_options(items)
        options.display = bool(items)
        self.query_one("#picker-empty", Static).display = not items and not self.free_text
        if items:
            options.highlighted = 0

    @on(Input.Changed, "#picker-input")
    def _filter(self, event: Input.Changed) -> None:
        self.clear_error()
        self._refill(event.value)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    @on(Input.Submitted, "#picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is None:
            if self.free_text:
                self._pick_free_text()
            return
        self._pick(options.highlighted)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int) -> None:
        option = self.query_one(OptionList).get_option_at_index(index)
        if option.id == FREE_TEXT_ID:
            self._pick_free_text()
            return
        self.finish(self._shown[index].value)

    def _pick_free_text(self) -> None:
        try:
            value = self.parse(self.typed)
        except ValueError as error:
            self.show_error(str(error))
            return
        self.finish(value)


__all__ = [
    "Choice",
    "ChoicePicker",
    "ConfirmDialog",
    "Dialog",
    "FieldChanged",
    "NoteEditor",
    "SafeInput",
    "SafeTextArea",
    "TextPrompt",
    "plain",
    "required_text",
]
