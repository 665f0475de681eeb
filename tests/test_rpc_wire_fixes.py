"""RpcBackend reading Grafana as it really answers: errors inside a 200, ``"error": null``,
gzipped replies, and methods an older stack does not serve."""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest

from incident_tui import models as m
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.errors import (
    BackendError,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
    Unimplemented,
)
from tests.support.raw_http import Seen, raw_server, reply

TOKEN = "itui_wire-fixes-token"


def client(url: str, **kwargs) -> RpcBackend:
    kwargs.setdefault("timeouts", Timeouts(connect=1, read=2, write=1, pool=1, deadline=5))
    kwargs.setdefault("retry", RetryPolicy(base_delay=0.02, max_delay=0.05))
    return RpcBackend(url, TOKEN, **kwargs)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("incident not found", NotFound),
        ("no such incident", NotFound),
        ("permission denied: needs editor", PermissionDenied),
        ("invalid incidentID", InvalidArgument),
        ("role already exists", Conflict),
        ("something went wrong", BackendError),
    ],
)
async def test_an_error_inside_a_200_becomes_the_right_class(text: str, error: type) -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, {"error": text, "incident": None}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(BackendError) as info:
            await backend.get_incident(m.GetIncidentRequest(incident_id="7"))
        await backend.close()
    assert type(info.value) is error
    assert text in str(info.value)
    assert len(srv.requests) == 1  # not retried


async def test_a_null_error_is_success() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, {"error": None, "incident": {"incidentID": "7", "title": "x"}}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        got = await backend.get_incident(m.GetIncidentRequest(incident_id="7"))
        await backend.close()
    assert got.incident.title == "x" and got.error == ""


async def test_gzipped_replies_are_asked_for_and_read() -> None:
    page = {"incidents": [{"incidentID": str(i), "title": "db " * 50} for i in range(50)]}
    packed = gzip.compress(json.dumps(page).encode())

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        assert "gzip" in seen.headers.get("accept-encoding", "")
        writer.write(reply(200, packed, headers={"Content-Encoding": "gzip"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        got = await backend.query_incidents(m.QueryIncidentsRequest())
        await backend.close()
    assert len(got.incidents) == 50 and got.incidents[0].title.startswith("db db")
    assert len(packed) < len(json.dumps(page)) // 10


async def test_a_gzip_bomb_is_refused_by_its_unpacked_size() -> None:
    bomb = gzip.compress(b'{"incidents": [' + b" " * (8 * 1024 * 1024) + b"]}")

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, bomb, headers={"Content-Encoding": "gzip"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url, max_response_bytes=1024 * 1024)
        with pytest.raises(Unavailable, match="larger than"):
            await backend.query_incidents(m.QueryIncidentsRequest())
        await backend.close()
    assert len(bomb) < 64 * 1024


@pytest.mark.parametrize(
    "answer",
    [
        reply(404, "404 page not found", content_type="text/plain"),
        reply(404, {"message": "Not found"}),
        reply(501, {"error": "unknown method", "code": "unimplemented"}),
    ],
    ids=["plain-404", "grafana-404", "501"],
)
async def test_a_method_an_older_stack_lacks_is_unimplemented_and_not_asked_again(
    answer: bytes,
) -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(answer)

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        assert backend.capabilities.serves("query_incident_previews")
        for _ in range(2):
            with pytest.raises(Unimplemented, match="QueryIncidentPreviews"):
                await backend.query_incident_previews(m.QueryIncidentPreviewsRequest())
        assert not backend.capabilities.serves("query_incident_previews")
        assert backend.capabilities.serves("query_users", "get_incident")
        await backend.close()
    assert len(srv.requests) == 1


async def test_not_found_from_a_method_beyond_the_reference_stays_not_found() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(404, {"error": "no user with ID 'x'", "code": "not_found"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(NotFound):
            await backend.get_user(m.GetUserRequest(user_id="x"))
        assert backend.capabilities.serves("get_user")
        await backend.close()


async def test_a_grafana_stack_without_our_summary_method_makes_it_unimplemented() -> None:
    """UpdateIncidentSummary is ours: Grafana answers "unknown method"; the write is then
    Unimplemented (the console hides its command) and is not sent again."""

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(404, "404 page not found", content_type="text/plain"))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        assert backend.capabilities.serves("update_incident_summary")
        request = m.UpdateIncidentSummaryRequest(incident_id="7", summary="db lost a disk")
        for _ in range(2):
            with pytest.raises(Unimplemented, match="UpdateIncidentSummary"):
                await backend.update_incident_summary(request)
        assert not backend.capabilities.serves("update_incident_summary")
        assert backend.capabilities.serves("update_title")
        await backend.close()
    assert len(srv.requests) == 1
