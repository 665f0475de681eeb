"""What the open backend offers, as the UI asks it: is a command, a tab or a column shown?

A ``Command`` names what it ``needs``: Backend method names (rows of the method
table, e.g. ``update_severity``) or one of the facts below (``tasks``, ``roles``,
``drills``...). ``unmet`` says why something is not offered, in words for a person
("Prod Manager has no tasks"), or "" when it is.

Write methods a read-only context does not serve are left to read-only mode (their
commands are hidden and their keys say why), so ``unmet`` names only what the
system itself lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from incident_tui.backends.base import METHODS_BY_BACKEND_NAME, Term

if TYPE_CHECKING:
    from incident_tui.backends.base import Capabilities

#: Facts a command, tab or column can need, each: (is it offered?, what is missing).
FACTS: dict[str, tuple[Callable[[Capabilities], bool], str]] = {
    "tasks": (lambda c: c.tasks, "tasks"),
    "roles": (lambda c: c.roles != "none", "roles"),
    "org_roles": (lambda c: c.roles == "org", "organisation roles"),
    "drills": (lambda c: c.drills, "drills"),
    "labels": (lambda c: c.labels != "none", "labels"),
    "free_labels": (lambda c: c.labels == "free", "labels of your own"),
    "authors": (lambda c: c.authors, "authors"),
    "internal_notes": (lambda c: c.internal_notes, "internal notes"),
    "text_search": (lambda c: c.text_search, "text search"),
    "ascending": (lambda c: c.ascending, "ascending sorts"),
    # More statuses than Grafana's two: a status picker beside resolve/reopen.
    "status_path": (lambda c: len(c.statuses) > 2, "statuses beyond active and resolved"),
}


#: What a missing method means to a person ("Prod Manager cannot remove notes").
CANNOT: dict[str, str] = {
    "update_incident_event_time": "change start and end times",
    "update_activity_body": "edit notes",
    "update_activity_event_time": "change a note's time",
    "remove_activity": "remove notes",
    "add_activity": "add notes",
    "create_incident": "declare incidents",
    "update_title": "change titles",
    "update_severity": "change severities",
    "update_status": "change statuses",
    "get_roles": "list organisation roles",
    "query_activity": "show a timeline",
}


#: Facts that add to what every backend has: without them a command is simply not
#: there (help does not list "Grafana has no statuses beyond active and resolved").
EXTRAS = frozenset({"status_path", "internal_notes"})


def silently_absent(capabilities: Capabilities, needs: Iterable[str]) -> bool:
    """Whether what ``needs`` names is an extra this backend does not have."""
    return any(need in EXTRAS and not FACTS[need][0](capabilities) for need in needs)


def unmet(capabilities: Capabilities, needs: Iterable[str]) -> str:
    """Why something needing ``needs`` is not offered ("" when everything is)."""
    for need in needs:
        fact = FACTS.get(need)
        if fact is not None:
            offered, what = fact
            if not offered(capabilities):
                return f"{capabilities.system} has no {what}"
            continue
        if capabilities.serves(need):
            continue
        row = METHODS_BY_BACKEND_NAME.get(need)
        if row is not None and not row.read_only and capabilities.read_only_reason:
            continue  # read-only mode hides it and says why
        if need in CANNOT:
            return f"{capabilities.system} cannot {CANNOT[need]}"
        return capabilities.missing(need)
    return ""


def terms_text(terms: Iterable[Term]) -> str:
    """``Active, Investigating, Stable, Resolved``: a vocabulary in the backend's words."""
    return ", ".join(t.shown for t in terms)
