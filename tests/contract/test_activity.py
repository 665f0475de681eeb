"""ActivityService: notes on the timeline, edits, removals, filters and paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import InvalidArgument, NotFound, PermissionDenied

from .conftest import ALICE, BOB
from .helpers import declare, kinds, timeline, when

pytestmark = pytest.mark.asyncio


async def note(
    backend: Backend, incident_id: str, body: str = "Restarted the primary", **kw
) -> m.ActivityItem:
    response = await backend.add_activity(
        m.AddActivityRequest(incident_id=incident_id, activity_kind="userNote", body=body, **kw)
    )
    return response.activity_item


async def page(
    backend: Backend, incident_id: str, cursor: m.Cursor | None = None, **query
) -> m.QueryActivityResponse:
    return await backend.query_activity(
        m.QueryActivityRequest(
            query=m.ActivityQuery(incident_id=incident_id, **query), cursor=cursor or m.Cursor()
        )
    )


# --- AddActivity ----------------------------------------------------------------


@pytest.mark.needs("add_activity", "create_incident", "query_activity", authors=True)
async def test_adding_a_note_returns_the_item(backend: Backend):
    incident = await declare(backend)
    item = await note(backend, incident.incident_id, "DB failover started")
    assert item.activity_item_id
    assert item.incident_id == incident.incident_id
    assert item.activity_kind == "userNote"
    assert item.body == "DB failover started"
    assert item.user.user_id == ALICE.user_id
    assert item.user.name == ALICE.name
    assert item.immutable is False
    assert when(item.created_time)
    assert abs(when(item.event_time) - when(item.created_time)) < timedelta(seconds=5)
    items = await timeline(backend, incident.incident_id)
    assert items[-1].activity_item_id == item.activity_item_id
    assert items[-1].body == "DB failover started"


@pytest.mark.needs("add_activity", "create_incident", "query_activity", authors=True)
async def test_note_author_is_the_caller(backend: Backend, other: Backend):
    incident = await declare(backend)
    item = await note(other, incident.incident_id, "Bob here")
    assert item.user.user_id == BOB.user_id
    stored = (await timeline(backend, incident.incident_id))[-1]
    assert (stored.user.user_id, stored.user.name) == (BOB.user_id, BOB.name)


@pytest.mark.needs("add_activity", "create_incident", "update_activity_event_time")
async def test_note_with_an_event_time_keeps_it(backend: Backend):
    incident = await declare(backend)
    item = await note(backend, incident.incident_id, event_time="2026-01-05T09:30:00+02:00")
    assert when(item.event_time) == datetime(2026, 1, 5, 7, 30, tzinfo=UTC)


MARKUP = "[red]alert[/red] $(rm -rf /) \x1b]52;c;SGVsbG8=\x07 \x1b[31m \u202egnp.exe \u0000nul\n2nd line\r\n\ttab"


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_note_text_round_trips_byte_for_byte(backend: Backend):
    incident = await declare(backend)
    item = await note(backend, incident.incident_id, MARKUP)
    assert item.body == MARKUP
    stored = [
        i for i in await timeline(backend, incident.incident_id) if i.activity_kind == "userNote"
    ]
    assert stored[0].body == MARKUP


@pytest.mark.needs("add_activity", "create_incident")
@pytest.mark.parametrize("kind", ["incidentCreated", "bogus", "USERNOTE"])
async def test_only_user_notes_can_be_added(backend: Backend, kind: str):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await backend.add_activity(
            m.AddActivityRequest(incident_id=incident.incident_id, activity_kind=kind, body="x")
        )


@pytest.mark.needs("add_activity", "create_incident")
@pytest.mark.parametrize("body", ["", "   ", "n" * 200_000])
async def test_blank_or_overlong_note_is_refused(backend: Backend, body: str):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await note(backend, incident.incident_id, body)


@pytest.mark.needs("add_activity", "create_incident")
async def test_bad_note_event_time_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await note(backend, incident.incident_id, event_time="last tuesday")


@pytest.mark.needs("add_activity")
async def test_note_on_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await note(backend, "nope")


# --- QueryActivity ----------------------------------------------------------------


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_timeline_is_oldest_first_by_default(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    for n in range(3):
        await note(backend, iid, f"note {n}")
    items = await timeline(backend, iid)
    times = [when(i.event_time) for i in items]
    assert times == sorted(times)
    assert [i.body for i in items if i.activity_kind == "userNote"] == [
        "note 0",
        "note 1",
        "note 2",
    ]


@pytest.mark.needs(
    "add_activity", "create_incident", "query_activity", "update_activity_event_time"
)
async def test_timeline_orders_by_event_time(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    late = await note(backend, iid, "late", event_time="2030-01-01T00:00:00Z")
    early = await note(backend, iid, "early", event_time="2020-01-01T00:00:00Z")
    items = await timeline(backend, iid)
    assert items[0].activity_item_id == early.activity_item_id
    assert items[-1].activity_item_id == late.activity_item_id
    desc = await timeline(backend, iid, order_direction="DESC")
    assert [i.activity_item_id for i in desc] == [i.activity_item_id for i in reversed(items)]


@pytest.mark.needs(
    "add_activity", "create_incident", "query_activity", "update_activity_event_time"
)
async def test_event_times_before_year_1000_sort_first(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    ancient = await note(backend, iid, "ancient", event_time="0999-12-31T00:00:00Z")
    assert when(ancient.event_time) == datetime(999, 12, 31, tzinfo=UTC)
    assert (await timeline(backend, iid))[0].activity_item_id == ancient.activity_item_id


@pytest.mark.needs(
    "add_activity", "create_incident", "query_activity", "update_severity", history=True
)
async def test_activity_kind_filter(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    await note(backend, iid, "a")
    await backend.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="major"))
    await note(backend, iid, "b")
    notes = await timeline(backend, iid, activity_kind=["userNote"])
    assert [i.body for i in notes] == ["a", "b"]
    both = await timeline(backend, iid, activity_kind=["userNote", "incidentSeverityChanged"])
    assert [i.activity_kind for i in both] == ["userNote", "incidentSeverityChanged", "userNote"]


@pytest.mark.needs("create_incident", "query_activity")
async def test_bad_activity_kind_filter_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await page(backend, incident.incident_id, activity_kind=["nonsense"])


@pytest.mark.needs("create_incident", "query_activity")
async def test_bad_activity_order_direction_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await page(backend, incident.incident_id, order_direction="SIDEWAYS")


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_tag_filter_returns_only_tagged_items(backend: Backend):
    incident = await declare(backend)
    await note(backend, incident.incident_id)
    # Nothing in the API tags an item, so nothing matches a tag filter.
    assert await timeline(backend, incident.incident_id, tag="important") == []


@pytest.mark.needs("create_incident", "query_activity")
async def test_bad_tag_filter_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await page(backend, incident.incident_id, tag="urgent")


@pytest.mark.needs("create_incident", "query_activity")
async def test_negative_activity_limit_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await page(backend, incident.incident_id, limit=-1)


@pytest.mark.needs("query_activity")
async def test_activity_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await page(backend, "nope")


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_activity_pages_have_no_gaps_or_repeats(backend: Backend, direction: str):
    incident = await declare(backend)
    iid = incident.incident_id
    for n in range(11):
        await note(backend, iid, f"n{n}")
    whole = await timeline(backend, iid, order_direction=direction)
    paged = await timeline(backend, iid, limit=3, order_direction=direction)
    assert len(whole) == 12  # incidentCreated + 11 notes
    assert [i.activity_item_id for i in paged] == [i.activity_item_id for i in whole]


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_activity_page_size_and_has_more(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    for n in range(5):
        await note(backend, iid, f"n{n}")
    first = await page(backend, iid, limit=4)
    assert len(first.activity_items) == 4
    assert first.cursor.has_more is True and first.cursor.next_value
    second = await page(backend, iid, first.cursor, limit=4)
    assert len(second.activity_items) == 2
    assert second.cursor.has_more is False
    assert first.query.limit == 4
    assert first.query.order_direction in ("ASC", "")


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_exact_last_page_says_no_more(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    for n in range(3):
        await note(backend, iid, f"n{n}")
    first = await page(backend, iid, limit=2)
    second = await page(backend, iid, first.cursor, limit=2)
    assert len(second.activity_items) == 2
    assert second.cursor.has_more is False


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_activity_limit_zero_means_fifty(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    for n in range(50):
        await note(backend, iid, f"n{n}")
    first = await page(backend, iid)
    assert len(first.activity_items) == 50
    assert first.cursor.has_more is True
    rest = await page(backend, iid, first.cursor)
    assert len(rest.activity_items) == 1


@pytest.mark.needs("add_activity", "create_incident", "query_activity")
async def test_items_added_between_pages_appear_once(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    for n in range(4):
        await note(backend, iid, f"n{n}")
    first = await page(backend, iid, limit=3)
    await note(backend, iid, "late arrival")
    seen = list(first.activity_items)
    cursor = first.cursor
    while cursor.has_more:
        response = await page(backend, iid, cursor, limit=3)
        seen.extend(response.activity_items)
        cursor = response.cursor
    seen_ids = [i.activity_item_id for i in seen]
    assert len(seen_ids) == len(set(seen_ids))
    assert [i.body for i in seen if i.activity_kind == "userNote"] == [
        "n0",
        "n1",
        "n2",
        "n3",
        "late arrival",
    ]


@pytest.mark.needs("create_incident", "query_activity")
@pytest.mark.parametrize("value", ["garbage", "eyJub3QiOiAiYSBjdXJzb3IifQ==", "%%%"])
async def test_bad_activity_cursor_is_refused(backend: Backend, value: str):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await page(backend, incident.incident_id, m.Cursor(next_value=value, has_more=True))


# --- UpdateActivityBody -----------------------------------------------------------


@pytest.mark.needs("add_activity", "create_incident", "query_activity", "update_activity_body")
async def test_editing_a_note_changes_its_body(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    item = await note(backend, iid, "tpyo")
    response = await backend.update_activity_body(
        m.UpdateActivityBodyRequest(
            incident_id=iid, activity_item_id=item.activity_item_id, body=MARKUP
        )
    )
    assert response.activity_item.body == MARKUP
    assert response.activity_item.activity_item_id == item.activity_item_id
    stored = [
        i for i in await timeline(backend, iid) if i.activity_item_id == item.activity_item_id
    ]
    assert stored[0].body == MARKUP


@pytest.mark.needs("create_incident", "query_activity", "update_activity_body")
async def test_immutable_item_body_cannot_be_edited(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    created = (await timeline(backend, iid))[0]
    assert created.immutable is True
    with pytest.raises((InvalidArgument, PermissionDenied)):
        await backend.update_activity_body(
            m.UpdateActivityBodyRequest(
                incident_id=iid, activity_item_id=created.activity_item_id, body="rewritten"
            )
        )
    assert (await timeline(backend, iid))[0].body == created.body


@pytest.mark.needs("create_incident", "update_activity_body")
async def test_editing_unknown_item_is_not_found(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(NotFound):
        await backend.update_activity_body(
            m.UpdateActivityBodyRequest(
                incident_id=incident.incident_id, activity_item_id="nope", body="x"
            )
        )


@pytest.mark.needs("add_activity", "create_incident", "update_activity_body")
async def test_editing_an_item_through_another_incident_is_not_found(backend: Backend):
    owner = await declare(backend, "owner")
    stranger = await declare(backend, "stranger")
    item = await note(backend, owner.incident_id, "mine")
    with pytest.raises(NotFound):
        await backend.update_activity_body(
            m.UpdateActivityBodyRequest(
                incident_id=stranger.incident_id, activity_item_id=item.activity_item_id, body="x"
            )
        )


# --- UpdateActivityEventTime ---------------------------------------------------------


@pytest.mark.needs(
    "add_activity", "create_incident", "query_activity", "update_activity_event_time"
)
async def test_moving_a_note_in_time(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    item = await note(backend, iid)
    response = await backend.update_activity_event_time(
        m.UpdateActivityEventTimeRequest(
            incident_id=iid,
            activity_item_id=item.activity_item_id,
            event_time="2020-02-02T02:02:02Z",
        )
    )
    assert when(response.activity_item.event_time) == datetime(2020, 2, 2, 2, 2, 2, tzinfo=UTC)
    # The timeline is ordered by event time: the note now comes first.
    assert (await timeline(backend, iid))[0].activity_item_id == item.activity_item_id


@pytest.mark.needs("add_activity", "create_incident", "update_activity_event_time")
async def test_empty_event_time_resets_to_created_time(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    item = await note(backend, iid, event_time="2020-02-02T02:02:02Z")
    response = await backend.update_activity_event_time(
        m.UpdateActivityEventTimeRequest(
            incident_id=iid, activity_item_id=item.activity_item_id, event_time=""
        )
    )
    assert when(response.activity_item.event_time) == when(item.created_time)


@pytest.mark.needs("add_activity", "create_incident", "update_activity_event_time")
async def test_bad_item_event_time_is_refused(backend: Backend):
    incident = await declare(backend)
    item = await note(backend, incident.incident_id)
    with pytest.raises(InvalidArgument):
        await backend.update_activity_event_time(
            m.UpdateActivityEventTimeRequest(
                incident_id=incident.incident_id,
                activity_item_id=item.activity_item_id,
                event_time="soon",
            )
        )


@pytest.mark.needs("create_incident", "query_activity", "update_activity_event_time")
async def test_immutable_item_cannot_be_retimed(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    created = (await timeline(backend, iid))[0]
    with pytest.raises((InvalidArgument, PermissionDenied)):
        await backend.update_activity_event_time(
            m.UpdateActivityEventTimeRequest(
                incident_id=iid,
                activity_item_id=created.activity_item_id,
                event_time="2020-02-02T02:02:02Z",
            )
        )
    assert (await timeline(backend, iid))[0].event_time == created.event_time


@pytest.mark.needs("create_incident", "update_activity_event_time")
async def test_moving_unknown_item_is_not_found(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(NotFound):
        await backend.update_activity_event_time(
            m.UpdateActivityEventTimeRequest(
                incident_id=incident.incident_id,
                activity_item_id="nope",
                event_time="2020-02-02T02:02:02Z",
            )
        )


# --- RemoveActivity -------------------------------------------------------------------


@pytest.mark.needs("add_activity", "create_incident", "query_activity", "remove_activity")
async def test_removed_note_disappears_from_the_timeline(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    keep = await note(backend, iid, "keep")
    drop = await note(backend, iid, "drop")
    response = await backend.remove_activity(
        m.RemoveActivityRequest(incident_id=iid, activity_item_id=drop.activity_item_id)
    )
    assert response.activity_item.activity_item_id == drop.activity_item_id
    ids = [i.activity_item_id for i in await timeline(backend, iid)]
    assert keep.activity_item_id in ids
    assert drop.activity_item_id not in ids


@pytest.mark.needs("add_activity", "create_incident", "remove_activity", "update_activity_body")
async def test_removed_note_cannot_be_removed_or_edited_again(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    item = await note(backend, iid)
    request = m.RemoveActivityRequest(incident_id=iid, activity_item_id=item.activity_item_id)
    await backend.remove_activity(request)
    with pytest.raises(NotFound):
        await backend.remove_activity(request)
    with pytest.raises(NotFound):
        await backend.update_activity_body(
            m.UpdateActivityBodyRequest(
                incident_id=iid, activity_item_id=item.activity_item_id, body="x"
            )
        )


@pytest.mark.needs("create_incident", "query_activity", "remove_activity")
async def test_immutable_item_cannot_be_removed(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    created = (await timeline(backend, iid))[0]
    with pytest.raises((InvalidArgument, PermissionDenied)):
        await backend.remove_activity(
            m.RemoveActivityRequest(incident_id=iid, activity_item_id=created.activity_item_id)
        )
    assert (await kinds(backend, iid))[0] == "incidentCreated"


@pytest.mark.needs("create_incident", "remove_activity")
async def test_removing_unknown_item_is_not_found(backend: Backend):
    incident = await declare(backend)
    with pytest.raises(NotFound):
        await backend.remove_activity(
            m.RemoveActivityRequest(incident_id=incident.incident_id, activity_item_id="nope")
        )


@pytest.mark.needs("remove_activity")
async def test_removing_item_from_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.remove_activity(
            m.RemoveActivityRequest(incident_id="nope", activity_item_id="nope")
        )


@pytest.mark.needs(
    "add_activity",
    "add_label",
    "add_task",
    "assign_role",
    "create_incident",
    "delete_task",
    "query_activity",
    "remove_label",
    "unassign_role",
    "update_incident_is_drill",
    "update_severity",
    "update_status",
    "update_task_text",
    "update_title",
)
async def test_every_mutation_writes_exactly_its_item(backend: Backend):
    """The whole life of an incident, and the timeline it leaves, kind by kind."""
    incident = await declare(backend, "Lifecycle")
    iid = incident.incident_id
    await backend.update_title(m.UpdateTitleRequest(incident_id=iid, title="Lifecycle 2"))
    await backend.update_severity(m.UpdateSeverityRequest(incident_id=iid, severity="minor"))
    await backend.add_label(m.AddLabelRequest(incident_id=iid, label=m.IncidentLabel(label="db")))
    await backend.remove_label(m.RemoveLabelRequest(incident_id=iid, label="db"))
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=iid, user_id=ALICE.user_id, role="commander")
    )
    await backend.unassign_role(
        m.UnassignRoleRequest(incident_id=iid, user_id=ALICE.user_id, role="commander")
    )
    await backend.update_incident_is_drill(
        m.UpdateIncidentIsDrillRequest(incident_id=iid, is_drill=True)
    )
    await note(backend, iid, "a note")
    task = (await backend.add_task(m.AddTaskRequest(incident_id=iid, text="t"))).task
    await backend.update_task_text(
        m.UpdateTaskTextRequest(incident_id=iid, task_id=task.task_id, text="t2")
    )
    await backend.delete_task(m.DeleteTaskRequest(incident_id=iid, task_id=task.task_id))
    await backend.update_status(m.UpdateStatusRequest(incident_id=iid, status="resolved"))
    kinds_seen = [k for k in await kinds(backend, iid) if k not in ("incidentStart", "incidentEnd")]
    assert kinds_seen == [
        "incidentCreated",
        "incidentTitleChanged",
        "incidentSeverityChanged",
        "labelAdded",
        "labelRemoved",
        "roleAssigned",
        "roleUnassigned",
        "incidentIsDrillChanged",
        "userNote",
        "taskAdded",
        "taskUpdated",
        "taskDeleted",
        "incidentStatusChanged",
    ]
