"""``/openapi.json``: the server's API as OpenAPI 3.1, generated from the method table.

Request schemas carry the bounds the server enforces (``validation``): string
lengths, list sizes, integer ranges, no control characters in single-line text, and
``null`` accepted anywhere as "not set". Response schemas say what the server sends:
never ``null``, integers as integers. So any OpenAPI tool can check or fuzz it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pydantic.json_schema import models_json_schema

from incident_tui import models as m
from incident_tui.backends.base import METHOD_LIST
from incident_tui.config import KNOWN_PLUGINS
from incident_tui.server.validation import (
    FREE_TEXT,
    fields_of,
    int_range,
    max_items,
    max_string,
)

OPENAPI_VERSION = "3.1.0"
REQUEST_SUFFIX = "Input"  # request-side objects: the same names, with their bounds
_SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"


def api_prefix(plugin: str) -> str:
    return f"/api/plugins/{plugin}/resources/api/v1"


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("incident-tui")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _models_by_name(models: list[type[m.WireModel]]) -> dict[str, type[m.WireModel]]:
    """Every model reachable from ``models``, by class name (what pydantic names $defs)."""
    found: dict[str, type[m.WireModel]] = {}
    todo = list(models)
    while todo:
        model = todo.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        for kind in fields_of(model).values():
            while kind.item is not None:
                kind = kind.item
            if kind.model is not None and issubclass(kind.model, m.WireModel):
                todo.append(kind.model)
    return found


def _bound_request_object(schema: dict[str, Any], model: type[m.WireModel]) -> None:
    """Add the server's bounds to one request-side object schema, and allow ``null``."""
    kinds = fields_of(model)
    for key, prop in schema.get("properties", {}).items():
        kind = kinds.get(key)
        if kind is None:
            continue
        target = _non_null(prop)
        _bound(target, kind.name, key)
        if kind.name == "list" and "items" in target and kind.item is not None:
            _bound(_non_null(target["items"]), kind.item.name, key)
        if not _allows_null(prop):
            schema["properties"][key] = {"anyOf": [prop, {"type": "null"}]}


def _bound(target: dict[str, Any], kind: str, key: str) -> None:
    if kind == "str":
        for variant in target.get("anyOf", [target]):
            if variant.get("type") == "string" and "enum" not in variant:
                variant["maxLength"] = max_string(key)
                if key not in FREE_TEXT:
                    variant["pattern"] = _SINGLE_LINE
    elif kind == "int":
        low, high = int_range(key)
        target.pop("exclusiveMaximum", None)
        target["minimum"], target["maximum"] = low, high
    elif kind == "list":
        target["maxItems"] = max_items(key)


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    variants = schema.get("anyOf")
    if variants:
        others = [v for v in variants if v.get("type") != "null"]
        if len(others) == 1:
            return others[0]
    return schema


def _allows_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        v.get("type") == "null" for v in schema.get("anyOf", [])
    )


def _drop_null(schema: Any) -> Any:
    """Response schemas: the server never sends ``null`` (it omits or sends [] / {})."""
    if isinstance(schema, list):
        return [_drop_null(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _drop_null(value) for key, value in schema.items()}
    if "default" in out and out["default"] is None:
        del out["default"]
    variants = out.get("anyOf")
    if variants is not None:
        kept = [v for v in variants if v.get("type") != "null"]
        if len(kept) == 1:
            del out["anyOf"]
            return {**kept[0], **out}
        out["anyOf"] = kept
    return out


def _components() -> dict[str, Any]:
    requests = [row.request for row in METHOD_LIST]
    responses = [row.response for row in METHOD_LIST]
    _, req_defs = models_json_schema(
        [(model, "validation") for model in requests],
        by_alias=True,
        ref_template="#/components/schemas/{model}" + REQUEST_SUFFIX,
    )
    _, resp_defs = models_json_schema(
        [(model, "serialization") for model in responses],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = {}
    request_models = _models_by_name(list(requests))
    for name, schema in req_defs.get("$defs", {}).items():
        model = request_models.get(name)
        if model is not None:
            _bound_request_object(schema, model)
        schema["title"] = name
        schemas[name + REQUEST_SUFFIX] = schema
    for name, schema in resp_defs.get("$defs", {}).items():
        schemas[name] = _drop_null(schema)
    schemas["Error"] = {
        "type": "object",
        "title": "Error",
        "description": "Every failure: a non-2xx status and this object.",
        "properties": {
            "error": {"type": "string", "minLength": 1},
            "code": {"type": "string"},
        },
        "required": ["error"],
    }
    return schemas


def _operation(row: Any) -> dict[str, Any]:
    error = {"$ref": "#/components/responses/Error"}
    return {
        "operationId": row.path,
        "summary": row.name,
        "tags": [row.service],
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": f"#/components/schemas/{row.request.__name__}{REQUEST_SUFFIX}"
                    }
                }
            },
        },
        "responses": {
            "200": {
                "description": "Success (``error`` is empty).",
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{row.response.__name__}"}
                    }
                },
            },
            "default": error,
        },
        "x-incident-tui": {
            "readOnly": row.read_only,
            "creates": row.creates,
            "extension": row.extension,
            "beyondReference": row.beyond_reference,
        },
    }


@functools.cache
def openapi_document(plugin: str | None = None) -> dict[str, Any]:
    """The document for the API under ``plugin``'s prefix (None: both prefixes)."""
    plugins = [plugin] if plugin else list(KNOWN_PLUGINS)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Grafana Incident RPC (incident-tui serve)",
            "version": _version(),
            "description": (
                "Every method is a POST of a JSON object. Failures: a non-2xx status and a"
                " JSON object with a non-empty `error`. `null` or a missing key means"
                " 'not set'; unknown keys are ignored."
            ),
        },
        "servers": [{"url": api_prefix(p)} for p in plugins],
        "security": [{"bearer": []}],
        "paths": {f"/{row.path}": {"post": _operation(row)} for row in METHOD_LIST},
        "components": {
            "schemas": _components(),
            "responses": {
                "Error": {
                    "description": "A refusal or a failure.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@functools.cache
def openapi_bytes(plugin: str | None = None) -> bytes:
    return json.dumps(openapi_document(plugin), separators=(",", ":")).encode()
