"""The README's two remote recipes, run as written (config blocks taken from the page itself),
in subprocesses with their own HOME/XDG dirs. Our server stands in for a Grafana stack."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "README.md"


def toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / ".config"),
        XDG_DATA_HOME=str(tmp_path / ".local" / "share"),
        XDG_STATE_HOME=str(tmp_path / ".local" / "state"),
        PYTHONPATH=str(REPO),
    )
    for name in ("INCIDENT_TUI_CONFIG", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    return env


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "incident_tui", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def private_write(env: dict[str, str], path: str, text: str) -> None:
    """The page's ``(umask 077; cat > FILE)`` step."""
    subprocess.run(
        ["sh", "-c", f"mkdir -p ~/.config/incident-tui && (umask 077; cat > {path})"],
        input=text, text=True, env=env, check=True, timeout=30,
    )  # fmt: skip


def python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0


def test_recipe_share_one_store_on_a_jump_host(home: dict[str, str], tmp_path: Path) -> None:
    added = cli(home, "token", "add", "alice", "--user-name", "Alice Example",
                "--email", "alice@example.com")  # fmt: skip
    assert added.returncode == 0, added.stderr
    alice_token = added.stdout.strip()
    wallboard = cli(home, "token", "add", "wallboard", "--scope", "read").stdout.strip()
    listing = cli(home, "token", "list").stdout
    assert "alice" in listing and "wallboard" in listing
    tokens_at = cli(home, "locate", "tokens").stdout.strip()
    assert tokens_at.startswith(str(tmp_path))

    proc, url = serve(home)
    try:
        private_write(home, "~/.config/incident-tui/jump.token", alice_token + "\n")
        token_file = tmp_path / ".config" / "incident-tui" / "jump.token"
        assert (token_file.stat().st_mode & 0o777) == 0o600
        shared = next(block for block in toml_blocks() if "contexts.shared" in block)
        config = shared.replace("http://127.0.0.1:8787", url)
        config += textwrap.dedent(
            f"""
            [contexts.wall]
            backend = "grafana"
            url = "{url}"
            token_env = "WALL_TOKEN"
            """
        )
        (tmp_path / ".config" / "incident-tui" / "config.toml").write_text(config)
        out = python(
            dict(home, WALL_TOKEN=wallboard),
            """
            import asyncio
            from incident_tui import models as m
            from incident_tui.errors import PermissionDenied
            from incident_tui.backends.factory import open_backend
            from incident_tui.config import load_config

            async def main():
                cfg = load_config()
                backend = open_backend(cfg, None, None, False)   # current_context = shared
                made = await backend.create_incident(m.CreateIncidentRequest(title="db down"))
                print("author", made.incident.created_by_user.name)
                await backend.close()
                wall = open_backend(cfg, "wall", None, False)
                page = await wall.query_incidents(m.QueryIncidentsRequest())
                print("wall sees", [i.title for i in page.incidents])
                try:
                    await wall.create_incident(m.CreateIncidentRequest(title="nope"))
                except PermissionDenied:
                    print("wall refused")
                await wall.close()

            asyncio.run(main())
            """,
        )
        assert "author Alice Example" in out
        assert "wall sees ['db down']" in out
        assert "wall refused" in out
        screen = run_console_briefly(home)
        assert "db down" in screen
    finally:
        stop(proc)
    store = Path(cli(home, "locate", "data").stdout.strip())
    assert store.exists() and str(store).startswith(str(tmp_path))


def test_recipe_connect_to_grafana_with_each_token_source(
    home: dict[str, str], tmp_path: Path
) -> None:
    token = cli(home, "token", "add", "svc-account").stdout.strip()
    proc, url = serve(home)  # stands in for https://mystack.grafana.net
    try:
        private_write(home, "~/.config/incident-tui/grafana.token", token + "\n")
        prod = next(block for block in toml_blocks() if "contexts.prod" in block)
        variants = {
            "file": prod,
            "command": prod.replace(
                'token_file = "~/.config/incident-tui/grafana.token"\n', ""
            ).replace("# token_command = ", "token_command = "),
            "env": prod.replace(
                'token_file = "~/.config/incident-tui/grafana.token"\n', ""
            ).replace("# token_env = ", "token_env = "),
        }
        variants["command"] = variants["command"].replace(
            "pass show grafana/incident", f"cat {tmp_path}/.config/incident-tui/grafana.token"
        )
        for plugin in ("grafana-irm-app", "grafana-incident-app"):
            for name, block in variants.items():
                config = block.replace("https://mystack.grafana.net", url).replace(
                    'plugin = "grafana-irm-app"', f'plugin = "{plugin}"'
                )
                (tmp_path / ".config" / "incident-tui" / "config.toml").write_text(config)
                out = python(
                    dict(home, GRAFANA_INCIDENT_TOKEN=token),
                    """
                    import asyncio
                    from incident_tui import models as m
                    from incident_tui.backends.factory import open_backend
                    from incident_tui.config import load_config

                    async def main():
                        backend = open_backend(load_config(), "prod", None, False)
                        roles = await backend.get_roles()
                        print("prefix", backend.prefix)
                        print("roles", len(roles.roles) > 0)
                        await backend.close()

                    asyncio.run(main())
                    """,
                )
                assert "roles True" in out, (name, plugin, out)
                assert f"/api/plugins/{plugin}/resources/api/v1/" in out
    finally:
        stop(proc)


def run_console_briefly(env: dict[str, str], seconds: float = 6.0) -> str:
    """Start ``incident-tui`` in a pseudo-terminal, read the screen, quit with ctrl+q."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(sys.executable, [sys.executable, "-m", "incident_tui"],
                   dict(env, TERM="xterm-256color", COLUMNS="100", LINES="30"))  # fmt: skip
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunks.append(os.read(fd, 65536))
                except OSError:
                    break
            if b"db down" in b"".join(chunks):
                break
        os.write(fd, b"\x11")  # ctrl+q
        end = time.monotonic() + 5
        while time.monotonic() < end:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunks.append(os.read(fd, 65536))
                except OSError:
                    pass
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
