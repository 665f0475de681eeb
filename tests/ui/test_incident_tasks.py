"""Tasks tab: add, edit, status keys, assign / clear, delete; counts stay right."""

from __future__ import annotations

from incident_tui import models as m
from incident_tui.ui.dialogs import ChoicePicker, ConfirmDialog, TextPrompt
from incident_tui.ui.screens.incident_tasks import TasksPane

from .incident_support import get_incident, incident_view, kinds, press, screen_text, type_text


def tasks_by_text(incident: m.Incident) -> dict[str, m.Task]:
    return {task.text: task for task in incident.task_list.tasks}


async def test_tasks_tab_lists_status_words_and_counts(make_app) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        text = screen_text(pilot)
        assert "[ ] todo" in text and "Roll back deploy 4711" in text
        assert "[x] done" in text and "Page the payments team" in text
        assert "1/2 done" in text
        assert "Tasks 1/2" in text.splitlines()[1]  # the tab bar carries the count too


async def test_add_task(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "a")
        assert isinstance(app.screen, TextPrompt)
        await type_text(pilot, "Post status update")
        await press(pilot, "enter")
        assert "Post status update" in screen_text(pilot)
        assert "1/3 done" in screen_text(pilot)
        incident = await get_incident(store)
        assert "Post status update" in tasks_by_text(incident)
        assert "taskAdded" in await kinds(store)


async def test_edit_task_text(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "e")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert prompt.text == "Roll back deploy 4711"
        await type_text(pilot, " now")
        await press(pilot, "enter")
        tasks = tasks_by_text(await get_incident(store))
        assert "Roll back deploy 4711 now" in tasks
        assert "Roll back deploy 4711" not in tasks


async def test_space_toggles_done_and_counts_follow(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "space")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert str(task.status) == "done"
        assert "2/2 done" in screen_text(pilot)
        assert "taskCompleted" in await kinds(store) or "taskUpdated" in await kinds(store)

        await press(pilot, "space")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert str(task.status) == "todo"
        assert "1/2 done" in screen_text(pilot)


async def test_p_sets_in_progress_and_back(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "p")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert str(task.status) == "progress"
        assert "[~] in progress" in screen_text(pilot)
        await press(pilot, "p")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert str(task.status) == "todo"


async def test_cursor_stays_on_the_same_task_after_a_change(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        pane = screen.query_one(TasksPane)
        await press(pilot, "j")
        key = pane.task_list.current_key
        await press(pilot, "space")  # done -> todo on the second task
        assert pane.task_list.current_key == key
        task = next(t for t in (await get_incident(store)).task_list.tasks if t.task_id == key)
        assert str(task.status) == "todo"


async def test_assign_task_from_known_people(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "u")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        assert "alice" in [c.value for c in picker.choices]
        await type_text(pilot, "alice")
        await press(pilot, "enter")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert task.assigned_user is not None and task.assigned_user.user_id == "alice"
        assert "→ Alice Example" in screen_text(pilot)


async def test_assign_task_to_typed_user_id(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "u")
        await type_text(pilot, "bob")
        await press(pilot, "enter")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert task.assigned_user is not None and task.assigned_user.user_id == "bob"


async def test_clear_assignee(make_app, store) -> None:
    incident = await get_incident(store)
    task_id = tasks_by_text(incident)["Roll back deploy 4711"].task_id
    await store.update_task_user(
        m.UpdateTaskUserRequest(incident_id="1", task_id=task_id, user_id="alice")
    )
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "U")
        task = tasks_by_text(await get_incident(store))["Roll back deploy 4711"]
        assert task.assigned_user is None or task.assigned_user.user_id == ""
        assert "→" not in screen_text(pilot)


async def test_delete_task_is_confirmed(make_app, store) -> None:
    async with incident_view(make_app, tab="tasks") as (app, pilot, screen):
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert len((await get_incident(store)).task_list.tasks) == 2

        await press(pilot, "x", "y")
        tasks = tasks_by_text(await get_incident(store))
        assert list(tasks) == ["Page the payments team"]
        assert "1/1 done" in screen_text(pilot)
        assert "taskDeleted" in await kinds(store)


async def test_task_keys_on_an_empty_list_explain_instead_of_failing(make_app, store) -> None:
    async with incident_view(make_app, "2", tab="tasks") as (app, pilot, screen):
        assert "No tasks yet" in screen_text(pilot)
        await press(pilot, "space")
        await press(pilot, "x")
        assert app.screen is screen
        assert (await get_incident(store, "2")).task_list.tasks == []
