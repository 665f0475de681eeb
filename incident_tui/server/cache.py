"""A small cache of read replies, keyed by the store's change version.

Many consoles on one jump host poll the same first page every few seconds. The
store's homescreen version changes on every write, so a reply computed at
version V is still right while the version is V. Entries also expire after
``ttl`` seconds, because replies carry "now"-derived values (an active
incident's ``durationSeconds``). Concurrent identical misses share one backend
call. Replies must not depend on who asks (true of the Grafana Incident API and
our store: there are no per-user views).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class _Entry:
    version: int
    born: float
    body: bytes


class ReadCache:
    def __init__(self, *, ttl: float = 1.0, max_entries: int = 256) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._inflight: dict[tuple[str, bytes, int], asyncio.Future[bytes]] = {}
        self.hits = 0
        self.misses = 0

    async def get_or_compute(
        self, key: tuple[str, bytes], version: int, compute: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The reply body for ``key`` at ``version``: cached if fresh, else computed once."""
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry.version == version and now - entry.born < self.ttl:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry.body
        flight_key = (*key, version)
        pending = self._inflight.get(flight_key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[flight_key] = future
        try:
            body = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(body)
            # The reply is at least as new as ``version``: safe to serve while it holds.
            self._entries[key] = _Entry(version, now, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return body
        finally:
            self._inflight.pop(flight_key, None)

    def clear(self) -> None:
        self._entries.clear()
