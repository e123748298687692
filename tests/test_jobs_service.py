"""The Jobs-tab rules, driven through the service layer on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, ErpEvent, Project, WorkItem
from erp_dashboard.services import job_lists, jobs, projects
from erp_dashboard.services.errors import (
    ConcurrentChange,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    ServiceError,
)
from erp_dashboard.services.state_machine import TRANSITIONS, move
from erp_dashboard.simulator.quickbooks import add_customer
from tests.builders import drain, rejection_emails


def state(world, project_id) -> str:
    return world.project(project_id).erp_state


def events(project_id) -> list[tuple[str, str, str]]:
    with unit_of_work() as s:
        rows = s.exec(
            select(ErpEvent).where(ErpEvent.project_id == project_id).order_by(ErpEvent.id)
        )
        return [(e.action, e.from_state, e.to_state) for e in rows]


def test_accept_and_export_syncs_with_quickbooks_identity(world):
    pid = world.projects[0]
    [outcome] = jobs.export_projects(world.approver, [world.choice(pid)])
    assert outcome.ok, outcome.message
    assert state(world, pid) == "exporting"
    assert world.counts()["ready_to_export"] == 3  # still shown there, as Exporting…

    assert drain() == [1, 100]  # customer sync, then the export
    project = world.project(pid)
    assert project.erp_state == "synced"
    assert project.qb_full_name == "Acme Builders:Project 1"
    assert project.qb_list_id and project.qb_edit_sequence
    assert project.customer_id == world.customer_id("Acme Builders")
    assert world.counts()["synced"] == 1 and world.counts()["ready_to_export"] == 2
    assert events(pid)[-2:] == [
        ("export", "ready_to_export", "exporting"),
        ("export_succeeded", "exporting", "synced"),
    ]


def test_quickbooks_refusal_moves_to_failed_with_code_and_message(world):
    pid = world.projects[0]
    with unit_of_work() as s:
        add_customer(s, "Project 1", parent_full_name="Acme Builders")
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    project = world.project(pid)
    assert project.erp_state == "failed_to_export"
    assert project.qb_error_code == 3100
    assert "already in use" in project.qb_error_message
    page = job_lists.list_page(world.viewer, job_lists.PageQuery(job_list="failed_to_export"))
    assert [r.error for r in page.rows] == [f"{project.qb_error_message} (QuickBooks status 3100)"]


def test_retry_under_another_customer_then_syncs(world):
    pid = world.projects[0]
    with unit_of_work() as s:
        add_customer(s, "Project 1", parent_full_name="Acme Builders")
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    [outcome] = jobs.export_projects(world.approver, [world.choice(pid, "Bayside Properties")])
    assert outcome.ok
    drain()
    project = world.project(pid)
    assert (project.erp_state, project.qb_full_name) == ("synced", "Bayside Properties:Project 1")
    assert project.qb_error_code is None


def test_reject_records_comment_and_queues_the_email(world):
    pid = world.projects[1]
    message = jobs.reject(world.approver, pid, world.project(pid).erp_version, "  Wrong number ")
    assert "rejected" in message
    project = world.project(pid)
    assert (project.erp_state, project.erp_comment) == ("rejected", "Wrong number")
    assert world.counts()["ready_to_export"] == 2
    [email] = rejection_emails()
    assert email.subject == "ERP Project Rejection Notification: Project 2"
    assert email.to_addrs == "ann@example.com, bob@example.com, pam@example.com"
    assert "Wrong number" in email.body and "Ann Approver" in email.body
    assert events(pid)[-1] == ("reject", "ready_to_export", "rejected")


def test_reject_from_failed_to_export(world):
    pid = world.projects[0]
    with unit_of_work() as s:
        add_customer(s, "Project 1", parent_full_name="Acme Builders")
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    jobs.reject(world.approver, pid, world.project(pid).erp_version, "")
    assert state(world, pid) == "rejected"
    assert world.counts()["failed_to_export"] == 0


def unchanged(world, pid, before):
    after = world.project(pid)
    assert (after.erp_state, after.erp_version) == (before.erp_state, before.erp_version)


def test_accepted_row_without_customer_is_refused(world):
    pid = world.projects[0]
    before = world.project(pid)
    [outcome] = jobs.export_projects(
        world.approver, [jobs.ExportChoice(pid, before.erp_version, "")]
    )
    assert not outcome.ok and "Choose the QuickBooks customer" in outcome.message
    unchanged(world, pid, before)


def test_customer_that_no_longer_exists_is_refused(world):
    pid = world.projects[0]
    with unit_of_work() as s:
        customer = s.exec(select(Customer).where(Customer.full_name == "Acme Builders")).one()
        customer.is_active = False
        s.add(customer)
    before = world.project(pid)
    for list_id in (world.customers["Acme Builders"], "80000099-1700000000"):
        [outcome] = jobs.export_projects(
            world.approver, [jobs.ExportChoice(pid, before.erp_version, list_id)]
        )
        assert not outcome.ok and "no longer exists" in outcome.message
    unchanged(world, pid, before)
    with unit_of_work() as s:
        assert s.exec(select(WorkItem)).all() == []


def test_one_refused_row_does_not_stop_the_others(world):
    a, b = world.projects[:2]
    outcomes = jobs.export_projects(world.approver, [world.choice(a), jobs.ExportChoice(b, 0, "")])
    assert [o.ok for o in outcomes] == [True, False]
    assert (state(world, a), state(world, b)) == ("exporting", "ready_to_export")


def test_comment_over_limit_changes_nothing(world):
    pid = world.projects[0]
    before = world.project(pid)
    with pytest.raises(InvalidInput, match="2001 characters"):
        jobs.reject(world.approver, pid, before.erp_version, "x" * 2001)
    unchanged(world, pid, before)
    assert rejection_emails() == []


def test_html_in_a_comment_is_kept_as_plain_text(world):
    pid = world.projects[0]
    script = "<script>alert('x')</script> & <b>bold</b>"
    jobs.reject(world.approver, pid, world.project(pid).erp_version, script)
    assert world.project(pid).erp_comment == script


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_forged_actions_from_other_roles_are_refused(world, who):
    actor = getattr(world, who)
    pid = world.projects[0]
    before = world.project(pid)
    with pytest.raises(PermissionDenied):
        jobs.export_projects(actor, [world.choice(pid)])
    with pytest.raises(PermissionDenied):
        jobs.reject(actor, pid, before.erp_version, "")
    unchanged(world, pid, before)


def test_stale_version_is_told_the_project_changed(world):
    pid = world.projects[0]
    seen = world.choice(pid)
    jobs.reject(world.approver2, pid, seen.version, "no")
    [outcome] = jobs.export_projects(world.approver, [seen])
    assert not outcome.ok and "changed by someone else" in outcome.message
    assert state(world, pid) == "rejected"


def race(*actions) -> list[str]:
    """Run the actions at the same instant; each ends "won" or "changed"."""
    barrier = threading.Barrier(len(actions))
    results: list[str] = []

    def run(action):
        barrier.wait()
        try:
            action()
            results.append("won")
        except ConcurrentChange:
            results.append("changed")

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_two_approvers_at_once_exactly_one_wins(world):
    """Real concurrency: both read the same version, both try to write."""
    for attempt in range(5):
        pid = world.new_project(f"Race {attempt}")
        seen = world.choice(pid)

        def export(seen=seen):
            [outcome] = jobs.export_projects(world.approver, [seen])
            if not outcome.ok:
                raise ConcurrentChange(outcome.message)

        def reject(pid=pid, seen=seen):
            jobs.reject(world.approver2, pid, seen.version, "")

        assert race(export, reject) == ["changed", "won"]
        assert len(events(pid)) == 2  # send + the one winner
        with unit_of_work() as s:
            queued = s.exec(select(WorkItem).where(WorkItem.project_id == pid)).all()
        mails = [m for m in rejection_emails() if m.project_id == pid]
        assert len(queued) + len(mails) == 1


def test_invalid_transition_names_project_state_and_options(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    with pytest.raises(InvalidTransition) as err:
        jobs.reject(world.approver, pid, world.project(pid).erp_version, "")
    assert "Project 1" in str(err.value) and "Synced" in str(err.value)
    assert "Possible now" in str(err.value)


def test_only_quickbooks_can_record_an_export_result(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    with unit_of_work() as s, pytest.raises(PermissionDenied):
        move(s, world.project(pid), "export_succeeded", world.approver)
    assert TRANSITIONS["export_succeeded"].role is None


def test_name_quickbooks_cannot_store_is_refused_before_export(world):
    pid = world.new_project("Cafe Fit-out", sent=False)
    with unit_of_work() as s:  # stored before the checks existed (the Admin tool refuses it)
        s.get(Project, pid).name = "Café ☕ Fit-out"
    with pytest.raises(InvalidInput, match=r"ISO-8859-1|cannot store"):
        projects.send_to_erp(world.admin, pid)
    assert state(world, pid) == "not_sent"


def test_counts_stay_equal_to_the_rows(world):
    a, b, _ = world.projects
    jobs.export_projects(world.approver, [world.choice(a)])
    jobs.reject(world.approver, b, world.project(b).erp_version, "")
    drain()
    counts = world.counts()
    for job_list, n in counts.items():
        page = job_lists.list_page(
            world.viewer, job_lists.PageQuery(job_list=job_list, page_size=100)
        )
        assert len(page.rows) == n, job_list
    assert counts["ready_to_export"] == 1 and counts["synced"] == 1


def test_pages_sort_search_and_refuse_bad_queries(world):
    for i in range(30):
        world.new_project(f"Bulk {i:02d}", city="Portland" if i % 2 else "Boise")
    q = job_lists.PageQuery(page_size=10, sort="name")
    first = job_lists.list_page(world.viewer, q)
    assert (first.total, first.pages, len(first.rows)) == (33, 4, 10)
    assert [r.name for r in first.rows][:2] == ["Bulk 00", "Bulk 01"]
    last = job_lists.list_page(world.viewer, job_lists.PageQuery(page_size=10, page=99))
    assert last.page == 4 and len(last.rows) == 3
    down = job_lists.list_page(world.viewer, job_lists.PageQuery(sort="name", descending=True))
    assert down.rows[0].name == "Project 3"
    found = job_lists.list_page(world.viewer, job_lists.PageQuery(search="portland"))
    assert found.total == 15 and {r.address.split(", ")[1] for r in found.rows} == {"Portland"}
    for bad in (
        job_lists.PageQuery(job_list="everything"),
        job_lists.PageQuery(sort="password_hash"),
        job_lists.PageQuery(page_size=100000),
        job_lists.PageQuery(search="x" * 101),
    ):
        with pytest.raises(ServiceError):
            job_lists.list_page(world.viewer, bad)


@pytest.mark.parametrize("text", ["nul\x00byte", "\x00", "tab\there", "c1\x85", "del\x7f"])
def test_control_characters_in_a_search_are_named_not_sent_to_the_database(world, text):
    with pytest.raises(InvalidInput, match="cannot contain control characters"):
        job_lists.list_page(world.viewer, job_lists.PageQuery(search=text))
    found = job_lists.search_customers(world.approver, "Ac\x00m\x85e\x7f")  # dropped there
    assert [name for _, name in found.options] == ["Acme Builders"]


def test_customer_search_finds_active_customers_only(world):
    found = job_lists.search_customers(world.approver, "bay")
    assert found.options == [(world.customers["Bayside Properties"], "Bayside Properties")]
    assert not found.more
    assert len(job_lists.search_customers(world.approver, "").options) == 2


def test_customer_search_says_when_more_match_than_it_shows(world):
    with unit_of_work() as s:
        for n in range(3):
            s.add(Customer(list_id=f"more-{n}", full_name=f"Zeta {n}", is_active=True))
    first = job_lists.search_customers(world.approver, "zeta", limit=2)
    assert [name for _, name in first.options] == ["Zeta 0", "Zeta 1"]
    assert first.more
    assert not job_lists.search_customers(world.approver, "zeta", limit=3).more


def test_a_jobs_address_round_trips_its_view():
    query = job_lists.PageQuery(
        job_list="synced", sort="changed", descending=True, search="bay", page=3, page_size=50
    )
    params = job_lists.url_params(query)
    assert params == {
        "filter": "synced",
        "search": "bay",
        "sort": "changed",
        "desc": "1",
        "page": "3",
        "size": "50",
    }
    assert job_lists.query_from_url(params) == query
    assert job_lists.url_params(job_lists.PageQuery()) == {"filter": "ready_to_export"}
    assert job_lists.query_from_url({}) == job_lists.PageQuery()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filter": "nope"}, "no list called"),
        ({"sort": "password_hash"}, "cannot be sorted"),
        ({"filter": "archived", "sort": "city"}, "cannot be sorted"),
        ({"desc": "yes"}, "desc=0 or desc=1"),
        ({"page": "0"}, "page must be a whole number"),
        ({"page": "9" * 5000}, "page must be a whole number"),
        ({"page": "-2"}, "page must be a whole number"),
        ({"size": "٣"}, "size must be a whole number"),
        ({"size": "30"}, "Page size must be one of"),
        ({"search": "x" * 101}, "at most 100"),
    ],
)
def test_a_jobs_address_it_cannot_use_is_refused_by_name(params, message):
    with pytest.raises(InvalidInput, match=message):
        job_lists.query_from_url(params)


def test_finished_exports_report_synced_and_failed_only(world):
    a, b, c = world.projects
    with unit_of_work() as s:
        add_customer(s, "Project 2", parent_full_name="Acme Builders")
    jobs.export_projects(world.approver, [world.choice(a), world.choice(b), world.choice(c)])
    assert job_lists.finished_exports(world.approver, [a, b, c]) == []
    drain()
    done = {f.project_id: f for f in job_lists.finished_exports(world.approver, [a, b])}
    assert done[a].synced and done[a].detail == "Acme Builders:Project 1"
    assert not done[b].synced and done[b].detail.endswith("(QuickBooks status 3100)")
    assert c not in done


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ebra y", {"Zebra Yard"}),  # inside a word, any case, through the index
        ("N-Zeb", {"Zebra Yard"}),  # the number
        ("ortla", {"Zebra Yard"}),  # the city
        ("Ze", {"Zebra Yard"}),  # shorter than a trigram
        ("100%", {"100% Done"}),  # wildcards are literal
        ("10_", set()),
        ('"q', {'Say "quote"'}),
    ],
)
def test_search_finds_substrings_of_name_number_and_city(world, text, expected):
    world.new_project("Zebra Yard", city="Portland")
    world.new_project("100% Done")
    world.new_project('Say "quote"')
    found = job_lists.list_page(world.viewer, job_lists.PageQuery(search=text)).rows
    assert {r.name for r in found} == expected


def test_search_follows_renames(world):
    pid = world.new_project("Old Name Plaza", number="R-1")
    with unit_of_work() as s:
        project = s.get(Project, pid)
        project.name = "New Name Plaza"
        s.add(project)

    def found(text: str) -> int:
        return job_lists.list_page(world.viewer, job_lists.PageQuery(search=text)).total

    assert (found("Old Name"), found("New Name")) == (0, 1)


def test_search_counts_matches_up_to_the_limit(world, monkeypatch):
    monkeypatch.setattr(job_lists, "MATCH_COUNT_LIMIT", 2)
    page = job_lists.list_page(world.viewer, job_lists.PageQuery(search="Project", page_size=10))
    assert (page.total, page.total_text, len(page.rows)) == (3, "2+", 3)
    page = job_lists.list_page(world.viewer, job_lists.PageQuery(search="Project 1"))
    assert (page.total, page.total_text) == (1, "1")
