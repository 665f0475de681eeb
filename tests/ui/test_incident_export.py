"""The incident view's export key (X): asks for a path, writes the postmortem draft off the
event loop, says where, and never replaces a file that is already there."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from incident_tui.ui.dialogs import TextPrompt
from incident_tui.ui.screens.base import active_commands
from incident_tui.ui.screens.help import HelpScreen
from incident_tui.ui.screens.incident import TAB_IDS

from .incident_support import add_note, incident_view, notifications, press, settle, type_text


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_export_key_writes_the_draft_where_asked_and_says_where(make_app, store, in_tmp):
    await add_note(store, "Rolled back 4711\n# not a heading")
    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "X")
        assert isinstance(app.screen, TextPrompt)
        field = app.screen.query_one(Input)
        assert field.value == "./INC-1-postmortem.md"
        await press(pilot, "enter")
        assert app.screen is screen
        written = in_tmp / "INC-1-postmortem.md"
        text = written.read_text(encoding="utf-8")
        assert text.startswith("# INC-1: Checkout API returning 502s\n")
        assert "| commander | Alice Example |" in text
        assert "| Roll back deploy 4711 | to do | — |" in text
        assert "  Rolled back 4711\\\n  \\# not a heading" in text
        assert any(f"written to {written}" in n for n in notifications(app))


async def test_export_never_replaces_a_file_and_keeps_the_typed_path(make_app, in_tmp):
    existing = in_tmp / "INC-1-postmortem.md"
    existing.write_text("my edited postmortem", encoding="utf-8")
    async with incident_view(make_app) as (app, pilot, screen):
        await press(pilot, "X", "enter")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert "exists" in prompt.error_text
        assert existing.read_text(encoding="utf-8") == "my edited postmortem"
        await pilot.press("ctrl+u")
        await type_text(pilot, "drafts/pm.md")
        await press(pilot, "enter")
        assert app.screen is prompt  # the folder is missing: said in place, text kept
        assert "cannot write" in prompt.error_text
        assert prompt.query_one(Input).value == "drafts/pm.md"
        (in_tmp / "drafts").mkdir()
        await press(pilot, "enter")
        assert app.screen is screen
        assert (in_tmp / "drafts" / "pm.md").read_text(encoding="utf-8").startswith("# INC-1:")


async def test_export_key_clashes_with_nothing_on_any_tab(make_app):
    """X is the export on every tab, and no other command there (nor a global) uses it."""
    async with incident_view(make_app) as (app, pilot, screen):
        for tab in TAB_IDS:
            screen.action_show_tab(tab)
            await settle(pilot)
            keys = [
                (key, command.id)
                for _node, command in active_commands(app, screen)
                for key in command.key.split(",")
            ]
            assert [cid for key, cid in keys if key == "X"] == ["incident.export"], tab
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpScreen)
            lines = [line for line in app.screen.plain_text.splitlines() if "postmortem" in line]
            assert len(lines) == 1 and lines[0].split()[0] == "X", lines
            await press(pilot, "escape")


async def test_export_works_read_only(make_app, in_tmp):
    async with incident_view(make_app, readonly=True) as (app, pilot, screen):
        await press(pilot, "X", "enter")
        assert app.screen is screen
        assert (in_tmp / "INC-1-postmortem.md").read_text(encoding="utf-8").startswith("# INC-1:")
