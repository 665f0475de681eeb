"""The footer every console screen shows: Textual's, without its slow leak."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class ConsoleFooter(Footer):
    """Textual's ``Footer``, which forgets the keys it replaces.

    Each key the footer draws binds the footer's ``compact`` reactive, and Textual
    prunes a reactive's watchers only when its value changes, which ``compact`` never
    does. The footer rebuilds its keys whenever the bindings change (every screen
    switch), so without this every replaced key, its styles and caches stayed alive:
    about 0.4 MiB per incident opened. When the keys are rebuilt (the old ones are
    already removed), watchers whose node has left the DOM are dropped.
    """

    def compose(self) -> ComposeResult:
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback) for node, callback in entries if getattr(node, "is_attached", True)
            ]
        yield from super().compose()
