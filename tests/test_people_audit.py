"""Every change to people and company settings is recorded; with duties separated (the
default) nobody decides on a project they sent; booleans from the browser are taken strictly."""

from __future__ import annotations

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import ErpEvent, PeopleEvent, Project
from erp_dashboard.services import auth, jobs, people
from erp_dashboard.services.errors import InvalidInput, PermissionDenied
from erp_dashboard.services.permissions import Role
from erp_dashboard.services.state_machine import TRANSITIONS, move
from tests.builders import PASSWORD


def recorded(world) -> list[tuple[str, str, str]]:
    """(by, person, what) of each people change since the world was built, oldest first."""
    return [(c.by, c.person, c.what) for c in reversed(people.changes(world.admin))][4:]


def test_every_people_change_is_recorded_with_who_and_when(world):
    admin = world.admin
    people.add_person(admin, "nia@example.com", "Nia New", "viewer", PASSWORD)
    people.set_role(admin, world.viewer.id, "accounting_approver")
    people.set_role(admin, world.viewer.id, "accounting_approver")  # no change, no record
    people.set_active(admin, world.approver2.id, False)
    people.set_active(admin, world.approver2.id, True)
    people.set_company_admin(admin, world.approver.id, True)
    people.set_company_admin(admin, world.approver.id, False)
    people.set_separate_duties(admin, False)
    assert recorded(world) == [
        ("Pam Admin", "Nia New", "Added as Viewer"),
        ("Pam Admin", "Vic Viewer", "Role Viewer → Accounting Approver"),
        ("Pam Admin", "Bob Approver", "Deactivated"),
        ("Pam Admin", "Bob Approver", "Reactivated"),
        ("Pam Admin", "Ann Approver", "Made company admin"),
        ("Pam Admin", "Ann Approver", "No longer company admin"),
        ("Pam Admin", "", "Separate duties turned off"),
    ]
    latest = people.changes(admin)
    assert latest[0].what == "Separate duties turned off" and latest[0].at.endswith(" UTC")
    assert [c.what for c in people.changes(admin, limit=2)] == [
        "Separate duties turned off",
        "No longer company admin",
    ]
    first = people.changes(admin)[-1]  # the world's users came from the command line
    assert (first.by, first.what) == ("Command line", "Added as Accounting Approver")


def test_only_company_admins_see_or_make_changes(world):
    for call, args in (
        (people.changes, ()),
        (people.separate_duties, ()),
        (people.set_separate_duties, (False,)),
        (people.set_company_admin, (world.approver2.id, True)),
    ):
        with pytest.raises(PermissionDenied, match="company admin"):
            call(world.approver, *args)
    with pytest.raises(InvalidInput, match="your own"):
        people.set_company_admin(world.admin, world.admin.id, False)
    assert people.separate_duties(world.admin) is True
    assert people.changes(world.admin)[0].by == "Command line"  # nothing was recorded


@pytest.mark.parametrize(
    ("call", "value"),
    [
        ("set_active", "false"),
        ("set_active", "true"),
        ("set_active", 0),
        ("set_active", None),
        ("set_company_admin", "false"),
        ("set_company_admin", 1),
        ("set_separate_duties", "false"),
        ("set_separate_duties", {}),
    ],
)
def test_only_a_real_true_or_false_counts(world, call, value):
    people.set_active(world.admin, world.approver2.id, False)
    before = people.changes(world.admin)
    args = () if call == "set_separate_duties" else (world.approver2.id,)
    with pytest.raises(InvalidInput, match=r"\(true or false\)"):
        getattr(people, call)(world.admin, *args, value)
    after = {p.email: p for p in people.people(world.admin)}["bob@example.com"]
    assert (after.is_active, after.is_company_admin) == (False, False)
    assert people.separate_duties(world.admin) is True
    assert people.changes(world.admin) == before


def _sent_by_the_decider(world):
    """Pam sent Project 1 as Project Admin, then made herself an Accounting Approver."""
    people.set_role(world.admin, world.admin.id, "accounting_approver")
    return auth.actor_for(auth.sign_in("pam@example.com", PASSWORD))


def test_with_duties_separated_the_sender_cannot_decide(world):
    pam = _sent_by_the_decider(world)
    pid = world.projects[0]
    with pytest.raises(PermissionDenied, match="another approver must decide"):
        jobs.reject(pam, pid, world.project(pid).erp_version, "my own project")
    [refused] = jobs.export_projects(pam, [world.choice(pid)])
    assert not refused.ok and "separates duties" in refused.message
    assert world.project(pid).erp_state == "ready_to_export"
    with unit_of_work() as s:
        pams = s.exec(select(ErpEvent.action).where(ErpEvent.actor_id == pam.id)).all()
    assert pams == ["send"] * 3  # her sends, no decision
    assert "rejected" in jobs.reject(world.approver, pid, world.project(pid).erp_version, "")


@pytest.mark.parametrize(
    "action", sorted(name for name, t in TRANSITIONS.items() if t.role is Role.APPROVER)
)
def test_every_approver_decision_passes_the_check(world, action):
    pam = _sent_by_the_decider(world)
    with pytest.raises(PermissionDenied, match="separates duties"), unit_of_work() as s:
        move(s, s.get(Project, world.projects[0]), action, pam)


def test_turned_off_the_sender_may_decide_and_the_change_is_recorded(world):
    pam = _sent_by_the_decider(world)
    assert "is off" in people.set_separate_duties(world.admin, False)
    pid = world.projects[0]
    jobs.reject(pam, pid, world.project(pid).erp_version, "my own, allowed now")
    assert world.project(pid).erp_state == "rejected"
    assert "is on" in people.set_separate_duties(pam, True)
    other = world.projects[1]  # also sent by Pam
    with pytest.raises(PermissionDenied, match="separates duties"):
        jobs.reject(pam, other, world.project(other).erp_version, "")
    with unit_of_work() as s:
        settings = s.exec(
            select(PeopleEvent.detail)
            .where(PeopleEvent.action == "setting")
            .order_by(PeopleEvent.id)
        ).all()
    assert settings == ["Separate duties turned off", "Separate duties turned on"]
