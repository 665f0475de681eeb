"""Command palette (ctrl+p) providers: the commands that work here, and incidents.

Commands come from the registry ("Incident: resolve" style titles) so the palette
offers exactly what the keys do. Incidents are found by reference (``#12`` or
``12``) or by title/timeline words (QueryIncidents with the typed text, limit 20).
Incident titles are untrusted, so every prompt is a ``Content`` built from
cleaned text, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import escape

from incident_tui import models as m
from incident_tui.errors import BackendError
from incident_tui.references import (
    is_marked_reference,
    is_number_reference,
    parse_reference,
    resolve_incident,
)
from incident_tui.text import clean, one_line
from incident_tui.ui.presentation import severity_look, status_word

SEARCH_LIMIT = 20


def highlight(matcher: Matcher, text: str) -> Content:
    """``text`` (plain, never markup) with the fuzzy-matched characters styled."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _run(app: Any, node: DOMNode, action: str) -> None:
    app.call_later(app.run_action, action, node)


class ConsoleCommands(Provider):
    """The active screen's commands and the app's globals, plus themes and contexts."""

    def _entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from incident_tui.ui.screens.base import active_commands, command_keys

        app: Any = self.app
        entries: list[tuple[str, str, Callable[[], Any]]] = []
        for node, command in active_commands(app, self.screen):
            if not command.palette:
                continue
            title = f"{command.group}: {command.description}"
            keys = command_keys(app, command)
            help_line = f"{keys} · {command.help}" if keys else command.help
            entries.append((title, help_line, partial(_run, app, node, command.action)))
        for name in sorted(app.available_themes):
            if name.startswith("incident-") or name in ("textual-dark", "textual-light"):
                entries.append(
                    (f"Theme: {name}", "switch colours (remembered)", partial(app.set_theme, name))
                )
        config = app.config
        if app.can_switch_context:
            for name in config.context_names():
                if name != app.context_name:
                    entries.append(
                        (
                            f"Context: {clean(name)}",
                            "connect to this context",
                            partial(
                                app.run_worker,
                                partial(self._switch, app, name),
                                exit_on_error=False,
                            ),
                        )
                    )
        return entries

    @staticmethod
    async def _switch(app: Any, name: str) -> None:
        error = await app.switch_context(name)
        if error:
            app.show_error(error)

    async def discover(self) -> Hits:
        for title, help_line, callback in self._entries():
            yield DiscoveryHit(Content(title), callback, text=title, help=escape(help_line))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_line, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, title), callback, text=title, help=escape(help_line)
                )


def incident_prompt(incident: m.Incident) -> Content:
    """``#12 ▲ crit ACTIVE  Title…`` as Content from cleaned text."""
    look = severity_look(incident.severity)
    drill = " [drill]" if incident.is_drill else ""
    return Content(
        f"#{incident.incident_id} {look.glyph} {look.short} {status_word(str(incident.status))}{drill}  "
        f"{one_line(incident.title, 60)}"
    )


class IncidentFinder(Provider):
    """Incidents by reference or by the words typed (title and timeline search)."""

    async def discover(self) -> Hits:
        app: Any = self.app
        try:
            response = await app.backend.query_incidents(
                m.QueryIncidentsRequest(
                    query=m.IncidentsQuery(limit=5, query_string="status:active")
                )
            )
        except BackendError:
            return
        for incident in response.incidents:
            yield DiscoveryHit(
                incident_prompt(incident),
                partial(app.open_incident, incident.incident_id),
                text=f"#{incident.incident_id}",
                help="open this active incident",
            )

    async def search(self, query: str) -> Hits:
        app: Any = self.app
        text = query.strip()
        if not text:
            return
        seen: set[str] = set()
        if is_number_reference(text):
            try:
                incident = await resolve_incident(app.backend, text)
            except BackendError:
                pass
            else:
                seen.add(incident.incident_id)
                yield Hit(
                    100.0,
                    incident_prompt(incident),
                    partial(app.open_incident, incident.incident_id),
                    text=f"#{parse_reference(text)}",
                    help="open incident",
                )
            if is_marked_reference(text):
                return
        try:
            response = await app.backend.query_incidents(
                m.QueryIncidentsRequest(
                    query=m.IncidentsQuery(limit=SEARCH_LIMIT, query_string=text)
                )
            )
        except BackendError:
            return  # half-typed query syntax: no incident hits yet
        matcher = self.matcher(text)
        for rank, incident in enumerate(response.incidents):
            if incident.incident_id in seen:
                continue
            # Rank with the commands on the same scale: a title that matches the words
            # scores like a command would; a hit found only in the timeline ranks low.
            title_score = matcher.match(clean(incident.title))
            yield Hit(
                (title_score or 2.0) - rank * 0.01,
                incident_prompt(incident),
                partial(app.open_incident, incident.incident_id),
                text=f"#{incident.incident_id} {clean(incident.title)}",
                help="open incident",
            )
