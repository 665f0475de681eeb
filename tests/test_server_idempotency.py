"""``Idempotency-Key`` on our server: a create re-sent under the same key is answered from
memory and written once; the same key with another body is a 409; keys expire; the store
remembers keys across a server restart. Real uvicorn on 127.0.0.1, real SQLite files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from incident_tui import models as m
from incident_tui.backends.base import METHOD_LIST, Backend, Capabilities
from incident_tui.backends.sqlite import SqliteBackend
from incident_tui.server.app import build_app
from incident_tui.server.idempotency import IdempotencyKeys
from incident_tui.server.tokens import TokenStore
from tests.support.fake_backend import FakeBackend
from tests.support.rpc_server import ServerThread, serve_backend

ALICE = m.UserPreview(user_id="alice", name="Alice")
BOB = m.UserPreview(user_id="bob", name="Bob")
CREATE = "/api/plugins/grafana-irm-app/resources/api/v1/IncidentsService.CreateIncident"


def path(method: str) -> str:
    return f"/api/plugins/grafana-irm-app/resources/api/v1/{method}"


class StoreClock:
    """The store's clock, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def store_factory(db: Path, clock: Callable[[], datetime]):
    async def make() -> Backend:
        return await SqliteBackend.open(db, ALICE, clock=clock)

    return make


@pytest.fixture
def clock() -> StoreClock:
    return StoreClock()


@pytest.fixture
async def server(tmp_path: Path, clock: StoreClock) -> AsyncIterator[ServerThread]:
    async with serve_backend(store_factory(tmp_path / "store.db", clock)) as srv:
        yield srv


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    token = server.token_for(ALICE)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=headers) as client:
        yield client


async def incident_count(http: httpx.AsyncClient) -> int:
    resp = await http.post(path("IncidentsService.QueryIncidents"), json={"query": {"limit": 100}})
    return len(resp.json()["incidents"])


async def test_same_key_same_body_returns_the_first_response_and_writes_once(
    http: httpx.AsyncClient,
) -> None:
    key = {"Idempotency-Key": "4f7c1b2e-1111-4a5b-9c3d-aaaaaaaaaaaa"}
    first = await http.post(CREATE, json={"title": "db down"}, headers=key)
    again = await http.post(CREATE, json={"title": "db down"}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert await incident_count(http) == 1
    other = await http.post(CREATE, json={"title": "db down"}, headers={"Idempotency-Key": "k2"})
    assert other.json()["incident"]["incidentID"] != first.json()["incident"]["incidentID"]
    assert await incident_count(http) == 2


async def test_without_a_key_every_create_writes(http: httpx.AsyncClient) -> None:
    await http.post(CREATE, json={"title": "db down"})
    await http.post(CREATE, json={"title": "db down"})
    assert await incident_count(http) == 2


async def test_go_zero_values_and_node_missing_fields_are_the_same_request(
    http: httpx.AsyncClient,
) -> None:
    key = {"Idempotency-Key": "same-request-two-spellings"}
    node = await http.post(CREATE, json={"title": "db down"}, headers=key)
    go = {
        "title": "db down",
        "severity": "",
        "labels": None,
        "roomPrefix": "",
        "isDrill": False,
        "status": "",
        "attachCaption": "",
        "attachURL": "",
    }
    replay = await http.post(CREATE, json=go, headers=key)
    assert replay.status_code == 200 and replay.content == node.content
    assert await incident_count(http) == 1


async def test_same_key_other_body_is_a_409_with_a_json_error(http: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "reused-key"}
    await http.post(CREATE, json={"title": "db down"}, headers=key)
    clash = await http.post(CREATE, json={"title": "api down"}, headers=key)
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "conflict" and "Idempotency-Key" in body["error"]
    assert await incident_count(http) == 1


async def test_a_key_is_remembered_for_24_hours_then_forgotten(
    http: httpx.AsyncClient, clock: StoreClock
) -> None:
    key = {"Idempotency-Key": "expiring-key"}
    first = await http.post(CREATE, json={"title": "db down"}, headers=key)
    clock.now += timedelta(hours=23, minutes=59)
    replay = await http.post(CREATE, json={"title": "db down"}, headers=key)
    assert replay.content == first.content
    clock.now += timedelta(minutes=2)
    fresh = await http.post(CREATE, json={"title": "db down"}, headers=key)
    assert fresh.status_code == 200 and "idempotent-replayed" not in fresh.headers
    assert fresh.json()["incident"]["incidentID"] != first.json()["incident"]["incidentID"]
    assert await incident_count(http) == 2


async def test_keys_belong_to_their_person(server: ServerThread, http: httpx.AsyncClient) -> None:
    bob = {"Authorization": f"Bearer {server.token_for(BOB)}", "Idempotency-Key": "shared"}
    await http.post(CREATE, json={"title": "db down"}, headers={"Idempotency-Key": "shared"})
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as other:
        made = await other.post(CREATE, json={"title": "db down"}, headers=bob)
    assert made.status_code == 200 and "idempotent-replayed" not in made.headers
    assert made.json()["incident"]["createdByUser"]["userID"] == "bob"
    assert await incident_count(http) == 2


async def test_concurrent_sends_of_one_key_write_once(http: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "racing-key"}
    replies = await asyncio.gather(
        *(http.post(CREATE, json={"title": "db down"}, headers=key) for _ in range(6))
    )
    assert {r.status_code for r in replies} == {200}
    assert len({r.content for r in replies}) == 1
    assert await incident_count(http) == 1


@pytest.mark.parametrize("bad", [b"", b"two words", b"x" * 256, "ключ".encode()])
async def test_a_malformed_key_is_a_400(http: httpx.AsyncClient, bad: bytes) -> None:
    resp = await http.post(
        CREATE,
        content=json.dumps({"title": "db down"}),
        headers={"Idempotency-Key": bad, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and "Idempotency-Key" in resp.json()["error"]
    assert await incident_count(http) == 0


async def test_every_create_of_the_table_is_written_once_per_key(
    http: httpx.AsyncClient,
) -> None:
    made = await http.post(CREATE, json={"title": "db down"})
    incident = made.json()["incident"]["incidentID"]
    bodies = {
        "ActivityService.AddActivity": {
            "incidentID": incident,
            "activityKind": "userNote",
            "body": "restarted the primary",
        },
        "IncidentsService.AddLabel": {"incidentID": incident, "label": {"label": "db"}},
        "IncidentsService.CreateIncident": {"title": "api down"},
        "RolesService.CreateRole": {"role": {"name": "scribe", "description": "writes"}},
        "TasksService.AddTask": {"incidentID": incident, "text": "page the DBA"},
    }
    creates = {row.path for row in METHOD_LIST if row.creates}
    assert creates == set(bodies), "a new create row needs its case here"
    for method, body in bodies.items():
        key = {"Idempotency-Key": f"key-{method}"}
        first = await http.post(path(method), json=body, headers=key)
        again = await http.post(path(method), json=body, headers=key)
        assert first.status_code == 200, (method, first.text)
        assert again.content == first.content, method
        assert again.headers.get("idempotent-replayed") == "true", method
    timeline = await http.post(
        path("ActivityService.QueryActivity"),
        json={"query": {"incidentID": incident, "activityKind": ["userNote"]}},
    )
    assert len(timeline.json()["activityItems"]) == 1
    got = await http.post(path("IncidentsService.GetIncident"), json={"incidentID": incident})
    assert [t["text"] for t in got.json()["incident"]["taskList"]["tasks"]] == ["page the DBA"]
    roles = (await http.post(path("RolesService.GetRoles"), json={})).json()["roles"]
    assert [r["name"] for r in roles].count("scribe") == 1
    assert await incident_count(http) == 2


async def test_keys_survive_a_server_restart(tmp_path: Path, clock: StoreClock) -> None:
    db = tmp_path / "store.db"
    tokens = TokenStore()
    key = {"Idempotency-Key": "across-restarts"}
    async with serve_backend(store_factory(db, clock), tokens) as first_server:
        token = first_server.token_for(ALICE)
        async with httpx.AsyncClient(base_url=first_server.url, timeout=10) as http:
            auth = {"Authorization": f"Bearer {token}", **key}
            first = await http.post(CREATE, json={"title": "db down"}, headers=auth)
    async with serve_backend(store_factory(db, clock), tokens) as second_server:
        async with httpx.AsyncClient(base_url=second_server.url, timeout=10) as http:
            auth = {"Authorization": f"Bearer {token}", **key}
            again = await http.post(CREATE, json={"title": "db down"}, headers=auth)
            assert again.content == first.content
            assert again.headers["idempotent-replayed"] == "true"
            listed = await http.post(path("IncidentsService.QueryIncidents"), json={}, headers=auth)
    assert len(listed.json()["incidents"]) == 1


async def test_the_key_and_the_create_are_one_transaction(
    tmp_path: Path, clock: StoreClock
) -> None:
    """A create the store refuses records no key: the same key then works once fixed."""
    db = tmp_path / "store.db"
    async with serve_backend(store_factory(db, clock)) as server:
        token = server.token_for(ALICE)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "after-a-refusal"}
        async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=headers) as http:
            refused = await http.post(CREATE, json={"title": "x" * 5000})
            assert refused.status_code == 400
            # another body under the same key is no conflict: nothing was remembered
            made = await http.post(CREATE, json={"title": "db down"})
            assert made.status_code == 200 and "idempotent-replayed" not in made.headers


class _Forgetful(FakeBackend):
    """A backend without ``remembers_creates``: the server keeps keys in memory."""

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(name="fake", acts_as_users=True, remembers_creates=False)

    def as_user(self, user: m.UserPreview) -> _Forgetful:
        return _Forgetful(user, self.state)


async def test_a_backend_without_the_ability_gets_keys_kept_in_memory() -> None:
    backend = _Forgetful()
    now = [1000.0]
    keys = IdempotencyKeys(clock=lambda: now[0])
    async with serve_backend(
        lambda: _ready(backend),
        app_factory=lambda b, tokens: build_app(b, tokens, idempotency_keys=keys),
    ) as server:
        headers = {"Authorization": f"Bearer {server.token_for(ALICE)}"}
        async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=headers) as http:
            key = {"Idempotency-Key": "memory-key"}
            first = await http.post(CREATE, json={"title": "db down"}, headers=key)
            again = await http.post(CREATE, json={"title": "db down"}, headers=key)
            clash = await http.post(CREATE, json={"title": "api down"}, headers=key)
            now[0] += 24 * 3600 + 1
            later = await http.post(CREATE, json={"title": "db down"}, headers=key)
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert clash.status_code == 409
    assert later.status_code == 200 and "idempotent-replayed" not in later.headers
    created = [c for c in backend.state.calls if c[0] == "create_incident"]
    assert len(created) == 2


async def _ready(backend: Backend) -> Backend:
    return backend


async def test_every_answer_names_the_token_scope(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for scope in ("read", "edit"):
            auth = {"Authorization": f"Bearer {server.token_for(ALICE, scope)}"}
            read = await http.post(path("RolesService.GetRoles"), json={}, headers=auth)
            assert read.headers["incident-token-scope"] == scope
        refused = await http.post(
            CREATE,
            json={"title": "db down"},
            headers={"Authorization": f"Bearer {server.token_for(ALICE, 'read')}"},
        )
        assert refused.status_code == 403
        assert refused.headers["incident-token-scope"] == "read"
        anonymous = await http.post(path("RolesService.GetRoles"), json={})
        assert "incident-token-scope" not in anonymous.headers
