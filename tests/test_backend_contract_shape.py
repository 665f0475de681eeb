"""The method table, the Backend base class and every backend agree.

The Backend base declares one typed method per table row; a backend either defines
that method itself or serves it through ``dispatch``. What nobody serves raises
``Unimplemented``, and ``Capabilities`` say so before anyone calls.
"""

from __future__ import annotations

import inspect
import typing

import pytest

from incident_tui import models as m
from incident_tui.backends.base import (
    ALL_METHODS,
    API_METHODS,
    CLIENT_METHODS,
    METHOD_LIST,
    METHODS_BY_BACKEND_NAME,
    OUR_METHODS,
    READ_METHODS,
    Backend,
    Capabilities,
    CreateOnce,
    Term,
)
from incident_tui.backends.rpc import RpcBackend
from incident_tui.backends.sqlite import SqliteBackend
from incident_tui.errors import BackendError, Unimplemented


def _hints(cls: type, name: str) -> dict[str, object]:
    return typing.get_type_hints(getattr(cls, name), vars(m) | {"m": m})


@pytest.mark.parametrize("row", METHOD_LIST, ids=lambda r: r.path)
def test_backend_base_declares_every_table_row_with_its_models(row):
    method = getattr(Backend, row.backend_method)
    assert inspect.iscoroutinefunction(method)
    hints = _hints(Backend, row.backend_method)
    request = hints["request"]
    assert request is row.request or request == (row.request | None)
    assert hints["return"] is row.response


def test_backend_base_declares_nothing_beyond_the_table():
    declared = {
        name
        for name, value in vars(Backend).items()
        if inspect.iscoroutinefunction(value) and not name.startswith("_")
    }
    # Beyond the table: the life cycle and the optional abilities a capability declares
    # (create_once: remembers_creates; count_incidents: counts).
    assert declared - ALL_METHODS == {
        "open",
        "close",
        "dispatch",
        "create_once",
        "count_incidents",
    }


async def test_counting_is_optional_and_unimplemented_by_default():
    backend = _Nothing()
    assert not backend.capabilities.counts
    with pytest.raises(Unimplemented, match="Nothing does not count incidents"):
        await backend.count_incidents(m.IncidentsQuery(include_statuses=["active"]))


@pytest.mark.parametrize("backend_cls", [SqliteBackend, RpcBackend])
def test_every_backend_is_a_backend_and_serves_the_table_its_own_way(backend_cls):
    assert issubclass(backend_cls, Backend)
    for row in METHOD_LIST:
        own = getattr(backend_cls, row.backend_method)
        served_directly = own is not getattr(Backend, row.backend_method)
        via_dispatch = backend_cls.dispatch is not Backend.dispatch
        assert served_directly or via_dispatch, row.path


class _Nothing(Backend):
    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(name="empty", system="Nothing", methods=frozenset({"get_roles"}))


@pytest.mark.parametrize("row", METHOD_LIST, ids=lambda r: r.path)
async def test_a_method_nobody_serves_raises_unimplemented_naming_the_system(row):
    with pytest.raises(Unimplemented) as caught:
        await getattr(_Nothing(), row.backend_method)(row.request())
    assert isinstance(caught.value, BackendError)
    assert caught.value.status == 501
    assert "Nothing" in str(caught.value)


async def test_optional_abilities_are_unimplemented_unless_declared():
    backend = _Nothing()
    assert not backend.capabilities.acts_as_users
    assert not backend.capabilities.serves("query_users")
    assert not backend.capabilities.remembers_creates
    with pytest.raises(Unimplemented):
        backend.as_user(m.UserPreview(user_id="x"))
    with pytest.raises(Unimplemented):
        await backend.query_users()
    with pytest.raises(Unimplemented):
        await backend.create_once(
            METHODS_BY_BACKEND_NAME["create_incident"],
            m.CreateIncidentRequest(title="x"),
            CreateOnce(scope="alice", key="k", fingerprint="f"),
        )
    assert await backend.open() is backend


def test_methods_beyond_the_reference_are_rows_of_the_table():
    beyond = {row.path for row in CLIENT_METHODS}
    assert beyond == {
        "IncidentsService.QueryIncidentPreviews",
        "IncidentsService.GetLabels",
        "UsersService.QueryUsers",
        "UsersService.GetUser",
    }
    assert all(row.read_only and not row.extension for row in CLIENT_METHODS)
    assert not beyond & {row.path for row in API_METHODS}


def test_our_own_methods_are_beyond_the_reference_and_no_official_clients():
    """UpdateIncidentSummary: neither the reference nor Grafana's Go and Node clients have
    a way to change the summary, so it is ours, flagged beyond the reference (a Grafana
    stack's "unknown method" makes it Unimplemented), and not counted as a client method."""
    assert [row.path for row in OUR_METHODS] == ["IncidentsService.UpdateIncidentSummary"]
    row = OUR_METHODS[0]
    assert row.beyond_reference and not row.read_only and not row.extension
    assert row.backend_method == "update_incident_summary"
    assert row.request is m.UpdateIncidentSummaryRequest
    assert "incident" in row.response.model_fields
    assert row not in CLIENT_METHODS and row not in API_METHODS


def test_read_only_is_a_backend_that_serves_no_write_method():
    full = Capabilities(name="x")
    assert not full.read_only
    assert full.serves("create_incident", "get_incident")
    reads = full.restricted_to_reads()
    assert reads.read_only
    assert reads.methods == READ_METHODS
    assert not reads.serves("create_incident")
    assert reads.serves("get_incident", "query_incidents")
    assert reads.missing("create_incident") == "context 'x' is read-only"
    token = full.restricted_to_reads("the token can only read")
    assert token.missing("add_task") == "the token can only read"
    assert full.missing("add_task") == "Grafana Incident does not offer AddTask"


def test_vocabulary_lookup_is_case_insensitive_and_takes_a_unique_leading_word():
    caps = Capabilities(
        name="pm",
        severities=(
            Term("1", "critical", "Critical Incident"),
            Term("2", "major", "Major"),
            Term("3", "minor", "Minor"),
            Term("4", "minor", "Minimal"),
        ),
    )
    assert caps.severity("critical").value == "1"
    assert caps.severity("CRITICAL INCIDENT").value == "1"
    assert caps.severity("maj").value == "2"
    assert caps.severity("min") is None  # Minor or Minimal: ambiguous
    assert caps.severity("3").shown == "Minor"
    assert caps.severity("") is None
    assert Capabilities(name="g").status("Resolved").value == "resolved"
