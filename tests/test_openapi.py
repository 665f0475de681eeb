"""``/openapi.json``: served at the root and under both plugin prefixes, generated from the
method table, valid OpenAPI 3.1; and the real server fuzzed from it (schemathesis): valid
and invalid requests alike never get a 5xx, every answer matches the schema, and every
request the schema rules out is refused with a 4xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from incident_tui import models as m
from incident_tui.backends.base import METHOD_LIST
from incident_tui.config import KNOWN_PLUGINS
from incident_tui.server.openapi import api_prefix, openapi_document
from tests.support.rpc_server import ServerThread, sqlite_factory

ALICE = m.UserPreview(user_id="alice", name="Alice")
#: Examples per method and mode (positive, negative): 33 methods, well under a minute.
EXAMPLES = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One real server on 127.0.0.1 for the module (the fuzz run sends many requests)."""
    srv = ServerThread(sqlite_factory(tmp_path_factory.mktemp("openapi") / "store.db"))
    srv.start()
    try:
        asyncio.run(_seed(srv))
        yield srv
    finally:
        srv.stop()


async def _seed(srv: ServerThread) -> None:
    client = srv.client(ALICE)
    try:
        created = await client.create_incident(
            m.CreateIncidentRequest(title="seeded", labels=[m.IncidentLabel(label="db")])
        )
        await client.add_activity(
            m.AddActivityRequest(incident_id=created.incident.incident_id, body="a note")
        )
    finally:
        await client.close()


@pytest.mark.parametrize(
    "where", ["/openapi.json", *(f"{api_prefix(p)}/openapi.json" for p in KNOWN_PLUGINS)]
)
def test_the_schema_is_served_without_a_token_and_is_valid_openapi_31(
    server: ServerThread, where: str
) -> None:
    resp = httpx.get(server.url + where, timeout=10)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    assert {path.lstrip("/") for path in doc["paths"]} == {row.path for row in METHOD_LIST}
    servers = [s["url"] for s in doc["servers"]]
    if where == "/openapi.json":
        assert servers == [api_prefix(p) for p in KNOWN_PLUGINS]
    else:
        assert servers == [where.removesuffix("/openapi.json")]


def test_request_schemas_carry_the_servers_bounds() -> None:
    schemas = openapi_document()["components"]["schemas"]
    title = schemas["CreateIncidentRequestInput"]["properties"]["title"]["anyOf"][0]
    assert title["maxLength"] == 1000 and "\\u0000" in title["pattern"]
    limit = schemas["IncidentsQueryInput"]["properties"]["limit"]["anyOf"][0]
    assert (limit["minimum"], limit["maximum"]) == (0, 500)
    # responses: never null, roleID an integer on every assignment
    role_id = schemas["Assignment"]["properties"]["roleID"]
    assert role_id["type"] == "integer"
    assert "null" not in str(schemas["Incident"])


def test_an_unknown_plugin_has_no_schema(server: ServerThread) -> None:
    resp = httpx.get(f"{server.url}{api_prefix('other-app')}/openapi.json", timeout=10)
    assert resp.status_code == 404 and resp.json()["error"]


@pytest.fixture(scope="module")
def web_schema(server: ServerThread):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    schema.config.update(base_url=server.url + api_prefix("grafana-irm-app"))
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        deterministic=True,
    )
    return schema


fuzzed = schemathesis.pytest.from_fixture("web_schema")


@fuzzed.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_server_keeps_to_its_schema_under_fuzzing(case, server: ServerThread) -> None:
    token = _fuzz_token(server)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
            ignored_auth,
        ],
    )


_TOKENS: dict[int, str] = {}


def _fuzz_token(server: ServerThread) -> str:
    if id(server) not in _TOKENS:
        _TOKENS[id(server)] = server.token_for(ALICE, name="fuzz")
    return _TOKENS[id(server)]
