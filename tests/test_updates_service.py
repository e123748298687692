"""Ready To Update: a synced project's changes reach its QuickBooks job (CustomerModRq)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.services import job_lists, jobs, projects
from erp_dashboard.services.errors import InvalidInput, PermissionDenied
from erp_dashboard.simulator.company import SimListItem
from tests.builders import drain, rejection_emails


def qb_job(list_id: str) -> SimListItem:
    with unit_of_work() as s:
        return s.exec(select(SimListItem).where(SimListItem.list_id == list_id)).one()


def test_changed_project_is_resent_updated_and_synced_again(world, synced):
    before = world.project(synced)
    projects.update_project(world.admin, synced, name="Project One", city="Tacoma")
    assert "sent" in projects.send_to_erp(world.admin, synced)
    waiting = world.project(synced)
    assert waiting.erp_state == "ready_to_update"
    assert json.loads(waiting.erp_changes) == [
        {"field": "name", "old": "Project 1", "new": "Project One"},
        {"field": "city", "old": "Seattle", "new": "Tacoma"},
    ]
    assert world.counts()["ready_to_update"] == 1

    jobs.approve_update(world.approver, synced, waiting.erp_version)
    assert world.project(synced).erp_state == "updating"
    drain()
    after = world.project(synced)
    assert after.erp_state == "synced" and after.erp_changes == ""
    assert after.qb_full_name == "Acme Builders:Project One"
    assert after.qb_edit_sequence != before.qb_edit_sequence
    job = qb_job(after.qb_list_id)
    assert (job.full_name, job.city, job.edit_sequence) == (
        "Acme Builders:Project One",
        "Tacoma",
        after.qb_edit_sequence,
    )


def test_nothing_changed_is_refused(world, synced):
    with pytest.raises(InvalidInput, match="has changed"):
        projects.send_to_erp(world.admin, synced)


def test_stale_edit_sequence_is_reread_and_retried_once(world, synced):
    projects.update_project(world.admin, synced, description="New scope")
    projects.send_to_erp(world.admin, synced)
    list_id = world.project(synced).qb_list_id
    with unit_of_work() as s:  # someone edits the job inside QuickBooks meanwhile
        job = s.exec(select(SimListItem).where(SimListItem.list_id == list_id)).one()
        job.edit_sequence = str(int(job.edit_sequence) + 7)
        s.add(job)
    jobs.approve_update(world.approver, synced, world.project(synced).erp_version)
    results = drain()
    assert results[-1] == 100 and len(results) == 3  # mod (3200), refresh, mod again
    project = world.project(synced)
    assert project.erp_state == "synced"
    assert qb_job(list_id).job_desc == "New scope"


def test_update_that_quickbooks_refuses_waits_with_its_error(world, synced):
    other = world.new_project("Project Two")
    jobs.export_projects(world.approver, [world.choice(other)])
    drain()
    projects.update_project(world.admin, synced, name="Project Two")  # taken under Acme
    projects.send_to_erp(world.admin, synced)
    jobs.approve_update(world.approver, synced, world.project(synced).erp_version)
    drain()
    project = world.project(synced)
    assert (project.erp_state, project.qb_error_code) == ("ready_to_update", 3100)
    page = job_lists.list_page(world.viewer, job_lists.PageQuery(job_list="ready_to_update"))
    assert "3100" in page.rows[0].error


def test_reject_update_restores_what_quickbooks_holds_and_notifies(world, synced):
    projects.update_project(world.admin, synced, name="Wrong Name", street="9 Elm St")
    projects.send_to_erp(world.admin, synced)
    jobs.reject_update(world.approver, synced, world.project(synced).erp_version, "Keep it")
    project = world.project(synced)
    assert (project.erp_state, project.name, project.street) == ("synced", "Project 1", "1 Main St")
    [email] = rejection_emails()
    assert "Keep it" in email.body


def test_name_and_address_are_locked_while_waiting(world):
    pid = world.projects[0]
    with pytest.raises(InvalidInput, match="locked"):
        projects.update_project(world.admin, pid, name="Sneaky Rename")
    projects.update_project(world.admin, pid, description="Fine to change")
    assert world.project(pid).description == "Fine to change"


def test_only_the_right_roles(world, synced):
    with pytest.raises(PermissionDenied):
        projects.update_project(world.approver, synced, name="X")
    with pytest.raises(PermissionDenied):
        projects.send_to_erp(world.viewer, synced)
    projects.update_project(world.admin, synced, name="Project One")
    projects.send_to_erp(world.admin, synced)
    version = world.project(synced).erp_version
    for actor in (world.admin, world.viewer):
        with pytest.raises(PermissionDenied):
            jobs.approve_update(actor, synced, version)
        with pytest.raises(PermissionDenied):
            jobs.reject_update(actor, synced, version, "")
