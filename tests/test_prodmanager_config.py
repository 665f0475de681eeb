"""``backend = "prodmanager"`` contexts: what they take, what they refuse, what they open."""

from __future__ import annotations

import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from incident_tui.backends.credentials import EnvToken, FileToken
from incident_tui.backends.factory import open_backend
from incident_tui.backends.prodmanager import ProdManagerBackend
from incident_tui.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_prodmanager_context_opens_a_prodmanager_backend(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            [contexts.pm]
            backend = "prodmanager"
            url = "https://status.example.com/"
            token_env = "PM_TOKEN"
            scope = "Production"
            service = "API"
            timezone = "Europe/Paris"
            """,
        )
    )
    backend = open_backend(cfg, "pm")
    assert isinstance(backend, ProdManagerBackend)
    assert backend.api == "https://status.example.com/api"
    assert (backend.default_scope, backend.default_service) == ("Production", "API")
    assert backend.clock.zone == ZoneInfo("Europe/Paris")
    assert isinstance(backend._token, EnvToken)
    assert backend.capabilities.name == "pm"
    assert backend.capabilities.system == "Prod Manager"
    assert not backend.capabilities.read_only


def test_token_sources_are_the_grafana_ones_and_optional(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            [contexts.pm]
            backend = "prodmanager"
            url = "https://status.example.com"
            token_file = "~/pm.token"

            [contexts.public]
            backend = "prodmanager"
            url = "https://status.example.com"
            """,
        )
    )
    assert isinstance(open_backend(cfg, "pm")._token, FileToken)
    public = open_backend(cfg, "public")
    assert public.capabilities.read_only
    assert "no token" in public.capabilities.missing("create_incident")


def test_readonly_context_serves_no_write(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            [contexts.pm]
            backend = "prodmanager"
            url = "https://status.example.com"
            token_env = "PM_TOKEN"
            readonly = true
            """,
        )
    )
    assert open_backend(cfg, "pm").capabilities.read_only


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[contexts.p]\nbackend = "prodmanager"\n', "prodmanager context needs a url"),
        ('[contexts.p]\nbackend = "prodmanager"\nurl = "status"\n', "url must look like"),
        (
            '[contexts.p]\nbackend = "prodmanager"\nurl = "https://x"\ntimezone = "Mars/Base"\n',
            "not a time zone",
        ),
        ('[contexts.p]\nbackend = "grafana"\nurl = "https://x"\nscope = "Prod"\n', "scope is for"),
        ('[contexts.p]\nbackend = "sqlite"\nservice = "API"\n', "service is for"),
        ('[contexts.p]\nbackend = "prodmanager"\nurl = "https://x"\npath = "a.db"\n', "path is"),
    ],
)
def test_bad_prodmanager_contexts_are_refused_naming_the_setting(
    tmp_path: Path, body: str, needle: str
) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_config(write(tmp_path, body))


def test_plain_http_with_a_token_is_refused_beyond_this_machine(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
            [contexts.pm]
            backend = "prodmanager"
            url = "http://status.example.com"
            token_env = "PM_TOKEN"
            """,
        )
    )
    with pytest.raises(ConfigError, match="plain http"):
        open_backend(cfg, "pm")
