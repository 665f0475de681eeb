"""The real ``incident-tui`` on a pseudo-terminal of 80x24, read through a VT emulator.

Tests drive it the way a terminal does: bytes written to the pty's master side (a
whole key sequence in one ``os.write`` for the burst tests), the screen read back
as text lines by ``pyte``. Waiting is always for a condition on the screen (or the
process), with generous timeouts: the machine is shared and loaded.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from pathlib import Path

import pyte

from tests.support.terminal import close_fd, console_argv, kill_and_reap, spawn

REPO = Path(__file__).resolve().parents[2]
COLS, ROWS = 80, 24


def console_env(home: Path, config: Path) -> dict[str, str]:
    """An environment whose HOME, XDG dirs and config all live under ``home``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INCIDENT_TUI_", "XDG_", "TEXTUAL")) and key != "NO_COLOR"
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        INCIDENT_TUI_CONFIG=str(config),
        TERM="xterm-256color",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
        PYTHONPATH=str(REPO),
    )
    return env


class PtyConsole:
    """One run of the console under a pty; ``screen`` is what a person would see."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = spawn(console_argv(*args), env, COLS, ROWS)
        self.vt = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.vt)
        self.returncode: int | None = None

    # --- the screen -------------------------------------------------------------
    def _pump(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed its side
            self._reap()
            return False
        if not chunk:
            self._reap()
            return False
        self.stream.feed(chunk)
        return True

    @property
    def screen(self) -> str:
        return "\n".join(line.rstrip() for line in self.vt.display)

    def wait_for(
        self, what: str | Callable[[str], bool], timeout: float = 45.0, *, why: str = ""
    ) -> str:
        """Read until ``what`` (a text, or a test of the screen) holds; the screen then."""
        test = (lambda screen: what in screen) if isinstance(what, str) else what
        deadline = time.monotonic() + timeout
        while True:
            self._pump(0.05)
            if test(self.screen):
                return self.screen
            if self.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"waited for {why or what!r}; exit={self.returncode}; screen:\n{self.screen}"
                )

    def wait_quiet(self, quiet: float = 0.6, limit: float = 20.0) -> str:
        """Read until the console writes nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() < deadline:
            if self._pump(0.05):
                last = time.monotonic()
        return self.screen

    # --- input --------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """All of ``data`` in one ``write()``: a burst, as a laggy link delivers it."""
        written = os.write(self.fd, data)
        assert written == len(data), (written, len(data))

    # --- the process ----------------------------------------------------------------
    def _reap(self) -> None:
        if self.returncode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.returncode = -1
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def hang_up(self) -> None:
        """What sshd does when the connection drops: close the terminal's master side.
        The kernel then sends SIGHUP to the console (the pty's session leader)."""
        os.close(self.fd)
        self.fd = -1

    def wait_exit(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.returncode is None and time.monotonic() < deadline:
            if self.fd >= 0:
                self._pump(0.05)
            else:
                time.sleep(0.05)
            self._reap()
        if self.returncode is None:
            raise AssertionError(f"still running after {timeout}s; screen:\n{self.screen}")
        return self.returncode

    def close(self) -> None:
        if self.returncode is None:
            kill_and_reap(self.pid)
            self.returncode = -9
        if self.fd >= 0:
            close_fd(self.fd)
            self.fd = -1

    def __enter__(self) -> PtyConsole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
