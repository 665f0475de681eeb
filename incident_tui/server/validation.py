"""Strict checks of a request body, before it becomes a request model.

The models are lenient on purpose (they also read what remotes send); a server must
not be: ``"isDrill": "yes"`` or ``"limit": "10"`` are refused, not coerced, every
string and list has a bound, and single-line fields hold no control characters (free
text, such as a note, is kept verbatim). The
wire rules still hold: ``null`` (and a missing key) means "not set", Go's zero values
pass, unknown keys are ignored. Every refusal names the field (``query.limit``).

The same bounds describe the request schemas in ``/openapi.json``.
"""

from __future__ import annotations

import functools
import types
import typing
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import from_json

from incident_tui import models as m

#: The largest page a client may ask for (QueryIncidents, QueryActivity, previews, users).
MAX_PAGE_SIZE = 500
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: The longest text accepted, by JSON key; any other string: ``DEFAULT_MAX_STRING``.
MAX_STRING: dict[str, int] = {
    "title": 1000,
    "label": 200,
    "description": 2000,
    "body": 100_000,
    "summary": 10_000,  # UpdateIncidentSummary (ours): several lines
    "text": 2000,
    "name": 100,
    "queryString": 2000,
    "nextValue": 1000,
    "attachURL": 2000,
    "attachCaption": 1000,
    "colorHex": 32,
}
DEFAULT_MAX_STRING = 200  # IDs, enum values, times, severities

#: Free text, kept (or searched) verbatim, any character allowed: the console neutralises
#: control characters when it draws them. Every other string is one line of text.
FREE_TEXT = frozenset({"body", "description", "queryString", "summary"})

#: The most items a list may hold, by JSON key.
MAX_ITEMS: dict[str, int] = {
    "labels": 100,
    "includeStatuses": 10,
    "excludeStatuses": 10,
    "incidentLabels": 100,
    "activityKind": 50,
}
DEFAULT_MAX_ITEMS = 100

#: Integer bounds by JSON key; any other integer is a Go int64.
INT_RANGE: dict[str, tuple[int, int]] = {
    "limit": (0, MAX_PAGE_SIZE),
    "roleID": (0, INT64_MAX),
}


class FieldRefused(ValueError):
    """A request field is not acceptable; ``field`` is its dotted path."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"invalid field {field!r}: {problem}" if field else problem)
        self.field = field


def max_string(key: str) -> int:
    return MAX_STRING.get(key, DEFAULT_MAX_STRING)


def max_items(key: str) -> int:
    return MAX_ITEMS.get(key, DEFAULT_MAX_ITEMS)


def int_range(key: str) -> tuple[int, int]:
    return INT_RANGE.get(key, (INT64_MIN, INT64_MAX))


def control_character(text: str, key: str) -> str | None:
    """The first control character (C0, DEL, C1) of single-line ``text``, or None."""
    if key in FREE_TEXT:
        return None
    for ch in text:
        if ch < " " or "\x7f" <= ch <= "\x9f":
            return ch
    return None


# --- what each field is ---------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """The JSON type a field takes: str, int, bool, object (a model), list or dict."""

    name: str
    model: type[BaseModel] | None = None
    item: Kind | None = None


def _kind(annotation: Any) -> Kind:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = [_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        # ``IncidentStatus | str``: a closed set that newer stacks widen; text either way.
        return next((k for k in kinds if k.name == "str"), kinds[0])
    if origin is list:
        return Kind("list", item=_kind(typing.get_args(annotation)[0]))
    if origin is dict:
        return Kind("dict")
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return Kind("object", model=annotation)
        if issubclass(annotation, bool):
            return Kind("bool")
        if issubclass(annotation, int):
            return Kind("int")
        if issubclass(annotation, str):
            return Kind("str")
    return Kind("any")


@functools.cache
def fields_of(model: type[BaseModel]) -> dict[str, Kind]:
    """The JSON keys of ``model`` and the kind of each."""
    return {
        field.alias or name: _kind(field.annotation) for name, field in model.model_fields.items()
    }


# --- the check -------------------------------------------------------------------------


def parse_request(model: type[m.Request], body: bytes) -> m.Request:
    """``body`` as a ``model``, checked strictly; FieldRefused names what is wrong."""
    if not body.strip():
        return model()
    try:
        data = from_json(body, allow_inf_nan=False)
    except ValueError:  # bad syntax, lone surrogates, nesting past the parser's limit
        raise FieldRefused("", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise FieldRefused("", "the body must be a JSON object")
    return model.model_validate(_object(model, data, ""))


def _object(model: type[BaseModel], data: dict[str, Any], where: str) -> dict[str, Any]:
    kinds = fields_of(model)
    out: dict[str, Any] = {}
    for key, value in data.items():
        kind = kinds.get(key)
        if kind is None or value is None:  # unknown keys are ignored; null means "not set"
            continue
        path = f"{where}.{key}" if where else key
        out[key] = _value(kind, value, key, path)
    return out


def _value(kind: Kind, value: Any, key: str, path: str) -> Any:
    if kind.name == "str":
        if not isinstance(value, str):
            raise FieldRefused(path, f"must be a string, not {_json_type(value)}")
        limit = max_string(key)
        if len(value) > limit:
            raise FieldRefused(path, f"too long ({len(value)} characters, at most {limit})")
        bad = control_character(value, key)
        if bad is not None:
            name = unicodedata.name(bad, "") or "a control character"
            raise FieldRefused(
                path, f"holds U+{ord(bad):04X} ({name.lower()}); it must be one line of text"
            )
        return value
    if kind.name == "int":
        if type(value) is not int:
            raise FieldRefused(path, f"must be an integer, not {_json_type(value)}")
        low, high = int_range(key)
        if not low <= value <= high:
            raise FieldRefused(path, f"must be an integer from {low} to {high}")
        return value
    if kind.name == "bool":
        if type(value) is not bool:
            raise FieldRefused(path, f"must be true or false, not {_json_type(value)}")
        return value
    if kind.name == "object":
        if not isinstance(value, dict):
            raise FieldRefused(path, f"must be an object, not {_json_type(value)}")
        assert kind.model is not None
        return _object(kind.model, value, path)
    if kind.name == "list":
        if not isinstance(value, list):
            raise FieldRefused(path, f"must be a list, not {_json_type(value)}")
        limit = max_items(key)
        if len(value) > limit:
            raise FieldRefused(path, f"too many items ({len(value)}, at most {limit})")
        assert kind.item is not None
        out = []
        for index, item in enumerate(value):
            if item is None:
                raise FieldRefused(f"{path}.{index}", "must not be null")
            out.append(_value(kind.item, item, key, f"{path}.{index}"))
        return out
    if kind.name == "dict" and not isinstance(value, dict):
        raise FieldRefused(path, f"must be an object, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"
