"""The one typed way from a screen, widget or dialog to the console App.

``console_app(node)`` is the ``IncidentApp`` running ``node``; ``running_console(node)``
is the same, or None under another App (a dialog tried on its own in a test harness).
Screens and widgets call the App's declared methods and properties through these,
never ``getattr`` on ``self.app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from incident_tui.ui.app import IncidentApp


def running_console(node: MessagePump) -> IncidentApp | None:
    from incident_tui.ui.app import IncidentApp

    app = node.app
    return app if isinstance(app, IncidentApp) else None


def console_app(node: MessagePump) -> IncidentApp:
    app = running_console(node)
    if app is None:
        raise TypeError(f"{type(node).__name__} runs only inside the incident console")
    return app
