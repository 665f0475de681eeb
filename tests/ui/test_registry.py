"""Every key of every screen, dialog and widget of the console comes from the command
registry (``ui/commands.py``): it has an id, so ``[keymap]`` can rebind it (issue 9)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import incident_tui.ui
from incident_tui.ui.commands import Command
from incident_tui.ui.screens.incident import TAB_IDS, IncidentScreen


def _console_classes() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for info in pkgutil.walk_packages(incident_tui.ui.__path__, "incident_tui.ui."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("incident_tui.ui"):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def test_every_binding_of_the_console_has_an_id() -> None:
    classes = _console_classes()
    assert len(classes) > 20  # the walk found the screens, dialogs and widgets
    missing = [
        f"{cls.__qualname__}: {binding.key} -> {binding.action}"
        for cls in classes
        for binding in cls.__dict__.get("BINDINGS", ())
        if isinstance(binding, Binding) and not binding.id
    ]
    assert missing == []
    raw = [
        cls.__qualname__
        for cls in classes
        if any(not isinstance(b, Binding) for b in cls.__dict__.get("BINDINGS", ()))
    ]
    assert raw == []  # no (key, action) tuples either


def test_incident_commands_name_their_tab() -> None:
    for command in IncidentScreen.COMMANDS_LIST:
        assert isinstance(command, Command)
        assert command.tab in ("", *TAB_IDS), command.id
        if command.group in ("Overview", "Timeline", "Tasks", "Roles"):
            assert command.tab == command.group.lower(), command.id
