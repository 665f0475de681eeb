"""The suite itself: every backend fits the protocol and every API method has tests here."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from incident_tui.backends.base import API_METHODS, METHOD_LIST, Backend, Capabilities
from incident_tui.errors import Unimplemented

HERE = Path(__file__).parent


async def test_backend_satisfies_the_protocol(backend: Backend):
    assert isinstance(backend, Backend)
    for method in METHOD_LIST:
        fn = getattr(backend, method.backend_method, None)
        assert fn is not None, method.backend_method
        assert inspect.iscoroutinefunction(fn), method.backend_method


async def test_backend_describes_its_capabilities(backend: Backend):
    caps = backend.capabilities
    assert isinstance(caps, Capabilities)
    assert caps.name
    assert caps.read_only is False


def test_there_are_29_api_methods():
    assert len(API_METHODS) == 29


@pytest.mark.parametrize("method", [m.backend_method for m in METHOD_LIST])
def test_every_method_is_exercised_by_the_suite(method: str):
    sources = "\n".join(p.read_text() for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    assert re.search(rf"\.{method}\(|\"{method}\"", sources), f"no contract test calls {method}"


async def test_every_method_the_backend_does_not_serve_raises_unimplemented(backend: Backend):
    caps = backend.capabilities
    unserved = [row for row in METHOD_LIST if not caps.serves(row.backend_method)]
    for row in unserved:
        with pytest.raises(Unimplemented) as caught:
            await getattr(backend, row.backend_method)(row.request())
        assert caps.system in str(caught.value), row.path
    for name in caps.methods:
        assert name in {row.backend_method for row in METHOD_LIST}, name
