"""``incident-tui ls/show/declare/note/resolve --context X`` on an incident.io context: the
real console script in subprocesses, against the incident.io test server on 127.0.0.1
(every request checked against the published document)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.incidentio_server import IncidentIoServer
from tests.test_cli_scripting import env, ok, refused, write_config  # noqa: F401 (fixture)


@pytest.fixture
def server() -> Iterator[IncidentIoServer]:
    running = IncidentIoServer()
    running.start()
    try:
        yield running
    finally:
        running.stop()
    assert running.violations == [], "\n".join(running.violations)


def test_scripting_commands_on_an_incidentio_context(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    server: IncidentIoServer,
) -> None:
    lead = server.add_incident("Checkout API returning 502s", severity="Total outage")
    server.add_update(lead, "rolled back deploy 4711", status="Fixing")
    for number in range(4):
        server.add_incident(f"older {number}", severity="Low")
    key_file = tmp_path / "incidentio.key"
    key_file.write_text(server.issue_token() + "\n")
    key_file.chmod(0o600)
    write_config(
        env,
        f"""
        [contexts.inc]
        backend = "incidentio"
        url = "{server.url}"
        token_file = "{key_file}"

        [contexts.stranger]
        backend = "incidentio"
        url = "{server.url}"
        token_env = "NOT_A_KEY"
        """,
    )
    env["NOT_A_KEY"] = "inc_wrong"

    listed = json.loads(ok(env, "ls", "--context", "inc", "--limit", "3", "--json"))
    assert [i["title"] for i in listed["incidents"]] == ["older 3", "older 2", "older 1"]
    table = ok(env, "ls", "--context", "inc", "severity:critical")
    assert "Checkout API returning" in table and "older" not in table
    row = next(line for line in table.splitlines() if "Checkout API" in line)
    assert row.split()[0] == "INC-1" and lead not in table  # its own reference, not the id

    shown = ok(env, "show", "--context", "inc", "INC-1")
    assert "Checkout API returning 502s" in shown
    assert shown.startswith("INC-1  Checkout API returning 502s")
    assert "rolled back deploy 4711" in shown and "Bob" in shown
    as_json = json.loads(ok(env, "show", "--context", "inc", "#1", "--json"))
    assert as_json["incidentID"] == lead and as_json["status"] == "Fixing"
    draft = ok(env, "export", "--context", "inc", "INC-1", "-o", "-")
    assert draft.startswith("# INC-1: Checkout API returning 502s")  # not the API's id
    assert lead not in draft.splitlines()[0]

    made = json.loads(
        ok(env, "declare", "--context", "inc", "DNS failing", "--severity", "total", "--json")
    )
    assert made["severity"] == "Total outage" and made["title"] == "DNS failing"
    create = next(s.json() for s in server.writes() if s.path == "/v2/incidents")
    assert (
        create["idempotency_key"] and create["severity_id"] == server.severity("Total outage")["id"]
    )

    assert ok(env, "resolve", "--context", "inc", "INC-6").startswith("resolved INC-6")
    assert server.incidents[made["incidentID"]].status_id == server.status("Post-incident")["id"]

    # What incident.io cannot do or refuses: one line, exit 1 (2 before anything is sent).
    no_notes = refused(env, 1, "note", "--context", "inc", "1", "-", stdin="paged the vendor\n")
    assert "incident.io does not offer AddActivity" in no_notes
    assert "the note was kept in " in no_notes
    assert "unknown severity 'critical' (use one of: Low, Medium, High, Total outage)" in (
        refused(env, 2, "declare", "--context", "inc", "x", "--severity", "critical")
    )
    assert "title:x: incident.io cannot filter by title" in refused(
        env, 1, "ls", "--context", "inc", "title:x"
    )
    assert refused(env, 1, "show", "--context", "inc", "INC-99") == (
        "incident-tui: no incident #99\n"
    )
    assert "refused the API key from environment variable NOT_A_KEY" in refused(
        env, 1, "ls", "--context", "stranger"
    )
    assert "inc_wrong" not in refused(env, 1, "ls", "--context", "stranger")
