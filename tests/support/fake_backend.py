"""A tiny in-memory Backend for the server's and the client's unit tests.

It implements a few methods for real (incidents, notes, roles, versions) and
records every call, so tests can see what reached the backend and as whom. The
contract suite never uses it: it runs against the real SqliteBackend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from incident_tui import models as m
from incident_tui.backends.base import Backend, Capabilities, Method
from incident_tui.errors import InvalidArgument, NotFound, Unavailable


@dataclass
class FakeState:
    incidents: dict[str, m.Incident] = field(default_factory=dict)
    notes: dict[str, list[m.ActivityItem]] = field(default_factory=dict)
    calls: list[tuple[str, str, m.Request]] = field(default_factory=list)
    version: int = 1
    fail_with: Exception | None = None


class FakeBackend(Backend):
    """Backend protocol in memory; ``as_user`` returns a view sharing the state."""

    def __init__(self, user: m.UserPreview | None = None, state: FakeState | None = None) -> None:
        self.user = user or m.UserPreview(user_id="owner", name="Owner")
        self.state = state or FakeState()
        self.closed = False

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(name="fake", acts_as_users=True)

    def as_user(self, user: m.UserPreview) -> FakeBackend:
        return FakeBackend(user, self.state)

    async def close(self) -> None:
        self.closed = True

    def _record(self, name: str, request: m.Request) -> None:
        self.state.calls.append((name, self.user.user_id, request))
        if self.state.fail_with is not None:
            raise self.state.fail_with

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        self._record("create_incident", request)
        if not request.title.strip():
            raise InvalidArgument("title is required")
        incident_id = str(len(self.state.incidents) + 1)
        incident = m.Incident(
            incident_id=incident_id,
            title=request.title,
            severity=request.severity or "pending",
            status=request.status or "active",
            labels=request.labels,
            is_drill=request.is_drill,
            created_by_user=self.user,
            created_time="2026-01-01T00:00:00Z",
        )
        self.state.incidents[incident_id] = incident
        self.state.version += 1
        return m.CreateIncidentResponse(incident=incident)

    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse:
        self._record("get_incident", request)
        incident = self.state.incidents.get(request.incident_id)
        if incident is None:
            raise NotFound(f"incident {request.incident_id!r} not found")
        return m.GetIncidentResponse(incident=incident)

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        self._record("query_incidents", request)
        limit = request.query.limit or 50
        items = list(self.state.incidents.values())[:limit]
        query = request.query.model_copy(update={"limit": limit, "order_direction": "DESC"})
        return m.QueryIncidentsResponse(incidents=items, query=query, cursor=m.Cursor())

    async def add_activity(self, request: m.AddActivityRequest) -> m.AddActivityResponse:
        self._record("add_activity", request)
        if request.incident_id not in self.state.incidents:
            raise NotFound(f"incident {request.incident_id!r} not found")
        notes = self.state.notes.setdefault(request.incident_id, [])
        item = m.ActivityItem(
            activity_item_id=f"{request.incident_id}-{len(notes) + 1}",
            incident_id=request.incident_id,
            user=self.user,
            activity_kind=request.activity_kind or "userNote",
            body=request.body,
        )
        notes.append(item)
        self.state.version += 1
        return m.AddActivityResponse(activity_item=item)

    async def get_homescreen_version(
        self, request: m.GetHomescreenVersionRequest | None = None
    ) -> m.GetHomescreenVersionResponse:
        self._record("get_homescreen_version", request or m.GetHomescreenVersionRequest())
        return m.GetHomescreenVersionResponse(version=self.state.version)

    async def get_incident_version(
        self, request: m.GetIncidentVersionRequest
    ) -> m.GetIncidentVersionResponse:
        self._record("get_incident_version", request)
        if request.incident_id not in self.state.incidents:
            raise NotFound(f"incident {request.incident_id!r} not found")
        return m.GetIncidentVersionResponse(version=self.state.version)

    async def dispatch(self, method: Method, request: m.Request) -> m.Response:
        """Every other method: recorded, answered with an empty response."""
        self._record(method.backend_method, request)
        if getattr(request, "incident_id", "") == "storage-down":
            raise Unavailable("the store is busy")
        return method.response()

    async def get_roles(self, request: m.GetRolesRequest | None = None) -> m.GetRolesResponse:
        self._record("get_roles", request or m.GetRolesRequest())
        return m.GetRolesResponse(roles=[m.Role(role_id=1, name="commander")])
