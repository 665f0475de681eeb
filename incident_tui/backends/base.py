"""The Backend contract: one method table, one protocol, one error hierarchy.

The RPC client sends through ``METHODS`` and the server routes through the same
table, so adding an RPC method is one row here plus one Backend implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from incident_tui import models as m

# --- errors ------------------------------------------------------------------


class BackendError(Exception):
    """Base of every backend failure. ``str(err)`` is fit to show a person."""

    status: int = 500
    code: str = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(BackendError):
    status = 404
    code = "not_found"


class InvalidArgument(BackendError):
    status = 400
    code = "invalid_argument"


class Unauthenticated(BackendError):
    status = 401
    code = "unauthenticated"


class PermissionDenied(BackendError):
    status = 403
    code = "permission_denied"


class Conflict(BackendError):
    status = 409
    code = "conflict"


class Unavailable(BackendError):
    status = 503
    code = "unavailable"


# --- the method table ---------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One RPC method: where it lives on the wire and which Backend method serves it."""

    service: str
    name: str
    request: type[m.Request]
    response: type[m.Response]
    backend_method: str
    read_only: bool
    # Creates are never blindly re-sent by a client after the request may have left.
    creates: bool = False
    # Our extensions: not in the official clients; a client must not require them.
    extension: bool = False

    @property
    def path(self) -> str:
        return f"{self.service}.{self.name}"


def _row(
    service: str,
    name: str,
    backend_method: str,
    *,
    read_only: bool = False,
    creates: bool = False,
    extension: bool = False,
) -> Method:
    return Method(
        service=service,
        name=name,
        request=getattr(m, f"{name}Request"),
        response=getattr(m, f"{name}Response"),
        backend_method=backend_method,
        read_only=read_only,
        creates=creates,
        extension=extension,
    )


_A, _I, _R, _T = "ActivityService", "IncidentsService", "RolesService", "TasksService"

METHOD_LIST: tuple[Method, ...] = (
    # ActivityService
    _row(_A, "AddActivity", "add_activity", creates=True),
    _row(_A, "QueryActivity", "query_activity", read_only=True),
    _row(_A, "RemoveActivity", "remove_activity"),
    _row(_A, "UpdateActivityBody", "update_activity_body"),
    _row(_A, "UpdateActivityEventTime", "update_activity_event_time"),
    # IncidentsService
    _row(_I, "AddLabel", "add_label", creates=True),
    _row(_I, "AssignRole", "assign_role"),
    _row(_I, "CreateIncident", "create_incident", creates=True),
    _row(_I, "GetIncident", "get_incident", read_only=True),
    _row(_I, "GetIncidentMembership", "get_incident_membership", read_only=True),
    _row(_I, "QueryIncidents", "query_incidents", read_only=True),
    _row(_I, "RemoveLabel", "remove_label"),
    _row(_I, "UnassignRole", "unassign_role"),
    _row(_I, "UpdateIncidentEventTime", "update_incident_event_time"),
    _row(_I, "UpdateIncidentIsDrill", "update_incident_is_drill"),
    _row(_I, "UpdateSeverity", "update_severity"),
    _row(_I, "UpdateStatus", "update_status"),
    _row(_I, "UpdateTitle", "update_title"),
    _row(_I, "GetIncidentVersion", "get_incident_version", read_only=True, extension=True),
    _row(_I, "GetHomescreenVersion", "get_homescreen_version", read_only=True, extension=True),
    # RolesService
    _row(_R, "ArchiveRole", "archive_role"),
    _row(_R, "CreateRole", "create_role", creates=True),
    _row(_R, "DeleteRole", "delete_role"),
    _row(_R, "GetRoles", "get_roles", read_only=True),
    _row(_R, "UnarchiveRole", "unarchive_role"),
    _row(_R, "UpdateRole", "update_role"),
    # TasksService
    _row(_T, "AddTask", "add_task", creates=True),
    _row(_T, "DeleteTask", "delete_task"),
    _row(_T, "UpdateTaskStatus", "update_task_status"),
    _row(_T, "UpdateTaskText", "update_task_text"),
    _row(_T, "UpdateTaskUser", "update_task_user"),
)

METHODS: dict[str, Method] = {row.path: row for row in METHOD_LIST}
METHODS_BY_BACKEND_NAME: dict[str, Method] = {row.backend_method: row for row in METHOD_LIST}

#: The 29 methods of the reference (the two version methods are extensions).
API_METHODS: tuple[Method, ...] = tuple(row for row in METHOD_LIST if not row.extension)


# --- capabilities and the protocol -------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so the UI can adapt (hide edits, poll instead of versions)."""

    name: str
    read_only: bool = False
    versions: bool = True
    text_search: bool = True
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Backend(Protocol):
    """One async method per RPC method, taking the request model, returning the response.

    Failures raise a ``BackendError`` subclass. Every implementation must pass the
    contract suite in ``tests/contract``.
    """

    @property
    def capabilities(self) -> Capabilities: ...

    async def close(self) -> None: ...

    # change detection
    async def get_homescreen_version(
        self, request: m.GetHomescreenVersionRequest | None = None
    ) -> m.GetHomescreenVersionResponse: ...

    async def get_incident_version(
        self, request: m.GetIncidentVersionRequest
    ) -> m.GetIncidentVersionResponse: ...

    # ActivityService
    async def add_activity(self, request: m.AddActivityRequest) -> m.AddActivityResponse: ...
    async def query_activity(self, request: m.QueryActivityRequest) -> m.QueryActivityResponse: ...
    async def remove_activity(
        self, request: m.RemoveActivityRequest
    ) -> m.RemoveActivityResponse: ...
    async def update_activity_body(
        self, request: m.UpdateActivityBodyRequest
    ) -> m.UpdateActivityBodyResponse: ...
    async def update_activity_event_time(
        self, request: m.UpdateActivityEventTimeRequest
    ) -> m.UpdateActivityEventTimeResponse: ...

    # IncidentsService
    async def add_label(self, request: m.AddLabelRequest) -> m.AddLabelResponse: ...
    async def assign_role(self, request: m.AssignRoleRequest) -> m.AssignRoleResponse: ...
    async def create_incident(
        self, request: m.CreateIncidentRequest
    ) -> m.CreateIncidentResponse: ...
    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse: ...
    async def get_incident_membership(
        self, request: m.GetIncidentMembershipRequest
    ) -> m.GetIncidentMembershipResponse: ...
    async def query_incidents(
        self, request: m.QueryIncidentsRequest
    ) -> m.QueryIncidentsResponse: ...
    async def remove_label(self, request: m.RemoveLabelRequest) -> m.RemoveLabelResponse: ...
    async def unassign_role(self, request: m.UnassignRoleRequest) -> m.UnassignRoleResponse: ...
    async def update_incident_event_time(
        self, request: m.UpdateIncidentEventTimeRequest
    ) -> m.UpdateIncidentEventTimeResponse: ...
    async def update_incident_is_drill(
        self, request: m.UpdateIncidentIsDrillRequest
    ) -> m.UpdateIncidentIsDrillResponse: ...
    async def update_severity(self, request: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse: ...
    async def update_status(self, request: m.UpdateStatusRequest) -> m.UpdateStatusResponse: ...
    async def update_title(self, request: m.UpdateTitleRequest) -> m.UpdateTitleResponse: ...

    # RolesService
    async def archive_role(self, request: m.ArchiveRoleRequest) -> m.ArchiveRoleResponse: ...
    async def create_role(self, request: m.CreateRoleRequest) -> m.CreateRoleResponse: ...
    async def delete_role(self, request: m.DeleteRoleRequest) -> m.DeleteRoleResponse: ...
    async def get_roles(self, request: m.GetRolesRequest | None = None) -> m.GetRolesResponse: ...
    async def unarchive_role(self, request: m.UnarchiveRoleRequest) -> m.UnarchiveRoleResponse: ...
    async def update_role(self, request: m.UpdateRoleRequest) -> m.UpdateRoleResponse: ...

    # TasksService
    async def add_task(self, request: m.AddTaskRequest) -> m.AddTaskResponse: ...
    async def delete_task(self, request: m.DeleteTaskRequest) -> m.DeleteTaskResponse: ...
    async def update_task_status(
        self, request: m.UpdateTaskStatusRequest
    ) -> m.UpdateTaskStatusResponse: ...
    async def update_task_text(
        self, request: m.UpdateTaskTextRequest
    ) -> m.UpdateTaskTextResponse: ...
    async def update_task_user(
        self, request: m.UpdateTaskUserRequest
    ) -> m.UpdateTaskUserResponse: ...


async def call(backend: Backend, method: Method, request: m.Request) -> m.Response:
    """Dispatch one request to the backend method the table names (the server's path)."""
    return await getattr(backend, method.backend_method)(request)
