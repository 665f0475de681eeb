"""Times as Grafana sends them: Go's zero time is unset everywhere a time is shown, and
the reference's own example format (no zone) reads as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from incident_tui import models as m
from incident_tui.ui.presentation import first_set_time, format_time, incident_clock, parse_time
from incident_tui.ui.screens.incident_common import format_time as overview_time
from incident_tui.ui.screens.incident_common import incident_duration
from incident_tui.ui.widgets.incident_list import IncidentRow

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ZERO = "0001-01-01T00:00:00Z"


def test_gos_zero_time_is_unset() -> None:
    assert parse_time(ZERO) is None
    assert parse_time("0001-01-01T00:00:00.000Z") is None
    assert format_time(ZERO) == "—" and overview_time(ZERO) == "—"
    assert m.time_is_unset(ZERO) and m.time_is_unset("") and not m.time_is_unset("2026-01-01")


def test_the_references_time_format_reads_as_utc() -> None:
    parsed = parse_time("2022-02-11 00:50:20.574137")
    assert parsed == datetime(2022, 2, 11, 0, 50, 20, 574137, tzinfo=UTC)
    assert format_time("2022-02-11 00:50:20.574137") == "2022-02-11 00:50 UTC"


def test_a_zero_start_falls_back_to_the_created_time_not_to_year_one() -> None:
    created = "2026-03-01T10:00:00Z"
    assert incident_clock("active", ZERO, ZERO, created, 0, NOW) == "2h00m"
    assert first_set_time(ZERO, created) == created
    incident = m.Incident(
        status="active", incident_start=ZERO, incident_end=ZERO, created_time=created
    )
    assert incident_duration(incident, NOW) == "2h 00m so far"
    resolved = incident.model_copy(update={"status": "resolved", "closed_time": ZERO})
    assert "w" not in incident_duration(resolved, NOW)


def test_a_resolved_preview_ends_when_it_was_closed() -> None:
    preview = m.IncidentPreview(
        incident_id="7",
        status="resolved",
        severity_label="major",
        incident_start="2026-03-01T10:00:00Z",
        incident_end=ZERO,
        closed_time="2026-03-01T11:30:00Z",
        created_time="2026-03-01T10:00:00Z",
        todo_count=1,
        done_count=2,
    )
    row = IncidentRow.from_preview(preview, {1: "commander"})
    assert row.incident_end == "2026-03-01T11:30:00Z"
    assert (row.tasks_done, row.tasks_total) == (2, 3)
    assert incident_clock(row.status, row.incident_start, row.incident_end, "", 0, NOW) == "1h30m"
