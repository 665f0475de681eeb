"""Roles tab: who holds which role; assign from known people or a typed id; unassign."""

from __future__ import annotations

from incident_tui import models as m
from incident_tui.ui.dialogs import ChoicePicker, ConfirmDialog
from incident_tui.ui.screens.incident_roles import RolesPane

from .incident_support import (
    get_incident,
    incident_view,
    kinds,
    notifications,
    press,
    screen_text,
    type_text,
)


async def holders(backend, incident_id: str = "1") -> dict[str, set[str]]:
    incident = await get_incident(backend, incident_id)
    result: dict[str, set[str]] = {}
    for assignment in incident.incident_membership.assignments:
        result.setdefault(assignment.role.name, set()).add(assignment.user.user_id)
    return result


async def test_roles_tab_lists_default_roles_and_holders(make_app) -> None:
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        text = screen_text(pilot)
        assert "commander" in text and "Alice Example" in text
        assert "investigator" in text and "observer" in text
        assert "— nobody" in text
        pane = screen.query_one(RolesPane)
        assert pane.role_list.keys[:3] == ["commander", "investigator", "observer"]


async def test_assign_role_from_known_people(make_app, store) -> None:
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "j")  # investigator
        await press(pilot, "a")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        assert "alice" in [c.value for c in picker.choices]
        await type_text(pilot, "alice")
        await press(pilot, "enter")
        assert (await holders(store))["investigator"] == {"alice"}
        assert "roleAssigned" in await kinds(store)
        pane = screen.query_one(RolesPane)
        assert pane.role_list.current_key == "investigator"


async def test_assign_role_to_typed_user_id(make_app, store) -> None:
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "G")  # observer
        await press(pilot, "a")
        await type_text(pilot, "carol")
        await press(pilot, "enter")
        assert (await holders(store))["observer"] == {"carol"}
        assert "carol" in screen_text(pilot)


async def test_unassign_single_holder_is_confirmed(make_app, store) -> None:
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert "commander" not in await holders(store)
        assert "roleUnassigned" in await kinds(store)


async def test_unassign_picks_which_holder_when_several(make_app, store) -> None:
    for user in ("alice", "bob"):
        await store.assign_role(
            m.AssignRoleRequest(incident_id="1", user_id=user, role="investigator")
        )
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "j", "x")
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        assert sorted(c.value for c in picker.choices) == ["alice", "bob"]
        bob = [c.value for c in picker.choices].index("bob")
        await press(pilot, *(["down"] * bob), "enter")
        assert (await holders(store))["investigator"] == {"alice"}


async def test_unassign_nobody_explains(make_app, store) -> None:
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "j", "x")
        assert app.screen is screen
        assert any("Nobody holds investigator" in n for n in notifications(app))


async def test_custom_org_role_is_offered_and_assignable(make_app, store) -> None:
    await store.create_role(m.CreateRoleRequest(role=m.Role(name="scribe", description="notes")))
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        pane = screen.query_one(RolesPane)
        assert "scribe" in pane.role_list.keys
        pane.role_list.select_key("scribe")
        await press(pilot, "a")
        await type_text(pilot, "dave")
        await press(pilot, "enter")
        assert (await holders(store))["scribe"] == {"dave"}


async def test_O_opens_the_org_roles_screen(make_app) -> None:
    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "O")
        from incident_tui.ui.screens.org_roles import OrgRolesScreen

        assert isinstance(app.screen, OrgRolesScreen)
