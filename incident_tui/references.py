"""Incident references as people type them: ``42``, ``#42``, ``INC-42``, or a backend's own id.

One reading for every surface: the console's ``:inc`` line and palette, and the
command line's ``REF`` arguments. Works through the Backend protocol only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from incident_tui import models as m
from incident_tui.errors import NotFound
from incident_tui.text import one_line

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend

_PREFIX = "INC-"


def parse_reference(text: str) -> str:
    """``#12``, ``INC-12`` (any case) or ``12`` -> ``12``; any other id passes through stripped."""
    text = text.strip().removeprefix("#")
    return text[len(_PREFIX) :] if text[: len(_PREFIX)].upper() == _PREFIX else text


def is_number_reference(text: str) -> bool:
    """True for ``12``, ``#12`` and ``INC-12``: a reference, never words to search for."""
    return parse_reference(text).isdigit()


def is_marked_reference(text: str) -> bool:
    """True when the text says it is a reference (``#…`` or ``INC-…``), not a search."""
    text = text.strip()
    return text.startswith("#") or text[: len(_PREFIX)].upper() == _PREFIX


def display_reference(text: str) -> str:
    """How a typed reference is named back to a person: ``#12``, else the id as typed."""
    reference = parse_reference(text)
    return f"#{reference}" if reference.isdigit() else repr(one_line(reference, 60))


async def resolve_incident(backend: Backend, text: str) -> m.Incident:
    """The incident ``text`` refers to; ``NotFound`` ("no incident #12") when there is none.

    The normalised reference is tried first; an id of another shape (``INC-7`` being a
    backend's literal id) is tried as typed when the first finds nothing.
    """
    reference = parse_reference(text)
    if not reference:
        raise NotFound("no incident reference given")
    candidates = [reference]
    typed = text.strip()
    if typed and typed != reference and not typed.startswith("#"):
        candidates.append(typed)
    for candidate in candidates:
        try:
            response = await backend.get_incident(m.GetIncidentRequest(incident_id=candidate))
        except NotFound:
            continue
        return response.incident
    raise NotFound(f"no incident {display_reference(text)}")
