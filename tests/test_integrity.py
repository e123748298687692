"""One QuickBooks job ↔ one project, and QuickBooks' record is what was sent (issue 8)."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select, update

from alembic import command
from erp_dashboard.config import ROOT
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import ErpEvent, ListCount, Project, QbJob, QbwcSession, WorkItem, utcnow
from erp_dashboard.names import JobList
from erp_dashboard.qbwc.soap import soap_app
from erp_dashboard.services import imports, jobs, projects
from erp_dashboard.services.errors import InvalidInput, InvalidTransition
from erp_dashboard.services.state_machine import bump_count
from erp_dashboard.services.web_connector import WebConnector, _hash
from erp_dashboard.simulator.company import SimListItem
from erp_dashboard.simulator.quickbooks import add_customer
from erp_dashboard.simulator.web_connector import run_session
from tests.builders import QBWC_PASSWORD, QBWC_USER, drain
from tests.test_qbwc_soap import serve
from tests.test_web_connector_service import exchange, export_session, start

JOB = "Acme Builders:Project 1"


@pytest.fixture
def sync_every_session(monkeypatch):
    """Each session re-reads QuickBooks' customers first (the race needs a sync)."""
    monkeypatch.setenv("ERP_CUSTOMER_SYNC_MINUTES", "0")


def sim_job(full_name: str = JOB) -> list[SimListItem]:
    with unit_of_work() as s:
        return list(s.exec(select(SimListItem).where(SimListItem.full_name == full_name)).all())


def linked_to(list_id: str) -> list[int]:
    with unit_of_work() as s:
        return list(s.exec(select(Project.id).where(Project.qb_list_id == list_id)).all())


def listed_jobs() -> list[str]:
    with unit_of_work() as s:
        return list(s.exec(select(QbJob.full_name).where(QbJob.erp_list != "")).all())


def list_as_unlinked(list_id: str, full_name: str) -> tuple[int, int]:
    """A job in Ready To Import as a sync before this fix could have left it: (id, version)."""
    with unit_of_work() as s:
        job = QbJob(
            list_id=list_id,
            full_name=full_name,
            customer_full_name=full_name.rsplit(":", 1)[0],
            erp_list=JobList.READY_TO_IMPORT,
        )
        s.add(job)
        s.flush()
        bump_count(s, JobList.READY_TO_IMPORT, +1)
        return job.id, job.erp_version


class KilledAfterQuickBooksAnswered(httpx.HTTPTransport):
    """The app dies (kill -9) once QuickBooks has committed an add: its answer never
    arrives and the Web Connector's session ends without closeConnection."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if b"receiveResponseXML" in body and b"CustomerAddRs" in body:
            raise httpx.ReadError("connection reset: the server was killed")
        return super().handle_request(request)


# --------------------------------------------------------------------------- High


def test_kill_9_after_the_add_never_links_one_job_to_two_projects(world, sync_every_session):
    pid = world.projects[0]
    with serve(soap_app(WebConnector())) as base:
        url = f"{base}/qbwc"
        assert run_session(url, QBWC_USER, QBWC_PASSWORD).errors == []  # customers synced
        jobs.export_projects(world.approver, [world.choice(pid)])
        with httpx.Client(transport=KilledAfterQuickBooksAnswered()) as killed:
            lost = run_session(url, QBWC_USER, QBWC_PASSWORD, client=killed)
        assert "the server was killed" in lost.errors[0] and lost.close_message == ""
        [made] = sim_job()  # QuickBooks committed the add
        assert world.project(pid).erp_state == "exporting"

        again = run_session(url, QBWC_USER, QBWC_PASSWORD)  # sync, look-up, adopt

    assert again.errors == [] and again.close_message.startswith("Exported 1")
    assert listed_jobs() == [] and world.counts()["ready_to_import"] == 0
    project = world.project(pid)
    assert (project.erp_state, project.qb_list_id) == ("synced", made.list_id)
    assert linked_to(made.list_id) == [pid]
    assert len(sim_job()) == 1
    with unit_of_work() as s:
        events = s.exec(select(ErpEvent.action).where(ErpEvent.project_id == pid)).all()
        assert s.exec(select(func.count()).where(QbwcSession.closed_at.is_(None))).one() == 0
    assert events.count("export_succeeded") == 1


def test_a_new_sign_in_ends_the_unfinished_session_at_once(world):
    pid, wc, ticket = export_session(world)
    _, response = exchange(wc, ticket)  # QuickBooks added the job; its answer is late
    start(wc)  # the Web Connector gave up on that session and begins another
    with unit_of_work() as s:
        [item] = s.exec(select(WorkItem)).all()
        assert (item.status, item.verify_first) == ("queued", True)
        assert "new Web Connector session" in s.get(QbwcSession, _hash(ticket)).notes
    assert wc.receive_response_xml(ticket, response, "", "") == -1  # ended: applied nowhere
    assert wc.send_request_xml(ticket, "", "", "US", 13, 0) == ""
    assert world.project(pid).erp_state == "exporting"
    drain()
    project = world.project(pid)
    assert project.erp_state == "synced" and linked_to(project.qb_list_id) == [pid]
    assert len(sim_job()) == 1


def test_a_job_is_offered_for_import_only_when_no_export_makes_it(world, sync_every_session):
    drain()
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    with unit_of_work() as s:  # someone typed the same job into QuickBooks meanwhile
        add_customer(s, "Project 1", parent_full_name="Acme Builders")
    drain()  # the sync leaves it out (Project 1 is exporting as it); the add is refused
    assert world.project(pid).erp_state == "failed_to_export"
    assert listed_jobs() == []
    drain()  # nothing makes it now: it is a job no project is linked to
    assert listed_jobs() == [JOB] and world.counts()["ready_to_import"] == 1


def test_import_and_link_refuse_a_job_a_project_holds(world):
    pid, other = world.projects[:2]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    project = world.project(pid)
    job_id, version = list_as_unlinked(project.qb_list_id, project.qb_full_name)
    before = (world.counts(), world.project(other).erp_version)
    with pytest.raises(InvalidTransition, match="already linked to project “Project 1”"):
        imports.import_job(world.approver, job_id, version)
    with pytest.raises(InvalidTransition, match="already linked to project “Project 1”"):
        imports.link_job(world.approver, job_id, version, world.project(other).number)
    assert (world.counts(), world.project(other).erp_version) == before
    assert linked_to(project.qb_list_id) == [pid]
    with unit_of_work() as s:
        assert s.exec(select(func.count()).select_from(Project)).one() == 3
        assert s.get(QbJob, job_id).erp_version == version


def test_import_refuses_a_job_an_export_in_flight_makes(world):
    _, wc, ticket = export_session(world)
    exchange(wc, ticket)  # QuickBooks made it; the answer is not in yet
    [made] = sim_job()
    job_id, version = list_as_unlinked(made.list_id, made.full_name)
    with pytest.raises(InvalidTransition, match="project “Project 1” is being exported as"):
        imports.import_job(world.approver, job_id, version)
    assert linked_to(made.list_id) == []
    with unit_of_work() as s:
        assert s.exec(select(func.count()).select_from(Project)).one() == 3


def test_the_database_refuses_two_projects_on_one_job(world):
    first, second = world.projects[:2]  # several projects without a job: NULLs are allowed
    with unit_of_work() as s:
        s.execute(update(Project).where(Project.id == first).values(qb_list_id="80000001-1"))
    with pytest.raises(IntegrityError), unit_of_work() as s:
        s.execute(update(Project).where(Project.id == second).values(qb_list_id="80000001-1"))
    assert linked_to("80000001-1") == [first]


def test_a_job_another_project_holds_fails_the_export_instead_of_a_second_link(world):
    pid, wc, ticket = export_session(world)
    exchange(wc, ticket)  # QuickBooks made the job; the answer is lost
    wc.close_connection(ticket)
    [made] = sim_job()
    holder = world.projects[1]
    with unit_of_work() as s:  # linked before this fix (an import while it was in flight)
        s.execute(update(Project).where(Project.id == holder).values(qb_list_id=made.list_id))
    drain()  # the look-up finds the job, which is taken
    project = world.project(pid)
    assert (project.erp_state, project.qb_error_code) == ("failed_to_export", 3100)
    assert "already linked to project “Project 2”" in project.qb_error_message
    assert linked_to(made.list_id) == [holder]


# --------------------------------------------------------------------------- Medium 1


EDITS = [
    {"description": "Changed while exporting"},
    {"start_date": date(2026, 4, 1)},
    {"projected_end_date": None},
    {"name": "Renamed"},
    {"street": "2 Main St"},
]


@pytest.mark.parametrize("edit", EDITS, ids=[next(iter(e)) for e in EDITS])
def test_exported_fields_are_locked_while_in_flight(world, edit):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    before = world.project(pid)
    with pytest.raises(InvalidInput, match="locked until QuickBooks answers"):
        projects.update_project(world.admin, pid, **edit)
    assert world.project(pid).model_dump() == before.model_dump()
    field = next(iter(edit))
    projects.update_project(world.admin, pid, **{field: getattr(before, field)})  # unchanged
    projects.update_project(world.admin, pid, number="N-renumbered")  # not sent to QuickBooks
    assert world.project(pid).number == "N-renumbered"


def test_exported_fields_are_locked_while_updating(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    projects.update_project(world.admin, pid, description="Second phase")
    projects.send_to_erp(world.admin, pid)
    jobs.approve_update(world.approver, pid, world.project(pid).erp_version)
    with pytest.raises(InvalidInput, match="is Updating…: its name, address, dates"):
        projects.update_project(world.admin, pid, description="Third phase")
    assert world.project(pid).description == "Second phase"


def test_quickbooks_record_is_what_was_sent_not_the_row(world):
    pid, wc, ticket = export_session(world)
    request, response = exchange(wc, ticket)
    assert "<JobDesc>Test project</JobDesc>" in request
    with unit_of_work() as s:  # the row changes behind the lock (as edits could before)
        s.execute(update(Project).where(Project.id == pid).values(description="Edited"))
    assert wc.receive_response_xml(ticket, response, "", "") == 100
    project = world.project(pid)
    exported = json.loads(project.qb_exported)
    assert exported["description"] == "Test project" == sim_job()[0].job_desc
    with unit_of_work() as s:
        [item] = s.exec(select(WorkItem)).all()
    assert json.loads(item.sent_fields) == exported
    assert exported["start_date"] == "2026-03-01" and exported["name"] == "Project 1"

    projects.send_to_erp(world.admin, pid)  # the re-send shows the real difference
    changes = json.loads(world.project(pid).erp_changes)
    assert changes == [{"field": "description", "old": "Test project", "new": "Edited"}]


def test_an_update_records_what_it_sent(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    projects.update_project(world.admin, pid, description="Second phase")
    projects.send_to_erp(world.admin, pid)
    jobs.approve_update(world.approver, pid, world.project(pid).erp_version)
    drain()
    project = world.project(pid)
    with unit_of_work() as s:
        mod = s.exec(select(WorkItem).where(WorkItem.kind == "mod")).one()
    assert project.erp_state == "synced"
    assert json.loads(mod.sent_fields)["description"] == "Second phase"
    assert mod.sent_fields == project.qb_exported


# --------------------------------------------------------------------------- migration 0011


@pytest.fixture
def at_0010(empty_db) -> str:
    """A new database migrated to 0010 only (before the unique index)."""
    command.upgrade(Config(str(ROOT / "alembic.ini")), "0010")
    return empty_db


def test_migration_0011_keeps_the_project_quickbooks_answered_for(at_0010):
    with unit_of_work() as s:
        user_id = s.execute(  # the user table as of 0010 (later migrations add tables)
            text(
                'INSERT INTO "user" (email, name, password_hash, role, is_active,'
                " is_company_admin, daily_summary, created_at) VALUES ('ann@example.com',"
                " 'Ann', 'x', 'accounting_approver', true, false, true, :at) RETURNING id"
            ),
            {"at": utcnow()},
        ).scalar_one()
        made = {}
        for name in ("Imported Twin", "Exported Original", "Alone"):
            row = Project(
                name=name,
                number=f"N-{name}",
                creator_id=user_id,
                erp_state="synced",
                erp_list="synced",
                qb_list_id="LIST-ALONE" if name == "Alone" else "LIST-1",
                qb_full_name=f"Acme:{name}",
                qb_exported='{"name": "x"}',
            )
            s.add(row)
            s.flush()
            made[name] = row.id
        s.execute(  # QuickBooks' own answer linked the original (columns as of 0010)
            text(
                "INSERT INTO qb_work_item (request_id, project_id, kind, status, created_at,"
                " verify_first, attempts) VALUES ('r1', :p, 'add', 'done', :at, false, 0)"
            ),
            {"p": made["Exported Original"], "at": utcnow()},
        )
        s.execute(update(ListCount).where(ListCount.erp_list == "synced").values(n=3))

    command.upgrade(Config(str(ROOT / "alembic.ini")), "0011")

    with unit_of_work() as s:
        twin, original, alone = (s.get(Project, made[n]) for n in made)
        counts = dict(s.exec(select(ListCount.erp_list, ListCount.n)).all())
        [event] = s.exec(  # columns as of 0011 (later migrations add others)
            select(ErpEvent.action, ErpEvent.from_state, ErpEvent.to_state).where(
                ErpEvent.project_id == twin.id
            )
        ).all()
    assert (original.qb_list_id, alone.qb_list_id) == ("LIST-1", "LIST-ALONE")
    assert (twin.erp_state, twin.erp_list, twin.qb_list_id, twin.qb_exported) == (
        "failed_to_export",
        "failed_to_export",
        None,
        "",
    )
    assert "linked to project “Exported Original” (N-Exported Original)" in twin.qb_error_message
    assert (event.action, event.from_state, event.to_state) == (
        "unlink_duplicate",
        "synced",
        "failed_to_export",
    )
    assert (counts["synced"], counts["failed_to_export"]) == (2, 1)
    with pytest.raises(IntegrityError), unit_of_work() as s:
        s.execute(update(Project).where(Project.id == twin.id).values(qb_list_id="LIST-1"))
