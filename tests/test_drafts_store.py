"""The draft store on real files: what lands on disk, with which modes, what a damaged
file becomes, and that the disk work keeps its order."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from incident_tui.drafts import VERSION, Draft, DraftStore, Place

NOTE = Place("note", "42")


def make(tmp_path: Path, context: str = "local", where: str = "/srv/incidents.db") -> DraftStore:
    return DraftStore.for_context(context, where, root=tmp_path / "drafts")


def note(text: str, place: Place = NOTE) -> Draft:
    return Draft(place=place, fields={"note-text": text}, cursor={"note-text": [0, len(text)]})


def test_a_draft_round_trips_through_a_private_file(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.put(note("Rolled back\n\x1b[31mred as typed"))
    assert store.flush()
    path = store.path_of(NOTE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = make(tmp_path)
    kept = again.get(NOTE)
    assert kept is not None
    assert kept.fields == {"note-text": "Rolled back\n\x1b[31mred as typed"}  # as typed
    assert kept.cursor == {"note-text": [0, 29]}
    assert kept.place == NOTE and kept.saved is not None


def test_a_draft_file_holds_the_typed_fields_and_nothing_else(tmp_path: Path) -> None:
    """No token, no config, not even the url the context points at: a digest names the folder."""
    url = "https://stack.example.net"
    store = make(tmp_path, "prod", url)
    store.put(Draft(place=Place("declare"), fields={"title": "DB down", "drill": False}))
    store.flush()
    path = store.path_of(Place("declare"))
    data = json.loads(path.read_text())
    assert set(data) == {"version", "place", "title", "fields", "base", "cursor", "focus",
                         "saved_at"}  # fmt: skip
    assert data["version"] == VERSION and data["fields"] == {"title": "DB down", "drill": False}
    assert "stack.example.net" not in str(path) and "stack.example.net" not in path.read_text()


def test_contexts_and_stores_keep_separate_drafts(tmp_path: Path) -> None:
    local = make(tmp_path, "local", "/srv/a.db")
    other_store = make(tmp_path, "local", "/tmp/demo.db")
    prod = make(tmp_path, "prod", "https://stack.example.net grafana-irm-app")
    local.put(note("only in a.db"))
    local.flush()
    assert other_store.get(NOTE) is None and prod.get(NOTE) is None
    assert len({local.folder, other_store.folder, prod.folder}) == 3


def test_discard_after_put_leaves_no_file_and_put_after_discard_keeps_one(
    tmp_path: Path,
) -> None:
    store = make(tmp_path)
    for n in range(20):
        store.put(note(f"version {n}"))
    store.discard(NOTE)
    store.flush()
    assert not store.path_of(NOTE).exists() and store.get(NOTE) is None
    store.discard(NOTE)
    store.put(note("back again"))
    store.flush()
    assert json.loads(store.path_of(NOTE).read_text())["fields"]["note-text"] == "back again"


def test_newest_first_and_one_draft_per_place(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.put(note("first"))
    store.put(note("task text", Place("task", "7")))
    store.put(note("second"))
    store.flush()
    drafts = make(tmp_path).all()
    assert sorted(d.place.kind for d in drafts) == ["note", "task"]
    assert make(tmp_path).get(NOTE).fields["note-text"] == "second"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00garbage", "codec"),
        (json.dumps({"version": 99, "place": {"kind": "note"}}).encode(), "version"),
        (json.dumps({"version": 1, "place": {"kind": "note"}, "fields": {"a": 3}}).encode(),
         "neither text"),
        (json.dumps({"version": 1, "place": "x", "fields": {"a": "b"}}).encode(), "place"),
        (json.dumps({"version": 1, "place": {"kind": "note"}, "fields": {"a": "b"},
                     "cursor": {"a": [-1]}}).encode(), "position"),
        (b" " * (4 * 1024 * 1024 + 1), "larger"),
    ],
)  # fmt: skip
def test_a_damaged_draft_file_is_set_aside_with_a_message(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    store = make(tmp_path)
    store.put(note("a good one"))
    store.flush()
    bad = store.folder / "note-9-000000000000.json"
    bad.write_bytes(content)
    again = make(tmp_path)
    problems = again.load()
    assert len(problems) == 1 and "set aside" in problems[0] and reason in problems[0]
    assert not bad.exists()
    (aside,) = [p for p in store.folder.iterdir() if ".unreadable-" in p.name]
    assert aside.read_bytes() == content  # kept for the person to look at
    assert again.get(NOTE) is not None  # the other draft still loads
    assert again.problems == problems


def test_a_write_cut_short_leaves_the_previous_draft(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.put(note("complete"))
    store.flush()
    (store.folder / ".note-42-x.json.123.tmp").write_text('{"version": 1, "pla')
    again = make(tmp_path)
    assert again.load() == []
    assert again.get(NOTE).fields == {"note-text": "complete"}  # type: ignore[union-attr]
    assert not list(store.folder.glob("*.tmp"))


def test_a_folder_that_cannot_be_written_is_said_once_and_drafts_stay_in_memory(
    tmp_path: Path,
) -> None:
    (tmp_path / "drafts").mkdir()
    store = make(tmp_path)
    store.folder.write_text("a file where the folder should be")
    heard: list[str] = []
    store.on_problem = heard.append
    store.put(note("one"))
    store.put(note("two"))
    store.flush()
    assert len(heard) == 1 and "could not be written" in heard[0]
    assert store.get(NOTE).fields == {"note-text": "two"}  # type: ignore[union-attr]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_is_a_message_not_a_crash(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.put(note("x"))
    store.flush()
    store.folder.chmod(0)
    try:
        problems = make(tmp_path).load()
    finally:
        store.folder.chmod(0o700)
    assert problems and "cannot be read" in problems[0]


def test_places_read_as_words() -> None:
    assert Place("note", "42").describe() == "a note on #42"
    assert Place("declare").describe() == "a new incident"
    assert Place("role-edit", target="7").describe() == "an edit of an org role"
