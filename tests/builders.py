"""Test data built through the service layer, as the product would build it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import select

from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import Customer, Email, Project
from erp_dashboard.services import auth, job_lists, jobs, projects
from erp_dashboard.services.notifications import REJECTION_SUBJECT
from erp_dashboard.services.permissions import Actor, Role
from erp_dashboard.services.web_connector import WebConnector
from erp_dashboard.simulator.quickbooks import QuickBooksSimulator, add_customer

PASSWORD = "correct-horse-battery"
QBWC_USER, QBWC_PASSWORD = "qbwc-test", "qbwc-test-password"  # the db fixture sets these


@dataclass
class World:
    approver: Actor
    approver2: Actor
    admin: Actor
    viewer: Actor
    customers: dict[str, str] = field(default_factory=dict)  # full name -> ListID
    projects: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, n_projects: int = 3) -> World:
        with unit_of_work() as s:
            people = [
                auth.actor_of(
                    auth.create_user(
                        s, email, name, PASSWORD, role, company_admin=role is Role.PROJECT_ADMIN
                    )
                )
                for email, name, role in (
                    ("ann@example.com", "Ann Approver", Role.APPROVER),
                    ("bob@example.com", "Bob Approver", Role.APPROVER),
                    ("pam@example.com", "Pam Admin", Role.PROJECT_ADMIN),
                    ("vic@example.com", "Vic Viewer", Role.VIEWER),
                )
            ]
            world = cls(*people)
            for name in ("Acme Builders", "Bayside Properties"):
                item = add_customer(s, name)
                s.add(Customer(list_id=item.list_id, full_name=item.full_name))
                world.customers[name] = item.list_id
        for i in range(n_projects):
            world.projects.append(world.new_project(f"Project {i + 1}", sent=True))
        return world

    def new_project(self, name: str, *, sent: bool = True, **fields) -> int:
        values = (
            dict(
                number=f"N-{name}",
                street="1 Main St",
                city="Seattle",
                state="WA",
                postal_code="98101",
                start_date=date(2026, 3, 1),
                projected_end_date=date(2026, 9, 1),
                description="Test project",
            )
            | fields
        )
        project_id = projects.add_project(self.admin, name=name, **values)
        if sent:
            projects.send_to_erp(self.admin, project_id)
        return project_id

    def project(self, project_id: int) -> Project:
        with unit_of_work() as s:
            return s.get(Project, project_id)

    def choice(self, project_id: int, customer: str = "Acme Builders") -> jobs.ExportChoice:
        return jobs.ExportChoice(
            project_id, self.project(project_id).erp_version, self.customers.get(customer, customer)
        )

    def counts(self) -> dict[str, int]:
        return job_lists.counts(self.viewer)

    def customer_id(self, name: str) -> int:
        with unit_of_work() as s:
            return s.exec(select(Customer.id).where(Customer.full_name == name)).one()


def drain(wc=None, quickbooks=None) -> list[int]:
    """One Web Connector session against the simulated QuickBooks, called in-process.

    Returns each receiveResponseXML result.
    """
    wc = wc or WebConnector()
    quickbooks = quickbooks or QuickBooksSimulator()
    ticket, status = wc.authenticate(QBWC_USER, QBWC_PASSWORD)[:2]
    results: list[int] = []
    if status in ("none", "nvu"):
        return results
    while request := wc.send_request_xml(ticket, "", "", "US", 13, 0):
        with unit_of_work() as s:
            response = quickbooks.handle(s, request)
        results.append(wc.receive_response_xml(ticket, response, "", ""))
        if results[-1] < 0 or results[-1] >= 100:
            break
    wc.close_connection(ticket)
    return results


def rejection_emails() -> list:
    """The rejection notifications in the outbox, oldest first."""
    with read_only() as s:
        return list(
            s.exec(
                select(Email).where(Email.subject.startswith(REJECTION_SUBJECT)).order_by(Email.id)
            ).all()
        )
