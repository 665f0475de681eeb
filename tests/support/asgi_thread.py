"""An ASGI app under uvicorn on 127.0.0.1, in a background thread with its own loop.

The base of every real test server (our RPC server, the Prod Manager stand-in): a real
socket bound before start, uvicorn driven directly (its ``serve()`` polls every 0.1 s
and hundreds of tests start a server each), a clean stop that closes connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable
from typing import Any

from incident_tui.server.app import bind_socket, make_server, url_of

STARTUP_TIMEOUT = 15.0


class AsgiThread:
    """Serve ``await self.setup()`` (the app) until ``stop``; ``teardown`` runs after."""

    thread_name = "asgi-test-server"

    def __init__(self) -> None:
        self.sock = bind_socket("127.0.0.1", 0)
        self.url = url_of(self.sock)
        self._server: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    async def setup(self) -> Any:
        """Build the ASGI app, inside the server's loop."""
        raise NotImplementedError

    async def teardown(self) -> None:
        """Release what ``setup`` made, inside the server's loop."""

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
        try:
            app = await self.setup()
            server = self._server = make_server(app)
            server.config.load()
            server.lifespan = server.config.lifespan_class(server.config)
            await server.startup(sockets=[self.sock])
            self._ready.set()
            await self._stop.wait()
            await self._shutdown(server)
        finally:
            await self.teardown()

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

    def run_in_server_loop(self, coro: Awaitable[Any], timeout: float = 10.0) -> Any:
        """Run a coroutine on the server's loop (e.g. to inspect what it serves)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)  # type: ignore[arg-type]
