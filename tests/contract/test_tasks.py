"""TasksService: a task list whose counts are always derived from its tasks."""

from __future__ import annotations

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import InvalidArgument, NotFound

from .conftest import ALICE, BOB
from .helpers import declare, get, kinds, last_item

pytestmark = pytest.mark.asyncio


async def add(
    backend: Backend, incident_id: str, text: str = "Check the replica", **kw
) -> m.AddTaskResponse:
    return await backend.add_task(m.AddTaskRequest(incident_id=incident_id, text=text, **kw))


def counts(task_list: m.TaskList) -> tuple[int, int]:
    assert type(task_list.todo_count) is int and type(task_list.done_count) is int
    return task_list.todo_count, task_list.done_count


@pytest.mark.needs("add_task", "create_incident", "query_activity")
async def test_adding_a_task_writes_task_added_item(backend: Backend):
    incident = await declare(backend)
    response = await add(backend, incident.incident_id, "Page the DBA")
    task = response.task
    assert task.task_id and task.text == "Page the DBA"
    assert task.status == "todo"
    assert task.author_user is not None and task.author_user.user_id == ALICE.user_id
    assert response.incident_id == incident.incident_id
    assert [t.task_id for t in response.task_list.tasks] == [task.task_id]
    assert counts(response.task_list) == (1, 0)
    item = await last_item(backend, incident.incident_id, "taskAdded")
    assert item.user.user_id == ALICE.user_id


@pytest.mark.needs("add_task", "create_incident", "get_incident")
async def test_task_list_appears_on_the_incident(backend: Backend):
    incident = await declare(backend)
    await add(backend, incident.incident_id, "one")
    await add(backend, incident.incident_id, "two")
    fetched = await get(backend, incident.incident_id)
    assert [t.text for t in fetched.task_list.tasks] == ["one", "two"]
    assert counts(fetched.task_list) == (2, 0)


@pytest.mark.needs("add_task", "create_incident")
async def test_adding_a_task_assigned_to_someone(backend: Backend):
    incident = await declare(backend)
    response = await add(backend, incident.incident_id, "Mine", assign_to_user_id=ALICE.user_id)
    assert response.task.assigned_user is not None
    assert response.task.assigned_user.user_id == ALICE.user_id


@pytest.mark.needs("add_task", "create_incident", "get_incident")
@pytest.mark.parametrize("text", ["", "   ", "z" * 10_000])
async def test_blank_or_overlong_task_text_is_refused(backend: Backend, text: str):
    incident = await declare(backend)
    with pytest.raises(InvalidArgument):
        await add(backend, incident.incident_id, text)
    assert (await get(backend, incident.incident_id)).task_list.tasks == []


@pytest.mark.needs("add_task")
async def test_task_on_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await add(backend, "nope")


@pytest.mark.needs("add_task", "create_incident", "get_incident", "update_task_status")
async def test_counts_follow_status_changes(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    a = (await add(backend, iid, "a")).task
    b = (await add(backend, iid, "b")).task
    await add(backend, iid, "c")
    response = await backend.update_task_status(
        m.UpdateTaskStatusRequest(incident_id=iid, task_id=a.task_id, status="done")
    )
    assert response.task.status == "done"
    assert counts(response.task_list) == (2, 1)
    response = await backend.update_task_status(
        m.UpdateTaskStatusRequest(incident_id=iid, task_id=b.task_id, status="progress")
    )
    # A task in progress is not done: it still counts as to do.
    assert counts(response.task_list) == (2, 1)
    assert counts((await get(backend, iid)).task_list) == (2, 1)
    response = await backend.update_task_status(
        m.UpdateTaskStatusRequest(incident_id=iid, task_id=a.task_id, status="todo")
    )
    assert counts(response.task_list) == (3, 0)


@pytest.mark.needs("add_task", "create_incident", "query_activity", "update_task_status")
async def test_completing_a_task_writes_an_item(backend: Backend, other: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    task = (await add(backend, iid)).task
    before = len(await kinds(backend, iid))
    await other.update_task_status(
        m.UpdateTaskStatusRequest(incident_id=iid, task_id=task.task_id, status="done")
    )
    after = await kinds(backend, iid)
    assert len(after) == before + 1
    assert after[-1] in ("taskCompleted", "taskUpdated")
    item = await last_item(backend, iid, after[-1])
    assert item.user.user_id == BOB.user_id


@pytest.mark.needs("add_task", "create_incident", "update_task_status")
@pytest.mark.parametrize("status", ["", "finished", "DONE!"])
async def test_bad_task_status_is_refused(backend: Backend, status: str):
    incident = await declare(backend)
    task = (await add(backend, incident.incident_id)).task
    with pytest.raises(InvalidArgument):
        await backend.update_task_status(
            m.UpdateTaskStatusRequest(
                incident_id=incident.incident_id, task_id=task.task_id, status=status
            )
        )


@pytest.mark.needs(
    "add_task", "create_incident", "get_incident", "query_activity", "update_task_text"
)
async def test_editing_task_text_writes_task_updated_item(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    task = (await add(backend, iid, "old")).task
    response = await backend.update_task_text(
        m.UpdateTaskTextRequest(incident_id=iid, task_id=task.task_id, text="new [b]text[/b]")
    )
    assert response.task.text == "new [b]text[/b]"
    assert [t.text for t in (await get(backend, iid)).task_list.tasks] == ["new [b]text[/b]"]
    assert (await kinds(backend, iid))[-1] == "taskUpdated"


@pytest.mark.needs("add_task", "create_incident", "update_task_text")
@pytest.mark.parametrize("text", ["", "  ", "q" * 10_000])
async def test_blank_or_overlong_new_task_text_is_refused(backend: Backend, text: str):
    incident = await declare(backend)
    task = (await add(backend, incident.incident_id, "keep")).task
    with pytest.raises(InvalidArgument):
        await backend.update_task_text(
            m.UpdateTaskTextRequest(
                incident_id=incident.incident_id, task_id=task.task_id, text=text
            )
        )


@pytest.mark.needs(
    "add_activity", "add_task", "create_incident", "get_incident", "update_task_user"
)
async def test_assigning_and_clearing_a_task_user(backend: Backend, other: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    # Bob writes a note first so the store knows him.
    await other.add_activity(
        m.AddActivityRequest(incident_id=iid, activity_kind="userNote", body="here")
    )
    task = (await add(backend, iid)).task
    response = await backend.update_task_user(
        m.UpdateTaskUserRequest(incident_id=iid, task_id=task.task_id, user_id=BOB.user_id)
    )
    assert response.task.assigned_user is not None
    assert response.task.assigned_user.user_id == BOB.user_id
    assert response.task.assigned_user.name == BOB.name
    response = await backend.update_task_user(
        m.UpdateTaskUserRequest(incident_id=iid, task_id=task.task_id, user_id="")
    )
    assert response.task.assigned_user is None or response.task.assigned_user.user_id == ""
    fetched = (await get(backend, iid)).task_list.tasks[0]
    assert fetched.assigned_user is None or fetched.assigned_user.user_id == ""


@pytest.mark.needs(
    "add_task",
    "create_incident",
    "delete_task",
    "get_incident",
    "query_activity",
    "update_task_status",
)
async def test_deleting_a_task_writes_task_deleted_item(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    keep = (await add(backend, iid, "keep")).task
    drop = (await add(backend, iid, "drop")).task
    await backend.update_task_status(
        m.UpdateTaskStatusRequest(incident_id=iid, task_id=drop.task_id, status="done")
    )
    response = await backend.delete_task(m.DeleteTaskRequest(incident_id=iid, task_id=drop.task_id))
    assert [t.task_id for t in response.task_list.tasks] == [keep.task_id]
    assert counts(response.task_list) == (1, 0)
    assert response.incident_id == iid
    assert [t.task_id for t in (await get(backend, iid)).task_list.tasks] == [keep.task_id]
    assert (await kinds(backend, iid))[-1] == "taskDeleted"


@pytest.mark.needs(
    "create_incident", "delete_task", "update_task_status", "update_task_text", "update_task_user"
)
@pytest.mark.parametrize(
    "method", ["update_task_status", "update_task_text", "update_task_user", "delete_task"]
)
async def test_unknown_task_is_not_found(backend: Backend, method: str):
    incident = await declare(backend)
    request = _task_request(method, incident.incident_id, "no-such-task")
    with pytest.raises(NotFound):
        await getattr(backend, method)(request)


@pytest.mark.needs(
    "add_task",
    "create_incident",
    "delete_task",
    "get_incident",
    "update_task_status",
    "update_task_text",
    "update_task_user",
)
@pytest.mark.parametrize(
    "method", ["update_task_status", "update_task_text", "update_task_user", "delete_task"]
)
async def test_task_of_another_incident_is_not_found(backend: Backend, method: str):
    owner = await declare(backend, "owner")
    stranger = await declare(backend, "stranger")
    task = (await add(backend, owner.incident_id)).task
    request = _task_request(method, stranger.incident_id, task.task_id)
    with pytest.raises(NotFound):
        await getattr(backend, method)(request)
    assert len((await get(backend, owner.incident_id)).task_list.tasks) == 1


@pytest.mark.needs("delete_task", "update_task_status", "update_task_text", "update_task_user")
@pytest.mark.parametrize(
    "method", ["update_task_status", "update_task_text", "update_task_user", "delete_task"]
)
async def test_task_in_unknown_incident_is_not_found(backend: Backend, method: str):
    with pytest.raises(NotFound):
        await getattr(backend, method)(_task_request(method, "nope", "no-such-task"))


def _task_request(method: str, incident_id: str, task_id: str) -> m.Request:
    if method == "update_task_status":
        return m.UpdateTaskStatusRequest(incident_id=incident_id, task_id=task_id, status="done")
    if method == "update_task_text":
        return m.UpdateTaskTextRequest(incident_id=incident_id, task_id=task_id, text="x")
    if method == "update_task_user":
        return m.UpdateTaskUserRequest(
            incident_id=incident_id, task_id=task_id, user_id=ALICE.user_id
        )
    return m.DeleteTaskRequest(incident_id=incident_id, task_id=task_id)
