"""Prod Manager's incidents and events in the Grafana vocabulary the console speaks.

An incident keeps its own status and severity words (``investigating``, ``high``);
``Capabilities`` say which Grafana word each stands nearest to. Its scope and service
become the labels ``scope:NAME`` and ``service:NAME``. Its history (``create``,
``update``, ``comment`` events) becomes the timeline: an update names what changed,
a comment is a ``userNote`` whose ``fieldValues.internal`` says whether Prod Manager
keeps it off the public page. Prod Manager records no authors, so items have none.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from incident_tui import models as m
from incident_tui.backends.prodmanager.filters import Catalog
from incident_tui.backends.prodmanager.wire import (
    DATE_OF_STATUS,
    PmEvent,
    PmIncident,
    ServerClock,
    rfc3339,
)

STATUS_DATES = frozenset(DATE_OF_STATUS.values())

#: Which Grafana kind an update item gets when it changed several things (first wins).
_UPDATE_KINDS: tuple[tuple[str, m.ActivityKind], ...] = (
    ("status", m.ActivityKind.INCIDENT_STATUS_CHANGED),
    ("severity", m.ActivityKind.INCIDENT_SEVERITY_CHANGED),
    ("name", m.ActivityKind.INCIDENT_TITLE_CHANGED),
)
_FIELD_WORDS = {
    "name": "title",
    "description": "description",
    "external_reference": "external reference",
    "external_link": "external link",
    "scope_id": "scope",
    "service_id": "service",
    "start_impact_date": "impact start",
    "investigation_date": "investigation time",
    "stable_date": "stable time",
    "resolve_date": "resolve time",
}


def to_incident(
    pm: PmIncident, catalog: Catalog, clock: ServerClock, root: str, now: datetime
) -> m.Incident:
    resolved = pm.status == "resolved"
    start = clock.parse(pm.start_impact_date) or clock.parse(pm.creation_date)
    end = clock.parse(pm.resolve_date) if resolved else None
    finish = end or now
    duration = max(0, int((finish - start).total_seconds())) if start else 0
    labels = [
        label
        for label in (catalog.label("scope", pm.scope), catalog.label("service", pm.service))
        if label is not None
    ]
    return m.Incident(
        incident_id=str(pm.id),
        title=pm.name,
        severity=pm.severity,
        status=pm.status,
        labels=labels,
        created_time=clock.rfc3339(pm.creation_date),
        modified_time=_modified(pm, clock),
        closed_time=rfc3339(end) if end else "",
        duration_seconds=duration,
        overview_url=f"{root}/incident/{pm.id}",
        summary=pm.description or "",
        incident_start=rfc3339(start) if start else "",
        incident_end=rfc3339(end) if end else "",
        hero_image_path="",
    )


def _modified(pm: PmIncident, clock: ServerClock) -> str:
    """The newest event, else the newest date on the record (Prod Manager keeps no
    modification time of its own)."""
    times = [clock.parse(e.creation_date) for e in pm.events]
    times += [
        clock.parse(text)
        for text in (
            pm.creation_date,
            pm.start_impact_date,
            pm.investigation_date,
            pm.stable_date,
            pm.resolve_date,
        )
    ]
    known = [t for t in times if t is not None]
    return rfc3339(max(known)) if known else ""


def timeline(pm: PmIncident, catalog: Catalog, clock: ServerClock) -> list[m.ActivityItem]:
    """Every event as a timeline item, oldest first. Prod Manager sends them newest first
    and never deletes one, so an item's place from the oldest is its id."""
    items: list[m.ActivityItem] = []
    for number, event in enumerate(reversed(pm.events), start=1):
        items.append(_item(str(pm.id), number, event, catalog, clock))
    return items


def _item(
    incident_id: str, number: int, event: PmEvent, catalog: Catalog, clock: ServerClock
) -> m.ActivityItem:
    when = clock.rfc3339(event.creation_date)
    base: dict[str, Any] = {
        "activity_item_id": str(number),
        "incident_id": incident_id,
        "created_time": when,
        "event_time": when,
        "immutable": True,
    }
    if event.type == "comment":
        internal = True if event.internal is None else bool(event.internal)
        base["immutable"] = False
        return m.ActivityItem(
            **base,
            activity_kind=m.ActivityKind.USER_NOTE.value,
            body=_text(event.content),
            field_values={"internal": internal},
        )
    if event.type == "create":
        return m.ActivityItem(
            **base,
            activity_kind=m.ActivityKind.INCIDENT_CREATED.value,
            body="declared the incident",
        )
    if event.type == "update":
        changes = _changes(event.content)
        kind = next(
            (k for name, k in _UPDATE_KINDS if name in changes),
            m.ActivityKind.INCIDENT_UPDATED,
        )
        return m.ActivityItem(
            **base, activity_kind=kind.value, body=_describe(changes, catalog, clock)
        )
    shown = event.type or "event"
    return m.ActivityItem(
        **base,
        activity_kind=m.ActivityKind.INCIDENT_UPDATED.value,
        body=f"{shown}: {_text(event.content)}"[:2000],
    )


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def _changes(content: Any) -> dict[str, Any]:
    """``{field: [old, new]}`` from an update event's content (a JSON string)."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except (ValueError, RecursionError):
            return {}
    return content if isinstance(content, dict) else {}


def _describe(changes: dict[str, Any], catalog: Catalog, clock: ServerClock) -> str:
    if not changes:
        return "updated the incident"
    parts = []
    for name, change in changes.items():
        if "status" in changes and name in STATUS_DATES:
            continue  # the dates that come with a status change

        word = _FIELD_WORDS.get(name, name.replace("_", " "))
        old, new = change if isinstance(change, list | tuple) and len(change) == 2 else (None, None)
        if name in ("status", "severity"):
            parts.append(f"changed the {word} from {_word(old)} to {_word(new)}")
        elif name == "name":
            parts.append(f"changed the title from {_quoted(old)} to {_quoted(new)}")
        elif name in ("scope_id", "service_id"):
            kind = name[: -len("_id")]
            parts.append(
                f"moved it from {_named(catalog, kind, old)} to {_named(catalog, kind, new)}"
            )
        elif name.endswith("_date"):
            shown = clock.rfc3339(new) if isinstance(new, str) else ""
            parts.append(f"set the {word} to {shown or 'nothing'}")
        else:
            parts.append(f"changed the {word}")
    return "; ".join(parts)


def _word(value: Any) -> str:
    # Enum changes are recorded by their Python names (``INVESTIGATING``).
    return str(value).lower() if value is not None else "nothing"


def _quoted(value: Any) -> str:
    text = str(value) if value is not None else ""
    return "'" + (text if len(text) <= 200 else text[:197] + "...") + "'"


def _named(catalog: Catalog, kind: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        label = catalog.label(kind, value)
        if label is not None:
            return label.label
    return f"{kind} {value}"
