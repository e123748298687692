"""Rules pinned exactly: a stale view never wins, the audit trail keeps who, when and why,
QuickBooks' update answers are applied once, the job QuickBooks receives is the project,
and each limit holds at its edge. Each test kills a mutant that survived the rest of the
suite (issue 11 §7)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select, update

from erp_dashboard import qbxml
from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import ErpEvent, Project, WorkItem, utcnow
from erp_dashboard.services import auth, export_queue, jobs
from erp_dashboard.services.errors import ConcurrentChange, InvalidInput
from erp_dashboard.services.permissions import Role
from erp_dashboard.services.state_machine import move
from erp_dashboard.simulator.company import SimListItem
from erp_dashboard.simulator.quickbooks import add_customer
from tests.builders import PASSWORD, drain


def events(project_id: int) -> list[ErpEvent]:
    with read_only() as s:
        return list(
            s.exec(select(ErpEvent).where(ErpEvent.project_id == project_id).order_by(ErpEvent.id))
        )


# -- a stale view never wins -------------------------------------------------------------


def _refused_as_stale(world, pid: int, decide) -> None:
    before, trail = world.project(pid), len(events(pid))
    with pytest.raises(ConcurrentChange, match="changed by someone else"):
        decide(before.erp_version - 1)
    after = world.project(pid)
    assert (after.erp_state, after.erp_version) == (before.erp_state, before.erp_version)
    assert len(events(pid)) == trail
    decide(before.erp_version)  # the current view is taken
    assert world.project(pid).erp_version == before.erp_version + 1


def test_reject_from_a_stale_view_is_refused(world):
    pid = world.projects[0]
    _refused_as_stale(world, pid, lambda v: jobs.reject(world.approver, pid, v, "no"))


def test_approve_update_from_a_stale_view_is_refused(world, changed):
    _refused_as_stale(world, changed, lambda v: jobs.approve_update(world.approver, changed, v))


def test_reject_update_from_a_stale_view_is_refused(world, changed):
    _refused_as_stale(
        world, changed, lambda v: jobs.reject_update(world.approver, changed, v, "no")
    )


def test_compare_and_set_refuses_a_move_raced_by_another(world):
    """The project was read, then changed by another transaction before the move: the
    guarded UPDATE matches no row, nothing is written, not even the audit event."""
    pid = world.projects[0]
    seen, trail = world.project(pid), len(events(pid))
    with unit_of_work() as other:
        other.exec(
            update(Project).where(Project.id == pid).values(erp_version=seen.erp_version + 1)
        )
    with pytest.raises(ConcurrentChange, match="at the same moment"), unit_of_work() as s:
        move(s, seen, "reject", world.approver, comment="raced")
    assert world.project(pid).erp_state == "ready_to_export"
    assert len(events(pid)) == trail


# -- the audit trail keeps who, when and why ---------------------------------------------


def test_a_rejection_is_recorded_with_who_when_and_why(world):
    pid = world.projects[0]
    start = utcnow()
    jobs.reject(world.approver, pid, world.project(pid).erp_version, "  Wrong customer  ")
    last = events(pid)[-1]
    assert (last.action, last.from_state, last.to_state) == (
        "reject",
        "ready_to_export",
        "rejected",
    )
    assert last.actor_id == world.approver.id and last.comment == "Wrong customer"
    assert start - timedelta(seconds=1) <= last.at <= utcnow()
    project = world.project(pid)
    assert (project.erp_comment, project.erp_decided_by_id) == ("Wrong customer", world.approver.id)


def test_a_rejected_update_keeps_the_comment_and_drops_the_changes(world, changed):
    assert json.loads(world.project(changed).erp_changes)
    jobs.reject_update(world.approver, changed, world.project(changed).erp_version, "Keep it")
    project = world.project(changed)
    assert (project.erp_state, project.city, project.erp_changes) == ("synced", "Seattle", "")
    assert (project.erp_comment, project.erp_decided_by_id) == ("Keep it", world.approver.id)
    last = events(changed)[-1]
    assert (last.action, last.actor_id, last.comment) == (
        "reject_update",
        world.approver.id,
        "Keep it",
    )


# -- QuickBooks' answers to an update ----------------------------------------------------


def _item(pid: int) -> WorkItem:
    with read_only() as s:
        return s.exec(
            select(WorkItem).where(WorkItem.project_id == pid).order_by(WorkItem.id.desc())
        ).first()


def _answer(pid: int, code: int, message: str = "") -> str | None:
    """Apply a CustomerModRs with `code` to the project's item in flight."""
    with unit_of_work() as s:
        item = s.get(WorkItem, _item(pid).id)
        severity = "Error" if code else "Info"
        result = qbxml.QBResult(item.request_id, "CustomerModRs", code, severity, message)
        return export_queue.apply_mod(s, result, item)


def _in_flight(world, pid: int) -> None:
    """The update is claimed and sent, as a Web Connector session would."""
    jobs.approve_update(world.approver, pid, world.project(pid).erp_version)
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == pid).values(status="sent"))


def test_a_second_stale_edit_sequence_fails_instead_of_looping(world, changed):
    _in_flight(world, changed)
    assert _answer(changed, 3200, "out-of-date") == "retry"
    assert _item(changed).request_id.endswith(export_queue.RETRY_SUFFIX)
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == changed).values(status="sent"))
    assert _answer(changed, 3200, "out-of-date again") == "failed"
    project = world.project(changed)
    assert (project.erp_state, project.qb_error_code) == ("ready_to_update", 3200)


def test_an_answer_delivered_twice_or_to_nothing_is_not_applied(world, changed):
    _in_flight(world, changed)
    assert _answer(changed, 3100, "in use") == "failed"
    version = world.project(changed).erp_version
    assert _answer(changed, 3100, "in use") is None  # the item was answered already
    unknown = qbxml.QBResult("no-such-request", "CustomerModRs", 3100, "Error", "in use")
    with unit_of_work() as s:
        assert export_queue.apply_mod(s, unknown, None) is None
    assert world.project(changed).erp_version == version


def test_a_successful_update_refreshes_the_record_and_clears_the_error(world, changed):
    jobs.approve_update(world.approver, changed, world.project(changed).erp_version)
    with unit_of_work() as s:  # an error shown from before must not outlive the update
        s.exec(
            update(Project)
            .where(Project.id == changed)
            .values(qb_error_code=3100, qb_error_message="old")
        )
    drain()
    project = world.project(changed)
    assert project.erp_state == "synced"
    assert (project.qb_error_code, project.qb_error_message) == (None, None)
    assert json.loads(project.qb_exported)["city"] == "Tacoma"


def test_a_retried_export_forgets_quickbooks_old_refusal(world):
    pid = world.projects[0]
    with unit_of_work() as s:  # Acme Builders has a job of that name already
        add_customer(s, "Project 1", parent_full_name="Acme Builders")
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    assert world.project(pid).qb_error_code == 3100
    [outcome] = jobs.export_projects(world.approver, [world.choice(pid, "Bayside Properties")])
    assert outcome.ok
    retried = world.project(pid)
    assert (retried.qb_error_code, retried.qb_error_message) == (None, None)
    drain()
    assert world.project(pid).erp_state == "synced"


# -- the job QuickBooks receives is the project -------------------------------------------


def test_the_job_quickbooks_holds_is_the_project(world, synced):
    project = world.project(synced)
    with read_only() as s:
        job = s.exec(select(SimListItem).where(SimListItem.list_id == project.qb_list_id)).one()
    assert (job.name, job.full_name, job.parent_list_id) == (
        project.name,
        f"Acme Builders:{project.name}",
        world.customers["Acme Builders"],
    )
    assert (job.addr1, job.city, job.state, job.postal_code) == (
        project.street,
        project.city,
        project.state,
        project.postal_code,
    )
    assert (job.job_start_date, job.job_projected_end_date, job.job_desc) == (
        project.start_date,
        project.projected_end_date,
        project.description,
    )


def test_an_inactive_quickbooks_customer_is_read_as_inactive():
    def customer(active: str) -> qbxml.CustomerRet:
        xml = (
            '<?xml version="1.0"?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="q" '
            'statusCode="0" statusSeverity="Info" statusMessage="Status OK"><CustomerRet>'
            "<ListID>80000001-1</ListID><EditSequence>1</EditSequence><Name>Old</Name>"
            f"<FullName>Old</FullName><IsActive>{active}</IsActive><Sublevel>0</Sublevel>"
            "</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>"
        )
        [result] = qbxml.parse_response(xml)
        return result.customers[0]

    assert customer("false").is_active is False
    assert customer("true").is_active is True


# -- limits at their edges ---------------------------------------------------------------


def test_a_comment_of_exactly_the_limit_is_kept_one_more_is_refused(world):
    first, second = world.projects[:2]
    too_long = "x" * (jobs.COMMENT_LIMIT + 1)
    with pytest.raises(InvalidInput, match=f"at most {jobs.COMMENT_LIMIT}"):
        jobs.reject(world.approver, first, world.project(first).erp_version, too_long)
    assert world.project(first).erp_state == "ready_to_export"
    jobs.reject(world.approver, second, world.project(second).erp_version, too_long[:-1])
    assert len(world.project(second).erp_comment) == jobs.COMMENT_LIMIT == 2_000


def test_passwords_from_twelve_characters_and_emails_to_254(world):
    local = "a" * 64
    longest = f"{local}@{'b' * 63}.{'c' * 63}.{'d' * (254 - 64 - 1 - 63 - 1 - 63 - 1 - 4)}.com"
    assert len(longest) == 254
    with unit_of_work() as s:
        with pytest.raises(InvalidInput, match="at least 12"):
            auth.create_user(s, "eleven@example.com", "Eleven", "x" * 11, Role.VIEWER)
        user = auth.create_user(s, longest, "Longest", "x" * 12, Role.VIEWER)
        assert user.is_company_admin is False  # only when asked for
    with pytest.raises(InvalidInput, match="at most 254"):
        auth.sign_in("e" + longest, "x" * 12)
    assert auth.actor_for(auth.sign_in(longest, "x" * 12)).role is Role.VIEWER
    assert auth.sign_in("ann@example.com", PASSWORD)
