"""``incident-tui token`` and ``incident-tui serve`` as a person runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from incident_tui.cli import main
from incident_tui.server.tokens import TokenStore, hash_token

REPO = Path(__file__).resolve().parents[1]


def env_for(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["INCIDENT_TUI_CONFIG"] = str(tmp_path / "config.toml")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    env["PYTHONPATH"] = str(REPO)
    return env


# --- tokens ------------------------------------------------------------------------------


def test_token_add_prints_once_and_stores_only_a_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = tmp_path / "conf" / "tokens.json"
    assert main(["token", "add", "alice", "--scope", "read", "--user-name", "Alice A",
                 "--email", "a@example.com", "--tokens", str(tokens)]) == 0  # fmt: skip
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("itui_") and len(token) > 40
    assert token not in out.err
    raw = tokens.read_text()
    assert token not in raw
    assert hash_token(token.encode()).hex() in raw
    assert (tokens.stat().st_mode & 0o777) == 0o600
    assert (tokens.parent.stat().st_mode & 0o777) == 0o700
    entry = json.loads(raw)["tokens"][0]
    assert entry["scope"] == "read"
    assert entry["user"] == {"id": "alice", "name": "Alice A", "email": "a@example.com"}
    found = TokenStore.load(tokens).lookup(token.encode())
    assert found is not None and found.user.name == "Alice A" and not found.can_edit


def test_token_file_in_a_directory_the_user_chose_leaves_its_mode_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "ops"
    shared.mkdir()
    os.chmod(shared, 0o755)
    assert main(["token", "add", "alice", "--tokens", str(shared / "tokens.json")]) == 0
    capsys.readouterr()
    assert (shared.stat().st_mode & 0o777) == 0o755
    assert ((shared / "tokens.json").stat().st_mode & 0o777) == 0o600


def test_token_list_and_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tokens = str(tmp_path / "tokens.json")
    main(["token", "add", "alice", "--tokens", tokens])
    main(["token", "add", "bot", "--scope", "read", "--tokens", tokens])
    capsys.readouterr()
    assert main(["token", "list", "--tokens", tokens]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "edit" in listing and "bot" in listing and "read" in listing
    assert "itui_" not in listing
    assert main(["token", "revoke", "alice", "--tokens", tokens]) == 0
    assert main(["token", "revoke", "alice", "--tokens", tokens]) == 1
    capsys.readouterr()
    main(["token", "list", "--tokens", tokens])
    assert "alice" not in capsys.readouterr().out


def test_token_add_refuses_duplicates_and_bad_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = str(tmp_path / "tokens.json")
    assert main(["token", "add", "alice", "--tokens", tokens]) == 0
    assert main(["token", "add", "alice", "--tokens", tokens]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["token", "add", "bad name", "--tokens", tokens]) == 2
    assert main(["token", "add", "a/b", "--tokens", tokens]) == 2
    assert main(["token", "add", "x" * 65, "--tokens", tokens]) == 2


def test_broken_tokens_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text("{not json")
    assert main(["token", "list", "--tokens", str(tokens)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_lookup_is_by_hash_and_compares_bytes() -> None:
    store = TokenStore()
    token = store.issue("alice", "edit")
    assert store.lookup(token.encode()) is not None
    assert store.lookup(token.encode() + b"x") is None
    assert store.lookup("tökén".encode("latin-1")) is None


# --- serve ---------------------------------------------------------------------------------


def start_serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "serve", "--port", "0",
         "--db", str(tmp_path / "store.db"), "--tokens", str(tmp_path / "tokens.json"), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(tmp_path),
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url:
        proc.wait(10)
        pytest.fail(f"serve printed no url: {proc.stderr.read() if proc.stderr else ''}")
    return proc, url


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_url_serves_and_stops_cleanly(tmp_path: Path, sig: int) -> None:
    store = TokenStore.load(tmp_path / "tokens.json")
    token = store.issue("alice", "edit")
    store.save()
    proc, url = start_serve(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        with httpx.Client(base_url=url, timeout=10) as http:
            resp = http.post(
                "/api/plugins/grafana-irm-app/resources/api/v1/IncidentsService.CreateIncident",
                json={"title": "served"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert resp.status_code == 200, resp.text
        assert resp.json()["incident"]["createdByUser"]["userID"] == "alice"
    finally:
        proc.send_signal(sig)
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    err = proc.stderr.read() if proc.stderr else ""
    assert code == 0, err
    assert "stopped" in err
    assert "CreateIncident 200" in err  # the request log ...
    assert token not in err  # ... never carries the token
    assert "Traceback" not in err


def test_serve_without_tokens_explains_how_to_add_one(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "incident_tui", "serve", "--port", "0",
         "--db", str(tmp_path / "s.db"), "--tokens", str(tmp_path / "none.json")],
        capture_output=True, text=True, env=env_for(tmp_path), timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert "incident-tui token add" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_serve_on_a_store_that_cannot_be_created_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = tmp_path / "tokens.json"
    assert main(["token", "add", "alice", "--tokens", str(tokens)]) == 0
    capsys.readouterr()
    args = ["serve", "--db", "/proc/nope/x.db", "--tokens", str(tokens), "--port", "0"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "cannot create the folder /proc/nope" in err and "Traceback" not in err


def test_serve_on_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    store = TokenStore.load(tmp_path / "tokens.json")
    store.issue("alice", "edit")
    store.save()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "incident_tui", "serve", "--port", str(port),
             "--db", str(tmp_path / "s.db"), "--tokens", str(tmp_path / "tokens.json")],
            capture_output=True, text=True, env=env_for(tmp_path), timeout=30,
        )  # fmt: skip
    assert done.returncode == 2
    assert "cannot listen" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 20


def test_unwritable_tokens_path_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["token", "add", "alice", "--tokens", str(blocker / "tokens.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    if Path("/proc/self").exists():  # a directory nobody can create, even root
        assert main(["token", "add", "alice", "--tokens", "/proc/nope/tokens.json"]) == 2
        err = capsys.readouterr().err
        assert "cannot write" in err and "Traceback" not in err


def test_serve_runs_on_uvloop() -> None:
    """``serve``'s event loop is libuv's (the abuse tests run the real command on it)."""
    import asyncio

    import uvloop

    from incident_tui.server.app import run_server

    async def loop_kind() -> int:
        return 1 if isinstance(asyncio.get_running_loop(), uvloop.Loop) else 0

    assert run_server(loop_kind()) == 1
