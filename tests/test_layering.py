"""The layer rules of DESIGN.md: lower layers never pull in the UI or the transport they
must not know about. Each check imports in a fresh interpreter and inspects sys.modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RULES = [
    # (modules imported, modules that must not be loaded afterwards)
    (
        ["incident_tui.models", "incident_tui.config", "incident_tui.text"],
        ["textual", "httpx", "sqlite3", "starlette"],
    ),
    (["incident_tui.remembered"], ["textual", "httpx", "sqlite3", "starlette"]),
    (["incident_tui.query"], ["textual", "httpx", "sqlite3", "starlette"]),
    (["incident_tui.backends.base"], ["textual", "httpx", "sqlite3", "starlette"]),
    (["incident_tui.backends.sqlite"], ["textual", "starlette", "httpx"]),
    (["incident_tui.backends.rpc"], ["textual", "starlette", "sqlite3"]),
    (["incident_tui.backends.prodmanager"], ["textual", "starlette", "sqlite3"]),
    (["incident_tui.backends.incidentio"], ["textual", "starlette", "sqlite3"]),
    (["incident_tui.backends.oneuptime"], ["textual", "starlette", "sqlite3"]),
    (["incident_tui.server.app"], ["textual"]),
    (["incident_tui.durable"], ["textual", "httpx", "starlette"]),
    (["incident_tui.cli"], ["textual", "httpx", "starlette", "sqlite3"]),
    # The scripting commands and what they share with the console start without the UI,
    # the HTTP client or the store: the context that needs one imports it.
    (
        [
            "incident_tui.scripting",
            "incident_tui.export",
            "incident_tui.references",
            "incident_tui.facts",
        ],
        ["textual", "httpx", "sqlite3", "starlette", "uvicorn"],
    ),
    # Imported by the console's first frame or by ``token``: their heavy parts stay lazy.
    (
        ["incident_tui.backends.factory", "incident_tui.backends.credentials"],
        ["textual", "httpx", "sqlite3", "starlette"],
    ),
    # Drafts are written at SIGHUP and read before the first dialog: no UI, no store.
    (["incident_tui.drafts"], ["textual", "httpx", "sqlite3", "starlette"]),
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


# --- first-party layers, read from the source (lazy imports included) -----------------

PACKAGE = Path(__file__).resolve().parents[1] / "incident_tui"

_LOW = (
    "incident_tui.errors",
    "incident_tui.models",
    "incident_tui.query",
    "incident_tui.text",
    "incident_tui.config",
    "incident_tui.facts",
    "incident_tui.remembered",
)
_ABOVE_BACKENDS = (
    "incident_tui.ui",
    "incident_tui.cli",
    "incident_tui.server",
    "incident_tui.scripting",
    "incident_tui.references",
    "incident_tui.demo",
    "incident_tui.durable",
    "incident_tui.export",
    "incident_tui.drafts",
)

#: (module prefix, modules it must not import, why). Checked for every import in every
#: file under the prefix, at any depth (function bodies and ``import_module`` too).
LAYERS: list[tuple[str, tuple[str, ...], str]] = [
    (
        "incident_tui.errors",
        ("incident_tui",),
        "errors sit below everything: no first-party import at all",
    ),
    *[
        (
            low,
            (
                "textual",
                "httpx",
                "sqlite3",
                "starlette",
                "uvicorn",
                "incident_tui.backends",
                *_ABOVE_BACKENDS,
            ),
            "the lowest layer knows no backend, transport or UI",
        )
        for low in _LOW[1:]
    ],
    (
        "incident_tui.backends",
        ("textual", "starlette", "uvicorn", *_ABOVE_BACKENDS),
        "backends know nothing above the Backend contract",
    ),
    (
        "incident_tui.server",
        ("textual", "sqlite3", "incident_tui.ui", "incident_tui.cli", "incident_tui.scripting"),
        "the server serves any Backend; the store translates its own errors",
    ),
    (
        "incident_tui.export",
        (
            "textual",
            "httpx",
            "sqlite3",
            "incident_tui.backends.sqlite",
            "incident_tui.backends.rpc",
            "incident_tui.ui",
            "incident_tui.server",
        ),
        "export works through the Backend protocol only",
    ),
    (
        "incident_tui.durable",
        (
            "textual",
            "httpx",
            "incident_tui.backends.sqlite",
            "incident_tui.backends.rpc",
            "incident_tui.ui",
            "incident_tui.server",
        ),
        "the durable layer wraps any Backend through the protocol",
    ),
    (
        "incident_tui.drafts",
        (
            "textual",
            "httpx",
            "sqlite3",
            "starlette",
            "incident_tui.backends",
            "incident_tui.ui",
            "incident_tui.server",
            "incident_tui.durable",
        ),
        "drafts are plain files below the UI: they know no backend and no widget",
    ),
    (
        "incident_tui.scripting",
        (
            "textual",
            "httpx",
            "sqlite3",
            "incident_tui.ui",
            "incident_tui.server",
            "incident_tui.backends.sqlite",
            "incident_tui.backends.rpc",
        ),
        "the command line never starts Textual; it opens any context through the factory",
    ),
    (
        "incident_tui.references",
        (
            "textual",
            "httpx",
            "sqlite3",
            "incident_tui.backends.sqlite",
            "incident_tui.backends.rpc",
            "incident_tui.ui",
            "incident_tui.server",
            "incident_tui.scripting",
        ),
        "references are read through the Backend protocol, the same for console and scripts",
    ),
    (
        "incident_tui.ui",
        (
            "sqlite3",
            "httpx",
            "incident_tui.backends.sqlite",
            "incident_tui.backends.rpc",
            "incident_tui.backends.prodmanager",
            "incident_tui.backends.incidentio",
            "incident_tui.backends.oneuptime",
            "incident_tui.server",
        ),
        "the UI talks to a Backend, never to a database or a socket",
    ),
]

#: The one sanctioned reach upward: the ``incident-tui`` entry point starts the console.
ALLOWED = {("incident_tui.cli", "incident_tui.ui.run")}


def _module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, package_dir: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every module ``path`` imports, anywhere in the file, relative imports resolved."""
    import ast

    module = _module_name(path, package_dir)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_violations(package: Path = PACKAGE) -> list[str]:
    offenders = []
    for path in sorted(package.rglob("*.py")):
        module = _module_name(path, package)
        for prefix, banned, why in LAYERS:
            if not _under(module, prefix):
                continue
            for lineno, name in _imports(path, package):
                hit = next((b for b in banned if _under(name, b)), None)
                if hit is None or _under(name, module) or (module, name) in ALLOWED:
                    continue
                if prefix == "incident_tui.errors" and name == "incident_tui.errors":
                    continue
                offenders.append(f"{module}:{lineno} imports {name} ({why})")
    return offenders


def test_first_party_layers_never_reach_up() -> None:
    assert layer_violations() == []


def test_a_planted_upward_import_is_caught(tmp_path: Path) -> None:
    """The check itself works: a lazy import of the UI inside a store function fails it."""
    import shutil

    copy = tmp_path / "incident_tui"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    reads = copy / "backends" / "sqlite" / "reads.py"
    reads.write_text(
        reads.read_text(encoding="utf-8")
        + "\n\ndef _planted():\n    from incident_tui.ui.app import IncidentApp\n\n"
        + "    return IncidentApp\n",
        encoding="utf-8",
    )
    query = copy / "query.py"
    query.write_text(
        query.read_text(encoding="utf-8") + "\nfrom .backends import base as _planted_base\n",
        encoding="utf-8",
    )
    found = layer_violations(copy)
    assert any("backends.sqlite.reads" in f and "incident_tui.ui.app" in f for f in found), found
    assert any(f.startswith("incident_tui.query:") and "backends" in f for f in found), found
