"""The incident query language: every form parses, mistakes name their column, SQL finds the right rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from incident_tui import query as q
from incident_tui.backends.sqlite.schema import MIGRATIONS
from incident_tui.backends.sqlite.search import (
    compile_query_string,
    fts_expression,
    like_pattern,
)
from incident_tui.backends.sqlite.timeutil import fmt
from incident_tui.errors import InvalidArgument

NOW = datetime(2026, 2, 25, 12, 0, tzinfo=UTC)


def only(text: str) -> q.QueryTerm:
    parsed = q.parse(text)
    assert len(parsed.terms) == 1, parsed
    return parsed.terms[0]


# --- parsing: every form ----------------------------------------------------


def test_empty_and_blank_queries_have_no_terms():
    assert q.parse("").is_empty
    assert q.parse("   \t ").is_empty


def test_grafana_reference_example_parses():
    parsed = q.parse("isdrill:false any(label:security label:important)")
    assert parsed.terms == (
        q.IsDrill(False),
        q.AnyOf((q.Label("security"), q.Label("important"))),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status:active", q.StatusIs("active")),
        ("status:RESOLVED", q.StatusIs("resolved")),
        ("severity:critical", q.SeverityIs("critical")),
        ("severity:Major", q.SeverityIs("major")),
        ("SEVERITY:minor", q.SeverityIs("minor")),
        ("severity:pending", q.SeverityIs("pending")),
        ("isdrill:true", q.IsDrill(True)),
        ("IsDrill:False", q.IsDrill(False)),
        ("label:db", q.Label("db")),
        ("label:env:prod", q.Label("env:prod")),
        ("label:'needs review'", q.Label("needs review")),
        ('label:env:"prod eu"', q.Label("env:prod eu")),
        ("title:cpu", q.Title("cpu")),
        ("title:'CPU & Memory Degradation'", q.Title("CPU & Memory Degradation")),
        ("createdby:alice", q.CreatedBy("alice")),
        ("createdby:'john.doe@example.com'", q.CreatedBy("john.doe@example.com")),
        ("role:commander", q.RoleHeld("commander")),
        ("role:commander:alice", q.RoleHeld("commander", "alice")),
        ("role:'incident lead':'Bob B'", q.RoleHeld("incident lead", "Bob B")),
        ("role:'a:b':c", q.RoleHeld("a:b", "c")),
        ("cpu", q.Words("cpu", prefix=True)),
        ("'disk full'", q.Words("disk full", phrase=True)),
        ('"disk full"', q.Words("disk full", phrase=True)),
        ("-label:db", q.Not(q.Label("db"))),
        ("-status:resolved", q.Not(q.StatusIs("resolved"))),
        ("-noise", q.Not(q.Words("noise"))),
        ("-any(label:a label:b)", q.Not(q.AnyOf((q.Label("a"), q.Label("b"))))),
        ("ANY(status:active)", q.AnyOf((q.StatusIs("active"),))),
        (
            "any(-label:a any(label:b label:c))",
            q.AnyOf((q.Not(q.Label("a")), q.AnyOf((q.Label("b"), q.Label("c"))))),
        ),
        ("title:'it\\'s'", q.Title("it's")),
        ('title:"say \\"hi\\""', q.Title('say "hi"')),
    ],
)
def test_every_form_parses(text: str, expected: q.QueryTerm):
    assert only(text) == expected


def test_terms_are_anded_in_order():
    parsed = q.parse("status:active severity:critical isdrill:false label:db title:'cpu'")
    assert [type(t) for t in parsed.terms] == [
        q.StatusIs,
        q.SeverityIs,
        q.IsDrill,
        q.Label,
        q.Title,
    ]


def test_positions_point_into_the_text():
    text = "status:active  -label:db any(title:x)"
    parsed = q.parse(text)
    assert [text[t.start : t.end] for t in parsed.terms] == [
        "status:active",
        "-label:db",
        "any(title:x)",
    ]
    inner = parsed.terms[1]
    assert isinstance(inner, q.Not)
    assert text[inner.term.start : inner.term.end] == "label:db"


def test_only_the_last_bare_word_of_a_live_query_is_a_prefix():
    assert q.parse("disk ful").terms == (q.Words("disk"), q.Words("ful", prefix=True))
    # A trailing space means the word is finished.
    assert q.parse("disk ful ").terms == (q.Words("disk"), q.Words("ful"))
    # Quoted phrases and keyed values are never prefixes.
    assert q.parse("'disk ful'").terms == (q.Words("disk ful", phrase=True),)


@pytest.mark.parametrize(
    ("text", "op", "low", "high"),
    [
        ("declared:>2026-01-01", ">", "2026-01-01", None),
        ("declared:>=2026-01-01", ">=", "2026-01-01", None),
        ("declared:<2026-01-01T10:00:00Z", "<", "2026-01-01T10:00:00Z", None),
        ("declared:<=2026-01-01T10:00:00+02:00", "<=", "2026-01-01T10:00:00+02:00", None),
        ("declared:2026-01-01..2026-02-01", "..", "2026-01-01", "2026-02-01"),
        (
            "declared:2024-01-01T00:00:00Z,2024-01-31T23:59:59Z",
            "..",
            "2024-01-01T00:00:00Z",
            "2024-01-31T23:59:59Z",
        ),
        ("declared:2026-01-01..", "..", "2026-01-01", None),
        ("declared:..2026-01-01", "..", None, "2026-01-01"),
        ("declared:>-7d", ">", "-7d", None),
        ("declared:-24h", "=", "-24h", None),
        ("declared:-2w..-1d", "..", "-2w", "-1d"),
        ("declared:2026-01-01", "=", "2026-01-01", None),
        ("started:>-30m", ">", "-30m", None),
        ("resolved:<now", "<", "now", None),
        ("ended:>-90s", ">", "-90s", None),
    ],
)
def test_date_forms_parse(text: str, op: str, low: str | None, high: str | None):
    term = only(text)
    assert isinstance(term, q.DateRange)
    assert term.op == op
    assert (term.low.typed if term.low else None) == low
    assert (term.high.typed if term.high else None) == high


def test_date_keys_name_their_incident_fields():
    fields = {
        only(f"{key}:>-1d").incident_field for key in ("declared", "started", "resolved", "ended")
    }
    assert fields == {"createdTime", "incidentStart", "closedTime", "incidentEnd"}


def test_date_bounds_use_whole_days_and_exact_instants():
    day = datetime(2026, 1, 1, tzinfo=UTC)
    assert only("declared:2026-01-01").bounds(NOW) == (day, day + timedelta(days=1))
    assert only("declared:>2026-01-01").bounds(NOW) == (day + timedelta(days=1), None)
    assert only("declared:>=2026-01-01").bounds(NOW) == (day, None)
    assert only("declared:<2026-01-01").bounds(NOW) == (None, day)
    assert only("declared:<=2026-01-01").bounds(NOW) == (None, day + timedelta(days=1))
    assert only("declared:2026-01-01..2026-01-31").bounds(NOW) == (day, day + timedelta(days=31))
    ten = datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert only("declared:<2026-01-01T12:00:00+02:00").bounds(NOW) == (None, ten)
    assert only("declared:>-7d").bounds(NOW)[0] == NOW - timedelta(days=7, microseconds=-1)
    assert only("declared:-24h").bounds(NOW) == (NOW - timedelta(hours=24), None)


def test_a_time_without_offset_is_utc():
    assert only("declared:<2026-01-01T10:00").bounds(NOW) == (
        None,
        datetime(2026, 1, 1, 10, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "text",
    [
        "status:active severity:critical isdrill:false label:db any(label:a label:b) title:'cpu'",
        "-label:'needs review' -any(status:resolved severity:minor) declared:>-7d hello \"big phrase\"",
        "role:'a:b':c createdby:'Bob B' started:2026-01-01..2026-02-01 ended:<=now label:'it\\'s'",
        "-'-dash' \"quote \\\" in\" title:'(paren)'",
    ],
)
def test_canonical_text_parses_back_to_the_same_terms(text: str):
    parsed = q.parse(text)
    assert q.parse(parsed.to_text()).terms == parsed.terms


def test_walk_visits_nested_terms():
    kinds = [type(t).__name__ for t in q.parse("-any(label:a status:active) cpu").walk()]
    assert kinds == ["Not", "AnyOf", "Label", "StatusIs", "Words"]


def test_known_keys_cover_every_filter():
    assert q.KNOWN_KEYS == (
        "status", "severity", "isdrill", "label", "title", "createdby", "role",
        "declared", "started", "resolved", "ended",
    )  # fmt: skip
    for key in q.KEYS:
        # Every example in the help parses.
        assert q.parse(key.example).terms


# --- parsing: mistakes name their column ------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("status:active sevrity:critical", 15, "unknown key 'sevrity', did you mean 'severity'?"),
        ("foo:bar", 1, "unknown key 'foo'"),
        ("status:open", 8, "bad status 'open'"),
        ("severity:sev1", 10, "bad severity 'sev1'"),
        ("isdrill:maybe", 9, "bad isdrill 'maybe'"),
        ("status:", 8, "status: needs a value"),
        ("label: db", 7, "label: needs a value"),
        ("label:''", 7, "label: needs a non-blank value"),
        ("any(label:a label:b", 1, "unclosed 'any('"),
        ("x any(label:a any(label:b)", 3, "unclosed 'any('"),
        ("label:a)", 8, "unbalanced ')'"),
        ("any()", 1, "any() needs at least one term"),
        ("(label:a)", 1, "'(' only groups after any"),
        ("title:'cpu", 7, "unclosed quote '"),
        ('cpu "disk', 5, 'unclosed quote "'),
        ("declared:>2026-13-01", 11, "bad date '2026-13-01'"),
        ("declared:yesterday", 10, "bad date 'yesterday'"),
        ("declared:>", 10, "needs a time after '>'"),
        ("declared:..", 10, "a range needs at least one end"),
        ("declared:2026-01-01..2026-02-30", 22, "bad date '2026-02-30'"),
        ("declared:2026-02-01..2026-01-01", 10, "the range ends before it starts"),
        ("declared:-1d..-7d", 10, "the range ends before it starts"),
        ("resolved:-7x", 10, "bad date '-7x'"),
        ("- label:a", 1, "'-' must be followed by a term"),
        ("--label:a", 2, "one '-' is enough"),
        ("role::alice", 6, "role: needs a role name"),
        ("role:commander:", 16, "role: needs a user"),
    ],
)
def test_bad_queries_name_the_column_and_problem(text: str, column: int, fragment: str):
    with pytest.raises(q.QuerySyntaxError) as info:
        q.parse(text)
    err = info.value
    assert err.column == column
    assert str(err).startswith(f"col {column}: ")
    assert fragment in str(err)


def test_unknown_key_lists_the_known_keys():
    with pytest.raises(q.QuerySyntaxError) as info:
        q.parse("sevrity:x")
    assert "(known: status, severity, isdrill, label, title, createdby, role," in str(info.value)


def test_query_errors_are_invalid_arguments():
    with pytest.raises(InvalidArgument):
        q.parse("status:open")


def test_describe_error_puts_a_caret_under_the_column():
    text = "status:active sevrity:x"
    with pytest.raises(q.QuerySyntaxError) as info:
        q.parse(text)
    lines = q.describe_error(text, info.value).splitlines()
    assert lines[0] == text
    assert lines[1] == " " * 14 + "^"
    assert lines[2].startswith("col 15: unknown key")


def test_an_overlong_query_is_refused():
    with pytest.raises(q.QuerySyntaxError):
        q.parse("x " * 3000)


def test_bad_value_in_error_message_is_shortened():
    with pytest.raises(q.QuerySyntaxError) as info:
        q.parse("status:" + "z" * 500)
    assert len(str(info.value)) < 120


# --- compiling: helpers -------------------------------------------------------


def test_empty_query_compiles_to_true():
    assert compile_query_string("", NOW) == ("1", [])
    assert compile_query_string("  ", NOW) == ("1", [])


def test_values_are_parameters_never_sql():
    sql, params = compile_query_string("label:\"x') OR 1=1 --\" title:'%_\\\\'", NOW)
    assert "OR 1=1" not in sql
    assert "x') OR 1=1 --" in params


def test_like_pattern_escapes_wildcards():
    assert like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


def test_fts_expression_turns_nul_into_a_separator():
    # FTS5 reads the expression as a C string: a NUL would end it mid-string.
    assert fts_expression([q.Words("cpu\x00spike")]) == '"cpu spike"'


def test_fts_expression_quotes_every_term():
    terms = [q.Words('say "hi"'), q.Words("OR"), q.Words("NEAR(x"), q.Words("ful", prefix=True)]
    assert fts_expression(terms) == '"say ""hi""" "OR" "NEAR(x" "ful"*'


# --- compiling: the SQL finds the right rows ----------------------------------


def _t(text: str) -> str:
    return fmt(datetime.fromisoformat(text.replace("Z", "+00:00")))


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    """A store built from the real migration, with four incidents inserted by hand."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(MIGRATIONS[0])
    conn.executemany(
        "INSERT INTO users (id, name, email) VALUES (?, ?, ?)",
        [
            ("u-alice", "Alice Smith", "alice@example.com"),
            ("u-bob", "Bob B", "bob@example.com"),
            ("u-carol", "Carol", ""),
        ],
    )
    created = _t("2025-01-01T00:00:00Z")
    # The store may seed these defaults itself: insert only what is missing.
    conn.executemany(
        "INSERT OR IGNORE INTO roles (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [
            (1, "commander", created, created),
            (2, "investigator", created, created),
            (3, "observer", created, created),
        ],
    )
    incidents = [
        # seq, title, status, severity, drill, created, by, closed, start, end
        (1, "CPU spike on db-1", "active", "critical", 0, "2026-01-10T08:00:00Z", "u-alice", "", "2026-01-10T07:55:00Z", ""),
        (2, "Checkout outage", "resolved", "major", 0, "2026-02-20T12:00:00Z", "u-bob", "2026-02-21T00:00:00Z", "2026-02-20T11:50:00Z", "2026-02-20T23:00:00Z"),
        (3, "Drill: failover 100% test_db", "active", "pending", 1, "2026-01-31T23:59:59.999999Z", "u-bob", "", "", ""),
        (4, "Crème brûlée shortage", "resolved", "minor", 0, "2025-12-31T22:00:00Z", "u-carol", "2026-01-01T10:00:00Z", "2025-12-31T21:00:00Z", "2026-01-01T09:00:00Z"),
    ]  # fmt: skip
    for seq, title, status, sev, drill, created_at, by, closed, start, end in incidents:
        conn.execute(
            "INSERT INTO incidents (seq, id, title, status, severity, is_drill, created_at, modified_at,"
            " created_by, closed_at, incident_start, incident_end) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                seq, f"inc-{seq}", title, status, sev, drill, _t(created_at), _t(created_at), by,
                _t(closed) if closed else "", _t(start) if start else "", _t(end) if end else "",
            ),
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO incident_labels (incident_seq, label, added_at) VALUES (?, ?, ?)",
        [
            (1, "db", created),
            (1, "env:prod", created),
            (2, "payments", created),
            (3, "db", created),
            (4, "env:prod eu", created),
        ],
    )
    conn.executemany(
        "INSERT INTO assignments (incident_seq, role_id, user_id, assigned_at) VALUES (?, ?, ?, ?)",
        [
            (1, 1, "u-alice", created),
            (2, 1, "u-bob", created),
            (2, 2, "u-alice", created),
            (4, 3, "u-carol", created),
        ],
    )
    docs = {
        1: "CPU spike on db-1\nrestarted the primary",
        2: "Checkout outage\ncard processor timeouts\nrolled back deploy",
        3: "Drill: failover 100% test_db\nfailover rehearsal",
        4: 'Crème brûlée shortage\nkitchen says "sorry"',
    }
    conn.executemany("INSERT INTO incident_fts (rowid, doc) VALUES (?, ?)", list(docs.items()))
    yield conn
    conn.close()


def seqs(db: sqlite3.Connection, text: str) -> list[int]:
    where, params = compile_query_string(text, NOW)
    return [
        row[0]
        for row in db.execute(f"SELECT i.seq FROM incidents i WHERE {where} ORDER BY i.seq", params)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [1, 2, 3, 4]),
        ("status:active", [1, 3]),
        ("status:resolved", [2, 4]),
        ("-status:resolved", [1, 3]),
        ("severity:critical", [1]),
        ("severity:MAJOR", [2]),
        ("isdrill:true", [3]),
        ("isdrill:false", [1, 2, 4]),
        ("label:db", [1, 3]),
        ("label:DB", []),
        ("label:env:prod", [1]),
        ("label:'env:prod eu'", [4]),
        ("label:env", []),
        ("-label:db", [2, 4]),
        ("any(label:db label:payments)", [1, 2, 3]),
        ("-any(label:db label:payments)", [4]),
        ("isdrill:false any(label:security label:db)", [1]),
        ("any(status:resolved any(severity:critical isdrill:true))", [1, 2, 3, 4]),
        ("title:cpu", [1]),
        ("title:'CHECKOUT OUT'", [2]),
        ("title:100%", [3]),
        ("title:'0%'", [3]),
        ("title:'%'", [3]),
        ("title:_", [3]),
        ("title:e_s", []),  # "_" is no wildcard (it would match "e s")
        ("title:'brûlée'", [4]),
        ("createdby:u-bob", [2, 3]),
        ("createdby:'bob b'", [2, 3]),
        ("createdby:ALICE@example.com", [1]),
        ("createdby:nobody", []),
        ("role:commander", [1, 2]),
        ("role:Observer", [4]),
        ("role:investigator:alice@example.com", [2]),
        ("role:commander:'Alice Smith'", [1]),
        ("role:commander:u-carol", []),
        ("-role:commander", [3, 4]),
        ("cpu", [1]),
        ("CPU primary", [1]),
        ("failover", [3]),
        ("rehearsal", [3]),
        ("timeouts", [2]),
        ("'rolled back'", [2]),
        ("'back rolled'", []),
        ("creme", [4]),
        ("sorry", [4]),
        ('"\\"sorry\\""', [4]),
        ("time", [2]),  # last bare word: prefix of "timeouts"
        ("time ", []),  # finished word: whole-token match only
        ("-failover", [1, 2, 4]),
        ("any(cpu kitchen)", [1, 4]),
        ("any(cpu label:payments)", [1, 2]),
        ("OR", []),
        ("NEAR(", []),
        ("AND cpu", []),
        ("'\"' cpu", [1]),  # nothing searchable in the first term: it is ignored
        ("!!!", [1, 2, 3, 4]),
        ("-'!!!'", [1, 2, 3, 4]),
        ("status:active cpu db", [1]),
        ("status:active -cpu", [3]),
    ],
)
def test_compiled_sql_returns_the_matching_incidents(
    db: sqlite3.Connection, text: str, expected: list[int]
):
    assert seqs(db, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("declared:>2026-01-01", [1, 2, 3]),
        ("declared:>=2026-01-31", [2, 3]),
        ("declared:>2026-01-31", [2]),  # seq 3 is the last microsecond of 31 January
        ("declared:2026-01-31", [3]),
        ("declared:<2026-01-01", [4]),
        ("declared:<=2026-01-10", [1, 4]),
        ("declared:<2026-01-10T08:00:00Z", [4]),
        ("declared:<=2026-01-10T08:00:00Z", [1, 4]),
        ("declared:<2026-01-10T09:00:00+01:00", [4]),
        ("declared:2026-01-01..2026-01-31", [1, 3]),
        ("declared:2026-01-01,2026-01-31", [1, 3]),
        ("declared:2024-01-01T00:00:00Z,2026-01-10T08:00:00Z", [1, 4]),
        ("declared:2026-01-11..", [2, 3]),
        ("declared:..2026-01-10", [1, 4]),
        ("declared:>-7d", [2]),
        ("declared:-7d", [2]),
        ("declared:>-60d", [1, 2, 3, 4]),
        ("declared:-30d..-7d", [3]),
        ("declared:<-7d", [1, 3, 4]),
        ("started:>2026-01-01", [1, 2]),  # seq 3 has no start time
        ("-started:>2026-01-01", [3, 4]),
        ("resolved:>-7d", [2]),
        ("resolved:<2026-01-01T10:00:01Z", [4]),
        ("resolved:<2026-01-01T10:00:00Z", []),
        ("resolved:<now", [2, 4]),  # never matches unresolved incidents
        ("ended:2026-01-01", [4]),
        ("ended:>-24h", []),
        ("status:resolved resolved:>2026-02-01", [2]),
    ],
)
def test_date_filters_return_the_matching_incidents(
    db: sqlite3.Connection, text: str, expected: list[int]
):
    assert seqs(db, text) == expected


def test_relative_dates_follow_the_given_now(db: sqlite3.Connection):
    where, params = compile_query_string("declared:>-7d", NOW + timedelta(days=30))
    rows = db.execute(f"SELECT i.seq FROM incidents i WHERE {where}", params).fetchall()
    assert rows == []


def test_compiled_condition_combines_with_other_sql(db: sqlite3.Connection):
    where, params = compile_query_string("any(label:db label:payments)", NOW)
    rows = db.execute(
        f"SELECT i.seq FROM incidents i WHERE i.status = ? AND {where} ORDER BY i.seq DESC LIMIT 1",
        ["active", *params],
    ).fetchall()
    assert rows == [(3,)]


# --- robustness -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "declared:-999999w",
        "declared:9999-12-31",
        "ended:>9999-12-31",
        "started:0001-01-01..0001-01-02",
    ],
)
def test_dates_at_the_ends_of_the_calendar_compile(db: sqlite3.Connection, text: str):
    assert seqs(db, text) in ([], [1, 2, 3, 4])


@pytest.mark.parametrize("text", ["-)", "any(-)", "any(a -)"])
def test_dangling_minus_is_explained(text: str):
    with pytest.raises(q.QuerySyntaxError) as info:
        q.parse(text)
    assert "'-' must be followed by a term" in str(info.value)


def test_random_input_never_crashes_the_parser_or_the_sql(db: sqlite3.Connection):
    """Whatever is typed gives rows or a positioned QuerySyntaxError, never another error."""
    import random

    rng = random.Random(20260225)
    pieces = [
        "status:", "active", "severity:", "critical", "label:", "title:", "role:", "createdby:",
        "declared:", ">", "<", ">=", "..", ",", "-7d", "2026-01-01", "T10:00:00Z", "any(", ")",
        "(", "-", "'", '"', "\\", ":", " ", " ", "cpu", "OR", "NEAR", "*", "%", "_", "é", "\x00",
        "\u202e", "\n", "isdrill:", "true", "now", "''", "AND", "NOT", "^", "{", "}",
    ]  # fmt: skip
    outcomes = {"rows": 0, "error": 0}
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        try:
            where, params = compile_query_string(text, NOW)
        except q.QuerySyntaxError as err:
            assert 1 <= err.column <= len(text) + 1, (text, err.column)
            outcomes["error"] += 1
            continue
        db.execute(f"SELECT count(*) FROM incidents i WHERE {where}", params).fetchone()
        outcomes["rows"] += 1
    assert outcomes["rows"] > 100 and outcomes["error"] > 100


# --- completion ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sev", ["severity:"]),
        (
            "status:active s",
            ["status:active status:", "status:active severity:", "status:active started:"],
        ),
        ("-la", ["-label:"]),
        ("any(lab", ["any(label:"]),
        ("severity:cr", ["severity:critical"]),
        ("SEVERITY:M", ["SEVERITY:minor", "SEVERITY:major"]),
        ("status:", ["status:active", "status:resolved"]),
        ("isdrill:t", ["isdrill:true"]),
        ("status:active", []),  # already complete
        ("label:d", []),  # open values: nothing to offer
        ("cpu ", []),
        ("", []),
        ("zzz", []),
    ],
)
def test_complete_offers_keys_and_closed_values(text: str, expected: list[str]):
    assert q.complete(text) == expected


def test_every_completion_of_a_value_parses():
    for key in q.KEYS:
        for option in q.complete(f"{key.name}:"):
            assert q.parse(option).terms


# --- a backend's own words (issue 12) -------------------------------------------------


def test_status_and_severity_words_are_case_insensitive_and_a_unique_start_is_enough():
    statuses = ("active", "investigating", "stable", "resolved")
    severities = ("minor", "low", "moderate", "high", "Critical Incident")
    parsed = q.parse("status:INVEST severity:critical", statuses=statuses, severities=severities)
    assert parsed.terms == (
        q.StatusIs("investigating", start=0, end=13),
        q.SeverityIs("Critical Incident", start=14, end=31),
    )
    # Grafana's words by default, in any case, shortened
    assert q.parse("status:Act").terms[0] == q.StatusIs("active", start=0, end=10)


def test_an_ambiguous_or_unknown_word_names_the_backends_words():
    severities = ("minor", "low", "moderate", "high", "critical")
    with pytest.raises(q.QuerySyntaxError) as err:
        q.parse("severity:m", severities=severities)
    assert "bad severity 'm' (use minor or low or moderate or high or critical)" in str(err.value)
    with pytest.raises(q.QuerySyntaxError, match="bad status 'investigating'"):
        q.parse("status:investigating")  # not one of Grafana's


def test_words_left_to_the_backend_when_no_vocabulary_is_given():
    parsed = q.parse("status:investigating severity:High", statuses=None, severities=None)
    assert [t.to_text() for t in parsed.terms] == ["status:investigating", "severity:High"]


def test_match_word():
    words = ("Critical Incident", "Critical Outage", "Minor")
    assert q.match_word("minor", words) == "Minor"
    assert q.match_word("critical i", words) == "Critical Incident"
    assert q.match_word("critical", words) is None  # two begin so
    assert q.match_word("  ", words) is None
