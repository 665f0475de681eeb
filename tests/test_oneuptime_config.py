"""``backend = "oneuptime"`` contexts: what they take, what they refuse, what they open."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from incident_tui.backends.credentials import EnvToken
from incident_tui.backends.factory import open_backend
from incident_tui.backends.oneuptime import OneUptimeBackend
from incident_tui.config import ConfigError, load_config

PROJECT = "5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_oneuptime_context_opens_a_oneuptime_backend(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            f"""
            [contexts.ou]
            backend = "oneuptime"
            url = "https://oneuptime.example.com/"
            token_env = "ONEUPTIME_API_KEY"
            project_id = "{PROJECT}"
            timeout = 5
            """,
        )
    )
    backend = open_backend(cfg, "ou")
    assert isinstance(backend, OneUptimeBackend)
    assert backend.api == "https://oneuptime.example.com/api"
    assert backend.project == PROJECT
    assert isinstance(backend._token, EnvToken)
    assert backend.capabilities.name == "ou"
    assert backend.capabilities.system == "OneUptime"
    assert backend._timeouts.deadline == 10
    assert not backend.capabilities.read_only


def test_a_readonly_oneuptime_context_serves_no_write(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            f"""
            [contexts.ou]
            backend = "oneuptime"
            url = "https://oneuptime.example.com"
            token_file = "~/ou.key"
            project_id = "{PROJECT}"
            readonly = true
            """,
        )
    )
    assert open_backend(cfg, "ou").capabilities.read_only


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('url = "https://ou.example.com"\ntoken_env = "K"', "needs project_id"),
        ('url = "https://ou.example.com"\ntoken_env = "K"\nproject_id = "prod"', "a UUID"),
        (f'url = "https://ou.example.com"\nproject_id = "{PROJECT}"', "needs an API key"),
        (f'token_env = "K"\nproject_id = "{PROJECT}"', "needs a url"),
        (
            f'url = "https://ou.example.com"\ntoken_env = "K"\nproject_id = "{PROJECT}"\n'
            'scope = "Production"',
            "scope is for prodmanager contexts",
        ),
    ],
)
def test_what_a_oneuptime_context_refuses(tmp_path: Path, body: str, words: str) -> None:
    path = write(tmp_path, '[contexts.ou]\nbackend = "oneuptime"\n' + body + "\n")
    with pytest.raises(ConfigError, match=words):
        load_config(path)


def test_project_id_belongs_to_oneuptime_contexts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
        [contexts.pm]
        backend = "prodmanager"
        url = "https://status.example.com"
        project_id = "{PROJECT}"
        """,
    )
    with pytest.raises(ConfigError, match="project_id is for oneuptime contexts"):
        load_config(path)
