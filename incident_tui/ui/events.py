"""What the App tells its screens, as Textual messages (posted, not called by name).

The App posts these to screens; a screen handles one by defining the method Textual
names after it (``on_backend_changed``, ``on_backend_ready``, ``on_context_switched``,
``on_link_changed``). They do not bubble: each is meant for the screen it is posted to.
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
