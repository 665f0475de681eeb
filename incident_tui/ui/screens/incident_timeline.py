"""The Timeline tab: activity items paged with cursors, notes added and edited here.

Pages of ``PAGE_SIZE`` items are read as the cursor nears the end of what is
loaded; a refresh re-reads as many items as were loaded, so the cursor stays on
the same item. Bodies are cut to a few lines in the list (``enter`` shows all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from incident_tui import models as m
from incident_tui.drafts import Draft, Place
from incident_tui.facts import format_time
from incident_tui.text import clean
from incident_tui.times import TIME_HINT, local_zone_name, parse_time_input, to_rfc3339
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.dialogs import Choice, ChoicePicker, ConfirmDialog, NoteEditor, TextPrompt
from incident_tui.ui.presentation import parse_time
from incident_tui.ui.screens.incident_common import IncidentPane, app_now, person
from incident_tui.ui.widgets.record_list import RecordList

PAGE_SIZE = 50
#: A refresh re-reads at most this many pages to get back to where the cursor was.
MAX_RELOAD_PAGES = 20
#: Rows from the end of what is loaded at which the next page is read.
LOAD_AHEAD = 5
BODY_LINES = 4
BODY_CHARS = 400

KIND_WORDS: dict[str, str] = {
    "userNote": "note",
    "incidentCreated": "created",
    "incidentUpdated": "updated",
    "incidentTitleChanged": "title",
    "incidentStatusChanged": "status",
    "incidentSeverityChanged": "severity",
    "incidentIsDrillChanged": "drill",
    "incidentDeleted": "deleted",
    "incidentClosed": "closed",
    "incidentStart": "start time",
    "incidentEnd": "end time",
    "incidentSummary": "summary",
    "roleAssigned": "role given",
    "roleUnassigned": "role taken",
    "taskAdded": "task added",
    "taskUpdated": "task",
    "taskCompleted": "task done",
    "taskDeleted": "task removed",
    "labelAdded": "label added",
    "labelRemoved": "label removed",
    "actionRun": "action",
    "dataQuery": "query",
    "hookRunMetadata": "hook",
    "messageReaction": "reaction",
    "contextAttached": "attached",
    "siftResult": "sift",
}
TAG_LOOKS = {"important": "! important", "starred": "★ starred"}

if TYPE_CHECKING:
    from incident_tui.ui.connection import Mark


def kind_word(kind: str) -> str:
    return KIND_WORDS.get(kind, clean(kind) or "item")


def short_body(body: str) -> tuple[str, bool]:
    """The body cut to ``BODY_LINES`` lines / ``BODY_CHARS`` characters, and whether it was cut."""
    text = clean(body, multiline=True).strip("\n")
    lines = text.split("\n")
    cut = len(lines) > BODY_LINES or len(text) > BODY_CHARS
    text = "\n".join(lines[:BODY_LINES])
    if len(text) > BODY_CHARS:
        text = text[:BODY_CHARS]
    return text, cut


def item_row(
    item: m.ActivityItem,
    mark: Mark | None = None,
    width: int = 0,
    *,
    authors: bool = True,
    internal_notes: bool = False,
) -> Content:
    """``2026-11-25 03:04 UTC  Alice  note`` then the body, indented, wrapped to ``width``
    so that a long line continues under its text, not at the left edge; ``mark`` says the
    item (or its change) is still in the outbox: ``⧗ queued``, ``✗ refused``.

    A backend without ``authors`` (Prod Manager) names nobody rather than "system"; where
    notes can be internal, a note says whether it is ``internal`` or ``public``."""
    system = item.immutable
    head: list[Content | str | tuple[str, str]] = [
        (format_time(item.event_time), "$text-muted"),
        "  ",
    ]
    if authors or item.user.user_id or item.user.name:
        head += [(person(item.user, "system"), "bold"), "  "]
    head.append((kind_word(item.activity_kind), "$accent"))
    if system and authors:
        head += ["  ", ("⊘ system", "$text-muted")]
    visibility = note_visibility(item) if internal_notes else ""
    if visibility:
        head += ["  ", (visibility, "bold $warning" if visibility == "internal" else "$text-muted")]
    for tag in item.tags:
        head += ["  ", (TAG_LOOKS.get(tag, f"#{clean(tag)}"), "bold $warning")]
    if mark is not None:
        head += ["  ", (mark.text, mark.style)]
    body, cut = short_body(item.body)
    if not body and item.activity_kind == "incidentSummary":
        body = "(cleared)"  # a summary item holds the new summary: none
    lines = [Content.assemble(*head)]
    for line in body.split("\n") if body else []:
        pieces = Content(line).wrap(width - 2) if width > 12 and line else [Content(line)]
        lines += [Content.assemble("  ", piece) for piece in pieces]
    if cut:
        lines.append(Content.styled("  … enter shows the whole text", "italic $text-muted"))
    return Content("\n").join(lines)


def note_visibility(item: m.ActivityItem) -> str:
    """``internal`` or ``public`` for a note whose backend says so, else ""."""
    internal = item.field_values.get("internal")
    if not isinstance(internal, bool):
        return ""
    return "internal" if internal else "public"


class ActivityDetail(ModalScreen[None]):
    """One timeline item in full: every field and the whole body, scrollable."""

    DEFAULT_CSS = """
    ActivityDetail {
        align: center middle;
    }
    ActivityDetail > #detail-box {
        width: 96%;
        max-width: 120;
        height: 90%;
        border: round $primary;
        background: $panel;
        padding: 0 1;
    }
    ActivityDetail #detail-head {
        height: auto;
        margin-bottom: 1;
    }
    ActivityDetail #detail-scroll {
        height: 1fr;
    }
    ActivityDetail #detail-keys {
        height: 1;
        color: $text-muted;
    }
    """

    BINDINGS = bindings(
        (
            Command(
                "detail.close",
                "escape,q,enter",
                "close",
                "Close",
                "Close",
                "Timeline item",
                palette=False,
            ),
            Command(
                "detail.scroll_down",
                "j",
                "scroll('down')",
                "Down",
                "Down",
                "Timeline item",
                show=False,
                palette=False,
            ),
            Command(
                "detail.scroll_up",
                "k",
                "scroll('up')",
                "Up",
                "Up",
                "Timeline item",
                show=False,
                palette=False,
            ),
        )
    )

    def __init__(self, item: m.ActivityItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        item = self.item

        def row(name: str, value: str) -> Content:
            return Content.assemble((f"{name:<10}", "bold $text-muted"), Content(value))

        fields = [
            row("Kind", f"{kind_word(item.activity_kind)} ({clean(item.activity_kind)})"),
            row("By", person(item.user, "system")),
            row("When", format_time(item.event_time)),
            row("Written", format_time(item.created_time)),
            row("Editable", "no: a system item" if item.immutable else "yes: a note"),
        ]
        if item.subject_user.user_id or item.subject_user.name:
            fields.insert(2, row("About", person(item.subject_user)))
        if item.tags:
            fields.append(row("Tags", ", ".join(clean(t) for t in item.tags)))
        if item.url:
            fields.append(row("Link", clean(item.url)))
        fields.append(row("ID", clean(item.activity_item_id)))
        body = clean(item.body, multiline=True) or "(no text)"
        with Vertical(id="detail-box"):
            yield Static(Content("\n").join(fields), id="detail-head")
            with VerticalScroll(id="detail-scroll"):
                yield Static(Content(body), id="detail-body")
            yield Static(Content("j/k scroll · esc, q or enter close"), id="detail-keys")

    def on_mount(self) -> None:
        self.query_one("#detail-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one("#detail-scroll", VerticalScroll)
        if direction == "down":
            scroll.scroll_down(animate=False)
        else:
            scroll.scroll_up(animate=False)


class TimelinePane(IncidentPane):
    """Activity items, newest or oldest first, filtered by kind and tag."""

    DEFAULT_CSS = """
    TimelinePane #timeline-status {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.order = m.OrderDirection.DESC.value
        self.kinds: list[str] = []
        self.tag = ""
        self.items: list[m.ActivityItem] = []
        self.cursor = m.Cursor()
        self.loaded = False
        #: Something changed while the tab was hidden: read again when it is shown.
        self.stale = False
        self._generation = 0
        self._loading_more = False

    def compose(self) -> ComposeResult:
        yield Static(Content("Timeline"), id="timeline-status")
        yield RecordList(empty="No timeline items match.", divided=True, id="timeline-list")

    def on_mount(self) -> None:
        # Scrolling to the bottom with the mouse reads the next page too.
        self.watch(self.item_list, "scroll_y", self._scrolled, init=False)

    def _scrolled(self, scroll_y: float) -> None:
        items = self.item_list
        if items.max_scroll_y and scroll_y >= items.max_scroll_y - 1:
            self.load_more()

    def _rows(self, items: list[m.ActivityItem]) -> list[tuple[str, Content]]:
        width = self.item_list.scrollable_content_region.width
        capabilities = self.capabilities
        return [
            (
                i.activity_item_id,
                item_row(
                    i,
                    self._mark(i),
                    width,
                    authors=capabilities.authors,
                    internal_notes=capabilities.internal_notes,
                ),
            )
            for i in items
        ]

    def on_resize(self) -> None:
        if self.loaded:  # the bodies are wrapped to the width: wrap them again
            self.item_list.set_rows(self._rows(self.items))

    @property
    def item_list(self) -> RecordList:
        return self.query_one("#timeline-list", RecordList)

    def _status(self) -> Content:
        order = "newest first" if self.order == "DESC" else "oldest first"
        kinds = ", ".join(kind_word(k) for k in self.kinds) if self.kinds else "all kinds"
        tag = f"tag {self.tag}" if self.tag else "any tag"
        count = f"{len(self.items)} item{'' if len(self.items) == 1 else 's'}" + (
            ", more below" if self.cursor.has_more else ""
        )
        filtered = bool(self.kinds or self.tag)
        return Content.assemble(
            ("Timeline ", "bold"),
            f"{order} · ",
            (kinds, "bold $warning" if self.kinds else ""),
            " · ",
            (tag, "bold $warning" if self.tag else ""),
            f" · {count}" + (" (filtered)" if filtered else ""),
        )

    def _query(self, limit: int = PAGE_SIZE) -> m.ActivityQuery:
        return m.ActivityQuery(
            incident_id=self.incident_id,
            limit=limit,
            tag=self.tag,
            order_direction=self.order,
            activity_kind=list(self.kinds),
        )

    # --- loading -----------------------------------------------------------------------

    def reload(self, *, keep: bool = True) -> None:
        """Read the timeline again from the start, as far as it was loaded."""
        self._generation += 1
        self.stale = False
        generation = self._generation
        want = max(len(self.items), PAGE_SIZE) if keep else PAGE_SIZE
        query = self._query()

        async def fetch() -> tuple[list[m.ActivityItem], m.Cursor]:
            items: list[m.ActivityItem] = []
            cursor = m.Cursor()
            for _ in range(MAX_RELOAD_PAGES):
                response = await self.backend.query_activity(
                    m.QueryActivityRequest(query=query, cursor=cursor)
                )
                items += response.activity_items
                cursor = response.cursor
                if not cursor.has_more or len(items) >= want:
                    break
            return items, cursor

        def apply(result: tuple[list[m.ActivityItem], m.Cursor]) -> None:
            if generation != self._generation:
                return  # a newer read (other filter or order) is under way
            self.items, self.cursor = result
            self.loaded = True
            self._loading_more = False
            self._remember_people(self.items)
            self.item_list.set_rows(self._rows(self.items), keep=keep)
            self.query_one("#timeline-status", Static).update(self._status())

        self.incident_screen.run_backend(fetch, apply, group="timeline-load")

    def load_more(self) -> None:
        """Read the next page (once the cursor nears the end of what is loaded)."""
        if not self.loaded or not self.cursor.has_more or self._loading_more:
            return
        self._loading_more = True
        generation = self._generation
        request = m.QueryActivityRequest(query=self._query(), cursor=self.cursor)

        async def fetch() -> m.QueryActivityResponse:
            return await self.backend.query_activity(request)

        def apply(response: m.QueryActivityResponse) -> None:
            self._loading_more = False
            if generation != self._generation:
                return
            known = {i.activity_item_id for i in self.items}
            new = [i for i in response.activity_items if i.activity_item_id not in known]
            self.items += new
            self.cursor = response.cursor
            self._remember_people(new)
            self.item_list.add_rows(self._rows(new))
            self.query_one("#timeline-status", Static).update(self._status())

        def failed(error: Exception) -> None:
            self._loading_more = False
            self.console_app.show_error(error)

        self.incident_screen.run_backend(fetch, apply, group="timeline-more", on_error=failed)

    def _mark(self, item: m.ActivityItem) -> Mark | None:
        return self.console_app.queued_mark(item.activity_item_id)

    def _remember_people(self, items: list[m.ActivityItem]) -> None:
        self.console_app.remember_users([i.user for i in items] + [i.subject_user for i in items])

    @on(OptionList.OptionHighlighted, "#timeline-list")
    def _near_end(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index >= len(self.items) - LOAD_AHEAD:
            self.load_more()

    @on(OptionList.OptionSelected, "#timeline-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_item()

    def current_item(self, *, editable: bool = False) -> m.ActivityItem | None:
        key = self.item_list.current_key
        item = next((i for i in self.items if i.activity_item_id == key), None)
        if item is None:
            self.note("No timeline item selected.")
            return None
        if editable and item.immutable:
            self.note("System items cannot be changed: only notes can be edited or removed.")
            return None
        return item

    # --- actions -------------------------------------------------------------------------

    def open_item(self) -> None:
        item = self.current_item()
        if item is not None:
            self.app.push_screen(ActivityDetail(item))

    def toggle_order(self) -> None:
        self.order = "ASC" if self.order == "DESC" else "DESC"
        self.reload(keep=False)

    def filter_kind(self) -> None:
        current = self.kinds[0] if len(self.kinds) == 1 else ""
        choices = [Choice("all kinds", "*", current=not self.kinds)]
        choices += [
            Choice(kind_word(k.value), k.value, detail=k.value, current=k.value == current)
            for k in m.ActivityKind
        ]

        def picked(value: str | None) -> None:
            if value is None:
                return
            self.kinds = [] if value == "*" else [value]
            self.reload(keep=False)

        self.app.push_screen(ChoicePicker("Show kind", choices), picked)

    def filter_tag(self) -> None:
        choices = [Choice("any tag", "*", current=not self.tag)]
        choices += [
            Choice(TAG_LOOKS[t.value], t.value, current=t.value == self.tag) for t in m.ActivityTag
        ]

        def picked(value: str | None) -> None:
            if value is None:
                return
            self.tag = "" if value == "*" else value
            self.reload(keep=False)

        self.app.push_screen(ChoicePicker("Show tag", choices), picked)

    def add_note(self, *, public: bool = False) -> None:
        """Add a note; where notes can be internal (Prod Manager), ``public`` publishes it."""
        facts = {"internal": False} if public else {}

        async def add(body: str) -> None:
            await self.backend.add_activity(
                m.AddActivityRequest(
                    incident_id=self.incident_id,
                    activity_kind=m.ActivityKind.USER_NOTE.value,
                    body=body,
                    field_values=facts,
                )
            )

        internal = self.capabilities.internal_notes and not public
        title = "Add public note" if public else "Add internal note" if internal else "Add note"
        self.app.push_screen(
            NoteEditor(title, submit=self.after(add), draft=Place("note", self.incident_id))
        )

    def add_public_note(self) -> None:
        self.add_note(public=True)

    def edit_note(self) -> None:
        item = self.current_item(editable=True)
        if item is not None:
            self._edit_note(item.activity_item_id, item.body)

    def _edit_note(self, item_id: str, body: str) -> None:
        async def update(text: str) -> None:
            await self.backend.update_activity_body(
                m.UpdateActivityBodyRequest(
                    incident_id=self.incident_id, activity_item_id=item_id, body=text
                )
            )

        place = Place("note-edit", self.incident_id, item_id)
        self.app.push_screen(NoteEditor("Edit note", body, submit=self.after(update), draft=place))

    def reopen_draft(self, draft: Draft) -> None:
        """Open the editor a kept draft was typed in (it fills itself from the draft)."""
        if draft.place.kind == "note":
            self.add_note()
        elif draft.place.kind == "note-edit":
            self._edit_note(draft.place.target, str(draft.base.get("note-text", "")))

    def edit_note_time(self) -> None:
        item = self.current_item(editable=True)
        if item is None:
            return
        parsed = parse_time(item.event_time)

        def parse(text: str) -> str:
            return parse_time_input(text, now=app_now(self.console_app))

        async def update(event_time: str) -> None:
            await self.backend.update_activity_event_time(
                m.UpdateActivityEventTimeRequest(
                    incident_id=self.incident_id,
                    activity_item_id=item.activity_item_id,
                    event_time=event_time,
                )
            )

        self.app.push_screen(
            TextPrompt(
                "Note event time",
                to_rfc3339(parsed) if parsed else "",
                hint=f"{TIME_HINT}. Local time here is {local_zone_name()}.",
                parse=parse,
                submit=self.after(update),
            )
        )

    def remove_note(self) -> None:
        item = self.current_item(editable=True)
        if item is None:
            return
        preview, _ = short_body(item.body)

        async def remove(_: bool) -> None:
            await self.backend.remove_activity(
                m.RemoveActivityRequest(
                    incident_id=self.incident_id, activity_item_id=item.activity_item_id
                )
            )

        self.app.push_screen(
            ConfirmDialog(
                "Remove note",
                Content.assemble("Remove this note?\n\n", Content(preview)),
                yes="Remove",
                danger=True,
                submit=self.after(remove),
            )
        )
