"""IncidentIoBackend against the incident.io test server on 127.0.0.1: what it sends
(filters, pages, the idempotency key, edits), what it makes of the answers (the org's
own vocabularies, roles, updates, follow-ups, bad input), and what it refuses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.responses import HTMLResponse, JSONResponse, Response

from incident_tui import models as m
from incident_tui.backends.base import METHOD_LIST, idempotency_key
from incident_tui.backends.httpclient import RetryPolicy
from incident_tui.backends.incidentio import SERVED, IncidentIoBackend
from incident_tui.errors import (
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from tests.support.incidentio_server import (
    DROP,
    IncidentIoServer,
    Seen,
    client,
    incidentio_backend,
)


@pytest.fixture
async def inc() -> AsyncIterator[IncidentIoBackend]:
    async with incidentio_backend() as backend:
        yield backend


def server_of(backend: IncidentIoBackend) -> IncidentIoServer:
    return backend.server  # type: ignore[attr-defined]


async def listed(backend: IncidentIoBackend, **query) -> m.QueryIncidentsResponse:
    return await backend.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(**query)))


async def every_title(backend: IncidentIoBackend, **query) -> list[str]:
    titles: list[str] = []
    cursor = m.Cursor()
    for _ in range(100):
        response = await backend.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(**query), cursor=cursor)
        )
        titles += [i.title for i in response.incidents]
        if not response.cursor.has_more:
            return titles
        assert response.incidents, "hasMore with an empty page"
        cursor = response.cursor
    raise AssertionError("the cursor never ended")


def list_requests(server: IncidentIoServer) -> list[Seen]:
    return [s for s in server.requests if s.method == "GET" and s.path == "/v2/incidents"]


# --- the org's own words ---------------------------------------------------------------------


async def test_capabilities_carry_the_orgs_own_severities_and_statuses(inc):
    caps = inc.capabilities
    assert [t.value for t in caps.severities] == [
        "Low",
        "Medium",
        "High",
        "Total outage",
    ]
    assert [t.grafana for t in caps.severities] == ["minor", "major", "major", "critical"]
    # Grouped by category in the order an incident moves, then by rank.
    assert [t.value for t in caps.statuses][:7] == [
        "Triage",
        "Investigating",
        "Fixing",
        "Monitoring",
        "On hold",
        "Post-incident",
        "Closed",
    ]
    assert {t.value for t in caps.statuses if t.grafana == "resolved"} == {
        "Post-incident",
        "Closed",
        "Declined",
        "Merged",
        "Canceled",
    }
    assert caps.methods == SERVED and caps.roles == "fixed" and caps.drills


async def test_the_vocabularies_are_read_once_and_cached(inc):
    server = server_of(inc)
    server.add_incident("one")
    await listed(inc)
    await listed(inc)
    reads = [s.path for s in server.requests if s.path == "/v1/severities"]
    assert reads == ["/v1/severities"]


async def test_every_method_it_does_not_serve_raises_unimplemented(inc):
    missing = [row for row in METHOD_LIST if row.backend_method not in SERVED]
    assert {"add_activity", "add_label", "add_task", "update_incident_is_drill"} <= {
        row.backend_method for row in missing
    }
    for row in missing:
        with pytest.raises(Unimplemented) as caught:
            await getattr(inc, row.backend_method)(row.request())
        assert "incident.io does not offer" in caught.value.message


# --- listing ------------------------------------------------------------------------------------


async def test_list_follows_after_over_several_pages_without_gaps_or_repeats(inc):
    server = server_of(inc)
    for number in range(12):
        server.add_incident(f"incident {number:02d}")
    titles = await every_title(inc, limit=5)
    assert titles == [f"incident {n:02d}" for n in reversed(range(12))]
    sizes = [dict(s.query)["page_size"] for s in list_requests(server)]
    assert sizes == ["6", "6", "6"]  # one more than a page, so "more" is never a guess
    afters = [dict(s.query).get("after") for s in list_requests(server)]
    assert afters[0] is None and all(afters[1:])


async def test_a_limit_above_the_api_page_takes_several_api_pages(inc):
    server = server_of(inc)
    for number in range(260):
        server.add_incident(f"bulk {number}")
    response = await listed(inc, limit=255)
    assert len(response.incidents) == 255 and response.cursor.has_more
    sizes = [int(dict(s.query)["page_size"]) for s in list_requests(server)]
    assert max(sizes) == 250 and len(sizes) == 2


async def test_every_mode_is_listed_and_test_mode_shows_as_a_drill(inc):
    server = server_of(inc)
    server.add_incident("real")
    server.add_incident("practice", mode="test")
    response = await listed(inc)
    drills = {i.title: i.is_drill for i in response.incidents}
    assert drills == {"real": False, "practice": True}
    modes = [v for k, v in list_requests(server)[0].query if k == "mode[one_of]"]
    assert modes == ["standard", "retrospective", "test", "tutorial"]
    assert await every_title(inc, query_string="isdrill:true") == ["practice"]
    assert await every_title(inc, query_string="isdrill:false") == ["real"]


async def test_status_words_go_as_categories_or_status_ids(inc):
    server = server_of(inc)
    server.add_incident("fixing", status="Fixing")
    server.add_incident("closed", status="Closed")
    server.add_incident("declined", status="Declined")
    assert await every_title(inc, query_string="status:active") == ["fixing"]
    sent = [(k, v) for k, v in list_requests(server)[-1].query if k.startswith("status")]
    assert sent == [
        ("status_category[one_of]", "live"),
        ("status_category[one_of]", "paused"),
        ("status_category[one_of]", "triage"),
    ]
    # Resolved includes declined: the API's default would have hidden it.
    assert sorted(await every_title(inc, query_string="status:resolved")) == [
        "closed",
        "declined",
    ]
    assert await every_title(inc, include_statuses=["fix"]) == ["fixing"]
    sent = [(k, v) for k, v in list_requests(server)[-1].query if k.startswith("status")]
    assert sent == [("status[one_of]", server.status("Fixing")["id"])]


async def test_severity_type_and_declared_filters(inc):
    server = server_of(inc)
    server.add_incident("low", severity="Low")
    server.add_incident("outage", severity="Total outage", type_name="Security")
    server.add_incident("old", created_at=datetime.now(UTC) - timedelta(days=30))
    assert await every_title(inc, query_string="severity:critical") == ["outage"]
    assert await every_title(inc, severity="low") == ["low"]
    assert await every_title(inc, query_string="label:type:security") == ["outage"]
    sent = dict(list_requests(server)[-1].query)
    assert sent["incident_type[one_of]"] == server.types[1]["id"]
    assert sorted(await every_title(inc, query_string="declared:>-7d")) == ["low", "outage"]
    sent = dict(list_requests(server)[-1].query)
    assert "created_at[gte]" in sent
    assert await every_title(inc, query_string="-severity:critical isdrill:false") == [
        "low",
        "old",
    ]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("title:cpu", "title:cpu"),
        ("disk", "disk"),
        ("createdby:alice", "createdby:alice"),
        ("role:lead", "role:lead"),
        ("started:>-1d", "started:>-1d"),
        ("label:env:prod", "label:env:prod"),
        ("any(status:active severity:critical)", "any(status:active severity:critical)"),
    ],
)
async def test_terms_it_cannot_send_are_refused_naming_the_term(inc, query, named):
    with pytest.raises(InvalidArgument) as caught:
        await listed(inc, query_string=query)
    assert caught.value.message.startswith(f"{named}: incident.io")
    assert not list_requests(server_of(inc))


async def test_an_unknown_type_or_status_word_names_the_orgs_own(inc):
    with pytest.raises(InvalidArgument) as caught:
        await listed(inc, query_string="label:type:nope")
    assert "its types: Default, Security" in caught.value.message
    with pytest.raises(InvalidArgument) as caught:
        await listed(inc, include_statuses=["bogus"])
    assert "Investigating" in caught.value.message


async def test_a_cursor_from_another_query_is_refused(inc):
    server = server_of(inc)
    for number in range(4):
        server.add_incident(f"i{number}")
    first = await listed(inc, limit=2)
    with pytest.raises(InvalidArgument, match="cursor"):
        await inc.query_incidents(
            m.QueryIncidentsRequest(
                query=m.IncidentsQuery(limit=2, query_string="isdrill:true"), cursor=first.cursor
            )
        )


# --- reading one ----------------------------------------------------------------------------------


async def test_get_shows_roles_labels_custom_fields_and_read_only_tasks(inc):
    server = server_of(inc)
    ident = server.add_incident("payments down", type_name="Security", summary="card errors")
    server.incidents[ident].roles[server.role("Incident Lead")["id"]] = server.user("Bob")["id"]
    server.incidents[ident].custom_fields = [
        {
            "custom_field": {"id": "CF1", "name": "Affected Team", "description": "who"},
            "values": [{"value_option": {"id": "O1", "value": "Payments"}}],
        }
    ]
    server.add_follow_up(ident, "Add an alert")
    server.add_action(ident, "Restart the workers")
    incident = (await inc.get_incident(m.GetIncidentRequest(incident_id=ident))).incident
    assert incident.summary == "card errors"
    assert [label.label for label in incident.labels] == [
        "type:Security",
        "Affected Team: Payments",
    ]
    assert [(r.role, r.user.name) for r in incident.roles] == [("Incident Lead", "Bob")]
    tasks = incident.task_list.tasks
    assert [(t.text, t.status, t.immutable) for t in tasks] == [
        ("Add an alert", "todo", True),
        ("action: Restart the workers", "done", True),
    ]
    assert tasks[0].assigned_user is not None and tasks[0].assigned_user.name == "Carol"
    assert incident.task_list.todo_count == 1 and incident.task_list.done_count == 1


async def test_an_unknown_incident_is_not_found(inc):
    with pytest.raises(NotFound, match="incident.io has no incident"):
        await inc.get_incident(m.GetIncidentRequest(incident_id="01NOSUCHINCIDENT0000000000"))
    with pytest.raises(NotFound):
        await inc.get_incident(m.GetIncidentRequest(incident_id="../v1/identity"))


async def test_the_timeline_is_the_declaration_and_every_update_with_authors(inc):
    server = server_of(inc)
    ident = server.add_incident("queue backlog")
    for number in range(30):
        server.add_update(ident, f"update {number}", status="Fixing" if number == 3 else None)
    items = (
        await inc.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=ident, limit=500))
        )
    ).activity_items
    assert items[0].activity_kind == "incidentCreated" and items[0].user.name == "Alice"
    bodies = [i.body.split("\n")[0] for i in items[1:]]
    assert bodies == [f"update {n}" for n in range(30)]
    assert all(i.user.name == "Bob" for i in items[1:])
    assert items[4].field_values["status"] == "Fixing"
    pages = [s for s in server.requests if s.path == "/v2/incident_updates"]
    assert all(dict(s.query)["incident_id"] == ident for s in pages)
    # Our own paging over it: 31 items, 10 at a time, newest first.
    seen: list[str] = []
    cursor = m.Cursor()
    while True:
        response = await inc.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(incident_id=ident, limit=10, order_direction="DESC"),
                cursor=cursor,
            )
        )
        seen += [i.activity_item_id for i in response.activity_items]
        if not response.cursor.has_more:
            break
        cursor = response.cursor
    assert seen == [i.activity_item_id for i in reversed(items)]


# --- declaring ----------------------------------------------------------------------------------


async def test_declare_sends_the_orgs_ids_and_a_fresh_idempotency_key(inc):
    server = server_of(inc)
    first = await inc.create_incident(
        m.CreateIncidentRequest(
            title="Checkout failing",
            severity="hi",
            status="fixing",
            labels=[m.IncidentLabel(label="type:Security")],
        )
    )
    second = await inc.create_incident(m.CreateIncidentRequest(title="Second", is_drill=True))
    bodies = [s.json() for s in server.writes()]
    assert bodies[0]["severity_id"] == server.severity("High")["id"]
    assert bodies[0]["incident_status_id"] == server.status("Fixing")["id"]
    assert bodies[0]["incident_type_id"] == server.types[1]["id"]
    assert bodies[0]["visibility"] == "public" and bodies[0]["mode"] == "standard"
    assert bodies[1]["mode"] == "test" and "severity_id" not in bodies[1]
    assert bodies[0]["idempotency_key"] != bodies[1]["idempotency_key"]
    assert first.incident.severity == "High" and first.incident.status == "Fixing"
    assert second.incident.is_drill


async def test_a_create_whose_answer_was_lost_is_retried_with_the_same_key(inc):
    server = server_of(inc)
    lost = {"n": 0}

    def lose_first_answer(seen: Seen) -> Response | None:
        if seen.method == "POST" and seen.path == "/v2/incidents" and lost["n"] == 0:
            lost["n"] += 1
            server._route(seen)  # the incident is made ...
            return JSONResponse({"type": "internal_error", "status": 502}, status_code=502)
        return None  # ... but its answer never arrives

    server.fault = lose_first_answer
    response = await inc.create_incident(m.CreateIncidentRequest(title="Once only"))
    keys = [s.json()["idempotency_key"] for s in server.writes()]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert [i.name for i in server.incidents.values()] == ["Once only"]
    assert response.incident.incident_id == next(iter(server.incidents))


async def test_the_durable_layers_key_is_the_one_sent(inc):
    server = server_of(inc)
    with idempotency_key("outbox-entry-7"):
        await inc.create_incident(m.CreateIncidentRequest(title="Queued while offline"))
        await inc.create_incident(m.CreateIncidentRequest(title="Queued while offline"))
    assert [s.json()["idempotency_key"] for s in server.writes()] == ["outbox-entry-7"] * 2
    assert len(server.incidents) == 1


async def test_a_422_is_one_readable_message(inc):
    with pytest.raises(InvalidArgument) as caught:
        await inc.create_incident(
            m.CreateIncidentRequest(title="Too late", status="Closed", is_drill=True)
        )
    assert caught.value.message == (
        "incident.io refused the request: incident_status_id: Only a retrospective incident"
        " can be declared in this status (HTTP 422)"
    )


async def test_declare_refuses_what_incident_io_cannot_take(inc):
    for request, words in (
        (m.CreateIncidentRequest(title=" "), "title is required"),
        (m.CreateIncidentRequest(title="x", severity="sev9"), "has no severity 'sev9'"),
        (
            m.CreateIncidentRequest(title="x", labels=[m.IncidentLabel(label="env:prod")]),
            "type:NAME",
        ),
        (m.CreateIncidentRequest(title="x", attach_url="https://x"), "no link"),
    ):
        with pytest.raises(InvalidArgument, match=words):
            await inc.create_incident(request)
    assert not server_of(inc).writes()


# --- editing ------------------------------------------------------------------------------------


async def test_edits_send_only_what_changes_and_record_updates(inc):
    server = server_of(inc)
    ident = server.add_incident("slow api", severity="Low")
    renamed = await inc.update_title(m.UpdateTitleRequest(incident_id=ident, title="Slow API"))
    assert renamed.incident.title == "Slow API"
    severe = await inc.update_severity(m.UpdateSeverityRequest(incident_id=ident, severity="major"))
    assert severe.incident.severity == "High"  # the most severe "major" one
    resolved = await inc.update_status(m.UpdateStatusRequest(incident_id=ident, status="resolved"))
    assert resolved.incident.status == "Post-incident" and resolved.incident.closed_time
    again = await inc.update_status(m.UpdateStatusRequest(incident_id=ident, status="post"))
    assert again.incident.status == "Post-incident"
    bodies = [s.json() for s in server.writes()]
    assert bodies == [
        {"incident": {"name": "Slow API"}, "notify_incident_channel": False},
        {
            "incident": {"severity_id": server.severity("High")["id"]},
            "notify_incident_channel": False,
        },
        {
            "incident": {"incident_status_id": server.status("Post-incident")["id"]},
            "notify_incident_channel": False,
        },
    ]  # the status it already had: nothing sent
    kinds = [
        i.activity_kind
        for i in (
            await inc.query_activity(
                m.QueryActivityRequest(query=m.ActivityQuery(incident_id=ident))
            )
        ).activity_items
    ]
    assert kinds == ["incidentCreated", "incidentSeverityChanged", "incidentStatusChanged"]


async def test_roles_are_the_orgs_and_assign_and_unassign_through_edit(inc):
    server = server_of(inc)
    ident = server.add_incident("dns")
    roles = (await inc.get_roles()).roles
    assert [(r.role_id, r.name) for r in roles] == [
        (1, "Incident Lead"),
        (2, "Reporter"),
        (3, "Comms Lead"),
    ]
    bob = server.user("Bob")["id"]
    done = await inc.assign_role(m.AssignRoleRequest(incident_id=ident, user_id=bob, role="comms"))
    assert done.did_change and [(r.role, r.user.user_id) for r in done.incident.roles] == [
        ("Comms Lead", bob)
    ]
    same = await inc.assign_role(
        m.AssignRoleRequest(incident_id=ident, user_id=bob, role="Comms Lead")
    )
    assert not same.did_change
    members = await inc.get_incident_membership(m.GetIncidentMembershipRequest(incident_id=ident))
    assert [(a.role.name, a.role_id, a.user.user_id) for a in members.assignments] == [
        ("Comms Lead", 3, bob)
    ]
    gone = await inc.unassign_role(
        m.UnassignRoleRequest(incident_id=ident, user_id=bob, role="comms")
    )
    assert gone.did_change and gone.incident.roles == []
    edits = [s.json()["incident"] for s in server.writes()]
    role_id = server.role("Comms Lead")["id"]
    assert edits == [
        {"incident_role_assignments": [{"incident_role_id": role_id, "assignee": {"id": bob}}]},
        {"incident_role_assignments": [{"incident_role_id": role_id}]},
    ]
    with pytest.raises(InvalidArgument, match="its roles: Incident Lead, Reporter, Comms Lead"):
        await inc.assign_role(m.AssignRoleRequest(incident_id=ident, user_id=bob, role="scribe"))
    with pytest.raises(InvalidArgument, match="User not found"):
        await inc.assign_role(m.AssignRoleRequest(incident_id=ident, user_id="nobody", role="lead"))


async def test_users_are_listed_and_shown(inc):
    server = server_of(inc)
    users = (await inc.query_users()).users
    assert [u.name for u in users] == ["Alice", "Bob", "Carol"]
    one = await inc.get_user(m.GetUserRequest(user_id=server.user("Carol")["id"]))
    assert one.user.email == "carol@example.com"


async def test_a_read_only_context_serves_no_write(inc):
    server = server_of(inc)
    readonly = client(server, readonly=True)
    try:
        assert readonly.capabilities.read_only
        with pytest.raises(PermissionDenied, match="read-only"):
            await readonly.create_incident(m.CreateIncidentRequest(title="nope"))
    finally:
        await readonly.close()
    assert not server.writes()


# --- the link and the server's refusals ------------------------------------------------------------


async def test_429_waits_for_retry_after_then_succeeds(inc):
    server = server_of(inc)
    server.add_incident("busy")
    limited = {"n": 0}

    def rate_limit_once(seen: Seen) -> Response | None:
        if seen.path == "/v2/incidents" and limited["n"] == 0:
            limited["n"] += 1
            return JSONResponse(
                {"type": "rate_limited", "status": 429, "errors": []},
                status_code=429,
                headers={"Retry-After": "1"},
            )
        return None

    server.fault = rate_limit_once
    loop_time = __import__("time").monotonic
    started = loop_time()
    response = await listed(inc)
    assert [i.title for i in response.incidents] == ["busy"]
    assert loop_time() - started >= 0.9  # it waited as asked, not its own short backoff
    assert len(list_requests(server)) == 2


async def test_429_asking_for_a_long_wait_fails_at_once_saying_so(inc):
    server = server_of(inc)
    server.fault = lambda seen: JSONResponse(
        {
            "type": "rate_limited",
            "status": 429,
            "errors": [{"code": "rate_limited", "message": "Too many requests"}],
        },
        status_code=429,
        headers={"Retry-After": "60"},
    )
    with pytest.raises(Unavailable) as caught:
        await listed(inc)
    assert caught.value.message == (
        "incident.io is rate limiting requests: Too many requests (HTTP 429); try again in 60 s"
    )


async def test_a_wrong_key_html_and_500_are_one_clear_message():
    async with incidentio_backend(retry=RetryPolicy(attempts=2, base_delay=0.01)) as inc:
        server = server_of(inc)
        stranger = client(server, token="inc_wrong")
        try:
            with pytest.raises(Unauthenticated, match="refused the API key from the token"):
                await listed(stranger)
        finally:
            await stranger.close()
        server.fault = lambda seen: HTMLResponse("<html><title>Bad gateway</title></html>", 502)
        with pytest.raises(Unavailable, match=r"an HTML page \(Bad gateway\)"):
            await listed(inc)
        server.fault = lambda seen: Response(
            b'{"incidents": 3}', 200, media_type="application/json"
        )
        with pytest.raises(Unavailable, match="not a incident.io incident list"):
            await listed(inc)


# --- bad input ----------------------------------------------------------------------------------


async def test_bad_input_from_the_server_is_shown_never_a_crash(inc):
    server = server_of(inc)
    odd = server.add_incident("odd one")
    server.raw[odd] = {
        "name": None,  # null where the document says string
        "summary": None,
        "mode": "rehearsal",  # an enum value the document does not list
        "incident_status": {"id": "S9", "name": "Escalated", "category": "brand_new", "rank": None},
        "severity": {"id": "SV9", "name": "SEV-X"},  # unknown to the org's list
        "creator": DROP,  # missing optional fields
        "created_at": DROP,
        "incident_role_assignments": None,
        "custom_field_entries": [{"custom_field": None, "values": [{"value_text": None}]}],
        "surprise": {"nested": [1, 2, 3]},  # an extra field
    }
    listed_odd = (await listed(inc)).incidents[0]
    shown = (await inc.get_incident(m.GetIncidentRequest(incident_id=odd))).incident
    for incident in (listed_odd, shown):
        assert incident.title == "INC-1"  # no name: its reference
        assert incident.status == "Escalated" and incident.severity == "SEV-X"
        assert not incident.is_drill and incident.summary == ""
        assert incident.created_time == "" and incident.created_by_user == m.UserPreview()
    items = (
        await inc.query_activity(m.QueryActivityRequest(query=m.ActivityQuery(incident_id=odd)))
    ).activity_items
    assert items[0].activity_kind == "incidentCreated"


async def test_an_update_with_nulls_and_unknown_fields_still_shows(inc):
    server = server_of(inc)
    ident = server.add_incident("noisy")
    server.updates.append(
        {
            "id": "U1",
            "incident_id": ident,
            "message": None,
            "new_incident_status": None,
            "updater": {"api_key": {"id": "K1", "name": None}},
            "created_at": "not a time",
            "brand_new": True,
        }
    )
    items = (
        await inc.query_activity(m.QueryActivityRequest(query=m.ActivityQuery(incident_id=ident)))
    ).activity_items
    assert items[-1].body == "update" and items[-1].user.name == "API key an API key"


# --- the test server keeps the client honest -----------------------------------------------------


async def test_the_server_refuses_requests_off_the_document():
    import httpx

    async with incidentio_backend() as inc:
        server = server_of(inc)
        token = server.issue_token()
        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url) as raw:
            await raw.get("/v2/incidents", params={"status_category[gte]": "live"}, headers=auth)
            await raw.get("/v2/incidents", params={"sort": "name"}, headers=auth)
            await raw.get("/v2/incidents")
            await raw.post(
                "/v2/incidents",
                headers={**auth, "Content-Type": "application/json"},
                content=json.dumps({"idempotency_key": "k", "visibility": "public", "titel": "x"}),
            )
            await raw.delete("/v2/incidents/abc", headers=auth)
        found = server.take_violations()
    assert len(found) == 5
    assert "operator 'gte'" in found[0]
    assert "'sort' is not in the document" in found[1]
    assert "no Authorization: Bearer header" in found[2]
    assert "titel" in found[3]
    assert "DELETE is not a method" in found[4]


async def test_a_number_finds_the_incident_by_its_reference(inc):
    server = server_of(inc)
    first = server.add_incident("first")
    server.add_incident("declined one", status="Declined")
    server.add_incident("practice", mode="test")
    for number in range(3):
        server.add_incident(f"filler {number}")
    for typed in ("1", "2", "3"):
        shown = (await inc.get_incident(m.GetIncidentRequest(incident_id=typed))).incident
        assert shown.title == {"1": "first", "2": "declined one", "3": "practice"}[typed]
    assert shown.is_drill
    renamed = await inc.update_title(m.UpdateTitleRequest(incident_id="1", title="First!"))
    assert renamed.incident.incident_id == first and server.incidents[first].name == "First!"
    with pytest.raises(NotFound, match="incident.io has no incident INC-99"):
        await inc.get_incident(m.GetIncidentRequest(incident_id="99"))


async def test_opening_offline_still_opens_with_grafanas_words_until_the_org_answers():
    import socket

    from incident_tui.backends.httpclient import Timeouts
    from incident_tui.errors import Unreachable

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = IncidentIoBackend(
        f"http://127.0.0.1:{port}",
        "inc_key",
        timeouts=Timeouts(connect=0.5, read=0.5, write=0.5, pool=0.5, deadline=2),
        retry=RetryPolicy(attempts=1),
    )
    try:
        await backend.open()
        caps = backend.capabilities
        assert [t.value for t in caps.severities] == ["minor", "major", "critical"]
        assert [t.value for t in caps.statuses] == ["active", "resolved"]
        with pytest.raises(Unreachable, match=f"cannot reach 127.0.0.1:{port}"):
            await listed(backend)
    finally:
        await backend.close()


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (
            {
                "type": "validation_error",
                "status": 422,
                "errors": [
                    {"code": "is_required", "message": "is required", "source": {"field": "name"}},
                    {"code": "invalid", "message": "bad id", "source": {"field": "severity_id"}},
                ],
            },
            "name: is required; severity_id: bad id",
        ),
        ({"type": "not_found", "status": 404, "errors": []}, "not_found"),
        ({"errors": [{"code": "rate_limited"}]}, "rate_limited"),
        ({"errors": "nonsense", "message": "plain words"}, "plain words"),
        ("just a string", "just a string"),
    ],
)
def test_error_text_is_one_line_of_the_apis_reasons(body, shown):
    from incident_tui.backends.incidentio.backend import error_text

    assert error_text(json.dumps(body).encode(), "application/json") == shown
    raw = error_text(b"\x1b[31mred\x1b[0m oops", "text/plain")
    assert "\x1b" not in raw and raw.endswith("oops")  # nothing reaches the terminal raw


async def test_reopening_goes_to_the_first_live_status_by_rank_never_triage(inc):
    """``active`` (the console's reopen) is the org's first live status by rank, whatever
    order the API lists them in; without live statuses, the first paused one."""
    server = server_of(inc)
    server.statuses.reverse()  # Monitoring before Fixing before Investigating; Triage last
    inc._catalog = None
    ident = server.add_incident("db down", status="Closed")
    reopened = await inc.update_status(m.UpdateStatusRequest(incident_id=ident, status="active"))
    assert reopened.incident.status == "Investigating"
    assert server.incidents[ident].status_id == server.status("Investigating")["id"]

    server.statuses = [s for s in server.statuses if s["category"] != "live"]
    inc._catalog = None
    other = server.add_incident("cache cold", status="Closed")
    paused = await inc.update_status(m.UpdateStatusRequest(incident_id=other, status="active"))
    assert paused.incident.status == "On hold"


async def test_the_summary_goes_as_the_edit_summary_and_the_reference_is_kept(inc):
    server = server_of(inc)
    ident = server.add_incident("db down", summary="old words")
    number = server.incidents[ident].number
    got = await inc.get_incident(m.GetIncidentRequest(incident_id=ident))
    assert got.incident.reference == f"INC-{number}"
    assert got.incident.incident_id == ident
    text = "Primary lost its disk.\n\nFailing over."
    done = await inc.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=ident, summary=f"{text}\n")
    )
    assert done.incident.summary == text and done.incident.reference == f"INC-{number}"
    await inc.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=ident, summary=text)
    )  # unchanged: nothing sent
    cleared = await inc.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=ident, summary="")
    )
    assert cleared.incident.summary == ""
    assert [s.json()["incident"] for s in server.writes()] == [{"summary": text}, {"summary": ""}]
    # The wire form of a Grafana incident is unchanged: no reference key unless set.
    assert b"reference" not in m.Incident(incident_id="1").to_json_bytes()
