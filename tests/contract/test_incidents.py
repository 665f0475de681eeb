"""IncidentsService: declaring, reading and changing an incident, and what each change writes."""

from __future__ import annotations

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import InvalidArgument, NotFound

from .conftest import ALICE, BOB
from .helpers import (
    declare,
    get,
    kinds,
    last_item,
    severity_word,
    status_word,
    timeline,
    when,
)

pytestmark = pytest.mark.asyncio

# --- CreateIncident -----------------------------------------------------------


@pytest.mark.needs("create_incident", vocabulary="grafana", authors=True)
async def test_declaring_returns_the_new_incident_with_defaults(backend: Backend):
    incident = await declare(backend, "API latency above SLO")
    assert isinstance(incident.incident_id, str) and incident.incident_id
    assert incident.title == "API latency above SLO"
    assert incident.status == "active"
    assert incident.severity == "pending"
    assert incident.is_drill is False
    assert incident.created_by_user.user_id == ALICE.user_id
    assert incident.created_by_user.name == ALICE.name
    when(incident.created_time)
    when(incident.modified_time)
    assert incident.closed_time == ""
    assert incident.labels == []
    assert incident.task_list.tasks == []
    assert (incident.task_list.todo_count, incident.task_list.done_count) == (0, 0)
    assert type(incident.duration_seconds) is int and incident.duration_seconds >= 0


@pytest.mark.needs("create_incident", labels="free", drills=True)
async def test_declaring_with_every_field_keeps_them(backend: Backend):
    incident = await declare(
        backend,
        "Payments failing",
        severity="critical",
        is_drill=True,
        labels=[m.IncidentLabel(label="payments", description="money", color_hex="#ff0000")],
    )
    assert incident.severity == "critical"
    assert incident.is_drill is True
    assert [label.label for label in incident.labels] == ["payments"]
    assert incident.labels[0].description == "money"
    assert incident.labels[0].color_hex == "#ff0000"


@pytest.mark.needs("create_incident", "get_incident", vocabulary="grafana")
async def test_declared_incident_is_readable_by_id(backend: Backend):
    incident = await declare(backend, "Queue backlog", severity="major")
    fetched = await get(backend, incident.incident_id)
    assert fetched.incident_id == incident.incident_id
    assert fetched.title == "Queue backlog"
    assert fetched.severity == "major"
    assert fetched.created_time == incident.created_time


@pytest.mark.needs("create_incident", "query_activity", authors=True)
async def test_declaring_writes_incident_created_item(backend: Backend):
    incident = await declare(backend)
    items = await timeline(backend, incident.incident_id)
    created = [i for i in items if i.activity_kind == "incidentCreated"]
    assert len(created) == 1
    assert created[0].user.user_id == ALICE.user_id
    assert created[0].immutable is True
    assert created[0].incident_id == incident.incident_id
    assert items[0].activity_kind == "incidentCreated"


@pytest.mark.needs("create_incident")
async def test_incident_ids_are_distinct(backend: Backend):
    first = await declare(backend, "first one")
    second = await declare(backend, "second one")
    assert first.incident_id != second.incident_id


@pytest.mark.needs("create_incident", labels="free")
async def test_repeated_labels_on_create_are_kept_once(backend: Backend):
    incident = await declare(
        backend,
        labels=[
            m.IncidentLabel(label="db"),
            m.IncidentLabel(label="db"),
            m.IncidentLabel(label="eu"),
        ],
    )
    assert sorted(label.label for label in incident.labels) == ["db", "eu"]


@pytest.mark.needs("create_incident", "get_incident")
async def test_status_resolved_on_create_declares_a_retrospective(backend: Backend):
    incident = await declare(backend, "Last night's outage", status="resolved")
    assert status_word(backend, incident.status) == "resolved"
    assert when(incident.closed_time) >= when(incident.created_time)
    fetched = await get(backend, incident.incident_id)
    assert status_word(backend, fetched.status) == "resolved"
    assert fetched.closed_time


@pytest.mark.needs("create_incident")
@pytest.mark.parametrize("title", ["", "   ", "\t\n"])
async def test_blank_title_is_refused(backend: Backend, title: str):
    with pytest.raises(InvalidArgument):
        await declare(backend, title)


@pytest.mark.needs("create_incident")
async def test_overlong_title_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await declare(backend, "x" * 10_000)


@pytest.mark.needs("create_incident")
async def test_bad_severity_on_create_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await declare(backend, severity="apocalyptic")


@pytest.mark.needs("create_incident")
async def test_bad_status_on_create_is_refused(backend: Backend):
    # "closed" is Grafana's mistake; an org that has a status by that name takes it.
    word = "closed" if backend.capabilities.status("closed") is None else "halfway"
    with pytest.raises(InvalidArgument):
        await declare(backend, status=word)


@pytest.mark.needs("create_incident", "get_homescreen_version", "query_incidents")
async def test_refused_create_leaves_nothing_behind(backend: Backend):
    before = (await backend.get_homescreen_version()).version
    with pytest.raises(InvalidArgument):
        await declare(backend, "")
    response = await backend.query_incidents(m.QueryIncidentsRequest())
    assert response.incidents == []
    assert (await backend.get_homescreen_version()).version == before


@pytest.mark.needs("create_incident", "query_incidents")
async def test_concurrent_declarations_all_land(backend: Backend, other: Backend):
    import asyncio

    made = await asyncio.gather(
        *(declare(b, f"concurrent {n}") for n in range(12) for b in (backend, other))
    )
    made_ids = {i.incident_id for i in made}
    assert len(made_ids) == 24
    listed = await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=100))
    )
    assert {i.incident_id for i in listed.incidents} == made_ids


MARKUP_TITLE = "[bold red]boom[/] \x1b[31mred\x1b[0m \u202eevil\u202c <b>x</b> 'q' \"dq\" \\ ✓ 🔥"


@pytest.mark.needs("create_incident", "get_incident")
async def test_markup_and_escapes_in_title_are_stored_verbatim_or_refused(backend: Backend):
    """Markup, bidi controls and quotes are kept as typed. Control characters (an escape
    sequence) in a one-line title are kept verbatim too, or refused naming the title (our
    server refuses them): never stored garbled."""
    markup = MARKUP_TITLE.replace("\x1b[31m", "").replace("\x1b[0m", "")
    incident = await declare(backend, markup)
    assert (await get(backend, incident.incident_id)).title == markup == incident.title
    try:
        incident = await declare(backend, MARKUP_TITLE)
    except InvalidArgument as exc:
        assert "title" in str(exc)
        return
    assert incident.title == MARKUP_TITLE
    assert (await get(backend, incident.incident_id)).title == MARKUP_TITLE


# --- GetIncident --------------------------------------------------------------


@pytest.mark.needs("get_incident")
async def test_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await get(backend, "does-not-exist")


@pytest.mark.needs("get_incident")
async def test_empty_incident_id_is_refused(backend: Backend):
    with pytest.raises((NotFound, InvalidArgument)):
        await get(backend, "")


# --- UpdateTitle --------------------------------------------------------------


@pytest.mark.needs("create_incident", "get_incident", "update_title")
async def test_renaming_changes_the_title(backend: Backend):
    incident = await declare(backend, "Old title")
    response = await backend.update_title(
        m.UpdateTitleRequest(incident_id=incident.incident_id, title="New title")
    )
    assert response.incident.title == "New title"
    assert (await get(backend, incident.incident_id)).title == "New title"


@pytest.mark.needs("create_incident", "query_activity", "update_title", authors=True, history=True)
async def test_renaming_writes_title_changed_item(backend: Backend, other: Backend):
    incident = await declare(backend, "Old title")
    await other.update_title(
        m.UpdateTitleRequest(incident_id=incident.incident_id, title="New title")
    )
    item = await last_item(backend, incident.incident_id, "incidentTitleChanged")
    assert item.user.user_id == BOB.user_id
    assert item.immutable is True


@pytest.mark.needs("create_incident", "get_incident", "update_title")
@pytest.mark.parametrize("title", ["", "  ", "y" * 10_000])
async def test_blank_or_overlong_new_title_is_refused(backend: Backend, title: str):
    incident = await declare(backend, "Keep me")
    with pytest.raises(InvalidArgument):
        await backend.update_title(
            m.UpdateTitleRequest(incident_id=incident.incident_id, title=title)
        )
    assert (await get(backend, incident.incident_id)).title == "Keep me"


@pytest.mark.needs("update_title")
async def test_renaming_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_title(m.UpdateTitleRequest(incident_id="nope", title="Nowhere"))


# --- UpdateIncidentSummary (ours, beyond the reference) ---------------------------

SUMMARY = "Primary lost its disk.\n\n- failed over to the replica\n- writes back at 03:10"


@pytest.mark.needs("create_incident", "get_incident", "update_incident_summary")
async def test_editing_the_summary_keeps_its_lines(backend: Backend):
    incident = await declare(backend, "Database down")
    response = await backend.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary=f" {SUMMARY}\n")
    )
    assert response.incident.incident_id == incident.incident_id
    assert response.incident.summary == SUMMARY
    assert (await get(backend, incident.incident_id)).summary == SUMMARY


@pytest.mark.needs("create_incident", "get_incident", "update_incident_summary")
async def test_an_empty_summary_clears_it(backend: Backend):
    incident = await declare(backend, "Database down")
    request = m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary=SUMMARY)
    await backend.update_incident_summary(request)
    cleared = await backend.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary="  ")
    )
    assert cleared.incident.summary == ""
    assert (await get(backend, incident.incident_id)).summary == ""


@pytest.mark.needs(
    "create_incident", "query_activity", "update_incident_summary", authors=True, history=True
)
async def test_a_new_summary_writes_one_summary_item(backend: Backend, other: Backend):
    incident = await declare(backend, "Database down")
    request = m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary=SUMMARY)
    await other.update_incident_summary(request)
    await other.update_incident_summary(request)  # the same again: nothing new
    items = [
        i
        for i in await timeline(backend, incident.incident_id)
        if i.activity_kind == "incidentSummary"
    ]
    assert len(items) == 1
    assert items[0].body == SUMMARY
    assert items[0].user.user_id == BOB.user_id
    assert items[0].immutable is True


@pytest.mark.needs(
    "create_incident", "query_activity", "update_incident_summary", authors=True, history=True
)
async def test_a_cleared_summary_writes_an_empty_summary_item(backend: Backend):
    """A reader takes the last summary item's body as the summary: clearing leaves it empty
    (it used to say "cleared the summary", which such a reader showed as the summary)."""
    incident = await declare(backend, "Database down")
    for summary in (SUMMARY, ""):
        await backend.update_incident_summary(
            m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary=summary)
        )
    items = [
        i
        for i in await timeline(backend, incident.incident_id)
        if i.activity_kind == "incidentSummary"
    ]
    assert [i.body for i in items] == [SUMMARY, ""]


@pytest.mark.needs("create_incident", "get_incident", "update_incident_summary")
async def test_an_overlong_summary_is_refused_and_nothing_changes(backend: Backend):
    incident = await declare(backend, "Database down")
    await backend.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary="kept")
    )
    with pytest.raises(InvalidArgument, match="summary"):
        await backend.update_incident_summary(
            m.UpdateIncidentSummaryRequest(incident_id=incident.incident_id, summary="s" * 60_000)
        )
    assert (await get(backend, incident.incident_id)).summary == "kept"


@pytest.mark.needs("update_incident_summary")
async def test_summary_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_incident_summary(
            m.UpdateIncidentSummaryRequest(incident_id="nope", summary="Nowhere")
        )


# --- UpdateStatus -------------------------------------------------------------


@pytest.mark.needs("create_incident", "get_incident", "update_status")
async def test_resolving_sets_closed_time_and_incident_end(backend: Backend):
    incident = await declare(backend)
    response = await backend.update_status(
        m.UpdateStatusRequest(incident_id=incident.incident_id, status="resolved")
    )
    resolved = response.incident
    assert status_word(backend, resolved.status) == "resolved"
    assert when(resolved.closed_time) >= when(resolved.created_time)
    assert resolved.incident_end
    fetched = await get(backend, incident.incident_id)
    assert fetched.closed_time == resolved.closed_time
    assert type(fetched.duration_seconds) is int and fetched.duration_seconds >= 0


@pytest.mark.needs("create_incident", "query_activity", "update_status", authors=True)
async def test_resolving_writes_status_changed_item(backend: Backend, other: Backend):
    incident = await declare(backend)
    await other.update_status(
        m.UpdateStatusRequest(incident_id=incident.incident_id, status="resolved")
    )
    item = await last_item(backend, incident.incident_id, "incidentStatusChanged")
    assert item.user.user_id == BOB.user_id
    assert item.immutable is True


@pytest.mark.needs("create_incident", "get_incident", "query_activity", "update_status")
async def test_reopening_clears_closed_time_and_incident_end(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    await backend.update_status(m.UpdateStatusRequest(incident_id=iid, status="resolved"))
    response = await backend.update_status(m.UpdateStatusRequest(incident_id=iid, status="active"))
    assert status_word(backend, response.incident.status) == "active"
    assert response.incident.closed_time == ""
    assert response.incident.incident_end == ""
    fetched = await get(backend, iid)
    assert (status_word(backend, fetched.status), fetched.closed_time, fetched.incident_end) == (
        "active",
        "",
        "",
    )
    assert (await kinds(backend, iid)).count("incidentStatusChanged") == 2


@pytest.mark.needs("create_incident", "get_incident", "update_status")
async def test_bad_status_is_refused(backend: Backend):
    incident = await declare(backend)
    # "closed" is Grafana's mistake; an org that has a status by that name takes it.
    word = "closed" if backend.capabilities.status("closed") is None else "halfway"
    with pytest.raises(InvalidArgument):
        await backend.update_status(
            m.UpdateStatusRequest(incident_id=incident.incident_id, status=word)
        )
    assert status_word(backend, (await get(backend, incident.incident_id)).status) == "active"


@pytest.mark.needs("update_status")
async def test_status_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_status(m.UpdateStatusRequest(incident_id="nope", status="resolved"))


# --- UpdateSeverity -----------------------------------------------------------


@pytest.mark.needs(
    "create_incident",
    "get_incident",
    "query_activity",
    "update_severity",
    vocabulary="grafana",
    authors=True,
)
async def test_changing_severity_writes_severity_changed_item(backend: Backend):
    incident = await declare(backend)
    response = await backend.update_severity(
        m.UpdateSeverityRequest(incident_id=incident.incident_id, severity="critical")
    )
    assert response.incident.severity == "critical"
    assert (await get(backend, incident.incident_id)).severity == "critical"
    item = await last_item(backend, incident.incident_id, "incidentSeverityChanged")
    assert item.user.user_id == ALICE.user_id
    assert item.immutable is True


@pytest.mark.needs("create_incident", "get_incident", "update_severity")
@pytest.mark.parametrize("severity", ["", "sev1", "catastrophic"])
async def test_bad_severity_is_refused(backend: Backend, severity: str):
    incident = await declare(backend, severity="minor")
    with pytest.raises(InvalidArgument):
        await backend.update_severity(
            m.UpdateSeverityRequest(incident_id=incident.incident_id, severity=severity)
        )
    fetched = await get(backend, incident.incident_id)
    assert fetched.severity == incident.severity
    assert severity_word(backend, fetched.severity) == "minor"


@pytest.mark.needs("update_severity")
async def test_severity_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_severity(m.UpdateSeverityRequest(incident_id="nope", severity="major"))


# --- UpdateIncidentIsDrill ------------------------------------------------------


@pytest.mark.needs("create_incident", "get_incident", "query_activity", "update_incident_is_drill")
async def test_marking_as_drill_writes_is_drill_changed_item(backend: Backend):
    incident = await declare(backend)
    response = await backend.update_incident_is_drill(
        m.UpdateIncidentIsDrillRequest(incident_id=incident.incident_id, is_drill=True)
    )
    assert response.incident.is_drill is True
    assert (await get(backend, incident.incident_id)).is_drill is True
    item = await last_item(backend, incident.incident_id, "incidentIsDrillChanged")
    assert item.user.user_id == ALICE.user_id
    response = await backend.update_incident_is_drill(
        m.UpdateIncidentIsDrillRequest(incident_id=incident.incident_id, is_drill=False)
    )
    assert response.incident.is_drill is False


@pytest.mark.needs("update_incident_is_drill")
async def test_drill_flag_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_incident_is_drill(
            m.UpdateIncidentIsDrillRequest(incident_id="nope", is_drill=True)
        )


# --- UpdateIncidentEventTime -----------------------------------------------------


@pytest.mark.needs("create_incident", "get_incident", "update_incident_event_time")
async def test_setting_incident_start_and_end_times(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    await backend.update_incident_event_time(
        m.UpdateIncidentEventTimeRequest(
            incident_id=iid, event_time="2026-01-05T09:30:00Z", activity_item_kind="incidentStart"
        )
    )
    await backend.update_incident_event_time(
        m.UpdateIncidentEventTimeRequest(
            incident_id=iid,
            event_time="2026-01-05T11:00:00+01:00",
            activity_item_kind="incidentEnd",
        )
    )
    fetched = await get(backend, iid)
    assert when(fetched.incident_start) == when("2026-01-05T09:30:00Z")
    assert when(fetched.incident_end) == when("2026-01-05T10:00:00Z")


@pytest.mark.needs("create_incident", "get_incident", "update_incident_event_time")
async def test_event_name_is_accepted_for_the_event_kind(backend: Backend):
    incident = await declare(backend)
    await backend.update_incident_event_time(
        m.UpdateIncidentEventTimeRequest(
            incident_id=incident.incident_id,
            event_time="2026-01-05T09:30:00Z",
            event_name="incidentStart",
        )
    )
    assert when((await get(backend, incident.incident_id)).incident_start) == when(
        "2026-01-05T09:30:00Z"
    )


@pytest.mark.needs("create_incident", "update_incident_event_time")
@pytest.mark.parametrize(
    ("event_time", "kind"),
    [
        ("2026-01-05T09:30:00Z", "incidentMiddle"),
        ("yesterday", "incidentStart"),
        ("2026-13-45T99:00:00Z", "incidentEnd"),
    ],
)
async def test_bad_incident_event_time_is_refused(backend: Backend, event_time: str, kind: str):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await backend.update_incident_event_time(
            m.UpdateIncidentEventTimeRequest(
                incident_id=incident.incident_id, event_time=event_time, activity_item_kind=kind
            )
        )


@pytest.mark.needs("update_incident_event_time")
async def test_event_time_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_incident_event_time(
            m.UpdateIncidentEventTimeRequest(
                incident_id="nope",
                event_time="2026-01-05T09:30:00Z",
                activity_item_kind="incidentStart",
            )
        )


# --- AddLabel / RemoveLabel -----------------------------------------------------


@pytest.mark.needs("add_label", "create_incident", "get_incident", "query_activity", history=True)
async def test_adding_a_label_writes_label_added_item(backend: Backend):
    incident = await declare(backend)
    response = await backend.add_label(
        m.AddLabelRequest(incident_id=incident.incident_id, label=m.IncidentLabel(label="db"))
    )
    assert [label.label for label in response.incident.labels] == ["db"]
    assert [label.label for label in (await get(backend, incident.incident_id)).labels] == ["db"]
    item = await last_item(backend, incident.incident_id, "labelAdded")
    assert item.user.user_id == ALICE.user_id


@pytest.mark.needs("add_label", "create_incident", "query_activity")
async def test_adding_an_existing_label_changes_nothing(backend: Backend):
    incident = await declare(backend, labels=[m.IncidentLabel(label="db")])
    iid = incident.incident_id
    before = await kinds(backend, iid)
    response = await backend.add_label(
        m.AddLabelRequest(incident_id=iid, label=m.IncidentLabel(label="db"))
    )
    assert [label.label for label in response.incident.labels] == ["db"]
    assert await kinds(backend, iid) == before


@pytest.mark.needs("add_label", "create_incident")
async def test_label_key_value_text_is_kept_whole(backend: Backend):
    incident = await declare(backend)
    response = await backend.add_label(
        m.AddLabelRequest(incident_id=incident.incident_id, label=m.IncidentLabel(label="env:prod"))
    )
    assert [label.label for label in response.incident.labels] == ["env:prod"]


@pytest.mark.needs("create_incident")
@pytest.mark.parametrize("label", ["", "  ", "l" * 10_000])
async def test_blank_or_overlong_label_on_create_is_refused(backend: Backend, label: str):
    with pytest.raises(InvalidArgument):
        await declare(backend, labels=[m.IncidentLabel(label=label)])


@pytest.mark.needs("add_label", "create_incident")
async def test_overlong_label_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await backend.add_label(
            m.AddLabelRequest(
                incident_id=incident.incident_id, label=m.IncidentLabel(label="l" * 10_000)
            )
        )


@pytest.mark.needs("add_label", "create_incident")
async def test_blank_label_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await backend.add_label(
            m.AddLabelRequest(incident_id=incident.incident_id, label=m.IncidentLabel(label="  "))
        )


@pytest.mark.needs("add_label")
async def test_label_on_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.add_label(
            m.AddLabelRequest(incident_id="nope", label=m.IncidentLabel(label="db"))
        )


@pytest.mark.needs(
    "create_incident", "get_incident", "query_activity", "remove_label", history=True
)
async def test_removing_a_label_writes_label_removed_item(backend: Backend, other: Backend):
    incident = await declare(
        backend, labels=[m.IncidentLabel(label="db"), m.IncidentLabel(label="eu")]
    )
    response = await other.remove_label(
        m.RemoveLabelRequest(incident_id=incident.incident_id, label="db")
    )
    assert [label.label for label in response.incident.labels] == ["eu"]
    assert [label.label for label in (await get(backend, incident.incident_id)).labels] == ["eu"]
    item = await last_item(backend, incident.incident_id, "labelRemoved")
    assert item.user.user_id == BOB.user_id


@pytest.mark.needs("create_incident", "remove_label")
async def test_removing_a_missing_label_is_not_found(backend: Backend):
    incident = await declare(backend, labels=[m.IncidentLabel(label="db")])
    with pytest.raises(NotFound):
        await backend.remove_label(
            m.RemoveLabelRequest(incident_id=incident.incident_id, label="eu")
        )


@pytest.mark.needs("remove_label")
async def test_removing_label_from_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.remove_label(m.RemoveLabelRequest(incident_id="nope", label="db"))


@pytest.mark.needs("add_label", "create_incident", "remove_label")
async def test_label_removed_then_added_again_appears_once(backend: Backend):
    incident = await declare(backend, labels=[m.IncidentLabel(label="db")])
    iid = incident.incident_id
    await backend.remove_label(m.RemoveLabelRequest(incident_id=iid, label="db"))
    response = await backend.add_label(
        m.AddLabelRequest(incident_id=iid, label=m.IncidentLabel(label="db"))
    )
    assert [label.label for label in response.incident.labels] == ["db"]


# --- no-op changes ---------------------------------------------------------------


@pytest.mark.needs(
    "create_incident",
    "get_incident_version",
    "query_activity",
    "update_incident_is_drill",
    "update_severity",
    "update_status",
    "update_title",
)
@pytest.mark.parametrize(
    "change",
    [
        m.UpdateTitleRequest(title="Same"),
        m.UpdateStatusRequest(status="active"),
        m.UpdateSeverityRequest(severity="minor"),
        m.UpdateIncidentIsDrillRequest(is_drill=False),
    ],
    ids=["title", "status", "severity", "isdrill"],
)
async def test_setting_the_value_already_held_writes_nothing(backend: Backend, change: m.Request):
    incident = await declare(backend, "Same", severity="minor")
    iid = incident.incident_id
    before_items = await kinds(backend, iid)
    version = m.GetIncidentVersionRequest(incident_id=iid)
    before = (await backend.get_incident_version(version)).version
    method = {
        m.UpdateTitleRequest: backend.update_title,
        m.UpdateStatusRequest: backend.update_status,
        m.UpdateSeverityRequest: backend.update_severity,
        m.UpdateIncidentIsDrillRequest: backend.update_incident_is_drill,
    }[type(change)]
    response = await method(change.model_copy(update={"incident_id": iid}))
    assert response.incident.incident_id == iid
    assert await kinds(backend, iid) == before_items
    assert (await backend.get_incident_version(version)).version == before


# --- versions ------------------------------------------------------------------


@pytest.mark.needs("create_incident", "get_homescreen_version", "update_title")
async def test_homescreen_version_increases_on_every_change(backend: Backend):
    v0 = (await backend.get_homescreen_version()).version
    incident = await declare(backend)
    v1 = (await backend.get_homescreen_version()).version
    assert v1 > v0
    await backend.update_title(
        m.UpdateTitleRequest(incident_id=incident.incident_id, title="second title")
    )
    v2 = (await backend.get_homescreen_version()).version
    assert v2 > v1
    assert (await backend.get_homescreen_version()).version == v2  # reads change nothing


@pytest.mark.needs("add_activity", "create_incident", "get_incident_version", "update_severity")
async def test_incident_version_increases_on_changes_to_that_incident(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    request = m.GetIncidentVersionRequest(incident_id=iid)
    v1 = (await backend.get_incident_version(request)).version
    await backend.add_activity(
        m.AddActivityRequest(incident_id=iid, activity_kind="userNote", body="n")
    )
    v2 = (await backend.get_incident_version(request)).version
    assert v2 > v1
    await backend.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="major"))
    v3 = (await backend.get_incident_version(request)).version
    assert v3 > v2
    # Another incident's change leaves this version alone.
    await declare(backend, "unrelated")
    assert (await backend.get_incident_version(request)).version == v3


@pytest.mark.needs("get_incident_version")
async def test_version_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.get_incident_version(m.GetIncidentVersionRequest(incident_id="nope"))
