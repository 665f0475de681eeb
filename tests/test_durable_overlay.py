"""Queued incidents are listed by the queries that would list them once they exist (unit
tests of the overlay's matcher; the remote paths are in test_durable_remote.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_tui import models as m
from incident_tui.backends.base import METHODS
from incident_tui.durable.outbox import QUEUED, QueuedWrite
from incident_tui.durable.overlay import describe, matches, matching_incidents, rewrite_ids

NOW = datetime(2026, 11, 25, 3, 12, tzinfo=UTC)
ME = m.UserPreview(user_id="alice", name="Alice Example")


def queued_incident(seq: int = 3, **fields) -> QueuedWrite:
    fields.setdefault("title", "Checkout API 502s")
    return QueuedWrite(
        seq=seq,
        method=METHODS["IncidentsService.CreateIncident"],
        request=m.CreateIncidentRequest(**fields),
        key="k",
        state=QUEUED,
        created_at="2026-11-25T03:12:00.000000Z",
    )


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("", True),
        ("status:active", True),
        ("status:resolved", False),
        ("severity:critical", True),
        ("severity:minor", False),
        ("isdrill:false", True),
        ("isdrill:true", False),
        ("label:payments", True),
        ("label:db", False),
        ("checkout 502", True),
        ("title:'api'", True),
        ("outage", False),
        ("-label:payments", False),
        ("any(label:db label:payments)", True),
        ("createdby:alice", True),
        ("createdby:bob", False),
        ("role:commander", False),
        ("declared:>-1h", True),
        ("declared:<-1d", False),
        ("status:", False),  # malformed: shown by nothing rather than by everything
    ],
)
def test_a_queued_incident_is_listed_by_the_queries_that_match_it(query: str, listed: bool) -> None:
    entry = queued_incident(
        severity="critical", labels=[m.IncidentLabel(label="payments")], is_drill=False
    )
    incidents = matching_incidents([entry], m.IncidentsQuery(query_string=query), ME, NOW)
    assert bool(incidents) is listed
    if listed:
        (incident,) = incidents
        assert incident.incident_id == "queued-3" and incident.created_by_user == ME


def test_the_structured_filters_apply_without_a_query_string() -> None:
    incident = matching_incidents([queued_incident(severity="major")], m.IncidentsQuery(), ME, NOW)[
        0
    ]
    assert matches(incident, m.IncidentsQuery(include_statuses=["active"]), NOW)
    assert not matches(incident, m.IncidentsQuery(exclude_statuses=["active"]), NOW)
    assert not matches(incident, m.IncidentsQuery(only_drills=True), NOW)
    assert not matches(incident, m.IncidentsQuery(severity="critical"), NOW)
    assert not matches(incident, m.IncidentsQuery(incident_labels=["db"]), NOW)


def test_placeholders_are_rewritten_once_their_create_is_delivered() -> None:
    note = m.AddActivityRequest(incident_id="queued-3", body="x")
    assert rewrite_ids(note, {}).incident_id == "queued-3"
    assert rewrite_ids(note, {"queued-3": "42"}).incident_id == "42"
    task = m.UpdateTaskStatusRequest(incident_id="queued-3", task_id="queued-4", status="done")
    moved = rewrite_ids(task, {"queued-3": "42", "queued-4": "17"})
    assert (moved.incident_id, moved.task_id) == ("42", "17")
    role = m.ArchiveRoleRequest(role_id=-5)
    assert rewrite_ids(role, {"role:-5": "9"}).role_id == 9


def test_queued_writes_are_described_for_a_person_in_one_clean_line() -> None:
    entry = queued_incident(title="db \x1b[31mdown\x1b[0m\nnow")
    text = describe(entry)
    assert text.startswith("declare “db") and "\x1b" not in text and "\n" not in text
