"""Fixtures of the Backend contract suite: the same tests run against every backend.

``backend`` acts as Alice, ``other`` as Bob on the same data. "sqlite" is the local
store; "rpc" is the RPC client talking to our server on 127.0.0.1, which serves a
SqliteBackend (``tests.support.rpc_server``); "prodmanager" is ProdManagerBackend
talking to the Prod Manager test server on 127.0.0.1 (``tests.support.prodmanager_server``);
"incidentio" is IncidentIoBackend talking to the incident.io test server on 127.0.0.1
(``tests.support.incidentio_server``); "oneuptime" is OneUptimeBackend talking to the
OneUptime test server on 127.0.0.1 (``tests.support.oneuptime_server``);
"durable" is the RPC client behind the durable layer, as the console uses a remote:
online, it must change nothing.

A test says what it needs with ``@pytest.mark.needs(*methods, **facts)``: the Backend
methods it calls, and the ``Capabilities`` facts it relies on (``labels="free"``,
``drills=True``, ``authors=True``, ``vocabulary="grafana"`` for Grafana's severities and
statuses, ``sort="title"`` for an ``orderField``, ``history=True`` for a timeline that
records title, severity and label changes, ...). On a backend that lacks one, the test is skipped with the reason.
``test_contract_meta`` checks that every method a backend does not serve raises
``Unimplemented``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.base import GRAFANA_SEVERITIES, GRAFANA_STATUSES, Backend, Capabilities

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
async def _prodmanager(path: Path, user: m.UserPreview) -> AsyncIterator[Backend]:
    """ProdManagerBackend -> the Prod Manager test server; ``as_user`` is a second token
    on the same server (Prod Manager records no authors, so it is only a second client)."""
    from tests.support.prodmanager_server import client, prodmanager_backend

    async with prodmanager_backend() as backend:
        others: list[Backend] = []

        def as_user(other: m.UserPreview) -> Backend:
            second = client(backend.server, scope="Production", service="API")
            others.append(second)
            return second

        backend.as_user = as_user  # type: ignore[method-assign]
        try:
            yield backend
        finally:
            for second in others:
                await second.close()


@contextlib.asynccontextmanager
async def _incidentio(path: Path, user: m.UserPreview) -> AsyncIterator[Backend]:
    """IncidentIoBackend -> the incident.io test server; ``as_user`` is a second API key
    on the same server (the API names the key, not a person, as the author of a write)."""
    from tests.support.incidentio_server import client, incidentio_backend

    async with incidentio_backend() as backend:
        others: list[Backend] = []

        def as_user(other: m.UserPreview) -> Backend:
            second = client(backend.server)
            others.append(second)
            return second

        backend.as_user = as_user  # type: ignore[method-assign]
        try:
            yield backend
        finally:
            for second in others:
                await second.close()


@contextlib.asynccontextmanager
async def _oneuptime(path: Path, user: m.UserPreview) -> AsyncIterator[Backend]:
    """OneUptimeBackend -> the OneUptime test server (its project has the labels
    ``tests.support.oneuptime_server.LABELS``); ``as_user`` is a second API key acting as
    another user of the same project."""
    from tests.support.oneuptime_server import client, oneuptime_backend

    async with oneuptime_backend(key_for=(user.name, "", user.user_id)) as backend:
        others: list[Backend] = []

        def as_user(other: m.UserPreview) -> Backend:
            key = backend.server.issue_key(other.name, "", other.user_id)
            second = client(backend.server, key)
            second._catalog = backend._catalog  # as if opened: the same project
            others.append(second)
            return second

        backend.as_user = as_user  # type: ignore[method-assign]
        try:
            yield backend
        finally:
            for second in others:
                await second.close()


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
    if kind == "prodmanager":
        return _prodmanager
    if kind == "incidentio":
        return _incidentio
    if kind == "durable":
        return _durable
    if kind == "oneuptime":
        return _oneuptime
    from tests.support.rpc_server import rpc_backend

    return rpc_backend


KINDS = ["sqlite", "rpc", "durable", "prodmanager", "incidentio", "oneuptime"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs(*methods, **facts): the Backend methods and Capabilities facts a contract"
        " test relies on; skipped, saying why, on a backend without them",
    )


def unmet_need(node: pytest.Item, capabilities: Capabilities) -> str | None:
    """Why ``node`` cannot run on a backend with ``capabilities`` (None: it can)."""
    for marker in node.iter_markers("needs"):
        for method in marker.args:
            if not capabilities.serves(method):
                return capabilities.missing(method)
        for fact, wanted in marker.kwargs.items():
            if fact == "sort":
                if wanted not in capabilities.sorts:
                    return f"{capabilities.system} cannot sort incidents by {wanted}"
                continue
            if fact == "history":
                # The timeline records title, severity and label changes (OneUptime's
                # holds notes and state changes only).
                if wanted and capabilities.extra.get("history") == "notes and states":
                    return f"{capabilities.system}'s timeline holds notes and state changes only"
                continue
            if fact == "vocabulary":
                grafana = (capabilities.severities, capabilities.statuses) == (
                    GRAFANA_SEVERITIES,
                    GRAFANA_STATUSES,
                )
                if wanted == "grafana" and not grafana:
                    return f"{capabilities.system} has its own severities and statuses"
                continue
            have = getattr(capabilities, fact)
            if have != wanted:
                return f"{capabilities.system} has {fact}={have!r}; the test needs {wanted!r}"
    return None


@pytest.fixture(params=KINDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
async def backend(
    backend_kind: str, store_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Backend]:
    """The backend under test, acting as Alice on a fresh store (skipped, saying why,
    when it lacks what the test ``needs``)."""
    async with _opener(backend_kind)(store_path, ALICE) as b:
        reason = unmet_need(request.node, b.capabilities)
        if reason is not None:
            pytest.skip(reason)
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
