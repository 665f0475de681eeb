"""An ``IncidentsQuery`` turned into Prod Manager's list filters, or refused saying why.

Prod Manager filters by status, severity, scope, service and impact start
(``impact_after``/``impact_before``); several values of one filter match any of them,
different filters must all match. A query term that fits is sent; ``-term`` and
``any(...)`` fit when they stay within one filter; every other term is refused with
an ``InvalidArgument`` naming it, never silently dropped.

Words: a Grafana status or severity (``status:active``) means every Prod Manager
value that maps onto it (active, investigating and stable); any other word is looked
up in Prod Manager's own vocabulary (case-insensitive, a unique leading word is enough).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from incident_tui import models as m
from incident_tui import query as q
from incident_tui.backends.base import Capabilities, Term
from incident_tui.backends.prodmanager.wire import (
    SEVERITIES,
    STATUSES,
    SYSTEM,
    PmNamed,
    ServerClock,
)
from incident_tui.errors import InvalidArgument

LABEL_KINDS = ("scope", "service")
WHAT_IT_FILTERS = "it filters by status, severity, label (scope:NAME, service:NAME) and started"


@dataclass(frozen=True)
class Catalog:
    """Prod Manager's scopes and services: its fixed labels."""

    scopes: dict[int, PmNamed] = field(default_factory=dict)
    services: dict[int, PmNamed] = field(default_factory=dict)

    def of(self, kind: str) -> dict[int, PmNamed]:
        return self.scopes if kind == "scope" else self.services

    def label(self, kind: str, ident: int | None) -> m.IncidentLabel | None:
        if ident is None:
            return None
        named = self.of(kind).get(ident)
        if named is None:
            return m.IncidentLabel(label=f"{kind}:#{ident}")
        return m.IncidentLabel(label=f"{kind}:{named.name}", description=named.description or "")

    def find(self, kind: str, name: str) -> int | None:
        """The id of the scope/service named ``name`` (exact, else case-insensitive, else
        ``#id``)."""
        items = self.of(kind)
        for ident, named in items.items():
            if named.name == name:
                return ident
        folded = name.strip().casefold()
        matches = [i for i, named in items.items() if named.name.strip().casefold() == folded]
        if len(matches) == 1:
            return matches[0]
        if name.startswith("#") and name[1:].isdigit() and int(name[1:]) in items:
            return int(name[1:])
        return None

    def names(self, kind: str) -> str:
        names = sorted(named.name for named in self.of(kind).values())
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return shown or "none"


def split_label(text: str) -> tuple[str, str] | None:
    """``scope:Production`` -> ("scope", "Production"); None for any other label."""
    kind, sep, name = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in LABEL_KINDS or not name.strip():
        return None
    return kind, name.strip()


def label_id(catalog: Catalog, text: str, where: str) -> tuple[str, int]:
    """The (kind, id) a label names, or InvalidArgument saying what labels exist."""
    parts = split_label(text)
    if parts is None:
        raise InvalidArgument(
            f"{where}: {SYSTEM} labels are its scopes and services,"
            f" written scope:NAME or service:NAME (scopes: {catalog.names('scope')};"
            f" services: {catalog.names('service')})"
        )
    kind, name = parts
    ident = catalog.find(kind, name)
    if ident is None:
        raise InvalidArgument(
            f"{where}: {SYSTEM} has no {kind} named {name[:60]!r} ({kind}s: {catalog.names(kind)})"
        )
    return kind, ident


def status_values(word: str, where: str) -> frozenset[str]:
    """The Prod Manager statuses a filter word means."""
    return _values(word, STATUSES, "status", where)


def severity_values(word: str, where: str) -> frozenset[str]:
    return _values(word, SEVERITIES, "severity", where)


#: Prod Manager's vocabularies, for their case-insensitive, leading-word lookup.
VOCABULARY = Capabilities(name=SYSTEM, system=SYSTEM, severities=SEVERITIES, statuses=STATUSES)


def _values(word: str, terms: tuple[Term, ...], what: str, where: str) -> frozenset[str]:
    folded = word.strip().lower()
    mapped = frozenset(t.value for t in terms if t.grafana == folded)
    if mapped:
        return mapped
    own = VOCABULARY.status(word) if what == "status" else VOCABULARY.severity(word)
    if own is not None:
        return frozenset({own.value})
    words = ", ".join(t.value for t in terms)
    plural = "statuses" if what == "status" else "severities"
    raise InvalidArgument(f"{where}: {SYSTEM} has no {what} {word[:40]!r} (its {plural}: {words})")


@dataclass(frozen=True)
class Filters:
    """What to ask Prod Manager for. ``None`` is no filter; an empty set matches nothing."""

    status: frozenset[str] | None = None
    severity: frozenset[str] | None = None
    scope: frozenset[int] | None = None
    service: frozenset[int] | None = None
    after: datetime | None = None  # impact start at or after
    before: datetime | None = None  # impact start strictly before

    def narrowed(self, key: str, values: frozenset) -> Filters:
        current = getattr(self, key)
        updated: dict[str, Any] = {key: values if current is None else current & values}
        return replace(self, **updated)

    def dated(self, low: datetime | None, high: datetime | None) -> Filters:
        after = max(filter(None, (self.after, low)), default=None)
        before = min(filter(None, (self.before, high)), default=None)
        return replace(self, after=after, before=before)

    @property
    def matches_nothing(self) -> bool:
        sets = (self.status, self.severity, self.scope, self.service)
        if any(values is not None and not values for values in sets):
            return True
        return self.after is not None and self.before is not None and self.after >= self.before

    def params(self, clock: ServerClock) -> list[tuple[str, str]]:
        """Query parameters, repeated for several values (Prod Manager ORs them)."""
        out: list[tuple[str, str]] = []
        for key in ("status", "severity", "scope", "service"):
            values = getattr(self, key)
            if values is not None:
                out.extend((key, str(v)) for v in sorted(values, key=str))
        # Dates are whole minutes there: round up, since impact_after keeps >= and
        # impact_before keeps <, a bound inside a minute starts at the next one.
        if self.after is not None:
            out.append(("impact_after", clock.format(_ceil_minute(self.after))))
        if self.before is not None:
            out.append(("impact_before", clock.format(_ceil_minute(self.before))))
        return out

    def fingerprint(self, clock: ServerClock) -> str:
        text = "&".join(f"{k}={v}" for k, v in self.params(clock))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _ceil_minute(value: datetime) -> datetime:
    floor = value.replace(second=0, microsecond=0)
    return floor if floor == value else floor + timedelta(minutes=1)


# --- one selection per term -----------------------------------------------------------

#: (filter key, values) for a set filter; ("started", (low, high)); ("", None) for a
#: term true of every Prod Manager incident.
Selection = tuple[str, object]


class _Translator:
    def __init__(self, catalog: Catalog, now: datetime, text: str) -> None:
        self.catalog = catalog
        self.now = now
        self.text = text

    def typed(self, term: q.Node) -> str:
        shown = self.text[term.start : term.end] if term.end > term.start else term.to_text()
        return shown if len(shown) <= 60 else shown[:57] + "..."

    def refuse(self, term: q.Node, reason: str) -> InvalidArgument:
        return InvalidArgument(f"{self.typed(term)}: {SYSTEM} {reason}; {WHAT_IT_FILTERS}")

    def universe(self, key: str) -> frozenset:
        if key == "status":
            return frozenset(t.value for t in STATUSES)
        if key == "severity":
            return frozenset(t.value for t in SEVERITIES)
        return frozenset(self.catalog.of(key))

    def select(self, term: q.QueryTerm) -> Selection:
        where = self.typed(term)
        if isinstance(term, q.StatusIs):
            return "status", status_values(term.status, where)
        if isinstance(term, q.SeverityIs):
            return "severity", severity_values(term.severity, where)
        if isinstance(term, q.Label):
            kind, ident = label_id(self.catalog, term.label, where)
            return kind, frozenset({ident})
        if isinstance(term, q.IsDrill):
            if term.is_drill:
                raise self.refuse(term, "has no drills")
            return "", None
        if isinstance(term, q.DateRange):
            if term.key != "started":
                raise self.refuse(term, f"cannot filter on the {term.key} time")
            return "started", term.bounds(self.now)
        if isinstance(term, q.Not):
            return self.negate(term)
        if isinstance(term, q.AnyOf):
            return self.any_of(term)
        if isinstance(term, q.Title):
            raise self.refuse(term, "cannot filter by title")
        if isinstance(term, q.CreatedBy):
            raise self.refuse(term, "does not record who declared an incident")
        if isinstance(term, q.RoleHeld):
            raise self.refuse(term, "has no roles")
        raise self.refuse(term, "cannot search text")

    def negate(self, term: q.Not) -> Selection:
        inner = term.term
        if isinstance(inner, q.IsDrill):
            if not inner.is_drill:
                raise self.refuse(term, "has no drills")
            return "", None
        key, values = self.select(inner)
        if key in ("", "started") or not isinstance(values, frozenset):
            raise self.refuse(term, "cannot exclude this")
        return key, self.universe(key) - values

    def any_of(self, term: q.AnyOf) -> Selection:
        selections = [self.select(inner) for inner in term.terms]
        keys = {key for key, _ in selections}
        if "" in keys:
            return "", None  # one alternative is true of every incident
        if len(keys) != 1 or "started" in keys:
            raise self.refuse(term, "can only offer alternatives within one filter")
        union: frozenset = frozenset()
        for _, values in selections:
            assert isinstance(values, frozenset)
            union |= values
        return keys.pop(), union


def _apply(filters: Filters, selection: Selection) -> Filters:
    key, values = selection
    if key == "":
        return filters
    if key == "started":
        assert isinstance(values, tuple)
        return filters.dated(values[0], values[1])
    assert isinstance(values, frozenset)
    return filters.narrowed(key, values)


def translate(query: m.IncidentsQuery, catalog: Catalog, now: datetime) -> Filters:
    """The filters for ``query``; a non-empty ``queryString`` replaces the other fields."""
    filters = Filters()
    if query.query_string.strip():
        parsed = q.parse(query.query_string, statuses=STATUS_WORDS, severities=SEVERITY_WORDS)
        translator = _Translator(catalog, now, query.query_string)
        for term in parsed.terms:
            filters = _apply(filters, translator.select(term))
        return filters
    if query.include_statuses:
        wanted: frozenset[str] = frozenset()
        for word in query.include_statuses:
            wanted |= status_values(word, "includeStatuses")
        filters = filters.narrowed("status", wanted)
    if query.exclude_statuses:
        unwanted: frozenset[str] = frozenset()
        for word in query.exclude_statuses:
            unwanted |= status_values(word, "excludeStatuses")
        filters = filters.narrowed("status", frozenset(STATUS_VALUES) - unwanted)
    if query.severity.strip():
        picked: frozenset[str] = frozenset()
        for word in _words(query.severity.split(",")):
            picked |= severity_values(word, "severity")
        filters = filters.narrowed("severity", picked)
    labels = list(_words(query.incident_labels))
    if labels:
        ids = [label_id(catalog, text, "incidentLabels") for text in labels]
        kinds = {kind for kind, _ in ids}
        if len(kinds) > 1:
            raise InvalidArgument(
                f"incidentLabels: {SYSTEM} cannot match a scope or a service in one query;"
                " ask for scopes or for services"
            )
        filters = filters.narrowed(kinds.pop(), frozenset(ident for _, ident in ids))
    if query.date_from or query.date_to:
        raise InvalidArgument(
            f"dateFrom/dateTo: {SYSTEM} cannot filter on the declared time;"
            " use started: in the query (impact start)"
        )
    if query.only_drills:
        raise InvalidArgument(f"onlyDrills: {SYSTEM} has no drills")
    return filters


STATUS_VALUES = tuple(t.value for t in STATUSES)
#: What a query may name: Prod Manager's words, and Grafana's (each stands for the
#: statuses or severities nearest to it: ``status:active`` is every unresolved one).
STATUS_WORDS = tuple(dict.fromkeys([*STATUS_VALUES, *(t.grafana for t in STATUSES)]))
SEVERITY_WORDS = tuple(dict.fromkeys([*(t.value for t in SEVERITIES), *q.SEVERITY_VALUES]))


def _words(values: Iterable[str]) -> Iterable[str]:
    return (v.strip() for v in values if v.strip())
