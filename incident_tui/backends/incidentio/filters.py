"""An ``IncidentsQuery`` turned into incident.io's list filters, or refused saying why.

incident.io filters by status (``status`` ids, or whole ``status_category``es),
``severity``, ``incident_type``, ``created_at`` and ``mode``; several values of one
filter match any of them, different filters must all match. A query term that fits
is sent; ``-term`` and ``any(...)`` fit when they stay within one filter; every other
term is refused with an ``InvalidArgument`` naming it, never silently dropped.

Words: a Grafana status or severity (``status:active``, ``severity:critical``) means
every org value that maps onto it; any other word is looked up in the org's own list
(case-insensitive, a unique leading word is enough). ``label:type:NAME`` is the
incident type; ``isdrill:true`` is test and tutorial mode. Without a mode term every
mode is listed (the API's default hides test incidents; here they show as drills).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from incident_tui import models as m
from incident_tui import query as q
from incident_tui.backends.base import Capabilities, Term
from incident_tui.backends.incidentio.wire import (
    DRILL_MODES,
    MODES,
    REAL_MODES,
    SYSTEM,
    IoIncidentType,
    IoRole,
    IoSeverity,
    IoStatus,
    severity_terms,
    status_terms,
)
from incident_tui.errors import InvalidArgument

WHAT_IT_FILTERS = (
    "it filters by status, severity, isdrill, label:type:NAME (the incident type) and declared"
)
TYPE_PREFIX = "type:"


@dataclass(frozen=True)
class Catalog:
    """The org's own lists: severities, statuses, incident roles and incident types."""

    severities: tuple[IoSeverity, ...] = ()
    statuses: tuple[IoStatus, ...] = ()
    roles: tuple[IoRole, ...] = ()
    types: tuple[IoIncidentType, ...] = ()
    severity_vocabulary: tuple[Term, ...] = field(default=(), compare=False)
    status_vocabulary: tuple[Term, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        severities: list[IoSeverity],
        statuses: list[IoStatus],
        roles: list[IoRole],
        types: list[IoIncidentType],
    ) -> Catalog:
        return cls(
            tuple(severities),
            tuple(statuses),
            tuple(roles),
            tuple(types),
            severity_terms(severities),
            status_terms(statuses),
        )

    @property
    def vocabulary(self) -> Capabilities:
        return Capabilities(
            name=SYSTEM,
            system=SYSTEM,
            severities=self.severity_vocabulary,
            statuses=self.status_vocabulary,
        )

    def severity_ids(self, names: frozenset[str]) -> frozenset[str]:
        return frozenset(s.id for s in self.severities if s.name in names)

    def status_ids(self, names: frozenset[str]) -> frozenset[str]:
        return frozenset(s.id for s in self.statuses if s.name in names)

    def severity_named(self, name: str) -> IoSeverity | None:
        return next((s for s in self.severities if s.name == name), None)

    def status_named(self, name: str) -> IoStatus | None:
        return next((s for s in self.statuses if s.name == name), None)

    def role_named(self, word: str) -> IoRole | None:
        """A role by name or shortform: exact, case-insensitive, then a unique leading word."""
        for role in self.roles:
            if word in (role.name, role.shortform, role.id):
                return role
        folded = word.strip().casefold()
        same = [r for r in self.roles if folded in (r.name.casefold(), r.shortform.casefold())]
        if len(same) == 1:
            return same[0]
        leading = [r for r in self.roles if r.name.casefold().startswith(folded)]
        return leading[0] if len(leading) == 1 and folded else None

    def type_named(self, word: str) -> IoIncidentType | None:
        folded = word.strip().casefold()
        same = [t for t in self.types if t.name.casefold() == folded or t.id == word]
        return same[0] if len(same) == 1 else None

    def names(self, what: str) -> str:
        terms = self.status_vocabulary if what == "status" else self.severity_vocabulary
        if what == "type":
            shown = [t.name for t in self.types]
        elif what == "role":
            shown = [r.name for r in self.roles]
        else:
            shown = [t.value for t in terms]
        text = ", ".join(shown[:16]) + (", ..." if len(shown) > 16 else "")
        return text or "none"


def status_names(catalog: Catalog, word: str, where: str) -> frozenset[str]:
    """The org statuses a word means: a Grafana word, else one of its own."""
    return _names(catalog, catalog.status_vocabulary, word, "status", where)


def severity_names(catalog: Catalog, word: str, where: str) -> frozenset[str]:
    return _names(catalog, catalog.severity_vocabulary, word, "severity", where)


def _names(
    catalog: Catalog, terms: tuple[Term, ...], word: str, what: str, where: str
) -> frozenset[str]:
    vocabulary = catalog.vocabulary
    own = vocabulary.status(word) if what == "status" else vocabulary.severity(word)
    if own is not None:
        return frozenset({own.value})
    folded = word.strip().lower()
    mapped = frozenset(t.value for t in terms if t.grafana == folded)
    if mapped or folded in ("active", "resolved", "pending", "minor", "major", "critical"):
        return mapped
    plural = "statuses" if what == "status" else "severities"
    raise InvalidArgument(
        f"{where}: {SYSTEM} has no {what} {word[:40]!r} (its {plural}: {catalog.names(what)})"
    )


@dataclass(frozen=True)
class Filters:
    """What to ask incident.io for. ``None`` is no filter; an empty set matches nothing.
    Statuses and severities are held by name, types and modes by id/word."""

    status: frozenset[str] | None = None
    severity: frozenset[str] | None = None
    incident_type: frozenset[str] | None = None
    mode: frozenset[str] | None = None
    after: datetime | None = None  # created at or after
    before: datetime | None = None  # created strictly before

    def narrowed(self, key: str, values: frozenset[str]) -> Filters:
        current = getattr(self, key)
        updated: dict[str, Any] = {key: values if current is None else current & values}
        return replace(self, **updated)

    def dated(self, low: datetime | None, high: datetime | None) -> Filters:
        after = max(filter(None, (self.after, low)), default=None)
        before = min(filter(None, (self.before, high)), default=None)
        return replace(self, after=after, before=before)

    @property
    def matches_nothing(self) -> bool:
        sets = (self.status, self.severity, self.incident_type, self.mode)
        if any(values is not None and not values for values in sets):
            return True
        return self.after is not None and self.before is not None and self.after >= self.before

    def keeps(self, created: datetime | None) -> bool:
        """The exact time bounds (the API filters by whole days)."""
        if self.after is None and self.before is None:
            return True
        if created is None:
            return False
        if self.after is not None and created < self.after:
            return False
        return not (self.before is not None and created >= self.before)

    def params(self, catalog: Catalog) -> list[tuple[str, str]]:
        """Query parameters in the API's ``name[operator]=value`` form."""
        out: list[tuple[str, str]] = []
        if self.status is not None:
            out.extend(_status_params(catalog, self.status))
        if self.severity is not None:
            out.extend(("severity[one_of]", i) for i in sorted(catalog.severity_ids(self.severity)))
        if self.incident_type is not None:
            out.extend(("incident_type[one_of]", i) for i in sorted(self.incident_type))
        modes = self.mode if self.mode is not None else frozenset(MODES)
        out.extend(("mode[one_of]", mode) for mode in MODES if mode in modes)
        # Whole days there: the day of each bound, narrowed exactly on our side.
        if self.after is not None:
            out.append(("created_at[gte]", self.after.date().isoformat()))
        if self.before is not None:
            out.append(("created_at[lte]", self.before.date().isoformat()))
        return out

    def fingerprint(self, catalog: Catalog) -> str:
        text = "&".join(f"{k}={v}" for k, v in self.params(catalog))
        text += f"|{self.after}|{self.before}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _status_params(catalog: Catalog, names: frozenset[str]) -> list[tuple[str, str]]:
    """Whole categories go as ``status_category``; otherwise the statuses by id. Either
    way the API's default (which hides declined, canceled and merged) is replaced."""
    chosen = [s for s in catalog.statuses if s.name in names]
    categories = {s.category for s in chosen}
    whole = all(
        all(s.name in names for s in catalog.statuses if s.category == category)
        for category in categories
    )
    if chosen and whole and all(categories):
        return [("status_category[one_of]", c) for c in sorted(categories)]
    return [("status[one_of]", s.id) for s in sorted(chosen, key=lambda s: s.id)]


# --- one selection per term -----------------------------------------------------------

#: (filter key, values) for a set filter; ("declared", (low, high)); ("", None) for a
#: term true of every incident.
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

    def universe(self, key: str) -> frozenset[str]:
        if key == "status":
            return frozenset(t.value for t in self.catalog.status_vocabulary)
        if key == "severity":
            return frozenset(t.value for t in self.catalog.severity_vocabulary)
        if key == "mode":
            return frozenset(MODES)
        return frozenset(t.id for t in self.catalog.types)

    def select(self, term: q.QueryTerm) -> Selection:
        where = self.typed(term)
        if isinstance(term, q.StatusIs):
            return "status", status_names(self.catalog, term.status, where)
        if isinstance(term, q.SeverityIs):
            if term.severity == "pending":
                raise self.refuse(term, "has no pending severity")
            return "severity", severity_names(self.catalog, term.severity, where)
        if isinstance(term, q.IsDrill):
            return "mode", frozenset(DRILL_MODES if term.is_drill else REAL_MODES)
        if isinstance(term, q.Label):
            if not term.label.lower().startswith(TYPE_PREFIX):
                raise self.refuse(term, "filters only the label type:NAME (the incident type)")
            return "incident_type", frozenset({self.type_id(term, term.label)})
        if isinstance(term, q.DateRange):
            if term.key != "declared":
                raise self.refuse(term, f"cannot filter on the {term.key} time")
            return "declared", term.bounds(self.now)
        if isinstance(term, q.Not):
            return self.negate(term)
        if isinstance(term, q.AnyOf):
            return self.any_of(term)
        if isinstance(term, q.Title):
            raise self.refuse(term, "cannot filter by title")
        if isinstance(term, q.CreatedBy):
            raise self.refuse(term, "cannot filter by who declared an incident")
        if isinstance(term, q.RoleHeld):
            raise self.refuse(term, "cannot filter by role holder here")
        raise self.refuse(term, "cannot search text")

    def type_id(self, term: q.Node, label: str) -> str:
        name = label[len(TYPE_PREFIX) :]
        found = self.catalog.type_named(name)
        if found is None:
            raise InvalidArgument(
                f"{self.typed(term)}: {SYSTEM} has no incident type {name[:60]!r}"
                f" (its types: {self.catalog.names('type')})"
            )
        return found.id

    def negate(self, term: q.Not) -> Selection:
        key, values = self.select(term.term)
        if key in ("", "declared") or not isinstance(values, frozenset):
            raise self.refuse(term, "cannot exclude this")
        return key, self.universe(key) - values

    def any_of(self, term: q.AnyOf) -> Selection:
        selections = [self.select(inner) for inner in term.terms]
        keys = {key for key, _ in selections}
        if "" in keys:
            return "", None
        if len(keys) != 1 or "declared" in keys:
            raise self.refuse(term, "can only offer alternatives within one filter")
        union: frozenset[str] = frozenset()
        for _, values in selections:
            assert isinstance(values, frozenset)
            union |= values
        return keys.pop(), union


def _apply(filters: Filters, selection: Selection) -> Filters:
    key, values = selection
    if key == "":
        return filters
    if key == "declared":
        assert isinstance(values, tuple)
        return filters.dated(values[0], values[1])
    assert isinstance(values, frozenset)
    return filters.narrowed(key, values)


def translate(query: m.IncidentsQuery, catalog: Catalog, now: datetime) -> Filters:
    """The filters for ``query``; a non-empty ``queryString`` replaces the other fields."""
    filters = Filters()
    if query.query_string.strip():
        parsed = q.parse(query.query_string)
        translator = _Translator(catalog, now, query.query_string)
        for term in parsed.terms:
            filters = _apply(filters, translator.select(term))
        return filters
    statuses = frozenset(t.value for t in catalog.status_vocabulary)
    if query.include_statuses:
        wanted: frozenset[str] = frozenset()
        for word in query.include_statuses:
            wanted |= status_names(catalog, word, "includeStatuses")
        filters = filters.narrowed("status", wanted)
    if query.exclude_statuses:
        unwanted: frozenset[str] = frozenset()
        for word in query.exclude_statuses:
            unwanted |= status_names(catalog, word, "excludeStatuses")
        filters = filters.narrowed("status", statuses - unwanted)
    if query.severity.strip():
        picked: frozenset[str] = frozenset()
        for word in (w.strip() for w in query.severity.split(",") if w.strip()):
            picked |= severity_names(catalog, word, "severity")
        filters = filters.narrowed("severity", picked)
    labels = [label.strip() for label in query.incident_labels if label.strip()]
    if labels:
        types: frozenset[str] = frozenset()
        for label in labels:
            if not label.lower().startswith(TYPE_PREFIX):
                raise InvalidArgument(
                    f"incidentLabels: {SYSTEM} filters only the label type:NAME"
                    f" (its types: {catalog.names('type')})"
                )
            found = catalog.type_named(label[len(TYPE_PREFIX) :])
            if found is None:
                raise InvalidArgument(
                    f"incidentLabels: {SYSTEM} has no incident type {label[5:65]!r}"
                    f" (its types: {catalog.names('type')})"
                )
            types |= {found.id}
        filters = filters.narrowed("incident_type", types)
    low = _time(query.date_from, "dateFrom")
    high = _time(query.date_to, "dateTo")
    if low or high:
        filters = filters.dated(low, high + timedelta(seconds=1) if high else None)
    if query.only_drills:
        filters = filters.narrowed("mode", frozenset(DRILL_MODES))
    return filters


def _time(text: str, where: str) -> datetime | None:
    from incident_tui.backends.incidentio.wire import parse_time

    if not text.strip():
        return None
    value = parse_time(text)
    if value is None:
        raise InvalidArgument(f"{where} must be an RFC 3339 time (got {text[:40]!r})")
    return value
