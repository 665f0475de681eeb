"""incident.io's incidents, updates and follow-ups in the vocabulary the console speaks.

An incident keeps its org's own status and severity names (``Investigating``,
``Major``); ``Capabilities`` say which Grafana word each stands nearest to. Test and
tutorial mode show as a drill. The incident type becomes the label ``type:NAME``
and each custom field value a read-only label ``FIELD: VALUE``. Role assignments
are the incident's roles; follow-ups and actions are its tasks (read-only). The
timeline is the declaration plus every incident update, with its author and time.
"""

from __future__ import annotations

from datetime import datetime

from incident_tui import models as m
from incident_tui.backends.incidentio.filters import TYPE_PREFIX, Catalog
from incident_tui.backends.incidentio.wire import (
    ACTIVE_CATEGORIES,
    DRILL_MODES,
    IoActor,
    IoFollowUp,
    IoIncident,
    IoUpdate,
    IoUser,
    normal_time,
    parse_time,
    rfc3339,
)

#: Timestamps whose value is the impact's start or end, by their usual names.
_START_NAMES = ("impact started", "reported at", "reported")
_END_NAMES = ("resolved at", "impact ended", "resolved", "closed at")
_MAX_LABEL = 200


def user_of(user: IoUser | None) -> m.UserPreview:
    if user is None:
        return m.UserPreview()
    return m.UserPreview(user_id=user.id, name=user.name or user.email or user.id)


def actor_of(actor: IoActor | None) -> m.UserPreview:
    if actor is None:
        return m.UserPreview()
    if actor.user is not None:
        return user_of(actor.user)
    if actor.api_key is not None:
        name = actor.api_key.name or "an API key"
        return m.UserPreview(user_id=f"api_key:{actor.api_key.id}", name=f"API key {name}")
    return m.UserPreview()


def is_resolved(io: IoIncident) -> bool:
    category = io.incident_status.category if io.incident_status else ""
    return bool(category) and category not in ACTIVE_CATEGORIES


def _timestamp(io: IoIncident, names: tuple[str, ...]) -> datetime | None:
    for entry in io.incident_timestamp_values:
        stamp = entry.incident_timestamp
        if stamp is None or entry.value is None:
            continue
        if stamp.name.strip().lower() in names:
            value = parse_time(entry.value.value)
            if value is not None:
                return value
    return None


def labels_of(io: IoIncident) -> list[m.IncidentLabel]:
    labels: list[m.IncidentLabel] = []
    if io.incident_type is not None and io.incident_type.name:
        labels.append(
            m.IncidentLabel(
                label=f"{TYPE_PREFIX}{io.incident_type.name}"[:_MAX_LABEL],
                description=io.incident_type.description[:_MAX_LABEL],
            )
        )
    for entry in io.custom_field_entries:
        info = entry.custom_field
        name = info.name if info is not None and info.name else "custom field"
        shown = [v.shown() for v in entry.values if v.shown()]
        if shown:
            labels.append(
                m.IncidentLabel(
                    label=f"{name}: {', '.join(shown)}"[:_MAX_LABEL],
                    description=(info.description if info is not None else "")[:_MAX_LABEL],
                )
            )
    return labels


def roles_of(io: IoIncident, catalog: Catalog) -> tuple[list[m.IncidentRole], list[m.Assignment]]:
    roles: list[m.IncidentRole] = []
    assignments: list[m.Assignment] = []
    for assignment in io.incident_role_assignments:
        role = assignment.role
        if role is None or assignment.assignee is None or not assignment.assignee.id:
            continue
        user = user_of(assignment.assignee)
        number = role_number(catalog, role.id)
        roles.append(
            m.IncidentRole(
                role=role.name or role.shortform or role.id,
                description=role.description,
                max_people=1,
                mandatory=bool(role.required),
                important=role.role_type == "lead",
                user=user,
            )
        )
        assignments.append(
            m.Assignment(
                user=user,
                role=m.Role(
                    role_id=number,
                    name=role.name or role.shortform or role.id,
                    description=role.description,
                    important=role.role_type == "lead",
                    mandatory=bool(role.required),
                ),
                role_id=number,
            )
        )
    return roles, assignments


def role_number(catalog: Catalog, role_id: str) -> int:
    """Our numeric role id: its place in the org's list (1-based), 0 when unknown."""
    for index, role in enumerate(catalog.roles, start=1):
        if role.id == role_id:
            return index
    return 0


def to_incident(
    io: IoIncident, catalog: Catalog, now: datetime, tasks: list[m.Task] | None = None
) -> m.Incident:
    created = parse_time(io.created_at)
    resolved = is_resolved(io)
    start = _timestamp(io, _START_NAMES) or created
    end = (_timestamp(io, _END_NAMES) or parse_time(io.updated_at)) if resolved else None
    duration = 0
    if start is not None:
        duration = max(0, int(((end or now) - start).total_seconds()))
    roles, assignments = roles_of(io, catalog)
    task_list = m.TaskList()
    if tasks:
        done = sum(1 for t in tasks if t.status == m.TaskStatus.DONE)
        task_list = m.TaskList(tasks=tasks, todo_count=len(tasks) - done, done_count=done)
    title = io.name or io.reference or io.id
    return m.Incident(
        incident_id=io.id,
        title=title,
        severity=io.severity.name if io.severity is not None and io.severity.name else "",
        status=io.incident_status.name
        if io.incident_status is not None and io.incident_status.name
        else "",
        labels=labels_of(io),
        is_drill=io.mode in DRILL_MODES,
        created_time=rfc3339(created),
        modified_time=normal_time(io.updated_at) or rfc3339(created),
        created_by_user=actor_of(io.creator),
        closed_time=rfc3339(end),
        duration_seconds=duration,
        overview_url=io.permalink,
        roles=roles,
        incident_membership=m.IncidentMembership(
            assignments=assignments,
            total_assignments=len(assignments),
            total_participants=len({a.user.user_id for a in assignments}),
        ),
        task_list=task_list,
        summary=io.summary,
        reference=io.reference or None,
        incident_start=rfc3339(start),
        incident_end=rfc3339(end),
    )


def to_task(item: IoFollowUp, kind: str) -> m.Task:
    """A follow-up or an action as a read-only task (``kind`` says which)."""
    text = item.title or item.description or "(untitled)"
    if kind == "action":
        text = f"action: {text}"
    status = m.TaskStatus.DONE if item.status in ("completed", "not_doing") else m.TaskStatus.TODO
    if item.status in ("not_doing", "deleted"):
        text = f"{text} ({item.status.replace('_', ' ')})"
    return m.Task(
        task_id=f"{kind}:{item.id}",
        immutable=True,
        created_time=normal_time(item.created_at),
        modified_time=normal_time(item.updated_at) or normal_time(item.created_at),
        text=text,
        status=status,
        assigned_user=user_of(item.assignee) if item.assignee is not None else None,
    )


def timeline(io: IoIncident, updates: list[IoUpdate]) -> list[m.ActivityItem]:
    """The declaration, then every update oldest first (ties keep the API's order)."""
    items: list[m.ActivityItem] = []
    created = normal_time(io.created_at)
    items.append(
        m.ActivityItem(
            activity_item_id=f"created:{io.id}",
            incident_id=io.id,
            user=actor_of(io.creator),
            created_time=created,
            event_time=created,
            activity_kind=m.ActivityKind.INCIDENT_CREATED.value,
            body=f"declared {io.reference or 'the incident'}: {io.name}".strip(),
            immutable=True,
        )
    )
    ordered = sorted(
        enumerate(updates), key=lambda pair: (normal_time(pair[1].created_at), pair[0])
    )
    previous = ""
    for _, update in ordered:
        items.append(_update_item(io.id, update, previous))
        if update.new_incident_status is not None and update.new_incident_status.name:
            previous = update.new_incident_status.name
    return items


def _update_item(incident_id: str, update: IoUpdate, previous: str) -> m.ActivityItem:
    """One update. Every update names the status it leaves the incident in; it is a
    status change when that differs from the one before. ``new_severity`` comes only
    with a severity change."""
    when = normal_time(update.created_at)
    parts: list[str] = []
    kind = m.ActivityKind.INCIDENT_UPDATED
    fields: dict[str, object] = {}
    if update.new_severity is not None and update.new_severity.name:
        parts.append(f"severity {update.new_severity.name}")
        fields["severity"] = update.new_severity.name
        kind = m.ActivityKind.INCIDENT_SEVERITY_CHANGED
    status = update.new_incident_status.name if update.new_incident_status is not None else ""
    if status:
        fields["status"] = status
    if status and status != previous:
        parts.insert(0, f"status {status}")
        if kind == m.ActivityKind.INCIDENT_UPDATED:
            kind = m.ActivityKind.INCIDENT_STATUS_CHANGED
    if update.merged_into_incident_id:
        parts.append(f"merged into {update.merged_into_incident_id}")
    head = "; ".join(parts)
    message = update.message.strip()
    if message:
        body = f"{message}\n({head})" if head else message
    else:
        body = f"update: {head}" if head else "update"
    return m.ActivityItem(
        activity_item_id=f"update:{update.id}",
        incident_id=incident_id,
        user=actor_of(update.updater),
        created_time=when,
        event_time=when,
        activity_kind=kind.value,
        body=body,
        immutable=True,
        field_values=fields,
    )
