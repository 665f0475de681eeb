"""Queued writes shown where they belong: answers made up from the outbox, and reads
with the queued changes laid over what the remote said.

A queued create answers with a placeholder object (``queued-12``) built from its
request; reads then show it (a pending incident in the list, a pending note in
its timeline, a pending task in its checklist) and queued updates to an incident,
task or note are applied to what is shown, until the remote has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from incident_tui import models as m
from incident_tui.durable.outbox import QueuedWrite, placeholder_seq
from incident_tui.query import (
    AnyOf,
    CreatedBy,
    DateRange,
    IsDrill,
    Label,
    Not,
    QuerySyntaxError,
    QueryTerm,
    SeverityIs,
    StatusIs,
    Title,
    Words,
    parse,
)
from incident_tui.text import one_line

#: Request fields that name an object by id (rewritten once a queued create has its id).
ID_FIELDS = ("incident_id", "task_id", "activity_item_id", "role_id")


# --- describing ------------------------------------------------------------------------


def describe(entry: QueuedWrite) -> str:
    """What a queued write does, in a few words for a person (cleaned, one line)."""
    r = entry.request
    where = _ref(getattr(r, "incident_id", ""))
    name = entry.method.backend_method
    if isinstance(r, m.CreateIncidentRequest):
        return f"declare “{one_line(r.title, 60)}”"
    if isinstance(r, m.AddActivityRequest):
        return f"note on {where}: “{one_line(r.body, 50)}”"
    if isinstance(r, m.AddTaskRequest):
        return f"task on {where}: “{one_line(r.text, 50)}”"
    if isinstance(r, m.AddLabelRequest):
        return f"label “{one_line(r.label.label, 40)}” on {where}"
    if isinstance(r, m.UpdateTitleRequest):
        return f"title of {where} → “{one_line(r.title, 50)}”"
    if isinstance(r, m.UpdateIncidentSummaryRequest):
        return f"summary of {where} → “{one_line(r.summary, 50)}”"
    if isinstance(r, m.UpdateStatusRequest):
        return f"status of {where} → {one_line(r.status, 20)}"
    if isinstance(r, m.UpdateSeverityRequest):
        return f"severity of {where} → {one_line(r.severity, 20)}"
    if isinstance(r, m.UpdateActivityBodyRequest):
        return f"edit of a note on {where}: “{one_line(r.body, 40)}”"
    if isinstance(r, m.UpdateTaskStatusRequest):
        return f"task on {where} → {one_line(r.status, 20)}"
    if isinstance(r, m.CreateRoleRequest | m.UpdateRoleRequest):
        return f"{entry.method.name} “{one_line(r.role.name, 40)}”"
    words = name.replace("_", " ")
    return f"{words} on {where}" if where != "#" else words


def _ref(incident_id: str) -> str:
    return f"#{one_line(incident_id, 40)}"


def text_field(entry: QueuedWrite) -> str | None:
    """The request field a person may fix before a refused write is sent again."""
    for name in ("body", "text", "title", "summary"):
        if name in type(entry.request).model_fields:
            return name
    return None


# --- ids -----------------------------------------------------------------------------


def ids_in(request: m.Request) -> list[object]:
    """The object ids a request names (incident, task, note, role)."""
    found: list[object] = []
    for name in ID_FIELDS:
        if name in type(request).model_fields:
            found.append(getattr(request, name))
    role = getattr(request, "role", None)
    if isinstance(role, m.Role):
        found.append(role.role_id)
    return found


def rewrite_ids(request: m.Request, real: dict[str, str]) -> m.Request:
    """The request with placeholders of delivered creates replaced by their real ids."""
    changes: dict[str, object] = {}
    for name in ID_FIELDS:
        if name not in type(request).model_fields:
            continue
        value = getattr(request, name)
        key = str(value) if name != "role_id" else f"role:{value}"
        if placeholder_seq(value) is not None and key in real:
            changes[name] = int(real[key]) if name == "role_id" else real[key]
    role = getattr(request, "role", None)
    if isinstance(role, m.Role) and f"role:{role.role_id}" in real:
        changes["role"] = role.model_copy(update={"role_id": int(real[f"role:{role.role_id}"])})
    return request.model_copy(update=changes) if changes else request


def created_id(entry_method: str, response: m.Response) -> tuple[str, str] | None:
    """(kind, real id) of what a create made, to map its placeholder."""
    if isinstance(response, m.CreateIncidentResponse):
        return "id", response.incident.incident_id
    if isinstance(response, m.AddActivityResponse):
        return "id", response.activity_item.activity_item_id
    if isinstance(response, m.AddTaskResponse):
        return "id", response.task.task_id
    if isinstance(response, m.CreateRoleResponse):
        return "role", str(response.role.role_id)
    return None


def placeholder_key(entry: QueuedWrite, kind: str) -> str:
    return f"role:{entry.role_placeholder}" if kind == "role" else entry.placeholder


def author_of(response: m.Response) -> m.UserPreview | None:
    """Who the remote says wrote a create: the console's own person on that remote."""
    user: m.UserPreview | None = None
    if isinstance(response, m.CreateIncidentResponse):
        user = response.incident.created_by_user
    elif isinstance(response, m.AddActivityResponse):
        user = response.activity_item.user
    elif isinstance(response, m.AddTaskResponse):
        user = response.task.author_user
    return user if user is not None and user.user_id else None


# --- made-up answers -----------------------------------------------------------------------


def pending_incident(entry: QueuedWrite, me: m.UserPreview) -> m.Incident:
    r = entry.request
    assert isinstance(r, m.CreateIncidentRequest)
    resolved = r.status == "resolved"
    return m.Incident(
        incident_id=entry.placeholder,
        title=r.title,
        severity=r.severity or "pending",
        labels=list(r.labels),
        is_drill=r.is_drill,
        status="resolved" if resolved else "active",
        created_time=entry.created_at,
        modified_time=entry.created_at,
        created_by_user=me,
        incident_start=entry.created_at,
        closed_time=entry.created_at if resolved else "",
    )


def pending_note(entry: QueuedWrite, me: m.UserPreview) -> m.ActivityItem:
    r = entry.request
    assert isinstance(r, m.AddActivityRequest)
    return m.ActivityItem(
        activity_item_id=entry.placeholder,
        incident_id=r.incident_id,
        user=me,
        created_time=entry.created_at,
        event_time=r.event_time or entry.created_at,
        activity_kind=r.activity_kind or m.ActivityKind.USER_NOTE.value,
        body=r.body,
        immutable=False,
    )


def pending_task(entry: QueuedWrite, me: m.UserPreview) -> m.Task:
    r = entry.request
    assert isinstance(r, m.AddTaskRequest)
    assignee = m.UserPreview(user_id=r.assign_to_user_id) if r.assign_to_user_id else None
    return m.Task(
        task_id=entry.placeholder,
        created_time=entry.created_at,
        modified_time=entry.created_at,
        text=r.text,
        status=m.TaskStatus.TODO,
        author_user=me,
        assigned_user=assignee,
    )


def answer(entry: QueuedWrite, me: m.UserPreview, entries: list[QueuedWrite]) -> m.Response:
    """The response a queued write gives its caller at once: placeholders for creates."""
    r = entry.request
    response = entry.method.response
    if isinstance(r, m.CreateIncidentRequest):
        return m.CreateIncidentResponse(incident=pending_incident(entry, me))
    if isinstance(r, m.AddActivityRequest):
        return m.AddActivityResponse(activity_item=pending_note(entry, me))
    if isinstance(r, m.AddTaskRequest):
        task = pending_task(entry, me)
        return m.AddTaskResponse(
            incident_id=r.incident_id, task=task, task_list=m.TaskList(tasks=[task])
        )
    if isinstance(r, m.CreateRoleRequest):
        return m.CreateRoleResponse(role=r.role.model_copy(update={"role_id": -entry.seq}))
    fields = response.model_fields
    update: dict[str, object] = {}
    if "incident_id" in fields:
        update["incident_id"] = getattr(r, "incident_id", "")
    return response.model_validate(update) if update else response()


# --- reads with the queue laid over -------------------------------------------------------


def for_incident(entries: Iterable[QueuedWrite], incident_id: str) -> list[QueuedWrite]:
    return [e for e in entries if getattr(e.request, "incident_id", None) == incident_id]


def creates_of(entries: Iterable[QueuedWrite], kind: type[m.Request]) -> list[QueuedWrite]:
    return [e for e in entries if isinstance(e.request, kind)]


def apply_to_incident(
    incident: m.Incident, entries: list[QueuedWrite], me: m.UserPreview
) -> m.Incident:
    """Queued changes to one incident applied to it: title, severity, status, drill,
    labels, and its tasks (added, renamed, ticked, reassigned, deleted)."""
    mine = for_incident(entries, incident.incident_id)
    if not mine:
        return incident
    update: dict[str, object] = {}
    labels = list(incident.labels)
    tasks = list(incident.task_list.tasks)
    for entry in mine:
        r = entry.request
        if isinstance(r, m.UpdateTitleRequest):
            update["title"] = r.title
        elif isinstance(r, m.UpdateIncidentSummaryRequest):
            update["summary"] = r.summary.strip()
        elif isinstance(r, m.UpdateSeverityRequest):
            update["severity"] = r.severity
        elif isinstance(r, m.UpdateStatusRequest):
            update["status"] = r.status
        elif isinstance(r, m.UpdateIncidentIsDrillRequest):
            update["is_drill"] = r.is_drill
        elif isinstance(r, m.AddLabelRequest):
            if all(label.label != r.label.label for label in labels):
                labels.append(r.label)
        elif isinstance(r, m.RemoveLabelRequest):
            labels = [label for label in labels if label.label != r.label]
        elif isinstance(r, m.AddTaskRequest):
            tasks.append(pending_task(entry, me))
        elif isinstance(r, m.DeleteTaskRequest):
            tasks = [t for t in tasks if t.task_id != r.task_id]
        elif isinstance(r, m.UpdateTaskStatusRequest | m.UpdateTaskTextRequest):
            field = "status" if isinstance(r, m.UpdateTaskStatusRequest) else "text"
            value = getattr(r, field)
            tasks = [
                t.model_copy(update={field: value}) if t.task_id == r.task_id else t for t in tasks
            ]
        elif isinstance(r, m.UpdateTaskUserRequest):
            user = m.UserPreview(user_id=r.user_id) if r.user_id else None
            tasks = [
                t.model_copy(update={"assigned_user": user}) if t.task_id == r.task_id else t
                for t in tasks
            ]
    done = sum(1 for t in tasks if str(t.status) == "done")
    update["labels"] = labels
    update["task_list"] = m.TaskList(tasks=tasks, done_count=done, todo_count=len(tasks) - done)
    return incident.model_copy(update=update)


def apply_to_timeline(
    response: m.QueryActivityResponse,
    request: m.QueryActivityRequest,
    entries: list[QueuedWrite],
    me: m.UserPreview,
) -> m.QueryActivityResponse:
    """Queued notes of the incident on the first page (edited and removed ones too)."""
    query = request.query
    mine = for_incident(entries, query.incident_id)
    if not mine:
        return response
    items = list(response.activity_items)
    for entry in mine:
        r = entry.request
        if isinstance(r, m.UpdateActivityBodyRequest):
            items = [
                i.model_copy(update={"body": r.body})
                if i.activity_item_id == r.activity_item_id
                else i
                for i in items
            ]
        elif isinstance(r, m.RemoveActivityRequest):
            items = [i for i in items if i.activity_item_id != r.activity_item_id]
    first_page = not request.cursor.next_value
    wants_notes = not query.tag and (
        not query.activity_kind or m.ActivityKind.USER_NOTE.value in query.activity_kind
    )
    if first_page and wants_notes:
        notes = [pending_note(e, me) for e in mine if isinstance(e.request, m.AddActivityRequest)]
        for entry in mine:  # edits of notes still queued themselves
            r = entry.request
            if isinstance(r, m.UpdateActivityBodyRequest):
                notes = [
                    n.model_copy(update={"body": r.body})
                    if n.activity_item_id == r.activity_item_id
                    else n
                    for n in notes
                ]
            elif isinstance(r, m.RemoveActivityRequest):
                notes = [n for n in notes if n.activity_item_id != r.activity_item_id]
        if query.order_direction == m.OrderDirection.ASC.value:
            if not response.cursor.has_more:
                items += notes
        else:
            items = list(reversed(notes)) + items
    return response.model_copy(update={"activity_items": items})


def preview_of(incident: m.Incident) -> m.IncidentPreview:
    """A queued incident as the light preview lists show."""
    tasks = incident.task_list.tasks
    done = sum(1 for t in tasks if str(t.status) == "done")
    return m.IncidentPreview(
        incident_id=incident.incident_id,
        severity_id=incident.severity,
        severity_label=incident.severity,
        labels=list(incident.labels),
        is_drill=incident.is_drill,
        created_time=incident.created_time,
        modified_time=incident.modified_time,
        closed_time=incident.closed_time,
        created_by_user=incident.created_by_user,
        title=incident.title,
        status=incident.status,
        incident_start=incident.incident_start,
        todo_count=len(tasks) - done,
        done_count=done,
    )


def apply_to_preview(
    preview: m.IncidentPreview, entries: list[QueuedWrite], me: m.UserPreview
) -> m.IncidentPreview:
    """Queued changes to an incident applied to its preview (title, severity, status...)."""
    if not for_incident(entries, preview.incident_id):
        return preview
    shown = apply_to_incident(
        m.Incident(
            incident_id=preview.incident_id,
            title=preview.title,
            severity=preview.severity_label or preview.severity_id,
            status=preview.status,
            is_drill=preview.is_drill,
            labels=list(preview.labels),
        ),
        entries,
        me,
    )
    update: dict[str, object] = {
        "title": shown.title,
        "status": shown.status,
        "is_drill": shown.is_drill,
        "labels": shown.labels,
    }
    if shown.severity != (preview.severity_label or preview.severity_id):
        update.update(severity_label=shown.severity, severity_id=shown.severity)
    return preview.model_copy(update=update)


def as_incidents_query(query: m.IncidentPreviewsQuery) -> m.IncidentsQuery:
    return m.IncidentsQuery(
        limit=query.limit,
        order_direction=query.order_direction,
        order_field=query.order_field,
        query_string=query.query_string,
    )


def matching_incidents(
    entries: list[QueuedWrite],
    query: m.IncidentsQuery,
    me: m.UserPreview,
    now: datetime,
) -> list[m.Incident]:
    """Queued incidents (newest first) that ``query`` would list."""
    out = []
    for entry in reversed(creates_of(entries, m.CreateIncidentRequest)):
        incident = apply_to_incident(pending_incident(entry, me), entries, me)
        if matches(incident, query, now):
            out.append(incident)
    return out


def matches(incident: m.Incident, query: m.IncidentsQuery, now: datetime) -> bool:
    """Whether ``query`` lists ``incident`` (the query string wins, as on Grafana)."""
    status = str(incident.status)
    if query.query_string.strip():
        try:
            parsed = parse(query.query_string)
        except QuerySyntaxError:
            return False
        return all(_term(term, incident, now) for term in parsed.terms)
    if query.include_statuses and status not in query.include_statuses:
        return False
    if status in query.exclude_statuses:
        return False
    if query.severity and incident.severity != query.severity:
        return False
    if query.only_drills and not incident.is_drill:
        return False
    labels = {label.label for label in incident.labels}
    return all(label in labels for label in query.incident_labels)


def _term(term: QueryTerm, incident: m.Incident, now: datetime) -> bool:
    title = incident.title.casefold()
    if isinstance(term, Words):
        return all(word in title for word in term.text.casefold().split())
    if isinstance(term, StatusIs):
        return str(incident.status) == term.status
    if isinstance(term, SeverityIs):
        return incident.severity.casefold() == term.severity
    if isinstance(term, IsDrill):
        return incident.is_drill == term.is_drill
    if isinstance(term, Label):
        return any(label.label == term.label for label in incident.labels)
    if isinstance(term, Title):
        return term.text.casefold() in title
    if isinstance(term, CreatedBy):
        user = incident.created_by_user
        return term.user.casefold() in (user.user_id.casefold(), user.name.casefold())
    if isinstance(term, DateRange):
        if term.key not in ("declared", "started"):
            return False
        low, high = term.bounds(now)
        moment = now.astimezone(UTC)
        return (low is None or moment >= low) and (high is None or moment < high)
    if isinstance(term, AnyOf):
        return any(_term(inner, incident, now) for inner in term.terms)
    if isinstance(term, Not):
        return not _term(term.term, incident, now)
    return False  # roles: a queued incident has no one in a role yet
