"""The list's first rows kept from the last run: shown at once on start, then replaced."""

from __future__ import annotations

import dataclasses
import json
import stat
import threading
from pathlib import Path

from incident_tui.config import Config
from incident_tui.ui.rowcache import cache_path, load_rows, save_rows
from incident_tui.ui.widgets.incident_list import IncidentList, IncidentRow

from .conftest import open_store
from .incident_support import settle, wait_for

ROW = IncidentRow(
    incident_id="77",
    severity="critical",
    status="active",
    is_drill=False,
    title="Kept from the last run",
    labels=("db", "api"),
    commander="Alice",
    incident_start="2026-01-01T10:00:00Z",
    incident_end="",
    created_time="2026-01-01T10:00:00Z",
    duration_seconds=0,
    tasks_done=1,
    tasks_total=2,
)


def test_rows_round_trip_in_a_private_file_per_place():
    save_rows("local /a.db", [ROW, dataclasses.replace(ROW, incident_id="78", mark="QUEUED")])
    assert load_rows("local /a.db") == [ROW]  # a row only in the outbox is not kept
    assert load_rows("local /b.db") == []
    assert stat.S_IMODE(cache_path("local /a.db").stat().st_mode) == 0o600


def test_a_damaged_or_foreign_file_gives_no_rows():
    path = cache_path("local /a.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    for text in [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"place": "local /other.db", "rows": []}),
        json.dumps({"place": "local /a.db", "rows": [{"incident_id": 5}]}),
        json.dumps(
            {
                "place": "local /a.db",
                "rows": [dict(dataclasses.asdict(ROW), tasks_done="1", labels=["db"])],
            }
        ),
    ]:
        path.write_text(text)
        assert load_rows("local /a.db") == []


async def test_kept_rows_show_before_the_store_opens_then_its_rows_replace_them(tmp_path: Path):
    from incident_tui.ui.app import IncidentApp

    place = "local " + str(tmp_path / "slow.db")
    save_rows(place, [ROW])
    seeded = open_store(tmp_path / "slow.db")
    from incident_tui import models as m

    await seeded.create_incident(m.CreateIncidentRequest(title="Really in the store"))
    await seeded.close()
    release = threading.Event()

    def opener(name: str):
        release.wait(30)
        return open_store(tmp_path / "slow.db")

    app = IncidentApp(
        None, Config(), install_signal_handlers=False, open_backend=opener, rows_place=place
    )
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        lst = app.screen.query_one(IncidentList)
        await wait_for(lambda: lst.count == 1)
        assert lst.highlighted == ROW and not app.has_backend
        release.set()
        await wait_for(
            lambda: (
                app.has_backend
                and lst.highlighted is not None
                and lst.highlighted.title == "Really in the store"
            )
        )
        await settle(pilot)
        assert lst.count == 1
    kept = load_rows(place)  # the real first rows are kept for the next start
    assert [r.title for r in kept] == ["Really in the store"]
