"""An approver's decisions read back from the database: a rejected update restores the
dates QuickBooks holds (or their absence), records who decided, and is refused to other
roles with its reason. Each test kills mutants that survived the rest of the suite
(`make mutants`, issue 11 §7)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select, update

from erp_dashboard import quickbooks_fields
from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import ErpEvent, Project
from erp_dashboard.services import jobs, projects
from erp_dashboard.services.errors import InvalidInput, NotFound, PermissionDenied
from tests.builders import drain


def _synced(world, pid: int) -> int:
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    assert world.project(pid).erp_state == "synced"
    return pid


def _reject_update(world, pid: int, **changes) -> None:
    """Change the synced project, send the change, and have the second approver reject it."""
    projects.update_project(world.admin, pid, **changes)
    projects.send_to_erp(world.admin, pid)
    jobs.reject_update(world.approver2, pid, world.project(pid).erp_version, "Not this")


def test_a_rejected_update_restores_the_dates_quickbooks_holds(world):
    pid = _synced(world, world.projects[0])
    _reject_update(
        world, pid, start_date=date(2027, 1, 2), projected_end_date=date(2027, 2, 3), city="Kent"
    )
    project = world.project(pid)
    assert (project.start_date, project.projected_end_date, project.city) == (
        date(2026, 3, 1),
        date(2026, 9, 1),
        "Seattle",
    )


def test_a_rejected_update_restores_dates_quickbooks_never_had(world):
    pid = _synced(world, world.new_project("Undated", start_date=None, projected_end_date=None))
    _reject_update(world, pid, start_date=date(2027, 1, 2))
    project = world.project(pid)
    assert (project.erp_state, project.start_date, project.projected_end_date) == (
        "synced",
        None,
        None,
    )


def test_a_rejected_update_records_the_approver_who_rejected_it(world):
    pid = _synced(world, world.projects[0])
    assert world.project(pid).erp_decided_by_id == world.approver.id  # the export
    _reject_update(world, pid, city="Kent")
    project = world.project(pid)
    assert (project.erp_decided_by_id, project.erp_comment) == (world.approver2.id, "Not this")


def test_an_update_quickbooks_cannot_store_is_refused_with_every_reason(world):
    pid = _synced(world, world.projects[0])
    projects.update_project(world.admin, pid, city="Kent")
    projects.send_to_erp(world.admin, pid)
    with unit_of_work() as s:  # rows written before today's checks, or by an import
        s.exec(
            update(Project)
            .where(Project.id == pid)
            .values(city="Kent, WA", description="Costs in €")
        )
    version = world.project(pid).erp_version
    with pytest.raises(InvalidInput) as refused:
        jobs.approve_update(world.approver, pid, version)
    assert str(refused.value) == (
        "“Project 1” cannot go to QuickBooks: "
        "Description contains characters QuickBooks cannot store ('€'); only ISO-8859-1 "
        "(Latin-1) text without control characters is allowed. "
        "The address contains a comma, which QuickBooks does not accept."
    )
    assert world.project(pid).erp_version == version


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_approvers_approve_updates_and_others_are_told_why(world, who):
    pid = _synced(world, world.projects[0])
    projects.update_project(world.admin, pid, city="Kent")
    projects.send_to_erp(world.admin, pid)
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied) as refused:
        jobs.approve_update(actor, pid, world.project(pid).erp_version)
    assert str(refused.value) == (
        f"{actor.role.label}s cannot update QuickBooks jobs; "
        "this needs the Accounting Approver role."
    )
    assert world.project(pid).erp_state == "ready_to_update"


def test_an_approved_update_records_its_approver_and_forgets_the_last_refusal(world):
    pid = _synced(world, world.projects[0])
    projects.update_project(world.admin, pid, city="Kent")
    projects.send_to_erp(world.admin, pid)
    with unit_of_work() as s:  # the last attempt was refused
        s.exec(
            update(Project)
            .where(Project.id == pid)
            .values(qb_error_code=3200, qb_error_message="out of date")
        )
    jobs.approve_update(world.approver2, pid, world.project(pid).erp_version)
    project = world.project(pid)
    assert project.erp_state == "updating"
    assert (project.erp_decided_by_id, project.qb_error_code, project.qb_error_message) == (
        world.approver2.id,
        None,
        None,
    )


def _waiting_update(world) -> int:
    """Project 1, synced, then changed and sent again: Ready To Update."""
    pid = _synced(world, world.projects[0])
    projects.update_project(world.admin, pid, city="Kent")
    projects.send_to_erp(world.admin, pid)
    return pid


@pytest.mark.parametrize("who", ["admin", "viewer"])
@pytest.mark.parametrize(
    ("what", "reject", "waiting", "state"),
    [
        ("projects", jobs.reject, lambda world: world.projects[0], "ready_to_export"),
        ("updates", jobs.reject_update, _waiting_update, "ready_to_update"),
    ],
)
def test_only_approvers_reject_and_others_are_told_why(world, who, what, reject, waiting, state):
    pid = waiting(world)
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied) as refused:
        reject(actor, pid, world.project(pid).erp_version, "no")
    assert str(refused.value) == (
        f"{actor.role.label}s cannot reject {what}; this needs the Accounting Approver role."
    )
    assert world.project(pid).erp_state == state


# -- what an export refused says ---------------------------------------------------------


def test_an_export_to_a_customer_quickbooks_no_longer_has_says_to_choose_another(world):
    pid = world.projects[0]
    version = world.project(pid).erp_version
    [outcome] = jobs.export_projects(
        world.approver, [jobs.ExportChoice(pid, version, "80000099-1700000000")]
    )
    assert outcome == jobs.Outcome(
        pid,
        False,
        "The customer chosen for “Project 1” no longer exists in QuickBooks; choose another.",
    )


def test_an_export_quickbooks_cannot_store_is_refused_with_every_reason(world):
    pid = world.projects[0]
    with unit_of_work() as s:  # rows written before today's checks, or by an import
        s.exec(
            update(Project)
            .where(Project.id == pid)
            .values(city="Kent, WA", description="Costs in €")
        )
    [outcome] = jobs.export_projects(world.approver, [world.choice(pid)])
    assert outcome == jobs.Outcome(
        pid,
        False,
        "“Project 1” cannot go to QuickBooks: "
        "Description contains characters QuickBooks cannot store ('€'); only ISO-8859-1 "
        "(Latin-1) text without control characters is allowed. "
        "The address contains a comma, which QuickBooks does not accept.",
    )
    assert world.project(pid).erp_state == "ready_to_export"


def test_an_accepted_export_says_so_and_records_the_customer_chosen(world):
    pid = world.projects[0]
    [outcome] = jobs.export_projects(world.approver, [world.choice(pid, "Bayside Properties")])
    assert outcome == jobs.Outcome(pid, True, "“Project 1” is on its way to QuickBooks.")
    with read_only() as s:
        last = s.exec(
            select(ErpEvent).where(ErpEvent.project_id == pid).order_by(ErpEvent.id.desc())
        ).first()
    assert (last.action, last.actor_id, last.comment) == (
        "export",
        world.approver.id,
        "customer Bayside Properties",
    )


def test_an_export_of_nothing_is_refused_with_what_to_do(world):
    with pytest.raises(InvalidInput) as refused:
        jobs.export_projects(world.approver, [])
    assert str(refused.value) == "Accept at least one project and choose its customer."


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_approvers_export_and_others_are_told_why(world, who):
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied) as refused:
        jobs.export_projects(actor, [world.choice(world.projects[0])])
    assert str(refused.value) == (
        f"{actor.role.label}s cannot export projects; this needs the Accounting Approver role."
    )


def test_a_decision_on_a_project_that_does_not_exist_says_which(world):
    with pytest.raises(NotFound) as refused:
        jobs.reject(world.approver, 999_999, 1, "no")
    assert str(refused.value) == "Project 999999 does not exist."


def test_every_reason_quickbooks_cannot_store_a_project_is_named():
    project = Project(
        name=" ", number="N", street="1 Main St", city="Kent\tWA", state="WA", postal_code="1"
    )
    assert quickbooks_fields.export_problems(
        project
    ) == [  # a tab QuickBooks could store, not in an address
        "The name is empty.",
        "A field contains a line break or another control character.",
    ]
