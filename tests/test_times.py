"""The one time module: every reader of a time goes through ``read_rfc3339``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from incident_tui.errors import InvalidArgument
from incident_tui.times import (
    fmt,
    normalise_time,
    parse_rfc3339,
    parse_time,
    parse_time_input,
    read_rfc3339,
    to_rfc3339,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T03:04:05Z", datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)),
        ("2026-11-25t03:04:05z", datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)),
        ("2026-11-25T05:04:05+02:00", datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)),
        ("2026-11-25T05:04:05+0200", datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)),
        # Go's nanoseconds: cut to microseconds, not rounded and not refused.
        ("2026-11-25T03:04:05.123456789Z", datetime(2026, 11, 25, 3, 4, 5, 123456, tzinfo=UTC)),
        # The reference's own examples: no zone means UTC.
        ("2022-02-11 00:50:20.574137", datetime(2022, 2, 11, 0, 50, 20, 574137, tzinfo=UTC)),
    ],
)
def test_read_rfc3339_reads_what_the_wire_sends(text: str, expected: datetime) -> None:
    assert read_rfc3339(text) == expected


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-02-30T00:00:00Z", "2026-11-25T03:04Z", "2026-11-25T25:00:00Z"]
)
def test_read_rfc3339_refuses_what_is_not_a_time(text: str) -> None:
    assert read_rfc3339(text) is None


def test_minutes_only_when_asked() -> None:
    assert read_rfc3339("2026-01-31T10:00", seconds_required=False) == datetime(
        2026, 1, 31, 10, 0, tzinfo=UTC
    )


def test_zero_time_and_garbage_are_unset_on_the_wire() -> None:
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("not a time") is None
    assert parse_time(None) is None
    assert parse_time("2026-11-25T03:04:05Z") == datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)


def test_checked_times_name_the_field() -> None:
    with pytest.raises(InvalidArgument, match="eventTime must be an RFC 3339 time"):
        parse_rfc3339("soon", "eventTime")
    with pytest.raises(InvalidArgument, match="dateTo is not a real time"):
        parse_rfc3339("2026-02-30T00:00:00Z", "dateTo")
    assert normalise_time("2026-11-25T03:04:05.5+02:00", "t") == "2026-11-25T01:04:05.500000Z"


def test_the_two_written_forms_read_back_the_same() -> None:
    moment = datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)
    assert read_rfc3339(fmt(moment)) == moment
    assert read_rfc3339(to_rfc3339(moment)) == moment
    assert fmt(datetime(999, 1, 2, tzinfo=UTC)).startswith("0999-01-02T")


def test_typed_times() -> None:
    cet = timezone(timedelta(hours=1))
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_time_input("now", now=now) == "2026-11-25T12:00:00Z"
    assert parse_time_input("2026-11-25 03:04", local=cet, now=now) == "2026-11-25T02:04:00Z"
    assert parse_time_input("2026-11-25 03:04 UTC", local=cet, now=now) == "2026-11-25T03:04:00Z"
    assert parse_time_input("2026-11-25T03:04+01:00", local=UTC, now=now) == "2026-11-25T02:04:00Z"
    with pytest.raises(ValueError, match="Not a time I can read"):
        parse_time_input("tomorrow-ish", now=now)
    with pytest.raises(ValueError, match="out of range"):
        parse_time_input("1960-01-01 00:00", local=UTC, now=now)
