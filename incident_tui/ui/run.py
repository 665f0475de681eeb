"""``incident-tui`` (the default command): load the config, start the UI, open the backend.

The first frame is drawn before the backend is opened: the store (sqlite, pydantic,
httpx for remotes) is opened in a thread right after it, so the console shows up at
the speed of a bare Textual app. Problems a person can fix (bad config, unknown
context or theme, a store that cannot be opened) end the run with one clear line
on stderr and a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_tui.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend
    from incident_tui.drafts import DraftStore


def _fail(message: str, code: int = 1) -> int:
    print(f"incident-tui: {message}", file=sys.stderr)
    return code


async def _wait_ready(backend: Backend) -> None:
    """Local stores open in the background; wait so open errors surface here."""
    await backend.open()


async def _fill_demo_if_empty(backend: Backend) -> int:
    from incident_tui import models as m
    from incident_tui.demo import fill_demo

    response = await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1))
    )
    if response.incidents:
        return 0
    summary = await fill_demo(backend)
    return int(getattr(summary, "incidents", 0) or 0)


class ContextOpener:
    """Opens a context's backend (called in a thread by the app); ``--db`` and
    ``--demo`` apply to the context the console started with."""

    def __init__(
        self, cfg: Config, first: str, db: Path | None, readonly: bool, demo: bool
    ) -> None:
        self.cfg = cfg
        self.first = first
        self.db = db
        self.readonly = readonly
        self.demo = demo
        self.notes: list[str] = []

    def __call__(self, name: str) -> Backend:
        from incident_tui.backends.factory import open_backend

        first = name == self.first
        backend = open_backend(self.cfg, name, self.db if first else None, self.readonly)
        if self.cfg.context(name).backend != "sqlite":
            backend = self._durable(name, backend)
        try:
            asyncio.run(_wait_ready(backend))
            if first and self.demo:
                self.demo = False
                added = asyncio.run(_fill_demo_if_empty(backend))
                if added:
                    self.notes.append(f"added {added} demo incidents")
        except BaseException:
            try:
                asyncio.run(backend.close())
            except Exception:
                pass
            raise
        return backend

    def _durable(self, name: str, backend: Backend) -> Backend:
        """A remote behind the durable layer: its writes survive the link and the console."""
        from incident_tui import models as m
        from incident_tui.durable import DurableBackend, outbox_path

        ctx = self.cfg.context(name)
        user = self.cfg.user.resolved()
        return DurableBackend(
            backend,
            outbox_path(ctx.name, ctx.url),
            user=m.UserPreview(user_id=user.id, name=user.name),
        )

    def drafts_for(self, name: str) -> DraftStore | None:
        """The draft store of a context: its folder is named by the context and by the
        store or remote it points at (``--db`` included), so drafts never cross stores."""
        from incident_tui.drafts import DraftStore

        try:
            self.cfg.context(name)
        except ConfigError:
            return None
        return DraftStore.for_context(name, self.place(name))

    def place(self, name: str) -> str:
        """What a context points at: the store's file (``--db`` included) or the remote."""
        ctx = self.cfg.context(name)
        if ctx.backend == "sqlite":
            path = self.db if (name == self.first and self.db is not None) else ctx.db_path()
            return str(Path(path).expanduser().absolute())
        return f"{ctx.url.strip().rstrip('/')} {ctx.plugin}"


def collect_from_now_on() -> None:
    """The first frame is out: what start-up built stays for good, so it is frozen out of
    the collector's walks (``gc.freeze``), and collection resumes."""
    gc.freeze()
    gc.enable()


def _theme_known(name: str) -> bool:
    from textual.theme import BUILTIN_THEMES

    from incident_tui.ui.themes import load_themes

    return name in load_themes() or name in BUILTIN_THEMES


def run_console(args: argparse.Namespace) -> int:
    """Start the console for ``args`` (context, db, readonly, theme, demo)."""
    try:
        cfg = load_config()
        name = getattr(args, "context", None) or cfg.current_context
        ctx = cfg.context(name)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    theme: str | None = getattr(args, "theme", None)
    if theme and not _theme_known(theme):
        from incident_tui.ui.themes import theme_names

        return _fail(f"unknown theme {theme!r} (shipped: {', '.join(theme_names())})", 2)
    db: Path | None = getattr(args, "db", None)
    asked_readonly = bool(getattr(args, "readonly", False))
    demo = bool(getattr(args, "demo", False))
    if db is not None and ctx.backend != "sqlite":
        return _fail(f"--db applies to local stores; context {name!r} is remote", 2)
    if demo and ctx.backend != "sqlite":
        return _fail(f"--demo fills a local store; context {name!r} is remote", 2)
    if demo and (asked_readonly or ctx.readonly):
        return _fail("--demo needs to write: drop --readonly for the first run", 2)

    opener = ContextOpener(cfg, name, db, asked_readonly, demo)
    # Start-up allocates objects that live as long as the console (modules, classes, CSS
    # rules, widgets); the collector walking them again and again before the first frame
    # cost ~20 ms of CPU (a quarter of what we add to a bare Textual app). It runs again
    # once the first frame is out, with those objects frozen out of its way.
    gc.disable()
    from incident_tui.remembered import Remembered
    from incident_tui.ui.app import IncidentApp

    app: Any = IncidentApp(
        None,
        cfg,
        context_name=name,
        readonly=asked_readonly,
        theme=theme,
        open_backend=opener,
        drafts_for=opener.drafts_for,
        remembered=Remembered(),
        redact=bool(getattr(args, "redact", False)),
        rows_place=f"{name} {opener.place(name)}",
        after_first_frame=collect_from_now_on,
    )
    try:
        app.run()
    finally:
        gc.enable()
        app.cancel_hangup_watchdog()
    for note in [*opener.notes, *app.exit_notes]:
        try:
            print(f"incident-tui: {note}", file=sys.stderr)
        except OSError:  # the terminal went away (SIGHUP): nobody to tell
            break
    if app.startup_error:
        return _fail(app.startup_error)
    return int(app.return_code or 0)
