"""``incident-tui`` start-up: config, context, theme, demo; clean one-line errors, no traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.cli import build_parser
from incident_tui.ui import run as run_module


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", str(path))
    return path


@pytest.fixture
def started(monkeypatch) -> list[Any]:
    """Replace App.run so start-up can be checked without a terminal."""
    from incident_tui.ui.app import IncidentApp

    apps: list[Any] = []

    def fake_run(self, *args: Any, **kwargs: Any) -> None:
        apps.append(self)

    monkeypatch.setattr(IncidentApp, "run", fake_run)
    return apps


def run(*argv: str) -> int:
    return run_module.run_console(build_parser().parse_args(list(argv)))


def test_bad_config_prints_one_line_and_exits_2(config_file, capsys, started):
    config_file.write_text("this is = = not toml")
    assert run() == 2
    err = capsys.readouterr().err
    assert err.startswith("incident-tui: ") and "not valid TOML" in err
    assert "Traceback" not in err and not started


def test_unknown_context_and_theme_are_refused(config_file, capsys, started):
    assert run("--context", "nowhere") == 2
    assert "no context named 'nowhere'" in capsys.readouterr().err
    assert run("--theme", "sparkly", "--db", str(config_file.parent / "x.db")) == 2
    assert "unknown theme 'sparkly'" in capsys.readouterr().err
    assert not started


def test_a_file_that_is_not_a_store_is_refused_cleanly(config_file, tmp_path, capsys, started):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"definitely not sqlite" * 100)
    assert run("--db", str(junk)) == 1
    err = capsys.readouterr().err
    assert err.startswith("incident-tui: cannot open 'local'") and "Traceback" not in err
    assert not started


def test_demo_needs_write_access(config_file, tmp_path, capsys, started):
    assert run("--db", str(tmp_path / "d.db"), "--demo", "--readonly") == 2
    assert "--demo needs to write" in capsys.readouterr().err


def test_start_opens_the_context_with_flags_and_theme(config_file, tmp_path, started):
    config_file.write_text('[user]\nid = "carol"\nname = "Carol"\n')
    db = tmp_path / "s.db"
    assert run("--db", str(db), "--readonly", "--theme", "incident-high-contrast") == 0
    (app,) = started
    assert app.context_name == "local" and app.readonly is True
    assert app.theme == "incident-high-contrast"
    assert app.user.user_id == "carol"
    assert db.exists()


def test_demo_fills_an_empty_store_once(config_file, tmp_path, started, capsys):
    db = tmp_path / "demo.db"
    assert run("--db", str(db), "--demo") == 0
    assert "demo incidents" in capsys.readouterr().err
    assert run("--db", str(db), "--demo") == 0  # not twice
    assert "demo incidents" not in capsys.readouterr().err

    async def count() -> int:
        from incident_tui.backends.sqlite import SqliteBackend

        backend = await SqliteBackend.open(db)
        try:
            response = await backend.query_incidents(
                m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=500))
            )
            return len(response.incidents)
        finally:
            await backend.close()

    assert 30 <= asyncio.run(count()) <= 60
