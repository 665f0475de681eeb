"""Where the vendors' published API documents are: ``../shared/specs`` beside the repository,
or the folder named by ``INCIDENT_TUI_SPECS``. Tests read them there (never a copy in the
project) and skip, saying why, when the folder is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV = "INCIDENT_TUI_SPECS"


def specs_dir() -> Path:
    override = os.environ.get(ENV)
    return Path(override).expanduser() if override else REPO.parent / "shared" / "specs"


def spec_path(name: str) -> Path:
    """The document ``name``, or a skip naming where it was looked for."""
    path = specs_dir() / name
    if not path.is_file():
        pytest.skip(
            f"{name} not found in {specs_dir()}: the vendors' API documents live in"
            f" ../shared/specs beside the repository (or set {ENV} to their folder)"
        )
    return path
