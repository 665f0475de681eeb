"""The Prod Manager test server keeps itself honest: it answers as the real one does
(302s, page headers, its error shapes) and catches requests off the published API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.prodmanager_server import ProdManagerServer, prodmanager_server

CREATE = {
    "name": "Disk full on db-1",
    "scope": "1",
    "service": "1",
    "severity": "high",
    "start_impact_date": "2026-03-01T10:00",
}


@pytest.fixture
async def server() -> AsyncIterator[ProdManagerServer]:
    async with prodmanager_server() as srv:
        srv.add_scope("Production")
        srv.add_service("API")
        yield srv


def auth(server: ProdManagerServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.issue_token()}"}


async def test_a_create_answers_302_to_the_new_incident(server):
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{server.url}/api/incident/create", data=CREATE, headers=auth(server)
        )
    assert answer.status_code == 302
    assert answer.headers["location"] == f"{server.url}/api/incident/1"
    assert server.violations == []


async def test_a_json_body_is_a_400_and_a_violation(server):
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{server.url}/api/incident/create", json=CREATE, headers=auth(server)
        )
    assert answer.status_code == 400
    assert server.incidents == {}
    assert any("application/json" in v for v in server.take_violations())


async def test_per_page_above_fifty_is_a_400_in_its_own_words(server):
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{server.url}/api/incident", params={"per_page": 51})
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "Pagination overflow",
        "reasons": {"per_page": ["Value higher than the limit 50"]},
    }
    assert any("per_page" in v for v in server.take_violations())


async def test_page_headers_say_none_where_there_is_no_page(server):
    for n in range(3):
        server.add_incident(f"Incident number {n}")
    async with httpx.AsyncClient() as http:
        first = await http.get(f"{server.url}/api/incident", params={"per_page": 2})
        last = await http.get(f"{server.url}/api/incident", params={"per_page": 2, "page": 2})
    assert (first.headers["x-prev-page"], first.headers["x-next-page"]) == ("None", "2")
    assert (last.headers["x-prev-page"], last.headers["x-next-page"]) == ("1", "None")
    assert (first.headers["x-total"], first.headers["x-total-pages"]) == ("3", "2")
    assert len(last.json()["items"]) == 1


async def test_requests_off_the_published_api_are_caught(server):
    async with httpx.AsyncClient() as http:
        bad_severity = await http.post(
            f"{server.url}/api/incident/create",
            data=CREATE | {"severity": "urgent"},
            headers=auth(server),
        )
        empty_date = await http.post(
            f"{server.url}/api/incident/create",
            data=CREATE | {"start_impact_date": ""},
            headers=auth(server),
        )
        bad_filter = await http.get(f"{server.url}/api/incident", params={"status": "closed"})
        no_token = await http.post(f"{server.url}/api/incident/create", data=CREATE)
    assert [a.status_code for a in (bad_severity, empty_date, bad_filter, no_token)] == [400] * 4
    found = server.take_violations()
    assert len(found) == 4
    assert any("urgent" in v for v in found) and any("bearerAuth" in v for v in found)


async def test_a_comment_is_checked_against_the_seed(server):
    ident = server.add_incident("Disk full on db-1")
    async with httpx.AsyncClient() as http:
        ok = await http.post(
            f"{server.url}/api/incident/{ident}/comment",
            data={"comment": "looking", "internal": "1"},
            headers=auth(server),
        )
        odd = await http.post(
            f"{server.url}/api/incident/{ident}/comment",
            data={"comment": "looking", "author": "bob"},
            headers=auth(server),
        )
    assert ok.status_code == 302 and odd.status_code == 400
    assert ["author" in v for v in server.take_violations()] == [True]
    assert server.incidents[ident].events[-1].internal is True


async def test_an_update_clears_what_it_leaves_out(server):
    ident = server.add_incident("Disk full on db-1", description="kept only if sent")
    form = CREATE | {"status": "stable"}
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{server.url}/api/incident/{ident}/update", data=form, headers=auth(server)
        )
    assert answer.status_code == 302
    stored = server.incidents[ident]
    assert stored.description is None
    assert stored.status == "stable" and stored.stable_date is not None
    assert server.violations == []


async def test_errors_have_prod_managers_shapes(server):
    async with httpx.AsyncClient() as http:
        missing = await http.get(f"{server.url}/api/incident/42")
        forbidden = await http.post(
            f"{server.url}/api/incident/42/update", data=CREATE | {"status": "active"}
        )
        bad_token = await http.get(
            f"{server.url}/api/incident", headers={"Authorization": "Bearer nope"}
        )
    assert missing.status_code == 404
    assert missing.json()["reasons"] == {"incident": ["Resource not found : 42"]}
    assert forbidden.status_code == 400  # the document requires a bearer token there
    assert bad_token.status_code == 401
    assert bad_token.json()["message"] == "Token validation failed"
    server.take_violations()
