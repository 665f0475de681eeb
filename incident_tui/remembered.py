"""What the console remembers between runs (the last theme chosen in each context).

It lives in the state directory (``platformdirs.user_state_path("incident-tui")``,
``incident-tui locate``'s neighbour of the data dir) as ``state.toml``, written with
tomli-w, 0600 in a 0700 directory. The user's config file is never written: its
comments and layout are theirs. A state file that cannot be read is treated as
empty (it is ours, rewritten on the next change) and never stops the console.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomli_w

from incident_tui.config import ConfigError, ensure_private_dir, state_dir

STATE_FILE = "state.toml"


def default_state_path() -> Path:
    return state_dir() / STATE_FILE


class Remembered:
    """The remembered settings, read once and written whole on each change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_state_path()
        self._data = self._read()

    def _read(self) -> dict[str, object]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def _themes(self) -> dict[str, str]:
        themes = self._data.get("themes")
        if not isinstance(themes, dict):
            return {}
        return {str(k): v for k, v in themes.items() if isinstance(v, str)}

    def theme(self, context: str) -> str:
        """The theme last chosen in ``context`` ("" when none was)."""
        return self._themes().get(context, "")

    def set_theme(self, context: str, theme: str) -> None:
        """Remember ``theme`` for ``context``; ConfigError (with the path) when it cannot."""
        themes = self._themes()
        themes[context] = theme
        self._data["themes"] = themes
        self._write()

    def _write(self) -> None:
        try:
            ensure_private_dir(self.path.parent)
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(self._data, fh)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror or exc}") from None
