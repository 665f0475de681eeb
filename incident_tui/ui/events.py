"""What the App tells its screens, as Textual messages (posted, not called by name).

The App posts these to screens; ``ConsoleScreen`` turns each into one call of a method
its subclasses override (``backend_changed``, ``backend_ready``, ``context_switched``,
``link_changed``), so a screen's own handling replaces the base's instead of running
beside it. They do not bubble: each is meant for the screen it is posted to.
"""

from __future__ import annotations

from textual.message import Message


class BackendChanged(Message, bubble=False):
    """The backend's data changed (live refresh): re-read what is shown, in place."""


class BackendReady(Message, bubble=False):
    """The backend finished opening (at start-up): read what the screen shows."""


class ContextSwitched(Message, bubble=False):
    """Another context is open (``:ctx``): start afresh on its backend."""


class LinkChanged(Message, bubble=False):
    """The remote link or the outbox changed (the header's state, queued marks)."""
