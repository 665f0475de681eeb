"""One definition per command: its key binding, footer text, help entry and palette entry.

A screen lists its ``Command``s once in ``COMMANDS``; ``BINDINGS`` is derived from
them, the help screen groups them, the palette offers them, and read-only mode
hides the ones that change anything. User keymaps in ``[keymap]`` of the config
file rebind a command by its ``id`` (Textual's ``App.set_keymap``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Command:
    id: str  # binding id, stable, used by [keymap]: e.g. "incident.resolve"
    key: str  # default key(s), comma separated in Textual's syntax: "j,down" ("": palette only)
    action: str  # Textual action string, e.g. "resolve" or "app.help"
    description: str  # short footer text
    help: str  # one line for the help screen
    group: str  # help screen group: "Navigation", "Incident", ...
    show: bool = True  # shown in the footer
    mutates: bool = False  # hidden and refused in read-only mode
    palette: bool = True  # offered by the command palette
    priority: bool = False  # binding checked before focused widgets'
    #: What the backend must offer: Backend method names (``update_severity``) or the
    #: facts of ``ui/capabilities.py`` (``tasks``, ``drills``...). Hidden otherwise.
    needs: tuple[str, ...] = ()
    #: The tab of a screen with tabs where the command works ("" everywhere on it).
    tab: str = ""


def bindings(commands: Iterable[Command]) -> list[BindingType]:
    """Textual bindings for ``commands`` (one per command with a key, carrying its id; a
    command without a key is offered by the palette only)."""
    return [
        Binding(
            c.key,
            c.action,
            c.description,
            show=c.show,
            id=c.id,
            tooltip=c.help,
            priority=c.priority,
        )
        for c in commands
        if c.key
    ]


def by_group(commands: Iterable[Command]) -> dict[str, list[Command]]:
    groups: dict[str, list[Command]] = {}
    for c in commands:
        groups.setdefault(c.group, []).append(c)
    return groups
