"""Slow and greedy clients: deadlines, a cap per client address, JSON refusals.

uvicorn alone never closes a connection that sends half a request line and waits,
and answers overload (``limit_concurrency``) and malformed HTTP in plain text, which
Grafana's clients cannot read. ``guarded_protocol`` is uvicorn's h11 protocol with:

- a deadline to receive a request's line and headers (``head_timeout``) and the whole
  request (``request_timeout``), counted from its first byte (or from the connection
  opening): past it the client gets a JSON 408 and the connection closes;
- at most ``per_address`` open connections from one client address (a JSON 429 with
  ``Retry-After`` past it) and ``max_connections`` in all (a JSON 503);
- a JSON 400 for bytes that are not HTTP (instead of uvicorn's text), a JSON 431 for
  a request line and headers over 16 KiB.

Requests in flight are capped by the application (``RpcApp``), also with a JSON 503.
This subclasses a uvicorn internal, so uvicorn is pinned to the releases tested.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("incident_tui.server")

#: The longest request line and headers accepted (h11's own bound for a partial head).
MAX_HEAD = 16 * 1024


@dataclass(frozen=True)
class Limits:
    """What one server accepts; the defaults suit a shared jump host."""

    head_timeout: float = 10.0  # seconds to receive a request's line and headers
    request_timeout: float = 30.0  # ... and its whole body (from the request's first byte)
    per_address: int = 64  # open connections from one client address
    max_connections: int = 1024  # open connections in all
    max_in_flight: int = 128  # requests being answered at once
    retry_after: int = 1  # seconds, sent with 429 and 503
    linger: float = 2.0  # a refused connection is read and dropped this long, then closed


def json_response(
    status: int, reason: str, message: str, code: str, headers: dict[str, str] | None = None
) -> bytes:
    """A complete HTTP/1.1 response closing the connection, with a JSON ``error``."""
    body = json.dumps({"error": message, "code": code}).encode()
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{key}: {value}" for key, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Guard:
    """Counts shared by every connection of one server."""

    limits: Limits = field(default_factory=Limits)
    by_address: dict[str, int] = field(default_factory=dict)
    open: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    _last_log: dict[str, float] = field(default_factory=dict)

    def note(self, kind: str, address: str) -> None:
        """Count a refusal; log at most one line per kind every 5 s (a flood must not
        flood the log too)."""
        self.refused[kind] = self.refused.get(kind, 0) + 1
        now = time.monotonic()
        if now - self._last_log.get(kind, 0.0) >= 5.0:
            self._last_log[kind] = now
            log.warning("refused %s from %s (%d so far)", kind, address, self.refused[kind])


def guarded_protocol(guard: Guard) -> type[H11Protocol]:
    """uvicorn's h11 protocol class bound to ``guard``."""

    class GuardedH11Protocol(_GuardedH11Protocol):
        pass

    GuardedH11Protocol.guard = guard
    return GuardedH11Protocol


class _GuardedH11Protocol(H11Protocol):
    guard: Guard

    _deadline: asyncio.TimerHandle | None = None
    _deadline_kind = ""
    _request_started = 0.0
    _address = ""
    _counted = False
    _refusing = False

    # --- connections ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        guard, limits = self.guard, self.guard.limits
        self._address = self.client[0] if self.client else "-"
        retry = {"Retry-After": str(limits.retry_after)}
        if guard.open >= limits.max_connections:
            guard.note("connection (server full)", self._address)
            self._refuse(
                json_response(
                    503,
                    "Service Unavailable",
                    "the server is full; try again",
                    "unavailable",
                    retry,
                )
            )
            return
        if guard.by_address.get(self._address, 0) >= limits.per_address:
            guard.note("connection (too many from one address)", self._address)
            self._refuse(
                json_response(
                    429,
                    "Too Many Requests",
                    f"too many connections from {self._address}"
                    f" (at most {limits.per_address}); try again",
                    "unavailable",
                    retry,
                )
            )
            return
        guard.open += 1
        guard.by_address[self._address] = guard.by_address.get(self._address, 0) + 1
        self._counted = True
        self._start_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        if self._counted:
            self._counted = False
            guard = self.guard
            guard.open -= 1
            left = guard.by_address.get(self._address, 1) - 1
            if left > 0:
                guard.by_address[self._address] = left
            else:
                guard.by_address.pop(self._address, None)
        super().connection_lost(exc)

    def _refuse(self, response: bytes) -> None:
        """Answer before any request, then read and drop what comes until the client
        closes or ``linger`` ends (closing with unread data would reset the connection
        and could destroy the answer before the client reads it)."""
        self._refusing = True
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.guard.limits.linger, self.transport.close)

    # --- requests ------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            return
        if self._deadline is None:
            self._start_request()  # the first byte of a request on a kept-alive connection
        if self.conn.their_state is h11.IDLE and self._head_too_big(data):
            self.guard.note("oversized headers", self._address)
            self.transport.write(
                json_response(
                    431,
                    "Request Header Fields Too Large",
                    f"the request's line and headers are over {MAX_HEAD // 1024} KiB",
                    "invalid_argument",
                )
            )
            self.transport.close()
            return
        super().data_received(data)
        self._follow_request()

    def _head_too_big(self, data: bytes) -> bool:
        """h11 bounds only a head still arriving; one that comes whole can be any size."""
        pending = self.conn.trailing_data[0] + data
        end = pending.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
        return end > MAX_HEAD or (end < 0 and len(pending) > MAX_HEAD)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE:
            if self.conn.trailing_data[0]:
                self._start_request()  # part of a pipelined request is already here
            else:
                self._cancel_deadline()  # idle between requests: uvicorn's keep-alive timer
        else:
            self._follow_request()

    def _start_request(self) -> None:
        self._request_started = self.loop.time()
        self._set_deadline(self.guard.limits.head_timeout, "head")

    def _follow_request(self) -> None:
        """Move the deadline with the request: head, then body, then none once it is in."""
        state = self.conn.their_state
        if self.transport.is_closing() or state not in (h11.IDLE, h11.SEND_BODY):
            self._cancel_deadline()
        elif state is h11.SEND_BODY and self._deadline_kind != "body":
            self._set_deadline(self.guard.limits.request_timeout, "body")

    def _set_deadline(self, seconds: float, kind: str) -> None:
        self._cancel_deadline()
        when = max(0.0, self._request_started + seconds - self.loop.time())
        self._deadline = self.loop.call_later(when, self._expired)
        self._deadline_kind = kind

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._deadline_kind = ""

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        kind = self._deadline_kind
        self._deadline_kind = ""
        limits = self.guard.limits
        seconds = limits.head_timeout if kind == "head" else limits.request_timeout
        what = "headers" if kind == "head" else "body"
        self.guard.note(f"slow request ({what})", self._address)
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(
                json_response(
                    408,
                    "Request Timeout",
                    f"the request's {what} did not arrive within {seconds:g} s",
                    "invalid_argument",
                )
            )
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self.guard.note("malformed HTTP", self._address)
        self.transport.write(
            json_response(
                400,
                "Bad Request",
                "not a valid HTTP/1.1 request (or its headers are over 16 KiB)",
                "invalid_argument",
            )
        )
        self.transport.close()


def describe(limits: Limits) -> dict[str, Any]:
    """The limits as the server's start-up lines print them."""
    return {
        "headers within": f"{limits.head_timeout:g} s",
        "request within": f"{limits.request_timeout:g} s",
        "connections per address": limits.per_address,
        "connections": limits.max_connections,
        "requests at once": limits.max_in_flight,
    }
