"""OneUptimeBackend against the OneUptime test server on 127.0.0.1: what it sends
(query/select/sort bodies, skip/limit pages, typed ids, the ApiKey header), what it
makes of the answers (the project's states and severities, notes and state changes),
and what it refuses or reports when the server misbehaves."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from incident_tui import models as m
from incident_tui.backends.base import METHOD_LIST
from incident_tui.backends.oneuptime import SERVED, OneUptimeBackend
from incident_tui.backends.oneuptime.backend import LIST_SELECT
from incident_tui.backends.oneuptime.wire import MAX_DESCRIPTION
from incident_tui.errors import (
    Indeterminate,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from tests.support.oneuptime_server import OneUptimeServer, client, oneuptime_backend


@pytest.fixture
async def ou() -> AsyncIterator[OneUptimeBackend]:
    async with oneuptime_backend() as backend:
        yield backend


def server_of(backend: OneUptimeBackend) -> OneUptimeServer:
    return backend.server  # type: ignore[attr-defined]


def lists(server: OneUptimeServer, path: str = "/api/incident/get-list") -> list[Any]:
    return [s for s in server.requests if s.path == path]


async def declare(backend: OneUptimeBackend, title: str = "Disk full on db-1", **fields):
    fields.setdefault("severity", "Minor Incident")
    return (await backend.create_incident(m.CreateIncidentRequest(title=title, **fields))).incident


# --- the vocabulary ----------------------------------------------------------------------


async def test_states_and_severities_are_the_projects_own_in_their_order(ou):
    caps = ou.capabilities
    assert [(t.value, t.grafana) for t in caps.statuses] == [
        ("Identified", "active"),
        ("Acknowledged", "active"),
        ("Resolved", "resolved"),
    ]
    # least to most severe: OneUptime's order 1 is the most severe
    assert [(t.value, t.grafana) for t in caps.severities] == [
        ("Minor Incident", "minor"),
        ("Major Incident", "major"),
        ("Critical Incident", "critical"),
    ]
    assert caps.labels == "fixed" and caps.internal_notes and caps.authors
    assert caps.methods == SERVED


async def test_a_state_added_in_the_project_is_read_when_an_incident_names_it(ou):
    server = server_of(ou)
    monitoring = server.add_state("Monitoring", 3)  # between Acknowledged and Resolved
    server.data["states"][server.state_named("Resolved")]["order"] = 4
    server.add_incident("Watching it", state="Monitoring")
    listed = await ou.query_incidents(m.QueryIncidentsRequest())
    assert listed.incidents[0].status == "Monitoring"
    assert [t.value for t in ou.capabilities.statuses] == [
        "Identified",
        "Acknowledged",
        "Monitoring",
        "Resolved",
    ]
    assert monitoring in server.data["states"]


async def test_unknown_states_and_severities_show_as_themselves(ou):
    server = server_of(ou)
    ghost_state, ghost_severity = (
        "0b9e3c1a-1d2e-4f50-8a61-7b8c9d0e1f21",
        ("c5d6e7f8-9a0b-4c1d-8e2f-3a4b5c6d7e81"),
    )
    server.add_incident("From elsewhere", state_id=ghost_state, severity_id=ghost_severity)
    listed = await ou.query_incidents(m.QueryIncidentsRequest())
    incident = listed.incidents[0]
    assert (incident.status, incident.severity) == (ghost_state, ghost_severity)
    got = await ou.get_incident(m.GetIncidentRequest(incident_id=incident.incident_id))
    assert got.incident.status == ghost_state
    assert got.incident.closed_time == ""  # not a resolved state: still open


# --- listing and paging ----------------------------------------------------------------------


async def test_a_list_pages_with_skip_and_limit_and_selects_only_what_it_shows(ou):
    server = server_of(ou)
    for n in range(1, 131):
        server.add_incident(f"incident {n:03d}")
    seen: list[str] = []
    cursor = m.Cursor()
    pages = 0
    while True:
        response = await ou.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=60), cursor=cursor)
        )
        pages += 1
        seen += [i.title for i in response.incidents]
        if not response.cursor.has_more:
            break
        cursor = response.cursor
    assert pages == 3
    assert seen == [f"incident {n:03d}" for n in range(130, 0, -1)]  # newest first
    requests = lists(server)
    assert [dict(s.query) for s in requests] == [
        {"skip": "0", "limit": "60"},
        {"skip": "60", "limit": "60"},
        {"skip": "120", "limit": "60"},
    ]
    body = json.loads(requests[0].body)
    assert body["select"] == LIST_SELECT
    assert "description" not in body["select"] and "rootCause" not in body["select"]
    assert body["sort"] == {"createdAt": -1}
    assert body["query"] == {"projectId": server.project}
    assert all(s.headers.get("apikey") for s in requests)


async def test_a_page_larger_than_100_is_asked_for_in_pages_of_100(ou):
    server = server_of(ou)
    for n in range(150):
        server.add_incident(f"incident {n}")
    response = await ou.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=140)))
    assert len(response.incidents) == 140 and response.cursor.has_more
    assert [dict(s.query)["limit"] for s in lists(server)] == ["100", "40"]


async def test_count_asks_the_count_path(ou):
    server = server_of(ou)
    for n in range(3):
        server.add_incident(f"open {n}")
    server.add_incident("closed", state="Resolved")
    assert await ou.count_incidents() == 4
    assert await ou.count_incidents(m.IncidentsQuery(query_string="status:active")) == 3
    assert await ou.count_incidents(m.IncidentsQuery(query_string="status:resolved")) == 1
    assert len(lists(server, "/api/incident/count")) == 3


async def test_filters_become_query_bodies(ou):
    server = server_of(ou)
    server.add_incident("Disk full", labels=("db",), severity="Critical Incident")
    server.add_incident("Disk slow", labels=("eu",))
    server.add_incident("API down", labels=("db",), state="Acknowledged")
    server.add_incident("Old", state="Resolved")

    async def titles(text: str) -> list[str]:
        response = await ou.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(query_string=text))
        )
        return sorted(i.title for i in response.incidents)

    assert await titles("label:db") == ["API down", "Disk full"]
    assert await titles("disk") == ["Disk full", "Disk slow"]
    assert await titles("status:resolved") == ["Old"]
    assert await titles("severity:critical") == ["Disk full"]
    assert await titles("-severity:minor") == ["Disk full"]
    assert await titles("any(label:db label:eu) -status:resolved") == [
        "API down",
        "Disk full",
        "Disk slow",
    ]
    assert await titles("status:active") == ["API down", "Disk full", "Disk slow"]
    body = json.loads(lists(server)[-1].body)
    wanted = {server.state_named("Identified"), server.state_named("Acknowledged")}
    assert body["query"]["currentIncidentStateId"] == {
        "_type": "Includes",
        "value": sorted(wanted),
    }
    # the console's own fields name the project's states in its words
    response = await ou.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(include_statuses=["Acknowledged"]))
    )
    assert [i.title for i in response.incidents] == ["API down"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("label:nosuch", "no label 'nosuch'"),
        ("declared:>2026-01-01 started:>2026-01-01", "cannot filter on the started time"),
        ("createdby:alice", "createdby:alice"),
        ("isdrill:true", "no drills"),
    ],
)
async def test_filters_it_cannot_send_are_refused_naming_the_term(ou, text, words):
    with pytest.raises(InvalidArgument) as caught:
        await ou.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(query_string=text)))
    assert words in str(caught.value)


async def test_a_cursor_of_another_query_is_refused(ou):
    server = server_of(ou)
    for n in range(3):
        server.add_incident(f"incident {n}")
    first = await ou.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1)))
    with pytest.raises(InvalidArgument, match="cursor"):
        await ou.query_incidents(
            m.QueryIncidentsRequest(
                query=m.IncidentsQuery(limit=1, query_string="status:resolved"),
                cursor=first.cursor,
            )
        )


# --- reading one ---------------------------------------------------------------------------


async def test_an_incident_is_found_by_number_or_by_its_id(ou):
    server = server_of(ou)
    uuid = server.add_incident(
        "Database down",
        description="Primary refuses connections.",
        root_cause="a full disk",
        postmortem="add disk alerts",
    )
    for reference in ("1", "INC-1", "#1", uuid):
        fresh = client(server)
        try:
            got = (await fresh.get_incident(m.GetIncidentRequest(incident_id=reference))).incident
        finally:
            await fresh.close()
        assert got.incident_id == "1" and got.title == "Database down"
    assert got.summary == (
        "Primary refuses connections.\n\nRoot cause: a full disk\n\nPostmortem: add disk alerts"
    )
    assert got.created_by_user.user_id == ""  # declared in the web app by nobody we know


async def test_the_summary_bound_counts_only_the_description_written(ou):
    """The summary shown ends with the root cause and postmortem note (not written back):
    a long postmortem does not make a short description edit too long."""
    server = server_of(ou)
    long_postmortem = "step " * 12_000  # 60 000 characters
    server.add_incident("Disk full", description="old", postmortem=long_postmortem)
    shown = (await ou.get_incident(m.GetIncidentRequest(incident_id="1"))).incident.summary
    assert len(shown) > MAX_DESCRIPTION
    edited = shown.replace("old", "new words", 1)
    done = await ou.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id="1", summary=edited)
    )
    assert done.incident.summary.startswith("new words")
    incident = next(iter(server.data["incidents"].values()))
    assert incident["description"] == "new words"
    with pytest.raises(InvalidArgument, match="summary is too long"):
        await ou.update_incident_summary(
            m.UpdateIncidentSummaryRequest(incident_id="1", summary="x" * (MAX_DESCRIPTION + 1))
        )


@pytest.mark.parametrize("reference", ["99", "d0d0d0d0-1111-4222-8333-444455556666"])
async def test_an_unknown_incident_is_not_found(ou, reference):
    with pytest.raises(NotFound):
        await ou.get_incident(m.GetIncidentRequest(incident_id=reference))


async def test_a_malformed_id_is_not_found_without_asking(ou):
    server = server_of(ou)
    before = len(server.requests)
    with pytest.raises(NotFound):
        await ou.get_incident(m.GetIncidentRequest(incident_id="../../etc"))
    assert len(server.requests) == before


# --- writing -------------------------------------------------------------------------------


async def test_declaring_sends_typed_ids_the_severity_and_labels_by_id(ou):
    server = server_of(ou)
    incident = await declare(
        ou, "Checkout failing", severity="critical", labels=[m.IncidentLabel(label="EU")]
    )
    create = next(s for s in server.requests if s.path == "/api/incident")
    data = json.loads(create.body)["data"]
    assert data["incidentSeverityId"] == {
        "_type": "ObjectID",
        "value": server.severity_named("Critical Incident"),
    }
    assert data["projectId"] == {"_type": "ObjectID", "value": server.project}
    assert [label["_id"] for label in data["labels"]] == [
        next(i for i, r in server.data["labels"].items() if r["name"] == "eu")
    ]
    assert incident.severity == "Critical Incident"
    assert incident.status == "Identified"
    assert [label.label for label in incident.labels] == ["eu"]
    assert incident.created_by_user.name == "Alice Example"


async def test_declaring_with_a_label_the_project_lacks_is_refused_listing_its_labels(ou):
    server = server_of(ou)
    with pytest.raises(InvalidArgument) as caught:
        await declare(ou, labels=[m.IncidentLabel(label="sev-1")])
    assert "api, customer-impact, db, env:prod, eu" in str(caught.value)
    assert not [s for s in server.requests if s.path == "/api/incident"]


async def test_declaring_in_a_later_state_moves_it_there(ou):
    incident = await declare(ou, status="Acknowledged")
    assert incident.status == "Acknowledged"


async def test_state_changes_go_through_the_state_timeline_with_their_authors(ou):
    server = server_of(ou)
    incident = await declare(ou)
    iid = incident.incident_id
    moved = await ou.update_status(m.UpdateStatusRequest(incident_id=iid, status="acknowl"))
    assert moved.incident.status == "Acknowledged"
    resolved = await ou.update_status(m.UpdateStatusRequest(incident_id=iid, status="resolved"))
    assert resolved.incident.status == "Resolved" and resolved.incident.closed_time
    again = await ou.update_status(m.UpdateStatusRequest(incident_id=iid, status="resolved"))
    assert again.incident.status == "Resolved"
    reopened = await ou.update_status(m.UpdateStatusRequest(incident_id=iid, status="active"))
    assert reopened.incident.status == "Identified" and reopened.incident.closed_time == ""
    posts = [s for s in server.requests if s.path == "/api/incident-state-timeline"]
    assert len(posts) == 3  # resolving a resolved incident sends nothing
    items = (
        await ou.query_activity(m.QueryActivityRequest(query=m.ActivityQuery(incident_id=iid)))
    ).activity_items
    changes = [i.body for i in items if i.activity_kind.startswith("incident")]
    assert changes == [
        "declared the incident (Identified)",
        "changed the state to Acknowledged",
        "changed the state to Resolved",
        "changed the state to Identified",
    ]
    assert {i.user.name for i in items} == {"Alice Example"}


async def test_title_and_severity_updates_send_only_what_changed(ou):
    server = server_of(ou)
    incident = await declare(ou)
    iid = incident.incident_id
    await ou.update_title(m.UpdateTitleRequest(incident_id=iid, title="Disk full on db-2"))
    await ou.update_title(m.UpdateTitleRequest(incident_id=iid, title="Disk full on db-2"))
    got = await ou.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="major"))
    assert got.incident.severity == "Major Incident"
    assert got.incident.title == "Disk full on db-2"
    puts = [json.loads(s.body)["data"] for s in server.requests if s.method == "PUT"]
    assert puts == [
        {"title": "Disk full on db-2"},
        {
            "incidentSeverityId": {
                "_type": "ObjectID",
                "value": server.severity_named("Major Incident"),
            }
        },
    ]
    with pytest.raises(InvalidArgument, match="no severity 'sev9'"):
        await ou.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="sev9"))


async def test_labels_are_added_and_removed_as_the_whole_list(ou):
    incident = await declare(ou, labels=[m.IncidentLabel(label="db")])
    iid = incident.incident_id
    added = await ou.add_label(
        m.AddLabelRequest(incident_id=iid, label=m.IncidentLabel(label="eu"))
    )
    assert [label.label for label in added.incident.labels] == ["db", "eu"]
    removed = await ou.remove_label(m.RemoveLabelRequest(incident_id=iid, label="db"))
    assert [label.label for label in removed.incident.labels] == ["eu"]
    with pytest.raises(NotFound):
        await ou.remove_label(m.RemoveLabelRequest(incident_id=iid, label="db"))


async def test_notes_are_internal_unless_asked_public_and_form_the_timeline(ou):
    server = server_of(ou)
    incident = await declare(ou)
    iid = incident.incident_id
    internal = await ou.add_activity(m.AddActivityRequest(incident_id=iid, body="checking disks"))
    public = await ou.add_activity(
        m.AddActivityRequest(incident_id=iid, body="We are on it", field_values={"internal": False})
    )
    assert internal.activity_item.field_values == {"internal": True}
    assert public.activity_item.field_values == {"internal": False}
    assert internal.activity_item.user.name == "Alice Example"
    assert len(lists(server, "/api/incident-internal-note/get-list")) == 0
    assert [s.path for s in server.requests if s.method == "POST" and "note" in s.path][:2] == [
        "/api/incident-internal-note",
        "/api/incident-internal-note/"
        + internal.activity_item.activity_item_id.split(":")[1]
        + "/get-item",
    ]
    items = (
        await ou.query_activity(m.QueryActivityRequest(query=m.ActivityQuery(incident_id=iid)))
    ).activity_items
    notes = [(i.body, i.field_values["internal"]) for i in items if i.activity_kind == "userNote"]
    assert notes == [("checking disks", True), ("We are on it", False)]
    assert all(i.event_time and i.created_time for i in items)


async def test_the_timeline_pages_with_a_cursor(ou):
    incident = await declare(ou)
    iid = incident.incident_id
    for n in range(5):
        await ou.add_activity(m.AddActivityRequest(incident_id=iid, body=f"note {n}"))
    bodies: list[str] = []
    cursor = m.Cursor()
    while True:
        response = await ou.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=iid, limit=2), cursor=cursor)
        )
        bodies += [i.body for i in response.activity_items]
        if not response.cursor.has_more:
            break
        cursor = response.cursor
    assert bodies == ["declared the incident (Identified)"] + [f"note {n}" for n in range(5)]


async def test_methods_it_does_not_serve_raise_unimplemented_naming_oneuptime(ou):
    for row in METHOD_LIST:
        if row.backend_method in SERVED:
            continue
        with pytest.raises(Unimplemented, match="OneUptime"):
            await getattr(ou, row.backend_method)(row.request())


async def test_a_read_only_context_refuses_writes_before_sending():
    async with oneuptime_backend(readonly=True) as backend:
        server = server_of(backend)
        with pytest.raises(PermissionDenied):
            await declare(backend)
        assert not server.writes()


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (HTMLResponse("<html><head><title>Sign in</title></head></html>"), "HTML page (Sign in)"),
        (JSONResponse({"incidents": []}), "not a OneUptime incident list"),
        (JSONResponse({"data": [{"title": "no id"}], "count": 1}), "not a OneUptime incident list"),
        (JSONResponse([1, 2, 3]), "not a OneUptime incident list"),
        (JSONResponse({"message": "Server Error"}, status_code=500), "server error: Server Error"),
        (PlainTextResponse("upstream timeout", status_code=502), "server error"),
    ],
)
async def test_html_errors_and_odd_shapes_give_one_clear_message(ou, answer, words):
    server = server_of(ou)
    server.fault = lambda seen: answer if seen.path == "/api/incident/get-list" else None
    with pytest.raises(Unavailable) as caught:
        await ou.query_incidents(m.QueryIncidentsRequest())
    assert words in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


async def test_a_wrong_key_is_unauthenticated_and_the_key_is_never_shown(ou):
    server = server_of(ou)
    key = "1b2c3d4e-0000-4000-8000-000000000000"
    wrong = client(server, key=key)
    try:
        with pytest.raises(Unauthenticated) as caught:
            await wrong.query_incidents(m.QueryIncidentsRequest())
    finally:
        await wrong.close()
    assert "Invalid API Key" in str(caught.value)
    assert key not in str(caught.value) and key not in repr(wrong)


async def test_a_refusal_says_what_the_server_said(ou):
    server = server_of(ou)
    server.fault = lambda seen: (
        JSONResponse({"message": "You do not have permission to edit Incident"}, status_code=403)
        if seen.method == "PUT"
        else None
    )
    incident = await declare(ou)
    with pytest.raises(PermissionDenied, match="You do not have permission to edit Incident"):
        await ou.update_title(m.UpdateTitleRequest(incident_id=incident.incident_id, title="New"))


async def test_reads_are_retried_but_a_create_is_never_sent_twice(ou):
    server = server_of(ou)
    calls = {"list": 0}

    def flaky(seen):
        if seen.path == "/api/incident/get-list":
            calls["list"] += 1
            if calls["list"] == 1:
                return JSONResponse({"message": "busy"}, status_code=503)
        if seen.path == "/api/incident":
            return JSONResponse({"message": "boom"}, status_code=500)
        return None

    server.fault = flaky
    await ou.query_incidents(m.QueryIncidentsRequest())
    assert calls["list"] == 2
    with pytest.raises(Unavailable):
        await declare(ou)
    assert len([s for s in server.requests if s.path == "/api/incident"]) == 1


async def test_a_hung_server_fails_within_the_deadline():
    from incident_tui.backends.httpclient import RetryPolicy, Timeouts

    async with oneuptime_backend(
        timeouts=Timeouts(connect=2, read=0.5, write=2, pool=2, deadline=1.5),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.02),
    ) as backend:
        server = server_of(backend)

        def slow(seen):
            if seen.path == "/api/incident":
                import time

                time.sleep(1.0)
                return Response(status_code=200, content=b"{}")
            return None

        server.fault = slow
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(Indeterminate):
            await declare(backend)
        assert loop.time() - started < 3
        await asyncio.sleep(1.1)  # let the slow answer finish before the server stops
        assert len([s for s in server.requests if s.path == "/api/incident"]) == 1


def test_the_key_never_goes_over_plain_http_beyond_this_machine():
    from incident_tui.config import ConfigError

    project = "5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e"
    with pytest.raises(ConfigError, match="plain http"):
        OneUptimeBackend("http://oneuptime.example.com", "k", project)
    assert OneUptimeBackend("http://localhost:3002/api/", "k", project).api == (
        "http://localhost:3002/api"
    )
    with pytest.raises(ConfigError, match="project id"):
        OneUptimeBackend("https://oneuptime.example.com", "k", "my-project")


async def test_count_takes_the_consoles_structured_query_and_refuses_what_it_cannot_count(ou):
    server = server_of(ou)
    server.add_incident("disk full", severity="Critical Incident")
    server.add_incident("disk slow", severity="Critical Incident", state="Resolved")
    server.add_incident("cpu hot", severity="Major Incident", state="Acknowledged")
    assert ou.capabilities.counts
    active = m.IncidentsQuery(include_statuses=["active"], severity="Critical Incident")
    assert await ou.count_incidents(active) == 1
    assert await ou.count_incidents(m.IncidentsQuery(include_statuses=["active"])) == 2
    assert await ou.count_incidents(m.IncidentsQuery(query_string="disk")) == 2
    before = len(server.requests)
    with pytest.raises(Unimplemented, match="one title word"):
        await ou.count_incidents(m.IncidentsQuery(query_string="disk full"))
    assert len(server.requests) == before  # refused before asking


async def test_the_durable_layer_counts_through_until_a_write_waits(ou, tmp_path):
    from incident_tui.durable import DurableBackend

    server = server_of(ou)
    server.add_incident("disk full")
    durable = await DurableBackend(ou, tmp_path / "outbox.db").open()
    try:
        assert durable.capabilities.counts
        assert await durable.count_incidents(m.IncidentsQuery(include_statuses=["active"])) == 1

        def down(seen):
            if seen.path == "/api/incident":
                return JSONResponse({"message": "maintenance"}, status_code=503)
            return None

        server.fault = down
        response = await durable.create_incident(
            m.CreateIncidentRequest(title="queued one", severity="Minor Incident")
        )
        assert durable.entries, "the declare should wait in the outbox"
        asked = len(server.requests)
        with pytest.raises(Unimplemented, match="outbox"):
            await durable.count_incidents(m.IncidentsQuery(include_statuses=["active"]))
        assert len(server.requests) == asked
        assert response.incident.title == "queued one"
    finally:
        server.fault = None
        await durable.close()
