"""Incident facts in words: times, ages and durations, the same on every surface.

The console, the command line and the postmortem export all show when an incident
started and how long it lasted; they read it from here so the three never disagree.
Plain strings only (no markup, no terminal styles): callers add their own look.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from incident_tui.times import parse_time

if TYPE_CHECKING:
    from incident_tui import models as m

__all__ = [
    "compact_duration",
    "first_set_time",
    "format_time",
    "incident_clock",
    "incident_duration",
    "parse_time",
    "spoken_duration",
]


def first_set_time(*values: str) -> str:
    """The first of ``values`` that is a real time (not ``""``, not Go's zero time)."""
    return next((value for value in values if parse_time(value) is not None), "")


def format_time(value: str, *, with_seconds: bool = False) -> str:
    """An RFC 3339 time as ``2026-11-25 03:04 UTC`` (UTC keeps shared screens unambiguous)."""
    parsed = parse_time(value)
    if parsed is None:
        return "—"
    parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M:%S UTC" if with_seconds else "%Y-%m-%d %H:%M UTC")


def compact_duration(seconds: float) -> str:
    """A duration for a narrow column: ``45s``, ``12m``, ``3h04m``, ``2d03h``, ``9w``."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    if days < 14:
        return f"{days}d{hours:02d}h"
    return f"{days // 7}w"


def spoken_duration(seconds: float) -> str:
    """``3h 04m``, ``2d 03h 10m``, ``45s``: exact enough to read aloud on a call."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def incident_clock(
    status: str,
    incident_start: str,
    incident_end: str,
    created_time: str,
    duration_seconds: int,
    now: datetime,
) -> str:
    """Age of an active incident (since its start) or duration of a resolved one, compact."""
    start = parse_time(incident_start) or parse_time(created_time)
    if str(status) == "resolved":
        end = parse_time(incident_end)
        if start and end:
            return compact_duration((end - start).total_seconds())
        return compact_duration(duration_seconds)
    if start is None:
        return "?"
    return compact_duration((now - start).total_seconds())


def incident_duration(incident: m.Incident, now: datetime) -> str:
    """How long the incident has lasted: start to end, or start to now while active."""
    start = parse_time(incident.incident_start) or parse_time(incident.created_time)
    if start is None:
        return "—"
    end = parse_time(incident.incident_end)
    if end is None and str(incident.status) == "resolved":
        end = parse_time(incident.closed_time)
    if end is None:
        if str(incident.status) == "resolved":
            return spoken_duration(incident.duration_seconds)
        return spoken_duration((now - start).total_seconds()) + " so far"
    return spoken_duration((end - start).total_seconds())
