"""Help (``?``/F1): the keys that work on the screen below, grouped, from the command registry.

Generated from the same ``Command`` definitions as the bindings, footer and palette,
so it cannot disagree with them; read-only mode leaves out what it refuses.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from incident_tui.ui.access import console_app
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.screens.base import active_commands, command_keys

if TYPE_CHECKING:
    from incident_tui.ui.app import IncidentApp

GROUP_ORDER = (
    "Navigation",
    "Incidents",
    "Incident",
    "Overview",
    "Timeline",
    "Tasks",
    "Roles",
    "Org roles",
    "Filter and sort",
    "Everywhere",
)


def _group_rank(name: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(name) if name in GROUP_ORDER else len(GROUP_ORDER) - 1, name)


def help_text(app: IncidentApp, screen: Screen) -> Table | Group:
    """The help page for ``screen``: a two-column grid of keys and what they do (no markup)."""
    groups: dict[str, list[Command]] = {}
    for _node, command in active_commands(app, screen):
        if command_keys(app, command):  # the keys: a palette-only command has none
            groups.setdefault(command.group, []).append(command)
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True, min_width=14, style="bold")
    grid.add_column(ratio=1)
    for group in sorted(groups, key=_group_rank):
        grid.add_row(Text(group, style="bold underline"), "")
        for command in groups[group]:
            grid.add_row(Text(f"  {command_keys(app, command)}"), Text(command.help))
        grid.add_row("", "")
    if app.readonly:
        grid.add_row(
            Text("Read-only", style="italic"),
            Text("commands that change anything are hidden (their keys say why)"),
        )
        grid.add_row("", "")
    reasons: dict[str, list[str]] = {}
    unmet = getattr(screen, "unmet_commands", None)
    for command, reason in unmet() if callable(unmet) else ():
        reasons.setdefault(reason, []).append(command.description)
    if reasons:
        grid.add_row(Text("Not offered here", style="bold underline"), "")
        for reason, what in reasons.items():
            grid.add_row(Text(f"  {', '.join(what)}"), Text(reason))
        grid.add_row("", "")
    if not getattr(screen, "FILTER_HELP", False):
        return grid
    from incident_tui.query import KEYS

    syntax = Table.grid(padding=(0, 1), expand=True)
    syntax.add_column(no_wrap=True, style="bold")
    syntax.add_column(ratio=1)
    syntax.add_row(Text("Filter syntax (/)", style="bold underline"), "")
    syntax.add_row(Text("  words"), Text("search titles and timelines; every term must match"))
    syntax.add_row(Text("  -term"), Text("exclude; any(a b) matches either"))
    for key in KEYS:
        syntax.add_row(Text(f"  {key.example}"), Text(key.summary))
    return Group(grid, syntax)


class HelpScreen(ModalScreen[None]):
    """A scrollable overlay listing the keys of the screen it was opened over."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #help-box {
        width: 84; max-width: 100%; height: 100%; max-height: 100%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    HelpScreen #help-title { height: 1; text-style: bold; }
    HelpScreen #help-body { height: 1fr; }
    HelpScreen #help-hint { height: 1; color: $text-muted; }
    """

    BINDINGS = bindings(
        (
            Command(
                "help.close",
                "escape,q,question_mark,f1",
                "close",
                "Close",
                "Close",
                "Help",
                palette=False,
            ),
            Command(
                "help.down",
                "j,down",
                "scroll(1)",
                "Down",
                "Down",
                "Help",
                show=False,
                palette=False,
            ),
            Command("help.up", "k,up", "scroll(-1)", "Up", "Up", "Help", show=False, palette=False),
            Command(
                "help.page_down",
                "pagedown,space",
                "page(1)",
                "Page down",
                "Page down",
                "Help",
                show=False,
                palette=False,
            ),
            Command(
                "help.page_up",
                "pageup",
                "page(-1)",
                "Page up",
                "Page up",
                "Help",
                show=False,
                palette=False,
            ),
        )
    )

    def __init__(self, for_screen: Screen) -> None:
        super().__init__()
        self.for_screen = for_screen

    def compose(self) -> ComposeResult:
        title = getattr(self.for_screen, "HELP_TITLE", "") or type(
            self.for_screen
        ).__name__.removesuffix("Screen")
        with Vertical(id="help-box"):
            yield Static(Text(f"Keys: {title}"), id="help-title")
            with VerticalScroll(id="help-body", can_focus=False):
                yield Static(help_text(console_app(self), self.for_screen), id="help-text")
            yield Static(Text("esc/q close · j/k scroll"), id="help-hint")

    @property
    def plain_text(self) -> str:
        """The help page as plain text (for tests and for copying)."""
        out = io.StringIO()
        Console(file=out, width=80, color_system=None, legacy_windows=False).print(
            help_text(console_app(self), self.for_screen)
        )
        return out.getvalue()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, delta: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + delta, animate=False)

    def action_page(self, delta: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + delta * max(body.size.height - 1, 1), animate=False)
