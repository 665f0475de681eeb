"""``ForeignApi._send``: what one request and its retries say when a write may have left.

Unit tests with an in-process transport (httpx.MockTransport); the backends' own tests
run against real servers on 127.0.0.1.
"""

from __future__ import annotations

import httpx
import pytest

from incident_tui.backends.httpclient import Call, ForeignApi, RetryPolicy, Timeouts
from incident_tui.errors import Indeterminate, Unreachable


class Api(ForeignApi[None]):
    system = "Example"

    def __init__(self, transport: httpx.MockTransport) -> None:
        self._init_http(
            "http://127.0.0.1:9",
            "x",
            {
                "timeouts": Timeouts(deadline=5.0),
                "retry": RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002),
                "transport": transport,
            },
        )


def scripted(*outcomes: object) -> tuple[httpx.MockTransport, list[str]]:
    """A transport answering each request with the next outcome (an exception to raise,
    or a status); records the paths asked."""
    asked: list[str] = []
    queue = list(outcomes)

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, int)
        return httpx.Response(outcome, json={})

    return httpx.MockTransport(handle), asked


async def test_a_resent_write_that_may_have_left_is_not_reported_as_never_sent() -> None:
    """Attempt 1 times out after sending (it may have landed), attempt 2 cannot connect:
    the answer is Indeterminate, not Unreachable (which the outbox would send again)."""
    transport, asked = scripted(
        httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.ConnectError("refused")
    )
    api = Api(transport)
    call = Call("CreateIncident")
    with pytest.raises(Indeterminate) as caught:
        await api._send(
            call, "POST", "http://127.0.0.1:9/x", content=b"{}", write=True, resend=True
        )
    assert "may have made the change" in caught.value.message
    assert call.write_sent and len(asked) == 3
    await api.close()


async def test_a_second_write_that_never_left_keeps_the_first_one_known() -> None:
    """A call whose first write landed and whose second cannot connect still says a change
    may have been made (the create went through before the follow-up failed)."""
    transport, _ = scripted(201, httpx.ConnectError("refused"))
    api = Api(transport)
    api._retry = RetryPolicy(attempts=1)
    call = Call("CreateIncident")
    await api._send(call, "POST", "http://127.0.0.1:9/create", content=b"{}", write=True)
    with pytest.raises(Indeterminate):
        await api._send(call, "POST", "http://127.0.0.1:9/move", content=b"{}", write=True)
    assert call.write_sent
    await api.close()


async def test_a_write_that_never_left_is_unreachable() -> None:
    transport, asked = scripted(*(httpx.ConnectError("refused") for _ in range(3)))
    api = Api(transport)
    call = Call("CreateIncident")
    with pytest.raises(Unreachable):
        await api._send(call, "POST", "http://127.0.0.1:9/x", content=b"{}", write=True)
    assert not call.write_sent and len(asked) == 3
    await api.close()
