"""SqliteBackend: the Backend protocol over the local store.

Construction never blocks: the file is opened by the first task on the store
thread, and the first call (or ``await SqliteBackend.open(...)``, which
waits) raises the reason if it cannot be used. ``as_user`` makes a light
view acting as someone else over the same store and thread; only the backend
that created the store closes it.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from incident_tui import models as m
from incident_tui.backends.base import Backend, Capabilities, CreateOnce, Method, Remembered
from incident_tui.backends.sqlite import encode, idempotency, queries, reads, writes
from incident_tui.backends.sqlite.bulk import BulkIncident, bulk_insert
from incident_tui.backends.sqlite.store import DEFAULT_BUSY_TIMEOUT_MS, Store
from incident_tui.backends.sqlite.timeutil import Clock, utc_now
from incident_tui.config import UserConfig
from incident_tui.errors import PermissionDenied, Unimplemented

T = TypeVar("T")

#: GetLabels without an incident: at most this many labels in use.
LABELS_IN_USE = 1000


def _same(body: bytes) -> bytes:
    return body


def default_user() -> m.UserPreview:
    """The person from the config's ``[user]`` table, else the login name."""
    try:
        from incident_tui.config import load_config

        cfg = load_config().user
    except Exception:  # a broken config must not stop the store; the UI reports it
        cfg = UserConfig()
    user = cfg.resolved()
    return m.UserPreview(user_id=user.id, name=user.name)


class _class_or_instance:  # noqa: N801 - used as a decorator
    """Bind a function to the instance when there is one, else to the class."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __get__(self, instance: object, owner: type) -> Callable[..., Any]:
        return functools.partial(self.fn, owner if instance is None else instance)


class SqliteBackend(Backend):
    """The local store, behaving like Grafana Incident."""

    def __init__(
        self,
        path: Path | str | None = None,
        user: m.UserPreview | None = None,
        *,
        readonly: bool = False,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        clock: Clock | None = None,
        readers: int = 0,
        _store: Store | None = None,
    ) -> None:
        self._owns_store = _store is None
        self._store = _store or Store(
            path, readonly=readonly, busy_timeout_ms=busy_timeout_ms, readers=readers
        )
        self._user = user if user and user.user_id else None
        self._clock: Clock = clock or utc_now

    @_class_or_instance
    async def open(
        target: type[SqliteBackend] | SqliteBackend,
        path: Path | str | None = None,
        user: m.UserPreview | None = None,
        *,
        readonly: bool = False,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        clock: Clock | None = None,
        readers: int = 0,
    ) -> SqliteBackend:
        """Wait until the file is open and migrated; raise StoreError/Unavailable if not.

        ``await SqliteBackend.open(path, user)`` constructs then waits;
        ``await backend.open()`` waits for an existing backend (returns it).
        ``readers``: reads run on that many query-only connections of their own, side by
        side (the server's many clients); 0 runs them on the store thread.
        """
        if isinstance(target, SqliteBackend):
            backend = target
        else:
            backend = target(
                path,
                user,
                readonly=readonly,
                busy_timeout_ms=busy_timeout_ms,
                clock=clock,
                readers=readers,
            )
        try:
            await backend._store.ready()
        except BaseException:
            await backend.close()
            raise
        return backend

    def as_user(self, user: m.UserPreview, *, clock: Clock | None = None) -> SqliteBackend:
        """A view acting as ``user`` over the same store and thread (closing it is a no-op)."""
        return SqliteBackend(user=user, clock=clock or self._clock, _store=self._store)

    @property
    def user(self) -> m.UserPreview:
        """Who acts; without one given, the config's person, read at the first write only
        (a server's or a reader's backend never needs it)."""
        if self._user is None:
            self._user = default_user()
        return self._user

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def readonly(self) -> bool:
        return self._store.readonly

    @property
    def capabilities(self) -> Capabilities:
        capabilities = Capabilities(
            name="local", system="the local store", acts_as_users=True, remembers_creates=True
        )
        return capabilities.restricted_to_reads() if self._store.readonly else capabilities

    async def close(self) -> None:
        if self._owns_store:
            await self._store.close()

    # --- plumbing -----------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock()

    async def _read(self, fn: Callable[[sqlite3.Connection, datetime], T]) -> T:
        now = self._now()
        # A read nobody waits for any more (a filter typed on) is interrupted.
        return await self._store.read(lambda conn: fn(conn, now), interruptible=True)

    async def _write(self, fn: Callable[[writes.Tx], T]) -> T:
        user, now = self.user, self._now()
        return await self._store.write(lambda conn: fn(writes.Tx(conn, user, now)))

    # --- extras the UI, server, demo and benchmark use -------------------------

    async def bulk_insert(
        self, incidents: Iterable[BulkIncident], users: Iterable[m.UserPreview] = ()
    ) -> int:
        """Load many incidents in one transaction (benchmark, imports); returns the count."""
        users = list(users)
        return await self._store.write(lambda conn: bulk_insert(conn, incidents, users))

    def bulk_insert_sync(
        self, incidents: Iterable[BulkIncident], users: Iterable[m.UserPreview] = ()
    ) -> int:
        if self._store.readonly:
            raise PermissionDenied("this console is read-only: changes are switched off")
        users = list(users)
        return self._store.run_sync(
            lambda conn: Store.transaction(conn, lambda c: bulk_insert(c, incidents, users))
        )

    async def count_incidents(self, query: m.IncidentsQuery | None = None) -> int:
        """Every incident in the store (a query is not counted here: ``counts`` is off)."""
        if query is not None:
            raise Unimplemented("the local store counts only all of its incidents")
        return await self._read(
            lambda conn, now: conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        )

    async def create_once(self, method: Method, request: m.Request, once: CreateOnce) -> Remembered:
        """The create and its idempotency key in one transaction (see ``idempotency.py``)."""
        return await self._write(lambda tx: idempotency.create_once(tx, method, request, once))

    async def encoded_reply(
        self,
        method: str,
        request: m.Request,
        pack: Callable[[bytes], bytes] | None = None,
    ) -> bytes | None:
        """The JSON reply of ``method`` (a backend method name) built straight from rows,
        for the methods that have such a path (the server's full-incident reads); else
        None. The bytes equal ``to_json_bytes()`` of the method's model reply.

        ``pack``: run on the reading thread with those bytes, its result returned instead
        (the server compresses there, off its event loop)."""
        finish = pack or _same
        if method == "query_incidents" and isinstance(request, m.QueryIncidentsRequest):
            asked = request
            return await self._read(
                lambda conn, now: finish(encode.query_incidents_json(conn, asked, now))
            )
        if method == "get_incident" and isinstance(request, m.GetIncidentRequest):
            incident_id = request.incident_id
            return await self._read(
                lambda conn, now: finish(encode.get_incident_json(conn, incident_id, now))
            )
        return None

    # --- change detection -------------------------------------------------------

    async def get_homescreen_version(
        self, request: m.GetHomescreenVersionRequest | None = None
    ) -> m.GetHomescreenVersionResponse:
        def read(conn: sqlite3.Connection, now: datetime) -> m.GetHomescreenVersionResponse:
            row = conn.execute("SELECT value FROM meta WHERE key = 'homescreen_version'").fetchone()
            return m.GetHomescreenVersionResponse(version=row[0] if row else 0)

        return await self._read(read)

    async def get_incident_version(
        self, request: m.GetIncidentVersionRequest
    ) -> m.GetIncidentVersionResponse:
        def read(conn: sqlite3.Connection, now: datetime) -> m.GetIncidentVersionResponse:
            row = reads.incident_row(conn, request.incident_id, "version")
            return m.GetIncidentVersionResponse(version=row[0])

        return await self._read(read)

    # --- ActivityService ----------------------------------------------------------

    async def add_activity(self, request: m.AddActivityRequest) -> m.AddActivityResponse:
        return await self._write(lambda tx: writes.add_activity(tx, request))

    async def query_activity(self, request: m.QueryActivityRequest) -> m.QueryActivityResponse:
        return await self._read(lambda conn, now: queries.query_activity(conn, request))

    async def remove_activity(self, request: m.RemoveActivityRequest) -> m.RemoveActivityResponse:
        return await self._write(lambda tx: writes.remove_activity(tx, request))

    async def update_activity_body(
        self, request: m.UpdateActivityBodyRequest
    ) -> m.UpdateActivityBodyResponse:
        return await self._write(lambda tx: writes.update_activity_body(tx, request))

    async def update_activity_event_time(
        self, request: m.UpdateActivityEventTimeRequest
    ) -> m.UpdateActivityEventTimeResponse:
        return await self._write(lambda tx: writes.update_activity_event_time(tx, request))

    # --- IncidentsService ---------------------------------------------------------

    async def add_label(self, request: m.AddLabelRequest) -> m.AddLabelResponse:
        return await self._write(lambda tx: writes.add_label(tx, request))

    async def assign_role(self, request: m.AssignRoleRequest) -> m.AssignRoleResponse:
        return await self._write(lambda tx: writes.assign_role(tx, request))

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        return await self._write(lambda tx: writes.create_incident(tx, request))

    async def get_incident(self, request: m.GetIncidentRequest) -> m.GetIncidentResponse:
        def read(conn: sqlite3.Connection, now: datetime) -> m.GetIncidentResponse:
            seq = reads.incident_seq(conn, request.incident_id)
            return m.GetIncidentResponse(incident=reads.load_incident(conn, seq, now))

        return await self._read(read)

    async def get_incident_membership(
        self, request: m.GetIncidentMembershipRequest
    ) -> m.GetIncidentMembershipResponse:
        def read(conn: sqlite3.Connection, now: datetime) -> m.GetIncidentMembershipResponse:
            seq = reads.incident_seq(conn, request.incident_id)
            return m.GetIncidentMembershipResponse(assignments=reads.membership(conn, seq))

        return await self._read(read)

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        return await self._read(lambda conn, now: queries.query_incidents(conn, request, now))

    async def query_incident_previews(
        self, request: m.QueryIncidentPreviewsRequest
    ) -> m.QueryIncidentPreviewsResponse:
        return await self._read(
            lambda conn, now: queries.query_incident_previews(conn, request, now)
        )

    async def get_labels(self, request: m.GetLabelsRequest) -> m.GetLabelsResponse:
        def read(conn: sqlite3.Connection, now: datetime) -> m.GetLabelsResponse:
            if not request.incident_id:
                return m.GetLabelsResponse(labels=reads.labels_in_use(conn, LABELS_IN_USE))
            seq = reads.incident_seq(conn, request.incident_id)
            return m.GetLabelsResponse(labels=reads.incident_labels(conn, seq))

        return await self._read(read)

    async def remove_label(self, request: m.RemoveLabelRequest) -> m.RemoveLabelResponse:
        return await self._write(lambda tx: writes.remove_label(tx, request))

    async def unassign_role(self, request: m.UnassignRoleRequest) -> m.UnassignRoleResponse:
        return await self._write(lambda tx: writes.unassign_role(tx, request))

    async def update_incident_event_time(
        self, request: m.UpdateIncidentEventTimeRequest
    ) -> m.UpdateIncidentEventTimeResponse:
        return await self._write(lambda tx: writes.update_event_time(tx, request))

    async def update_incident_is_drill(
        self, request: m.UpdateIncidentIsDrillRequest
    ) -> m.UpdateIncidentIsDrillResponse:
        return await self._write(lambda tx: writes.update_is_drill(tx, request))

    async def update_severity(self, request: m.UpdateSeverityRequest) -> m.UpdateSeverityResponse:
        return await self._write(lambda tx: writes.update_severity(tx, request))

    async def update_status(self, request: m.UpdateStatusRequest) -> m.UpdateStatusResponse:
        return await self._write(lambda tx: writes.update_status(tx, request))

    async def update_title(self, request: m.UpdateTitleRequest) -> m.UpdateTitleResponse:
        return await self._write(lambda tx: writes.update_title(tx, request))

    async def update_incident_summary(
        self, request: m.UpdateIncidentSummaryRequest
    ) -> m.UpdateIncidentSummaryResponse:
        return await self._write(lambda tx: writes.update_incident_summary(tx, request))

    # --- RolesService -------------------------------------------------------------

    async def archive_role(self, request: m.ArchiveRoleRequest) -> m.ArchiveRoleResponse:
        await self._write(lambda tx: writes.set_role_archived(tx, request.role_id, True))
        return m.ArchiveRoleResponse()

    async def create_role(self, request: m.CreateRoleRequest) -> m.CreateRoleResponse:
        return await self._write(lambda tx: writes.create_role(tx, request))

    async def delete_role(self, request: m.DeleteRoleRequest) -> m.DeleteRoleResponse:
        await self._write(lambda tx: writes.delete_role(tx, request.role_id))
        return m.DeleteRoleResponse()

    async def get_roles(self, request: m.GetRolesRequest | None = None) -> m.GetRolesResponse:
        return await self._read(lambda conn, now: m.GetRolesResponse(roles=reads.list_roles(conn)))

    async def unarchive_role(self, request: m.UnarchiveRoleRequest) -> m.UnarchiveRoleResponse:
        await self._write(lambda tx: writes.set_role_archived(tx, request.role_id, False))
        return m.UnarchiveRoleResponse()

    async def update_role(self, request: m.UpdateRoleRequest) -> m.UpdateRoleResponse:
        return await self._write(lambda tx: writes.update_role(tx, request))

    # --- TasksService -------------------------------------------------------------

    async def add_task(self, request: m.AddTaskRequest) -> m.AddTaskResponse:
        return await self._write(lambda tx: writes.add_task(tx, request))

    async def delete_task(self, request: m.DeleteTaskRequest) -> m.DeleteTaskResponse:
        return await self._write(lambda tx: writes.delete_task(tx, request))

    async def update_task_status(
        self, request: m.UpdateTaskStatusRequest
    ) -> m.UpdateTaskStatusResponse:
        return await self._write(lambda tx: writes.update_task_status(tx, request))

    async def update_task_text(self, request: m.UpdateTaskTextRequest) -> m.UpdateTaskTextResponse:
        return await self._write(lambda tx: writes.update_task_text(tx, request))

    async def update_task_user(self, request: m.UpdateTaskUserRequest) -> m.UpdateTaskUserResponse:
        return await self._write(lambda tx: writes.update_task_user(tx, request))

    # --- UsersService -------------------------------------------------------------

    async def get_user(self, request: m.GetUserRequest) -> m.GetUserResponse:
        return await self._read(
            lambda conn, now: m.GetUserResponse(user=reads.load_full_user(conn, request.user_id))
        )

    async def query_users(self, request: m.QueryUsersRequest | None = None) -> m.QueryUsersResponse:
        asked = request or m.QueryUsersRequest()
        return await self._read(lambda conn, now: queries.query_users(conn, asked))
