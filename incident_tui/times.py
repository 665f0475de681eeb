"""Times, read and written the same way everywhere.

One reader of RFC 3339 (``read_rfc3339``) serves every place a time arrives: the wire
(lenient: Go's zero time and garbage mean "not set"), a request the store or server
checks (strict: ``InvalidArgument`` naming the field), the query language's absolute
dates, and what a person types in a prompt (``parse_time_input``, which also takes
local times and ``now``). Two written forms: the store's fixed-width one with
microseconds (text order is time order) and the second-precision one shown in
prompts. How times are *shown* (``2026-11-25 03:04 UTC``, ``3h04m``) is in ``facts``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from incident_tui.errors import InvalidArgument

Clock = Callable[[], datetime]

# Date, ``T``/``t``/space, time, up to nine fractional digits (Go sends nanoseconds),
# then ``Z``, an offset (``+02:00`` or ``+0200``) or nothing: the reference's own
# examples read ``2022-02-11 00:50:20.574137``, UTC as every time Grafana stores.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"([Zz]|[+-]\d{2}:?\d{2})?"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def read_rfc3339(text: str, *, seconds_required: bool = True) -> datetime | None:
    """``text`` as an aware UTC datetime, or None when it is not a real RFC 3339 time.

    A missing zone is UTC; fractions beyond microseconds are dropped. With
    ``seconds_required=False`` ``2026-01-31T10:00`` is read too (the query language).
    """
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if second is None and seconds_required:
        return None
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if not zone or zone in "Zz":
        tz: tzinfo = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= timedelta(hours=24):
            return None
        tz = timezone(sign * offset)
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_time(value: str | None) -> datetime | None:
    """A time from the wire; ``""``, None, Go's zero time or garbage give None.

    Grafana sends ``0001-01-01T00:00:00Z`` for a time never set: shown as unset, never as
    a date (nor as an incident 105 707 weeks old).
    """
    if not value:
        return None
    parsed = read_rfc3339(value)
    if parsed is None or parsed.year <= 1:
        return None
    return parsed


def parse_rfc3339(text: str, field: str) -> datetime:
    """A time from a request, checked: ``InvalidArgument`` naming ``field`` when it is not one."""
    parsed = read_rfc3339(text)
    if parsed is None:
        if _RFC3339.fullmatch(text.strip()):
            raise InvalidArgument(f"{field} is not a real time: {text[:40]!r}")
        raise InvalidArgument(
            f"{field} must be an RFC 3339 time such as 2026-11-25T03:04:05Z (got {text[:40]!r})"
        )
    return parsed


def fmt(dt: datetime) -> str:
    """The stored (and wire) form: fixed-width UTC with microseconds."""
    d = dt.astimezone(UTC)
    # Not strftime: its %Y drops the leading zeros of years before 1000 on glibc.
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T"
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}.{d.microsecond:06d}Z"
    )


def normalise_time(text: str, field: str) -> str:
    """RFC 3339 in, the stored fixed-width UTC form out."""
    return fmt(parse_rfc3339(text, field))


def to_rfc3339(moment: datetime) -> str:
    """The form prompts show and send: ``2026-11-25T03:04:05Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what a person types ------------------------------------------------------------

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_UTC_SUFFIX = re.compile(r"\s*(UTC|Z)$", re.IGNORECASE)
_ZONED = re.compile(r"([Zz]|[+-]\d{2}:?\d{2})$")

TIME_HINT = (
    "RFC 3339 (2026-11-25T03:04:00Z), 'YYYY-MM-DD HH:MM' in local time, '… UTC' for UTC, or 'now'"
)


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
    parsed = _read_typed(value, local)
    if parsed is None:
        raise ValueError(
            "Not a time I can read: use 2026-11-25 03:04, 2026-11-25T03:04:00Z or now."
        )
    if parsed.year < 1970 or parsed > (now or datetime.now(UTC)) + timedelta(days=366 * 5):
        raise ValueError("That time is out of range.")
    return to_rfc3339(parsed)


def _read_typed(value: str, local: tzinfo | None) -> datetime | None:
    is_utc = bool(_UTC_SUFFIX.search(value))
    bare = _UTC_SUFFIX.sub("", value)
    for pattern in _LOCAL_FORMATS:
        try:
            parsed = datetime.strptime(bare, pattern)
        except ValueError:
            continue
        if is_utc:
            return parsed.replace(tzinfo=UTC)
        # naive: the given zone, else the machine's local zone
        return parsed.replace(tzinfo=local) if local is not None else parsed.astimezone()
    if not _ZONED.search(value):
        # Seconds with a fraction and no zone: a local time, as above.
        try:
            naive = datetime.fromisoformat(value)
        except ValueError:
            return None
        return naive.replace(tzinfo=local) if local is not None else naive.astimezone()
    return read_rfc3339(value, seconds_required=False)


def local_zone_name() -> str:
    """The local zone as people see it (``CET``, ``UTC+01:00``), for prompt hints."""
    local = datetime.now().astimezone()
    return local.tzname() or local.strftime("UTC%z")
