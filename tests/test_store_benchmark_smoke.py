"""The store benchmark runs end to end on a small store and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_builds_a_small_store_and_reports_every_measurement(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "store.py"),
            "--incidents",
            "2000",
            "--items",
            "20000",
            "--repeat",
            "3",
            "--db",
            str(db),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode in (0, 1), result.stderr  # 1 = a target missed on a busy machine
    out = result.stdout
    assert "2,000 incidents, 20,000 timeline items" in out
    for name in (
        "first page",
        "status+severity",
        "label filter",
        "page after 1,000",
        "queryString",
        "GetIncident",
        "QueryActivity",
        "AddActivity",
    ):
        assert name in out, name
    assert db.exists()
    assert "Traceback" not in result.stderr
