"""The outbox (``:outbox``): changes made on a remote context that wait for the remote.

One row per queued change, oldest first: what it does, when it was made, its state
(queued, checking whether it went through, refused, waiting for a refused one) and
the remote's last words. ``r`` sends now (a refused one again, as it is), ``e`` fixes
the text of a refused note, task or title, ``x`` discards (with what waits for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import OptionList, Static

from incident_tui.durable import REFUSED, QueuedWrite
from incident_tui.durable.overlay import text_field
from incident_tui.errors import BackendError
from incident_tui.facts import format_time
from incident_tui.text import clean, one_line
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.connection import mark_of
from incident_tui.ui.dialogs import (
    ConfirmDialog,
    NoteEditor,
    SummaryEditor,
    TextPrompt,
    required_text,
)
from incident_tui.ui.screens.base import BusyIndicator, ConsoleScreen
from incident_tui.ui.widgets.footer import ConsoleFooter
from incident_tui.ui.widgets.link_state import LinkState
from incident_tui.ui.widgets.record_list import RecordList

if TYPE_CHECKING:
    from incident_tui.durable import DurableBackend

OUTBOX_COMMANDS: tuple[Command, ...] = (
    Command("outbox.retry", "r", "retry", "Send now",
            "Send the change now; a refused one is sent again as it is", "Outbox"),
    Command("outbox.edit", "e", "edit", "Fix",
            "Fix the text of a refused note, task or title, then send it again", "Outbox"),
    Command("outbox.discard", "x", "discard", "Discard",
            "Drop the change, and the changes that wait for it (confirmed)", "Outbox"),
)  # fmt: skip


class OutboxScreen(ConsoleScreen):
    """Every queued change of the current context (see the module docstring)."""

    DEFAULT_CSS = """
    OutboxScreen { layout: vertical; }
    OutboxScreen #outbox-title-row { height: 1; background: $header-background; }
    OutboxScreen #outbox-title { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    COMMANDS_LIST: ClassVar[tuple[Command, ...]] = OUTBOX_COMMANDS
    BINDINGS = bindings(OUTBOX_COMMANDS)
    HELP_TITLE = "outbox"

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[tuple[int, str, str], ...] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="outbox-title-row"):
            yield Static(Content.styled("Outbox", "bold"), id="outbox-title")
            yield LinkState()
            yield BusyIndicator()
        yield RecordList(empty=self._empty_text(), divided=True, id="outbox-list")
        yield ConsoleFooter()

    @property
    def durable(self) -> DurableBackend | None:
        link = self.console_app.link
        return link.durable if link is not None else None

    @property
    def entry_list(self) -> RecordList:
        return self.query_one("#outbox-list", RecordList)

    def on_mount(self) -> None:
        self.entry_list.focus()
        self.render_entries()

    def _empty_text(self) -> str:
        durable = self.durable
        if durable is None:
            return "This context writes to its store directly: nothing ever waits here."
        return f"Nothing waits: every change reached {one_line(durable.host, 60)}."

    # --- showing ---------------------------------------------------------------------

    def render_entries(self, *, force: bool = False) -> None:
        if not self.is_mounted:
            return  # the app's link news can come before the screen is built; on_mount shows it
        durable = self.durable
        entries = durable.entries if durable is not None else []
        shown = tuple((e.seq, e.state, e.error) for e in entries)
        if shown == self._shown and not force:
            return
        self._shown = shown
        waiting = sum(1 for e in entries if e.state != REFUSED)
        refused = len(entries) - waiting
        title: list[str | tuple[str, str]] = [("Outbox", "bold"), f" · {waiting} waiting"]
        if refused:
            title.append((f" · {refused} refused", "bold $error"))
        if durable is not None:
            title.append(f" → {one_line(durable.host, 50)}")
        self.query_one("#outbox-title", Static).update(Content.assemble(*title))
        rows = [(str(e.seq), self._row(durable, e)) for e in entries] if durable else []
        self.entry_list.empty_text = self._empty_text()
        self.entry_list.set_rows(rows)

    def _row(self, durable: DurableBackend, entry: QueuedWrite) -> Content:
        mark = mark_of(durable, entry, "")
        head = Content.assemble(
            (f"{mark.text.split(':')[0]:<11}", mark.style),
            " ",
            (format_time(entry.created_at), "$text-muted"),
            "  ",
            Content(clean(durable.describe(entry))),
        )
        lines = [head]
        blocker = durable.blocker_of(entry)
        if blocker is not None:
            lines.append(
                Content.styled(
                    f"  waits for: {one_line(durable.describe(blocker), 70)} (refused)",
                    "$text-muted",
                )
            )
        if entry.error:
            words = "refused: " if entry.state == REFUSED else "last try: "
            style = "$error" if entry.state == REFUSED else "$text-muted"
            lines.append(Content.styled("  " + words + one_line(entry.error, 150), style))
        return Content("\n").join(lines)

    def link_changed(self) -> None:
        """The app saw the outbox or the link change: show what is new."""
        self.render_entries()

    def backend_changed(self) -> None:
        self.render_entries()

    def action_refresh(self) -> None:
        durable = self.durable
        if durable is not None:
            durable.kick()
        self.render_entries(force=True)

    @on(OptionList.OptionSelected, "#outbox-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.current_entry()
        if entry is not None and entry.state == REFUSED and text_field(entry):
            self.action_edit()

    def current_entry(self) -> QueuedWrite | None:
        durable = self.durable
        key = self.entry_list.current_key
        entry = durable.outbox.get(int(key)) if durable is not None and key else None
        if entry is None:
            self.app.notify("No queued change selected.", markup=False, severity="warning")
        return entry

    # --- actions -----------------------------------------------------------------------

    def action_retry(self) -> None:
        durable, entry = self.durable, self.current_entry()
        if durable is None or entry is None:
            return

        async def retry() -> None:
            if entry.state == REFUSED:
                await durable.retry(entry.seq)
            else:
                durable.kick()

        def done(_: object) -> None:
            self.app.notify("Sending now…", markup=False, timeout=3)
            self.render_entries(force=True)

        self.run_backend(retry, done, group="outbox-retry")

    def action_edit(self) -> None:
        durable, entry = self.durable, self.current_entry()
        if durable is None or entry is None:
            return
        field = text_field(entry)
        if entry.state != REFUSED or field is None:
            self.app.notify(
                "Only a refused note, task, title or summary can be fixed here;"
                " r sends, x discards.",
                markup=False,
                severity="warning",
            )
            return
        current = str(getattr(entry.request, field, ""))

        async def fix(text: str) -> None:
            await durable.edit(entry.seq, text)
            self.render_entries(force=True)

        title = f"Fix: {one_line(durable.describe(entry), 50)}"
        if field == "body":
            self.app.push_screen(NoteEditor(title, current, submit=fix))
        elif field == "summary":  # several lines; emptied, it clears the summary
            self.app.push_screen(SummaryEditor(title, current, submit=fix))
        else:
            self.app.push_screen(TextPrompt(title, current, parse=required_text, submit=fix))

    def action_discard(self) -> None:
        durable, entry = self.durable, self.current_entry()
        if durable is None or entry is None:
            return
        waiting = durable.dependents(entry)
        question = Content.assemble(
            "Discard ",
            (clean(durable.describe(entry)), "bold"),
            "?",
            f"\n\n{len(waiting)} change(s) that wait for it go too." if waiting else "",
            "\nIt will not be sent.",
        )

        async def discard(_: bool) -> None:
            try:
                dropped = await durable.discard(entry.seq)
            except BackendError as exc:
                self.app.notify(clean(str(exc)), markup=False, severity="error")
                return
            self.app.notify(
                f"Discarded {len(dropped)} change{'s' if len(dropped) != 1 else ''}.",
                markup=False,
                timeout=4,
            )
            self.render_entries(force=True)
            self.console_app.refresh_link_state()

        self.app.push_screen(
            ConfirmDialog("Discard change", question, yes="Discard", danger=True, submit=discard)
        )
