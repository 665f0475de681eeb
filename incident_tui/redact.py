"""Redaction mode, for sharing the console on a call: people's names shown as stable
pseudonyms ("person 3"), and text matching the configured patterns (customer names,
and by default email addresses and IP addresses) masked.

A ``Redactor`` knows the people seen so far (``learn``) and the patterns; ``apply``
masks one piece of text. The console installs it into ``text.clean`` (the sanitiser
every drawn piece of data passes through), so the list, the tabs, the palette, the
toasts and an export made while it is on are all masked in one place. Numbers are
given in the order people are first seen and kept for the whole run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

#: What is masked when nothing else is configured: email addresses, IPv4 and IPv6.
DEFAULT_PATTERNS: tuple[str, ...] = (
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])",
    # IPv6: eight groups, or fewer around one "::" (never a clock time such as 03:04:05)
    r"(?<![\w:.])(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){7})"
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])",
)
MASK = "▒▒▒"
#: Names shorter than this are not replaced inside other text (only when shown alone).
MIN_NAME = 3


class RedactionError(ValueError):
    """A configured pattern is not a valid regular expression."""


def compile_patterns(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive alternation of ``patterns`` (None for none)."""
    parts = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RedactionError(f"{pattern[:60]!r} is not a regular expression: {exc}") from None
        parts.append(f"(?:{pattern})")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


class Redactor:
    """Masks people and patterns in text; safe to call from any thread."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._patterns = compile_patterns([*DEFAULT_PATTERNS, *patterns])
        self._lock = threading.Lock()
        #: Normalised name / email / id -> pseudonym; ids are matched only as whole text.
        self._names: dict[str, str] = {}
        self._ids: dict[str, str] = {}
        self._by_person: dict[str, str] = {}
        self._names_re: re.Pattern[str] | None = None
        self._stale = False

    def adopt(self, other: Redactor) -> None:
        """Keep ``other``'s pseudonyms (new patterns, the same people)."""
        with other._lock:
            names, ids, people = dict(other._names), dict(other._ids), dict(other._by_person)
        with self._lock:
            self._names.update(names)
            self._ids.update(ids)
            self._by_person.update(people)
            self._stale = True

    def pseudonym(self, key: str) -> str:
        with self._lock:
            return self._pseudonym(key)

    def _pseudonym(self, key: str) -> str:
        found = self._by_person.get(key)
        if found is None:
            found = f"person {len(self._by_person) + 1}"
            self._by_person[key] = found
        return found

    def learn(self, user_id: str = "", name: str = "", email: str = "") -> str:
        """Note a person; their pseudonym (the same for the same id, name or email)."""
        user_id, name, email = user_id.strip(), name.strip(), email.strip()
        if name.casefold() == user_id.casefold():
            name = ""  # no display name, only an id: matched as whole text, never inside words
        with self._lock:
            known = next(
                (
                    v
                    for v in (
                        self._ids.get(user_id.casefold()) if user_id else None,
                        self._names.get(name.casefold()) if name else None,
                        self._names.get(email.casefold()) if email else None,
                    )
                    if v
                ),
                None,
            )
            alias = known or self._pseudonym(user_id or name or email)
            if user_id and user_id.casefold() not in self._ids:
                self._ids[user_id.casefold()] = alias
            for text in (name, email):
                if text and text.casefold() not in self._names:
                    self._names[text.casefold()] = alias
                    self._stale = True
            return alias

    def _names_pattern(self) -> re.Pattern[str] | None:
        if self._stale:
            names = sorted((n for n in self._names if len(n) >= MIN_NAME), key=len, reverse=True)
            self._names_re = (
                re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names), re.IGNORECASE)
                if names
                else None
            )
            self._stale = False
        return self._names_re

    def apply(self, text: str) -> str:
        """``text`` with people as pseudonyms and pattern matches masked."""
        if not text:
            return text
        with self._lock:
            whole = text.strip().casefold()
            alias = self._ids.get(whole) or self._names.get(whole)
            if alias is not None:
                return alias
            names = self._names_pattern()
            names_map = self._names
        if names is not None:
            text = names.sub(lambda match: names_map.get(match.group().casefold(), MASK), text)
        if self._patterns is not None:
            text = self._patterns.sub(MASK, text)
        return text
