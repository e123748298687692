"""The Project Admin tool's rules: limits, locks, send and retrieve."""

from __future__ import annotations

from datetime import date

import pytest

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Project
from erp_dashboard.services import jobs, project_pages, projects
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
        ({"name": "Next\u0085Line"}, "cannot store"),
        ({"description": "Ctrl \u009b"}, "cannot store"),
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


@pytest.mark.parametrize("field", LIMITS)
def test_too_long_is_refused_on_its_field_and_nothing_is_cut(world, field):
    pid = world.new_project("Uncut", sent=False)
    before = world.project(pid)
    too_long = "x" * (LIMITS[field] + 1)
    with pytest.raises(projects.FieldProblems) as refused:
        projects.update_project(world.admin, pid, **{field: too_long})
    assert list(refused.value.problems) == [field]
    assert f"{LIMITS[field] + 1} characters long" in refused.value.problems[field]
    assert getattr(world.project(pid), field) == getattr(before, field)


def test_a_number_over_its_limit_is_refused_on_its_field(world):
    with pytest.raises(projects.FieldProblems) as refused:
        projects.add_project(world.admin, name="Long Number", number="N" * 31)
    assert refused.value.problems == {
        "number": "Number is 31 characters long; at most 30 are allowed."
    }


def test_every_field_at_fault_is_named_in_form_order(world):
    with pytest.raises(projects.FieldProblems) as refused:
        projects.add_project(
            world.admin, name="", number="N-x", city="c" * 40, street="Bad, Street"
        )
    assert list(refused.value.problems) == ["", "name", "city"]
    assert "comma" in refused.value.problems[""]


def test_projected_end_before_start_is_refused(world):
    pid = world.new_project("Backwards", sent=False)
    with pytest.raises(projects.FieldProblems) as refused:
        projects.update_project(
            world.admin, pid, start_date=date(2026, 5, 2), projected_end_date=date(2026, 5, 1)
        )
    assert refused.value.problems == {
        "projected_end_date": "The projected end (2026-05-01) is before the start (2026-05-02)."
    }
    assert world.project(pid).start_date == date(2026, 3, 1)
    projects.update_project(  # the same day is fine
        world.admin, pid, start_date=date(2026, 5, 1), projected_end_date=date(2026, 5, 1)
    )


def test_sending_needs_an_address_and_says_what_is_missing(world):
    pid = world.new_project("No Address", sent=False, street="", city="")
    with pytest.raises(projects.FieldProblems) as refused:
        projects.send_to_erp(world.admin, pid)
    assert (
        str(refused.value) == "“No Address” cannot be sent to ERP: its street and city are missing."
    )
    assert list(refused.value.problems) == ["street", "city"]
    assert world.project(pid).erp_state == "not_sent"
    projects.update_project(world.admin, pid, street="2 Dock Rd")
    with pytest.raises(projects.FieldProblems, match="its city is missing"):
        projects.send_to_erp(world.admin, pid)
    projects.update_project(world.admin, pid, city="Tacoma")
    assert "was sent" in projects.send_to_erp(world.admin, pid)


def test_a_form_date_that_is_not_a_date_is_refused_on_its_field():
    with pytest.raises(projects.FieldProblems) as refused:
        projects.fields_from_form({"projected_end_date": "2026-02-30"})
    assert refused.value.problems == {"projected_end_date": "Projected end date is not a date."}


def test_a_failed_export_shows_quickbooks_reason_and_what_to_do(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    with unit_of_work() as s:  # QuickBooks refuses it as it does a duplicate job name
        project = s.get(Project, pid)
        project.erp_state, project.erp_list = "failed_to_export", "failed_to_export"
        project.qb_error_code, project.qb_error_message = 3100, "The name is already in use."
    [row] = [r for r in project_pages.project_page(world.admin)[0] if r.id == pid]
    assert row.failure == "The name is already in use. (QuickBooks status 3100)"
    assert row.next_step.startswith("QuickBooks already has a job with this name")
    assert all(
        r.failure == r.next_step == ""
        for r in project_pages.project_page(world.admin)[0]
        if r.id != pid
    )


def test_a_search_deep_link_finds_the_project_by_number(world):
    pid = world.new_project("Linked", sent=False, number="P-1001")
    rows, total = project_pages.project_page(world.admin, "P-1001")
    assert (total, [r.id for r in rows]) == (1, [pid])
    assert project_pages.project_page(world.admin, "P-9999") == ([], 0)
    with pytest.raises(InvalidInput, match="at most 100"):
        project_pages.project_page(world.admin, "x" * 101)
