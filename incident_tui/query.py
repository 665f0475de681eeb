"""The incident query language of ``IncidentsQuery.queryString``, parsed once into a small AST.

It follows Grafana Incident's query syntax (``status:active severity:critical
isdrill:false any(label:a label:b) title:'cpu'``) so a query typed here means the
same against a Grafana stack. The local store compiles the AST to SQL
(``backends/sqlite/search.py``); the UI uses ``parse`` to check a filter as it is
typed, ``describe_error`` to point at the mistake, ``KEYS`` for help and
``complete`` for key/value completion.

Grammar (all terms are ANDed, keys are case-insensitive)::

    query  := term*
    term   := ["-"] ( "any(" term+ ")" | key ":" value | word )
    value  := one or more bare or quoted ('...' / "...") pieces, no spaces between
    word   := a bare word or a quoted phrase: full-text search over the title and
              the timeline text

Choices where Grafana's documentation is silent:

- ``role:commander`` matches incidents where someone holds the role;
  ``role:commander:alice`` where the user ``alice`` (id, name or email) holds it.
- ``createdby:`` takes a user id, name or email.
- ``label:`` is an exact (case-sensitive) match on the whole label text, so
  ``label:env:prod`` matches the label ``env:prod``.
- Date keys (``declared``, ``started``, ``resolved``, ``ended``) take a time as a
  day (``2026-01-31``), an RFC 3339 time (``2026-01-31T10:00:00Z``; no offset
  means UTC) or an offset from now (``-7d``, ``-24h``, ``-30m``, ``-2w``, ``-90s``,
  ``now``). Forms: ``>T`` after, ``>=T``, ``<T`` before, ``<=T``, ``A..B`` or
  ``A,B`` (Grafana's form) from A to B inclusive, ``A..`` / ``..B`` open ranges,
  a day alone is that whole day, an offset alone means "since then". A day
  is a whole period: ``>2026-01-01`` starts on 2 January, ``..2026-01-31``
  includes all of 31 January. Incidents without that time (not resolved, not
  ended) never match a date term.
- Inside quotes a backslash escapes the quote character or a backslash.
- The last bare word of a query that does not end in a space matches as a
  prefix (``outa`` finds "outage"), so a filter typed live finds as you type.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from incident_tui.errors import InvalidArgument
from incident_tui.models import IncidentStatus, Severity
from incident_tui.times import read_rfc3339

__all__ = [
    "KEYS",
    "KNOWN_KEYS",
    "AnyOf",
    "CreatedBy",
    "DateRange",
    "Field",
    "IsDrill",
    "KeyHelp",
    "Label",
    "Node",
    "Not",
    "Query",
    "QuerySyntaxError",
    "RoleHeld",
    "SeverityIs",
    "StatusIs",
    "Words",
    "TimePoint",
    "Title",
    "QueryTerm",
    "describe_error",
    "complete",
    "match_word",
    "parse",
]


# --- errors -------------------------------------------------------------------


class QuerySyntaxError(InvalidArgument):
    """A query that cannot be understood; the message names the 1-based column.

    It is an ``InvalidArgument`` so a backend that parses a ``queryString`` can
    let it propagate and the server answers 400 with the same text.
    """

    def __init__(self, position: int, problem: str, text: str = "") -> None:
        self.position = position  # 0-based offset into the query text
        self.column = position + 1
        self.problem = problem
        self.text = text
        super().__init__(f"col {self.column}: {problem}")


def describe_error(text: str, error: QuerySyntaxError) -> str:
    """Three lines for a person: the query, a caret under the column, the problem."""
    one_line = text.replace("\n", " ").replace("\t", " ")
    caret = " " * min(error.position, len(one_line)) + "^"
    return f"{one_line}\n{caret}\n{error}"


# --- keys -------------------------------------------------------------------


@dataclass(frozen=True)
class KeyHelp:
    """One filter key, as the help screen and completion show it."""

    name: str
    summary: str
    example: str
    values: tuple[str, ...] = ()


STATUS_VALUES = tuple(s.value for s in IncidentStatus)
SEVERITY_VALUES = tuple(s.value for s in Severity)
BOOL_VALUES = ("true", "false")

#: Date keys and the incident field each one filters on.
DATE_FIELDS: dict[str, str] = {
    "declared": "createdTime",
    "started": "incidentStart",
    "resolved": "closedTime",
    "ended": "incidentEnd",
}

KEYS: tuple[KeyHelp, ...] = (
    KeyHelp("status", "incident status", "status:active", STATUS_VALUES),
    KeyHelp("severity", "severity", "severity:critical", SEVERITY_VALUES),
    KeyHelp("isdrill", "drill or real incident", "isdrill:false", BOOL_VALUES),
    KeyHelp("label", "has this exact label", "label:db  label:env:prod"),
    KeyHelp("title", "title contains the text", "title:'cpu spike'"),
    KeyHelp("createdby", "declared by this user (id, name or email)", "createdby:alice"),
    KeyHelp("role", "someone holds the role (or this user does)", "role:commander:alice"),
    KeyHelp("declared", "declared (created) time", "declared:>-7d"),
    KeyHelp("started", "incident start time", "started:2026-01-01..2026-01-31"),
    KeyHelp("resolved", "resolved (closed) time", "resolved:<2026-02-01"),
    KeyHelp("ended", "incident end time", "ended:>=2026-01-15T10:00:00Z"),
)

#: The key names, in help order (for completion and error messages).
KNOWN_KEYS: tuple[str, ...] = tuple(k.name for k in KEYS)
_KEYS_BY_NAME = {k.name: k for k in KEYS}


# --- the AST ----------------------------------------------------------------


def _quote(value: str, unsafe: str = "") -> str:
    """A value as the parser reads it back: bare when safe, else single-quoted."""
    safe = not any(ch in unsafe for ch in value)
    if safe and value and not re.search(r"[\s'\"()\\]", value) and not value.startswith("-"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Node:
    """Base of every term. ``start``/``end`` are 0-based offsets into the query text."""

    start: int = field(default=0, kw_only=True, compare=False)
    end: int = field(default=0, kw_only=True, compare=False)

    def to_text(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True)
class Words(Node):
    """Full-text search over the title and the timeline text."""

    text: str
    phrase: bool = False  # typed in quotes
    prefix: bool = False  # the last token matches as a prefix (typed live)

    def to_text(self) -> str:
        if self.phrase or not self.text or re.search(r"[\s'\"()\\:]", self.text):
            return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return self.text if not self.text.startswith("-") else _quote(self.text)


@dataclass(frozen=True)
class StatusIs(Node):
    status: str  # "active" | "resolved"

    def to_text(self) -> str:
        return f"status:{self.status}"


@dataclass(frozen=True)
class SeverityIs(Node):
    severity: str  # lower case, one of SEVERITY_VALUES

    def to_text(self) -> str:
        return f"severity:{self.severity}"


@dataclass(frozen=True)
class IsDrill(Node):
    is_drill: bool

    def to_text(self) -> str:
        return f"isdrill:{'true' if self.is_drill else 'false'}"


@dataclass(frozen=True)
class Label(Node):
    label: str

    def to_text(self) -> str:
        return f"label:{_quote(self.label)}"


@dataclass(frozen=True)
class Title(Node):
    """Title contains the text (case-insensitive)."""

    text: str

    def to_text(self) -> str:
        return f"title:{_quote(self.text)}"


@dataclass(frozen=True)
class CreatedBy(Node):
    user: str  # id, name or email

    def to_text(self) -> str:
        return f"createdby:{_quote(self.user)}"


@dataclass(frozen=True)
class RoleHeld(Node):
    """Someone (or ``user``, by id, name or email) holds the role ``role``."""

    role: str
    user: str = ""

    def to_text(self) -> str:
        role = _quote(self.role, unsafe=":")
        return f"role:{role}:{_quote(self.user)}" if self.user else f"role:{role}"


@dataclass(frozen=True)
class TimePoint:
    """One endpoint as typed: a whole day, an exact time, or an offset back from now."""

    absolute: datetime | None = None  # UTC
    whole_day: bool = False
    ago: timedelta | None = None  # relative: now - ago
    typed: str = ""

    def period(self, now: datetime) -> tuple[datetime, datetime]:
        """The half-open period [start, end) this point names (an instant is 1 µs long)."""
        if self.ago is not None:
            start = _shift(_utc(now), -self.ago)
        else:
            assert self.absolute is not None
            start = self.absolute
        if self.whole_day:
            return start, _shift(start, timedelta(days=1))
        return start, _shift(start, timedelta(microseconds=1))


@dataclass(frozen=True)
class DateRange(Node):
    """A time filter on one incident field (``declared`` -> createdTime, ...).

    ``op`` is one of ``>``, ``>=``, ``<``, ``<=``, ``..`` (from ``low`` to ``high``,
    either may be missing) or ``=`` (within ``low``'s period; an offset alone
    means since then).
    """

    key: str  # declared | started | resolved | ended
    op: str
    low: TimePoint | None = None
    high: TimePoint | None = None

    @property
    def incident_field(self) -> str:
        return DATE_FIELDS[self.key]

    def bounds(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The matching times as [low, high): ``None`` for an open side."""
        if self.op == "..":
            lo = self.low.period(now)[0] if self.low else None
            hi = self.high.period(now)[1] if self.high else None
            return lo, hi
        assert self.low is not None
        start, end = self.low.period(now)
        if self.op == ">":
            return end, None
        if self.op == ">=":
            return start, None
        if self.op == "<":
            return None, start
        if self.op == "<=":
            return None, end
        if self.low.ago is not None:  # "=" with an offset: since then
            return start, None
        return start, end

    def to_text(self) -> str:
        if self.op == "..":
            low = self.low.typed if self.low else ""
            high = self.high.typed if self.high else ""
            return f"{self.key}:{low}..{high}"
        assert self.low is not None
        op = "" if self.op == "=" else self.op
        return f"{self.key}:{op}{self.low.typed}"


@dataclass(frozen=True)
class AnyOf(Node):
    """Matches when at least one inner term matches."""

    terms: tuple[QueryTerm, ...]

    def to_text(self) -> str:
        return "any(" + " ".join(t.to_text() for t in self.terms) + ")"


@dataclass(frozen=True)
class Not(Node):
    term: QueryTerm

    def to_text(self) -> str:
        return "-" + self.term.to_text()


Field: TypeAlias = (
    StatusIs | SeverityIs | IsDrill | Label | Title | CreatedBy | RoleHeld | DateRange
)
QueryTerm: TypeAlias = Words | Field | AnyOf | Not


@dataclass(frozen=True)
class Query:
    """A parsed query: its terms, all of which must match."""

    terms: tuple[QueryTerm, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def to_text(self) -> str:
        """The canonical spelling; ``parse(q.to_text())`` gives an equal query."""
        return " ".join(t.to_text() for t in self.terms)

    def walk(self) -> list[QueryTerm]:
        """Every term, depth first (groups before their contents)."""
        out: list[QueryTerm] = []

        def visit(term: QueryTerm) -> None:
            out.append(term)
            if isinstance(term, AnyOf):
                for inner in term.terms:
                    visit(inner)
            elif isinstance(term, Not):
                visit(term.term)

        for t in self.terms:
            visit(t)
        return out


# --- time helpers -------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _shift(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, held at the ends of the calendar instead of overflowing."""
    try:
        return value + delta
    except OverflowError:
        return _EARLIEST if delta < timedelta(0) else _LATEST


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RELATIVE = re.compile(r"-(\d{1,6})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_HINT = "use 2026-01-31, 2026-01-31T10:00:00Z or -7d / -24h"


def _parse_time_point(raw: str, pos: int, text: str) -> TimePoint:
    if raw.lower() == "now":
        return TimePoint(ago=timedelta(0), typed="now")
    if m := _RELATIVE.fullmatch(raw.lower()):
        amount, unit = int(m.group(1)), m.group(2)
        return TimePoint(ago=timedelta(**{_UNITS[unit]: amount}), typed=raw.lower())
    try:
        if _DAY.fullmatch(raw):
            day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
            return TimePoint(absolute=day, whole_day=True, typed=raw)
    except ValueError:
        pass
    if (moment := read_rfc3339(raw, seconds_required=False)) is not None:
        return TimePoint(absolute=moment, typed=raw)
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    raise QuerySyntaxError(pos, f"bad date {shown!r} ({_DATE_HINT})", text)


# --- the parser ---------------------------------------------------------------

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")


@dataclass
class _Piece:
    """A value as read: its text, where it began, whether any part was quoted."""

    text: str
    start: int
    end: int
    quoted: bool
    # Offsets in ``text`` of characters that came from quotes (never separators).
    literal: frozenset[int] = frozenset()


class _Parser:
    def __init__(
        self,
        text: str,
        statuses: Sequence[str] | None = STATUS_VALUES,
        severities: Sequence[str] | None = SEVERITY_VALUES,
    ) -> None:
        self.text = text
        self.pos = 0
        self.statuses = statuses
        self.severities = severities

    def error(self, pos: int, problem: str) -> QuerySyntaxError:
        return QuerySyntaxError(pos, problem, self.text)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse(self) -> Query:
        terms = self.terms(depth=0)
        return Query(terms=tuple(terms), text=self.text)

    def terms(self, depth: int) -> list[QueryTerm]:
        out: list[QueryTerm] = []
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                return out
            if self.text[self.pos] == ")":
                if depth == 0:
                    raise self.error(
                        self.pos, "unbalanced ')' (quote text that contains parentheses)"
                    )
                return out
            out.append(self.term(depth))

    def term(self, depth: int) -> QueryTerm:
        start = self.pos
        if self.text[self.pos] == "-":
            self.pos += 1
            if (
                self.pos >= len(self.text)
                or self.text[self.pos].isspace()
                or self.text[self.pos] == ")"
            ):
                raise self.error(
                    start, "'-' must be followed by a term to exclude (e.g. -label:db)"
                )
            if self.text[self.pos] == "-":
                raise self.error(self.pos, "one '-' is enough to exclude a term")
            inner = self.term(depth)
            return Not(inner, start=start, end=self.pos)
        if self.text[self.pos] == "(":
            raise self.error(self.pos, "'(' only groups after any, as in any(label:a label:b)")
        if self.text[self.pos : self.pos + 4].lower() == "any(":
            return self.any_group(depth)
        if (m := _KEY.match(self.text, self.pos)) and self.text[m.end() : m.end() + 1] == ":":
            return self.field(m.group(0), start, m.end() + 1)
        piece = self.value(self.pos)
        if not piece.text and not piece.quoted:  # pragma: no cover - guarded above
            raise self.error(start, "empty term")
        return Words(piece.text, phrase=piece.quoted, start=start, end=piece.end)

    def any_group(self, depth: int) -> AnyOf:
        start = self.pos
        self.pos += 4
        inner = self.terms(depth + 1)
        if self.pos >= len(self.text):
            raise self.error(start, "unclosed 'any(': add ')'")
        self.pos += 1  # the ')'
        if not inner:
            raise self.error(start, "any() needs at least one term inside")
        return AnyOf(tuple(inner), start=start, end=self.pos)

    def value(self, start: int) -> _Piece:
        """Read bare and quoted pieces up to whitespace or ')'."""
        parts: list[str] = []
        literal: set[int] = set()
        quoted = False
        length = 0
        pos = start
        text = self.text
        while pos < len(text) and not text[pos].isspace() and text[pos] != ")":
            ch = text[pos]
            if ch in "'\"":
                quote_at = pos
                pos += 1
                chunk: list[str] = []
                while True:
                    if pos >= len(text):
                        raise self.error(quote_at, f"unclosed quote {ch}: add a closing {ch}")
                    c = text[pos]
                    if c == "\\" and pos + 1 < len(text) and text[pos + 1] in (ch, "\\"):
                        chunk.append(text[pos + 1])
                        pos += 2
                        continue
                    if c == ch:
                        pos += 1
                        break
                    chunk.append(c)
                    pos += 1
                literal.update(range(length, length + len(chunk)))
                parts.append("".join(chunk))
                length += len(chunk)
                quoted = True
            else:
                parts.append(ch)
                length += 1
                pos += 1
        self.pos = pos
        return _Piece("".join(parts), start, pos, quoted, frozenset(literal))

    def field(self, key_typed: str, start: int, value_at: int) -> QueryTerm:
        key = key_typed.lower()
        if key not in _KEYS_BY_NAME:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.6)
            hint = f", did you mean '{close[0]}'?" if close else ""
            raise self.error(
                start,
                f"unknown key '{key_typed}'{hint} (known: {', '.join(KNOWN_KEYS)}); "
                "quote text that contains ':'",
            )
        piece = self.value(value_at)
        end = piece.end
        raw = piece.text
        if not raw and not piece.quoted:
            raise self.error(value_at, f"{key}: needs a value ({self.value_hint(key)})")
        if key == "status":
            value = self.word(raw, self.statuses, key, value_at)
            return StatusIs(value, start=start, end=end)
        if key == "severity":
            value = self.word(raw, self.severities, key, value_at)
            return SeverityIs(value, start=start, end=end)
        if key == "isdrill":
            value = self.enum(raw, BOOL_VALUES, key, value_at)
            return IsDrill(value == "true", start=start, end=end)
        if not raw.strip():
            raise self.error(value_at, f"{key}: needs a non-blank value ({self.value_hint(key)})")
        if key == "label":
            return Label(raw, start=start, end=end)
        if key == "title":
            return Title(raw, start=start, end=end)
        if key == "createdby":
            return CreatedBy(raw, start=start, end=end)
        if key == "role":
            return self.role(piece, start, end)
        return self.date_range(key, piece, start, end)

    def value_hint(self, key: str) -> str:
        info = _KEYS_BY_NAME[key]
        if info.values:
            return " or ".join(info.values)
        if key in DATE_FIELDS:
            return _DATE_HINT
        return f"e.g. {info.example.split()[0]}"

    def enum(self, raw: str, allowed: tuple[str, ...], key: str, pos: int) -> str:
        value = raw.lower()
        if value not in allowed:
            shown = raw if len(raw) <= 40 else raw[:37] + "..."
            raise self.error(pos, f"bad {key} {shown!r} (use {' or '.join(allowed)})")
        return value

    def word(self, raw: str, allowed: Sequence[str] | None, key: str, pos: int) -> str:
        """A status or severity in the backend's words: case-insensitive, and a unique
        leading part is enough (``crit`` finds ``critical``). ``None``: any word (the
        backend checks it)."""
        if allowed is None:
            if not raw.strip():
                raise self.error(pos, f"{key}: needs a non-blank value")
            return raw.strip()
        found = match_word(raw, allowed)
        if found is None:
            shown = raw if len(raw) <= 40 else raw[:37] + "..."
            raise self.error(pos, f"bad {key} {shown!r} (use {' or '.join(allowed)})")
        return found

    def role(self, piece: _Piece, start: int, end: int) -> RoleHeld:
        raw = piece.text
        split = next((i for i, c in enumerate(raw) if c == ":" and i not in piece.literal), None)
        if split is None:
            return RoleHeld(raw, start=start, end=end)
        role, user = raw[:split], raw[split + 1 :]
        if not role.strip():
            raise self.error(
                piece.start, "role: needs a role name before ':' (e.g. role:commander:alice)"
            )
        if not user.strip():
            raise self.error(
                piece.start + split + 1, "role: needs a user after ':' (e.g. role:commander:alice)"
            )
        return RoleHeld(role, user, start=start, end=end)

    def date_range(self, key: str, piece: _Piece, start: int, end: int) -> DateRange:
        raw, at = piece.text, piece.start
        # Offsets below are into ``raw``; columns map 1:1 when the value was bare.
        for op in (">=", "<=", ">", "<"):
            if raw.startswith(op):
                rest = raw[len(op) :]
                if not rest:
                    raise self.error(at, f"{key}: needs a time after '{op}' ({_DATE_HINT})")
                point = _parse_time_point(rest, at + len(op), self.text)
                return DateRange(key, op, point, start=start, end=end)
        sep = ".." if ".." in raw else ("," if "," in raw else None)
        if sep is None:
            point = _parse_time_point(raw, at, self.text)
            return DateRange(key, "=", point, start=start, end=end)
        left, right = raw.split(sep, 1)
        if not left and not right:
            raise self.error(at, f"{key}: a range needs at least one end ({_DATE_HINT})")
        low = _parse_time_point(left, at, self.text) if left else None
        high = _parse_time_point(right, at + len(left) + len(sep), self.text) if right else None
        if low is not None and high is not None and _reversed(low, high):
            raise self.error(at, f"{key}: the range ends before it starts ({left} > {right})")
        return DateRange(key, "..", low, high, start=start, end=end)


def _reversed(low: TimePoint, high: TimePoint) -> bool:
    """True when a range is empty whatever the time (both ends absolute, or both relative)."""
    if low.absolute is not None and high.absolute is not None:
        return low.absolute > high.absolute
    if low.ago is not None and high.ago is not None:
        return low.ago < high.ago
    return False


def _mark_prefix(query: Query) -> Query:
    """Let the last bare word match as a prefix when the query does not end in a space."""
    if not query.terms or not query.text or query.text[-1].isspace():
        return query
    last = query.terms[-1]
    if isinstance(last, Words) and not last.phrase and last.end == len(query.text):
        prefixed = Words(last.text, phrase=False, prefix=True, start=last.start, end=last.end)
        return Query(query.terms[:-1] + (prefixed,), query.text)
    return query


MAX_QUERY_LENGTH = 4000


def match_word(typed: str, allowed: Sequence[str]) -> str | None:
    """The one of ``allowed`` that ``typed`` names: the same word in any case, else the
    only one it begins (``critical`` finds ``Critical Incident``); None when none or
    several do."""
    folded = typed.strip().casefold()
    if not folded:
        return None
    for word in allowed:
        if word.casefold() == folded:
            return word
    leading = list(dict.fromkeys(w for w in allowed if w.casefold().startswith(folded)))
    return leading[0] if len(leading) == 1 else None


def parse(
    text: str,
    *,
    statuses: Sequence[str] | None = STATUS_VALUES,
    severities: Sequence[str] | None = SEVERITY_VALUES,
) -> Query:
    """Parse a query string; raise ``QuerySyntaxError`` naming the column of the problem.

    ``statuses`` and ``severities`` are the words a backend knows (Grafana's by
    default; ``None`` leaves the value to the backend, e.g. a check before it is open).
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            MAX_QUERY_LENGTH, f"query is too long (at most {MAX_QUERY_LENGTH} characters)", text
        )
    return _mark_prefix(_Parser(text, statuses, severities).parse())


_LAST_WORD = re.compile(r"(?P<neg>-?)(?P<word>[^\s()'\"]*)$")


def complete(text: str) -> list[str]:
    """Completions of the word at the end of ``text``, each the whole new text.

    ``sev`` -> ``severity:``; ``severity:cr`` -> ``severity:critical``. Only keys
    and the closed value sets are offered; free text has no completions.
    """
    match = _LAST_WORD.search(text)
    if match is None:  # pragma: no cover - the pattern matches the empty tail
        return []
    word = match.group("word")
    head = text[: match.start("word")]
    if ":" in word:
        key, _, partial = word.partition(":")
        info = _KEYS_BY_NAME.get(key.lower())
        if info is None or ":" in partial:
            return []
        return [
            f"{head}{key}:{value}"
            for value in info.values
            if value.startswith(partial.lower()) and value != partial
        ]
    if not word:
        return []
    lowered = word.lower()
    return [f"{head}{name}:" for name in KNOWN_KEYS if name.startswith(lowered)]
