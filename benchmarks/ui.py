"""Benchmark the console: python benchmarks/ui.py [--incidents 100000] [--quick] [--only ...].

Measures what a person meets on the 100 000-incident / 1 000 000-item store, each as
median (min–max) and, where there is a reference, as a ratio to it:

- start to the first incident ROW on screen (and to the first frame), under a pty and
  headless, versus a bare Textual app started in the same run, runs interleaved
  (target: rows <= 1.3x the bare app);
- one cursor move and one page down at N incidents versus 100, near the top of the list;
- page down at depth 50 000 (reached by holding page down) at 80x24 and 200x60, versus
  page down near the top (target: <= 20 ms at 200x60 at any depth), and the speed of
  holding page down;
- bytes written per cursor move that does not scroll and per one-line scroll step, at
  80x24 and 200x60; holding ``j`` (30 keys/s): lag after the last key, bytes per key;
- filter: each word typed at 8 keys/s, time from the LAST key to the settled list (the
  last write to the list's rows; the list is checked against the store's own answer),
  per word and overall (target: p50 <= 35 ms): title words, timeline-only words and
  query-language terms;
- idle over 3 minutes (past the once-a-minute redraw): CPU, bytes written, requests per
  poll interval.

Stores are built once through the store's bulk path (benchmarks/store.py's generator,
ten timeline items per incident) and cached under /tmp/incident-tui-bench
(INCIDENT_TUI_BENCH_DIR to move it). The load average is printed with the table.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
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
#: Starts as run_console does (collection off until the first frame), headless.
HEADLESS_OURS = """
import gc, sys, time
gc.disable()
from pathlib import Path
from incident_tui.config import Config
from incident_tui.ui.app import IncidentApp
from incident_tui.ui.run import ContextOpener, collect_from_now_on
cfg = Config()
opener = ContextOpener(cfg, "local", Path(sys.argv[1]), True, False)
app = IncidentApp(
    None, cfg, readonly=True, open_backend=opener, install_signal_handlers=False,
    rows_place=f"local {opener.place('local')}", after_first_frame=collect_from_now_on,
)
async def pilot(p):
    print("frame", time.time(), flush=True)
    while not app.screen.query("IncidentList") or not app.screen.query_one("IncidentList").count:
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

#: Typed into the filter line at 8 keys/s: title words (services and symptoms), words that
#: appear only in timelines (in nearly every incident of the 1M-item store), query terms.
FILTER_WORDS = [
    "dns",
    "redis",
    "latency",
    "geocoder",
    "checkout",
    "timeouts",
    "rollback",
    "vacuum",
    "failover",
    "hotfix",
    "contention",
    "retries",
    "label:db",
    "status:active",
    "severity:critical",
    "title:cart",
    "isdrill:true",
]
TIMELINE_WORDS = {"rollback", "vacuum", "failover", "hotfix", "contention", "retries"}
PAGE_DOWN = b"\x1b[6~"


# --- stores ------------------------------------------------------------------

BENCH_DIR = Path(os.environ.get("INCIDENT_TUI_BENCH_DIR", "/tmp/incident-tui-bench"))
ITEMS_PER_INCIDENT = 10  # the 1 000 000-item store at 100 000 incidents


def store_path(incidents: int) -> Path:
    return BENCH_DIR / f"ui-{incidents}-{incidents * ITEMS_PER_INCIDENT}.db"


def ensure_store(incidents: int, rebuild: bool = False) -> Path:
    path = store_path(incidents)
    if path.exists() and not rebuild:
        return path
    from store import build

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    building = path.with_name(f"{path.name}.{os.getpid()}.building")
    took = build(building, incidents, incidents * ITEMS_PER_INCIDENT)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    building.replace(path)
    print(f"built {path} in {took:.1f} s", file=sys.stderr)
    return path


# --- a child process under a pty ------------------------------------------------------


class PtyChild:
    """A process on a pseudo-terminal of a given size; reads what it writes.

    With ``screen=True`` the output also feeds a VT emulator (pyte), whose dirty lines
    tell which screen rows each write touched.
    """

    def __init__(
        self,
        argv: list[str],
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        screen: bool = False,
    ):
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], argv, env or os.environ.copy())
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.vt: Any = None
        if screen:
            import pyte

            self.vt = pyte.Screen(cols, rows)
            self._stream = pyte.ByteStream(self.vt)
        #: (arrival time, screen rows written) per chunk read, when ``screen``.
        self.writes: list[tuple[float, set[int]]] = []

    def read_until(self, marker: bytes, timeout: float = 30.0) -> float:
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
        ready, _, _ = select.select([self.fd], [], [], max(wait, 0))
        if not ready:
            return 0
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return 0
        self.output += chunk
        if self.vt is not None:
            self._stream.feed(chunk)
            self.writes.append((time.perf_counter(), set(self.vt.dirty)))
            self.vt.dirty.clear()
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

    def lines(self) -> list[str]:
        return list(self.vt.display) if self.vt is not None else []

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


def child_env(config: Path, poll: float | None = None, scroll: str = "") -> dict[str, str]:
    env = os.environ.copy()
    state = config.parent / "state"
    env.update(
        TERM="xterm-256color",
        INCIDENT_TUI_CONFIG=str(config),
        INCIDENT_TUI_STATE_DIR=str(state),
        XDG_STATE_HOME=str(state),
        XDG_CACHE_HOME=str(config.parent / "cache"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("NO_COLOR", None)
    env.pop("TEXTUAL", None)
    # An installed package has its bytecode compiled; measure that, not source compiles.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    config.write_text(
        (f"poll_interval = {poll}\n" if poll else "") + (f'scroll = "{scroll}"\n' if scroll else "")
    )
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


#: "▶#123": the cursor row (one styled run, so it is never split by escape codes).
CURSOR_ROW = re.compile(rb"\xe2\x96\xb6#(\d+)")


def cursor_ref(output: bytes | bytearray, since: int = 0) -> int | None:
    """The reference on the last cursor row drawn after ``since``."""
    found = list(CURSOR_ROW.finditer(output, since))
    return int(found[-1].group(1)) if found else None


# --- measurements ---------------------------------------------------------------------


def startup_pty(db: Path, config: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds to the first frame (the console's chrome, keys live), to the first
    incident row, and to a bare Textual app's first frame (runs interleaved)."""
    marker = first_row_marker(db) + b" "
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


def timed_key(child: PtyChild, key: bytes, quiet: float = 0.15, gap: float = 0.06) -> float:
    """Seconds from ``key`` to the last byte of the update it caused: output is read until
    the cursor row has been drawn and then nothing comes for ``gap`` seconds."""
    child.drain(quiet=quiet)
    mark = len(child.output)
    started = time.perf_counter()
    child.send(key)
    last = started
    deadline = started + 5.0
    while time.perf_counter() < deadline:
        if child._read(gap):
            last = time.perf_counter()
        elif last > started and CURSOR_ROW.search(child.output, mark):
            break
    return last - started


def key_latency_pty(db: Path, config: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds from a key (cursor down / page down) to the end of the screen update, pty,
    near the top of the list (its first pages)."""
    child = PtyChild(console_argv(db), env=child_env(config, poll=3600))
    try:
        child.read_until(first_row_marker(db))
        child.drain(quiet=0.8)
        for _ in range(2):  # warm up: pages cached, styles computed
            for _ in range(4):
                timed_key(child, PAGE_DOWN)
            timed_key(child, b"g")
        moves: list[float] = []
        while len(moves) < repeat:
            for _ in range(15):
                moves.append(timed_key(child, b"j"))
            timed_key(child, b"g")
        pages: list[float] = []
        while len(pages) < repeat:
            for _ in range(4):
                pages.append(timed_key(child, PAGE_DOWN))
            timed_key(child, b"g")
        return moves, pages
    finally:
        child.close()


def paging_at_depth(
    db: Path, config: Path, size: tuple[int, int], depth: int, repeat: int
) -> dict[str, Any]:
    """Page down near the top; hold page down to ``depth`` rows; page down there.

    Holding is bursts of 20 page-down keys (a key repeat that outruns the screen). The
    depth is read from the reference on the cursor row: newest first, so the row at
    depth d of the generated store shows about #(N - d).
    """
    cols, rows = size
    child = PtyChild(console_argv(db), cols=cols, rows=rows, env=child_env(config, poll=3600))
    try:
        top_ref = int(first_row_marker(db)[1:])
        child.read_until(first_row_marker(db) + b" ")
        child.drain(quiet=0.8)
        top = [timed_key(child, PAGE_DOWN, quiet=0.2) for _ in range(min(repeat, 8))]
        started = time.perf_counter()
        keys = 0
        while True:
            mark = len(child.output)
            child.send(PAGE_DOWN * 20)
            keys += 20
            child.drain(quiet=0.1, limit=30)
            ref = cursor_ref(child.output, mark)
            if ref is not None and top_ref - ref >= depth:
                break
            if time.perf_counter() - started > 600:
                raise TimeoutError(f"depth {depth} not reached in 10 min (at #{ref})")
        held = time.perf_counter() - started
        reached = top_ref - (cursor_ref(child.output) or top_ref)
        deep = [timed_key(child, PAGE_DOWN, quiet=0.2) for _ in range(repeat)]
        return {
            "top": top,
            "deep": deep,
            "held_seconds": held,
            "held_keys": keys,
            "reached": reached,
        }
    finally:
        child.close()


def scroll_bytes_pty(
    db: Path, config: Path, size: tuple[int, int], scroll: str = ""
) -> dict[str, Any]:
    """Bytes per cursor move that does not scroll and per one-line scroll step (with
    ``scroll = "jump"``: per move past the edge, most of which do not scroll); then ``j``
    held at 30 keys/s for 2 s: bytes per key and lag from the last key to the last byte."""
    cols, rows = size
    env = child_env(config, poll=3600, scroll=scroll)
    child = PtyChild(console_argv(db), cols=cols, rows=rows, env=env)
    try:
        child.read_until(first_row_marker(db) + b" ")
        child.drain(quiet=0.8)
        per_move: list[int] = []
        # The list is shorter than the terminal: the last 30 of these moves all scroll.
        for _ in range(rows + 30):
            child.send(b"j")
            per_move.append(child.drain(quiet=0.12))
        still, scrolls = per_move[:5], per_move[-30:]
        child.drain(quiet=0.5)
        total, sent, period = 0, 60, 1 / 30
        start = time.perf_counter()
        for n in range(sent):
            while (wait := start + n * period - time.perf_counter()) > 0:
                total += child._read(wait)
            child.send(b"j")
        last_key = last_byte = time.perf_counter()
        while time.perf_counter() - last_byte < 0.3:
            got = child._read(0.02)
            if got:
                total += got
                last_byte = time.perf_counter()
        return {
            "still": still,
            "scrolls": scrolls,
            "held_lag": last_byte - last_key,
            "held_bytes_per_key": total / sent,
        }
    finally:
        child.close()


def top_rows(db: Path, words: list[str]) -> dict[str, str | None]:
    """The reference the list shows first for each word (the UI's query, straight to the
    store); None where the word is not a valid query."""
    from incident_tui import models as m
    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.errors import BackendError

    async def run() -> dict[str, str | None]:
        backend = await SqliteBackend.open(db, readonly=True)
        tops: dict[str, str | None] = {}
        try:
            for word in words:
                query = m.IncidentsQuery(
                    limit=1, query_string=word, order_field="createdTime", order_direction="DESC"
                )
                try:
                    response = await backend.query_incidents(m.QueryIncidentsRequest(query=query))
                except BackendError:
                    tops[word] = None
                    continue
                tops[word] = response.incidents[0].incident_id if response.incidents else ""
        finally:
            await backend.close()
        return tops

    return asyncio.run(run())


def lines_top(lines: list[str], rows: set[int]) -> str:
    """The reference on the first list row shown ("" when none)."""
    for n in sorted(rows):
        match = re.match(r"\s*▶?(#\d+)", lines[n])
        if match:
            return match.group(1)
    return ""


def filter_settle_pty(
    db: Path, config: Path, words: list[str], reps: int, keys_per_second: float = 8.0
) -> tuple[dict[str, list[float]], int]:
    """Per word: seconds from the last key (typed at ``keys_per_second``) to the last write
    to the list's rows (the settled list); and how many settled lists did not start with
    the store's own first row for the word (should be 0)."""
    tops = top_rows(db, words)
    child = PtyChild(console_argv(db), env=child_env(config, poll=3600), screen=True)
    period = 1 / keys_per_second
    settle: dict[str, list[float]] = {word: [] for word in words}
    wrong = 0
    try:
        child.read_until(first_row_marker(db) + b" ")
        child.drain(quiet=0.8)
        child.send(b"/")
        child.drain(quiet=0.5)
        lines = child.lines()
        header = next(n for n, line in enumerate(lines) if "REF" in line and "TITLE" in line)
        field = next(n for n, line in enumerate(lines) if "filter:" in line and n > header)
        list_rows = set(range(header + 1, field))

        def settled_after(since: float, limit: float = 5.0) -> float:
            """Read until the list's rows have not been written for 0.6 s."""
            deadline = time.perf_counter() + limit
            seen = len(child.writes)
            last = since
            while time.perf_counter() < deadline and time.perf_counter() - last < 0.6:
                child._read(0.02)
                for at, dirty in child.writes[seen:]:
                    if dirty & list_rows:
                        last = max(last, at)
                seen = len(child.writes)
            return last - since

        for _ in range(reps):
            for word in words:
                start = time.perf_counter()
                for n, char in enumerate(word):
                    while (wait := start + n * period - time.perf_counter()) > 0:
                        child._read(wait)
                    child.send(char.encode())
                settle[word].append(settled_after(time.perf_counter()))
                top = tops[word]
                if top is not None and lines_top(child.lines(), list_rows) != (
                    f"#{top}" if top else ""
                ):
                    wrong += 1
                child.send(b"\x15")  # ctrl+u: clear the field
                settled_after(time.perf_counter())
    finally:
        child.close()
    return settle, wrong


def idle_pty(db: Path, config: Path, seconds: float) -> tuple[int, float, int]:
    """Bytes written, CPU seconds and write bursts of an idle console (2 s poll)."""
    child = PtyChild(console_argv(db), env=child_env(config, poll=2.0))
    try:
        child.read_until(first_row_marker(db) + b" ")
        child.drain(quiet=1.0)
        cpu_before = child.cpu_seconds()
        written = bursts = 0
        end = time.perf_counter() + seconds
        last = 0.0
        while time.perf_counter() < end:
            got = child._read(0.2)
            if got:
                written += got
                now = time.perf_counter()
                if now - last > 0.5:
                    bursts += 1
                last = now
        return written, child.cpu_seconds() - cpu_before, bursts
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


def spread(values: list[float], scale: float = 1000.0, unit: str = "ms", digits: int = 1) -> str:
    """``median (min–max) unit``."""
    lo, mid, hi = (v * scale for v in (min(values), med(values), max(values)))
    return f"{mid:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f}) {unit}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9, help="start-up samples per app")
    parser.add_argument("--repeat", type=int, default=40, help="key samples")
    parser.add_argument("--depth", type=int, default=50_000, help="rows deep for paging")
    parser.add_argument("--reps", type=int, default=3, help="times each filter word is typed")
    parser.add_argument("--idle", type=float, default=190.0, help="idle seconds watched")
    parser.add_argument("--quick", action="store_true", help="fewer samples (smoke test)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        choices=["startup", "keys", "depth", "bytes", "filter", "idle"],
        help="run only these parts",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.repeat, args.reps, args.idle = 2, 10, 1, 10.0
        args.depth = min(args.depth, 2_000)
    depth = min(args.depth, args.incidents * 3 // 4)
    big = ensure_store(args.incidents, args.rebuild)
    small = ensure_store(100, args.rebuild)
    rows: list[tuple[str, str, str, bool]] = []
    details: list[str] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"

        def want(part: str) -> bool:
            return not args.only or part in args.only

        if want("startup"):
            frame, first_row, bare = startup_pty(big, config, args.runs)
            ratio = med(first_row) / med(bare)
            rows.append(
                (
                    "start to first incident row on screen, pty (ours / bare app)",
                    f"{spread(first_row, digits=0)} / {spread(bare, digits=0)} = {ratio:.2f}x",
                    "<= 1.3x",
                    ratio <= 1.3,
                )
            )
            rows.append(
                (
                    "start to first frame, pty (ours; ratio to the bare app)",
                    f"{spread(frame, digits=0)} = {med(frame) / med(bare):.2f}x",
                    "-",
                    True,
                )
            )
            frame, first_row, bare = startup_headless(big, config, args.runs)
            ratio = med(first_row) / med(bare)
            rows.append(
                (
                    "start to first incident row, headless (ours / bare app)",
                    f"{spread(first_row, digits=0)} / {spread(bare, digits=0)} = {ratio:.2f}x",
                    "<= 1.3x",
                    ratio <= 1.3,
                )
            )

        if want("keys"):
            moves_big, pages_big = key_latency_pty(big, config, args.repeat)
            moves_small, pages_small = key_latency_pty(small, config, args.repeat)
            ratio = med(moves_big) / med(moves_small)
            rows.append(
                (
                    f"cursor move, {args.incidents} vs 100 incidents (key to last byte, 80x24)",
                    f"{spread(moves_big)} / {spread(moves_small)} = {ratio:.2f}x",
                    "<= 1.2x",
                    ratio <= 1.2,
                )
            )
            ratio = med(pages_big) / med(pages_small)
            rows.append(
                (
                    f"page down near the top, {args.incidents} vs 100 incidents (80x24)",
                    f"{spread(pages_big)} / {spread(pages_small)} = {ratio:.2f}x",
                    "<= 1.2x",
                    ratio <= 1.2,
                )
            )

        if want("depth"):
            for size in ((80, 24), (200, 60)):
                got = paging_at_depth(big, config, size, depth, args.repeat)
                ratio = med(got["deep"]) / med(got["top"])
                wide = size == (200, 60)
                label = f"{size[0]}x{size[1]}"
                rows.append(
                    (
                        f"page down at depth {got['reached']}, {label} (/ near the top)",
                        f"{spread(got['deep'])}, p90 {pct(got['deep'], 0.9) * 1000:.1f} ms"
                        f" / {spread(got['top'])} = {ratio:.2f}x",
                        "<= 20 ms" if wide else "-",
                        med(got["deep"]) <= 0.020 if wide else True,
                    )
                )
                rows.append(
                    (
                        f"holding page down to depth {got['reached']}, {label}",
                        f"{got['held_seconds']:.1f} s = "
                        f"{got['reached'] / got['held_seconds']:.0f} rows/s"
                        f" ({got['held_keys']} keys sent)",
                        "-",
                        True,
                    )
                )

        if want("bytes"):
            for size in ((80, 24), (200, 60)):
                got = scroll_bytes_pty(big, config, size)
                label = f"{size[0]}x{size[1]}"
                still = [float(v) for v in got["still"]]
                scrolls = [float(v) for v in got["scrolls"]]
                rows.append(
                    (
                        f"bytes per cursor move without scrolling, {label}",
                        spread(still, 1, "B", 0),
                        "<= 600 B",
                        med(still) <= 600,
                    )
                )
                rows.append(
                    (
                        f"bytes per one-line scroll step, {label}",
                        f"{spread(scrolls, 1, 'B', 0)} = {med(scrolls) / max(med(still), 1):.1f}x"
                        " a move that does not scroll",
                        "-",
                        True,
                    )
                )
                jump = scroll_bytes_pty(big, config, size, scroll="jump")
                past = [float(v) for v in jump["scrolls"]]
                rows.append(
                    (
                        f'bytes per move past the edge, scroll = "jump", {label}',
                        f"{statistics.mean(past):.0f} B mean over {len(past)} moves"
                        f" = {statistics.mean(past) / max(med(scrolls), 1):.2f}x a one-line step",
                        "-",
                        True,
                    )
                )
                rows.append(
                    (
                        f"holding j (30 keys/s for 2 s), {label}",
                        f"{got['held_lag'] * 1000:.0f} ms from the last key to the last byte,"
                        f" {got['held_bytes_per_key']:.0f} B per key",
                        "-",
                        True,
                    )
                )

        if want("filter"):
            settle, wrong = filter_settle_pty(big, config, FILTER_WORDS, args.reps)
            every = [v for values in settle.values() for v in values]
            timeline = [v for w in FILTER_WORDS if w in TIMELINE_WORDS for v in settle[w]]
            rows.append(
                (
                    "filter: last key to settled list, each word typed at 8 keys/s (80x24)",
                    f"{spread(every)}, p90 {pct(every, 0.9) * 1000:.1f} ms, n={len(every)}"
                    + (f"; {wrong} settled lists not the store's answer" if wrong else ""),
                    "p50 <= 35 ms",
                    med(every) <= 0.035 and not wrong,
                )
            )
            rows.append(
                (
                    "… timeline-only words",
                    f"{spread(timeline)}, n={len(timeline)}",
                    "p50 <= 35 ms",
                    med(timeline) <= 0.035,
                )
            )
            details.append("| filter word (typed at 8 keys/s) | last key to settled list |")
            details.append("|---|---|")
            for word, values in settle.items():
                details.append(f"| `{word}` | {spread(values)} |")

        if want("idle"):
            written, cpu, bursts = idle_pty(big, config, args.idle)
            rows.append(
                (
                    f"idle over {args.idle:.0f} s, pty (2 s poll)",
                    f"{cpu / args.idle * 100:.2f} % CPU, {written} B written in {bursts} bursts",
                    "no burn",
                    cpu / args.idle < 0.02,
                )
            )
            poll = 2.0
            calls, cpu = asyncio.run(idle_requests(big, args.idle, poll))
            per_poll = sum(calls.values()) / (args.idle / poll)
            detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
            rows.append(
                (
                    f"idle requests per 2 s poll, headless over {args.idle:.0f} s",
                    f"{per_poll:.2f} ({detail}); {cpu / args.idle * 100:.2f} % CPU",
                    "<= 1",
                    per_poll <= 1.0,
                )
            )

    load_after = os.getloadavg()
    print(
        f"\nUI benchmark: {args.incidents} incidents, {args.incidents * ITEMS_PER_INCIDENT}"
        f" timeline items; median (min–max), {'quick' if args.quick else 'full'} run;"
        f" load average {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end"
        f" ({os.cpu_count()} cores)\n"
    )
    print("| measurement | result | target | ok |")
    print("|---|---|---|---|")
    for name, result, target, ok in rows:
        print(f"| {name} | {result} | {target} | {'yes' if ok else 'NO'} |")
    if details:
        print()
        print("\n".join(details))
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
