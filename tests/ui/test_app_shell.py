"""The App shell: help, the : command line, the palette, keymaps, themes, errors, SIGHUP."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.config import Config, ContextConfig, load_config
from incident_tui.ui.cmdline import CommandError, CommandLine, parse_line
from incident_tui.ui.screens.declare import DeclareDialog
from incident_tui.ui.screens.help import HelpScreen
from incident_tui.ui.screens.home import HomeScreen
from incident_tui.ui.themes import load_themes

from .incident_support import press, screen_text, settle, type_text, wait_for

# --- help -----------------------------------------------------------------------


async def test_help_lists_the_screens_keys_and_the_globals_grouped(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.plain_text
        for expected in (
            "Navigation",
            "Incidents",
            "Filter and sort",
            "Everywhere",
            "Declare a new incident",
            "Filter with the incident query syntax",
            "Command line",
            "status:active",
        ):
            assert expected in body
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "q")
        assert isinstance(app.screen, HomeScreen)


async def test_help_in_read_only_mode_leaves_out_changes(make_app):
    app = make_app(readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        body = app.screen.plain_text
        assert "Declare a new incident" not in body
        assert "Read-only" in body and "Open the incident under the cursor" in body


async def test_help_uses_the_keys_from_the_keymap(make_app):
    app = make_app(config=Config(keymap={"list.declare": "N", "app.help": "f2"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, HomeScreen)  # n no longer declares
        await press(pilot, "N")
        assert isinstance(app.screen, DeclareDialog)
        await press(pilot, "escape", "f2")
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.plain_text
        assert "N " in body and "f2" in body


# --- command line -----------------------------------------------------------------


def test_parse_line_understands_the_commands_and_refuses_the_rest():
    assert parse_line(":inc #12") == ("inc", "#12")
    assert parse_line("incident 7") == ("inc", "7")
    assert parse_line("42") == ("inc", "42")
    assert parse_line("INC-42") == ("inc", "42")
    assert parse_line(" theme  incident-light ") == ("theme", "incident-light")
    assert parse_line("context prod") == ("ctx", "prod")
    assert parse_line("quit") == ("q", "")
    for bad, why in (
        ("", "type a command"),
        ("theme", "needs NAME"),
        ("roles x", "no argument"),
        ("frobnicate", "unknown command"),
    ):
        with pytest.raises(CommandError, match=why):
            parse_line(bad)


async def test_colon_inc_opens_the_incident(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "colon")
        assert isinstance(app.screen, CommandLine)
        await type_text(pilot, "inc 2")
        await press(pilot, "enter")
        from incident_tui.ui.screens.incident import IncidentScreen

        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == "2"


async def test_colon_unknown_incident_stays_open_with_the_text_and_a_message(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "colon")
        await type_text(pilot, "inc 999")
        await press(pilot, "enter")
        line = app.screen
        assert isinstance(line, CommandLine)
        assert line.error_text == "no incident #999"
        assert line.query_one("#cmdline").value == "inc 999"
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)


async def test_colon_theme_is_remembered_for_the_context_and_the_config_is_untouched(
    tmp_path, make_app, store
):
    from incident_tui.remembered import Remembered

    path = tmp_path / "config.toml"
    path.write_text("# my settings\npoll_interval = 5  # seconds\n\n[contexts.prod]\n")
    before = path.read_bytes()
    state = tmp_path / "state.toml"
    app = make_app(config=load_config(path), remembered=Remembered(state))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "incident-dark"
        await press(pilot, "colon")
        await type_text(pilot, "theme incident-light")
        await press(pilot, "enter")
        assert app.theme == "incident-light"
        await press(pilot, "colon")
        await type_text(pilot, "theme nope")
        await press(pilot, "enter")
        assert "unknown theme 'nope'" in app.screen.error_text
        assert app.theme == "incident-light"
    assert path.read_bytes() == before  # comments kept: the config file is never written
    assert Remembered(state).theme("local") == "incident-light"
    from incident_tui.ui.app import IncidentApp

    again = IncidentApp(store, load_config(path), "local", remembered=Remembered(state))
    assert again.theme == "incident-light"
    prod = IncidentApp(store, load_config(path), "prod", remembered=Remembered(state))
    assert prod.theme == "incident-prod"  # remembered for local only


async def test_ctx_prod_then_a_restart_on_local_does_not_look_like_prod(tmp_path, make_app, store):
    from incident_tui.remembered import Remembered
    from incident_tui.ui.app import IncidentApp

    from .conftest import open_store

    cfg = Config(contexts={"prod": ContextConfig(name="prod", path=str(tmp_path / "prod.db"))})
    state = tmp_path / "state.toml"
    app = make_app(
        config=cfg,
        remembered=Remembered(state),
        open_backend=lambda name: open_store(Path(cfg.context(name).db_path())),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "colon")
        await type_text(pilot, "ctx prod")
        await press(pilot, "enter")
        await settle(pilot)
        assert app.context_name == "prod" and app.theme == "incident-prod"
        await press(pilot, "colon")
        await type_text(pilot, "ctx local")
        await press(pilot, "enter")
        await settle(pilot)
        assert app.context_name == "local" and app.theme == "incident-dark"
    assert not state.exists()  # nothing chosen, nothing remembered
    restarted = IncidentApp(store, cfg, "local", remembered=Remembered(state))
    assert restarted.theme == "incident-dark"


async def test_colon_roles_opens_org_roles_and_q_quits(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "colon")
        await type_text(pilot, "roles")
        await press(pilot, "enter")
        from incident_tui.ui.screens.org_roles import OrgRolesScreen

        assert isinstance(app.screen, OrgRolesScreen)
        await press(pilot, "escape")
        await press(pilot, "O")
        assert isinstance(app.screen, OrgRolesScreen)
        await press(pilot, "colon")
        await type_text(pilot, "q")
        await press(pilot, "enter")
    assert app.return_code == 0


async def test_colon_ctx_switches_backend_and_refuses_unknown_names(tmp_path, make_app, store):
    from .conftest import open_store

    other_path = tmp_path / "other.db"
    seeded = open_store(other_path)
    await seeded.create_incident(m.CreateIncidentRequest(title="Only in the other context"))
    await seeded.close()
    cfg = Config(
        contexts={"other": ContextConfig(name="other", path=str(other_path), readonly=True)}
    )
    opened: list[str] = []

    def opener(name: str):
        opened.append(name)
        return open_store(Path(cfg.context(name).db_path()))

    app = make_app(config=cfg, open_backend=opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "colon")
        await type_text(pilot, "ctx nowhere")
        await press(pilot, "enter")
        assert "no context named 'nowhere'" in app.screen.error_text
        await press(pilot, "escape", "colon")
        await type_text(pilot, "ctx other")
        await press(pilot, "enter")
        await settle(pilot)
        assert opened == ["other"] and app.context_name == "other"
        assert app.readonly is True  # the context says so
        assert isinstance(app.screen, HomeScreen)
        text = screen_text(pilot)
        assert "Only in the other context" in text and "READ-ONLY" in text
        assert "Checkout API" not in text


# --- palette --------------------------------------------------------------------------


async def _palette_prompts(pilot) -> list[str]:
    from textual.command import CommandList

    await settle(pilot, rounds=5)
    options = pilot.app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_palette_finds_incidents_by_reference_and_title_and_opens_them(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "replica")
        prompts = await _palette_prompts(pilot)
        assert any(p.startswith("#2 ◆ major ACTIVE") and "Replica lag" in p for p in prompts)
        for _ in "replica":
            await pilot.press("backspace")
        await pilot.press("number_sign", "3")
        prompts = await _palette_prompts(pilot)
        assert prompts and prompts[0].startswith("#3 ")
        await press(pilot, "enter")
        await settle(pilot)
        from incident_tui.ui.screens.incident import IncidentScreen

        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == "3"


async def test_palette_offers_the_screens_commands_and_runs_them(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "declare")
        prompts = await _palette_prompts(pilot)
        assert "Incidents: Declare" in prompts[0]
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, DeclareDialog)


async def test_palette_hides_changes_in_read_only_mode(make_app):
    app = make_app(readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "declare")
        prompts = await _palette_prompts(pilot)
        assert not any("Incidents: Declare" in p for p in prompts)


# --- errors, people, themes, signals ------------------------------------------------------


async def test_show_error_is_plain_text(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.show_error("boom [bold]x[/] [@click=app.quit]y[/]\x1b[31m")
        await settle(pilot)
        from textual.widgets._toast import Toast

        toasts = list(app.screen.query(Toast))
        assert toasts, "no notification shown"
        shown = str(toasts[-1].render())
        assert "boom [bold]x[/] [@click=app.quit]y[/]␛" in shown
        assert "\x1b" not in shown
        assert app.is_running


async def test_known_users_come_from_the_backend_and_loaded_incidents(make_app, store):
    await store.assign_role(
        m.AssignRoleRequest(incident_id="2", user_id="bob", role="investigator")
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ids = [u.user_id for u in await app.known_users()]
        assert "alice" in ids and "bob" in ids


def test_four_themes_ship_and_load():
    themes = load_themes()
    assert {"incident-dark", "incident-light", "incident-high-contrast", "incident-prod"} <= set(
        themes
    )
    assert themes["incident-light"].dark is False


@pytest.mark.parametrize(
    ("context", "ctx_theme", "configured", "remembered", "expected"),
    [
        ("local", "", "", "", "incident-dark"),
        ("local", "", "incident-light", "", "incident-light"),
        ("prod", "", "incident-light", "", "incident-prod"),  # loud by default in prod
        ("prod", "incident-high-contrast", "", "", "incident-high-contrast"),
        ("prod", "incident-high-contrast", "", "incident-light", "incident-light"),
        ("local", "", "incident-light", "incident-prod", "incident-prod"),
    ],
)
async def test_theme_choice_per_context_and_remembered(
    tmp_path, store, context, ctx_theme, configured, remembered, expected
):
    from incident_tui.remembered import Remembered
    from incident_tui.ui.app import IncidentApp

    state = Remembered(tmp_path / "state.toml")
    if remembered:
        state.set_theme(context, remembered)
    cfg = Config(theme=configured, contexts={context: ContextConfig(name=context, theme=ctx_theme)})
    app = IncidentApp(
        store, cfg, context_name=context, install_signal_handlers=False, remembered=state
    )
    assert app.theme == expected


async def test_sighup_ends_the_app_promptly(make_app):
    app = make_app(install_signal_handlers=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_for(lambda: app.return_code is not None, what="the app to exit")
    app.cancel_hangup_watchdog()
    assert app.return_code == 129


def _footer_problems(app, where: str) -> list[str]:
    """Footer items (shown bindings) missing or cut from the bottom line."""
    footer = screen_text_of(app).splitlines()[-1]
    problems = []
    for active in app.screen.active_bindings.values():
        binding = active.binding
        if binding.show and active.enabled and binding.description not in footer:
            problems.append(f"{where}: {binding.description!r} not in {footer!r}")
    return problems


def screen_text_of(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_footer_labels_fit_at_80_columns_and_a_dialog_shows_its_own_keys(make_app, store):
    await store.update_status(m.UpdateStatusRequest(incident_id="2", status="resolved"))
    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        problems += _footer_problems(app, "list")
        for incident_id in ("1", "2"):  # active: R resolves; resolved: R reopens
            app.open_incident(incident_id)
            await settle(pilot)
            for key, tab in (("1", "overview"), ("2", "timeline"), ("3", "tasks"), ("4", "roles")):
                await press(pilot, key)
                problems += _footer_problems(app, f"#{incident_id} {tab}")
            await press(pilot, "1")
            footer = screen_text(pilot).splitlines()[-1]
            assert ("R Reopen" if incident_id == "2" else "R Resolve") in footer
            await press(pilot, "escape")
        await press(pilot, "O")
        problems += _footer_problems(app, "org roles")
        await press(pilot, "escape", "n")
        assert isinstance(app.screen, DeclareDialog)
        footer = screen_text(pilot).splitlines()[-1]
        assert "Declare" in footer and "Cancel" in footer and "Filter" not in footer
        await press(pilot, "escape", "question_mark")  # a dialog whose focus never moves
        assert "esc Close" in screen_text(pilot).splitlines()[-1]
    assert not problems, "\n".join(problems)


async def test_the_palette_draws_no_emoji(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "dec")
        await settle(pilot, rounds=5)
        text = screen_text(pilot)
        assert "Declare" in text
        wide = sorted({ch for ch in text if ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) < 0x2800})
        assert wide == [], wide


async def test_help_says_where_timeline_tags_are_set(make_app):
    from .incident_support import incident_view

    async with incident_view(make_app, tab="timeline") as (app, pilot, screen):
        await press(pilot, "question_mark")
        body = " ".join(app.screen.plain_text.split())
        assert "its API has no method that sets one" in body
