"""Small helpers for contract tests: declare an incident, read a whole timeline or list."""

from __future__ import annotations

from datetime import UTC, datetime

from incident_tui import models as m
from incident_tui.backends.base import Backend


def when(text: str) -> datetime:
    """An RFC 3339 time from a response as an aware datetime (so formats may differ)."""
    assert text, "expected a time, got ''"
    value = datetime.fromisoformat(text.replace("z", "Z"))
    assert value.tzinfo is not None, f"time without offset: {text!r}"
    return value.astimezone(UTC)


async def declare(backend: Backend, title: str = "Disk full on db-1", **fields) -> m.Incident:
    """Declare ``title``; a backend with a severity vocabulary of its own and no "pending"
    (Prod Manager) gets its least severe severity unless the test names one."""
    caps = backend.capabilities
    if "severity" not in fields and caps.severity("pending") is None:
        fields["severity"] = caps.severities[0].value
    response = await backend.create_incident(m.CreateIncidentRequest(title=title, **fields))
    return response.incident


def grafana(backend: Backend, kind: str, value: str) -> str:
    """The Grafana word a backend's own status or severity stands nearest to (a backend
    whose org names them itself, as incident.io does, keeps its own words)."""
    caps = backend.capabilities
    term = caps.status(value) if kind == "status" else caps.severity(value)
    return term.grafana if term is not None and term.value == value else value


def status_word(backend: Backend, value: str) -> str:
    """A status in Grafana's words (``active``/``resolved``), whatever the backend calls it."""
    term = backend.capabilities.status(value)
    return term.grafana if term is not None else value


def severity_word(backend: Backend, value: str) -> str:
    """A severity in Grafana's words, whatever the backend calls it."""
    term = backend.capabilities.severity(value)
    return term.grafana if term is not None else value


async def get(backend: Backend, incident_id: str) -> m.Incident:
    return (await backend.get_incident(m.GetIncidentRequest(incident_id=incident_id))).incident


async def timeline(
    backend: Backend, incident_id: str, limit: int = 0, **query
) -> list[m.ActivityItem]:
    """Every item of an incident's timeline, following the cursor to the end."""
    items: list[m.ActivityItem] = []
    cursor = m.Cursor()
    for _ in range(1000):
        response = await backend.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(incident_id=incident_id, limit=limit, **query), cursor=cursor
            )
        )
        items.extend(response.activity_items)
        if not response.cursor.has_more:
            return items
        assert response.activity_items, "hasMore with an empty page"
        cursor = response.cursor
    raise AssertionError("the cursor never ended")


async def kinds(backend: Backend, incident_id: str) -> list[str]:
    return [str(item.activity_kind) for item in await timeline(backend, incident_id)]


async def last_item(backend: Backend, incident_id: str, kind: str) -> m.ActivityItem:
    """The newest timeline item of one kind (fails if there is none)."""
    items = [i for i in await timeline(backend, incident_id) if i.activity_kind == kind]
    assert items, f"no {kind} item in the timeline"
    return items[-1]


async def query_page(
    backend: Backend, cursor: m.Cursor | None = None, **query
) -> m.QueryIncidentsResponse:
    return await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(**query), cursor=cursor or m.Cursor())
    )


async def all_incidents(backend: Backend, **query) -> list[m.Incident]:
    """Every incident a query matches, page after page."""
    out: list[m.Incident] = []
    cursor = m.Cursor()
    for _ in range(1000):
        response = await query_page(backend, cursor, **query)
        out.extend(response.incidents)
        if not response.cursor.has_more:
            return out
        assert response.incidents, "hasMore with an empty page"
        cursor = response.cursor
    raise AssertionError("the cursor never ended")


async def ids(backend: Backend, **query) -> list[str]:
    return [i.incident_id for i in await all_incidents(backend, **query)]
