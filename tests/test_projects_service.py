"""The Project Admin tool's rules: limits, locks, send and retrieve."""

from __future__ import annotations

import pytest

from erp_dashboard.services import jobs, projects
from erp_dashboard.services.errors import InvalidInput, InvalidTransition

LIMITS = {"name": 41, "street": 41, "city": 31, "state": 21, "postal_code": 13, "description": 99}


@pytest.mark.parametrize("field", LIMITS)
def test_every_field_at_over_and_far_over_its_limit(world, field):
    limit = LIMITS[field]

    def add(length: int, number: str) -> int:
        fields = {"name": "Base", "number": number} | {field: "x" * length}
        return projects.add_project(world.admin, **fields)

    assert add(limit, f"L-{field}")
    for length in (limit + 1, limit * 10):
        with pytest.raises(InvalidInput, match="at most"):
            add(length, "L-over")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Café ☕"}, "cannot store"),
        ({"street": "1, Main St"}, "comma"),
        ({"name": ""}, "empty"),
        ({"number": ""}, "required"),
        ({"number": "N-Project 1"}, "already has number"),
        ({"name": "Two\nLines"}, "line break"),
    ],
)
def test_bad_projects_are_refused(world, fields, message):
    with pytest.raises(InvalidInput, match=message):
        projects.add_project(world.admin, **{"name": "Fine", "number": "N-new", **fields})


def test_bad_dates_in_a_form_are_refused():
    with pytest.raises(InvalidInput, match="not a date"):
        projects.fields_from_form({"start_date": "31/12/2026"})
    with pytest.raises(InvalidInput, match="Unknown field"):
        projects.fields_from_form({"erp_state": "synced"})


def test_retrieve_before_a_decision_unlocks_and_after_one_is_refused(world):
    first, second = world.projects[:2]
    assert "retrieved" in projects.retrieve(world.admin, first)
    projects.update_project(world.admin, first, name="Renamed After Retrieve")
    assert world.project(first).erp_state == "not_sent"
    jobs.reject(world.approver, second, world.project(second).erp_version, "no")
    with pytest.raises(InvalidTransition, match="Rejected"):
        projects.retrieve(world.admin, second)


def test_inactive_or_unsynced_projects_are_not_sent(world):
    pid = world.new_project("Quiet", sent=False)
    projects.update_project(world.admin, pid, erp_sync=False)
    with pytest.raises(InvalidInput, match="ERP-sync"):
        projects.send_to_erp(world.admin, pid)
    projects.update_project(world.admin, pid, erp_sync=True, is_active=False)
    with pytest.raises(InvalidInput, match="active"):
        projects.send_to_erp(world.admin, pid)
