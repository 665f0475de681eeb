"""The Grafana Incident objects and the Request/Response pair of every RPC method.

One vocabulary for every layer. Python names are snake_case; the JSON keys are the
exact camelCase keys of the Grafana reference (``incidentID``, ``sHA512``, ...).

Wire rules (see shared/WIRE.md):
- parsing accepts Go-style zero values (``""``, ``0``, ``false``, ``null``) and
  Node-style missing fields, and ignores unknown fields;
- serialising never emits ``null`` for a list or an object, and integers stay
  integers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import PydanticUseDefault, core_schema


def wire_alias(name: str) -> str:
    """snake_case -> the reference's camelCase (``incident_id`` -> ``incidentID``)."""
    special = {"id": "ID", "url": "URL", "uuid": "UUID"}
    head, *rest = name.split("_")
    return head + "".join(special.get(part, part.capitalize()) for part in rest)


def _null_is_default(value: Any) -> Any:
    # Go sends null for unset lists and objects: the field's default applies.
    if value is None:
        raise PydanticUseDefault()
    return value


class _NullIsDefault:
    """``null`` accepted where a list or object goes, then replaced by the field's default.

    The inner type is validated first (in Rust, straight from JSON) and this Python step
    only sees the finished value. A before-validator would instead turn every such
    field's JSON into Python objects and validate them a second time (a 150 KB page
    parsed in 2.1 ms instead of 1.3 ms).
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            _null_is_default, core_schema.nullable_schema(handler(source))
        )


NULL_IS_DEFAULT = _NullIsDefault()

#: Go's zero ``time.Time``: Grafana sends it for a time that was never set.
ZERO_TIME = "0001-01-01T00:00:00Z"


def time_is_unset(value: str | None) -> bool:
    """True for ``""`` and Go's zero time (any ``0001-01-01T00:00:00`` form): show "unset"."""
    text = (value or "").strip()
    return not text or text.startswith(("0001-01-01T00:00:00", "0001-01-01 00:00:00"))


#: Every integer of the API is a Go int64: anything wider is a bad field, not a crash later.
Int64 = Annotated[int, Field(ge=-(2**63), lt=2**63)]


class WireModel(BaseModel):
    """Base of every wire object: camelCase aliases, lenient input, strict output."""

    model_config = ConfigDict(
        alias_generator=wire_alias,
        populate_by_name=True,
        extra="ignore",
        use_enum_values=False,
        validate_default=False,
        # Built on first use: a command that reads one kind of object does not pay for
        # the schemas of all hundred (the command line starts ~40 ms sooner).
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict: camelCase keys, no null lists/objects."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)

    def to_json_bytes(self) -> bytes:
        """``to_json`` as the UTF-8 bytes that go on the wire (no str round trip)."""
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_none=True)


# --- closed sets -----------------------------------------------------------


class IncidentStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """The reference's severities. Newer stacks allow custom ones, so fields are str."""

    PENDING = "pending"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


SEVERITY_ORDER: dict[str, int] = {"critical": 4, "major": 3, "minor": 2, "pending": 1}


class TaskStatus(StrEnum):
    TODO = "todo"
    PROGRESS = "progress"
    DONE = "done"


class ActivityTag(StrEnum):
    IMPORTANT = "important"
    STARRED = "starred"


class OrderDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class RoleName(StrEnum):
    COMMANDER = "commander"
    INVESTIGATOR = "investigator"
    OBSERVER = "observer"


class IncidentEventKind(StrEnum):
    START = "incidentStart"
    END = "incidentEnd"


class ActivityKind(StrEnum):
    INCIDENT_UPDATED = "incidentUpdated"
    INCIDENT_TITLE_CHANGED = "incidentTitleChanged"
    INCIDENT_STATUS_CHANGED = "incidentStatusChanged"
    INCIDENT_SEVERITY_CHANGED = "incidentSeverityChanged"
    INCIDENT_CREATED = "incidentCreated"
    INCIDENT_DELETED = "incidentDeleted"
    INCIDENT_CLOSED = "incidentClosed"
    ROLE_ASSIGNED = "roleAssigned"
    ROLE_UNASSIGNED = "roleUnassigned"
    ACTION_RUN = "actionRun"
    USER_NOTE = "userNote"
    DATA_QUERY = "dataQuery"
    HOOK_RUN_METADATA = "hookRunMetadata"
    TASK_ADDED = "taskAdded"
    TASK_UPDATED = "taskUpdated"
    TASK_COMPLETED = "taskCompleted"
    TASK_DELETED = "taskDeleted"
    MESSAGE_REACTION = "messageReaction"
    CONTEXT_ATTACHED = "contextAttached"
    INCIDENT_IS_DRILL_CHANGED = "incidentIsDrillChanged"
    INCIDENT_START = "incidentStart"
    INCIDENT_END = "incidentEnd"
    INCIDENT_SUMMARY = "incidentSummary"
    LABEL_ADDED = "labelAdded"
    LABEL_REMOVED = "labelRemoved"
    SIFT_RESULT = "siftResult"


class FileType(StrEnum):
    FILE = "file"
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"
    SCREENSHARE = "screenshare"


class DisplayType(StrEnum):
    LIST = "list"
    EMBED = "embed"


# --- objects ---------------------------------------------------------------


class UserPreview(WireModel):
    user_id: str = ""
    name: str = ""
    photo_url: str = ""


class IncidentLabel(WireModel):
    label: str = ""
    description: str = ""
    color_hex: str = ""


class Role(WireModel):
    role_id: Int64 = 0
    org_id: str = ""
    name: str = ""
    description: str = ""
    important: bool = False
    mandatory: bool = False
    archived: bool = False
    created_at: str = ""
    updated_at: str = ""


class Assignment(WireModel):
    user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)
    role: Annotated[Role, NULL_IS_DEFAULT] = Field(default_factory=Role)
    # The role's id again: today's Node client requires it on every assignment.
    role_id: Int64 = 0


class AssignmentPreview(WireModel):
    """An assignment in a preview: the person and the role's id, without the Role."""

    user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)
    role_id: Int64 = 0


class IncidentMembershipPreview(WireModel):
    important_assignments: Annotated[list[AssignmentPreview], NULL_IS_DEFAULT] = Field(
        default_factory=list
    )
    total_assignments: Int64 = 0
    total_participants: Int64 = 0


class IncidentMembership(WireModel):
    assignments: Annotated[list[Assignment], NULL_IS_DEFAULT] = Field(default_factory=list)
    total_assignments: Int64 = 0
    total_participants: Int64 = 0


class IncidentRole(WireModel):
    role: str = ""
    description: str = ""
    max_people: Int64 = 0
    mandatory: bool = False
    important: bool = False
    user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)


class Task(WireModel):
    task_id: str = ""
    immutable: bool = False
    created_time: str = ""
    modified_time: str = ""
    text: str = ""
    status: TaskStatus | str = TaskStatus.TODO
    author_user: UserPreview | None = None
    assigned_user: UserPreview | None = None


class TaskList(WireModel):
    tasks: Annotated[list[Task], NULL_IS_DEFAULT] = Field(default_factory=list)
    todo_count: Int64 = 0
    done_count: Int64 = 0


class Attachment(WireModel):
    attachment_id: str = ""
    attached_by_user_id: str = ""
    source_url: str = ""
    use_source_url: bool = False
    path: str = ""
    upload_time: str = ""
    deleted_time: str = ""
    content_type: str = ""
    file_type: str = ""
    ext: str = ""
    content_length: Int64 = 0
    display_type: str = ""
    download_url: str = ""
    has_thumbnail: bool = False
    thumbnail_url: str = ""
    sha512: str = Field(default="", alias="sHA512")
    attachment_err: str = ""


class ActivityItem(WireModel):
    activity_item_id: str = ""
    incident_id: str = ""
    user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)
    subject_user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)
    created_time: str = ""
    event_time: str = ""
    activity_kind: str = ""
    body: str = ""
    url: str = ""
    tags: Annotated[list[str], NULL_IS_DEFAULT] = Field(default_factory=list)
    immutable: bool = False
    field_values: Annotated[dict[str, Any], NULL_IS_DEFAULT] = Field(default_factory=dict)
    attachments: Annotated[list[Attachment], NULL_IS_DEFAULT] = Field(default_factory=list)


class Incident(WireModel):
    incident_id: str = ""
    severity: str = ""
    labels: Annotated[list[IncidentLabel], NULL_IS_DEFAULT] = Field(default_factory=list)
    is_drill: bool = False
    created_time: str = ""
    modified_time: str = ""
    created_by_user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)
    closed_time: str = ""
    duration_seconds: Int64 = 0
    status: IncidentStatus | str = IncidentStatus.ACTIVE
    title: str = ""
    overview_url: str = ""
    roles: Annotated[list[IncidentRole], NULL_IS_DEFAULT] = Field(default_factory=list)
    incident_membership: Annotated[IncidentMembership, NULL_IS_DEFAULT] = Field(
        default_factory=IncidentMembership
    )
    task_list: Annotated[TaskList, NULL_IS_DEFAULT] = Field(default_factory=TaskList)
    summary: str = ""
    hero_image_path: str = ""
    incident_start: str = ""
    incident_end: str = ""
    # Our extension, never sent unset: the incident system's own short reference where
    # it is not the id (incident.io's ``INC-123``); Grafana's id is its reference.
    reference: str | None = None


class Cursor(WireModel):
    next_value: str = ""
    has_more: bool = False


class IncidentsQuery(WireModel):
    limit: Int64 = 0
    include_statuses: Annotated[list[str], NULL_IS_DEFAULT] = Field(default_factory=list)
    exclude_statuses: Annotated[list[str], NULL_IS_DEFAULT] = Field(default_factory=list)
    incident_labels: Annotated[list[str], NULL_IS_DEFAULT] = Field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    only_drills: bool = False
    order_direction: str = ""
    severity: str = ""
    query_string: str = ""
    # Extension (ignored by Grafana): the column to order by. "" = createdTime.
    order_field: str = ""


class ActivityQuery(WireModel):
    incident_id: str = ""
    limit: Int64 = 0
    tag: str = ""
    order_direction: str = ""
    activity_kind: Annotated[list[str], NULL_IS_DEFAULT] = Field(default_factory=list)


class CustomMetadataFieldValue(WireModel):
    field_uuid: str = ""
    value: str = ""


class IncidentChannel(WireModel):
    provider: str = ""
    channel_id: str = ""
    team_id: str = ""


class IncidentPreview(WireModel):
    """A light incident for lists: no timeline, tasks, or full role objects.

    ``todoCount``/``doneCount`` are our extension (absent from Grafana's previews, so
    ``None`` there): the list shows task progress without loading every task.
    """

    incident_id: str = ""
    severity_id: str = ""
    severity_label: str = ""
    incident_type: str = ""
    labels: Annotated[list[IncidentLabel], NULL_IS_DEFAULT] = Field(default_factory=list)
    is_drill: bool = False
    created_time: str = ""
    modified_time: str = ""
    closed_time: str = ""
    created_by_user: Annotated[UserPreview, NULL_IS_DEFAULT] = Field(default_factory=UserPreview)
    title: str = ""
    description: str = ""
    summary: str = ""
    hero_image_path: str = ""
    status: IncidentStatus | str = IncidentStatus.ACTIVE
    slug: str = ""
    incident_start: str = ""
    incident_end: str = ""
    field_values: Annotated[list[CustomMetadataFieldValue], NULL_IS_DEFAULT] = Field(
        default_factory=list
    )
    incident_membership_preview: Annotated[IncidentMembershipPreview, NULL_IS_DEFAULT] = Field(
        default_factory=IncidentMembershipPreview
    )
    incident_channels: Annotated[list[IncidentChannel], NULL_IS_DEFAULT] = Field(
        default_factory=list
    )
    version: Int64 = 0
    todo_count: Int64 | None = None
    done_count: Int64 | None = None


class IncidentPreviewsQuery(WireModel):
    limit: Int64 = 0
    order_direction: str = ""
    order_field: str = ""
    query_string: str = ""


class User(WireModel):
    """A person as UsersService returns them (UserPreview is the short form)."""

    user_id: str = ""
    internal_user_id: str = ""
    email: str = ""
    modified_time: str = ""
    name: str = ""
    photo_url: str = ""
    grafana_user_id: str = ""
    grafana_login: str = ""
    slack_user_id: str = ""
    slack_team_id: str = ""
    ms_teams_user_id: str = ""

    def preview(self) -> UserPreview:
        return UserPreview(user_id=self.user_id, name=self.name, photo_url=self.photo_url)


class UsersQuery(WireModel):
    limit: Int64 = 0


class IncidentKeyValueLabel(WireModel):
    """A label as GetLabels returns it: ``key``/``value`` (a plain label has no key)."""

    key: str = ""
    key_uuid: str = ""
    value_uuid: str = ""
    value: str = ""
    description: str = ""
    color_hex: str = ""


# --- requests and responses -----------------------------------------------


class Request(WireModel):
    """Base of every request."""


class Response(WireModel):
    """Base of every response: ``error`` is empty (or ``null``, or absent) on success."""

    error: Annotated[str, NULL_IS_DEFAULT] = ""


# ActivityService


class AddActivityRequest(Request):
    incident_id: str = ""
    activity_kind: str = ""
    body: str = ""
    event_time: str = ""
    # Extension (ignored by Grafana): facts about the new item, read back as the item's
    # ``fieldValues``. ``{"internal": false}`` publishes a note where notes can be internal.
    field_values: Annotated[dict[str, Any], NULL_IS_DEFAULT] = Field(default_factory=dict)


class AddActivityResponse(Response):
    activity_item: Annotated[ActivityItem, NULL_IS_DEFAULT] = Field(default_factory=ActivityItem)


class QueryActivityRequest(Request):
    query: Annotated[ActivityQuery, NULL_IS_DEFAULT] = Field(default_factory=ActivityQuery)
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)


class QueryActivityResponse(Response):
    activity_items: Annotated[list[ActivityItem], NULL_IS_DEFAULT] = Field(default_factory=list)
    query: Annotated[ActivityQuery, NULL_IS_DEFAULT] = Field(default_factory=ActivityQuery)
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)


class RemoveActivityRequest(Request):
    incident_id: str = ""
    activity_item_id: str = ""


class RemoveActivityResponse(Response):
    activity_item: Annotated[ActivityItem, NULL_IS_DEFAULT] = Field(default_factory=ActivityItem)


class UpdateActivityBodyRequest(Request):
    incident_id: str = ""
    activity_item_id: str = ""
    body: str = ""


class UpdateActivityBodyResponse(Response):
    activity_item: Annotated[ActivityItem, NULL_IS_DEFAULT] = Field(default_factory=ActivityItem)


class UpdateActivityEventTimeRequest(Request):
    incident_id: str = ""
    activity_item_id: str = ""
    event_time: str = ""


class UpdateActivityEventTimeResponse(Response):
    activity_item: Annotated[ActivityItem, NULL_IS_DEFAULT] = Field(default_factory=ActivityItem)


# IncidentsService


class AddLabelRequest(Request):
    incident_id: str = ""
    label: Annotated[IncidentLabel, NULL_IS_DEFAULT] = Field(default_factory=IncidentLabel)


class AddLabelResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class AssignRoleRequest(Request):
    incident_id: str = ""
    user_id: str = ""
    role: str = ""


class AssignRoleResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)
    did_change: bool = False


class CreateIncidentRequest(Request):
    title: str = ""
    severity: str = ""
    labels: Annotated[list[IncidentLabel], NULL_IS_DEFAULT] = Field(default_factory=list)
    room_prefix: str = ""
    is_drill: bool = False
    status: str = ""
    attach_caption: str = ""
    attach_url: str = ""


class CreateIncidentResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class GetIncidentRequest(Request):
    incident_id: str = ""


class GetIncidentResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class GetIncidentMembershipRequest(Request):
    incident_id: str = ""


class GetIncidentMembershipResponse(Response):
    assignments: Annotated[list[Assignment], NULL_IS_DEFAULT] = Field(default_factory=list)


class GetLabelsRequest(Request):
    # "" lists the labels in use on any incident (our extension of an empty ID).
    incident_id: str = ""


class GetLabelsResponse(Response):
    labels: Annotated[list[IncidentKeyValueLabel], NULL_IS_DEFAULT] = Field(default_factory=list)


class QueryIncidentPreviewsRequest(Request):
    query: Annotated[IncidentPreviewsQuery, NULL_IS_DEFAULT] = Field(
        default_factory=IncidentPreviewsQuery
    )
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)
    include_custom_field_values: bool = False
    include_membership_preview: bool = False
    include_incident_channels: bool = False


class QueryIncidentPreviewsResponse(Response):
    incident_previews: Annotated[list[IncidentPreview], NULL_IS_DEFAULT] = Field(
        default_factory=list
    )
    query: Annotated[IncidentPreviewsQuery, NULL_IS_DEFAULT] = Field(
        default_factory=IncidentPreviewsQuery
    )
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)


class QueryIncidentsRequest(Request):
    query: Annotated[IncidentsQuery, NULL_IS_DEFAULT] = Field(default_factory=IncidentsQuery)
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)


class QueryIncidentsResponse(Response):
    incidents: Annotated[list[Incident], NULL_IS_DEFAULT] = Field(default_factory=list)
    query: Annotated[IncidentsQuery, NULL_IS_DEFAULT] = Field(default_factory=IncidentsQuery)
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)


class RemoveLabelRequest(Request):
    incident_id: str = ""
    label: str = ""


class RemoveLabelResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class UnassignRoleRequest(Request):
    incident_id: str = ""
    user_id: str = ""
    role: str = ""


class UnassignRoleResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)
    did_change: bool = False


class UpdateIncidentEventTimeRequest(Request):
    incident_id: str = ""
    event_time: str = ""
    activity_item_kind: str = ""
    # Newer clients send the event as ``eventName`` too.
    event_name: str = ""


class UpdateIncidentEventTimeResponse(Response):
    pass


class UpdateIncidentIsDrillRequest(Request):
    incident_id: str = ""
    is_drill: bool = False


class UpdateIncidentIsDrillResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class UpdateSeverityRequest(Request):
    incident_id: str = ""
    severity: str = ""


class UpdateSeverityResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class UpdateStatusRequest(Request):
    incident_id: str = ""
    status: str = ""


class UpdateStatusResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class UpdateTitleRequest(Request):
    incident_id: str = ""
    title: str = ""


class UpdateTitleResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class UpdateIncidentSummaryRequest(Request):
    """Ours, beyond the reference: Grafana's clients cannot change ``summary``."""

    incident_id: str = ""
    summary: str = ""


class UpdateIncidentSummaryResponse(Response):
    incident: Annotated[Incident, NULL_IS_DEFAULT] = Field(default_factory=Incident)


class GetIncidentVersionRequest(Request):
    incident_id: str = ""


class GetIncidentVersionResponse(Response):
    version: Int64 = 0


class GetHomescreenVersionRequest(Request):
    pass


class GetHomescreenVersionResponse(Response):
    version: Int64 = 0


# RolesService


class ArchiveRoleRequest(Request):
    role_id: Int64 = 0


class ArchiveRoleResponse(Response):
    pass


class CreateRoleRequest(Request):
    role: Annotated[Role, NULL_IS_DEFAULT] = Field(default_factory=Role)


class CreateRoleResponse(Response):
    role: Annotated[Role, NULL_IS_DEFAULT] = Field(default_factory=Role)


class DeleteRoleRequest(Request):
    role_id: Int64 = 0


class DeleteRoleResponse(Response):
    pass


class GetRolesRequest(Request):
    pass


class GetRolesResponse(Response):
    roles: Annotated[list[Role], NULL_IS_DEFAULT] = Field(default_factory=list)


class UnarchiveRoleRequest(Request):
    role_id: Int64 = 0


class UnarchiveRoleResponse(Response):
    pass


class UpdateRoleRequest(Request):
    role: Annotated[Role, NULL_IS_DEFAULT] = Field(default_factory=Role)


class UpdateRoleResponse(Response):
    role: Annotated[Role, NULL_IS_DEFAULT] = Field(default_factory=Role)


# TasksService


class AddTaskRequest(Request):
    incident_id: str = ""
    text: str = ""
    assign_to_user_id: str = ""


class AddTaskResponse(Response):
    incident_id: str = ""
    task: Annotated[Task, NULL_IS_DEFAULT] = Field(default_factory=Task)
    task_list: Annotated[TaskList, NULL_IS_DEFAULT] = Field(default_factory=TaskList)


class DeleteTaskRequest(Request):
    incident_id: str = ""
    task_id: str = ""


class DeleteTaskResponse(Response):
    incident_id: str = ""
    task_list: Annotated[TaskList, NULL_IS_DEFAULT] = Field(default_factory=TaskList)


class UpdateTaskStatusRequest(Request):
    incident_id: str = ""
    task_id: str = ""
    status: str = ""


class UpdateTaskStatusResponse(Response):
    incident_id: str = ""
    task: Annotated[Task, NULL_IS_DEFAULT] = Field(default_factory=Task)
    task_list: Annotated[TaskList, NULL_IS_DEFAULT] = Field(default_factory=TaskList)


class UpdateTaskTextRequest(Request):
    incident_id: str = ""
    task_id: str = ""
    text: str = ""


class UpdateTaskTextResponse(Response):
    incident_id: str = ""
    task: Annotated[Task, NULL_IS_DEFAULT] = Field(default_factory=Task)
    task_list: Annotated[TaskList, NULL_IS_DEFAULT] = Field(default_factory=TaskList)


class UpdateTaskUserRequest(Request):
    incident_id: str = ""
    task_id: str = ""
    user_id: str = ""


class UpdateTaskUserResponse(Response):
    incident_id: str = ""
    task: Annotated[Task, NULL_IS_DEFAULT] = Field(default_factory=Task)
    task_list: Annotated[TaskList, NULL_IS_DEFAULT] = Field(default_factory=TaskList)


# UsersService


class GetUserRequest(Request):
    user_id: str = ""


class GetUserResponse(Response):
    user: Annotated[User, NULL_IS_DEFAULT] = Field(default_factory=User)


class QueryUsersRequest(Request):
    query: Annotated[UsersQuery, NULL_IS_DEFAULT] = Field(default_factory=UsersQuery)
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)


class QueryUsersResponse(Response):
    users: Annotated[list[User], NULL_IS_DEFAULT] = Field(default_factory=list)
    query: Annotated[UsersQuery, NULL_IS_DEFAULT] = Field(default_factory=UsersQuery)
    cursor: Annotated[Cursor, NULL_IS_DEFAULT] = Field(default_factory=Cursor)
