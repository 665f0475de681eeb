"""Time and ID helpers of the local store.

Times are stored and emitted as fixed-width UTC RFC 3339 strings with
microseconds (``2026-11-25T03:04:05.123456Z``) so that text order is time order
and a value read back is byte-for-byte the value sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from incident_tui.errors import InvalidArgument

Clock = Callable[[], datetime]

# The zone may be missing: the reference's own examples read ``2022-02-11 00:50:20.574137``
# (UTC, as every time Grafana stores).
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def fmt(dt: datetime) -> str:
    """The stored (and wire) form of an aware datetime."""
    d = dt.astimezone(UTC)
    # Not strftime: its %Y drops the leading zeros of years before 1000 on glibc.
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T"
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}.{d.microsecond:06d}Z"
    )


def parse_stored(text: str) -> datetime:
    """Parse a value this module wrote (no validation needed)."""
    return datetime.fromisoformat(text)


def parse_rfc3339(text: str, field: str) -> datetime:
    """Validate an RFC 3339 time from a request (no zone = UTC); InvalidArgument naming the field."""
    match = _RFC3339.match(text.strip())
    if not match:
        raise InvalidArgument(
            f"{field} must be an RFC 3339 time such as 2026-11-25T03:04:05Z (got {text[:40]!r})"
        )
    frac = (match.group(7) or ".0")[1:7].ljust(6, "0")
    zone = (match.group(8) or "Z").upper()
    if zone == "Z":
        zone = "+00:00"
    iso = "{}-{}-{}T{}:{}:{}.{}{}".format(*match.groups()[:6], frac, zone)
    try:
        return datetime.fromisoformat(iso).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(f"{field} is not a real time: {text[:40]!r}") from None


def normalise_time(text: str, field: str) -> str:
    """RFC 3339 in, the stored fixed-width UTC form out."""
    return fmt(parse_rfc3339(text, field))


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
