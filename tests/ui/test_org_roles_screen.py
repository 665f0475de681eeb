"""Org roles screen: list, create, edit, archive / unarchive, delete, read-only."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from textual.widgets import Checkbox, Input

from incident_tui import models as m
from incident_tui.ui.dialogs import ConfirmDialog
from incident_tui.ui.screens.org_roles import OrgRolesScreen, RoleForm

from .incident_support import press, screen_text, settle, type_text


@asynccontextmanager
async def roles_screen(make_app: Any, **kwargs: Any):
    app = make_app(**kwargs)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_org_roles()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrgRolesScreen)
        yield app, pilot, screen


async def roles_by_name(backend: Any) -> dict[str, m.Role]:
    return {r.name: r for r in (await backend.get_roles(m.GetRolesRequest())).roles}


async def test_lists_roles_with_flags_as_words(make_app, store) -> None:
    async with roles_screen(make_app) as (app, pilot, screen):
        text = screen_text(pilot)
        for name in ("commander", "investigator", "observer"):
            assert name in text
        assert "important" in text and "mandatory" in text
        assert len(screen.role_list.keys) == len(await roles_by_name(store))


async def test_create_role_with_the_form(make_app, store) -> None:
    async with roles_screen(make_app) as (app, pilot, screen):
        await press(pilot, "n")
        form = app.screen
        assert isinstance(form, RoleForm)
        await type_text(pilot, "scribe")
        await pilot.press("tab")
        await type_text(pilot, "Keeps the notes")
        await pilot.press("tab", "space")  # important
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        role = (await roles_by_name(store))["scribe"]
        assert role.description == "Keeps the notes"
        assert role.important is True and role.mandatory is False
        assert "scribe" in screen_text(pilot)
        assert screen.role_list.current_key == str(role.role_id)


async def test_create_refuses_empty_name_inline(make_app, store) -> None:
    async with roles_screen(make_app) as (app, pilot, screen):
        before = await roles_by_name(store)
        await press(pilot, "n")
        form = app.screen
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "needs a name" in form.error_text
        assert await roles_by_name(store) == before


async def test_duplicate_name_refused_by_backend_keeps_the_form(make_app, store) -> None:
    async with roles_screen(make_app) as (app, pilot, screen):
        await press(pilot, "n")
        form = app.screen
        await type_text(pilot, "commander")
        await pilot.press("tab")
        await type_text(pilot, "second one")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "already exists" in form.error_text
        assert form.query_one("#role-description", Input).value == "second one"


async def test_edit_role_name_description_and_flags(make_app, store) -> None:
    await store.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))
    async with roles_screen(make_app) as (app, pilot, screen):
        role_id = str((await roles_by_name(store))["scribe"].role_id)
        assert screen.role_list.select_key(role_id)
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, RoleForm)
        assert form.query_one("#role-name", Input).value == "scribe"
        await pilot.press("ctrl+u")
        await type_text(pilot, "note-taker")
        await pilot.press("tab")
        await type_text(pilot, "Writes it down")
        form.query_one("#role-mandatory", Checkbox).value = True
        await press(pilot, "enter")
        roles = await roles_by_name(store)
        assert "scribe" not in roles
        edited = roles["note-taker"]
        assert str(edited.role_id) == role_id
        assert edited.description == "Writes it down"
        assert edited.mandatory is True


async def test_archive_then_unarchive(make_app, store) -> None:
    await store.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))
    async with roles_screen(make_app) as (app, pilot, screen):
        role_id = str((await roles_by_name(store))["scribe"].role_id)
        screen.role_list.select_key(role_id)
        await press(pilot, "A")
        assert (await roles_by_name(store))["scribe"].archived is True
        assert "ARCHIVED" in screen_text(pilot)
        assert screen.role_list.current_key == role_id
        await press(pilot, "A")
        assert (await roles_by_name(store))["scribe"].archived is False


async def test_delete_is_confirmed(make_app, store) -> None:
    await store.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))
    async with roles_screen(make_app) as (app, pilot, screen):
        role_id = str((await roles_by_name(store))["scribe"].role_id)
        screen.role_list.select_key(role_id)
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert "scribe" in await roles_by_name(store)
        await press(pilot, "x", "y")
        assert "scribe" not in await roles_by_name(store)
        assert role_id not in screen.role_list.keys


async def test_delete_of_a_held_role_shows_the_backend_message(make_app, store) -> None:
    async with roles_screen(make_app) as (app, pilot, screen):
        role_id = str((await roles_by_name(store))["commander"].role_id)
        screen.role_list.select_key(role_id)
        await press(pilot, "x", "y")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "still held" in dialog.error_text
        assert "commander" in await roles_by_name(store)


async def test_readonly_hides_and_refuses_every_change(make_app, store) -> None:
    async with roles_screen(make_app, readonly=True) as (app, pilot, screen):
        before = await roles_by_name(store)
        footer = screen_text(pilot).splitlines()[-1]
        for word in ("New", "Edit", "Delete", "Archive"):
            assert word not in footer
        await press(pilot, "n")
        assert app.screen is screen
        await press(pilot, "A")
        await press(pilot, "x")
        assert app.screen is screen
        assert await roles_by_name(store) == before


async def test_enter_edits_the_role_under_the_cursor(make_app, store) -> None:
    async with roles_screen(make_app) as (app, pilot, screen):
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, RoleForm)
        assert form.role.role_id == int(screen.role_list.keys[0])


async def test_enter_in_readonly_opens_nothing(make_app, store) -> None:
    async with roles_screen(make_app, readonly=True) as (app, pilot, screen):
        await press(pilot, "enter")
        assert app.screen is screen


async def test_role_flags_show_ticked_or_not_without_colour(make_app, store) -> None:
    """The flag boxes differ by their mark, not only by colour (NO_COLOR keeps meaning)."""
    async with roles_screen(make_app) as (app, pilot, screen):
        await press(pilot, "n")
        assert isinstance(app.screen, RoleForm)
        text = screen_text(pilot)
        assert "▐ ▌ Important" in text and "▐ ▌ Mandatory" in text
        await pilot.press("tab", "tab", "space")  # tick "Important"
        await settle(pilot)
        text = screen_text(pilot)
        assert "▐X▌ Important" in text and "▐ ▌ Mandatory" in text


async def test_esc_and_q_leave_the_org_roles_screen(make_app) -> None:
    for key in ("escape", "q"):
        async with roles_screen(make_app) as (app, pilot, screen):
            await press(pilot, key)
            assert not isinstance(app.screen, OrgRolesScreen), key
