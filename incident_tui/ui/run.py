"""``incident-tui`` (the default command): load the config, open the context's backend, run.

Problems a person can fix (bad config, unknown context or theme, a store that
cannot be opened) are printed as one clear line and exit non-zero, never as a
traceback and before the terminal switches to the full-screen UI.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from incident_tui.backends.base import Backend, BackendError
from incident_tui.config import Config, ConfigError, load_config


def _fail(message: str, code: int = 1) -> int:
    print(f"incident-tui: {message}", file=sys.stderr)
    return code


async def _wait_ready(backend: Backend) -> None:
    """Local stores open in the background; wait so open errors surface here."""
    opener = getattr(backend, "open", None)
    if callable(opener):
        await opener()


def _open(cfg: Config, name: str, db: Path | None, readonly: bool) -> Backend:
    from incident_tui.backends.factory import open_backend

    backend = open_backend(cfg, name, db, readonly)
    asyncio.run(_wait_ready(backend))
    return backend


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
    readonly = bool(getattr(args, "readonly", False) or ctx.readonly)
    demo = bool(getattr(args, "demo", False))
    if demo and ctx.backend != "sqlite":
        return _fail(f"--demo fills a local store; context {name!r} is remote", 2)
    if demo and readonly:
        return _fail("--demo needs to write: drop --readonly for the first run", 2)

    try:
        backend = _open(cfg, name, db, readonly)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except BackendError as exc:
        return _fail(f"cannot open {name!r}: {exc}")
    except OSError as exc:
        return _fail(f"cannot open {name!r}: {exc.strerror or exc}")

    if demo:
        try:
            added = asyncio.run(_fill_demo_if_empty(backend))
        except BackendError as exc:
            asyncio.run(backend.close())
            return _fail(f"could not fill the demo store: {exc}")
        if added:
            print(f"incident-tui: added {added} demo incidents", file=sys.stderr)

    def open_context(other: str) -> Backend:
        return _open(cfg, other, None, bool(getattr(args, "readonly", False)))

    from incident_tui.ui.app import IncidentApp

    app: Any = IncidentApp(
        backend=backend,
        config=cfg,
        context_name=name,
        readonly=readonly,
        theme=theme,
        open_backend=open_context,
    )
    try:
        app.run()
    finally:
        app.cancel_hangup_watchdog()
        try:
            asyncio.run(backend.close())
        except Exception:  # leaving must not end in a traceback
            pass
    return int(app.return_code or 0)
