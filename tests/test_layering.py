"""The layer rules of DESIGN.md: lower layers never pull in the UI or the transport they
must not know about. Each check imports in a fresh interpreter and inspects sys.modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

RULES = [
    # (modules imported, modules that must not be loaded afterwards)
    (
        ["incident_tui.models", "incident_tui.config", "incident_tui.text"],
        ["textual", "httpx", "sqlite3", "starlette"],
    ),
    (["incident_tui.query"], ["textual", "httpx", "sqlite3", "starlette"]),
    (["incident_tui.backends.base"], ["textual", "httpx", "sqlite3", "starlette"]),
    (["incident_tui.backends.sqlite"], ["textual", "starlette", "httpx"]),
    (["incident_tui.backends.rpc"], ["textual", "starlette", "sqlite3"]),
    (["incident_tui.server.app"], ["textual"]),
    (["incident_tui.cli"], ["textual", "httpx", "starlette", "sqlite3"]),
    # Imported by the console's first frame or by ``token``: their heavy parts stay lazy.
    (
        ["incident_tui.backends.factory", "incident_tui.backends.tokens"],
        ["textual", "httpx", "sqlite3", "starlette"],
    ),
    (
        ["incident_tui.server.tokens", "incident_tui.demo"],
        ["textual", "httpx", "sqlite3", "starlette", "uvicorn"],
    ),
]


@pytest.mark.parametrize(("imports", "forbidden"), RULES, ids=lambda v: ",".join(v))
def test_layer_imports_nothing_it_must_not(imports: list[str], forbidden: list[str]) -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in imports)
        + f"print(','.join(sorted(m for m in {forbidden!r} if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{imports} loaded {result.stdout.strip()}"


def test_ui_never_imports_sqlite3_or_httpx_directly() -> None:
    """The UI talks to a Backend; it never opens a database or a socket itself.

    Read with ``ast``, so ``import os, sqlite3``, an import inside a function and
    ``importlib.import_module("httpx")`` are all caught.
    """
    import ast
    from pathlib import Path

    banned = {"sqlite3", "httpx"}
    ui = Path(__file__).resolve().parents[1] / "incident_tui" / "ui"
    offenders = []
    for path in ui.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [str(node.args[0].value)]
            for name in names:
                if name.split(".")[0] in banned:
                    offenders.append(f"{path.name}:{node.lineno}: {name}")
    assert not offenders, offenders
