"""Every JSON example of the API reference parses into its model and serialises back.

The examples are extracted from the seed file itself, so a model that drops, renames or
retypes a field of the reference fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.backends.base import API_METHODS, METHODS

# A copy of shared/seeds/000_4271775a43ac2c38.txt (the Grafana Incident API reference).
SEED = Path(__file__).parent / "data" / "grafana_incident_api_reference.txt"


def _decode_at(text: str, start: int) -> object:
    brace = text.index("{", start)
    value, _ = json.JSONDecoder().raw_decode(text, brace)
    return value


def _examples() -> dict[str, dict[str, object]]:
    """{method: {"request": body, "response": body}} for every method of the reference."""
    text = SEED.read_text(encoding="utf-8")
    objects_at = text.index("\nObjects\n")
    reference = text[:objects_at]
    names = {m.name for m in API_METHODS}
    # Each method section starts with a line holding only its name.
    starts = []
    offset = 0
    for line in reference.splitlines(keepends=True):
        if line.strip() in names and line.strip() == line.rstrip("\n"):
            starts.append((offset, line.strip()))
        offset += len(line)
    found: dict[str, dict[str, object]] = {}
    for index, (begin, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(reference)
        section = reference[begin:end]
        data_at = section.find("--data '")
        response_at = section.find(f"\n{name}Response\n")
        json_at = section.find("\nJSON\n", response_at)
        entry: dict[str, object] = {}
        if data_at != -1:
            entry["request"] = _decode_at(section, data_at)
        if response_at != -1 and json_at != -1:
            entry["response"] = _decode_at(section, json_at)
        found[name] = entry
    return found


EXAMPLES = _examples()
CASES = [
    (method.path, kind)
    for method in API_METHODS
    for kind in ("request", "response")
    if kind in EXAMPLES.get(method.name, {})
]


def _assert_same_shape(original: object, produced: object, where: str) -> None:
    """Every key and value of the example comes back under the same key and JSON type."""
    if isinstance(original, dict):
        assert isinstance(produced, dict), where
        for key, value in original.items():
            assert key in produced, f"{where}.{key} missing after round trip"
            _assert_same_shape(value, produced[key], f"{where}.{key}")
    elif isinstance(original, list):
        assert isinstance(produced, list) and len(produced) == len(original), where
        for i, (a, b) in enumerate(zip(original, produced, strict=True)):
            _assert_same_shape(a, b, f"{where}[{i}]")
    else:
        assert type(produced) is type(original), f"{where}: {original!r} became {produced!r}"
        assert produced == original, f"{where}: {original!r} became {produced!r}"


def test_every_method_of_the_reference_has_examples() -> None:
    assert len(API_METHODS) == 29
    missing = [m.name for m in API_METHODS if "response" not in EXAMPLES.get(m.name, {})]
    assert not missing, f"no response example found for {missing}"
    # Every method with request fields has a request example in the reference.
    assert len([c for c in CASES if c[1] == "request"]) >= 27


@pytest.mark.parametrize(("path", "kind"), CASES)
def test_example_round_trips_through_its_model(path: str, kind: str) -> None:
    method = METHODS[path]
    body = EXAMPLES[method.name][kind]
    model = method.request if kind == "request" else method.response
    parsed = model.model_validate(body)
    produced = json.loads(parsed.to_json())
    _assert_same_shape(body, produced, f"{path} {kind}")
    # Serialising never emits null, and the dict and JSON forms agree.
    assert "null" not in parsed.to_json()
    assert parsed.to_wire() == produced
