"""The scripting commands, run as the real ``incident-tui`` console script in subprocesses:
against a local store file, and against ``incident-tui serve`` started for real on
127.0.0.1. Each test groups many commands (a subprocess costs ~0.4 s).

Exit status: 0 done, 1 the backend failed or refused (one line on stderr, never a
traceback), 2 a usage error found before anything was sent.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.sqlite import BulkIncident, BulkItem, SqliteBackend
from incident_tui.server.tokens import TokenStore

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("incident-tui")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "incident_tui"]
ALICE = m.UserPreview(user_id="alice", name="Alice Example")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A private HOME and config, with the acting user of the local store set to Alice."""
    environ = dict(os.environ)
    environ.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / ".config"),
        XDG_DATA_HOME=str(tmp_path / ".local" / "share"),
        XDG_STATE_HOME=str(tmp_path / ".local" / "state"),
        INCIDENT_TUI_CONFIG=str(tmp_path / "config.toml"),
        PYTHONPATH=str(REPO),
        COLUMNS="80",
    )
    for name in ("NO_COLOR", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        environ.pop(name, None)
    write_config(environ, "")
    return environ


def write_config(env: dict[str, str], contexts: str) -> None:
    Path(env["INCIDENT_TUI_CONFIG"]).write_text(
        '[user]\nid = "alice"\nname = "Alice Example"\n' + textwrap.dedent(contexts),
        encoding="utf-8",
    )


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


def ok(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = cli(env, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stderr)
    assert done.stderr == "", (args, done.stderr)  # not a terminal: no chatter
    return done.stdout


def refused(env: dict[str, str], code: int, *args: str, stdin: str = "") -> str:
    """Run a command that must fail with ``code``: one line on stderr, no traceback."""
    done = cli(env, *args, stdin=stdin)
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("incident-tui: "), done.stderr
    if code == 1:
        assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def cells(line: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


# --- a local store ----------------------------------------------------------------------------


def test_every_command_on_a_local_store(env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "local.db")
    made = json.loads(
        ok(env, "declare", "Checkout API returning 502s", "--severity", "crit",
           "--label", "payments", "--label", "api", "--db", db, "--json")
    )  # fmt: skip
    assert made["incidentID"] == "1" and made["severity"] == "critical"
    assert sorted(label["label"] for label in made["labels"]) == ["api", "payments"]
    assert made["createdByUser"] == {"userID": "alice", "name": "Alice Example", "photoURL": ""}
    # --db before the command works as well as after it; words of the title are joined
    assert ok(env, "--db", db, "declare", "Game", "day:", "kill", "a", "node", "--drill") == (
        "declared #2 (pending): Game day: kill a node\n"
    )

    note = "Rolled back 4711.\n# not a heading\n  kept indent\n"
    assert ok(env, "note", "--db", db, "INC-1", "-", stdin=note).startswith("noted on #1: ")
    item = json.loads(ok(env, "note", "--db", db, "#1", "paged", "payments", "--json"))
    assert item["activityKind"] == "userNote" and item["body"] == "paged payments"
    assert item["user"]["userID"] == "alice"

    listing = json.loads(ok(env, "ls", "--db", db, "--json"))
    assert list(listing) == ["incidents"]
    assert [i["incidentID"] for i in listing["incidents"]] == ["2", "1"]  # newest first
    assert listing["incidents"][0]["isDrill"] is True
    table = ok(env, "ls", "--db", db, "status:active", "label:payments")
    lines = table.splitlines()
    assert lines[0].split() == ["REF", "SEVERITY", "STATUS", "AGE", "TITLE"]
    assert len(lines) == 2 and lines[1].split()[:3] == ["#1", "critical", "active"]
    assert "\x1b" not in table and all(cells(line) <= 80 for line in lines)

    assert ok(env, "resolve", "--db", db, "1") == "resolved #1: Checkout API returning 502s\n"
    assert ok(env, "resolve", "--db", db, "1") == ""  # already resolved: nothing to do
    assert json.loads(ok(env, "show", "--db", db, "1", "--json"))["status"] == "resolved"
    assert json.loads(ok(env, "reopen", "--db", db, "INC-1", "--json"))["status"] == "active"

    shown = ok(env, "show", "--db", db, "#1")
    assert shown.startswith("#1  Checkout API returning 502s\n")
    for fact in ("severity   critical", "status     active", "labels     api, payments"):
        assert fact in shown
    assert "Alice Example · userNote: paged payments" in shown

    draft = tmp_path / "INC-1-postmortem.md"
    assert ok(env, "export", "--db", db, "1", "-o", str(draft)) == ""
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("# INC-1: Checkout API returning 502s\n")
    assert "  Rolled back 4711.\\\n  \\# not a heading\\\n  \u00a0\u00a0kept indent\n" in text
    document = json.loads(ok(env, "export", "--db", db, "1", "--format", "json"))
    notes = [i["body"] for i in document["activityItems"] if i["activityKind"] == "userNote"]
    assert notes == ["Rolled back 4711.\n# not a heading\n  kept indent", "paged payments"]
    kinds = [i["activityKind"] for i in document["activityItems"]]
    assert kinds.count("incidentStatusChanged") == 2 and kinds[0] == "incidentCreated"
    assert document["incident"]["incidentID"] == "1"


def test_usage_errors_and_failures_on_a_local_store(env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "local.db")
    ok(env, "declare", "--db", db, "Replica lag on orders-db")
    assert refused(env, 1, "show", "--db", db, "999") == "incident-tui: no incident #999\n"
    assert refused(env, 1, "note", "--db", db, "INC-42", "hello") == (
        "incident-tui: no incident #42\n"
    )
    query = refused(env, 2, "ls", "--db", db, "status:active (")
    assert "malformed query" in query and "col " in query
    assert "unknown severity 'sev9'" in refused(
        env, 2, "declare", "--db", db, "x", "--severity", "sev9"
    )
    assert "the note is empty" in refused(env, 2, "note", "--db", db, "1", "-", stdin="\n \n")
    assert "no context named 'nope'" in refused(env, 2, "ls", "--context", "nope")
    assert "cannot write" in refused(
        env, 1, "export", "--db", db, "1", "-o", str(tmp_path / "no" / "x.md")
    )
    # a read-only run refuses a change: the backend's answer, exit 1, nothing written
    assert "read-only" in refused(env, 1, "--readonly", "resolve", "--db", db, "1")
    assert json.loads(ok(env, "show", "--db", db, "1", "--json"))["status"] == "active"


def _on_a_terminal(env: dict[str, str], *args: str) -> str:
    """Run a command with its standard output on a pseudo-terminal; what it wrote."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [*COMMAND, *args], stdin=subprocess.DEVNULL, stdout=slave,
            stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
    finally:
        os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        assert proc.wait(60) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_data_never_reaches_it_raw(
    env: dict[str, str], tmp_path: Path
) -> None:
    import asyncio

    db = tmp_path / "local.db"

    async def declare() -> None:
        backend = await SqliteBackend.open(db, ALICE)
        try:
            await backend.create_incident(
                m.CreateIncidentRequest(
                    title="Pwned \x1b]0;owned\x07 \x1b[31mred\x1b[0m \x9b2J title",
                    severity="critical",
                )
            )
        finally:
            await backend.close()

    asyncio.run(declare())
    coloured = _on_a_terminal(env, "ls", "--db", str(db))
    assert "\x1b[1;31mcritical" in coloured  # SEV1 in bold red, the word still there
    assert "\x1b]" not in coloured and "\x1b[31mred" not in coloured and "\x9b" not in coloured
    assert "\u241b" in coloured  # the escape shown as a visible picture
    plain = _on_a_terminal(dict(env, NO_COLOR="1"), "show", "--db", str(db), "1")
    assert "\x1b" not in plain and "\x9b" not in plain
    assert "severity   critical" in plain


def test_scripting_commands_never_load_textual_or_the_http_client(
    env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "local.db"
    code = textwrap.dedent(
        f"""
        import contextlib, io, sys
        from incident_tui.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            codes = [main(["declare", "--db", {str(db)!r}, "x"]),
                     main(["note", "--db", {str(db)!r}, "1", "a", "note"]),
                     main(["show", "--db", {str(db)!r}, "1"]),
                     main(["ls", "--db", {str(db)!r}, "--json"]),
                     main(["export", "--db", {str(db)!r}, "1"])]
        print(codes, sorted(n for n in ("textual", "httpx", "starlette", "uvicorn", "rich")
                            if n in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.stdout.strip() == "[0, 0, 0, 0, 0] []", done.stderr


# --- a remote: incident-tui serve -----------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fill(db: Path, count: int) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    stamp = "%Y-%m-%dT%H:%M:%S.000000Z"
    incidents = [
        BulkIncident(
            title=f"bulk incident {n}",
            created_at=(start + timedelta(minutes=n)).strftime(stamp),
            created_by="alice",
            items=[
                BulkItem(
                    "incidentCreated",
                    "declared the incident",
                    "alice",
                    (start + timedelta(minutes=n)).strftime(stamp),
                )
            ],
        )
        for n in range(count)
    ]
    backend = SqliteBackend(db, ALICE)
    try:
        backend.bulk_insert_sync(incidents, users=[ALICE])
    finally:
        backend._store.close_sync()


def test_every_command_against_incident_tui_serve(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    _fill(db, 130)
    tokens_path = tmp_path / "tokens.json"
    tokens = TokenStore(path=tokens_path)
    alice = tokens.issue("alice", "edit", m.UserPreview(user_id="alice", name="Alice Remote"))
    wall = tokens.issue("wallboard", "read")
    tokens.save()
    token_file = tmp_path / "alice.token"
    token_file.write_text(alice + "\n")
    token_file.chmod(0o600)

    server = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--db", str(db), "--tokens", str(tokens_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        write_config(
            env,
            f"""
            [contexts.shared]
            backend = "grafana"
            url = "{url}"
            token_file = "{token_file}"

            [contexts.wall]
            backend = "grafana"
            url = "{url}"
            token_env = "WALL_TOKEN"

            [contexts.down]
            backend = "grafana"
            url = "http://127.0.0.1:{_closed_port()}"
            token_file = "{token_file}"
            """,
        )
        env["WALL_TOKEN"] = wall

        made = json.loads(
            ok(env, "declare", "--context", "shared", "DNS failures in the cluster",
               "--severity", "major", "--label", "network", "--json")
        )  # fmt: skip
        ref = made["incidentID"]
        assert ref == "131" and made["createdByUser"]["name"] == "Alice Remote"
        ok(env, "note", "--context", "shared", f"INC-{ref}", "-", stdin="CoreDNS pods OOMKilled\n")
        assert ok(env, "--context", "shared", "resolve", f"#{ref}").startswith(f"resolved #{ref}")
        shown = json.loads(ok(env, "show", "--context", "shared", ref, "--json"))
        assert shown["status"] == "resolved" and shown["title"] == "DNS failures in the cluster"
        assert json.loads(ok(env, "reopen", "--context", "shared", ref, "--json"))["status"] == (
            "active"
        )

        # ls follows the cursor across pages up to --limit, newest first, no repeats
        many = json.loads(ok(env, "ls", "--context", "shared", "--limit", "120", "--json"))
        ids = [i["incidentID"] for i in many["incidents"]]
        assert len(ids) == 120 and len(set(ids)) == 120
        assert ids[:3] == ["131", "130", "129"] and ids[-1] == "12"
        assert len(json.loads(ok(env, "ls", "--context", "shared", "--json"))["incidents"]) == 50
        found = json.loads(ok(env, "ls", "--context", "wall", "label:network", "--json"))
        assert [i["incidentID"] for i in found["incidents"]] == [ref]

        document = json.loads(ok(env, "export", "--context", "shared", ref, "--format", "json"))
        kinds = [i["activityKind"] for i in document["activityItems"]]
        assert kinds[0] == "incidentCreated" and "userNote" in kinds
        assert kinds.count("incidentStatusChanged") == 2
        draft = ok(env, "export", "--context", "shared", ref)
        assert draft.startswith(f"# INC-{ref}: DNS failures in the cluster\n")
        assert "  CoreDNS pods OOMKilled\n" in draft and "Alice Remote" in draft

        # failures the backend reports: exit 1, one line
        assert refused(env, 1, "show", "--context", "shared", "99999") == (
            "incident-tui: no incident #99999\n"
        )
        assert "permission" in refused(env, 1, "declare", "--context", "wall", "nope").lower()
        assert refused(env, 2, "ls", "--context", "shared", "title:'unclosed")

        # an unreachable remote: exit 1, one line; a note read from a pipe is kept, not lost
        lost = refused(env, 1, "note", "--context", "down", "7", "-", stdin="typed at 3 a.m.\n")
        assert lost.startswith("incident-tui: cannot reach 127.0.0.1:")
        assert "the note was kept in " in lost
        kept = Path(lost.rsplit("the note was kept in ", 1)[1].strip())
        assert kept.read_text(encoding="utf-8") == "typed at 3 a.m.\n"
        assert kept.is_relative_to(tmp_path) and (kept.stat().st_mode & 0o777) == 0o600
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0


# --- the README's examples -----------------------------------------------------------------------


def test_readme_scripting_examples_are_valid_commands_and_queries() -> None:
    """Every ``incident-tui`` command in the README's Scripting section parses, and every
    QUERY it shows is valid query syntax (no subprocess: argparse and the query parser)."""
    import re
    import shlex

    from incident_tui.cli import SCRIPTING_COMMANDS, build_parser
    from incident_tui.query import parse

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scripting", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        for line in block.splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            stage: list[str] = []
            for word in [*lexer, "|"]:
                if word not in ("|", ">", ";", "&&"):
                    stage.append(word)
                    continue
                tools = [i for i, w in enumerate(stage) if w.endswith("incident-tui")]
                if tools:
                    commands.append(stage[tools[0] + 1 :])
                stage = [] if word != ">" else ["(redirected)"]
    shown = {next(w for w in argv if w in SCRIPTING_COMMANDS) for argv in commands}
    assert shown == set(SCRIPTING_COMMANDS)
    parser = build_parser()
    for argv in commands:
        args = parser.parse_args(argv)
        if args.command == "ls":
            parse(" ".join(args.query))


def test_note_public_is_a_usage_error_where_notes_are_all_alike(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The local store's notes have no internal/public distinction: ``--public`` is refused
    with exit 2 before anything is written, and a note read from stdin is kept."""
    db = str(tmp_path / "local.db")
    ok(env, "declare", "--db", db, "Replica lag on orders-db")
    said = refused(env, 2, "note", "--db", db, "1", "status", "page", "text", "--public")
    assert "the local store has no public notes" in said and "drop --public" in said
    said = refused(env, 2, "note", "--db", db, "1", "-", "--public", stdin="typed at 3 a.m.\n")
    kept = Path(said.split("the note was kept in ")[1].strip())
    assert kept.read_text(encoding="utf-8") == "typed at 3 a.m.\n"
    timeline = json.loads(ok(env, "export", "--db", db, "1", "--format", "json", "-o", "-"))
    assert "status page text" not in json.dumps(timeline)
    assert "typed at 3 a.m." not in json.dumps(timeline)
