"""Unit tests of the Prod Manager translation: query terms to its filters, its events to
timeline items, its words to Grafana's (no server needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incident_tui import models as m
from incident_tui.backends.prodmanager.filters import Catalog, translate
from incident_tui.backends.prodmanager.mapping import timeline, to_incident
from incident_tui.backends.prodmanager.wire import PmIncident, PmNamed, ServerClock
from incident_tui.errors import InvalidArgument

CLOCK = ServerClock(ZoneInfo("Europe/Paris"))
CATALOG = Catalog(
    scopes={1: PmNamed(id=1, name="Production"), 2: PmNamed(id=2, name="Staging")},
    services={1: PmNamed(id=1, name="API")},
)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def params(text: str = "", **fields) -> list[tuple[str, str]]:
    query = m.IncidentsQuery(query_string=text, **fields)
    return translate(query, CATALOG, NOW).params(CLOCK)


def test_status_words_map_onto_prod_managers_path():
    assert params("status:active") == [
        ("status", "active"),
        ("status", "investigating"),
        ("status", "stable"),
    ]
    assert params(include_statuses=["resolved"]) == [("status", "resolved")]
    assert params(include_statuses=["Investigating"]) == [("status", "investigating")]
    assert params(exclude_statuses=["resolved"]) == params("status:active")


def test_a_label_negation_is_every_other_scope():
    assert params("-label:scope:Production") == [("scope", "2")]


def test_started_bounds_round_up_to_prod_managers_minutes():
    assert params("started:>=2026-03-01T10:00:30Z") == [("impact_after", "2026-03-01T11:01")]
    assert params("started:<2026-03-01T10:00:00Z") == [("impact_before", "2026-03-01T11:00")]


def test_contradictions_match_nothing_without_a_request():
    query = m.IncidentsQuery(query_string="status:resolved -status:resolved")
    assert translate(query, CATALOG, NOW).matches_nothing


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"date_from": "2026-01-01T00:00:00Z"}, "declared time"),
        ({"only_drills": True}, "no drills"),
        ({"incident_labels": ["scope:Production", "service:API"]}, "scopes or for services"),
        ({"severity": "pending"}, "no severity 'pending'"),
        ({"query_string": "label:scope:Moon"}, "no scope named 'Moon'"),
    ],
)
def test_what_prod_manager_cannot_filter_is_refused(fields, needle):
    with pytest.raises(InvalidArgument, match=needle):
        translate(m.IncidentsQuery(**fields), CATALOG, NOW)


def _incident(**fields) -> PmIncident:
    base = {
        "id": 7,
        "name": "Queue backlog",
        "status": "stable",
        "severity": "moderate",
        "scope": 2,
        "service": 1,
        "creation_date": "2026-03-01T10:00",
        "start_impact_date": "2026-03-01T09:45",
        "stable_date": "2026-03-01T11:00",
        "events": [],
    }
    return PmIncident.model_validate(base | fields)


def test_an_incident_keeps_its_own_words_and_gets_its_labels():
    incident = to_incident(_incident(), CATALOG, CLOCK, "https://pm.example.com", NOW)
    assert (incident.status, incident.severity) == ("stable", "moderate")
    assert [label.label for label in incident.labels] == ["scope:Staging", "service:API"]
    assert incident.incident_start == "2026-03-01T08:45:00Z"
    assert incident.closed_time == "" and incident.duration_seconds > 0
    unknown = to_incident(_incident(scope=9), CATALOG, CLOCK, "", NOW)
    assert unknown.labels[0].label == "scope:#9"


def test_events_become_a_timeline_oldest_first_with_stable_ids():
    events = [  # newest first, as Prod Manager sends them
        {"creation_date": "2026-03-01T11:05", "type": "comment", "content": "public words", "internal": False},
        {"creation_date": "2026-03-01T11:00", "type": "update",
         "content": json.dumps({"status": ["INVESTIGATING", "STABLE"], "stable_date": [None, "2026-03-01T11:00"]})},
        {"creation_date": "2026-03-01T10:30", "type": "update",
         "content": json.dumps({"name": ["Queue", "Queue backlog"], "scope_id": [1, 2]})},
        {"creation_date": "2026-03-01T10:00", "type": "create", "content": "{}"},
    ]  # fmt: skip
    items = timeline(_incident(events=events), CATALOG, CLOCK)
    assert [i.activity_item_id for i in items] == ["1", "2", "3", "4"]
    assert [i.activity_kind for i in items] == [
        "incidentCreated",
        "incidentTitleChanged",
        "incidentStatusChanged",
        "userNote",
    ]
    assert items[1].body == (
        "changed the title from 'Queue' to 'Queue backlog'; moved it from scope:Production"
        " to scope:Staging"
    )
    assert items[2].body == "changed the status from investigating to stable"
    assert items[3].field_values == {"internal": False} and not items[3].immutable
    assert items[0].event_time == "2026-03-01T09:00:00Z"


def test_unreadable_dates_and_contents_do_not_crash():
    pm = _incident(
        creation_date="yesterday",
        events=[{"creation_date": None, "type": "update", "content": "not json"}],
    )
    incident = to_incident(pm, CATALOG, CLOCK, "", NOW)
    assert incident.created_time == ""
    item = timeline(pm, CATALOG, CLOCK)[0]
    assert (item.activity_kind, item.body, item.event_time) == (
        "incidentUpdated",
        "updated the incident",
        "",
    )
