"""Roles: the organisation's roles (RolesService) and who holds them in an incident."""

from __future__ import annotations

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import Conflict, InvalidArgument, NotFound

from .conftest import ALICE, BOB
from .helpers import declare, get, kinds, last_item

pytestmark = pytest.mark.asyncio


async def roles_by_name(backend: Backend) -> dict[str, m.Role]:
    return {role.name: role for role in (await backend.get_roles()).roles}


async def bob_is_known(backend: Backend, other: Backend) -> None:
    """Let the store meet Bob (he writes something) before Alice assigns him."""
    scratch = await declare(backend, "scratch")
    await other.add_activity(
        m.AddActivityRequest(incident_id=scratch.incident_id, activity_kind="userNote", body="hi")
    )


def holders(incident: m.Incident) -> set[tuple[str, str]]:
    return {(a.role.name, a.user.user_id) for a in incident.incident_membership.assignments}


# --- GetRoles / CreateRole / UpdateRole / Archive / Unarchive / Delete -----------


@pytest.mark.needs("get_roles", roles="org")
async def test_default_roles_exist_with_ids_1_2_3(backend: Backend):
    roles = await roles_by_name(backend)
    assert roles["commander"].role_id == 1
    assert roles["investigator"].role_id == 2
    assert roles["observer"].role_id == 3
    assert not any(role.archived for role in roles.values())


@pytest.mark.needs("get_roles")
async def test_get_roles_accepts_an_empty_request(backend: Backend):
    assert (await backend.get_roles(m.GetRolesRequest())).roles


@pytest.mark.needs("create_role", "get_roles")
async def test_creating_a_role_assigns_a_new_id(backend: Backend):
    response = await backend.create_role(
        m.CreateRoleRequest(role=m.Role(name="scribe", description="takes notes", important=True))
    )
    role = response.role
    assert type(role.role_id) is int and role.role_id not in (0, 1, 2, 3)
    assert role.name == "scribe"
    assert role.description == "takes notes"
    assert role.important is True
    assert (await roles_by_name(backend))["scribe"].role_id == role.role_id


@pytest.mark.needs("create_role")
async def test_creating_a_role_with_a_taken_name_is_refused(backend: Backend):
    with pytest.raises((Conflict, InvalidArgument)):
        await backend.create_role(m.CreateRoleRequest(role=m.Role(name="commander")))


@pytest.mark.needs("create_role")
async def test_creating_a_role_without_a_name_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await backend.create_role(m.CreateRoleRequest(role=m.Role(name="  ")))


@pytest.mark.needs("create_role", "get_roles", "update_role")
async def test_updating_a_role_changes_its_fields(backend: Backend):
    created = (await backend.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))).role
    response = await backend.update_role(
        m.UpdateRoleRequest(
            role=m.Role(
                role_id=created.role_id,
                name="scribe",
                description="writes it all down",
                mandatory=True,
            )
        )
    )
    assert response.role.description == "writes it all down"
    assert response.role.mandatory is True
    fetched = (await roles_by_name(backend))["scribe"]
    assert fetched.description == "writes it all down"
    assert fetched.mandatory is True


@pytest.mark.needs("update_role")
async def test_updating_an_unknown_role_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.update_role(m.UpdateRoleRequest(role=m.Role(role_id=999, name="ghost")))


@pytest.mark.needs("archive_role", "get_roles", "unarchive_role")
async def test_archiving_and_unarchiving_a_role(backend: Backend):
    await backend.archive_role(m.ArchiveRoleRequest(role_id=3))
    assert (await roles_by_name(backend))["observer"].archived is True
    await backend.unarchive_role(m.UnarchiveRoleRequest(role_id=3))
    assert (await roles_by_name(backend))["observer"].archived is False


@pytest.mark.needs("archive_role", "delete_role", "unarchive_role")
@pytest.mark.parametrize("method", ["archive_role", "unarchive_role", "delete_role"])
async def test_unknown_role_id_is_not_found(backend: Backend, method: str):
    request = {
        "archive_role": m.ArchiveRoleRequest,
        "unarchive_role": m.UnarchiveRoleRequest,
        "delete_role": m.DeleteRoleRequest,
    }[method](role_id=999)
    with pytest.raises(NotFound):
        await getattr(backend, method)(request)


@pytest.mark.needs("create_role", "delete_role", "get_roles")
async def test_deleting_a_role_removes_it(backend: Backend):
    created = (await backend.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))).role
    await backend.delete_role(m.DeleteRoleRequest(role_id=created.role_id))
    assert "scribe" not in await roles_by_name(backend)


@pytest.mark.needs("create_role", "get_roles")
async def test_role_text_is_stored_verbatim(backend: Backend):
    text = "[b]lead[/b] \x1b[2J \u202etxet"
    created = (
        await backend.create_role(m.CreateRoleRequest(role=m.Role(name="odd", description=text)))
    ).role
    assert created.description == text
    assert (await roles_by_name(backend))["odd"].description == text


# --- AssignRole / UnassignRole / GetIncidentMembership ------------------------


@pytest.mark.needs("add_activity", "assign_role", "create_incident", "query_activity")
async def test_assigning_a_role_writes_role_assigned_item_naming_the_subject(
    backend: Backend, other: Backend
):
    await bob_is_known(backend, other)
    incident = await declare(backend)
    response = await backend.assign_role(
        m.AssignRoleRequest(
            incident_id=incident.incident_id, user_id=BOB.user_id, role="investigator"
        )
    )
    assert response.did_change is True
    assert ("investigator", BOB.user_id) in holders(response.incident)
    item = await last_item(backend, incident.incident_id, "roleAssigned")
    assert item.user.user_id == ALICE.user_id
    assert item.subject_user.user_id == BOB.user_id
    assert item.immutable is True


@pytest.mark.needs("assign_role", "create_incident", "query_activity", roles="org")
async def test_assigning_a_role_twice_does_not_change_anything(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    request = m.AssignRoleRequest(incident_id=iid, user_id=ALICE.user_id, role="commander")
    assert (await backend.assign_role(request)).did_change is True
    before = await kinds(backend, iid)
    again = await backend.assign_role(request)
    assert again.did_change is False
    assert await kinds(backend, iid) == before
    assert [a.role.name for a in again.incident.incident_membership.assignments].count(
        "commander"
    ) == 1


@pytest.mark.needs("add_activity", "assign_role", "create_incident", "query_activity")
async def test_a_new_commander_replaces_the_old_one(backend: Backend, other: Backend):
    await bob_is_known(backend, other)
    incident = await declare(backend)
    iid = incident.incident_id
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=iid, user_id=ALICE.user_id, role="commander")
    )
    response = await backend.assign_role(
        m.AssignRoleRequest(incident_id=iid, user_id=BOB.user_id, role="commander")
    )
    assert response.did_change is True
    assert holders(response.incident) == {("commander", BOB.user_id)}
    unassigned = await last_item(backend, iid, "roleUnassigned")
    assert unassigned.subject_user.user_id == ALICE.user_id
    assert (await kinds(backend, iid))[-2:] == ["roleUnassigned", "roleAssigned"]


@pytest.mark.needs("assign_role", "create_incident", "create_role", "delete_role", "get_roles")
async def test_deleting_a_role_someone_holds_is_refused(backend: Backend):
    created = (await backend.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))).role
    incident = await declare(backend)
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=incident.incident_id, user_id=ALICE.user_id, role="scribe")
    )
    with pytest.raises((Conflict, InvalidArgument)):
        await backend.delete_role(m.DeleteRoleRequest(role_id=created.role_id))
    assert "scribe" in await roles_by_name(backend)


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "get_incident", "get_incident_membership"
)
async def test_membership_lists_every_assignment(backend: Backend, other: Backend):
    await bob_is_known(backend, other)
    incident = await declare(backend)
    iid = incident.incident_id
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=iid, user_id=ALICE.user_id, role="commander")
    )
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=iid, user_id=BOB.user_id, role="investigator")
    )
    response = await backend.get_incident_membership(
        m.GetIncidentMembershipRequest(incident_id=iid)
    )
    pairs = {(a.role.name, a.user.user_id) for a in response.assignments}
    assert pairs == {("commander", ALICE.user_id), ("investigator", BOB.user_id)}
    names = {a.user.user_id: a.user.name for a in response.assignments}
    assert names == {ALICE.user_id: ALICE.name, BOB.user_id: BOB.name}
    fetched = await get(backend, iid)
    assert holders(fetched) == pairs
    assert fetched.incident_membership.total_assignments == 2


@pytest.mark.needs("get_incident_membership")
async def test_membership_of_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.get_incident_membership(m.GetIncidentMembershipRequest(incident_id="nope"))


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_activity", "unassign_role"
)
async def test_unassigning_writes_role_unassigned_item(backend: Backend, other: Backend):
    await bob_is_known(backend, other)
    incident = await declare(backend)
    iid = incident.incident_id
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=iid, user_id=BOB.user_id, role="observer")
    )
    response = await backend.unassign_role(
        m.UnassignRoleRequest(incident_id=iid, user_id=BOB.user_id, role="observer")
    )
    assert response.did_change is True
    assert holders(response.incident) == set()
    item = await last_item(backend, iid, "roleUnassigned")
    assert item.user.user_id == ALICE.user_id
    assert item.subject_user.user_id == BOB.user_id


@pytest.mark.needs("create_incident", "query_activity", "unassign_role", roles="org")
async def test_unassigning_a_role_nobody_holds_changes_nothing(backend: Backend):
    incident = await declare(backend)
    iid = incident.incident_id
    before = await kinds(backend, iid)
    response = await backend.unassign_role(
        m.UnassignRoleRequest(incident_id=iid, user_id=ALICE.user_id, role="observer")
    )
    assert response.did_change is False
    assert await kinds(backend, iid) == before


@pytest.mark.needs("archive_role", "assign_role", "create_incident", "unarchive_role")
async def test_archived_role_cannot_be_assigned(backend: Backend):
    incident = await declare(backend)
    await backend.archive_role(m.ArchiveRoleRequest(role_id=3))
    with pytest.raises(InvalidArgument):
        await backend.assign_role(
            m.AssignRoleRequest(
                incident_id=incident.incident_id, user_id=ALICE.user_id, role="observer"
            )
        )
    await backend.unarchive_role(m.UnarchiveRoleRequest(role_id=3))
    response = await backend.assign_role(
        m.AssignRoleRequest(
            incident_id=incident.incident_id, user_id=ALICE.user_id, role="observer"
        )
    )
    assert response.did_change is True


@pytest.mark.needs("assign_role", "create_incident", "create_role")
async def test_a_created_role_can_be_assigned_by_name(backend: Backend):
    await backend.create_role(m.CreateRoleRequest(role=m.Role(name="scribe")))
    incident = await declare(backend)
    response = await backend.assign_role(
        m.AssignRoleRequest(incident_id=incident.incident_id, user_id=ALICE.user_id, role="scribe")
    )
    assert ("scribe", ALICE.user_id) in holders(response.incident)


@pytest.mark.needs("assign_role", "create_incident")
async def test_unknown_role_name_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises((InvalidArgument, NotFound)):
        await backend.assign_role(
            m.AssignRoleRequest(
                incident_id=incident.incident_id, user_id=ALICE.user_id, role="wizard"
            )
        )


@pytest.mark.needs("assign_role", "create_incident")
async def test_assigning_without_a_user_is_refused(backend: Backend):
    incident = await declare(backend)
    with pytest.raises((InvalidArgument, NotFound)):
        await backend.assign_role(
            m.AssignRoleRequest(incident_id=incident.incident_id, user_id="", role="commander")
        )


@pytest.mark.needs("assign_role")
async def test_assigning_in_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.assign_role(
            m.AssignRoleRequest(incident_id="nope", user_id=ALICE.user_id, role="commander")
        )


@pytest.mark.needs("unassign_role")
async def test_unassigning_in_unknown_incident_is_not_found(backend: Backend):
    with pytest.raises(NotFound):
        await backend.unassign_role(
            m.UnassignRoleRequest(incident_id="nope", user_id=ALICE.user_id, role="commander")
        )
