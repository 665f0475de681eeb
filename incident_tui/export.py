"""Postmortem export: an incident's whole record as a Markdown draft or one JSON document.

The record (the incident, who holds which role, every timeline item, the tasks) is
read through the Backend protocol only, so any context exports the same way. The
command line (``incident-tui export``) and the console's export key both use it.

Backend text is untrusted: in the Markdown it is cleaned (``incident_tui.text``:
no escape sequences or control characters) and escaped so it stays literal text.
A title cannot open a heading or a table row, a note cannot inject HTML, a link
or a code fence; notes keep their lines.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_tui import models as m
from incident_tui.errors import BackendError, Unimplemented
from incident_tui.facts import format_time, incident_duration, parse_time
from incident_tui.text import clean, redacting, terminal_safe_json

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend

#: Names the JSON document's shape, so a reader can tell versions apart.
JSON_FORMAT = "incident-tui.export/v1"
FORMATS = ("md", "json")
#: Timeline items asked for per QueryActivity page.
PAGE_SIZE = 100


class ExportError(BackendError):
    """The draft could not be written (a file problem, not the backend's); the message says
    which file and why. A ``BackendError`` so dialogs show it in place and keep the path."""

    status = 500
    code = "export_failed"


@dataclass(frozen=True)
class IncidentRecord:
    """Everything a postmortem starts from, as the backend reported it."""

    incident: m.Incident
    assignments: list[m.Assignment] = field(default_factory=list)
    timeline: list[m.ActivityItem] = field(default_factory=list)
    #: The incident system, as a person calls it ("the local store", "Grafana Incident").
    system: str = ""

    @property
    def tasks(self) -> list[m.Task]:
        return self.incident.task_list.tasks

    def people(self) -> list[m.UserPreview]:
        """Everyone the record names (redaction mode learns them before it is written)."""
        found = [self.incident.created_by_user, *(a.user for a in self.assignments)]
        found += [r.user for r in self.incident.roles]
        found += [i.user for i in self.timeline] + [i.subject_user for i in self.timeline]
        for task in self.tasks:
            found += [u for u in (task.author_user, task.assigned_user) if u is not None]
        return found


# --- reading the record -------------------------------------------------------------


async def read_timeline(backend: Backend, incident_id: str) -> list[m.ActivityItem]:
    """Every timeline item of the incident, oldest first, following the cursor to the end."""
    items: list[m.ActivityItem] = []
    cursor = m.Cursor()
    seen: set[str] = set()
    while True:
        response = await backend.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(
                    incident_id=incident_id, limit=PAGE_SIZE, order_direction="ASC"
                ),
                cursor=cursor,
            )
        )
        items += response.activity_items
        cursor = response.cursor
        # A remote that repeats its cursor or pages nothing would loop forever: stop there.
        if not cursor.has_more or not response.activity_items or cursor.next_value in seen:
            return items
        seen.add(cursor.next_value)


async def read_record(
    backend: Backend, incident_id: str, *, incident: m.Incident | None = None
) -> IncidentRecord:
    """The incident, its membership and its whole timeline (what the backend serves of it).

    ``incident``: the incident as just read (a reference resolved), saving one call.
    """
    capabilities = backend.capabilities
    if incident is None:
        response = await backend.get_incident(m.GetIncidentRequest(incident_id=incident_id))
        incident = response.incident
    assignments = list(incident.incident_membership.assignments)
    if capabilities.serves("get_incident_membership"):
        try:
            membership = await backend.get_incident_membership(
                m.GetIncidentMembershipRequest(incident_id=incident.incident_id)
            )
            assignments = membership.assignments
        except Unimplemented:
            pass
    timeline: list[m.ActivityItem] = []
    if capabilities.serves("query_activity"):
        timeline = await read_timeline(backend, incident.incident_id)
    timeline.sort(key=_when)
    return IncidentRecord(incident, assignments, timeline, capabilities.system)


_NO_TIME = datetime.min.replace(tzinfo=UTC)


def _when(item: m.ActivityItem) -> datetime:
    """When the item happened (its event time, which a note's author may move)."""
    return parse_time(item.event_time) or parse_time(item.created_time) or _NO_TIME


# --- JSON ------------------------------------------------------------------------------


def record_document(record: IncidentRecord) -> dict[str, Any]:
    """The whole record as one JSON-ready object, every part exactly as the wire shapes it."""
    incident = record.incident
    membership = m.IncidentMembership(
        assignments=record.assignments,
        total_assignments=incident.incident_membership.total_assignments or len(record.assignments),
        total_participants=incident.incident_membership.total_participants,
    )
    return {
        "format": JSON_FORMAT,
        "incident": incident.to_wire(),
        "membership": membership.to_wire(),
        "activityItems": [item.to_wire() for item in record.timeline],
        "tasks": [task.to_wire() for task in record.tasks],
    }


def to_json(record: IncidentRecord) -> str:
    return terminal_safe_json(record_document(record)) + "\n"


# --- Markdown --------------------------------------------------------------------------

#: Characters that can start Markdown syntax anywhere in a line (CommonMark + GFM tables
#: and strikethrough): escaped with a backslash, which CommonMark turns back into the
#: character itself.
_ALWAYS_ESCAPED = frozenset("\\`*[]<>#|~")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_ORDERED_ITEM = re.compile(r"^([0-9]{1,9})([.)])")
_LINE_START = frozenset("-+=")
#: Leading spaces become no-break spaces: the indent stays visible, but it can no
#: longer turn a line into a code block or nest it in a list.
_NBSP = "\u00a0"


def _escape_inline(text: str) -> str:
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch in _ALWAYS_ESCAPED:
            out.append("\\" + ch)
        elif ch == "_":
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            # Between two letters (max_pool_size) an underscore never emphasises: keep it.
            out.append(ch if before.isalnum() and after.isalnum() else "\\_")
        elif ch == "&" and _ENTITY.match(text, index):
            out.append("\\&")
        else:
            out.append(ch)
    return "".join(out)


def md_text(text: str) -> str:
    """One line of untrusted text as literal Markdown (line breaks shown as ``⏎``)."""
    return _escape_line(clean(text).strip())


def _escape_line(line: str) -> str:
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    escaped = _escape_inline(stripped)
    if escaped[:1] in _LINE_START:
        escaped = "\\" + escaped
    else:
        escaped = _ORDERED_ITEM.sub(r"\1\\\2", escaped, count=1)
    return _NBSP * indent + escaped


def md_lines(text: str) -> list[str]:
    """Multi-line untrusted text as literal Markdown lines, each line kept.

    Consecutive lines end in a hard break (``\\``); blank lines stay paragraph breaks.
    """
    lines = [_escape_line(line.rstrip()) for line in clean(text, multiline=True).split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    out: list[str] = []
    for index, line in enumerate(lines):
        if not line and out and not out[-1]:
            continue  # one blank line is a paragraph break; more add nothing
        following = lines[index + 1] if index + 1 < len(lines) else ""
        out.append(line + "\\" if line and following else line)
    return out


def _cell(text: str) -> str:
    return md_text(text) or "—"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def reference_label(incident_id: str, reference: str | None = None) -> str:
    """The system's own reference where it has one (incident.io's ``INC-123``), else
    ``INC-42`` for a numbered incident (as Grafana names it), else the backend's id."""
    if reference:
        return reference
    return f"INC-{incident_id}" if incident_id.isdigit() else incident_id


def _person(user: m.UserPreview | None) -> str:
    if user is None:
        return ""
    return user.name or user.user_id


_TASK_STATUS = {"todo": "to do", "progress": "in progress", "done": "done"}


def to_markdown(record: IncidentRecord, *, now: datetime | None = None) -> str:
    """The postmortem draft: facts, roles, summary, timeline, tasks, and sections to write."""
    now = now or datetime.now(UTC)
    incident = record.incident
    status = str(incident.status)
    closed = incident.closed_time if status == "resolved" else ""
    labels = [md_text(label.label) for label in incident.labels if label.label]
    source = f" from {md_text(record.system)}" if record.system else ""
    declarer = md_text(_person(incident.created_by_user))
    declared_by = f" by {declarer}" if declarer else ""
    out: list[str] = [
        f"# {md_text(reference_label(incident.incident_id, incident.reference))}: {md_text(incident.title)}",
        "",
        f"_Postmortem draft exported{source} by incident-tui. Edit it freely._",
        "",
    ]
    if redacting():  # the console's redaction mode was on: everything above and below is masked
        out += [
            "_Redacted: people are shown as pseudonyms (person 1, person 2...) and configured"
            " patterns (emails, IP addresses, customer names) as ▒▒▒. Not the full record._",
            "",
        ]
    out += [
        f"- **Severity:** {md_text(incident.severity or 'pending')}",
        f"- **Status:** {md_text(status)}",
    ]
    if incident.is_drill:
        out.append("- **Drill:** yes, this was an exercise")
    out += [
        f"- **Started:** {format_time(incident.incident_start or incident.created_time)}",
        f"- **Ended:** {format_time(incident.incident_end or closed)}",
        f"- **Duration:** {incident_duration(incident, now)}",
        f"- **Labels:** {', '.join(labels) if labels else 'none'}",
        f"- **Declared:** {format_time(incident.created_time)}{declared_by}",
        "",
        "## Roles",
        "",
    ]
    holders = [(a.role.name, _person(a.user)) for a in record.assignments if a.role.name]
    out += _table(("Role", "Person"), holders) if holders else ["_Nobody held a role._"]

    out += ["", "## Summary", ""]
    summary = md_lines(incident.summary)
    out += summary or ["_No summary was written._"]

    out += ["", "## Timeline", ""]
    if record.timeline:
        count = len(record.timeline)
        out += [f"Times are UTC, oldest first; {count} item{'s' if count != 1 else ''}.", ""]
        for item in record.timeline:
            out += _timeline_entry(item)
    else:
        out.append("_The timeline is empty._")

    out += ["", "## Tasks", ""]
    if record.tasks:
        rows = [
            (
                task.text,
                _TASK_STATUS.get(str(task.status), str(task.status)),
                _person(task.assigned_user),
            )
            for task in record.tasks
        ]
        out += _table(("Task", "Status", "Assignee"), rows)
    else:
        out.append("_No tasks._")

    out += [
        "",
        "## Impact",
        "",
        "<!-- Who and what was affected, how badly, for how long. -->",
        "",
        "## Root cause",
        "",
        "<!-- What made it happen, and why it was not caught earlier. -->",
        "",
        "## Actions",
        "",
        "<!-- Follow-ups that keep it from happening again: what, who, by when. -->",
        "",
    ]
    return "\n".join(out)


def _timeline_entry(item: m.ActivityItem) -> list[str]:
    when = format_time(item.event_time or item.created_time, with_seconds=True)
    when = when.removesuffix(" UTC")
    author = md_text(_person(item.user)) or "—"
    kind = md_text(item.activity_kind) or "item"
    tags = "".join(f" · {md_text(tag)}" for tag in item.tags if tag)
    head = f"- **{when}** · {author} · {kind}{tags}"
    body = md_lines(item.body)
    if not body:
        return [head]
    return [head + "\\", *(f"  {line}" if line else "" for line in body)]


# --- files ------------------------------------------------------------------------------


def render(record: IncidentRecord, fmt: str, *, now: datetime | None = None) -> str:
    """The record in ``fmt`` (``md`` or ``json``)."""
    if fmt == "json":
        return to_json(record)
    if fmt == "md":
        return to_markdown(record, now=now)
    raise ValueError(f"unknown export format {fmt!r} (use {' or '.join(FORMATS)})")


def default_filename(incident_id: str, fmt: str = "md", reference: str | None = None) -> str:
    """``INC-42-postmortem.md``; an id of another shape is made safe for a file name."""
    label = reference_label(incident_id, reference)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._") or "incident"
    return f"{safe}-postmortem.{fmt}"


def write_text(path: Path, text: str, *, overwrite: bool) -> Path:
    """Write ``text`` to ``path`` (blocking: call it off the event loop); returns the path.

    ``overwrite``: replace an existing file atomically (the command line's ``-o``).
    Otherwise an existing file is refused, never clobbered (the console's key: the draft
    someone already edited is not lost to a second export). Raises ``ExportError``.
    """
    path = path.expanduser()
    data = text.encode("utf-8")
    if path.is_dir():
        raise ExportError(f"{path} is a directory; give a file name")
    try:
        if overwrite:
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()  # left by a run that died here
            _write_new(temporary, data)
            os.replace(temporary, path)
        else:
            _write_new(path, data)
    except FileExistsError:
        raise ExportError(
            f"{path} already exists: choose another name (nothing was overwritten)"
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never an existing one) with ``data``; a failed write leaves nothing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        try:
            os.unlink(path)
        except OSError:
            pass
        raise


async def export_incident(
    backend: Backend, incident_id: str, fmt: str = "md", *, now: datetime | None = None
) -> str:
    """Read the record of ``incident_id`` and render it in ``fmt``."""
    return render(await read_record(backend, incident_id), fmt, now=now)
