"""The Backend contract: one method table, one protocol, one error hierarchy.

The RPC client sends through ``METHODS`` and the server routes through the same
table, so adding an RPC method is one row here plus one Backend implementation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from incident_tui import models as m
from incident_tui.errors import InvalidArgument, Unimplemented

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
    # Called by today's official clients but not on the reference page: an older stack
    # may not serve them, so a client falls back when the remote does not.
    beyond_reference: bool = False
    # Beyond the reference and in no official client either (Grafana edits the summary
    # only in its web app): ours, served by our server and the foreign backends; a
    # Grafana stack answers "unknown method" and the client reports it Unimplemented.
    ours: bool = False

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
    beyond_reference: bool = False,
    ours: bool = False,
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
        beyond_reference=beyond_reference or ours,
        ours=ours,
    )


_A, _I, _R, _T = "ActivityService", "IncidentsService", "RolesService", "TasksService"
_U = "UsersService"

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
    _row(_I, "GetLabels", "get_labels", read_only=True, beyond_reference=True),
    _row(
        _I,
        "QueryIncidentPreviews",
        "query_incident_previews",
        read_only=True,
        beyond_reference=True,
    ),
    _row(_I, "UpdateIncidentSummary", "update_incident_summary", ours=True),
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
    # UsersService
    _row(_U, "GetUser", "get_user", read_only=True, beyond_reference=True),
    _row(_U, "QueryUsers", "query_users", read_only=True, beyond_reference=True),
)

METHODS: dict[str, Method] = {row.path: row for row in METHOD_LIST}
METHODS_BY_BACKEND_NAME: dict[str, Method] = {row.backend_method: row for row in METHOD_LIST}

#: The 29 methods of the reference (the two version methods are extensions).
API_METHODS: tuple[Method, ...] = tuple(
    row for row in METHOD_LIST if not row.extension and not row.beyond_reference
)
#: What today's official clients call beyond the reference page.
CLIENT_METHODS: tuple[Method, ...] = tuple(
    row for row in METHOD_LIST if row.beyond_reference and not row.ours
)
#: Beyond the reference and every official client: ours alone (UpdateIncidentSummary).
OUR_METHODS: tuple[Method, ...] = tuple(row for row in METHOD_LIST if row.ours)


READ_METHODS: frozenset[str] = frozenset(r.backend_method for r in METHOD_LIST if r.read_only)
ALL_METHODS: frozenset[str] = frozenset(METHODS_BY_BACKEND_NAME)


# --- capabilities ---------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One value of a backend's own vocabulary (a severity or a status).

    ``value`` is what the backend sends and accepts, ``label`` what a person reads,
    ``grafana`` the nearest Grafana value: ``active``/``resolved`` for a status,
    ``pending``/``minor``/``major``/``critical`` for a severity.
    """

    value: str
    grafana: str
    label: str = ""

    @property
    def shown(self) -> str:
        return self.label or self.value


GRAFANA_SEVERITIES: tuple[Term, ...] = tuple(
    Term(s.value, s.value)
    for s in (m.Severity.PENDING, m.Severity.MINOR, m.Severity.MAJOR, m.Severity.CRITICAL)
)
GRAFANA_STATUSES: tuple[Term, ...] = tuple(Term(s.value, s.value) for s in m.IncidentStatus)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so the UI and the command line adapt to it.

    ``methods`` names the Backend methods (rows of the method table) it serves; any
    other raises ``Unimplemented``. Read-only is the same mechanism: a read-only
    context serves no write method (``restricted_to_reads``).
    """

    name: str  # the context's name, shown in the header
    system: str = "Grafana Incident"  # the incident system, as a person calls it
    methods: frozenset[str] = ALL_METHODS
    versions: bool = True  # GetIncidentVersion / GetHomescreenVersion answer cheaply
    text_search: bool = True  # bare words in a query search titles (and timelines)
    severities: tuple[Term, ...] = GRAFANA_SEVERITIES  # least to most severe
    statuses: tuple[Term, ...] = GRAFANA_STATUSES  # in the order an incident moves
    labels: str = "free"  # "free" text, "fixed" (the backend's own list) or "none"
    roles: str = "org"  # "org" (RolesService), "fixed" (a set the backend defines) or "none"
    tasks: bool = True
    drills: bool = True
    internal_notes: bool = False  # a note can be marked internal
    authors: bool = True  # incidents and timeline items name who made them
    #: The ``orderField`` values QueryIncidents sorts by ("" = createdTime), and whether
    #: it sorts ascending too.
    sorts: tuple[str, ...] = (
        "createdTime",
        "modifiedTime",
        "incidentStart",
        "title",
        "status",
        "severity",
        "statusTime",
        "duration",
    )
    ascending: bool = True
    acts_as_users: bool = False  # ``as_user`` gives a view writing as another person
    #: ``count_incidents`` answers how many incidents a query matches without listing
    #: them (one cheap request); without it a caller lists and counts itself.
    counts: bool = False
    #: ``create_once`` records an idempotency key in the same transaction as the create.
    remembers_creates: bool = False
    #: Why the write methods are not served, when a context was made read-only.
    read_only_reason: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return not (self.methods - READ_METHODS)

    def serves(self, *backend_methods: str) -> bool:
        """True when every named Backend method is served."""
        return all(name in self.methods for name in backend_methods)

    def restricted_to_reads(self, reason: str = "") -> Capabilities:
        return replace(
            self,
            methods=self.methods & READ_METHODS,
            read_only_reason=reason or f"context {self.name!r} is read-only",
        )

    def missing(self, backend_method: str) -> str:
        """Why ``backend_method`` is not offered, in words for a person."""
        row = METHODS_BY_BACKEND_NAME.get(backend_method)
        if row is not None and not row.read_only and self.read_only_reason:
            return self.read_only_reason
        what = row.name if row is not None else backend_method
        return f"{self.system} does not offer {what}"

    def severity(self, value: str) -> Term | None:
        return _find(self.severities, value)

    def status(self, value: str) -> Term | None:
        return _find(self.statuses, value)


def summary_within(text: str, most: int) -> str:
    """A summary as it is saved (stripped; empty clears it), refused past ``most``
    characters, the system's own bound."""
    summary = text.strip()
    if len(summary) > most:
        raise InvalidArgument(f"summary is too long ({len(summary)} characters, at most {most})")
    return summary


def _find(terms: tuple[Term, ...], value: str) -> Term | None:
    """The term named ``value``: exact, then case-insensitive, then a unique leading word."""
    for term in terms:
        if term.value == value:
            return term
    folded = value.strip().casefold()
    if not folded:
        return None
    for term in terms:
        if folded in (term.value.casefold(), term.shown.casefold()):
            return term
    leading = [
        t
        for t in terms
        if t.value.casefold().startswith(folded) or t.shown.casefold().startswith(folded)
    ]
    return leading[0] if len(leading) == 1 else None


# --- idempotent creates ------------------------------------------------------------

#: The ``Idempotency-Key`` a remote client sends with the create being dispatched now.
#: Unset, the client makes a fresh one per call (kept across its own retries); the
#: durable layer sets it so a create re-sent later carries the key it first went with.
IDEMPOTENCY_KEY: ContextVar[str | None] = ContextVar("incident_tui_idempotency_key", default=None)


@contextlib.contextmanager
def idempotency_key(key: str) -> Iterator[None]:
    """Creates dispatched inside this block carry ``key`` as their ``Idempotency-Key``."""
    token = IDEMPOTENCY_KEY.set(key)
    try:
        yield
    finally:
        IDEMPOTENCY_KEY.reset(token)


#: How long a key is remembered: a re-send within this window gets the first answer.
IDEMPOTENCY_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class CreateOnce:
    """One create sent with an idempotency key: who sent it (``scope``, so two callers'
    keys never meet), the key, and a fingerprint of the request (method and body)."""

    scope: str
    key: str
    fingerprint: str
    ttl_seconds: float = IDEMPOTENCY_TTL_SECONDS


@dataclass(frozen=True)
class Remembered:
    """The answer to a ``create_once``: the response, and whether it is the stored
    answer of an earlier request with the same key (nothing was written this time)."""

    response: m.Response
    replayed: bool


# --- the Backend base -------------------------------------------------------------


class Backend:
    """One async method per row of the method table, taking the request model and
    returning the response model, plus ``capabilities``, ``open``, ``close`` and the
    optional abilities the capabilities declare.

    Every method goes through ``dispatch`` unless a backend defines it itself: a
    backend that forwards (the RPC client, a wrapper) overrides ``dispatch`` once; a
    backend that serves a method directly defines that method. Whatever is neither
    raises ``Unimplemented``. Failures are ``BackendError`` subclasses. Every
    implementation runs the contract suite in ``tests/contract`` for what it serves.
    """

    @property
    def capabilities(self) -> Capabilities:
        raise NotImplementedError

    async def open(self) -> Backend:
        """Wait until the backend can answer (a store file opened); raise why not."""
        return self

    async def close(self) -> None:
        """Release connections, threads and files."""

    def as_user(self, user: m.UserPreview) -> Backend:
        """A view writing as ``user`` (the server gives each token its own author)."""
        raise Unimplemented(f"{self.capabilities.system} cannot act as another person")

    async def create_once(self, method: Method, request: m.Request, once: CreateOnce) -> Remembered:
        """Serve the create ``method`` at most once per key (``remembers_creates``).

        The key is recorded in the same transaction as the write, so a create never
        lands without its key. The same key within ``once.ttl_seconds`` returns the
        first response and writes nothing; with another fingerprint it raises
        ``Conflict``. An expired key is forgotten.
        """
        raise Unimplemented(f"{self.capabilities.system} does not remember idempotency keys")

    async def count_incidents(self, query: m.IncidentsQuery | None = None) -> int:
        """How many incidents ``query`` matches (all of them for None), where
        ``capabilities.counts`` says it is cheap; ``Unimplemented`` elsewhere, or for a
        query it cannot count exactly (the caller then lists and counts)."""
        raise Unimplemented(f"{self.capabilities.system} does not count incidents")

    async def dispatch(self, method: Method, request: m.Request) -> m.Response:
        """Serve ``method`` generically; the default serves nothing."""
        raise Unimplemented(self.capabilities.missing(method.backend_method))

    async def _via(self, backend_method: str, request: m.Request | None) -> Any:
        row = METHODS_BY_BACKEND_NAME[backend_method]
        return await self.dispatch(row, request if request is not None else row.request())

    # ActivityService
    async def add_activity(self, request: m.AddActivityRequest) -> m.AddActivityResponse:
        return await self._via("add_activity", request)

    async def query_activity(self, request: m.QueryActivityRequest) -> m.QueryActivityResponse:
        return await self._via("query_activity", request)

    async def remove_activity(self, request: m.RemoveActivityRequest) -> m.RemoveActivityResponse:
        return await self._via("remove_activity", request)

    async def update_activity_body(
        self, request: m.UpdateActivityBodyRequest
    ) -> m.UpdateActivityBodyResponse:
        return await self._via("update_activity_body", request)

    async def update_activity_event_time(
        self, request: m.UpdateActivityEventTimeRequest
    ) -> m.UpdateActivityEventTimeResponse:
        return await self._via("update_activity_event_time", request)

    # IncidentsService
    async def add_label(self, request: m.AddLabelRequest) -> m.AddLabelResponse:
        return await self._via("add_label", request)

    async def assign_role(self, request: m.AssignRoleRequest) -> m.AssignRoleResponse:
        return await self._via("assign_role", request)

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        return await self._via("create_incident", request)

    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse:
        return await self._via("get_incident", request)

    async def get_incident_membership(
        self, request: m.GetIncidentMembershipRequest
    ) -> m.GetIncidentMembershipResponse:
        return await self._via("get_incident_membership", request)

    async def get_labels(self, request: m.GetLabelsRequest) -> m.GetLabelsResponse:
        return await self._via("get_labels", request)

    async def query_incident_previews(
        self, request: m.QueryIncidentPreviewsRequest
    ) -> m.QueryIncidentPreviewsResponse:
        return await self._via("query_incident_previews", request)

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        return await self._via("query_incidents", request)

    async def remove_label(self, request: m.RemoveLabelRequest) -> m.RemoveLabelResponse:
        return await self._via("remove_label", request)

    async def unassign_role(self, request: m.UnassignRoleRequest) -> m.UnassignRoleResponse:
        return await self._via("unassign_role", request)

    async def update_incident_event_time(
        self, request: m.UpdateIncidentEventTimeRequest
    ) -> m.UpdateIncidentEventTimeResponse:
        return await self._via("update_incident_event_time", request)

    async def update_incident_is_drill(
        self, request: m.UpdateIncidentIsDrillRequest
    ) -> m.UpdateIncidentIsDrillResponse:
        return await self._via("update_incident_is_drill", request)

    async def update_severity(self, request: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse:
        return await self._via("update_severity", request)

    async def update_status(self, request: m.UpdateStatusRequest) -> m.UpdateStatusResponse:
        return await self._via("update_status", request)

    async def update_title(self, request: m.UpdateTitleRequest) -> m.UpdateTitleResponse:
        return await self._via("update_title", request)

    async def update_incident_summary(
        self, request: m.UpdateIncidentSummaryRequest
    ) -> m.UpdateIncidentSummaryResponse:
        return await self._via("update_incident_summary", request)

    async def get_incident_version(
        self, request: m.GetIncidentVersionRequest
    ) -> m.GetIncidentVersionResponse:
        return await self._via("get_incident_version", request)

    async def get_homescreen_version(
        self, request: m.GetHomescreenVersionRequest | None = None
    ) -> m.GetHomescreenVersionResponse:
        return await self._via("get_homescreen_version", request)

    # RolesService
    async def archive_role(self, request: m.ArchiveRoleRequest) -> m.ArchiveRoleResponse:
        return await self._via("archive_role", request)

    async def create_role(self, request: m.CreateRoleRequest) -> m.CreateRoleResponse:
        return await self._via("create_role", request)

    async def delete_role(self, request: m.DeleteRoleRequest) -> m.DeleteRoleResponse:
        return await self._via("delete_role", request)

    async def get_roles(self, request: m.GetRolesRequest | None = None) -> m.GetRolesResponse:
        return await self._via("get_roles", request)

    async def unarchive_role(self, request: m.UnarchiveRoleRequest) -> m.UnarchiveRoleResponse:
        return await self._via("unarchive_role", request)

    async def update_role(self, request: m.UpdateRoleRequest) -> m.UpdateRoleResponse:
        return await self._via("update_role", request)

    # TasksService
    async def add_task(self, request: m.AddTaskRequest) -> m.AddTaskResponse:
        return await self._via("add_task", request)

    async def delete_task(self, request: m.DeleteTaskRequest) -> m.DeleteTaskResponse:
        return await self._via("delete_task", request)

    async def update_task_status(
        self, request: m.UpdateTaskStatusRequest
    ) -> m.UpdateTaskStatusResponse:
        return await self._via("update_task_status", request)

    async def update_task_text(self, request: m.UpdateTaskTextRequest) -> m.UpdateTaskTextResponse:
        return await self._via("update_task_text", request)

    async def update_task_user(self, request: m.UpdateTaskUserRequest) -> m.UpdateTaskUserResponse:
        return await self._via("update_task_user", request)

    # UsersService
    async def get_user(self, request: m.GetUserRequest) -> m.GetUserResponse:
        return await self._via("get_user", request)

    async def query_users(self, request: m.QueryUsersRequest | None = None) -> m.QueryUsersResponse:
        return await self._via("query_users", request)


async def call(backend: Backend, method: Method, request: m.Request) -> m.Response:
    """Dispatch one request to the backend method the table names (the server's path)."""
    result: m.Response = await getattr(backend, method.backend_method)(request)
    return result
