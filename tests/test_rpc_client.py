"""RpcBackend against servers that misbehave: every failure becomes a short Backend error,
reads are retried within bounds, writes are never re-sent once they may have arrived."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from incident_tui import models as m
from incident_tui.backends.base import API_METHODS, METHOD_LIST, Backend
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts, short_text
from incident_tui.config import ConfigError
from incident_tui.errors import (
    BackendError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from tests.support.raw_http import Seen, free_port_refusing, raw_server, reply

TOKEN = "itui_s3cr3t-t0ken-value"
FAST = Timeouts(connect=1.0, read=0.5, write=1.0, pool=1.0, deadline=3.0)
QUICK_RETRY = RetryPolicy(base_delay=0.02, max_delay=0.05)
INCIDENT = {"incident": {"incidentID": "7", "title": "db down", "status": "active"}}


def client(url: str, **kwargs) -> RpcBackend:
    kwargs.setdefault("timeouts", FAST)
    kwargs.setdefault("retry", QUICK_RETRY)
    return RpcBackend(url, TOKEN, **kwargs)


def get_incident() -> m.GetIncidentRequest:
    return m.GetIncidentRequest(incident_id="7")


def create_incident() -> m.CreateIncidentRequest:
    return m.CreateIncidentRequest(title="db down")


def assert_clean(exc: BaseException) -> None:
    text = str(exc)
    assert TOKEN not in text and TOKEN not in repr(exc)
    assert len(text) < 400
    assert "<html" not in text.lower()
    assert not any(ord(ch) < 32 for ch in text)


# --- the shape of requests -------------------------------------------------------


async def test_every_method_is_generated_from_the_table() -> None:
    backend = RpcBackend("http://127.0.0.1:9", TOKEN)
    for row in METHOD_LIST:
        assert callable(getattr(backend, row.backend_method)), row.path
    assert isinstance(backend, Backend)
    await backend.close()


async def test_posts_json_with_bearer_to_the_plugin_path() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url + "/", plugin="grafana-incident-app")
        resp = await backend.get_incident(get_incident())
        await backend.close()
    assert resp.incident.title == "db down"
    seen = srv.requests[0]
    assert seen.method == "POST"
    assert seen.target == (
        "/api/plugins/grafana-incident-app/resources/api/v1/IncidentsService.GetIncident"
    )
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["content-type"].startswith("application/json")
    assert seen.json() == {"incidentID": "7"}


async def test_reads_without_a_request_send_an_empty_object() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, {"roles": None}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        resp = await backend.get_roles()
        await backend.close()
    assert resp.roles == []
    assert srv.requests[0].json() == {}
    assert srv.requests[0].target.endswith(
        "/grafana-irm-app/resources/api/v1/RolesService.GetRoles"
    )


async def test_one_client_and_one_connection_for_many_calls() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        for _ in range(5):
            await backend.get_incident(get_incident())
        await backend.close()
    assert len(srv.requests) == 5
    assert srv.connections == 1


# --- failures ---------------------------------------------------------------------


async def test_refused_connection_is_unavailable_and_quick() -> None:
    backend = client(f"http://127.0.0.1:{free_port_refusing()}")
    started = time.monotonic()
    with pytest.raises(Unavailable) as info:
        await backend.get_incident(get_incident())
    # its retries back off 0.2 + 0.4 + 0.8 s; hanging on connects would take 20 s
    assert time.monotonic() - started < 10.0
    assert "cannot reach" in str(info.value)
    assert_clean(info.value)
    await backend.close()


async def test_hanging_server_hits_the_timeout() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with raw_server(handler) as srv:
        backend = client(srv.url, retry=RetryPolicy(attempts=1))
        started = time.monotonic()
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        elapsed = time.monotonic() - started
        await backend.close()
    assert 0.4 < elapsed < 15.0  # the server would hang for 30 s: a loaded machine is slower
    assert "stopped answering" in str(info.value)


async def test_slow_drip_is_cut_by_the_overall_deadline() -> None:
    """httpx's read timeout measures inactivity: one byte every 0.1 s never trips it."""

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(600):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.1)

    async with raw_server(handler) as srv:
        timeouts = Timeouts(connect=1, read=0.5, write=1, pool=1, deadline=1.0)
        backend = client(srv.url, timeouts=timeouts)
        started = time.monotonic()
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        elapsed = time.monotonic() - started
        await backend.close()
    assert 0.9 < elapsed < 30.0  # the drip lasts 60 s: the deadline cut it
    assert "within 1 s" in str(info.value)


async def test_read_is_retried_after_5xx_then_succeeds() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        if n < 2:
            writer.write(reply(503, {"error": "warming up"}))
        else:
            writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        resp = await backend.get_incident(get_incident())
        await backend.close()
    assert resp.incident.incident_id == "7"
    assert len(srv.requests) == 3


async def test_reads_give_up_after_three_retries() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(502, {"error": "bad gateway"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Unavailable) as info:
            await backend.query_incidents(m.QueryIncidentsRequest())
        await backend.close()
    assert len(srv.requests) == 4
    assert "bad gateway" in str(info.value) and "502" in str(info.value)


async def test_create_is_never_resent_after_a_5xx() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(503, {"error": "oops"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Unavailable):
            await backend.create_incident(create_incident())
        await backend.close()
    assert len(srv.requests) == 1


async def test_create_is_never_resent_when_the_connection_drops_after_sending() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> bool:
        return False  # read the request, then hang up without a reply

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Unavailable) as info:
            await backend.create_incident(create_incident())
        assert len(srv.requests) == 1
        with pytest.raises(Unavailable):
            await backend.update_title(m.UpdateTitleRequest(incident_id="7", title="x"))
        assert len(srv.requests) == 2
        with pytest.raises(Unavailable):
            await backend.get_incident(get_incident())
        await backend.close()
    assert len(srv.requests) == 6  # the read was tried 4 times
    assert_clean(info.value)


async def test_429_with_retry_after_is_waited_for() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        if n == 0:
            writer.write(reply(429, {"error": "slow down"}, headers={"Retry-After": "1"}))
        else:
            writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        started = time.monotonic()
        await backend.get_incident(get_incident())
        elapsed = time.monotonic() - started
        await backend.close()
    assert len(srv.requests) == 2
    assert 0.95 <= elapsed < 10.0  # waited the second it was asked to (loaded machine: more)


async def test_429_with_a_long_retry_after_fails_at_once() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(429, {"error": "slow down"}, headers={"Retry-After": "3600"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        started = time.monotonic()
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert time.monotonic() - started < 5.0  # not the 10 s it would wait at most, nor 3600
    assert len(srv.requests) == 1
    assert "rate limiting" in str(info.value)


async def test_html_error_page_becomes_a_short_message() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
        + ("<p>nginx</p>" * 5000)
        + "</body></html>"
    )

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(502, page, content_type="text/html"))

    async with raw_server(handler) as srv:
        backend = client(srv.url, retry=RetryPolicy(attempts=1))
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert "HTML page (502 Bad Gateway)" in str(info.value)
    assert_clean(info.value)


async def test_200_with_an_error_field_is_a_failure_and_not_retried() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, {"error": "incident is locked\x1b[31m"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(BackendError) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert len(srv.requests) == 1
    assert "incident is locked" in str(info.value)
    assert_clean(info.value)


async def test_huge_declared_body_is_refused() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: 20000000\r\n\r\n{")
        return False

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert "larger than 16 MiB" in str(info.value)
    assert len(srv.requests) == 1


async def test_huge_chunked_body_is_counted_and_refused() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"[" * 65536
        for _ in range(40):  # 2.5 MiB, over the 2 MiB cap below
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        return False

    async with raw_server(handler) as srv:
        backend = client(srv.url, max_response_bytes=2 * 1024 * 1024)
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert "larger than 2 MiB" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"incident": {"durationSeconds": NaN}}',
        b'{"incident": {"title": "\\ud800"}}',
        b'{"incident": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"incident": {"durationSeconds": 1.5}}',
        b"[]",
        b"not json",
    ],
    ids=["nan", "lone-surrogate", "deep-nesting", "float-int", "not-object", "not-json"],
)
async def test_malformed_success_bodies_are_refused(body: bytes) -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, body))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Unavailable) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert "not a valid GetIncident reply" in str(info.value)
    assert_clean(info.value)


@pytest.mark.parametrize(
    ("status", "body", "error", "needle"),
    [
        (401, {"message": "Unauthorized"}, Unauthenticated, "refused the token"),
        (403, {"message": "Forbidden"}, PermissionDenied, "role"),
        (404, {"error": "incident 7 not found"}, NotFound, "incident 7 not found"),
        (404, "404 page not found", NotFound, "plugin id"),
        (400, {"error": "invalid field 'title'"}, InvalidArgument, "title"),
        (413, {"error": "too big"}, InvalidArgument, "413"),
        (500, {"error": "boom"}, Unavailable, "server error"),
    ],
)
async def test_status_codes_map_to_backend_errors(status, body, error, needle) -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        ctype = "application/json" if isinstance(body, dict) else "text/plain"
        writer.write(reply(status, body, content_type=ctype))

    async with raw_server(handler) as srv:
        backend = client(srv.url, retry=RetryPolicy(attempts=1))
        with pytest.raises(error) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert needle in str(info.value)
    assert_clean(info.value)


async def test_server_text_is_capped_and_sanitized() -> None:
    noisy = "bad \x1b]0;pwned\x07thing\u202e " + "x" * 5000

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(400, {"error": noisy}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(InvalidArgument) as info:
            await backend.update_title(m.UpdateTitleRequest(incident_id="7", title="t"))
        await backend.close()
    text = str(info.value)
    assert "pwned" not in text and "\u202e" not in text
    assert len(text) <= 230
    assert_clean(info.value)


def test_short_text_cuts_at_200_characters() -> None:
    assert len(short_text("y" * 1000)) == 200
    assert short_text("a\nb\tc\x00d\u2028e\x1b[2Jf") == "a b c\u2400d e\u241bf"


# --- change detection --------------------------------------------------------------


async def test_missing_version_extension_switches_to_polling() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(404, "404 page not found", content_type="text/plain"))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        assert backend.capabilities.versions
        first = await backend.get_homescreen_version()
        assert not backend.capabilities.versions
        second = await backend.get_homescreen_version()
        third = await backend.get_incident_version(m.GetIncidentVersionRequest(incident_id="7"))
        await backend.close()
    assert len(srv.requests) == 1  # no more requests once known missing
    assert first.version < second.version < third.version


async def test_version_of_unknown_incident_is_not_found_on_our_server() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(404, {"error": "incident 9 not found", "code": "not_found"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(NotFound):
            await backend.get_incident_version(m.GetIncidentVersionRequest(incident_id="9"))
        assert backend.capabilities.versions
        await backend.close()


# --- safety -----------------------------------------------------------------------


def test_token_is_refused_over_plain_http_to_a_remote_host() -> None:
    with pytest.raises(ConfigError, match="plain http"):
        RpcBackend("http://grafana.example.com", TOKEN)
    for ok in (
        "http://127.0.0.1:3000",
        "http://localhost:3000/",
        "http://[::1]:3000",
        "https://grafana.example.com/",
    ):
        RpcBackend(ok, TOKEN)


@pytest.mark.parametrize("url", ["ftp://x", "grafana.example.com", "https://u:p@x.example", ""])
def test_bad_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(ConfigError):
        RpcBackend(url, TOKEN)


async def test_token_never_shows_in_repr_or_errors() -> None:
    backend = client(f"http://127.0.0.1:{free_port_refusing()}")
    assert TOKEN not in repr(backend)
    assert TOKEN not in repr(vars(backend))
    with pytest.raises(Unavailable) as info:
        await backend.get_incident(get_incident())
    assert_clean(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
    await backend.close()


@pytest.mark.parametrize("failure", ["refused", "hang", "drip", "5xx", "401"])
async def test_no_error_chains_back_to_the_request_and_its_token(failure: str) -> None:
    """httpx's exceptions hold the request, Authorization header included: none may be
    reachable from what the caller gets, even through a suppressed ``__context__``."""

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        if failure == "hang":
            await asyncio.sleep(30)
        elif failure == "drip":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(100):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)
        else:
            writer.write(reply(500 if failure == "5xx" else 401, {"error": "no"}))

    timeouts = Timeouts(connect=1, read=0.3, write=1, pool=1, deadline=0.8)
    async with raw_server(handler) as srv:
        url = f"http://127.0.0.1:{free_port_refusing()}" if failure == "refused" else srv.url
        backend = client(url, timeouts=timeouts)
        with pytest.raises(BackendError) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert info.value.__cause__ is None and info.value.__context__ is None, failure
    assert_clean(info.value)


async def test_readonly_context_refuses_changes_without_sending() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url, readonly=True)
        assert backend.capabilities.read_only
        for row in API_METHODS:
            if not row.read_only:
                with pytest.raises(PermissionDenied):
                    await getattr(backend, row.backend_method)(row.request())
        await backend.get_incident(get_incident())
        await backend.close()
    assert len(srv.requests) == 1


async def test_401_forgets_a_cached_token() -> None:
    calls = []

    class CountingSource:
        def describe(self) -> str:
            return "a test source"

        async def get(self):
            from incident_tui.backends.credentials import Secret

            calls.append("get")
            return Secret(TOKEN)

        def forget(self) -> None:
            calls.append("forget")

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(401, {"message": "invalid API key"}))

    async with raw_server(handler) as srv:
        backend = RpcBackend(srv.url, CountingSource(), timeouts=FAST)
        with pytest.raises(Unauthenticated) as info:
            await backend.get_incident(get_incident())
        await backend.close()
    assert calls == ["get", "forget"]
    assert "a test source" in str(info.value)


async def test_closed_backend_refuses_calls() -> None:
    backend = client("http://127.0.0.1:9")
    await backend.close()
    with pytest.raises(Unavailable):
        await backend.get_incident(get_incident())


async def test_wrong_request_type_is_invalid_argument() -> None:
    backend = client("http://127.0.0.1:9")
    with pytest.raises(InvalidArgument):
        await backend.get_incident(m.GetRolesRequest())  # type: ignore[arg-type]
    await backend.close()


# --- proxies -------------------------------------------------------------------------


async def test_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        backend = client("http://localhost:9")
        await backend.get_incident(get_incident())
        await backend.close()
    assert proxy.requests[0].target.startswith("http://localhost:9/api/plugins/")


async def test_context_proxy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as proxy:
        backend = client("http://localhost:9", proxy=proxy.url)
        await backend.get_incident(get_incident())
        await backend.close()
    assert proxy.requests[0].target == (
        "http://localhost:9/api/plugins/grafana-irm-app/resources/api/v1/IncidentsService.GetIncident"
    )


def test_json_of_requests_uses_reference_keys() -> None:
    body = json.loads(m.AddTaskRequest(incident_id="1", text="t", assign_to_user_id="u").to_json())
    assert body == {"incidentID": "1", "text": "t", "assignToUserID": "u"}


async def test_no_proxy_bypasses_the_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as direct:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port_refusing()}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        backend = client(direct.url)
        await backend.get_incident(get_incident())
        await backend.close()
    assert direct.requests[0].target.startswith("/api/plugins/")


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    from email.utils import formatdate

    from incident_tui.backends.rpc import _retry_after

    assert _retry_after("3") == 3.0
    assert 8 <= (_retry_after(formatdate(time.time() + 10, usegmt=True)) or 0) <= 10
    assert _retry_after(formatdate(time.time() - 60, usegmt=True)) == 0.0
    assert _retry_after("soon") is None and _retry_after(None) is None
    assert _retry_after("nan") is None
