"""The incident list: a Line API widget that renders only the visible rows.

Rows come from the backend a page at a time through QueryIncidents cursors
(keyset paging), so 100 000 incidents cost what 100 do: the widget asks for the
next page when the viewport nears the end of what is loaded, keeps a bounded
cache of pages (evicted pages are fetched again from their start cursor), and
never loads everything. The total is unknown until the last page arrives, so
the virtual height grows as pages come in ("N+ incidents").
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.dom import NoScreen
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import Worker

from incident_tui.text import clean, incident_reference
from incident_tui.ui.presentation import (
    duration_column,
    first_set_time,
    severity_look,
    severity_words,
    status_word,
    time_column,
)

if TYPE_CHECKING:  # the first frame is drawn before pydantic is imported
    from incident_tui import models as m
    from incident_tui.backends.base import Term
    from incident_tui.errors import BackendError

PAGE_SIZE = 50
MAX_CACHED_PAGES = 80  # 4 000 rows in memory at most, whatever the store holds
PREFETCH_SCREENS = 3  # screens below the view kept loaded ahead of the cursor
GROWTH_QUIET = 0.1  # seconds left alone before pages read ahead show in scrollbar and count


def _deferred(
    work: Callable[..., Awaitable[None]], *args: Any
) -> Callable[[], Coroutine[Any, Any, Any]]:
    """``work(*args)`` for a worker, made only when the worker starts: a worker cancelled
    before it starts (a newer reload in the same exclusive group, or the app closing)
    would otherwise leave a coroutine never awaited (a RuntimeWarning)."""

    async def run() -> None:
        await work(*args)

    return run


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """The facts one list row shows, small enough to keep thousands in memory."""

    incident_id: str
    severity: str
    status: str
    is_drill: bool
    title: str
    labels: tuple[str, ...]
    commander: str
    incident_start: str
    incident_end: str
    created_time: str
    duration_seconds: int
    tasks_done: int
    tasks_total: int
    closed_time: str = ""
    #: "QUEUED", "CHECKING", "REFUSED"... for an incident that exists only in the outbox.
    mark: str = ""
    #: The system's own reference where it is not the id (incident.io's ``INC-123``).
    reference: str = ""

    @property
    def ref(self) -> str:
        """The reference shown: ``#42`` (or the system's own, ``INC-123``), or ``⧗ new``
        for a queued incident (no id yet)."""
        if self.mark:
            return "⧗ new"
        return incident_reference(self.incident_id, self.reference)

    @classmethod
    def from_incident(cls, incident: m.Incident) -> IncidentRow:
        commander = ""
        for role in incident.roles:
            if role.role == "commander" and (role.user.name or role.user.user_id):
                commander = role.user.name or role.user.user_id
                break
        else:
            for assignment in incident.incident_membership.assignments:
                if assignment.role.name == "commander":
                    commander = assignment.user.name or assignment.user.user_id
                    break
        tasks = incident.task_list
        total = len(tasks.tasks) or tasks.todo_count + tasks.done_count
        return cls(
            incident_id=incident.incident_id,
            severity=incident.severity,
            status=str(incident.status),
            is_drill=incident.is_drill,
            title=incident.title,
            labels=tuple(label.label for label in incident.labels),
            commander=commander,
            incident_start=incident.incident_start,
            incident_end=incident.incident_end,
            created_time=incident.created_time,
            duration_seconds=incident.duration_seconds,
            tasks_done=tasks.done_count,
            tasks_total=total,
            closed_time=incident.closed_time,
            reference=incident.reference or "",
        )

    @classmethod
    def from_preview(cls, preview: m.IncidentPreview, role_names: dict[int, str]) -> IncidentRow:
        """A row from a light preview; ``role_names`` (role ID -> name) finds the commander."""
        commander = ""
        for held in preview.incident_membership_preview.important_assignments:
            if role_names.get(held.role_id) == "commander":
                commander = held.user.name or held.user.user_id
                break
        resolved = str(preview.status) == "resolved"
        todo, done = preview.todo_count or 0, preview.done_count or 0
        return cls(
            incident_id=preview.incident_id,
            severity=preview.severity_label or preview.severity_id,
            status=str(preview.status),
            is_drill=preview.is_drill,
            title=preview.title,
            labels=tuple(label.label for label in preview.labels),
            commander=commander,
            incident_start=preview.incident_start,
            # A preview has no duration: a resolved one ends when it was closed.
            incident_end=first_set_time(
                preview.incident_end, preview.closed_time if resolved else ""
            ),
            created_time=preview.created_time,
            duration_seconds=0,
            tasks_done=done,
            tasks_total=todo + done,
        )


#: Fetches one page: (start cursor or None for the first page, limit) -> (rows, cursor after).
PageFetcher = Callable[[Any, int], Awaitable[tuple[list[IncidentRow], Any]]]


class PageCache:
    """Rows of one keyset-paged query, by page index, with a bounded LRU of page bodies.

    Every page but the last holds exactly ``page_size`` rows, so row ``i`` lives in
    page ``i // page_size``. ``starts[k]`` is the cursor that fetches page ``k``; it
    is kept after the page body is evicted, so a page can always be fetched again.
    """

    def __init__(self, page_size: int = PAGE_SIZE, max_pages: int = MAX_CACHED_PAGES) -> None:
        self.page_size = page_size
        self.max_pages = max_pages
        self.starts: list[m.Cursor | None] = [None]  # None: the first page
        self.sizes: list[int] = []
        self.pages: OrderedDict[int, list[IncidentRow]] = OrderedDict()
        self.has_more = True  # pages beyond len(sizes) may exist
        self.complete = False  # the first fetch has answered
        self.ref_width = 0  # cells of the longest "#id" seen

    @property
    def loaded_count(self) -> int:
        """Rows whose position is known (fetched at least once)."""
        if not self.sizes:
            return 0
        return (len(self.sizes) - 1) * self.page_size + self.sizes[-1]

    def row(self, index: int) -> IncidentRow | None:
        page, offset = divmod(index, self.page_size)
        rows = self.pages.get(page)
        if rows is None or offset >= len(rows):
            return None
        self.pages.move_to_end(page)
        return rows[offset]

    def index_of(self, incident_id: str) -> int | None:
        for page, rows in self.pages.items():
            for offset, row in enumerate(rows):
                if row.incident_id == incident_id:
                    return page * self.page_size + offset
        return None

    def skeleton(self) -> PageCache:
        """The same pages (positions and sizes) without their rows, to be read again."""
        copy = PageCache(self.page_size, self.max_pages)
        copy.starts = list(self.starts)
        copy.sizes = list(self.sizes)
        copy.has_more = self.has_more
        copy.complete = self.complete
        copy.ref_width = self.ref_width
        return copy

    def same_shape(self, page: int, rows: list[IncidentRow], after: m.Cursor) -> bool:
        """Whether a fresh read of ``page`` ends where the known next page starts."""
        if page >= len(self.sizes) or len(rows) != self.sizes[page]:
            return False
        following = self.starts[page + 1] if page + 1 < len(self.starts) else None
        return following is None or following.next_value == after.next_value

    def pages_needed(self, first: int, last: int) -> list[int]:
        """Pages to fetch so rows ``first..last`` can be shown (known-but-evicted or next)."""
        wanted: list[int] = []
        first_page = max(first, 0) // self.page_size
        last_page = max(last, 0) // self.page_size
        for page in range(first_page, last_page + 1):
            if page < len(self.sizes):
                if page not in self.pages:
                    wanted.append(page)
            elif page == len(self.sizes) and self.has_more:
                wanted.append(page)
                break
            else:
                break
        return wanted

    def put(self, page: int, rows: list[IncidentRow], after: m.Cursor) -> bool:
        """Store a fetched page. Returns True when the known length changed."""
        if page > len(self.sizes):
            return False  # a stale answer for a page no longer reachable
        before = self.loaded_count
        self.complete = True
        for row in rows:
            self.ref_width = max(self.ref_width, len(row.ref))
        if page < len(self.sizes):
            if not self.same_shape(page, rows, after):
                self._truncate_after(page)
                self.sizes[page] = len(rows)
                self._set_tail(page, rows, after)
        else:
            self.sizes.append(len(rows))
            self._set_tail(page, rows, after)
        self.pages[page] = rows
        self.pages.move_to_end(page)
        while len(self.pages) > self.max_pages:
            self.pages.popitem(last=False)
        return self.loaded_count != before

    def _set_tail(self, page: int, rows: list[IncidentRow], after: m.Cursor) -> None:
        more = after.has_more and len(rows) >= self.page_size
        self.has_more = more
        del self.starts[page + 1 :]
        if more:
            self.starts.append(after)

    def _truncate_after(self, page: int) -> None:
        del self.sizes[page + 1 :]
        del self.starts[page + 1 :]
        for key in [k for k in self.pages if k > page]:
            del self.pages[key]


@dataclass(frozen=True, slots=True)
class _Frame:
    """What every line of one frame needs, worked out once (see IncidentList.render_lines)."""

    top: int  # the row at the top of the view
    width: int  # cells for the row (the scrollbar's column left out)
    base: Style  # the widget's own style
    pad: int  # cells from the row's end to the content width (the scrollbar's column)
    inner: Style  # the style they are padded with, as Textual pads them

    def padded(self, strip: Strip) -> Strip:
        """A row's strip as it goes on screen: kept padded, so a frame copies nothing."""
        if not self.pad:
            return strip
        return strip.adjust_cell_length(self.width + self.pad, self.inner)


class _KeptCursor:
    """Stands for the cursor after kept rows (a real one needs pydantic, not yet loaded)."""

    has_more = True
    next_value = ""


@dataclass(frozen=True)
class Columns:
    """Column widths for one terminal width; 0 hides a column."""

    ref: int
    severity: int
    long_severity: bool
    status: int
    drill: int
    title: int
    labels: int
    commander: int
    time: int
    duration: int
    tasks: int

    @classmethod
    def for_width(cls, width: int, ref: int = 5, sort_field: str = "") -> Columns:
        """Columns for ``width`` cells; ``ref`` fits the longest reference loaded ("#100000").

        The row never exceeds ``width`` (the last column keeps its last character), and
        the column the list is sorted by is always shown.
        """
        ref = max(ref, 4)
        status, time, duration, tasks = 8, 7, 6, 5
        if width >= 140:
            sev, long_sev, drill, labels, commander = 15, True, 7, 24, 16
        elif width >= 110:
            sev, long_sev, drill, labels, commander = 7, False, 7, 18, 14
        elif width >= 96:
            sev, long_sev, drill, labels, commander = 7, False, 1, 14, 10
        elif width >= 70:
            sev, long_sev, drill, labels, commander = 7, False, 1, 0, 10
            duration, tasks = (6, 0) if sort_field == "duration" else (0, 5)
        else:
            sev, long_sev, drill, labels, commander = 7, False, 1, 0, 0
            duration, tasks = 0, 0
            if sort_field == "duration":
                time, duration = 0, 6
        widths = (ref, sev, status, drill, labels, commander, time, duration, tasks)
        fixed = 1 + sum(w + 1 for w in widths if w)
        if width - fixed < 8:
            status = 3  # "ACT" / "RES": the word stays, shortened
            fixed -= 5
        title = max(width - fixed, 1)
        return cls(
            ref, sev, long_sev, status, drill, title, labels, commander, time, duration, tasks
        )


def adapted(columns: Columns, hidden: frozenset[str], status: int = 0) -> Columns:
    """``columns`` without the ``hidden`` ones (what the backend lacks: ``drill``,
    ``labels``, ``commander``, ``tasks``) and with a status column of at least ``status``
    cells (a backend's own longer words); the title takes the difference."""
    widths = {name: getattr(columns, name) for name in hidden if getattr(columns, name, 0)}
    freed = sum(w + 1 for w in widths.values())
    changes: dict[str, Any] = dict.fromkeys(widths, 0)
    if status > columns.status:
        grow = min(status - columns.status, freed + columns.title - 12)
        if grow > 0:
            changes["status"] = columns.status + grow
            freed -= grow
    if not changes:
        return columns
    return replace(columns, title=max(columns.title + freed, 1), **changes)


def _fit(text: str, width: int) -> str:
    """Exactly ``width`` cells: cut with an ellipsis or padded."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def _right(text: str, width: int) -> str:
    text = _fit(text, width) if cell_len(text) > width else text
    return " " * (width - cell_len(text)) + text


#: (orderField, the word for it, the column it orders; "" when no column shows it).
SORT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("createdTime", "declared", ""),
    ("modifiedTime", "updated", ""),
    ("severity", "severity", "severity"),
    ("title", "title", "title"),
    ("status", "status", "status"),
    ("statusTime", "time", "time"),
    ("duration", "duration", "duration"),
    ("incidentStart", "started", ""),
)
#: Sorts that start most-first (newest, most severe, longest).
DESCENDING_FIRST = frozenset(
    {"createdTime", "modifiedTime", "severity", "statusTime", "duration", "incidentStart"}
)


def column_header(columns: Columns, sort_field: str, descending: bool) -> str:
    """The header line over the list: the arrow sits on the column whose values are in
    that order; an order no column shows is named after TITLE (``TITLE · declared▼``)."""
    arrow = "▼" if descending else "▲"
    sorted_column = next((col for f, _, col in SORT_FIELDS if f == sort_field), "")
    word = next((w for f, w, _ in SORT_FIELDS if f == sort_field), sort_field)

    def name(label: str, column: str, width: int, right: bool = False) -> str:
        text = f"{label}{arrow}" if column == sorted_column else label
        return _right(text, width) if right else _fit(text, width)

    title = "TITLE" if sorted_column else f"TITLE · {word}{arrow}"
    parts = [
        " ",
        _fit("REF", columns.ref),
        " ",
        name("SEV", "severity", columns.severity),
        " ",
        name("STATUS" if columns.status > 3 else "ST", "status", columns.status),
        " ",
        _fit("D" if columns.drill == 1 else "DRILL", columns.drill),
        " " if columns.drill else "",
        name(title, "title", columns.title),
    ]
    if columns.labels:
        parts += [" ", _fit("LABELS", columns.labels)]
    if columns.commander:
        parts += [" ", _fit("COMMANDER", columns.commander)]
    if columns.time:
        parts += [" ", name("TIME", "time", columns.time, right=True)]
    if columns.duration:
        parts += [" ", name("DUR", "duration", columns.duration, right=True)]
    if columns.tasks:
        parts += [" ", _right("TASKS", columns.tasks)]
    return "".join(parts)


class IncidentList(ScrollView, can_focus=True, inherit_bindings=False):
    """Incidents one per line; only visible lines are rendered, pages load on demand.

    Keys are bound by the screen (from the command registry); this widget offers
    the actions (``cursor_down`` ...) and posts ``Highlighted``/``Selected``.
    """

    DEFAULT_CSS = """
    IncidentList {
        height: 1fr;
        overflow-x: hidden;
        /* The scrollbar stays when the rows fit (or a filter matches none): rows coming
           and going would otherwise show and hide it, change the width, the columns and
           the header, and lay out and redraw the whole list twice. */
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        background: $background;
    }
    IncidentList > .incident-list--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: bold;
    }
    IncidentList:focus > .incident-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    IncidentList > .incident-list--ref { color: $text-muted; }
    IncidentList > .incident-list--sev-critical { color: $sev-critical; text-style: bold; }
    IncidentList > .incident-list--sev-major { color: $sev-major; text-style: bold; }
    IncidentList > .incident-list--sev-minor { color: $sev-minor; }
    IncidentList > .incident-list--sev-pending { color: $sev-pending; }
    IncidentList > .incident-list--active { color: $status-active; text-style: bold; }
    IncidentList > .incident-list--resolved { color: $status-resolved; }
    IncidentList > .incident-list--drill { color: $accent; }
    IncidentList > .incident-list--muted { color: $text-muted; }
    IncidentList > .incident-list--placeholder { color: $text-muted; text-style: italic; }
    IncidentList > .incident-list--queued { color: $warning; text-style: bold italic; }
    """

    COMPONENT_CLASSES = {
        "incident-list--cursor",
        "incident-list--ref",
        "incident-list--sev-critical",
        "incident-list--sev-major",
        "incident-list--sev-minor",
        "incident-list--sev-pending",
        "incident-list--active",
        "incident-list--resolved",
        "incident-list--drill",
        "incident-list--muted",
        "incident-list--placeholder",
        "incident-list--queued",
    }

    # repaint=False: a move repaints two lines (watch_cursor), not the whole list.
    cursor: reactive[int] = reactive(0, init=False, always_update=False, repaint=False)

    class Highlighted(Message):
        def __init__(self, row: IncidentRow | None) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        def __init__(self, row: IncidentRow) -> None:
            super().__init__()
            self.row = row

    class Loaded(Message):
        """A page arrived (the header updates its "N+ incidents")."""

    class ColumnsChanged(Message):
        """The column widths changed (a scrollbar came or went): redraw the header."""

    class LoadFailed(Message):
        def __init__(self, error: BackendError, first_page: bool, generation: int) -> None:
            super().__init__()
            self.error = error
            self.first_page = first_page
            #: The query it answers (see IncidentList.generation): a failure that arrives
            #: after another query started says nothing about that one.
            self.generation = generation

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        page_size: int = PAGE_SIZE,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now = now
        self.page_size = page_size
        self.cache = PageCache(page_size)
        self._fetcher: PageFetcher | None = None
        self._generation = 0
        self._inflight: set[int] = set()
        self._strips: LRUCache[tuple[int, int, bool], Strip] = LRUCache(600)
        self._page_workers: dict[int, Worker[None]] = {}
        self._prerender_pending = False
        #: Pages read ahead not yet taken into the scrollbar and count (see _grow).
        self._growth_pending = False
        self._growth_timer: Timer | None = None
        #: (top row, width, base style) while a frame is rendered (see render_lines).
        self._frame: _Frame | None = None
        self._styles: dict[str, Style] | None = None
        self._columns: Columns | None = None
        self._columns_key: tuple[int, int, str] = (0, 0, "")
        #: The widest reference shown since the list started (or forget_widths): the
        #: reference column does not narrow when a filter finds shorter ids, so columns
        #: and header stay put while typing.
        self._ref_floor = 0
        self._widths_forgotten = False
        #: The query (generation) the rows in ``cache`` belong to: pages are read for it only.
        self._cache_generation = 0
        #: The order the rows come in (the screen sets it), so its column is shown.
        self.sort_field = ""
        self._now_value: datetime | None = None
        self.empty_message = "No incidents match."
        self.loading_message = "Loading incidents…"
        #: Shown instead of any row (an invalid filter); cleared when rows are installed.
        self.notice = ""
        #: Columns the backend has nothing for (see ``adapted``), and the width its
        #: longest status word needs; the screen sets them from the capabilities.
        self.hidden_columns: frozenset[str] = frozenset()
        self.status_width = 0
        #: Follow the cursor past an edge by half a screen, not a line (config ``scroll``).
        self.scroll_jump = False
        #: The backend's own severities (their words, Grafana's glyphs and colours).
        self.severity_terms: tuple[Term, ...] = ()

    # --- public face --------------------------------------------------------
    def adapt(
        self, hidden: frozenset[str], status_width: int, severity_terms: tuple[Term, ...]
    ) -> None:
        """Follow a backend's capabilities: columns it has nothing for, its own words."""
        if (hidden, status_width, severity_terms) == (
            self.hidden_columns,
            self.status_width,
            self.severity_terms,
        ):
            return
        self.hidden_columns = hidden
        self.status_width = status_width
        self.severity_terms = severity_terms
        self._columns = None
        self._strips.clear()
        self.refresh()

    def forget_widths(self) -> None:
        """Another backend (other references): the reference column fits the rows of the
        next list installed afresh (the old rows may still be drawn until then)."""
        self._widths_forgotten = True

    @property
    def generation(self) -> int:
        """Which query the list shows or is loading (each load, refresh and reset is a new one)."""
        return self._generation

    @property
    def count(self) -> int:
        return self.cache.loaded_count

    @property
    def has_more(self) -> bool:
        return self.cache.has_more

    @property
    def ready(self) -> bool:
        return self.cache.complete

    @property
    def highlighted(self) -> IncidentRow | None:
        return self.cache.row(self.cursor) if self.count else None

    @property
    def columns(self) -> Columns:
        width = self.scrollable_content_region.width or self.size.width or 80
        self._ref_floor = ref = max(self._ref_floor, self.cache.ref_width)
        key = (width, ref, self.sort_field)
        if self._columns is None or self._columns_key != key:
            changed = self._columns is not None
            self._columns = adapted(
                Columns.for_width(width, ref, self.sort_field),
                self.hidden_columns,
                self.status_width,
            )
            self._columns_key = key
            self._strips.clear()
            if changed:  # e.g. a scrollbar appeared: the header must line up again
                self.post_message(self.ColumnsChanged())
        return self._columns

    def load(self, fetcher: PageFetcher, *, keep_id: str | None = None) -> None:
        """Show a new query's rows (a filter, a sort, a refresh) once its first pages arrive.

        The old rows stay on screen until then, so typing a filter never flashes an
        empty list; ``keep_id`` keeps the cursor on that incident if it is still there.
        """
        self._generation += 1
        generation = self._generation
        self._fetcher = fetcher
        self._cancel_page_fetches()
        # A new list (no incident to keep) needs only its first screenful before showing.
        view = self.scroll_offset.y + self.size.height
        want_rows = (max(self.cursor, view) if keep_id else self.size.height) + 1

        self.run_worker(
            _deferred(self._reload, fetcher, generation, keep_id, want_rows),
            group="incident-list-reload",
            exclusive=True,
            exit_on_error=False,
        )

    def refresh_rows(self) -> None:
        """Re-read the rows in view (live refresh), keeping the cursor's incident.

        The pages around the cursor are read again from their own keyset positions, so
        a refresh at row 820 of 2 000 costs two or three requests and the cursor stays
        on its incident; the first page is read too, for incidents new at the top.
        """
        if self._fetcher is None:
            return
        row = self.highlighted
        keep_id = row.incident_id if row else None
        if not self.cache.complete or keep_id is None:
            self.load(self._fetcher, keep_id=keep_id)
            return
        self._generation += 1
        self.run_worker(
            _deferred(self._refresh_window, self._fetcher, self._generation, keep_id),
            group="incident-list-reload",
            exclusive=True,
            exit_on_error=False,
        )

    def show_kept_rows(self, rows: list[IncidentRow]) -> None:
        """Rows kept from the last run, shown until the first ``load`` installs real ones
        (which keeps the cursor on its incident); nothing is fetched from them."""
        if not rows or self.cache.complete:
            return
        cache = PageCache(self.page_size)
        cache.put(0, rows, _KeptCursor())  # type: ignore[arg-type]
        self.cache = cache
        self._strips.clear()
        self._update_virtual_size()
        self.refresh()

    def _cancel_page_fetches(self) -> None:
        """Pages of the old query still queued for the store would only delay the new one."""
        for worker in self._page_workers.values():
            worker.cancel()
        self._page_workers.clear()
        self._inflight.clear()

    def show_nothing(self, message: str) -> None:
        """No rows, only ``message``: what an invalid filter would show could only mislead
        (the results of its last valid prefix). The next ``load`` brings rows back."""
        self._generation += 1  # answers still under way belong to the old query
        cache = PageCache(self.page_size)
        cache.has_more = False
        cache.complete = True
        self.cache = cache
        self._cache_generation = self._generation
        self._drop_growth()
        self.notice = message
        self._inflight.clear()
        self._strips.clear()
        self.set_reactive(IncidentList.cursor, 0)
        self._update_virtual_size()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()
        self._draw_soon()
        self.post_message(self.Highlighted(None))

    def select_incident(self, incident_id: str) -> bool:
        index = self.cache.index_of(incident_id)
        if index is None:
            return False
        self.cursor = index
        return True

    # --- loading --------------------------------------------------------------
    async def _reload(
        self, fetcher: PageFetcher, generation: int, keep_id: str | None, want_rows: int
    ) -> None:
        cache = PageCache(self.page_size)
        # Fetch from the top down to the rows in view (bounded), so indexes stay exact.
        max_pages = 10
        page = 0
        from incident_tui.errors import BackendError

        try:
            while True:
                rows, after = await fetcher(cache.starts[page], self.page_size)
                if generation != self._generation:
                    return
                cache.put(page, rows, after)
                page += 1
                if not cache.has_more or cache.loaded_count >= want_rows or page >= max_pages:
                    break
        except BackendError as exc:
            if generation == self._generation:
                self.post_message(self.LoadFailed(exc, True, generation))
            return
        self._install(cache, keep_id)

    async def _refresh_window(self, fetcher: PageFetcher, generation: int, keep_id: str) -> None:
        from incident_tui.errors import BackendError

        old = self.cache
        size = self.page_size
        top = self.scroll_offset.y
        first_page = min(top, self.cursor) // size
        last_page = min(max(top + self.size.height, self.cursor) // size, len(old.sizes) - 1)
        cache = old.skeleton()
        try:
            page = first_page
            while page <= last_page and page < len(cache.starts):
                rows, after = await fetcher(cache.starts[page], size)
                if generation != self._generation:
                    return
                cache.put(page, rows, after)
                page += 1
            if first_page > 0:
                rows, after = await fetcher(None, size)
                if generation != self._generation:
                    return
                if cache.same_shape(0, rows, after):
                    cache.put(0, rows, after)
                elif cache.index_of(keep_id) is None and any(
                    r.incident_id == keep_id for r in rows
                ):
                    # The incident moved to the top (sorted by update): follow it there.
                    cache = PageCache(size)
                    cache.put(0, rows, after)
                # else: new incidents above; the top page is read again when shown
        except BackendError as exc:
            if generation == self._generation:
                self.post_message(self.LoadFailed(exc, False, generation))
            return
        self._install(cache, keep_id)

    def _install(self, cache: PageCache, keep_id: str | None) -> None:
        old_cursor, old_top = self.cursor, self.scroll_offset.y
        self.cache = cache
        self._cache_generation = self._generation
        self._drop_growth()  # the new rows' size is set below
        if self._widths_forgotten:
            self._widths_forgotten = False
            self._ref_floor = 0
        self.notice = ""
        self._inflight.clear()
        self._strips.clear()
        self._now_value = None
        target = None
        if keep_id is not None:
            target = cache.index_of(keep_id)
        if target is None:
            target = min(old_cursor, max(cache.loaded_count - 1, 0)) if keep_id else 0
        self._update_virtual_size()
        self.set_reactive(IncidentList.cursor, target)
        # Keep the cursor's incident at the same height on screen, except at the top of
        # the list, which stays in view so that new incidents show up there.
        height = max(self.scrollable_content_region.height, 1)
        if keep_id is None or (old_top == 0 and target < height):
            top = 0
        else:
            top = max(target - (old_cursor - old_top), 0)
        self.scroll_to(y=top, animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self._draw_soon()
        # No pages are read ahead until the first move: one read more now would change
        # the scrollbar and the count a moment after the rows (the list would not settle).
        self.post_message(self.Loaded())
        self.post_message(self.Highlighted(self.highlighted))

    def _draw_soon(self) -> None:
        """Rows the person is waiting for: drawn as soon as the screen is idle, not at the
        frame timer's next tick (see ConsoleScreen.draw_now)."""
        try:
            draw_now = getattr(self.screen, "draw_now", None)
        except NoScreen:
            return
        if draw_now is not None:
            draw_now()

    def _update_virtual_size(self) -> None:
        rows = self.cache.loaded_count + (
            1 if self.cache.has_more or not self.cache.loaded_count else 0
        )
        size = Size(self.scrollable_content_region.width, rows)
        if size == self.virtual_size:
            return
        if self.size.height and size.width == self.virtual_size.width:
            # More rows (a page read ahead): the widget's own size and the screen's layout
            # do not change (the scrollbar is always there), so no layout, which would
            # redraw the whole list (~20 KB at 200x60) for rows not even in view; only
            # the scrollbar's thumb follows.
            self.set_reactive(IncidentList.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = rows
            return
        self.virtual_size = size

    def _ensure_loaded(self) -> None:
        """Fetch what the view needs, and the pages ahead of it: the next screens down
        (pages chain, each from the cursor of the one before) and the screen above, so
        that a page down or up finds its rows loaded instead of waiting for the store."""
        if self._fetcher is None or not self.cache.complete:
            return
        if self._cache_generation != self._generation:
            return  # another query is being read: these rows' pages are not its pages
        top = self.scroll_offset.y
        height = max(self.size.height, 1)
        first = max(min(top, self.cursor) - height, 0)
        last = max(top + height, self.cursor) + PREFETCH_SCREENS * height + self.page_size // 4
        for page in self.cache.pages_needed(first, last):
            if page in self._inflight:
                continue
            self._inflight.add(page)
            self._page_workers[page] = self.run_worker(
                _deferred(self._fetch_page, self._fetcher, self._generation, page),
                group=f"incident-list-page-{page}",
                exit_on_error=False,
            )
        self._schedule_prerender()

    def _schedule_prerender(self) -> None:
        if not self._prerender_pending:
            self._prerender_pending = True
            self.set_timer(0.03, self._prerender)

    def _prerender(self) -> None:
        """Render the rows of the screens above and below the view while nothing else
        happens, so the next page down or up only copies strips to the terminal."""
        self._prerender_pending = False
        if not self.cache.loaded_count or not self.size.height:
            return
        frame = self._frame_facts()
        width, base = frame.width, frame.base
        top, height = self.scroll_offset.y, self.size.height
        started = time.perf_counter()
        for index in (*range(top + height, top + 2 * height), *range(top - height, top)):
            if not 0 <= index < self.cache.loaded_count or index == self.cursor:
                continue
            key = (index, width, False)
            if self._strips.get(key) is not None:
                continue
            row = self.cache.row(index)
            if row is None:
                continue
            self._strips.set(key, frame.padded(self._render_row(row, width, False, base)))
            if time.perf_counter() - started > 0.008:  # keep keys answered: go on later
                self._schedule_prerender()
                return

    async def _fetch_page(self, fetcher: PageFetcher, generation: int, page: int) -> None:
        from incident_tui.errors import BackendError

        try:
            start = self.cache.starts[page]
            rows, after = await fetcher(start, self.page_size)
        except BackendError as exc:
            if generation == self._generation:
                self.post_message(self.LoadFailed(exc, False, generation))
            return
        except IndexError:
            return
        finally:
            self._inflight.discard(page)
            self._page_workers.pop(page, None)
        if generation != self._generation:
            return
        shown = self.highlighted
        appended = page == len(self.cache.sizes)
        ref_width = self.cache.ref_width
        changed = self.cache.put(page, rows, after)
        if not appended or ref_width != self.cache.ref_width:
            self._strips.clear()  # rows may have moved, or the columns changed
        top = self.scroll_offset.y
        first_row = page * self.page_size
        in_view = first_row < top + self.size.height + 1 and first_row + self.page_size > top
        if changed:
            self._growth_pending = True
            if in_view:
                self._grow()
            elif self._growth_timer is None:
                # Read ahead, out of view: the scrollbar and the header's count follow at
                # the next move (in its frame) or once the list is left alone, rather
                # than as a frame of their own after each page down (~2 KB, 4 ms).
                self._growth_timer = self.set_timer(GROWTH_QUIET, self._grow)
        if shown is not None and self.cache.index_of(shown.incident_id) not in (None, self.cursor):
            # A page read again came back shifted (incidents added above): stay on ours.
            self.cursor = self.cache.index_of(shown.incident_id) or 0
        if in_view:
            self.refresh()  # a page fetched ahead of the view is not drawn until shown
            self._draw_soon()  # the view was waiting for it
        self._ensure_loaded()

    def _drop_growth(self) -> None:
        """A new list: what was read ahead for the old one is gone with it."""
        self._growth_pending = False
        if self._growth_timer is not None:
            self._growth_timer.stop()
            self._growth_timer = None

    def _grow(self) -> None:
        """Let the scrollbar and the header's count take in the pages read ahead."""
        if self._growth_timer is not None:
            self._growth_timer.stop()
            self._growth_timer = None
        if self._growth_pending:
            self._growth_pending = False
            self._update_virtual_size()
            self.post_message(self.Loaded())
            self._draw_soon()  # the count with the move's frame, or right after it

    def on_mount(self) -> None:
        # Ages move on: redraw once a minute (not a clock; one small update per minute).
        self.set_interval(60, self._tick_ages, name="incident-list-ages")

    def _tick_ages(self) -> None:
        self._now_value = None
        self._strips.clear()
        self.refresh()

    # --- cursor -------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        if new >= self.virtual_size.height - 1:
            self._grow()  # rows read ahead are where the cursor went: the view must reach
        self._scroll_cursor_into_view()
        self._load_ahead()
        self.post_message(self.Highlighted(self.highlighted))

    def _load_ahead(self) -> None:
        """After a move: the pages the view lacks are read now; when it lacks none, the
        pages ahead are read once the move's frame is out (a read in its thread during
        the frame would slow the frame)."""
        top, height = self.scroll_offset.y, max(self.size.height, 1)
        last = min(top + height, self.cache.loaded_count) - 1
        if self.cache.row(top) is not None and self.cache.row(max(last, top)) is not None:
            self.call_after_refresh(self._ensure_loaded)
        else:
            self._ensure_loaded()

    def refresh_line(self, y: int) -> None:
        """Repaint row ``y`` only: the base class marks the line as wide as the widget,
        scrollbar included, which then goes over the link again with every move."""
        self.refresh(Region(0, y - self.scroll_offset.y, self.scrollable_content_region.width, 1))

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, max(self.cache.loaded_count - 1, 0)))

    def _scroll_cursor_into_view(self) -> None:
        height = max(self.scrollable_content_region.height, 1)
        top = self.scroll_offset.y
        # "jump": a cursor just past an edge brings half a screen more into view, so
        # moving row by row repaints the list once per half screen, not at every row.
        jump = height // 2 if self.scroll_jump and height >= 6 else 0
        if self.cursor < top:
            near = self.cursor >= top - 1
            self.scroll_to(
                y=max(self.cursor - (jump if near else 0), 0), animate=False, immediate=True
            )
        elif self.cursor >= top + height:
            near = self.cursor <= top + height
            y = self.cursor - height + 1 + (jump if near else 0)
            self.scroll_to(y=y, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        self._grow()
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._load_ahead()

    def action_cursor_down(self) -> None:
        self._grow()
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self._grow()
        self.cursor -= 1

    def action_first(self) -> None:
        self._grow()
        self.cursor = 0

    def action_last(self) -> None:
        """The last loaded row; the next page starts loading as it comes into view."""
        self._grow()
        self.cursor = self.cache.loaded_count - 1

    def action_page_down(self) -> None:
        self._grow()  # first: the scroll is bounded by what the scrollbar knows
        height = max(self.scrollable_content_region.height, 1)
        target = self.cursor + height
        self.scroll_to(y=self.scroll_offset.y + height, animate=False, immediate=True)
        self.cursor = target

    def action_page_up(self) -> None:
        self._grow()
        height = max(self.scrollable_content_region.height, 1)
        self.scroll_to(y=max(self.scroll_offset.y - height, 0), animate=False, immediate=True)
        self.cursor = self.cursor - height

    def action_select(self) -> None:
        row = self.highlighted
        if row is not None:
            self.post_message(self.Selected(row))

    async def _on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < self.cache.loaded_count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    # --- rendering -----------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._columns = None
        self._strips.clear()
        self._update_virtual_size()

    def _style_table(self) -> dict[str, Style]:
        if self._styles is None:
            self._styles = {
                name.removeprefix("incident-list--"): self.get_component_rich_style(
                    name, partial=True
                )
                for name in self.COMPONENT_CLASSES
            }
        return self._styles

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line needs, worked out once per frame, not once per line: the base
        # style walks every ancestor's styles (~60 lines a page at 200x60).
        self._frame = self._frame_facts()
        try:
            if not self._plain_box():
                return super().render_lines(crop)
            return self._render_plain(crop)
        finally:
            self._frame = None

    def _plain_box(self) -> bool:
        """Whether the list has no border, outline, padding, tint or opacity (its CSS), so
        that a line on screen is exactly the row's strip."""
        styles = self.styles
        return (
            not any(styles.gutter)
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and styles.text_opacity == 1.0
            and self.opacity == 1.0
            and (not styles.has_rule("hatch") or styles.hatch == "none")
        )

    def _render_plain(self, crop: Region) -> list[Strip]:
        """Lines for the compositor straight from the rows' cached strips.

        Textual's own path copies every line into a new strip each frame (its line cache
        is by screen line, and a scroll changes them all), which costs most of a frame at
        200x60 and throws away the caches a kept strip carries (the terminal filters'
        results, the compositor's cuts). Here a row drawn before is the same strip, so a
        page down mostly hands over kept strips. tests/ui/test_list_render.py checks
        that the lines equal Textual's own.
        """
        width = self.content_region.width
        _, background = self.background_colors
        filters = self.get_line_filters()
        strips: list[Strip] = []
        for y in crop.line_range:
            strip = self.render_line(y)
            if strip.cell_length != width:
                strip = strip.adjust_cell_length(width, self._inner_style())
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _inner_style(self) -> Style:
        """The style Textual pads a line with up to the content width (the scrollbar's
        column, drawn over): the background only."""
        base_background, background = self.background_colors
        return Style.from_color(bgcolor=(base_background + background).rich_color)

    def _frame_facts(self) -> _Frame:
        width = self.scrollable_content_region.width
        return _Frame(
            self.scroll_offset.y,
            width,
            self.rich_style,
            max(self.content_region.width - width, 0),
            self._inner_style(),
        )

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._frame_facts()
        top, width, base = frame.top, frame.width, frame.base
        index = top + y
        if index >= self.cache.loaded_count:
            if index == self.cache.loaded_count and y < self.size.height:
                if not self.cache.complete:
                    return self._note_line(self.loading_message, width, base)
                if self.cache.has_more:
                    return self._note_line("Loading more…", width, base)
                if index == 0:
                    return self._note_line(self.notice or self.empty_message, width, base)
            return Strip.blank(width, base)
        selected = index == self.cursor
        key = (index, width, selected)
        strip = self._strips.get(key)
        if strip is None:
            row = self.cache.row(index)
            if row is None:
                self._ensure_loaded()
                return self._note_line("…", width, base)
            strip = frame.padded(self._render_row(row, width, selected, base))
            self._strips.set(key, strip)
        return strip

    def _note_line(self, text: str, width: int, base: Style) -> Strip:
        style = base + self._style_table()["placeholder"]
        return Strip([Segment(_fit("  " + text, width), style)], width)

    def _render_row(self, row: IncidentRow, width: int, selected: bool, base: Style) -> Strip:
        """One row as few styled runs as possible: every run costs bytes over SSH.

        Separators take the style of the run before them, runs of equal style merge,
        and the cursor row is a single run in the cursor style (its glyphs and words
        still say severity and status, so no meaning is lost).
        """
        styles = self._style_table()
        cols = self.columns
        if self._now_value is None:
            self._now_value = self._now()
        look = severity_look(row.severity, self.severity_terms)
        resolved = row.status == "resolved"
        plain = Style()
        quiet = styles["muted"] if resolved else plain
        sev_text = (
            f"{look.glyph} {severity_words(look)}"
            if cols.long_severity
            else f"{look.glyph} {look.short}"
        )
        drill = ("D" if cols.drill == 1 else "[drill]") if row.is_drill else ""
        runs: list[tuple[str, Style]] = [
            (
                ("▶" if selected else " ") + _fit(row.ref, cols.ref) + " ",
                styles["ref"],
            ),
            (_fit(sev_text, cols.severity) + " ", styles.get(look.style, styles["sev-pending"])),
            (
                _fit((row.mark or status_word(row.status))[: cols.status], cols.status) + " ",
                styles["queued" if row.mark else "resolved" if resolved else "active"],
            ),
            (_fit(drill, cols.drill) + " ", styles["drill"] if drill else quiet),
            (_fit(clean(row.title), cols.title), quiet),
        ]
        if not cols.drill:
            del runs[3]
        if cols.labels:
            runs.append((" " + _fit(clean(",".join(row.labels)), cols.labels), styles["muted"]))
        if cols.commander:
            runs.append((" " + _fit(clean(row.commander) or "—", cols.commander), quiet))
        if cols.time:
            shown = time_column(
                row.status,
                row.incident_start,
                row.incident_end,
                row.closed_time,
                row.created_time,
                self._now_value,
            )
            runs.append((" " + _right(shown, cols.time), quiet))
        if cols.duration:
            lasted = duration_column(
                row.status,
                row.incident_start,
                row.incident_end,
                row.closed_time,
                row.created_time,
                row.duration_seconds,
                self._now_value,
            )
            runs.append((" " + _right(lasted, cols.duration), quiet))
        if cols.tasks:
            tasks = f"{row.tasks_done}/{row.tasks_total}" if row.tasks_total else "—"
            runs.append((" " + _right(tasks, cols.tasks), styles["muted"]))
        used = sum(cell_len(text) for text, _ in runs)
        if used < width:
            runs.append((" " * (width - used), quiet))
        if selected:
            line = "".join(text for text, _ in runs)
            return Strip([Segment(line, base + styles["cursor"])], width).crop(0, width)
        segments: list[Segment] = []
        for text, style in runs:
            style = base + style
            if segments and segments[-1].style == style:
                segments[-1] = Segment(segments[-1].text + text, style)
            else:
                segments.append(Segment(text, style))
        return Strip(segments, width).crop(0, width)
