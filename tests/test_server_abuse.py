"""Slow and greedy clients against a real server, on loopback only.

A real ``incident-tui serve`` (a subprocess) keeps answering while 300 connections hold
half a request each, and answers a flood with JSON 429/503, never plain text. With
small limits (in-process uvicorn, same protocol), each deadline and cap is shown to
act: a JSON 408 for a slow head or body, a JSON 429 past the per-address cap, a JSON
503 past the connection and request caps, a JSON 400 for bytes that are not HTTP.
Bad ``serve`` arguments are one line, no traceback.

Extra loopback addresses (127.0.0.2 ...) stand in for other machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend, Capabilities
from incident_tui.server.app import build_app
from incident_tui.server.guard import Guard, Limits
from incident_tui.server.tokens import TokenStore
from tests.support.rpc_server import serve_backend
from tests.test_server_cli import env_for

ALICE = m.UserPreview(user_id="alice", name="Alice")
GET_ROLES = "/api/plugins/grafana-irm-app/resources/api/v1/RolesService.GetRoles"


@contextlib.contextmanager
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``incident-tui serve --port 0`` with a token; yields (url, token); stops it after."""
    tokens = TokenStore.load(tmp_path / "tokens.json")
    token = tokens.issue("alice", "edit")
    tokens.save()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "serve", "--port", "0",
         "--db", str(tmp_path / "store.db"), "--tokens", str(tmp_path / "tokens.json")],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env_for(tmp_path),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (tmp_path / "serve.log").read_text()
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def request_bytes(token: str, body: bytes = b"{}", path: str = GET_ROLES) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def connect(url: str, source: str = "127.0.0.1"):
    host, port = url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port), local_addr=(source, 0))


async def read_answer(
    reader: asyncio.StreamReader, timeout: float = 20.0
) -> tuple[int, dict, dict]:
    """(status, headers, JSON body) of one response; fails on anything that is not JSON."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {
        k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)
    }
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), timeout)
    assert headers["content-type"].startswith("application/json"), (status, body[:80])
    return status, headers, json.loads(body)


async def closed_by_server(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), timeout)


# --- a real `incident-tui serve` -------------------------------------------------------------


async def test_300_slow_connections_leave_normal_requests_fast(tmp_path: Path) -> None:
    with served(tmp_path) as (url, token):
        slow = []
        # 60 from each of five other addresses: within the per-address cap of 64.
        for n in range(300):
            reader, writer = await connect(url, f"127.0.0.{2 + n % 5}")
            writer.write(f"POST {GET_ROLES} HT".encode())  # half a request line, then nothing
            slow.append((reader, writer))
        await asyncio.gather(*(w.drain() for _, w in slow))
        try:
            times = []
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                for _ in range(50):
                    started = time.perf_counter()
                    resp = await http.post(
                        GET_ROLES, json={}, headers={"Authorization": f"Bearer {token}"}
                    )
                    times.append(time.perf_counter() - started)
                    assert resp.status_code == 200, resp.text
            assert max(times) < 1.0, f"slowest normal request {max(times):.2f} s"
            still_open = sum(1 for r, _ in slow if not r.at_eof())
            assert still_open == 300  # held open, not refused: the deadline has not passed
        finally:
            for _, writer in slow:
                writer.close()


async def test_a_flood_gets_json_429_or_503_never_plain_text(tmp_path: Path) -> None:
    with served(tmp_path) as (url, token):

        async def one() -> tuple[int, dict, dict]:
            reader, writer = await connect(url, "127.0.0.9")
            try:
                writer.write(request_bytes(token))
                await writer.drain()
                return await read_answer(reader)
            finally:
                writer.close()

        answers = []
        for _ in range(2):  # 600 requests, 300 at a time, from one address
            answers += await asyncio.gather(*(one() for _ in range(300)))
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {200, 429, 503}, sorted(set(statuses))
    assert statuses.count(200) >= 64
    assert 429 in statuses  # past 64 connections from one address
    for status, headers, body in answers:
        if status != 200:
            assert body["error"] and headers["retry-after"].isdigit()
        else:
            assert isinstance(body["roles"], list)


# --- each limit, with small numbers ---------------------------------------------------------


class Gate(Backend):
    """GetRoles waits at a gate: requests pile up in flight. The server runs in its own
    thread and loop: ``open_gate`` wakes that loop, not the test's."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.waiting = 0
        self.loop: asyncio.AbstractEventLoop | None = None

    def open_gate(self) -> None:
        if self.loop is None:
            self.gate.set()
        else:
            self.loop.call_soon_threadsafe(self.gate.set)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(name="gate", methods=frozenset({"get_roles"}), versions=False)

    async def get_roles(self, request: m.GetRolesRequest | None = None) -> m.GetRolesResponse:
        self.loop = asyncio.get_running_loop()
        self.waiting += 1
        await self.gate.wait()
        return m.GetRolesResponse()


SMALL = Limits(
    head_timeout=0.5,
    request_timeout=1.0,
    per_address=4,
    max_connections=12,
    max_in_flight=3,
    linger=0.5,
)


@contextlib.asynccontextmanager
async def small_server(backend: Backend | None = None) -> AsyncIterator[tuple[str, str, Backend]]:
    gate = backend or Gate()

    async def make() -> Backend:
        return gate

    def app(b: Backend, tokens: TokenStore):
        return build_app(b, tokens, cache=False, guard=Guard(SMALL))

    async with serve_backend(make, app_factory=app) as srv:
        yield srv.url, srv.token_for(ALICE), gate


async def test_a_slow_head_gets_a_json_408_and_is_closed() -> None:
    async with small_server() as (url, _, _):
        reader, writer = await connect(url)
        writer.write(b"POST /api/plugins/grafana-irm-app/resources/api/v1/Roles")
        silent_reader, silent_writer = await connect(url)  # sends nothing at all
        started = time.monotonic()
        answer = await closed_by_server(reader, 10)
        silent = await closed_by_server(silent_reader, 10)
        waited = time.monotonic() - started
        writer.close()
        silent_writer.close()
    for raw in (answer, silent):
        assert raw.startswith(b"HTTP/1.1 408 "), raw[:60]
        assert b"application/json" in raw
        assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["error"].startswith("the request's headers")
    assert waited < 8


async def test_a_slow_body_gets_a_json_408_at_the_request_deadline() -> None:
    async with small_server() as (url, token, _):
        reader, writer = await connect(url)
        full = request_bytes(token, b'{"x": "' + b"y" * 100 + b'"}')
        head, body = full.split(b"\r\n\r\n", 1)
        writer.write(head + b"\r\n\r\n")
        for chunk in (body[:10], body[10:20]):  # a drip, never the whole body
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.2)
        answer = await closed_by_server(reader, 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:60]
    assert b"body did not arrive" in answer


async def test_a_kept_alive_idle_connection_is_not_cut_by_the_head_deadline() -> None:
    async with small_server() as (url, token, gate):
        assert isinstance(gate, Gate)
        gate.open_gate()
        reader, writer = await connect(url)
        for _ in range(2):
            writer.write(request_bytes(token))
            status, _, _ = await read_answer(reader)
            assert status == 200
            await asyncio.sleep(0.8)  # longer than head_timeout, between requests
        writer.close()


async def test_past_the_per_address_cap_a_json_429() -> None:
    async with small_server() as (url, token, gate):
        assert isinstance(gate, Gate)
        gate.open_gate()
        held = [await connect(url, "127.0.0.3") for _ in range(4)]
        reader, writer = await connect(url, "127.0.0.3")
        writer.write(request_bytes(token))
        status, headers, body = await read_answer(reader)
        assert status == 429 and headers["retry-after"] == "1"
        assert "127.0.0.3" in body["error"]
        other_reader, other_writer = await connect(url, "127.0.0.4")  # another address: fine
        other_writer.write(request_bytes(token))
        assert (await read_answer(other_reader))[0] == 200
        for _, w in [*held, (reader, writer), (other_reader, other_writer)]:
            w.close()


async def test_past_the_connection_cap_a_json_503() -> None:
    async with small_server() as (url, token, _):
        held = [await connect(url, f"127.0.0.{10 + n // 4}") for n in range(12)]
        reader, writer = await connect(url, "127.0.0.20")
        status, headers, body = await read_answer(reader)
        assert status == 503 and headers["retry-after"] == "1" and "full" in body["error"]
        for _, w in [*held, (reader, writer)]:
            w.close()


async def test_past_the_in_flight_cap_a_json_503() -> None:
    async with small_server() as (url, token, gate):
        assert isinstance(gate, Gate)
        busy = [await connect(url, f"127.0.0.{30 + n}") for n in range(3)]
        for _, w in busy:
            w.write(request_bytes(token))
        for _ in range(200):
            if gate.waiting == 3:
                break
            await asyncio.sleep(0.01)
        assert gate.waiting == 3
        reader, writer = await connect(url, "127.0.0.40")
        writer.write(request_bytes(token))
        status, headers, body = await read_answer(reader)
        assert status == 503 and headers["retry-after"] == "1" and "busy" in body["error"]
        gate.open_gate()
        for r, _ in busy:
            assert (await read_answer(r))[0] == 200
        for _, w in [*busy, (reader, writer)]:
            w.close()


async def test_bytes_that_are_not_http_get_a_json_400() -> None:
    async with small_server() as (url, _, _):
        reader, writer = await connect(url)
        writer.write(b"\x16\x03\x01\x02\x00 this is TLS, or garbage\r\n\r\n")
        answer = await closed_by_server(reader, 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 400 ") and b"application/json" in answer


async def test_headers_over_16_kib_get_a_json_431() -> None:
    async with small_server() as (url, token, _):
        reader, writer = await connect(url)
        writer.write(
            f"POST {GET_ROLES} HTTP/1.1\r\nHost: x\r\nX-Pad: {'p' * 20000}\r\n\r\n".encode()
        )
        answer = await closed_by_server(reader, 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 431 ") and b'"error"' in answer


# --- bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--port", "99999"], "--port must be from 0 to 65535"),
        (["--port", "-1"], "--port must be from 0 to 65535"),
        (["--host", "999.1.1.1"], "cannot listen on 999.1.1.1"),
        (["--host", "a" * 70 + ".example"], "cannot listen on"),
    ],
)
def test_bad_serve_arguments_are_one_line_without_a_traceback(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    tokens = TokenStore.load(tmp_path / "tokens.json")
    tokens.issue("alice", "edit")
    tokens.save()
    done = subprocess.run(
        [sys.executable, "-m", "incident_tui", "serve", "--db", str(tmp_path / "s.db"),
         "--tokens", str(tmp_path / "tokens.json"), *args],
        capture_output=True, text=True, env=env_for(tmp_path), timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert needle in done.stderr


def test_the_connection_cap_leaves_room_under_the_open_file_limit() -> None:
    import resource

    from incident_tui.server.app import connection_cap

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = connection_cap()
    assert cap <= Limits.max_connections
    if soft != resource.RLIM_INFINITY:
        assert cap <= max(16, soft - 64)
