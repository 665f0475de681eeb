"""OneUptime's project vocabulary and records in the words the console speaks.

A project defines its own incident states (ordered; some are resolved states) and
severities (ordered, 1 the most severe) and its labels. The ``Catalog`` holds them;
an incident keeps its state's and severity's own names (``Identified``,
``Critical Incident``) and ``Capabilities`` say which Grafana word each stands
nearest to. A state or severity the catalog does not know shows as its own name (or
id), never a crash. Root cause and postmortem note join the description on the
overview. The timeline is the incident's internal and public notes and its state
changes, with their authors and times; the first state change (written by OneUptime
when the incident is declared) is the ``incidentCreated`` item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incident_tui import models as m
from incident_tui.backends.base import Term
from incident_tui.backends.oneuptime.wire import (
    OuIncident,
    OuItem,
    OuRef,
    parse_time,
    rfc3339,
    text_of,
)

#: Timeline item ids: the kind of record, then its OneUptime id.
INTERNAL, PUBLIC, STATE = "internal", "public", "state"


@dataclass(frozen=True)
class Catalog:
    """A project's incident states, severities and labels (by id)."""

    states: dict[str, OuRef] = field(default_factory=dict)
    severities: dict[str, OuRef] = field(default_factory=dict)
    labels: dict[str, OuRef] = field(default_factory=dict)

    @property
    def status_terms(self) -> tuple[Term, ...]:
        """States in their order; resolved states map to ``resolved``."""
        ordered = sorted(self.states.values(), key=lambda s: (s.rank, s.shown))
        return tuple(
            Term(s.shown, "resolved" if s.resolved else "active", s.shown)
            for s in ordered
            if s.shown
        )

    @property
    def severity_terms(self) -> tuple[Term, ...]:
        """Least to most severe (OneUptime's order 1 is the most severe)."""
        ordered = sorted(self.severities.values(), key=lambda s: (-s.rank, s.shown))
        named = [s.shown for s in ordered if s.shown]
        return tuple(
            Term(name, _grafana_severity(name, i, len(named)), name) for i, name in enumerate(named)
        )

    def state_id(self, name: str) -> str | None:
        return _id_named(self.states, name)

    def severity_id(self, name: str) -> str | None:
        return _id_named(self.severities, name)

    def label_id(self, name: str) -> str | None:
        return _id_named(self.labels, name)

    def label_names(self) -> str:
        names = sorted(ref.shown for ref in self.labels.values() if ref.shown)
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return shown or "none"

    def knows(self, incident: OuIncident) -> bool:
        """True when every state, severity and label the incident names is in the catalog."""
        state = text_of(incident.currentIncidentStateId)
        severity = text_of(incident.incidentSeverityId)
        return (
            (not state or state in self.states)
            and (not severity or severity in self.severities)
            and all(ref.id in self.labels for ref in incident.label_refs())
        )


def _grafana_severity(name: str, index: int, count: int) -> str:
    folded = name.casefold()
    for word in ("critical", "major", "minor"):
        if word in folded:
            return word
    if index == count - 1:
        return "critical"
    if index == 0 and count > 1:
        return "minor"
    return "major"


def _id_named(items: dict[str, OuRef], name: str) -> str | None:
    """The id of the record named ``name``: exact, else case-insensitive (unique)."""
    for ident, ref in items.items():
        if ref.shown == name:
            return ident
    folded = name.strip().casefold()
    matches = [ident for ident, ref in items.items() if ref.shown.strip().casefold() == folded]
    return matches[0] if len(matches) == 1 else None


def incident_id(incident: OuIncident) -> str:
    """What the console calls an incident: its number (``INC-42`` is 42), else its id."""
    number = incident.number
    return str(number) if number is not None else incident.id


def state_name(incident: OuIncident, catalog: Catalog) -> str:
    ident = text_of(incident.currentIncidentStateId)
    known = catalog.states.get(ident) if ident else None
    if known is not None and known.shown:
        return known.shown
    embedded = incident.currentIncidentState
    if embedded is not None and embedded.shown:
        return embedded.shown
    return ident


def severity_name(incident: OuIncident, catalog: Catalog) -> str:
    ident = text_of(incident.incidentSeverityId)
    known = catalog.severities.get(ident) if ident else None
    if known is not None and known.shown:
        return known.shown
    embedded = incident.incidentSeverity
    if embedded is not None and embedded.shown:
        return embedded.shown
    return ident


def is_resolved(incident: OuIncident, catalog: Catalog) -> bool:
    ident = text_of(incident.currentIncidentStateId)
    known = catalog.states.get(ident) if ident else None
    if known is not None:
        return known.resolved
    embedded = incident.currentIncidentState
    return embedded is not None and embedded.resolved


def labels_of(incident: OuIncident, catalog: Catalog) -> list[m.IncidentLabel]:
    out: list[m.IncidentLabel] = []
    for ref in incident.label_refs():
        known = catalog.labels.get(ref.id)
        name = (known.shown if known is not None else "") or ref.shown or f"#{ref.id}"
        description = text_of((known or ref).description)
        color = text_of((known or ref).color)
        out.append(m.IncidentLabel(label=name, description=description, color_hex=color))
    return out


def person(ref: OuRef | None, ident: Any = None) -> m.UserPreview:
    user_id = (ref.id if ref is not None else "") or text_of(ident)
    if not user_id and ref is None:
        return m.UserPreview()
    name = ""
    if ref is not None:
        name = ref.shown or text_of(ref.email)
    return m.UserPreview(user_id=user_id, name=name or user_id)


def _after_description(incident: OuIncident) -> list[str]:
    """The root cause and the postmortem note, as the summary shows them after the
    description."""
    parts = []
    root = text_of(incident.rootCause).strip()
    if root:
        parts.append(f"Root cause: {root}")
    postmortem = text_of(incident.postmortemNote).strip()
    if postmortem:
        parts.append(f"Postmortem: {postmortem}")
    return parts


def summary(incident: OuIncident) -> str:
    """The description, then the root cause and the postmortem note when there are any."""
    parts = [text_of(incident.description).strip(), *_after_description(incident)]
    return "\n\n".join(p for p in parts if p)


def description_from_summary(text: str, incident: OuIncident) -> str:
    """The description a summary edited in the console means: the summary was shown with
    the root cause and the postmortem note after the description, so those, left as they
    were at its end, are taken off (they are not the description's to change)."""
    text = text.strip()
    for part in reversed(_after_description(incident)):
        if text == part:
            text = ""
        elif text.endswith("\n\n" + part):
            text = text[: -len(part) - 2].rstrip()
    return text


def to_incident(
    incident: OuIncident,
    catalog: Catalog,
    root: str,
    project: str,
    now: datetime,
    resolved_at: datetime | None = None,
) -> m.Incident:
    resolved = is_resolved(incident, catalog)
    start = parse_time(incident.declaredAt) or parse_time(incident.createdAt)
    created = parse_time(incident.createdAt) or start
    modified = parse_time(incident.updatedAt) or created
    end = (resolved_at or modified) if resolved else None
    finish = end or now
    duration = max(0, int((finish - start).total_seconds())) if start else 0
    return m.Incident(
        incident_id=incident_id(incident),
        title=text_of(incident.title),
        severity=severity_name(incident, catalog),
        status=state_name(incident, catalog),
        labels=labels_of(incident, catalog),
        created_time=rfc3339(created) if created else "",
        modified_time=rfc3339(modified) if modified else "",
        created_by_user=person(incident.createdByUser, incident.createdByUserId),
        closed_time=rfc3339(end) if end else "",
        duration_seconds=duration,
        overview_url=f"{root}/dashboard/{project}/incidents/{incident.id}",
        summary=summary(incident),
        incident_start=rfc3339(start) if start else "",
        incident_end=rfc3339(end) if end else "",
    )


def item_of(
    kind: str, incident: str, record: OuItem, catalog: Catalog, *, first: bool = False
) -> m.ActivityItem:
    """One note or state change as a timeline item. The ``first`` state change is the one
    OneUptime records when the incident is declared: it is the ``incidentCreated`` item."""
    when = (
        parse_time(record.postedAt) or parse_time(record.startsAt) or parse_time(record.createdAt)
    )
    stamp = rfc3339(when) if when else ""
    created = parse_time(record.createdAt)
    base: dict[str, Any] = {
        "activity_item_id": f"{kind}:{record.id}",
        "incident_id": incident,
        "user": person(record.createdByUser, record.createdByUserId),
        "created_time": rfc3339(created) if created else stamp,
        "event_time": stamp,
        "immutable": True,
    }
    if kind == STATE:
        ident = text_of(record.incidentStateId)
        known = catalog.states.get(ident) if ident else None
        name = (known.shown if known else "") or (
            record.incidentState.shown if record.incidentState else ""
        )
        shown = name or ident or "an unknown state"
        if first:
            return m.ActivityItem(
                **base,
                activity_kind=m.ActivityKind.INCIDENT_CREATED.value,
                body=f"declared the incident ({shown})",
                field_values={"state": name or ident},
            )
        return m.ActivityItem(
            **base,
            activity_kind=m.ActivityKind.INCIDENT_STATUS_CHANGED.value,
            body=f"changed the state to {shown}",
            field_values={"state": name or ident},
        )
    base["immutable"] = False  # OneUptime keeps notes editable
    return m.ActivityItem(
        **base,
        activity_kind=m.ActivityKind.USER_NOTE.value,
        body=text_of(record.note),
        field_values={"internal": kind == INTERNAL},
    )


def record_time(record: OuItem) -> datetime | None:
    """When a note or a state change happened (to the millisecond, for ordering)."""
    return (
        parse_time(record.postedAt) or parse_time(record.startsAt) or parse_time(record.createdAt)
    )


def sort_key(record: OuItem) -> tuple[str, str]:
    """Oldest first; records of the same instant by when they were written."""
    when = record_time(record)
    created = parse_time(record.createdAt)
    return (when.isoformat() if when else "", created.isoformat() if created else "")
