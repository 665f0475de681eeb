"""The home screen: every incident, one per line, with filter, quick toggles and sort.

The header shows the context (and READ-ONLY), and the active incidents by
severity. Those counts come from one QueryIncidents call for active, non-drill
incidents with a page of 200: active incidents are few at any one time, so one
cheap request answers exactly, and "200+" says when it could not. A backend that
counts cheaply (``Capabilities.counts``, e.g. OneUptime's ``/api/incident/count``)
is asked one count per severity instead: exact, without the cap.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Static

from incident_tui.text import clean
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.presentation import severity_look
from incident_tui.ui.screens.base import BACK, BusyIndicator, ConsoleScreen
from incident_tui.ui.widgets.footer import ConsoleFooter
from incident_tui.ui.widgets.incident_list import (
    DESCENDING_FIRST,
    SORT_FIELDS,
    IncidentList,
    IncidentRow,
    column_header,
)
from incident_tui.ui.widgets.link_state import LinkState

if TYPE_CHECKING:  # the first frame is drawn before pydantic is imported
    from collections.abc import Callable

    from textual.timer import Timer
    from textual.widgets import Input

    from incident_tui import models as m

COUNT_LIMIT = 200
#: Seconds a typed filter stays invalid before it is called so (see _on_load_failed).
INVALID_PAUSE = 0.35
#: IncidentsQuery fields a QueryIncidentPreviews query can carry too.
PREVIEW_QUERY_FIELDS = {"limit", "order_direction", "order_field", "query_string"}
DRILL_MODES = ("shown", "hidden", "only")

HOME_COMMANDS: tuple[Command, ...] = (
    replace(BACK, help="Leave the filter line / clear the filter", show=False),
    Command(
        "list.down",
        "j,down",
        "cursor_down",
        "Down",
        "Move the cursor down",
        "Navigation",
        show=False,
        palette=False,
    ),
    Command(
        "list.up",
        "k,up",
        "cursor_up",
        "Up",
        "Move the cursor up",
        "Navigation",
        show=False,
        palette=False,
    ),
    Command(
        "list.first",
        "g,home",
        "first",
        "First",
        "Go to the first incident",
        "Navigation",
        show=False,
        palette=False,
    ),
    Command(
        "list.last",
        "G,end",
        "last",
        "Last",
        "Go to the last loaded incident (more load as you go)",
        "Navigation",
        show=False,
        palette=False,
    ),
    Command(
        "list.page_down",
        "pagedown,ctrl+f",
        "page_down",
        "Page down",
        "Next page",
        "Navigation",
        show=False,
        palette=False,
    ),
    Command(
        "list.page_up",
        "pageup,ctrl+b",
        "page_up",
        "Page up",
        "Previous page",
        "Navigation",
        show=False,
        palette=False,
    ),
    Command(
        "list.open", "enter", "open", "Open", "Open the incident under the cursor", "Incidents"
    ),
    Command(
        "list.declare",
        "n",
        "declare",
        "Declare",
        "Declare a new incident",
        "Incidents",
        mutates=True,
        needs=("create_incident",),
    ),
    Command(
        "list.filter",
        "slash",
        "filter",
        "Filter",
        "Filter with the incident query syntax (status:active label:db ...)",
        "Filter and sort",
    ),
    Command(
        "list.active_only",
        "a",
        "toggle_active",
        "Active",
        "Show only active incidents / all",
        "Filter and sort",
    ),
    Command(
        "list.drills",
        "d",
        "cycle_drills",
        "Drills",
        "Drills: shown, hidden, only",
        "Filter and sort",
        needs=("drills",),
    ),
    Command(
        "list.sort",
        "s",
        "cycle_sort",
        "Sort",
        "Sort by: declared, updated, severity, title, status, time, duration",
        "Filter and sort",
    ),
    Command(
        "list.sort_direction",
        "S",
        "flip_sort",
        "Flip sort",
        "Reverse the sort direction",
        "Filter and sort",
        show=False,
        needs=("ascending",),
    ),
    Command(
        "list.org_roles",
        "O",
        "org_roles",
        "Org roles",
        "Manage the organisation's roles",
        "Incidents",
        show=False,
        needs=("org_roles", "get_roles"),
    ),
    Command(
        "list.copy",
        "y",
        "copy_reference",
        "Copy",
        "Copy the reference (and web link) to the clipboard",
        "Incidents",
        show=False,
    ),
)


class ContextBar(Horizontal):
    """Top line: context, READ-ONLY badge, active counts by severity, list size, spinner."""

    DEFAULT_CSS = """
    ContextBar { height: 1; background: $header-background; color: $header-foreground; }
    ContextBar > #context-text { width: 1fr; height: 1; }
    """


class FilterLine(Vertical):
    """The filter input and its error line; mounted on first use, CSS and all."""

    DEFAULT_CSS = """
    FilterLine { height: auto; }
    FilterLine #filter-input { height: 1; border: none; padding: 0 1; background: $surface; }
    FilterLine #filter-input:focus { border: none; background: $boost; }
    FilterLine #filter-error { height: auto; max-height: 3; color: $error; padding: 0 1; display: none; }
    FilterLine #filter-error.-shown { display: block; }
    """


class HomeScreen(ConsoleScreen):
    """The incident list."""

    COMMANDS_LIST: ClassVar[tuple[Command, ...]] = HOME_COMMANDS
    BINDINGS = bindings(HOME_COMMANDS)
    AUTO_FOCUS = "IncidentList"
    HELP_TITLE = "incident list"
    FILTER_HELP = True

    DEFAULT_CSS = """
    HomeScreen #columns { height: 1; color: $text-muted; text-style: bold; background: $surface; }
    HomeScreen #filter-bar { height: auto; display: none; }
    HomeScreen.-filtering #filter-bar { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self.active_only = False
        self.drills = "shown"
        self.sort_index = 0
        self.descending = True
        self._counts: dict[str, int] = {}
        self._counts_more = False
        self._counts_known = False
        # Previews (None: not tried yet) and role names belong to one backend.
        self._previews: bool | None = None
        self._role_names_cache: dict[int, str] | None = None
        self._backend_seen: object = None
        self._shown_query: m.IncidentsQuery | None = None
        self._filter_invalid = False
        self._shown_text: dict[str, Text] = {}
        self._rows_kept_at = -1e9
        #: When the filter was last changed by a key (monotonic seconds), and the pending
        #: "not valid" of a filter typed a moment ago (see _on_load_failed).
        self._typed_at = -1e9
        self._invalid_later: Timer | None = None
        self._invalid_verdict: Callable[[], None] | None = None

    # --- layout --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with ContextBar():
            yield Static(id="context-text", markup=False)
            yield LinkState()
            yield BusyIndicator()
        yield Static(id="columns", markup=False)
        incidents = IncidentList(now=self.console_app.now, id="incidents")
        incidents.scroll_jump = self.console_app.config.scroll == "jump"
        yield incidents
        yield Vertical(id="filter-bar")  # its input is mounted on first use (faster start)
        yield ConsoleFooter(compact=True)

    @property
    def incident_list(self) -> IncidentList:
        return self.query_one(IncidentList)

    def on_mount(self) -> None:
        if self.console_app.has_backend:
            self.reload(counts=True)
        else:
            self.incident_list.loading_message = f"Opening {self.console_app.context_name}…"
            place = self.console_app.rows_place
            if place:  # the last run's first rows, until the store answers
                from incident_tui.ui.rowcache import load_rows

                self.incident_list.show_kept_rows(load_rows(place))
        self._render_bar()
        self._render_columns()

    async def context_switched(self) -> None:
        """Another context: start afresh (no filter, default toggles and sort) and re-read."""
        self.filter_text = ""
        self.active_only = False
        self.drills = "shown"
        self.sort_index = 0
        self.descending = True
        self._counts_known = False
        try:
            self.query_one("#filter-input").value = ""  # type: ignore[attr-defined]
        except NoMatches:
            pass
        self._show_filter_error("")
        self.remove_class("-filtering")
        self.incident_list.forget_widths()
        self.incident_list.focus()
        self.reload(keep_cursor=False, counts=True)

    def backend_ready(self) -> None:
        self.incident_list.loading_message = "Loading incidents…"
        self.incident_list.refresh()
        self._render_bar()
        self.reload(counts=True)

    def on_resize(self) -> None:
        self._render_columns()
        self._render_bar()

    # --- queries -------------------------------------------------------------
    @property
    def sort_field(self) -> str:
        return SORT_FIELDS[self.sort_index][0]

    def _toggle_terms(self) -> str:
        terms = []
        if self.active_only:
            terms.append("status:active")
        if self.drills == "hidden":
            terms.append("isdrill:false")
        elif self.drills == "only":
            terms.append("isdrill:true")
        return " ".join(terms)

    def build_query(self) -> m.IncidentsQuery:
        from incident_tui import models as m

        """The IncidentsQuery for the current filter, toggles and sort.

        A non-empty queryString replaces the other filter fields (Grafana's rule),
        so the toggles are written in the query syntax too, before the person's text
        so its last word still matches as a prefix while typing.
        """
        toggles = self._toggle_terms()
        text = self.filter_text if self.filter_text.strip() else ""
        return m.IncidentsQuery(
            order_field=self.sort_field,
            order_direction="DESC" if self.descending else "ASC",
            query_string=f"{toggles} {text}" if toggles and text else toggles or text,
        )

    def _empty_message(self) -> str:
        """What an empty list says: how to declare, when nothing hides anything."""
        if self.filter_text.strip() or self._toggle_terms():
            return "No incidents match: esc clears the filter, a and d the toggles."
        if self.console_app.readonly:
            return "No incidents yet (read-only: declaring is off here)."
        from incident_tui.ui.screens.base import command_keys

        declare = next(c for c in HOME_COMMANDS if c.id == "list.declare")
        return f"No incidents yet: press {command_keys(self.console_app, declare)} to declare one."

    def _filter_message(self, message: str) -> str:
        """A backend's "col N: ..." counted in the person's text, not in our prefix."""
        toggles = self._toggle_terms()
        match = re.match(r"col (\d+):", message)
        if toggles and match and int(match.group(1)) > len(toggles) + 1:
            column = int(match.group(1)) - len(toggles) - 1
            return f"col {column}:{message[match.end() :]}"
        return message

    def _fetcher(self, query: m.IncidentsQuery):
        from incident_tui import models as m
        from incident_tui.errors import Unimplemented

        app = self.console_app

        async def fetch(cursor: m.Cursor | None, limit: int) -> tuple[list[IncidentRow], m.Cursor]:
            if self._previews_usable(query):
                try:
                    return await self._fetch_previews(query, cursor, limit)
                except Unimplemented:
                    self._previews = False  # an older stack: full incidents from now on
            request = m.QueryIncidentsRequest(
                query=query.model_copy(update={"limit": limit}), cursor=cursor or m.Cursor()
            )
            response = await app.backend.query_incidents(request)
            people = []
            for incident in response.incidents:
                people.append(incident.created_by_user)
                people.extend(role.user for role in incident.roles)
            app.remember_users(people)
            rows = []
            for incident in response.incidents:
                row = IncidentRow.from_incident(incident)
                mark = app.queued_mark(incident.incident_id)
                # marked in the list: an incident that exists only in the outbox so far
                rows.append(replace(row, mark=mark.short) if mark and mark.new else row)
            return rows, response.cursor

        return fetch

    def _previews_usable(self, query: m.IncidentsQuery) -> bool:
        """Light previews (QueryIncidentPreviews) when served and the query fits them."""
        backend = self.console_app.backend
        if backend is not self._backend_seen:  # a new context: learn it afresh
            self._backend_seen = backend
            self._previews, self._role_names_cache = None, None
        if self._previews is False:
            return False
        if not backend.capabilities.serves("query_incident_previews"):
            return False
        return set(query.model_dump(exclude_defaults=True)) <= PREVIEW_QUERY_FIELDS

    async def _fetch_previews(
        self, query: m.IncidentsQuery, cursor: m.Cursor | None, limit: int
    ) -> tuple[list[IncidentRow], m.Cursor]:
        from incident_tui import models as m

        app = self.console_app
        response = await app.backend.query_incident_previews(
            m.QueryIncidentPreviewsRequest(
                query=m.IncidentPreviewsQuery(
                    limit=limit,
                    order_direction=query.order_direction,
                    order_field=query.order_field,
                    query_string=query.query_string,
                ),
                cursor=cursor or m.Cursor(),
                include_membership_preview=True,
            )
        )
        people = []
        for preview in response.incident_previews:
            people.append(preview.created_by_user)
            people.extend(a.user for a in preview.incident_membership_preview.important_assignments)
        app.remember_users(people)
        held = any(
            p.incident_membership_preview.important_assignments for p in response.incident_previews
        )
        names = await self._role_names() if held else {}
        rows = []
        for preview in response.incident_previews:
            row = IncidentRow.from_preview(preview, names)
            mark = app.queued_mark(preview.incident_id)
            # marked in the list: an incident that exists only in the outbox so far
            rows.append(replace(row, mark=mark.short) if mark and mark.new else row)
        return rows, response.cursor

    async def _role_names(self) -> dict[int, str]:
        """Role IDs to names (previews name a role by ID only), read once per screen."""
        if self._role_names_cache is None:
            from incident_tui.errors import BackendError

            try:
                roles = (await self.console_app.backend.get_roles()).roles
                self._role_names_cache = {role.role_id: role.name for role in roles}
            except BackendError:
                self._role_names_cache = {}  # no commander column rather than no list
        return self._role_names_cache

    def reload(self, *, keep_cursor: bool = True, counts: bool = False) -> None:
        """Query again with the current settings; the cursor stays on its incident if it can.

        The header counts do not depend on the filter, so keystrokes leave them alone.
        """
        query = self.build_query()
        lst = self.incident_list
        self._follow_capabilities()
        lst.sort_field = self.sort_field
        lst.empty_message = self._empty_message()
        if keep_cursor and lst.ready and query == self._shown_query:
            lst.refresh_rows()  # the same list: re-read around the cursor, not from the top
        else:
            row = lst.highlighted if keep_cursor else None
            lst.load(self._fetcher(query), keep_id=row.incident_id if row else None)
        self._shown_query = query
        if counts:
            self._load_counts()
        self._render_bar()
        self._render_columns()

    def _load_counts(self) -> None:
        from incident_tui import models as m
        from incident_tui.errors import BackendError

        app = self.console_app
        backend = app.backend
        capabilities = backend.capabilities
        terms = capabilities.severities
        known = {t.value for t in terms}
        least = terms[0].value if terms else "pending"

        async def listed() -> tuple[dict[str, int], bool]:
            query = m.IncidentsQuery(limit=COUNT_LIMIT, query_string="status:active isdrill:false")
            response = await backend.query_incidents(m.QueryIncidentsRequest(query=query))
            counts: dict[str, int] = {}
            for incident in response.incidents:
                key = incident.severity if incident.severity in known else least
                counts[key] = counts.get(key, 0) + 1
            return counts, response.cursor.has_more

        async def counted() -> tuple[dict[str, int], bool]:
            """One count per severity (exact, no cap), for a backend that counts cheaply."""
            import asyncio

            active = m.IncidentsQuery(include_statuses=["active"])
            total, *numbers = await asyncio.gather(
                backend.count_incidents(active),
                *(
                    backend.count_incidents(active.model_copy(update={"severity": term.value}))
                    for term in terms
                ),
            )
            counts = {t.value: n for t, n in zip(terms, numbers, strict=True)}
            # Severities missing from the cached catalog are counted as the least, as
            # the listed counts do, so the header's total is the active total.
            counts[least] += max(0, total - sum(numbers))
            return counts, False

        # A structured query cannot leave drills out, nor name a severity with a comma.
        can_count = (
            capabilities.counts
            and not capabilities.drills
            and bool(terms)
            and not any("," in t.value for t in terms)
        )

        async def call() -> tuple[dict[str, int], bool]:
            if can_count:
                try:
                    return await counted()
                except BackendError:
                    pass  # not countable now (e.g. writes queued): list and count instead
            return await listed()

        def done(result: tuple[dict[str, int], bool]) -> None:
            self._counts, self._counts_more = result
            self._counts_known = True
            self._render_bar()

        self.run_backend(call, done, group="home-counts")

    # --- header ----------------------------------------------------------------
    def _render_bar(self) -> None:
        app = self.console_app
        bar = Text(no_wrap=True, overflow="ellipsis")
        bar.append(f" {clean(app.context_name)} ", style="bold")
        if app.readonly:
            bar.append(" READ-ONLY ", style="bold reverse")
            bar.append(" ")
        width = self.size.width or 80
        if self._counts_known:
            bar.append("│ active ")
            terms = app.backend.capabilities.severities
            for term in reversed(terms):  # the most severe first
                look = severity_look(term.value, terms)
                count = self._counts.get(term.value, 0)
                if width >= 100:
                    label = f"{look.glyph} {count} {look.word}"
                elif look.sev:
                    label = f"{look.glyph}{count}"
                else:  # a backend's own severities may share a glyph: say the word
                    label = f"{look.short} {count}"
                color = app.theme_variables.get(look.style, "")
                ground = app.theme_variables.get("background", "")
                # A chip on the theme's background: readable on any header colour.
                chip = f"bold {color} on {ground}" if count and color and ground else ""
                bar.append(label, style=chip or ("bold" if count else ""))
                bar.append(" ")
            if self._counts_more:
                bar.append(f"({COUNT_LIMIT}+) ")
        lst = self.incident_list
        if lst.ready and not self._filter_invalid:
            noun = "incident" if lst.count == 1 and not lst.has_more else "incidents"
            bar.append(f"│ {lst.count}{'+' if lst.has_more else ''} {noun} ")
        flags = []
        if self.active_only:
            flags.append("active only")
        if self.drills != "shown":
            flags.append(f"drills {self.drills}")
        if self.filter_text.strip():
            flags.append("filter not valid: nothing shown" if self._filter_invalid else "filtered")
        if flags:
            bar.append("│ " + ", ".join(flags), style="italic")
        self._update_static("#context-text", bar)

    def _follow_capabilities(self) -> None:
        """Columns the backend has nothing for are left out; its own words fit."""
        from incident_tui.ui.capabilities import unmet

        capabilities = self.console_app.backend.capabilities
        hidden = frozenset(
            column
            for column, need in (
                ("drill", "drills"),
                ("labels", "labels"),
                ("commander", "roles"),
                ("tasks", "tasks"),
            )
            if unmet(capabilities, (need,))
        )
        longest = max((len(t.shown) for t in capabilities.statuses), default=0)
        self.incident_list.adapt(hidden, min(longest, 13), capabilities.severities)

    def _render_columns(self) -> None:
        header = column_header(self.incident_list.columns, self.sort_field, self.descending)
        self._update_static("#columns", Text(header, no_wrap=True, overflow="crop"))

    def _update_static(self, selector: str, content: Text) -> None:
        """Update a header line only when it changed: an update re-lays out the screen,
        which a keystroke in the filter or a page fetched ahead should not pay for."""
        if self._shown_text.get(selector) == content:
            return
        self._shown_text[selector] = content
        # Both lines are one row high whatever they say: no layout needed.
        self.query_one(selector, Static).update(content, layout=False)

    # --- list events -----------------------------------------------------------
    @on(IncidentList.Loaded)
    def _on_loaded(self) -> None:
        self._keep_rows()
        self._filter_invalid = False
        self._show_filter_error("")
        self._render_bar()
        self._render_columns()  # the reference column widens for longer ids

    def _keep_rows(self) -> None:
        """Keep the default list's first rows for the next start (once a minute at most)."""
        place = self.console_app.rows_place
        query = self._shown_query
        if not place or query is None or self.filter_text.strip() or self._toggle_terms():
            return
        if self.sort_index != 0 or not self.descending:
            return
        now = time.monotonic()
        if now - self._rows_kept_at < 60:
            return
        self._rows_kept_at = now
        from incident_tui.ui.rowcache import KEPT_ROWS, save_rows

        lst = self.incident_list
        rows = [row for i in range(min(lst.count, KEPT_ROWS)) if (row := lst.cache.row(i))]
        save_rows(place, rows)

    @on(IncidentList.ColumnsChanged)
    def _on_columns_changed(self) -> None:
        self._render_columns()

    @on(IncidentList.LoadFailed)
    def _on_load_failed(self, event: IncidentList.LoadFailed) -> None:
        from incident_tui.errors import InvalidArgument, Unavailable

        if event.generation != self.incident_list.generation:
            return  # the answer to a query already replaced (an earlier key's text)
        if isinstance(event.error, InvalidArgument) and self.filter_text.strip():
            waited = time.monotonic() - self._typed_at
            if waited < INVALID_PAUSE:
                # Typed a moment ago: "label:" and "isdrill:t" are on their way to valid
                # filters. The rows stay (as for any query under way) and "not valid" is
                # said once typing pauses with the filter still invalid; saying it at every
                # key would flash the message and redraw the whole screen twice per key.
                self._cancel_invalid_later()
                verdict = partial(self._show_invalid, event.error.message, self.filter_text)
                self._invalid_later = self.set_timer(INVALID_PAUSE - waited, verdict)
                self._invalid_verdict = verdict
                return
            self._show_invalid(event.error.message, self.filter_text)
        elif isinstance(event.error, Unavailable) and self.console_app.link_status():
            pass  # the header already says the remote is away: no toast at every poll
        else:
            self.console_app.show_error(event.error)

    def _show_invalid(self, message: str, text: str) -> None:
        """Say the filter ``text`` is not valid and show no rows (if it is still the filter)."""
        self._invalid_later = self._invalid_verdict = None
        if text != self.filter_text:
            return
        self._show_filter_error(self._filter_message(message))
        self.add_class("-filtering")
        self._filter_invalid = True
        self.incident_list.show_nothing(
            "The filter is not valid (see the message below): fix it, or esc to clear it."
        )
        self._render_bar()

    def _cancel_invalid_later(self) -> None:
        if self._invalid_later is not None:
            self._invalid_later.stop()
            self._invalid_later = None
        self._invalid_verdict = None

    def _judge_now(self) -> None:
        """Typing is over (enter): say at once whether the filter is valid."""
        verdict = self._invalid_verdict
        self._cancel_invalid_later()
        self._typed_at = -1e9  # a failure still on its way is said when it comes
        if verdict is not None:
            verdict()

    @on(IncidentList.Selected)
    def _on_selected(self, event: IncidentList.Selected) -> None:
        self.console_app.open_incident(event.row.incident_id)

    # --- filter ------------------------------------------------------------------
    async def _filter_input(self) -> Input:
        """The filter line's input, mounted the first time it is needed."""
        from textual.widgets import Input

        from incident_tui.ui.dialogs import SafeInput

        try:
            return self.query_one("#filter-input", Input)
        except NoMatches:
            field = SafeInput(
                placeholder="filter: status:active severity:critical label:db words…",
                id="filter-input",
            )
            line = FilterLine(field, Static(id="filter-error", markup=False))
            await self.query_one("#filter-bar").mount(line)
            # Straight from the field's value: the query starts before the key's echo is
            # drawn (Input.Changed would come after it, through three message queues).
            self.watch(field, "value", self._filter_typed, init=False)
            return field

    def _show_filter_error(self, message: str) -> None:
        try:
            error = self.query_one("#filter-error", Static)
        except NoMatches:
            return
        if not message and not error.has_class("-shown"):
            return  # nothing shown, nothing to clear (an update costs a layout)
        error.update(Text(clean(message, multiline=True)))
        error.set_class(bool(message), "-shown")

    def _filter_typed(self, value: str) -> None:
        if value == self.filter_text:
            return  # set from here (set_filter, esc), already applied
        self._typed_at = time.monotonic()
        self._apply_filter(value)

    def _apply_filter(self, text: str) -> None:
        self._cancel_invalid_later()
        self.filter_text = text
        self.reload(keep_cursor=False)  # a new filter is a new list: start at its top

    def on_input_changed(self, event: Input.Changed) -> None:
        # The field's watcher has applied its text already; an event still on its way
        # carries an older text (event.value), so only the field's own value counts.
        if event.input.id != "filter-input" or event.input.value == self.filter_text:
            return
        self._apply_filter(event.input.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter-input":
            return
        self._judge_now()
        self.incident_list.focus()
        if not self.filter_text.strip():
            self.remove_class("-filtering")

    async def action_filter(self) -> None:
        self.add_class("-filtering")
        (await self._filter_input()).focus()

    async def set_filter(self, text: str) -> None:
        """Apply a filter as if typed and paused (used by the command line and tests)."""
        field = await self._filter_input()
        changed = text != self.filter_text
        self.filter_text = text  # first, so the field's change is not taken as typing
        field.value = text
        self.add_class("-filtering")
        if changed:
            self._apply_filter(text)

    # --- actions -----------------------------------------------------------------
    async def action_back(self) -> None:
        filter_input = (
            await self._filter_input() if self.has_class("-filtering") or self.filter_text else None
        )
        if filter_input is None:
            self.notify("ctrl+q or :q quits", markup=False, timeout=3)
            return
        if filter_input.has_focus:
            self.incident_list.focus()
            if not self.filter_text.strip():
                self.remove_class("-filtering")
            return
        if self.filter_text:
            self.filter_text = ""  # first, so the input's change event is a no-op
            self._cancel_invalid_later()
            filter_input.value = ""
            self._show_filter_error("")
            self.remove_class("-filtering")
            self.reload()
            return
        self.notify("ctrl+q or :q quits", markup=False, timeout=3)

    def action_cursor_down(self) -> None:
        self.incident_list.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.incident_list.action_cursor_up()

    def action_first(self) -> None:
        self.incident_list.action_first()

    def action_last(self) -> None:
        self.incident_list.action_last()

    def action_page_down(self) -> None:
        self.incident_list.action_page_down()

    def action_page_up(self) -> None:
        self.incident_list.action_page_up()

    def action_open(self) -> None:
        self.incident_list.action_select()

    def action_toggle_active(self) -> None:
        self.active_only = not self.active_only
        self.reload()

    def action_cycle_drills(self) -> None:
        self.drills = DRILL_MODES[(DRILL_MODES.index(self.drills) + 1) % len(DRILL_MODES)]
        self.reload()

    def action_cycle_sort(self) -> None:
        sorts = self.console_app.backend.capabilities.sorts
        offered = [i for i, (field, _, _) in enumerate(SORT_FIELDS) if field in sorts or i == 0]
        later = [i for i in offered if i > self.sort_index]
        self.sort_index = later[0] if later else offered[0]
        self.descending = SORT_FIELDS[self.sort_index][0] in DESCENDING_FIRST
        self.reload()
        self.notify(f"sorted by {SORT_FIELDS[self.sort_index][1]}", markup=False, timeout=2)

    def action_flip_sort(self) -> None:
        self.descending = not self.descending
        self.reload()

    def action_copy_reference(self) -> None:
        from incident_tui.ui.copying import copy_incident

        row = self.incident_list.highlighted
        if row is None:
            self.notify("No incident under the cursor to copy.", markup=False, timeout=3)
            return
        copy_incident(self.console_app, "" if row.mark else row.incident_id)

    def action_org_roles(self) -> None:
        self.console_app.open_org_roles()

    def action_declare(self) -> None:
        if self.refuse_if_readonly():
            return
        from incident_tui.ui.screens.declare import DeclareDialog

        def opened(incident_id: str | None) -> None:
            if incident_id:
                self.reload(counts=True)
                self.console_app.open_incident(incident_id)

        self.app.push_screen(DeclareDialog(), opened)

    def action_refresh(self) -> None:
        self.reload(counts=True)

    def backend_changed(self) -> None:
        if not self.console_app.has_backend:
            return
        if self.incident_list.ready:
            self.incident_list.refresh_rows()
        else:
            self.reload()
        self._load_counts()
