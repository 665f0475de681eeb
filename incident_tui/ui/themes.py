"""The console's colour themes, read from the ``themes/*.toml`` files shipped in the wheel.

The wheel carries them as ``incident_tui/_themes`` (pyproject force-include); a source
checkout has them in the top-level ``themes/`` folder, which is the fallback.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from functools import lru_cache
from importlib import resources
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "incident-dark"
PROD_THEME = "incident-prod"

#: Variables our CSS uses beyond Textual's own; a theme that lacks one (say a
#: built-in Textual theme chosen by the user) falls back to these.
VARIABLE_DEFAULTS: dict[str, str] = {
    "sev-critical": "#ff5f5f",
    "sev-major": "#ffaf5f",
    "sev-minor": "#ffd75f",
    "sev-pending": "#8a8a8a",
    "status-active": "#ff8787",
    "status-resolved": "#5fd787",
    "header-background": "$panel",
}

_THEME_FIELDS = {f.name for f in fields(Theme)}


class ThemeFileError(Exception):
    """A theme file that cannot be used; the message names the file."""


def _theme_dirs() -> list[Path]:
    dirs: list[Path] = []
    try:
        packaged = resources.files("incident_tui") / "_themes"
        if packaged.is_dir():
            dirs.append(Path(str(packaged)))
    except (ModuleNotFoundError, OSError):
        pass
    repo = Path(__file__).resolve().parents[2] / "themes"
    if repo.is_dir():
        dirs.append(repo)
    return dirs


def parse_theme(text: str, source: str) -> Theme:
    """One theme from TOML text; unknown keys are refused so typos do not pass silently."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(raw) - _THEME_FIELDS
    if unknown:
        raise ThemeFileError(f"{source}: unknown theme setting {sorted(unknown)[0]!r}")
    if not isinstance(raw.get("name"), str) or not isinstance(raw.get("primary"), str):
        raise ThemeFileError(f"{source}: a theme needs a name and a primary colour")
    variables = raw.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeFileError(f"{source}: [variables] must be a table")
    raw["variables"] = {str(k): str(v) for k, v in variables.items()}
    try:
        return Theme(**raw)
    except (TypeError, ValueError) as exc:
        raise ThemeFileError(f"{source}: {exc}") from None


@lru_cache(maxsize=1)
def load_themes() -> dict[str, Theme]:
    """Every shipped theme by name (the packaged copy wins over the repo's)."""
    themes: dict[str, Theme] = {}
    for folder in _theme_dirs():
        for path in sorted(folder.glob("*.toml")):
            theme = parse_theme(path.read_text(encoding="utf-8"), str(path))
            themes.setdefault(theme.name, theme)
    return themes


def theme_names() -> list[str]:
    return sorted(load_themes())
