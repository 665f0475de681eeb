"""``incident-tui serve`` as a real process on 127.0.0.1, for tests that stop, restart,
freeze (SIGSTOP) and thaw (SIGCONT) the remote under a console.

The server keeps its port across restarts, so a client (or a console) pointed at it
sees the same URL come back. ``close()`` always thaws and ends the process, so a
failing test never leaves a frozen server behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from incident_tui import models as m
from incident_tui.server.tokens import TokenStore

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    """One ``incident-tui serve`` over ``db`` with its own tokens file, on a fixed port."""

    def __init__(self, tmp: Path, *, port: int | None = None) -> None:
        self.tmp = tmp
        self.db = tmp / "shared.db"
        self.tokens_path = tmp / "tokens.json"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tmp / "serve.log"
        self.env = dict(os.environ)
        self.env.update(
            HOME=str(tmp),
            XDG_CONFIG_HOME=str(tmp / ".config"),
            XDG_DATA_HOME=str(tmp / ".local" / "share"),
            XDG_STATE_HOME=str(tmp / ".local" / "state"),
            PYTHONPATH=str(REPO),
        )

    def token(self, name: str, scope: str = "edit", user_name: str = "") -> str:
        store = TokenStore.load(self.tokens_path)
        token = store.issue(name, scope, m.UserPreview(user_id=name, name=user_name or name))
        store.save()
        return token

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "incident_tui", "serve", "--port", str(self.port),
                 "--db", str(self.db), "--tokens", str(self.tokens_path)],
                stdout=subprocess.DEVNULL, stderr=log, env=self.env,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("serve did not start listening")

    def stop(self) -> None:
        """SIGTERM and wait: the port refuses connections until ``start()``."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGCONT)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections; nothing answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.thaw()
        self.stop()
