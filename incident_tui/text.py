"""Untrusted text made safe to show: no markup, no control characters, no bidi tricks.

Backend text (titles, notes, labels, names, server errors) is kept verbatim in the
store; it is neutralised only when rendered. Widgets must put the result into a
``rich.text.Text`` / ``textual.content.Content`` or a ``markup=False`` widget; this
module never builds markup.
"""

from __future__ import annotations

import re
import unicodedata

# C0 (except tab/newline handled below), DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embedding/override/isolate controls and other invisible format characters
# that can reorder or hide what a person reads.
_BIDI = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# A whole escape sequence (CSI, OSC, DCS, ...), so its parameters vanish with it.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC / DCS / SOS / PM / APC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[ -/]*[0-~]"  # two-character escapes
)


def _visible(ch: str) -> str:
    """A printable stand-in for a control character (U+2400 block), else '?'."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def clean(text: str, *, multiline: bool = False) -> str:
    """Neutralise escape sequences, control and bidi characters in ``text``.

    Escape sequences become a single visible ``␛``; other controls become their
    U+2400 picture; bidi controls are dropped. Newlines are kept when ``multiline``,
    otherwise shown as ``⏎``; tabs become spaces.
    """
    if not text:
        return ""
    text = _ESCAPE_SEQ.sub("\u241b", text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if not multiline:
        text = text.replace("\n", " \u23ce ")
    else:
        text = text.replace("\r", "\n")
    text = _BIDI.sub("", text)
    return _CONTROL.sub(lambda m: _visible(m.group()), text)


def one_line(text: str, limit: int = 0) -> str:
    """``clean`` for a single line, optionally cut to ``limit`` cells with an ellipsis."""
    text = clean(text)
    if limit and len(text) > limit:
        return text[: max(limit - 1, 0)] + "\u2026"
    return text


def is_printable_label(text: str) -> bool:
    """True when a label/name has no characters ``clean`` would change."""
    return clean(text) == text and not any(unicodedata.category(c) == "Cn" for c in text)
