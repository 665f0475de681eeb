"""Benchmark the console: python benchmarks/ui.py [--incidents 100000] [--quick].

Measures, with medians, against the issue's targets:

- start to first usable frame (the first incident row on screen), under a pty and
  headless, versus a bare Textual app measured in the same run (ratio <= 1.3);
- one cursor move and one page down at N incidents versus 100 (ratio <= 1.2), headless;
- bytes written to the terminal for one cursor move at 80x24, under a pty (<= 600);
- filter keystroke to redrawn list, headless (<= 50 ms);
- idle: CPU time, bytes written and backend requests per poll interval.

The stores are built once through the store's bulk path (benchmarks/store.py's
generator, one timeline item per incident) and cached beside this file.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PYTHON = sys.executable
BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-app-ready")
Bare().run()
"""
HEADLESS_OURS = """
import sys, time
from pathlib import Path
from typing import Any
from incident_tui.config import Config
from incident_tui.ui.app import IncidentApp
from incident_tui.ui.run import ContextOpener
cfg = Config()
opener = ContextOpener(cfg, "local", Path(sys.argv[1]), True, False)
app = IncidentApp(None, cfg, readonly=True, open_backend=opener, install_signal_handlers=False)
async def pilot(p):
    print("frame", time.time(), flush=True)
    while not (app.has_backend and app.screen.query_one("IncidentList").count):
        await p.pause(0.002)
    print("row", time.time(), flush=True)
    app.exit()
app.run(headless=True, size=(80, 24), auto_pilot=pilot)
"""
HEADLESS_BARE = """
import time
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-app-ready")
async def pilot(p):
    print("frame", time.time(), flush=True)
    p.app.exit()
Bare().run(headless=True, size=(80, 24), auto_pilot=pilot)
"""


#: Typed into the filter line one key at a time (services and symptoms of the store).
FILTER_WORDS = [
    "dns",
    "redis",
    "kafka",
    "disk",
    "latency",
    "auth",
    "geocoder",
    "checkout",
    "inventory",
    "billing",
    "search",
    "cart",
    "ingress",
    "scheduler",
    "mobile",
    "export",
    "gateway",
    "queue",
    "timeouts",
    "packet",
    "label:db",
    "status:active",
    "severity:critical",
]


# --- stores ------------------------------------------------------------------


def store_path(incidents: int) -> Path:
    return HERE / f"ui-{incidents}.db"


def ensure_store(incidents: int, rebuild: bool = False) -> Path:
    path = store_path(incidents)
    if path.exists() and not rebuild:
        return path
    from store import PEOPLE, generate

    from incident_tui.backends.sqlite import SqliteBackend

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    backend = SqliteBackend(path, PEOPLE[0])
    backend.bulk_insert_sync(generate(incidents, incidents), users=PEOPLE)
    backend._store.run_sync(lambda conn: conn.execute("ANALYZE"))
    backend._store.run_sync(lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    backend._store.close_sync()
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


# --- a child process under a pty ------------------------------------------------------


class PtyChild:
    """A process on a pseudo-terminal of a given size; reads what it writes."""

    def __init__(
        self, argv: list[str], cols: int = 80, rows: int = 24, env: dict[str, str] | None = None
    ):
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], argv, env or os.environ.copy())
        self.pid, self.fd = pid, fd
        self.output = bytearray()

    def read_until(self, marker: bytes, timeout: float = 20.0) -> float:
        """Seconds from spawn until ``marker`` appeared in the output."""
        deadline = time.perf_counter() + timeout
        while marker not in self.output:
            if time.perf_counter() > deadline:
                raise TimeoutError(
                    f"{marker!r} not seen; last output {bytes(self.output[-300:])!r}"
                )
            self._read(0.05)
        return time.perf_counter() - self.started

    def _read(self, wait: float) -> int:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return 0
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return 0
        self.output += chunk
        return len(chunk)

    def drain(self, quiet: float = 0.3, limit: float = 5.0) -> int:
        """Read until nothing arrives for ``quiet`` seconds; bytes read."""
        total = 0
        deadline = time.perf_counter() + limit
        last = time.perf_counter()
        while time.perf_counter() - last < quiet and time.perf_counter() < deadline:
            got = self._read(0.02)
            if got:
                total += got
                last = time.perf_counter()
        return total

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)


def child_env(config: Path, poll: float | None = None) -> dict[str, str]:
    env = os.environ.copy()
    env.update(TERM="xterm-256color", INCIDENT_TUI_CONFIG=str(config), PYTHONPATH=str(ROOT))
    env.pop("NO_COLOR", None)
    env.pop("TEXTUAL", None)
    # An installed package has its bytecode compiled; measure that, not source compiles.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if poll:
        config.write_text(f"poll_interval = {poll}\n")
    return env


def console_argv(db: Path) -> list[str]:
    return [PYTHON, "-m", "incident_tui", "--db", str(db), "--readonly"]


def first_row_marker(db: Path) -> bytes:
    """The reference of the newest incident, which the first frame shows first."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (seq,) = conn.execute(
            "SELECT seq FROM incidents ORDER BY created_at DESC, seq DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return f"#{seq}".encode()


# --- measurements ---------------------------------------------------------------------


def startup_pty(db: Path, config: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds to the first frame (the console's chrome, keys live), to the first
    incident row, and to a bare Textual app's first frame."""
    marker = first_row_marker(db)
    frame: list[float] = []
    first_row: list[float] = []
    bare: list[float] = []
    for _ in range(runs):  # alternate, so machine noise hits both alike
        child = PtyChild([PYTHON, "-c", BARE_APP], env=child_env(config))
        try:
            bare.append(child.read_until(b"bare-app-ready"))
        finally:
            child.close()
        child = PtyChild(console_argv(db), env=child_env(config))
        try:
            frame.append(child.read_until(b"TITLE"))
            first_row.append(child.read_until(marker))
        finally:
            child.close()
    return frame, first_row, bare


def startup_headless(
    db: Path, config: Path, runs: int
) -> tuple[list[float], list[float], list[float]]:
    """Headless (no terminal): seconds from spawn to the first frame, to the first row,
    and to a bare app's first frame (each child prints the time it got there)."""
    import subprocess

    env = child_env(config)

    def marks(argv: list[str]) -> dict[str, float]:
        started = time.time()
        done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
        return {
            name: float(value) - started
            for name, value in (line.split() for line in done.stdout.splitlines() if line.strip())
        }

    frame: list[float] = []
    first_row: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        bare.append(marks([PYTHON, "-c", HEADLESS_BARE])["frame"])
        ours = marks([PYTHON, "-c", HEADLESS_OURS, str(db)])
        frame.append(ours["frame"])
        first_row.append(ours["row"])
    return frame, first_row, bare


def cursor_bytes_pty(
    db: Path, config: Path, moves: int
) -> tuple[list[int], list[int], int, float, float]:
    """Bytes per cursor move and per page down; then idle bytes and CPU over 10 s (2 s poll)."""
    child = PtyChild(console_argv(db), env=child_env(config, poll=2.0))
    try:
        child.read_until(first_row_marker(db))
        child.drain(quiet=0.8)
        per_move: list[int] = []
        for _ in range(moves):
            child.send(b"j")
            per_move.append(child.drain())
        child.send(b"g")
        child.drain()
        per_page: list[int] = []
        for _ in range(5):
            child.send(b"\x1b[6~")  # page down
            per_page.append(child.drain())
        child.drain(quiet=1.0)
        idle_seconds = 10.0
        cpu_before = child.cpu_seconds()
        idle_bytes = 0
        end = time.perf_counter() + idle_seconds
        while time.perf_counter() < end:
            idle_bytes += child._read(0.1)
        cpu = child.cpu_seconds() - cpu_before
        return per_move, per_page, idle_bytes, cpu, idle_seconds
    finally:
        child.close()


class Counting:
    """Wraps a backend, counting calls by method name."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name.startswith("_"):
            return target

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return await target(*args, **kwargs)

        return counted

    @property
    def capabilities(self) -> Any:
        return self._inner.capabilities


def make_app(db: Path, **kwargs: Any) -> Any:
    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.config import Config
    from incident_tui.ui.app import IncidentApp

    backend = Counting(SqliteBackend(db, readonly=True))
    app = IncidentApp(backend, Config(), install_signal_handlers=False, **kwargs)
    return app, backend


def key_latency_pty(db: Path, config: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds from a key (cursor down / page down) to the end of the screen update, pty."""
    child = PtyChild(console_argv(db), env=child_env(config, poll=3600))

    def timed(key: bytes) -> float:
        child.drain(quiet=0.15)
        started = time.perf_counter()
        child.send(key)
        last = started
        deadline = started + 2.0
        while time.perf_counter() < deadline:
            if child._read(0.05):
                last = time.perf_counter()
            elif last > started:
                break
        return last - started

    try:
        child.read_until(first_row_marker(db))
        child.drain(quiet=0.8)
        for _ in range(2):  # warm up: pages cached, styles computed
            for _ in range(4):
                timed(b"\x1b[6~")
            timed(b"g")
        moves: list[float] = []
        while len(moves) < repeat:
            for _ in range(15):
                moves.append(timed(b"j"))
            timed(b"g")
        pages: list[float] = []
        while len(pages) < repeat:
            for _ in range(4):
                pages.append(timed(b"\x1b[6~"))
            timed(b"g")
        return moves, pages
    finally:
        child.close()


def top_rows(db: Path, words: list[str]) -> dict[str, str | None]:
    """The reference the list shows first for each typed prefix (same query as the UI);
    None where the prefix is not a valid query yet (the list does not change)."""
    from incident_tui import models as m
    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.errors import BackendError

    async def run() -> dict[str, str | None]:
        backend = await SqliteBackend.open(db, readonly=True)
        tops: dict[str, str | None] = {}
        try:
            for word in words:
                for end in range(1, len(word) + 1):
                    query = m.IncidentsQuery(
                        limit=1,
                        query_string=word[:end],
                        order_field="createdTime",
                        order_direction="DESC",
                    )
                    try:
                        response = await backend.query_incidents(
                            m.QueryIncidentsRequest(query=query)
                        )
                    except BackendError:  # half-typed syntax: the list stays as it was
                        tops[word[:end]] = None
                        continue
                    tops[word[:end]] = (
                        response.incidents[0].incident_id if response.incidents else ""
                    )
        finally:
            await backend.close()
        return tops

    return asyncio.run(run())


def filter_latency_pty(db: Path, config: Path, words: list[str]) -> list[float]:
    """Seconds from a filter keystroke to the new first row on the terminal, pty.

    Only keystrokes that change the first row are timed (otherwise nothing marks
    the redraw in the output).
    """
    tops = top_rows(db, words)
    child = PtyChild(console_argv(db), env=child_env(config, poll=3600))
    samples: list[float] = []
    try:
        first = first_row_marker(db)
        child.read_until(first)
        child.drain(quiet=0.8)
        child.send(b"/")
        child.drain()
        for word in words:
            previous = first.decode().lstrip("#")
            for end in range(1, len(word) + 1):
                child.drain(quiet=0.15)
                mark = len(child.output)
                started = time.perf_counter()
                child.send(word[end - 1].encode())
                top = tops[word[:end]]
                if top is None or top == previous:
                    continue  # nothing on screen marks the redraw: not timed
                marker = f"#{top} ".encode() if top else b"No incidents match"
                deadline = started + 5
                while marker not in child.output[mark:] and time.perf_counter() < deadline:
                    child._read(0.005)
                samples.append(time.perf_counter() - started)
                previous = top
            for _ in word:
                child.send(b"\x7f")
            child.drain(quiet=0.3)
    finally:
        child.close()
    return samples


async def idle_requests(db: Path, seconds: float, poll: float) -> tuple[dict[str, int], float]:
    from incident_tui.ui.headless import settle

    app, backend = make_app(db, poll_interval=poll)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        backend.calls.clear()
        cpu = time.process_time()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu
        return dict(backend.calls), cpu


# --- report ----------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="start-up samples per app")
    parser.add_argument("--repeat", type=int, default=60, help="key samples")
    parser.add_argument("--quick", action="store_true", help="fewer samples (smoke test)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        choices=["startup", "keys", "bytes", "filter", "idle"],
        help="run only these parts",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.repeat = 2, 15
    big = ensure_store(args.incidents, args.rebuild)
    small = ensure_store(100, args.rebuild)
    rows: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"

        def want(part: str) -> bool:
            return not args.only or part in args.only

        if want("startup"):
            frame, first_row, bare = startup_pty(big, config, args.runs)
            ratio = med(frame) / med(bare)
            rows.append(
                (
                    "start to first frame, pty (ours / bare)",
                    f"{med(frame) * 1000:.0f} / {med(bare) * 1000:.0f} ms = {ratio:.2f}x",
                    "<= 1.3x",
                    ratio <= 1.3,
                )
            )
            rows.append(
                (
                    "start to first incident row, pty",
                    f"{med(first_row) * 1000:.0f} ms = {med(first_row) / med(bare):.2f}x bare",
                    "-",
                    True,
                )
            )
            frame, first_row, bare = startup_headless(big, config, args.runs)
            ratio = med(frame) / med(bare)
            rows.append(
                (
                    "start to first frame, headless (ours / bare)",
                    f"{med(frame) * 1000:.0f} / {med(bare) * 1000:.0f} ms = {ratio:.2f}x",
                    "<= 1.3x",
                    ratio <= 1.3,
                )
            )
            rows.append(
                (
                    "start to first incident row, headless",
                    f"{med(first_row) * 1000:.0f} ms = {med(first_row) / med(bare):.2f}x bare",
                    "-",
                    True,
                )
            )

        if want("keys"):
            moves_big, pages_big = key_latency_pty(big, config, args.repeat)
            moves_small, pages_small = key_latency_pty(small, config, args.repeat)
            ratio = med(moves_big) / med(moves_small)
            rows.append(
                (
                    f"cursor move, {args.incidents} vs 100 (key to last byte, pty)",
                    f"{med(moves_big) * 1000:.2f} / {med(moves_small) * 1000:.2f} ms = {ratio:.2f}x",
                    "<= 1.2x",
                    ratio <= 1.2,
                )
            )
            ratio = med(pages_big) / med(pages_small)
            rows.append(
                (
                    f"page down, {args.incidents} vs 100 (key to last byte, pty)",
                    f"{med(pages_big) * 1000:.2f} / {med(pages_small) * 1000:.2f} ms = {ratio:.2f}x",
                    "<= 1.2x",
                    ratio <= 1.2,
                )
            )

        if want("bytes"):
            per_move, per_page, idle_bytes, idle_cpu, idle_s = cursor_bytes_pty(big, config, 15)
            rows.append(
                (
                    "bytes per cursor move, 80x24 pty",
                    f"{med(per_move):.0f} B (max {max(per_move)})",
                    "<= 600 B",
                    med(per_move) <= 600,
                )
            )
            rows.append(("bytes per page down, 80x24 pty", f"{med(per_page):.0f} B", "-", True))
            rows.append(
                (
                    "idle CPU and output, pty child over 10 s (2 s poll)",
                    f"{idle_cpu / idle_s * 100:.2f} % CPU, {idle_bytes} B written",
                    "no burn",
                    idle_cpu / idle_s < 0.02,
                )
            )

        if want("filter"):
            samples = filter_latency_pty(big, config, FILTER_WORDS)
            p90 = sorted(samples)[int(len(samples) * 0.9)]
            rows.append(
                (
                    "filter keystroke to redrawn list, pty",
                    f"{med(samples) * 1000:.1f} ms (p90 {p90 * 1000:.1f}, n={len(samples)})",
                    "<= 50 ms",
                    med(samples) <= 0.05,
                )
            )

        if want("idle"):
            poll = 2.0
            calls, cpu = asyncio.run(idle_requests(big, 10.0, poll))
            per_poll = sum(calls.values()) / (10.0 / poll)
            detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
            rows.append(
                (
                    "idle requests per poll interval (2 s), headless",
                    f"{per_poll:.1f} ({detail})",
                    "<= 1",
                    per_poll <= 1.0,
                )
            )
            rows.append(
                (
                    "idle CPU, headless over 10 s",
                    f"{cpu / 10 * 100:.2f} %",
                    "no burn",
                    cpu / 10 < 0.02,
                )
            )

    print(
        f"\nUI benchmark: {args.incidents} incidents, medians ({'quick' if args.quick else 'full'} run)\n"
    )
    print("| measurement | result | target | ok |")
    print("|---|---|---|---|")
    for name, result, target, ok in rows:
        print(f"| {name} | {result} | {target} | {'yes' if ok else 'NO'} |")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
