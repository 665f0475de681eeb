"""Pieces shared by the incident view's tabs and the org roles screen: looks of incident
facts (as ``Content``, built from cleaned text, never markup) and ``IncidentPane``, the
base of the tabs. Typed times are in ``incident_tui/times.py``, the cursor list in
``ui/widgets/record_list.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.content import Content

from incident_tui import models as m
from incident_tui.drafts import Draft
from incident_tui.text import one_line
from incident_tui.ui.presentation import severity_look, severity_words, status_word
from incident_tui.ui.widgets.record_list import RecordList

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend, Capabilities, Term
    from incident_tui.ui.app import IncidentApp

# --- facts as Content -------------------------------------------------------------


def app_now(app: IncidentApp) -> datetime:
    """The app's notion of now (fixed in snapshot tests), else the clock."""
    return app.now()


def person(user: m.UserPreview | None, empty: str = "—") -> str:
    """A person's display name (cleaned): their name, else their id."""
    if user is None:
        return empty
    return one_line(user.name or user.user_id, 40) or empty


#: Drawn on the theme's background, so a colour stays readable on any header (prod's red).
CHIP = " on $background"


def severity_content(severity: str, *, chip: bool = False, terms: Sequence[Term] = ()) -> Content:
    """``▲ SEV1 critical`` in the severity's colour: glyph and word carry the meaning
    (a backend's own severity, in ``terms``, keeps its word: ``◆ high``)."""
    look = severity_look(severity, terms)
    style = f"bold ${look.style}" + (CHIP if chip else "")
    return Content.styled(f"{look.glyph} {severity_words(look)}", style)


def status_content(status: str, *, chip: bool = False) -> Content:
    """The status in its own word (``INVESTIGATING``), coloured resolved or not."""
    word = status_word(str(status))
    style = "bold $status-resolved" if str(status) == "resolved" else "bold $status-active"
    return Content.styled(word, style + (CHIP if chip else ""))


def drill_content(is_drill: bool, *, chip: bool = False) -> Content:
    if not is_drill:
        return Content("")
    return Content.styled("[drill]", "bold $accent" + (CHIP if chip else ""))


def role_flags(role: m.Role) -> list[str]:
    """A role's flags as words (the org roles screen and the incident's Roles tab)."""
    flags = []
    if role.important:
        flags.append("important")
    if role.mandatory:
        flags.append("mandatory")
    if role.archived:
        flags.append("ARCHIVED")
    return flags


def tasks_done(task_list: m.TaskList) -> str:
    """``3/5 done``, counted from the tasks themselves so it never disagrees with the list."""
    total = len(task_list.tasks)
    done = sum(1 for t in task_list.tasks if str(t.status) == "done")
    if not task_list.tasks and (task_list.done_count or task_list.todo_count):
        done, total = task_list.done_count, task_list.done_count + task_list.todo_count
    return f"{done}/{total} done"


# --- the base of the incident tabs ----------------------------------------------------


class IncidentPane(Vertical):
    """One tab of the incident view: reads the screen's incident, calls the backend
    through the screen's workers, and asks the screen to re-read after a change."""

    @property
    def incident_screen(self) -> Any:
        return self.screen

    @property
    def console_app(self) -> IncidentApp:
        from incident_tui.ui.access import console_app

        return console_app(self)

    @property
    def backend(self) -> Backend:
        return self.console_app.backend

    @property
    def capabilities(self) -> Capabilities:
        """What the open backend offers (its vocabularies, whether notes have authors)."""
        return self.console_app.backend.capabilities

    @property
    def incident(self) -> m.Incident:
        incident = self.incident_screen.incident
        assert incident is not None, "actions run only once the incident is loaded"
        return incident

    @property
    def incident_id(self) -> str:
        return self.incident_screen.incident_id

    def focus_main(self) -> None:
        """Focus the tab's main widget (its list)."""
        for widget in self.query(RecordList):
            widget.focus()
            return
        self.focus()

    def show_incident(self, incident: m.Incident) -> None:
        """Show a freshly read incident (tabs override)."""

    def reopen_draft(self, draft: Draft) -> None:
        """Open the dialog a kept draft belongs to (tabs with drafts override)."""

    def changed(self) -> None:
        self.incident_screen.changed()

    def mutate(self, call: Callable[[], Awaitable[Any]], done: str = "") -> None:
        """Run a change in a worker; on success say ``done`` and re-read the incident."""

        def finished(_: Any) -> None:
            if done:
                self.app.notify(done, markup=False, timeout=3)
            self.changed()

        self.incident_screen.run_backend(call, finished, group="incident-mutate", exclusive=False)

    def after(self, call: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[None]]:
        """A dialog ``submit`` that runs ``call`` and then re-reads the incident."""

        async def submit(value: Any) -> None:
            await call(value)
            self.changed()

        return submit

    def note(self, message: str) -> None:
        """A short, plain message (e.g. why a key did nothing here)."""
        self.app.notify(message, markup=False, severity="warning", timeout=4)
