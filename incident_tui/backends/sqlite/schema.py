"""The local store's schema, its version in ``PRAGMA user_version``, and forward migrations.

Times are stored as fixed-width UTC RFC 3339 strings (``2026-11-25T03:04:05.123456Z``)
so that text order is time order; ``""`` means unset. ``seq`` columns are rowids:
they break ties in keyset paging and give incidents their short reference number.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

#: The reference severities as a number (unknown ones sort lowest). Queries must use
#: this exact expression (over the bare column) for the expression index to serve them.
SEVERITY_RANK_SQL = (
    "CASE severity WHEN 'critical' THEN 4 WHEN 'major' THEN 3"
    " WHEN 'minor' THEN 2 WHEN 'pending' THEN 1 ELSE 0 END"
)

#: When the incident entered its current status: its start while active, its end once
#: resolved (the console's TIME column). Bare column names, so that the index below
#: serves queries over the ``incidents i`` alias.
STATUS_TIME_SQL = (
    "CASE WHEN status = 'resolved'"
    " THEN COALESCE(NULLIF(incident_end, ''), NULLIF(closed_at, ''), created_at)"
    " ELSE COALESCE(NULLIF(incident_start, ''), created_at) END"
)

#: Indexes that only speed reads up: created if missing whenever the store is opened for
#: writing. They change no data, so stores keep their version and older releases still
#: open them (an older release simply does not use them).
OPTIONAL_INDEXES: tuple[str, ...] = (
    f"CREATE INDEX IF NOT EXISTS incidents_by_status_time ON incidents (({STATUS_TIME_SQL}), seq)",
    # A status filter (the active list) with each order but the creation time (which
    # incidents_by_status_created serves): without these, SQLite walks the order's index and
    # skips the 98 % of incidents that are resolved.
    "CREATE INDEX IF NOT EXISTS incidents_by_status_modified"
    " ON incidents (status, modified_at, seq)",
    "CREATE INDEX IF NOT EXISTS incidents_by_status_title"
    " ON incidents (status, title COLLATE NOCASE, seq)",
    "CREATE INDEX IF NOT EXISTS incidents_by_status_severity_rank"
    f" ON incidents (status, ({SEVERITY_RANK_SQL}), seq)",
    "CREATE INDEX IF NOT EXISTS incidents_by_status_status_time"
    f" ON incidents (status, ({STATUS_TIME_SQL}), seq)",
    # ``resolved:A..B``: the month's incidents are found by their closing time and sorted
    # (~2 ms at 100 000 incidents) instead of walking a sort order's index past every
    # incident closed later (~20 ms).
    "CREATE INDEX IF NOT EXISTS incidents_by_closed ON incidents (closed_at, seq)",
)

# Each entry upgrades the store from version N-1 to N (index 0 builds version 1).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE users (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        email       TEXT NOT NULL DEFAULT '',
        photo_url   TEXT NOT NULL DEFAULT ''
    );

    CREATE TABLE incidents (
        seq             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        title           TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('active', 'resolved')),
        severity        TEXT NOT NULL,
        is_drill        INTEGER NOT NULL DEFAULT 0,
        created_at      TEXT NOT NULL,
        modified_at     TEXT NOT NULL,
        created_by      TEXT NOT NULL REFERENCES users(id),
        closed_at       TEXT NOT NULL DEFAULT '',
        incident_start  TEXT NOT NULL DEFAULT '',
        incident_end    TEXT NOT NULL DEFAULT '',
        summary         TEXT NOT NULL DEFAULT '',
        version         INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX incidents_by_created ON incidents (created_at, seq);
    CREATE INDEX incidents_by_status_created ON incidents (status, created_at, seq);
    CREATE INDEX incidents_by_severity_created ON incidents (severity, created_at, seq);
    CREATE INDEX incidents_by_modified ON incidents (modified_at, seq);
    CREATE INDEX incidents_by_start ON incidents (incident_start, seq);
    CREATE INDEX incidents_by_title ON incidents (title COLLATE NOCASE, seq);
    CREATE INDEX incidents_by_severity_rank ON incidents ((SEVERITY_RANK), seq);

    CREATE TABLE incident_labels (
        incident_seq  INTEGER NOT NULL REFERENCES incidents(seq),
        label         TEXT NOT NULL,
        description   TEXT NOT NULL DEFAULT '',
        color_hex     TEXT NOT NULL DEFAULT '',
        added_at      TEXT NOT NULL,
        PRIMARY KEY (incident_seq, label)
    ) WITHOUT ROWID;
    CREATE INDEX incident_labels_by_label ON incident_labels (label, incident_seq);

    CREATE TABLE roles (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL UNIQUE,
        description  TEXT NOT NULL DEFAULT '',
        important    INTEGER NOT NULL DEFAULT 0,
        mandatory    INTEGER NOT NULL DEFAULT 0,
        archived     INTEGER NOT NULL DEFAULT 0,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    );

    CREATE TABLE assignments (
        incident_seq  INTEGER NOT NULL REFERENCES incidents(seq),
        role_id       INTEGER NOT NULL REFERENCES roles(id),
        user_id       TEXT NOT NULL REFERENCES users(id),
        assigned_at   TEXT NOT NULL,
        PRIMARY KEY (incident_seq, role_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX assignments_by_user ON assignments (user_id, incident_seq);

    CREATE TABLE tasks (
        seq           INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        incident_seq  INTEGER NOT NULL REFERENCES incidents(seq),
        text          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('todo', 'progress', 'done')),
        immutable     INTEGER NOT NULL DEFAULT 0,
        author_id     TEXT NOT NULL REFERENCES users(id),
        assignee_id   TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL,
        modified_at   TEXT NOT NULL
    );
    CREATE INDEX tasks_by_incident ON tasks (incident_seq, seq);

    CREATE TABLE activity (
        seq              INTEGER PRIMARY KEY,
        id               TEXT NOT NULL UNIQUE,
        incident_seq     INTEGER NOT NULL REFERENCES incidents(seq),
        kind             TEXT NOT NULL,
        body             TEXT NOT NULL DEFAULT '',
        url              TEXT NOT NULL DEFAULT '',
        user_id          TEXT NOT NULL REFERENCES users(id),
        subject_user_id  TEXT NOT NULL DEFAULT '',
        created_at       TEXT NOT NULL,
        event_time       TEXT NOT NULL,
        immutable        INTEGER NOT NULL DEFAULT 1,
        tags             TEXT NOT NULL DEFAULT '[]',
        field_values     TEXT NOT NULL DEFAULT '{}',
        removed          INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX activity_by_incident_time ON activity (incident_seq, event_time, seq);
    CREATE INDEX activity_by_incident_user ON activity (incident_seq, user_id);

    -- One full-text document per incident: its title and the text of its live
    -- timeline items, so a text search never merges two result sets.
    CREATE VIRTUAL TABLE incident_fts USING fts5 (doc, tokenize = 'unicode61 remove_diacritics 2');

    -- Change detection: a counter bumped by every write (the home screen's version).
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('homescreen_version', 1);

    -- The organisation's roles exist from the first run (Grafana's defaults).
    INSERT INTO roles (id, name, description, important, mandatory, created_at, updated_at)
    VALUES
        (1, 'commander', 'Leads the response: decides, delegates and communicates.', 1, 1,
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'),
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now')),
        (2, 'investigator', 'Digs into the cause and works on the fix.', 0, 0,
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'),
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now')),
        (3, 'observer', 'Follows along and helps where asked.', 0, 0,
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'),
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'));
    """.replace("SEVERITY_RANK", SEVERITY_RANK_SQL),
    # 2: idempotency keys of creates made through our server (Idempotency-Key header),
    # written in the same transaction as the create they name.
    """
    CREATE TABLE idempotency_keys (
        scope        TEXT NOT NULL,
        key          TEXT NOT NULL,
        method       TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        response     BLOB NOT NULL,
        created_at   TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
    """,
]
