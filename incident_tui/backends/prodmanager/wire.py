"""Prod Manager's own words and shapes: its vocabularies, its JSON objects, its dates.

Prod Manager (the REST API of ``Lunik/prod-manager``) writes dates as
``YYYY-MM-DDTHH:MM`` in the server's local time with no zone, so every date goes
through a ``ServerClock`` that knows that zone. Statuses and severities stay in
Prod Manager's words; each ``Term`` says which Grafana word it stands nearest to.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from incident_tui.backends.base import Term

SYSTEM = "Prod Manager"

#: The path an incident follows, in order; each step after the first has its date.
STATUSES: tuple[Term, ...] = (
    Term("active", "active", "Active"),
    Term("investigating", "active", "Investigating"),
    Term("stable", "active", "Stable"),
    Term("resolved", "resolved", "Resolved"),
)
STATUS_PATH: tuple[str, ...] = tuple(t.value for t in STATUSES)
DATE_OF_STATUS: dict[str, str] = {
    "investigating": "investigation_date",
    "stable": "stable_date",
    "resolved": "resolve_date",
}

#: Least to most severe, as ``Capabilities.severities`` are ordered.
SEVERITIES: tuple[Term, ...] = (
    Term("minor", "minor", "Minor"),
    Term("low", "minor", "Low"),
    Term("moderate", "major", "Moderate"),
    Term("high", "major", "High"),
    Term("critical", "critical", "Critical"),
)

#: Prod Manager refuses shorter incident names (a WTForms ``Length(min=4)``).
MIN_TITLE = 4
MAX_TITLE = 1000
MAX_BODY = 100_000
#: Ours: the document gives the incident's description no bound.
MAX_DESCRIPTION = 10_000
#: ``per_page`` above this is a 400.
MAX_PER_PAGE = 50

DATE_FORMAT = "%Y-%m-%dT%H:%M"
#: Accepted on reading: the API's form, with seconds, and the web pages' form (events
#: recorded while someone used the web UI carry it in their JSON content).
_READ_FORMATS = (DATE_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")


class ServerClock:
    """Turns Prod Manager's zone-less dates into RFC 3339 UTC and back."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def parse(self, text: str | None) -> datetime | None:
        """An aware datetime, or None for a missing or unreadable date (never a crash)."""
        if not text or not isinstance(text, str):
            return None
        raw = text.strip()
        for fmt in _READ_FORMATS:
            try:
                return datetime.strptime(raw, fmt).replace(tzinfo=self.zone)
            except ValueError:
                continue
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return value if value.tzinfo else value.replace(tzinfo=self.zone)

    def rfc3339(self, text: str | None) -> str:
        value = self.parse(text)
        return rfc3339(value) if value else ""

    def format(self, value: datetime) -> str:
        """``YYYY-MM-DDTHH:MM`` in the server's zone."""
        return value.astimezone(self.zone).strftime(DATE_FORMAT)

    def normalised(self, text: str | None) -> str:
        """A date read from the server, written back in the form its forms accept."""
        value = self.parse(text)
        return self.format(value) if value else ""


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


# --- the JSON Prod Manager sends ----------------------------------------------------

Id = Annotated[int, Field(ge=1, lt=2**63)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PmEvent(_Lenient):
    """One entry of an incident's history: ``create``, ``update`` (JSON of the changes)
    or ``comment`` (the text, and whether it is internal)."""

    creation_date: str | None = None
    content: Any = ""
    internal: bool | None = None
    type: str = ""


class PmIncident(_Lenient):
    id: Id
    name: str
    status: str
    severity: str
    description: str | None = None
    external_reference: str | None = None
    external_link: str | None = None
    scope: Id | None = None
    service: Id | None = None
    creation_date: str | None = None
    start_impact_date: str | None = None
    investigation_date: str | None = None
    stable_date: str | None = None
    resolve_date: str | None = None
    # Newest first; only a token sees them (and internal ones).
    events: list[PmEvent] = Field(default_factory=list)


class PmIncidentPage(_Lenient):
    items: list[PmIncident]


class PmNamed(_Lenient):
    """A scope or a service."""

    id: Id
    name: str
    description: str | None = None


class PmNamedPage(_Lenient):
    items: list[PmNamed]
