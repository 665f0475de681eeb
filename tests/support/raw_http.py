"""A tiny raw asyncio HTTP/1.1 server for tests that need a server to misbehave.

The test gives a handler that sees each parsed request (and how many came before)
and writes whatever bytes it likes: nothing, half a reply, an HTML page, a slow
drip. Bound to 127.0.0.1 on a free port; everything stops when the context ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body or b"{}")


@dataclass
class RawServer:
    url: str
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0


Handler = Callable[[Seen, int, asyncio.StreamWriter], Awaitable[bool | None]]


def reply(
    status: int,
    body: bytes | str | dict = b"",
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A complete HTTP/1.1 response as bytes."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [
        f"HTTP/1.1 {status} X",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Seen(method, target, headers, body)


@contextlib.asynccontextmanager
async def raw_server(
    handler: Handler, *, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    """Serve ``handler`` on 127.0.0.1. The handler returns False to close the connection."""
    state = RawServer(url="")
    tasks: set[asyncio.Task] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        state.connections += 1
        try:
            while True:
                seen = await _read_request(reader)
                if seen is None:
                    break
                state.requests.append(seen)
                keep = await handler(seen, len(state.requests) - 1, writer)
                await writer.drain()
                if keep is False:
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=ssl_context)
    port = server.sockets[0].getsockname()[1]
    state.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


def free_port_refusing() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
