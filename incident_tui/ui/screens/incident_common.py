"""Pieces shared by the incident view's tabs and the org roles screen.

Looks of incident facts (as ``Content``, built from cleaned text, never markup),
the time-input parser used by the event-time prompts, and ``RecordList``: the
cursor list every tab uses, which keeps the cursor on the same record when its
rows are replaced by a refresh.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from textual.containers import Vertical
from textual.content import Content
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from incident_tui import models as m
from incident_tui.drafts import Draft
from incident_tui.text import one_line
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.presentation import severity_look, severity_words, status_word

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend, Capabilities, Term
    from incident_tui.ui.app import IncidentApp

# --- facts as Content -------------------------------------------------------------


def app_now(app: IncidentApp) -> datetime:
    """The app's notion of now (fixed in snapshot tests), else the clock."""
    return app.now()


def incident_ref(incident_id: str) -> str:
    """The short reference people say out loud, as the incident list shows it: ``#42``."""
    return f"#{one_line(incident_id, 40)}"


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


# --- typed times ----------------------------------------------------------------

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_UTC_SUFFIX = re.compile(r"\s*(UTC|Z)$", re.IGNORECASE)

TIME_HINT = (
    "RFC 3339 (2026-11-25T03:04:00Z), 'YYYY-MM-DD HH:MM' in local time, '… UTC' for UTC, or 'now'"
)


def to_rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time_input(text: str, *, local: tzinfo | None = None, now: datetime | None = None) -> str:
    """What a person typed as a time -> an RFC 3339 UTC string.

    Accepts ``now``, RFC 3339 with ``Z`` or an offset, and ``YYYY-MM-DD HH:MM[:SS]``
    read as local time (or UTC with a trailing ``UTC``/``Z``). Raises ``ValueError``
    with a message fit to show inline.
    """
    value = text.strip()
    if not value:
        raise ValueError("Type a time, e.g. 2026-11-25 03:04 or now.")
    if value.lower() == "now":
        return to_rfc3339(now or datetime.now(UTC))
    parsed = _parse_moment(value, local)
    if parsed is None:
        raise ValueError(
            "Not a time I can read: use 2026-11-25 03:04, 2026-11-25T03:04:00Z or now."
        )
    if parsed.year < 1970 or parsed > (now or datetime.now(UTC)) + timedelta(days=366 * 5):
        raise ValueError("That time is out of range.")
    return to_rfc3339(parsed)


def _parse_moment(value: str, local: tzinfo | None) -> datetime | None:
    is_utc = bool(_UTC_SUFFIX.search(value))
    bare = _UTC_SUFFIX.sub("", value)
    for fmt in _LOCAL_FORMATS:
        try:
            parsed = datetime.strptime(bare, fmt)
        except ValueError:
            continue
        if is_utc:
            return parsed.replace(tzinfo=UTC)
        # naive: the given zone, else the machine's local zone
        return parsed.replace(tzinfo=local) if local is not None else parsed.astimezone()
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local) if local is not None else parsed.astimezone()
    return parsed


def local_zone_name() -> str:
    """The local zone as people see it (``CET``, ``UTC+01:00``), for prompt hints."""
    local = datetime.now().astimezone()
    return local.tzname() or local.strftime("UTC%z")


# --- the cursor list ------------------------------------------------------------------


class RecordList(OptionList):
    """An ``OptionList`` of records (Line API: only visible lines are rendered) with vim
    keys, whose rows can be replaced without losing the cursor's record."""

    BINDINGS = bindings(
        (
            Command(
                "records.cursor_down",
                "j",
                "cursor_down",
                "Down",
                "Down",
                "Lists",
                show=False,
                palette=False,
            ),
            Command(
                "records.cursor_up",
                "k",
                "cursor_up",
                "Up",
                "Up",
                "Lists",
                show=False,
                palette=False,
            ),
            Command(
                "records.first", "g", "first", "First", "First", "Lists", show=False, palette=False
            ),
            Command(
                "records.last", "G", "last", "Last", "Last", "Lists", show=False, palette=False
            ),
        )
    )

    # Unscoped so the NO_COLOR rule can start at the App: without colour the cursor row
    # must still stand out, so it is underlined (OptionList's option styles drop reverse).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    RecordList {
        height: 1fr;
        border: none;
        padding: 0;
        background: $surface;
        &:focus {
            border: none;
        }
    }
    App:nocolor RecordList > .option-list--option-highlighted {
        text-style: bold underline;
    }
    """

    def __init__(
        self, *, empty: str = "Nothing here.", divided: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id, markup=False)
        self.empty_text = empty
        #: A rule between rows, for lists of multi-line records (the timeline).
        self.divided = divided
        self._keys: list[str] = []

    def render_line(self, y: int) -> Strip:
        """The cursor row in one colour pair: text styled for the list's background (muted
        times, accented kinds) would be unreadable on the cursor's background."""
        strip = super().render_line(y)
        try:
            index, _ = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return strip
        if index != self.highlighted or self.options[index].disabled:
            return strip
        if not strip.text.strip("─ "):
            return strip  # the rule under a divided record is not part of the cursor
        cursor = self.get_visual_style(
            "option-list--option", "option-list--option-highlighted"
        ).rich_style
        colours = Style(color=cursor.color, bgcolor=cursor.bgcolor)
        return Strip(
            [Segment(text, (style + colours) if style else cursor) for text, style, _ in strip],
            strip.cell_length,
        )

    def _options_for(self, rows: Sequence[tuple[str, Content]], *, after: bool) -> list:
        """Options for ``rows``; with ``divided`` a rule before each (but the very first)."""
        options: list[Option | None] = []
        for n, (_, prompt) in enumerate(rows):
            if self.divided and (after or n):
                options.append(None)
            options.append(Option(prompt))
        return options

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def current_key(self) -> str | None:
        """The key of the record under the cursor (None when the list is empty)."""
        index = self.highlighted
        if index is None or index >= len(self._keys):
            return None
        return self._keys[index]

    def set_rows(self, rows: Sequence[tuple[str, Content]], *, keep: bool = True) -> None:
        """Replace every row; the cursor stays on the same key when it is still there,
        else on the same position."""
        old_key = self.current_key if keep else None
        old_index = self.highlighted if keep else None
        scroll_y = self.scroll_y
        self.clear_options()
        self._keys = [key for key, _ in rows]
        if not rows:
            self.add_option(
                Option(Content.styled(self.empty_text, "italic $text-muted"), disabled=True)
            )
            return
        self.add_options(self._options_for(rows, after=False))
        target = 0
        if old_key is not None and old_key in self._keys:
            target = self._keys.index(old_key)
        elif old_index is not None:
            target = min(old_index, len(rows) - 1)
        self.highlighted = target
        if keep and self.is_mounted:
            self.scroll_to_highlight()  # lays the new rows out
            self.scroll_to(y=scroll_y, animate=False, immediate=True)  # the view stays put
            self.scroll_to_highlight()  # unless that hides the cursor

    def add_rows(self, rows: Sequence[tuple[str, Content]]) -> None:
        """Append rows (the next page) without moving the cursor."""
        if not rows:
            return
        if not self._keys:
            self.set_rows(rows, keep=False)
            return
        self._keys.extend(key for key, _ in rows)
        self.add_options(self._options_for(rows, after=True))

    def select_key(self, key: str) -> bool:
        if key in self._keys:
            self.highlighted = self._keys.index(key)
            return True
        return False


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
