"""OneUptime's records and project vocabulary in the console's words (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from incident_tui.backends.oneuptime.mapping import (
    Catalog,
    description_from_summary,
    incident_id,
    severity_name,
    state_name,
    summary,
    to_incident,
)
from incident_tui.backends.oneuptime.wire import OuIncident, OuRef, parse_time, unwrap

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
S1, S2, S3 = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))


def ref(ident: str, name: str, order: int, **facts) -> OuRef:
    return OuRef.model_validate({"_id": ident, "name": name, "order": order, **facts})


def test_severities_of_any_names_map_by_rank_least_severe_first() -> None:
    catalog = Catalog(
        severities={
            "a": ref("a", "P1", 1),
            "b": ref("b", "P2", 2),
            "c": ref("c", "P3", 3),
            "d": ref("d", "P4", 4),
        }
    )
    assert [(t.value, t.grafana) for t in catalog.severity_terms] == [
        ("P4", "minor"),
        ("P3", "major"),
        ("P2", "major"),
        ("P1", "critical"),
    ]


def test_states_in_order_with_resolved_ones_resolved() -> None:
    catalog = Catalog(
        states={
            S3: ref(S3, "Closed", 9, isResolvedState=True),
            S1: ref(S1, "New", 1),
            S2: ref(S2, "Monitoring", 5),
        }
    )
    assert [(t.value, t.grafana) for t in catalog.status_terms] == [
        ("New", "active"),
        ("Monitoring", "active"),
        ("Closed", "resolved"),
    ]
    assert catalog.state_id("monitoring") == S2


def test_unknown_states_and_severities_show_their_name_else_their_id() -> None:
    catalog = Catalog()
    named = OuIncident.model_validate(
        {
            "_id": S1,
            "currentIncidentStateId": {"_type": "ObjectID", "value": S2},
            "currentIncidentState": {"_id": S2, "name": "Triage"},
            "incidentSeverityId": S3,
        }
    )
    assert state_name(named, catalog) == "Triage"
    assert severity_name(named, catalog) == S3
    incident = to_incident(named, catalog, "https://ou.example.com", S1, NOW)
    assert (incident.status, incident.severity, incident.incident_id) == ("Triage", S3, S1)


def test_typed_values_numbers_and_times_are_read_in_either_form() -> None:
    assert unwrap({"_type": "ObjectID", "value": S1}) == S1
    assert parse_time({"_type": "DateTime", "value": "2026-11-30T09:30:00.000Z"}) == datetime(
        2026, 11, 30, 9, 30, tzinfo=UTC
    )
    assert parse_time("yesterday") is None and parse_time(42) is None
    assert incident_id(OuIncident.model_validate({"_id": S1, "incidentNumber": 42.0})) == "42"
    assert incident_id(OuIncident.model_validate({"_id": S1, "incidentNumber": True})) == S1


def test_the_summary_holds_description_root_cause_and_postmortem() -> None:
    incident = OuIncident.model_validate(
        {"_id": S1, "description": "Down.", "rootCause": "", "postmortemNote": "Add alerts."}
    )
    assert summary(incident) == "Down.\n\nPostmortem: Add alerts."


def test_an_edited_summary_gives_back_only_the_description():
    """The console shows description, root cause and postmortem as one summary; what is
    saved is the description: the two added parts, left as shown at the end, come off."""
    full = OuIncident.model_validate(
        {
            "_id": S1,
            "description": "Payments fail.",
            "rootCause": "bad deploy",
            "postmortemNote": "canary",
        }
    )
    shown = summary(full)
    assert shown == "Payments fail.\n\nRoot cause: bad deploy\n\nPostmortem: canary"
    assert description_from_summary(shown, full) == "Payments fail."
    assert description_from_summary(f"Card too.\n\n{shown}", full) == (
        "Card too.\n\nPayments fail."
    )
    # Only the root cause shown, or nothing but the added parts: the description is empty.
    assert description_from_summary("Root cause: bad deploy\n\nPostmortem: canary", full) == ""
    # Edited added parts are the person's words: kept in the description.
    assert description_from_summary("x\n\nRoot cause: a typo", full) == ("x\n\nRoot cause: a typo")
    bare = OuIncident.model_validate({"_id": S1, "description": None})
    assert description_from_summary("  new words \n", bare) == "new words"
