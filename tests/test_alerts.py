"""What the live refresh turns into notifications (ui/alerts.py), on a real SQLite store
file written by two people: bob's changes alert alice, alice's own never do; the
sequences written to the terminal carry only cleaned text."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.config import ConfigError, load_config
from incident_tui.ui.alerts import AlertWatch, look, own_change
from incident_tui.ui.terminal_out import notification_sequence, osc_text, tmux_wrap
from tests.ui.conftest import TickingClock, open_store, seed_incidents

BOB = m.UserPreview(user_id="bob", name="Bob Builder")


async def alerts_after(watch: AlertWatch, backend, me: str) -> list[tuple[str, str]]:
    found = watch.compare(await look(backend))
    return [(a.kind, a.title) for a in found if not await own_change(backend, a, me)]


def test_declared_critical_and_assigned_by_someone_else_alert_and_own_changes_do_not(
    tmp_path: Path,
) -> None:
    db = tmp_path / "store.db"

    async def scenario() -> None:
        clock = TickingClock()  # one clock for both: bob declares after alice's incidents
        alice = open_store(db, clock=clock)
        bob = open_store(db, user=BOB, clock=clock)
        try:
            made = await seed_incidents(alice)
            watch = AlertWatch("alice", ["declared", "critical", "assigned"])
            assert await alerts_after(watch, alice, "alice") == []  # the baseline
            assert await alerts_after(watch, alice, "alice") == []  # nothing changed

            new = (await bob.create_incident(m.CreateIncidentRequest(title="Kafka down"))).incident
            ref = f"#{new.incident_id}"
            assert await alerts_after(watch, alice, "alice") == [
                ("declared", f"{ref} declared (pending)")
            ]
            await alice.create_incident(m.CreateIncidentRequest(title="Mine"))
            assert await alerts_after(watch, alice, "alice") == []  # own declare

            minor = made[2].incident_id
            await bob.update_severity(
                m.UpdateSeverityRequest(incident_id=minor, severity="critical")
            )
            await bob.assign_role(
                m.AssignRoleRequest(incident_id=minor, user_id="alice", role="investigator")
            )
            await bob.add_task(
                m.AddTaskRequest(incident_id=minor, text="Check the CDN", assign_to_user_id="alice")
            )
            assert await alerts_after(watch, alice, "alice") == [
                ("critical", f"#{minor} is now critical"),
                ("assigned", f"#{minor}: you are investigator"),
                ("assigned", f"#{minor}: a task for you"),
            ]

            major = made[1].incident_id
            await alice.update_severity(
                m.UpdateSeverityRequest(incident_id=major, severity="critical")
            )
            await alice.assign_role(
                m.AssignRoleRequest(incident_id=major, user_id="alice", role="commander")
            )
            await alice.add_task(
                m.AddTaskRequest(incident_id=major, text="Mine too", assign_to_user_id="alice")
            )
            assert await alerts_after(watch, alice, "alice") == []  # all her own

            only_declared = AlertWatch("alice", ["declared"])
            only_declared.compare(await look(alice))
            await bob.update_severity(
                m.UpdateSeverityRequest(incident_id=made[3].incident_id, severity="critical")
            )
            assert only_declared.compare(await look(alice)) == []
        finally:
            await alice.close()
            await bob.close()

    asyncio.run(scenario())


def test_text_from_data_cannot_act_on_the_terminal() -> None:
    hostile = "Outage\x1b]52;c;ZXZpbA==\x07\x1b[2J;rm\x9c\x07 -rf"
    inner = osc_text(hostile)
    assert not any(ch in inner for ch in "\x1b\x07\x9c;")
    sequence = notification_sequence("#1 declared", hostile, {"TERM": "xterm-256color"})
    assert sequence.startswith("\x1b]9;") and sequence.endswith("\x07")
    assert sequence.count("\x1b") == 1 and sequence.count("\x07") == 1
    seven = notification_sequence("t;i;t", hostile, {"TERM": "rxvt-unicode-256color"})
    assert seven.startswith("\x1b]777;notify;t,i,t;") and seven.count(";") == 3
    wrapped = notification_sequence("x", "y", {"TERM": "screen", "TMUX": "/tmp/t,1,0"})
    assert wrapped == tmux_wrap("\x1b]9;x: y\x07") == "\x1bPtmux;\x1b\x1b]9;x: y\x07\x1b\\"
    # a digit first would read as a progress report ("9;4;...") in some terminals
    assert notification_sequence("4 alerts", "", {"TERM": "xterm"}) == "\x1b]9;- 4 alerts\x07"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", ["declared", "critical", "assigned"]),
        ("notify = []", []),
        ("notify = false", []),
        ('notify = ["critical", "critical"]', ["critical"]),
    ],
)
def test_notify_setting(tmp_path: Path, setting: str, expected: list[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[contexts.work]\nbackend = 'sqlite'\n{setting}\n")
    assert load_config(path).context("work").notify == expected


@pytest.mark.parametrize("setting", ['notify = ["everything"]', "notify = 3", "notify = [1]"])
def test_bad_notify_setting_is_one_clear_message(tmp_path: Path, setting: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[contexts.work]\n{setting}\n")
    with pytest.raises(ConfigError, match=r"contexts\.work\.notify"):
        load_config(path)
