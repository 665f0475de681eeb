"""``backend = "incidentio"`` contexts: what they take, what they refuse, what they open."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from incident_tui.backends.credentials import CommandToken, EnvToken, FileToken
from incident_tui.backends.factory import open_backend
from incident_tui.backends.incidentio import IncidentIoBackend
from incident_tui.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_incidentio_context_defaults_to_the_public_api_host(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            [contexts.inc]
            backend = "incidentio"
            token_env = "INCIDENT_IO_API_KEY"
            """,
        )
    )
    assert cfg.context("inc").url == "https://api.incident.io"
    backend = open_backend(cfg, "inc")
    assert isinstance(backend, IncidentIoBackend)
    assert backend.root == "https://api.incident.io"
    assert isinstance(backend._token, EnvToken)
    caps = backend.capabilities
    assert (caps.name, caps.system, caps.read_only) == ("inc", "incident.io", False)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('token_file = "~/inc.token"', FileToken),
        ('token_command = "pass show incident.io"', CommandToken),
    ],
)
def test_token_sources_are_the_other_contexts_ones(tmp_path: Path, line: str, kind: type) -> None:
    cfg = load_config(
        write(
            tmp_path,
            f"""
            [contexts.inc]
            backend = "incidentio"
            url = "https://api.eu.example.com/"
            readonly = true
            {line}
            """,
        )
    )
    backend = open_backend(cfg, "inc")
    assert isinstance(backend, IncidentIoBackend)
    assert isinstance(backend._token, kind)
    assert backend.root == "https://api.eu.example.com"
    assert backend.capabilities.read_only


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "needs an API key"),
        ('token_env = "K"\ntoken_file = "f"', "set only one of"),
        ('token_env = "K"\nurl = "http://api.example.com"', None),
        ('token_env = "K"\nscope = "Production"', "scope is for prodmanager contexts"),
        ('token_env = "K"\npath = "/tmp/x.db"', "path is for sqlite contexts"),
        ('token_env = "K"\nurl = "ftp://x"', "url must look like"),
    ],
)
def test_what_an_incidentio_context_refuses(tmp_path: Path, body: str, words: str | None) -> None:
    text = '[contexts.inc]\nbackend = "incidentio"\n' + body + "\n"
    if words is None:
        # A token never crosses the network in clear: refused when the backend opens.
        cfg = load_config(write(tmp_path, text))
        with pytest.raises(ConfigError, match="refusing to send a token over plain http"):
            open_backend(cfg, "inc")
        return
    with pytest.raises(ConfigError, match=words):
        load_config(write(tmp_path, text))


def test_db_override_is_refused_for_incidentio(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[contexts.inc]\nbackend = "incidentio"\ntoken_env = "K"\n'))
    with pytest.raises(ConfigError, match="--db applies to local stores"):
        open_backend(cfg, "inc", db_override=tmp_path / "x.db")
