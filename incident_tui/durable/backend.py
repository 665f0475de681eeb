"""DurableBackend: a remote context's Backend that loses no write and repeats none blindly.

It wraps any Backend (the RPC client, in practice) and overrides ``dispatch`` once:

- Every write is put in the outbox file before it is sent and taken out when the
  remote has answered, so even a ``kill -9`` mid-send leaves a trace to finish.
- A write that never left (``Unreachable``) stays in the outbox and the caller gets
  its answer at once: placeholders for creates (``queued-12``), shown by reads
  where they belong. The outbox is delivered in order, by one console per file,
  as soon as the remote answers again (also after a restart).
- A create that may have landed (``Indeterminate``, a lost answer) is never sent
  again before reading what would show it (``reconcile.py``); then it is marked
  done, or re-sent under the idempotency key it first went with.
- A queued write the remote refuses stays, with the remote's words, to be fixed,
  retried or discarded. Writes on a queued object (a note on a queued incident)
  wait for it and are sent with its real id.
- Reads that fail because the remote is away answer from the last good copy, and
  the layer keeps what the console's header shows: offline since when, the time
  of the last answer, how many writes wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from incident_tui import models as m
from incident_tui.backends.base import (
    Backend,
    Capabilities,
    Method,
    call,
    idempotency_key,
)
from incident_tui.durable import overlay, reconcile
from incident_tui.durable.outbox import (
    QUEUED,
    REFUSED,
    SENDING,
    UNCONFIRMED,
    Outbox,
    QueuedWrite,
    placeholder_seq,
    stamp,
    utc_now,
)
from incident_tui.errors import (
    BackendError,
    Indeterminate,
    InvalidArgument,
    NotFound,
    Unavailable,
    Unimplemented,
    Unreachable,
)

log = logging.getLogger(__name__)

#: Seconds between delivery attempts while the remote stays away (the last one repeats).
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 15.0)
#: How often an idle outbox is read again (another console on the same context).
IDLE_RELOAD = 5.0
CACHE_SIZE = 64
#: Writes whose re-send may find the object already gone (the first one landed).
REMOVALS = frozenset(
    {"remove_activity", "delete_task", "remove_label", "delete_role", "unassign_role"}
)
_DONE, _LATER, _BLOCKED = "done", "later", "blocked"


@dataclass(frozen=True)
class OutboxEvent:
    """Something the console shows: ``queued``, ``unconfirmed``, ``delivered``,
    ``confirmed`` (it had landed), ``refused``, ``online``, ``offline``, ``capabilities``."""

    kind: str
    message: str = ""
    entry: QueuedWrite | None = None


Listener = Callable[[OutboxEvent], None]


class DurableBackend(Backend):
    """See the module docstring. ``user`` is shown as the author of queued objects until
    the remote has said who this console's token writes as."""

    def __init__(
        self,
        inner: Backend,
        outbox_path: Path | None,
        *,
        user: m.UserPreview | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.inner = inner
        self.outbox = Outbox(outbox_path)
        self.user = user
        self._clock = clock
        self._monotonic = monotonic
        self._retry_delays = retry_delays or RETRY_DELAYS
        self._listeners: list[Listener] = []
        self._cache: OrderedDict[tuple[str, bytes], m.Response] = OrderedDict()
        self._direct: set[int] = set()
        self._wake: asyncio.Event | None = None
        #: Held while one delivery attempt runs: the person's retry/fix/discard waits for it.
        self._delivering: asyncio.Lock | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._read_only_reason = ""
        self._closed = False
        #: When the remote was first found unreachable (None while it answers).
        self.offline_since: datetime | None = None
        #: ``monotonic()`` of the last answer from the remote (None before the first).
        self.last_ok: float | None = None
        self.last_error = ""

    # --- the Backend face ----------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return replace(self.inner.capabilities, acts_as_users=False, remembers_creates=False)

    @property
    def notices(self) -> list[str]:
        """Messages about the outbox file for the person (set aside, in memory)."""
        return list(self.outbox.notices)

    async def open(self) -> DurableBackend:
        await self.inner.open()
        await self.outbox.open()
        self._read_only_reason = self.inner.capabilities.read_only_reason
        return self

    async def close(self) -> None:
        self._closed = True
        flusher, self._flusher = self._flusher, None
        if flusher is not None and not flusher.done():
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await flusher
        await self.outbox.close()
        await self.inner.close()

    async def count_incidents(self, query: m.IncidentsQuery | None = None) -> int:
        """The remote's count, while no write waits in the outbox (a queued declare or
        change is not in it: ``Unimplemented`` then, and the caller lists instead)."""
        if self.entries:
            raise Unimplemented("changes waiting in the outbox are not in the remote's count")
        try:
            count = await self.inner.count_incidents(query)
        except Unavailable as exc:
            self._failed(exc)
            raise
        self._answered()
        return count

    async def dispatch(self, method: Method, request: m.Request) -> m.Response:
        self._ensure_flusher()
        if method.read_only:
            return await self._read(method, request)
        return await self._write(method, request)

    # --- what the console shows ----------------------------------------------------------

    @property
    def entries(self) -> list[QueuedWrite]:
        """Queued writes, oldest first (writes being sent right now by a caller excluded)."""
        return [e for e in self.outbox.entries if e.seq not in self._direct]

    @property
    def waiting(self) -> int:
        """Writes still to be delivered (refused ones excluded)."""
        return sum(1 for e in self.entries if e.state != REFUSED)

    @property
    def refused(self) -> int:
        return sum(1 for e in self.entries if e.state == REFUSED)

    @property
    def host(self) -> str:
        capabilities = self.inner.capabilities
        return capabilities.extra.get("url", "") or capabilities.name

    def entry_for(self, object_id: str) -> QueuedWrite | None:
        """The newest queued write about an object (a queued one, or one with queued changes)."""
        if not object_id:
            return None
        found = None
        for entry in self.entries:
            if object_id == entry.placeholder or object_id in _targets(entry):
                found = entry
        return found

    def blocker_of(self, entry: QueuedWrite) -> QueuedWrite | None:
        """The refused (or blocked) queued create this write waits for, if any."""
        for value in overlay.ids_in(entry.request):
            seq = placeholder_seq(value)
            waited = self.outbox.get(seq) if seq is not None else None
            if waited is not None and waited.seq != entry.seq:
                if waited.state == REFUSED:
                    return waited
                deeper = self.blocker_of(waited)
                if deeper is not None:
                    return deeper
        return None

    def describe(self, entry: QueuedWrite) -> str:
        return overlay.describe(entry)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def kick(self) -> None:
        """Try to deliver now (the remote answered, or the person asked)."""
        self._ensure_flusher()
        if self._wake is not None:
            self._wake.set()

    async def retry(self, seq: int) -> None:
        """Send a refused write again as it is (after the cause was fixed elsewhere)."""
        async with self._between_attempts():
            entry = self.outbox.get(seq)
            if entry is None:
                raise NotFound("that write is no longer in the outbox")
            state = UNCONFIRMED if entry.method.creates and entry.may_have_landed else QUEUED
            await self.outbox.update(entry, state=state, error="")
        self.kick()

    async def edit(self, seq: int, text: str) -> None:
        """Fix the text of a refused write (note, task, title, summary) and send it again."""
        async with self._between_attempts():
            entry = self.outbox.get(seq)
            if entry is None:
                raise NotFound("that write is no longer in the outbox")
            field = overlay.text_field(entry)
            if field is None:
                raise InvalidArgument("this write has no text to edit; retry or discard it")
            request = entry.request.model_copy(update={field: text})
            await self.outbox.update(entry, request=request, state=QUEUED, error="")
        self.kick()

    async def discard(self, seq: int) -> list[QueuedWrite]:
        """Drop a queued write and every queued write that depends on it; returns them."""
        async with self._between_attempts():
            entry = self.outbox.get(seq)
            if entry is None:
                return []
            if entry.state == SENDING and entry.sent_by_a_live_process:
                raise InvalidArgument("that write is being sent right now; wait for its answer")
            doomed = [entry, *self.dependents(entry)]
            await self.outbox.remove(doomed)
        self._emit(OutboxEvent("changed"))
        return doomed

    # --- reads ----------------------------------------------------------------------------

    async def _read(self, method: Method, request: m.Request) -> m.Response:
        request = overlay.rewrite_ids(request, self.outbox.delivered)
        incident_id = getattr(request, "incident_id", None)
        if isinstance(request, m.QueryActivityRequest):
            incident_id = request.query.incident_id
        if placeholder_seq(incident_id) is not None:
            return self._read_queued_incident(method, request, str(incident_id))
        entries = self.entries
        me = self._shown_me()
        inner_request = request
        queued: list[m.Incident] = []
        if isinstance(request, m.QueryIncidentsRequest | m.QueryIncidentPreviewsRequest):
            queued, inner_request = self._first_page(request, entries, me)
        key = (method.path, request.to_json_bytes())  # the asked page, however it was filled
        try:
            response = await call(self.inner, method, inner_request)
        except Unavailable as exc:
            self._failed(exc)
            cached = None if method.extension else self._cache.get(key)
            if cached is None:
                raise
            response = cached
            response = _trimmed(request, response, len(queued))
        except BackendError:
            self._answered()
            raise
        else:
            self._answered()
            if not method.extension:
                self._cache[key] = response
                self._cache.move_to_end(key)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return self._overlay(method, request, response, entries, me, queued)

    def _first_page(
        self,
        request: m.QueryIncidentsRequest | m.QueryIncidentPreviewsRequest,
        entries: list[QueuedWrite],
        me: m.UserPreview,
    ) -> tuple[list[m.Incident], m.Request]:
        """Queued incidents a first page lists, and the request asking the remote for the
        rest of it (so the page keeps its size and its cursor stays right)."""
        if request.cursor.next_value:
            return [], request
        asked = request.query
        wanted = asked if isinstance(asked, m.IncidentsQuery) else overlay.as_incidents_query(asked)
        queued = overlay.matching_incidents(entries, wanted, me, self._clock())
        if not queued or asked.limit <= len(queued):
            return queued, request
        smaller = asked.model_copy(update={"limit": asked.limit - len(queued)})
        return queued, request.model_copy(update={"query": smaller})

    def _overlay(
        self,
        method: Method,
        request: m.Request,
        response: m.Response,
        entries: list[QueuedWrite],
        me: m.UserPreview,
        queued: list[m.Incident],
    ) -> m.Response:
        if not entries:
            return response
        if isinstance(response, m.QueryIncidentsResponse):
            shown = [overlay.apply_to_incident(i, entries, me) for i in response.incidents]
            return response.model_copy(update={"incidents": queued + shown})
        if isinstance(response, m.QueryIncidentPreviewsResponse):
            previews = [overlay.preview_of(i) for i in queued]
            previews += [
                overlay.apply_to_preview(p, entries, me) for p in response.incident_previews
            ]
            return response.model_copy(update={"incident_previews": previews})
        if isinstance(response, m.GetIncidentResponse):
            incident = overlay.apply_to_incident(response.incident, entries, me)
            return response.model_copy(update={"incident": incident})
        if isinstance(response, m.QueryActivityResponse) and isinstance(
            request, m.QueryActivityRequest
        ):
            return overlay.apply_to_timeline(response, request, entries, me)
        return response

    def _read_queued_incident(
        self, method: Method, request: m.Request, placeholder: str
    ) -> m.Response:
        """Reads of an incident that exists only in the outbox so far."""
        seq = placeholder_seq(placeholder)
        create = self.outbox.get(seq) if seq is not None else None
        if create is None or not isinstance(create.request, m.CreateIncidentRequest):
            raise NotFound(f"incident {placeholder} was discarded from the outbox")
        entries, me = self.entries, self._shown_me()
        if isinstance(request, m.GetIncidentRequest):
            incident = overlay.pending_incident(create, me)
            incident = overlay.apply_to_incident(incident, entries, me)
            return m.GetIncidentResponse(incident=incident)
        if isinstance(request, m.QueryActivityRequest):
            empty = m.QueryActivityResponse(query=request.query)
            return overlay.apply_to_timeline(empty, request, entries, me)
        if isinstance(request, m.GetIncidentVersionRequest):
            mine = overlay.for_incident(entries, placeholder)
            return m.GetIncidentVersionResponse(version=sum(e.seq for e in mine) + len(mine))
        return method.response()

    # --- writes ---------------------------------------------------------------------------

    async def _write(self, method: Method, request: m.Request) -> m.Response:
        request = overlay.rewrite_ids(request, self.outbox.delivered)
        waits_for_queued = self._waits_for(request)
        now = self._clock()
        if waits_for_queued or self._must_wait():
            entry = await self.outbox.add(method, request, QUEUED, now)
            self._emit(OutboxEvent("queued", self._queued_message(entry), entry))
            self.kick()
            return overlay.answer(entry, self._shown_me(), self.entries)
        entry = await self.outbox.add(method, request, SENDING, now, sent=True)
        self._direct.add(entry.seq)
        try:
            try:
                with idempotency_key(entry.key):
                    response = await call(self.inner, method, request)
            except asyncio.CancelledError:
                # Abandoned mid-send: it may have left. Read before it is ever sent again.
                await asyncio.shield(self._after_failure(entry, Indeterminate("cancelled")))
                raise
            except Unavailable as exc:
                entry = await self._after_failure(entry, exc)
                kind = "unconfirmed" if entry.state == UNCONFIRMED else "queued"
                message = (
                    self._unconfirmed_message(entry)
                    if kind == "unconfirmed"
                    else self._queued_message(entry)
                )
                self._emit(OutboxEvent(kind, message, entry))
                self.kick()
                return overlay.answer(entry, self._shown_me(), self.entries)
            except BackendError:
                self._answered()
                await self.outbox.remove([entry])
                raise
            self._answered()
            await self._delivered(entry, response, direct=True)
            return response
        finally:
            self._direct.discard(entry.seq)

    async def _after_failure(self, entry: QueuedWrite, exc: Unavailable) -> QueuedWrite:
        """Keep a write that failed for want of the remote: queued if it never left,
        unconfirmed if it may have (creates), queued again otherwise."""
        self._failed(exc)
        if isinstance(exc, Unreachable):  # this attempt never left; an earlier one may have
            state = UNCONFIRMED if entry.method.creates and entry.may_have_landed else QUEUED
            return await self.outbox.update(entry, state=state, error=exc.message)
        first = entry.first_sent_at or entry.tried_at or stamp(self._clock())
        state = UNCONFIRMED if entry.method.creates else QUEUED
        return await self.outbox.update(entry, state=state, first_sent_at=first, error=exc.message)

    def _must_wait(self) -> bool:
        """Whether a new write goes behind the queue (remote away, or writes ahead of it)."""
        if self.offline_since is not None:
            return True
        return any(
            e.state in (QUEUED, UNCONFIRMED) or (e.state == SENDING and e.seq not in self._direct)
            for e in self.outbox.entries
        )

    def _waits_for(self, request: m.Request) -> bool:
        """Whether the request names a queued object (it must follow its create)."""
        waits = False
        for value in overlay.ids_in(request):
            seq = placeholder_seq(value)
            if seq is None:
                continue
            if self.outbox.get(seq) is None:
                raise NotFound(f"{value} was discarded from the outbox")
            waits = True
        return waits

    def dependents(self, entry: QueuedWrite) -> list[QueuedWrite]:
        """Queued writes on what ``entry`` creates (and on what they create), in order."""
        names = {entry.placeholder, entry.role_placeholder}
        found: list[QueuedWrite] = []
        for other in self.outbox.entries:
            if other.seq == entry.seq:
                continue
            if any(value in names for value in overlay.ids_in(other.request)):
                found.append(other)
                names |= {other.placeholder, other.role_placeholder}
        return found

    # --- delivery -------------------------------------------------------------------------

    def _ensure_flusher(self) -> None:
        if self._closed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._flusher is not None and not self._flusher.done() and self._loop is loop:
            return
        self._loop = loop
        self._wake = asyncio.Event()
        self._delivering = asyncio.Lock()
        self._flusher = loop.create_task(self._flush_loop(), name="outbox-delivery")

    async def _flush_loop(self) -> None:
        failures = 0
        while not self._closed:
            try:
                entry = self._next_deliverable()
                if entry is None:
                    await self._sleep(IDLE_RELOAD)
                    if self.outbox.changed_on_disk():  # another console on this context
                        await self.outbox.reload()
                    continue
                if not self.outbox.try_lock():
                    await self._sleep(IDLE_RELOAD)
                    await self.outbox.reload()
                    continue
                async with self._between_attempts():
                    current = self.outbox.get(entry.seq)  # the person may have changed it
                    outcome = await self._deliver(current) if current is not None else _DONE
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must outlive any surprise
                log.exception("outbox delivery failed")
                outcome = _LATER
            if outcome == _LATER:
                await self._sleep(self._retry_delays[min(failures, len(self._retry_delays) - 1)])
                failures += 1
            else:
                failures = 0

    @contextlib.asynccontextmanager
    async def _between_attempts(self) -> AsyncIterator[None]:
        """No delivery attempt runs inside this block (this console's; others' may)."""
        self._ensure_flusher()
        if self._delivering is None:
            yield
            return
        async with self._delivering:
            yield

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def _next_deliverable(self) -> QueuedWrite | None:
        blocked: set[int] = set()
        for entry in self.outbox.entries:
            if entry.seq in self._direct:
                continue
            refs = {placeholder_seq(v) for v in overlay.ids_in(entry.request)} - {None}
            if entry.state == REFUSED or refs & blocked:
                blocked.add(entry.seq)
                continue
            if entry.state == SENDING and entry.sent_by_a_live_process:
                return None  # another console is sending it: keep the order, wait
            return entry
        return None

    async def _deliver(self, entry: QueuedWrite) -> str:
        request = overlay.rewrite_ids(entry.request, self.outbox.delivered)
        if any(placeholder_seq(v) is not None for v in overlay.ids_in(request)):
            return _BLOCKED  # its create is not delivered (cannot happen in order)
        if entry.state == SENDING:  # left by a console that died mid-send
            first = entry.first_sent_at or entry.tried_at or entry.created_at
            entry = await self.outbox.update(
                entry, state=UNCONFIRMED if entry.method.creates else QUEUED, first_sent_at=first
            )
        if entry.state == UNCONFIRMED and entry.method.creates:
            try:
                landed = await reconcile.find_landed(
                    self.inner,
                    entry,
                    request,
                    me=self._me(),
                    known_ids=set(self.outbox.delivered.values()),
                )
            except Unavailable as exc:
                self._failed(exc)
                return _LATER
            except reconcile.CannotTell as exc:
                await self._refuse(entry, f"{exc}: check, then retry or discard it")
                return _DONE
            except BackendError:
                self._answered()
                landed = None  # e.g. its incident is gone: the send below says why
            else:
                self._answered()
            if landed is not None:
                await self._delivered(entry, landed, confirmed=True)
                return _DONE
        now = stamp(self._clock())
        entry = await self.outbox.update(
            entry, state=SENDING, tried_at=now, attempts=entry.attempts + 1
        )
        try:
            with idempotency_key(entry.key):
                response = await call(self.inner, entry.method, request)
        except Unavailable as exc:
            await self._after_failure(entry, exc)
            return _LATER
        except BackendError as exc:
            self._answered()
            if (
                isinstance(exc, NotFound)
                and entry.may_have_landed
                and entry.method.backend_method in REMOVALS
            ):
                await self._delivered(entry, entry.method.response(), confirmed=True)
            else:
                await self._refuse(entry, exc.message or type(exc).__name__)
            return _DONE
        self._answered()
        await self._delivered(entry, response)
        return _DONE

    async def _refuse(self, entry: QueuedWrite, message: str) -> None:
        entry = await self.outbox.update(entry, state=REFUSED, error=message)
        self._emit(
            OutboxEvent(
                "refused",
                f"{self.host} refused the queued {overlay.describe(entry)}: {message}."
                " It stays in the outbox (:outbox) to fix, retry or discard.",
                entry,
            )
        )

    async def _delivered(
        self,
        entry: QueuedWrite,
        response: m.Response,
        *,
        confirmed: bool = False,
        direct: bool = False,
    ) -> None:
        """Take a write out once the remote has it; remember what its create made."""
        made = overlay.created_id(entry.method.backend_method, response)
        known = {overlay.placeholder_key(entry, made[0]): made[1]} if made and made[1] else {}
        if direct and made:
            known = {f"sent-{entry.seq}": made[1]}  # never shown as a placeholder; still known
        await self.outbox.remove([entry], known)
        author = overlay.author_of(response)
        if author is not None and author.user_id != (self._me() or m.UserPreview()).user_id:
            await self.outbox.set_meta("me", author.to_json())
        if direct:
            return
        if confirmed:
            message = (
                f"The queued {overlay.describe(entry)} had gone through; it was not sent again."
            )
            self._emit(OutboxEvent("confirmed", message, entry))
        else:
            self._emit(
                OutboxEvent("delivered", f"Sent from the outbox: {overlay.describe(entry)}.", entry)
            )

    # --- link state -------------------------------------------------------------------------

    def _answered(self) -> None:
        self.last_ok = self._monotonic()
        recovered, self.last_error = bool(self.last_error), ""
        if self.offline_since is not None:
            self.offline_since = None
            self._emit(OutboxEvent("online", f"{self.host} answers again."))
        if recovered and self.outbox.entries:
            self.kick()  # it answers again: deliver now, not at the next back-off
        self._check_capabilities()

    def _failed(self, exc: Unavailable) -> None:
        self.last_error = exc.message
        if isinstance(exc, Unreachable) and self.offline_since is None:
            self.offline_since = self._clock()
            self._emit(OutboxEvent("offline", exc.message))
        self._check_capabilities()

    def _check_capabilities(self) -> None:
        reason = self.inner.capabilities.read_only_reason
        if reason != self._read_only_reason:
            self._read_only_reason = reason
            self._emit(OutboxEvent("capabilities", reason))

    def _emit(self, event: OutboxEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop delivery
                log.exception("outbox listener failed")

    def _me(self) -> m.UserPreview | None:
        raw = self.outbox.meta.get("me")
        if not raw:
            return None
        try:
            return m.UserPreview.model_validate(json.loads(raw))
        except ValueError:
            return None

    def _shown_me(self) -> m.UserPreview:
        return self._me() or self.user or m.UserPreview(user_id="", name="you")

    def _queued_message(self, entry: QueuedWrite) -> str:
        return (
            f"Saved in the outbox: {overlay.describe(entry)}. It will be sent when"
            f" {self.host} answers."
        )

    def _unconfirmed_message(self, entry: QueuedWrite) -> str:
        return (
            f"No answer from {self.host}: the {overlay.describe(entry)} may have gone through."
            " It will be checked before anything is sent again; nothing to retry."
        )


def _trimmed(request: m.Request, response: m.Response, queued: int) -> m.Response:
    """A first page from the last good copy, cut so that the queued incidents fit in it."""
    limit = getattr(getattr(request, "query", None), "limit", 0)
    if not queued or not limit:
        return response
    keep = max(limit - queued, 0)
    if isinstance(response, m.QueryIncidentsResponse):
        return response.model_copy(update={"incidents": response.incidents[:keep]})
    if isinstance(response, m.QueryIncidentPreviewsResponse):
        return response.model_copy(update={"incident_previews": response.incident_previews[:keep]})
    return response


def _targets(entry: QueuedWrite) -> set[str]:
    """The ids of the objects a write changes (its task or note, else its incident)."""
    r = entry.request
    for name in ("activity_item_id", "task_id"):
        value = getattr(r, name, "")
        if value:
            return {str(value)}
    if isinstance(r, m.AddActivityRequest | m.AddTaskRequest):
        return set()
    value = getattr(r, "incident_id", "")
    return {str(value)} if value else set()
