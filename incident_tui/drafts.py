"""Drafts: what a person is typing, kept on disk until it is saved or thrown away.

An SSH session that drops, a ``kill``, a ``ctrl+q`` in the wrong window: none of
them may cost an engineer the note they were writing. Every dialog that takes
typed text keeps its fields here while it is open; the console offers the draft
back at the next start, in the same dialog at the same place.

Layout, under the platformdirs state dir (``~/.local/state/incident-tui``)::

    drafts/<context>-<digest of its store or url>/<place>-<digest>.json

one small JSON file per draft (0600, folders 0700), so two consoles never rewrite
each other's drafts and a damaged file costs only itself. A file is replaced
atomically (written beside, synced, renamed). It holds the place (which dialog,
on which incident), the typed fields exactly as typed, the cursor and the focused
field: never a token, never anything from the configuration.

Disk work happens on one writer thread, in order, so the UI never waits on it and
an older snapshot can never land after a newer one or after the deletion.
A file that cannot be read is renamed aside (``….unreadable-<time>``) and said
so in ``problems``; the console starts regardless.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from incident_tui.config import ensure_private_dir, state_dir

log = logging.getLogger(__name__)

VERSION = 1
#: A draft file larger than this is not something we wrote: set it aside.
MAX_FILE_BYTES = 4 * 1024 * 1024
SUFFIX = ".json"

#: The places a draft can belong to, and how a person reads them.
KINDS: dict[str, str] = {
    "declare": "a new incident",
    "note": "a note on {ref}",
    "note-edit": "an edit of a note on {ref}",
    "title": "the title of {ref}",
    "summary": "the summary of {ref}",
    "label": "a label for {ref}",
    "task": "a task on {ref}",
    "task-edit": "an edit of a task on {ref}",
    "role-new": "a new org role",
    "role-edit": "an edit of an org role",
}

FieldValue = str | bool


def drafts_root() -> Path:
    return state_dir() / "drafts"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:limit] or "x"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Place:
    """Where a draft belongs: a dialog (``kind``), on an incident, about one item."""

    kind: str
    incident_id: str = ""
    target: str = ""  # the note, task or role being edited

    @property
    def key(self) -> str:
        return json.dumps([self.kind, self.incident_id, self.target])

    def describe(self) -> str:
        """``a note on #42``: the place in words (ids as typed in the store)."""
        template = KINDS.get(self.kind, self.kind)
        return template.format(ref=f"#{self.incident_id}")

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "incident_id": self.incident_id, "target": self.target}

    @classmethod
    def from_json(cls, data: Any) -> Place:
        if not isinstance(data, dict):
            raise ValueError("place is not an object")
        values = {name: data.get(name, "") for name in ("kind", "incident_id", "target")}
        if not all(isinstance(v, str) and len(v) <= 200 for v in values.values()):
            raise ValueError("place has a field that is not a short string")
        if not values["kind"]:
            raise ValueError("place has no kind")
        return cls(**values)


@dataclass
class Draft:
    """One dialog's typed state. ``fields`` are the values by field id, exactly as typed;
    ``base`` what those fields held when the dialog opened (an edit's original)."""

    place: Place
    fields: dict[str, FieldValue]
    base: dict[str, FieldValue] = field(default_factory=dict)
    cursor: dict[str, list[int]] = field(default_factory=dict)
    focus: str = ""
    title: str = ""
    saved_at: str = field(default_factory=_now)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "place": self.place.to_json(),
            "title": self.title,
            "fields": dict(self.fields),
            "base": dict(self.base),
            "cursor": {k: list(v) for k, v in self.cursor.items()},
            "focus": self.focus,
            "saved_at": self.saved_at,
        }

    @classmethod
    def from_json(cls, data: Any) -> Draft:
        """A draft read back; ``ValueError`` names what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("version") != VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        return cls(
            place=Place.from_json(data.get("place")),
            fields=_values(data.get("fields"), "fields"),
            base=_values(data.get("base", {}), "base"),
            cursor=_cursor(data.get("cursor", {})),
            focus=_text(data.get("focus", ""), "focus"),
            title=_text(data.get("title", ""), "title"),
            saved_at=_text(data.get("saved_at", ""), "saved_at"),
        )

    @property
    def saved(self) -> datetime | None:
        try:
            return datetime.strptime(self.saved_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not text")
    return value


def _values(value: Any, name: str) -> dict[str, FieldValue]:
    if not isinstance(value, dict) or not value and name == "fields":
        raise ValueError(f"{name} is not a non-empty object")
    for key, item in value.items():
        if not isinstance(item, str | bool):
            raise ValueError(f"{name}.{key} is neither text nor true/false")
    return dict(value)


def _cursor(value: Any) -> dict[str, list[int]]:
    if not isinstance(value, dict):
        raise ValueError("cursor is not an object")
    out: dict[str, list[int]] = {}
    for key, item in value.items():
        if (
            not isinstance(item, list)
            or not 1 <= len(item) <= 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in item)
        ):
            raise ValueError(f"cursor.{key} is not a position")
        out[key] = list(item)
    return out


class DraftStore:
    """The drafts of one context (one folder). Reads are from memory; writes go to disk
    on the writer thread. ``on_problem`` hears, from that thread, when one fails."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._drafts: dict[str, Draft] = {}
        self._lock = threading.Lock()
        self._loaded = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafts")
        #: Messages for the person: files set aside, a folder that cannot be written.
        self.problems: list[str] = []
        self.on_problem: Callable[[str], None] | None = None
        self._failing = False

    @classmethod
    def for_context(cls, context: str, where: str, root: Path | None = None) -> DraftStore:
        """The store of a context pointed at ``where`` (a store's path, a remote's url):
        a context name reused for another store never offers the other one's drafts."""
        folder = (root or drafts_root()) / f"{_slug(context)}-{_digest(where)}"
        return cls(folder)

    # --- reading ----------------------------------------------------------------
    def load(self) -> list[str]:
        """Read every draft file (once); returns the problems met, also kept in ``problems``."""
        with self._lock:
            if self._loaded:
                return []
            self._loaded = True
            found: list[str] = []
            try:
                names = sorted(os.listdir(self.folder))
            except FileNotFoundError:
                return []
            except OSError as exc:
                found.append(
                    f"Drafts in {self.folder} cannot be read ({exc.strerror or exc}); "
                    "what you type now is still kept when it can be written."
                )
                names = []
            for name in names:
                path = self.folder / name
                if name.endswith(".tmp"):
                    _remove(path)  # a write cut short; the draft before it is intact
                    continue
                if not name.endswith(SUFFIX):
                    continue
                try:
                    draft = _read(path)
                except (OSError, ValueError, UnicodeDecodeError) as exc:
                    found.append(self._set_aside(path, exc))
                    continue
                current = self._drafts.get(draft.place.key)
                if current is None or current.saved_at < draft.saved_at:
                    self._drafts[draft.place.key] = draft
            self.problems += found
            return found

    def get(self, place: Place) -> Draft | None:
        self.load()
        with self._lock:
            return self._drafts.get(place.key)

    def all(self) -> list[Draft]:
        """Every draft, newest first."""
        self.load()
        with self._lock:
            return sorted(self._drafts.values(), key=lambda d: d.saved_at, reverse=True)

    # --- writing --------------------------------------------------------------------
    def put(self, draft: Draft) -> Future[None]:
        """Keep ``draft`` (replacing the one at its place); written to disk in the background."""
        draft.saved_at = _now()
        data = json.dumps(draft.to_json(), ensure_ascii=False, indent=1).encode(
            "utf-8", "surrogatepass"
        )
        self.load()
        with self._lock:
            self._drafts[draft.place.key] = draft
        return self._writer.submit(self._write, self.path_of(draft.place), data)

    def discard(self, place: Place) -> Future[None]:
        """Forget the draft at ``place`` (its write succeeded, or the person threw it away)."""
        self.load()
        with self._lock:
            self._drafts.pop(place.key, None)
        return self._writer.submit(self._delete, self.path_of(place))

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait for the queued disk work (at exit); False when it did not finish in time."""
        try:
            self._writer.submit(lambda: None).result(timeout)
        except Exception:
            return False
        return True

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def path_of(self, place: Place) -> Path:
        name = f"{_slug(place.kind)}-{_slug(place.incident_id, 20)}-{_digest(place.key)}"
        return self.folder / f"{name}{SUFFIX}"

    # --- on the writer thread -------------------------------------------------------------
    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            ensure_private_dir(self.folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.fchmod(fd, 0o600)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            _remove(tmp)
            self._failed(f"A draft could not be written to {self.folder}: {exc.strerror or exc}")
            raise
        self._failing = False

    def _delete(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            self._failed(f"A finished draft could not be removed ({path}): {exc.strerror or exc}")
            raise

    def _failed(self, message: str) -> None:
        log.warning("%s", message)
        if self._failing:
            return  # said once until a write works again
        self._failing = True
        self.problems.append(message)
        if self.on_problem is not None:
            try:
                self.on_problem(message)
            except Exception:
                log.debug("draft problem callback failed", exc_info=True)

    def _set_aside(self, path: Path, why: BaseException) -> str:
        reason = why.strerror if isinstance(why, OSError) and why.strerror else str(why)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = path.with_name(f"{path.name}.unreadable-{stamp}")
        try:
            os.replace(path, aside)
        except OSError as exc:
            return (
                f"A draft file could not be read ({reason}) nor set aside "
                f"({exc.strerror or exc}): {path}"
            )
        return f"A draft file could not be read ({reason}); it was set aside as {aside}"


def _read(path: Path) -> Draft:
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("larger than any draft")
    try:
        parsed = json.loads(data.decode("utf-8", "surrogatepass"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    return Draft.from_json(parsed)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.debug("could not remove %s", path, exc_info=True)
