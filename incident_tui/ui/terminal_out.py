"""Escape sequences the console writes on purpose: the clipboard (OSC 52), the bell and
desktop notifications (OSC 9 / OSC 777), wrapped for tmux's passthrough when inside tmux.

They travel over SSH because they are only bytes to the local terminal. Every piece of
text put into a sequence is ``clean``ed first and then stripped of what could end or
split the sequence (``;`` separates OSC 777's fields), so nothing from the data can act
on the terminal. The bytes go through Textual's driver (its writer thread), between
frames, never torn into Textual's own output.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from incident_tui.text import one_line

if TYPE_CHECKING:
    from textual.app import App

BEL = "\x07"
ESC = "\x1b"
#: What a desktop notification's text is cut to (terminals show a line or two).
NOTIFICATION_LIMIT = 160


def osc_text(text: str, limit: int = NOTIFICATION_LIMIT) -> str:
    """``text`` fit to sit inside an OSC sequence: one cleaned line, no ``;``."""
    safe = one_line(text, limit).replace(";", ",")
    # one_line already turned controls into visible pictures; be sure of it anyway.
    return "".join(ch for ch in safe if ch not in (BEL, ESC, "\x9c") and ord(ch) >= 0x20)


def in_tmux(env: Mapping[str, str] | None = None) -> bool:
    return bool((env if env is not None else os.environ).get("TMUX"))


def tmux_wrap(sequence: str) -> str:
    """``sequence`` in tmux's passthrough envelope (DCS tmux; ... ST, every ESC doubled),
    so it reaches the terminal outside tmux (needs ``allow-passthrough on`` in tmux 3.3+)."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def uses_osc_777(env: Mapping[str, str]) -> bool:
    """Terminals that show OSC 777 notifications (rxvt-unicode, foot, VTE-based ones);
    the others get OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal, Ghostty...)."""
    term = env.get("TERM", "")
    return term.startswith(("rxvt", "foot")) or bool(env.get("VTE_VERSION"))


def notification_sequence(title: str, body: str, env: Mapping[str, str] | None = None) -> str:
    """The desktop-notification sequence for this terminal (tmux-wrapped inside tmux)."""
    env = env if env is not None else os.environ
    if uses_osc_777(env):
        sequence = f"{ESC}]777;notify;{osc_text(title, 60)};{osc_text(body)}{BEL}"
    else:
        text = osc_text(f"{title}: {body}" if body else title)
        # "9;4;..." and similar are progress reports in some terminals: never start with a digit.
        if text[:1].isdigit():
            text = f"- {text}"
        sequence = f"{ESC}]9;{text}{BEL}"
    return tmux_wrap(sequence) if in_tmux(env) else sequence


def ring(app: App[Any], title: str, body: str, env: Mapping[str, str] | None = None) -> bool:
    """BEL plus a desktop notification, written through the driver. False when there is
    no terminal (headless tests, the app not running)."""
    driver = app._driver
    if driver is None or app.is_headless:
        return False
    # BEL stays outside the envelope: tmux turns it into its own bell / activity flag.
    driver.write(BEL + notification_sequence(title, body, env))
    return True


def clipboard_sequence(text: str) -> str:
    """OSC 52 setting the clipboard to ``text`` (base64 cannot act on the terminal)."""
    return f"{ESC}]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}{BEL}"


def copy(app: App[Any], text: str) -> bool:
    """Put ``text`` on the local clipboard through the terminal (works over SSH, and in
    tmux with ``set-clipboard on``). Textual's ``copy_to_clipboard`` writes it."""
    app.copy_to_clipboard(text)
    return app._driver is not None and not app.is_headless
