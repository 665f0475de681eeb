"""Config contexts (k9s-style), the factory that opens them, and the client's token sources."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.credentials import (
    CommandToken,
    EnvToken,
    FileToken,
    Secret,
    StaticToken,
    token_source_for,
)
from incident_tui.backends.factory import open_backend
from incident_tui.config import (
    DEFAULT_PLUGIN,
    Config,
    ConfigError,
    ContextConfig,
    load_config,
)
from incident_tui.errors import Unauthenticated

TOKEN = "glsa_abcdefghijklmnop_0123456789"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- loading contexts --------------------------------------------------------------------


def test_missing_file_gives_the_local_default(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "nope.toml")
    ctx = cfg.context()
    assert ctx.name == "local" and ctx.backend == "sqlite"
    assert cfg.context_names() == ["local"]


def test_contexts_are_read_with_every_setting(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            current_context = "prod"
            [user]
            id = "alice"
            [contexts.local]
            backend = "sqlite"
            path = "~/incidents.db"
            [contexts.prod]
            backend = "grafana"
            url = "https://mystack.grafana.net/"
            token_env = "GRAFANA_TOKEN"
            plugin = "grafana-incident-app"
            proxy = "http://proxy.internal:3128"
            ca_bundle = "~/corp-ca.pem"
            readonly = true
            theme = "incident-prod"
            """,
        )
    )
    prod = cfg.context()
    assert prod.name == "prod" and prod.backend == "grafana"
    assert prod.plugin == "grafana-incident-app" and prod.readonly is True
    assert prod.ca_bundle_path() == str(Path("~/corp-ca.pem").expanduser())
    assert cfg.context("local").db_path() == Path("~/incidents.db").expanduser()
    assert cfg.context_names() == ["local", "prod"]


def test_plugin_defaults_to_irm(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            [contexts.cloud]
            backend = "grafana"
            url = "https://x.grafana.net"
            token_env = "T"
            """,
        )
    )
    assert cfg.context("cloud").plugin == DEFAULT_PLUGIN == "grafana-irm-app"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[contexts.p]\nbackend = "grafana"\n', "needs a url"),
        ('[contexts.p]\nbackend = "mysql"\n', "backend must be"),
        ('[contexts.p]\nbackend = "grafana"\nurl = "mystack.grafana.net"\n', "url must look like"),
        ('[contexts.p]\nbackend = "grafana"\nurl = "https://u:p@x.net"\n', "credentials"),
        (
            '[contexts.p]\nbackend = "grafana"\nurl = "https://x"\ntoken_env = "A"\ntoken_file = "f"\n',
            "only one of",
        ),
        ('[contexts.p]\nbackend = "sqlite"\nurl = "https://x"\n', "url is for grafana"),
        (
            '[contexts.p]\nbackend = "grafana"\nurl = "https://x"\npath = "a.db"\n',
            "path is for sqlite",
        ),
        ('[contexts.p]\nbackend = "grafana"\nurl = "https://x"\nplugin = "Bad Id"\n', "plugin"),
        ('[contexts.p]\nbackend = "grafana"\nurl = "https://x"\nproxy = "ftp://p"\n', "proxy"),
        ('[contexts.p]\nreadonly = "yes"\n', "expected true or false"),
        ('[contexts.p]\ntoken = "secret"\n', "unknown setting 'token'"),
        ('current_context = "nowhere"\n', "current_context 'nowhere'"),
        ("[contexts]\np = 3\n", "must be a table"),
        ("not = toml = at all", "not valid TOML"),
    ],
)
def test_bad_contexts_are_refused_naming_the_setting(
    tmp_path: Path, body: str, needle: str
) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_config(write(tmp_path, body))


def test_unknown_context_lists_the_known_ones(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[contexts.prod]\nbackend = "sqlite"\n'))
    with pytest.raises(ConfigError, match=r"known: local, prod"):
        cfg.context("staging")


def test_remembered_theme_goes_to_a_private_state_file_never_the_config(
    tmp_path: Path,
) -> None:
    from incident_tui.remembered import Remembered

    config = write(tmp_path, '# my contexts\n[contexts.prod]  # the big one\nbackend = "sqlite"\n')
    before = config.read_bytes()
    state = tmp_path / "state" / "state.toml"
    remembered = Remembered(state)
    remembered.set_theme("local", "incident-light")
    remembered.set_theme("prod", "incident-high-contrast")
    assert config.read_bytes() == before  # comments and all
    again = Remembered(state)
    assert again.theme("local") == "incident-light"
    assert again.theme("prod") == "incident-high-contrast" and again.theme("other") == ""
    assert (state.stat().st_mode & 0o777) == 0o600
    assert (state.parent.stat().st_mode & 0o777) == 0o700


def test_a_broken_state_file_is_forgotten_not_fatal(tmp_path: Path) -> None:
    from incident_tui.remembered import Remembered

    state = tmp_path / "state.toml"
    state.write_bytes(b"themes = [unclosed \xff")
    remembered = Remembered(state)
    assert remembered.theme("local") == ""
    remembered.set_theme("local", "incident-dark")
    assert Remembered(state).theme("local") == "incident-dark"


def test_state_dir_follows_the_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from incident_tui.config import state_dir
    from incident_tui.remembered import default_state_path

    monkeypatch.setenv("INCIDENT_TUI_STATE_DIR", str(tmp_path / "s"))
    assert state_dir() == tmp_path / "s"
    assert default_state_path() == tmp_path / "s" / "state.toml"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--context", "local"],
        ["demo", "--db", "{tmp}/demo.db"],
        ["serve", "--db", "{tmp}/serve.db", "--tokens", "{tmp}/tokens.json"],
        ["token", "list", "--tokens", "{tmp}/tokens.json"],
    ],
)
def test_a_config_file_that_is_not_utf8_is_one_clear_line_for_every_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    from incident_tui.cli import main

    config = tmp_path / "config.toml"
    config.write_bytes(b'current_context = "local"\n# caf\xe9 latin-1 comment\n')
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", str(config))
    monkeypatch.setenv("INCIDENT_TUI_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "tokens.json").write_text('{"tokens": []}')
    code = main([arg.replace("{tmp}", str(tmp_path)) for arg in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if argv and argv[0] in ("token", "demo"):
        # token does not read the config; demo only for the author, and a broken
        # config does not stop a store (the login name is used instead)
        assert code == 0, err
        return
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("incident-tui: ")
    assert "not UTF-8" in lines[0] and str(config) in lines[0]
    assert "Traceback" not in err


def test_context_flag_reaches_the_factory(tmp_path: Path) -> None:
    from incident_tui.cli import build_parser

    args = build_parser().parse_args(["--context", "prod", "--readonly"])
    assert args.context == "prod" and args.readonly is True


# --- the factory --------------------------------------------------------------------------


async def test_factory_opens_sqlite_with_db_override_and_config_user(tmp_path: Path) -> None:
    cfg = Config()
    cfg.user.id, cfg.user.name = "carol", "Carol"
    backend = open_backend(cfg, None, tmp_path / "other.db", readonly=False)
    try:
        created = await backend.create_incident(m.CreateIncidentRequest(title="disk full"))
        assert created.incident.created_by_user.user_id == "carol"
        assert (tmp_path / "other.db").exists()
    finally:
        await backend.close()


async def test_factory_readonly_from_flag_or_context(tmp_path: Path) -> None:
    cfg = Config(
        contexts={"ro": ContextConfig(name="ro", path=str(tmp_path / "s.db"), readonly=True)}
    )
    seed = open_backend(cfg, "local", tmp_path / "s.db", readonly=False)
    await seed.close()
    for name, flag in (("ro", False), ("local", True)):
        backend = open_backend(cfg, name, tmp_path / "s.db" if name == "local" else None, flag)
        try:
            assert backend.capabilities.read_only
        finally:
            await backend.close()


def test_factory_opens_a_remote_with_its_token_source(monkeypatch: pytest.MonkeyPatch) -> None:
    from incident_tui.backends.rpc import RpcBackend

    cfg = Config(
        contexts={
            "prod": ContextConfig(
                name="prod",
                backend="grafana",
                url="https://mystack.grafana.net/",
                token_env="GRAFANA_TOKEN",
                plugin="grafana-incident-app",
                readonly=True,
            )
        }
    )
    backend = open_backend(cfg, "prod", None, False)
    assert isinstance(backend, RpcBackend)
    assert backend.prefix == (
        "https://mystack.grafana.net/api/plugins/grafana-incident-app/resources/api/v1/"
    )
    assert backend.capabilities.read_only
    assert isinstance(backend._token, EnvToken)
    with pytest.raises(ConfigError, match="--db applies to local stores"):
        open_backend(cfg, "prod", Path("x.db"), False)


def test_factory_refuses_a_remote_without_a_token_source() -> None:
    cfg = Config(
        contexts={"p": ContextConfig(name="p", backend="grafana", url="https://x.grafana.net")}
    )
    with pytest.raises(ConfigError, match="needs a token source"):
        open_backend(cfg, "p", None, False)


def test_factory_refuses_plain_http_to_a_remote_host() -> None:
    cfg = Config(
        contexts={
            "p": ContextConfig(
                name="p", backend="grafana", url="http://grafana.corp", token_env="T"
            )
        }
    )
    with pytest.raises(ConfigError, match="plain http"):
        open_backend(cfg, "p", None, False)


# --- token sources -----------------------------------------------------------------------


def test_secret_hides_itself() -> None:
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret) and TOKEN not in str(secret) and TOKEN not in f"{secret}"
    assert secret.reveal() == TOKEN
    assert TOKEN not in repr(StaticToken(TOKEN))
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


async def test_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    source = EnvToken("ITUI_TEST_TOKEN")
    monkeypatch.delenv("ITUI_TEST_TOKEN", raising=False)
    with pytest.raises(Unauthenticated, match="is not set"):
        await source.get()
    monkeypatch.setenv("ITUI_TEST_TOKEN", f"  {TOKEN}\n")
    assert (await source.get()).reveal() == TOKEN
    monkeypatch.setenv("ITUI_TEST_TOKEN", "has space\x1b[31m")
    with pytest.raises(Unauthenticated) as info:
        await source.get()
    assert "has space" not in str(info.value)


async def test_file_token_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    os.chmod(path, 0o644)
    source = FileToken(path)
    with pytest.raises(Unauthenticated, match="chmod 600") as info:
        await source.get()
    assert TOKEN not in str(info.value)
    os.chmod(path, 0o600)
    assert (await source.get()).reveal() == TOKEN
    with pytest.raises(Unauthenticated, match="does not exist"):
        await FileToken(tmp_path / "missing").get()


async def test_file_token_is_reread_after_forget(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("old_token")
    os.chmod(path, 0o600)
    source = FileToken(path)
    assert (await source.get()).reveal() == "old_token"
    path.write_text("new_token")
    assert (await source.get()).reveal() == "old_token"
    source.forget()
    assert (await source.get()).reveal() == "new_token"


async def test_command_token_runs_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "print token.py"
    script.write_text(f"print({TOKEN!r}); print('second line ignored')")
    source = CommandToken(f"{sys.executable} '{script}'")
    assert (await source.get()).reveal() == TOKEN
    # Shell syntax is passed as plain arguments, never interpreted.
    echo = CommandToken(f"{sys.executable} -c 'import sys; print(sys.argv[1])' '$(touch {marker})'")
    with pytest.raises(Unauthenticated):  # "$(touch ...)" is printed, not run; not a valid token
        await echo.get()
    assert not marker.exists()


async def test_command_token_failures_are_clear(tmp_path: Path) -> None:
    with pytest.raises(Unauthenticated, match="command not found"):
        await CommandToken("/nonexistent/pass show x").get()
    failing = CommandToken(
        f"{sys.executable} -c \"import sys; print('{TOKEN}'); sys.stderr.write('vault sealed'); sys.exit(3)\""
    )
    with pytest.raises(Unauthenticated, match=r"exit 3\): vault sealed") as info:
        await failing.get()
    assert TOKEN not in str(info.value)
    slow = CommandToken(f"{sys.executable} -c 'import time; time.sleep(5)'", timeout=0.3)
    with pytest.raises(Unauthenticated, match="did not finish"):
        await slow.get()
    with pytest.raises(ConfigError):
        CommandToken("pass show 'unterminated")


def test_token_source_for_picks_exactly_one() -> None:
    ctx = ContextConfig(name="p", backend="grafana", url="https://x", token_file="~/t")
    assert isinstance(token_source_for(ctx), FileToken)
    ctx = ContextConfig(name="p", backend="grafana", url="https://x", token_command="pass show g")
    assert isinstance(token_source_for(ctx), CommandToken)
    with pytest.raises(ConfigError, match="only one"):
        token_source_for(
            ContextConfig(
                name="p", backend="grafana", url="https://x", token_env="A", token_file="b"
            )
        )
