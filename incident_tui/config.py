"""Configuration: TOML with k9s-style named contexts, the acting user, theme and keymap.

Read with ``tomllib`` and never written: the file is the user's, comments and all
(what the console remembers, such as the last theme per context, goes to the state
directory: ``incident_tui.remembered``). It lives at
``platformdirs.user_config_path("incident-tui") / "config.toml"`` unless
``INCIDENT_TUI_CONFIG`` names another.

Example::

    current_context = "local"
    theme = "incident-dark"
    poll_interval = 2.0
    scroll = "line"

    [user]
    id = "alice"
    name = "Alice Example"
    email = "alice@example.com"

    [keymap]
    declare_incident = "N"

    [contexts.local]
    backend = "sqlite"
    path = "/home/alice/.local/share/incident-tui/incidents.db"

    [contexts.prod]
    backend = "grafana"
    url = "https://mystack.grafana.net"
    token_env = "GRAFANA_INCIDENT_TOKEN"
    plugin = "grafana-irm-app"
    readonly = false
    theme = "incident-prod"

    [contexts.pm]
    backend = "prodmanager"
    url = "https://status.example.com"
    token_file = "~/.config/incident-tui/prodmanager.token"
    scope = "Production"        # default scope when declaring (name or id)
    service = "API"             # default service when declaring (name or id)
    timezone = "Europe/Paris"   # the server's zone: its dates carry none

    [contexts.inc]
    backend = "incidentio"
    token_env = "INCIDENT_IO_API_KEY"   # url defaults to https://api.incident.io

    [contexts.ou]
    backend = "oneuptime"
    url = "https://oneuptime.example.com"
    token_env = "ONEUPTIME_API_KEY"
    project_id = "5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e"
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "incident-tui"
DEFAULT_CONTEXT = "local"
DEFAULT_PLUGIN = "grafana-irm-app"
KNOWN_PLUGINS = ("grafana-irm-app", "grafana-incident-app")
#: What a context can be notified of (``notify = [...]``): see ``ui/alerts.py``.
NOTIFY_KINDS = ("declared", "critical", "assigned")


class ConfigError(Exception):
    """The configuration cannot be used; the message says why and where."""


def config_path() -> Path:
    override = os.environ.get("INCIDENT_TUI_CONFIG")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME)


def state_dir() -> Path:
    """Where the console keeps what it remembers (``INCIDENT_TUI_STATE_DIR`` overrides)."""
    override = os.environ.get("INCIDENT_TUI_STATE_DIR")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_state_path(APP_NAME)


def default_db_path() -> Path:
    return data_dir() / "incidents.db"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` as 0700, and every missing parent too (``mkdir -p`` would make
    those 0755 whatever the mode asked); tighten ``path`` if it exists and is ours.
    Parents that already exist are left as they are."""
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        try:
            os.chmod(folder, 0o700)
        except OSError:
            pass
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def prepare_private_parent(path: Path, default: Path) -> None:
    """Make the directory of a private file (store, tokens, config) ready for it.

    A missing directory is created 0700, and our default one is tightened to 0700;
    an existing directory the user chose (``--tokens ./t.json``, ``--db ~/x.db``) is
    left as it is: its mode is theirs, not ours to change.
    """
    if not path.parent.exists() or path == default:
        ensure_private_dir(path.parent)


@dataclass
class UserConfig:
    """The person acting in the local store (timeline items carry this author)."""

    id: str = ""
    name: str = ""
    email: str = ""

    def resolved(self) -> UserConfig:
        login = _login_name()
        return UserConfig(
            id=self.id or login,
            name=self.name or self.id or login,
            email=self.email,
        )


@dataclass
class ContextConfig:
    """One named place the console can talk to."""

    name: str = DEFAULT_CONTEXT
    backend: str = "sqlite"  # "sqlite" | "grafana" | "prodmanager" | "incidentio" | "oneuptime"
    path: str = ""  # sqlite: database file ("" = default path)
    url: str = ""  # grafana: stack URL (https://mystack.grafana.net); prodmanager: its root
    # incidentio: the API host ("" = https://api.incident.io)
    token_env: str = ""  # name of an environment variable holding the token
    token_file: str = ""  # a 0600 file holding the token
    token_command: str = ""  # a command printing the token, e.g. "pass show grafana/incident"
    plugin: str = DEFAULT_PLUGIN
    proxy: str = ""
    ca_bundle: str = ""
    readonly: bool = False
    theme: str = ""
    scope: str = ""  # prodmanager: the scope (name or id) an incident is declared in
    service: str = ""  # prodmanager: the service (name or id) an incident is declared for
    timezone: str = ""  # prodmanager: the server's IANA zone ("" = this machine's)
    project_id: str = ""  # oneuptime: the project (a UUID) the API key belongs to
    timeout: float = 0.0  # remote: seconds to wait for an answer (0: 15 s; a call gives up at 2x)
    #: What rings the terminal (toast, BEL, OSC 9/777): any of NOTIFY_KINDS; [] or false: off.
    notify: list[str] = field(default_factory=lambda: list(NOTIFY_KINDS))
    redact: bool = False  # start in redaction mode (screen sharing): see incident_tui/redact.py
    #: Regular expressions masked in redaction mode besides emails and IP addresses
    #: (customer names...), matched ignoring case.
    redact_patterns: list[str] = field(default_factory=list)

    def db_path(self) -> Path:
        return Path(self.path).expanduser() if self.path else default_db_path()

    def ca_bundle_path(self) -> str:
        return str(Path(self.ca_bundle).expanduser()) if self.ca_bundle else ""


@dataclass
class Config:
    current_context: str = DEFAULT_CONTEXT
    theme: str = ""
    poll_interval: float = 2.0
    #: How the incident list follows the cursor past its edge: "line" by line, or "jump"
    #: by half a screen (a scroll repaints the whole list: over a slow link, far fewer
    #: repaints when moving through the list one row at a time).
    scroll: str = "line"
    user: UserConfig = field(default_factory=UserConfig)
    keymap: dict[str, str] = field(default_factory=dict)
    contexts: dict[str, ContextConfig] = field(default_factory=dict)
    path: Path | None = None

    def context(self, name: str | None = None) -> ContextConfig:
        """The named context (or the current one). ``local`` always exists."""
        wanted = name or self.current_context or DEFAULT_CONTEXT
        if wanted in self.contexts:
            return self.contexts[wanted]
        if wanted == DEFAULT_CONTEXT:
            return ContextConfig(name=DEFAULT_CONTEXT)
        known = ", ".join(sorted({DEFAULT_CONTEXT, *self.contexts})) or DEFAULT_CONTEXT
        raise ConfigError(f"no context named {wanted!r} (known: {known})")

    def context_names(self) -> list[str]:
        return sorted({DEFAULT_CONTEXT, *self.contexts})


def _login_name() -> str:
    try:
        return getpass.getuser() or "operator"
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER") or "operator"


def _dataclass_from(cls: type, data: dict[str, Any], where: str) -> Any:
    allowed = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed or key == "path" and cls is Config:
            raise ConfigError(f"{where}: unknown setting {key!r}")
        default = allowed[key].default
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"{where}.{key}: expected true or false")
        if isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"{where}.{key}: expected a string")
        kwargs[key] = value
    return cls(**kwargs)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is the default configuration."""
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config(path=path)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    cfg = Config(path=path)
    user = raw.pop("user", {})
    keymap = raw.pop("keymap", {})
    contexts = raw.pop("contexts", {})
    for key in ("current_context", "theme"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise ConfigError(f"{path}: {key} must be a string")
            setattr(cfg, key, raw.pop(key))
    if "poll_interval" in raw:
        value = raw.pop("poll_interval")
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{path}: poll_interval must be a positive number of seconds")
        cfg.poll_interval = float(value)
    if "scroll" in raw:
        value = raw.pop("scroll")
        if value not in SCROLL_MODES:
            raise ConfigError(f"{path}: scroll must be one of {', '.join(SCROLL_MODES)}")
        cfg.scroll = value
    if raw:
        raise ConfigError(f"{path}: unknown setting {sorted(raw)[0]!r}")
    if not isinstance(user, dict) or not isinstance(keymap, dict) or not isinstance(contexts, dict):
        raise ConfigError(f"{path}: [user], [keymap] and [contexts] must be tables")
    cfg.user = _dataclass_from(UserConfig, user, "user")
    cfg.keymap = {str(k): str(v) for k, v in keymap.items()}
    for name, body in contexts.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: contexts.{name} must be a table")
        if "name" in body:
            raise ConfigError(f"contexts.{name}: unknown setting 'name' (the table name is it)")
        ctx = _dataclass_from(ContextConfig, {"name": name, **body}, f"contexts.{name}")
        _check_context(ctx)
        cfg.contexts[name] = ctx
    if cfg.current_context and cfg.current_context not in cfg.context_names():
        known = ", ".join(cfg.context_names())
        raise ConfigError(
            f"{path}: current_context {cfg.current_context!r} is not a context (known: {known})"
        )
    return cfg


SCROLL_MODES = ("line", "jump")
_CONTEXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_PLUGIN_ID = re.compile(r"[a-z0-9][a-z0-9\-]{0,99}")
TOKEN_SOURCES = ("token_env", "token_file", "token_command")
BACKENDS = ("sqlite", "grafana", "prodmanager", "incidentio", "oneuptime")
INCIDENTIO_URL = "https://api.incident.io"
_REMOTE_ONLY = ("url", *TOKEN_SOURCES, "proxy", "ca_bundle", "timeout")
_PRODMANAGER_ONLY = ("scope", "service", "timezone")
_ONEUPTIME_ONLY = ("project_id",)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _check_context(ctx: ContextConfig) -> None:
    """Refuse a context that cannot work, naming the setting at fault."""
    where = f"contexts.{ctx.name}"
    if not _CONTEXT_NAME.fullmatch(ctx.name):
        raise ConfigError(f"{where}: a context name is letters, digits, '-', '_' or '.'")
    ctx.notify = _notify_kinds(ctx.notify, where)
    _check_redact_patterns(ctx.redact_patterns, where)
    if ctx.backend not in BACKENDS:
        raise ConfigError(
            f"{where}.backend must be 'sqlite', 'grafana', 'prodmanager', 'incidentio'"
            " or 'oneuptime'"
        )
    if ctx.backend != "oneuptime" and ctx.project_id:
        raise ConfigError(
            f"{where}: project_id is for oneuptime contexts; this one is {ctx.backend}"
        )
    if ctx.backend != "prodmanager":
        stray = [key for key in _PRODMANAGER_ONLY if getattr(ctx, key)]
        if stray:
            raise ConfigError(
                f"{where}: {stray[0]} is for prodmanager contexts; this one is {ctx.backend}"
            )
    if ctx.backend == "sqlite":
        stray = [key for key in _REMOTE_ONLY if getattr(ctx, key)]
        if stray:
            raise ConfigError(
                f"{where}: {stray[0]} is for grafana contexts; this one is sqlite"
                ' (set backend = "grafana" or remove it)'
            )
        return
    if ctx.path:
        raise ConfigError(
            f"{where}: path is for sqlite contexts; a {ctx.backend} context has a url"
        )
    if not ctx.url and ctx.backend == "incidentio":
        ctx.url = INCIDENTIO_URL
    if not ctx.url:
        raise ConfigError(f"{where}: a {ctx.backend} context needs a url")
    parts = urlsplit(ctx.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        example = "https://mystack.grafana.net" if ctx.backend == "grafana" else "https://host"
        raise ConfigError(f"{where}.url must look like {example}")
    if parts.username or parts.password:
        raise ConfigError(f"{where}.url must not hold credentials; use a token source")
    sources = [key for key in TOKEN_SOURCES if getattr(ctx, key).strip()]
    if len(sources) > 1:
        raise ConfigError(f"{where}: set only one of {', '.join(TOKEN_SOURCES)}")
    if ctx.backend == "incidentio" and not sources:
        raise ConfigError(
            f"{where}: an incidentio context needs an API key: set token_env, token_file"
            " or token_command"
        )
    if not _PLUGIN_ID.fullmatch(ctx.plugin):
        raise ConfigError(
            f"{where}.plugin must be a plugin id such as {' or '.join(KNOWN_PLUGINS)}"
        )
    if ctx.proxy and urlsplit(ctx.proxy).scheme not in ("http", "https"):
        raise ConfigError(f"{where}.proxy must be an http:// or https:// url")
    if ctx.backend == "prodmanager" and ctx.timezone:
        _check_timezone(ctx.timezone, where)
    if ctx.backend == "oneuptime":
        if not _UUID.fullmatch(ctx.project_id.strip()):
            raise ConfigError(
                f"{where}: a oneuptime context needs project_id, the project's id (a UUID"
                " such as 5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e)"
            )
        if not sources:
            raise ConfigError(
                f"{where}: a oneuptime context needs an API key: set token_env, token_file"
                " or token_command"
            )
    if (
        not isinstance(ctx.timeout, int | float)
        or isinstance(ctx.timeout, bool)
        or not 0 <= ctx.timeout <= 600
    ):
        raise ConfigError(f"{where}.timeout must be a number of seconds from 0 to 600")


def _check_redact_patterns(value: object, where: str) -> None:
    from incident_tui.redact import RedactionError, compile_patterns

    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}.redact_patterns must be a list of regular expressions")
    try:
        compile_patterns(value)
    except RedactionError as exc:
        raise ConfigError(f"{where}.redact_patterns: {exc}") from None


def _notify_kinds(value: object, where: str) -> list[str]:
    """``notify``: a list of NOTIFY_KINDS (``[]`` is off), or true / false for all / none."""
    if isinstance(value, bool):
        return list(NOTIFY_KINDS) if value else []
    kinds = ", ".join(f'"{k}"' for k in NOTIFY_KINDS)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.notify must be a list of {kinds} (or [] for none)")
    unknown = [v for v in value if v not in NOTIFY_KINDS]
    if unknown:
        raise ConfigError(f"{where}.notify: unknown kind {unknown[0][:40]!r} (known: {kinds})")
    return list(dict.fromkeys(value))


def _check_timezone(name: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}.timezone {name[:60]!r} is not a time zone name such as Europe/Paris"
        ) from None
