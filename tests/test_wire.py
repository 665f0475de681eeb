"""Wire tests: requests shaped exactly like Grafana's Go client (every field, zero values,
``null`` lists, ``\\u003c`` escapes, ``; charset=utf-8``) and like the Node client (only
the fields set) succeed on every method, and every response passes WIRE.md's rules and
the Node client's strict schemas (every assignment carries ``roleID``; previews, users and
labels in the shapes today's clients read)."""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from incident_tui import models as m
from incident_tui.backends.base import API_METHODS, METHOD_LIST, METHODS
from tests.support.rpc_server import ServerThread, rpc_server

ALICE = m.UserPreview(user_id="alice", name="Alice")
BOB = m.UserPreview(user_id="bob", name="Bob")

INT_KEYS = {
    "durationSeconds", "todoCount", "doneCount", "roleID", "totalAssignments",
    "totalParticipants", "contentLength", "limit", "version", "maxPeople",
}  # fmt: skip
# What the Node client's zod schemas require (a missing key, or null, breaks it).
REQUIRED_KEYS = {
    "Incident": {"incidentID", "severity", "labels", "isDrill", "createdTime", "modifiedTime",
                 "createdByUser", "closedTime", "durationSeconds", "status", "title",
                 "overviewURL", "taskList", "summary", "heroImagePath", "incidentStart",
                 "incidentEnd", "roles", "incidentMembership"},
    "IncidentMembership": {"assignments", "totalAssignments", "totalParticipants"},
    "Assignment": {"user", "role", "roleID"},
    "AssignmentPreview": {"user", "roleID"},
    "IncidentMembershipPreview": {"importantAssignments", "totalAssignments",
                                  "totalParticipants"},
    "IncidentPreview": {"incidentID", "severityID", "severityLabel", "incidentType", "labels",
                        "isDrill", "createdTime", "modifiedTime", "closedTime",
                        "createdByUser", "title", "description", "summary", "heroImagePath",
                        "status", "slug", "incidentStart", "incidentEnd", "version"},
    "IncidentPreviewsQuery": {"limit"},
    "Role": {"orgID", "name", "important", "mandatory", "archived", "createdAt"},
    "UserPreview": {"userID", "name", "photoURL"},
    "IncidentLabel": {"label", "description", "colorHex"},
    "Cursor": {"nextValue", "hasMore"},
    "TaskList": {"tasks", "todoCount", "doneCount"},
    "ActivityItem": {"tags", "attachments", "fieldValues", "user"},
    "QueryIncidentsResponse": {"incidents", "cursor", "query"},
    "QueryIncidentPreviewsResponse": {"incidentPreviews", "cursor", "query"},
    "QueryActivityResponse": {"activityItems", "cursor", "query"},
    "GetRolesResponse": {"roles"},
    "GetIncidentMembershipResponse": {"assignments"},
    "QueryUsersResponse": {"users", "cursor", "query"},
    "GetUserResponse": {"user"},
    "GetLabelsResponse": {"labels"},
}  # fmt: skip
PREVIEW_ORDER_FIELDS = {"incidentID", "createdTime", "modifiedTime", "title", "status",
                        "severity", "prefix", "isDrill", "incidentStart", "incidentEnd",
                        "closedTime", ""}  # fmt: skip
ENUMS: dict[tuple[str, str], set[str]] = {
    ("Incident", "status"): {s.value for s in m.IncidentStatus},
    ("Task", "status"): {s.value for s in m.TaskStatus},
    ("ActivityItem", "activityKind"): {k.value for k in m.ActivityKind},
    ("IncidentsQuery", "orderDirection"): {"ASC", "DESC"},
    ("ActivityQuery", "orderDirection"): {"ASC", "DESC"},
    ("IncidentPreview", "status"): {s.value for s in m.IncidentStatus},
    ("IncidentPreview", "incidentType"): {"internal", "private", ""},
    ("IncidentPreviewsQuery", "orderDirection"): {"ASC", "DESC", ""},
    ("IncidentPreviewsQuery", "orderField"): PREVIEW_ORDER_FIELDS,
}
TIME_KEYS = {"createdTime", "modifiedTime", "closedTime", "incidentStart", "incidentEnd",
             "eventTime", "createdAt", "updatedAt", "uploadTime", "deletedTime"}  # fmt: skip
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


# --- the strict response check ----------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return False


def check_wire(model: type[BaseModel], data: Any, where: str = "$") -> None:
    """Fail on anything WIRE.md forbids in ``data`` read as ``model``."""
    assert isinstance(data, dict), f"{where}: expected an object"
    fields = {f.alias or name: f for name, f in model.model_fields.items()}
    name = model.__name__
    for key in REQUIRED_KEYS.get(name, ()):
        assert key in data, f"{where}: required key {key!r} missing"
    if name == "Incident":
        assert isinstance(data["heroImagePath"], str)
    for key, value in data.items():
        at = f"{where}.{key}"
        assert key in fields, f"{at}: key not in the reference ({name})"
        assert value is not None, f"{at}: null"
        if key in INT_KEYS:
            assert type(value) is int, f"{at}: {value!r} is not a JSON integer"
        if (name, key) in ENUMS:
            assert value in ENUMS[(name, key)], f"{at}: {value!r} not an exact enum value"
        if key == "tags":
            assert set(value) <= {"important", "starred"}, at
        if key in TIME_KEYS and isinstance(value, str) and value:
            assert RFC3339.fullmatch(value), f"{at}: {value!r} is not RFC 3339"
        if key == "error":
            assert value == "", f"{at}: a success carries an error"
        annotation = fields[key].annotation
        sub = _model_of(annotation)
        if _is_list(annotation):
            assert isinstance(value, list), f"{at}: expected a list"
            if sub is not None:
                for i, item in enumerate(value):
                    check_wire(sub, item, f"{at}[{i}]")
        elif sub is not None:
            check_wire(sub, value, at)
        elif annotation is bool:
            assert isinstance(value, bool), at
        elif annotation is str:
            assert isinstance(value, str), at


# --- the two client dialects ---------------------------------------------------------------


def go_zero(model: type[BaseModel]) -> dict[str, Any]:
    """What Go's encoding/json writes for a zero-valued request struct."""
    out: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        # our extensions: unknown to Go clients
        if (model is m.IncidentsQuery and name == "order_field") or (
            model is m.AddActivityRequest and name == "field_values"
        ):
            continue
        key = f.alias or name
        annotation = f.annotation
        sub = _model_of(annotation)
        if _is_list(annotation):
            out[key] = None
        elif sub is not None:
            out[key] = go_zero(sub)
        elif annotation is bool:
            out[key] = False
        elif annotation is int:
            out[key] = 0
        else:
            out[key] = ""
    return out


def _merge(base: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def go_body(method: str, fields: dict[str, Any]) -> bytes:
    """Every field, zero values for unset ones, compact, with Go's HTML-safe escapes."""
    body = _merge(go_zero(METHODS[method].request), fields)
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(ch, esc)
    return text.encode("utf-8")


Send = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class Dialect:
    def __init__(self, http: httpx.AsyncClient, token: str, flavour: str) -> None:
        self.http, self.token, self.flavour = http, token, flavour
        self.sent: list[str] = []

    async def __call__(self, method: str, fields: dict[str, Any]) -> dict[str, Any]:
        if self.flavour == "go":
            plugin, body = "grafana-irm-app", go_body(method, fields)
            ctype = "application/json; charset=utf-8"
        else:
            plugin, body = "grafana-incident-app", json.dumps(fields).encode()
            ctype = "application/json"
        resp = await self.http.post(
            f"/api/plugins/{plugin}/resources/api/v1/{method}",
            content=body,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": ctype,
                "Accept-Encoding": "gzip",
            },
        )
        assert resp.status_code == 200, f"{self.flavour} {method}: {resp.status_code} {resp.text}"
        data = resp.json()
        check_wire(METHODS[method].response, data)
        self.sent.append(method)
        return data


async def scenario(send: Send) -> dict[str, dict[str, Any]]:
    """Every API method once, in an order where each has what it needs."""
    out: dict[str, dict[str, Any]] = {}

    async def call(method: str, **fields: Any) -> dict[str, Any]:
        out[method] = await send(method, fields)
        return out[method]

    title = "db <b>down</b> & \u2028 out"
    created = await call(
        "IncidentsService.CreateIncident",
        title=title,
        severity="major",
        labels=[{"label": "db", "description": "", "colorHex": "#ff0000"}],
    )
    incident_id = created["incident"]["incidentID"]
    assert created["incident"]["title"] == title
    await call("IncidentsService.GetIncident", incidentID=incident_id)
    await call(
        "IncidentsService.QueryIncidents",
        query={"limit": 10},
        cursor={"nextValue": "", "hasMore": False},
    )
    await call("IncidentsService.UpdateTitle", incidentID=incident_id, title="db down")
    summary = await call(
        "IncidentsService.UpdateIncidentSummary",
        incidentID=incident_id,
        summary="Primary lost its disk.\nFailing over.",
    )
    assert summary["incident"]["summary"] == "Primary lost its disk.\nFailing over."
    await call("IncidentsService.UpdateSeverity", incidentID=incident_id, severity="critical")
    await call("IncidentsService.UpdateIncidentIsDrill", incidentID=incident_id, isDrill=True)
    await call("IncidentsService.AddLabel", incidentID=incident_id, label={"label": "api"})
    await call("IncidentsService.RemoveLabel", incidentID=incident_id, label="api")
    await call(
        "IncidentsService.AssignRole", incidentID=incident_id, userID="bob", role="commander"
    )
    membership = await call("IncidentsService.GetIncidentMembership", incidentID=incident_id)
    assert [(a["user"]["userID"], a["roleID"]) for a in membership["assignments"]] == [
        ("bob", membership["assignments"][0]["role"]["roleID"])
    ]
    assert membership["assignments"][0]["roleID"] > 0
    previews = await call(
        "IncidentsService.QueryIncidentPreviews",
        query={"limit": 10, "orderDirection": "DESC"},
        cursor={"nextValue": "", "hasMore": False},
        includeMembershipPreview=True,
    )
    preview = next(p for p in previews["incidentPreviews"] if p["incidentID"] == incident_id)
    important = preview["incidentMembershipPreview"]["importantAssignments"]
    assert [(a["user"]["userID"], a["roleID"]) for a in important] == [
        ("bob", membership["assignments"][0]["roleID"])
    ]
    assert preview["title"] == "db down" and preview["severityLabel"] == "critical"
    labels = await call("IncidentsService.GetLabels", incidentID=incident_id)
    assert [label["value"] for label in labels["labels"]] == ["db"]
    users = await call("UsersService.QueryUsers", query={"limit": 10}, cursor={})
    assert {"alice", "bob"} <= {u["userID"] for u in users["users"]}
    bob = await call("UsersService.GetUser", userID="bob")
    assert bob["user"]["name"] == "Bob"
    await call(
        "IncidentsService.UnassignRole", incidentID=incident_id, userID="bob", role="commander"
    )
    await call(
        "IncidentsService.UpdateIncidentEventTime",
        incidentID=incident_id,
        eventTime="2026-01-02T03:04:05Z",
        activityItemKind="incidentStart",
    )
    note = await call(
        "ActivityService.AddActivity",
        incidentID=incident_id,
        activityKind="userNote",
        body="<i>hi</i>",
    )
    item_id = note["activityItem"]["activityItemID"]
    await call(
        "ActivityService.QueryActivity", query={"incidentID": incident_id, "limit": 5}, cursor={}
    )
    await call(
        "ActivityService.UpdateActivityBody",
        incidentID=incident_id,
        activityItemID=item_id,
        body="edited",
    )
    await call(
        "ActivityService.UpdateActivityEventTime",
        incidentID=incident_id,
        activityItemID=item_id,
        eventTime="2026-01-02T03:05:00Z",
    )
    await call("ActivityService.RemoveActivity", incidentID=incident_id, activityItemID=item_id)
    task = await call("TasksService.AddTask", incidentID=incident_id, text="check replicas")
    task_id = task["task"]["taskID"]
    await call(
        "TasksService.UpdateTaskStatus", incidentID=incident_id, taskID=task_id, status="progress"
    )
    await call(
        "TasksService.UpdateTaskText",
        incidentID=incident_id,
        taskID=task_id,
        text="check all replicas",
    )
    await call("TasksService.UpdateTaskUser", incidentID=incident_id, taskID=task_id, userID="bob")
    await call("TasksService.DeleteTask", incidentID=incident_id, taskID=task_id)
    await call("RolesService.GetRoles")
    role = await call(
        "RolesService.CreateRole", role={"name": "scribe", "description": "takes notes"}
    )
    role_id = role["role"]["roleID"]
    await call("RolesService.UpdateRole", role={**role["role"], "description": "writes it down"})
    await call("RolesService.ArchiveRole", roleID=role_id)
    await call("RolesService.UnarchiveRole", roleID=role_id)
    await call("RolesService.DeleteRole", roleID=role_id)
    await call("IncidentsService.UpdateStatus", incidentID=incident_id, status="resolved")
    await call("IncidentsService.GetIncidentVersion", incidentID=incident_id)
    await call("IncidentsService.GetHomescreenVersion")
    return out


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerThread]:
    async with rpc_server(tmp_path / "store.db") as srv:
        yield srv


@pytest.mark.parametrize("flavour", ["go", "node"])
async def test_every_method_succeeds_in_each_client_dialect(
    server: ServerThread, flavour: str
) -> None:
    # bob must be known to the store before he can hold a role or a task.
    bob = server.client(BOB)
    await bob.get_roles()
    seed = await bob.create_incident(m.CreateIncidentRequest(title="bob was here"))
    assert seed.incident.created_by_user.user_id == "bob"
    await bob.close()

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        send = Dialect(http, server.token_for(ALICE), flavour)
        out = await scenario(send)
    covered = {row.path for row in METHOD_LIST}
    assert set(send.sent) == covered
    assert out["IncidentsService.UpdateStatus"]["incident"]["status"] == "resolved"
    assert type(out["IncidentsService.UpdateStatus"]["incident"]["durationSeconds"]) is int
    query = out["IncidentsService.QueryIncidents"]["query"]
    assert query["limit"] == 10 and query["orderDirection"] in ("ASC", "DESC")


async def test_go_zero_values_mean_not_set(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        send = Dialect(http, server.token_for(ALICE), "go")
        created = await send("IncidentsService.CreateIncident", {"title": "zero"})
        incident = created["incident"]
        assert incident["status"] == "active"
        assert incident["severity"] == "pending"
        assert incident["labels"] == [] and incident["isDrill"] is False
        page = await send("IncidentsService.QueryIncidents", {})
        assert page["query"]["limit"] > 0
        assert page["incidents"][0]["incidentID"] == incident["incidentID"]
        note = await send(
            "ActivityService.AddActivity",
            {"incidentID": incident["incidentID"], "activityKind": "userNote", "body": "x"},
        )
        assert note["activityItem"]["eventTime"]  # eventTime "" -> now


def test_go_body_really_looks_like_go() -> None:
    body = go_body("IncidentsService.CreateIncident", {"title": "<a&b>"})
    assert b"\\u003ca\\u0026b\\u003e" in body
    decoded = json.loads(body)
    assert decoded["labels"] is None and decoded["isDrill"] is False and decoded["status"] == ""
    query = json.loads(go_body("IncidentsService.QueryIncidents", {}))
    assert query["query"]["includeStatuses"] is None and query["cursor"]["hasMore"] is False


@pytest.mark.parametrize(
    "bad",
    [
        {"incident": {"labels": None}},
        {
            "incident": {
                "durationSeconds": 1.0,
                "labels": [],
                "createdByUser": {},
                "taskList": {"tasks": []},
                "roles": [],
                "heroImagePath": "",
                "incidentMembership": {"assignments": []},
            }
        },
        {
            "incident": {
                "status": "Active",
                "labels": [],
                "createdByUser": {},
                "taskList": {"tasks": []},
                "roles": [],
                "heroImagePath": "",
                "incidentMembership": {"assignments": []},
            }
        },
        {"incident": {"incidentId": "1"}},
        {
            "incident": {
                "labels": [],
                "createdByUser": {},
                "taskList": {"tasks": []},
                "roles": [],
                "incidentMembership": {"assignments": []},
            }
        },
    ],
    ids=["null-list", "float-int", "inexact-enum", "wrong-case-key", "no-hero-image"],
)
def test_the_strict_check_catches_wire_mistakes(bad: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        check_wire(m.GetIncidentResponse, bad)


def _assignment(**changes: Any) -> dict[str, Any]:
    role = {"roleID": 1, "orgID": "", "name": "commander", "important": True,
            "mandatory": True, "archived": False, "createdAt": "2026-01-01T00:00:00Z"}  # fmt: skip
    return {"user": {"userID": "bob", "name": "Bob", "photoURL": ""}, "role": role, **changes}


def test_the_node_check_refuses_an_assignment_without_role_id() -> None:
    check_wire(m.GetIncidentMembershipResponse, {"assignments": [_assignment(roleID=1)]})
    with pytest.raises(AssertionError, match="roleID"):
        check_wire(m.GetIncidentMembershipResponse, {"assignments": [_assignment()]})
    with pytest.raises(AssertionError, match="roleID"):
        check_wire(m.GetIncidentMembershipResponse, {"assignments": [_assignment(roleID=1.0)]})


def test_the_node_check_refuses_a_preview_missing_a_required_key() -> None:
    preview = m.IncidentPreview(incident_id="1", title="x").to_wire()
    check_wire(m.QueryIncidentPreviewsResponse, _page(preview))
    for key in ("slug", "heroImagePath", "severityLabel", "version"):
        broken = {k: v for k, v in preview.items() if k != key}
        with pytest.raises(AssertionError, match=key):
            check_wire(m.QueryIncidentPreviewsResponse, _page(broken))


def _page(preview: dict[str, Any]) -> dict[str, Any]:
    return {
        "incidentPreviews": [preview],
        "query": {"limit": 50, "orderDirection": "DESC", "orderField": "", "queryString": ""},
        "cursor": {"nextValue": "", "hasMore": False},
    }


async def test_go_zero_values_mean_not_set_for_the_new_methods(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        send = Dialect(http, server.token_for(ALICE), "go")
        created = await send("IncidentsService.CreateIncident", {"title": "zero"})
        previews = await send("IncidentsService.QueryIncidentPreviews", {})
        assert previews["query"]["limit"] > 0  # limit 0: the default page
        assert previews["incidentPreviews"][0]["incidentID"] == created["incident"]["incidentID"]
        users = await send("UsersService.QueryUsers", {})
        assert [u["userID"] for u in users["users"]] == ["alice"]
        in_use = await send("IncidentsService.GetLabels", {})  # incidentID "": labels in use
        assert in_use["labels"] == []


def test_api_methods_are_the_29_of_the_reference() -> None:
    assert len(API_METHODS) == 29
