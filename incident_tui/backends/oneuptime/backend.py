"""OneUptimeBackend: the Backend contract over OneUptime's incident API.

It serves what OneUptime's incident API can do truthfully: list (``get-list`` with
``query``/``select``/``sort`` bodies, ``skip``/``limit`` paging, only the fields the
list shows), read (``get-item``), declare (title, severity from the project's
severities, labels from the project's labels), rename, change the description (the
console's summary), change the severity, change
the state (a new entry of the incident's state timeline, as OneUptime's own UI does;
the project's states in their order, resolved ones map to ``resolved``), add and
remove labels, and the timeline: internal and public notes and state changes, with
their authors and times; a note is internal unless ``fieldValues.internal`` is false.
Roles, tasks, drills, free labels, versions, users and org roles raise
``Unimplemented`` and are absent from ``Capabilities.methods``.

The project's states, severities and labels (the ``Catalog``) are read on ``open``
and again at most every few minutes, or at once when an incident names one it lacks.

HTTP goes through ``backends.httpclient`` like the other remotes: one long-lived
client, inactivity timeouts and an overall deadline per call (the context's
``timeout``), reads (OneUptime reads are POSTs too) retried with backoff, a write
re-sent only when it never left, TLS verified, the key sent as the ``ApiKey`` header,
never over plain http except to this machine and never in a message.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from pydantic import BaseModel

from incident_tui import models as m
from incident_tui.backends.base import Backend, Capabilities, Term, summary_within
from incident_tui.backends.credentials import Secret, TokenSource
from incident_tui.backends.httpclient import (
    Answer,
    Call,
    ForeignApi,
    HttpSettings,
    check_limit,
    common_status_error,
    looks_like_html,
    normalise_url,
    refuse_plain_http,
    server_text,
    short_text,
    token_source,
)
from incident_tui.backends.oneuptime.filters import Filters, translate
from incident_tui.backends.oneuptime.mapping import (
    INTERNAL,
    PUBLIC,
    STATE,
    Catalog,
    description_from_summary,
    incident_id,
    is_resolved,
    item_of,
    sort_key,
    to_incident,
)
from incident_tui.backends.oneuptime.wire import (
    MAX_BODY,
    MAX_DESCRIPTION,
    MAX_PAGE,
    MAX_TITLE,
    SYSTEM,
    UUID,
    OuCount,
    OuCreated,
    OuIncident,
    OuIncidentPage,
    OuItem,
    OuItemPage,
    OuRef,
    OuRefPage,
    text_of,
    typed_id,
    typed_time,
)
from incident_tui.config import ConfigError
from incident_tui.errors import (
    BackendError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unimplemented,
)

if TYPE_CHECKING:
    import httpx

M = TypeVar("M", bound=BaseModel)

#: The Backend methods OneUptime can serve truthfully.
SERVED: frozenset[str] = frozenset(
    {
        "query_incidents",
        "get_incident",
        "create_incident",
        "update_title",
        "update_incident_summary",
        "update_severity",
        "update_status",
        "add_label",
        "remove_label",
        "add_activity",
        "query_activity",
    }
)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: The console's orderField values and OneUptime's sort keys.
ORDER_FIELDS: dict[str, str] = {
    "createdTime": "createdAt",
    "modifiedTime": "updatedAt",
    "incidentStart": "declaredAt",
    "title": "title",
}
#: Timeline records of at most this many pages of 100 each are read per kind.
MAX_TIMELINE_PAGES = 50
_BAD_CURSOR = "the paging cursor is not valid for this query; start from the first page"

#: What the list needs of an incident, and what the overview adds.
LIST_SELECT: dict[str, Any] = {
    "_id": True,
    "title": True,
    "incidentNumber": True,
    "declaredAt": True,
    "createdAt": True,
    "updatedAt": True,
    "currentIncidentStateId": True,
    "currentIncidentState": {"name": True, "isResolvedState": True},
    "incidentSeverityId": True,
    "incidentSeverity": {"name": True},
    "labels": {"name": True},
}
ITEM_SELECT: dict[str, Any] = {
    **LIST_SELECT,
    "description": True,
    "rootCause": True,
    "postmortemNote": True,
    "createdByUserId": True,
    "createdByUser": {"name": True, "email": True},
}
_AUTHOR = {"createdByUserId": True, "createdByUser": {"name": True, "email": True}}
_TIMELINE: dict[str, tuple[str, dict[str, Any]]] = {
    INTERNAL: (
        "/incident-internal-note",
        {"_id": True, "note": True, "createdAt": True, **_AUTHOR},
    ),
    PUBLIC: (
        "/incident-public-note",
        {"_id": True, "note": True, "createdAt": True, "postedAt": True, **_AUTHOR},
    ),
    STATE: (
        "/incident-state-timeline",
        {
            "_id": True,
            "createdAt": True,
            "startsAt": True,
            "incidentStateId": True,
            "incidentState": {"name": True},
            **_AUTHOR,
        },
    ),
}


_Answer = Answer
_Call = Call


class OneUptimeBackend(ForeignApi[Catalog], Backend):
    """A Backend on a OneUptime server (``url`` is its root, ``/api`` is added) for one
    project (``project_id``), with an API key of that project."""

    system = SYSTEM

    def __init__(
        self,
        url: str,
        token: TokenSource | Secret | str,
        project_id: str,
        *,
        name: str = "oneuptime",
        **http: Unpack[HttpSettings],
    ) -> None:
        root, loopback = normalise_url(url)
        if root.lower().endswith("/api"):
            root = root[: -len("/api")]
        refuse_plain_http(root, loopback)
        project = project_id.strip()
        if not UUID.fullmatch(project):
            raise ConfigError(
                f"project_id {short_text(project, 60)!r} is not a OneUptime project id (a UUID)"
            )
        self.api = f"{root}/api"
        self.project = project
        self._token = token_source(token)
        self._init_http(root, name, http)
        self._ids: dict[str, str] = {}  # incident number -> OneUptime id

    def __repr__(self) -> str:
        return f"OneUptimeBackend({self.root!r}, project={self.project!r})"

    # --- the Backend face --------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        catalog = self._catalog or Catalog()
        capabilities = Capabilities(
            name=self.name,
            system=SYSTEM,
            methods=SERVED,
            versions=False,
            text_search=True,
            severities=catalog.severity_terms,
            statuses=catalog.status_terms,
            labels="fixed",
            roles="none",
            tasks=False,
            drills=False,
            internal_notes=True,
            authors=True,
            sorts=tuple(ORDER_FIELDS),
            ascending=True,
            counts=True,
            # The timeline holds notes and state changes; title, severity and label
            # changes are not on it.
            extra={"url": self.root, "project_id": self.project, "history": "notes and states"},
        )
        return capabilities.restricted_to_reads() if self.readonly else capabilities

    async def open(self) -> OneUptimeBackend:
        """Read the project's states, severities and labels (so the vocabularies are known)."""
        async with self._deadline("Open") as call:
            await self._get_catalog(call)
        return self

    async def count_incidents(self, query: m.IncidentsQuery | None = None) -> int:
        """How many incidents ``query`` matches (``/api/incident/count``); a query of
        several title words is ``Unimplemented`` (one search goes to the server, the
        list checks the others itself, a count cannot)."""
        async with self._deadline("CountIncidents") as call:
            catalog = await self._get_catalog(call)
            filters = translate(query or m.IncidentsQuery(), catalog, self._now())
            if filters.matches_nothing:
                return 0
            if len(filters.searches) > 1:
                raise Unimplemented(f"{SYSTEM} counts a search of one title word only")
            answer = await self._exchange(
                call, "/incident/count", {"query": filters.body(self.project)}
            )
            return self._parse(call, answer, OuCount, "count").count

    # --- reads ---------------------------------------------------------------------------

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        query = request.query
        limit = _limit(query.limit)
        direction = (query.order_direction or "DESC").upper()
        if direction not in ("ASC", "DESC"):
            raise InvalidArgument(
                f"orderDirection must be ASC or DESC (got {query.order_direction[:20]!r})"
            )
        order = query.order_field or "createdTime"
        if order not in ORDER_FIELDS:
            raise InvalidArgument(
                f"{SYSTEM} orders incidents by {', '.join(ORDER_FIELDS)} (got {order[:40]!r})"
            )
        echoed = query.model_copy(update={"limit": limit, "order_direction": direction})
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
            fingerprint = filters.fingerprint(self.project, order, direction)
            skip, seen = _decode_cursor(request.cursor.next_value, fingerprint)
            found, position, count = await self._list(
                call, filters, order, direction, skip, seen, limit
            )
            catalog = await self._catalog_for(call, catalog, found)
        incidents = [
            to_incident(ou, catalog, self.root, self.project, now)
            for ou in found
            if filters.keep(text_of(ou.title))
        ]
        for ou in found:
            if ou.number is not None:
                self._ids[str(ou.number)] = ou.id
        cursor = m.Cursor()
        if found and position < count:
            sent = [ou.id for ou in found][-MAX_PAGE:]
            cursor = m.Cursor(
                next_value=_encode_json(["incidents", fingerprint, position, sent]), has_more=True
            )
        return m.QueryIncidentsResponse(incidents=incidents, query=echoed, cursor=cursor)

    async def _list(
        self,
        call: _Call,
        filters: Filters,
        order: str,
        direction: str,
        skip: int,
        seen: set[str],
        limit: int,
    ) -> tuple[list[OuIncident], int, int]:
        """Up to ``limit`` incidents from ``skip`` on, in pages of at most 100, leaving out
        those already sent (``seen``: incidents declared meanwhile push the rest down);
        and where the next page starts, and the count."""
        found: list[OuIncident] = []
        count = 0
        at = skip
        sort = {ORDER_FIELDS[order]: -1 if direction == "DESC" else 1}
        if ORDER_FIELDS[order] != "createdAt":
            sort["createdAt"] = -1 if direction == "DESC" else 1
        for _ in range(-(-limit // MAX_PAGE) + 3):
            size = min(MAX_PAGE, limit - len(found))
            body = {"query": filters.body(self.project), "select": LIST_SELECT, "sort": sort}
            answer = await self._exchange(
                call,
                "/incident/get-list",
                body,
                params=[("skip", str(at)), ("limit", str(size))],
            )
            page = self._parse(call, answer, OuIncidentPage, "incident list")
            count = page.count
            for ou in page.data[:size]:
                at += 1
                if ou.id not in seen:
                    seen.add(ou.id)
                    found.append(ou)
            if len(page.data) < size or at >= count or len(found) >= limit:
                break
        return found, at, count

    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse:
        async with self._deadline("GetIncident") as call:
            ou = await self._read(call, request.incident_id)
            return m.GetIncidentResponse(incident=await self._to_incident(call, ou))

    async def query_activity(self, request: m.QueryActivityRequest) -> m.QueryActivityResponse:
        query = request.query
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
        offset = _decode_activity_cursor(request.cursor.next_value, query.incident_id, direction)
        async with self._deadline("QueryActivity") as call:
            ou = await self._read(
                call, query.incident_id, select={"_id": True, "incidentNumber": True}
            )
            items = await self._timeline(call, ou)
        if direction == "DESC":
            items.reverse()
        items = [
            item
            for item in items
            if (not kinds or item.activity_kind in kinds)
            and (not query.tag or query.tag in item.tags)
        ]
        page = items[offset : offset + limit]
        cursor = m.Cursor()
        if offset + limit < len(items):
            cursor = m.Cursor(
                next_value=_encode_json(["activity", query.incident_id, direction, offset + limit]),
                has_more=True,
            )
        echoed = query.model_copy(update={"limit": limit, "order_direction": direction})
        return m.QueryActivityResponse(activity_items=page, query=echoed, cursor=cursor)

    async def _timeline(self, call: _Call, ou: OuIncident) -> list[m.ActivityItem]:
        catalog = await self._get_catalog(call)
        shown = incident_id(ou)
        records: list[tuple[str, OuItem]] = []
        for kind, (path, select) in _TIMELINE.items():
            found = await self._read_all(
                call, path, {"incidentId": ou.id, "projectId": self.project}, select
            )
            records += [(kind, record) for record in found]
        records.sort(key=lambda pair: sort_key(pair[1]))
        first = next((record.id for kind, record in records if kind == STATE), "")
        return [
            item_of(kind, shown, record, catalog, first=record.id == first)
            for kind, record in records
        ]

    # --- writes ----------------------------------------------------------------------------

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        self._check_writable("create_incident")
        title = _title(request.title)
        if request.is_drill:
            raise InvalidArgument(f"{SYSTEM} has no drills; declare a real incident")
        if request.attach_url.strip() or request.attach_caption.strip():
            raise InvalidArgument(f"attachUrl: {SYSTEM} incidents keep no attachment link")
        names = [label.label.strip() for label in request.labels]
        if any(not name or len(name) > 200 for name in names):
            raise InvalidArgument("labels: a label is 1 to 200 characters")
        async with self._deadline("CreateIncident") as call:
            catalog = await self._get_catalog(call)
            severity = self._severity_id(catalog, request.severity)
            labels = [self._label_id(catalog, name, "labels") for name in dict.fromkeys(names)]
            state = (
                self._state_for(catalog, request.status, None) if request.status.strip() else None
            )
            data: dict[str, Any] = {
                "projectId": typed_id(self.project),
                "title": title,
                "incidentSeverityId": typed_id(severity),
                "declaredAt": typed_time(self._now()),
            }
            if labels:
                data["labels"] = [{"_id": ident} for ident in labels]
            answer = await self._exchange(
                call, "/incident", {"data": data, "select": {"_id": True}}, write=True
            )
            created = self._parse(call, answer, OuCreated, "incident").id
            ou = await self._read_uuid(call, created)
            if state is not None and text_of(ou.currentIncidentStateId) != state:
                try:
                    await self._move(call, ou.id, state)
                    ou = await self._read_uuid(call, created)
                except BackendError as exc:
                    raise BackendError(
                        f"declared incident {incident_id(ou)}, but changing its state failed:"
                        f" {exc.message}; change its state from the incident"
                    ) from None
            return m.CreateIncidentResponse(incident=await self._to_incident(call, ou))

    async def update_title(self, request: m.UpdateTitleRequest) -> m.UpdateTitleResponse:
        title = _title(request.title)

        def change(ou: OuIncident, catalog: Catalog) -> dict[str, Any]:
            return {} if text_of(ou.title) == title else {"title": title}

        incident = await self._update("update_title", "UpdateTitle", request.incident_id, change)
        return m.UpdateTitleResponse(incident=incident)

    async def update_incident_summary(
        self, request: m.UpdateIncidentSummaryRequest
    ) -> m.UpdateIncidentSummaryResponse:
        """The incident's ``description`` (markdown, several lines; empty clears it). The
        summary shown adds the root cause and the postmortem note: left at its end, they
        are not written into the description."""

        def change(ou: OuIncident, catalog: Catalog) -> dict[str, Any]:
            # Bounded by what is written, not the parts shown after it.
            description = summary_within(
                description_from_summary(request.summary, ou), MAX_DESCRIPTION
            )
            if text_of(ou.description).strip() == description:
                return {}
            return {"description": description}

        incident = await self._update(
            "update_incident_summary", "UpdateIncidentSummary", request.incident_id, change
        )
        return m.UpdateIncidentSummaryResponse(incident=incident)

    async def update_severity(self, request: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse:
        def change(ou: OuIncident, catalog: Catalog) -> dict[str, Any]:
            wanted = self._severity_id(catalog, request.severity)
            if text_of(ou.incidentSeverityId) == wanted:
                return {}
            return {"incidentSeverityId": typed_id(wanted)}

        incident = await self._update(
            "update_severity", "UpdateSeverity", request.incident_id, change
        )
        return m.UpdateSeverityResponse(incident=incident)

    async def update_status(self, request: m.UpdateStatusRequest) -> m.UpdateStatusResponse:
        self._check_writable("update_status")
        if not request.status.strip():
            raise InvalidArgument("status is required")
        async with self._deadline("UpdateStatus") as call:
            ou = await self._read(call, request.incident_id)
            catalog = await self._catalog_for(call, await self._get_catalog(call), [ou])
            wanted = self._state_for(catalog, request.status, ou)
            if wanted is not None and text_of(ou.currentIncidentStateId) != wanted:
                await self._move(call, ou.id, wanted)
                ou = await self._read_uuid(call, ou.id)
            return m.UpdateStatusResponse(incident=await self._to_incident(call, ou))

    async def add_label(self, request: m.AddLabelRequest) -> m.AddLabelResponse:
        name = request.label.label.strip()
        if not name or len(name) > 200:
            raise InvalidArgument("label: a label is 1 to 200 characters")

        def change(ou: OuIncident, catalog: Catalog) -> dict[str, Any]:
            wanted = self._label_id(catalog, name, "label")
            held = [ref.id for ref in ou.label_refs()]
            if wanted in held:
                return {}
            return {"labels": [{"_id": ident} for ident in [*held, wanted]]}

        incident = await self._update("add_label", "AddLabel", request.incident_id, change)
        return m.AddLabelResponse(incident=incident)

    async def remove_label(self, request: m.RemoveLabelRequest) -> m.RemoveLabelResponse:
        name = request.label.strip()
        if not name:
            raise InvalidArgument("label is required")

        def change(ou: OuIncident, catalog: Catalog) -> dict[str, Any]:
            held = ou.label_refs()
            folded = name.casefold()
            keep = [
                ref.id
                for ref in held
                if (catalog.labels.get(ref.id) or ref).shown.casefold() != folded
            ]
            if len(keep) == len(held):
                raise NotFound(f"incident {incident_id(ou)} has no label {name[:60]!r}")
            return {"labels": [{"_id": ident} for ident in keep]}

        incident = await self._update("remove_label", "RemoveLabel", request.incident_id, change)
        return m.RemoveLabelResponse(incident=incident)

    async def add_activity(self, request: m.AddActivityRequest) -> m.AddActivityResponse:
        self._check_writable("add_activity")
        kind = request.activity_kind or m.ActivityKind.USER_NOTE.value
        if kind != m.ActivityKind.USER_NOTE:
            raise InvalidArgument(f"only userNote items can be added (got {kind[:40]!r})")
        body = request.body
        if not body.strip():
            raise InvalidArgument("body is required")
        if len(body) > MAX_BODY:
            raise InvalidArgument(f"body is too long ({len(body)} characters, at most {MAX_BODY})")
        if request.event_time.strip() not in ("", m.ZERO_TIME):
            raise InvalidArgument(
                f"{SYSTEM} stamps a note with the time it arrives; omit eventTime"
            )
        internal = request.field_values.get("internal", True)
        if not isinstance(internal, bool):
            raise InvalidArgument("fieldValues.internal must be true or false")
        which = INTERNAL if internal else PUBLIC
        path, select = _TIMELINE[which]
        async with self._deadline("AddActivity") as call:
            ou = await self._read(
                call, request.incident_id, select={"_id": True, "incidentNumber": True}
            )
            data: dict[str, Any] = {
                "projectId": typed_id(self.project),
                "incidentId": typed_id(ou.id),
                "note": body,
            }
            if not internal:
                data["postedAt"] = typed_time(self._now())
            answer = await self._exchange(
                call, path, {"data": data, "select": {"_id": True}}, write=True
            )
            created = self._parse(call, answer, OuCreated, "note").id
            answer = await self._exchange(call, f"{path}/{created}/get-item", {"select": select})
            record = self._parse_record(call, answer, "note")
            catalog = await self._get_catalog(call)
        return m.AddActivityResponse(activity_item=item_of(which, incident_id(ou), record, catalog))

    # --- the update path ---------------------------------------------------------------------

    async def _update(
        self,
        backend_method: str,
        what: str,
        reference: str,
        change: Callable[[OuIncident, Catalog], dict[str, Any]],
    ) -> m.Incident:
        """Read the incident, work out what to change, send only that (nothing: nothing)."""
        self._check_writable(backend_method)
        async with self._deadline(what) as call:
            ou = await self._read(call, reference)
            catalog = await self._catalog_for(call, await self._get_catalog(call), [ou])
            try:
                data = change(ou, catalog)
            except InvalidArgument:
                catalog = await self._get_catalog(call, refresh=True)
                data = change(ou, catalog)
            if data:
                await self._exchange(
                    call, f"/incident/{ou.id}", {"data": data}, method="PUT", write=True
                )
                ou = await self._read_uuid(call, ou.id)
            return await self._to_incident(call, ou)

    async def _move(self, call: _Call, uuid: str, state: str) -> None:
        """A new entry of the state timeline (OneUptime moves the incident to it)."""
        data = {
            "projectId": typed_id(self.project),
            "incidentId": typed_id(uuid),
            "incidentStateId": typed_id(state),
        }
        answer = await self._exchange(
            call, "/incident-state-timeline", {"data": data, "select": {"_id": True}}, write=True
        )
        self._parse(call, answer, OuCreated, "state change")

    def _severity_id(self, catalog: Catalog, word: str) -> str:
        terms = catalog.severity_terms
        names = ", ".join(t.value for t in reversed(terms)) or "none"
        if not word.strip():
            raise InvalidArgument(f"{SYSTEM} needs a severity: {names}")
        own = _vocabulary(terms).severity(word)
        if own is None:
            mapped = [t for t in terms if t.grafana == word.strip().lower()]
            own = mapped[-1] if mapped else None
        ident = catalog.severity_id(own.value) if own is not None else None
        if ident is None:
            raise InvalidArgument(
                f"{SYSTEM} has no severity {word[:40]!r} (its severities: {names})"
            )
        return ident

    def _state_for(self, catalog: Catalog, word: str, ou: OuIncident | None) -> str | None:
        """The state id ``word`` names: the project's own state, else for a Grafana word the
        first state in order that maps onto it (None: the incident is already there)."""
        terms = catalog.status_terms
        own = _vocabulary(terms).status(word)
        if own is None:
            folded = word.strip().lower()
            mapped = [t for t in terms if t.grafana == folded]
            if not mapped:
                names = ", ".join(t.value for t in terms) or "none"
                raise InvalidArgument(f"{SYSTEM} has no state {word[:40]!r} (its states: {names})")
            if ou is not None and is_resolved(ou, catalog) == (folded == "resolved"):
                return None  # already in a state that word means
            own = mapped[0]
        return catalog.state_id(own.value)

    def _label_id(self, catalog: Catalog, name: str, where: str) -> str:
        ident = catalog.label_id(name)
        if ident is None:
            raise InvalidArgument(
                f"{where}: {SYSTEM} has no label {name[:60]!r} in this project"
                f" (its labels: {catalog.label_names()})"
            )
        return ident

    # --- reading helpers --------------------------------------------------------------------

    async def _uuid(self, call: _Call, reference: str) -> str:
        """The OneUptime id of an incident the console names by number (or by its id)."""
        text = reference.strip().removeprefix("#")
        if text[:4].upper() == "INC-":
            text = text[4:]
        if not text:
            raise InvalidArgument("incidentID is required")
        if UUID.fullmatch(text):
            return text.lower()
        if not text.isdigit() or len(text) > 15 or int(text) < 1:
            raise NotFound(f"{SYSTEM} has no incident {short_text(text, 40)!r}")
        known = self._ids.get(str(int(text)))
        if known is not None:
            return known
        body = {
            "query": {"projectId": self.project, "incidentNumber": int(text)},
            "select": {"_id": True, "incidentNumber": True},
        }
        answer = await self._exchange(
            call, "/incident/get-list", body, params=[("skip", "0"), ("limit", "1")]
        )
        page = self._parse(call, answer, OuIncidentPage, "incident list")
        if not page.data or page.data[0].number != int(text):
            raise NotFound(f"{SYSTEM} has no incident {int(text)}")
        self._ids[str(int(text))] = page.data[0].id
        return page.data[0].id

    async def _read(
        self, call: _Call, reference: str, select: dict[str, Any] | None = None
    ) -> OuIncident:
        uuid = await self._uuid(call, reference)
        try:
            return await self._read_uuid(call, uuid, select)
        except NotFound:
            self._ids = {k: v for k, v in self._ids.items() if v != uuid}
            raise

    async def _read_uuid(
        self, call: _Call, uuid: str, select: dict[str, Any] | None = None
    ) -> OuIncident:
        answer = await self._exchange(
            call, f"/incident/{uuid}/get-item", {"select": select or ITEM_SELECT}, missing=uuid
        )
        ctype = answer.headers.get("content-type", "")
        if not looks_like_html(answer.data, ctype):
            try:
                raw = json.loads(answer.data or b"null")
            except (ValueError, RecursionError):
                raw = None
            if raw is None or raw == {}:  # what OneUptime answers for an id it does not have
                raise NotFound(f"{SYSTEM} has no incident {uuid}")
        return self._parse(call, answer, OuIncident, "incident")

    def _parse_record(self, call: _Call, answer: _Answer, what: str) -> OuItem:
        return self._parse(call, answer, OuItem, what)

    async def _to_incident(self, call: _Call, ou: OuIncident) -> m.Incident:
        catalog = await self._catalog_for(call, await self._get_catalog(call), [ou])
        if ou.number is not None:
            self._ids[str(ou.number)] = ou.id
        return to_incident(ou, catalog, self.root, self.project, self._now())

    async def _get_catalog(self, call: _Call, *, refresh: bool = False) -> Catalog:
        """States, severities and labels, read at most every few minutes."""

        async def read() -> Catalog:
            query = {"projectId": self.project}
            named = {"_id": True, "name": True, "order": True}
            states = await self._read_refs(
                call, "/incident-state", query, {**named, "isResolvedState": True}
            )
            severities = await self._read_refs(call, "/incident-severity", query, named)
            labels = await self._read_refs(
                call,
                "/label",
                query,
                {"_id": True, "name": True, "description": True, "color": True},
            )
            return Catalog(
                states={s.id: s for s in states if s.id},
                severities={s.id: s for s in severities if s.id},
                labels={s.id: s for s in labels if s.id},
            )

        return await self._cached_catalog(refresh, read)

    async def _catalog_for(self, call: _Call, catalog: Catalog, found: list[OuIncident]) -> Catalog:
        """The catalog, read again once if an incident names something it lacks."""
        if all(catalog.knows(ou) for ou in found):
            return catalog
        return await self._get_catalog(call, refresh=True)

    async def _read_refs(
        self, call: _Call, path: str, query: dict[str, Any], select: dict[str, Any]
    ) -> list[OuRef]:
        out: list[OuRef] = []
        for page in range(MAX_TIMELINE_PAGES):
            body = {"query": query, "select": select, "sort": {"createdAt": 1}}
            params = [("skip", str(page * MAX_PAGE)), ("limit", str(MAX_PAGE))]
            answer = await self._exchange(call, f"{path}/get-list", body, params=params)
            got = self._parse(call, answer, OuRefPage, f"{path[1:]} list")
            out += got.data
            if len(got.data) < MAX_PAGE or len(out) >= got.count:
                break
        return out

    async def _read_all(
        self, call: _Call, path: str, query: dict[str, Any], select: dict[str, Any]
    ) -> list[OuItem]:
        out: list[OuItem] = []
        for page in range(MAX_TIMELINE_PAGES):
            body = {"query": query, "select": select, "sort": {"createdAt": 1}}
            params = [("skip", str(page * MAX_PAGE)), ("limit", str(MAX_PAGE))]
            answer = await self._exchange(call, f"{path}/get-list", body, params=params)
            got = self._parse(call, answer, OuItemPage, f"{path[1:]} list")
            out += got.data
            if len(got.data) < MAX_PAGE or len(out) >= got.count:
                break
        return out

    # --- HTTP ---------------------------------------------------------------------------------

    async def _headers(self) -> dict[str, str]:
        token = await self._token.get()
        return {"ApiKey": token.reveal(), "ProjectID": self.project}

    def _forget_token(self) -> None:
        self._token.forget()

    async def _exchange(
        self,
        call: _Call,
        path: str,
        body: dict[str, Any],
        *,
        method: str = "POST",
        params: list[tuple[str, str]] | None = None,
        write: bool = False,
        missing: str | None = None,
    ) -> _Answer:
        """One JSON request (a read is retried when that is safe); any non-success raises
        the error it means."""
        return await self._send(
            call,
            method,
            self.api + path,
            params=params,
            content=json.dumps(body, separators=(",", ":")).encode(),
            content_type="application/json",
            write=write,
            missing=missing,
        )

    def _error_for(
        self, call: _Call, status: int, data: bytes, headers: httpx.Headers, missing: str | None
    ) -> BackendError:
        text, _, _ = server_text(data, headers.get("content-type", ""))
        shown = f"{text} (HTTP {status})" if text else f"HTTP {status}"
        if status == 401:
            return Unauthenticated(
                f"{SYSTEM} refused the key from {self._token.describe()}: {shown}"
            )
        if status == 403:
            return PermissionDenied(
                f"{SYSTEM} refused: {shown}. The API key needs the incident permissions"
                " of this project"
            )
        if status == 404 and missing is not None:
            if not looks_like_html(data, headers.get("content-type", "")):
                return NotFound(f"{SYSTEM} has no incident {missing}")
        return common_status_error(SYSTEM, call.what, status, shown, self.api)


# --- words to values -----------------------------------------------------------------------


def _vocabulary(terms: tuple[Term, ...]) -> Capabilities:
    return Capabilities(name=SYSTEM, system=SYSTEM, severities=terms, statuses=terms)


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise InvalidArgument("title is required")
    if len(title) > MAX_TITLE:
        raise InvalidArgument(f"title is too long ({len(title)} characters, at most {MAX_TITLE})")
    return title


def _limit(value: int) -> int:
    return check_limit(value, DEFAULT_LIMIT, MAX_LIMIT)


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


def _small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _decode_cursor(value: str, fingerprint: str) -> tuple[int, set[str]]:
    """(where the next page starts, the ids of the page before it) of a cursor made for
    this query."""
    if not value:
        return 0, set()
    parts = _decode_json(value)
    if (
        not isinstance(parts, list)
        or len(parts) != 4
        or parts[0] != "incidents"
        or parts[1] != fingerprint
        or not _small_int(parts[2])
        or not isinstance(parts[3], list)
        or len(parts[3]) > MAX_PAGE
        or not all(isinstance(p, str) and UUID.fullmatch(p) for p in parts[3])
    ):
        raise InvalidArgument(_BAD_CURSOR)
    return int(parts[2]), set(parts[3])


def _decode_activity_cursor(value: str, incident: str, direction: str) -> int:
    if not value:
        return 0
    parts = _decode_json(value)
    if (
        not isinstance(parts, list)
        or len(parts) != 4
        or parts[0] != "activity"
        or parts[1] != incident
        or parts[2] != direction
        or not _small_int(parts[3])
    ):
        raise InvalidArgument(_BAD_CURSOR)
    return int(parts[3])


__all__ = ["SERVED", "OneUptimeBackend"]
