"""The store's file, connection and worker thread.

One thread owns the one ``sqlite3`` connection, so SQLite never runs on the
event loop and calls are naturally serialised. Every write is one
``BEGIN IMMEDIATE`` transaction that also bumps the home screen counter.

A store opened with ``readers=N`` (the server) also keeps N query-only connections,
one per reader thread: reads run there, each in one read transaction (one snapshot,
WAL lets it run beside the writer and the other readers), so one slow query does not
hold up every other client. A read that starts after a write returned sees it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from incident_tui.backends.sqlite.schema import MIGRATIONS, OPTIONAL_INDEXES, SCHEMA_VERSION
from incident_tui.config import default_db_path, prepare_private_parent
from incident_tui.errors import BackendError, InvalidArgument, PermissionDenied, Unavailable

T = TypeVar("T")

THREAD_NAME = "incident-store"
#: The reader threads' names start with this (and so with ``THREAD_NAME``).
READER_THREAD_NAME = f"{THREAD_NAME}-reader"
DEFAULT_BUSY_TIMEOUT_MS = 5000
#: How much of the file each reader connection maps into memory (address space, shared with
#: the OS's file cache; the writer keeps plain reads).
READER_MMAP_BYTES = 1 << 30


#: ``sqlite3_config`` option (sqlite3.h): count every allocation (SQLite's default: on).
_SQLITE_CONFIG_MEMSTATUS = 9


def memory_statistics_off() -> bool:
    """Turn SQLite's memory statistics off for this process; True when they are off.

    With them on (SQLite's default), every allocation SQLite makes takes one mutex
    shared by the whole process. The server's reader threads build pages of JSON text
    inside SQLite (thousands of allocations a page) and queued on it: the page query on
    two threads gave 393 pages/s where one thread alone gave 721 (off: 2 040, and
    0.99 ms of CPU a page instead of 1.38). Nothing here reads the statistics.

    SQLite takes this setting only between ``sqlite3_shutdown`` and
    ``sqlite3_initialize`` (Python's module initialises it on import), which is safe only
    while nothing of SQLite is in use: the server calls this before it opens its store,
    and it changes nothing (returning False) when any SQLite memory is still allocated
    (an open connection, in this process). Python's sqlite3 module does not offer the
    call: it goes through ctypes to the very library that module uses.
    """
    try:
        import _sqlite3
        import ctypes

        lib = ctypes.CDLL(_sqlite3.__file__)
        used, malloc, free = lib.sqlite3_memory_used, lib.sqlite3_malloc, lib.sqlite3_free
        shutdown, initialize, config = (
            lib.sqlite3_shutdown,
            lib.sqlite3_initialize,
            lib.sqlite3_config,
        )
    except (ImportError, OSError, AttributeError):
        return False
    used.argtypes, used.restype = [], ctypes.c_int64
    malloc.argtypes, malloc.restype = [ctypes.c_int], ctypes.c_void_p
    free.argtypes, free.restype = [ctypes.c_void_p], None

    def counted() -> bool:
        """Whether allocations are being counted (a probe shows in the total)."""
        probe = malloc(64)
        try:
            return bool(used() > 0)
        finally:
            free(probe)

    if not counted():
        return True  # built without them, or already turned off
    if used() != 0 or shutdown() != 0:
        return False  # something of SQLite is in use: leave it as it is
    config(_SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0))
    if initialize() != 0:
        raise StoreError("SQLite could not be initialised again")
    return not counted()


class StoreError(Unavailable):
    """The store file cannot be used as it is (newer version, not a database, damaged)."""


def _translate(exc: sqlite3.Error, path: Path) -> BackendError:
    """Turn a raw sqlite3 error into a message fit for a person at 3 a.m."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return Unavailable(
            f"the store is busy: another program is writing to {path.name}; try again in a moment"
        )
    if "readonly" in text or "read-only" in text:
        return PermissionDenied(f"the store {path} is read-only (file or directory permissions)")
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return StoreError(
            f"{path} is not an incident-tui store (not a SQLite database, or damaged)"
        )
    if "full" in text:
        return Unavailable(f"the disk holding {path} is full")
    if "unable to open" in text or "disk i/o" in text:
        return Unavailable(f"cannot open or read the store {path}: {exc}")
    return Unavailable(f"the store failed: {exc}")


class Store:
    """The shared part of every SqliteBackend view: file, thread, connection.

    The connection is opened by the first task queued on the thread, so the
    constructor never blocks; ``ready()`` waits for it and raises open errors.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        readonly: bool = False,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        readers: int = 0,
    ) -> None:
        if readers < 0:
            raise ValueError("readers must not be negative")
        self.path = Path(path).expanduser() if path else default_db_path()
        self.readonly = readonly
        self.busy_timeout_ms = busy_timeout_ms
        self.readers = readers
        self.conn: sqlite3.Connection | None = None
        self._closed = False
        self._running: object = None  # the token of the call on the thread now
        self._running_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._opened: Future[None] = self._executor.submit(self._open)
        # Reader connections: one per reader thread, opened there on its first read.
        self._reader_pool = (
            ThreadPoolExecutor(max_workers=readers, thread_name_prefix=READER_THREAD_NAME)
            if readers
            else None
        )
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._reading: dict[object, sqlite3.Connection] = {}  # call token -> its connection

    # --- the thread -----------------------------------------------------------

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, interruptible: bool = False) -> T:
        """Run ``fn(conn)`` on the store thread; translate sqlite3 errors.

        A call cancelled while queued never runs; an ``interruptible`` one (a read) that
        is cancelled while running is interrupted, so the next call starts at once.
        """
        if self._closed:
            raise Unavailable("the store is closed")
        loop = asyncio.get_running_loop()
        token = object()
        try:
            return await loop.run_in_executor(self._executor, self._call_as, token, fn)
        except asyncio.CancelledError:
            if interruptible:
                with self._running_lock:
                    if self._running is token and self.conn is not None:
                        self.conn.interrupt()
            raise
        except RuntimeError as exc:  # executor shut down under us
            if self._closed:
                raise Unavailable("the store is closed") from None
            raise exc

    async def read(
        self, fn: Callable[[sqlite3.Connection], T], *, interruptible: bool = False
    ) -> T:
        """Run ``fn(conn)`` as one read: on a reader connection in one read transaction
        when the store has readers, else on the store thread like ``run``.

        An ``interruptible`` read cancelled while it runs is interrupted on its own
        connection, so a reader (or the store thread) is free for the next call at once.
        """
        if self._reader_pool is None:
            return await self.run(fn, interruptible=interruptible)
        if self._closed:
            raise Unavailable("the store is closed")
        loop = asyncio.get_running_loop()
        token = object()
        try:
            return await loop.run_in_executor(self._reader_pool, self._read_call, token, fn)
        except asyncio.CancelledError:
            if interruptible:
                with self._reader_lock:
                    conn = self._reading.get(token)
                    if conn is not None:
                        conn.interrupt()
            raise
        except RuntimeError as exc:  # executor shut down under us
            if self._closed:
                raise Unavailable("the store is closed") from None
            raise exc

    def _read_call(self, token: object, fn: Callable[[sqlite3.Connection], T]) -> T:
        self._opened.result()  # the writer has created and migrated the file
        try:
            conn = self._reader_conn()
            with self._reader_lock:
                self._reading[token] = conn
            conn.execute("BEGIN")  # deferred: the snapshot is taken at the first read
            try:
                return fn(conn)
            finally:
                with self._reader_lock:
                    self._reading.pop(token, None)
                if conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from None
        except UnicodeEncodeError:
            raise InvalidArgument(
                "the text holds characters that cannot be stored (unpaired surrogates)"
            ) from None

    def _reader_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                str(self.path),
                isolation_level=None,
                # Used by this thread only; closed from another once the pool has stopped.
                check_same_thread=False,
                timeout=self.busy_timeout_ms / 1000,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA cache_size = -16384")
            # Pages read straight from the OS's file cache through a shared mapping instead
            # of copied by a read() call each (the server's varied pages: -30% query time).
            conn.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
            conn.execute("PRAGMA query_only = ON")  # a reader never writes
            self._local.conn = conn
            with self._reader_lock:
                self._reader_conns.append(conn)
        return conn

    def _call_as(self, token: object, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._running_lock:
            self._running = token
        try:
            return self._call(fn)
        finally:
            with self._running_lock:
                self._running = None

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` inside one ``BEGIN IMMEDIATE`` transaction."""
        if self.readonly:
            raise PermissionDenied("this console is read-only: changes are switched off")
        return await self.run(lambda conn: self.transaction(conn, fn))

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking form for scripts (demo, benchmark) that are not on an event loop."""
        if self._closed:
            raise Unavailable("the store is closed")
        return self._executor.submit(self._call, fn).result()

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        self._opened.result()
        assert self.conn is not None
        try:
            return fn(self.conn)
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from None
        except UnicodeEncodeError:
            # Lone surrogates have no UTF-8 form; the JSON parser refuses them, Python may not.
            raise InvalidArgument(
                "the text holds characters that cannot be stored (unpaired surrogates)"
            ) from None

    @staticmethod
    def transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = conn.total_changes
            result = fn(conn)
            if conn.total_changes != before:  # a no-op call leaves the version alone
                conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'homescreen_version'")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    async def ready(self) -> None:
        """Wait until the file is open and migrated; raise why not."""
        await asyncio.wrap_future(self._opened)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        if self._reader_pool is not None:
            await loop.run_in_executor(None, self._close_readers)
        await loop.run_in_executor(self._executor, self._close_conn)
        self._executor.shutdown(wait=False)

    def close_sync(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._reader_pool is not None:
            self._close_readers()
        self._executor.submit(self._close_conn).result()
        self._executor.shutdown(wait=True)

    def _close_readers(self) -> None:
        """Let running reads finish, then close every reader connection."""
        assert self._reader_pool is not None
        self._reader_pool.shutdown(wait=True)
        with self._reader_lock:
            conns, self._reader_conns = self._reader_conns, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def _close_conn(self) -> None:
        if self.conn is not None:
            try:
                if not self.readonly:
                    self.conn.execute("PRAGMA optimize")  # cheap; keeps planner stats fresh
            except sqlite3.Error:
                pass
            try:
                self.conn.close()
            finally:
                self.conn = None

    # --- opening --------------------------------------------------------------

    def _open(self) -> None:
        try:
            self._open_checked()
        except sqlite3.Error as exc:
            self._close_conn()
            raise _translate(exc, self.path) from None
        except OSError as exc:  # stat/probe of a path we may not even look into
            self._close_conn()
            raise Unavailable(f"cannot open the store {self.path}: {exc.strerror or exc}") from None
        except BaseException:
            self._close_conn()
            raise

    def _open_checked(self) -> None:
        path = self.path
        if path.exists() and path.is_dir():
            raise StoreError(f"{path} is a directory, not a store file")
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            self._check_version_readonly(path)
        else:
            self._create_file(path)
        conn = sqlite3.connect(
            str(path),
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=True,
            timeout=self.busy_timeout_ms / 1000,
        )
        self.conn = conn
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal" and (not self.readonly or not existed):
            self._switch_to_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -16384")  # 16 MiB: a page of incidents stays hot
        self._migrate(conn, fresh=not existed)
        if self.readonly:
            conn.execute("PRAGMA query_only = ON")

    def _switch_to_wal(self, conn: sqlite3.Connection) -> None:
        """``PRAGMA journal_mode = WAL``, waiting up to the busy timeout for the lock.

        SQLite answers "database is locked" at once, without calling the busy handler,
        when another connection holds a write lock in rollback mode. That is the case when
        two consoles (or a console and a test's second writer) open a new file together:
        the first one's switch to WAL is itself such a write. So the wait is ours here;
        once the other has switched, the statement finds WAL and does nothing.
        """
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        pause = 0.005
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)  # on the store thread, never the event loop
            pause = min(pause * 2, 0.1)

    def _check_version_readonly(self, path: Path) -> None:
        """Read user_version without any chance of writing, and refuse newer stores."""
        uri = f"{path.resolve().as_uri()}?mode=ro"
        if not Path(f"{path}-wal").exists():
            # Nobody has it open in WAL mode: read the header without creating -wal/-shm.
            uri += "&immutable=1"
        probe = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout_ms / 1000)
        try:
            version = probe.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                # user_version 0 with tables that are not ours: refuse rather than guess.
                names = {r[0] for r in probe.execute("SELECT name FROM sqlite_schema")}
                if names and "incidents" not in names:
                    raise StoreError(
                        f"{path} is a SQLite database but not an incident-tui store; "
                        "pick another file with --db"
                    )
        finally:
            probe.close()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer incident-tui (store version {version}, "
                f"this one knows up to {SCHEMA_VERSION}); upgrade incident-tui to open it. "
                "The file was left untouched."
            )

    def _create_file(self, path: Path) -> None:
        try:
            prepare_private_parent(path, default_db_path())
        except OSError as exc:
            raise Unavailable(
                f"cannot create the folder {path.parent} for the store: {exc.strerror or exc}"
            ) from None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as exc:
            raise Unavailable(f"cannot create the store {path}: {exc.strerror}") from None
        os.close(fd)
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass

    def _migrate(self, conn: sqlite3.Connection, *, fresh: bool) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:  # raced with a newer writer since the probe
            raise StoreError(
                f"{self.path} was written by a newer incident-tui (store version {version})"
            )
        if version == SCHEMA_VERSION:
            if not self.readonly:
                for statement in OPTIONAL_INDEXES:
                    conn.execute(statement)
            return
        if self.readonly and not fresh:
            raise StoreError(
                f"{self.path} needs upgrading to store version {SCHEMA_VERSION}; "
                "open it once without --readonly"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _split_sql(MIGRATIONS[target - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
            for statement in OPTIONAL_INDEXES:
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would COMMIT our transaction)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
