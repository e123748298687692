"""Ready To Import: jobs QuickBooks has that no project is linked to."""

from __future__ import annotations

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Project, QbJob
from erp_dashboard.services import imports, job_lists
from erp_dashboard.services.errors import (
    ConcurrentChange,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from erp_dashboard.simulator.quickbooks import add_customer
from tests.builders import drain


@pytest.fixture
def found(world):
    """Two QuickBooks jobs a customer sync listed in Ready To Import."""
    with unit_of_work() as s:
        add_customer(s, "Old Depot", parent_full_name="Acme Builders", city="Tacoma")
        add_customer(s, "Boat Shed", parent_full_name="Bayside Properties")
    drain()
    with unit_of_work() as s:
        return {j.full_name: (j.id, j.erp_version) for j in s.exec(select(QbJob)).all()}


def test_import_creates_a_linked_synced_project(world, found):
    job_id, version = found["Acme Builders:Old Depot"]
    assert "imported" in imports.import_job(world.approver, job_id, version)
    with unit_of_work() as s:
        project = s.exec(select(Project).where(Project.name == "Old Depot")).one()
        assert s.get(QbJob, job_id).erp_list == ""  # out of the lists, audit trail kept
    assert (project.erp_state, project.qb_full_name, project.city) == (
        "synced",
        "Acme Builders:Old Depot",
        "Tacoma",
    )
    assert project.customer_id == world.customer_id("Acme Builders")
    counts = world.counts()
    assert (counts["ready_to_import"], counts["synced"]) == (1, 1)


def test_link_to_a_waiting_project(world, found):
    job_id, version = found["Bayside Properties:Boat Shed"]
    pid = world.projects[0]
    with pytest.raises(NotFound, match="No project has number"):
        imports.link_job(world.approver, job_id, version, "N-nope")
    imports.link_job(world.approver, job_id, version, world.project(pid).number)
    project = world.project(pid)
    assert (project.erp_state, project.qb_full_name) == ("synced", "Bayside Properties:Boat Shed")
    counts = world.counts()
    assert (counts["ready_to_export"], counts["ready_to_import"], counts["synced"]) == (2, 1, 1)
    other_id, other_version = found["Acme Builders:Old Depot"]
    with pytest.raises(InvalidInput, match="already linked"):
        imports.link_job(world.approver, other_id, other_version, world.project(pid).number)


def test_archive_and_unarchive_round_trip(world, found):
    job_id, version = found["Acme Builders:Old Depot"]
    imports.set_archived(world.approver, job_id, version, True)
    assert world.counts()["archived"] == 1
    page = job_lists.list_page(world.viewer, job_lists.PageQuery(job_list="archived"))
    assert [r.qb_full_name for r in page.rows] == ["Acme Builders:Old Depot"]
    with pytest.raises(ConcurrentChange):
        imports.set_archived(world.approver, job_id, version, False)  # stale version
    with pytest.raises(InvalidTransition):
        imports.import_job(world.approver, job_id, version + 1)  # archived: not importable
    imports.set_archived(world.approver, job_id, version + 1, False)
    assert world.counts()["ready_to_import"] == 2


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_other_roles_cannot_touch_jobs(world, found, who):
    job_id, version = found["Acme Builders:Old Depot"]
    actor = getattr(world, who)
    for call in (
        lambda: imports.import_job(actor, job_id, version),
        lambda: imports.link_job(actor, job_id, version, "N-Project 1"),
        lambda: imports.set_archived(actor, job_id, version, True),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert world.counts()["ready_to_import"] == 2
