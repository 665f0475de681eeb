"""Typeahead: keys go where the person meant, even when a slow link delivers them in bursts.

Textual picks a key's target when the App takes it off its queue (the focused
widget, else the screen), but much of what a key *does* happens later: a
non-priority binding (``tab``, ``n``, ``/``) runs only after the key has bubbled
through each widget's own queue back to the App, a pushed screen mounts in its
own task, and ``Widget.focus()`` is itself a callback queued behind keys already
waiting. Typed slowly none of this shows; in a burst the next key is routed
before the previous one has moved the focus: ``n`` + a title opens the declare
dialog but the title goes nowhere, ``tab 1`` types "1" into the title, ``/label``
toggles the list's "active" filter. (Textual's own tests avoid it by waiting for
idle after every key; upstream tracked it as "Add input queue", issue #1009.)

``KeyQueue`` is that input queue: the App hands it every key and paste. One is
sent on only when the previous one has been handled completely: nothing waits in
the App's queue (a bubbled key, a focus callback), and every message pump of the
current screen has finished its messages and is mounted. Keys keep their order
and are never dropped: if something stays busy for ``MAX_HOLD`` seconds the next
key goes on anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

log = logging.getLogger(__name__)

#: Seconds a key may wait for the one before it; then it goes on regardless.
MAX_HOLD = 3.0
#: Re-checks done by yielding to the event loop before falling back to a timer.
QUICK_CHECKS = 50
#: Seconds between re-checks once something is slow (a screen mounting, a big list).
POLL = 0.004


def _busy(pump: MessagePump) -> bool:
    """Whether ``pump`` still has work: not mounted yet, or a message waiting for it.

    A waiting message may sit outside the queue: the pump peeks at the next one (to
    merge replaceable messages) and keeps it in ``_pending_message`` while it
    handles the current one.
    """
    if pump._closing or pump._closed:
        return False
    if not pump._is_mounted:  # composing, mounting, or its task not started yet
        return True
    return (
        not pump._message_queue.empty()
        or pump._pending_message is not None
        or bool(pump._next_callbacks)
    )


class KeyQueue:
    """Holds keys and pastes until the one before has been handled (see the module doc)."""

    def __init__(self, app: App[Any], dispatch: Callable[[events.Event], Awaitable[None]]):
        self._app = app
        self._dispatch = dispatch
        self._held: deque[events.Event] = deque()
        self._scheduled = False
        self._checks = 0
        self._sent_at = 0.0

    @staticmethod
    def takes(event: events.Event) -> bool:
        """Keys and pastes from the terminal (or a test's pilot), not ones being forwarded."""
        return isinstance(event, events.Key | events.Paste) and not event.is_forwarded

    @property
    def held(self) -> int:
        """Keys waiting for the one before them."""
        return len(self._held)

    async def offer(self, event: events.Event) -> None:
        """Send ``event`` on now if the previous key is done, else keep it in line."""
        self._held.append(event)
        await self._drain()

    def settled(self) -> bool:
        """Nothing left from the previous key: the next one will be routed correctly."""
        app = self._app
        if _busy(app):
            return False
        try:
            screen = app.screen
        except Exception:  # no screen yet (starting) or any more (exiting)
            return True
        return not any(_busy(node) for node in screen.walk_children(with_self=True))

    async def _drain(self) -> None:
        while self._held:
            overdue = bool(self._sent_at) and time.monotonic() - self._sent_at > MAX_HOLD
            if not overdue and not self.settled():
                self._schedule()
                return
            if overdue:
                log.warning("typeahead: sending a key on after %.1fs", MAX_HOLD)
            event = self._held.popleft()
            self._checks = 0
            self._sent_at = time.monotonic()
            await self._dispatch(event)
        self._sent_at = 0.0

    def _schedule(self) -> None:
        """Look again soon, from the App's own queue (never beside another handler)."""
        if self._scheduled:
            return
        self._scheduled = True
        self._checks += 1
        if self._checks <= QUICK_CHECKS:
            asyncio.get_running_loop().call_soon(self._app.call_later, self._check)
        else:
            # A timer's callback runs in the timer's task: it only posts the check.
            self._app.set_timer(POLL, partial(self._app.call_later, self._check))

    async def _check(self) -> None:
        self._scheduled = False
        await self._drain()
