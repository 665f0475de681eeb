"""The organisation's incident roles (RolesService): list, create, edit, archive, delete."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Checkbox, Input, OptionList, Static

from incident_tui import models as m
from incident_tui.drafts import Draft, Place
from incident_tui.text import clean, is_printable_label, one_line
from incident_tui.ui.commands import Command, bindings
from incident_tui.ui.dialogs import ConfirmDialog, Dialog, SafeInput, Submit
from incident_tui.ui.screens.base import BusyIndicator, ConsoleScreen
from incident_tui.ui.screens.incident_common import role_flags
from incident_tui.ui.widgets.footer import ConsoleFooter
from incident_tui.ui.widgets.record_list import RecordList

MAX_NAME = 100


def org_role_row(role: m.Role) -> Content:
    """``commander  important mandatory`` over its description (archived ones dimmed)."""
    dim = "$text-muted" if role.archived else ""
    flags = " ".join(role_flags(role))
    head = Content.assemble(
        (f"{one_line(role.name, 24):<24}", f"bold {dim}".strip()),
        " ",
        (flags, "bold $warning" if role.archived else "$accent"),
    )
    description = one_line(role.description, 74) or "(no description)"
    return Content.assemble(head, "\n", ("  " + description, "$text-muted"))


def parse_role_name(text: str) -> str:
    name = text.strip()
    if not name:
        raise ValueError("A role needs a name.")
    if len(name) > MAX_NAME:
        raise ValueError(f"Keep the name under {MAX_NAME} characters.")
    if not is_printable_label(name):
        raise ValueError("Names cannot contain control or invisible characters.")
    return name


class TickBox(Checkbox):
    """A checkbox whose mark is drawn only when ticked: Textual's always shows an X and
    tells the states apart by colour alone, which NO_COLOR (and some themes) lose."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802  (Textual's name)
        return "X" if self.value else " "


class RoleForm(Dialog[m.Role]):
    """Name, description, important and mandatory of one role. ``ctrl+s`` (or ``enter`` in
    a text field) saves; the backend's refusal is shown here and the form is kept."""

    DEFAULT_CSS = """
    RoleForm .form-label {
        height: 1;
        color: $text-muted;
    }
    RoleForm #role-flags {
        height: auto;
        margin-top: 1;
    }
    RoleForm Checkbox {
        margin-right: 2;
    }
    """

    BINDINGS = bindings(
        (
            Command(
                "dialog.save",
                "ctrl+s",
                "save",
                "Save",
                "Save",
                "Org roles",
                priority=True,
                palette=False,
            ),
        )
    )

    def __init__(
        self,
        title: str,
        role: m.Role | None = None,
        *,
        submit: Submit | None = None,
        draft: Place | None = None,
    ):
        super().__init__(title, submit=submit, draft=draft)
        self.role = role or m.Role()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield from self.compose_title()
            yield Static(Content("Name"), classes="form-label")
            yield SafeInput(
                self.prefill("role-name", self.role.name),
                placeholder=self.field_placeholder("role-name", "e.g. scribe"),
                id="role-name",
            )
            yield Static(Content("Description"), classes="form-label")
            yield SafeInput(
                self.prefill("role-description", self.role.description),
                placeholder=self.field_placeholder(
                    "role-description", "what this person does during an incident"
                ),
                id="role-description",
            )
            with Horizontal(id="role-flags"):
                yield TickBox("Important", self.role.important, id="role-important")
                yield TickBox("Mandatory", self.role.mandatory, id="role-mandatory")
            yield from self.compose_status()
            yield Static(
                Content("tab next field · space tick · ctrl+s or enter save · esc cancel"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#role-name", Input))

    def value(self) -> m.Role:
        """The role as the form describes it (keeps the fields the form does not show)."""
        return self.role.model_copy(
            update={
                "name": parse_role_name(self.field_text(self.query_one("#role-name", Input))),
                "description": self.field_text(self.query_one("#role-description", Input)).strip(),
                "important": self.query_one("#role-important", Checkbox).value,
                "mandatory": self.query_one("#role-mandatory", Checkbox).value,
            }
        )

    @on(Input.Changed, "#role-name")
    def _validate_name(self, event: Input.Changed) -> None:
        try:
            parse_role_name(self.field_text(event.input))
        except ValueError as error:
            self.show_error(str(error))
        else:
            self.clear_error()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        try:
            role = self.value()
        except ValueError as error:
            self.show_error(str(error))
            return
        self.finish(role)


ORG_ROLES_COMMANDS: tuple[Command, ...] = (
    Command("org_roles.create", "n", "create_role", "New", "Create a role", "Org roles",
            mutates=True),
    Command("org_roles.edit", "e", "edit_role", "Edit",
            "Edit the role's name, description, important and mandatory (enter too)", "Org roles",
            mutates=True),
    Command("org_roles.archive", "A", "toggle_archived", "Archive/unarchive",
            "Archive the role (no new assignments), or bring it back", "Org roles",
            mutates=True),
    Command("org_roles.delete", "x", "delete_role", "Delete",
            "Delete the role (confirmed; refused while someone holds it)", "Org roles",
            mutates=True),
)  # fmt: skip


class OrgRolesScreen(ConsoleScreen):
    """Every role of the organisation, archived ones included and marked."""

    DEFAULT_CSS = """
    OrgRolesScreen {
        layout: vertical;
    }
    OrgRolesScreen #org-roles-header {
        height: 1;
        background: $header-background;
        color: $header-foreground;
        padding: 0 1;
    }
    OrgRolesScreen #org-roles-title-row {
        height: 1;
    }
    OrgRolesScreen #org-roles-title {
        width: 1fr;
    }
    """

    COMMANDS_LIST: ClassVar[tuple[Command, ...]] = ORG_ROLES_COMMANDS
    BINDINGS = bindings(ORG_ROLES_COMMANDS)

    def __init__(self, *, reopen: Draft | None = None) -> None:
        super().__init__()
        #: A kept draft of the role form to reopen once the roles are read (at start).
        self.reopen = reopen
        self.roles: list[m.Role] = []
        self.loaded = False
        #: A role to put the cursor on once the list is read again (a new one).
        self._select_after_reload: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="org-roles-title-row"):
            yield Static(Content.styled("Org roles", "bold"), id="org-roles-header")
            yield BusyIndicator()
        yield RecordList(empty="No roles yet: press n to create one.", id="org-roles-list")
        yield ConsoleFooter(compact=True)

    @property
    def role_list(self) -> RecordList:
        return self.query_one("#org-roles-list", RecordList)

    def on_mount(self) -> None:
        self.role_list.focus()
        self.reload()

    # --- loading -----------------------------------------------------------------

    def reload(self) -> None:
        backend = self.console_app.backend

        async def fetch() -> list[m.Role]:
            return (await backend.get_roles(m.GetRolesRequest())).roles

        self.run_backend(fetch, self.show_roles, group="org-roles-load")

    def show_roles(self, roles: list[m.Role]) -> None:
        self.roles = list(roles)
        self.loaded = True
        archived = sum(1 for r in roles if r.archived)
        self.query_one("#org-roles-header", Static).update(
            Content.assemble(
                ("Org roles", "bold"),
                f" · {len(roles)} roles" + (f" ({archived} archived)" if archived else ""),
            )
        )
        if self.console_app.readonly:
            self.role_list.empty_text = "No roles yet."
        self.role_list.set_rows([(str(r.role_id), org_role_row(r)) for r in roles])
        if self._select_after_reload is not None:
            self.role_list.select_key(self._select_after_reload)
            self._select_after_reload = None
        draft, self.reopen = self.reopen, None
        if draft is not None:
            self._reopen_draft(draft)

    def _reopen_draft(self, draft: Draft) -> None:
        if draft.place.kind == "role-new":
            self.action_create_role()
            return
        role = next((r for r in self.roles if str(r.role_id) == draft.place.target), None)
        if role is None:
            self.app.notify(
                "The role of the kept draft is gone; the draft stays kept.",
                markup=False,
                severity="warning",
            )
        else:
            self._edit(role)

    def action_refresh(self) -> None:
        self.reload()

    @on(OptionList.OptionSelected, "#org-roles-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """``enter`` on a role edits it (when changes are allowed)."""
        event.stop()
        if self.check_action("edit_role", ()):
            self.action_edit_role()

    def backend_changed(self) -> None:
        self.reload()

    def current_role(self) -> m.Role | None:
        key = self.role_list.current_key
        role = next((r for r in self.roles if str(r.role_id) == key), None)
        if role is None:
            self.app.notify("No role selected.", markup=False, severity="warning")
        return role

    def _changed(self) -> None:
        self.reload()
        self.console_app.poke()

    # --- actions ---------------------------------------------------------------------

    def action_create_role(self) -> None:
        backend = self.console_app.backend

        async def create(role: m.Role) -> None:
            created = await backend.create_role(m.CreateRoleRequest(role=role))
            self._select_after_reload = str(created.role.role_id)
            self._changed()

        self.app.push_screen(RoleForm("New role", submit=create, draft=Place("role-new")))

    def action_edit_role(self) -> None:
        role = self.current_role()
        if role is not None:
            self._edit(role)

    def _edit(self, role: m.Role) -> None:
        backend = self.console_app.backend

        async def update(changed: m.Role) -> None:
            await backend.update_role(m.UpdateRoleRequest(role=changed))
            self._changed()

        place = Place("role-edit", target=str(role.role_id))
        self.app.push_screen(
            RoleForm(f"Edit role {clean(role.name)}", role, submit=update, draft=place)
        )

    def action_toggle_archived(self) -> None:
        role = self.current_role()
        if role is None:
            return
        backend = self.console_app.backend

        async def toggle() -> None:
            if role.archived:
                await backend.unarchive_role(m.UnarchiveRoleRequest(role_id=role.role_id))
            else:
                await backend.archive_role(m.ArchiveRoleRequest(role_id=role.role_id))

        def done(_: object) -> None:
            word = "unarchived" if role.archived else "archived"
            self.app.notify(f"Role {clean(role.name)} {word}.", markup=False, timeout=3)
            self._changed()

        self.run_backend(toggle, done, group="org-roles-mutate", exclusive=False)

    def action_delete_role(self) -> None:
        role = self.current_role()
        if role is None:
            return
        backend = self.console_app.backend

        async def delete(_: bool) -> None:
            await backend.delete_role(m.DeleteRoleRequest(role_id=role.role_id))
            self._changed()

        question = Content.assemble(
            "Delete the role ", (clean(role.name), "bold"), "? This cannot be undone."
        )
        self.app.push_screen(
            ConfirmDialog("Delete role", question, yes="Delete", danger=True, submit=delete)
        )
