"""Every service action × every role, called directly as a forged event would reach it."""

from __future__ import annotations

import pytest

from erp_dashboard.services import (
    daily_summary,
    imports,
    job_lists,
    jobs,
    outbox,
    people,
    project_pages,
    projects,
)
from erp_dashboard.services.errors import PermissionDenied, ServiceError
from erp_dashboard.services.job_lists import PageQuery

ROLES = ("approver", "admin", "viewer")
EVERYONE = set(ROLES)
ACTIONS = {
    "export": ({"approver"}, lambda w, a, p: jobs.export_projects(a, [w.choice(p)])),
    "reject": ({"approver"}, lambda w, a, p: jobs.reject(a, p, 1, "")),
    "approve update": ({"approver"}, lambda w, a, p: jobs.approve_update(a, p, 1)),
    "reject update": ({"approver"}, lambda w, a, p: jobs.reject_update(a, p, 1, "")),
    "import job": ({"approver"}, lambda w, a, p: imports.import_job(a, 1, 0)),
    "link job": ({"approver"}, lambda w, a, p: imports.link_job(a, 1, 0, "N-Project 1")),
    "archive job": ({"approver"}, lambda w, a, p: imports.set_archived(a, 1, 0, True)),
    "refresh customers": ({"approver"}, lambda w, a, p: imports.request_customer_sync(a)),
    "add project": ({"admin"}, lambda w, a, p: projects.add_project(a, name="N", number="N-9")),
    "edit project": ({"admin"}, lambda w, a, p: projects.update_project(a, p, description="x")),
    "send to ERP": ({"admin"}, lambda w, a, p: projects.send_to_erp(a, p)),
    "retrieve": ({"admin"}, lambda w, a, p: projects.retrieve(a, p)),
    "choose approvers": ({"admin"}, lambda w, a, p: projects.set_approvers(a, p, [])),
    "read a list": (EVERYONE, lambda w, a, p: job_lists.list_page(a, PageQuery())),
    "read counts": (EVERYONE, lambda w, a, p: job_lists.counts(a)),
    "search customers": (EVERYONE, lambda w, a, p: job_lists.search_customers(a, "a")),
    "read projects": (EVERYONE, lambda w, a, p: project_pages.project_page(a)),
    "read the outbox": (EVERYONE, lambda w, a, p: outbox.outbox_page(a)),
    "daily summary opt-out": (EVERYONE, lambda w, a, p: daily_summary.set_daily_summary(a, False)),
    "manage people": ({"admin"}, lambda w, a, p: people.people(a)),  # the company admin here
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_is_allowed_exactly_for_its_roles(world, action, role):
    allowed, call = ACTIONS[action]
    actor = world.approver if role == "approver" else getattr(world, role)
    project = world.projects[0]
    if role in allowed:
        try:
            call(world, actor, project)
        except PermissionDenied as err:
            pytest.fail(f"{role} was refused {action}: {err}")
        except ServiceError:
            pass  # allowed, but refused for another reason (state, input): not a permission
    else:
        with pytest.raises(PermissionDenied):
            call(world, actor, project)
