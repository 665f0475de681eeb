"""``incident-tui ls/show/declare/note/resolve`` as the real console script in subprocesses,
on a OneUptime context: the OneUptime test server started for real on 127.0.0.1 in this
process (its requests checked against the document in ../shared/specs)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.oneuptime_server import LABELS, OneUptimeServer
from tests.test_cli_scripting import cli, env, ok, refused

__all__ = ["env"]  # the fixture, shared with the other scripting tests


@pytest.fixture
def server() -> Iterator[OneUptimeServer]:
    server = OneUptimeServer()
    for name in LABELS:
        server.add_label(name)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert server.violations == [], "requests off the document:\n" + "\n".join(server.violations)


def use(env: dict[str, str], server: OneUptimeServer, key: str) -> None:
    env["OU_KEY"] = key
    Path(env["INCIDENT_TUI_CONFIG"]).write_text(
        textwrap.dedent(
            f"""
            current_context = "ou"
            [user]
            id = "alice"
            name = "Alice Example"
            [contexts.ou]
            backend = "oneuptime"
            url = "{server.url}"
            token_env = "OU_KEY"
            project_id = "{server.project}"
            timeout = 10
            """
        ),
        encoding="utf-8",
    )


def test_ls_show_declare_note_and_resolve_on_oneuptime(env, server) -> None:
    server.add_incident(
        "Replica lag on orders-db",
        severity="Major Incident",
        labels=("db",),
        root_cause="a long vacuum",
    )
    use(env, server, server.issue_key("Alice Example"))

    listed = ok(env, "ls")
    assert "Replica lag on orders-db" in listed

    declared = ok(env, "declare", "Checkout", "failing", "--severity", "critical", "--label", "eu")
    # the line cuts the severity at 12 cells (scripting's format, not this backend's)
    assert declared.startswith("declared #2 (Critical In…): Checkout failing")
    made = json.loads(ok(env, "show", "INC-2", "--json"))
    assert made["severity"] == "Critical Incident"
    assert [label["label"] for label in made["labels"]] == ["eu"]

    assert ok(env, "note", "2", "rolled", "back").startswith("noted on #2")
    [note] = server.data["internal_notes"].values()
    assert note["note"] == "rolled back"

    shown = ok(env, "show", "1")
    assert "Replica lag on orders-db" in shown and "a long vacuum" in shown

    ok(env, "resolve", "2")
    resolved = json.loads(ok(env, "show", "2", "--json"))
    assert resolved["status"] == "Resolved"

    active = json.loads(ok(env, "ls", "status:active", "--json"))
    assert [i["title"] for i in active["incidents"]] == ["Replica lag on orders-db"]


def test_failures_are_one_line_and_never_show_the_key(env, server) -> None:
    key = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    use(env, server, key)
    said = refused(env, 1, "ls")
    assert "OneUptime refused the key" in said and key not in said

    use(env, server, server.issue_key())
    said = refused(env, 1, "declare", "Checkout failing")
    assert "OneUptime needs a severity: Critical Incident, Major Incident, Minor" in said
    said = refused(env, 1, "declare", "Checkout failing", "--severity", "minor", "--label", "sev-1")
    assert "no label 'sev-1'" in said
    assert not server.data["incidents"]
    done = cli(env, "show", "99")
    assert done.returncode == 1 and "no incident" in done.stderr.lower()


def test_note_public_posts_a_public_note_and_plain_note_stays_internal(env, server) -> None:
    server.add_incident("Checkout failing", severity="Critical Incident")
    use(env, server, server.issue_key("Alice Example"))

    said = ok(env, "note", "1", "We", "are", "investigating.", "--public")
    assert said.startswith("public note on #1: We are investigating.")
    [public] = server.data["public_notes"].values()
    assert public["note"] == "We are investigating."
    assert not server.data["internal_notes"]

    item = json.loads(ok(env, "note", "1", "internal", "detail", "--json"))
    assert item["fieldValues"]["internal"] is True
    [internal] = server.data["internal_notes"].values()
    assert internal["note"] == "internal detail"
    assert len(server.data["public_notes"]) == 1
