"""The client tells a request that never left (``Unreachable``: it may be queued and sent
later) from one that may have reached the remote (``Indeterminate``: read before any
re-send), sends an ``Idempotency-Key`` with every create, and learns from the remote
that its token can only read."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from incident_tui import models as m
from incident_tui.backends.base import idempotency_key
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.errors import (
    Indeterminate,
    PermissionDenied,
    Unavailable,
    Unreachable,
)
from tests.support.raw_http import Seen, free_port_refusing, raw_server, reply

TOKEN = "itui_failure-kinds-token"
FAST = Timeouts(connect=1.0, read=0.5, write=1.0, pool=1.0, deadline=3.0)
QUICK_RETRY = RetryPolicy(base_delay=0.02, max_delay=0.05)
INCIDENT = {"incident": {"incidentID": "7", "title": "db down", "status": "active"}}


def client(url: str, **kwargs) -> RpcBackend:
    kwargs.setdefault("timeouts", FAST)
    kwargs.setdefault("retry", QUICK_RETRY)
    return RpcBackend(url, TOKEN, **kwargs)


def declare() -> m.CreateIncidentRequest:
    return m.CreateIncidentRequest(title="db down")


async def test_refused_connection_is_unreachable_for_writes_and_reads() -> None:
    backend = client(f"http://127.0.0.1:{free_port_refusing()}")
    with pytest.raises(Unreachable) as write:
        await backend.create_incident(declare())
    with pytest.raises(Unreachable):
        await backend.get_incident(m.GetIncidentRequest(incident_id="7"))
    await backend.close()
    assert isinstance(write.value, Unavailable)
    assert "cannot reach" in str(write.value)


async def test_unknown_host_is_unreachable() -> None:
    backend = client("http://no-such-host.invalid.localhost:9")
    with pytest.raises(Unreachable):
        await backend.create_incident(declare())
    await backend.close()


async def test_a_create_that_times_out_after_sending_is_indeterminate_and_sent_once() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Indeterminate) as info:
            await backend.create_incident(declare())
        await backend.close()
    assert len(srv.requests) == 1
    assert "stopped answering" in str(info.value)


async def test_a_reset_after_sending_is_indeterminate() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> bool:
        return False  # read the request, hang up without a word

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Indeterminate):
            await backend.add_activity(m.AddActivityRequest(incident_id="7", body="note"))
        await backend.close()
    assert len(srv.requests) == 1


async def test_the_overall_deadline_on_a_write_is_indeterminate() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.1)

    timeouts = Timeouts(connect=1, read=0.5, write=1, pool=1, deadline=0.8)
    async with raw_server(handler) as srv:
        backend = client(srv.url, timeouts=timeouts)
        with pytest.raises(Indeterminate) as info:
            await backend.create_incident(declare())
        await backend.close()
    assert "within 0.8 s" in str(info.value)


async def test_a_gateway_timeout_on_a_create_is_indeterminate() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        page = "<html><title>Gateway Timeout</title></html>"
        writer.write(reply(504, page, content_type="text/html"))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with pytest.raises(Indeterminate) as info:
            await backend.create_incident(declare())
        await backend.close()
    assert len(srv.requests) == 1
    assert "may have gone through" in str(info.value)


async def test_every_create_carries_a_fresh_idempotency_key_and_reads_none() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        await backend.create_incident(declare())
        await backend.create_incident(declare())
        await backend.add_task(m.AddTaskRequest(incident_id="7", text="page the DBA"))
        await backend.get_incident(m.GetIncidentRequest(incident_id="7"))
        await backend.update_title(m.UpdateTitleRequest(incident_id="7", title="x"))
        await backend.close()
    keys = [seen.headers.get("idempotency-key") for seen in srv.requests]
    assert keys[3] is None and keys[4] is None
    created = keys[:3]
    assert all(key is not None for key in created)
    assert len(set(created)) == 3
    for key in created:
        uuid.UUID(str(key))


async def test_a_create_resent_under_its_first_key_carries_that_key() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        with idempotency_key("first-key-of-this-change"):
            await backend.create_incident(declare())
            await backend.create_incident(declare())
        await backend.close()
    assert [s.headers["idempotency-key"] for s in srv.requests] == ["first-key-of-this-change"] * 2


async def test_the_key_is_kept_across_the_clients_own_retries() -> None:
    """A connect failure is retried (nothing left); the retry carries the same key."""
    keys: list[str] = []
    failures = [httpx.ConnectError("refused"), httpx.ConnectError("refused")]

    def handle(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["idempotency-key"])
        if failures:
            raise failures.pop(0)
        return httpx.Response(200, json=INCIDENT)

    backend = client("http://127.0.0.1:9", transport=httpx.MockTransport(handle))
    await backend.create_incident(declare())
    await backend.create_incident(declare())
    await backend.close()
    assert not failures and len(keys) == 4
    assert keys[0] == keys[1] == keys[2]  # the first create and its two retries
    assert keys[3] != keys[0]  # the next create is another change


async def test_a_read_scope_from_our_server_turns_the_client_read_only() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(200, {"roles": []}, headers={"Incident-Token-Scope": "read"}))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        assert not backend.capabilities.read_only
        await backend.get_roles()
        caps = backend.capabilities
        assert caps.read_only
        assert "can only read" in caps.read_only_reason
        assert "can only read" in caps.missing("create_incident")
        with pytest.raises(PermissionDenied):
            await backend.create_incident(declare())
        await backend.close()
    assert len(srv.requests) == 1  # the refused change never went out
    assert TOKEN not in caps.read_only_reason


async def test_a_403_on_a_write_turns_the_client_read_only_with_the_reason() -> None:
    async def handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
        if seen.target.endswith("CreateIncident"):
            writer.write(reply(403, {"message": "You'll need additional permissions"}))
        else:
            writer.write(reply(200, INCIDENT))

    async with raw_server(handler) as srv:
        backend = client(srv.url)
        await backend.get_incident(m.GetIncidentRequest(incident_id="7"))
        assert not backend.capabilities.read_only
        with pytest.raises(PermissionDenied):
            await backend.create_incident(declare())
        caps = backend.capabilities
        await backend.get_incident(m.GetIncidentRequest(incident_id="7"))
        await backend.close()
    assert caps.read_only
    assert "additional permissions" in caps.read_only_reason
    assert backend.capabilities.read_only  # a later read does not undo it
