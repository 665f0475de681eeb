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


class GatedRoles:
    """The real store, with GetRoles held until released (a slow remote)."""

    def __init__(self, inner) -> None:
        import asyncio

        self.inner = inner
        self.release = asyncio.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def get_roles(self, request):
        await self.release.wait()
        return await self.inner.get_roles(request)


async def test_roles_tab_right_after_declaring_shows_flags_and_custom_roles(make_app, store):
    """A live-refresh tick during the first read used to cancel it (roles and all):
    the tab then showed the three defaults without their flags."""
    from incident_tui.ui.screens.incident import IncidentScreen

    from .incident_support import settle

    await store.create_role(
        m.CreateRoleRequest(role=m.Role(name="scribe", description="writes it down"))
    )
    gated = GatedRoles(store)
    app = make_app(gated)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Disk full on db-3")
        await pilot.press("ctrl+s")
        for _ in range(50):
            await pilot.pause()
            if isinstance(app.screen, IncidentScreen):
                break
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        screen.backend_changed()  # a poll lands while GetRoles is still out
        await pilot.pause()
        gated.release.set()
        await settle(pilot)
        await press(pilot, "4")
        text = screen_text(pilot)
        assert "scribe" in text
        commander = next(line for line in text.splitlines() if "commander" in line)
        assert "[important]" in commander and "[mandatory]" in commander
        assert "0/4 held" in text


async def test_a_role_created_from_the_roles_tab_shows_on_return(make_app, store):
    from incident_tui.ui.screens.org_roles import OrgRolesScreen

    async with incident_view(make_app, tab="roles") as (app, pilot, screen):
        await press(pilot, "O")
        assert isinstance(app.screen, OrgRolesScreen)
        await press(pilot, "n")
        await type_text(pilot, "scribe")
        await press(pilot, "enter")
        assert any(r.name == "scribe" for r in app.screen.roles)
        await press(pilot, "escape")
        assert app.screen is screen
        assert "scribe" in screen.query_one(RolesPane).role_list.keys
        assert "scribe" in screen_text(pilot)
