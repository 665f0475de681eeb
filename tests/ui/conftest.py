"""Shared UI fixtures: a real SqliteBackend in tmp_path with a few incidents, and the App.

Times are deterministic: the store gets a ticking clock when it accepts one, and the
App renders ages against ``FIXED_NOW``, so snapshots do not drift between runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.config import Config

FIXED_NOW = datetime(2026, 11, 25, 3, 30, 0, tzinfo=UTC)
STORE_EPOCH = datetime(2026, 11, 24, 22, 0, 0, tzinfo=UTC)
ALICE = m.UserPreview(user_id="alice", name="Alice Example")


class TickingClock:
    """A clock that advances one second per reading: ordered, repeatable times."""

    def __init__(self, start: datetime = STORE_EPOCH) -> None:
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


def open_store(path: Path, user: m.UserPreview = ALICE, **kwargs: Any):
    """A SqliteBackend on ``path`` with a deterministic clock if the store takes one."""
    from incident_tui.backends.sqlite import SqliteBackend

    params = inspect.signature(SqliteBackend).parameters
    if "clock" in params and "clock" not in kwargs:
        kwargs["clock"] = TickingClock()
    return SqliteBackend(path, user=user, **kwargs)


async def seed_incidents(backend) -> list[m.Incident]:
    """Five incidents covering severities, both statuses, a drill, labels, roles and tasks."""
    specs = [
        ("Checkout API returning 502s", "critical", ["payments", "api"], False, ""),
        ("Replica lag on orders-db", "major", ["db"], False, ""),
        ("Login page slow in eu-west", "minor", ["auth"], False, ""),
        ("Game day: kill a k8s node", "pending", ["k8s"], True, ""),
        ("Certificate expired on status page", "major", ["customer-facing"], False, "resolved"),
    ]
    made: list[m.Incident] = []
    for title, severity, labels, drill, status in specs:
        resp = await backend.create_incident(
            m.CreateIncidentRequest(
                title=title,
                severity=severity,
                labels=[m.IncidentLabel(label=label) for label in labels],
                is_drill=drill,
                status=status,
            )
        )
        made.append(resp.incident)
    first = made[0].incident_id
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=first, user_id="alice", role="commander")
    )
    await backend.add_task(m.AddTaskRequest(incident_id=first, text="Roll back deploy 4711"))
    task = await backend.add_task(
        m.AddTaskRequest(incident_id=first, text="Page the payments team")
    )
    await backend.update_task_status(
        m.UpdateTaskStatusRequest(incident_id=first, task_id=task.task.task_id, status="done")
    )
    return made


@pytest.fixture(autouse=True)
def colour_terminal(monkeypatch) -> None:
    """Render as a true-colour terminal whatever TERM the tests run under (a 16-colour
    TERM picks each theme's ``[ansi]`` colours); tests of other depths set their own."""
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch) -> Path:
    """What the console remembers goes to the test's own folder, never the user's."""
    path = tmp_path / "state"
    monkeypatch.setenv("INCIDENT_TUI_STATE_DIR", str(path))
    return path


@pytest.fixture
async def store(tmp_path: Path):
    backend = open_store(tmp_path / "store.db")
    await seed_incidents(backend)
    yield backend
    await backend.close()


@pytest.fixture
async def empty_store(tmp_path: Path):
    backend = open_store(tmp_path / "empty.db")
    yield backend
    await backend.close()


@pytest.fixture
def make_app(store) -> Callable[..., Any]:
    """Build the App over ``store`` (or another backend) with a fixed clock and no polling noise."""
    from incident_tui.ui.app import IncidentApp

    def factory(backend=None, *, readonly: bool = False, config: Config | None = None, **kwargs):
        kwargs.setdefault("now", FIXED_NOW)
        kwargs.setdefault("user", ALICE)
        kwargs.setdefault("install_signal_handlers", False)
        kwargs.setdefault("poll_interval", 60.0)
        return IncidentApp(
            backend=backend or store,
            config=config or Config(),
            context_name="local",
            readonly=readonly,
            **kwargs,
        )

    return factory
