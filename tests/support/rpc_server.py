"""Our RPC server under uvicorn on 127.0.0.1, in a background thread, for tests.

``rpc_backend(db_path, user)`` is what the contract suite's "rpc" leg uses: a
real socket, a real uvicorn, our Starlette app, a real SqliteBackend, and a
connected RpcBackend in front. The server thread has its own event loop; the
backend behind it is created inside that loop and closed there.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.server.app import bind_socket, build_app, make_server, url_of
from incident_tui.server.tokens import TokenStore

BackendFactory = Callable[[], Awaitable[Backend]]
STARTUP_TIMEOUT = 15.0


class ServerThread:
    """uvicorn serving ``build_app(backend, tokens)`` on 127.0.0.1 in its own thread."""

    def __init__(
        self,
        make_backend: BackendFactory,
        tokens: TokenStore | None = None,
        *,
        max_body: int | None = None,
        app_factory: Callable[[Backend, TokenStore], Any] | None = None,
    ) -> None:
        self.make_backend = make_backend
        self.tokens = tokens or TokenStore()
        self.max_body = max_body
        self.app_factory = app_factory
        self.sock = bind_socket("127.0.0.1", 0)
        self.url = url_of(self.sock)
        self.backend: Backend | None = None
        self._server: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rpc-test-server", daemon=True)

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT):
            raise RuntimeError("test server did not start")
        if self._error is not None:
            raise RuntimeError(f"test server failed to start: {self._error!r}") from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # loop already gone
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STARTUP_TIMEOUT)
        self.sock.close()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.backend = await self.make_backend()
        try:
            if self.app_factory is not None:
                app = self.app_factory(self.backend, self.tokens)
            elif self.max_body is not None:
                app = build_app(self.backend, self.tokens, max_body=self.max_body)
            else:
                app = build_app(self.backend, self.tokens)
            server = self._server = make_server(app)
            # uvicorn's serve() polls for exit every 0.1 s and sleeps 0.1 s on shutdown;
            # hundreds of contract tests start a server each, so drive it directly.
            server.config.load()
            server.lifespan = server.config.lifespan_class(server.config)
            await server.startup(sockets=[self.sock])
            self._ready.set()
            await self._stop.wait()
            await self._shutdown(server)
        finally:
            await self.backend.close()

    @staticmethod
    async def _shutdown(server: Any) -> None:
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 5.0
        while (server.server_state.connections or server.server_state.tasks) and (
            loop.time() < give_up
        ):
            await asyncio.sleep(0.005)
        for task in list(server.server_state.tasks):
            task.cancel()
        for listener in server.servers:
            await listener.wait_closed()

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
