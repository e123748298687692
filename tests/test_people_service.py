"""Company admins manage people; a deactivated user's session ends at once."""

from __future__ import annotations

import pytest

from erp_dashboard.services import auth, jobs, people
from erp_dashboard.services.errors import InvalidInput, NotFound, NotSignedIn, PermissionDenied
from tests.builders import PASSWORD


def test_company_admin_adds_a_person_who_can_sign_in(world):
    message = people.add_person(world.admin, "New@Example.com", "Nia New", "viewer", PASSWORD)
    assert "can now sign in" in message
    assert auth.actor_for(auth.sign_in("new@example.com", PASSWORD)).name == "Nia New"
    assert [p.email for p in people.people(world.admin)][-1] == "vic@example.com"


@pytest.mark.parametrize(
    ("email", "name", "role", "message"),
    [
        ("ann@example.com", "Dup", "viewer", "already exists"),
        ("x@example.com", "", "viewer", "name"),
        ("x@example.com", "Evil\r\nBcc: spy@example.com", "viewer", "one line"),
        ("x@example.com", "X", "superuser", "no role"),
        ("x@example.com", "N" * 101, "viewer", "100"),
        ("no-at-sign", "X", "viewer", "is not an email address"),
        ("x@localhost", "X", "viewer", "should have a period"),
        ("two@@example.com", "X", "viewer", "invalid characters"),
        ("a b@example.com", "X", "viewer", "invalid characters"),
        ("x@exa_mple.com", "X", "viewer", "is not an email address"),
    ],
)
def test_bad_people_are_refused(world, email, name, role, message):
    with pytest.raises(InvalidInput, match=message):
        people.add_person(world.admin, email, name, role, PASSWORD)


def test_granting_and_revoking_the_approver_role(world):
    vic = world.viewer
    with pytest.raises(PermissionDenied):
        jobs.reject(vic, world.projects[0], 1, "")
    people.set_role(world.admin, vic.id, "accounting_approver")
    token = auth.sign_in("vic@example.com", PASSWORD)
    approver = auth.actor_for(token)
    jobs.reject(approver, world.projects[0], 1, "now I may")
    people.set_role(world.admin, vic.id, "viewer")
    with pytest.raises(PermissionDenied):  # the live session sees the change at once
        jobs.reject(auth.actor_for(token), world.projects[1], 1, "")


def test_deactivation_ends_live_sessions_at_once(world):
    token = auth.sign_in("bob@example.com", PASSWORD)
    people.set_active(world.admin, world.approver2.id, False)
    with pytest.raises(NotSignedIn):
        auth.actor_for(token)
    with pytest.raises(InvalidInput, match="incorrect"):
        auth.sign_in("bob@example.com", PASSWORD)
    with pytest.raises(InvalidInput, match="yourself"):
        people.set_active(world.admin, world.admin.id, False)
    people.set_active(world.admin, world.approver2.id, True)
    assert auth.actor_for(auth.sign_in("bob@example.com", PASSWORD)).name == "Bob Approver"


@pytest.mark.parametrize("who", ["approver", "viewer"])
def test_only_company_admins_manage_people(world, who):
    actor = getattr(world, who)
    for call in (
        lambda: people.people(actor),
        lambda: people.add_person(actor, "z@example.com", "Z", "viewer", PASSWORD),
        lambda: people.set_role(actor, actor.id, "accounting_approver"),
        lambda: people.set_active(actor, world.viewer.id, False),
    ):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize("user_id", ["1", None, 10**9, True, [1]])
def test_forged_person_ids_change_nothing(world, user_id):
    before = people.people(world.admin)
    with pytest.raises((InvalidInput, NotFound), match="does not exist"):
        people.set_role(world.admin, user_id, "viewer")
    with pytest.raises((InvalidInput, NotFound), match="does not exist"):
        people.set_active(world.admin, user_id, False)
    assert people.people(world.admin) == before


@pytest.mark.parametrize(("role", "active"), [(["viewer"], "false"), (None, 0)])
def test_forged_roles_and_flags_change_nothing(world, role, active):
    before = people.people(world.admin)
    with pytest.raises(InvalidInput, match="no role"):
        people.set_role(world.admin, world.viewer.id, role)
    with pytest.raises(InvalidInput, match="true or false"):
        people.set_active(world.admin, world.viewer.id, active)
    assert people.people(world.admin) == before


def test_people_carry_their_role_label(world):
    labels = {p.email: p.role_label for p in people.people(world.admin)}
    assert labels["vic@example.com"] == "Viewer"
