"""The outbox file: one remote context's writes, in order, until the remote has them.

One small SQLite file per context under the state directory (0600 in a 0700
folder), holding what a write needs to be sent again and nothing else: the
method, the request as JSON, its idempotency key, its state and the remote's last
words. Never a token. Every change is committed (``synchronous = FULL``) before the
console says "queued", so a ``kill -9`` loses nothing.

A file that cannot be read (not SQLite, damaged, written by a newer version) is
set aside under a new name with a message; the console then starts with a fresh
outbox. A folder that cannot be written gives an outbox in memory, also said.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from incident_tui import models as m
from incident_tui.backends.base import METHODS, Method
from incident_tui.config import ensure_private_dir, state_dir
from incident_tui.errors import Unavailable

T = TypeVar("T")

SCHEMA_VERSION = 1

QUEUED = "queued"  # never reached the remote: send it when it answers
SENDING = "sending"  # an attempt is under way (found at start: it may have left)
UNCONFIRMED = "unconfirmed"  # may have reached the remote: read before sending again
REFUSED = "refused"  # the remote said no: the person fixes or discards it
STATES = (QUEUED, SENDING, UNCONFIRMED, REFUSED)

PLACEHOLDER_PREFIX = "queued-"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS writes (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    method           TEXT NOT NULL,
    request          TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    state            TEXT NOT NULL,
    error            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    first_sent_at    TEXT NOT NULL DEFAULT '',
    tried_at         TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    sender           INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS delivered (
    placeholder  TEXT PRIMARY KEY,
    real_id      TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def outbox_dir() -> Path:
    return state_dir() / "outbox"


def outbox_path(context: str, url: str, folder: Path | None = None) -> Path:
    """The outbox of one context: its name, and a digest of its url so a context
    pointed elsewhere never sends another remote's queued writes."""
    digest = hashlib.sha256(url.strip().rstrip("/").encode("utf-8")).hexdigest()[:10]
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in context)[:64]
    return (folder or outbox_dir()) / f"{safe or 'context'}-{digest}.db"


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def placeholder_seq(value: object) -> int | None:
    """The outbox entry a placeholder id names (``queued-12``, or ``-12`` for a role)."""
    if isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX):
        tail = value[len(PLACEHOLDER_PREFIX) :]
        return int(tail) if tail.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return -value
    return None


@dataclass(frozen=True)
class QueuedWrite:
    """One write in the outbox, as the layer above sees it."""

    seq: int
    method: Method
    request: m.Request
    key: str
    state: str
    error: str = ""
    created_at: str = ""
    first_sent_at: str = ""  # when an attempt may first have reached the remote
    tried_at: str = ""
    attempts: int = 0
    sender: int = 0  # the process sending it now (state SENDING)

    @property
    def placeholder(self) -> str:
        """The id a queued create's object has until the remote gives it a real one."""
        return f"{PLACEHOLDER_PREFIX}{self.seq}"

    @property
    def role_placeholder(self) -> int:
        return -self.seq

    @property
    def may_have_landed(self) -> bool:
        return bool(self.first_sent_at)

    @property
    def sent_by_a_live_process(self) -> bool:
        """A SENDING entry whose sender still runs (else it died mid-send)."""
        if self.state != SENDING or self.sender <= 0:
            return False
        if self.sender == os.getpid():
            return True
        try:
            os.kill(self.sender, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # alive, someone else's
        return True


class Outbox:
    """The file and its in-memory mirror (``entries``, oldest first).

    SQLite runs on one thread of its own; the mirror is read without waiting (the UI
    draws from it) and changed only after the file has the change.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[QueuedWrite] = []
        self.delivered: dict[str, str] = {}
        self.meta: dict[str, str] = {}
        #: Messages about the file for the person (set aside, kept in memory, ...).
        self.notices: list[str] = []
        self.in_memory = path is None
        self._conn: sqlite3.Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-outbox")
        self._lock_fd: int | None = None
        self._closed = False
        self._seen_on_disk: tuple[int, ...] | None = None

    # --- opening ----------------------------------------------------------------------

    async def open(self) -> None:
        await asyncio.wrap_future(self._executor.submit(self._open))

    def _open(self) -> None:
        if self.path is not None:
            try:
                self._conn = self._connect_file(self.path)
            except (sqlite3.Error, _Unusable) as exc:
                self._set_aside(self.path, exc)
                try:
                    self._conn = self._connect_file(self.path)
                except (sqlite3.Error, OSError, _Unusable) as again:
                    self._memory_only(self.path, again)
            except OSError as exc:
                self._memory_only(self.path, exc)
        if self._conn is None:
            self._conn = self._connect(":memory:")
        self._load()

    def _connect_file(self, path: Path) -> sqlite3.Connection:
        ensure_private_dir(path.parent)
        if path.is_dir():
            raise _Unusable("it is a folder")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=5.0)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise _Unusable(f"written by a newer incident-tui (outbox version {version})")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema")}
            if tables and "writes" not in tables:
                raise _Unusable("a SQLite file, but not an outbox")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise _Unusable("damaged")
            conn.execute("PRAGMA journal_mode = WAL")
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, isolation_level=None, timeout=5.0)
        self._prepare(conn)
        return conn

    @staticmethod
    def _prepare(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA synchronous = FULL")  # "queued" means on the disk
        conn.executescript(_SCHEMA)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _set_aside(self, path: Path, why: BaseException) -> None:
        moved = path.with_name(f"{path.name}.unreadable-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        try:
            os.replace(path, moved)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.replace(f"{path}{suffix}", f"{moved}{suffix}")
        except OSError as exc:
            self._memory_only(path, exc)
            return
        self.notices.append(
            f"The outbox file {path} could not be read ({_reason(why)}); it was set aside as"
            f" {moved.name} and a new outbox started. Writes queued in it were not sent."
        )

    def _memory_only(self, path: Path, why: BaseException) -> None:
        self.in_memory = True
        self.notices.append(
            f"Cannot use the outbox file {path} ({_reason(why)}): writes queued now are kept"
            " in memory only, until the console exits."
        )

    def _load(self) -> None:
        conn = self._conn
        assert conn is not None
        entries: list[QueuedWrite] = []
        for row in conn.execute(
            "SELECT seq, method, request, idempotency_key, state, error, created_at,"
            " first_sent_at, tried_at, attempts, sender FROM writes ORDER BY seq"
        ):
            entry = _entry(row)
            if entry is None:
                message = f"a queued write ({row[1]}, #{row[0]}) cannot be read and was skipped"
                if message not in self.notices:
                    self.notices.append(message)
                continue
            entries.append(entry)
        self.entries = entries
        self.delivered = dict(conn.execute("SELECT placeholder, real_id FROM delivered"))
        self.meta = dict(conn.execute("SELECT key, value FROM meta"))

    # --- changes ----------------------------------------------------------------------

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise Unavailable("the outbox is closed")

        def work() -> T:
            if self._conn is None:  # used before open(): open it now, on this thread
                self._open()
            assert self._conn is not None
            try:
                return fn(self._conn)
            except sqlite3.Error as exc:
                raise Unavailable(f"the outbox file cannot be written: {exc}") from None

        return await asyncio.wrap_future(self._executor.submit(work))

    async def add(
        self, method: Method, request: m.Request, state: str, now: datetime, *, sent: bool = False
    ) -> QueuedWrite:
        """Append a write (committed before this returns); ``sent``: it is being sent now."""
        key = str(uuid.uuid4())
        created = stamp(now)
        tried = created if sent else ""

        sender = os.getpid() if state == SENDING else 0

        def insert(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO writes (method, request, idempotency_key, state, created_at,"
                " first_sent_at, tried_at, attempts, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    method.path,
                    request.to_json(),
                    key,
                    state,
                    created,
                    "",
                    tried,
                    int(sent),
                    sender,
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        seq = await self._run(insert)
        entry = QueuedWrite(
            seq=seq,
            method=method,
            request=request,
            key=key,
            state=state,
            created_at=created,
            tried_at=tried,
            attempts=int(sent),
            sender=sender,
        )
        self.entries.append(entry)
        self.entries.sort(key=lambda e: e.seq)
        return entry

    async def update(self, entry: QueuedWrite, **changes: Any) -> QueuedWrite:
        """Change an entry's state, error, request or times (committed first)."""
        updated = replace(self.get(entry.seq) or entry, **changes)
        updated = replace(updated, sender=os.getpid() if updated.state == SENDING else 0)
        values = (
            updated.state,
            updated.error,
            updated.request.to_json(),
            updated.first_sent_at,
            updated.tried_at,
            updated.attempts,
            updated.sender,
            updated.seq,
        )
        await self._run(
            lambda conn: conn.execute(
                "UPDATE writes SET state = ?, error = ?, request = ?, first_sent_at = ?,"
                " tried_at = ?, attempts = ?, sender = ? WHERE seq = ?",
                values,
            )
        )
        self.entries = [updated if e.seq == updated.seq else e for e in self.entries]
        return updated

    async def remove(
        self, entries: list[QueuedWrite], delivered: dict[str, str] | None = None
    ) -> None:
        """Drop entries (sent or discarded), recording the real ids of delivered creates."""
        seqs = [e.seq for e in entries]
        at = stamp(utc_now())
        known = dict(delivered or {})

        def delete(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("DELETE FROM writes WHERE seq = ?", [(s,) for s in seqs])
                conn.executemany(
                    "INSERT OR REPLACE INTO delivered (placeholder, real_id, at) VALUES (?, ?, ?)",
                    [(p, r, at) for p, r in known.items()],
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        await self._run(delete)
        self.entries = [e for e in self.entries if e.seq not in seqs]
        self.delivered.update(known)

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )
        )
        self.meta[key] = value

    def changed_on_disk(self) -> bool:
        """Whether the file changed since it was last read (a cheap stat, no SQL)."""
        if self.path is None or self.in_memory:
            return False
        stamps = []
        for name in (str(self.path), f"{self.path}-wal"):
            try:
                stamps.append(os.stat(name).st_mtime_ns)
            except OSError:
                stamps.append(0)
        seen, self._seen_on_disk = self._seen_on_disk, tuple(stamps)
        return seen is not None and seen != self._seen_on_disk

    async def reload(self) -> None:
        """Read the file again (another console on the same context may have written)."""
        if not self._closed:
            await asyncio.wrap_future(self._executor.submit(self._load))

    def get(self, seq: int) -> QueuedWrite | None:
        return next((e for e in self.entries if e.seq == seq), None)

    # --- one deliverer per file ---------------------------------------------------------

    def try_lock(self) -> bool:
        """True when this process may deliver (one console per outbox file at a time)."""
        if self._lock_fd is not None or self.in_memory or self.path is None:
            return True
        try:
            fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return True  # no lock file possible: deliver anyway rather than never
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        with contextlib.suppress(RuntimeError):
            await asyncio.wrap_future(self._executor.submit(shut))
        self._executor.shutdown(wait=False)
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the lock
            self._lock_fd = None


class _Unusable(Exception):
    """The file is SQLite but not an outbox this version can use."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    text = str(exc) or type(exc).__name__
    if "not a database" in text or "malformed" in text:
        return "not an outbox, or damaged"
    return text


def _entry(row: tuple[Any, ...]) -> QueuedWrite | None:
    seq, path, request, key, state, error, created, first, tried, attempts, sender = row
    method = METHODS.get(path)
    if method is None or method.read_only or state not in STATES:
        return None
    try:
        parsed = method.request.model_validate_json(request)
    except (ValidationError, ValueError, json.JSONDecodeError):
        return None
    return QueuedWrite(
        seq=seq,
        method=method,
        request=parsed,
        key=key,
        state=state,
        error=error,
        created_at=created,
        first_sent_at=first,
        tried_at=tried,
        attempts=attempts,
        sender=sender,
    )
