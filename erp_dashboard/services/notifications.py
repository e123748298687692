"""Emails the product sends, written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from erp_dashboard import config, routes
from erp_dashboard.db import must_get
from erp_dashboard.models import Email, Project, ProjectApprover, User
from erp_dashboard.names import JobList
from erp_dashboard.services.permissions import Actor, Role

REJECTION_SUBJECT = "ERP Project Rejection Notification"
AWAITING_SUBJECT = "ERP project awaiting your approval"
SUMMARY_SUBJECT = "ERP Integrations Daily Summary"


def _one_line(text: str) -> str:
    """Fold CR/LF and runs of white space so text cannot inject mail headers."""
    return " ".join(text.split())


def approver_emails(session: Session, project: Project) -> list[str]:
    """The project's own active Accounting Approvers, or else every active one."""
    active = (User.role == Role.APPROVER.value) & User.is_active
    named = session.exec(
        select(User.email)
        .join(ProjectApprover, col(ProjectApprover.user_id) == User.id)
        .where(ProjectApprover.project_id == project.id, active)
    ).all()
    return list(named or session.exec(select(User.email).where(active)).all())


def _queue(
    session: Session, project: Project | None, recipients: set[str], subject: str, body: str
):
    email = Email(
        to_addrs=", ".join(sorted(recipients, key=str.casefold)),
        subject=_one_line(subject),
        body=body,
        project_id=project.id if project else None,
    )
    session.add(email)
    return email


def _public(route: str) -> str:
    """A page at the app's public address (links in emails)."""
    return f"{config.load().public_url}{route}"


def project_link(project: Project) -> str:
    """The Projects page at the public address, showing this project (found by number)."""
    return _public(routes.projects_search(project.number))


def queue_rejection(session: Session, project: Project, approver: Actor, comment: str) -> Email:
    """The rejection email to the project's creator (and sender) and its Accounting Approvers."""
    people = {must_get(session, User, project.creator_id).email}
    if project.erp_sent_by_id:
        people.add(must_get(session, User, project.erp_sent_by_id).email)
    link = project_link(project)
    body = (
        f"Project “{project.name}” (number {project.number}) was rejected for export "
        f"to QuickBooks by {approver.name} ({approver.email}).\n\n"
        f"Comment:\n{comment or '(no comment given)'}\n\n"
        "The project is editable again in the project's Admin tool: correct it and "
        f"send it to ERP again for approval.\n\n{link}\n"
    )
    return _queue(
        session,
        project,
        people | set(approver_emails(session, project)),
        f"{REJECTION_SUBJECT}: {project.name}",
        body,
    )


def queue_awaiting(session: Session, project: Project, sender: Actor, job_list: str) -> Email:
    """Tell the project's approvers it waits for them (the incumbent only sends a digest)."""
    link = _public(routes.jobs_list(job_list))
    what = "changes to project" if job_list == JobList.READY_TO_UPDATE else "project"
    body = (
        f"{sender.name} ({sender.email}) sent {what} “{project.name}” "
        f"(number {project.number}) to the ERP Integrations tool. "
        f"It waits for an Accounting Approver:\n\n{link}\n"
    )
    return _queue(
        session,
        project,
        set(approver_emails(session, project)),
        f"{AWAITING_SUBJECT}: {project.name}",
        body,
    )


def queue_daily_summary(
    session: Session,
    recipients: Iterable[str],
    day: date,
    counts: dict[str, int],
    waiting: Iterable[tuple[str, str]],
) -> None:
    """The daily summary, one email to each approver: rows per waiting list (`counts`) and
    the projects waiting longest (`waiting`: name and list)."""
    lines = [f"{JobList(k).label}: {n}" for k, n in counts.items() if n]
    listed = [f"- {name} ({JobList(job_list).label})" for name, job_list in waiting]
    body = (
        "Waiting in the ERP Integrations tool:\n\n"
        + "\n".join(lines)
        + "\n\n"
        + "\n".join(listed)
        + f"\n\n{_public(routes.jobs_list(JobList.READY_TO_EXPORT))}\n\n"
        "You can turn this email off on the app's Outbox page.\n"
    )
    for address in recipients:
        _queue(session, None, {address}, f"{SUMMARY_SUBJECT} {day}", body)
