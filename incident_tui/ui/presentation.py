"""How incident facts look on screen: severity and status words + glyphs (times, ages and
durations come from ``incident_tui.facts``, shared with the command line and the export).

Meaning never rides on colour alone, so every severity has a glyph and a word and
every status a word; the colour comes from the theme via the style names here.
Shared by the list and the incident view.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from incident_tui.facts import compact_duration as format_duration
from incident_tui.facts import first_set_time, format_time, incident_clock, parse_time
from incident_tui.text import one_line

__all__ = [
    "SEVERITIES",
    "SeverityLook",
    "first_set_time",
    "format_duration",
    "format_time",
    "incident_clock",
    "parse_time",
    "severity_look",
    "severity_text",
    "status_word",
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


def severity_text(severity: str, *, short: bool = False) -> Text:
    """``▲ SEV1 critical`` (or ``▲ crit``) as plain Text; callers add the colour."""
    look = severity_look(severity)
    return Text(f"{look.glyph} {look.short}" if short else f"{look.glyph} {look.sev} {look.word}")
