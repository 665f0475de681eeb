"""The server's refusals: the auth matrix per scope, bad bodies, oversize, wrong verbs,
unknown methods, storage failures. Every failure is 4xx/5xx AND a JSON ``error``."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from incident_tui import models as m
from incident_tui.backends.base import API_METHODS, METHOD_LIST
from incident_tui.errors import NotFound, Unavailable
from incident_tui.server.tokens import TokenStore
from tests.support.fake_backend import FakeBackend, FakeState
from tests.support.rpc_server import ServerThread, rpc_server, serve_backend

PREFIXES = ("grafana-irm-app", "grafana-incident-app")
ALICE = m.UserPreview(user_id="alice", name="Alice")


def path(method: str, plugin: str = "grafana-irm-app") -> str:
    return f"/api/plugins/{plugin}/resources/api/v1/{method}"


def assert_error(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]
    for leak in ("Traceback", "sqlite", "SELECT", "/tmp/", "/secret", 'File "'):
        assert leak not in resp.text
    return body["error"]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerThread]:
    async with rpc_server(tmp_path / "store.db") as srv:
        yield srv


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


# --- authentication and scopes ----------------------------------------------------------


@pytest.mark.parametrize("plugin", PREFIXES)
async def test_auth_matrix_for_every_method(
    server: ServerThread, http: httpx.AsyncClient, plugin: str
) -> None:
    read = server.token_for(ALICE, "read")
    edit = server.token_for(ALICE, "edit")
    for row in METHOD_LIST:
        url = path(row.path, plugin)
        assert_error(await http.post(url, content=b"{}"), 401)
        assert_error(await http.post(url, content=b"{}", headers=bearer("itui_wrong")), 401)
        assert_error(
            await http.post(url, content=b"{}", headers={"Authorization": f"Basic {edit}"}), 401
        )
        as_reader = await http.post(url, content=b"{}", headers=bearer(read))
        as_editor = await http.post(url, content=b"{}", headers=bearer(edit))
        if row.read_only:
            assert as_reader.status_code not in (401, 403), row.path
        else:
            assert "scope 'read'" in assert_error(as_reader, 403), row.path
        assert as_editor.status_code not in (401, 403), row.path


async def test_non_ascii_authorization_header_is_401_not_500(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    resp = await http.post(
        path("RolesService.GetRoles"),
        content=b"{}",
        headers=[(b"Authorization", "Bearer tökén\xff".encode("latin-1"))],
    )
    assert_error(resp, 401)


async def test_revoked_token_stops_working_on_a_running_server(tmp_path: Path) -> None:
    tokens_path = tmp_path / "tokens.json"
    store = TokenStore.load(tokens_path)
    token = store.issue("bob", "edit")
    store.save()

    async def make() -> FakeBackend:
        return FakeBackend()

    async with serve_backend(make, TokenStore.load(tokens_path)) as srv:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            ok = await http.post(
                path("RolesService.GetRoles"), content=b"{}", headers=bearer(token)
            )
            assert ok.status_code == 200
            editor = TokenStore.load(tokens_path)
            assert editor.revoke("bob")
            editor.save()
            srv.tokens._checked = 0  # skip the 1 s re-read interval
            gone = await http.post(
                path("RolesService.GetRoles"), content=b"{}", headers=bearer(token)
            )
            assert_error(gone, 401)


async def test_timeline_items_carry_the_token_user(server: ServerThread) -> None:
    alice = server.client(ALICE)
    bob = server.client(m.UserPreview(user_id="bob", name="Bob"))
    created = await alice.create_incident(m.CreateIncidentRequest(title="db down"))
    incident_id = created.incident.incident_id
    note = await bob.add_activity(m.AddActivityRequest(incident_id=incident_id, body="on it"))
    assert created.incident.created_by_user.user_id == "alice"
    assert note.activity_item.user.user_id == "bob"
    assert note.activity_item.user.name == "Bob"
    await alice.close()
    await bob.close()


# --- bad requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"title": 5}', "'title'"),
        (b'{"title": "x", "labels": [{"label": 7}]}', "'labels.0.label'"),
        (b'{"title": "x", "isDrill": "maybe"}', "'isDrill'"),
        (b'{"title": "\\ud800"}', "not valid JSON"),
        (b'{"title": ' + b"[" * 3000 + b"]" * 3000 + b"}", "not valid JSON"),
    ],
)
async def test_bad_bodies_are_400_naming_the_problem(
    server: ServerThread, http: httpx.AsyncClient, body: bytes, needle: str
) -> None:
    token = server.token_for(ALICE)
    resp = await http.post(
        path("IncidentsService.CreateIncident"), content=body, headers=bearer(token)
    )
    assert needle in assert_error(resp, 400)


@pytest.mark.parametrize(
    ("method", "body", "needle"),
    [
        ("RolesService.ArchiveRole", b'{"roleID": 1180591620717411303424}', "'roleID'"),
        ("RolesService.CreateRole", b'{"role": {"name": "x", "roleID": 9223372036854775808}}',
         "'role.roleID'"),
        ("IncidentsService.QueryIncidents", b'{"query": {"limit": -99999999999999999999}}',
         "'query.limit'"),
    ],
)  # fmt: skip
async def test_integers_wider_than_go_int64_are_400_naming_the_field(
    server: ServerThread, http: httpx.AsyncClient, method: str, body: bytes, needle: str
) -> None:
    resp = await http.post(path(method), content=body, headers=bearer(server.token_for(ALICE)))
    assert needle in assert_error(resp, 400)


async def test_backend_refusals_keep_their_status(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    token = server.token_for(ALICE)
    missing = await http.post(
        path("IncidentsService.GetIncident"), json={"incidentID": "404"}, headers=bearer(token)
    )
    assert assert_error(missing, 404)
    assert missing.json()["code"] == "not_found"
    blank = await http.post(
        path("IncidentsService.CreateIncident"), json={"title": "  "}, headers=bearer(token)
    )
    assert_error(blank, 400)


async def test_body_over_one_mib_is_413(server: ServerThread, http: httpx.AsyncClient) -> None:
    token = server.token_for(ALICE)
    big = json.dumps({"title": "x" * (1024 * 1024 + 10)}).encode()
    resp = await http.post(
        path("IncidentsService.CreateIncident"), content=big, headers=bearer(token)
    )
    assert_error(resp, 413)

    async def chunks():
        for _ in range(20):
            yield b" " * 65536  # no Content-Length: streamed and counted

    resp = await http.post(
        path("IncidentsService.CreateIncident"), content=chunks(), headers=bearer(token)
    )
    assert_error(resp, 413)


async def test_empty_body_means_an_empty_request(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    token = server.token_for(ALICE)
    resp = await http.post(path("RolesService.GetRoles"), headers=bearer(token))
    assert resp.status_code == 200
    assert isinstance(resp.json()["roles"], list)


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH"])
async def test_non_post_is_405(server: ServerThread, http: httpx.AsyncClient, verb: str) -> None:
    token = server.token_for(ALICE)
    resp = await http.request(verb, path("RolesService.GetRoles"), headers=bearer(token))
    assert_error(resp, 405)
    assert resp.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "url",
    [
        path("IncidentsService.DeleteIncident"),
        path("IncidentsService.GetIncident", "some-other-app"),
        path("getIncident"),
        "/api/v1/IncidentsService.GetIncident",
        "/",
    ],
)
async def test_unknown_methods_and_paths_are_404(
    server: ServerThread, http: httpx.AsyncClient, url: str
) -> None:
    token = server.token_for(ALICE)
    assert_error(await http.post(url, content=b"{}", headers=bearer(token)), 404)


async def test_every_api_method_is_routed_under_both_prefixes(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    token = server.token_for(ALICE)
    for plugin in PREFIXES:
        for row in API_METHODS:
            resp = await http.post(path(row.path, plugin), content=b"{}", headers=bearer(token))
            # Empty requests are refused by the store for most methods, but never as "unknown".
            assert resp.status_code != 404 or resp.json()["code"] == "not_found", row.path
            assert resp.status_code != 405, row.path


# --- storage failures and surprises ------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        # A raw driver error reaching the server is a backend bug (the store translates
        # its own): a bare 500, none of its text.
        (sqlite3.OperationalError("disk I/O error in /secret/store.db: SELECT * FROM x"), 500),
        (OSError(28, "No space left on device", "/secret/store.db"), 503),
        (Unavailable("the store is busy; try again"), 503),
        (RuntimeError("kaboom at /secret/path"), 500),
    ],
)
async def test_storage_failures_are_clean_5xx(failure: Exception, status: int) -> None:
    state = FakeState(fail_with=failure)

    async def make() -> FakeBackend:
        return FakeBackend(state=state)

    async with serve_backend(make) as srv:
        token = srv.token_for(ALICE)
        async with httpx.AsyncClient(base_url=srv.url) as http:
            resp = await http.post(
                path("RolesService.GetRoles"), content=b"{}", headers=bearer(token)
            )
    message = assert_error(resp, status)
    assert "kaboom" not in message and "SELECT" not in message


async def test_unknown_request_fields_are_ignored() -> None:
    state = FakeState()

    async def make() -> FakeBackend:
        return FakeBackend(state=state)

    async with serve_backend(make) as srv:
        token = srv.token_for(ALICE)
        async with httpx.AsyncClient(base_url=srv.url) as http:
            resp = await http.post(
                path("IncidentsService.CreateIncident"),
                json={
                    "title": "x",
                    "initialStatusUpdate": "hi",
                    "alertGroupID": "g",
                    "fieldValues": [],
                },
                headers=bearer(token),
            )
    assert resp.status_code == 200, resp.text
    name, user, request = state.calls[-1]
    assert (name, user, request.title) == ("create_incident", "alice", "x")


# --- the read cache ----------------------------------------------------------------------


async def test_identical_reads_are_served_from_cache_until_a_write() -> None:
    state = FakeState()

    async def make() -> FakeBackend:
        return FakeBackend(state=state)

    async with serve_backend(make) as srv:
        client = srv.client(ALICE)
        created = await client.create_incident(m.CreateIncidentRequest(title="one"))
        incident = m.GetIncidentRequest(incident_id=created.incident.incident_id)

        def backend_reads() -> int:
            return sum(1 for name, _, _ in state.calls if name == "get_incident")

        first = await client.get_incident(incident)
        again = await client.get_incident(incident)
        assert backend_reads() == 1 and again == first
        await client.update_title(m.UpdateTitleRequest(incident_id="1", title="x"))  # no-op write
        await client.create_incident(m.CreateIncidentRequest(title="two"))  # bumps the version
        await client.get_incident(incident)
        assert backend_reads() == 2
        with pytest.raises(NotFound):
            await client.get_incident(m.GetIncidentRequest(incident_id="99"))
        with pytest.raises(NotFound):
            await client.get_incident(m.GetIncidentRequest(incident_id="99"))
        assert backend_reads() == 4  # failures are not cached
        await client.close()


async def test_cached_replies_expire_after_the_ttl() -> None:
    from incident_tui.server.cache import ReadCache

    cache = ReadCache(ttl=0.05)
    computed = []

    async def compute() -> bytes:
        computed.append(1)
        return b"{}"

    await cache.get_or_compute(("M", b"{}"), 1, compute)
    await cache.get_or_compute(("M", b"{}"), 1, compute)
    assert len(computed) == 1
    await asyncio.sleep(0.06)
    await cache.get_or_compute(("M", b"{}"), 1, compute)
    assert len(computed) == 2


async def test_concurrent_identical_misses_share_one_backend_call() -> None:
    from incident_tui.server.cache import ReadCache

    cache = ReadCache()
    computed = []
    gate = asyncio.Event()

    async def compute() -> bytes:
        computed.append(1)
        await gate.wait()
        return b'{"roles": []}'

    tasks = [asyncio.create_task(cache.get_or_compute(("M", b"{}"), 7, compute)) for _ in range(16)]
    await asyncio.sleep(0.01)
    gate.set()
    assert set(await asyncio.gather(*tasks)) == {b'{"roles": []}'}
    assert len(computed) == 1
