"""How incident facts look on screen: severity and status words + glyphs (times, ages and
durations come from ``incident_tui.facts``, shared with the command line and the export).

Meaning never rides on colour alone, so every severity has a glyph and a word and
every status a word; the colour comes from the theme via the style names here.
Shared by the list and the incident view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text

from incident_tui.facts import compact_duration as format_duration
from incident_tui.facts import first_set_time, format_time, incident_clock, parse_time
from incident_tui.text import one_line

if TYPE_CHECKING:
    from incident_tui.backends.base import Term

__all__ = [
    "SEVERITIES",
    "SeverityLook",
    "duration_column",
    "first_set_time",
    "format_duration",
    "format_time",
    "incident_clock",
    "parse_time",
    "resolved_at",
    "severity_look",
    "severity_text",
    "severity_words",
    "status_word",
    "time_column",
]


@dataclass(frozen=True)
class SeverityLook:
    glyph: str
    sev: str  # "SEV1"
    word: str  # "critical"
    short: str  # "crit"
    style: str  # theme variable name (without $)


SEVERITIES: dict[str, SeverityLook] = {
    "critical": SeverityLook("▲", "SEV1", "critical", "crit", "sev-critical"),
    "major": SeverityLook("◆", "SEV2", "major", "major", "sev-major"),
    "minor": SeverityLook("●", "SEV3", "minor", "minor", "sev-minor"),
    "pending": SeverityLook("○", "SEV?", "pending", "pend", "sev-pending"),
}


def severity_look(severity: str, terms: Sequence[Term] = ()) -> SeverityLook:
    """The look of a severity. A backend's own (``terms``: Prod Manager's ``high``) keeps
    its word and takes the glyph and colour of the Grafana severity it maps to; unknown
    severities (newer stacks) get a neutral one."""
    value = severity or "pending"
    term = next((t for t in terms if t.value == value), None)
    if term is not None and (term.label or term.value != term.grafana):
        nearest = SEVERITIES.get(term.grafana)
        word = one_line(term.shown, 12).lower()
        short = word if len(word) <= 5 else word[:4] + "."
        if nearest is not None:
            return SeverityLook(nearest.glyph, "", word, short, nearest.style)
        return SeverityLook("◇", "", word, short, "sev-pending")
    known = SEVERITIES.get(value.lower())
    if known:
        return known
    word = one_line(severity, 12)
    return SeverityLook("◇", "SEV", word, word[:5], "sev-pending")


def status_word(status: str) -> str:
    """A status as the list and the header show it: ``ACTIVE``, ``RESOLVED``, or the
    backend's own word (Prod Manager's ``INVESTIGATING``), never squeezed into Grafana's."""
    value = str(status)
    if value in ("", "active"):
        return "ACTIVE"
    return one_line(value, 16).upper()


def severity_words(look: SeverityLook) -> str:
    """``SEV1 critical``, or just ``high`` for a backend's own severity (no SEV number)."""
    return f"{look.sev} {look.word}" if look.sev else look.word


def resolved_at(value: str, now: datetime) -> str:
    """When an incident was resolved, in at most 7 cells (UTC, like every time shown):
    ``03:04`` today, ``Nov 24`` this year, ``2025-11`` before."""
    moment = parse_time(value)
    if moment is None:
        return "—"
    moment, today = moment.astimezone(UTC), now.astimezone(UTC)
    if moment.date() == today.date():
        return moment.strftime("%H:%M")
    if moment.year == today.year:
        return moment.strftime("%b %d")
    return moment.strftime("%Y-%m")


def _start(incident_start: str, created_time: str) -> datetime | None:
    return parse_time(incident_start) or parse_time(created_time)


def time_column(
    status: str,
    incident_start: str,
    incident_end: str,
    closed_time: str,
    created_time: str,
    now: datetime,
) -> str:
    """The list's TIME: the age of an active incident, when a resolved one was resolved."""
    if str(status) == "resolved":
        return resolved_at(incident_end or closed_time, now)
    start = _start(incident_start, created_time)
    return "?" if start is None else format_duration((now - start).total_seconds())


def duration_column(
    status: str,
    incident_start: str,
    incident_end: str,
    closed_time: str,
    created_time: str,
    duration_seconds: int,
    now: datetime,
) -> str:
    """The list's DUR: how long it lasted (so far, while active)."""
    start = _start(incident_start, created_time)
    end = parse_time(incident_end) or parse_time(closed_time)
    if start is not None and end is not None:
        return format_duration((end - start).total_seconds())
    if str(status) == "resolved" or start is None:
        return format_duration(duration_seconds)
    return format_duration((now - start).total_seconds())


def severity_text(severity: str, *, short: bool = False, terms: Sequence[Term] = ()) -> Text:
    """``▲ SEV1 critical`` (or ``▲ crit``) as plain Text; callers add the colour."""
    look = severity_look(severity, terms)
    return Text(f"{look.glyph} {look.short}" if short else f"{look.glyph} {severity_words(look)}")
