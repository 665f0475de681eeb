"""The ``:`` command line, k9s style: ``inc REF``, ``roles``, ``outbox``, ``ctx NAME``, ``theme NAME``, ``q``.

``sev NAME`` and ``status NAME`` change the open incident; the name is one of the
backend's own (Prod Manager's ``investigating``), in any case, and a unique leading
part is enough (``sev crit``).

A mistyped command shows why under the input and keeps the text; names complete
inline (right arrow accepts) and up/down recall earlier lines of this session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from incident_tui.config import ConfigError
from incident_tui.errors import BackendError
from incident_tui.references import is_number_reference, parse_reference, resolve_incident
from incident_tui.text import clean
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.dialogs import SafeInput


@dataclass(frozen=True)
class LineCommand:
    names: tuple[str, ...]
    argument: str  # "" when none; else what the argument is, for the usage line
    help: str


LINE_COMMANDS: tuple[LineCommand, ...] = (
    LineCommand(("inc", "incident"), "REF", "open an incident by reference (inc 12 or :12)"),
    LineCommand(("roles",), "", "manage the organisation's roles"),
    LineCommand(("outbox",), "", "changes waiting for the remote: retry, fix or discard"),
    LineCommand(("ctx", "context"), "NAME", "switch to another context"),
    LineCommand(("theme",), "NAME", "switch colour theme (remembered)"),
    LineCommand(("redact",), "", "redaction mode on / off: pseudonyms, masked emails and IPs"),
    LineCommand(("sev", "severity"), "NAME", "set the open incident's severity (sev crit)"),
    LineCommand(("status",), "NAME", "set the open incident's status, in the backend's words"),
    LineCommand(("help",), "", "show the keys of the current screen"),
    LineCommand(("q", "quit"), "", "leave the console"),
)

USAGE = "  ".join(f"{c.names[0]}{' ' + c.argument if c.argument else ''}" for c in LINE_COMMANDS)


class CommandError(Exception):
    """A command line that cannot run; the message is for the person."""


def parse_line(text: str) -> tuple[str, str]:
    """``" theme  incident-dark "`` -> ``("theme", "incident-dark")``; ``:12`` -> ``("inc", "12")``."""
    text = text.strip().removeprefix(":").strip()
    if not text:
        raise CommandError(f"type a command: {USAGE}")
    verb, _, argument = text.partition(" ")
    verb = verb.lower()
    argument = argument.strip()
    if is_number_reference(verb) and not argument:
        return "inc", parse_reference(verb)
    for command in LINE_COMMANDS:
        if verb in command.names:
            if command.argument and not argument:
                raise CommandError(f"{verb} needs {command.argument}: {command.help}")
            if not command.argument and argument:
                raise CommandError(f"{verb} takes no argument")
            return command.names[0], argument
    raise CommandError(f"unknown command {clean(verb)!r}; try: {USAGE}")


async def prepare_line(app: Any, text: str) -> Callable[[], Any]:
    """Check one command line and return what carries it out.

    Everything that can fail in a way the person should fix (unknown incident,
    unknown theme or context) fails here, before the command line closes, so the
    text stays to be corrected.
    """
    verb, argument = parse_line(text)
    if verb == "q":
        return app.action_quit  # asks first when a dialog holds unsaved text
    if verb == "help":
        return app.action_help
    if verb == "roles":
        from incident_tui.ui.capabilities import unmet

        reason = unmet(app.backend.capabilities, ("org_roles", "get_roles"))
        if reason:
            raise CommandError(reason)
        return app.open_org_roles
    if verb == "outbox":
        return app.open_outbox
    if verb == "redact":
        return app.action_toggle_redaction
    if verb == "theme":
        if argument not in app.available_themes:
            raise CommandError(app.set_theme(argument) or f"unknown theme {argument!r}")
        return partial(app.set_theme, argument)
    if verb == "ctx":
        try:
            app.config.context(argument)
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        if argument == app.context_name:
            raise CommandError(f"already in context {clean(argument)!r}")

        async def switch() -> None:
            error = await app.switch_context(argument)
            if error:
                app.show_error(error)

        return partial(app.run_worker, switch, exit_on_error=False)
    if verb in ("sev", "status"):
        return _set_on_open_incident(app, verb, argument)
    try:
        incident = await resolve_incident(app.backend, argument)
    except BackendError as exc:  # NotFound reads "no incident #12"
        raise CommandError(str(exc)) from None
    return partial(app.open_incident, incident.incident_id)


def _set_on_open_incident(app: Any, verb: str, argument: str) -> Callable[[], Any]:
    """``sev NAME`` / ``status NAME`` on the incident on screen, checked before it runs."""
    from incident_tui import models as m
    from incident_tui.ui.capabilities import terms_text, unmet
    from incident_tui.ui.screens.incident import IncidentScreen

    # The screen under the command line (and under any other dialog).
    screen = next((s for s in reversed(app.screen_stack) if not isinstance(s, ModalScreen)), None)
    if not isinstance(screen, IncidentScreen) or screen.incident is None:
        raise CommandError(f"{verb} changes the open incident: open one first (inc REF)")
    capabilities = app.backend.capabilities
    method = "update_severity" if verb == "sev" else "update_status"
    if app.readonly:
        raise CommandError(f"read-only: {app.readonly_reason or 'changes are off'}")
    reason = unmet(capabilities, (method,))
    if reason:
        raise CommandError(reason)
    what = "severity" if verb == "sev" else "status"
    terms = capabilities.severities if verb == "sev" else capabilities.statuses
    term = capabilities.severity(argument) if verb == "sev" else capabilities.status(argument)
    if term is None:
        raise CommandError(
            f"{capabilities.system} has no {what} {clean(argument)[:40]!r}"
            f" (use one of: {terms_text(terms)})"
        )
    incident_id = screen.incident_id
    backend = app.backend

    async def update() -> None:
        if verb == "sev":
            await backend.update_severity(
                m.UpdateSeverityRequest(incident_id=incident_id, severity=term.value)
            )
        else:
            await backend.update_status(
                m.UpdateStatusRequest(incident_id=incident_id, status=term.value)
            )

    def run() -> None:
        screen.run_backend(update, lambda _: screen.changed(), group="incident-mutate")

    return run


class LineSuggester(Suggester):
    """Completes command names, then theme and context names."""

    def __init__(self, app: Any) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._app = app

    async def get_suggestion(self, value: str) -> str | None:
        verb, space, partial_arg = value.partition(" ")
        if not space:
            for command in LINE_COMMANDS:
                for name in command.names:
                    if name.startswith(verb) and name != verb:
                        return name + (" " if command.argument else "")
            return None
        choices: list[str] = []
        if verb == "theme":
            choices = sorted(self._app.available_themes)
        elif verb in ("ctx", "context"):
            choices = self._app.config.context_names()
        elif verb in ("sev", "severity", "status"):
            capabilities = self._app.backend.capabilities
            terms = capabilities.statuses if verb == "status" else capabilities.severities
            choices = [t.value for t in terms]
        for choice in choices:
            if choice.startswith(partial_arg) and choice != partial_arg:
                return f"{verb} {choice}"
        return None


class CommandLine(ModalScreen[None]):
    """A one-line prompt at the bottom of the screen."""

    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: $background 0%; }
    CommandLine > #cmdline-box { height: auto; width: 100%; background: $panel; }
    CommandLine #cmdline-error { color: $text-error; height: auto; padding: 0 1; display: none; }
    CommandLine #cmdline-error.visible { display: block; }
    CommandLine #cmdline-hint { color: $text-muted; height: 1; padding: 0 1; }
    CommandLine #cmdline, CommandLine #cmdline:focus { border: none; height: 1; padding: 0 1; background: $panel; }
    """

    BINDINGS = bindings(
        (
            Command(
                "cmdline.close", "escape", "close", "Close", "Close", "Command line", palette=False
            ),
            Command(
                "cmdline.previous",
                "up",
                "history(-1)",
                "Previous",
                "Previous",
                "Command line",
                show=False,
                palette=False,
            ),
            Command(
                "cmdline.next",
                "down",
                "history(1)",
                "Next",
                "Next",
                "Command line",
                show=False,
                palette=False,
            ),
        )
    )

    #: Lines run in this session, oldest first (shared by every command line).
    history: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        self._history_pos = len(self.history)

    def compose(self) -> ComposeResult:
        with Vertical(id="cmdline-box"):
            yield Static(Content(""), id="cmdline-error")
            yield Static(Content(USAGE), id="cmdline-hint")
            yield SafeInput(placeholder=":", id="cmdline", suggester=LineSuggester(self.app))

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    @property
    def error_text(self) -> str:
        error = self.query_one("#cmdline-error", Static)
        return str(error.render()) if error.has_class("visible") else ""

    def show_error(self, message: str) -> None:
        error = self.query_one("#cmdline-error", Static)
        error.update(Content(clean(message)))
        error.set_class(bool(message), "visible")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._history_pos = max(0, min(len(self.history), self._history_pos + step))
        line = self.history[self._history_pos] if self._history_pos < len(self.history) else ""
        field = self.query_one(Input)
        field.value = line
        field.cursor_position = len(line)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._run(event.value)

    @work(exclusive=True, group="cmdline", exit_on_error=False)
    async def _run(self, text: str) -> None:
        line = text.strip()
        try:
            action = await prepare_line(self.app, line)
        except CommandError as exc:
            self.show_error(str(exc))
            return
        if not self.history or self.history[-1] != line:
            self.history.append(line)
        self.dismiss(None)
        self.app.call_later(action)
