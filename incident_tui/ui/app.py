"""The console App: backend, context, acting user, themes, global keys and live refresh.

Screens reach the outside world only through this object (``app.backend`` and the
helpers below), so the App is the one place that knows about contexts, polling and
how errors are shown.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.signal import Signal

from incident_tui.config import Config, ConfigError
from incident_tui.text import clean
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.themes import DEFAULT_THEME, PROD_THEME, VARIABLE_DEFAULTS, load_themes
from incident_tui.ui.typeahead import KeyQueue

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.screen import Screen

    from incident_tui import models as m
    from incident_tui.backends.base import Backend
    from incident_tui.drafts import DraftStore
    from incident_tui.redact import Redactor
    from incident_tui.remembered import Remembered
    from incident_tui.ui.connection import LinkWatch, Mark

log = logging.getLogger(__name__)

#: Opens the backend of a named context (``:ctx NAME``); run.py supplies it.
BackendOpener = Callable[[str], "Backend"]
#: The draft store of a named context (None: drafts are not kept); run.py supplies it.
DraftsOpener = Callable[[str], "DraftStore | None"]

GLOBAL_COMMANDS: tuple[Command, ...] = (
    Command(
        "app.help", "question_mark,f1", "help", "Help", "Show the keys that work here", "Everywhere"
    ),
    Command(
        "app.command_line",
        "colon",
        "command_line",
        "Cmd",
        "Command line: inc REF, roles, ctx NAME, theme NAME, q",
        "Everywhere",
    ),
    Command(
        "app.palette",
        "ctrl+p",
        "command_palette",
        "Palette",
        "Find a command or an incident by reference or title",
        "Everywhere",
        show=False,
        priority=True,
        palette=False,
    ),
    Command(
        "app.refresh",
        "ctrl+r",
        "refresh",
        "Refresh",
        "Read the screen's data again from the backend",
        "Everywhere",
        show=False,
    ),
    # No key: turning redaction off by a stray key press would show everything to the
    # people watching a shared screen. The palette and ``:redact`` are typed on purpose.
    Command(
        "app.redact",
        "",
        "toggle_redaction",
        "Redaction on/off",
        "Redaction mode on or off (screen sharing): pseudonyms, masked emails, IPs, patterns",
        "Everywhere",
        show=False,
    ),
    Command(
        "app.quit",
        "ctrl+q",
        "quit",
        "Quit",
        "Leave the console",
        "Everywhere",
        show=False,
        priority=True,
    ),
)


def _console_commands() -> type[Provider]:
    from incident_tui.ui.palette import ConsoleCommands

    return ConsoleCommands


def _incident_finder() -> type[Provider]:
    from incident_tui.ui.palette import IncidentFinder

    return IncidentFinder


class IncidentApp(App[int]):
    """The incident console."""

    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        _console_commands,
        _incident_finder,
    }

    CSS_PATH = "app.tcss"
    TITLE = "incident-tui"
    COMMANDS_LIST: ClassVar[tuple[Command, ...]] = GLOBAL_COMMANDS
    BINDINGS = bindings(GLOBAL_COMMANDS)
    NOTIFICATION_TIMEOUT = 6

    def __init__(
        self,
        backend: Backend | None,
        config: Config | None = None,
        context_name: str = "local",
        readonly: bool = False,
        *,
        user: m.UserPreview | None = None,
        theme: str | None = None,
        now: datetime | None = None,
        poll_interval: float | None = None,
        open_backend: BackendOpener | None = None,
        install_signal_handlers: bool = True,
        drafts_for: DraftsOpener | None = None,
        remembered: Remembered | None = None,
        redact: bool = False,
        rows_place: str | None = None,
        after_first_frame: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        #: Called once the first frame is drawn (run_console resumes garbage collection).
        self._after_first_frame = after_first_frame
        #: Names the store the list's first rows are kept for (None: keep nothing).
        self.rows_place = rows_place
        self.config: Config = config or Config()
        #: Where the last theme per context is kept (None: remember nothing, e.g. tests).
        self.remembered = remembered
        self.context_name = context_name
        self._readonly_asked = bool(readonly)
        self.readonly = bool(readonly)
        self._user = user
        self._backend: Backend | None = None
        #: Why the first backend could not be opened (run_console prints it).
        self.startup_error: str | None = None
        self._fixed_now = now
        self.poll_interval: float = float(poll_interval or self.config.poll_interval or 2.0)
        self._open_backend = open_backend
        self._owns_backend = False  # True once we opened one ourselves (:ctx)
        self._install_signal_handlers = install_signal_handlers
        #: The last homescreen version seen (None until the first poll answers).
        self.homescreen_version: int | None = None
        self._versions_supported = False
        self._poll_failures = 0
        self._known_users: dict[str, m.UserPreview] = {}
        #: Follows a remote context's durable backend (header state, queued marks).
        self.link: LinkWatch | None = None
        from incident_tui.ui.alerts import Alerter

        #: Notifications of what the live refresh learned (declared, critical, assigned).
        self.alerter = Alerter(self)
        self._redact_asked = redact
        #: Redaction mode (``--redact``, ``:redact``, ``redact = true``): see incident_tui/redact.py.
        self.redactor: Redactor | None = None
        if backend is not None:
            self._install_backend(backend)
        self.hangup_watchdog: threading.Timer | None = None
        self.typeahead = KeyQueue(self, super().on_event)
        self._drafts_for = drafts_for
        #: What is typed in dialogs, kept on disk (None: not kept, e.g. in tests).
        self.drafts: DraftStore | None = self._open_drafts(context_name)
        #: Lines run_console prints once the terminal is back (e.g. "kept a draft").
        self.exit_notes: list[str] = []
        #: Published once a minute, for what is drawn relative to the clock.
        self.minute_signal: Signal[None] = Signal(self, "minute")
        for theme_obj in load_themes(self.terminal_colours).values():
            self.register_theme(theme_obj)
        self.theme = self._initial_theme(theme)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # --- facts screens rely on -------------------------------------------------
    @property
    def backend(self) -> Backend:
        """The open backend. Before it is open (the first moments), calls fail as Unavailable."""
        if self._backend is None:
            return _Opening(self.context_name)  # type: ignore[return-value]
        return self._backend

    @property
    def versions_supported(self) -> bool:
        """Whether the backend answers the cheap version reads (live refresh uses them)."""
        return self._versions_supported

    @property
    def can_switch_context(self) -> bool:
        """Whether ``:ctx`` can open another context in this session."""
        return self._open_backend is not None

    @property
    def has_backend(self) -> bool:
        return self._backend is not None

    def _install_backend(self, backend: Backend) -> None:
        self._backend = backend
        self._apply_readonly()
        self._versions_supported = bool(backend.capabilities.versions)
        self.homescreen_version = None
        self._watch_link(backend)

    @property
    def readonly_reason(self) -> str:
        """Why changes are off, in words (read-only mode's messages say it); "" when on."""
        if not self.readonly:
            return ""
        if self._readonly_asked:
            return "started with --readonly"
        try:
            if self.config.context(self.context_name).readonly:
                return f"context {self.context_name!r} is read-only in the config"
        except ConfigError:
            pass
        if self._backend is not None:
            reason = self._backend.capabilities.read_only_reason
            return reason or f"{self._backend.capabilities.system} offers no changes here"
        return ""

    @property
    def user(self) -> m.UserPreview:
        """The acting person (built on first use: the first frame needs no pydantic)."""
        if self._user is None:
            from incident_tui import models as m

            resolved = self.config.user.resolved()
            self._user = m.UserPreview(user_id=resolved.id, name=resolved.name)
        return self._user

    def now(self) -> datetime:
        """The time ages and durations are measured against (fixed in snapshot tests)."""
        return self._fixed_now or datetime.now(UTC)

    def _initial_theme(self, requested: str | None) -> str:
        return self.theme_for(self.context_name, requested)

    def theme_for(self, context: str, requested: str | None = None) -> str:
        """The theme of ``context``: asked for (``--theme``), else the one last chosen
        there, else its config's, else loud for a context named prod, else the default."""
        try:
            ctx_theme = self.config.context(context).theme
        except ConfigError:
            ctx_theme = ""
        remembered = self.remembered.theme(context) if self.remembered is not None else ""
        for name in (requested, remembered, ctx_theme):
            if name and name in self.available_themes:
                return name
        if "prod" in context.lower():
            return PROD_THEME  # loud unless the context itself says otherwise
        if self.config.theme in self.available_themes:
            return self.config.theme
        return DEFAULT_THEME

    @property
    def terminal_colours(self) -> int:
        """How many colours the terminal gets (Rich's detection from TERM/COLORTERM):
        16-colour terminals get each theme's ``[ansi]`` colours, chosen for contrast."""
        system = self.console.color_system
        if system == "truecolor":
            return 1 << 24
        if system == "256":
            return 256
        return 16

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    # --- lifecycle -----------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        """Keys and pastes go through the typeahead queue, one fully handled at a time."""
        if KeyQueue.takes(event):
            await self.typeahead.offer(event)
        else:
            await super().on_event(event)

    def get_default_screen(self) -> Screen:
        """The incident list is the bottom of the stack (one screen to build, not two)."""
        from incident_tui.ui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._footer_for_modal)
        self.screen_change_signal.subscribe(self, self._alerts_seen)
        if self._redact_asked or self._context_setting("redact", False):
            self.set_redaction(True, announce=False, redraw=False)  # nothing drawn yet
        self.set_interval(self.poll_interval, self._poll_tick, name="live-refresh")
        # One clock for what ages on screen ("so far" durations): widgets subscribe and
        # unsubscribe, so a closed screen leaves no timer (and no reference) behind.
        self.set_interval(60, lambda: self.minute_signal.publish(None), name="minute")
        self._install_hangup_handler()
        if self._after_first_frame is not None:
            self.call_after_refresh(self._after_first_frame)
        if self._backend is None:
            # Draw the first frame, then open the store (pydantic, sqlite) off the loop.
            self.call_after_refresh(self._open_first_backend)
        elif self.drafts is not None:
            self.call_after_refresh(self._offer_drafts_in_worker)

    def _footer_for_modal(self, screen: Screen) -> None:
        """A dialog gets a footer of its own keys (else the footer of the screen under it
        shows through, offering keys that do nothing while the dialog is open)."""
        from textual.screen import ModalScreen
        from textual.widgets import Footer

        from incident_tui.ui.widgets.footer import ConsoleFooter

        if isinstance(screen, ModalScreen) and not screen.query(Footer):
            screen.mount(ConsoleFooter(compact=True))
            # A footer draws once the screen's bindings are announced (on a focus change):
            # announce them for dialogs whose focus does not move (help).
            screen.call_after_refresh(screen.refresh_bindings)

    def _alerts_seen(self, screen: Screen) -> None:
        if self.on_list():
            self.alerter.seen()

    def on_list(self) -> bool:
        """Whether the person is looking at the incident list (no screen or dialog above)."""
        from incident_tui.ui.screens.home import HomeScreen

        return isinstance(self.screen, HomeScreen)

    def shown(self, text: str) -> str:
        """``text`` as the console may show it (masked in redaction mode)."""
        return self.redactor.apply(text) if self.redactor is not None else text

    def _context_setting(self, name: str, default: Any) -> Any:
        try:
            return getattr(self.config.context(self.context_name), name)
        except ConfigError:
            return default

    @property
    def redacting(self) -> bool:
        return self.redactor is not None

    def set_redaction(self, on: bool, *, announce: bool = True, redraw: bool = True) -> str | None:
        """Redaction mode on or off; everything on screen is drawn again at once.
        Returns an error message (a configured pattern that is not valid) or None."""
        from incident_tui.text import set_redactor

        if on:
            from incident_tui.redact import RedactionError, Redactor

            try:
                redactor = Redactor(self._context_setting("redact_patterns", []))
            except RedactionError as exc:
                return f"redaction patterns of context {self.context_name!r}: {exc}"
            old = self.redactor
            if old is not None:
                redactor.adopt(old)  # the same pseudonyms as before
            self.redactor = redactor
            me = self.config.user  # as written: a login-name fallback is no name to look for
            redactor.learn(me.id, me.name, me.email)
            redactor.learn(self.user.user_id, self.user.name)
            for user in self._known_users.values():
                redactor.learn(user.user_id, user.name)
            set_redactor(redactor.apply)
            if self.has_backend and self.backend.capabilities.serves("query_users"):
                self.run_worker(self._learn_everyone(), group="redact", exit_on_error=False)
        else:
            self.redactor = None
            set_redactor(None)
        if redraw:
            self.redraw()
        if announce:
            self.notify(
                "Redaction on: names are pseudonyms, emails, IPs and configured patterns"
                " masked (the header says REDACTED)."
                if on
                else "Redaction off: everything is shown as it is.",
                markup=False,
                timeout=5,
            )
        return None

    async def _learn_everyone(self) -> None:
        """Redaction mode: learn every person the backend knows (with their emails), so
        names in text are masked even before their person is seen in loaded data. What is
        on screen was learned before it was drawn (``remember_users``): no redraw needed."""
        from incident_tui.errors import BackendError

        try:
            await self.known_users()
        except BackendError:
            return

    def redraw(self) -> None:
        """Draw every screen again from its data (redaction turned on or off)."""
        self.refresh_link_state()
        for screen in self.screen_stack:
            follow = getattr(screen, "follow_redaction", None)
            if callable(follow):
                follow()  # a dialog's fields: hidden, or given back
            for widget in screen.walk_children(with_self=True):
                widget.refresh()
            reread = getattr(screen, "action_refresh", None)
            if callable(reread) and self.has_backend:
                reread()

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        """A toast; in redaction mode masked like everything else drawn."""
        if self.redactor is not None:
            message, title = self.redactor.apply(message), self.redactor.apply(title)
        super().notify(message, title=title, **kwargs)

    def _open_first_backend(self) -> None:
        self.run_worker(self._open_first(), group="open-backend", exit_on_error=False)

    async def _open_first(self) -> None:
        if self._open_backend is None:
            self.startup_error = "no backend to open"
            self.exit(return_code=1)
            return
        try:
            backend = await asyncio.to_thread(self._open_backend, self.context_name)
        except Exception as exc:  # every failure becomes one printed line, not a traceback
            self.startup_error = f"cannot open {self.context_name!r}: {_describe(exc)}"
            self.exit(return_code=1)
            return
        self._install_backend(backend)
        self._owns_backend = True
        from incident_tui.ui.events import BackendReady

        for screen in self.screen_stack:
            screen.refresh_bindings()  # the footer follows what this backend offers
            screen.post_message(BackendReady())
        await self._offer_drafts()

    async def on_unmount(self) -> None:
        if self.redactor is not None:
            from incident_tui.text import set_redactor

            set_redactor(None)
        self._remove_hangup_handler()
        if self.link is not None:
            self.link.detach()
        if self.drafts is not None:
            await asyncio.to_thread(self.drafts.close)
        if not self._owns_backend or self._backend is None:
            return  # whoever handed us the backend closes it
        try:
            await self._backend.close()
        except Exception:  # closing must never turn an exit into a traceback
            log.debug("backend close failed", exc_info=True)

    def _install_hangup_handler(self) -> None:
        """SSH disconnect: Textual ignores SIGHUP, so exit cleanly (and surely) ourselves."""
        if (
            not self._install_signal_handlers
            or threading.current_thread() is not threading.main_thread()
        ):
            return
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGHUP, self._on_hangup)
            # Textual leaves SIGTERM to Python (death on the spot, terminal left raw).
            loop.add_signal_handler(signal.SIGTERM, self._on_hangup, 143)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def _remove_hangup_handler(self) -> None:
        if not self._install_signal_handlers:
            return
        for signum in (signal.SIGHUP, signal.SIGTERM):
            try:
                asyncio.get_running_loop().remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    def _on_hangup(self, return_code: int = 129) -> None:
        """SIGHUP (the SSH session dropped) or SIGTERM: keep open drafts, then leave."""
        self._keep_drafts(timeout=2.0)
        self.exit(return_code=return_code)
        # If the exit stalls on a dead terminal, do not linger as an orphan;
        # run_console cancels this once the app has really ended.
        self.hangup_watchdog = threading.Timer(3.0, os._exit, args=(return_code,))
        self.hangup_watchdog.daemon = True
        self.hangup_watchdog.start()

    def cancel_hangup_watchdog(self) -> None:
        if self.hangup_watchdog is not None:
            self.hangup_watchdog.cancel()
            self.hangup_watchdog = None

    # --- screens -------------------------------------------------------------
    def open_incident(self, incident_id: str) -> None:
        from incident_tui.ui.screens.incident import IncidentScreen

        self.push_screen(IncidentScreen(incident_id))

    def open_org_roles(self) -> None:
        from incident_tui.ui.screens.org_roles import OrgRolesScreen

        self.push_screen(OrgRolesScreen())

    def action_open_org_roles(self) -> None:
        self.open_org_roles()

    def action_help(self) -> None:
        from incident_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_command_line(self) -> None:
        from incident_tui.ui.cmdline import CommandLine

        if isinstance(self.screen, CommandLine):
            return
        self.push_screen(CommandLine())

    def action_toggle_redaction(self) -> None:
        error = self.set_redaction(not self.redacting)
        if error:
            self.show_error(error)

    def action_refresh(self) -> None:
        handler = getattr(self.screen, "action_refresh", None)
        if callable(handler):
            handler()

    # --- messages ------------------------------------------------------------
    def show_error(self, error: BaseException | str) -> None:
        """Tell the person what went wrong, as plain text (never markup, never a token)."""
        text = _describe(error) if isinstance(error, BaseException) else error
        self.notify(clean(text), title="Error", severity="error", markup=False, timeout=8)

    # --- people --------------------------------------------------------------
    def remember_users(self, users: Iterable[m.UserPreview]) -> None:
        """Note people seen in loaded data, for backends that cannot list users (and for
        redaction mode's pseudonyms, before they are drawn)."""
        redactor = self.redactor
        for user in users:
            if user.user_id:
                self._known_users.setdefault(user.user_id, user)
            if redactor is not None and (user.user_id or user.name):
                redactor.learn(user.user_id, user.name)

    async def known_users(self) -> list[m.UserPreview]:
        """People the backend knows (UsersService.QueryUsers where it is served), and
        people seen in loaded data, for the role and assignee pickers."""
        people: dict[str, m.UserPreview] = {}
        if self.backend.capabilities.serves("query_users"):
            from incident_tui.errors import BackendError, Unimplemented

            try:
                for user in await self._query_users():
                    people[user.user_id] = user
            except Unimplemented:
                pass  # an older stack: the people seen in loaded data below
            except BackendError as exc:
                self.show_error(exc)
        for user_id, user in self._known_users.items():
            people.setdefault(user_id, user)
        self.remember_users(people.values())
        if self.user.user_id:
            people.setdefault(self.user.user_id, self.user)
        return sorted(people.values(), key=lambda u: (u.name or u.user_id).lower())

    async def _query_users(self, most: int = 2000) -> list[m.UserPreview]:
        """Up to ``most`` people, following QueryUsers' cursor."""
        from incident_tui import models as m

        found: list[m.UserPreview] = []
        cursor = m.Cursor()
        while len(found) < most:
            page = await self.backend.query_users(
                m.QueryUsersRequest(query=m.UsersQuery(limit=500), cursor=cursor)
            )
            found += [user.preview() for user in page.users if user.user_id]
            if self.redactor is not None:
                for user in page.users:
                    self.redactor.learn(user.user_id, user.name, user.email)
            if not page.cursor.has_more or not page.users:
                break
            cursor = page.cursor
        return found

    # --- themes and keymap ---------------------------------------------------
    def set_theme(self, name: str) -> str | None:
        """Switch theme (``:theme``, the palette) and remember it for this context only;
        returns an error message for an unknown name. The config file is never written."""
        if name not in self.available_themes:
            known = ", ".join(sorted(n for n in self.available_themes if n.startswith("incident")))
            return f"unknown theme {name!r} (try: {known})"
        self.theme = name
        if self.remembered is not None:
            try:
                self.remembered.set_theme(self.context_name, name)
            except ConfigError as exc:
                self.show_error(f"could not remember the theme: {exc}")
        return None

    # --- contexts ------------------------------------------------------------
    async def switch_context(self, name: str) -> str | None:
        """Reconnect to another context (``:ctx NAME``); returns an error message or None."""
        if self._open_backend is None:
            return "switching contexts is not available in this session"
        try:
            self.config.context(name)
        except ConfigError as exc:
            return str(exc)
        try:
            backend = await asyncio.to_thread(self._open_backend, name)
        except Exception as exc:
            return f"cannot open context {name!r}: {_describe(exc)}"
        old, owned_old = self._backend, self._owns_backend
        kept = self._keep_drafts(timeout=2.0)
        if kept:
            self.notify(
                f"Kept {len(kept)} draft(s) in context {clean(self.context_name)}: "
                + "; ".join(kept),
                markup=False,
                timeout=8,
            )
        self.context_name = name
        self.drafts = self._open_drafts(name)
        self._install_backend(backend)
        self._owns_backend = True
        self._known_users.clear()
        self.alerter.reset()
        if self.redacting or self._context_setting("redact", False):
            # never off by itself: the screen is shared (reset_for_context below redraws)
            self.set_redaction(True, announce=False, redraw=False)
            self.refresh_link_state()
        self.theme = self.theme_for(name)  # this context's, never saved as anyone else's
        if owned_old and old is not None:
            try:
                await old.close()
            except Exception:
                log.debug("closing the previous backend failed", exc_info=True)
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        from incident_tui.ui.events import ContextSwitched

        self.screen.refresh_bindings()  # another backend may offer other commands
        self.screen.post_message(ContextSwitched())
        await self._offer_drafts()
        return None

    # --- drafts (the App's side; dialogs keep their own, see ui/drafting.py) ---
    def _open_drafts(self, context: str) -> DraftStore | None:
        store = self._drafts_for(context) if self._drafts_for is not None else None
        if store is not None:
            store.on_problem = self._draft_problem
        return store

    def _draft_problem(self, message: str) -> None:
        """Called on the drafts writer thread: say it on the UI thread, without waiting."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.show_error, message)

    def _keep_drafts(self, timeout: float) -> list[str]:
        """Hand every open dialog's text to the draft store and wait for the disk."""
        from incident_tui.ui.drafting import keep_open_drafts

        return keep_open_drafts(self, timeout=timeout)

    async def _offer_drafts(self) -> None:
        from incident_tui.ui.drafting import offer_kept_drafts

        await offer_kept_drafts(self)

    def _offer_drafts_in_worker(self) -> None:
        self.run_worker(self._offer_drafts(), group="drafts", exit_on_error=False)

    async def action_quit(self) -> None:
        """``ctrl+q``: with unsaved text in a dialog, ask (keep as draft / discard / stay)."""
        from incident_tui.ui.drafting import quit_keeping_drafts

        await quit_keeping_drafts(self)

    # --- live refresh --------------------------------------------------------
    def _poll_tick(self) -> None:
        self.refresh_link_state()
        if any(w.group == "poll" and w.is_running for w in self.workers):
            return  # a slow backend: never pile up polls
        self.run_worker(self._poll_once(), group="poll", exit_on_error=False)

    async def _poll_once(self) -> None:
        """One small request per interval; screens re-read only when something changed."""
        if self._backend is None:
            return
        if not self._versions_supported:
            self._notify_changed()
            return
        from incident_tui.errors import BackendError, Unavailable

        try:
            response = await self._backend.get_homescreen_version()
        except Unavailable as exc:
            self._poll_failures += 1
            if self._poll_failures == 1:
                self.show_error(exc)
            return
        except BackendError:
            # A remote without our extension: fall back to re-reading the visible page.
            self._versions_supported = False
            return
        if self._poll_failures:
            self._poll_failures = 0
            self.notify("Backend reachable again.", markup=False)
        version = response.version
        if self.homescreen_version is None:
            self.homescreen_version = version
            if not self.alerter.has_baseline:
                self.alerter.changed()  # the first look: what later looks compare with
            return
        if version != self.homescreen_version:
            self.homescreen_version = version
            self._notify_changed()

    def _notify_changed(self) -> None:
        self.alerter.changed()
        from incident_tui.ui.events import BackendChanged

        self.screen.post_message(BackendChanged())

    def poke(self) -> None:
        """Check for changes now (after a local mutation) instead of at the next tick."""
        self._poll_tick()

    # --- remote link: outbox, connection state, read-only by token ------------------
    def _watch_link(self, backend: Backend) -> None:
        """Follow a remote context's durable backend (imported here: not for the first frame)."""
        if self.link is None and "incident_tui.durable" not in sys.modules:
            return  # nothing durable was ever opened: a local store, nothing to follow
        from incident_tui.ui.connection import LinkWatch

        if self.link is None:
            self.link = LinkWatch(
                notify=self._link_notify,
                changed=self._notify_changed,
                capabilities=self._link_capabilities,
                refresh=self.refresh_link_state,
                poll_interval=self.poll_interval,
                call_on_app_thread=self.call_from_thread,
            )
        self.link.attach(backend)
        self.refresh_link_state()

    def _link_notify(self, text: str, severity: str) -> None:
        timeout = 10 if severity == "error" else 6
        self.notify(clean(text), severity=severity, markup=False, timeout=timeout)

    def _link_capabilities(self, reason: str) -> None:
        self._apply_readonly()
        self.screen.refresh_bindings()
        self._notify_changed()
        if reason:
            self.notify(clean(f"Read-only: {reason}"), severity="warning", markup=False, timeout=10)

    def _apply_readonly(self) -> None:
        try:
            ctx_readonly = self.config.context(self.context_name).readonly
        except ConfigError:
            ctx_readonly = False
        capabilities = self.backend.capabilities
        self.readonly = bool(self._readonly_asked or ctx_readonly or capabilities.read_only)

    def link_status(self) -> str:
        """The header's link state: "" while the remote answers (see ui/connection.py)."""
        return self.link.status() if self.link is not None else ""

    def header_status(self) -> str:
        """The header's state line: the link's, then what arrived while away from the list."""
        parts = [self.link_status(), self.alerter.marker(), "REDACTED" if self.redacting else ""]
        return " · ".join(part for part in parts if part)

    def queued_mark(self, object_id: str) -> Mark | None:
        """How to mark an object that exists or changed only in the outbox (else None)."""
        return self.link.mark_for(object_id) if self.link is not None else None

    def refresh_link_state(self) -> None:
        from incident_tui.ui.events import LinkChanged
        from incident_tui.ui.widgets.link_state import LinkState

        text = self.header_status()
        for screen in self.screen_stack:
            for widget in screen.query(LinkState):
                widget.show(text)
            screen.post_message(LinkChanged())

    def open_outbox(self) -> None:
        from incident_tui.ui.screens.outbox import OutboxScreen

        if not isinstance(self.screen, OutboxScreen):
            self.push_screen(OutboxScreen())


def _describe(error: BaseException) -> str:
    """A failure in words for a person: a backend's own message, else the exception's."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class _Opening:
    """Stands in for the backend while it opens: every call fails as Unavailable."""

    def __init__(self, context_name: str) -> None:
        self._context_name = context_name

    @property
    def capabilities(self) -> Any:
        from incident_tui.backends.base import Capabilities

        return Capabilities(name=self._context_name, versions=False)

    def __getattr__(self, name: str) -> Any:
        async def unavailable(*args: Any, **kwargs: Any) -> Any:
            from incident_tui.errors import Unavailable

            raise Unavailable(f"still opening {self._context_name!r}…")

        return unavailable
