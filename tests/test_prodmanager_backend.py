"""ProdManagerBackend against the Prod Manager test server on 127.0.0.1: what it sends
(form posts, whole records, dates in the server's zone, its filters and pages), what it
makes of the answers, and what it refuses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from incident_tui import models as m
from incident_tui.backends.base import METHOD_LIST
from incident_tui.backends.prodmanager import SERVED, ProdManagerBackend
from incident_tui.errors import (
    Indeterminate,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from tests.support.prodmanager_server import ProdManagerServer, client, prodmanager_backend


@pytest.fixture
async def pm() -> AsyncIterator[ProdManagerBackend]:
    async with prodmanager_backend() as backend:
        yield backend


def server_of(backend: ProdManagerBackend) -> ProdManagerServer:
    return backend.server  # type: ignore[attr-defined]


async def declare(backend: ProdManagerBackend, title: str = "Disk full on db-1", **fields):
    fields.setdefault("severity", "high")
    response = await backend.create_incident(m.CreateIncidentRequest(title=title, **fields))
    return response.incident


def form_of(seen) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(seen.body.decode(), keep_blank_values=True).items()}


# --- declaring ----------------------------------------------------------------------------


async def test_declaring_posts_a_form_in_the_server_zone_and_follows_the_302():
    summer = datetime(2026, 7, 1, 8, 5, 30, tzinfo=UTC)
    async with prodmanager_backend(now=lambda: summer) as pm:
        await _declare_and_check(pm)


async def _declare_and_check(pm: ProdManagerBackend) -> None:
    server = server_of(pm)
    incident = await declare(pm, "Payments failing", severity="critical")
    post = server.writes()[-1]
    assert post.path == "/api/incident/create"
    assert post.content_type == "application/x-www-form-urlencoded"
    sent = form_of(post)
    assert sent["name"] == "Payments failing"
    assert sent["severity"] == "critical"
    assert (sent["scope"], sent["service"]) == ("1", "1")
    assert sent["start_impact_date"] == "2026-07-01T10:05"  # Paris time, no zone
    assert incident.incident_start == "2026-07-01T08:05:00Z"
    stored = server.incidents[int(incident.incident_id)]
    assert stored.name == "Payments failing"
    assert incident.title == "Payments failing"
    assert incident.severity == "critical"
    assert incident.status == "active"
    assert [label.label for label in incident.labels] == ["scope:Production", "service:API"]
    assert incident.overview_url == f"{server.url}/incident/{incident.incident_id}"


async def test_dates_are_read_in_the_server_zone_and_given_in_utc(pm):
    server = server_of(pm)
    ident = server.add_incident("Old outage", start=datetime(2026, 1, 15, 10, 30))
    incident = (await pm.get_incident(m.GetIncidentRequest(incident_id=str(ident)))).incident
    assert incident.incident_start == "2026-01-15T09:30:00Z"  # Paris is UTC+1 in January


async def test_labels_choose_the_scope_and_service(pm):
    incident = await declare(
        pm,
        labels=[m.IncidentLabel(label="scope:staging"), m.IncidentLabel(label="service:Database")],
    )
    assert [label.label for label in incident.labels] == ["scope:Staging", "service:Database"]


async def test_an_unknown_label_is_refused_naming_what_exists(pm):
    with pytest.raises(InvalidArgument) as caught:
        await declare(pm, labels=[m.IncidentLabel(label="db")])
    assert "scope:NAME" in str(caught.value) and "Production" in str(caught.value)
    with pytest.raises(InvalidArgument) as caught:
        await declare(pm, labels=[m.IncidentLabel(label="scope:Moon")])
    assert "Moon" in str(caught.value)
    assert server_of(pm).writes() == []


async def test_without_defaults_a_choice_of_scopes_must_be_named():
    async with prodmanager_backend() as backend:
        bare = client(server_of(backend))
        try:
            with pytest.raises(InvalidArgument) as caught:
                await declare(bare)
            assert "scope:NAME" in str(caught.value) and "set scope in the context" in str(
                caught.value
            )
        finally:
            await bare.close()


@pytest.mark.parametrize("title", ["", "  ", "abc", "x" * 1001])
async def test_titles_prod_manager_would_refuse_are_refused_before_sending(pm, title):
    with pytest.raises(InvalidArgument):
        await declare(pm, title)
    assert server_of(pm).writes() == []


async def test_the_server_itself_refuses_a_short_name_with_its_error_shape(pm):
    server = server_of(pm)
    import httpx

    token = server.issue_token()
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{server.url}/api/incident/create",
            data={
                "name": "abc",
                "scope": "1",
                "service": "1",
                "severity": "low",
                "start_impact_date": "2026-01-01T10:00",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 400
    assert answer.json()["reasons"]["name"] == ["Field must be at least 4 characters long."]


@pytest.mark.parametrize(
    ("asked", "stored"),
    [("critical", "critical"), ("major", "high"), ("Moderate", "moderate"), ("lo", "low")],
)
async def test_severities_in_grafana_or_prod_manager_words(pm, asked, stored):
    incident = await declare(pm, severity=asked)
    assert incident.severity == stored


@pytest.mark.parametrize("severity", ["", "pending", "apocalyptic"])
async def test_a_severity_prod_manager_lacks_is_refused_listing_its_own(pm, severity):
    with pytest.raises(InvalidArgument) as caught:
        await declare(pm, severity=severity)
    assert "critical, high, moderate, low, minor" in str(caught.value)


async def test_a_retrospective_is_declared_then_walked_to_resolved(pm):
    incident = await declare(pm, status="resolved")
    assert incident.status == "resolved"
    assert incident.closed_time and incident.incident_end
    stored = server_of(pm).incidents[int(incident.incident_id)]
    assert stored.investigation_date and stored.stable_date and stored.resolve_date


async def test_drills_are_refused(pm):
    with pytest.raises(InvalidArgument, match="no drills"):
        await declare(pm, is_drill=True)


# --- updates carry the whole record ----------------------------------------------------------


async def test_renaming_posts_the_whole_record_so_nothing_else_is_lost(pm):
    server = server_of(pm)
    ident = server.add_incident("Queue backlog", description="consumers stuck\nsince 10:00")
    server.incidents[ident].external_reference = "OPS-12"
    server.incidents[ident].external_link = "https://tickets.example.com/OPS-12"
    renamed = await pm.update_title(
        m.UpdateTitleRequest(incident_id=str(ident), title="Queue stuck")
    )
    assert renamed.incident.title == "Queue stuck"
    stored = server.incidents[ident]
    assert stored.description == "consumers stuck\nsince 10:00"
    assert stored.external_reference == "OPS-12"
    assert stored.external_link == "https://tickets.example.com/OPS-12"
    assert renamed.incident.summary == "consumers stuck\nsince 10:00"
    sent = form_of(server.writes()[-1])
    assert set(sent) >= {"name", "scope", "service", "severity", "status", "start_impact_date"}


async def test_the_same_value_again_posts_nothing(pm):
    incident = await declare(pm, severity="high")
    before = len(server_of(pm).writes())
    await pm.update_severity(
        m.UpdateSeverityRequest(incident_id=incident.incident_id, severity="high")
    )
    await pm.update_title(
        m.UpdateTitleRequest(incident_id=incident.incident_id, title=incident.title)
    )
    await pm.update_status(m.UpdateStatusRequest(incident_id=incident.incident_id, status="active"))
    assert len(server_of(pm).writes()) == before


async def test_resolving_walks_the_status_path_with_each_date(pm):
    server = server_of(pm)
    incident = await declare(pm)
    resolved = await pm.update_status(
        m.UpdateStatusRequest(incident_id=incident.incident_id, status="resolved")
    )
    sent = form_of(server.writes()[-1])
    assert sent["status"] == "resolved"
    assert sent["investigation_date"] == sent["stable_date"] == sent["resolve_date"]
    assert resolved.incident.status == "resolved"
    assert resolved.incident.closed_time
    items = (
        await pm.query_activity(
            m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident.incident_id))
        )
    ).activity_items
    assert [i.activity_kind for i in items] == ["incidentCreated", "incidentStatusChanged"]
    assert items[-1].body == "changed the status from active to resolved"


async def test_reopening_clears_the_dates_and_own_words_move_one_step(pm):
    server = server_of(pm)
    incident = await declare(pm)
    ident = incident.incident_id
    await pm.update_status(m.UpdateStatusRequest(incident_id=ident, status="resolved"))
    reopened = await pm.update_status(m.UpdateStatusRequest(incident_id=ident, status="active"))
    assert reopened.incident.status == "active"
    assert reopened.incident.closed_time == ""
    stored = server.incidents[int(ident)]
    assert stored.investigation_date is stored.stable_date is stored.resolve_date is None
    stepped = await pm.update_status(m.UpdateStatusRequest(incident_id=ident, status="Invest"))
    assert stepped.incident.status == "investigating"
    assert stored.investigation_date is not None and stored.stable_date is None


async def test_changing_an_unknown_incident_is_not_found(pm):
    with pytest.raises(NotFound):
        await pm.update_title(m.UpdateTitleRequest(incident_id="999", title="Nothing here"))
    with pytest.raises(NotFound):
        await pm.get_incident(m.GetIncidentRequest(incident_id="not-a-number"))


# --- notes ---------------------------------------------------------------------------------


async def test_notes_are_internal_unless_asked_public(pm):
    server = server_of(pm)
    incident = await declare(pm)
    private = await pm.add_activity(
        m.AddActivityRequest(incident_id=incident.incident_id, body="rotated the db password")
    )
    assert form_of(server.writes()[-1])["internal"] not in ("", "false")
    assert private.activity_item.field_values == {"internal": True}
    public = await pm.add_activity(
        m.AddActivityRequest(
            incident_id=incident.incident_id,
            body="We are investigating slow payments.",
            field_values={"internal": False},
        )
    )
    assert "internal" not in form_of(server.writes()[-1])
    assert public.activity_item.field_values == {"internal": False}
    assert public.activity_item.activity_kind == "userNote"
    # Read without a token, only the public note shows.
    anonymous = client(server, token=None)
    try:
        items = (
            await anonymous.query_activity(
                m.QueryActivityRequest(query=m.ActivityQuery(incident_id=incident.incident_id))
            )
        ).activity_items
    finally:
        await anonymous.close()
    assert [i.body for i in items] == ["We are investigating slow payments."]


async def test_a_note_keeps_its_text_byte_for_byte(pm):
    incident = await declare(pm)
    body = "line 1\n\n\n  indented  \n<b>[red]x[/]</b> \x1b[31m é 😀"
    added = await pm.add_activity(m.AddActivityRequest(incident_id=incident.incident_id, body=body))
    assert added.activity_item.body == body


async def test_a_note_time_cannot_be_chosen(pm):
    incident = await declare(pm)
    with pytest.raises(InvalidArgument, match="eventTime"):
        await pm.add_activity(
            m.AddActivityRequest(
                incident_id=incident.incident_id, body="x", event_time="2026-01-01T00:00:00Z"
            )
        )


# --- listing ---------------------------------------------------------------------------------


def last_list_query(server: ProdManagerServer) -> list[tuple[str, str]]:
    seen = [s for s in server.requests if s.path == "/api/incident" and s.method == "GET"]
    return [(k, v) for k, v in seen[-1].query if k not in ("page", "per_page")]


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("status:active", [("status", "active"), ("status", "investigating"), ("status", "stable")]),
        ("-status:active", [("status", "resolved")]),
        ("severity:major", [("severity", "high"), ("severity", "moderate")]),
        ("any(severity:critical severity:major)", [("severity", "critical"), ("severity", "high"), ("severity", "moderate")]),
        ("label:scope:Staging label:service:API", [("scope", "2"), ("service", "1")]),
        ("isdrill:false status:resolved", [("status", "resolved")]),
        ("started:2026-01-15", [("impact_after", "2026-01-15T01:00"), ("impact_before", "2026-01-16T01:00")]),
    ],
)  # fmt: skip
async def test_query_terms_prod_manager_can_filter_are_sent(pm, text, sent):
    await pm.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(query_string=text)))
    assert sorted(last_list_query(server_of(pm))) == sorted(sent)


@pytest.mark.parametrize(
    "text",
    ["cpu", "title:'cpu'", "createdby:alice", "role:commander", "declared:>-7d", "isdrill:true",
     "any(status:active label:scope:Staging)", "label:db"],
)  # fmt: skip
async def test_query_terms_it_cannot_filter_are_refused_naming_them(pm, text):
    with pytest.raises(InvalidArgument) as caught:
        await pm.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(query_string=text)))
    assert str(caught.value).startswith(text[:8])
    assert not [s for s in server_of(pm).requests if s.path == "/api/incident"]


async def test_filters_give_the_right_incidents(pm):
    server = server_of(pm)
    a = server.add_incident("Active one", severity="critical")
    b = server.add_incident("Being investigated", status="investigating", scope=2)
    c = server.add_incident("All done", status="resolved", severity="low")

    async def ids(text: str) -> set[int]:
        got = await pm.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(query_string=text))
        )
        return {int(i.incident_id) for i in got.incidents}

    assert await ids("status:active") == {a, b}
    assert await ids("status:resolved") == {c}
    assert await ids("severity:critical") == {a}
    assert await ids("label:scope:Staging") == {b}
    assert await ids("status:active status:resolved") == set()  # nothing, and no request


async def test_paging_50_at_a_time_without_gaps_or_repeats(pm):
    server = server_of(pm)
    made = {server.add_incident(f"Incident number {n}") for n in range(120)}
    seen: list[str] = []
    cursor = m.Cursor()
    for _ in range(10):
        page = await pm.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=50), cursor=cursor)
        )
        seen += [i.incident_id for i in page.incidents]
        if not page.cursor.has_more:
            break
        cursor = page.cursor
    assert len(seen) == len(set(seen)) == 120
    assert {int(i) for i in seen} == made
    sizes = [int(dict(s.query)["per_page"]) for s in server.requests if s.path == "/api/incident"]
    assert max(sizes) == 50


async def test_a_limit_above_fifty_reads_several_pages(pm):
    server = server_of(pm)
    for n in range(70):
        server.add_incident(f"Incident number {n}")
    page = await pm.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=120)))
    assert len(page.incidents) == 70
    assert page.cursor.has_more is False


async def test_incidents_declared_between_pages_cause_no_repeats(pm):
    server = server_of(pm)
    for n in range(30):
        server.add_incident(f"Older incident {n}")
    first = await pm.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=10)))
    for n in range(5):
        server.add_incident(f"Newer incident {n}")
    seen = [i.incident_id for i in first.incidents]
    cursor = first.cursor
    while cursor.has_more:
        page = await pm.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=10), cursor=cursor)
        )
        seen += [i.incident_id for i in page.incidents]
        cursor = page.cursor
    assert len(seen) == len(set(seen))
    assert sum(1 for i in seen if "Older" in server.incidents[int(i)].name) == 30


async def test_a_cursor_from_another_query_is_refused(pm):
    server = server_of(pm)
    for n in range(5):
        server.add_incident(f"Incident number {n}")
    first = await pm.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=2)))
    with pytest.raises(InvalidArgument, match="cursor"):
        await pm.query_incidents(
            m.QueryIncidentsRequest(
                query=m.IncidentsQuery(limit=2, query_string="status:resolved"),
                cursor=first.cursor,
            )
        )


async def test_orders_it_cannot_give_are_refused(pm):
    with pytest.raises(InvalidArgument, match="newest first"):
        await pm.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(order_direction="ASC"))
        )
    with pytest.raises(InvalidArgument, match="impact start"):
        await pm.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(order_field="title"))
        )


# --- what it does not serve -------------------------------------------------------------------


async def test_capabilities_name_its_own_vocabularies_and_what_it_serves(pm):
    caps = pm.capabilities
    assert caps.system == "Prod Manager"
    assert caps.methods == SERVED
    assert [t.value for t in caps.statuses] == ["active", "investigating", "stable", "resolved"]
    assert [t.grafana for t in caps.statuses] == ["active", "active", "active", "resolved"]
    assert [t.value for t in caps.severities] == ["minor", "low", "moderate", "high", "critical"]
    assert caps.severity("crit").value == "critical"
    assert (caps.labels, caps.roles, caps.tasks, caps.drills) == ("fixed", "none", False, False)
    assert caps.internal_notes and not caps.versions and not caps.read_only


@pytest.mark.parametrize(
    "row", [r for r in METHOD_LIST if r.backend_method not in SERVED], ids=lambda r: r.path
)
async def test_everything_else_is_unimplemented_without_a_request(pm, row):
    with pytest.raises(Unimplemented) as caught:
        await getattr(pm, row.backend_method)(row.request())
    assert "Prod Manager" in str(caught.value)
    assert server_of(pm).requests == []


async def test_without_a_token_the_context_reads_only(pm):
    server = server_of(pm)
    server.add_incident("Public incident")
    anonymous = client(server, token=None)
    try:
        assert anonymous.capabilities.read_only
        listed = await anonymous.query_incidents(m.QueryIncidentsRequest())
        assert [i.title for i in listed.incidents] == ["Public incident"]
        with pytest.raises(PermissionDenied, match="no token"):
            await declare(anonymous)
    finally:
        await anonymous.close()
    assert not [s for s in server.requests if "authorization" in s.headers]
    assert server.writes() == []


# --- bad answers and a bad token -------------------------------------------------------------


async def test_a_refused_token_names_its_source_never_the_token(pm):
    server = server_of(pm)
    secret = "aaaa.bbbb.cccc"
    stranger = client(server, token=secret)
    try:
        with pytest.raises(Unauthenticated) as caught:
            await declare(stranger)
    finally:
        await stranger.close()
    assert "the token" in str(caught.value)
    assert secret not in str(caught.value) and "Signature" in str(caught.value)
    assert "bbbb" not in repr(stranger)


async def test_a_token_without_the_incident_permission_is_told_so(pm):
    server = server_of(pm)
    weak = client(
        server,
        token=server.issue_token(permissions=("scope_api",)),
        scope="Production",
        service="API",
    )
    try:
        with pytest.raises(PermissionDenied, match="incident_api"):
            await declare(weak)
    finally:
        await weak.close()


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (HTMLResponse("<html><head><title>Sign in</title></head></html>"), "HTML page (Sign in)"),
        (JSONResponse({"incidents": []}), "not a Prod Manager incident list"),
        (JSONResponse({"items": [{"id": "x"}]}), "not a Prod Manager incident list"),
        (PlainTextResponse("upstream timeout", status_code=502), "server error"),
    ],
)
async def test_a_server_answering_html_errors_or_odd_shapes_gives_one_clear_message(
    pm, answer, words
):
    server = server_of(pm)
    server.fault = lambda seen: answer if seen.path == "/api/incident" else None
    with pytest.raises(Unavailable) as caught:
        await pm.query_incidents(m.QueryIncidentsRequest())
    assert words in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


async def test_unknown_status_and_severity_words_show_as_themselves(pm):
    server = server_of(pm)
    ident = server.add_incident("From a newer server")
    server.incidents[ident].status = "monitoring"
    server.incidents[ident].severity = "sev0"
    listed = await pm.query_incidents(m.QueryIncidentsRequest())
    assert (listed.incidents[0].status, listed.incidents[0].severity) == ("monitoring", "sev0")
    got = await pm.get_incident(m.GetIncidentRequest(incident_id=str(ident)))
    assert got.incident.status == "monitoring"


async def test_reads_are_retried_but_a_create_is_never_sent_twice(pm):
    server = server_of(pm)
    calls = {"list": 0}

    def flaky(seen):
        if seen.path == "/api/incident" and seen.method == "GET":
            calls["list"] += 1
            if calls["list"] == 1:
                return JSONResponse({"message": "busy"}, status_code=503)
        if seen.path == "/api/incident/create":
            return JSONResponse({"message": "boom"}, status_code=500)
        return None

    server.fault = flaky
    await pm.query_incidents(m.QueryIncidentsRequest())
    assert calls["list"] == 2
    with pytest.raises(Unavailable):
        await declare(pm)
    assert len([s for s in server.writes() if s.path == "/api/incident/create"]) == 1


async def test_a_create_that_times_out_after_sending_is_indeterminate_and_not_resent():
    from incident_tui.backends.httpclient import RetryPolicy, Timeouts

    async with prodmanager_backend(
        timeouts=Timeouts(connect=2, read=0.5, write=2, pool=2, deadline=5),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.02),
    ) as backend:
        server = server_of(backend)

        def slow(seen):
            if seen.path == "/api/incident/create":
                import time

                time.sleep(1.5)
                return Response(status_code=302, headers={"location": "/api/incident/1"})
            return None

        server.fault = slow
        with pytest.raises(Indeterminate):
            await declare(backend)
        await asyncio.sleep(1.6)  # let the slow answer finish before the server stops
        assert len([s for s in server.writes() if s.path == "/api/incident/create"]) == 1


async def test_nothing_listening_is_unreachable():
    from incident_tui.backends.httpclient import RetryPolicy
    from incident_tui.errors import Unreachable
    from incident_tui.server.app import bind_socket, url_of

    sock = bind_socket("127.0.0.1", 0)
    url = url_of(sock)
    sock.close()
    backend = ProdManagerBackend(url, "a.b.c", retry=RetryPolicy(attempts=1))
    try:
        with pytest.raises(Unreachable):
            await backend.query_incidents(m.QueryIncidentsRequest())
    finally:
        await backend.close()


def test_a_token_never_goes_over_plain_http_beyond_this_machine():
    from incident_tui.config import ConfigError

    with pytest.raises(ConfigError, match="plain http"):
        ProdManagerBackend("http://status.example.com", "a.b.c")
    ProdManagerBackend("http://status.example.com", None)  # no token: nothing to leak
    ProdManagerBackend("http://localhost:8080/api/", "a.b.c")


def test_the_url_may_name_the_api_or_the_root():
    assert ProdManagerBackend("https://pm.example.com/api/").api == "https://pm.example.com/api"
    assert ProdManagerBackend("https://pm.example.com").api == "https://pm.example.com/api"


async def test_times_use_utc_rfc3339(pm):
    incident = await declare(pm)
    created = datetime.fromisoformat(incident.created_time.replace("Z", "+00:00"))
    assert created.tzinfo is not None
    assert abs((datetime.now(UTC) - created).total_seconds()) < 180
