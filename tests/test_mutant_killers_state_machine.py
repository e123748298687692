"""The state machine's table read exactly: which actions start from which state, what a
person may do next, and what a refused move says. Each test kills mutants that survived
the rest of the suite (`make mutants`, issue 11 §7)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import ErpEvent, Project
from erp_dashboard.services.errors import ConcurrentChange, InvalidTransition, PermissionDenied
from erp_dashboard.services.state_machine import (
    TRANSITIONS,
    ErpState,
    allows,
    move,
    possible_actions,
)

S = ErpState
SOURCES = {
    "send": {S.NOT_SENT, S.REJECTED},
    "retrieve": {S.READY_TO_EXPORT},
    "export": {S.READY_TO_EXPORT},
    "retry": {S.FAILED_TO_EXPORT},
    "export_succeeded": {S.EXPORTING},
    "export_failed": {S.EXPORTING},
    "reject": {S.READY_TO_EXPORT, S.FAILED_TO_EXPORT},
    "resend": {S.SYNCED},
    "update": {S.READY_TO_UPDATE},
    "update_succeeded": {S.UPDATING},
    "update_failed": {S.UPDATING},
    "reject_update": {S.READY_TO_UPDATE},
    "link": {S.NOT_SENT, S.READY_TO_EXPORT, S.REJECTED},
}


@pytest.mark.parametrize("state", list(ErpState))
def test_each_action_is_allowed_from_exactly_its_states(state):
    assert {a for a in TRANSITIONS if allows(a, state)} == {
        a for a, sources in SOURCES.items() if state in sources
    }


@pytest.mark.parametrize(
    ("state", "verbs"),
    [
        (S.NOT_SENT, ["send to ERP", "link to a QuickBooks job"]),
        (
            S.READY_TO_EXPORT,
            ["retrieve from ERP", "accept and export", "reject", "link to a QuickBooks job"],
        ),
        (S.EXPORTING, []),  # only QuickBooks' answer moves it on
        (S.SYNCED, ["re-send changes to ERP"]),
        (S.FAILED_TO_EXPORT, ["retry the export", "reject"]),
        (S.REJECTED, ["send to ERP", "link to a QuickBooks job"]),
        (S.READY_TO_UPDATE, ["update in QuickBooks", "reject the update"]),
        (S.UPDATING, []),
    ],
)
def test_a_person_is_offered_exactly_the_actions_of_the_state(state, verbs):
    assert possible_actions(state) == verbs


def test_a_refused_move_says_what_is_possible_instead(world):
    pid = world.projects[0]
    with pytest.raises(InvalidTransition) as refused, unit_of_work() as s:
        move(s, s.get(Project, pid), "resend", world.admin)
    assert str(refused.value) == (
        "Cannot re-send changes to ERP project “Project 1”: it is Ready To Export. "
        "Possible now: retrieve from ERP, accept and export, reject, link to a QuickBooks job."
    )


def test_a_refused_move_with_nothing_possible_says_so(world):
    pid = world.projects[0]
    with unit_of_work() as s:
        s.get(Project, pid).erp_state = S.EXPORTING.value
    with pytest.raises(InvalidTransition) as refused, unit_of_work() as s:
        move(s, s.get(Project, pid), "reject", world.approver)
    assert str(refused.value) == (
        "Cannot reject project “Project 1”: it is Exporting…. No action is possible now."
    )


# -- who may move a project, and what the audit trail keeps ------------------------------


def _move(pid: int, action: str, actor, **kwargs):
    with unit_of_work() as s:
        project = s.get(Project, pid)
        move(s, project, action, actor, **kwargs)
        return project


@pytest.mark.parametrize(
    ("who", "action", "message"),
    [
        (
            None,
            "reject",
            "Nobody signed in cannot reject; this needs the Accounting Approver role.",
        ),
        ("viewer", "reject", "Viewer cannot reject; this needs the Accounting Approver role."),
        (
            "approver",
            "retrieve",
            "Accounting Approver cannot retrieve from ERP; this needs the Project Admin role.",
        ),
        ("approver", "export_failed", "Only QuickBooks can record a failed export."),
    ],
)
def test_a_move_by_the_wrong_person_is_refused_with_who_and_what_it_needs(
    world, who, action, message
):
    pid = world.projects[0]
    version = world.project(pid).erp_version
    with pytest.raises(PermissionDenied) as refused:
        _move(pid, action, getattr(world, who) if who else None)
    assert str(refused.value) == message
    assert world.project(pid).erp_version == version


def test_the_sender_may_not_decide_on_the_project_while_duties_are_separated(world):
    pid = world.new_project("Own", sent=False)
    with unit_of_work() as s:
        s.get(Project, pid).erp_sent_by_id = world.approver.id  # as if the approver sent it
    _move(pid, "send", world.admin)
    with pytest.raises(PermissionDenied) as refused:
        _move(pid, "reject", world.approver)
    assert str(refused.value) == (
        "You sent project “Own” to ERP, so another approver must decide on it "
        "(this company separates duties)."
    )


def test_a_state_changed_underneath_without_a_new_version_is_still_refused(world):
    pid = world.projects[0]
    with unit_of_work() as s:
        seen = s.get(Project, pid)
        s.expunge(seen)
    with unit_of_work() as s:  # another writer moved it on (a broken version, even)
        s.get(Project, pid).erp_state = "rejected"
    with pytest.raises(ConcurrentChange) as refused, unit_of_work() as s:
        move(s, s.merge(seen, load=False), "retrieve", world.admin)
    assert str(refused.value) == (
        "Project “Project 1” was changed by someone else at the same moment. Review it again."
    )


def test_a_move_updates_the_project_in_hand_and_keeps_one_moment_in_the_trail(world):
    pid = world.projects[0]
    version = world.project(pid).erp_version
    project = _move(pid, "reject", world.approver, comment="No")
    assert (project.erp_state, project.erp_list, project.erp_version) == (
        "rejected",
        "",
        version + 1,
    )
    with read_only() as s:
        event = s.exec(select(ErpEvent).order_by(ErpEvent.id.desc())).first()
    assert event.at == world.project(pid).erp_changed_at == project.erp_changed_at
    assert (event.comment, event.qb_code) == ("No", None)


def test_quickbooks_refusal_is_kept_in_the_trail_with_its_code_and_message(world):
    pid = world.projects[0]
    _move(pid, "export", world.approver)
    _move(pid, "export_failed", None, qb_error_code=3100, qb_error_message="Name in use")
    with read_only() as s:
        event = s.exec(select(ErpEvent).order_by(ErpEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.comment, event.qb_code) == (
        "export_failed",
        None,
        "Name in use",
        3100,
    )
    _move(pid, "retry", world.approver)
    with read_only() as s:
        event = s.exec(select(ErpEvent).order_by(ErpEvent.id.desc())).first()
    assert (event.action, event.comment, event.qb_code) == ("retry", "", None)
