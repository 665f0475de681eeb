"""The incident list's first screenful from the last run, shown the moment the console starts.

Opening the store (sqlite, pydantic) and reading the first page takes longer than
Textual's first frame; rows read from a small JSON file at start fill that gap, and
the real first page replaces them as soon as it arrives (the cursor stays on its
incident). One file per place (context and the store or remote it points at), in the
state directory, 0600. Only the default list (no filter, newest first) is kept. A file
that cannot be read, or does not hold rows, is ignored: the list then shows them when
the store answers, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields
from pathlib import Path

from incident_tui.config import ensure_private_dir, state_dir
from incident_tui.ui.widgets.incident_list import IncidentRow

#: Rows kept: a tall terminal's first screen.
KEPT_ROWS = 80
_FIELDS = {f.name: f.type for f in fields(IncidentRow)}
_TYPES = {"str": str, "int": int, "bool": bool, "tuple[str, ...]": list}


def cache_path(place: str) -> Path:
    digest = hashlib.sha256(place.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return state_dir() / "rows" / f"{digest}.json"


def load_rows(place: str) -> list[IncidentRow]:
    """The rows kept for ``place``; [] when there are none or the file is not ours."""
    try:
        data = json.loads(cache_path(place).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("place") != place:
        return []
    rows: list[IncidentRow] = []
    for item in data.get("rows", [])[:KEPT_ROWS] if isinstance(data.get("rows"), list) else []:
        row = _row(item)
        if row is None:
            return []  # a damaged file: show nothing from it
        rows.append(row)
    return rows


def _row(item: object) -> IncidentRow | None:
    if not isinstance(item, dict) or set(item) != set(_FIELDS):
        return None
    values: dict[str, object] = {}
    for name, kind in _FIELDS.items():
        value = item[name]
        expected = _TYPES.get(str(kind))
        if expected is None or type(value) is not expected:
            return None
        if isinstance(value, list):
            if not all(isinstance(label, str) for label in value):
                return None
            value = tuple(value)
        values[name] = value
    return IncidentRow(**values)  # type: ignore[arg-type]


def save_rows(place: str, rows: list[IncidentRow]) -> None:
    """Keep the first rows for the next start (best effort: a failure only costs speed)."""
    kept = [
        {name: list(v) if isinstance(v := getattr(row, name), tuple) else v for name in _FIELDS}
        for row in rows[:KEPT_ROWS]
        if not row.mark  # an incident only queued in the outbox is not shown from a cache
    ]
    path = cache_path(place)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        ensure_private_dir(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"place": place, "rows": kept}, out, ensure_ascii=False)
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
