"""OneUptime's shapes: its JSON envelopes, its typed values, the records the backend reads.

OneUptime (``OneUptime/oneuptime``) answers every list with ``{"data", "count", "skip",
"limit"}`` and writes typed values as ``{"_type": "ObjectID" | "DateTime" | "Color" |
..., "value": ...}``; plain strings are accepted too. Related records (the incident's
state, severity and labels, a note's author) come as objects holding the fields that
were selected. The models here are lenient: what they do not know they ignore, what
is missing stays empty, and ``unwrap`` reads a value in either form.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_tui import times

SYSTEM = "OneUptime"

#: At most this many records a page (OneUptime's own limit on ``limit``).
MAX_PAGE = 100
MAX_TITLE = 500
MAX_BODY = 100_000
#: Ours: OneUptime documents no bound for an incident's description (markdown).
MAX_DESCRIPTION = 50_000
#: OneUptime's ids are UUIDs; anything else is refused before a request is sent.
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def unwrap(value: Any) -> Any:
    """``{"_type": ..., "value": v}`` -> ``v``; anything else as it is."""
    if isinstance(value, dict) and "_type" in value and "value" in value:
        return value["value"]
    return value


def text_of(value: Any) -> str:
    """A string field in either form; "" for anything that is not text."""
    inner = unwrap(value)
    return inner if isinstance(inner, str) else ""


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO date in either form; None when missing or unreadable."""
    return times.parse_time(text_of(value))


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(value: datetime) -> str:
    """The form OneUptime writes its dates in (milliseconds, ``Z``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{value.microsecond // 1000:03d}Z"
    )


def typed_id(value: str) -> dict[str, str]:
    return {"_type": "ObjectID", "value": value}


def typed_time(value: datetime) -> dict[str, str]:
    return {"_type": "DateTime", "value": iso(value)}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OuRef(_Lenient):
    """A related record: its id and, when selected, its name (a state, severity, label,
    role or user) and the few facts the console uses."""

    id: str = Field(default="", alias="_id")
    name: Any = None
    email: Any = None
    description: Any = None
    color: Any = None
    order: Any = None
    isResolvedState: Any = None
    isCreatedState: Any = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        inner = unwrap(value)
        return inner if isinstance(inner, str) else ""

    @property
    def shown(self) -> str:
        return text_of(self.name)

    @property
    def rank(self) -> float:
        inner = unwrap(self.order)
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return float(inner)
        return float("inf")

    @property
    def resolved(self) -> bool:
        return unwrap(self.isResolvedState) is True


class OuIncident(_Lenient):
    id: str = Field(alias="_id")
    title: Any = ""
    description: Any = None
    rootCause: Any = None
    postmortemNote: Any = None
    remediationNotes: Any = None
    declaredAt: Any = None
    createdAt: Any = None
    updatedAt: Any = None
    incidentNumber: Any = None
    currentIncidentStateId: Any = None
    currentIncidentState: OuRef | None = None
    incidentSeverityId: Any = None
    incidentSeverity: OuRef | None = None
    labels: list[Any] | None = None
    createdByUser: OuRef | None = None
    createdByUserId: Any = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        inner = unwrap(value)
        if not isinstance(inner, str) or not inner:
            raise ValueError("an incident needs an _id")
        return inner

    @field_validator("currentIncidentState", "incidentSeverity", "createdByUser", mode="before")
    @classmethod
    def _ref(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None

    @property
    def number(self) -> int | None:
        inner = unwrap(self.incidentNumber)
        if isinstance(inner, float) and inner.is_integer():
            inner = int(inner)
        if isinstance(inner, int) and not isinstance(inner, bool) and 0 < inner < 2**53:
            return inner
        return None

    def label_refs(self) -> list[OuRef]:
        out: list[OuRef] = []
        for item in self.labels or []:
            if isinstance(item, dict) and "_id" in item:
                out.append(OuRef.model_validate(item))
            else:
                ident = text_of(item)
                if ident:
                    out.append(OuRef(_id=ident))
        return out


class OuItem(_Lenient):
    """A note (internal or public) or a state change of an incident."""

    id: str = Field(alias="_id")
    note: Any = None
    createdAt: Any = None
    postedAt: Any = None
    startsAt: Any = None
    createdByUser: OuRef | None = None
    createdByUserId: Any = None
    incidentStateId: Any = None
    incidentState: OuRef | None = None
    userId: Any = None
    user: OuRef | None = None
    incidentRoleId: Any = None
    incidentRole: OuRef | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        inner = unwrap(value)
        if not isinstance(inner, str) or not inner:
            raise ValueError("a record needs an _id")
        return inner

    @field_validator("createdByUser", "incidentState", "user", "incidentRole", mode="before")
    @classmethod
    def _ref(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None


class OuIncidentPage(_Lenient):
    data: list[OuIncident]
    count: int = Field(ge=0)


class OuItemPage(_Lenient):
    data: list[OuItem]
    count: int = Field(ge=0)


class OuRefPage(_Lenient):
    data: list[OuRef]
    count: int = Field(ge=0)


class OuCount(_Lenient):
    count: int = Field(ge=0)


class OuCreated(_Lenient):
    id: str = Field(alias="_id")

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        inner = unwrap(value)
        if not isinstance(inner, str) or not inner:
            raise ValueError("the created record has no _id")
        return inner
