"""What a person should do after QuickBooks refused an export or update, and what a project
still in flight is waiting for, in plain words."""

from __future__ import annotations

from datetime import datetime

from erp_dashboard import qbxml
from erp_dashboard.models import Project, WorkItem
from erp_dashboard.names import ErpState, WorkStatus
from erp_dashboard.qbxml import BAD_REFERENCE, DUPLICATE_NAME, NO_PERMISSION, NOT_FOUND, TOO_LONG

_EXPORT_STEPS: dict[int | None, str] = {
    DUPLICATE_NAME: "QuickBooks already has a job with this name under that customer: Retry "
    "under another customer, or Reject it so the project admin can rename the project.",
    BAD_REFERENCE: "QuickBooks no longer has that customer: Retry and choose another customer "
    "(Refresh customers if the list looks out of date).",
    TOO_LONG: "A field is longer than QuickBooks allows: Reject it so the project admin can "
    "shorten it, then it comes back to Ready To Export.",
    NO_PERMISSION: "The QuickBooks user the Web Connector signs in as may not add customers: "
    "ask your QuickBooks administrator, then Retry.",
    qbxml.UNREADABLE_STATUS: "QuickBooks' answer could not be read: Retry (a job QuickBooks "
    "already has is found and linked, never added twice).",
}
_UPDATE_STEPS: dict[int | None, str] = {
    NOT_FOUND: "QuickBooks no longer has this job: Reject the update, then link or re-export "
    "the project.",
    TOO_LONG: "A field is longer than QuickBooks allows: Reject the update so the project "
    "admin can shorten it.",
    NO_PERMISSION: "The QuickBooks user the Web Connector signs in as may not change "
    "customers: ask your QuickBooks administrator, then Update again.",
}


def next_step(updating: bool, code: int | None) -> str:
    """What to do about a refused export (or update, when `updating`) with QuickBooks' `code`."""
    if code in qbxml.BUSY_STATUSES:
        again = "Update again" if updating else "Retry"
        return f"QuickBooks stayed busy: {again} when nobody is editing customers in QuickBooks."
    if updating:
        return _UPDATE_STEPS.get(code, "Update again, or Reject the update.")
    return _EXPORT_STEPS.get(code, "Retry, or Reject it so the project admin can fix the project.")


def waiting_reason(item: WorkItem | None, now: datetime) -> tuple[str, str]:
    """Why a project in Exporting / Updating waits, and since when (ISO 8601, for a live
    "N minutes ago" on the page)."""
    if item is None:
        return "Waiting to be queued for QuickBooks", ""
    if item.status == WorkStatus.SENT and item.sent_at is not None:
        return "Sent to QuickBooks", item.sent_at.isoformat()
    if item.not_before is not None and item.not_before > now:
        return (item.status_message or "QuickBooks was busy; retrying", item.created_at.isoformat())
    if item.verify_first and item.attempts:
        return (item.status_message or "Checking QuickBooks again", item.created_at.isoformat())
    return "Waiting for the Web Connector", item.created_at.isoformat()


def error_text(p: Project) -> str:
    """QuickBooks' last refusal of a project, with its status code ("" when none)."""
    if p.qb_error_code is None:
        return ""
    return f"{p.qb_error_message} (QuickBooks status {p.qb_error_code})"


def advice(p: Project) -> str:
    """What to do about that refusal while the project waits on a person ("" otherwise)."""
    if p.qb_error_code is None or p.erp_state not in (
        ErpState.FAILED_TO_EXPORT,
        ErpState.READY_TO_UPDATE,
    ):
        return ""
    return next_step(p.erp_state == ErpState.READY_TO_UPDATE, p.qb_error_code)
