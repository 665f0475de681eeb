"""The declare dialog: inline checks, every field reaches the backend, refusals keep the input."""

from __future__ import annotations

from incident_tui import models as m
from incident_tui.errors import InvalidArgument
from incident_tui.ui.dialogs import ConfirmDialog
from incident_tui.ui.screens.declare import DeclareDialog, parse_labels
from incident_tui.ui.screens.home import HomeScreen

from .conftest import open_store
from .incident_support import press, screen_text, settle, type_text


async def newest(backend) -> m.Incident:
    response = await backend.query_incidents(
        m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=1))
    )
    return response.incidents[0]


async def test_declaring_creates_the_incident_with_every_field_and_opens_it(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, DeclareDialog)
        await type_text(pilot, "Payments queue backing up")
        await press(pilot, "tab")  # to the severity choice
        await press(pilot, "right")  # pending -> critical (wraps)
        assert app.screen.severity == "critical"
        await press(pilot, "3", "1")
        assert app.screen.severity == "critical"
        await press(pilot, "tab")
        await type_text(pilot, "payments, queue, payments")
        await press(pilot, "tab", "space")  # drill on
        await press(pilot, "ctrl+s")
        from incident_tui.ui.screens.incident import IncidentScreen

        assert isinstance(app.screen, IncidentScreen)
        incident = await newest(store)
        assert app.screen.incident_id == incident.incident_id
        assert incident.title == "Payments queue backing up"
        assert incident.severity == "critical"
        assert sorted(label.label for label in incident.labels) == ["payments", "queue"]
        assert incident.is_drill is True
        assert incident.status == "active"
        assert incident.created_by_user.user_id == "alice"


async def test_retrospective_asks_for_start_and_end_and_declares_them(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Yesterday's DNS blip")
        dialog = app.screen
        assert not dialog.query_one("#retro-times").has_class("-shown")
        await press(pilot, "tab", "tab", "tab", "tab", "space")  # the retrospective box
        assert dialog.query_one("#retro").value is True
        assert dialog.query_one("#retro-times").has_class("-shown")
        await press(pilot, "ctrl+s")  # no start given: asked for, nothing sent
        assert app.screen is dialog
        assert "Type a time" in screen_text(pilot)
        assert (await newest(store)).incident_id == "5"
        await press(pilot, "tab")
        await type_text(pilot, "2026-11-24 01:10 UTC")
        await press(pilot, "tab")
        dialog.query_one("#retro-end").value = ""
        await type_text(pilot, "2026-11-24 00:55 UTC")
        await press(pilot, "ctrl+s")
        assert "cannot end before it started" in screen_text(pilot)
        dialog.query_one("#retro-end").value = ""
        await type_text(pilot, "2026-11-24 02:40 UTC")
        await press(pilot, "ctrl+s")
        incident = await newest(store)
        assert incident.title == "Yesterday's DNS blip"
        assert incident.status == "resolved"
        assert incident.incident_start.startswith("2026-11-24T01:10:00")
        assert incident.incident_end.startswith("2026-11-24T02:40:00")
        assert incident.duration_seconds == 90 * 60


async def test_declare_dialog_at_60x15_scrolls_to_every_field(make_app, store):
    app = make_app()
    async with app.run_test(size=(60, 15)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        dialog = app.screen
        screen_region = dialog.region
        seen = set()
        for _ in range(12):
            focused = dialog.focused
            assert focused is not None
            seen.add(focused.id)
            assert screen_region.contains_region(focused.region), focused.id
            await press(pilot, "tab")
        assert {"title", "severity", "labels", "drill", "retro", "cancel", "declare"} <= seen


async def test_empty_title_is_refused_inline_and_nothing_is_sent(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, DeclareDialog)
        assert "A title is required" in screen_text(pilot)
        assert (await newest(store)).incident_id == "5"


async def test_overlong_title_and_bad_labels_are_flagged_while_typing():
    assert parse_labels(" db , api,db,, ") == ["db", "api"]
    for bad in ("a\x1b[31mb", "x" * 101, "ok,\u202egnp.exe"):
        try:
            parse_labels(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


class RefusingBackend:
    """The real store, except that it refuses to create (as a remote with rules would)."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    async def create_incident(self, request: m.CreateIncidentRequest) -> m.CreateIncidentResponse:
        raise InvalidArgument("title must name a service [bold]first[/]")


async def test_backend_refusal_is_shown_in_the_dialog_and_keeps_what_was_typed(make_app, store):
    app = make_app(RefusingBackend(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Cannot be written")
        await press(pilot, "tab", "2")
        await press(pilot, "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, DeclareDialog)
        assert "title must name a service [bold]first[/]" in screen_text(pilot)
        assert dialog.query_one("#title").value == "Cannot be written"
        assert dialog.severity == "major"
        await press(pilot, "escape")  # typed text: asks before throwing it away
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert isinstance(app.screen, HomeScreen)
    assert (await newest(store)).incident_id == "5"


async def test_readonly_store_refusal_reaches_the_dialog(tmp_path, make_app, store):
    refusing = open_store(store._store.path, readonly=True)
    app = make_app(refusing)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.readonly  # the store's capability makes the whole console read-only
            app.push_screen(DeclareDialog())
            await settle(pilot)
            await type_text(pilot, "Still refused")
            await press(pilot, "ctrl+s")
            assert "Read-only" in app.screen.error_text
    finally:
        await refusing.close()


async def test_escape_asks_then_cancels_without_declaring(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Never mind")
        await press(pilot, "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")  # no: back to the dialog, text intact
        assert isinstance(app.screen, DeclareDialog)
        assert app.screen.query_one("#title").value == "Never mind"
        await press(pilot, "escape", "y")
        assert isinstance(app.screen, HomeScreen)
    assert (await newest(store)).incident_id == "5"


async def test_pasted_escape_sequences_in_the_title_are_cleaned_before_declaring(make_app, store):
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        field = app.screen.query_one("#title")
        field.post_message(events.Paste("DB \x1b[31mdown\x1b]0;owned\x07 now"))
        await settle(pilot)
        await press(pilot, "ctrl+s")
        incident = await newest(store)
        assert "\x1b" not in incident.title and "\x07" not in incident.title
        assert incident.title.startswith("DB ") and incident.title.endswith(" now")
        assert "owned" not in incident.title
