"""The export queue's answers read back from the database: QuickBooks' code on the work
item, when a project was last synced, what an odd answer does, and what the log says about
an answer that matches nothing. Each test kills mutants that survived the rest of the suite
(`make mutants`, issue 11 §7)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select, update

from erp_dashboard import qbxml
from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import Project, QbJob, QbwcSession, WorkItem, utcnow
from erp_dashboard.services import export_queue, jobs
from erp_dashboard.services.state_machine import bump_count


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
    assert json.loads(project.qb_exported) == export_queue.exported_fields(project)
    assert json.loads(project.qb_exported)["city"] == "Tacoma"
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


# -- answers to an export (CustomerAdd) and to a look-up ---------------------------------


def _exporting(world, pid: int) -> str:
    """The export accepted and sent, recording no fields (as before migration 0011)."""
    jobs.export_projects(world.approver, [world.choice(pid)])
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == pid).values(status="sent"))
    return _item(pid).request_id


def _job(list_id: str, name: str = "Project 1") -> qbxml.CustomerRet:
    return qbxml.CustomerRet(list_id, "1", name, f"Acme Builders:{name}")


def _added(rid: str, job: qbxml.CustomerRet) -> qbxml.QBResult:
    return qbxml.QBResult(rid, "CustomerAddRs", 0, "Info", "Status OK", (job,))


def test_an_export_answer_links_the_job_and_records_what_quickbooks_holds(world):
    pid = world.projects[0]
    rid = _exporting(world, pid)
    start = utcnow()
    assert _apply(export_queue.apply_add, _added(rid, _job("8000-1"))) == "done"
    project = world.project(pid)
    assert (project.erp_state, project.qb_list_id) == ("synced", "8000-1")
    assert json.loads(project.qb_exported) == export_queue.exported_fields(project)
    assert json.loads(project.qb_exported)["city"] == "Seattle"
    assert start - timedelta(seconds=1) <= project.synced_at <= utcnow()
    assert _item(pid).status_code == 0


def test_the_job_a_customer_sync_saw_first_leaves_ready_to_import(world):
    pid = world.projects[0]
    rid = _exporting(world, pid)
    with unit_of_work() as s:  # a customer sync listed the job before the answer came
        s.add(QbJob(list_id="8000-1", full_name="Acme Builders:Project 1", erp_version=4))
        s.add(QbJob(list_id="8000-2", full_name="Acme Builders:Other", erp_version=4))
        bump_count(s, "ready_to_import", +2)
    before = world.counts()
    assert _apply(export_queue.apply_add, _added(rid, _job("8000-1"))) == "done"
    with read_only() as s:
        jobs_seen = {j.list_id: (j.erp_list, j.erp_version) for j in s.exec(select(QbJob))}
    assert jobs_seen == {"8000-1": ("", 5), "8000-2": ("ready_to_import", 4)}
    after = world.counts()
    assert after["ready_to_import"] == before["ready_to_import"] - 1
    assert after["synced"] == before["synced"] + 1


def test_a_job_linked_to_another_project_fails_the_export_with_quickbooks_code(world):
    first, second = world.projects[:2]
    with unit_of_work() as s:
        s.get(Project, first).qb_list_id = "8000-1"
    rid = _exporting(world, second)
    assert _apply(export_queue.apply_add, _added(rid, _job("8000-1", "Project 2"))) == "failed"
    project, item = world.project(second), _item(second)
    message = (
        "QuickBooks job “Acme Builders:Project 2” is already linked to project “Project 1” "
        "(N-Project 1); one QuickBooks job belongs to one project."
    )
    assert (project.erp_state, project.qb_error_code, project.qb_error_message) == (
        "failed_to_export",
        3100,
        message,
    )
    assert (item.status, item.status_code) == ("failed", 3100)


def test_a_job_already_linked_to_the_same_project_is_its_own(world):
    pid = world.projects[0]
    rid = _exporting(world, pid)
    with unit_of_work() as s:  # learned from an earlier attempt
        s.get(Project, pid).qb_list_id = "8000-1"
    assert _apply(export_queue.apply_add, _added(rid, _job("8000-1"))) == "done"
    assert world.project(pid).erp_state == "synced"


def test_an_export_answered_ok_without_the_job_fails_instead_of_crashing(world):
    pid = world.projects[0]
    rid = _exporting(world, pid)
    result = qbxml.QBResult(rid, "CustomerAddRs", 0, "Info", "Status OK")
    assert _apply(export_queue.apply_add, result) == "failed"
    assert world.project(pid).erp_state == "failed_to_export"


@pytest.mark.parametrize(
    ("apply", "kind"),
    [(export_queue.apply_add, "CustomerAddRs"), (export_queue.apply_lookup, "CustomerQueryRs")],
)
def test_busy_answers_back_off_longer_each_time_and_say_what_quickbooks_said(world, apply, kind):
    pid = world.projects[0]
    rid = _exporting(world, pid)
    for attempt in (1, 2):
        start = utcnow()
        busy = qbxml.QBResult(rid, kind, qbxml.LIST_MODIFIED, "Error", f"Busy {attempt}")
        assert _apply(apply, busy) == "retry"
        item = _item(pid)
        assert (item.status, item.status_code, item.attempts) == (
            "queued",
            qbxml.LIST_MODIFIED,
            attempt,
        )
        assert item.status_message.endswith(f"QuickBooks said: Busy {attempt}")
        wait = export_queue.backoff(attempt)
        assert start + wait - timedelta(seconds=1) <= item.not_before <= utcnow() + wait
        with unit_of_work() as s:
            s.exec(update(WorkItem).where(WorkItem.id == item.id).values(status="sent"))
    assert export_queue.backoff(2) == 2 * export_queue.backoff(1)


def test_a_refused_look_up_keeps_quickbooks_code_on_the_work_item(world):
    pid = world.projects[0]
    rid = _exporting(world, pid)
    refused = qbxml.QBResult(rid, "CustomerQueryRs", qbxml.NO_PERMISSION, "Error", "No way")
    assert _apply(export_queue.apply_lookup, refused) == "failed"
    item, project = _item(pid), world.project(pid)
    assert (item.status, item.status_code) == ("failed", qbxml.NO_PERMISSION)
    assert project.qb_error_message == (
        "While checking whether QuickBooks already has the job: No way"
    )


# -- what is handed out, and when --------------------------------------------------------


def test_an_item_waiting_out_its_backoff_is_not_handed_out_until_then(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    later = utcnow() + timedelta(minutes=5)
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == pid).values(not_before=later))
    with unit_of_work() as s:
        assert export_queue.claim_batch(s, 10, "t1", kind="add", verify=False) == []
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == pid).values(not_before=utcnow()))
    with unit_of_work() as s:
        [claimed] = export_queue.claim_batch(s, 10, "t2", kind="add", verify=False)
    assert claimed.request_id == _item(pid).request_id
    assert (_item(pid).status, _item(pid).ticket_hash) == ("sent", "t2")


@pytest.mark.parametrize(("edit_sequence", "verify_first"), [("", True), ("7", False)])
def test_an_update_without_the_jobs_edit_sequence_reads_it_first(
    world, changed, edit_sequence, verify_first
):
    with unit_of_work() as s:
        s.get(Project, changed).qb_edit_sequence = edit_sequence
    jobs.approve_update(world.approver, changed, world.project(changed).erp_version)
    item = _item(changed)
    assert (item.kind, item.status, item.verify_first) == ("mod", "queued", verify_first)


def test_an_item_another_sender_claimed_meanwhile_is_not_handed_out_twice(world):
    """Between this sender's SELECT and its compare-and-set UPDATE, another sender claims
    the item (played here on the same connection, just before the UPDATE)."""
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    with unit_of_work() as s:
        conn = s.connection()

        def another_sender(_conn, cursor, statement, *_args) -> None:
            if statement.startswith("UPDATE qb_work_item") and not raced:
                raced.append(statement)
                cursor.execute("UPDATE qb_work_item SET status = 'sent', ticket_hash = 'other'")

        raced: list[str] = []
        event.listen(conn, "before_cursor_execute", another_sender)
        try:
            assert export_queue.claim_batch(s, 10, "mine", kind="add", verify=False) == []
        finally:
            event.remove(conn, "before_cursor_execute", another_sender)
    assert raced
    assert (_item(pid).status, _item(pid).ticket_hash) == ("sent", "other")


def test_names_in_flight_are_matched_as_quickbooks_compares_them_case_folded(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    with read_only() as s:
        assert export_queue.in_flight_names(s, ["ACME BUILDERS:PROJECT 1", "Acme:Other"]) == {
            "acme builders:project 1": "Project 1"
        }
        assert export_queue.in_flight_names(s, []) == {}


# -- items in flight, lost answers, orphans ----------------------------------------------


def _sent(world, pids: list[int], ticket: str | None) -> list[str]:
    """Export each project and mark its item sent in session `ticket`; the requestIDs."""
    jobs.export_projects(world.approver, [world.choice(pid) for pid in pids])
    with unit_of_work() as s:
        s.exec(
            update(WorkItem)
            .where(WorkItem.project_id.in_(pids))
            .values(status="sent", ticket_hash=ticket)
        )
    return [_item(pid).request_id for pid in pids]


def test_only_the_items_asked_for_and_still_sent_are_in_flight(world):
    first, second, third = world.projects
    rids = _sent(world, [first, second, third], "t1")
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == third).values(status="done"))
    with read_only() as s:
        assert set(export_queue.in_flight(s, [rids[0], rids[2]])) == {rids[0]}
        assert export_queue.count(s, "sent", "t1") == 2
        assert export_queue.count(s, "sent", "t2") == 0
        assert export_queue.count(s, "sent") == 2


def test_names_in_flight_are_only_those_asked_for_and_still_with_quickbooks(world):
    first, second, _ = world.projects
    jobs.export_projects(world.approver, [world.choice(first), world.choice(second)])
    with unit_of_work() as s:
        s.get(Project, second).erp_state = "synced"
    with read_only() as s:
        names = ["Acme Builders:Project 2", "Acme Builders:Project 3"]
        assert export_queue.in_flight_names(s, names) == {}
        assert export_queue.in_flight_names(s, ["Acme Builders:Project 1"]) == {
            "acme builders:project 1": "Project 1"
        }


def test_unanswered_items_of_a_session_are_looked_up_again_then_given_up(world):
    first, second, third = world.projects
    _sent(world, [first, second], "t1")
    _sent(world, [third], "t2")
    reason = "QuickBooks said 0x80040400"
    for attempt in range(1, export_queue.MAX_ATTEMPTS):
        with unit_of_work() as s:
            assert export_queue.requeue_unanswered(s, "t1", reason) == 0
        item = _item(first)
        assert (item.status, item.verify_first, item.attempts, item.ticket_hash) == (
            "queued",
            True,
            attempt,
            None,
        )
        assert item.status_message == f"QuickBooks' answer was lost ({reason}); checking again."
        with unit_of_work() as s:
            s.exec(
                update(WorkItem)
                .where(WorkItem.project_id.in_([first, second]))
                .values(status="sent", ticket_hash="t1")
            )
    assert _item(third).status == "sent"  # another session's item
    with unit_of_work() as s:
        assert export_queue.requeue_unanswered(s, "t1", reason) == 2
    project = world.project(first)
    assert (project.erp_state, project.qb_error_code) == ("failed_to_export", -1)
    assert project.qb_error_message == (
        f"QuickBooks' answer could not be read {export_queue.MAX_ATTEMPTS} times: {reason}"
    )


def test_items_of_closed_expired_or_no_session_are_released_to_be_looked_up(world):
    pids = [*world.projects, world.new_project("Project 4")]
    now = utcnow()
    with unit_of_work() as s:
        s.add(QbwcSession(ticket_hash="closed", expires_at=now + timedelta(hours=1), closed_at=now))
        s.add(QbwcSession(ticket_hash="expired", expires_at=now))
        s.add(QbwcSession(ticket_hash="live", expires_at=now + timedelta(microseconds=1)))
    for pid, ticket in zip(pids, ["closed", "expired", None, "live"], strict=True):
        _sent(world, [pid], ticket)
    with unit_of_work() as s:
        assert export_queue.release_orphans(s, now) == 3
    assert [(_item(pid).status, _item(pid).verify_first) for pid in pids] == [
        ("queued", True),
        ("queued", True),
        ("queued", True),
        ("sent", False),
    ]


def test_an_item_is_due_at_its_not_before_exactly(world, monkeypatch):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    now = utcnow()
    monkeypatch.setattr(export_queue, "utcnow", lambda: now)
    with unit_of_work() as s:
        s.exec(update(WorkItem).where(WorkItem.project_id == pid).values(not_before=now))
    with unit_of_work() as s:
        assert len(export_queue.claim_batch(s, 10, "t1", kind="add", verify=False)) == 1
