"""How incident facts look on screen: severity and status words + glyphs, ages, durations.

Meaning never rides on colour alone, so every severity has a glyph and a word and
every status a word; the colour comes from the theme via the style names here.
Shared by the list and the incident view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text

from incident_tui.text import one_line


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


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 string as an aware datetime; ``""``, Go's zero time or garbage gives None.

    Grafana sends ``0001-01-01T00:00:00Z`` for a time never set: shown as unset, never as
    a date (nor as an incident 105 707 weeks old). A time without a zone, as in the
    reference's own examples (``2022-02-11 00:50:20.574137``), is UTC.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.year <= 1:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def first_set_time(*values: str) -> str:
    """The first of ``values`` that is a real time (not ``""``, not Go's zero time)."""
    return next((value for value in values if parse_time(value) is not None), "")


def format_duration(seconds: float) -> str:
    """A compact human duration: ``45s``, ``12m``, ``3h04m``, ``2d03h``, ``9w``."""
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


def incident_clock(
    status: str,
    incident_start: str,
    incident_end: str,
    created_time: str,
    duration_seconds: int,
    now: datetime,
) -> str:
    """Age of an active incident (since its start) or duration of a resolved one."""
    start = parse_time(incident_start) or parse_time(created_time)
    if str(status) == "resolved":
        end = parse_time(incident_end)
        if start and end:
            return format_duration((end - start).total_seconds())
        return format_duration(duration_seconds)
    if start is None:
        return "?"
    return format_duration((now - start).total_seconds())


def format_time(value: str, *, with_seconds: bool = False) -> str:
    """An RFC 3339 time as ``2026-11-25 03:04 UTC`` (UTC keeps shared screens unambiguous)."""
    parsed = parse_time(value)
    if parsed is None:
        return "—"
    parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M:%S UTC" if with_seconds else "%Y-%m-%d %H:%M UTC")


def severity_text(severity: str, *, short: bool = False) -> Text:
    """``▲ SEV1 critical`` (or ``▲ crit``) as plain Text; callers add the colour."""
    look = severity_look(severity)
    return Text(f"{look.glyph} {look.short}" if short else f"{look.glyph} {look.sev} {look.word}")
