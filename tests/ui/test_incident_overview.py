"""Overview tab: every action, checked against what the SqliteBackend holds afterwards."""

from __future__ import annotations

from textual.widgets import Input, OptionList, TextArea

from incident_tui import models as m
from incident_tui.ui.dialogs import ChoicePicker, ConfirmDialog, SummaryEditor, TextPrompt
from incident_tui.ui.presentation import parse_time

from .incident_support import (
    get_incident,
    incident_view,
    kinds,
    press,
    screen_text,
    settle,
    type_text,
)


async def test_overview_shows_the_incident_facts(make_app) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        text = screen_text(pilot)
        assert "#1" in text
        assert "▲ SEV1 critical" in text
        assert "ACTIVE" in text
        assert "Checkout API returning 502s" in text
        assert "api, payments" in text
        assert "commander: Alice Example" in text
        assert "1/2 done" in text
        # the start is the store's clock; duration is measured against the app's fixed now
        assert "so far" in text


async def test_edit_title_updates_backend_header_and_timeline(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "e")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("ctrl+u")
        await type_text(pilot, "Checkout down for everyone")
        await press(pilot, "enter")
        assert app.screen is screen
        assert "Checkout down for everyone" in screen_text(pilot)
        incident = await get_incident(store)
        assert incident.title == "Checkout down for everyone"
        assert "incidentTitleChanged" in await kinds(store)


async def test_S_edits_the_summary_in_a_multi_line_editor_prefilled(make_app, store) -> None:
    await store.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id="1", summary="Checkout failing.")
    )
    async with incident_view(make_app) as (app, pilot, screen):
        assert "Checkout failing." in screen_text(pilot)
        await press(pilot, "S")
        editor = app.screen
        assert isinstance(editor, SummaryEditor)
        area = editor.query_one(TextArea)
        assert area.text == "Checkout failing."  # prefilled, the cursor at its end
        await type_text(pilot, " Rolled back")
        await press(pilot, "enter")  # a new line, not a save
        await type_text(pilot, "- payments fine")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        summary = "Checkout failing. Rolled back\n- payments fine"
        assert (await get_incident(store)).summary == summary
        text = screen_text(pilot)
        assert "Rolled back" in text and "- payments fine" in text
        assert "incidentSummary" in await kinds(store)


async def test_summary_saved_unchanged_sends_nothing_and_emptied_clears_it(make_app, store) -> None:
    await store.update_incident_summary(
        m.UpdateIncidentSummaryRequest(incident_id="1", summary="Checkout failing.")
    )
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "S", "ctrl+s")
        assert app.screen is screen
        assert (await kinds(store)).count("incidentSummary") == 1
        await press(pilot, "S")
        app.screen.query_one(TextArea).text = ""
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        assert (await get_incident(store)).summary == ""
        assert (await kinds(store)).count("incidentSummary") == 2
        assert "Checkout failing." not in screen_text(pilot)
        await press(pilot, "2")  # the timeline says it was cleared
        assert "(cleared)" in screen_text(pilot)


async def test_S_is_hidden_where_the_summary_cannot_be_changed(make_app, store) -> None:
    """A backend whose capabilities leave out UpdateIncidentSummary (a Grafana stack that
    answered "unknown method") offers no S: not in help, and the key opens nothing."""
    from dataclasses import replace

    from incident_tui.ui.screens.base import active_commands

    class NoSummary(type(store)):  # type: ignore[misc]
        @property
        def capabilities(self):  # type: ignore[override]
            caps = super().capabilities
            return replace(caps, methods=caps.methods - {"update_incident_summary"})

    store.__class__ = NoSummary
    async with incident_view(make_app) as (app, pilot, screen):
        ids = {command.id for _node, command in active_commands(app, app.screen)}
        assert "incident.edit_title" in ids and "incident.edit_summary" not in ids
        await press(pilot, "S")
        assert app.screen is screen
    assert (await kinds(store)).count("incidentSummary") == 0


async def test_set_severity_with_the_picker(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "v")
        assert isinstance(app.screen, ChoicePicker)
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 0  # the current severity, critical, is first
        await press(pilot, "down", "enter")
        assert "◆ SEV2 major" in screen_text(pilot)
        assert (await get_incident(store)).severity == "major"
        assert "incidentSeverityChanged" in await kinds(store)


async def test_resolve_is_confirmed_then_reopen(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "R")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert "RESOLVED" in screen_text(pilot)
        assert str((await get_incident(store)).status) == "resolved"
        assert "incidentStatusChanged" in await kinds(store)

        await press(pilot, "R", "y")
        assert str((await get_incident(store)).status) == "active"


async def test_resolve_cancelled_changes_nothing(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "R", "n")
        assert app.screen is screen
        assert str((await get_incident(store)).status) == "active"
        assert "incidentStatusChanged" not in await kinds(store)


async def test_toggle_drill_asks_first_like_resolve(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "D")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")  # a stray D changes nothing
        assert app.screen is screen
        assert (await get_incident(store)).is_drill is False
        await press(pilot, "D", "y")
        assert (await get_incident(store)).is_drill is True
        assert "[drill]" in screen_text(pilot).splitlines()[0]
        await press(pilot, "D", "y")
        assert (await get_incident(store)).is_drill is False
        assert "[drill]" not in screen_text(pilot).splitlines()[0]


async def test_add_label(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "l")
        await type_text(pilot, "db-primary")
        await press(pilot, "enter")
        assert "db-primary" in screen_text(pilot)
        labels = [label.label for label in (await get_incident(store)).labels]
        assert "db-primary" in labels
        assert "labelAdded" in await kinds(store)


async def test_add_label_refuses_duplicate_inline(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "l")
        await type_text(pilot, "api")
        await press(pilot, "enter")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert "already has" in prompt.error_text
        assert prompt.text == "api"
        labels = [label.label for label in (await get_incident(store)).labels]
        assert labels.count("api") == 1


async def test_remove_label_from_picker_of_current_labels(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "L")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        assert [c.value for c in picker.choices] == ["api", "payments"]
        await press(pilot, "down", "enter")
        labels = [label.label for label in (await get_incident(store)).labels]
        assert labels == ["api"]
        assert "labelRemoved" in await kinds(store)


async def test_edit_start_time_accepts_utc_and_converts_to_rfc3339(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "t")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        prompt.query_one(Input).value = ""
        await type_text(pilot, "2026-11-24 21:15 UTC")
        await press(pilot, "enter")
        assert app.screen is screen
        assert "2026-11-24 21:15 UTC" in screen_text(pilot)
        start = parse_time((await get_incident(store)).incident_start)
        assert start is not None and start.isoformat() == "2026-11-24T21:15:00+00:00"


async def test_end_time_of_a_resolved_incident_validates_inline_and_keeps_text(
    make_app, store
) -> None:
    async with incident_view(make_app, "5") as (app, pilot, screen):
        await press(pilot, "T")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt) and prompt.dialog_title == "Incident end time"
        prompt.query_one(Input).value = ""
        await type_text(pilot, "soon")
        await press(pilot, "enter")
        assert app.screen is prompt
        assert "Not a time" in prompt.error_text
        prompt.query_one(Input).value = ""
        await type_text(pilot, "2026-11-25T03:00:00Z")
        await press(pilot, "enter")
        assert app.screen is screen
        end = parse_time((await get_incident(store, "5")).incident_end)
        assert end is not None and end.isoformat() == "2026-11-25T03:00:00+00:00"


async def test_T_on_an_active_incident_resolves_it_at_the_time_given(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "T")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert "is active: saving resolves it" in screen_text(pilot)
        await press(pilot, "escape")  # leaves it active
        assert str((await get_incident(store)).status) == "active"
        await press(pilot, "T")
        prompt = app.screen
        prompt.query_one(Input).value = ""
        await type_text(pilot, "2026-11-25T03:00:00Z")
        await press(pilot, "enter")
        assert app.screen is screen
        incident = await get_incident(store)
        assert str(incident.status) == "resolved"
        end = parse_time(incident.incident_end)
        assert end is not None and end.isoformat() == "2026-11-25T03:00:00+00:00"
        assert "RESOLVED" in screen_text(pilot).splitlines()[0]


async def test_an_end_before_the_start_is_refused_inline_and_nothing_is_sent(
    make_app, store
) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "T")
        prompt = app.screen
        prompt.query_one(Input).value = ""
        await type_text(pilot, "2000-01-01 00:00 UTC")
        await press(pilot, "enter")
        assert app.screen is prompt
        assert "cannot end before" in prompt.error_text
        assert prompt.text == "2000-01-01 00:00 UTC"
        incident = await get_incident(store)
        assert incident.incident_end == "" and str(incident.status) == "active"


async def test_resolving_keeps_an_end_time_set_by_hand(make_app, store) -> None:
    await store.update_incident_event_time(
        m.UpdateIncidentEventTimeRequest(
            incident_id="1", event_time="2026-11-25T02:45:00Z", activity_item_kind="incidentEnd"
        )
    )
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "R")
        assert isinstance(app.screen, ConfirmDialog)
        assert "2026-11-25 02:45 UTC, set by hand, is kept" in screen_text(pilot)
        await press(pilot, "y")
        incident = await get_incident(store)
        assert str(incident.status) == "resolved"
        assert parse_time(incident.incident_end).isoformat() == "2026-11-25T02:45:00+00:00"


async def test_escape_cancels_an_edit(make_app, store) -> None:
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "e")
        await type_text(pilot, " more")
        await press(pilot, "escape", "y")  # esc asks before throwing typed text away
        assert app.screen is screen
        await settle(pilot)
        assert (await get_incident(store)).title == "Checkout API returning 502s"


async def test_overview_at_80_columns_keeps_each_role_with_its_holder(make_app, store) -> None:
    """A role and its holder share a line, and a long value wraps inside its own column."""
    await store.update_title(
        m.UpdateTitleRequest(incident_id="1", title=" ".join(f"word{n}" for n in range(30)))
    )
    async with incident_view(make_app) as (app, pilot, screen):
        lines = screen_text(pilot).splitlines()
        for role in ("commander:", "investigator:", "observer:"):
            (line,) = [line for line in lines if role in line]
            after = line.split(role, 1)[1].strip()
            assert after, f"{role} lost its holder to the next line: {line!r}"
        title_rows = [n for n, line in enumerate(lines) if "word" in line and "Title" in line]
        (first,) = title_rows
        assert lines[first + 1].startswith(" " * 13) and "word" in lines[first + 1]


async def test_duration_so_far_moves_with_the_clock(make_app, store) -> None:
    from datetime import timedelta

    async with incident_view(make_app) as (app, pilot, screen):

        def duration() -> str:
            return next(line for line in screen_text(pilot).splitlines() if "Duration" in line)

        assert "5h 29m so far" in duration()
        app._fixed_now += timedelta(minutes=10)  # what the once-a-minute tick sees
        screen.overview.tick()
        await settle(pilot)
        assert "5h 39m so far" in duration()
