"""Fixtures of the Backend contract suite: the same tests run against every backend.

``backend`` acts as Alice, ``other`` as Bob on the same data. "sqlite" is the local
store; "rpc" is the RPC client talking to our server on 127.0.0.1, which serves a
SqliteBackend (``tests.support.rpc_server``); "durable" is that client behind the
durable layer, as the console uses a remote: online, it must change nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend

ALICE = m.UserPreview(user_id="alice", name="Alice")
BOB = m.UserPreview(user_id="bob", name="Bob")


@contextlib.asynccontextmanager
async def _sqlite(path: Path, user: m.UserPreview) -> AsyncIterator[Backend]:
    from incident_tui.backends.sqlite import SqliteBackend

    backend = await SqliteBackend.open(path, user=user)
    try:
        yield backend
    finally:
        await backend.close()


@contextlib.asynccontextmanager
async def _durable(path: Path, user: m.UserPreview) -> AsyncIterator[Backend]:
    """The console's remote path: DurableBackend -> RpcBackend -> our server -> store."""
    from incident_tui.durable import DurableBackend
    from tests.support.rpc_server import rpc_backend

    async with rpc_backend(path, user) as remote:
        wrappers: list[DurableBackend] = []

        def wrap(inner: Backend, who: m.UserPreview) -> DurableBackend:
            durable = DurableBackend(inner, path.parent / f"outbox-{who.user_id}.db")
            wrappers.append(durable)
            return durable

        backend = wrap(remote, user)
        await backend.open()

        def as_user(other: m.UserPreview) -> DurableBackend:
            return wrap(remote.as_user(other), other)  # type: ignore[attr-defined]

        backend.as_user = as_user  # type: ignore[method-assign]
        try:
            yield backend
        finally:
            for durable in wrappers:
                durable._closed = True
                await durable.outbox.close()  # the clients are closed by rpc_backend
            assert all(not d.outbox.entries for d in wrappers), "a write was left queued"


def _opener(kind: str):
    if kind == "sqlite":
        return _sqlite
    if kind == "durable":
        return _durable
    from tests.support.rpc_server import rpc_backend

    return rpc_backend


@pytest.fixture(params=["sqlite", "rpc", "durable"])
def backend_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
async def backend(backend_kind: str, store_path: Path) -> AsyncIterator[Backend]:
    """The backend under test, acting as Alice on a fresh store."""
    async with _opener(backend_kind)(store_path, ALICE) as b:
        yield b


@pytest.fixture
async def other(backend: Backend, backend_kind: str, store_path: Path) -> AsyncIterator[Backend]:
    """The same data seen by a second user (Bob): timeline items carry his name."""
    as_user = getattr(backend, "as_user", None)
    if as_user is not None:
        b = as_user(BOB)
        try:
            yield b
        finally:
            if b is not backend:
                await b.close()
        return
    async with _opener(backend_kind)(store_path, BOB) as b:
        yield b
