"""Time and ID helpers of the local store.

Times are stored and emitted as fixed-width UTC RFC 3339 strings with
microseconds (``2026-11-25T03:04:05.123456Z``) so that text order is time order
and a value read back is byte-for-byte the value sent.
"""

from __future__ import annotations

import re
from datetime import datetime

# The store writes and checks times through the one time module.
from incident_tui.times import Clock, fmt, normalise_time, parse_rfc3339, utc_now

__all__ = [
    "Clock",
    "duration_seconds",
    "fmt",
    "human_time",
    "normalise_time",
    "parse_rfc3339",
    "parse_stored",
    "slugify",
    "utc_now",
]


def parse_stored(text: str) -> datetime:
    """Parse a value this module wrote (no validation needed)."""
    return datetime.fromisoformat(text)


def human_time(stored: str) -> str:
    """A short UTC rendering for timeline sentences."""
    if not stored:
        return "unset"
    return fmt(parse_stored(stored))[:16].replace("T", " ") + " UTC"


def duration_seconds(start: str, end: str, now: datetime) -> int:
    """End (or now) minus start, whole seconds, never negative."""
    if not start:
        return 0
    finish = parse_stored(end) if end else now
    return max(0, int((finish - parse_stored(start)).total_seconds()))


def slugify(title: str, limit: int = 60) -> str:
    """The URL slug Grafana puts after the incident ID in overview URLs."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "incident"
