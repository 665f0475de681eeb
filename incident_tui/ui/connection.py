"""The console's view of a remote link: the header's state, queued marks, and messages.

For a remote context the backend is a ``DurableBackend``; this follows its events so
the person sees at once what happened to a change (queued, may have gone through,
sent, refused), sees in the header when the data on screen is stale or the remote
offline (``offline since 03:12 · 2 queued``, ``stale 45s``), and sees queued objects
marked where they are shown. A local context has none of this: its text is empty.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from incident_tui.durable import REFUSED, UNCONFIRMED, DurableBackend, OutboxEvent, QueuedWrite
from incident_tui.text import one_line

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend

#: Header text of a healthy link: nothing (the header stays quiet, and so does the terminal).
HEALTHY = ""


@dataclass(frozen=True)
class Mark:
    """How a queued object is marked where it is shown."""

    word: str  # queued | checking | refused | waiting
    detail: str = ""
    #: The object itself exists only in the outbox (declared, noted, added while away).
    new: bool = False

    @property
    def text(self) -> str:
        glyph = {"refused": "✗", "checking": "?"}.get(self.word, "⧗")
        shown = f"{glyph} {self.word}"
        return f"{shown}: {one_line(self.detail, 60)}" if self.detail else shown

    @property
    def style(self) -> str:
        return "bold $error" if self.word == "refused" else "bold $warning"

    @property
    def short(self) -> str:
        """One word for a narrow column (the incident list's status)."""
        return self.word.upper()


def mark_of(durable: DurableBackend, entry: QueuedWrite, object_id: str) -> Mark:
    new = object_id == entry.placeholder
    if entry.state == REFUSED:
        return Mark("refused", entry.error, new)
    if durable.blocker_of(entry) is not None:
        return Mark("waiting", new=new)
    if entry.state == UNCONFIRMED:
        return Mark("checking", new=new)
    return Mark("queued", new=new)


class LinkWatch:
    """Follows the app's backend when it is durable (see the module docstring).

    ``notify(text, severity)`` shows a message; ``changed()`` asks the screens to read
    again; ``capabilities(reason)`` re-applies read-only; ``poll_interval`` says when
    data counts as stale (two intervals without an answer).
    """

    def __init__(
        self,
        *,
        notify: Callable[[str, str], None],
        changed: Callable[[], None],
        capabilities: Callable[[str], None],
        refresh: Callable[[], None],
        poll_interval: float,
        monotonic: Callable[[], float] = time.monotonic,
        call_on_app_thread: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self._notify = notify
        self._changed = changed
        self._capabilities = capabilities
        self._refresh = refresh
        self.poll_interval = poll_interval
        self._monotonic = monotonic
        self._call = call_on_app_thread
        self._thread = threading.get_ident()
        self.durable: DurableBackend | None = None
        self._attached_at = monotonic()
        self._sent = 0

    def attach(self, backend: Backend) -> None:
        self.detach()
        if isinstance(backend, DurableBackend):
            self.durable = backend
            self._attached_at = self._monotonic()
            backend.subscribe(self._on_event)
            for notice in backend.notices:
                self._notify(notice, "warning")
            if backend.entries:
                waiting = backend.waiting
                self._notify(
                    f"{waiting} change{'s' if waiting != 1 else ''} from an earlier session"
                    f" wait in the outbox (:outbox); sending when {backend.host} answers.",
                    "warning",
                )
                backend.kick()

    def detach(self) -> None:
        if self.durable is not None:
            self.durable.unsubscribe(self._on_event)
            self.durable = None

    # --- what screens show -----------------------------------------------------------------

    def status(self) -> str:
        """The header's text (see ``widgets/link_state.py``)."""
        durable = self.durable
        if durable is None:
            return HEALTHY
        parts: list[str] = []
        if durable.offline_since is not None:
            parts.append(f"offline since {durable.offline_since.astimezone():%H:%M}")
        else:
            last = durable.last_ok if durable.last_ok is not None else self._attached_at
            age = self._monotonic() - last
            if age > 2 * self.poll_interval:
                parts.append(f"stale {math.ceil(age)}s")
        if durable.waiting:
            parts.append(f"{durable.waiting} queued")
        if durable.refused:
            parts.append(f"{durable.refused} refused")
        return " · ".join(parts)

    def mark_for(self, object_id: str) -> Mark | None:
        """How to mark an incident, note or task that exists (or changed) only in the outbox."""
        durable = self.durable
        if durable is None:
            return None
        entry = durable.entry_for(object_id)
        return mark_of(durable, entry, object_id) if entry is not None else None

    # --- events -------------------------------------------------------------------------------

    def _on_event(self, event: OutboxEvent) -> None:
        if threading.get_ident() != self._thread and self._call is not None:
            self._call(lambda: self._handle(event))
        else:
            self._handle(event)

    def _handle(self, event: OutboxEvent) -> None:
        kind = event.kind
        if kind in ("queued", "unconfirmed"):
            self._notify(event.message, "warning")
        elif kind == "refused":
            self._notify(event.message, "error")
            self._changed()
        elif kind in ("delivered", "confirmed"):
            self._sent += 1
            if kind == "confirmed":
                self._notify(event.message, "information")
            if self.durable is not None and not self.durable.waiting:
                count, self._sent = self._sent, 0
                host = self.durable.host
                self._notify(
                    f"Outbox sent: {count} queued change{'s' if count != 1 else ''} reached {host}.",
                    "information",
                )
            self._changed()
        elif kind == "capabilities":
            self._capabilities(event.message)
        # "online"/"offline": the header says it (live refresh re-reads what changed)
        self._refresh()
