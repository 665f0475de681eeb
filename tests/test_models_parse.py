"""Parsing what real servers and clients send: Go's nulls become the defaults at every
depth, in JSON and in Python input alike, while a wrong type is still refused by path."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from incident_tui import models as m

# A QueryIncidents reply as a Go server writes it with every list and object unset.
GO_NULLS = {
    "incidents": [
        {
            "incidentID": "7",
            "labels": None,
            "createdByUser": None,
            "roles": [{"role": "commander", "user": None}],
            "incidentMembership": {
                "assignments": [{"user": None, "role": None}],
                "totalAssignments": 1,
            },
            "taskList": {"tasks": None, "todoCount": 0},
        }
    ],
    "query": None,
    "cursor": None,
}


@pytest.mark.parametrize("form", ["json", "python"])
def test_nulls_become_defaults_at_every_depth(form: str) -> None:
    if form == "json":
        page = m.QueryIncidentsResponse.model_validate_json(json.dumps(GO_NULLS))
    else:
        page = m.QueryIncidentsResponse.model_validate(GO_NULLS)
    incident = page.incidents[0]
    assert incident.labels == [] and incident.created_by_user == m.UserPreview()
    assert incident.roles[0].user == m.UserPreview()
    assignment = incident.incident_membership.assignments[0]
    assert assignment.user == m.UserPreview() and assignment.role == m.Role()
    assert incident.task_list.tasks == []
    assert page.query == m.IncidentsQuery() and page.cursor == m.Cursor()
    assert "null" not in page.to_json()


def test_defaults_are_fresh_objects_not_shared() -> None:
    one = m.Incident.model_validate_json('{"labels": null}')
    two = m.Incident.model_validate_json('{"labels": null}')
    one.labels.append(m.IncidentLabel(label="db"))
    assert two.labels == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"incidents": "none"}, ("incidents",)),
        ({"incidents": [{"labels": [{"label": 7}]}]}, ("incidents", 0, "labels", 0, "label")),
        ({"incidents": [{"taskList": {"tasks": [{"text": None}]}}]},
         ("incidents", 0, "taskList", "tasks", 0, "text")),
        ({"cursor": {"hasMore": "perhaps"}}, ("cursor", "hasMore")),
        ({"incidents": [{"durationSeconds": 2**63}]}, ("incidents", 0, "durationSeconds")),
    ],
)  # fmt: skip
def test_wrong_types_are_still_refused_naming_the_path(body: dict, where: tuple) -> None:
    with pytest.raises(ValidationError) as info:
        m.QueryIncidentsResponse.model_validate_json(json.dumps(body))
    assert info.value.errors()[0]["loc"] == where
