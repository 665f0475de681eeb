"""Store rules below the contract: text SQLite cannot hold is a clear refusal, never a raw
exception, and system-made (immutable) tasks refuse changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.sqlite import SqliteBackend
from incident_tui.errors import InvalidArgument

ALICE = m.UserPreview(user_id="alice", name="Alice")
LONE_SURROGATE = "cpu \ud800 spike"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteBackend]:
    backend = await SqliteBackend.open(tmp_path / "s.db", ALICE)
    yield backend
    await backend.close()


async def _declare(backend: SqliteBackend, title: str = "Disk full on db-1") -> m.Incident:
    return (await backend.create_incident(m.CreateIncidentRequest(title=title))).incident


async def test_unpaired_surrogates_are_refused_as_invalid_argument(store: SqliteBackend) -> None:
    """A UI paste can hold them (JSON cannot): the caller gets a message, not a crash."""
    iid = (await _declare(store)).incident_id
    calls = [
        lambda: store.create_incident(m.CreateIncidentRequest(title=LONE_SURROGATE)),
        lambda: store.update_title(m.UpdateTitleRequest(incident_id=iid, title=LONE_SURROGATE)),
        lambda: store.add_activity(m.AddActivityRequest(incident_id=iid, body=LONE_SURROGATE)),
        lambda: store.get_incident(m.GetIncidentRequest(incident_id=LONE_SURROGATE)),
        lambda: store.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(query_string="title:'\ud800'"))
        ),
    ]
    for call in calls:
        with pytest.raises(InvalidArgument, match="surrogates"):
            await call()
    # Nothing half-written, and the store still works.
    page = await store.query_incidents(m.QueryIncidentsRequest())
    assert [i.title for i in page.incidents] == ["Disk full on db-1"]
    assert (await _declare(store, "after")).title == "after"


async def test_system_tasks_refuse_every_change(store: SqliteBackend) -> None:
    """The store marks no task immutable itself; one imported as such must stay as it is."""
    iid = (await _declare(store)).incident_id
    task = (await store.add_task(m.AddTaskRequest(incident_id=iid, text="Page the DBA"))).task
    await store._store.run(
        lambda conn: conn.execute("UPDATE tasks SET immutable = 1 WHERE id = ?", (task.task_id,))
    )
    tid = task.task_id
    for call in (
        lambda: store.update_task_text(
            m.UpdateTaskTextRequest(incident_id=iid, task_id=tid, text="x")
        ),
        lambda: store.update_task_status(
            m.UpdateTaskStatusRequest(incident_id=iid, task_id=tid, status="done")
        ),
        lambda: store.update_task_user(
            m.UpdateTaskUserRequest(incident_id=iid, task_id=tid, user_id="bob")
        ),
        lambda: store.delete_task(m.DeleteTaskRequest(incident_id=iid, task_id=tid)),
    ):
        with pytest.raises(InvalidArgument, match="system"):
            await call()
    kept = (await store.get_incident(m.GetIncidentRequest(incident_id=iid))).incident.task_list
    assert [(t.text, t.status, t.assigned_user) for t in kept.tasks] == [
        ("Page the DBA", "todo", None)
    ]


async def test_the_config_is_read_only_when_a_nameless_backend_first_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` opens the store without a person; its reads must not touch the config."""
    import incident_tui.config as config

    reads: list[int] = []

    def counting_load_config(path: Path | None = None) -> config.Config:
        reads.append(1)
        return config.Config(user=config.UserConfig(id="cfg", name="From Config"))

    monkeypatch.setattr(config, "load_config", counting_load_config)
    backend = await SqliteBackend.open(tmp_path / "s.db")
    try:
        await backend.query_incidents(m.QueryIncidentsRequest())
        await backend.get_roles()
        assert reads == []
        created = await _declare(backend)
        await _declare(backend, "second")
        assert reads == [1]
        assert created.created_by_user.name == "From Config"
    finally:
        await backend.close()
