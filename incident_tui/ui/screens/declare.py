"""The declare dialog: title, severity, labels, drill, retrospective; the incident opens at once.

Checked inline before anything is sent; when the backend refuses, its message is
shown in the dialog and everything typed stays, to be fixed and sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Static

from incident_tui import models as m
from incident_tui.backends.base import GRAFANA_SEVERITIES
from incident_tui.drafts import Place
from incident_tui.errors import BackendError
from incident_tui.text import clean, is_printable_label
from incident_tui.times import local_zone_name, parse_time_input
from incident_tui.ui.access import console_app
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.dialogs import Dialog, FieldChanged, SafeInput
from incident_tui.ui.presentation import severity_look

if TYPE_CHECKING:
    from incident_tui.backends.base import Term

log = logging.getLogger(__name__)

MAX_TITLE = 250
MAX_LABEL = 100
MAX_LABELS = 20
SEVERITY_CHOICES = ("critical", "major", "minor", "pending")


def parse_labels(text: str) -> list[str]:
    """Comma separated labels, trimmed and deduplicated; ValueError names a bad one."""
    labels: list[str] = []
    for raw in text.split(","):
        label = raw.strip()
        if not label:
            continue
        if len(label) > MAX_LABEL:
            raise ValueError(f"label {clean(label[:20])!r}… is longer than {MAX_LABEL} characters")
        if not is_printable_label(label):
            raise ValueError(f"label {clean(label)!r} holds control or invisible characters")
        if label not in labels:
            labels.append(label)
    if len(labels) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} labels")
    return labels


def check_title(text: str) -> str:
    title = text.strip()
    if not title:
        raise ValueError("A title is required: what is broken, for whom?")
    if len(title) > MAX_TITLE:
        raise ValueError(f"The title is {len(title)} characters; keep it under {MAX_TITLE}.")
    return title


class MarkedCheckbox(Checkbox):
    """A checkbox drawn ``[X]``/``[ ]``: its state shows without colour (NO_COLOR)."""

    @property
    def _button(self) -> Content:
        return Content.styled("[X]" if self.value else "[ ]", "bold" if self.value else "")


class SeverityChoice(Widget, can_focus=True):
    """The backend's severities on one line, most severe first; left/right (or 1-5)
    choose, the choice is marked (●). ``terms`` are the backend's own (Prod Manager's
    five); Grafana's four by default."""

    DEFAULT_CSS = """
    SeverityChoice { height: 1; width: 100%; background: $surface; padding: 0 1; }
    SeverityChoice:focus { background: $boost; }
    """
    BINDINGS = bindings(
        (
            Command(
                "declare.severity_left",
                "left,h",
                "move(-1)",
                "Previous",
                "Previous",
                "Declare",
                show=False,
                palette=False,
            ),
            Command(
                "declare.severity_right",
                "right,l",
                "move(1)",
                "Next",
                "Next",
                "Declare",
                show=False,
                palette=False,
            ),
            Command(
                "declare.severity_1",
                "1",
                "pick(0)",
                "",
                "pick(0)",
                "Declare",
                show=False,
                palette=False,
            ),
            Command(
                "declare.severity_2",
                "2",
                "pick(1)",
                "",
                "pick(1)",
                "Declare",
                show=False,
                palette=False,
            ),
            Command(
                "declare.severity_3",
                "3",
                "pick(2)",
                "",
                "pick(2)",
                "Declare",
                show=False,
                palette=False,
            ),
            Command(
                "declare.severity_4",
                "4",
                "pick(3)",
                "",
                "pick(3)",
                "Declare",
                show=False,
                palette=False,
            ),
            Command(
                "declare.severity_5",
                "5",
                "pick(4)",
                "",
                "pick(4)",
                "Declare",
                show=False,
                palette=False,
            ),
        )
    )

    index: reactive[int] = reactive(SEVERITY_CHOICES.index("pending"))

    def __init__(self, terms: Sequence[Term] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.terms = tuple(terms)
        self.choices: tuple[str, ...] = (
            tuple(t.value for t in reversed(self.terms)) if self.terms else SEVERITY_CHOICES
        )
        # Grafana's default is "pending"; elsewhere the least severe.
        default = "pending" if "pending" in self.choices else self.choices[-1]
        self.set_reactive(SeverityChoice.index, self.choices.index(default))

    @property
    def value(self) -> str:
        return self.choices[self.index]

    @property
    def draft_value(self) -> str:
        return self.value

    @draft_value.setter
    def draft_value(self, value: str | bool) -> None:
        if value not in self.choices:
            raise ValueError(f"not a severity: {value!r}")
        self.index = self.choices.index(str(value))

    def watch_index(self) -> None:
        self.post_message(FieldChanged())

    def render(self) -> Content:
        parts = []
        glyphs = len(self.choices) <= 4  # five words and their glyphs do not fit 76 cells
        for number, severity in enumerate(self.choices):
            look = severity_look(severity, self.terms)
            mark = "(●)" if number == self.index else "( )"
            shown = f"{look.glyph} {look.word}" if glyphs else look.word
            text = f"{mark} {number + 1} {shown}"
            parts.append(
                Content.styled(text, "bold reverse") if number == self.index else Content(text)
            )
        return Content("  ").join(parts)

    def action_move(self, step: int) -> None:
        self.index = (self.index + step) % len(self.choices)

    def action_pick(self, index: int) -> None:
        if index < len(self.choices):
            self.index = index


class DeclareDialog(Dialog[str]):
    """Returns the new incident's id (or None when cancelled)."""

    DEFAULT_CSS = """
    DeclareDialog > #dialog-box { width: 76; }
    DeclareDialog #title, DeclareDialog #labels { border: none; height: 1; padding: 0 1; background: $surface; }
    DeclareDialog #title:focus, DeclareDialog #labels:focus { border: none; background: $boost; }
    DeclareDialog .field-label { color: $text-muted; height: 1; margin-top: 1; }
    DeclareDialog .field-error { color: $text-error; height: auto; display: none; }
    DeclareDialog .field-error.visible { display: block; }
    DeclareDialog #flags { height: auto; margin-top: 1; }
    DeclareDialog Checkbox, DeclareDialog Checkbox:focus { border: none; padding: 0; margin-right: 2; background: $panel; }
    DeclareDialog Checkbox:focus { text-style: bold underline; }
    DeclareDialog > #dialog-box { overflow-y: auto; }
    DeclareDialog #retro-times { height: auto; display: none; }
    DeclareDialog #retro-times.-shown { display: block; }
    DeclareDialog #retro-start, DeclareDialog #retro-end { border: none; height: 1; padding: 0 1; background: $surface; }
    DeclareDialog #retro-start:focus, DeclareDialog #retro-end:focus { border: none; background: $boost; }
    DeclareDialog #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    DeclareDialog Button { margin-left: 2; min-width: 10; }
    DeclareDialog Button:focus { text-style: bold reverse; }
    """

    BINDINGS = bindings(
        (
            Command(
                "declare.submit",
                "ctrl+s",
                "declare",
                "Declare",
                "Declare",
                "Declare",
                priority=True,
                palette=False,
            ),
            Command(
                "dialog.cancel", "escape", "cancel", "Cancel", "Cancel", "Declare", palette=False
            ),
        )
    )

    def __init__(self) -> None:
        super().__init__("Declare an incident", draft=Place("declare"))
        #: A retrospective's (start, end), checked when it is sent.
        self.retro_times: tuple[str, str] | tuple[()] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            yield Label("Title", classes="field-label")
            yield SafeInput(placeholder="e.g. Checkout API returning 502s", id="title")
            yield Static(Content(""), id="title-error", classes="field-error")
            capabilities = console_app(self).backend.capabilities
            terms = () if capabilities.severities == GRAFANA_SEVERITIES else capabilities.severities
            count = len(terms) or len(SEVERITY_CHOICES)
            yield Label(f"Severity (←/→ or 1-{count})", classes="field-label")
            yield SeverityChoice(terms, id="severity")
            own = f"; {capabilities.system}'s own" if capabilities.labels == "fixed" else ""
            yield Label(f"Labels (comma separated{own})", classes="field-label")
            yield SafeInput(placeholder="e.g. payments, api", id="labels")
            yield Static(Content(""), id="labels-error", classes="field-error")
            flags = Horizontal(id="flags")
            flags.display = capabilities.drills or capabilities.serves("update_incident_event_time")
            with flags:
                # What the backend lacks is not offered (Prod Manager: no drills, no times).
                drill = MarkedCheckbox("Drill", id="drill")
                drill.display = capabilities.drills
                yield drill
                retro = MarkedCheckbox("Retrospective (already resolved)", id="retro")
                retro.display = capabilities.serves("update_incident_event_time")
                yield retro
            with Vertical(id="retro-times"):
                zone = local_zone_name()
                yield Label(
                    f"Started (YYYY-MM-DD HH:MM, {zone}; … UTC for UTC)", classes="field-label"
                )
                yield SafeInput(placeholder="e.g. 2026-11-25 02:10", id="retro-start")
                yield Label("Ended", classes="field-label")
                yield SafeInput("now", placeholder="e.g. 2026-11-25 02:55, or now", id="retro-end")
                yield Static(Content(""), id="retro-error", classes="field-error")
            yield from self.compose_status()
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Declare (ctrl+s)", variant="error", id="declare", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#title", Input))

    # --- values ---------------------------------------------------------------
    @property
    def severity(self) -> str:
        return self.query_one(SeverityChoice).value

    def _field_error(self, field: str, message: str) -> None:
        error = self.query_one(f"#{field}-error", Static)
        error.update(Content(clean(message)))
        error.set_class(bool(message), "visible")
        if message:  # the dialog scrolls on small terminals: show why it was refused
            self.call_after_refresh(error.scroll_visible, animate=False)

    def build_request(self) -> m.CreateIncidentRequest | None:
        """The request, or None after showing inline why it cannot be sent."""
        ok = True
        try:
            title = check_title(self.field_text(self.query_one("#title", Input)))
            self._field_error("title", "")
        except ValueError as exc:
            self._field_error("title", str(exc))
            ok = False
        try:
            labels = parse_labels(self.field_text(self.query_one("#labels", Input)))
            self._field_error("labels", "")
        except ValueError as exc:
            self._field_error("labels", str(exc))
            ok = False
        self.retro_times = self._retro_times() if self.query_one("#retro", Checkbox).value else None
        if not ok or self.retro_times == ():
            return None
        return m.CreateIncidentRequest(
            title=title,
            severity=self.severity,
            labels=[m.IncidentLabel(label=label) for label in labels],
            is_drill=self.query_one("#drill", Checkbox).value,
            status="resolved" if self.query_one("#retro", Checkbox).value else "",
        )

    def _retro_times(self) -> tuple[str, str] | tuple[()]:
        """A retrospective's start and end as RFC 3339, or ``()`` after saying why not."""
        now = datetime.now(UTC)
        try:
            start = parse_time_input(
                self.field_text(self.query_one("#retro-start", Input)), now=now
            )
            end = parse_time_input(self.field_text(self.query_one("#retro-end", Input)), now=now)
        except ValueError as exc:
            self._field_error("retro", str(exc))
            return ()
        if end < start:
            self._field_error("retro", "It cannot end before it started.")
            return ()
        self._field_error("retro", "")
        return start, end

    @on(Checkbox.Changed, "#retro")
    def _retro_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#retro-times").set_class(event.value, "-shown")

    # --- inline checks while typing ---------------------------------------------
    @on(Input.Changed, "#title")
    def _title_changed(self, event: Input.Changed) -> None:
        if len(event.value.strip()) > MAX_TITLE:
            self._field_error(
                "title", f"{len(event.value.strip())}/{MAX_TITLE} characters: too long"
            )
        else:
            self._field_error("title", "")

    @on(Input.Changed, "#labels")
    def _labels_changed(self, event: Input.Changed) -> None:
        try:
            parse_labels(event.value)
            self._field_error("labels", "")
        except ValueError as exc:
            self._field_error("labels", str(exc))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    @on(Button.Pressed, "#declare")
    def _declare_pressed(self) -> None:
        self.action_declare()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # --- sending ------------------------------------------------------------------
    def action_declare(self) -> None:
        if self.busy:
            return
        if console_app(self).readonly:
            self.show_error("Read-only: declaring is disabled here.")
            return
        request = self.build_request()
        if request is None:
            return
        self.clear_error()
        self._set_busy(True)
        self._send(request)

    @work(exclusive=True, group="declare", exit_on_error=False)
    async def _send(self, request: m.CreateIncidentRequest) -> None:
        try:
            response = await console_app(self).backend.create_incident(request)
        except BackendError as exc:
            self._set_busy(False)
            self.show_error(str(exc) or "The backend refused this incident.")
            return
        except Exception as exc:  # keep what was typed, whatever happened
            log.exception("declare failed")
            self._set_busy(False)
            self.show_error(f"Unexpected error: {type(exc).__name__}")
            return
        incident_id = response.incident.incident_id
        if self.retro_times:
            # Declared already: whatever happens now, never send the create again.
            try:
                for kind, when in zip(
                    (m.IncidentEventKind.START, m.IncidentEventKind.END),
                    self.retro_times,
                    strict=True,
                ):
                    await console_app(self).backend.update_incident_event_time(
                        m.UpdateIncidentEventTimeRequest(
                            incident_id=incident_id,
                            event_time=when,
                            activity_item_kind=kind.value,
                            event_name=kind.value,
                        )
                    )
            except BackendError as exc:
                self.app.notify(
                    f"Declared #{clean(incident_id)}, but its times could not be set: "
                    + clean(str(exc)),
                    severity="error",
                    markup=False,
                )
        self._set_busy(False)
        self.end_draft()
        self.dismiss(incident_id)
