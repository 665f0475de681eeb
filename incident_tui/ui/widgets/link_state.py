"""The header's link state: empty while the remote answers, else ``offline since 03:12 ·
2 queued`` or ``stale 45s``, in words (colour only helps)."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static


class LinkState(Static):
    """Shows ``app.link_status()``; the app calls ``show`` when it changes."""

    DEFAULT_CSS = """
    LinkState { width: auto; height: 1; padding: 0 1; display: none; }
    LinkState.-shown { display: block; background: $warning; color: $text; text-style: bold; }
    LinkState.-offline { background: $error; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.text = ""

    def on_mount(self) -> None:
        from incident_tui.ui.access import running_console

        app = running_console(self)
        if app is not None:
            self.show(app.header_status())

    def show(self, text: str) -> None:
        if text == self.text:
            return  # nothing changed: nothing is written to the terminal
        self.text = text
        self.update(Content(text))
        self.set_class(bool(text), "-shown")
        self.set_class(text.startswith("offline"), "-offline")
