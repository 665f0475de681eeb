"""The server refuses what it should: JSON only, no type coercion, bounded sizes and counts,
no control characters in single-line text, each refusal a 400 naming the field. It still
takes what Grafana's clients send (zero values, ``null``, unknown keys). A broken store's
error carries no path; replies are gzipped for clients that accept it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui import models as m
from incident_tui.server.validation import MAX_PAGE_SIZE
from tests.support.rpc_server import ServerThread, rpc_server, serve_backend, sqlite_factory

ALICE = m.UserPreview(user_id="alice", name="Alice")
JSON = {"Content-Type": "application/json"}


def path(method: str, plugin: str = "grafana-irm-app") -> str:
    return f"/api/plugins/{plugin}/resources/api/v1/{method}"


def refusal(resp: httpx.Response, status: int = 400) -> str:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    error = resp.json()["error"]
    assert isinstance(error, str) and error
    return error


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerThread]:
    async with rpc_server(tmp_path / "store.db") as srv:
        yield srv


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {server.token_for(ALICE)}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=headers) as client:
        yield client


async def incident_id(http: httpx.AsyncClient) -> str:
    resp = await http.post(path("IncidentsService.CreateIncident"), json={"title": "db down"})
    assert resp.status_code == 200, resp.text
    return resp.json()["incident"]["incidentID"]


# --- types, sizes, counts, control characters ---------------------------------------------

LONG = "x" * 1001
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("IncidentsService.CreateIncident", {"title": "x", "isDrill": "yes"}, "isDrill"),
    ("IncidentsService.CreateIncident", {"title": "x", "isDrill": 1}, "isDrill"),
    ("IncidentsService.QueryIncidents", {"query": {"limit": "10"}}, "query.limit"),
    ("IncidentsService.QueryIncidents", {"query": {"limit": 10**12}}, "query.limit"),
    ("IncidentsService.QueryIncidents", {"query": {"limit": MAX_PAGE_SIZE + 1}}, "query.limit"),
    ("IncidentsService.QueryIncidents", {"query": {"limit": 10.0}}, "query.limit"),
    ("IncidentsService.QueryIncidents", {"query": {"limit": -1}}, "query.limit"),
    ("IncidentsService.QueryIncidents", {"query": {"queryString": "q" * 2001}},
     "query.queryString"),
    ("IncidentsService.QueryIncidents", {"cursor": {"nextValue": "c" * 1001}},
     "cursor.nextValue"),
    ("IncidentsService.QueryIncidents", {"query": {"includeStatuses": "active"}},
     "query.includeStatuses"),
    ("IncidentsService.QueryIncidentPreviews", {"query": {"limit": "10"}}, "query.limit"),
    ("UsersService.QueryUsers", {"query": {"limit": 10**12}}, "query.limit"),
    ("UsersService.GetUser", {"userID": 7}, "userID"),
    ("IncidentsService.CreateIncident", {"title": "db\x00down"}, "title"),
    ("IncidentsService.CreateIncident", {"title": "db\x1b[31mdown"}, "title"),
    ("IncidentsService.CreateIncident", {"title": "two\nlines"}, "title"),
    ("IncidentsService.CreateIncident", {"title": LONG}, "title"),
    ("IncidentsService.CreateIncident", {"title": "x", "labels": [{"label": "l" * 201}]},
     "labels.0.label"),
    ("IncidentsService.CreateIncident", {"title": "x", "labels": [{"label": "a\tb"}]},
     "labels.0.label"),
    ("IncidentsService.CreateIncident",
     {"title": "x", "labels": [{"label": f"l{n}"} for n in range(101)]}, "labels"),
    ("IncidentsService.CreateIncident", {"title": "x", "labels": [None]}, "labels.0"),
    ("IncidentsService.AddLabel", {"incidentID": "1", "label": "db"}, "label"),
    ("IncidentsService.AssignRole", {"incidentID": "1", "userID": "bob\x00", "role": "x"},
     "userID"),
    ("ActivityService.AddActivity", {"incidentID": "1", "body": "n" * 100_001}, "body"),
    ("RolesService.CreateRole", {"role": {"name": "scribe\x07"}}, "role.name"),
    ("RolesService.CreateRole", {"role": {"name": "x", "roleID": -1}}, "role.roleID"),
    ("RolesService.ArchiveRole", {"roleID": "1"}, "roleID"),
    ("TasksService.AddTask", {"incidentID": "1", "text": "t" * 2001}, "text"),
    ("IncidentsService.UpdateIncidentSummary", {"incidentID": "1", "summary": "s" * 10_001},
     "summary"),
    ("IncidentsService.UpdateIncidentSummary", {"incidentID": "1", "summary": ["a"]}, "summary"),
    ("IncidentsService.UpdateIncidentSummary", {"incidentID": 1, "summary": "x"}, "incidentID"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "body", "field"), CASES)
async def test_a_bad_field_is_a_400_naming_it(
    http: httpx.AsyncClient, method: str, body: dict[str, Any], field: str
) -> None:
    await incident_id(http)
    error = refusal(await http.post(path(method), json=body))
    assert f"'{field}'" in error


async def test_nothing_refused_was_stored(http: httpx.AsyncClient) -> None:
    for method, body, _ in CASES:
        if method == "IncidentsService.CreateIncident":
            refusal(await http.post(path(method), json=body))
    page = await http.post(path("IncidentsService.QueryIncidents"), json={})
    assert page.json()["incidents"] == []


async def test_free_text_is_kept_verbatim(http: httpx.AsyncClient) -> None:
    """A note is free text: line breaks, tabs, even escapes are kept (the console
    neutralises them when it draws them)."""
    iid = await incident_id(http)
    body = "line 1\n\tline 2\r\n\x1b[31mred\x00"
    note = await http.post(
        path("ActivityService.AddActivity"),
        json={"incidentID": iid, "activityKind": "userNote", "body": body},
    )
    assert note.status_code == 200, note.text
    assert note.json()["activityItem"]["body"] == body


async def test_a_summary_keeps_its_lines_and_leaves_a_timeline_item(
    http: httpx.AsyncClient,
) -> None:
    """UpdateIncidentSummary (ours): several lines kept, one ``incidentSummary`` item; the
    same summary again changes nothing."""
    iid = await incident_id(http)
    text = "Primary lost its disk.\n\n- failed over at 03:10\n- replica catching up"
    for _ in range(2):
        resp = await http.post(
            path("IncidentsService.UpdateIncidentSummary"),
            json={"incidentID": iid, "summary": f"  {text}\n"},
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["incident"]["summary"] == text
    items = await http.post(
        path("ActivityService.QueryActivity"),
        json={"query": {"incidentID": iid, "activityKind": ["incidentSummary"]}},
    )
    assert [i["body"] for i in items.json()["activityItems"]] == [text]
    missing = await http.post(
        path("IncidentsService.UpdateIncidentSummary"),
        json={"incidentID": "9999", "summary": "x"},
    )
    assert missing.status_code == 404, missing.text


async def test_null_means_not_set_everywhere(http: httpx.AsyncClient) -> None:
    """The Node client's types allow ``null`` for optional fields: it is "not set"."""
    created = await http.post(
        path("IncidentsService.CreateIncident"),
        json={"title": "x", "severity": None, "isDrill": None, "labels": None, "status": None},
    )
    assert created.status_code == 200, created.text
    assert created.json()["incident"]["severity"] == "pending"
    page = await http.post(
        path("IncidentsService.QueryIncidents"),
        json={"query": {"limit": None, "queryString": None, "onlyDrills": None}, "cursor": None},
    )
    assert page.status_code == 200, page.text
    assert page.json()["query"]["limit"] > 0


async def test_unknown_fields_and_go_zero_values_still_pass(http: httpx.AsyncClient) -> None:
    resp = await http.post(
        path("IncidentsService.CreateIncident"),
        content=json.dumps(
            {
                "title": "x",
                "status": "",
                "isDrill": False,
                "labels": None,
                "fieldValues": [1],
                "initialStatusUpdate": {"deep": [None, 1.5]},
            }  # fmt: skip
        ),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert resp.status_code == 200, resp.text


# --- JSON only ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ctype",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/jsonx",
        "",
    ],
)
async def test_a_body_that_is_not_declared_json_is_415(http: httpx.AsyncClient, ctype: str):
    resp = await http.post(
        path("IncidentsService.CreateIncident"),
        content=b'{"title": "x"}',
        headers={"Content-Type": ctype},
    )
    assert "JSON" in refusal(resp, 415)


@pytest.mark.parametrize(
    "ctype",
    ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"],
)
async def test_json_with_or_without_a_utf8_charset_is_accepted(
    http: httpx.AsyncClient, ctype: str
) -> None:
    resp = await http.post(
        path("IncidentsService.CreateIncident"),
        content=b'{"title": "x"}',
        headers={"Content-Type": ctype},
    )
    assert resp.status_code == 200, resp.text


async def test_a_body_over_the_limit_is_413_naming_the_body(http: httpx.AsyncClient) -> None:
    big = json.dumps({"title": "x", "pad": "y" * (1024 * 1024)}).encode()
    error = refusal(
        await http.post(path("IncidentsService.CreateIncident"), content=big, headers=JSON), 413
    )
    assert "body" in error


# --- what a failure may say ------------------------------------------------------------------


def _break_incidents_table(db: Path) -> None:
    """Overwrite the incidents table's root page: the file opens, incident reads fail."""
    conn = sqlite3.connect(db)
    try:
        root = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'incidents'")
        page = root.fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    with db.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xff" * size)


async def test_a_corrupted_stores_error_names_no_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "secret-folder" / "store.db"
    async with rpc_server(db) as srv:
        client = srv.client(ALICE)
        await client.create_incident(m.CreateIncidentRequest(title="before"))
        await client.close()
    _break_incidents_table(db)
    with caplog.at_level("WARNING", logger="incident_tui.server"):
        async with serve_backend(sqlite_factory(db)) as srv:
            async with httpx.AsyncClient(base_url=srv.url, timeout=10) as http:
                resp = await http.post(
                    path("IncidentsService.QueryIncidents"),
                    json={},
                    headers={"Authorization": f"Bearer {srv.token_for(ALICE)}"},
                )
    error = refusal(resp, 503)
    for leak in (str(tmp_path), "secret-folder", "store.db", "/", "SQLite", "malformed"):
        assert leak not in error
    assert resp.headers.get("retry-after")
    assert str(db) in caplog.text  # the operator's log has the detail


# --- gzip ----------------------------------------------------------------------------------


async def test_big_replies_are_gzipped_for_clients_that_accept_it(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    for n in range(20):
        await http.post(path("IncidentsService.CreateIncident"), json={"title": f"incident {n}"})
    raw = httpx.AsyncClient(base_url=server.url, timeout=10)
    token = {"Authorization": f"Bearer {server.token_for(ALICE)}", **JSON}
    try:
        packed = await raw.post(
            path("IncidentsService.QueryIncidents"),
            content=b"{}",
            headers={**token, "Accept-Encoding": "gzip"},
        )
        plain = await raw.post(
            path("IncidentsService.QueryIncidents"),
            content=b"{}",
            headers={**token, "Accept-Encoding": "identity"},
        )
        small = await raw.post(
            path("RolesService.GetRoles"),
            content=b"{}",
            headers={**token, "Accept-Encoding": "gzip"},
        )
    finally:
        await raw.aclose()
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in plain.headers
    assert packed.json() == plain.json()  # httpx unpacked it
    assert int(packed.headers["content-length"]) * 4 < len(plain.content)
    assert "content-encoding" not in small.headers  # under ~1 KB: not worth it
    assert len(small.content) < 1024


async def test_gzip_made_on_the_reading_thread_without_the_read_cache(tmp_path: Path) -> None:
    """Cache off, store readers on (as ``serve`` runs): pages built from rows are gzipped
    where they were built; the same JSON as the plain reply, small replies left plain."""
    import gzip

    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.server.app import build_app

    async def make() -> Any:
        return await SqliteBackend.open(tmp_path / "store.db", ALICE, readers=2)

    def app(backend: Any, tokens: Any) -> Any:
        return build_app(backend, tokens, cache=False)

    async with serve_backend(make, app_factory=app) as srv:
        token = {"Authorization": f"Bearer {srv.token_for(ALICE)}", **JSON}
        # No automatic unpacking: the bytes as sent.
        async with httpx.AsyncClient(base_url=srv.url, timeout=10, headers=token) as raw:
            for n in range(20):
                created = await raw.post(
                    path("IncidentsService.CreateIncident"), json={"title": f"incident {n}"}
                )
                assert created.status_code == 200, created.text
            iid = created.json()["incident"]["incidentID"]
            sent: dict[str, tuple[httpx.Response, bytes]] = {}
            for coding in ("gzip", "identity"):
                async with raw.stream(
                    "POST",
                    path("IncidentsService.QueryIncidents"),
                    content=b"{}",
                    headers={"Accept-Encoding": coding},
                ) as resp:
                    sent[coding] = (resp, b"".join([c async for c in resp.aiter_raw()]))
            one = await raw.post(
                path("IncidentsService.GetIncident"),
                json={"incidentID": iid},
                headers={"Accept-Encoding": "gzip"},
            )
    (packed, packed_bytes), (plain, plain_bytes) = sent["gzip"], sent["identity"]
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in plain.headers
    assert len(packed_bytes) * 4 < len(plain_bytes)
    assert gzip.decompress(packed_bytes) == plain_bytes
    assert len(json.loads(plain_bytes)["incidents"]) == 20
    assert one.json()["incident"]["incidentID"] == iid


async def test_gzip_when_the_reply_comes_from_the_read_cache(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    for n in range(20):
        await http.post(path("IncidentsService.CreateIncident"), json={"title": f"incident {n}"})
    first = await http.post(path("IncidentsService.QueryIncidents"), json={})
    again = await http.post(path("IncidentsService.QueryIncidents"), json={})
    assert first.headers["content-encoding"] == again.headers["content-encoding"] == "gzip"
    assert first.content == again.content
