"""An ``IncidentsQuery`` turned into OneUptime's ``query`` body, or refused saying why.

OneUptime matches a field against a value or a typed condition (``Includes`` a list
of ids, ``Search`` in text, ``GreaterThanOrEqual`` / ``LessThan`` / ``InBetween`` a
time); every field must match. Status and severity words become the ids of the
project's states and severities (a Grafana word means every state that maps onto it:
``status:active`` is every unresolved state); labels are the project's labels by
name; words and ``title:`` search the title; ``declared:`` filters on the declared
time. ``-term`` and ``any(...)`` fit when they stay within the states, severities or
labels. Every other term is refused with an ``InvalidArgument`` naming it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from incident_tui import models as m
from incident_tui import query as q
from incident_tui.backends.base import Capabilities, Term
from incident_tui.backends.oneuptime.mapping import Catalog
from incident_tui.backends.oneuptime.wire import SYSTEM, iso
from incident_tui.errors import InvalidArgument

WHAT_IT_FILTERS = "it filters by status, severity, label, title words and declared time"

#: A query of the console's in OneUptime's terms: sets of ids per field (None: any),
#: title searches, and the declared-time bounds.
Key = str  # "state" | "severity" | "label"


class Filters:
    def __init__(self) -> None:
        self.sets: dict[Key, frozenset[str]] = {}
        self.searches: list[str] = []
        self.after: datetime | None = None
        self.before: datetime | None = None

    def narrow(self, key: Key, values: frozenset[str]) -> None:
        current = self.sets.get(key)
        self.sets[key] = values if current is None else current & values

    def dated(self, low: datetime | None, high: datetime | None) -> None:
        if low is not None:
            self.after = low if self.after is None else max(self.after, low)
        if high is not None:
            self.before = high if self.before is None else min(self.before, high)

    @property
    def matches_nothing(self) -> bool:
        if any(not values for values in self.sets.values()):
            return True
        return self.after is not None and self.before is not None and self.after >= self.before

    def body(self, project: str) -> dict[str, Any]:
        """The ``query`` body: the project, each id set as ``Includes``, the title search
        (OneUptime takes one condition a field: the longest words are sent), the times."""
        out: dict[str, Any] = {"projectId": project}
        fields = {
            "state": "currentIncidentStateId",
            "severity": "incidentSeverityId",
            "label": "labels",
        }
        for key, values in self.sets.items():
            out[fields[key]] = {"_type": "Includes", "value": sorted(values)}
        if self.searches:
            out["title"] = {"_type": "Search", "value": max(self.searches, key=len)}
        if self.after is not None and self.before is not None:
            out["declaredAt"] = {
                "_type": "InBetween",
                "startValue": iso(self.after),
                "endValue": iso(self.before),
            }
        elif self.after is not None:
            out["declaredAt"] = {"_type": "GreaterThanOrEqual", "value": iso(self.after)}
        elif self.before is not None:
            out["declaredAt"] = {"_type": "LessThan", "value": iso(self.before)}
        return out

    def fingerprint(self, project: str, order: str, direction: str) -> str:
        text = json.dumps([self.body(project), order, direction], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def keep(self, title: str) -> bool:
        """True when every title search matches ``title`` (only one is sent)."""
        folded = title.casefold()
        return all(word.casefold() in folded for word in self.searches)


def _values(
    word: str, terms: tuple[Term, ...], ids: dict[str, str], what: str, where: str
) -> frozenset[str]:
    """The ids a status/severity word means: a Grafana word means all that map onto it."""
    folded = word.strip().casefold()
    mapped = [t.value for t in terms if t.grafana == folded]
    if not mapped:
        vocabulary = Capabilities(name=SYSTEM, system=SYSTEM, severities=terms, statuses=terms)
        own = vocabulary.status(word)
        mapped = [own.value] if own is not None else []
    found = frozenset(ids[v] for v in mapped if v in ids)
    if found or mapped:
        return found
    words = ", ".join(t.value for t in terms) or "none"
    plural = "states" if what == "state" else "severities"
    raise InvalidArgument(f"{where}: {SYSTEM} has no {what} {word[:40]!r} (its {plural}: {words})")


class _Translator:
    def __init__(self, catalog: Catalog, now: datetime, text: str) -> None:
        self.catalog = catalog
        self.now = now
        self.text = text
        self.state_ids = {t.value: catalog.state_id(t.value) or "" for t in catalog.status_terms}
        self.severity_ids = {
            t.value: catalog.severity_id(t.value) or "" for t in catalog.severity_terms
        }

    def typed(self, term: q.Node) -> str:
        shown = self.text[term.start : term.end] if term.end > term.start else term.to_text()
        return shown if len(shown) <= 60 else shown[:57] + "..."

    def refuse(self, term: q.Node, reason: str) -> InvalidArgument:
        return InvalidArgument(f"{self.typed(term)}: {SYSTEM} {reason}; {WHAT_IT_FILTERS}")

    def universe(self, key: Key) -> frozenset[str]:
        if key == "state":
            return frozenset(self.catalog.states)
        if key == "severity":
            return frozenset(self.catalog.severities)
        return frozenset(self.catalog.labels)

    def states(self, word: str, where: str) -> frozenset[str]:
        return _values(word, self.catalog.status_terms, self.state_ids, "state", where)

    def severities(self, word: str, where: str) -> frozenset[str]:
        return _values(word, self.catalog.severity_terms, self.severity_ids, "severity", where)

    def label(self, name: str, where: str) -> frozenset[str]:
        ident = self.catalog.label_id(name)
        if ident is None:
            raise InvalidArgument(
                f"{where}: {SYSTEM} has no label {name[:60]!r}"
                f" (its labels: {self.catalog.label_names()})"
            )
        return frozenset({ident})

    def apply(self, filters: Filters, term: q.QueryTerm) -> None:
        where = self.typed(term)
        if isinstance(term, q.Words | q.Title):
            if term.text.strip():
                filters.searches.append(term.text.strip())
            return
        if isinstance(term, q.DateRange):
            if term.key != "declared":
                raise self.refuse(term, f"cannot filter on the {term.key} time")
            low, high = term.bounds(self.now)
            filters.dated(low, high)
            return
        if isinstance(term, q.IsDrill):
            if term.is_drill:
                raise self.refuse(term, "has no drills")
            return
        key, values = self.select(term, where)
        if key:
            filters.narrow(key, values)

    def select(self, term: q.QueryTerm, where: str) -> tuple[Key, frozenset[str]]:
        if isinstance(term, q.StatusIs):
            return "state", self.states(term.status, where)
        if isinstance(term, q.SeverityIs):
            return "severity", self.severities(term.severity, where)
        if isinstance(term, q.Label):
            return "label", self.label(term.label, where)
        if isinstance(term, q.IsDrill) and not term.is_drill:
            return "", frozenset()
        if isinstance(term, q.Not):
            if isinstance(term.term, q.IsDrill) and term.term.is_drill:
                return "", frozenset()
            key, values = self.select(term.term, where)
            if not key:
                raise self.refuse(term, "cannot exclude this")
            if key == "label":
                raise self.refuse(term, "cannot exclude a label")
            return key, self.universe(key) - values
        if isinstance(term, q.AnyOf):
            selections = [self.select(inner, where) for inner in term.terms]
            if any(not key for key, _ in selections):
                return "", frozenset()
            keys = {key for key, _ in selections}
            if len(keys) != 1:
                raise self.refuse(term, "can only offer alternatives within one filter")
            union: frozenset[str] = frozenset()
            for _, values in selections:
                union |= values
            return keys.pop(), union
        if isinstance(term, q.CreatedBy):
            raise self.refuse(term, "cannot filter by who declared an incident here")
        if isinstance(term, q.RoleHeld):
            raise self.refuse(term, "cannot filter by role")
        if isinstance(term, q.Words | q.Title | q.DateRange):
            raise self.refuse(term, "can only search these outside any(...) and -")
        raise self.refuse(term, "cannot filter on this")


def translate(query: m.IncidentsQuery, catalog: Catalog, now: datetime) -> Filters:
    """The filters for ``query``; a non-empty ``queryString`` replaces the other fields."""
    filters = Filters()
    translator = _Translator(catalog, now, query.query_string)
    if query.query_string.strip():
        parsed = q.parse(query.query_string)
        for term in parsed.terms:
            translator.apply(filters, term)
        return filters
    if query.include_statuses:
        wanted: frozenset[str] = frozenset()
        for word in _words(query.include_statuses):
            wanted |= translator.states(word, "includeStatuses")
        filters.narrow("state", wanted)
    if query.exclude_statuses:
        unwanted: frozenset[str] = frozenset()
        for word in _words(query.exclude_statuses):
            unwanted |= translator.states(word, "excludeStatuses")
        filters.narrow("state", translator.universe("state") - unwanted)
    if query.severity.strip():
        picked: frozenset[str] = frozenset()
        for word in _words(query.severity.split(",")):
            picked |= translator.severities(word, "severity")
        filters.narrow("severity", picked)
    for name in _words(query.incident_labels):
        filters.narrow("label", translator.label(name, "incidentLabels"))
    if query.date_from or query.date_to:
        low = _time(query.date_from, "dateFrom")
        high = _time(query.date_to, "dateTo")
        filters.dated(low, high)
    if query.only_drills:
        raise InvalidArgument(f"onlyDrills: {SYSTEM} has no drills")
    return filters


def _time(text: str, where: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"{where} must be an RFC 3339 time (got {text[:40]!r})") from None
    if value.tzinfo is None:
        raise InvalidArgument(f"{where} needs a time zone offset (got {text[:40]!r})")
    return value


def _words(values: Iterable[str]) -> Iterable[str]:
    return (v.strip() for v in values if v.strip())
