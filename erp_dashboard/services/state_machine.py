"""The one state machine every project's ERP record follows (shared/design/erp-states.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from erp_dashboard.db import rows_changed
from erp_dashboard.models import AppSetting, ErpEvent, ListCount, Project, utcnow
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.services import rollup
from erp_dashboard.services.errors import ConcurrentChange, InvalidTransition, PermissionDenied
from erp_dashboard.services.permissions import Actor, Role

LIST_OF_STATE: dict[ErpState, str] = {
    ErpState.NOT_SENT: "",
    ErpState.REJECTED: "",
    ErpState.READY_TO_EXPORT: JobList.READY_TO_EXPORT,
    ErpState.EXPORTING: JobList.READY_TO_EXPORT,
    ErpState.SYNCED: JobList.SYNCED,
    ErpState.FAILED_TO_EXPORT: JobList.FAILED_TO_EXPORT,
    ErpState.READY_TO_UPDATE: JobList.READY_TO_UPDATE,
    ErpState.UPDATING: JobList.READY_TO_UPDATE,
}

QUICKBOOKS = None  # the "role" of transitions only a QuickBooks response may cause
SEPARATE_DUTIES = "separate_duties"  # AppSetting: "off" lets a project's sender decide on it


@dataclass(frozen=True)
class Transition:
    """An action: the states it starts from, where it leads, and who may take it."""

    name: str
    sources: frozenset[ErpState]
    target: ErpState
    role: Role | None
    verb: str


def _t(name: str, sources: set[ErpState], target: ErpState, role: Role | None, verb: str):
    return Transition(name, frozenset(sources), target, role, verb)


S = ErpState
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("send", {S.NOT_SENT, S.REJECTED}, S.READY_TO_EXPORT, Role.PROJECT_ADMIN, "send to ERP"),
        _t("retrieve", {S.READY_TO_EXPORT}, S.NOT_SENT, Role.PROJECT_ADMIN, "retrieve from ERP"),
        _t("export", {S.READY_TO_EXPORT}, S.EXPORTING, Role.APPROVER, "accept and export"),
        _t("retry", {S.FAILED_TO_EXPORT}, S.EXPORTING, Role.APPROVER, "retry the export"),
        _t("export_succeeded", {S.EXPORTING}, S.SYNCED, QUICKBOOKS, "record a QuickBooks export"),
        _t(
            "export_failed", {S.EXPORTING}, S.FAILED_TO_EXPORT, QUICKBOOKS, "record a failed export"
        ),
        _t("reject", {S.READY_TO_EXPORT, S.FAILED_TO_EXPORT}, S.REJECTED, Role.APPROVER, "reject"),
        _t("resend", {S.SYNCED}, S.READY_TO_UPDATE, Role.PROJECT_ADMIN, "re-send changes to ERP"),
        _t("update", {S.READY_TO_UPDATE}, S.UPDATING, Role.APPROVER, "update in QuickBooks"),
        _t("update_succeeded", {S.UPDATING}, S.SYNCED, QUICKBOOKS, "record a QuickBooks update"),
        _t("update_failed", {S.UPDATING}, S.READY_TO_UPDATE, QUICKBOOKS, "record a failed update"),
        _t("reject_update", {S.READY_TO_UPDATE}, S.SYNCED, Role.APPROVER, "reject the update"),
        _t(
            "link",
            {S.NOT_SENT, S.READY_TO_EXPORT, S.REJECTED},
            S.SYNCED,
            Role.APPROVER,
            "link to a QuickBooks job",
        ),
    )
}


def allows(action: str, state: ErpState) -> bool:
    """Whether `action` can start from `state` (whoever may take it)."""
    return state in TRANSITIONS[action].sources


def possible_actions(state: ErpState) -> list[str]:
    """The verbs a person can take from `state`."""
    return [t.verb for t in TRANSITIONS.values() if state in t.sources and t.role is not None]


def duties_separated(session: Session) -> bool:
    """Whether the person who sent a project to ERP is kept from deciding on it (default)."""
    setting = session.get(AppSetting, SEPARATE_DUTIES)
    return setting is None or setting.value != "off"


def bump_count(session: Session, job_list: str, delta: int) -> None:
    """Add `delta` to a list's row count (a no-op for states outside the lists)."""
    if job_list:
        session.execute(
            update(ListCount)
            .where(col(ListCount.erp_list) == job_list)
            .values(n=ListCount.n + delta)
        )


def move(
    session: Session,
    project: Project,
    action: str,
    actor: Actor | None,
    *,
    expected_version: int | None = None,
    comment: str = "",
    **changes,
) -> None:
    """Apply `action` to `project` in the caller's transaction, or refuse it.

    Compare-and-set on (state, version): of two concurrent moves exactly one
    matches a row; the other raises ConcurrentChange and its transaction rolls back.
    The audit event (with QuickBooks' code and message for a refusal) and the overview's
    rollups are written in the same transaction.
    """
    transition = TRANSITIONS[action]
    if transition.role is QUICKBOOKS:
        if actor is not None:
            raise PermissionDenied(f"Only QuickBooks can {transition.verb}.")
    elif actor is None or actor.role is not transition.role:
        held = actor.role.label if actor else "Nobody signed in"
        raise PermissionDenied(
            f"{held} cannot {transition.verb}; this needs the {transition.role.label} role."
        )
    if (
        transition.role is Role.APPROVER
        and actor is not None  # an approver's transition has one (checked above)
        and project.erp_sent_by_id == actor.id
        and duties_separated(session)
    ):
        raise PermissionDenied(
            f"You sent project “{project.name}” to ERP, so another approver must decide "
            "on it (this company separates duties)."
        )
    current = ErpState(project.erp_state)
    if expected_version is not None and expected_version != project.erp_version:
        raise ConcurrentChange(
            f"Project “{project.name}” was changed by someone else; it is now "
            f"{current.label}. Review it again."
        )
    if current not in transition.sources:
        can = possible_actions(current)
        raise InvalidTransition(
            f"Cannot {transition.verb} project “{project.name}”: it is {current.label}. "
            + (f"Possible now: {', '.join(can)}." if can else "No action is possible now.")
        )
    now, sent_at = utcnow(), project.erp_sent_at
    values = {
        "erp_state": transition.target.value,
        "erp_list": LIST_OF_STATE[transition.target],
        "erp_version": project.erp_version + 1,
        "erp_changed_at": now,
        **changes,
    }
    changed = rows_changed(
        session,
        update(Project)
        .where(
            col(Project.id) == project.id,
            col(Project.erp_version) == project.erp_version,
            col(Project.erp_state) == current.value,
        )
        .values(**values)
        .execution_options(synchronize_session=False),
    )
    if changed != 1:
        raise ConcurrentChange(
            f"Project “{project.name}” was changed by someone else at the same moment. "
            "Review it again."
        )
    for key, value in values.items():
        set_committed_value(project, key, value)
    old_list, new_list = LIST_OF_STATE[current], values["erp_list"]
    if old_list != new_list:
        bump_count(session, old_list, -1)
        bump_count(session, new_list, +1)
    event = ErpEvent(
        project_id=project.id,
        actor_id=actor.id if actor else None,
        at=now,
        action=action,
        from_state=current.value,
        to_state=transition.target.value,
        comment=comment or changes.get("qb_error_message") or "",
        qb_code=changes.get("qb_error_code"),
    )
    session.add(event)
    rollup.count(session, event, sent_at)
    session.flush()
