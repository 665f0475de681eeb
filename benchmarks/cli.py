"""Benchmark the scripting command line: python benchmarks/cli.py [--runs 11].

Start to exit of ``incident-tui ls --json`` on the 100 000-incident store (built once by
benchmarks/store.py's builder and cached beside it), compared in the same run with
``python -c pass``, ``incident-tui --help`` and the console's own start (its first frame
under a pseudo-terminal, as benchmarks/ui.py measures it). The runs are interleaved, so
the machine's noise hits every measurement alike. Prints median (min-max) per
measurement; the goal: ``ls --json`` at most 0.25 s above ``python -c pass``.

Beside the wall time each run's CPU time (user + system, from the kernel's accounting of
the child) is printed: on a shared, loaded machine it is the closer measure of what the
command costs on an idle one, where wall time and CPU time meet.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
PASS = "python -c pass"
LS = "incident-tui ls --json"
HELP = "incident-tui --help"


def ensure_store(incidents: int, items: int, rebuild: bool, path: Path | None = None) -> Path:
    """The store benchmarks/store.py builds and caches (or ``path``), built when missing."""
    path = path or store.HERE / f"store-{incidents}-{items}.db"
    if rebuild or not path.exists():
        print(f"building {incidents:,} incidents / {items:,} items in {path} ...", flush=True)
        print(f"built in {store.build(path, incidents, items):.1f} s", flush=True)
    return path


def child_env(config: Path) -> dict[str, str]:
    env = ui.child_env(config)
    env.pop("COLUMNS", None)
    return env


CPU: dict[str, list[float]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(
    name: str, argv: list[str], env: dict[str, str], check: Callable[[str], None]
) -> float:
    """Seconds from spawn to exit (its CPU seconds go to ``CPU``); ``check`` sees standard
    output, so a failure is loud."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - started
    CPU.setdefault(name, []).append(_children_cpu() - cpu)
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
    parser.add_argument("--db", type=Path, help="store file (default: cached beside store.py)")
    args = parser.parse_args(argv)
    db = ensure_store(args.incidents, args.items, args.rebuild, args.db)

    def is_page(stdout: str) -> None:
        incidents = json.loads(stdout)["incidents"]
        assert len(incidents) == min(50, args.incidents), "not a first page"

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
            (PASS, lambda: timed_run(PASS, [PYTHON, "-c", "pass"], env, nothing)),
            (LS, lambda: timed_run(LS, ls_argv, env, is_page)),
            (HELP, lambda: timed_run(HELP, [*INCIDENT_TUI, "--help"], env, is_help)),
            ("console: first frame under a pty", lambda: console_frame(db, env)),
        ]
        for _name, run in cases:  # warm the page cache and the bytecode once
            run()
        CPU.clear()
        samples: dict[str, list[float]] = {name: [] for name, _ in cases}
        for _ in range(args.runs):
            for name, run in cases:
                samples[name].append(run())

    base = samples[PASS]
    ls = samples[LS]
    above = [b - a for a, b in zip(base, ls, strict=True)]
    cpu_base, cpu_ls = CPU[PASS], CPU[LS]
    cpu_above = [b - a for a, b in zip(cpu_base, cpu_ls, strict=True)]
    ok = statistics.median(above) <= GOAL_ABOVE_PYTHON
    load = os.getloadavg()[0]
    print(
        f"\nincident-tui ls --json: {args.incidents:,} incidents, {args.runs} interleaved runs"
        f" ({os.cpu_count()} cores, load average {load:.1f})\n"
    )
    print("| measurement | wall: median (min-max) | CPU: median (min-max) |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        cpu = CPU.get(name, [])
        print(f"| {name} | {fmt(values)} | {fmt(cpu) if cpu else '-'} |")
    print(f"| ls --json above python -c pass, per run | {fmt(above)} | {fmt(cpu_above)} |")
    verdict = "met" if ok else "NOT met"
    print(
        f"\ngoal: ls --json <= {GOAL_ABOVE_PYTHON * 1000:.0f} ms above python -c pass"
        f" (wall, median): {verdict}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
