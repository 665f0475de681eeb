"""Did a create that may have reached the remote land? Read what would show it.

Asked before a create whose answer was lost (timeout, reset, a crash mid-send) is
sent again: the new incident by title and author among the newest ones, the note
by text and author in the incident's newest notes, the task by text, the label,
the role by name. Objects this console already knows it made are never taken for
it, and only things made since shortly before the first attempt count.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from incident_tui import models as m
from incident_tui import times
from incident_tui.backends.base import Backend
from incident_tui.durable.outbox import QueuedWrite

#: How far back from the first attempt a match may have been made (clocks differ).
CLOCK_SLACK = timedelta(minutes=10)
#: How many of the newest incidents / notes are read to look for it.
LOOK_BACK = 50


class CannotTell(Exception):
    """No read can show whether this kind of create landed; a person must decide."""


async def find_landed(
    remote: Backend,
    entry: QueuedWrite,
    request: m.Request,
    *,
    me: m.UserPreview | None,
    known_ids: Collection[str],
) -> m.Response | None:
    """The remote's answer as if the create had been answered, when it landed; None when
    it did not. Raises the remote's errors, or ``CannotTell``."""
    since = _parse(entry.first_sent_at or entry.created_at) - CLOCK_SLACK

    def fresh(created: str, author: m.UserPreview | None, object_id: str) -> bool:
        if object_id in known_ids:
            return False
        if me is not None and me.user_id and author is not None and author.user_id:
            if author.user_id != me.user_id:
                return False
        made = _parse(created) if created else None
        return made is None or made >= since

    if isinstance(request, m.CreateIncidentRequest):
        incidents = await remote.query_incidents(
            m.QueryIncidentsRequest(
                query=m.IncidentsQuery(
                    limit=LOOK_BACK, order_field="createdTime", order_direction="DESC"
                )
            )
        )
        for incident in incidents.incidents:
            if incident.title.strip() == request.title.strip() and fresh(
                incident.created_time, incident.created_by_user, incident.incident_id
            ):
                return m.CreateIncidentResponse(incident=incident)
        return None
    if isinstance(request, m.AddActivityRequest):
        kind = request.activity_kind or m.ActivityKind.USER_NOTE.value
        notes = await remote.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(
                    incident_id=request.incident_id,
                    limit=LOOK_BACK,
                    order_direction="DESC",
                    activity_kind=[kind],
                )
            )
        )
        for item in notes.activity_items:
            if item.body == request.body and fresh(
                item.created_time, item.user, item.activity_item_id
            ):
                return m.AddActivityResponse(activity_item=item)
        return None
    if isinstance(request, m.AddTaskRequest | m.AddLabelRequest):
        got = await remote.get_incident(m.GetIncidentRequest(incident_id=request.incident_id))
        incident = got.incident
        if isinstance(request, m.AddLabelRequest):
            if any(label.label == request.label.label for label in incident.labels):
                return m.AddLabelResponse(incident=incident)
            return None
        for task in incident.task_list.tasks:
            if task.text == request.text and fresh(
                task.created_time, task.author_user, task.task_id
            ):
                return m.AddTaskResponse(
                    incident_id=incident.incident_id, task=task, task_list=incident.task_list
                )
        return None
    if isinstance(request, m.CreateRoleRequest):
        roles = await remote.get_roles(m.GetRolesRequest())
        for role in roles.roles:
            if role.name == request.role.name and str(role.role_id) not in known_ids:
                return m.CreateRoleResponse(role=role)
        return None
    raise CannotTell(f"cannot tell by reading whether {entry.method.name} went through")


def _parse(text: str) -> datetime:
    return times.parse_time(text) or datetime.now(UTC)
