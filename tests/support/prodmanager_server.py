"""A Prod Manager server for tests, started for real on 127.0.0.1 (uvicorn + Starlette).

It answers as Prod Manager v0.22.0 does, from three sources: the seed document
(``shared/seeds/002_*.txt``: the incident API, comments), the published OpenAPI
document (``shared/specs/prodmanager-openapi.yaml``) and the facts a real server
showed (``shared/specs/README.md``): writes are form posts (a JSON body is a 400),
create/update/comment answer 302 with ``Location: <root>/api/incident/<id>``, an
update takes the whole record (what it leaves out is cleared) and moving to a status
fills that status's date, ``internal`` on a comment is true for any value but
``false``/empty, names have at least 4 characters, dates are ``YYYY-MM-DDTHH:MM`` in
the server's zone, lists are paged (``per_page`` above 50 is a 400) with ``x-*-page``
headers that say ``None`` when there is no such page, bearer tokens, and its error
shapes (``{"message", "reasons": {field: [...]}}``; a 403 is plain text).

Every request it receives is checked against the OpenAPI document, read from the
specs folder at test time; the comment path, absent from that document, is checked
against the seed's table. A request that does not match is answered 400 and kept in
``violations``: the ``pm_server`` fixture fails a test that leaves one unexamined.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.asgi_thread import AsgiThread
from tests.support.specs import spec_path

STATUSES = ("active", "investigating", "stable", "resolved")
SEVERITIES = ("critical", "high", "moderate", "low", "minor")
STATUS_DATES = {
    "investigating": "investigation_date",
    "stable": "stable_date",
    "resolved": "resolve_date",
}
DATE = "%Y-%m-%dT%H:%M"
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 20
#: The header a real server checks before anything else (``helpers/auth.py``).
_BEARER = re.compile(r"(\w+)\s+([a-zA-Z0-9_=]+\.[a-zA-Z0-9_=]+\.[a-zA-Z0-9_\-\+\/=]+)")
_FORM = "application/x-www-form-urlencoded"


# --- the request check ----------------------------------------------------------------------


class OpenApiCheck:
    """Checks requests against the published document (openapi-core does the work).

    One reading of the document: its form bodies type ``scope``/``service`` as
    ``allOf: [integer, {type: string}]``, which no value satisfies; a form field is a
    string, so they are checked as a string holding a positive integer.
    """

    def __init__(self, document: Path) -> None:
        import yaml
        from openapi_core import OpenAPI

        spec = yaml.safe_load(document.read_text(encoding="utf-8"))
        _read_form_integers_as_strings(spec)
        self.paths = set(spec["paths"])
        self.openapi = OpenAPI.from_dict(spec)

    def problems(self, seen: Seen, host_url: str) -> list[str]:
        from openapi_core.testing import MockRequest

        if _COMMENT.fullmatch(seen.path):
            return _comment_problems(seen)
        args: dict[str, list[str]] = {}
        for key, value in seen.query:
            args.setdefault(key, []).append(value)
        request = MockRequest(
            host_url,
            seen.method.lower(),
            seen.path,
            args=args,
            headers=seen.headers,
            data=seen.body,
            content_type=seen.content_type or "application/octet-stream",
        )
        try:
            self.openapi.validate_request(request)
        except Exception as exc:  # every openapi-core failure is a finding, not a crash
            return [_describe(exc)]
        return []


_COMMENT = re.compile(r"/api/incident/\d+/comment")


@functools.cache
def _check_for(document: Path) -> OpenApiCheck:
    return OpenApiCheck(document)


def published_check() -> OpenApiCheck:
    """The check of the published document (read once per test process), or a skip."""
    return _check_for(spec_path("prodmanager-openapi.yaml"))


def _comment_problems(seen: Seen) -> list[str]:
    """The seed's table: POST, a bearer token, form fields ``comment`` (required) and
    ``internal`` (optional)."""
    problems = []
    if seen.method != "POST":
        problems.append(f"{seen.method} on the comment path (the seed documents POST)")
    if not seen.headers.get("authorization", "").startswith("Bearer "):
        problems.append("comment: authentication is required (bearer token)")
    if seen.content_type != _FORM:
        problems.append(f"comment: body must be {_FORM} (got {seen.content_type or 'none'})")
        return problems
    fields = parse_qs(seen.body.decode("utf-8", "replace"), keep_blank_values=True)
    if not fields.get("comment"):
        problems.append("comment: the field 'comment' is required")
    unknown = sorted(set(fields) - {"comment", "internal"})
    if unknown:
        problems.append(f"comment: fields the seed does not document: {unknown}")
    return problems


def _describe(exc: Exception) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None and len(parts) < 4:
        parts.append(str(cause))
        cause = cause.__cause__
    return " <- ".join(parts)[:1000]


def _read_form_integers_as_strings(spec: dict[str, Any]) -> None:
    for operations in spec["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get(_FORM, {}).get("schema", {})
            for name, prop in schema.get("properties", {}).items():
                all_of = prop.get("allOf") if isinstance(prop, dict) else None
                if all_of and prop.get("type") == "string":
                    schema["properties"][name] = {"type": "string", "pattern": "^[1-9][0-9]*$"}


# --- what the server holds -------------------------------------------------------------------


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    content_type: str

    @property
    def form(self) -> dict[str, list[str]]:
        if self.content_type != _FORM:
            return {}
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)


@dataclass
class TokenInfo:
    name: str
    permissions: tuple[str, ...]


@dataclass
class Event:
    creation_date: datetime
    type: str
    content: str
    internal: bool
    order: int


@dataclass
class Incident:
    id: int
    name: str
    severity: str
    scope_id: int
    service_id: int
    creation_date: datetime
    start_impact_date: datetime | None
    status: str = "active"
    description: str | None = None
    external_reference: str | None = None
    external_link: str | None = None
    investigation_date: datetime | None = None
    stable_date: datetime | None = None
    resolve_date: datetime | None = None
    events: list[Event] = field(default_factory=list)


class Refused(Exception):
    """An answer other than success, as the real server gives it."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error(status: int, message: str, reasons: dict[str, Any] | None = None) -> Refused:
    body: dict[str, Any] = {"message": message}
    if reasons is not None:
        body["reasons"] = reasons
    return Refused(JSONResponse(body, status_code=status))


class ProdManagerServer(AsgiThread):
    """The stand-in, with its data. Seed it with ``add_scope``/``add_service``/
    ``issue_token``/``add_incident``; ``requests`` and ``violations`` show what came in;
    ``fault`` (if set) may answer a request instead, to make the server misbehave."""

    thread_name = "prodmanager-test-server"

    def __init__(
        self,
        *,
        zone: str = "Europe/Paris",
        now: Callable[[], datetime] | None = None,
        check: OpenApiCheck | None = None,
    ) -> None:
        super().__init__()
        self.zone = ZoneInfo(zone)
        self._now = now
        self.check = check or published_check()
        self.lock = threading.Lock()
        self.scopes: dict[int, dict[str, Any]] = {}
        self.services: dict[int, dict[str, Any]] = {}
        self.incidents: dict[int, Incident] = {}
        self.tokens: dict[str, TokenInfo] = {}
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.fault: Callable[[Seen], Response | None] | None = None
        self._next_id = 1
        self._event_order = 0

    # --- seeding and inspection (from the test's thread) ---------------------------------

    def now(self) -> datetime:
        """The server's local time, naive, as Prod Manager stores it."""
        if self._now is not None:
            return self._now().astimezone(self.zone).replace(tzinfo=None)
        return datetime.now(self.zone).replace(tzinfo=None)

    def add_scope(self, name: str, description: str = "") -> int:
        with self.lock:
            ident = len(self.scopes) + 1
            self.scopes[ident] = {"id": ident, "name": name, "description": description}
            return ident

    def add_service(self, name: str, description: str = "") -> int:
        with self.lock:
            ident = len(self.services) + 1
            self.services[ident] = {"id": ident, "name": name, "description": description}
            return ident

    def issue_token(
        self, name: str = "console", permissions: tuple[str, ...] = ("incident_api",)
    ) -> str:
        """A JWT-shaped token (three base64url parts), as ``/token/create`` gives."""
        token = ".".join(secrets.token_urlsafe(n).replace("-", "_") for n in (12, 24, 16))
        self.tokens[token] = TokenInfo(name, permissions)
        return token

    def add_incident(
        self,
        name: str,
        *,
        severity: str = "high",
        status: str = "active",
        scope: int = 1,
        service: int = 1,
        start: datetime | None = None,
        description: str | None = None,
    ) -> int:
        """An incident as if declared (and moved to ``status``) through the web pages."""
        with self.lock:
            now = self.now().replace(second=0, microsecond=0)
            incident = Incident(
                id=self._take_id(),
                name=name,
                severity=severity,
                scope_id=scope,
                service_id=service,
                creation_date=now,
                start_impact_date=start or now,
                description=description,
            )
            self.incidents[incident.id] = incident
            self._event(incident, "create", json.dumps(self._serialize_fields(incident)))
            if status != "active":
                changed = {"status": ["ACTIVE", status.upper()]}
                incident.status = status
                for step, key in STATUS_DATES.items():
                    if STATUSES.index(step) <= STATUSES.index(status):
                        setattr(incident, key, now)
                        changed[key] = [None, now.strftime(DATE)]
                self._event(incident, "update", json.dumps(changed))
            return incident.id

    def take_violations(self) -> list[str]:
        """The violations so far, forgotten (a test that expected them has seen them)."""
        with self.lock:
            out, self.violations = self.violations, []
            return out

    def writes(self) -> list[Seen]:
        return [seen for seen in self.requests if seen.method == "POST"]

    # --- the app -----------------------------------------------------------------------------

    async def setup(self) -> Any:
        return Starlette(
            routes=[
                Route(
                    "/{path:path}", self._handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]
                )
            ]
        )

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        seen = Seen(
            method=request.method,
            path=request.url.path,
            query=list(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            content_type=ctype,
        )
        with self.lock:
            self.requests.append(seen)
        if not seen.path.startswith("/api/"):
            return _web_page(seen.path)
        host_url = f"{request.url.scheme}://{request.url.netloc}"
        problems = self.check.problems(seen, host_url)
        if problems:
            with self.lock:
                self.violations.extend(f"{seen.method} {seen.path}: {p}" for p in problems)
        try:
            self._guard_pagination(seen)
            if problems:
                raise _error(400, "Request does not match the published API", {"request": problems})
            if self.fault is not None:
                faulty = self.fault(seen)
                if faulty is not None:
                    return faulty
            token = self._authenticate(seen)
            with self.lock:
                return self._route(seen, token, host_url)
        except Refused as refused:
            return refused.response

    def _guard_pagination(self, seen: Seen) -> None:
        for key, limit in (("per_page", MAX_PER_PAGE), ("page", 10_000_000)):
            for raw_key, value in seen.query:
                if raw_key == key and value.isdigit() and int(value) > limit:
                    raise _error(
                        400, "Pagination overflow", {key: [f"Value higher than the limit {limit}"]}
                    )

    def _authenticate(self, seen: Seen) -> TokenInfo | None:
        value = seen.headers.get("authorization")
        if value is None:
            return None
        match = _BEARER.match(value)
        if match is None:
            raise _error(
                401,
                "Token validation failed",
                {"token": ["Invalid token format, should match " + _BEARER.pattern]},
            )
        info = self.tokens.get(match.group(2))
        if info is None:
            raise _error(
                401, "Token validation failed", {"token": ["Signature verification failed"]}
            )
        return info

    def _route(self, seen: Seen, token: TokenInfo | None, host_url: str) -> Response:
        parts = seen.path.strip("/").split("/")[1:]  # after "api"
        if seen.method == "GET" and parts == ["incident"]:
            return self._list_incidents(seen, token, host_url)
        if seen.method == "GET" and parts in (["scope"], ["service"]):
            return self._list_named(seen, parts[0])
        if (
            len(parts) == 2
            and parts[0] in ("scope", "service")
            and parts[1].isdigit()
            and seen.method == "GET"
        ):
            named = (self.scopes if parts[0] == "scope" else self.services).get(int(parts[1]))
            if named is None:
                raise _error(
                    404,
                    f"{parts[0].capitalize()} show failed",
                    {parts[0]: [f"Resource not found : {parts[1]}"]},
                )
            return JSONResponse(named)
        if parts[:1] == ["incident"] and len(parts) >= 2:
            if parts[1] == "create" and len(parts) == 2 and seen.method == "POST":
                self._require(token)
                return self._create(seen, host_url)
            if parts[1].isdigit():
                ident = int(parts[1])
                rest = parts[2:]
                if rest == [] and seen.method == "GET":
                    return JSONResponse(
                        self._serialize(self._incident(ident, "show"), token, host_url)
                    )
                if rest in (["update"], ["comment"], ["delete"]) and seen.method == "POST":
                    self._require(token)
                    action = rest[0]
                    incident = self._incident(ident, action)
                    if action == "update":
                        self._update(incident, seen)
                    elif action == "comment":
                        self._comment(incident, seen)
                    else:
                        del self.incidents[ident]
                        return Response(
                            status_code=302, headers={"location": f"{host_url}/api/incident"}
                        )
                    return _to_incident(host_url, ident)
        raise _error(404, "Not Found", {"path": [f"Unknown path : {seen.path}"]})

    # --- incidents ---------------------------------------------------------------------------

    def _require(self, token: TokenInfo | None) -> None:
        if token is None:
            raise Refused(
                PlainTextResponse(
                    "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.",
                    status_code=403,
                )
            )
        if "incident_api" not in token.permissions:
            raise _error(
                403,
                "Permission denied",
                {"token": ["Token doesn't have enough permissions : incident_api"]},
            )

    def _incident(self, ident: int, action: str) -> Incident:
        incident = self.incidents.get(ident)
        if incident is None:
            raise _error(
                404, f"Incident {action} failed", {"incident": [f"Resource not found : {ident}"]}
            )
        return incident

    def _list_incidents(self, seen: Seen, token: TokenInfo | None, host_url: str) -> Response:
        chosen = list(self.incidents.values())
        filters: dict[str, list[str]] = {}
        for key, value in seen.query:
            filters.setdefault(key, []).append(value)
        for key, attribute in (
            ("status", "status"),
            ("severity", "severity"),
            ("external_reference", "external_reference"),
        ):
            if key in filters:
                chosen = [i for i in chosen if getattr(i, attribute) in filters[key]]
        for key, attribute in (("scope", "scope_id"), ("service", "service_id")):
            if key in filters:
                wanted = {int(v) for v in filters[key] if v.isdigit()}
                chosen = [i for i in chosen if getattr(i, attribute) in wanted]
        if "impact_after" in filters:
            after = datetime.strptime(filters["impact_after"][-1], DATE)
            chosen = [i for i in chosen if i.start_impact_date and i.start_impact_date >= after]
        if "impact_before" in filters:
            before = datetime.strptime(filters["impact_before"][-1], DATE)
            chosen = [i for i in chosen if i.start_impact_date and i.start_impact_date < before]
        chosen.sort(key=lambda i: i.id, reverse=True)
        chosen.sort(key=lambda i: (_rank(STATUSES, i.status), _rank(SEVERITIES, i.severity)))
        chosen.sort(key=lambda i: i.start_impact_date or datetime.min, reverse=True)
        items, headers = _paginate(chosen, seen)
        body = {"items": [self._serialize(i, token, host_url) for i in items]}
        return JSONResponse(body, headers=headers)

    def _list_named(self, seen: Seen, kind: str) -> Response:
        named = sorted(
            (self.scopes if kind == "scope" else self.services).values(), key=lambda n: n["id"]
        )
        items, headers = _paginate(named, seen)
        return JSONResponse({"items": items}, headers=headers)

    def _create(self, seen: Seen, host_url: str) -> Response:
        form = seen.form
        values, reasons = self._validated(form, update=False)
        if reasons:
            raise _error(400, "Incident creation failed", reasons)
        now = self.now()
        incident = Incident(
            id=self._take_id(),
            name=values["name"],
            severity=values["severity"],
            scope_id=values["scope_id"],
            service_id=values["service_id"],
            creation_date=now.replace(second=0, microsecond=0),
            start_impact_date=values["start_impact_date"],
            description=values["description"],
            external_reference=values["external_reference"],
            external_link=values["external_link"],
        )
        self.incidents[incident.id] = incident
        self._event(incident, "create", json.dumps(self._serialize_fields(incident)))
        return _to_incident(host_url, incident.id)

    def _update(self, incident: Incident, seen: Seen) -> None:
        values, reasons = self._validated(seen.form, update=True)
        if reasons:
            raise _error(400, "Incident update failed", reasons)
        now = self.now().replace(second=0, microsecond=0)
        status = values["status"]
        for step, key in STATUS_DATES.items():
            if status == step and values[key] is None:
                values[key] = now
            elif STATUSES.index(status) < STATUSES.index(step):
                values[key] = None
        changed: dict[str, list[Any]] = {}
        for key, new in values.items():
            old = getattr(incident, key)
            if old != new:
                setattr(incident, key, new)
                changed[key] = [_event_value(key, old), _event_value(key, new)]
        if changed:
            self._event(incident, "update", json.dumps(changed))

    def _comment(self, incident: Incident, seen: Seen) -> None:
        form = seen.form
        comment = form.get("comment", [""])[0]
        if not comment.strip():
            raise _error(400, "Incident comment failed", {"comment": ["This field is required."]})
        internal_raw = form.get("internal", [""])[0] if "internal" in form else None
        internal = internal_raw is not None and internal_raw not in ("", "false")
        self._event(incident, "comment", comment, internal=internal)

    def _validated(
        self, form: dict[str, list[str]], *, update: bool
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The form's values as the model takes them, or the reasons it is refused."""
        reasons: dict[str, list[str]] = {}

        def one(key: str) -> str | None:
            values = form.get(key)
            return values[0] if values else None

        def required(key: str) -> str:
            value = one(key)
            if value is None or not value.strip():
                reasons.setdefault(key, []).append("This field is required.")
                return ""
            return value

        values: dict[str, Any] = {}
        for key, table in (("scope", self.scopes), ("service", self.services)):
            raw = required(key)
            if raw and (not raw.isdigit() or int(raw) not in table):
                reasons.setdefault(key, []).append("Not a valid choice.")
            values[f"{key}_id"] = int(raw) if raw.isdigit() else None
        name = required("name")
        if name and len(name) < 4:
            reasons.setdefault("name", []).append("Field must be at least 4 characters long.")
        values["name"] = _strip_input(name)
        values["description"] = (
            _strip_input(one("description") or "") if one("description") is not None else None
        )
        values["external_reference"] = (
            _strip_input(one("external_reference"))
            if one("external_reference") is not None
            else None
        )
        link = one("external_link")
        if link and not re.match(r"^[a-z][a-z0-9+.\-]*://[^\s/]+", link):
            reasons.setdefault("external_link", []).append("Invalid URL.")
        values["external_link"] = _strip_input(link) if link is not None else None
        severity = required("severity")
        if severity and severity not in SEVERITIES:
            reasons.setdefault("severity", []).append("Not a valid choice.")
        values["severity"] = severity
        values["start_impact_date"] = self._date(
            one("start_impact_date"), "start_impact_date", reasons, required=True
        )
        if update:
            status = required("status")
            if status and status not in STATUSES:
                reasons.setdefault("status", []).append("Not a valid choice.")
            values["status"] = status
            for key in STATUS_DATES.values():
                values[key] = self._date(one(key), key, reasons, required=False)
        return values, reasons

    @staticmethod
    def _date(
        raw: str | None, key: str, reasons: dict[str, list[str]], *, required: bool
    ) -> datetime | None:
        if raw is None or raw == "":
            if required:
                reasons.setdefault(key, []).append("This field is required.")
            return None
        try:
            return datetime.strptime(raw, DATE)
        except ValueError:
            reasons.setdefault(key, []).append("Not a valid datetime value.")
            return None

    def _take_id(self) -> int:
        ident = self._next_id
        self._next_id += 1
        return ident

    def _event(
        self,
        incident: Incident,
        kind: str,
        content: str,
        *,
        internal: bool = True,
    ) -> None:
        # Events keep the exact time (``current_date(rounded=False)``); the API shows minutes.
        now = self.now()
        self._event_order += 1
        incident.events.append(
            Event(
                now,
                kind,
                content,
                internal,
                self._event_order,
            )
        )

    @staticmethod
    def _serialize_fields(incident: Incident) -> dict[str, Any]:
        return {
            "name": incident.name,
            "description": incident.description,
            "external_reference": incident.external_reference,
            "external_link": incident.external_link,
            "status": incident.status,
            "severity": incident.severity,
            "scope": incident.scope_id,
            "service": incident.service_id,
            "creation_date": _date_text(incident.creation_date),
            "start_impact_date": _date_text(incident.start_impact_date),
            "investigation_date": _date_text(incident.investigation_date),
            "stable_date": _date_text(incident.stable_date),
            "resolve_date": _date_text(incident.resolve_date),
        }

    def _serialize(
        self, incident: Incident, token: TokenInfo | None, host_url: str
    ) -> dict[str, Any]:
        events = sorted(incident.events, key=lambda e: (e.creation_date, e.order), reverse=True)
        if token is None:  # only public resources without authentication
            events = [e for e in events if e.type == "comment" and not e.internal]
        return self._serialize_fields(incident) | {
            "id": incident.id,
            "events": [
                {
                    "creation_date": _date_text(e.creation_date),
                    "content": e.content,
                    "internal": e.internal,
                    "type": e.type,
                }
                for e in events
            ],
            "links": {
                "self": f"{host_url}/api/incident/{incident.id}",
                "scope": f"{host_url}/api/scope/{incident.scope_id}",
                "service": f"{host_url}/api/service/{incident.service_id}",
            },
        }


def _rank(order: tuple[str, ...], value: str) -> int:
    return order.index(value) if value in order else len(order)


def _strip_input(content: str | None) -> str | None:
    """Prod Manager's ``strip_input``: trailing spaces off each line, runs of blank lines cut."""
    if content is None:
        return None
    result: list[str] = []
    previous: str | None = None
    for line in content.split("\n"):
        line = line.rstrip()
        if line or previous != "":
            result.append(line)
        previous = line
    return "\n".join(result)


def _event_value(key: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime(DATE)
    if key in ("status", "severity") and isinstance(value, str):
        return value.upper()  # enums are recorded by their names
    return value


def _date_text(value: datetime | None) -> str | None:
    return value.strftime(DATE) if value is not None else None


def _to_incident(host_url: str, ident: int) -> Response:
    return Response(status_code=302, headers={"location": f"{host_url}/api/incident/{ident}"})


def _paginate(items: list[Any], seen: Seen) -> tuple[list[Any], dict[str, str]]:
    args = dict(seen.query)
    page = int(args["page"]) if args.get("page", "").isdigit() and int(args["page"]) >= 1 else 1
    per_page = (
        int(args["per_page"])
        if args.get("per_page", "").isdigit() and int(args["per_page"]) >= 1
        else DEFAULT_PER_PAGE
    )
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    chosen = items[(page - 1) * per_page : page * per_page]
    headers = {
        "x-total-pages": str(pages),
        "x-total": str(total),
        "x-page": str(page),
        "x-per-page": str(per_page),
        "x-prev-page": str(page - 1) if page > 1 else "None",
        "x-next-page": str(page + 1) if page < pages else "None",
    }
    return chosen, headers


def _web_page(path: str) -> Response:
    """The web pages: what a url missing its API part reaches."""
    if path in ("/", "/incident"):
        return HTMLResponse(
            "<!DOCTYPE html><html><head><title>ProdManager</title></head><body>Incidents</body></html>"
        )
    return HTMLResponse(
        "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body></body></html>",
        status_code=404,
    )


@contextlib.asynccontextmanager
async def prodmanager_server(**kwargs: Any) -> AsyncIterator[ProdManagerServer]:
    """A started server (stopped on exit)."""
    import asyncio

    server = ProdManagerServer(**kwargs)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


def host_of(url: str) -> str:
    return urlsplit(url).netloc


def client(server: ProdManagerServer, token: str | None = "issue", **kwargs: Any) -> Any:
    """A ProdManagerBackend on ``server`` with a fresh token (``None``: no token)."""
    from incident_tui.backends.httpclient import RetryPolicy, Timeouts
    from incident_tui.backends.prodmanager import ProdManagerBackend

    kwargs.setdefault("timeouts", Timeouts(connect=2, read=10, write=10, pool=5, deadline=20))
    kwargs.setdefault("retry", RetryPolicy(base_delay=0.05, max_delay=0.2))
    kwargs.setdefault("timezone", server.zone)
    secret = server.issue_token() if token == "issue" else token
    return ProdManagerBackend(server.url, secret, **kwargs)


@contextlib.asynccontextmanager
async def prodmanager_backend(**kwargs: Any) -> AsyncIterator[Any]:
    """A ProdManagerBackend -> a started server with the scopes Production and Staging and
    the services API and Database; declaring goes to Production/API unless labels say.
    The server is ``backend.server``; a request off the published API fails the test."""
    async with prodmanager_server() as server:
        for scope in ("Production", "Staging"):
            server.add_scope(scope, f"{scope} systems")
        for service in ("API", "Database"):
            server.add_service(service, f"the {service}")
        backend = client(server, scope="Production", service="API", **kwargs)
        backend.server = server
        try:
            yield backend
        finally:
            await backend.close()
        assert server.violations == [], "requests off the published API:\n" + "\n".join(
            server.violations
        )
