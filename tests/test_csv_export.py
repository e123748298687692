"""CSV downloads of Jobs views: the rows the list shows, Excel-friendly, safe to open."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from erp_dashboard import routes
from erp_dashboard.api.app import api_app
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import ListCount, Project, QbJob, utcnow
from erp_dashboard.qbwc.download import SESSION_COOKIE
from erp_dashboard.services import auth, csv_export, job_lists, list_rows
from erp_dashboard.services.errors import InvalidInput, PermissionDenied
from erp_dashboard.services.job_lists import PageQuery
from erp_dashboard.services.permissions import Role
from tests.builders import PASSWORD

HEADERS = [header for header, _ in csv_export.COLUMNS]
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def parse(data: bytes) -> list[dict[str, str]]:
    """The CSV as Excel would read it: UTF-8 with a BOM, then a header row."""
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert next(reader) == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in reader]


def download(actor, query: PageQuery | None = None) -> list[dict[str, str]]:
    return parse(b"".join(csv_export.csv_chunks(actor, query or PageQuery())))


def listed(actor, query: PageQuery) -> list[str]:
    """The names the Jobs tab shows for a view, every page of it."""
    names, page = [], 1
    while True:
        shown = job_lists.list_page(actor, replace(query, page=page))
        names += [row.name for row in shown.rows]
        if page >= shown.pages:
            return names
        page += 1


@pytest.fixture
def many(world):
    """Nine more projects in Ready To Export, names and dates in no particular order."""
    for i, (name, city, day) in enumerate(
        [
            ("Harbor Clinic", "Tacoma", 12),
            ("Bay Warehouse", "Seattle", 3),
            ("Harbor Library", "Portland", 25),
            ("Cedar School", "Boise", 7),
            ("Harbor Clinic", "Salem", 1),  # the same name twice: the id decides
            ("Délai Café", "Montréal", 18),
            ("Zinc Roof", "Bend", 9),
            ("Alder Gym", "Reno", 30),
            ("Maple Dorm", "Eugene", 14),
        ]
    ):
        world.new_project(
            name, number=f"M-{i}", city=city, start_date=date(2026, 1, day), projected_end_date=None
        )
    return world


def test_the_csv_is_excel_friendly_and_holds_the_whole_list(many):
    rows = download(many.viewer)
    assert len(rows) == 12 == job_lists.list_page(many.viewer, PageQuery()).total
    assert [r["Name"] for r in rows] == listed(many.viewer, PageQuery(page_size=10))
    cafe = next(r for r in rows if r["Name"] == "Délai Café")
    assert cafe["City"] == "Montréal" and cafe["Creator"] == "Pam Admin"
    assert cafe["Start"] == "2026-01-18" and cafe["Projected end"] == ""
    assert ISO_TIME.match(cafe["Sent to ERP"]) and ISO_TIME.match(cafe["Changed"])
    assert cafe["Sent to ERP"][:10] == utcnow().date().isoformat()
    assert cafe["Status"] == "Ready To Export" and cafe["Synced"] == ""


@pytest.mark.parametrize(
    "query",
    [
        PageQuery(sort="name", descending=True),
        PageQuery(sort="start"),
        PageQuery(sort="city", descending=True),
        PageQuery(search="harbor"),
        PageQuery(search="Harbor Cli", sort="start", descending=True),
        PageQuery(search="M-1"),
        PageQuery(search="nothing like it"),
    ],
)
def test_filter_search_and_sort_are_the_lists_own(many, query):
    names = [r["Name"] for r in download(many.approver, query)]
    assert names == listed(many.approver, replace(query, page_size=10))
    if query.search == "harbor":
        assert sorted(names) == ["Harbor Clinic", "Harbor Clinic", "Harbor Library"]


def test_quickbooks_jobs_lists_and_errors(world):
    with unit_of_work() as s:
        s.add(QbJob(list_id="80-1", full_name="Acme Builders:Old Shed", city="Kent"))
        s.get(ListCount, "ready_to_import").n += 1
        s.exec(
            update(Project)
            .where(Project.id == world.projects[0])
            .values(qb_error_code=3100, qb_error_message="The name is already in use.")
        )
    (job,) = download(world.viewer, PageQuery(job_list="ready_to_import"))
    assert job["Name"] == "Old Shed" and job["QuickBooks job"] == "Acme Builders:Old Shed"
    assert job["Customer"] == "" and job["Status"] == "Ready To Import" and job["City"] == "Kent"
    failed = next(r for r in download(world.viewer) if r["Name"] == "Project 1")
    assert failed["QuickBooks status code"] == "3100"
    assert failed["QuickBooks error"] == "The name is already in use."
    assert download(world.viewer, PageQuery(job_list="synced")) == []


def test_formulas_are_neutralised(world):
    world.new_project("=HYPERLINK(evil)", number="+1-555", street="@SUM(A1)", city="-Town")
    (row,) = [r for r in download(world.approver) if r["Number"] == "'+1-555"]
    assert row["Name"] == "'=HYPERLINK(evil)"
    assert (row["Street"], row["City"]) == ("'@SUM(A1)", "'-Town")
    for risky in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert csv_export.cell(risky) == "'" + risky
    assert csv_export.cell("a=b") == "a=b" and csv_export.cell(-3) == "-3"
    assert csv_export.cell(date(2026, 2, 3)) == "2026-02-03" and csv_export.cell(None) == ""


def test_rows_stream_in_chunks(many, monkeypatch):
    monkeypatch.setattr(csv_export, "ROWS_PER_CHUNK", 5)
    chunks = csv_export.csv_chunks(many.approver, PageQuery())
    header = next(chunks)
    assert header.decode("utf-8-sig").count("\r\n") == 1  # the header goes out at once
    rest = list(chunks)
    assert [chunk.count(b"\r\n") for chunk in rest] == [5, 5, 2]
    early = csv_export.csv_chunks(many.approver, PageQuery())
    next(early), next(early)
    early.close()  # a download given up ends its read


@pytest.mark.parametrize("who", ["approver", "admin", "viewer"])
def test_every_role_of_the_jobs_tab_downloads(world, who):
    assert len(download(getattr(world, who))) == 3


def test_refusals_come_before_any_row(world, monkeypatch):
    with pytest.raises(InvalidInput, match="no list"):
        csv_export.csv_chunks(world.viewer, PageQuery(job_list="everything"))
    with pytest.raises(InvalidInput, match="sorted"):
        csv_export.csv_chunks(world.viewer, PageQuery(sort="password_hash"))
    monkeypatch.setattr(list_rows, "JOBS_READERS", frozenset({Role.APPROVER}))
    with pytest.raises(PermissionDenied, match="Viewers cannot download"):
        csv_export.csv_chunks(world.viewer, PageQuery())


# ----- over HTTP ------------------------------------------------------------------


def client(email: str | None) -> TestClient:
    web = TestClient(api_app())
    if email:
        web.cookies.set(SESSION_COOKIE, auth.sign_in(email, PASSWORD))
    return web


def test_the_jobs_tabs_link_downloads_its_view(many):
    view = job_lists.url_params(PageQuery(search="harbor", sort="start", descending=True, page=2))
    href = routes.jobs_csv(view)
    assert href.startswith("/jobs.csv?") and "page=" not in href
    reply = client("vic@example.com").get(href)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    today = utcnow().date().isoformat()
    assert reply.headers["content-disposition"] == (
        f'attachment; filename="ready-to-export-{today}.csv"'
    )
    assert reply.headers["cache-control"] == "no-store"
    names = [r["Name"] for r in parse(reply.content)]
    assert names == listed(many.viewer, PageQuery(search="harbor", sort="start", descending=True))
    assert len(names) == 3


def test_http_refusals(world):
    assert client(None).get("/jobs.csv").status_code == 401
    assert client(None).get("/jobs.csv?filter=nope").status_code == 401  # who first, then what
    web = client("ann@example.com")
    for bad, message in (
        ("filter=everything", "no list"),
        ("desc=yes", "desc=0 or desc=1"),
        ("sort=secret", "cannot be sorted"),
        (f"search={'x' * 101}", "at most 100"),
    ):
        reply = web.get(f"/jobs.csv?{bad}")
        assert (reply.status_code, reply.headers["content-type"][:10]) == (422, "text/plain")
        assert message in reply.text and "Traceback" not in reply.text
    reply = web.get("/jobs.csv?filter=archived")
    assert reply.status_code == 200 and parse(reply.content) == []
    assert "archived-" in reply.headers["content-disposition"]
