"""Untrusted text made safe to show: no markup, no control characters, no bidi tricks.

Backend text (titles, notes, labels, names, server errors) is kept verbatim in the
store; it is neutralised only when rendered. Widgets must put the result into a
``rich.text.Text`` / ``textual.content.Content`` or a ``markup=False`` widget; this
module never builds markup.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

# A whole escape sequence (CSI, OSC, DCS, ...), so its parameters vanish with it.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC / DCS / SOS / PM / APC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[ -/]*[0-~]"  # two-character escapes
)
# Characters that print as nothing although Unicode files them as letters or marks
# (Hangul fillers, Khmer inherent vowels, Mongolian separators, the grapheme joiner).
_INVISIBLE = "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\uffa0"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_LINE_BREAKS = ("\n", "\u2028", "\u2029")  # LF, and Unicode's line / paragraph separators
#: Categories never drawn as they are: controls (Cc), format characters (Cf: bidi,
#: zero-width, soft hyphen, tags), surrogates (Cs), private use (Co), unassigned (Cn).
_DROPPED = frozenset({"Cf"})
_REPLACED = frozenset({"Cs", "Co", "Cn"})


#: Redaction mode's masking (``incident_tui.redact``), set by the console while it is on:
#: everything ``clean`` returns passes through it. None (the default): text as it is.
_redactor: Callable[[str], str] | None = None


def set_redactor(redactor: Callable[[str], str] | None) -> None:
    """Install (or with None remove) the masking every cleaned text goes through."""
    global _redactor
    _redactor = redactor


def redacting() -> bool:
    return _redactor is not None


def _visible(ch: str) -> str:
    """A printable stand-in for a control character (U+2400 block), else U+FFFD."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def clean(text: str, *, multiline: bool = False, masked: bool = True) -> str:
    """Neutralise escape sequences, control, format and invisible characters in ``text``.

    The one sanitiser for everything drawn or printed, chosen by Unicode category:
    escape sequences become one visible ``␛``; controls (Cc) their U+2400 picture;
    format characters (Cf: bidi controls, zero-width characters, soft hyphen, tag
    characters) and invisible fillers are dropped; surrogates, private-use and
    unassigned code points become U+FFFD. Line breaks (LF, CR LF, U+2028, U+2029) are
    kept as ``\n`` when ``multiline``, otherwise shown as ``⏎``; tabs become spaces.
    In redaction mode the result is masked, except with ``masked=False``: text put into
    a field to be edited and saved (a masked form saved would replace the real text).
    """
    if not text:
        return ""
    if text.isprintable() and not _INVISIBLE_RE.search(text):
        return text if _redactor is None or not masked else _redactor(text)  # the common case
    text = _ESCAPE_SEQ.sub("\u241b", text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if multiline:
        text = text.replace("\r", "\n")
    out: list[str] = []
    for ch in text:
        if ch.isprintable():
            if not _INVISIBLE_RE.match(ch):
                out.append(ch)
            continue
        if ch in _LINE_BREAKS:
            out.append("\n" if multiline else " \u23ce ")
            continue
        category = unicodedata.category(ch)
        if category == "Zs":
            out.append(ch)  # a space other than U+0020 (no-break, ideographic...)
        elif category == "Cc":
            out.append(_visible(ch))
        elif category in _REPLACED:
            out.append("\ufffd")
        # Cf and anything else unprintable is dropped
    cleaned = "".join(out)
    return cleaned if _redactor is None or not masked else _redactor(cleaned)


def one_line(text: str, limit: int = 0) -> str:
    """``clean`` for a single line, optionally cut to ``limit`` characters with an ellipsis."""
    text = clean(text)
    if limit and len(text) > limit:
        return text[: max(limit - 1, 0)] + "\u2026"
    return text


def incident_reference(incident_id: str, reference: str | None = None) -> str:
    """The short reference people say out loud, as the list, the incident's header and the
    command line show it: ``#42``, or the system's own where it has one (``INC-123``)."""
    if reference:
        return one_line(reference, 40)
    return f"#{one_line(incident_id, 40)}"


def short_message(text: str, limit: int = 200) -> str:
    """Someone else's words (a server's error, a command's stderr) fit for one line of a
    message: cleaned, whitespace collapsed, at most ``limit`` characters."""
    return one_line(" ".join(text.split()), limit)


def is_printable_label(text: str) -> bool:
    """True when a label/name has no characters ``clean`` would change."""
    return clean(text) == text


_NOT_PLAIN_ASCII = re.compile(r"[^\x00-\x7e]")


def _json_char(match: re.Match[str]) -> str:
    ch = match.group()
    if ch.isprintable() and not _INVISIBLE_RE.match(ch):
        return ch
    return json.dumps(ch)[1:-1]  # \uXXXX (a surrogate pair beyond the BMP)


def terminal_safe_json(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON that prints safely: UTF-8 text stays readable, but every character
    that could act on a terminal or hide itself (DEL, C1 controls, bidi and zero-width
    characters, line separators, lone surrogates) is written as a ``\\uXXXX`` escape.

    Unlike ``clean`` this never changes the data: a JSON reader gets back exactly the
    strings the backend sent (``json.dumps`` already escapes the C0 controls).
    """
    return json_for_terminal(json.dumps(value, ensure_ascii=False, indent=indent))


def json_for_terminal(text: str) -> str:
    """Serialised JSON (``ensure_ascii`` off) made as safe to print as ``terminal_safe_json``."""
    return _NOT_PLAIN_ASCII.sub(_json_char, text)
