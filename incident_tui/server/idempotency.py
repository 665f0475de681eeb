"""The ``Idempotency-Key`` header on creates: the same key within 24 h gets the first answer.

A client that lost an answer (timeout, reset) re-sends the create with the key it
first used; this sends back the stored first response and writes nothing. The same
key with a different request is a 409. Keys are scoped to the caller (the token's
person), fingerprinted over the method and the parsed request (so Go's zero values
and Node's missing fields read the same), and expire after ``ttl_seconds``.

A backend that ``remembers_creates`` (the local store) records the key in the same
transaction as the create, so a restart of the server forgets nothing and no create
can land without its key. Any other backend gets an in-memory record, serialised per
key, which lasts until the server stops.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from incident_tui import models as m
from incident_tui.backends.base import (
    IDEMPOTENCY_TTL_SECONDS,
    Backend,
    CreateOnce,
    Method,
    Remembered,
    call,
)
from incident_tui.errors import Conflict, InvalidArgument

HEADER = "Idempotency-Key"
#: Sent with a stored answer, so a client (or a person reading logs) can tell.
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
MAX_REMEMBERED_IN_MEMORY = 10_000


def fingerprint(method: Method, request: m.Request) -> str:
    """The identity of a request: its method and its canonical JSON."""
    digest = hashlib.sha256(method.path.encode("ascii") + b"\0" + request.to_json_bytes())
    return digest.hexdigest()


def check_key(key: str) -> str:
    """The key as sent, or ``InvalidArgument`` (1 to 255 visible ASCII characters)."""
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all("!" <= ch <= "~" for ch in key):
        raise InvalidArgument(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (e.g. a UUID)"
        )
    return key


@dataclass
class _Kept:
    fingerprint: str
    response: m.Response
    at: float


class IdempotencyKeys:
    """Answers creates that carry an ``Idempotency-Key`` (see the module docstring)."""

    def __init__(
        self,
        *,
        ttl_seconds: float = IDEMPOTENCY_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        max_in_memory: int = MAX_REMEMBERED_IN_MEMORY,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.max_in_memory = max_in_memory
        self._kept: OrderedDict[tuple[str, str], _Kept] = OrderedDict()
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    async def reply(
        self, backend: Backend, scope: str, method: Method, request: m.Request, key: str
    ) -> Remembered:
        once = CreateOnce(
            scope=scope,
            key=check_key(key),
            fingerprint=fingerprint(method, request),
            ttl_seconds=self.ttl_seconds,
        )
        if backend.capabilities.remembers_creates:
            return await backend.create_once(method, request, once)
        return await self._in_memory(backend, method, request, once)

    async def _in_memory(
        self, backend: Backend, method: Method, request: m.Request, once: CreateOnce
    ) -> Remembered:
        slot = (once.scope, once.key)
        lock, users = self._locks.get(slot) or (asyncio.Lock(), 0)
        self._locks[slot] = (lock, users + 1)
        try:
            async with lock:
                self._forget_expired()
                kept = self._kept.get(slot)
                if kept is not None:
                    if kept.fingerprint != once.fingerprint:
                        raise Conflict(
                            "this Idempotency-Key was already used for a different request;"
                            " send a new key for a new change"
                        )
                    return Remembered(kept.response, replayed=True)
                response = await call(backend, method, request)
                self._kept[slot] = _Kept(once.fingerprint, response, self.clock())
                while len(self._kept) > self.max_in_memory:
                    self._kept.popitem(last=False)
                return Remembered(response, replayed=False)
        finally:
            lock, users = self._locks[slot]
            if users <= 1:
                del self._locks[slot]
            else:
                self._locks[slot] = (lock, users - 1)

    def _forget_expired(self) -> None:
        cutoff = self.clock() - self.ttl_seconds
        while self._kept:
            slot, kept = next(iter(self._kept.items()))
            if kept.at >= cutoff:
                break
            del self._kept[slot]
