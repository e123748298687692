"""Demo data for a laptop run: users with a published password, customers, projects.

Only `make run` (ERP_DEMO_DATA=1) asks for it, and only then does the app import it; a
production start never does.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, QbJob, User
from erp_dashboard.names import JobList
from erp_dashboard.services import auth, jobs, projects
from erp_dashboard.services.job_lists import PageQuery, list_page
from erp_dashboard.services.permissions import Actor, Role
from erp_dashboard.services.state_machine import bump_count
from erp_dashboard.simulator.quickbooks import add_customer

DEMO_PASSWORD = "demo-password"
DEMO_USERS = (
    ("approver@example.com", "Avery Approver", Role.APPROVER),
    ("admin@example.com", "Pat Admin", Role.PROJECT_ADMIN),
    ("manager@example.com", "Morgan Manager", Role.VIEWER),
)
CUSTOMERS = (
    "Bayside Properties",
    "Cedar Ridge Schools",
    "Delta Logistics",
    "Evergreen Health",
    "Granite Holdings",
    "Harbor City Council",
    "Ironwood Retail",
    "Juniper Hotels",
    "Lakeshore Church",
    "Maple Street Lofts",
    "Northgate Industrial",
    "Oakmont University",
)
STREETS = ("Main St", "Harbor Blvd", "Elm Ave", "Market St", "Lake Rd", "Pine St")
CITIES = (("Seattle", "WA", "98101"), ("Portland", "OR", "97201"), ("Boise", "ID", "83702"))
PROJECT_NAMES = (
    "Harbor View Renovation",
    "Cedar Ridge Gym",
    "Delta Warehouse 4",
    "Evergreen Clinic Wing",
    "Granite Tower Lobby",
    "City Hall Roof",
    "Ironwood Mall Parking",
    "Juniper Hotel Spa",
    "Lakeshore Chapel",
    "Maple Lofts Phase 2",
    "Northgate Loading Dock",
    "Oakmont Library",
    "Bayside Marina",
    "Cedar Ridge Track",
    "Delta Office Fitout",
    "Evergreen Parking Deck",
    "Granite Plaza Fountain",
    "Harbor City Pier",
    "Ironwood Food Court",
    "Juniper Rooftop Bar",
    "Lakeshore Daycare",
    "Maple Lofts Retail",
    "Northgate Cold Storage",
    "Oakmont Dormitory",
    "Bayside Seawall",
    "Cedar Ridge Auditorium",
    "Delta Truck Wash",
    "Evergreen Lab",
    "Granite Data Center",
    "Harbor City Library",
)
FAILING_PROJECT = "Harbor View Renovation"  # QuickBooks has this job under Bayside already


def is_seeded(session: Session) -> bool:
    """Whether any user exists (then the database is not new)."""
    return session.exec(select(User.id)).first() is not None


def seed() -> None:
    """Fill an empty database with demo users, customers, projects and jobs."""
    with unit_of_work() as session:
        if is_seeded(session):
            return
        users = {
            role: auth.actor_of(
                auth.create_user(
                    session,
                    email,
                    name,
                    DEMO_PASSWORD,
                    role,
                    company_admin=role is Role.PROJECT_ADMIN,
                )
            )
            for email, name, role in DEMO_USERS
        }
        for name in CUSTOMERS:
            item = add_customer(session, name)
            session.add(Customer(list_id=item.list_id, full_name=item.full_name))
        add_customer(session, FAILING_PROJECT, parent_full_name="Bayside Properties")
        for i, (customer, job) in enumerate(
            (
                ("Oakmont University", "Science Annex"),
                ("Juniper Hotels", "Lobby Refresh"),
                ("Delta Logistics", "Fleet Garage"),
                ("Lakeshore Church", "Bell Tower"),
                ("Granite Holdings", "Old Vault"),
                ("Harbor City Council", "Bandstand"),
            )
        ):
            item = add_customer(session, job, parent_full_name=customer, city=CITIES[i % 3][0])
            job_list = JobList.ARCHIVED if i >= 4 else JobList.READY_TO_IMPORT
            session.add(
                QbJob(
                    list_id=item.list_id,
                    full_name=item.full_name,
                    customer_full_name=customer,
                    city=CITIES[i % 3][0],
                    erp_list=job_list,
                )
            )
            bump_count(session, job_list, +1)
        customers = {c.full_name: c for c in session.exec(select(Customer)).all()}
    approver, admin = users[Role.APPROVER], users[Role.PROJECT_ADMIN]
    ids = []
    for i, name in enumerate(PROJECT_NAMES):
        city, state, zip_code = CITIES[i % 3]
        start = date(2026, 1 + i % 12, 1 + i)
        project_id = projects.add_project(
            admin,
            name=name,
            number=f"P-{1001 + i}",
            street=f"{100 + 7 * i} {STREETS[i % 6]}",
            city=city,
            state=state,
            postal_code=zip_code,
            start_date=start,
            projected_end_date=start + timedelta(days=120 + 10 * i),
            description=f"{name} for {CUSTOMERS[i % 12]}",
        )
        ids.append(project_id)
    for project_id in ids[:27]:  # the last three stay unsent
        projects.send_to_erp(admin, project_id)
    _decide(approver, ids, customers)


def _decide(approver: Actor, ids: list[int], customers: dict[str, Customer]) -> None:
    """Accept some sent projects (the Web Connector exports them once the app runs; two
    QuickBooks refuses: it has those names under their customers already) and reject two."""
    rows = {row.id: row for row in list_page(approver, PageQuery(page_size=100)).rows}

    def choice(project_id: int, customer: str) -> jobs.ExportChoice:
        return jobs.ExportChoice(project_id, rows[project_id].version, customers[customer].list_id)

    with unit_of_work() as session:
        add_customer(session, PROJECT_NAMES[19], parent_full_name="Ironwood Retail")
        add_customer(session, PROJECT_NAMES[20], parent_full_name="Lakeshore Church")
    exported = [choice(ids[i], CUSTOMERS[i % 12]) for i in range(12, 19)]
    exported += [choice(ids[19], "Ironwood Retail"), choice(ids[20], "Lakeshore Church")]
    jobs.export_projects(approver, exported)
    for i, comment in ((21, "Wrong project number: use the contract number."), (22, "")):
        jobs.reject(approver, ids[i], rows[ids[i]].version, comment)
