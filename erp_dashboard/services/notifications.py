"""Emails the product sends, written to the outbox in the caller's transaction."""

from __future__ import annotations

from sqlmodel import Session, select

from erp_dashboard.models import Email, Project, User
from erp_dashboard.services.permissions import Actor, Role

REJECTION_SUBJECT = "ERP Project Rejection Notification"


def _one_line(text: str) -> str:
    """Fold CR/LF and runs of white space so text cannot inject mail headers."""
    return " ".join(text.split())


def approver_emails(session: Session) -> list[str]:
    """The addresses of every active Accounting Approver."""
    return list(
        session.exec(
            select(User.email).where(User.role == Role.APPROVER.value, User.is_active)
        ).all()
    )


def queue_rejection(session: Session, project: Project, approver: Actor, comment: str) -> Email:
    """The rejection email to the project's creator and its Accounting Approvers."""
    creator = session.get(User, project.creator_id)
    recipients = sorted({creator.email, *approver_emails(session)})
    reason = comment or "(no comment given)"
    body = (
        f"Project “{project.name}” (number {project.number}) was rejected for export "
        f"to QuickBooks by {approver.name} ({approver.email}).\n\n"
        f"Comment:\n{reason}\n\n"
        "The project is editable again in the project's Admin tool: correct it and "
        "send it to ERP again for approval.\n"
    )
    email = Email(
        to_addrs=", ".join(recipients),
        subject=_one_line(f"{REJECTION_SUBJECT}: {project.name}"),
        body=body,
        project_id=project.id,
    )
    session.add(email)
    return email
