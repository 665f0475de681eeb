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
    """Run the real start-up headless (no terminal) until the backend is open or refused."""
    from incident_tui.ui.app import IncidentApp

    apps: list[Any] = []
    real_run = IncidentApp.run

    def headless_run(self, *args: Any, **kwargs: Any) -> Any:
        apps.append(self)

        async def pilot(p: Any) -> None:
            for _ in range(1500):  # the demo fill may take a few seconds
                await p.pause(0.02)
                if self.has_backend or self.startup_error:
                    break
            if not self.startup_error:
                # The list's first load starts after the backend is set, in a later
                # message: wait for it to be asked for, then for its workers.
                rows = self.screen.query_one("IncidentList")
                for _ in range(500):
                    if rows._fetcher is not None:
                        break
                    await p.pause(0.01)
                await p.app.workers.wait_for_complete()
                await p.pause()
                self.seen_rows = rows.count
                self.exit()
            else:
                await p.app.workers.wait_for_complete()

        return real_run(self, headless=True, size=(80, 24), auto_pilot=pilot)

    monkeypatch.setattr(IncidentApp, "run", headless_run)
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
    assert err.count("\n") == 1


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
    assert db.exists() and app.seen_rows == 0


def test_remote_context_refuses_db_and_demo(config_file, capsys, started):
    config_file.write_text(
        '[contexts.prod]\nbackend = "grafana"\nurl = "https://example.grafana.net"\n'
        'token_env = "X_TOKEN"\n'
    )
    assert run("--context", "prod", "--db", "x.db") == 2
    assert "--db applies to local stores" in capsys.readouterr().err
    assert run("--context", "prod", "--demo") == 2
    assert not started


def test_demo_fills_an_empty_store_once(config_file, tmp_path, started, capsys):
    db = tmp_path / "demo.db"
    assert run("--db", str(db), "--demo") == 0
    assert "demo incidents" in capsys.readouterr().err
    assert started[-1].seen_rows > 20
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


def test_db_in_new_folders_creates_each_of_them_private(config_file, tmp_path, started):
    import stat

    db = tmp_path / "new" / "a" / "b.db"
    assert run("--db", str(db)) == 0
    for folder in (tmp_path / "new", tmp_path / "new" / "a"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_collection_waits_for_the_first_frame_and_resumes_even_on_failure(
    config_file, tmp_path, started, monkeypatch
):
    import gc

    seen: list[tuple[bool, bool]] = []
    real = run_module.collect_from_now_on

    def recorded() -> None:
        app = started[-1]
        seen.append((gc.isenabled(), bool(app.screen.query("IncidentList"))))
        real()

    monkeypatch.setattr(run_module, "collect_from_now_on", recorded)
    try:
        assert gc.isenabled()
        assert run("--db", str(tmp_path / "s.db")) == 0
        assert seen == [(False, True)]  # off until the list was drawn, then on
        assert gc.isenabled() and gc.get_freeze_count() > 0

        from incident_tui.ui.app import IncidentApp

        def broken_run(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("terminal gone")

        monkeypatch.setattr(IncidentApp, "run", broken_run)
        with pytest.raises(RuntimeError):
            run("--db", str(tmp_path / "s.db"))
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
