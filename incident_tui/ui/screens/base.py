"""The base of every console screen: back keys, read-only refusal, backend calls in workers.

Screens list their commands once in ``COMMANDS_LIST`` (see ``ui/commands.py``) and
derive ``BINDINGS`` from it; this base adds the back command, hides and refuses
mutating commands in read-only mode, and runs backend calls in workers that show
a spinner while they wait and turn every failure into a message, never a traceback.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker

from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.events import BackendChanged, BackendReady, ContextSwitched, LinkChanged

if TYPE_CHECKING:
    from incident_tui.ui.app import IncidentApp

log = logging.getLogger(__name__)

#: Seconds after ConsoleScreen.draw_now during which changes are drawn without waiting.
DRAW_NOW_WINDOW = 0.05

T = TypeVar("T")

BACK = Command(
    id="screen.back",
    key="escape,q",
    action="back",
    description="Back",
    help="Go back (q too: esc is slow over some links)",
    group="Navigation",
    palette=False,
)


def screen_commands(screen: DOMNode | type[DOMNode]) -> list[Command]:
    """Every command a class (screen, widget, app) declares, its bases' first, no duplicates."""
    cls = screen if isinstance(screen, type) else type(screen)
    seen: dict[str, Command] = {}
    for klass in reversed(cls.__mro__):
        for command in klass.__dict__.get("COMMANDS_LIST", ()):
            seen[command.id] = command
    return list(seen.values())


def _parsed(action: str) -> tuple[str, tuple[object, ...]]:
    """``show_tab('tasks')`` -> ``("show_tab", ("tasks",))``, as ``check_action`` gets it."""
    from textual.actions import parse

    _destination, name, parameters = parse(action)
    return name, tuple(parameters)


_NEEDS: dict[type, dict[tuple[str, tuple[object, ...]], tuple[str, ...]]] = {}


def action_needs(cls: type[DOMNode]) -> dict[tuple[str, tuple[object, ...]], tuple[str, ...]]:
    """What each action of ``cls``'s commands needs from the backend (see ui/capabilities.py)."""
    found = _NEEDS.get(cls)
    if found is None:
        found = {}
        for command in screen_commands(cls):
            if command.needs:
                found[_parsed(command.action)] = command.needs
        _NEEDS[cls] = found
    return found


def unmet_reason(app: Any, needs: tuple[str, ...]) -> str:
    """Why the open backend does not offer what ``needs`` names ("" when it does).

    While the first backend opens, everything counts as offered, as the stand-in's
    default capabilities would say, without importing them (the backend's table and
    the wire models) on the loop right after the first frame; the screens' bindings
    are refreshed once it is open.
    """
    if not needs or not app.has_backend:
        return ""
    from incident_tui.ui.capabilities import unmet

    return unmet(app.backend.capabilities, needs)


def command_keys(app: IncidentApp, command: Command) -> str:
    """The keys a person presses for ``command`` now (their ``[keymap]`` wins)."""
    from textual.binding import Binding

    if not command.key:
        return ""  # offered by the palette only (it has no binding a keymap could rebind)
    keys = (app.config.keymap or {}).get(command.id, command.key)
    # As the footer shows them (App.get_key_display): ``j/↓``, ``^p``, ``⏎``.
    return "/".join(
        app.get_key_display(Binding(key.strip(), command.action)) for key in keys.split(",")
    )


def active_commands(app: IncidentApp, screen: Screen) -> list[tuple[DOMNode, Command]]:
    """Commands that work on ``screen`` now, each with the node that runs its action.

    Gathers the screen's commands, those of widgets around the focused one (e.g. the
    active tab's pane), then the app's globals; drops what ``check_action`` refuses
    (read-only hides mutating commands) and later duplicates of an id.
    """
    found: list[tuple[DOMNode, Command]] = []
    seen: set[str] = set()
    nodes: list[DOMNode] = []
    focused = screen.focused
    while focused is not None and focused is not screen:
        nodes.append(focused)
        focused = focused.parent  # type: ignore[assignment]
    nodes.append(screen)
    nodes.append(app)
    readonly = app.readonly
    for node in nodes:
        for command in screen_commands(type(node)):
            if command.id in seen:
                continue
            if command.mutates and readonly:
                continue
            try:
                allowed = node.check_action(command.action.split(".")[-1], ())
            except Exception:
                allowed = True
            if allowed is False:
                continue
            seen.add(command.id)
            found.append((node, command))
    return found


class BusyIndicator(Static):
    """A small spinner shown only while the screen waits on the backend.

    It appears after a short delay (fast local calls never flash it) and stops its
    timer when idle, so an idle console writes nothing to the terminal.
    """

    DEFAULT_CSS = """
    BusyIndicator { width: auto; min-width: 10; height: 1; color: $accent; padding: 0 1; }
    BusyIndicator.-idle { display: none; }
    """
    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    DELAY = 0.15

    def __init__(self, label: str = "loading", **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.label = label
        self._frame = 0
        self._timer: Timer | None = None
        self._pending: Timer | None = None
        self.add_class("-idle")

    def set_busy(self, busy: bool) -> None:
        if busy:
            if self._timer is None and self._pending is None:
                self._pending = self.set_timer(self.DELAY, self._start)
        else:
            if self._pending is not None:
                self._pending.stop()
                self._pending = None
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.add_class("-idle")

    def _start(self) -> None:
        self._pending = None
        self.remove_class("-idle")
        self._tick()
        self._timer = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(self.FRAMES)
        self.update(f"{self.FRAMES[self._frame]} {self.label}")


class ConsoleScreen(Screen):
    """Shared behaviour of the console's screens (see the module docstring)."""

    COMMANDS_LIST: ClassVar[tuple[Command, ...]] = (BACK,)
    BINDINGS = bindings(COMMANDS_LIST)

    busy: reactive[int] = reactive(0, init=False)

    @property
    def console_app(self) -> IncidentApp:
        """The App, typed (see ui/access.py)."""
        from incident_tui.ui.access import console_app

        return console_app(self)

    # --- frames -----------------------------------------------------------
    #: Until when (monotonic seconds) changes are drawn as soon as the screen is idle.
    _draw_now_until = 0.0

    def draw_now(self) -> None:
        """Draw what changes next as soon as this screen is idle, not at the frame timer's
        next tick, for a short while (DRAW_NOW_WINDOW).

        Textual draws at most 60 frames a second, on a timer that, having just drawn a
        frame (the echo of a key, say), waits one to two frame periods (17-33 ms) before
        the next. That pacing suits a burst of changes, but it is pure wait for an answer
        the person is waiting for (a filter's rows, a page read from the store), and for
        what follows from it at once (the header's count, the scrollbar): those frames
        are drawn without the wait.
        """
        self._draw_now_until = time.monotonic() + DRAW_NOW_WINDOW

    async def _on_idle(self, event: events.Idle) -> None:
        # Dispatched before Screen._on_idle (each class's handler runs, subclass first),
        # which then finds nothing left to draw. Uses the screen's frame internals
        # (textual is pinned; tests/ui/test_frames.py checks an answer is drawn at once).
        if not self._draw_now_until or not self.is_current or self.app._batch_count:
            return
        if time.monotonic() > self._draw_now_until:
            self._draw_now_until = 0.0
            return
        if (
            self._dirty_widgets
            or self._layout_required
            or self._scroll_required
            or self._repaint_required
        ):
            self._on_timer_update()  # what the frame timer's tick would do, now

    # --- read-only --------------------------------------------------------
    def _mutating_actions(self) -> set[str]:
        return {c.action for c in screen_commands(self) if c.mutates}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.console_app.readonly and action in self._mutating_actions():
            return False
        key = _parsed(action) if "(" in action else (action, tuple(parameters))
        needs = action_needs(type(self)).get(key)
        if needs and unmet_reason(self.app, needs):
            return False  # the backend does not offer it: hidden (help and its key say why)
        return True

    def unmet_commands(self) -> list[tuple[Command, str]]:
        """This screen's commands the backend does not offer where the person is, and why."""
        from incident_tui.ui.capabilities import silently_absent

        found: list[tuple[Command, str]] = []
        capabilities = self.console_app.backend.capabilities
        for command in screen_commands(self):
            if (
                command.needs
                and self.command_applies(command)
                and not silently_absent(capabilities, command.needs)
            ):
                reason = unmet_reason(self.app, command.needs)
                if reason:
                    found.append((command, reason))
        return found

    def refuse_if_readonly(self) -> bool:
        """For actions reached other ways than a key: True (and a message) when read-only."""
        if self.console_app.readonly:
            self._say_readonly()
            return True
        return False

    def _say_readonly(self, what: str = "") -> None:
        reason = self.console_app.readonly_reason or "changes are disabled here"
        action = f" ({what} is one)" if what else ""
        self.app.notify(
            f"Read-only: {reason}; changes are off{action}.",
            severity="warning",
            markup=False,
            timeout=4,
        )

    def command_applies(self, command: Command) -> bool:
        """Whether ``command`` is meant where the person is (screens with tabs narrow it)."""
        return True

    def on_key(self, event: events.Key) -> None:
        """A key of a change in read-only mode, or of what the backend does not offer, says
        why it does nothing (its binding is off, so the key reaches here instead of doing
        nothing in silence)."""
        keymap = self.console_app.config.keymap or {}
        for command, reason in self.unmet_commands():
            keys = keymap.get(command.id, command.key).split(",")
            if event.key in (k.strip() for k in keys) and not self._bound_elsewhere(event.key):
                event.stop()
                event.prevent_default()
                self.app.notify(
                    f"{reason} ({command.description} is not offered here).",
                    severity="warning",
                    markup=False,
                    timeout=4,
                )
                return
        if not self.console_app.readonly:
            return
        for command in screen_commands(self):
            if not command.mutates or not self.command_applies(command):
                continue
            keys = keymap.get(command.id, command.key).split(",")
            if event.key in (k.strip() for k in keys):
                event.stop()
                event.prevent_default()
                self._say_readonly(command.description)
                return

    def _bound_elsewhere(self, key: str) -> bool:
        """Whether ``key`` runs another command that is offered here (one key, two uses)."""
        for _node, command in active_commands(self.console_app, self):
            if key in (k.strip() for k in command.key.split(",")):
                return True
        return False

    # --- navigation -------------------------------------------------------
    async def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def action_refresh(self) -> None:
        """Re-read what the screen shows (ctrl+r); screens override."""

    # --- what the App tells the screen (ui/events.py); screens override the methods ---
    @on(BackendChanged)
    def _backend_changed_event(self) -> None:
        self.backend_changed()

    @on(BackendReady)
    def _backend_ready_event(self) -> None:
        self.backend_ready()

    @on(ContextSwitched)
    async def _context_switched_event(self) -> None:
        await self.context_switched()

    @on(LinkChanged)
    def _link_changed_event(self) -> None:
        self.link_changed()

    def backend_changed(self) -> None:
        """The backend's data changed (live refresh); screens override to re-read in place."""

    def backend_ready(self) -> None:
        """The backend finished opening (at start-up); read what the screen shows."""
        self.backend_changed()

    async def context_switched(self) -> None:
        """Another context is open (``:ctx``); the screen at the bottom starts afresh."""
        self.backend_changed()

    def link_changed(self) -> None:
        """The remote link or the outbox changed."""

    def on_screen_suspend(self) -> None:
        self._version_at_suspend = self.console_app.homescreen_version

    def on_screen_resume(self) -> None:
        """Coming back to a screen: catch up with changes made meanwhile (e.g. on another screen)."""
        if not hasattr(self, "_version_at_suspend"):
            return
        app = self.console_app
        versions = app.versions_supported
        # Changes made on the screen above may not have been polled yet: ask now.
        app.poke()
        if not versions or self._version_at_suspend != app.homescreen_version:
            self.backend_changed()

    # --- backend calls ----------------------------------------------------
    def watch_busy(self, busy: int) -> None:
        self.set_class(busy > 0, "-busy")
        for indicator in self.query(BusyIndicator):
            indicator.set_busy(busy > 0)

    def run_backend(
        self,
        call: Callable[[], Awaitable[T]],
        on_done: Callable[[T], Any] | None = None,
        *,
        group: str = "backend",
        exclusive: bool = True,
        on_error: Callable[[Any], Any] | None = None,
    ) -> Worker[T | None]:
        """Await ``call()`` in a worker; hand the result to ``on_done`` on success.

        A ``BackendError`` goes to ``on_error`` (e.g. a dialog that shows it inline
        and keeps the input) or else to ``app.show_error``. Anything unexpected is
        logged and shown as a short message; a traceback never reaches the screen.
        An exclusive worker cancels the previous call of its group.
        """

        async def runner() -> T | None:
            from incident_tui.errors import BackendError

            self.busy += 1
            try:
                try:
                    result = await call()
                finally:
                    self.busy -= 1
                if on_done is not None:
                    outcome = on_done(result)
                    if inspect.isawaitable(outcome):
                        await outcome
                return result
            except BackendError as exc:
                handler = on_error or self.console_app.show_error
                outcome = handler(exc)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as exc:  # a bug, not a backend refusal: keep the app alive
                log.exception("unexpected error in a backend worker")
                self.console_app.show_error(f"Unexpected error ({type(exc).__name__}): {exc}")
            return None

        # The function, not a coroutine: a worker cancelled before it starts leaves nothing
        # un-awaited behind.
        return self.run_worker(runner, group=group, exclusive=exclusive, exit_on_error=False)
