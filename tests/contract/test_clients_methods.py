"""What today's official clients call beyond the reference: incident previews, the
labels of an incident, the people (QueryUsers, GetUser); and ``roleID`` on every
assignment, which the Node client requires."""

from __future__ import annotations

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import InvalidArgument, NotFound

from .conftest import BOB
from .helpers import all_incidents, declare, get, when

pytestmark = pytest.mark.asyncio


async def previews(backend: Backend, limit: int = 0, **fields) -> list[m.IncidentPreview]:
    """Every preview a query matches, page after page (no empty trailing page)."""
    query = m.IncidentPreviewsQuery(limit=limit, **fields)
    out: list[m.IncidentPreview] = []
    cursor = m.Cursor()
    for _ in range(1000):
        page = await backend.query_incident_previews(
            m.QueryIncidentPreviewsRequest(
                query=query, cursor=cursor, include_membership_preview=True
            )
        )
        assert page.incident_previews or not out, "an empty page after a full one"
        out.extend(page.incident_previews)
        if not page.cursor.has_more:
            return out
        cursor = page.cursor
    raise AssertionError("the cursor never ended")


async def bob_acts(backend: Backend, other: Backend) -> str:
    scratch = await declare(backend, "scratch")
    await other.add_activity(
        m.AddActivityRequest(incident_id=scratch.incident_id, activity_kind="userNote", body="hi")
    )
    return scratch.incident_id


# --- roleID ---------------------------------------------------------------------


async def test_every_assignment_carries_its_role_id(backend: Backend, other: Backend):
    await bob_acts(backend, other)
    incident = await declare(backend, "db down")
    for role in ("commander", "investigator"):
        await backend.assign_role(
            m.AssignRoleRequest(incident_id=incident.incident_id, user_id="bob", role=role)
        )
    shown = (await get(backend, incident.incident_id)).incident_membership.assignments
    listed = (
        await backend.get_incident_membership(
            m.GetIncidentMembershipRequest(incident_id=incident.incident_id)
        )
    ).assignments
    for assignments in (shown, listed):
        assert {(a.role.name, a.role_id) for a in assignments} == {
            ("commander", 1),
            ("investigator", 2),
        }
        assert all(a.role_id == a.role.role_id for a in assignments)


# --- QueryIncidentPreviews --------------------------------------------------------


async def test_previews_list_what_query_incidents_lists_in_the_same_order(backend: Backend):
    for n in range(7):
        await declare(backend, f"incident {n}", severity="major" if n % 2 else "minor")
    full = await all_incidents(backend, limit=3, query_string="severity:major")
    light = await previews(backend, limit=3, query_string="severity:major")
    assert [p.incident_id for p in light] == [i.incident_id for i in full]
    assert len(light) == 3
    for preview, incident in zip(light, full, strict=True):
        assert preview.title == incident.title
        assert preview.severity_label == incident.severity == "major"
        assert preview.status == incident.status
        assert preview.created_time == incident.created_time
        assert preview.created_by_user.user_id == incident.created_by_user.user_id


async def test_previews_follow_the_order_asked(backend: Backend):
    for title in ("bravo", "alpha", "charlie"):
        await declare(backend, title)
    ordered = await previews(backend, order_field="title", order_direction="ASC")
    assert [p.title for p in ordered] == ["alpha", "bravo", "charlie"]
    page = await backend.query_incident_previews(
        m.QueryIncidentPreviewsRequest(query=m.IncidentPreviewsQuery(limit=2))
    )
    assert page.query.limit == 2 and page.query.order_direction in ("ASC", "DESC")
    assert page.cursor.has_more


async def test_a_preview_carries_labels_drill_times_and_the_commander(
    backend: Backend, other: Backend
):
    await bob_acts(backend, other)
    incident = await declare(
        backend, "api errors", labels=[m.IncidentLabel(label="api")], is_drill=True
    )
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=incident.incident_id, user_id="bob", role="commander")
    )
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=incident.incident_id, user_id="bob", role="observer")
    )
    await backend.add_task(m.AddTaskRequest(incident_id=incident.incident_id, text="look"))
    done = await backend.add_task(m.AddTaskRequest(incident_id=incident.incident_id, text="fix"))
    await backend.update_task_status(
        m.UpdateTaskStatusRequest(
            incident_id=incident.incident_id, task_id=done.task.task_id, status="done"
        )
    )
    preview = next(p for p in await previews(backend) if p.incident_id == incident.incident_id)
    assert [label.label for label in preview.labels] == ["api"]
    assert preview.is_drill is True
    assert when(preview.incident_start) == when(incident.incident_start)
    membership = preview.incident_membership_preview
    # Only important roles are previewed (commander), but every assignment is counted.
    assert [(a.user.user_id, a.role_id) for a in membership.important_assignments] == [("bob", 1)]
    assert membership.total_assignments == 2
    assert (preview.todo_count, preview.done_count) in ((1, 1), (None, None))


async def test_previews_without_the_membership_flag_leave_it_empty(
    backend: Backend, other: Backend
):
    await bob_acts(backend, other)
    incident = await declare(backend, "quiet")
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=incident.incident_id, user_id="bob", role="commander")
    )
    page = await backend.query_incident_previews(m.QueryIncidentPreviewsRequest())
    assert all(
        not p.incident_membership_preview.important_assignments for p in page.incident_previews
    )


async def test_a_bad_preview_query_is_invalid_argument(backend: Backend):
    await declare(backend)
    with pytest.raises(InvalidArgument):
        await backend.query_incident_previews(
            m.QueryIncidentPreviewsRequest(query=m.IncidentPreviewsQuery(order_field="nope"))
        )


# --- GetLabels --------------------------------------------------------------------


async def test_get_labels_lists_an_incidents_labels(backend: Backend):
    incident = await declare(
        backend,
        labels=[m.IncidentLabel(label="db", color_hex="#ff0000"), m.IncidentLabel(label="eu")],
    )
    await declare(backend, "other", labels=[m.IncidentLabel(label="api")])
    labels = (await backend.get_labels(m.GetLabelsRequest(incident_id=incident.incident_id))).labels
    assert [(label.value, label.color_hex) for label in labels] == [("db", "#ff0000"), ("eu", "")]


async def test_get_labels_without_an_incident_lists_the_labels_in_use(backend: Backend):
    await declare(backend, labels=[m.IncidentLabel(label="db"), m.IncidentLabel(label="eu")])
    await declare(backend, "other", labels=[m.IncidentLabel(label="db")])
    labels = (await backend.get_labels(m.GetLabelsRequest())).labels
    assert [label.value for label in labels] == ["db", "eu"]


async def test_get_labels_of_an_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.get_labels(m.GetLabelsRequest(incident_id="9999"))


async def test_an_incident_holds_at_most_100_labels(backend: Backend):
    incident = await declare(backend, labels=[m.IncidentLabel(label=f"l{n}") for n in range(100)])
    with pytest.raises(InvalidArgument):
        await backend.add_label(
            m.AddLabelRequest(incident_id=incident.incident_id, label=m.IncidentLabel(label="x"))
        )
    again = await backend.add_label(  # one it already holds is still fine
        m.AddLabelRequest(incident_id=incident.incident_id, label=m.IncidentLabel(label="l5"))
    )
    assert len(again.incident.labels) == 100
    with pytest.raises(InvalidArgument):
        await declare(backend, "many", labels=[m.IncidentLabel(label=f"l{n}") for n in range(101)])


# --- QueryUsers / GetUser -----------------------------------------------------------


async def test_query_users_names_everyone_who_acted_page_by_page(backend: Backend, other: Backend):
    await bob_acts(backend, other)
    seen: list[str] = []
    cursor = m.Cursor()
    for _ in range(10):
        page = await backend.query_users(
            m.QueryUsersRequest(query=m.UsersQuery(limit=1), cursor=cursor)
        )
        seen += [u.user_id for u in page.users]
        assert page.query.limit == 1
        if not page.cursor.has_more:
            break
        cursor = page.cursor
    assert seen == ["alice", "bob"]  # by name: Alice, Bob
    everyone = await backend.query_users()
    assert [(u.user_id, u.name) for u in everyone.users] == [("alice", "Alice"), ("bob", "Bob")]


async def test_get_user_returns_the_person(backend: Backend, other: Backend):
    await bob_acts(backend, other)
    user = (await backend.get_user(m.GetUserRequest(user_id="bob"))).user
    assert (user.user_id, user.name) == (BOB.user_id, BOB.name)
    with pytest.raises(NotFound):
        await backend.get_user(m.GetUserRequest(user_id="nobody"))
    with pytest.raises(InvalidArgument):
        await backend.get_user(m.GetUserRequest())


# --- times as Grafana writes them ----------------------------------------------------


async def test_the_references_own_time_format_is_accepted_as_utc(backend: Backend):
    incident = await declare(backend)
    note = await backend.add_activity(
        m.AddActivityRequest(
            incident_id=incident.incident_id,
            activity_kind="userNote",
            body="from the reference",
            event_time="2022-02-11 00:50:20.574137",
        )
    )
    assert when(note.activity_item.event_time).isoformat() == "2022-02-11T00:50:20.574137+00:00"


async def test_gos_zero_time_means_not_set(backend: Backend):
    incident = await declare(backend)
    note = await backend.add_activity(
        m.AddActivityRequest(
            incident_id=incident.incident_id,
            activity_kind="userNote",
            body="now",
            event_time=m.ZERO_TIME,
        )
    )
    assert when(note.activity_item.event_time).year >= 2024
