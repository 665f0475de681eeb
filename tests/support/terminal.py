"""Starting the real ``incident-tui`` under a pseudo-terminal, and ending it.

Two readers sit on top: ``pty_raw`` keeps the raw bytes (for tests that look for escape
sequences or words), ``pty_console`` feeds them to a VT emulator (for tests that read
the screen as a person sees it).
"""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import sys
import termios
from pathlib import Path


def console_argv(*args: str) -> list[str]:
    """The installed ``incident-tui`` entry point, or ``python -m incident_tui`` without it."""
    executable = Path(sys.executable).with_name("incident-tui")
    if executable.exists():
        return [str(executable), *args]
    return [sys.executable, "-m", "incident_tui", *args]


def spawn(argv: list[str], env: dict[str, str], cols: int, rows: int) -> tuple[int, int]:
    """Fork ``argv`` on a new pty of ``cols`` x ``rows``; the child's pid and the master fd."""
    pid, fd = os.forkpty()
    if pid == 0:  # the child: a terminal of a fixed size, then the console
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, dict(env, COLUMNS=str(cols), LINES=str(rows)))
        finally:
            os._exit(127)
    return pid, fd


def kill_and_reap(pid: int) -> int | None:
    """SIGKILL ``pid`` if it still runs and collect it; its wait status when collected here."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def close_fd(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
