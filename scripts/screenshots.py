"""Render the console's main screens from the demo store into ``screenshots/*.svg``.

    python scripts/screenshots.py [--out screenshots] [--size 80x24] [--only NAME ...]

Every screen at 80x24 (what a newcomer at 80 columns sees) in the default theme, the
list and an incident in every other theme, the list as a 16-colour terminal gets it
(``TERM=screen``, tmux's default), and one wide list. The demo store is built fresh in a
temporary folder against a fixed "now", so running it again gives the same pictures
(the README shows them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from incident_tui import models as m  # noqa: E402
from incident_tui.config import Config  # noqa: E402
from incident_tui.ui.headless import settle  # noqa: E402

NOW = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
ME = m.UserPreview(user_id="amara", name="Amara Okafor")

Step = Callable[[Any], Awaitable[None]]


def keys(*names: str) -> Step:
    async def step(pilot: Any) -> None:
        for name in names:
            await pilot.press(name)
            await settle(pilot)

    return step


def first_active(tab: str = "") -> Step:
    """Open the newest active incident (the demo's most interesting one), then a tab."""

    async def step(pilot: Any) -> None:
        app = pilot.app
        response = await app.backend.query_incidents(
            m.QueryIncidentsRequest(
                query=m.IncidentsQuery(limit=1, query_string="status:active isdrill:false")
            )
        )
        app.open_incident(response.incidents[0].incident_id)
        await settle(pilot)
        if tab:
            await keys(tab)(pilot)

    return step


def org_roles() -> Step:
    async def step(pilot: Any) -> None:
        pilot.app.open_org_roles()
        await settle(pilot)

    return step


#: (file name, theme, steps, size (None: --size), terminal: "true" colour or "16" colours)
SHOTS: list[tuple[str, str, Step, tuple[int, int] | None, str]] = [
    ("home", "incident-dark", keys(), None, "true"),
    ("home-filtered", "incident-dark", keys("slash", *"label:db", "enter"), None, "true"),
    ("incident-overview", "incident-dark", first_active(), None, "true"),
    ("incident-timeline", "incident-dark", first_active("2"), None, "true"),
    ("incident-tasks", "incident-dark", first_active("3"), None, "true"),
    ("incident-roles", "incident-dark", first_active("4"), None, "true"),
    ("org-roles", "incident-dark", org_roles(), None, "true"),
    (
        "declare",
        "incident-dark",
        keys("n", *"Checkout latency above SLO", "tab", "right"),
        None,
        "true",
    ),
    ("help", "incident-dark", keys("question_mark"), None, "true"),
    ("palette", "incident-dark", keys("ctrl+p", *"dns"), None, "true"),
    ("command-line", "incident-dark", keys("colon", *"theme incident-l"), None, "true"),
    ("home-wide", "incident-dark", keys(), (140, 40), "true"),
    ("home-16-colours", "incident-dark", keys(), None, "16"),
]
for _theme, _short in (
    ("incident-light", "light"),
    ("incident-high-contrast", "high-contrast"),
    ("incident-prod", "prod"),
):
    SHOTS += [
        (f"home-{_short}", _theme, keys(), None, "true"),
        (f"incident-overview-{_short}", _theme, first_active(), None, "true"),
    ]

#: How each terminal is announced (Rich reads these when the app starts).
TERMINALS = {
    "true": {"COLORTERM": "truecolor", "TERM": "xterm-256color"},
    "16": {"COLORTERM": "", "TERM": "screen"},
}


async def build_store(path: Path) -> None:
    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.demo import fill_demo

    backend = await SqliteBackend.open(path, ME, clock=lambda: NOW)
    try:
        await fill_demo(backend, now=NOW)
    finally:
        await backend.close()


def shoot(
    db: Path, name: str, theme: str, step: Step, size: tuple[int, int], out: Path, terminal: str
) -> Path:
    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.ui.app import IncidentApp

    os.environ.pop("NO_COLOR", None)
    os.environ.update(TERMINALS[terminal])
    backend = SqliteBackend(db, ME, clock=lambda: NOW)
    app = IncidentApp(
        backend,
        Config(),
        context_name="prod" if theme == "incident-prod" else "local",
        user=ME,
        theme=theme,
        now=NOW,
        poll_interval=3600,
        install_signal_handlers=False,
    )
    target = out / f"{name}.svg"

    async def pilot_run(pilot: Any) -> None:
        await settle(pilot)
        await step(pilot)
        await settle(pilot)
        await pilot.pause(0.3)
        target.write_text(app.export_screenshot(title=f"incident-tui — {name}"), encoding="utf-8")
        app.exit()

    app.run(headless=True, size=size, auto_pilot=pilot_run)
    asyncio.run(backend.close())
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="80x24", help="COLSxROWS (default 80x24)")
    parser.add_argument("--only", nargs="*", help="names of the shots to make")
    args = parser.parse_args(argv)
    os.environ["TZ"] = "UTC"  # times shown in local time: the same pictures everywhere
    time.tzset()
    cols, rows = (int(part) for part in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        asyncio.run(build_store(db))
        for name, theme, step, size, terminal in SHOTS:
            if args.only and name not in args.only:
                continue
            path = shoot(db, name, theme, step, size or (cols, rows), args.out, terminal)
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
