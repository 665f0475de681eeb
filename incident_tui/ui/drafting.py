"""Drafts in the console, the App's side: offered back at start, kept at hang-up and quit.

Each dialog keeps its own draft while it is open (``Dialog`` in ``ui/dialogs.py``).
This module does what only the App can: at start, say that drafts were kept and
reopen the newest where it was (the dialog, on its incident, with its text and
cursor); on SIGHUP/SIGTERM and ``:ctx``, write every open dialog's text before it
goes; on ``ctrl+q`` with unsaved text, ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from incident_tui.drafts import Draft
from incident_tui.text import clean
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.dialogs import Dialog

if TYPE_CHECKING:
    from incident_tui.ui.app import IncidentApp

#: The incident tab each kind of draft is written on.
TAB_OF_KIND = {
    "note": "timeline",
    "note-edit": "timeline",
    "title": "overview",
    "summary": "overview",
    "label": "overview",
    "task": "tasks",
    "task-edit": "tasks",
}
KEEP, DISCARD = "keep", "discard"


def open_draft_dialogs(app: Any) -> list[Dialog[Any]]:
    """Dialogs on the screen stack that keep drafts, bottom first."""
    return [s for s in app.screen_stack if isinstance(s, Dialog) and s.draft_place is not None]


def unsaved_dialogs(app: Any) -> list[Dialog[Any]]:
    return [d for d in open_draft_dialogs(app) if d.has_unsaved_text]


def keep_open_drafts(app: IncidentApp, timeout: float = 2.0) -> list[str]:
    """Write every open dialog's text as its draft and wait (up to ``timeout``) for the
    disk; the places kept, in words."""
    store = app.drafts
    if store is None:
        return []
    kept = [
        d.draft_place.describe()
        for d in open_draft_dialogs(app)
        if d.draft_place is not None and d.keep_draft()
    ]
    store.flush(timeout)
    return kept


def describe_kept(places: list[str]) -> str:
    return "kept a draft" + ("s" if len(places) > 1 else "") + ": " + "; ".join(places)


class QuitDialog(Dialog[str]):
    """ctrl+q with unsaved text: keep it as a draft and quit, throw it away and quit, or stay."""

    DEFAULT_CSS = """
    QuitDialog #quit-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    QuitDialog Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = bindings(
        (
            Command(
                "quit.keep",
                "s",
                "choose('keep')",
                "Save as draft and quit",
                "Save as draft and quit",
                "Quit",
                palette=False,
            ),
            Command(
                "quit.discard",
                "d",
                "choose('discard')",
                "Discard and quit",
                "Discard and quit",
                "Quit",
                palette=False,
            ),
            Command("quit.stay", "escape,n", "cancel", "Stay", "Stay", "Quit", palette=False),
            Command(
                "quit.switch",
                "left,right,h,l",
                "switch",
                "Switch",
                "Switch",
                "Quit",
                show=False,
                palette=False,
            ),
        )
    )

    def __init__(self, places: list[str]) -> None:
        super().__init__("Quit with unsaved text?")
        self.places = places

    def compose(self) -> ComposeResult:
        listing = "\n".join(f"  · {clean(place)}" for place in self.places)
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            yield Static(Content(f"Not saved yet:\n{listing}"), id="quit-question")
            yield from self.compose_status()
            with Horizontal(id="quit-buttons"):
                yield Button(Content("Save as draft and quit (s)"), id="quit-keep", compact=True)
                yield Button(Content("Discard and quit (d)"), id="quit-discard", compact=True)
                yield Button(Content("Stay (esc)"), id="quit-stay", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#quit-keep", Button))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_switch(self) -> None:
        buttons = list(self.query(Button))
        focused = next((i for i, b in enumerate(buttons) if b.has_focus), 0)
        self.set_focus(buttons[(focused + 1) % len(buttons)])

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = {"quit-keep": KEEP, "quit-discard": DISCARD}.get(event.button.id or "")
        if choice:
            self.dismiss(choice)
        else:
            self.dismiss(None)


async def quit_keeping_drafts(app: IncidentApp) -> None:
    """``ctrl+q``: leave at once when nothing is unsaved; else ask. A second ``ctrl+q``
    while asking keeps the drafts and quits."""
    if isinstance(app.screen, QuitDialog):
        app.screen.dismiss(KEEP)
        return
    pending = unsaved_dialogs(app)
    if not pending:
        app.exit()
        return

    def chosen(choice: str | None) -> None:
        if choice == KEEP:
            kept = keep_open_drafts(app)
            if kept:
                app.exit_notes.append(describe_kept(kept) + " (offered again at the next start)")
            app.exit()
        elif choice == DISCARD:
            for dialog in open_draft_dialogs(app):
                dialog.end_draft()
            if app.drafts is not None:
                app.drafts.flush()
            app.exit()

    places = [d.draft_place.describe() for d in pending if d.draft_place is not None]
    app.push_screen(QuitDialog(places), chosen)


# --- offered back at start -----------------------------------------------------------


async def offer_kept_drafts(app: IncidentApp) -> None:
    """Say which drafts were kept (and any draft file set aside), reopen the newest."""
    import asyncio

    store = app.drafts
    if store is None:
        return
    problems = await asyncio.to_thread(store.load)
    for problem in problems:
        app.notify(clean(problem), title="Drafts", severity="warning", markup=False, timeout=12)
    drafts = store.all()
    if not drafts:
        return
    newest = drafts[0]
    saved = newest.saved
    when = f" at {saved.strftime('%H:%M UTC')}" if saved else ""
    message = f"A draft was kept{when}: {newest.place.describe()}. Reopened where you left it."
    if len(drafts) > 1:
        others = "; ".join(d.place.describe() for d in drafts[1:4])
        more = f" and {len(drafts) - 4} more" if len(drafts) > 4 else ""
        message += f" Also kept: {others}{more} (each comes back when you open it again)."
    app.notify(clean(message), title="Draft kept", markup=False, timeout=12)
    reopen_draft(app, newest)


def reopen_draft(app: IncidentApp, draft: Draft) -> None:
    """Open the dialog ``draft`` was typed in, where it was; the dialog restores the text."""
    kind = draft.place.kind
    if kind == "declare":
        from incident_tui.ui.screens.declare import DeclareDialog

        home = app.screen_stack[0]
        declare = getattr(home, "action_declare", None)
        if callable(declare):
            declare()
        else:
            app.push_screen(DeclareDialog())
    elif kind in ("role-new", "role-edit"):
        from incident_tui.ui.screens.org_roles import OrgRolesScreen

        app.push_screen(OrgRolesScreen(reopen=draft))
    elif kind in TAB_OF_KIND and draft.place.incident_id:
        from incident_tui.ui.screens.incident import IncidentScreen

        app.push_screen(
            IncidentScreen(draft.place.incident_id, tab=TAB_OF_KIND[kind], reopen=draft)
        )
