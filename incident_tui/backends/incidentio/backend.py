"""IncidentIoBackend: the Backend contract over incident.io's public API (v2 incidents).

It serves what the API can do and nothing else: list (its filters, ``page_size`` /
``after`` paging), read, declare (``POST /v2/incidents`` with an ``idempotency_key``),
edit the name, summary, severity and status (``/actions/edit``), assign and unassign the
org's incident roles, the timeline (the declaration and every incident update, with
authors), follow-ups and actions as read-only tasks, and the org's users. The org's
severities, statuses, roles and incident types are read from the API and cached.
Notes, labels, drills toggling, task writes, role administration and versions raise
``Unimplemented`` and are absent from ``Capabilities.methods``: the API has no way to
do them.

HTTP goes through ``backends.httpclient`` like the other clients: one long-lived
client, timeouts and an overall deadline per call, 429 and server errors retried
with backoff or the server's ``Retry-After``, TLS verified, the token never over
plain http except to this machine and never in a message. Every request may be
re-sent: an edit sets values, and a create carries its ``idempotency_key``, fresh per
create (or the durable layer's, through ``IDEMPOTENCY_KEY``) and the same on every
retry of it, so nothing is declared twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, Unpack
from urllib.parse import quote

from pydantic import BaseModel

from incident_tui import models as m
from incident_tui.backends.base import (
    GRAFANA_SEVERITIES,
    GRAFANA_STATUSES,
    IDEMPOTENCY_KEY,
    Backend,
    Capabilities,
    Term,
    summary_within,
)
from incident_tui.backends.credentials import Secret, TokenSource
from incident_tui.backends.httpclient import (
    Answer,
    Call,
    ForeignApi,
    HttpSettings,
    check_limit,
    common_status_error,
    html_summary,
    looks_like_html,
    normalise_url,
    refuse_plain_http,
    short_text,
    token_source,
)
from incident_tui.backends.incidentio.filters import (
    TYPE_PREFIX,
    Catalog,
    Filters,
    translate,
)
from incident_tui.backends.incidentio.mapping import (
    role_number,
    timeline,
    to_incident,
    to_task,
)
from incident_tui.backends.incidentio.wire import (
    ACTIVE_CATEGORIES,
    CATEGORY_ORDER,
    DEFAULT_URL,
    MAX_NAME,
    MAX_PAGE_SIZE,
    MAX_SUMMARY,
    MODES,
    SYSTEM,
    IoActionList,
    IoFollowUpList,
    IoIncident,
    IoIncidentPage,
    IoIncidentShow,
    IoRoleList,
    IoSeverityList,
    IoStatusList,
    IoTypeList,
    IoUpdate,
    IoUpdatePage,
    IoUser,
    IoUserPage,
    IoUserShow,
    parse_time,
)
from incident_tui.config import ConfigError
from incident_tui.errors import (
    BackendError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

if TYPE_CHECKING:
    import httpx

M = TypeVar("M", bound=BaseModel)

_WRITES = frozenset(
    {
        "create_incident",
        "update_title",
        "update_incident_summary",
        "update_severity",
        "update_status",
        "assign_role",
        "unassign_role",
    }
)
_READS = frozenset(
    {
        "query_incidents",
        "get_incident",
        "get_incident_membership",
        "query_activity",
        "get_roles",
        "get_user",
        "query_users",
    }
)
#: The Backend methods incident.io can serve truthfully.
SERVED: frozenset[str] = _WRITES | _READS
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
ORDER_FIELDS = ("createdTime",)
_BAD_CURSOR = "the paging cursor is not valid for this query; start from the first page"
_MAX_PAGES = 200
#: How far back a number (``INC-42``) is looked for: 20 pages of 250 incidents.
_REFERENCE_PAGES = 20
#: Before the org's severities are read: Grafana's, without "pending" (incident.io has none).
UNREAD_SEVERITIES = tuple(t for t in GRAFANA_SEVERITIES if t.value != "pending")


_Answer = Answer
_Call = Call


class IncidentIoBackend(ForeignApi[Catalog], Backend):
    """A Backend on incident.io (``url`` is the API host, https://api.incident.io)."""

    system = SYSTEM

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: TokenSource | Secret | str | None = None,
        *,
        name: str = "incidentio",
        **http: Unpack[HttpSettings],
    ) -> None:
        root, loopback = normalise_url(url or DEFAULT_URL)
        if token is None:
            raise ConfigError(
                f"context {name!r}: {SYSTEM} needs an API key: set token_env, token_file"
                " or token_command"
            )
        refuse_plain_http(root, loopback)
        self._token = token_source(token)
        self._init_http(root, name, http)

    def __repr__(self) -> str:
        return f"IncidentIoBackend({self.root!r}, token={self._token!r})"

    # --- the Backend face --------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        """The org's own severities and statuses once read (``open`` reads them); before
        that, Grafana's words, which every write maps onto the org's own."""
        catalog = self._catalog
        severities, statuses = UNREAD_SEVERITIES, GRAFANA_STATUSES
        if catalog is not None and catalog.severity_vocabulary:
            severities = catalog.severity_vocabulary
        if catalog is not None and catalog.status_vocabulary:
            statuses = catalog.status_vocabulary
        capabilities = Capabilities(
            name=self.name,
            system=SYSTEM,
            methods=SERVED,
            versions=False,
            text_search=False,
            severities=severities,
            statuses=statuses,
            labels="fixed",
            roles="fixed",
            tasks=True,
            drills=True,
            internal_notes=False,
            # Items name their authors, but what this client writes is authored by the
            # API key, never by the person at the console.
            authors=False,
            sorts=ORDER_FIELDS,
            ascending=False,
            extra={"url": self.root},
        )
        return capabilities.restricted_to_reads() if self.readonly else capabilities

    async def open(self) -> IncidentIoBackend:
        """Read the org's vocabularies, so ``capabilities`` name its own severities and
        statuses. Offline, the console still opens: they are read on the next call."""
        try:
            async with self._deadline("open") as call:
                await self._get_catalog(call)
        except Unavailable:
            pass
        return self

    # --- reads ---------------------------------------------------------------------------

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        query = request.query
        limit = _limit(query.limit)
        direction = (query.order_direction or "DESC").upper()
        if direction not in ("ASC", "DESC"):
            raise InvalidArgument(
                f"orderDirection must be ASC or DESC (got {query.order_direction[:20]!r})"
            )
        if direction == "ASC":
            raise InvalidArgument(f"{SYSTEM} lists incidents newest first only (DESC)")
        order = query.order_field or "createdTime"
        if order not in ORDER_FIELDS:
            raise InvalidArgument(
                f"{SYSTEM} orders incidents by declared time only"
                f" (orderField createdTime; got {order[:40]!r})"
            )
        echoed = query.model_copy(update={"limit": limit, "order_direction": "DESC"})
        async with self._deadline("QueryIncidents") as call:
            catalog = await self._get_catalog(call)
            now = self._now()
            try:
                filters = translate(query, catalog, now)
            except InvalidArgument:
                catalog = await self._get_catalog(call, refresh=True)
                filters = translate(query, catalog, now)
            if filters.matches_nothing:
                return m.QueryIncidentsResponse(query=echoed)
            fingerprint = filters.fingerprint(catalog)
            after = _decode_cursor(request.cursor.next_value, fingerprint)
            found, more = await self._collect(call, filters, catalog, after, limit)
            if any(_unknown_to(catalog, io) for io in found):
                catalog = await self._get_catalog(call, refresh=True)
        incidents = [to_incident(io, catalog, now) for io in found]
        cursor = m.Cursor()
        if more and found:
            cursor = m.Cursor(next_value=_encode_cursor(fingerprint, found[-1].id), has_more=True)
        return m.QueryIncidentsResponse(incidents=incidents, query=echoed, cursor=cursor)

    async def _collect(
        self, call: _Call, filters: Filters, catalog: Catalog, after: str, limit: int
    ) -> tuple[list[IoIncident], bool]:
        """Up to ``limit`` incidents after the incident ``after``, and whether there are
        more. Each page asks for one more than it needs, so "more" is never a guess."""
        found: list[IoIncident] = []
        params = filters.params(catalog)
        for _ in range(_MAX_PAGES):
            size = min(limit - len(found) + 1, MAX_PAGE_SIZE)
            page_params = [*params, ("page_size", str(size))]
            if after:
                page_params.append(("after", after))
            answer = await self._exchange(call, "GET", "/v2/incidents", params=page_params)
            page = self._parse(call, answer, IoIncidentPage, "incident list")
            for io in page.incidents:
                if not filters.keeps(parse_time(io.created_at)):
                    continue
                if len(found) == limit:
                    return found, True  # one more matches: there is a next page
                found.append(io)
            following = page.pagination_meta.after if page.pagination_meta else ""
            if not page.incidents or not following or following == after:
                return found, False
            after = following
        return found, bool(found)

    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse:
        incident_id = _incident_id(request.incident_id)
        async with self._deadline("GetIncident") as call:
            io = await self._read_incident(call, incident_id)
            catalog = await self._catalog_for(call, io)
            tasks = await self._tasks(call, io.id)
        return m.GetIncidentResponse(incident=to_incident(io, catalog, self._now(), tasks))

    async def get_incident_membership(
        self, request: m.GetIncidentMembershipRequest
    ) -> m.GetIncidentMembershipResponse:
        incident_id = _incident_id(request.incident_id)
        async with self._deadline("GetIncidentMembership") as call:
            io = await self._read_incident(call, incident_id)
            catalog = await self._catalog_for(call, io)
        incident = to_incident(io, catalog, self._now())
        return m.GetIncidentMembershipResponse(assignments=incident.incident_membership.assignments)

    async def query_activity(self, request: m.QueryActivityRequest) -> m.QueryActivityResponse:
        query = request.query
        incident_id = _incident_id(query.incident_id)
        limit = _limit(query.limit)
        direction = (query.order_direction or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise InvalidArgument(
                f"orderDirection must be ASC or DESC (got {query.order_direction[:20]!r})"
            )
        kinds = {k for k in query.activity_kind if k}
        known = {k.value for k in m.ActivityKind}
        for kind in kinds:
            if kind not in known:
                raise InvalidArgument(f"unknown activityKind {kind[:40]!r}")
        if query.tag and query.tag not in {t.value for t in m.ActivityTag}:
            raise InvalidArgument(f"tag must be important or starred (got {query.tag[:40]!r})")
        skip = _decode_activity_cursor(request.cursor.next_value, incident_id, direction)
        async with self._deadline("QueryActivity") as call:
            io = await self._read_incident(call, incident_id)
            updates = await self._updates(call, io.id)
        items = timeline(io, updates)
        if direction == "DESC":
            items.reverse()
        items = [
            item
            for item in items
            if (not kinds or item.activity_kind in kinds)
            and (not query.tag or query.tag in item.tags)
        ]
        page = items[skip : skip + limit]
        cursor = m.Cursor()
        if len(items) > skip + limit:
            cursor = m.Cursor(
                next_value=_encode_json(["activity", incident_id, direction, skip + limit]),
                has_more=True,
            )
        echoed = query.model_copy(update={"limit": limit, "order_direction": direction})
        return m.QueryActivityResponse(activity_items=page, query=echoed, cursor=cursor)

    async def get_roles(self, request: m.GetRolesRequest | None = None) -> m.GetRolesResponse:
        async with self._deadline("GetRoles") as call:
            catalog = await self._get_catalog(call)
        roles = [
            m.Role(
                role_id=number,
                name=role.name or role.shortform or role.id,
                description=role.description,
                important=role.role_type == "lead",
                mandatory=bool(role.required),
            )
            for number, role in enumerate(catalog.roles, start=1)
        ]
        return m.GetRolesResponse(roles=roles)

    async def get_user(self, request: m.GetUserRequest) -> m.GetUserResponse:
        user_id = request.user_id.strip()
        if not user_id:
            raise InvalidArgument("userID is required")
        async with self._deadline("GetUser") as call:
            answer = await self._exchange(
                call, "GET", f"/v2/users/{quote(user_id, safe='')}", not_found=f"user {user_id}"
            )
            user = self._parse(call, answer, IoUserShow, "user").user
        return m.GetUserResponse(user=_user(user))

    async def query_users(self, request: m.QueryUsersRequest | None = None) -> m.QueryUsersResponse:
        request = request or m.QueryUsersRequest()
        limit = _limit(request.query.limit)
        after = request.cursor.next_value
        async with self._deadline("QueryUsers") as call:
            params = [("page_size", str(min(limit, 500)))]
            if after:
                params.append(("after", after))
            answer = await self._exchange(call, "GET", "/v2/users", params=params)
            page = self._parse(call, answer, IoUserPage, "user list")
        cursor = m.Cursor()
        following = page.pagination_meta.after if page.pagination_meta else ""
        if following and len(page.users) >= min(limit, 500) and page.users:
            cursor = m.Cursor(next_value=following, has_more=True)
        return m.QueryUsersResponse(
            users=[_user(u) for u in page.users if u.id],
            query=request.query.model_copy(update={"limit": limit}),
            cursor=cursor,
        )

    # --- writes ----------------------------------------------------------------------------

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        self._check_writable("create_incident")
        title = _title(request.title)
        if request.attach_url.strip() or request.attach_caption.strip():
            raise InvalidArgument(f"attachURL: {SYSTEM} takes no link when declaring")
        if request.room_prefix.strip():
            raise InvalidArgument(f"roomPrefix: {SYSTEM} names the Slack channel itself")
        # The durable layer's key when it re-sends a create; else one for this create,
        # the same on every retry below.
        key = IDEMPOTENCY_KEY.get() or str(uuid.uuid4())
        async with self._deadline("CreateIncident") as call:
            catalog = await self._get_catalog(call)
            body: dict[str, Any] = {
                "idempotency_key": key,
                "visibility": "public",
                "name": title,
                "mode": "test" if request.is_drill else "standard",
            }
            word = request.severity.strip()
            if word and word.lower() != "pending":
                body["severity_id"] = _severity(catalog, word).id
            if request.status.strip():
                status = _status(catalog, request.status)
                body["incident_status_id"] = status.id
                if status.category not in ACTIVE_CATEGORIES and not request.is_drill:
                    # Declared already over: incident.io's retrospective incident.
                    body["mode"] = "retrospective"
            type_id = _type_from_labels(catalog, request.labels)
            if type_id:
                body["incident_type_id"] = type_id
            answer = await self._exchange(call, "POST", "/v2/incidents", body=body)
            io = self._parse(call, answer, IoIncidentShow, "incident").incident
            catalog = await self._catalog_for(call, io)
        return m.CreateIncidentResponse(incident=to_incident(io, catalog, self._now()))

    async def update_title(self, request: m.UpdateTitleRequest) -> m.UpdateTitleResponse:
        title = _title(request.title)
        incident = await self._edit(
            "update_title",
            "UpdateTitle",
            request.incident_id,
            lambda c, io: {} if io.name == title else {"name": title},
        )
        return m.UpdateTitleResponse(incident=incident)

    async def update_incident_summary(
        self, request: m.UpdateIncidentSummaryRequest
    ) -> m.UpdateIncidentSummaryResponse:
        """The edit's ``summary`` (several lines of text; empty clears it)."""
        summary = _summary(request.summary)
        incident = await self._edit(
            "update_incident_summary",
            "UpdateIncidentSummary",
            request.incident_id,
            lambda c, io: {} if io.summary.strip() == summary else {"summary": summary},
        )
        return m.UpdateIncidentSummaryResponse(incident=incident)

    async def update_severity(self, request: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse:
        word = request.severity

        def change(catalog: Catalog, io: IoIncident) -> dict[str, Any]:
            wanted = _severity(catalog, word).id
            current = io.severity.id if io.severity is not None else ""
            return {} if current == wanted else {"severity_id": wanted}

        incident = await self._edit(
            "update_severity", "UpdateSeverity", request.incident_id, change
        )
        return m.UpdateSeverityResponse(incident=incident)

    async def update_status(self, request: m.UpdateStatusRequest) -> m.UpdateStatusResponse:
        word = request.status

        def change(catalog: Catalog, io: IoIncident) -> dict[str, Any]:
            wanted = _status(catalog, word).id
            current = io.incident_status.id if io.incident_status is not None else ""
            return {} if current == wanted else {"incident_status_id": wanted}

        incident = await self._edit("update_status", "UpdateStatus", request.incident_id, change)
        return m.UpdateStatusResponse(incident=incident)

    async def assign_role(self, request: m.AssignRoleRequest) -> m.AssignRoleResponse:
        user_id = request.user_id.strip()
        if not user_id:
            raise InvalidArgument("userID is required")
        role_word = request.role
        changed = False

        def change(catalog: Catalog, io: IoIncident) -> dict[str, Any]:
            nonlocal changed
            role = _role(catalog, role_word)
            held = {
                a.role.id: a.assignee.id
                for a in io.incident_role_assignments
                if a.role and a.assignee
            }
            if held.get(role.id) == user_id:
                return {}
            changed = True
            return {
                "incident_role_assignments": [
                    {"incident_role_id": role.id, "assignee": {"id": user_id}}
                ]
            }

        incident = await self._edit("assign_role", "AssignRole", request.incident_id, change)
        return m.AssignRoleResponse(incident=incident, did_change=changed)

    async def unassign_role(self, request: m.UnassignRoleRequest) -> m.UnassignRoleResponse:
        user_id = request.user_id.strip()
        role_word = request.role
        changed = False

        def change(catalog: Catalog, io: IoIncident) -> dict[str, Any]:
            nonlocal changed
            role = _role(catalog, role_word)
            held = {
                a.role.id: a.assignee.id
                for a in io.incident_role_assignments
                if a.role and a.assignee
            }
            if role.id not in held or (user_id and held[role.id] != user_id):
                return {}
            changed = True
            # An assignment without an assignee clears the role.
            return {"incident_role_assignments": [{"incident_role_id": role.id}]}

        incident = await self._edit("unassign_role", "UnassignRole", request.incident_id, change)
        return m.UnassignRoleResponse(incident=incident, did_change=changed)

    async def _edit(
        self,
        backend_method: str,
        what: str,
        incident_id: str,
        change: Callable[[Catalog, IoIncident], dict[str, Any]],
    ) -> m.Incident:
        """Read the incident, work out the edit, send it (nothing to change: nothing is
        sent). The edit answers with the incident as it now is."""
        self._check_writable(backend_method)
        ident = _incident_id(incident_id)
        async with self._deadline(what) as call:
            io = await self._read_incident(call, ident)
            catalog = await self._catalog_for(call, io)
            try:
                fields = change(catalog, io)
            except InvalidArgument:
                catalog = await self._get_catalog(call, refresh=True)
                fields = change(catalog, io)
            if fields:
                body = {"incident": fields, "notify_incident_channel": False}
                answer = await self._exchange(
                    call,
                    "POST",
                    f"/v2/incidents/{quote(io.id, safe='')}/actions/edit",
                    body=body,
                    not_found=f"incident {ident}",
                )
                io = self._parse(call, answer, IoIncidentShow, "incident").incident
                catalog = await self._catalog_for(call, io)
        return to_incident(io, catalog, self._now())

    # --- reading helpers --------------------------------------------------------------------

    async def _read_incident(self, call: _Call, incident_id: str) -> IoIncident:
        if incident_id.isdigit() and len(incident_id) < 12:
            return await self._find_reference(call, int(incident_id))
        answer = await self._exchange(
            call,
            "GET",
            f"/v2/incidents/{quote(incident_id, safe='')}",
            not_found=f"incident {incident_id}",
        )
        return self._parse(call, answer, IoIncidentShow, "incident").incident

    async def _find_reference(self, call: _Call, number: int) -> IoIncident:
        """The incident whose reference is ``INC-<number>`` (what people type: ``42``,
        ``#42``, ``INC-42``). The API shows incidents by id only, so the list is read,
        newest first, every mode and status, up to ``_REFERENCE_PAGES`` pages."""
        wanted = f"-{number}"
        params = [("status_category[one_of]", c) for c in CATEGORY_ORDER]
        params += [("mode[one_of]", mode) for mode in MODES]
        after = ""
        for _ in range(_REFERENCE_PAGES):
            page_params = [*params, ("page_size", str(MAX_PAGE_SIZE))]
            if after:
                page_params.append(("after", after))
            answer = await self._exchange(call, "GET", "/v2/incidents", params=page_params)
            page = self._parse(call, answer, IoIncidentPage, "incident list")
            for io in page.incidents:
                if io.reference.endswith(wanted) and io.reference[: -len(wanted)].isalpha():
                    return io
            following = page.pagination_meta.after if page.pagination_meta else ""
            if not page.incidents or not following or following == after:
                break
            after = following
        raise NotFound(f"{SYSTEM} has no incident INC-{number}")

    async def _updates(self, call: _Call, incident_id: str) -> list[IoUpdate]:
        out: list[IoUpdate] = []
        after = ""
        for _ in range(_MAX_PAGES):
            params = [("incident_id", incident_id), ("page_size", "250")]
            if after:
                params.append(("after", after))
            answer = await self._exchange(call, "GET", "/v2/incident_updates", params=params)
            page = self._parse(call, answer, IoUpdatePage, "list of incident updates")
            out.extend(page.incident_updates)
            following = page.pagination_meta.after if page.pagination_meta else ""
            if not page.incident_updates or not following or following == after:
                break
            after = following
        return out

    async def _tasks(self, call: _Call, incident_id: str) -> list[m.Task]:
        params = [("incident_id", incident_id)]
        answer = await self._exchange(call, "GET", "/v2/follow_ups", params=params)
        follow_ups = self._parse(call, answer, IoFollowUpList, "follow-up list").follow_ups
        answer = await self._exchange(call, "GET", "/v2/actions", params=params)
        actions = self._parse(call, answer, IoActionList, "action list").actions
        tasks = [to_task(f, "follow-up") for f in follow_ups if f.status != "deleted"]
        tasks += [to_task(a, "action") for a in actions if a.status != "deleted"]
        return tasks

    async def _get_catalog(self, call: _Call, *, refresh: bool = False) -> Catalog:
        """The org's severities, statuses, roles and types, read at most every few minutes."""

        async def read() -> Catalog:
            severities = await self._list(call, "/v1/severities", IoSeverityList, "severity list")
            statuses = await self._list(call, "/v1/incident_statuses", IoStatusList, "status list")
            roles = await self._list(call, "/v2/incident_roles", IoRoleList, "role list")
            types = await self._list(call, "/v1/incident_types", IoTypeList, "type list")
            return Catalog.of(
                severities.severities,
                statuses.incident_statuses,
                roles.incident_roles,
                types.incident_types,
            )

        return await self._cached_catalog(refresh, read)

    async def _list(self, call: _Call, path: str, model: type[M], what: str) -> M:
        answer = await self._exchange(call, "GET", path)
        return self._parse(call, answer, model, what)

    async def _catalog_for(self, call: _Call, io: IoIncident) -> Catalog:
        """The catalog, read again once if the incident names a value it lacks."""
        catalog = await self._get_catalog(call)
        return await self._get_catalog(call, refresh=True) if _unknown_to(catalog, io) else catalog

    # --- HTTP ---------------------------------------------------------------------------------

    async def _headers(self) -> dict[str, str]:
        token = await self._token.get()
        return {"Authorization": "Bearer " + token.reveal()}

    def _forget_token(self) -> None:
        self._token.forget()

    async def _exchange(
        self,
        call: _Call,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: dict[str, Any] | None = None,
        not_found: str | None = None,
    ) -> _Answer:
        """One request, retried on 429, 5xx and lost connections (every request here may
        be re-sent: see the module's doc); any non-success raises the error it means."""
        return await self._send(
            call,
            method,
            self.root + path,
            params=params,
            content=None if body is None else json.dumps(body).encode(),
            content_type=None if body is None else "application/json",
            write=method != "GET",
            resend=True,
            missing=not_found,
        )

    def _error_for(
        self,
        call: _Call,
        status: int,
        data: bytes,
        headers: httpx.Headers,
        missing: str | None,
    ) -> BackendError:
        text = error_text(data, headers.get("content-type", ""))
        shown = f"{text} (HTTP {status})" if text else f"HTTP {status}"
        if status == 401:
            return Unauthenticated(
                f"{SYSTEM} refused the API key from {self._token.describe()}: {shown}"
            )
        if status == 403:
            return PermissionDenied(
                f"{SYSTEM} refused: {shown}. The API key needs the permission for this"
            )
        if status == 404 and missing is not None:
            if not looks_like_html(data, headers.get("content-type", "")):
                return NotFound(f"{SYSTEM} has no {short_text(missing, 80)}")
        if status == 429:
            wait = headers.get("retry-after")
            later = f"; try again in {short_text(wait, 20)} s" if wait else ""
            return Unavailable(f"{SYSTEM} is rate limiting requests: {shown}{later}")
        return common_status_error(SYSTEM, call.what, status, shown, self.root)


# --- words to values -----------------------------------------------------------------------


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise InvalidArgument("title is required")
    if len(title) > MAX_NAME:
        raise InvalidArgument(f"title is too long ({len(title)} characters, at most {MAX_NAME})")
    return title


def _summary(value: str) -> str:
    return summary_within(value, MAX_SUMMARY)


def _pick(
    terms: tuple[Term, ...], word: str, own: Term | None, resolved_first: bool
) -> Term | None:
    if own is not None:
        return own
    mapped = [t for t in terms if t.grafana == word.strip().lower()]
    if not mapped:
        return None
    return mapped[0] if resolved_first else mapped[-1]


def _severity(catalog: Catalog, word: str) -> Any:
    """The org severity a word names: its own name first, else the most severe one a
    Grafana word maps onto."""
    vocabulary = catalog.vocabulary
    term = _pick(vocabulary.severities, word, vocabulary.severity(word), False)
    found = catalog.severity_named(term.value) if term is not None else None
    if found is None:
        raise InvalidArgument(
            f"{SYSTEM} has no severity {word[:40]!r} (its severities: {catalog.names('severity')})"
        )
    return found


#: Where ``active`` (reopening, or declaring as active) goes, best first: an on-call
#: engineer reopening an incident means "we are working on it again", so the org's first
#: ``live`` status (Investigating), never ``triage`` (not yet accepted as an incident);
#: an org without live statuses gets its first ``paused`` one, then triage as a last resort.
REOPEN_CATEGORIES = ("live", "paused", "triage")


def _status(catalog: Catalog, word: str) -> Any:
    """The org status a word names: its own name first; ``active`` is the first live
    status by rank (see ``REOPEN_CATEGORIES``), ``resolved`` the first status past the
    impact."""
    vocabulary = catalog.vocabulary
    term = vocabulary.status(word)
    folded = word.strip().lower()
    if term is None and folded == "active":
        for category in REOPEN_CATEGORIES:
            ranked = sorted(
                (s for s in catalog.statuses if s.category == category and s.name),
                key=lambda s: s.rank if s.rank is not None else 1 << 30,
            )
            if ranked:
                term = vocabulary.status(ranked[0].name)
                break
        term = term or _pick(vocabulary.statuses, word, None, True)
    elif term is None:
        term = _pick(vocabulary.statuses, word, None, True)
    found = catalog.status_named(term.value) if term is not None else None
    if found is None:
        raise InvalidArgument(
            f"{SYSTEM} has no status {word[:40]!r} (its statuses: {catalog.names('status')})"
        )
    return found


def _role(catalog: Catalog, word: str) -> Any:
    if not word.strip():
        raise InvalidArgument("role is required")
    found = catalog.role_named(word)
    if found is None:
        raise InvalidArgument(
            f"{SYSTEM} has no incident role {word[:40]!r} (its roles: {catalog.names('role')})"
        )
    return found


def _type_from_labels(catalog: Catalog, labels: list[m.IncidentLabel]) -> str:
    chosen = ""
    for label in labels:
        text = label.label.strip()
        if not text.lower().startswith(TYPE_PREFIX):
            raise InvalidArgument(
                f"labels: {SYSTEM} takes only the label type:NAME (the incident type;"
                f" its types: {catalog.names('type')}); got {text[:40]!r}"
            )
        found = catalog.type_named(text[len(TYPE_PREFIX) :])
        if found is None:
            raise InvalidArgument(
                f"labels: {SYSTEM} has no incident type {text[5:45]!r}"
                f" (its types: {catalog.names('type')})"
            )
        if chosen and chosen != found.id:
            raise InvalidArgument("labels: an incident has one type; name only one")
        chosen = found.id
    return chosen


def _unknown_to(catalog: Catalog, io: IoIncident) -> bool:
    if io.severity is not None and catalog.severity_named(io.severity.name) is None:
        return True
    if io.incident_status is not None and catalog.status_named(io.incident_status.name) is None:
        return True
    return any(
        a.role is not None and role_number(catalog, a.role.id) == 0
        for a in io.incident_role_assignments
    )


def _user(user: IoUser) -> m.User:
    return m.User(
        user_id=user.id,
        internal_user_id=user.id,
        email=user.email,
        name=user.name or user.email or user.id,
        slack_user_id=user.slack_user_id,
    )


def _limit(value: int) -> int:
    return check_limit(value, DEFAULT_LIMIT, MAX_LIMIT)


def _incident_id(value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument("incidentID is required")
    if len(text) > 100 or not all(c.isalnum() or c in "-_" for c in text):
        raise NotFound(f"{SYSTEM} has no incident {short_text(text, 40)!r}")
    return text


def error_text(data: bytes, ctype: str) -> str:
    """incident.io's error in one line: its type and each error's field and message
    (``{"type", "status", "request_id", "errors": [{"code", "message", "source":
    {"field"}}]}``)."""
    if looks_like_html(data, ctype):
        return html_summary(data)
    try:
        obj = json.loads(data[:65536]) if data else None
    except (ValueError, RecursionError, UnicodeDecodeError):
        obj = None
    if isinstance(obj, dict):
        parts: list[str] = []
        errors = obj.get("errors")
        if isinstance(errors, list):
            for error in errors[:5]:
                if not isinstance(error, dict):
                    continue
                message = error.get("message")
                source = error.get("source")
                where = source.get("field") if isinstance(source, dict) else None
                said = (
                    message if isinstance(message, str) and message.strip() else error.get("code")
                )
                if isinstance(said, str) and said.strip():
                    parts.append(f"{where}: {said}" if isinstance(where, str) and where else said)
        if not parts:
            for key in ("message", "error", "type"):
                value = obj.get(key)
                if isinstance(value, str) and value.strip():
                    parts.append(value)
                    break
        return short_text("; ".join(parts))
    if isinstance(obj, str):
        return short_text(obj)
    return short_text(data[:2000].decode("utf-8", "replace"))


# --- cursors ---------------------------------------------------------------------------------


def _encode_json(parts: Any) -> str:
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_json(value: str) -> Any:
    try:
        padded = value + "=" * (-len(value) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidArgument(_BAD_CURSOR) from None


def _encode_cursor(fingerprint: str, after: str) -> str:
    return _encode_json(["incidents", fingerprint, after])


def _decode_cursor(value: str, fingerprint: str) -> str:
    """The incident id a cursor made for these filters continues after ("" for none)."""
    if not value:
        return ""
    parts = _decode_json(value)
    if (
        not isinstance(parts, list)
        or len(parts) != 3
        or parts[0] != "incidents"
        or parts[1] != fingerprint
        or not isinstance(parts[2], str)
        or not parts[2]
        or len(parts[2]) > 100
    ):
        raise InvalidArgument(_BAD_CURSOR)
    return parts[2]


def _decode_activity_cursor(value: str, incident_id: str, direction: str) -> int:
    if not value:
        return 0
    parts = _decode_json(value)
    if (
        not isinstance(parts, list)
        or len(parts) != 4
        or parts[0] != "activity"
        or parts[1] != incident_id
        or parts[2] != direction
        or not isinstance(parts[3], int)
        or isinstance(parts[3], bool)
        or not 0 <= parts[3] < 2**31
    ):
        raise InvalidArgument(_BAD_CURSOR)
    return parts[3]


__all__ = ["SERVED", "IncidentIoBackend"]
