"""Who hears about a project, and what the emails say."""

from __future__ import annotations

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Email, Project
from erp_dashboard.services import jobs, project_pages, projects
from erp_dashboard.services.errors import InvalidInput, PermissionDenied
from erp_dashboard.services.notifications import AWAITING_SUBJECT
from tests.builders import drain, rejection_emails


def awaiting(project_name: str) -> list[Email]:
    with unit_of_work() as s:
        subject = f"{AWAITING_SUBJECT}: {project_name}"
        return list(s.exec(select(Email).where(Email.subject == subject)).all())


def test_sending_tells_every_approver_with_a_link(world, monkeypatch):
    monkeypatch.setenv("ERP_PUBLIC_URL", "https://erp.example.com/")
    pid = world.new_project("Dockside", sent=False)
    projects.send_to_erp(world.admin, pid)
    [email] = awaiting("Dockside")
    assert email.to_addrs == "ann@example.com, bob@example.com"
    assert "Pam Admin" in email.body
    assert "https://erp.example.com/jobs?filter=ready_to_export" in email.body


def test_a_projects_own_approvers_are_the_ones_notified(world):
    pid = world.new_project("Quayside", sent=False)
    projects.set_approvers(world.admin, pid, ["BOB@example.com"])
    projects.send_to_erp(world.admin, pid)
    assert awaiting("Quayside")[0].to_addrs == "bob@example.com"
    jobs.reject(world.approver, pid, world.project(pid).erp_version, "no")
    [email] = rejection_emails()
    assert email.to_addrs == "bob@example.com, pam@example.com"  # approvers + creator, once
    assert "/projects?search=N-Quayside" in email.body


def test_approver_lists_are_validated_and_admin_only(world):
    pid = world.projects[0]
    for bad in (["vic@example.com"], ["nobody@example.com"]):
        with pytest.raises(InvalidInput, match="Not active Accounting Approvers"):
            projects.set_approvers(world.admin, pid, bad)
    with pytest.raises(PermissionDenied):
        projects.set_approvers(world.approver, pid, ["ann@example.com"])
    assert "every Accounting Approver" in projects.set_approvers(world.admin, pid, [])


def test_resending_changes_tells_the_approvers(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    projects.update_project(world.admin, pid, description="Bigger")
    projects.send_to_erp(world.admin, pid)
    [email] = awaiting("Project 1")[-1:]
    assert "changes to project" in email.body and "filter=ready_to_update" in email.body


def test_names_with_line_breaks_cannot_inject_headers(world):
    pid = world.new_project("Harmless", sent=False)
    with unit_of_work() as s:
        project = s.get(Project, pid)
        project.name = "Evil\r\nBcc: spy@example.com"
        s.add(project)
    with pytest.raises(InvalidInput, match="line break"):
        projects.send_to_erp(world.admin, pid)
    assert awaiting("Evil Bcc: spy@example.com") == []


def test_the_project_form_names_approvers(world):
    fields = projects.fields_from_form(
        {
            "name": "Form Job",
            "number": "F-1",
            "street": "1 Dock Rd",
            "city": "Tacoma",
            "approvers": "ann@example.com; ",
        }
    )
    pid = projects.add_project(world.admin, **fields)
    projects.send_to_erp(world.admin, pid)
    assert awaiting("Form Job")[0].to_addrs == "ann@example.com"
    rows, _ = project_pages.project_page(world.viewer, "Form Job")
    assert rows[0].approvers == "ann@example.com"
    projects.update_project(world.admin, pid, approvers=[])
    assert project_pages.project_page(world.viewer, "Form Job")[0][0].approvers == ""


def test_a_rejection_links_to_its_project_at_the_public_address(world, monkeypatch):
    monkeypatch.setenv("ERP_PUBLIC_URL", "https://erp.example.com/")
    pid = world.new_project("Ampersand", number="A&B 7/1")
    jobs.reject(world.approver, pid, world.project(pid).erp_version, "")
    [email] = rejection_emails()
    assert "\nhttps://erp.example.com/projects?search=A%26B%207%2F1\n" in email.body
