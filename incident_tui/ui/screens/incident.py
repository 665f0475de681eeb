"""The incident view: a header line and four tabs (Overview, Timeline, Tasks, Roles).

The screen owns the incident as last read from the backend and one command list
for every tab; a command works (and shows in the footer) only on its own tab, so
the same key can mean "edit" on each tab. The tabs themselves live in
``incident_overview.py``, ``incident_timeline.py``, ``incident_tasks.py`` and
``incident_roles.py`` and do their own backend calls; after a change they ask the
screen to ``reload()``. Live refresh compares the incident's version and
re-reads in place, keeping each list's cursor on the same record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import ContentSwitcher, Static

from incident_tui import export
from incident_tui import models as m
from incident_tui.drafts import Draft
from incident_tui.errors import BackendError, NotFound, Unavailable
from incident_tui.text import clean, incident_reference
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.dialogs import TextPrompt, required_text
from incident_tui.ui.screens.base import BusyIndicator, ConsoleScreen
from incident_tui.ui.screens.incident_common import (
    IncidentPane,
    app_now,
    drill_content,
    severity_content,
    status_content,
    tasks_done,
)
from incident_tui.ui.screens.incident_overview import OverviewPane
from incident_tui.ui.screens.incident_roles import DEFAULT_ROLES, RolesPane
from incident_tui.ui.screens.incident_tasks import TasksPane
from incident_tui.ui.screens.incident_timeline import TimelinePane
from incident_tui.ui.widgets.footer import ConsoleFooter
from incident_tui.ui.widgets.link_state import LinkState

#: (id, title, what the backend must offer for the tab to show; see ui/capabilities.py).
TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("overview", "Overview", ("get_incident",)),
    ("timeline", "Timeline", ("query_activity",)),
    ("tasks", "Tasks", ("tasks",)),
    ("roles", "Roles", ("roles",)),
)
TAB_IDS = tuple(tab for tab, _, _ in TABS)


def _on_tab(tab: str, commands: tuple[Command, ...]) -> tuple[Command, ...]:
    """``commands`` working only on ``tab`` (its footer keys, its help group)."""
    return tuple(replace(c, tab=tab) for c in commands)


def _cmd(
    id: str,
    key: str,
    action: str,
    description: str,
    help: str,
    group: str,
    *,
    mutates: bool = False,
    show: bool = True,
    needs: tuple[str, ...] = (),
) -> Command:
    return Command(
        id, key, action, description, help, group, show=show, mutates=mutates, needs=needs
    )


# fmt: off
INCIDENT_COMMANDS: tuple[Command, ...] = (
    _cmd("incident.tab_overview", "1", "show_tab('overview')", "Overview",
         "Show the Overview tab", "Incident", show=False),
    _cmd("incident.tab_timeline", "2", "show_tab('timeline')", "Timeline",
         "Show the Timeline tab", "Incident", show=False),
    _cmd("incident.tab_tasks", "3", "show_tab('tasks')", "Tasks",
         "Show the Tasks tab", "Incident", show=False, needs=("tasks",)),
    _cmd("incident.tab_roles", "4", "show_tab('roles')", "Roles",
         "Show the Roles tab", "Incident", show=False, needs=("roles",)),
    _cmd("incident.next_tab", "right_square_bracket", "next_tab", "Next tab",
         "Show the next tab", "Incident", show=False),
    _cmd("incident.prev_tab", "left_square_bracket", "prev_tab", "Previous tab",
         "Show the previous tab", "Incident", show=False),
    _cmd("incident.export", "X", "export_postmortem", "Export",
         "Write a Markdown postmortem draft of the incident to a file", "Incident",
         show=False, needs=("get_incident",)),
    _cmd("incident.copy", "y", "copy_reference", "Copy",
         "Copy the reference (and web link) to the clipboard", "Incident",
         show=False),
)

OVERVIEW_COMMANDS: tuple[Command, ...] = _on_tab("overview", (
    _cmd("incident.edit_title", "e", "edit_title", "Title",
         "Edit the incident's title", "Overview", mutates=True, needs=("update_title",)),
    _cmd("incident.edit_summary", "S", "edit_summary", "Summary",
         "Edit the incident's summary (multi-line editor, ctrl+s saves)", "Overview",
         mutates=True, show=False, needs=("update_incident_summary",)),
    _cmd("incident.set_severity", "v", "set_severity", "Severity",
         "Set the severity (picker)", "Overview", mutates=True, needs=("update_severity",)),
    _cmd("incident.set_status", "s", "set_status", "Status",
         "Set the status (picker of the backend's own statuses)", "Overview", mutates=True,
         needs=("update_status", "status_path")),
    _cmd("incident.resolve", "R", "resolve", "Resolve",
         "Resolve the incident (confirmed)", "Overview", mutates=True, needs=("update_status",)),
    _cmd("incident.reopen", "R", "reopen", "Reopen",
         "Reopen a resolved incident (confirmed)", "Overview", mutates=True, needs=("update_status",)),
    _cmd("incident.toggle_drill", "D", "toggle_drill", "Drill",
         "Mark or unmark the incident as a drill (confirmed)", "Overview", mutates=True, needs=("drills", "update_incident_is_drill")),
    _cmd("incident.add_label", "l", "add_label", "+Label",
         "Add a label", "Overview", mutates=True, needs=("free_labels", "add_label")),
    _cmd("incident.remove_label", "L", "remove_label", "-Label",
         "Remove a label (picker of the current labels)", "Overview", mutates=True, needs=("free_labels", "remove_label")),
    _cmd("incident.edit_start", "t", "edit_start", "Start",
         "Edit when the incident started (RFC 3339 or YYYY-MM-DD HH:MM)", "Overview",
         mutates=True, show=False, needs=("update_incident_event_time",)),
    _cmd("incident.edit_end", "T", "edit_end", "End",
         "Edit when the incident ended; on an active one, resolve it at a time you give",
         "Overview",
         mutates=True, show=False, needs=("update_incident_event_time",)),
))

TIMELINE_COMMANDS: tuple[Command, ...] = _on_tab("timeline", (
    _cmd("timeline.open", "enter", "open_item", "Details",
         "Show the whole item under the cursor", "Timeline", show=False),
    _cmd("timeline.add_note", "a", "add_note", "Note",
         "Add a note (multi-line editor, ctrl+s saves)", "Timeline", mutates=True, needs=("add_activity",)),
    _cmd("timeline.add_public_note", "A", "add_public_note", "Public",
         "Add a note everyone sees (a plain note stays internal)", "Timeline", mutates=True,
         show=False, needs=("add_activity", "internal_notes")),
    _cmd("timeline.edit_note", "e", "edit_note", "Edit",
         "Edit the text of the note under the cursor", "Timeline", mutates=True, needs=("update_activity_body",)),
    _cmd("timeline.edit_time", "E", "edit_note_time", "Time",
         "Edit the event time of the note under the cursor", "Timeline", mutates=True,
         show=False, needs=("update_activity_event_time",)),
    _cmd("timeline.remove_note", "x", "remove_note", "Remove",
         "Remove the note under the cursor (confirmed)", "Timeline", mutates=True, needs=("remove_activity",)),
    _cmd("timeline.order", "o", "toggle_order", "Order",
         "Newest or oldest first", "Timeline"),
    _cmd("timeline.filter_kind", "f", "filter_kind", "Kind",
         "Show only one kind of item", "Timeline"),
    _cmd("timeline.filter_tag", "number_sign", "filter_tag", "Tag",
         "Show only items with a tag (important, starred). Tags are set in Grafana's"
         " web app: its API has no method that sets one", "Timeline", show=False),
))

TASKS_COMMANDS: tuple[Command, ...] = _on_tab("tasks", (
    _cmd("tasks.toggle_done", "space", "toggle_task_done", "Done",
         "Mark the task done, or back to todo", "Tasks", mutates=True, needs=("tasks", "update_task_status")),
    _cmd("tasks.progress", "p", "toggle_task_progress", "Doing",
         "Mark the task in progress, or back to todo", "Tasks", mutates=True, needs=("tasks", "update_task_status")),
    _cmd("tasks.add", "a", "add_task", "Add",
         "Add a task", "Tasks", mutates=True, needs=("tasks", "add_task")),
    _cmd("tasks.edit", "e", "edit_task", "Edit",
         "Edit the task's text", "Tasks", mutates=True, needs=("tasks", "update_task_text")),
    _cmd("tasks.assign", "u", "assign_task", "Assign",
         "Assign the task to someone (picker or typed user id)", "Tasks", mutates=True, needs=("tasks", "update_task_user")),
    _cmd("tasks.unassign", "U", "clear_task_assignee", "Unassign",
         "Clear the task's assignee", "Tasks", mutates=True, show=False, needs=("tasks", "update_task_user")),
    _cmd("tasks.delete", "x", "delete_task", "Delete",
         "Delete the task (confirmed)", "Tasks", mutates=True, needs=("tasks", "delete_task")),
))

ROLES_COMMANDS: tuple[Command, ...] = _on_tab("roles", (
    _cmd("roles.assign", "a", "assign_role", "Assign",
         "Give the role under the cursor to someone (picker or typed user id)", "Roles",
         mutates=True, needs=("roles", "assign_role")),
    _cmd("roles.unassign", "x", "unassign_role", "Unassign",
         "Take the role under the cursor from someone", "Roles", mutates=True, needs=("roles", "unassign_role")),
    _cmd("roles.org_roles", "O", "open_org_roles", "Org roles",
         "Manage the organisation's roles", "Roles", needs=("org_roles", "get_roles")),
))
# fmt: on


def _current_folder() -> str:
    try:
        return str(Path.cwd())
    except OSError:  # the folder was removed under us
        return "the current folder"


def _delegate(pane_id: str, method: str) -> Callable[[IncidentScreen], None]:
    """An action that runs ``method`` of one tab (the screen owns the bindings)."""

    def action(self: IncidentScreen) -> None:
        if self.incident is None:
            self.app.notify("The incident is still loading.", markup=False)
            return
        getattr(self.query_one(f"#{pane_id}"), method)()

    action.__doc__ = f"Run {method} on the {pane_id} tab."
    return action


class IncidentScreen(ConsoleScreen):
    """One incident, its timeline, tasks and roles."""

    DEFAULT_CSS = """
    IncidentScreen {
        layout: vertical;
    }
    IncidentScreen #incident-header {
        height: 1;
        background: $header-background;
        color: $header-foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    IncidentScreen #tab-row {
        height: 1;
    }
    IncidentScreen #tab-bar {
        width: 1fr;
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    IncidentScreen #incident-switcher {
        height: 1fr;
    }
    IncidentScreen #incident-switcher > * {
        height: 1fr;
    }
    """

    COMMANDS_LIST: ClassVar[tuple[Command, ...]] = (
        INCIDENT_COMMANDS + OVERVIEW_COMMANDS + TIMELINE_COMMANDS + TASKS_COMMANDS + ROLES_COMMANDS
    )
    BINDINGS = bindings(COMMANDS_LIST)

    _ACTION_TAB: ClassVar[dict[str, str]] = {c.action: c.tab for c in COMMANDS_LIST if c.tab}

    def __init__(
        self, incident_id: str, *, tab: str = "overview", reopen: Draft | None = None
    ) -> None:
        super().__init__()
        self.incident_id = incident_id
        #: A kept draft to reopen on its tab once the incident is read (at start).
        self.reopen = reopen
        self.incident: m.Incident | None = None
        self.org_roles: list[m.Role] = []
        #: The incident's version when last read (None: unknown or not supported).
        self.version: int | None = None
        self.active_tab = tab if tab in TAB_IDS else "overview"
        self.load_error: str = ""
        self._full_load_pending = False
        #: The org roles screen was opened from here: read the roles again on return.
        self._roles_may_change = False

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            Content(f"{incident_reference(self.incident_id)}  loading…"), id="incident-header"
        )
        with Horizontal(id="tab-row"):
            yield Static(self._tab_bar(), id="tab-bar")
            yield LinkState()
            yield BusyIndicator()
        with ContentSwitcher(initial=self.active_tab, id="incident-switcher"):
            yield OverviewPane(id="overview")
            yield TimelinePane(id="timeline")
            yield TasksPane(id="tasks")
            yield RolesPane(id="roles")
        # Compact, and ctrl+p left to the help: every tab's keys fit at 80 columns.
        yield ConsoleFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.active_tab not in self._tab_ids():
            self.action_show_tab("overview")
        self.reload()
        self._focus_tab()

    @property
    def overview(self) -> OverviewPane:
        return self.query_one("#overview", OverviewPane)

    @property
    def timeline(self) -> TimelinePane:
        return self.query_one("#timeline", TimelinePane)

    @property
    def tasks(self) -> TasksPane:
        return self.query_one("#tasks", TasksPane)

    @property
    def roles(self) -> RolesPane:
        return self.query_one("#roles", RolesPane)

    def shown_tabs(self) -> list[tuple[str, str]]:
        """The tabs the backend offers (Prod Manager has no tasks or roles), in order."""
        from incident_tui.ui.screens.base import unmet_reason

        return [(tab, title) for tab, title, needs in TABS if not unmet_reason(self.app, needs)]

    def _tab_ids(self) -> list[str]:
        return [tab for tab, _ in self.shown_tabs()]

    def _tab_bar(self) -> Content:
        parts: list[Content] = []
        for tab, title in self.shown_tabs():
            number = TAB_IDS.index(tab) + 1
            label = title
            if tab == "tasks" and self.incident is not None:
                label = f"{title} {tasks_done(self.incident.task_list).split()[0]}"
            if tab == self.active_tab:
                parts.append(Content.styled(f"▸{number} {label}", "bold reverse $accent"))
            else:
                parts.append(Content.styled(f" {number} {label}", "$text-muted"))
            parts.append(Content("  "))
        return Content.assemble(*parts)

    def _header(self) -> Content:
        incident = self.incident
        ref = incident_reference(self.incident_id, incident.reference if incident else None)
        if incident is None:
            note = self.load_error or "loading…"
            return Content.assemble((ref, "bold"), "  ", Content(clean(note)))
        parts: list[Content | str | tuple[str, str]] = [
            (ref, "bold"),
            "  ",
            severity_content(
                incident.severity, chip=True, terms=self.console_app.backend.capabilities.severities
            ),
            "  ",
            status_content(str(incident.status), chip=True),
            "  ",
        ]
        if incident.is_drill:
            parts += [drill_content(True, chip=True), "  "]
        mark = self.console_app.queued_mark(incident.incident_id)
        if mark is not None and mark.new:  # declared while the remote was away: no id yet
            parts += [(mark.text, mark.style), "  "]
        parts.append(Content(clean(incident.title)))
        return Content.assemble(*parts)

    def _render_chrome(self) -> None:
        self.query_one("#incident-header", Static).update(self._header())
        self.query_one("#tab-bar", Static).update(self._tab_bar())

    # --- tabs -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if not allowed:
            return allowed
        tab = self._ACTION_TAB.get(action)
        if tab is not None and tab != self.active_tab:
            return False
        if action in ("resolve", "reopen") and self.incident is not None:
            # One key, R, and the footer names what it does to this incident.
            resolved = str(self.incident.status) == "resolved"
            return resolved == (action == "reopen")
        return True

    def command_applies(self, command: Command) -> bool:
        tab = self._ACTION_TAB.get(command.action)
        return tab is None or tab == self.active_tab

    def action_show_tab(self, tab: str) -> None:
        if tab not in self._tab_ids():
            return
        self.active_tab = tab
        self.query_one(ContentSwitcher).current = tab
        self._render_chrome()
        self._focus_tab()
        self.refresh_bindings()
        timeline = self.timeline
        if tab == "timeline" and self.incident is not None:
            if not timeline.loaded or timeline.stale:
                timeline.reload()

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_prev_tab(self) -> None:
        self._step_tab(-1)

    def _step_tab(self, step: int) -> None:
        tabs = self._tab_ids()
        index = tabs.index(self.active_tab) if self.active_tab in tabs else 0
        self.action_show_tab(tabs[(index + step) % len(tabs)])

    def _focus_tab(self) -> None:
        pane = self.query_one(f"#{self.active_tab}")
        focus = getattr(pane, "focus_main", None)
        if callable(focus):
            focus()

    # --- loading --------------------------------------------------------------------

    def reload(self, *, light: bool = False) -> None:
        """Read the incident (and the org's roles, and the timeline) again, in place.

        ``light`` is the periodic re-read of a backend without versions: only the
        incident and, when it is on screen, the timeline (which otherwise goes stale
        and is read when its tab is shown).
        """
        if light and self._full_load_pending:
            return  # a full read is under way: a light one would cancel it (and the roles)
        self._full_load_pending = self._full_load_pending or not light
        self.run_backend(
            lambda: self._fetch(roles=not light),
            lambda result: self._loaded(result, full=not light),
            group="incident-load",
            on_error=self._load_failed,
        )
        timeline = self.timeline
        if self.active_tab == "timeline" or (timeline.loaded and not light):
            timeline.reload()
        elif timeline.loaded:
            timeline.stale = True

    def _versions(self) -> bool:
        """Whether to ask for versions: the app stops when a remote lacks them."""
        backend = self.console_app.backend
        return bool(self.console_app.versions_supported and backend.capabilities.versions)

    async def _fetch(
        self, *, roles: bool = True
    ) -> tuple[m.Incident, int | None, list[m.Role] | None]:
        backend = self.console_app.backend
        version: int | None = None
        if self._versions():
            # Read the version first: a change landing in between is then seen next time.
            try:
                got = await backend.get_incident_version(
                    m.GetIncidentVersionRequest(incident_id=self.incident_id)
                )
                version = got.version
            except BackendError:
                version = None
        response = await backend.get_incident(m.GetIncidentRequest(incident_id=self.incident_id))
        org_roles: list[m.Role] | None = None
        if roles and backend.capabilities.serves("get_roles"):
            try:
                org_roles = (await backend.get_roles(m.GetRolesRequest())).roles
            except BackendError:
                org_roles = None  # a remote may not let us list org roles: use the defaults
        return response.incident, version, org_roles

    def _loaded(
        self, result: tuple[m.Incident, int | None, list[m.Role] | None], *, full: bool = True
    ) -> None:
        incident, version, roles = result
        if full:
            self._full_load_pending = False
        self.load_error = ""
        self.version = version
        if roles is not None:
            self.org_roles = roles
        elif not self.org_roles:
            self.org_roles = [m.Role(name=name) for name in DEFAULT_ROLES]
        self.show_incident(incident)
        draft, self.reopen = self.reopen, None
        if draft is not None:
            self.query_one(f"#{self.active_tab}", IncidentPane).reopen_draft(draft)

    def _load_failed(self, error: BackendError) -> None:
        self._full_load_pending = False
        draft, self.reopen = self.reopen, None
        if draft is not None:
            self.app.notify(
                f"Kept draft ({draft.place.describe()}) not reopened: the incident cannot be"
                " read now. It stays kept and comes back when you open that dialog again.",
                markup=False,
                severity="warning",
                timeout=12,
            )
        if self.incident is None or isinstance(error, NotFound):
            self.load_error = str(error) or "The incident could not be read."
            self._render_chrome()
        elif isinstance(error, Unavailable) and self.console_app.link_status():
            return  # a refresh while the header says the remote is away: no toast each time
        self.console_app.show_error(error)

    def show_incident(self, incident: m.Incident) -> None:
        """Show ``incident`` on every tab (the tabs keep their cursors)."""
        if incident.incident_id and incident.incident_id != self.incident_id:
            # the backend's own id: a queued declaration delivered since, or another spelling
            self.incident_id = incident.incident_id
        self.incident = incident
        self._remember_people(incident)
        self._render_chrome()
        self.overview.show_incident(incident)
        self.tasks.show_incident(incident)
        self.roles.show_incident(incident)
        self.refresh_bindings()  # R resolves or reopens
        if self.active_tab == "timeline" and not self.timeline.loaded:
            self.timeline.reload()

    def _remember_people(self, incident: m.Incident) -> None:
        people = [incident.created_by_user]
        people += [a.user for a in incident.incident_membership.assignments]
        people += [r.user for r in incident.roles]
        for task in incident.task_list.tasks:
            people += [u for u in (task.author_user, task.assigned_user) if u is not None]
        self.console_app.remember_users(people)

    def changed(self) -> None:
        """Something on this incident was changed from here: re-read it, tell the app."""
        self.reload()
        self.console_app.poke()

    def action_refresh(self) -> None:
        self.reload()

    def on_screen_suspend(self) -> None:
        super().on_screen_suspend()
        from incident_tui.ui.screens.org_roles import OrgRolesScreen

        self._roles_may_change = isinstance(self.app.screen_stack[-1], OrgRolesScreen)

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self._roles_may_change:
            self._roles_may_change = False
            self.reload()  # a role created, renamed or archived there shows here

    def backend_changed(self) -> None:
        """Live refresh: re-read only when this incident's version moved."""
        if self.incident is None and self._full_load_pending:
            return  # the first read is still under way and will show the latest
        backend = self.console_app.backend
        if self.version is None or not self._versions():
            self.reload(light=True)
            return

        async def version() -> int:
            got = await backend.get_incident_version(
                m.GetIncidentVersionRequest(incident_id=self.incident_id)
            )
            return got.version

        def compare(current: int) -> None:
            if current != self.version:
                self.reload()

        self.run_backend(version, compare, group="incident-version", on_error=lambda _: None)

    # --- actions (each runs on its own tab) --------------------------------------------

    action_edit_title = _delegate("overview", "edit_title")
    action_edit_summary = _delegate("overview", "edit_summary")
    action_set_severity = _delegate("overview", "set_severity")
    action_set_status = _delegate("overview", "set_status")
    action_resolve = _delegate("overview", "toggle_status")
    action_reopen = _delegate("overview", "toggle_status")
    action_toggle_drill = _delegate("overview", "toggle_drill")
    action_add_label = _delegate("overview", "add_label")
    action_remove_label = _delegate("overview", "remove_label")
    action_edit_start = _delegate("overview", "edit_start")
    action_edit_end = _delegate("overview", "edit_end")

    action_open_item = _delegate("timeline", "open_item")
    action_add_note = _delegate("timeline", "add_note")
    action_add_public_note = _delegate("timeline", "add_public_note")
    action_edit_note = _delegate("timeline", "edit_note")
    action_edit_note_time = _delegate("timeline", "edit_note_time")
    action_remove_note = _delegate("timeline", "remove_note")
    action_toggle_order = _delegate("timeline", "toggle_order")
    action_filter_kind = _delegate("timeline", "filter_kind")
    action_filter_tag = _delegate("timeline", "filter_tag")

    action_toggle_task_done = _delegate("tasks", "toggle_done")
    action_toggle_task_progress = _delegate("tasks", "toggle_progress")
    action_add_task = _delegate("tasks", "add_task")
    action_edit_task = _delegate("tasks", "edit_task")
    action_assign_task = _delegate("tasks", "assign_task")
    action_clear_task_assignee = _delegate("tasks", "clear_assignee")
    action_delete_task = _delegate("tasks", "delete_task")

    def action_copy_reference(self) -> None:
        from incident_tui.ui.copying import copy_incident

        queued = self.console_app.queued_mark(self.incident_id)
        incident_id = "" if queued is not None and queued.new else self.incident_id
        copy_incident(self.console_app, incident_id, self.incident)

    def action_export_postmortem(self) -> None:
        """Ask where, then write the postmortem draft there (never over an existing file)."""
        if self.incident is None:
            self.app.notify("The incident is still loading.", markup=False)
            return
        backend = self.console_app.backend
        incident_id = self.incident.incident_id
        reference = self.incident.reference
        now = app_now(self.console_app)
        written: list[str] = []

        def parse(text: str) -> Path:
            path = Path(required_text(text)).expanduser()
            if path.is_dir():
                raise ValueError("That is a folder: add a file name.")
            if path.exists():
                raise ValueError("That file exists: choose another name (it is never replaced).")
            return path

        async def write(path: Path) -> None:
            record = await export.read_record(backend, incident_id)
            self.console_app.remember_users(record.people())  # redaction mode's pseudonyms

            def render_and_write() -> Path:
                text = export.to_markdown(record, now=now)
                return export.write_text(path, text, overwrite=False).absolute()

            written.append(str(await asyncio.to_thread(render_and_write)))

        def done(path: Path | None) -> None:
            if path is not None and written:
                self.app.notify(f"Postmortem draft written to {clean(written[-1])}", markup=False)

        self.app.push_screen(
            TextPrompt(
                "Export postmortem draft",
                f"./{export.default_filename(incident_id, reference=reference)}",
                hint=f"Markdown. A relative path is in {_current_folder()}.",
                parse=parse,
                submit=write,
            ),
            done,
        )

    def action_open_org_roles(self) -> None:
        self.console_app.open_org_roles()

    action_assign_role = _delegate("roles", "assign_role")
    action_unassign_role = _delegate("roles", "unassign_role")
