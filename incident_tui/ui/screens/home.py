"""The home screen: the incident list (provisional; the Line API list lands next)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Static

from incident_tui.ui.screens.base import ConsoleScreen


class HomeScreen(ConsoleScreen):
    def compose(self) -> ComposeResult:
        yield Static(f" {self.console_app.context_name}", classes="context-bar", markup=False)
        yield Footer()

    def action_back(self) -> None:
        self.notify("ctrl+q or :q quits", markup=False)
