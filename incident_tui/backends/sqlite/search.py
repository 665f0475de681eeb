"""Compile a parsed incident query (``incident_tui.query``) to an SQL condition on ``i``.

The result is a boolean expression over the ``incidents`` table aliased ``i`` plus
its parameters; every value is a parameter, never spliced into the SQL. Free text
goes through the one-document-per-incident FTS5 table, with every token quoted so
that what a person types can never break FTS syntax.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from incident_tui import query as q
from incident_tui.backends.sqlite.timeutil import fmt

#: ``matches_over(sql, params, n)``: whether the rows of ``sql`` number more than ``n``
#: (counting stops past ``n``). Given, the compiler picks each term's plan by it.
MatchCounter = Callable[[str, list[object], int], bool]

#: A label on more incidents than this is checked row by row in sort order (the page
#: fills after a few rows); a rarer one is collected first, then sorted.
LABEL_PROBE_THRESHOLD = 2000
#: The same for full-text words (a probe costs more: FTS parses its expression each
#: time). Prefixes are always collected: each probe would expand the prefix again.
TEXT_PROBE_THRESHOLD = 20000
#: Words on more incidents than this (and at most ``TEXT_PROBE_THRESHOLD``; typed prefixes
#: without a bound) are collected once, then the sort order's index is walked and each
#: incident checked against that list: at 7 % of 100 000 incidents a page fills after
#: ~700 steps (~1 ms) where looking every match up and sorting them all took ~6 ms. Rarer
#: words are looked up and sorted (walking would pass most of the index).
TEXT_WALK_THRESHOLD = 1500
#: A typed prefix is probed only from this many characters: a shorter one expands to
#: most of the index, and the probe would cost as much as the read.
PREFIX_PROBE_MIN = 3

__all__ = ["compile_query", "compile_query_string", "fts_expression", "like_pattern"]

# Date keys -> incidents column.
_DATE_COLUMNS = {
    "declared": "created_at",
    "started": "incident_start",
    "resolved": "closed_at",
    "ended": "incident_end",
}

# A user by id, name or email (names and emails compared without case).
_USER_MATCH = (
    "SELECT id FROM users WHERE id = ? OR name = ? COLLATE NOCASE OR email = ? COLLATE NOCASE"
)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and ``\\`` escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_string(text: str, prefix: bool) -> str:
    # An FTS5 string: double quotes doubled. A trailing * makes its last token a prefix.
    # FTS5 reads its expression as a C string: a NUL would cut it short (and it
    # separates tokens anyway), so it becomes a space.
    text = text.replace("\x00", " ").replace('"', '""')
    return '"' + text + '"' + ("*" if prefix else "")


def _searchable(text: str) -> bool:
    """Whether the FTS tokenizer will find a token in ``text`` (letters or digits)."""
    return any(ch.isalnum() for ch in text)


def fts_expression(terms: list[q.Words]) -> str:
    """One FTS5 MATCH expression requiring every term (each a quoted phrase)."""
    return " ".join(_fts_string(t.text, t.prefix) for t in terms)


class _Compiler:
    def __init__(self, now: datetime, matches_over: MatchCounter | None = None) -> None:
        self.now = now
        self.params: list[object] = []
        self.matches_over = matches_over

    def all_of(self, terms: tuple[q.QueryTerm, ...]) -> str | None:
        """AND of terms; positive text terms share one MATCH. ``None`` = no condition."""
        parts: list[str] = []
        texts = [t for t in terms if isinstance(t, q.Words) and _searchable(t.text)]
        if texts:
            parts.append(self.fts(texts))
        for term in terms:
            if isinstance(term, q.Words):
                continue
            sql = self.term(term)
            if sql is not None:
                parts.append(sql)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def fts(self, texts: list[q.Words]) -> str:
        expression = fts_expression(texts)
        self.params.append(expression)
        # The comment marks where a reader of one window of incidents may bound the rowids
        # (queries.py): a bounded MATCH reads only that part of each word's list.
        collected = (
            "i.seq IN (SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?/*range:rowid*/)"
        )
        prefixes = [t.text.split()[-1] for t in texts if t.prefix and t.text.split()]
        if self.matches_over is None or any(len(p) < PREFIX_PROBE_MIN for p in prefixes):
            return collected

        def over(threshold: int) -> bool:
            assert self.matches_over is not None
            return self.matches_over(
                "SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?", [expression], threshold
            )

        if not over(TEXT_WALK_THRESHOLD):
            return collected
        if not prefixes and over(TEXT_PROBE_THRESHOLD):
            # Checked incident by incident in sort order (a prefix would expand each time).
            return (
                "EXISTS (SELECT 1 FROM incident_fts f"
                " WHERE f.rowid = i.seq AND incident_fts MATCH ?)"
            )
        # The unary + keeps SQLite from driving the read by the seqs: it walks the order.
        return "+" + collected

    def term(self, term: q.QueryTerm) -> str | None:
        """SQL for one term; ``None`` for a term that constrains nothing (no searchable text)."""
        if isinstance(term, q.Words):
            return self.fts([term]) if _searchable(term.text) else None
        if isinstance(term, q.Not):
            inner = self.term(term.term)
            return None if inner is None else f"NOT ({inner})"
        if isinstance(term, q.AnyOf):
            mark = len(self.params)
            parts = [self.term(t) for t in term.terms]
            if any(p is None for p in parts):
                del self.params[mark:]
                return None  # one alternative matches everything
            sqls = [p for p in parts if p is not None]
            return sqls[0] if len(sqls) == 1 else "(" + " OR ".join(sqls) + ")"
        if isinstance(term, q.StatusIs):
            self.params.append(term.status)
            return "i.status = ?"
        if isinstance(term, q.SeverityIs):
            self.params.append(term.severity)
            return "i.severity = ?"
        if isinstance(term, q.IsDrill):
            return "i.is_drill = 1" if term.is_drill else "i.is_drill = 0"
        if isinstance(term, q.Label):
            self.params.append(term.label)
            if self.matches_over is not None and self.matches_over(
                "SELECT 1 FROM incident_labels WHERE label = ?", [term.label], LABEL_PROBE_THRESHOLD
            ):
                return (
                    "EXISTS (SELECT 1 FROM incident_labels l"
                    " WHERE l.incident_seq = i.seq AND l.label = ?)"
                )
            return (
                "i.seq IN (SELECT incident_seq FROM incident_labels"
                " WHERE label = ?/*range:incident_seq*/)"
            )
        if isinstance(term, q.Title):
            self.params.append(like_pattern(term.text))
            return "i.title LIKE ? ESCAPE '\\'"
        if isinstance(term, q.CreatedBy):
            self.params.extend([term.user] * 3)
            return f"i.created_by IN ({_USER_MATCH})"
        if isinstance(term, q.RoleHeld):
            self.params.append(term.role)
            sql = (
                "i.seq IN (SELECT a.incident_seq FROM assignments a JOIN roles r ON r.id = a.role_id"
                " WHERE r.name = ? COLLATE NOCASE"
            )
            if term.user:
                self.params.extend([term.user] * 3)
                sql += f" AND a.user_id IN ({_USER_MATCH})"
            return sql + ")"
        if isinstance(term, q.DateRange):
            return self.date_range(term)
        raise TypeError(f"unknown query term {type(term).__name__}")  # pragma: no cover

    def date_range(self, term: q.DateRange) -> str:
        column = f"i.{_DATE_COLUMNS[term.key]}"
        low, high = term.bounds(self.now)
        parts = [f"{column} != ''"]  # an unset time never matches
        if low is not None:
            parts.append(f"{column} >= ?")
            self.params.append(fmt(low))
        if high is not None:
            parts.append(f"{column} < ?")
            self.params.append(fmt(high))
        return "(" + " AND ".join(parts) + ")"


def compile_query(
    query: q.Query, now: datetime, matches_over: MatchCounter | None = None
) -> tuple[str, list[object]]:
    """SQL condition over alias ``i`` and its parameters; ``("1", [])`` matches everything.

    ``matches_over``: lets labels and words that match many incidents be checked row by
    row in sort order (EXISTS) instead of collected and sorted (IN); same rows either way.
    """
    compiler = _Compiler(now, matches_over)
    sql = compiler.all_of(query.terms)
    if sql is None:
        return "1", []
    return sql, compiler.params


def compile_query_string(
    text: str, now: datetime, matches_over: MatchCounter | None = None
) -> tuple[str, list[object]]:
    """Parse and compile a ``queryString``; raises ``QuerySyntaxError`` (an InvalidArgument)."""
    return compile_query(q.parse(text), now, matches_over)
