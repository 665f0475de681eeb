"""Demo data: realistic, complete, deterministic, quick."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from incident_tui import models as m
from incident_tui.backends.sqlite import SqliteBackend
from incident_tui.demo import CAST, demo_command, fill_demo

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def _everything(path: Path) -> tuple[list[m.Incident], dict[str, list[m.ActivityItem]]]:
    backend = await SqliteBackend.open(path, CAST[0])
    try:
        page = await backend.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=500))
        )
        timelines = {}
        for incident in page.incidents:
            response = await backend.query_activity(
                m.QueryActivityRequest(
                    query=m.ActivityQuery(incident_id=incident.incident_id, limit=500)
                )
            )
            timelines[incident.incident_id] = response.activity_items
        return page.incidents, timelines
    finally:
        await backend.close()


async def test_demo_fills_forty_realistic_incidents(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    summary = await fill_demo(path, count=40, seed=7, now=NOW)
    assert summary.seconds < 5
    incidents, timelines = await _everything(path)

    assert len(incidents) == summary.incidents == 40
    assert {i.severity for i in incidents} == {"pending", "minor", "major", "critical"}
    statuses = Counter(i.status for i in incidents)
    assert statuses["active"] >= 3 and statuses["resolved"] >= 20
    assert 1 <= sum(i.is_drill for i in incidents) < 20
    labels = {label.label for i in incidents for label in i.labels}
    assert {"db", "network", "api", "payments", "auth", "k8s", "customer-facing"} <= labels
    task_states = {t.status for i in incidents for t in i.task_list.tasks}
    assert task_states == {"todo", "progress", "done"}
    holders = {r.user.name for i in incidents for r in i.roles}
    assert holders <= {p.name for p in CAST} and len(holders) >= 6
    assert all(any(r.role == "commander" for r in i.roles) for i in incidents)

    created = [datetime.fromisoformat(i.created_time) for i in incidents]
    assert (max(created) - min(created)).days >= 21  # several weeks
    assert all(c <= NOW for c in created)

    kinds = Counter(item.activity_kind for items in timelines.values() for item in items)
    for kind in (
        "incidentCreated",
        "userNote",
        "roleAssigned",
        "taskAdded",
        "taskCompleted",
        "incidentStatusChanged",
        "incidentSeverityChanged",
        "incidentStart",
        "labelAdded",
    ):
        assert kinds[kind] > 0, kind
    authors = {item.user.name for items in timelines.values() for item in items}
    assert len(authors) >= 6
    for incident in incidents:
        if incident.status == "resolved":
            assert incident.incident_end and incident.closed_time
            assert incident.incident_end >= incident.incident_start


async def test_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    await fill_demo(tmp_path / "a.db", count=12, seed=3, now=NOW)
    await fill_demo(tmp_path / "b.db", count=12, seed=3, now=NOW)
    await fill_demo(tmp_path / "c.db", count=12, seed=4, now=NOW)

    def shape(result: tuple[list[m.Incident], dict[str, list[m.ActivityItem]]]) -> list:
        incidents, timelines = result
        return [
            (
                i.title,
                i.severity,
                i.status,
                i.created_time,
                [(t.event_time, t.activity_kind, t.body) for t in timelines[i.incident_id]],
            )
            for i in incidents
        ]

    a = shape(await _everything(tmp_path / "a.db"))
    assert a == shape(await _everything(tmp_path / "b.db"))
    assert a != shape(await _everything(tmp_path / "c.db"))


def test_demo_command_fills_an_empty_store_and_refuses_a_used_one(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cli.db"
    args = argparse.Namespace(demo_db=path, count=6, seed=1)
    assert demo_command(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("demo: 6 incidents") and str(path) in out
    assert demo_command(args) == 1
    assert "already holds 6 incidents" in capsys.readouterr().err
    bad = argparse.Namespace(demo_db=tmp_path / "x.db", count=0, seed=1)
    assert demo_command(bad) == 2
