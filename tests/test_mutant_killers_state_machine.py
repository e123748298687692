"""The state machine's table read exactly: which actions start from which state, what a
person may do next, and what a refused move says. Each test kills mutants that survived
the rest of the suite (`make mutants`, issue 11 §7)."""

from __future__ import annotations

import pytest

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Project
from erp_dashboard.services.errors import InvalidTransition
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
