"""The Roles tab: each role of the organisation and who holds it in this incident."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from incident_tui import models as m
from incident_tui.text import clean, one_line
from incident_tui.ui.dialogs import Choice, ChoicePicker, ConfirmDialog
from incident_tui.ui.screens.incident_common import IncidentPane, person, role_flags
from incident_tui.ui.screens.incident_overview import role_holders
from incident_tui.ui.screens.incident_tasks import people_choices, user_id_parser
from incident_tui.ui.widgets.record_list import RecordList

#: The roles every Grafana Incident organisation starts with, in their usual order.
DEFAULT_ROLES = ("commander", "investigator", "observer")


def shown_roles(org_roles: list[m.Role], holders: dict[str, list[m.UserPreview]]) -> list[m.Role]:
    """The defaults first, then other live org roles, then archived ones someone still holds."""
    by_name = {role.name: role for role in org_roles}
    names = [n for n in DEFAULT_ROLES if n not in by_name or not by_name[n].archived]
    names += sorted(r.name for r in org_roles if not r.archived and r.name not in names)
    names += sorted(n for n in holders if n not in names)
    return [by_name.get(name, m.Role(name=name)) for name in names]


def role_row(role: m.Role, holders: list[m.UserPreview]) -> Content:
    flags = role_flags(role)
    people = ", ".join(person(u) for u in holders)
    parts: list[Content | str | tuple[str, str]] = [
        (f"{one_line(role.name, 20):<20}", "bold"),
        " ",
        (people, "") if people else ("— nobody", "italic $text-muted"),
    ]
    if flags:
        parts += ["  ", (" ".join(f"[{f}]" for f in flags), "$text-muted")]
    if role.mandatory and not holders:
        parts += ["  ", ("needs someone", "bold $warning")]
    return Content.assemble(*parts)


class RolesPane(IncidentPane):
    """A role per row with its holders; assign and unassign people."""

    DEFAULT_CSS = """
    RolesPane #roles-summary {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content("Roles"), id="roles-summary")
        yield RecordList(empty="No roles.", id="roles-list")

    @property
    def role_list(self) -> RecordList:
        return self.query_one("#roles-list", RecordList)

    def show_incident(self, incident: m.Incident) -> None:
        holders = role_holders(incident)
        roles = shown_roles(self.incident_screen.org_roles, holders)
        people = {u.user_id or u.name for users in holders.values() for u in users}
        self.query_one("#roles-summary", Static).update(
            Content.assemble(
                ("Roles ", "bold"),
                f"{sum(1 for r in roles if holders.get(r.name))}/{len(roles)} held · "
                f"{len(people)} people",
            )
        )
        self.role_list.set_rows([(r.name, role_row(r, holders.get(r.name, []))) for r in roles])

    def current_role(self) -> str | None:
        name = self.role_list.current_key
        if name is None:
            self.note("No role selected.")
        return name

    # --- actions -------------------------------------------------------------------------

    def assign_role(self) -> None:
        role = self.current_role()
        if role is not None:
            self._pick_person(role)

    @work(group="roles-picker", exit_on_error=False)
    async def _pick_person(self, role: str) -> None:
        choices = await people_choices(self.console_app)

        async def assign(user_id: str) -> None:
            await self.backend.assign_role(
                m.AssignRoleRequest(incident_id=self.incident_id, user_id=user_id, role=role)
            )

        self.app.push_screen(
            ChoicePicker(
                f"Assign {clean(role)}",
                choices,
                free_text=True,
                free_text_label="Assign user id",
                placeholder="type a name to filter, or a user id",
                parse=user_id_parser,
                submit=self.after(assign),
            )
        )

    def unassign_role(self) -> None:
        role = self.current_role()
        if role is None:
            return
        holders = role_holders(self.incident).get(role, [])
        if not holders:
            self.note(f"Nobody holds {clean(role)}.")
            return

        async def unassign(user_id: str) -> None:
            await self.backend.unassign_role(
                m.UnassignRoleRequest(incident_id=self.incident_id, user_id=user_id, role=role)
            )

        if len(holders) == 1:
            holder = holders[0]

            async def unassign_only(_: bool) -> None:
                await unassign(holder.user_id)

            question = Content.assemble(
                "Take ", (clean(role), "bold"), " from ", Content(person(holder)), "?"
            )
            self.app.push_screen(
                ConfirmDialog(
                    "Unassign role", question, yes="Unassign", submit=self.after(unassign_only)
                )
            )
            return
        choices = [
            Choice(person(u), u.user_id, detail=u.user_id if u.name else "") for u in holders
        ]
        self.app.push_screen(
            ChoicePicker(f"Unassign {clean(role)} from", choices, submit=self.after(unassign))
        )
