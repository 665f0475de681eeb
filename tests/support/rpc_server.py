"""Our RPC server under uvicorn on 127.0.0.1, in a background thread, for tests.

``rpc_backend(db_path, user)`` is what the contract suite's "rpc" leg uses: a
real socket, a real uvicorn, our Starlette app, a real SqliteBackend, and a
connected RpcBackend in front. The server thread has its own event loop; the
backend behind it is created inside that loop and closed there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.server.app import build_app
from incident_tui.server.tokens import TokenStore
from tests.support.asgi_thread import AsgiThread

BackendFactory = Callable[[], Awaitable[Backend]]


class ServerThread(AsgiThread):
    """uvicorn serving ``build_app(backend, tokens)`` on 127.0.0.1 in its own thread."""

    thread_name = "rpc-test-server"

    def __init__(
        self,
        make_backend: BackendFactory,
        tokens: TokenStore | None = None,
        *,
        max_body: int | None = None,
        app_factory: Callable[[Backend, TokenStore], Any] | None = None,
    ) -> None:
        super().__init__()
        self.make_backend = make_backend
        self.tokens = tokens or TokenStore()
        self.max_body = max_body
        self.app_factory = app_factory
        self.backend: Backend | None = None

    async def setup(self) -> Any:
        self.backend = await self.make_backend()
        if self.app_factory is not None:
            return self.app_factory(self.backend, self.tokens)
        if self.max_body is not None:
            return build_app(self.backend, self.tokens, max_body=self.max_body)
        return build_app(self.backend, self.tokens)

    async def teardown(self) -> None:
        if self.backend is not None:
            await self.backend.close()

    # --- clients -------------------------------------------------------------------

    def run_in_server_loop(self, coro: Awaitable[Any], timeout: float = 10.0) -> Any:
        """Run a coroutine on the server's loop (e.g. to inspect its backend)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)  # type: ignore[arg-type]

    def token_for(self, user: m.UserPreview, scope: str = "edit", name: str | None = None) -> str:
        base = name or f"{user.user_id or 'user'}-{scope}"
        name = base
        n = 1
        while any(e.name == name for e in self.tokens.entries):
            n += 1
            name = f"{base}-{n}"
        return self.tokens.issue(name, scope, user)

    def client(
        self,
        user: m.UserPreview,
        scope: str = "edit",
        *,
        plugin: str = "grafana-irm-app",
        **kwargs: Any,
    ) -> RpcBackend:
        kwargs.setdefault("timeouts", Timeouts(connect=2, read=10, write=10, pool=5, deadline=20))
        kwargs.setdefault("retry", RetryPolicy(base_delay=0.05, max_delay=0.2))
        return RpcBackend(self.url, self.token_for(user, scope), plugin=plugin, **kwargs)


@contextlib.asynccontextmanager
async def serve_backend(
    make_backend: BackendFactory, tokens: TokenStore | None = None, **kwargs: Any
) -> AsyncIterator[ServerThread]:
    """Start a ServerThread around ``make_backend()``; stop it (and close it) on exit."""
    server = ServerThread(make_backend, tokens, **kwargs)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


def sqlite_factory(db_path: Path | str, owner: m.UserPreview | None = None) -> BackendFactory:
    async def make() -> Backend:
        from incident_tui.backends.sqlite import SqliteBackend

        return await SqliteBackend.open(db_path, owner)

    return make


@contextlib.asynccontextmanager
async def rpc_server(db_path: Path | str) -> AsyncIterator[ServerThread]:
    """Our server over a SqliteBackend on ``db_path``."""
    async with serve_backend(sqlite_factory(db_path)) as server:
        yield server


@contextlib.asynccontextmanager
async def rpc_backend(db_path: Path | str, user: m.UserPreview) -> AsyncIterator[RpcBackend]:
    """A connected RpcBackend acting as ``user`` -> our server -> SqliteBackend(db_path).

    The yielded backend also has ``as_user(other)``: another RpcBackend on the same
    server with its own token for ``other`` (closed when the context ends).
    """
    async with rpc_server(db_path) as server:
        backend = server.client(user)
        others: list[RpcBackend] = []

        def as_user(other: m.UserPreview) -> RpcBackend:
            client = server.client(other)
            others.append(client)
            return client

        backend.as_user = as_user  # type: ignore[attr-defined]
        backend.server = server  # type: ignore[attr-defined]
        try:
            yield backend
        finally:
            for client in [backend, *others]:
                await client.close()
