"""ProdManagerBackend: the Backend contract over Prod Manager's REST API.

It serves what Prod Manager can do and nothing else: list (its filters, its pages of
at most 50), read, declare (a form post; the answer is a 302 to the new incident),
rename, change the description (the summary), severity or status (Prod Manager takes the whole record on every
update, so each change reads the incident first and posts it back whole), notes
(its comments, internal or public) and the timeline (its event history). Roles,
tasks, drills, free labels, versions and org roles raise ``Unimplemented`` and are
absent from ``Capabilities.methods``.

HTTP goes through ``backends.httpclient`` like the Grafana client: one long-lived
client, timeouts and an overall deadline per call, reads retried with backoff, a
write re-sent only when it never left, TLS verified, the token never over plain
http except to this machine and never in a message.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TypeVar, Unpack
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel

from incident_tui import models as m
from incident_tui.backends.base import Backend, Capabilities, summary_within
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
from incident_tui.backends.prodmanager.filters import (
    VOCABULARY,
    Catalog,
    Filters,
    label_id,
    translate,
)
from incident_tui.backends.prodmanager.mapping import timeline, to_incident
from incident_tui.backends.prodmanager.wire import (
    DATE_OF_STATUS,
    MAX_BODY,
    MAX_DESCRIPTION,
    MAX_PER_PAGE,
    MAX_TITLE,
    MIN_TITLE,
    SEVERITIES,
    STATUS_PATH,
    STATUSES,
    SYSTEM,
    PmIncident,
    PmIncidentPage,
    PmNamed,
    PmNamedPage,
    ServerClock,
    local_zone,
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

#: The Backend methods Prod Manager can serve truthfully.
SERVED: frozenset[str] = frozenset(
    {
        "query_incidents",
        "get_incident",
        "create_incident",
        "update_title",
        "update_incident_summary",
        "update_severity",
        "update_status",
        "add_activity",
        "query_activity",
    }
)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
ORDER_FIELDS = ("createdTime", "incidentStart")
_LOCATION = re.compile(r"/incident/(\d{1,18})/?$")
_BAD_CURSOR = "the paging cursor is not valid for this query; start from the first page"


_Answer = Answer
_Call = Call


class ProdManagerBackend(ForeignApi[Catalog], Backend):
    """A Backend on a Prod Manager server (``url`` is its root, ``/api`` is added).

    Without a token it reads public incidents only (a read-only context). ``scope``
    and ``service`` (names or ids) are where an incident is declared when its labels
    do not say; ``timezone`` is the server's zone, since its dates carry none.
    """

    system = SYSTEM

    def __init__(
        self,
        url: str,
        token: TokenSource | Secret | str | None = None,
        *,
        scope: str = "",
        service: str = "",
        timezone: tzinfo | None = None,
        name: str = "prodmanager",
        **http: Unpack[HttpSettings],
    ) -> None:
        root, loopback = normalise_url(url)
        if root.lower().endswith("/api"):
            root = root[: -len("/api")]
        self.api = f"{root}/api"
        if token is not None:
            refuse_plain_http(root, loopback)
        self._token = None if token is None else token_source(token)
        self.default_scope = scope.strip()
        self.default_service = service.strip()
        self.clock = ServerClock(timezone or local_zone())
        self._init_http(root, name, http)

    def __repr__(self) -> str:
        return f"ProdManagerBackend({self.root!r}, token={self._token!r})"

    # --- the Backend face --------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        capabilities = Capabilities(
            name=self.name,
            system=SYSTEM,
            methods=SERVED,
            versions=False,
            text_search=False,
            severities=SEVERITIES,
            statuses=STATUSES,
            labels="fixed",
            roles="none",
            tasks=False,
            drills=False,
            internal_notes=True,
            authors=False,
            sorts=ORDER_FIELDS,
            ascending=False,
            extra={"url": self.root, "scope": self.default_scope, "service": self.default_service},
        )
        if self._token is None:
            return capabilities.restricted_to_reads(
                f"context {self.name!r} has no token: {SYSTEM} shows public incidents only"
            )
        return capabilities.restricted_to_reads() if self.readonly else capabilities

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
                f"{SYSTEM} orders incidents by impact start only"
                f" (orderField {', '.join(ORDER_FIELDS)}; got {order[:40]!r})"
            )
        echoed = query.model_copy(update={"limit": limit, "order_direction": "DESC"})
        async with self._deadline("QueryIncidents") as call:
            catalog = await self._get_catalog(call)
            now = self._now()
            try:
                filters = translate(query, catalog, now)
            except InvalidArgument:
                # A scope or service may have been added since the catalog was read.
                catalog = await self._get_catalog(call, refresh=True)
                filters = translate(query, catalog, now)
            if filters.matches_nothing:
                return m.QueryIncidentsResponse(query=echoed)
            fingerprint = filters.fingerprint(self.clock)
            page, offset, per_page, seen = 1, 0, min(limit, MAX_PER_PAGE), set[int]()
            if request.cursor.next_value:
                page, offset, per_page, seen = _decode_cursor(
                    request.cursor.next_value, fingerprint
                )
            found, next_at = await self._collect(call, filters, page, offset, per_page, seen, limit)
            catalog = await self._catalog_for(call, catalog, found)
            incidents = [to_incident(pm, catalog, self.clock, self.root, now) for pm in found]
        cursor = m.Cursor()
        if next_at is not None:
            returned = [pm.id for pm in found][-2 * MAX_PER_PAGE :]
            next_page, next_offset = next_at
            cursor = m.Cursor(
                next_value=_encode_cursor(
                    fingerprint, next_page, next_offset, per_page, returned or sorted(seen)
                ),
                has_more=True,
            )
        return m.QueryIncidentsResponse(incidents=incidents, query=echoed, cursor=cursor)

    async def _collect(
        self,
        call: _Call,
        filters: Filters,
        page: int,
        offset: int,
        per_page: int,
        seen: set[int],
        limit: int,
    ) -> tuple[list[PmIncident], tuple[int, int] | None]:
        """Up to ``limit`` incidents from ``page`` on, skipping ``offset`` on the first page
        and any already sent (``seen``: incidents declared meanwhile push the rest down a
        page). Returns them and where the next page starts (None at the end)."""
        found: list[PmIncident] = []
        requests = -(-limit // per_page) + 3
        for _ in range(requests):
            params = [*filters.params(self.clock), ("page", str(page)), ("per_page", str(per_page))]
            answer = await self._exchange(call, "GET", "/incident", params=params)
            items = self._parse(call, answer, PmIncidentPage, "incident list").items
            next_page = _next_page(answer.headers.get("x-next-page"), page, len(items), per_page)
            position = offset
            while position < len(items) and len(found) < limit:
                incident = items[position]
                position += 1
                if incident.id not in seen:
                    seen.add(incident.id)
                    found.append(incident)
            if position < len(items):
                return found, (page, position)
            if next_page is None:
                return found, None
            page, offset = next_page, 0
            if len(found) >= limit:
                return found, (page, 0)
        return found, (page, offset)

    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse:
        number = _incident_number(request.incident_id)
        async with self._deadline("GetIncident") as call:
            pm = await self._read_incident(call, number)
            return m.GetIncidentResponse(incident=await self._to_incident(call, pm))

    async def query_activity(self, request: m.QueryActivityRequest) -> m.QueryActivityResponse:
        query = request.query
        number = _incident_number(query.incident_id)
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
        after = _decode_activity_cursor(request.cursor.next_value, direction)
        async with self._deadline("QueryActivity") as call:
            pm = await self._read_incident(call, number)
            catalog = await self._catalog_for(call, await self._get_catalog(call), [pm])
        items = timeline(pm, catalog, self.clock)
        if direction == "DESC":
            items.reverse()
        items = [
            item
            for item in items
            if (not kinds or item.activity_kind in kinds)
            and (not query.tag or query.tag in item.tags)
            and (after is None or _after(int(item.activity_item_id), after, direction))
        ]
        page = items[:limit]
        cursor = m.Cursor()
        if len(items) > limit:
            cursor = m.Cursor(
                next_value=_encode_json(["activity", direction, int(page[-1].activity_item_id)]),
                has_more=True,
            )
        echoed = query.model_copy(update={"limit": limit, "order_direction": direction})
        return m.QueryActivityResponse(activity_items=page, query=echoed, cursor=cursor)

    # --- writes ----------------------------------------------------------------------------

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        self._check_writable("create_incident")
        title = _title(request.title)
        severity = _write_severity(request.severity)
        status = _write_status(request.status) if request.status.strip() else "active"
        if request.is_drill:
            raise InvalidArgument(f"{SYSTEM} has no drills; declare a real incident")
        if request.attach_caption.strip():
            raise InvalidArgument(
                f"attachCaption: {SYSTEM} keeps an external link but no caption for it"
            )
        async with self._deadline("CreateIncident") as call:
            catalog = await self._get_catalog(call)
            try:
                scope, service = self._placement(request.labels, catalog)
            except InvalidArgument:
                catalog = await self._get_catalog(call, refresh=True)
                scope, service = self._placement(request.labels, catalog)
            now = self._now()
            form = {
                "name": title,
                "scope": str(scope),
                "service": str(service),
                "severity": severity,
                "start_impact_date": self.clock.format(now),
            }
            if request.attach_url.strip():
                form["external_link"] = request.attach_url.strip()
            answer = await self._exchange(call, "POST", "/incident/create", form=form)
            number = self._written_id(call, answer)
            if status != "active":
                try:
                    pm = await self._read_incident(call, number)
                    await self._post_update(
                        call, pm, _with_status(self._record(pm), status, self.clock.format(now))
                    )
                except BackendError as exc:
                    # The incident exists: say so, so nobody declares it twice.
                    raise BackendError(
                        f"declared incident {number}, but marking it {status} failed:"
                        f" {exc.message}; change its status from the incident"
                    ) from None
            pm = await self._read_incident(call, number)
            return m.CreateIncidentResponse(incident=await self._to_incident(call, pm))

    async def update_title(self, request: m.UpdateTitleRequest) -> m.UpdateTitleResponse:
        title = _title(request.title)

        def change(record: dict[str, str], pm: PmIncident) -> None:
            record["name"] = title

        incident = await self._update("update_title", "UpdateTitle", request.incident_id, change)
        return m.UpdateTitleResponse(incident=incident)

    async def update_incident_summary(
        self, request: m.UpdateIncidentSummaryRequest
    ) -> m.UpdateIncidentSummaryResponse:
        """The incident's ``description`` (the update form takes it; empty clears it)."""
        summary = summary_within(request.summary, MAX_DESCRIPTION)

        def change(record: dict[str, str], pm: PmIncident) -> None:
            if summary:
                record["description"] = summary
            else:
                record.pop("description", None)  # what the form leaves out is cleared

        incident = await self._update(
            "update_incident_summary", "UpdateIncidentSummary", request.incident_id, change
        )
        return m.UpdateIncidentSummaryResponse(incident=incident)

    async def update_severity(self, request: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse:
        severity = _write_severity(request.severity)

        def change(record: dict[str, str], pm: PmIncident) -> None:
            record["severity"] = severity

        incident = await self._update(
            "update_severity", "UpdateSeverity", request.incident_id, change
        )
        return m.UpdateSeverityResponse(incident=incident)

    async def update_status(self, request: m.UpdateStatusRequest) -> m.UpdateStatusResponse:
        status = _write_status(request.status)
        now = self.clock.format(self._now())

        def change(record: dict[str, str], pm: PmIncident) -> None:
            if pm.status != status:
                moved = _with_status(record, status, now)
                record.clear()
                record.update(moved)

        incident = await self._update("update_status", "UpdateStatus", request.incident_id, change)
        return m.UpdateStatusResponse(incident=incident)

    async def add_activity(self, request: m.AddActivityRequest) -> m.AddActivityResponse:
        self._check_writable("add_activity")
        number = _incident_number(request.incident_id)
        kind = request.activity_kind or m.ActivityKind.USER_NOTE.value
        if kind != m.ActivityKind.USER_NOTE:
            raise InvalidArgument(f"only userNote items can be added (got {kind[:40]!r})")
        body = request.body
        if not body.strip():
            raise InvalidArgument("body is required")
        if len(body) > MAX_BODY:
            raise InvalidArgument(f"body is too long ({len(body)} characters, at most {MAX_BODY})")
        if request.event_time.strip() not in ("", m.ZERO_TIME):  # Go's zero time: not set
            raise InvalidArgument(
                f"{SYSTEM} stamps a note with the time it arrives; omit eventTime"
            )
        internal = request.field_values.get("internal", True)
        if not isinstance(internal, bool):
            raise InvalidArgument("fieldValues.internal must be true or false")
        form = {"comment": body}
        if internal:
            form["internal"] = "y"  # any value but false/empty marks it internal
        async with self._deadline("AddActivity") as call:
            answer = await self._exchange(
                call, "POST", f"/incident/{number}/comment", form=form, not_found=number
            )
            self._written_id(call, answer, expected=number)
            pm = await self._read_incident(call, number)
            catalog = await self._get_catalog(call)
        notes = [
            item
            for item in timeline(pm, catalog, self.clock)
            if item.activity_kind == m.ActivityKind.USER_NOTE and item.body == body
        ]
        if not notes:
            raise Unavailable(
                f"AddActivity: {SYSTEM} took the note but does not show it on incident {number}"
            )
        return m.AddActivityResponse(activity_item=notes[-1])

    # --- the update path ---------------------------------------------------------------------

    async def _update(
        self,
        backend_method: str,
        what: str,
        incident_id: str,
        change: Callable[[dict[str, str], PmIncident], None],
    ) -> m.Incident:
        """Read the incident, change its record, post the whole record back (Prod Manager
        clears whatever an update leaves out). Nothing changed: nothing is posted."""
        self._check_writable(backend_method)
        number = _incident_number(incident_id)
        async with self._deadline(what) as call:
            pm = await self._read_incident(call, number)
            record = self._record(pm)
            changed = dict(record)
            change(changed, pm)
            if changed != record:
                await self._post_update(call, pm, changed)
                pm = await self._read_incident(call, number)
            return await self._to_incident(call, pm)

    def _record(self, pm: PmIncident) -> dict[str, str]:
        """The incident as the update form wants it: every field, dates as it writes them."""
        start = self.clock.normalised(pm.start_impact_date) or self.clock.normalised(
            pm.creation_date
        )
        record = {
            "name": pm.name,
            "severity": pm.severity,
            "status": pm.status,
            "start_impact_date": start,
        }
        if pm.scope is not None:
            record["scope"] = str(pm.scope)
        if pm.service is not None:
            record["service"] = str(pm.service)
        for key in ("description", "external_reference", "external_link"):
            value = getattr(pm, key)
            if value:
                record[key] = value
        for key in DATE_OF_STATUS.values():
            value = self.clock.normalised(getattr(pm, key))
            if value:
                record[key] = value
        return record

    async def _post_update(self, call: _Call, pm: PmIncident, record: dict[str, str]) -> None:
        answer = await self._exchange(
            call, "POST", f"/incident/{pm.id}/update", form=record, not_found=pm.id
        )
        self._written_id(call, answer, expected=pm.id)

    def _placement(self, labels: list[m.IncidentLabel], catalog: Catalog) -> tuple[int, int]:
        """The scope and service to declare in: from ``scope:``/``service:`` labels, else
        the context's defaults, else the only one there is."""
        chosen: dict[str, int] = {}
        for label in labels:
            kind, ident = label_id(catalog, label.label, "labels")
            if chosen.get(kind, ident) != ident:
                raise InvalidArgument(f"labels: an incident has one {kind}; name only one")
            chosen[kind] = ident
        defaults = {"scope": self.default_scope, "service": self.default_service}
        for kind in ("scope", "service"):
            if kind in chosen:
                continue
            default = defaults[kind]
            if default:
                found = catalog.find(kind, default)
                if found is None and default.isdigit() and int(default) in catalog.of(kind):
                    found = int(default)
                if found is None:
                    raise InvalidArgument(
                        f"context {self.name!r}: {SYSTEM} has no {kind} {default[:60]!r}"
                        f" ({kind}s: {catalog.names(kind)})"
                    )
                chosen[kind] = found
            elif len(catalog.of(kind)) == 1:
                chosen[kind] = next(iter(catalog.of(kind)))
            else:
                raise InvalidArgument(
                    f"{SYSTEM} needs a {kind}: add the label {kind}:NAME"
                    f" ({kind}s: {catalog.names(kind)}) or set {kind} in the context"
                )
        return chosen["scope"], chosen["service"]

    # --- reading helpers --------------------------------------------------------------------

    async def _read_incident(self, call: _Call, number: int) -> PmIncident:
        answer = await self._exchange(call, "GET", f"/incident/{number}", not_found=number)
        return self._parse(call, answer, PmIncident, "incident")

    async def _to_incident(self, call: _Call, pm: PmIncident) -> m.Incident:
        catalog = await self._catalog_for(call, await self._get_catalog(call), [pm])
        return to_incident(pm, catalog, self.clock, self.root, self._now())

    async def _get_catalog(self, call: _Call, *, refresh: bool = False) -> Catalog:
        """Scopes and services, read at most every few minutes (they rarely change)."""

        async def read() -> Catalog:
            scopes = await self._read_all(call, "/scope")
            services = await self._read_all(call, "/service")
            return Catalog(scopes={s.id: s for s in scopes}, services={s.id: s for s in services})

        return await self._cached_catalog(refresh, read)

    async def _catalog_for(
        self, call: _Call, catalog: Catalog, incidents: list[PmIncident]
    ) -> Catalog:
        """The catalog, read again once if an incident names a scope or service it lacks."""
        missing = any(
            (pm.scope is not None and pm.scope not in catalog.scopes)
            or (pm.service is not None and pm.service not in catalog.services)
            for pm in incidents
        )
        return await self._get_catalog(call, refresh=True) if missing else catalog

    async def _read_all(self, call: _Call, path: str) -> list[PmNamed]:
        out: list[PmNamed] = []
        page = 1
        for _ in range(100):
            params = [("page", str(page)), ("per_page", str(MAX_PER_PAGE))]
            answer = await self._exchange(call, "GET", path, params=params)
            items = self._parse(call, answer, PmNamedPage, f"{path[1:]} list").items
            out.extend(items)
            following = _next_page(
                answer.headers.get("x-next-page"), page, len(items), MAX_PER_PAGE
            )
            if following is None:
                break
            page = following
        return out

    def _written_id(self, call: _Call, answer: _Answer, expected: int | None = None) -> int:
        """The incident a write answered with: a 302 to it (what servers do), or the
        incident itself as JSON (what the published document says)."""
        if 300 <= answer.status < 400:
            location = answer.headers.get("location", "")
            found = _LOCATION.search(urlsplit(location).path)
            if found is None:
                raise Unavailable(
                    f"{call.what}: {SYSTEM} redirected to {short_text(location, 80)!r}"
                    " instead of the incident; check the url and the token"
                )
            number = int(found.group(1))
        else:
            number = self._parse(call, answer, PmIncident, "incident").id
        if expected is not None and number != expected:
            raise Unavailable(
                f"{call.what}: {SYSTEM} answered about incident {number}, not {expected}"
            )
        return number

    # --- HTTP ---------------------------------------------------------------------------------

    async def _headers(self) -> dict[str, str]:
        if self._token is None:
            return {}
        token = await self._token.get()
        return {"Authorization": "Bearer " + token.reveal()}

    def _forget_token(self) -> None:
        if self._token is not None:
            self._token.forget()

    async def _exchange(
        self,
        call: _Call,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        form: dict[str, str] | None = None,
        not_found: int | None = None,
    ) -> _Answer:
        """One request (retried when that is safe); any non-success raises the error it means."""
        return await self._send(
            call,
            method,
            self.api + path,
            params=params,
            content=None if form is None else urlencode(form).encode(),
            content_type=None if form is None else "application/x-www-form-urlencoded",
            write=method != "GET",
            redirect_ok=True,  # a write answered with the new incident's place
            missing=None if not_found is None else str(not_found),
        )

    def _error_for(
        self,
        call: _Call,
        status: int,
        data: bytes,
        headers: httpx.Headers,
        missing: str | None,
    ) -> BackendError:
        text = _error_text(data, headers.get("content-type", ""))
        shown = f"{text} (HTTP {status})" if text else f"HTTP {status}"
        if status == 401:
            where = self._token.describe() if self._token is not None else "nowhere"
            return Unauthenticated(f"{SYSTEM} refused the token from {where}: {shown}")
        if status == 403:
            if self._token is None:
                return PermissionDenied(
                    f"{SYSTEM} needs a token for this: set token_env, token_file or token_command"
                )
            return PermissionDenied(
                f"{SYSTEM} refused: {shown}. The token needs the incident_api permission"
            )
        if status == 404 and missing is not None:
            if not looks_like_html(data, headers.get("content-type", "")):
                return NotFound(f"{SYSTEM} has no incident {missing}")
        return common_status_error(SYSTEM, call.what, status, shown, self.api)


# --- words to values -----------------------------------------------------------------------


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise InvalidArgument("title is required")
    if len(title) < MIN_TITLE:
        raise InvalidArgument(f"{SYSTEM} needs a title of at least {MIN_TITLE} characters")
    if len(title) > MAX_TITLE:
        raise InvalidArgument(f"title is too long ({len(title)} characters, at most {MAX_TITLE})")
    return title


def _write_severity(word: str) -> str:
    """Prod Manager's own word first; else the most severe one a Grafana word maps onto."""
    names = ", ".join(t.value for t in reversed(SEVERITIES))
    if not word.strip():
        raise InvalidArgument(f"{SYSTEM} needs a severity: {names}")
    own = VOCABULARY.severity(word)
    if own is not None:
        return own.value
    mapped = [t for t in SEVERITIES if t.grafana == word.strip().lower()]
    if mapped:
        return mapped[-1].value
    raise InvalidArgument(f"{SYSTEM} has no severity {word[:40]!r} (its severities: {names})")


def _write_status(word: str) -> str:
    own = VOCABULARY.status(word)
    if own is not None:
        return own.value
    mapped = [t for t in STATUSES if t.grafana == word.strip().lower()]
    if mapped:
        return mapped[-1].value if word.strip().lower() == "resolved" else mapped[0].value
    names = ", ".join(STATUS_PATH)
    raise InvalidArgument(f"{SYSTEM} has no status {word[:40]!r} (its statuses: {names})")


def _with_status(record: dict[str, str], status: str, now: str) -> dict[str, str]:
    """The record moved to ``status`` along the path: every step reached keeps its date
    (or gets ``now``, in the server's form), every step beyond is cleared."""
    out = dict(record)
    out["status"] = status
    reached = STATUS_PATH.index(status)
    for step, key in DATE_OF_STATUS.items():
        if STATUS_PATH.index(step) <= reached:
            out.setdefault(key, now)
        else:
            out.pop(key, None)
    return out


def _limit(value: int) -> int:
    return check_limit(value, DEFAULT_LIMIT, MAX_LIMIT)


def _incident_number(incident_id: str) -> int:
    text = incident_id.strip()
    if not text:
        raise InvalidArgument("incidentID is required")
    if not text.isdigit() or len(text) > 18 or int(text) < 1:
        raise NotFound(f"{SYSTEM} has no incident {short_text(text, 40)!r}")
    return int(text)


def _next_page(header: str | None, page: int, count: int, per_page: int) -> int | None:
    """The page after ``page``: its ``x-next-page`` header ("None" at the end), or, when
    the header is missing or unreadable, a full page means there may be more."""
    if header is not None:
        value = header.strip()
        if value == "None" or value == "":
            return None
        if value.isdigit() and int(value) > page:
            return int(value)
    return page + 1 if count >= per_page else None


def _error_text(data: bytes, ctype: str) -> str:
    """Prod Manager's error in one line: its message and its reasons per field."""
    if looks_like_html(data, ctype):
        return html_summary(data)
    try:
        obj = json.loads(data[:65536]) if data else None
    except (ValueError, RecursionError, UnicodeDecodeError):
        obj = None
    if isinstance(obj, str):
        return short_text(obj)
    if isinstance(obj, dict):
        parts = []
        message = obj.get("message")
        if isinstance(message, str) and message.strip():
            parts.append(message)
        reasons = obj.get("reasons")
        if isinstance(reasons, dict):
            for key, value in list(reasons.items())[:5]:
                said = value if isinstance(value, list) else [value]
                words = ", ".join(str(v) for v in said[:3] if v is not None)
                parts.append(f"{key}: {words}" if words else str(key))
        return short_text("; ".join(parts))
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


def _encode_cursor(fingerprint: str, page: int, offset: int, per_page: int, seen: list[int]) -> str:
    return _encode_json(["incidents", fingerprint, page, offset, per_page, seen])


def _decode_cursor(value: str, fingerprint: str) -> tuple[int, int, int, set[int]]:
    """(page, offset, per page, ids already sent) of a cursor made for these filters."""
    parts = _decode_json(value)
    if (
        not isinstance(parts, list)
        or len(parts) != 6
        or parts[0] != "incidents"
        or parts[1] != fingerprint
        or not all(_small_int(p) for p in parts[2:5])
        or not isinstance(parts[5], list)
        or not all(_small_int(p) for p in parts[5])
        or not (parts[2] >= 1 and parts[3] >= 0 and 1 <= parts[4] <= MAX_PER_PAGE)
    ):
        raise InvalidArgument(_BAD_CURSOR)
    return parts[2], parts[3], parts[4], set(parts[5])


def _decode_activity_cursor(value: str, direction: str) -> int | None:
    if not value:
        return None
    parts = _decode_json(value)
    if (
        not isinstance(parts, list)
        or len(parts) != 3
        or parts[0] != "activity"
        or parts[1] != direction
        or not _small_int(parts[2])
    ):
        raise InvalidArgument(_BAD_CURSOR)
    return int(parts[2])


def _small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _after(number: int, after: int, direction: str) -> bool:
    return number > after if direction == "ASC" else number < after


__all__ = ["ProdManagerBackend", "SERVED", "ConfigError"]
