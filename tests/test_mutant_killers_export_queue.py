"""The export queue's answers read back from the database: QuickBooks' code on the work
item, when a project was last synced, what an odd answer does, and what the log says about
an answer that matches nothing. Each test kills mutants that survived the rest of the suite
(`make mutants`, issue 11 §7)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select, update

from erp_dashboard import qbxml
from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import Project, WorkItem, utcnow
from erp_dashboard.services import export_queue, jobs, projects
from tests.builders import drain


@pytest.fixture
def synced(world):
    """Project 1, exported and synced under Acme Builders."""
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    return pid


@pytest.fixture
def changed(world, synced):
    """Project 1, synced, then changed and sent again: it waits in Ready To Update."""
    projects.update_project(world.admin, synced, city="Tacoma")
    projects.send_to_erp(world.admin, synced)
    return synced


def _item(pid: int) -> WorkItem:
    with read_only() as s:
        return s.exec(
            select(WorkItem).where(WorkItem.project_id == pid).order_by(WorkItem.id.desc())
        ).first()


def _in_flight(world, pid: int) -> str:
    """The update approved, claimed and sent, as a Web Connector session would; its
    requestID."""
    jobs.approve_update(world.approver, pid, world.project(pid).erp_version)
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == pid).values(status="sent"))
    return _item(pid).request_id


def _apply(apply, result: qbxml.QBResult):
    with unit_of_work() as s:
        item = export_queue.in_flight(s, [result.request_id]).get(result.request_id)
        return apply(s, result, item)


def test_a_successful_update_records_code_zero_and_when_it_synced(world, changed):
    _in_flight(world, changed)
    with unit_of_work() as s:  # synced a day ago
        s.exec(
            update(Project)
            .where(Project.id == changed)
            .values(synced_at=utcnow() - timedelta(days=1))
        )
    start = utcnow()
    with unit_of_work() as s:
        job = s.get(Project, changed)
        ret = qbxml.CustomerRet(job.qb_list_id, "7", job.name, f"Acme Builders:{job.name}")
    result = qbxml.QBResult(
        _item(changed).request_id, "CustomerModRs", 0, "Info", "Status OK", (ret,)
    )
    assert _apply(export_queue.apply_mod, result) == export_queue.Applied.DONE
    item, project = _item(changed), world.project(changed)
    assert (item.status, item.status_code, item.status_message) == ("done", 0, "Status OK")
    assert project.erp_state == "synced" and project.qb_edit_sequence == "7"
    assert start - timedelta(seconds=1) <= project.synced_at <= utcnow()


def test_a_refused_update_keeps_quickbooks_code_on_the_work_item(world, changed):
    rid = _in_flight(world, changed)
    result = qbxml.QBResult(rid, "CustomerModRs", qbxml.NO_PERMISSION, "Error", "Not allowed")
    assert _apply(export_queue.apply_mod, result) == export_queue.Applied.FAILED
    item, project = _item(changed), world.project(changed)
    assert (item.status, item.status_code, item.status_message) == (
        "failed",
        qbxml.NO_PERMISSION,
        "Not allowed",
    )
    assert (project.erp_state, project.qb_error_code) == ("ready_to_update", 3260)


def test_an_update_answered_ok_without_the_job_fails_instead_of_crashing(world, changed):
    """statusCode 0 but no CustomerRet: nothing says what QuickBooks holds now."""
    rid = _in_flight(world, changed)
    result = qbxml.QBResult(rid, "CustomerModRs", 0, "Info", "Status OK")
    assert _apply(export_queue.apply_mod, result) == export_queue.Applied.FAILED
    assert world.project(changed).erp_state == "ready_to_update"


@pytest.mark.parametrize(
    ("apply", "kind", "says"),
    [
        (export_queue.apply_add, "CustomerAddRs", "response"),
        (export_queue.apply_mod, "CustomerModRs", "response"),
        (export_queue.apply_lookup, "CustomerQueryRs", "look-up"),
    ],
)
def test_an_answer_that_matches_nothing_in_flight_is_logged_by_its_request_id(
    db, caplog, apply, kind, says
):
    result = qbxml.QBResult("no-such-request", kind, 0, "Info", "Status OK")
    with caplog.at_level(logging.WARNING, logger=export_queue.log.name):
        assert _apply(apply, result) is None
    assert [r.getMessage() for r in caplog.records] == [
        f"Ignored QuickBooks {says} 'no-such-request': no item in flight"
    ]


def test_a_busy_answer_to_an_update_queues_it_again_later(world, changed):
    rid = _in_flight(world, changed)
    start = utcnow()
    result = qbxml.QBResult(rid, "CustomerModRs", qbxml.IN_USE, "Error", "Record in use")
    assert _apply(export_queue.apply_mod, result) == export_queue.Applied.RETRY
    item = _item(changed)
    assert (item.status, item.status_code, item.attempts, item.ticket_hash) == (
        "queued",
        qbxml.IN_USE,
        1,
        None,
    )
    assert item.status_message.endswith(
        f"(try 2 of {export_queue.MAX_ATTEMPTS}). QuickBooks said: Record in use"
    )
    assert item.not_before >= start + export_queue.backoff(1) - timedelta(seconds=1)
    assert world.project(changed).erp_state == "updating"  # still with QuickBooks


def test_a_stale_edit_sequence_retry_keeps_the_request_id_within_quickbooks_limit(world, changed):
    _in_flight(world, changed)
    longest = "x" * qbxml.REQUEST_ID_MAX
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.id == _item(changed).id).values(request_id=longest))
    result = qbxml.QBResult(longest, "CustomerModRs", qbxml.STALE_EDIT_SEQUENCE, "Error", "old")
    assert _apply(export_queue.apply_mod, result) == export_queue.Applied.RETRY
    item = _item(changed)
    assert item.request_id == "x" * (qbxml.REQUEST_ID_MAX - 2) + "-r"
    assert (item.status, item.verify_first) == ("queued", True)
