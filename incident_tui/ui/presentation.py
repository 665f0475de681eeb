"""How incident facts look on screen: severity and status words + glyphs (times, ages and
durations come from ``incident_tui.facts``, shared with the command line and the export).

Meaning never rides on colour alone, so every severity has a glyph and a word and
every status a word; the colour comes from the theme via the style names here.
Shared by the list and the incident view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text

from incident_tui.facts import compact_duration as format_duration
from incident_tui.facts import first_set_time, format_time, incident_clock, parse_time
from incident_tui.text import one_line

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


def severity_look(severity: str) -> SeverityLook:
    """The look of a severity; custom severities (newer stacks) get a neutral one."""
    known = SEVERITIES.get((severity or "pending").lower())
    if known:
        return known
    word = one_line(severity, 12)
    return SeverityLook("◇", "SEV", word, word[:5], "sev-pending")


def status_word(status: str) -> str:
    return "RESOLVED" if str(status) == "resolved" else "ACTIVE"


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


def severity_text(severity: str, *, short: bool = False) -> Text:
    """``▲ SEV1 critical`` (or ``▲ crit``) as plain Text; callers add the colour."""
    look = severity_look(severity)
    return Text(f"{look.glyph} {look.short}" if short else f"{look.glyph} {look.sev} {look.word}")
