"""The scriptable command line: ``ls``, ``show``, ``declare``, ``note``, ``resolve``,
``reopen`` and ``export``, for runbooks, cron jobs and chat-ops bots.

Each subcommand opens the context's backend (the local store, a Grafana stack or our
server), does one thing and exits. Exit status: 0 done; 1 the backend (or the file
system) failed or refused, said in one line on standard error; 2 a usage error found
before anything was sent (bad arguments, a malformed query, an unknown severity or
context). Never a traceback. ``--json`` prints Grafana-Incident-shaped objects exactly
as the wire models serialise them. Textual is never imported, and the store or the
HTTP client only by the context that needs it, so a command starts quickly.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from incident_tui import models as m
from incident_tui.config import (
    Config,
    ConfigError,
    ensure_private_dir,
    load_config,
    state_dir,
)
from incident_tui.errors import BackendError
from incident_tui.facts import format_time, incident_clock, incident_duration
from incident_tui.references import resolve_incident
from incident_tui.text import (
    clean,
    incident_reference,
    json_for_terminal,
    one_line,
    terminal_safe_json,
)

if TYPE_CHECKING:
    from incident_tui.backends.base import Backend, Capabilities

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

COMMANDS = ("ls", "show", "declare", "note", "resolve", "reopen", "export")
DEFAULT_LIMIT = 50
#: Incidents asked for per QueryIncidents page while ``ls`` follows the cursor.
PAGE_SIZE = 100
#: Timeline items ``show`` prints (the export has them all).
LATEST_ITEMS = 5
MIN_WIDTH = 40


class UsageError(Exception):
    """The command cannot run as typed; nothing was sent. The message says why."""


# --- entry --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Run one scripting subcommand; returns the exit status (see the module docstring)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(errors="replace")  # a non-UTF-8 terminal gets '?', never a crash
    try:
        command = _COMMANDS[args.command]
        if not str(getattr(args, "ref", "-")).strip():
            raise UsageError(f"{args.command} needs an incident reference (42, #42 or INC-42)")
        command.check(args)
        cfg = load_config()
        return asyncio.run(_with_backend(cfg, args, command.run))
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE, multiline=True)
    except ConfigError as exc:
        return _fail(_with_kept_note(args, str(exc)), EXIT_USAGE)
    except BackendError as exc:
        return _fail(_with_kept_note(args, str(exc) or type(exc).__name__), EXIT_FAILED)
    except KeyboardInterrupt:
        kept = _with_kept_note(args, "interrupted")
        if kept != "interrupted":
            _fail(kept, EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): what it wanted it has; stay quiet.
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}", EXIT_FAILED)
    except Exception as exc:  # a bug: one line, never a traceback
        return _fail(f"unexpected error ({type(exc).__name__}): {exc}", EXIT_FAILED)


def _fail(message: str, code: int, *, multiline: bool = False) -> int:
    text = clean(message, multiline=True) if multiline else one_line(message, 400)
    print(f"incident-tui: {text}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


async def _with_backend(
    cfg: Config,
    args: argparse.Namespace,
    body: Callable[[Backend, argparse.Namespace], Awaitable[T]],
) -> T:
    from incident_tui.backends.factory import open_backend

    backend = open_backend(
        cfg, getattr(args, "context", None), getattr(args, "db", None), bool(args.readonly)
    )
    try:
        await backend.open()
        return await body(backend, args)
    finally:
        await backend.close()


class _Command:
    """One subcommand: ``check`` refuses bad usage before any I/O, ``run`` does the work."""

    def __init__(
        self,
        run: Callable[[Backend, argparse.Namespace], Awaitable[int]],
        check: Callable[[argparse.Namespace], None] | None = None,
    ) -> None:
        self.run = run
        self.check = check or (lambda args: None)


# --- output -------------------------------------------------------------------------------


def _write_document(text: str) -> None:
    """Machine output (JSON, Markdown) as UTF-8, whatever the locale says."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (a caller redirected stdout)
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _print_json(value: Any) -> None:
    _write_document(terminal_safe_json(value) + "\n")


def _print_wire(model: m.WireModel, **include: Any) -> None:
    """``model`` exactly as the wire serialises it (pydantic's own encoder), indented."""
    try:
        text = model.model_dump_json(by_alias=True, exclude_none=True, indent=2, **include)
    except ValueError:  # e.g. a lone surrogate from a remote: the Python encoder escapes it
        _print_json(model.model_dump(mode="json", by_alias=True, exclude_none=True, **include))
        return
    _write_document(json_for_terminal(text) + "\n")


def _width() -> int:
    import shutil

    return max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH)


def _colour() -> bool:
    """Colour only for a person at a terminal who has not asked for none (no-color.org)."""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


_SGR = {
    "critical": "1;31",
    "major": "33",
    "minor": "36",
    "pending": "2",
    "active": "1",
    "resolved": "32",
    "head": "1",
    "muted": "2",
}


def _paint(text: str, style: str, colour: bool) -> str:
    code = _SGR.get(style)
    return f"\x1b[{code}m{text}\x1b[0m" if colour and code else text


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Cleaned ``text`` cut to ``width`` terminal cells, with an ellipsis when cut."""
    text = one_line(text)
    if _cells(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        cells = _cells(ch)
        if used + cells > width - 1:
            break
        out.append(ch)
        used += cells
    return "".join(out) + "\u2026"


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _cells(text), 0)


def _person(user: m.UserPreview | None) -> str:
    if user is None:
        return ""
    return one_line(user.name or user.user_id, 40)


def _hint(message: str) -> None:
    """A note for a person at a terminal; silent in cron and pipes, where it would be noise."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr)


def incident_table(incidents: list[m.Incident], now: datetime, width: int, colour: bool) -> str:
    """``REF SEVERITY STATUS AGE TITLE``, one incident a line, fit to ``width`` cells."""
    rows = [
        (
            incident_reference(i.incident_id, i.reference),
            one_line(i.severity or "pending", 10),
            one_line(str(i.status), 14),
            incident_clock(
                str(i.status),
                i.incident_start,
                i.incident_end,
                i.created_time,
                i.duration_seconds,
                now,
            ),
            ("[drill] " if i.is_drill else "") + clean(i.title),
            (i.severity or "pending").lower(),
            str(i.status),
        )
        for i in incidents
    ]
    header = ("REF", "SEVERITY", "STATUS", "AGE", "TITLE")
    widths = [max([len(header[n]), *(_cells(r[n]) for r in rows)]) for n in range(4)]
    title_width = max(width - sum(widths) - 2 * 4, 10)
    lines = [
        _paint(
            "  ".join([*(_pad(h, w) for h, w in zip(header[:4], widths, strict=True)), "TITLE"]),
            "head",
            colour,
        )
    ]
    for ref, severity, status, age, title, sev_style, status_style in rows:
        lines.append(
            "  ".join(
                [
                    _pad(ref, widths[0]),
                    _paint(_pad(severity, widths[1]), sev_style, colour),
                    _paint(_pad(status, widths[2]), status_style, colour),
                    _pad(age, widths[3]),
                    _fit(title, title_width),
                ]
            ).rstrip()
        )
    return "\n".join(lines)


# --- ls -------------------------------------------------------------------------------------


def _check_ls(args: argparse.Namespace) -> None:
    from incident_tui.query import QuerySyntaxError, describe_error, parse

    args.query_text = " ".join(args.query).strip()
    try:
        parse(args.query_text, statuses=None, severities=None)  # the backend knows its words
    except QuerySyntaxError as exc:
        raise UsageError(
            f"malformed query:\n{clean(describe_error(args.query_text, exc), multiline=True)}"
        ) from None


async def list_incidents(
    backend: Backend, query_string: str, limit: int
) -> tuple[list[m.Incident], bool]:
    """Up to ``limit`` incidents, newest first, following the cursor; and whether more exist."""
    page_size = min(PAGE_SIZE, limit)
    incidents: list[m.Incident] = []
    cursor = m.Cursor()
    seen: set[str] = set()
    more = False
    while len(incidents) < limit:
        response = await backend.query_incidents(
            m.QueryIncidentsRequest(
                query=m.IncidentsQuery(limit=page_size, query_string=query_string),
                cursor=cursor,
            )
        )
        incidents += response.incidents
        cursor = response.cursor
        more = cursor.has_more
        # A remote that repeats its cursor or pages nothing would loop forever: stop there.
        if not more or not response.incidents or cursor.next_value in seen:
            break
        seen.add(cursor.next_value)
    return incidents[:limit], more or len(incidents) > limit


async def _ls(backend: Backend, args: argparse.Namespace) -> int:
    incidents, more = await list_incidents(backend, args.query_text, args.limit)
    if args.json:
        _print_wire(m.QueryIncidentsResponse(incidents=incidents), include={"incidents"})
        return EXIT_OK
    if not incidents:
        _hint("no incidents match" if args.query_text else "no incidents")
        return EXIT_OK
    print(incident_table(incidents, datetime.now(UTC), _width(), _colour()))
    if more:
        _hint(f"(the first {len(incidents)}; --limit N shows more)")
    return EXIT_OK


# --- show ------------------------------------------------------------------------------------


_TASK_STATUS = {"todo": "to do", "progress": "doing", "done": "done"}


def incident_details(
    incident: m.Incident,
    latest: list[m.ActivityItem],
    now: datetime,
    width: int,
    colour: bool,
) -> str:
    """The incident's facts, tasks and latest timeline items, as short labelled lines."""
    status = str(incident.status)
    severity = incident.severity or "pending"
    closed = incident.closed_time if status == "resolved" else ""
    drill = "  [drill]" if incident.is_drill else ""
    head = (
        f"{incident_reference(incident.incident_id, incident.reference)}  {clean(incident.title)}"
    )
    lines = [_paint(_fit(head, width), "head", colour)]

    def fact(label: str, value: str, style: str = "") -> None:
        text = _fit(value, width - 11)
        lines.append(f"{label:<10} {_paint(text, style, colour) if style else text}")

    fact("severity", severity, severity.lower())
    fact("status", status + drill, status)
    fact("started", format_time(incident.incident_start or incident.created_time))
    fact("ended", format_time(incident.incident_end or closed))
    fact("duration", incident_duration(incident, now))
    labels = ", ".join(clean(label.label) for label in incident.labels) or "—"
    fact("labels", labels)
    declarer = _person(incident.created_by_user)
    fact("declared", format_time(incident.created_time) + (f" by {declarer}" if declarer else ""))
    roles = ", ".join(
        f"{clean(a.role.name)} {_person(a.user)}"
        for a in incident.incident_membership.assignments
        if a.role.name
    )
    fact("roles", roles or "—")
    tasks = incident.task_list.tasks
    done = sum(1 for task in tasks if str(task.status) == "done")
    fact("tasks", f"{done}/{len(tasks)} done" if tasks else "none")
    for task in tasks:
        who = _person(task.assigned_user)
        word = _TASK_STATUS.get(str(task.status), one_line(str(task.status), 8))
        text = f"{word:<6} {clean(task.text)}" + (f" ({who})" if who else "")
        lines.append("  " + _fit(text, width - 2))
    if incident.summary:
        fact("summary", incident.summary)
    if latest:
        lines.append(
            _paint(f"latest    {len(latest)} timeline items (export has them all)", "muted", colour)
        )
        for item in latest:
            when = format_time(item.event_time or item.created_time).removesuffix(" UTC")
            author = _person(item.user) or "—"
            text = f"{when}  {author} · {clean(item.activity_kind)}: {clean(item.body)}"
            lines.append("  " + _fit(text, width - 2))
    return "\n".join(lines)


async def _latest_items(backend: Backend, incident_id: str) -> list[m.ActivityItem]:
    if not backend.capabilities.serves("query_activity"):
        return []
    response = await backend.query_activity(
        m.QueryActivityRequest(
            query=m.ActivityQuery(
                incident_id=incident_id, limit=LATEST_ITEMS, order_direction="DESC"
            )
        )
    )
    return list(reversed(response.activity_items))


async def _show(backend: Backend, args: argparse.Namespace) -> int:
    incident = await resolve_incident(backend, args.ref)
    if args.json:
        _print_wire(incident)
        return EXIT_OK
    latest = await _latest_items(backend, incident.incident_id)
    print(incident_details(incident, latest, datetime.now(UTC), _width(), _colour()))
    return EXIT_OK


# --- declare -------------------------------------------------------------------------------


def _check_declare(args: argparse.Namespace) -> None:
    args.title_text = " ".join(args.title).strip()
    if not args.title_text:
        raise UsageError("declare needs a title")
    labels = [label.strip() for label in args.label or []]
    if any(not label for label in labels):
        raise UsageError("--label needs a non-blank label")
    args.labels = list(dict.fromkeys(labels))


def _vocabulary(terms: tuple[Any, ...]) -> str:
    return ", ".join(term.value for term in terms)


def _declare_request(
    capabilities: Capabilities, args: argparse.Namespace
) -> m.CreateIncidentRequest:
    severity = ""
    if args.severity:
        term = capabilities.severity(args.severity)
        if term is None:
            raise UsageError(
                f"unknown severity {one_line(args.severity, 40)!r}"
                f" (use one of: {_vocabulary(capabilities.severities)})"
            )
        severity = term.value
    if args.labels and capabilities.labels == "none":
        raise UsageError(f"{capabilities.system} has no labels; drop --label")
    if args.drill and not capabilities.drills:
        raise UsageError(f"{capabilities.system} has no drills; drop --drill")
    return m.CreateIncidentRequest(
        title=args.title_text,
        severity=severity,
        labels=[m.IncidentLabel(label=label) for label in args.labels],
        is_drill=bool(args.drill),
    )


async def _declare(backend: Backend, args: argparse.Namespace) -> int:
    request = _declare_request(backend.capabilities, args)
    incident = (await backend.create_incident(request)).incident
    if args.json:
        _print_wire(incident)
    else:
        print(
            f"declared {incident_reference(incident.incident_id, incident.reference)} ({one_line(incident.severity or 'pending', 12)})"
            f": {one_line(incident.title, 200)}"
        )
    return EXIT_OK


# --- note ----------------------------------------------------------------------------------


def _check_note(args: argparse.Namespace) -> None:
    args.from_stdin = args.text == ["-"]
    if args.from_stdin:
        if sys.stdin is None:
            raise UsageError("note: '-' reads the note from standard input, and there is none")
        if sys.stdin.isatty():
            _hint("type the note; end it with ctrl-d on a line of its own")
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        body = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    else:
        body = " ".join(args.text)
    args.body = body.rstrip()
    if not args.body.strip():
        raise UsageError("the note is empty; nothing was sent")


def _keep_unsent(body: str, reference: str) -> Path | None:
    """Save a note read from standard input that could not be sent, so it is not lost."""
    try:
        folder = ensure_private_dir(state_dir() / "unsent")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        safe = "".join(ch if ch.isalnum() else "_" for ch in reference)[:40] or "incident"
        path = folder / f"note-{safe}-{stamp}-{os.getpid()}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body + "\n")
        return path
    except OSError:
        return None


def _with_kept_note(args: argparse.Namespace, message: str) -> str:
    """``message``, and where a note read from standard input was kept when it failed."""
    if not getattr(args, "from_stdin", False) or not getattr(args, "body", ""):
        return message
    kept = _keep_unsent(args.body, args.ref)
    return f"{message}; the note was kept in {kept}" if kept else message


async def _note(backend: Backend, args: argparse.Namespace) -> int:
    public = bool(getattr(args, "public", False))
    capabilities = backend.capabilities
    if public and not capabilities.internal_notes:
        # Its notes have no internal/public distinction: refuse rather than post a note
        # the person may believe stays internal, or one they wanted public.
        raise UsageError(
            _with_kept_note(
                args,
                f"{capabilities.system} has no public notes (its notes are all alike);"
                " drop --public. Nothing was sent",
            )
        )
    incident = await resolve_incident(backend, args.ref)
    response = await backend.add_activity(
        m.AddActivityRequest(
            incident_id=incident.incident_id,
            activity_kind=m.ActivityKind.USER_NOTE.value,
            body=args.body,
            field_values={"internal": False} if public else {},
        )
    )
    if args.json:
        _print_wire(response.activity_item)
    else:
        kind = "public note" if public else "noted"
        shown = f"{kind} on {incident_reference(incident.incident_id, incident.reference)}: {one_line(args.body, 60)}"
        print(shown)
    return EXIT_OK


# --- resolve / reopen -----------------------------------------------------------------------


def _grafana_status(capabilities: Capabilities, value: str) -> str:
    term = capabilities.status(value)
    return term.grafana if term is not None else value


def _status_value(capabilities: Capabilities, grafana: str) -> str:
    """The backend's own word for a Grafana status (``resolved`` on Grafana itself)."""
    for term in capabilities.statuses:
        if term.grafana == grafana:
            return term.value
    return grafana


def _set_status(target: str, verb: str) -> Callable[[Backend, argparse.Namespace], Awaitable[int]]:
    async def change(backend: Backend, args: argparse.Namespace) -> int:
        capabilities = backend.capabilities
        incident = await resolve_incident(backend, args.ref)
        ref = incident_reference(incident.incident_id, incident.reference)
        if _grafana_status(capabilities, str(incident.status)) == target:
            _hint(f"{ref} is already {target}")
        else:
            incident = (
                await backend.update_status(
                    m.UpdateStatusRequest(
                        incident_id=incident.incident_id,
                        status=_status_value(capabilities, target),
                    )
                )
            ).incident
            if not args.json:
                print(f"{verb} {ref}: {one_line(incident.title, 200)}")
        if args.json:
            _print_wire(incident)
        return EXIT_OK

    return change


# --- export --------------------------------------------------------------------------------


def _check_export(args: argparse.Namespace) -> None:
    output = args.output
    if args.format is None:
        args.format = "json" if output and output.lower().endswith(".json") else "md"
    if output is not None and not output.strip():
        raise UsageError("-o needs a file name (or - for standard output)")


async def _export(backend: Backend, args: argparse.Namespace) -> int:
    from incident_tui import export

    incident = await resolve_incident(backend, args.ref)
    record = await export.read_record(backend, incident.incident_id, incident=incident)
    text = export.render(record, args.format)
    if args.output in (None, "-"):
        _write_document(text)
        return EXIT_OK
    path = await asyncio.to_thread(export.write_text, Path(args.output), text, overwrite=True)
    _hint(f"wrote {clean(str(path))} ({len(record.timeline)} timeline items)")
    return EXIT_OK


_COMMANDS: dict[str, _Command] = {
    "ls": _Command(_ls, _check_ls),
    "show": _Command(_show),
    "declare": _Command(_declare, _check_declare),
    "note": _Command(_note, _check_note),
    "resolve": _Command(_set_status("resolved", "resolved")),
    "reopen": _Command(_set_status("active", "reopened")),
    "export": _Command(_export, _check_export),
}
