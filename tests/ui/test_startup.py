"""Start-up cost: the first frame (kept rows included) is drawn before the heavy parts load.

The store, pydantic and the HTTP client are opened in a thread after the first frame
(incident_tui/ui/run.py); a module-level import anywhere on the first frame's path
(a shared helper importing the wire models, say) silently puts ~100 ms back in front
of the rows. Each check runs the console in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from incident_tui.ui.rowcache import save_rows

from .test_row_cache import ROW

#: Loaded after the first frame, in the thread that opens the store.
HEAVY = ["pydantic", "sqlite3", "httpx", "incident_tui.models", "incident_tui.backends.sqlite"]

FIRST_FRAME = """
import os, sys, threading
from incident_tui.config import Config
from incident_tui.ui.app import IncidentApp

def opener(name):
    threading.Event().wait()  # the store never opens: only the first frame is seen

app = IncidentApp(
    None, Config(), install_signal_handlers=False, open_backend=opener, rows_place=sys.argv[1]
)

async def pilot(p):
    lst = app.screen.query_one("IncidentList")
    while not lst.count:
        await p.pause(0.01)
    await p.pause()
    heavy = sorted(name for name in {heavy!r} if name in sys.modules)
    print("rows", lst.count, "heavy", ",".join(heavy) or "-", flush=True)
    os._exit(0)

app.run(headless=True, size=(80, 24), auto_pilot=pilot)
"""


def test_first_frame_with_kept_rows_loads_no_store_models_or_client(tmp_path: Path) -> None:
    place = "local " + str(tmp_path / "incidents.db")
    save_rows(place, [ROW])
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME.replace("{heavy!r}", repr(HEAVY)), place],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rows", "1", "heavy", "-"]
