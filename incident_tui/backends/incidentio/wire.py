"""incident.io's own shapes: the JSON it sends, read leniently, and its org vocabularies.

Every object is read with ``extra="ignore"`` and every field but an id optional: the
published document marks fields required that real answers leave out, a ``null``
stands where it says string, and an enum may grow a value. What is missing shows as
empty; an unknown enum value shows as itself. Nothing here raises on such input.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from incident_tui import times
from incident_tui.backends.base import Term

SYSTEM = "incident.io"
DEFAULT_URL = "https://api.incident.io"

#: Status categories in the order an incident moves through them; the first three are
#: "active" to Grafana, the rest "resolved" (impact is over, or it never was one).
CATEGORY_ORDER: tuple[str, ...] = (
    "triage",
    "live",
    "paused",
    "learning",
    "closed",
    "declined",
    "canceled",
    "merged",
)
ACTIVE_CATEGORIES = frozenset({"triage", "live", "paused"})
#: What the app calls a category (``live`` shows as Active, ``learning`` as Post-incident).
CATEGORY_WORDS = {"live": "active", "learning": "post-incident"}

MODES = ("standard", "retrospective", "test", "tutorial")
DRILL_MODES = ("test", "tutorial")
REAL_MODES = ("standard", "retrospective")

#: The API refuses a page larger than this; our own limit above it takes several pages.
MAX_PAGE_SIZE = 250
MAX_NAME = 500
MAX_SUMMARY = 50_000


def _text(value: Any) -> Any:
    """``null`` where a string belongs reads as ""; a number or bool as its text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text)]


def _list(value: Any) -> Any:
    return [] if value is None else value


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class IoUser(_Lenient):
    id: Text = ""
    name: Text = ""
    email: Text = ""
    slack_user_id: Text = ""
    role: Text = ""


class IoApiKey(_Lenient):
    id: Text = ""
    name: Text = ""


class IoActor(_Lenient):
    user: IoUser | None = None
    api_key: IoApiKey | None = None


class IoSeverity(_Lenient):
    id: Text
    name: Text = ""
    description: Text = ""
    rank: int | None = None


class IoStatus(_Lenient):
    id: Text
    name: Text = ""
    description: Text = ""
    category: Text = ""
    rank: int | None = None


class IoRole(_Lenient):
    id: Text
    name: Text = ""
    description: Text = ""
    shortform: Text = ""
    role_type: Text = ""
    required: bool | None = None


class IoRoleAssignment(_Lenient):
    role: IoRole | None = None
    assignee: IoUser | None = None


class IoIncidentType(_Lenient):
    id: Text
    name: Text = ""
    description: Text = ""
    is_default: bool | None = None


class IoOption(_Lenient):
    id: Text = ""
    value: Text = ""


class IoCatalogEntry(_Lenient):
    id: Text = ""
    name: Text = ""


class IoCustomFieldValue(_Lenient):
    value_text: Text = ""
    value_link: Text = ""
    value_numeric: Text = ""
    value_option: IoOption | None = None
    value_catalog_entry: IoCatalogEntry | None = None

    def shown(self) -> str:
        if self.value_option is not None and self.value_option.value:
            return self.value_option.value
        if self.value_catalog_entry is not None and self.value_catalog_entry.name:
            return self.value_catalog_entry.name
        return self.value_text or self.value_link or self.value_numeric


class IoCustomFieldInfo(_Lenient):
    id: Text = ""
    name: Text = ""
    description: Text = ""
    field_type: Text = ""


class IoCustomFieldEntry(_Lenient):
    custom_field: IoCustomFieldInfo | None = None
    values: Annotated[list[IoCustomFieldValue], BeforeValidator(_list)] = Field(
        default_factory=list
    )


class IoTimestamp(_Lenient):
    id: Text = ""
    name: Text = ""
    rank: int | None = None


class IoTimestampValue(_Lenient):
    value: Text = ""


class IoTimestampWithValue(_Lenient):
    incident_timestamp: IoTimestamp | None = None
    value: IoTimestampValue | None = None


class IoIncident(_Lenient):
    id: Text
    reference: Text = ""
    name: Text = ""
    summary: Text = ""
    mode: Text = ""
    visibility: Text = ""
    permalink: Text = ""
    call_url: Text = ""
    created_at: Text = ""
    updated_at: Text = ""
    creator: IoActor | None = None
    severity: IoSeverity | None = None
    incident_status: IoStatus | None = None
    incident_type: IoIncidentType | None = None
    incident_role_assignments: Annotated[list[IoRoleAssignment], BeforeValidator(_list)] = Field(
        default_factory=list
    )
    custom_field_entries: Annotated[list[IoCustomFieldEntry], BeforeValidator(_list)] = Field(
        default_factory=list
    )
    incident_timestamp_values: Annotated[list[IoTimestampWithValue], BeforeValidator(_list)] = (
        Field(default_factory=list)
    )


class IoPaginationMeta(_Lenient):
    after: Text = ""
    page_size: int | None = None
    total_record_count: int | None = None


class IoIncidentPage(_Lenient):
    incidents: Annotated[list[IoIncident], BeforeValidator(_list)]
    pagination_meta: IoPaginationMeta | None = None


class IoIncidentShow(_Lenient):
    incident: IoIncident


class IoUpdate(_Lenient):
    id: Text
    incident_id: Text = ""
    message: Text = ""
    created_at: Text = ""
    new_incident_status: IoStatus | None = None
    new_severity: IoSeverity | None = None
    updater: IoActor | None = None
    merged_into_incident_id: Text = ""


class IoUpdatePage(_Lenient):
    incident_updates: Annotated[list[IoUpdate], BeforeValidator(_list)]
    pagination_meta: IoPaginationMeta | None = None


class IoFollowUp(_Lenient):
    """A follow-up (``title``) or an action (``description``): both become tasks."""

    id: Text
    incident_id: Text = ""
    title: Text = ""
    description: Text = ""
    status: Text = ""
    assignee: IoUser | None = None
    created_at: Text = ""
    updated_at: Text = ""
    completed_at: Text = ""


class IoFollowUpList(_Lenient):
    follow_ups: Annotated[list[IoFollowUp], BeforeValidator(_list)]


class IoActionList(_Lenient):
    actions: Annotated[list[IoFollowUp], BeforeValidator(_list)]


class IoSeverityList(_Lenient):
    severities: Annotated[list[IoSeverity], BeforeValidator(_list)]


class IoStatusList(_Lenient):
    incident_statuses: Annotated[list[IoStatus], BeforeValidator(_list)]


class IoRoleList(_Lenient):
    incident_roles: Annotated[list[IoRole], BeforeValidator(_list)]


class IoTypeList(_Lenient):
    incident_types: Annotated[list[IoIncidentType], BeforeValidator(_list)]


class IoUserPage(_Lenient):
    users: Annotated[list[IoUser], BeforeValidator(_list)]
    pagination_meta: IoPaginationMeta | None = None


class IoUserShow(_Lenient):
    user: IoUser


# --- times -----------------------------------------------------------------------------


def parse_time(text: str | None) -> datetime | None:
    """An aware datetime from the API's RFC 3339 text; None when missing or unreadable."""
    return times.parse_time(text) if isinstance(text, str) else None


def rfc3339(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def normal_time(text: str | None) -> str:
    return rfc3339(parse_time(text))


# --- vocabularies -------------------------------------------------------------------------


def category_rank(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def status_terms(statuses: list[IoStatus]) -> tuple[Term, ...]:
    """The org's statuses, grouped by category in the order an incident moves, then by
    rank; each is ``active`` or ``resolved`` to Grafana by its category."""
    ordered = sorted(
        statuses, key=lambda s: (category_rank(s.category), s.rank or 0, s.name.casefold())
    )
    return tuple(
        Term(s.name, "active" if s.category in ACTIVE_CATEGORIES else "resolved", s.name)
        for s in ordered
        if s.name
    )


def severity_terms(severities: list[IoSeverity]) -> tuple[Term, ...]:
    """Least to most severe (incident.io ranks the most severe highest): the least is
    ``minor`` to Grafana, the most ``critical``, the rest ``major``."""
    ordered = sorted(severities, key=lambda s: (s.rank or 0, s.name.casefold()))
    named = [s for s in ordered if s.name]
    terms = []
    for index, severity in enumerate(named):
        if index == len(named) - 1:
            grafana = "critical"
        elif index == 0:
            grafana = "minor"
        else:
            grafana = "major"
        terms.append(Term(severity.name, grafana, severity.name))
    return tuple(terms)
