"""What a person types as a time (the event-time prompts, the declare dialog's
retrospective times) -> RFC 3339 UTC, with a message fit to show inline when it is not one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_UTC_SUFFIX = re.compile(r"\s*(UTC|Z)$", re.IGNORECASE)

TIME_HINT = (
    "RFC 3339 (2026-11-25T03:04:00Z), 'YYYY-MM-DD HH:MM' in local time, '… UTC' for UTC, or 'now'"
)


def to_rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time_input(text: str, *, local: tzinfo | None = None, now: datetime | None = None) -> str:
    """What a person typed as a time -> an RFC 3339 UTC string.

    Accepts ``now``, RFC 3339 with ``Z`` or an offset, and ``YYYY-MM-DD HH:MM[:SS]``
    read as local time (or UTC with a trailing ``UTC``/``Z``). Raises ``ValueError``
    with a message fit to show inline.
    """
    value = text.strip()
    if not value:
        raise ValueError("Type a time, e.g. 2026-11-25 03:04 or now.")
    if value.lower() == "now":
        return to_rfc3339(now or datetime.now(UTC))
    parsed = _parse_moment(value, local)
    if parsed is None:
        raise ValueError(
            "Not a time I can read: use 2026-11-25 03:04, 2026-11-25T03:04:00Z or now."
        )
    if parsed.year < 1970 or parsed > (now or datetime.now(UTC)) + timedelta(days=366 * 5):
        raise ValueError("That time is out of range.")
    return to_rfc3339(parsed)


def _parse_moment(value: str, local: tzinfo | None) -> datetime | None:
    is_utc = bool(_UTC_SUFFIX.search(value))
    bare = _UTC_SUFFIX.sub("", value)
    for fmt in _LOCAL_FORMATS:
        try:
            parsed = datetime.strptime(bare, fmt)
        except ValueError:
            continue
        if is_utc:
            return parsed.replace(tzinfo=UTC)
        # naive: the given zone, else the machine's local zone
        return parsed.replace(tzinfo=local) if local is not None else parsed.astimezone()
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local) if local is not None else parsed.astimezone()
    return parsed


def local_zone_name() -> str:
    """The local zone as people see it (``CET``, ``UTC+01:00``), for prompt hints."""
    local = datetime.now().astimezone()
    return local.tzname() or local.strftime("UTC%z")
