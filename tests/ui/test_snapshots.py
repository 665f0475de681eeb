"""Snapshot tests (pytest-textual-snapshot) of every screen at 80x24 and 120x40, and NO_COLOR.

The store is built the same way every run (a ticking clock from a fixed epoch) and
the App renders ages against a fixed "now", so the pictures do not drift. Update
them after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.config import Config

from .conftest import ALICE, FIXED_NOW, open_store, seed_incidents
from .incident_support import settle, typing_paused

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
PEOPLE = [
    m.UserPreview(user_id="amara", name="Amara Okafor"),
    m.UserPreview(user_id="bjorn", name="Bjørn Lindqvist"),
]


async def _build(path: Path) -> None:
    backend = open_store(path)
    try:
        await seed_incidents(backend)
        first = "1"
        await backend.assign_role(
            m.AssignRoleRequest(incident_id=first, user_id="amara", role="investigator")
        )
        await backend.update_severity(
            m.UpdateSeverityRequest(incident_id=first, severity="critical")
        )
        await backend.add_activity(
            m.AddActivityRequest(
                incident_id=first,
                activity_kind="userNote",
                body="502s started right after deploy 4711 went out to eu-west-1.\n"
                "Rolling back now; error rate is the thing to watch.",
            )
        )
        await backend.add_activity(
            m.AddActivityRequest(
                incident_id=first,
                activity_kind="userNote",
                body="Rollback done, error rate falling.",
            )
        )
        task = await backend.add_task(
            m.AddTaskRequest(
                incident_id=first, text="Write the customer update", assign_to_user_id="bjorn"
            )
        )
        await backend.update_task_status(
            m.UpdateTaskStatusRequest(
                incident_id=first, task_id=task.task.task_id, status="progress"
            )
        )
        await backend.add_label(
            m.AddLabelRequest(incident_id="2", label=m.IncidentLabel(label="db"))
        )
    finally:
        await backend.close()


@pytest.fixture(scope="module")
def snapshot_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("snapshots") / "store.db"
    asyncio.run(_build(path))
    return path


@pytest.fixture(autouse=True)
def utc(monkeypatch) -> Iterator[None]:
    """Times shown in local time must not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make(snapshot_db, tmp_path) -> Iterator[Callable[..., Any]]:
    """An App over a private copy of the snapshot store (tests may change it)."""
    from incident_tui.ui.app import IncidentApp

    backends: list[Any] = []

    def factory(*, readonly: bool = False, theme: str | None = None) -> Any:
        copy = tmp_path / "store.db"
        if not copy.exists():
            copy.write_bytes(snapshot_db.read_bytes())
        backend = open_store(copy)
        backends.append(backend)
        return IncidentApp(
            backend,
            Config(),
            context_name="local",
            readonly=readonly,
            user=ALICE,
            theme=theme,
            now=FIXED_NOW,
            poll_interval=3600,
            install_signal_handlers=False,
        )

    yield factory
    for backend in backends:
        asyncio.run(backend.close())


def opened(incident_id: str = "1", tab: str = "") -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.open_incident(incident_id)
        await settle(pilot)
        if tab:
            await pilot.press(tab)
            await settle(pilot)

    return run_before


def then(*keys: str, before: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        if before is not None:
            await before(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, make, size):
    assert snap_compare(make(), terminal_size=SIZES[size], run_before=then())


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("tab", "key"), [("overview", ""), ("timeline", "2"), ("tasks", "3"), ("roles", "4")]
)
def test_incident_tab(snap_compare, make, size, tab, key):
    assert snap_compare(make(), terminal_size=SIZES[size], run_before=opened("1", key))


@pytest.mark.parametrize("size", SIZES)
def test_org_roles(snap_compare, make, size):
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.open_org_roles()
        await settle(pilot)

    assert snap_compare(make(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help_on_home(snap_compare, make, size):
    assert snap_compare(make(), terminal_size=SIZES[size], run_before=then("question_mark"))


def test_help_on_incident_read_only(snap_compare, make):
    assert snap_compare(
        make(readonly=True),
        terminal_size=(80, 24),
        run_before=then("question_mark", before=opened("1")),
    )


def test_declare_dialog(snap_compare, make):
    async def run_before(pilot: Any) -> None:
        await then("n")(pilot)
        # The title field's cursor blinks: held on so the picture does not depend on the
        # moment it is taken (a loaded machine caught it in either phase).
        from textual.widgets import Input

        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await settle(pilot)

    assert snap_compare(make(), terminal_size=(80, 24), run_before=run_before)


def test_home_read_only_with_filter_error(snap_compare, make):
    async def typed_then_paused(pilot: Any) -> None:
        await then("slash", *"sevrity:x")(pilot)
        await typing_paused(pilot)  # the verdict comes once typing pauses
        pilot.app.screen.query_one("#filter-input").cursor_blink = False  # either phase
        await settle(pilot)

    assert snap_compare(make(readonly=True), terminal_size=(80, 24), run_before=typed_then_paused)


@pytest.mark.parametrize("theme", ["incident-light", "incident-high-contrast", "incident-prod"])
def test_home_themes(snap_compare, make, theme):
    assert snap_compare(make(theme=theme), terminal_size=(80, 24), run_before=then())


def test_home_no_color(snap_compare, make, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make(), terminal_size=(80, 24), run_before=then("j"))


def test_incident_overview_no_color(snap_compare, make, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make(), terminal_size=(80, 24), run_before=opened("1"))


def test_home_16_colours(snap_compare, make, monkeypatch):
    """``TERM=screen`` (tmux's default): each theme's [ansi] colours, as VGA RGB in the SVG."""
    monkeypatch.setenv("TERM", "screen")
    monkeypatch.setenv("COLORTERM", "")
    assert snap_compare(make(), terminal_size=(80, 24), run_before=then("j"))


def test_home_sorted_by_time_at_80x24(snap_compare, make):
    keys = ["s"] * 5  # declared, updated, severity, title, status, time
    assert snap_compare(make(), terminal_size=(80, 24), run_before=then(*keys))
