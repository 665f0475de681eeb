"""A OneUptime server for tests, started for real on 127.0.0.1 (uvicorn + Starlette).

It answers as OneUptime's incident API does, from the seed document
(``shared/seeds/001_*.txt``: the Incident model, ``get-list`` / ``get-item`` /
``count`` / create / update / delete, the ``ApiKey`` header, query/select/sort bodies,
``skip``/``limit`` paging up to 100) and the OpenAPI document rebuilt from its sources
(``shared/specs/oneuptime-incidents.openapi.json``, which follows what the server
sends): lists are ``{"data", "count", "skip", "limit"}``; ids and dates are typed
values (``{"_type": "ObjectID", "value": ...}``); only the selected fields come back
(and ``_id``), related records as objects of their selected fields; ``get-item`` of an
id it does not have answers ``{}``; an update answers ``{}``; a new incident gets the
project's created state, the next incident number and a state timeline entry; a new
state timeline entry moves its incident to that state; errors are
``{"message": ...}``.

Every request it receives is checked against the OpenAPI document, read from the
specs folder at test time (never copied into the project; the check skips, saying
why, when the folder is absent). A request that does not match is answered 400 and
kept in ``violations``; the ``oneuptime_backend`` helper fails a test that leaves one.
"""

from __future__ import annotations

import contextlib
import functools
import json
import secrets
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.asgi_thread import AsgiThread
from tests.support.specs import spec_path

PROJECT = "5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e"
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
#: The states and severities a new OneUptime project starts with.
DEFAULT_STATES = (
    ("Identified", 1, True, False, False),
    ("Acknowledged", 2, False, True, False),
    ("Resolved", 3, False, False, True),
)
DEFAULT_SEVERITIES = (("Critical Incident", 1), ("Major Incident", 2), ("Minor Incident", 3))
#: Resources the document describes, and the collection each lives in.
RESOURCES = {
    "incident": "incidents",
    "incident-state": "states",
    "incident-severity": "severities",
    "label": "labels",
    "incident-internal-note": "internal_notes",
    "incident-public-note": "public_notes",
    "incident-state-timeline": "state_timeline",
}
#: Fields holding an id, a date, a relation (-> its id field and collection) or many.
ID_FIELDS = {
    "projectId",
    "incidentId",
    "createdByUserId",
    "currentIncidentStateId",
    "incidentSeverityId",
    "incidentStateId",
}
DATE_FIELDS = {"createdAt", "updatedAt", "declaredAt", "postedAt", "startsAt"}
RELATIONS = {
    "currentIncidentState": ("currentIncidentStateId", "states"),
    "incidentSeverity": ("incidentSeverityId", "severities"),
    "incidentState": ("incidentStateId", "states"),
    "createdByUser": ("createdByUserId", "users"),
}
MANY = {"labels": "labels"}


# --- the request check ----------------------------------------------------------------------


class OpenApiCheck:
    """Checks requests against the document (openapi-core does the work). The document's
    server is ``https://oneuptime.com`` with paths under ``/api``; it is read with ``/``
    as its server so requests to this host are matched by path."""

    def __init__(self, document: Path) -> None:
        from openapi_core import OpenAPI

        spec = json.loads(document.read_text(encoding="utf-8"))
        spec["servers"] = [{"url": "/"}]
        self.openapi = OpenAPI.from_dict(spec)

    def problems(self, seen: Seen, host_url: str) -> list[str]:
        from openapi_core.testing import MockRequest

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


def _describe(exc: Exception) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None and len(parts) < 4:
        parts.append(str(cause))
        cause = cause.__cause__
    return " <- ".join(parts)[:1000]


@functools.cache
def _check_for(document: Path) -> OpenApiCheck:
    return OpenApiCheck(document)


def published_check() -> OpenApiCheck:
    """The check of the document (read once per test process), or a skip saying why."""
    return _check_for(spec_path("oneuptime-incidents.openapi.json"))


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

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else {}
        except ValueError:
            return None


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = JSONResponse({"message": message}, status_code=status)


def _new_id() -> str:
    return str(uuid.uuid4())


def _iso(value: datetime) -> str:
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def _plain(value: Any) -> Any:
    """A typed value (``{"_type", "value"}``) as its value; a relation object as its id."""
    if isinstance(value, dict) and "_type" in value and "value" in value:
        return value["value"]
    return value


class OneUptimeServer(AsgiThread):
    """The stand-in, with one project. Seed it with ``issue_key``/``add_label``/
    ``add_state``/``add_incident``; ``requests`` and ``violations`` show what came in;
    ``fault`` (if set) may answer a request instead, to make the server misbehave."""

    thread_name = "oneuptime-test-server"

    def __init__(self, *, check: OpenApiCheck | None = None, project: str = PROJECT) -> None:
        super().__init__()
        self.check = check or published_check()
        self.project = project
        self.lock = threading.Lock()
        self.data: dict[str, dict[str, dict[str, Any]]] = {
            name: {} for name in (*RESOURCES.values(), "users")
        }
        self.keys: dict[str, str] = {}  # API key -> user id
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.fault: Callable[[Seen], Response | None] | None = None
        self._number = 0
        self._clock = datetime.now(UTC)
        for name, order, created, acknowledged, resolved in DEFAULT_STATES:
            self.add_state(
                name, order, created=created, acknowledged=acknowledged, resolved=resolved
            )
        for name, order in DEFAULT_SEVERITIES:
            self._add("severities", {"name": name, "order": order, "color": "#d0021b"})

    # --- seeding and inspection (from the test's thread) ---------------------------------

    def now(self) -> datetime:
        """The time, moved on at least a millisecond at each reading (records are ordered)."""
        self._clock = max(datetime.now(UTC), self._clock + timedelta(milliseconds=1))
        return self._clock

    def _add(self, collection: str, record: dict[str, Any]) -> str:
        ident = _new_id()
        stamp = self.now()
        self.data[collection][ident] = {
            "_id": ident,
            "projectId": self.project,
            "createdAt": stamp,
            "updatedAt": stamp,
            **record,
        }
        return ident

    def issue_key(
        self, name: str = "Alice Example", email: str = "alice@example.com", user_id: str = ""
    ) -> str:
        """An API key (a UUID, as OneUptime's are) acting as the user ``name`` (whose id is
        a fresh UUID unless ``user_id`` names one: the contract suite's people keep theirs,
        which the backend passes through as it would OneUptime's)."""
        with self.lock:
            user = user_id or _new_id()
            self.data["users"][user] = {"_id": user, "name": name, "email": email}
            key = str(uuid.UUID(bytes=secrets.token_bytes(16)))
            self.keys[key] = user
            return key

    def add_state(
        self,
        name: str,
        order: int,
        *,
        created: bool = False,
        acknowledged: bool = False,
        resolved: bool = False,
    ) -> str:
        return self._add(
            "states",
            {
                "name": name,
                "order": order,
                "color": "#d0021b",
                "isCreatedState": created,
                "isAcknowledgedState": acknowledged,
                "isResolvedState": resolved,
            },
        )

    def add_label(self, name: str, color: str = "#4a90e2") -> str:
        with self.lock:
            return self._add("labels", {"name": name, "color": color, "description": ""})

    def state_named(self, name: str) -> str:
        return next(i for i, s in self.data["states"].items() if s["name"] == name)

    def severity_named(self, name: str) -> str:
        return next(i for i, s in self.data["severities"].items() if s["name"] == name)

    def add_incident(
        self,
        title: str,
        *,
        severity: str = "Minor Incident",
        state: str = "Identified",
        labels: tuple[str, ...] = (),
        description: str = "",
        root_cause: str | None = None,
        postmortem: str | None = None,
        state_id: str | None = None,
        severity_id: str | None = None,
    ) -> str:
        """An incident as if declared in OneUptime's web app (ids may name nothing known,
        to stand for a state or severity added after the console read its catalog)."""
        with self.lock:
            label_ids = [
                next(i for i, rec in self.data["labels"].items() if rec["name"] == name)
                for name in labels
            ]
            ident = self._declare(
                {
                    "title": title,
                    "description": description,
                    "incidentSeverityId": severity_id or self.severity_named(severity),
                    "labels": label_ids,
                    "rootCause": root_cause,
                    "postmortemNote": postmortem,
                },
                user=None,
            )
            wanted = state_id or self.state_named(state)
            if wanted != self.data["incidents"][ident]["currentIncidentStateId"]:
                self._move(ident, wanted, None)
            return ident

    def take_violations(self) -> list[str]:
        with self.lock:
            out, self.violations = self.violations, []
            return out

    def writes(self) -> list[Seen]:
        reads = ("/get-list", "/get-item", "/count")
        return [s for s in self.requests if not s.path.endswith(reads)]

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
            return HTMLResponse(
                "<!DOCTYPE html><html><head><title>OneUptime</title></head><body></body></html>"
            )
        host_url = f"{request.url.scheme}://{request.url.netloc}"
        try:
            if self.fault is not None:
                faulty = self.fault(seen)
                if faulty is not None:
                    return faulty
            user = self._authenticate(seen)
            problems = self.check.problems(seen, host_url)
            if problems:
                with self.lock:
                    self.violations.extend(f"{seen.method} {seen.path}: {p}" for p in problems)
                raise Refused(400, "Request does not match the API: " + "; ".join(problems))
            with self.lock:
                return self._route(seen, user)
        except Refused as refused:
            return refused.response

    def _authenticate(self, seen: Seen) -> str:
        key = seen.headers.get("apikey")
        if key is None:
            raise Refused(401, "ApiKey header is missing: an API key is required")
        user = self.keys.get(key.strip())
        if user is None:
            raise Refused(401, "Invalid API Key")
        project = seen.headers.get("projectid")
        if project is not None and project != self.project:
            raise Refused(403, "The API key does not belong to this project")
        return user

    def _route(self, seen: Seen, user: str) -> Response:
        parts = seen.path.strip("/").split("/")[1:]  # after "api"
        if not parts or parts[0] not in RESOURCES:
            raise Refused(404, f"Cannot {seen.method} {seen.path}")
        collection = RESOURCES[parts[0]]
        rest = parts[1:]
        body = seen.json()
        if not isinstance(body, dict):
            raise Refused(400, "The body is not JSON")
        if rest == ["get-list"]:
            return self._list(collection, body, seen)
        if rest == ["count"]:
            return JSONResponse({"count": len(self._matching(collection, body.get("query") or {}))})
        if rest == [] and seen.method == "POST":
            return self._create(parts[0], collection, body, user)
        if len(rest) >= 1:
            ident = rest[0]
            action = (
                rest[1]
                if len(rest) > 1
                else {"PUT": "update-item", "DELETE": "delete-item"}.get(seen.method, "")
            )
            record = self.data[collection].get(ident)
            if action == "get-item":
                if record is None:
                    return JSONResponse({})
                return JSONResponse(self._serialize(record, body.get("select")))
            if record is None:
                raise Refused(404, f"{parts[0]} {ident} not found")
            if action == "update-item":
                self._update(collection, record, body.get("data") or {})
                return JSONResponse({})
            if action == "delete-item":
                del self.data[collection][ident]
                return JSONResponse({})
        raise Refused(404, f"Cannot {seen.method} {seen.path}")

    # --- reads -------------------------------------------------------------------------------

    def _paging(self, seen: Seen, body: dict[str, Any]) -> tuple[int, int]:
        values = dict(seen.query)
        skip = int(values.get("skip", body.get("skip", 0)) or 0)
        limit = int(values.get("limit", body.get("limit", DEFAULT_LIMIT)) or DEFAULT_LIMIT)
        if limit > MAX_LIMIT:
            raise Refused(400, f"limit cannot be more than {MAX_LIMIT}")
        return skip, limit

    def _list(self, collection: str, body: dict[str, Any], seen: Seen) -> Response:
        skip, limit = self._paging(seen, body)
        found = self._matching(collection, body.get("query") or {})
        for key, direction in reversed(list((body.get("sort") or {}).items())):
            descending = direction in (-1, "DESC", "desc")
            found.sort(key=lambda r, k=key: _sortable(r.get(k)), reverse=descending)
        page = found[skip : skip + limit]
        return JSONResponse(
            {
                "count": len(found),
                "skip": skip,
                "limit": limit,
                "data": [self._serialize(r, body.get("select")) for r in page],
            }
        )

    def _matching(self, collection: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in self.data[collection].values() if _matches(r, query)]

    def _serialize(self, record: dict[str, Any], select: Any) -> dict[str, Any]:
        """Only the selected fields (every field when nothing is selected), typed."""
        wanted = select if isinstance(select, dict) and select else None
        out: dict[str, Any] = {"_id": record["_id"]}
        names = list(wanted) if wanted else [k for k in record if k not in RELATIONS]
        for name in names:
            if name == "_id":
                continue
            chosen = wanted.get(name) if wanted else True
            if name in RELATIONS:
                key, where = RELATIONS[name]
                target = self.data[where].get(record.get(key) or "")
                out[name] = self._related(target, chosen) if target else None
            elif name in MANY:
                out[name] = [
                    self._related(self.data[MANY[name]][i], chosen)
                    for i in record.get(name, [])
                    if i in self.data[MANY[name]]
                ]
            elif name in record:
                out[name] = _typed(name, record[name])
        return out

    def _related(self, target: dict[str, Any], chosen: Any) -> dict[str, Any]:
        fields = chosen if isinstance(chosen, dict) else {"name": True}
        out = {"_id": target["_id"]}
        for key in fields:
            if key in target:
                out[key] = _typed(key, target[key])
        return out

    # --- writes ------------------------------------------------------------------------------

    def _create(self, resource: str, collection: str, body: dict[str, Any], user: str) -> Response:
        data = {k: _stored(k, v) for k, v in (body.get("data") or {}).items()}
        if "projectId" in data and data["projectId"] != self.project:
            raise Refused(403, "You do not have permission to create in this project")
        if resource == "incident":
            if not str(data.get("title", "")).strip():
                raise Refused(400, "title is required")
            if data.get("incidentSeverityId") not in self.data["severities"]:
                raise Refused(400, "Incident Severity not found")
            data["labels"] = [
                _plain(x.get("_id") if isinstance(x, dict) else x) for x in data.get("labels", [])
            ]
            if any(i not in self.data["labels"] for i in data["labels"]):
                raise Refused(400, "Label not found")
            ident = self._declare(data, user)
        elif resource in (
            "incident-internal-note",
            "incident-public-note",
            "incident-state-timeline",
        ):
            incident = self.data["incidents"].get(data.get("incidentId") or "")
            if incident is None:
                raise Refused(400, "Incident not found")
            if resource == "incident-state-timeline":
                state = data.get("incidentStateId")
                if state not in self.data["states"]:
                    raise Refused(400, "Incident State not found")
                ident = self._move(incident["_id"], state, user)
            else:
                if not str(data.get("note", "")).strip():
                    raise Refused(400, "note is required")
                ident = self._add(collection, {**data, "createdByUserId": user})
        else:
            ident = self._add(collection, {**data, "createdByUserId": user})
        return JSONResponse(self._serialize(self.data[collection][ident], body.get("select")))

    def _declare(self, data: dict[str, Any], user: str | None) -> str:
        created = next(
            i
            for i, s in sorted(self.data["states"].items(), key=lambda x: x[1]["order"])
            if s.get("isCreatedState")
        )
        self._number += 1
        stamp = self._clock + timedelta(milliseconds=1)
        ident = self._add(
            "incidents",
            {
                "declaredAt": stamp,
                "labels": [],
                **data,
                "currentIncidentStateId": created,
                "incidentNumber": self._number,
                "incidentNumberWithPrefix": f"INC-{self._number}",
                "slug": f"incident-{self._number}",
                "createdByUserId": user,
            },
        )
        self._add(
            "state_timeline",
            {
                "incidentId": ident,
                "incidentStateId": created,
                "startsAt": stamp,
                "createdByUserId": user,
            },
        )
        return ident

    def _move(self, incident: str, state: str, user: str | None) -> str:
        stamp = self.now()
        record = self.data["incidents"][incident]
        record["currentIncidentStateId"] = state
        record["updatedAt"] = stamp
        return self._add(
            "state_timeline",
            {
                "incidentId": incident,
                "incidentStateId": state,
                "startsAt": stamp,
                "createdByUserId": user,
            },
        )

    def _update(self, collection: str, record: dict[str, Any], data: dict[str, Any]) -> None:
        for key, value in data.items():
            if key == "labels":
                ids = [_plain(x.get("_id") if isinstance(x, dict) else x) for x in value]
                if any(i not in self.data["labels"] for i in ids):
                    raise Refused(400, "Label not found")
                record["labels"] = ids
            elif key == "incidentSeverityId" and _plain(value) not in self.data["severities"]:
                raise Refused(400, "Incident Severity not found")
            else:
                record[key] = _stored(key, value)
        record["updatedAt"] = self.now()


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ID_FIELDS:
        return {"_type": "ObjectID", "value": value}
    if isinstance(value, datetime):
        return {"_type": "DateTime", "value": _iso(value)}
    if name == "color":
        return {"_type": "Color", "value": value}
    return value


def _stored(name: str, value: Any) -> Any:
    """A value as the server keeps it: typed values unwrapped, dates as datetimes."""
    plain = _plain(value)
    if name in DATE_FIELDS and isinstance(plain, str):
        try:
            return _when(plain)
        except ValueError:
            raise Refused(400, f"{name} is not a date") from None
    return plain


def _sortable(value: Any) -> Any:
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, value.isoformat())
    if isinstance(value, str):
        return (1, value.casefold())
    return (1, value)


def _when(text: Any) -> datetime:
    value = datetime.fromisoformat(str(_plain(text)).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _matches(record: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, wanted in query.items():
        have = record.get(key)
        if isinstance(wanted, dict) and "_type" in wanted:
            kind = wanted["_type"]
            if kind == "Includes":
                values = set(wanted.get("value") or [])
                held = set(have) if isinstance(have, list) else {have}
                if not held & values:
                    return False
            elif kind == "Search":
                if str(wanted.get("value", "")).casefold() not in str(have or "").casefold():
                    return False
            elif kind in ("GreaterThanOrEqual", "LessThan", "GreaterThan", "LessThanOrEqual"):
                if have is None:
                    return False
                bound = _when(wanted.get("value"))
                ok = {
                    "GreaterThanOrEqual": have >= bound,
                    "GreaterThan": have > bound,
                    "LessThan": have < bound,
                    "LessThanOrEqual": have <= bound,
                }[kind]
                if not ok:
                    return False
            elif kind == "InBetween":
                if have is None or not (
                    _when(wanted.get("startValue")) <= have <= _when(wanted.get("endValue"))
                ):
                    return False
            elif kind == "ObjectID" or kind == "DateTime":
                if have != _plain(wanted):
                    return False
            else:
                raise Refused(400, f"query type {kind} is not supported here")
        elif isinstance(have, list):
            if wanted not in have:
                return False
        elif have != wanted:
            return False
    return True


@contextlib.asynccontextmanager
async def oneuptime_server(**kwargs: Any) -> AsyncIterator[OneUptimeServer]:
    """A started server (stopped on exit)."""
    import asyncio

    server = OneUptimeServer(**kwargs)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


def client(server: OneUptimeServer, key: str | None = None, **kwargs: Any) -> Any:
    """A OneUptimeBackend on ``server`` with a fresh key (or ``key``)."""
    from incident_tui.backends.httpclient import RetryPolicy, Timeouts
    from incident_tui.backends.oneuptime import OneUptimeBackend

    kwargs.setdefault("timeouts", Timeouts(connect=2, read=10, write=10, pool=5, deadline=20))
    kwargs.setdefault("retry", RetryPolicy(base_delay=0.05, max_delay=0.2))
    secret = key or server.issue_key()
    return OneUptimeBackend(server.url, secret, server.project, **kwargs)


#: Labels the stand-in project has (OneUptime's labels are the project's own).
LABELS = ("db", "eu", "api", "env:prod", "customer-impact")


@contextlib.asynccontextmanager
async def oneuptime_backend(key_for: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
    """A OneUptimeBackend -> a started server whose project has the default states and
    severities and the labels ``LABELS``, opened; the server is ``backend.server``. A
    request off the document fails the test."""
    async with oneuptime_server() as server:
        for name in LABELS:
            server.add_label(name)
        key = server.issue_key(*key_for) if key_for else None
        backend = client(server, key, **kwargs)
        backend.server = server
        try:
            await backend.open()
            yield backend
        finally:
            await backend.close()
        assert server.violations == [], "requests off the document:\n" + "\n".join(
            server.violations
        )
