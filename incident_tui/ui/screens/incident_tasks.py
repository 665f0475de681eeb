"""The Tasks tab: the incident's checklist with status words, assignees and counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from incident_tui import models as m
from incident_tui.drafts import Draft, Place
from incident_tui.text import clean
from incident_tui.ui.dialogs import Choice, ChoicePicker, ConfirmDialog, TextPrompt
from incident_tui.ui.screens.incident_common import IncidentPane, person, tasks_done
from incident_tui.ui.widgets.record_list import RecordList

#: status -> (box, word, style): the box and the word carry the meaning, colour helps.
TASK_LOOKS: dict[str, tuple[str, str, str]] = {
    "todo": ("[ ]", "todo", ""),
    "progress": ("[~]", "in progress", "bold $warning"),
    "done": ("[x]", "done", "$success"),
}

if TYPE_CHECKING:
    from incident_tui.ui.app import IncidentApp
    from incident_tui.ui.connection import Mark


def task_row(task: m.Task, mark: Mark | None = None) -> Content:
    """``[x] done  text  → assignee``; ``mark`` says it (or its change) is still queued."""
    box, word, style = TASK_LOOKS.get(str(task.status), ("[?]", clean(str(task.status)), ""))
    done = str(task.status) == "done"
    text = Content.styled(clean(task.text), "strike $text-muted" if done else "")
    parts: list[Content | str | tuple[str, str]] = [
        (box, style or "bold"),
        " ",
        (f"{word:<11}", style),
        " ",
        text,
    ]
    if task.assigned_user is not None and (task.assigned_user.user_id or task.assigned_user.name):
        parts += ["  ", ("→ " + person(task.assigned_user), "$accent")]
    if mark is not None:
        parts += ["  ", (mark.text, mark.style)]
    return Content.assemble(*parts)


async def people_choices(app: IncidentApp, current_id: str = "") -> list[Choice]:
    """The people the backend knows, for an assignee or role picker."""
    users = await app.known_users()
    return [
        Choice(
            person(u),
            u.user_id,
            detail=u.user_id if u.name else "",
            current=u.user_id == current_id,
        )
        for u in users
        if u.user_id
    ]


def user_id_parser(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValueError("Type a user id or pick a person.")
    if any(c.isspace() for c in value):
        raise ValueError("A user id has no spaces; pick the person from the list.")
    return value


class TasksPane(IncidentPane):
    """A task per row: ``[x] done  text  → assignee``; the counts sit above."""

    DEFAULT_CSS = """
    TasksPane #tasks-summary {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content("Tasks"), id="tasks-summary")
        yield RecordList(empty="No tasks yet: press a to add one.", id="tasks-list")

    @property
    def task_list(self) -> RecordList:
        return self.query_one("#tasks-list", RecordList)

    def show_incident(self, incident: m.Incident) -> None:
        tasks = incident.task_list.tasks
        summary = Content.assemble(
            ("Tasks ", "bold"),
            tasks_done(incident.task_list),
            f" · {sum(1 for t in tasks if str(t.status) == 'progress')} in progress",
        )
        self.query_one("#tasks-summary", Static).update(summary)
        self.task_list.empty_text = (
            "No tasks yet." if self.console_app.readonly else "No tasks yet: press a to add one."
        )
        rows = []
        for task in tasks:
            mark = self.console_app.queued_mark(task.task_id)
            rows.append((task.task_id, task_row(task, mark)))
        self.task_list.set_rows(rows)

    def current_task(self) -> m.Task | None:
        key = self.task_list.current_key
        if key is None:
            self.note("No task selected.")
            return None
        for task in self.incident.task_list.tasks:
            if task.task_id == key:
                return task
        return None

    # --- actions -----------------------------------------------------------------------

    def add_task(self) -> None:
        async def add(text: str) -> None:
            await self.backend.add_task(m.AddTaskRequest(incident_id=self.incident_id, text=text))

        self.app.push_screen(
            TextPrompt(
                "Add task",
                placeholder="what needs doing",
                submit=self.after(add),
                draft=Place("task", self.incident_id),
            )
        )

    def edit_task(self) -> None:
        task = self.current_task()
        if task is not None:
            self._edit_task(task)

    def reopen_draft(self, draft: Draft) -> None:
        """Open the prompt a kept draft was typed in (it fills itself from the draft)."""
        if draft.place.kind == "task":
            self.add_task()
            return
        task = next(
            (t for t in self.incident.task_list.tasks if t.task_id == draft.place.target), None
        )
        if task is None:
            self.note("The task of the kept draft is gone; the draft stays kept.")
        else:
            self._edit_task(task)

    def _edit_task(self, task: m.Task) -> None:
        async def update(text: str) -> None:
            await self.backend.update_task_text(
                m.UpdateTaskTextRequest(
                    incident_id=self.incident_id, task_id=task.task_id, text=text
                )
            )

        self.app.push_screen(
            TextPrompt(
                "Edit task",
                task.text,
                submit=self.after(update),
                draft=Place("task-edit", self.incident_id, task.task_id),
            )
        )

    def _set_status(self, task: m.Task, status: str) -> None:
        async def update() -> None:
            await self.backend.update_task_status(
                m.UpdateTaskStatusRequest(
                    incident_id=self.incident_id, task_id=task.task_id, status=status
                )
            )

        self.mutate(update)

    def toggle_done(self) -> None:
        task = self.current_task()
        if task is not None:
            self._set_status(task, "todo" if str(task.status) == "done" else "done")

    def toggle_progress(self) -> None:
        task = self.current_task()
        if task is not None:
            self._set_status(task, "todo" if str(task.status) == "progress" else "progress")

    def assign_task(self) -> None:
        task = self.current_task()
        if task is not None:
            self._pick_assignee(task)

    @work(group="tasks-picker", exit_on_error=False)
    async def _pick_assignee(self, task: m.Task) -> None:
        current = task.assigned_user.user_id if task.assigned_user else ""
        choices = await people_choices(self.console_app, current)

        async def update(user_id: str) -> None:
            await self.backend.update_task_user(
                m.UpdateTaskUserRequest(
                    incident_id=self.incident_id, task_id=task.task_id, user_id=user_id
                )
            )

        self.app.push_screen(
            ChoicePicker(
                "Assign task",
                choices,
                free_text=True,
                free_text_label="Assign user id",
                placeholder="type a name to filter, or a user id",
                parse=user_id_parser,
                submit=self.after(update),
            )
        )

    def clear_assignee(self) -> None:
        task = self.current_task()
        if task is None:
            return
        if task.assigned_user is None or not task.assigned_user.user_id:
            self.note("The task has no assignee.")
            return

        async def update() -> None:
            await self.backend.update_task_user(
                m.UpdateTaskUserRequest(
                    incident_id=self.incident_id, task_id=task.task_id, user_id=""
                )
            )

        self.mutate(update, "Assignee cleared.")

    def delete_task(self) -> None:
        task = self.current_task()
        if task is None:
            return

        async def delete(_: bool) -> None:
            await self.backend.delete_task(
                m.DeleteTaskRequest(incident_id=self.incident_id, task_id=task.task_id)
            )

        self.app.push_screen(
            ConfirmDialog(
                "Delete task",
                Content.assemble("Delete the task “", Content(clean(task.text)), "”?"),
                yes="Delete",
                danger=True,
                submit=self.after(delete),
            )
        )
