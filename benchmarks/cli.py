"""Benchmark the scripting command line: python benchmarks/cli.py [--runs 11].

Start to exit of ``incident-tui ls --json`` on the 100 000-incident store (built once by
benchmarks/store.py's builder and cached beside it), compared in the same run with
``python -c pass``, ``incident-tui --help`` and the console's own start (its first frame
under a pseudo-terminal, as benchmarks/ui.py measures it). The runs are interleaved, so
the machine's noise hits every measurement alike. Prints median (min-max) per
measurement; the goal: ``ls --json`` at most 0.25 s above ``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import store  # noqa: E402
import ui  # noqa: E402

PYTHON = sys.executable
SCRIPT = Path(PYTHON).with_name("incident-tui")
INCIDENT_TUI = [str(SCRIPT)] if SCRIPT.exists() else [PYTHON, "-m", "incident_tui"]
GOAL_ABOVE_PYTHON = 0.25


def ensure_store(incidents: int, items: int, rebuild: bool) -> Path:
    path = store.HERE / f"store-{incidents}-{items}.db"
    if rebuild or not path.exists():
        print(f"building {incidents:,} incidents / {items:,} items in {path} ...", flush=True)
        print(f"built in {store.build(path, incidents, items):.1f} s", flush=True)
    return path


def child_env(config: Path) -> dict[str, str]:
    env = ui.child_env(config)
    env.pop("COLUMNS", None)
    return env


def timed_run(argv: list[str], env: dict[str, str], check: Callable[[str], None]) -> float:
    """Seconds from spawn to exit; ``check`` sees standard output (so a failure is loud)."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv[-3:]} exited {done.returncode}: {done.stderr.strip()}")
    check(done.stdout)
    return seconds


def console_frame(db: Path, env: dict[str, str]) -> float:
    """Seconds from spawn to the console's first frame (its list header) under a pty."""
    child = ui.PtyChild([*INCIDENT_TUI, "--db", str(db), "--readonly"], env=env)
    try:
        return child.read_until(b"TITLE")
    finally:
        child.close()


def fmt(samples: list[float]) -> str:
    return (
        f"{statistics.median(samples) * 1000:.0f} ms "
        f"({min(samples) * 1000:.0f}-{max(samples) * 1000:.0f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="interleaved runs (default 11)")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="build the store again")
    args = parser.parse_args(argv)
    db = ensure_store(args.incidents, args.items, args.rebuild)

    def is_page(stdout: str) -> None:
        incidents = json.loads(stdout)["incidents"]
        assert len(incidents) == 50 and incidents[0]["incidentID"], "not a page of 50"

    def is_help(stdout: str) -> None:
        assert "usage: incident-tui" in stdout

    def nothing(stdout: str) -> None:
        pass

    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config.toml"
        config.write_text("", encoding="utf-8")
        env = child_env(config)
        ls_argv = [*INCIDENT_TUI, "ls", "--db", str(db), "--json"]
        cases: list[tuple[str, Callable[[], float]]] = [
            ("python -c pass", lambda: timed_run([PYTHON, "-c", "pass"], env, nothing)),
            ("incident-tui ls --json (100k store)", lambda: timed_run(ls_argv, env, is_page)),
            ("incident-tui --help", lambda: timed_run([*INCIDENT_TUI, "--help"], env, is_help)),
            ("console: first frame under a pty", lambda: console_frame(db, env)),
        ]
        for _name, run in cases:  # warm the page cache and the bytecode once
            run()
        samples: dict[str, list[float]] = {name: [] for name, _ in cases}
        for _ in range(args.runs):
            for name, run in cases:
                samples[name].append(run())

    base = samples["python -c pass"]
    ls = samples["incident-tui ls --json (100k store)"]
    above = [b - a for a, b in zip(base, ls, strict=True)]
    ok = statistics.median(above) <= GOAL_ABOVE_PYTHON
    print(f"\nincident-tui ls --json: {args.incidents:,} incidents, {args.runs} interleaved runs\n")
    print("| measurement | median (min-max) | goal |")
    print("|---|---:|---|")
    for name, values in samples.items():
        print(f"| {name} | {fmt(values)} | |")
    print(
        f"| ls --json above python -c pass, per run | {fmt(above)} |"
        f" <= {GOAL_ABOVE_PYTHON * 1000:.0f} ms: {'met' if ok else 'NOT met'} |"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
