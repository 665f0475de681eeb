"""An incident.io server for tests, started for real on 127.0.0.1 (uvicorn + Starlette).

It answers as the published OpenAPI document (``shared/specs/incidentio-openapi3.json``)
and the seeds (``shared/seeds/003_*.txt``, ``004_*.txt``) describe the v2 incidents
API: list with ``page_size``/``after`` paging and ``name[operator]=value`` filters
(by default test/tutorial modes and declined/canceled/merged statuses are left out),
show, create with ``idempotency_key`` (the same key answers the incident it made),
``/actions/edit``, incident updates, follow-ups, actions, the org's severities,
statuses, roles, types and users. An edit that changes the status or the severity
records an incident update, as a status change in the app does. Errors have the
API's shape (``{"type", "status", "request_id", "errors": [{"code", "message",
"source": {"field"}}]}``); 422 for a body it cannot accept.

Every request is checked against the document, read from the specs folder at test
time: the path and method, each query parameter (its name, its ``[operator]`` among
those its description accepts, integer values), the JSON body against the request
schema (with no property the schema does not name: a typo must not pass), and the
``Authorization: Bearer`` header the API requires. A request that does not match is
answered 400 and kept in ``violations``; ``incidentio_backend`` fails a test that
leaves one unexamined.

``fault`` may answer a request instead (a 429 with ``Retry-After``, a 500, HTML);
``raw`` rewrites an incident's JSON as sent (missing fields, nulls, unknown enums,
extra fields) to show what the client makes of bad input.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import re
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.asgi_thread import AsgiThread
from tests.support.specs import spec_path

DOCUMENT = "incidentio-openapi3.json"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 250
DEFAULT_MODES = ("standard", "retrospective")
HIDDEN_CATEGORIES = ("declined", "canceled", "merged")
#: ``raw`` value that removes a key from the JSON sent.
DROP = object()

_PARAM = re.compile(r"^([a-z_]+)((?:\[[^\[\]]*\])*)$")
_OPERATORS = re.compile(r"'([a-z_]+)")


# --- the request check -------------------------------------------------------------------


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
        return json.loads(self.body) if self.body else None


class OpenApiCheck:
    """Checks requests against the published document (paths, methods, query parameters,
    bodies, the bearer header). The document declares no security scheme; the API
    documentation requires ``Authorization: Bearer <API key>`` on every call."""

    def __init__(self, document: Path) -> None:
        self.spec = json.loads(document.read_text(encoding="utf-8"))
        self.routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for template, operations in self.spec["paths"].items():
            pattern = re.compile(
                "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$"
            )
            self.routes.append((pattern, template, operations))

    def problems(self, seen: Seen) -> list[str]:
        problems: list[str] = []
        if not re.fullmatch(r"Bearer \S+", seen.headers.get("authorization", "")):
            problems.append("no Authorization: Bearer header")
        matched = [(t, ops) for pattern, t, ops in self.routes if pattern.match(seen.path)]
        if not matched:
            return [*problems, f"{seen.path} is not a path of the document"]
        template, operations = matched[0]
        operation = operations.get(seen.method.lower())
        if operation is None:
            return [*problems, f"{seen.method} is not a method of {template}"]
        problems.extend(self._query_problems(operation, seen))
        problems.extend(self._body_problems(operation, seen))
        return problems

    def _query_problems(self, operation: dict[str, Any], seen: Seen) -> list[str]:
        declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        problems = []
        for raw, value in seen.query:
            found = _PARAM.match(raw)
            if found is None or found.group(1) not in declared:
                problems.append(f"query parameter {raw!r} is not in the document")
                continue
            name, brackets = found.group(1), re.findall(r"\[([^\]]*)\]", found.group(2))
            param = declared[name]
            schema = param.get("schema", {})
            if schema.get("type") == "object":
                keyed = (
                    "additionalProperties" in schema
                    and schema["additionalProperties"].get("type") == "object"
                    or "ID should be sent" in param.get("description", "")
                )
                wanted = 2 if keyed else 1
                if len(brackets) != wanted:
                    problems.append(f"{raw!r}: {name} takes {'[id]' if keyed else ''}[operator]")
                    continue
                operators = set(_OPERATORS.findall(param.get("description", "")))
                operator = brackets[-1]
                if operators and operator not in operators:
                    problems.append(
                        f"{raw!r}: operator {operator!r} is not one of {sorted(operators)}"
                    )
            else:
                if brackets:
                    problems.append(f"{raw!r}: {name} is not an object parameter")
                    continue
                if schema.get("type") == "integer":
                    if not re.fullmatch(r"-?\d{1,18}", value):
                        problems.append(f"{name}={value[:20]!r} is not an integer")
                    elif "maximum" in schema and int(value) > schema["maximum"]:
                        problems.append(f"{name}={value} is above {schema['maximum']}")
        return problems

    def _body_problems(self, operation: dict[str, Any], seen: Seen) -> list[str]:
        body = operation.get("requestBody")
        if body is None:
            return [f"{seen.method} with a body the document does not take"] if seen.body else []
        if seen.content_type != "application/json":
            return [f"body must be application/json (got {seen.content_type or 'none'})"]
        try:
            data = json.loads(seen.body)
        except ValueError:
            return ["body is not JSON"]
        schema = body["content"]["application/json"]["schema"]
        return [f"body: {p}" for p in _validate(self.spec, schema["$ref"], data)]


def _validate(spec: dict[str, Any], ref: str, data: Any) -> list[str]:
    from jsonschema import Draft4Validator

    strict = _strict(spec["components"])
    validator = Draft4Validator({"$ref": ref, "components": strict})
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"[:300]
        for error in validator.iter_errors(data)
    ]


@functools.cache
def _strict_cache(text: str) -> Any:
    components = json.loads(text)
    for schema in components["schemas"].values():
        _close(schema)
    return components


def _strict(components: dict[str, Any]) -> Any:
    return _strict_cache(json.dumps(components, sort_keys=True))


def _close(schema: Any) -> None:
    """No property the schema does not name (our strictness: a misspelt field fails)."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
    for value in schema.get("properties", {}).values():
        _close(value)
    if isinstance(schema.get("items"), dict):
        _close(schema["items"])


@functools.cache
def _check_for(document: Path) -> OpenApiCheck:
    return OpenApiCheck(document)


def published_check() -> OpenApiCheck:
    """The check of the published document (read once per test process), or a skip."""
    return _check_for(spec_path(DOCUMENT))


# --- what the server holds -------------------------------------------------------------------


def _ulid() -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "01" + "".join(secrets.choice(alphabet) for _ in range(24))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Incident:
    id: str
    number: int
    name: str
    summary: str
    status_id: str
    severity_id: str | None
    type_id: str | None
    mode: str
    visibility: str
    created_at: datetime
    updated_at: datetime
    creator: dict[str, Any]
    idempotency_key: str
    roles: dict[str, str] = field(default_factory=dict)  # role id -> user id
    custom_fields: list[dict[str, Any]] = field(default_factory=list)


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def api_error(status: int, kind: str, errors: list[tuple[str, str, str]] | None = None) -> Refused:
    """The API's error shape; ``errors`` are (code, message, field)."""
    body: dict[str, Any] = {
        "type": kind,
        "status": status,
        "request_id": secrets.token_hex(8),
        "errors": [
            {"code": code, "message": message, **({"source": {"field": f}} if f else {})}
            for code, message, f in (errors or [])
        ],
    }
    return Refused(JSONResponse(body, status_code=status))


class IncidentIoServer(AsgiThread):
    """The stand-in with an org: custom severities and statuses, three roles, two types,
    three users. ``add_incident`` seeds; ``requests``/``violations`` show what came in."""

    thread_name = "incidentio-test-server"

    def __init__(self, *, check: OpenApiCheck | None = None) -> None:
        super().__init__()
        self.check = check or published_check()
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.fault: Callable[[Seen], Response | None] | None = None
        self.raw: dict[str, dict[str, Any]] = {}
        self.incidents: dict[str, Incident] = {}
        self.updates: list[dict[str, Any]] = []
        self.follow_ups: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []
        self.clock = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        stamp = _time(self.clock - timedelta(days=400))
        self.severities = [
            self._named(name, rank, stamp, f"{name} impact")
            for name, rank in (
                ("Low", 1),
                ("Medium", 2),
                ("High", 3),
                ("Total outage", 4),
            )
        ]
        self.statuses = [
            self._named(name, rank, stamp, f"{name} status") | {"category": category}
            for name, rank, category in (
                ("Triage", 0, "triage"),
                ("Investigating", 1, "live"),
                ("Fixing", 2, "live"),
                ("Monitoring", 3, "live"),
                ("On hold", 4, "paused"),
                ("Post-incident", 5, "learning"),
                ("Closed", 6, "closed"),
                ("Declined", 7, "declined"),
                ("Merged", 8, "merged"),
                ("Canceled", 9, "canceled"),
            )
        ]
        self.roles = [
            {
                "id": _ulid(),
                "name": name,
                "shortform": short,
                "description": f"The {name.lower()}",
                "instructions": f"Act as {name.lower()}",
                "role_type": kind,
                "required": kind == "lead",
                "condition_groups": [],
                "created_at": stamp,
                "updated_at": stamp,
            }
            for name, short, kind in (
                ("Incident Lead", "lead", "lead"),
                ("Reporter", "reporter", "reporter"),
                ("Comms Lead", "comms", "custom"),
            )
        ]
        self.types = [
            {
                "id": _ulid(),
                "name": name,
                "description": f"{name} incidents",
                "is_default": default,
                "private_incidents_only": False,
                "create_in_triage": "optional",
                "created_at": stamp,
                "updated_at": stamp,
            }
            for name, default in (("Default", True), ("Security", False))
        ]
        self.users = [
            {
                "id": _ulid(),
                "name": name,
                "email": f"{name.lower()}@example.com",
                "role": "responder",
                "slack_user_id": f"U{index:08d}",
            }
            for index, name in enumerate(("Alice", "Bob", "Carol"), start=1)
        ]
        self._number = 0

    @staticmethod
    def _named(name: str, rank: int, stamp: str, description: str) -> dict[str, Any]:
        return {
            "id": _ulid(),
            "name": name,
            "rank": rank,
            "description": description,
            "created_at": stamp,
            "updated_at": stamp,
        }

    # --- seeding and inspection ----------------------------------------------------------

    def issue_token(self) -> str:
        token = "inc_" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return token

    def tick(self) -> datetime:
        """The server's clock: one second later at every event, so orders are exact."""
        self.clock += timedelta(seconds=1)
        return self.clock

    def status(self, name: str) -> dict[str, Any]:
        return next(s for s in self.statuses if s["name"] == name)

    def severity(self, name: str) -> dict[str, Any]:
        return next(s for s in self.severities if s["name"] == name)

    def role(self, name: str) -> dict[str, Any]:
        return next(r for r in self.roles if r["name"] == name)

    def user(self, name: str) -> dict[str, Any]:
        return next(u for u in self.users if u["name"] == name)

    def add_incident(
        self,
        name: str,
        *,
        status: str = "Investigating",
        severity: str | None = "Medium",
        mode: str = "standard",
        type_name: str | None = "Default",
        summary: str = "",
        created_at: datetime | None = None,
    ) -> str:
        with self.lock:
            incident = self._new(
                name=name,
                summary=summary,
                status_id=self.status(status)["id"],
                severity_id=self.severity(severity)["id"] if severity else None,
                type_id=next(t["id"] for t in self.types if t["name"] == type_name)
                if type_name
                else None,
                mode=mode,
                key=secrets.token_hex(8),
                creator={"user": self.users[0]},
                when=created_at,
            )
            return incident.id

    def add_update(self, incident_id: str, message: str, *, status: str | None = None) -> None:
        with self.lock:
            incident = self.incidents[incident_id]
            if status is not None:
                incident.status_id = self.status(status)["id"]
            self._record_update(incident, message, {"user": self.users[1]}, severity=False)

    def add_follow_up(self, incident_id: str, title: str, status: str = "outstanding") -> None:
        with self.lock:
            when = _time(self.tick())
            self.follow_ups.append(
                {
                    "id": _ulid(),
                    "incident_id": incident_id,
                    "title": title,
                    "description": f"{title} (details)",
                    "status": status,
                    "assignee": self.users[2],
                    "created_at": when,
                    "updated_at": when,
                }
            )

    def add_action(self, incident_id: str, description: str, status: str = "completed") -> None:
        with self.lock:
            when = _time(self.tick())
            self.actions.append(
                {
                    "id": _ulid(),
                    "incident_id": incident_id,
                    "description": description,
                    "status": status,
                    "created_at": when,
                    "updated_at": when,
                }
            )

    def take_violations(self) -> list[str]:
        with self.lock:
            out, self.violations = self.violations, []
            return out

    def writes(self) -> list[Seen]:
        return [seen for seen in self.requests if seen.method != "GET"]

    # --- the app --------------------------------------------------------------------------

    async def setup(self) -> Any:
        return Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "DELETE"])]
        )

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        seen = Seen(
            method=request.method,
            path=request.url.path,
            query=list(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            content_type=request.headers.get("content-type", "").split(";")[0].strip().lower(),
        )
        with self.lock:
            self.requests.append(seen)
        problems = self.check.problems(seen)
        if problems:
            with self.lock:
                self.violations.extend(f"{seen.method} {seen.path}: {p}" for p in problems)
            return api_error(
                400, "invalid_request", [("invalid", p, "") for p in problems]
            ).response
        try:
            if self.fault is not None:
                faulty = self.fault(seen)
                if faulty is not None:
                    return faulty
            token = seen.headers["authorization"].split(" ", 1)[1]
            if token not in self.tokens:
                raise api_error(
                    401, "authentication_error", [("unauthenticated", "Invalid API key", "")]
                )
            with self.lock:
                return JSONResponse(self._route(seen))
        except Refused as refused:
            return refused.response

    def _route(self, seen: Seen) -> Any:
        path, method = seen.path, seen.method
        args: dict[str, list[str]] = {}
        for key, value in seen.query:
            args.setdefault(key, []).append(value)
        if method == "GET" and path == "/v1/severities":
            return {"severities": self.severities}
        if method == "GET" and path == "/v1/incident_statuses":
            return {"incident_statuses": self.statuses}
        if method == "GET" and path == "/v2/incident_roles":
            return {"incident_roles": self.roles}
        if method == "GET" and path == "/v1/incident_types":
            return {"incident_types": self.types}
        if method == "GET" and path == "/v2/users":
            return self._list_users(args)
        if method == "GET" and path.startswith("/v2/users/"):
            wanted = path.rsplit("/", 1)[1]
            for user in self.users:
                if user["id"] == wanted:
                    return {"user": user}
            raise api_error(404, "not_found", [("not_found", "User not found", "id")])
        if method == "GET" and path == "/v2/incidents":
            return self._list_incidents(args)
        if method == "POST" and path == "/v2/incidents":
            return {"incident": self._serialize(self._create(seen.json(), seen))}
        parts = path.strip("/").split("/")
        if parts[:2] == ["v2", "incidents"] and len(parts) >= 3:
            incident = self.incidents.get(parts[2])
            if incident is None:
                raise api_error(404, "not_found", [("not_found", "Incident not found", "id")])
            if method == "GET" and len(parts) == 3:
                return {"incident": self._serialize(incident)}
            if method == "POST" and parts[3:] == ["actions", "edit"]:
                self._edit(incident, seen.json())
                return {"incident": self._serialize(incident)}
        if method == "GET" and path == "/v2/incident_updates":
            return self._list_updates(args)
        if method == "GET" and path in ("/v2/follow_ups", "/v2/actions"):
            kind = "follow_ups" if path.endswith("follow_ups") else "actions"
            wanted = args.get("incident_id", [""])[0]
            items = self.follow_ups if kind == "follow_ups" else self.actions
            return {kind: [i for i in items if not wanted or i["incident_id"] == wanted]}
        raise api_error(404, "not_found", [("not_found", f"No route for {method} {path}", "")])

    # --- incidents --------------------------------------------------------------------------

    def _new(
        self,
        *,
        name: str,
        summary: str,
        status_id: str,
        severity_id: str | None,
        type_id: str | None,
        mode: str,
        key: str,
        creator: dict[str, Any],
        when: datetime | None = None,
    ) -> Incident:
        self._number += 1
        now = when or self.tick()
        incident = Incident(
            id=_ulid(),
            number=self._number,
            name=name,
            summary=summary,
            status_id=status_id,
            severity_id=severity_id,
            type_id=type_id,
            mode=mode,
            visibility="public",
            created_at=now,
            updated_at=now,
            creator=creator,
            idempotency_key=key,
        )
        self.incidents[incident.id] = incident
        return incident

    def _create(self, body: dict[str, Any], seen: Seen) -> Incident:
        key = body["idempotency_key"]
        for incident in self.incidents.values():
            if incident.idempotency_key == key:
                return incident  # the same create again: the incident it made
        errors = []
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(("is_required", "An incident name is required", "name"))
        severity_id = body.get("severity_id")
        if severity_id is not None and severity_id not in {s["id"] for s in self.severities}:
            errors.append(("not_found", "Severity not found", "severity_id"))
        status_id = body.get("incident_status_id")
        if status_id is not None:
            status = next((s for s in self.statuses if s["id"] == status_id), None)
            if status is None:
                errors.append(("not_found", "Status not found", "incident_status_id"))
            elif (
                status["category"] not in ("triage", "live", "paused")
                and body.get("mode") != "retrospective"
            ):
                errors.append(
                    (
                        "invalid_value",
                        "Only a retrospective incident can be declared in this status",
                        "incident_status_id",
                    )
                )
        type_id = body.get("incident_type_id")
        if type_id is not None and type_id not in {t["id"] for t in self.types}:
            errors.append(("not_found", "Incident type not found", "incident_type_id"))
        if errors:
            raise api_error(422, "validation_error", errors)
        default_type = next((t["id"] for t in self.types if t["is_default"]), None)
        return self._new(
            name=name.strip(),
            summary=body.get("summary", ""),
            status_id=status_id or self.status("Investigating")["id"],
            severity_id=severity_id,
            type_id=type_id or default_type,
            mode=body.get("mode", "standard"),
            key=key,
            creator={"api_key": {"id": "01APIKEY000000000000000000", "name": "incident-tui tests"}},
        )

    def _edit(self, incident: Incident, body: dict[str, Any]) -> None:
        changes = body["incident"]
        errors = []
        if "name" in changes and not changes["name"].strip():
            errors.append(("is_required", "An incident name is required", "incident.name"))
        if "severity_id" in changes and changes["severity_id"] not in {
            s["id"] for s in self.severities
        }:
            errors.append(("not_found", "Severity not found", "incident.severity_id"))
        if "incident_status_id" in changes and changes["incident_status_id"] not in {
            s["id"] for s in self.statuses
        }:
            errors.append(("not_found", "Status not found", "incident.incident_status_id"))
        role_ids = {r["id"] for r in self.roles}
        user_ids = {u["id"] for u in self.users}
        for index, assignment in enumerate(changes.get("incident_role_assignments", [])):
            if assignment["incident_role_id"] not in role_ids:
                errors.append(
                    (
                        "not_found",
                        "Incident role not found",
                        f"incident.incident_role_assignments[{index}].incident_role_id",
                    )
                )
            who = (assignment.get("assignee") or {}).get("id")
            if who is not None and who not in user_ids:
                errors.append(
                    (
                        "not_found",
                        "User not found",
                        f"incident.incident_role_assignments[{index}].assignee.id",
                    )
                )
        if errors:
            raise api_error(422, "validation_error", errors)
        changed_status = changes.get("incident_status_id", incident.status_id) != incident.status_id
        changed_severity = (
            "severity_id" in changes and changes["severity_id"] != incident.severity_id
        )
        incident.name = changes.get("name", incident.name)
        incident.summary = changes.get("summary", incident.summary)
        incident.status_id = changes.get("incident_status_id", incident.status_id)
        incident.severity_id = changes.get("severity_id", incident.severity_id)
        for assignment in changes.get("incident_role_assignments", []):
            who = (assignment.get("assignee") or {}).get("id")
            if who is None:
                incident.roles.pop(assignment["incident_role_id"], None)
            else:
                incident.roles[assignment["incident_role_id"]] = who
        incident.updated_at = self.tick()
        if changed_status or changed_severity:
            self._record_update(
                incident,
                "",
                {"api_key": {"id": "01APIKEY000000000000000000", "name": "incident-tui tests"}},
                severity=changed_severity,
            )

    def _record_update(
        self, incident: Incident, message: str, updater: dict[str, Any], severity: bool = True
    ) -> None:
        update: dict[str, Any] = {
            "id": _ulid(),
            "incident_id": incident.id,
            "message": message,
            "new_incident_status": self._status_of(incident),
            "updater": updater,
            "created_at": _time(self.tick()),
            "next_update_in_minutes": 30,
        }
        if severity and incident.severity_id:  # only with a severity change
            update["new_severity"] = self._severity_of(incident)
        self.updates.append(update)

    def _status_of(self, incident: Incident) -> dict[str, Any]:
        return next(s for s in self.statuses if s["id"] == incident.status_id)

    def _severity_of(self, incident: Incident) -> dict[str, Any] | None:
        return next((s for s in self.severities if s["id"] == incident.severity_id), None)

    def _list_incidents(self, args: dict[str, list[str]]) -> dict[str, Any]:
        chosen = sorted(
            self.incidents.values(), key=lambda i: (i.created_at, i.number), reverse=True
        )
        modes = args.get("mode[one_of]", list(DEFAULT_MODES))
        chosen = [i for i in chosen if i.mode in modes]
        categories = {s["id"]: s["category"] for s in self.statuses}
        if "status_category[one_of]" in args:
            wanted = set(args["status_category[one_of]"])
            chosen = [i for i in chosen if categories[i.status_id] in wanted]
        elif "status_category[not_in]" in args:
            unwanted = set(args["status_category[not_in]"])
            chosen = [i for i in chosen if categories[i.status_id] not in unwanted]
        elif not any(k.startswith("status[") for k in args):
            chosen = [i for i in chosen if categories[i.status_id] not in HIDDEN_CATEGORIES]
        for key, attribute, keep in (
            ("status[one_of]", "status_id", True),
            ("status[not_in]", "status_id", False),
            ("severity[one_of]", "severity_id", True),
            ("severity[not_in]", "severity_id", False),
            ("incident_type[one_of]", "type_id", True),
            ("incident_type[not_in]", "type_id", False),
        ):
            if key in args:
                values = set(args[key])
                chosen = [i for i in chosen if (getattr(i, attribute) in values) == keep]
        for key, keep in (
            ("created_at[gte]", lambda d, v: d >= v),
            ("created_at[lte]", lambda d, v: d <= v),
        ):
            if key in args:
                day = datetime.strptime(args[key][0], "%Y-%m-%d").date()
                chosen = [i for i in chosen if keep(i.created_at.date(), day)]
        size = self._page_size(args)
        start = 0
        after = args.get("after", [""])[0]
        if after:
            ids = [i.id for i in chosen]
            if after not in ids:
                raise api_error(
                    422, "validation_error", [("invalid_value", "Unknown cursor", "after")]
                )
            start = ids.index(after) + 1
        page = chosen[start : start + size]
        meta: dict[str, Any] = {"page_size": size, "total_record_count": len(chosen)}
        if start + size < len(chosen):
            meta["after"] = page[-1].id
        return {"incidents": [self._serialize(i) for i in page], "pagination_meta": meta}

    def _page_size(self, args: dict[str, list[str]]) -> int:
        raw = args.get("page_size", [str(DEFAULT_PAGE_SIZE)])[0]
        size = int(raw)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise api_error(
                422,
                "validation_error",
                [
                    (
                        "invalid_value",
                        f"page_size must be between 1 and {MAX_PAGE_SIZE}",
                        "page_size",
                    )
                ],
            )
        return size

    def _list_updates(self, args: dict[str, list[str]]) -> dict[str, Any]:
        wanted = args.get("incident_id", [""])[0]
        chosen = [u for u in self.updates if not wanted or u["incident_id"] == wanted]
        chosen.sort(key=lambda u: u["created_at"], reverse=True)  # newest first
        size = self._page_size(args)
        after = args.get("after", [""])[0]
        ids = [u["id"] for u in chosen]
        start = ids.index(after) + 1 if after in ids else 0
        page = chosen[start : start + size]
        meta: dict[str, Any] = {"page_size": size}
        if start + size < len(chosen):
            meta["after"] = page[-1]["id"]
        return {"incident_updates": copy.deepcopy(page), "pagination_meta": meta}

    def _list_users(self, args: dict[str, list[str]]) -> dict[str, Any]:
        size = self._page_size(args)
        after = args.get("after", [""])[0]
        ids = [u["id"] for u in self.users]
        start = ids.index(after) + 1 if after in ids else 0
        page = self.users[start : start + size]
        meta: dict[str, Any] = {"page_size": size}
        if start + size < len(self.users):
            meta["after"] = page[-1]["id"]
        return {"users": page, "pagination_meta": meta}

    def _serialize(self, incident: Incident) -> dict[str, Any]:
        status = self._status_of(incident)
        out: dict[str, Any] = {
            "id": incident.id,
            "external_id": incident.number,
            "reference": f"INC-{incident.number}",
            "name": incident.name,
            "summary": incident.summary,
            "mode": incident.mode,
            "visibility": incident.visibility,
            "idempotency_key": incident.idempotency_key,
            "organisation_id": "01ORG00000000000000000000",
            "permalink": f"https://app.incident.io/incidents/{incident.number}",
            "creator": incident.creator,
            "incident_status": status,
            "incident_role_assignments": [
                {
                    "role": role,
                    **(
                        {
                            "assignee": next(
                                u for u in self.users if u["id"] == incident.roles[role["id"]]
                            )
                        }
                        if role["id"] in incident.roles
                        else {}
                    ),
                }
                for role in self.roles
            ],
            "custom_field_entries": incident.custom_fields,
            "incident_timestamp_values": [],
            "slack_team_id": "T02A1FSLE8J",
            "slack_channel_id": f"C{incident.number:08d}",
            "slack_channel_name": f"inc-{incident.number}",
            "created_at": _time(incident.created_at),
            "updated_at": _time(incident.updated_at),
            "reported_at": _time(incident.created_at),
            "last_activity_at": _time(incident.updated_at),
        }
        severity = self._severity_of(incident)
        if severity is not None:
            out["severity"] = severity
        incident_type = next((t for t in self.types if t["id"] == incident.type_id), None)
        if incident_type is not None:
            out["incident_type"] = incident_type
        out = copy.deepcopy(out)
        for key, value in self.raw.get(incident.id, {}).items():
            if value is DROP:
                out.pop(key, None)
            else:
                out[key] = value
        return out


@contextlib.asynccontextmanager
async def incidentio_server(**kwargs: Any) -> AsyncIterator[IncidentIoServer]:
    import asyncio

    server = IncidentIoServer(**kwargs)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


def client(server: IncidentIoServer, token: str | None = "issue", **kwargs: Any) -> Any:
    """An IncidentIoBackend on ``server`` with a fresh API key."""
    from incident_tui.backends.httpclient import RetryPolicy, Timeouts
    from incident_tui.backends.incidentio import IncidentIoBackend

    kwargs.setdefault("timeouts", Timeouts(connect=2, read=10, write=10, pool=5, deadline=20))
    kwargs.setdefault("retry", RetryPolicy(base_delay=0.05, max_delay=0.2))
    secret = server.issue_token() if token == "issue" else token
    return IncidentIoBackend(server.url, secret, **kwargs)


@contextlib.asynccontextmanager
async def incidentio_backend(**kwargs: Any) -> AsyncIterator[Any]:
    """An opened IncidentIoBackend -> a started server; ``backend.server`` is the server.
    A request off the published API fails the test."""
    async with incidentio_server() as server:
        backend = client(server, **kwargs)
        backend.server = server
        try:
            await backend.open()
            yield backend
        finally:
            await backend.close()
        assert server.violations == [], "requests off the published API:\n" + "\n".join(
            server.violations
        )
