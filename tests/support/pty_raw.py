"""The real ``incident-tui`` binary in a pseudo-terminal, for tests that type at it, read what
it draws, and kill it (``kill -9``) like a dropped SSH session would.

What it draws is kept as raw bytes; tests wait for single words that Textual writes in one
run (a styled run never splits a word). ``close()`` always ends the process.
"""

from __future__ import annotations

import os
import threading
import time

from tests.support.terminal import close_fd, console_argv, kill_and_reap, spawn

WAIT = 60.0


class PtyConsole:
    def __init__(self, env: dict[str, str], *args: str, cols: int = 100, rows: int = 30) -> None:
        self.pid, self.fd = spawn(console_argv(*args), dict(env, TERM="xterm-256color"), cols, rows)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        self.status: int | None = None

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def mark(self) -> int:
        """Where the output is now: ``wait_for(..., since=mark)`` looks only after it."""
        with self._lock:
            return len(self._output)

    def wait_for(self, word: str, *, since: int = 0, timeout: float = WAIT) -> None:
        needle = word.encode("utf-8")
        deadline = time.monotonic() + timeout
        while needle not in self.output[since:]:
            if time.monotonic() > deadline or not self.alive():
                tail = self.output[-3000:].decode("utf-8", "replace")
                raise AssertionError(f"the console never showed {word!r}; last output:\n{tail}")
            time.sleep(0.05)

    def send(self, data: str | bytes) -> None:
        os.write(self.fd, data.encode("utf-8") if isinstance(data, str) else data)

    def alive(self) -> bool:
        if self.status is not None:
            return False
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.status = status
            return False
        return True

    def kill9(self) -> None:
        if self.alive():
            self.status = kill_and_reap(self.pid)

    def quit(self, timeout: float = 15.0) -> None:
        """``ctrl+q``, as a person leaves; killed if it does not go."""
        if self.alive():
            self.send(b"\x11")
            deadline = time.monotonic() + timeout
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        self.kill9()

    def close(self) -> None:
        self.kill9()
        close_fd(self.fd)
        self._reader.join(5)
