"""The read API: tokens a company admin makes and revokes, bearer auth, cursor paging."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from erp_dashboard.api.app import api_app
from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import ApiToken
from erp_dashboard.services import api_tokens, auth, job_lists, people
from erp_dashboard.services.errors import InvalidInput, NotFound, PermissionDenied
from erp_dashboard.services.job_lists import PageQuery
from erp_dashboard.services.permissions import Role
from tests.builders import PASSWORD

ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def get(path: str, token: str | None = None, **headers: str):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return TestClient(api_app()).get(path, headers=headers)


def refused(reply, status: int, code: str, words: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert body["error"] == code and words in body["message"], body
    assert "Traceback" not in reply.text


@pytest.fixture
def token(world) -> str:
    return api_tokens.create(world.admin, "Ops dashboard").secret


# ----- tokens ------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_hashed(world):
    made = api_tokens.create(world.admin, "  Ops dashboard ")
    assert made.secret.startswith("erp_api_") and len(made.secret) > 40
    assert made.info.name == "Ops dashboard" and made.info.hint == made.secret[:12]
    with read_only() as s:
        (row,) = s.exec(select(ApiToken)).all()
        stored = [str(v) for v in row.model_dump().values()]
    assert row.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert not any(made.secret in value for value in stored)
    (listed,) = api_tokens.tokens(world.admin)
    assert made.secret not in repr(listed) and listed.created_by == "Pam Admin"
    assert listed.last_used_at is None and listed.revoked_at is None


def test_using_a_token_records_when(world, token):
    assert get("/api/v1/projects", token).status_code == 200
    (listed,) = api_tokens.tokens(world.admin)
    assert listed.last_used_at is not None


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 61, "two\nlines", "tab\there", "Ops dashboard", None, 7]
)
def test_bad_token_names_are_refused(world, token, name):
    with pytest.raises(InvalidInput, match=r"Name the token|already exists"):
        api_tokens.create(world.admin, name)
    assert len(api_tokens.tokens(world.admin)) == 1


@pytest.mark.parametrize("who", ["approver", "viewer"])
def test_only_company_admins_handle_tokens(world, token, who):
    actor = getattr(world, who)
    (made,) = api_tokens.tokens(world.admin)
    for call in (
        lambda: api_tokens.create(actor, "mine"),
        lambda: api_tokens.tokens(actor),
        lambda: api_tokens.revoke(actor, made.id),
    ):
        with pytest.raises(PermissionDenied, match="company admin"):
            call()
    assert get("/api/v1/projects", token).status_code == 200


def test_revoking(world, token):
    (made,) = api_tokens.tokens(world.admin)
    assert "revoked" in api_tokens.revoke(world.admin, made.id)
    assert "already" in api_tokens.revoke(world.admin, made.id)
    for forged in (made.id + 99, "1", None, True):
        with pytest.raises(NotFound):
            api_tokens.revoke(world.admin, forged)
    refused(get("/api/v1/projects", token), 401, "unauthorized", "revoked")
    again = api_tokens.create(world.admin, "Ops dashboard")  # the name is free again
    assert get("/api/v1/projects", again.secret).status_code == 200
    assert [t.revoked_at is None for t in api_tokens.tokens(world.admin)] == [True, False]


# ----- auth --------------------------------------------------------------------------


def test_who_is_refused(world, token):
    cases = [
        get("/api/v1/projects"),
        get("/api/v1/projects", Authorization=f"Basic {token}"),
        get("/api/v1/projects", ""),
        get("/api/v1/projects", "erp_api_" + "A" * 43),
        get("/api/v1/projects", token[:-1]),
        get("/api/v1/projects", "x" * 5000),
    ]
    for reply in cases:
        refused(reply, 401, "unauthorized", "token")
        assert reply.headers["www-authenticate"].startswith("Bearer")
    # a session cookie is no API token
    web = TestClient(api_app())
    web.cookies.set("erp_session", auth.sign_in("pam@example.com", PASSWORD))
    assert web.get("/api/v1/projects").status_code == 401
    # who comes before what: a stranger learns nothing about the parameters
    refused(get("/api/v1/projects?list=nope"), 401, "unauthorized", "Bearer")


def test_a_token_lapses_with_its_makers_admin_rights(world):
    with unit_of_work() as s:
        auth.create_user(
            s, "cat@example.com", "Cat Admin", PASSWORD, Role.VIEWER, company_admin=True
        )
    cat = auth.actor_for(auth.sign_in("cat@example.com", PASSWORD))
    secret = api_tokens.create(cat, "Cat's sheet").secret
    assert get("/api/v1/projects", secret).status_code == 200
    people.set_active(world.admin, cat.id, False)
    refused(get("/api/v1/projects", secret), 403, "forbidden", "no longer an active company admin")
    people.set_active(world.admin, cat.id, True)
    assert get("/api/v1/projects", secret).status_code == 200


def test_the_token_reads_as_a_viewer(world, token):
    actor = api_tokens.actor_for_token(token)
    assert actor.role is Role.VIEWER and not actor.is_company_admin
    assert actor.name == "API token “Ops dashboard”"


def test_writes_and_unknown_paths(world, token):
    reply = TestClient(api_app()).post(
        "/api/v1/projects", headers={"Authorization": f"Bearer {token}"}
    )
    refused(reply, 405, "method_not_allowed", "GET")
    refused(get("/api/v1/nothing", token), 404, "not_found", "/api/v1/nothing")


# ----- projects ----------------------------------------------------------------------


@pytest.fixture
def listed(world):
    """23 projects in Ready To Export (names repeat: the id breaks ties)."""
    for i in range(20):
        world.new_project(f"Site {'ABCDE'[i % 5]}", number=f"S-{i:02}", city=f"City {i}")
    return [row.id for row in job_lists.list_page(world.viewer, PageQuery(page_size=100)).rows]


def pages(token: str, query: str) -> list[dict]:
    """Every page of /api/v1/projects?`query`, following next_cursor."""
    bodies, cursor = [], None
    while True:
        reply = get(f"/api/v1/projects?{query}" + (f"&cursor={cursor}" if cursor else ""), token)
        assert reply.status_code == 200, reply.text
        bodies.append(reply.json())
        cursor = bodies[-1]["next_cursor"]
        if cursor is None:
            return bodies


def test_cursor_paging_returns_every_row_once_in_name_order(listed, token):
    bodies = pages(token, "list=ready_to_export&limit=5")
    assert [len(b["rows"]) for b in bodies] == [5, 5, 5, 5, 3]
    assert [row["id"] for b in bodies for row in b["rows"]] == listed
    (one,) = pages(token, "limit=1000")
    assert [row["id"] for row in one["rows"]] == listed
    first = one["rows"][0]
    assert ISO_TIME.match(first["sent_at"]) and ISO_TIME.match(first["changed_at"])
    assert first["start_date"] == "2026-03-01" and first["synced_at"] is None
    assert first["status"] == "ready_to_export" and first["status_label"] == "Ready To Export"
    assert first["creator"] == "Pam Admin" and first["error_code"] is None


def test_search_and_other_lists(listed, token):
    rows = [r for b in pages(token, "search=site%20b&limit=2") for r in b["rows"]]
    assert [r["name"] for r in rows] == ["Site B"] * 4
    (body,) = pages(token, "list=synced")
    assert body == {"list": "synced", "search": "", "rows": [], "next_cursor": None}


def test_bad_requests_are_422(listed, token):
    first = get("/api/v1/projects?limit=2", token).json()["next_cursor"]
    elsewhere = get("/api/v1/projects?limit=2&search=site", token).json()["next_cursor"]
    forged = base64.urlsafe_b64encode(json.dumps({"s": "0", "k": ["a", 1]}).encode()).decode()
    for query, words in (
        ("list=everything", "no list"),
        ("limit=0", "1 to 1000"),
        ("limit=1001", "1 to 1000"),
        ("limit=ten", "1 to 1000"),
        ("limit=-5", "1 to 1000"),
        (f"search={'x' * 101}", "at most 100"),
        ("cursor=bm90IGEgY3Vyc29y", "cursor"),
        ("cursor=%%%", "cursor"),
        (f"cursor={forged}", "cursor"),
        (f"cursor={elsewhere}", "cursor"),  # from another search
        (f"list=synced&cursor={first}", "cursor"),  # from another list
        (f"cursor={'A' * 2000}", "cursor"),
        ("page=2", "Unknown parameter 'page'"),
        ("limit=2&limit=3", "once"),
    ):
        refused(get(f"/api/v1/projects?{query}", token), 422, "invalid_request", words)
    assert get(f"/api/v1/projects?cursor={first}&limit=2", token).status_code == 200


def test_dates_in_rows_are_iso(world, token):
    world.new_project("Dated", number="D-1", start_date=date(2025, 12, 31))
    (body,) = pages(token, "search=Dated")
    (row,) = body["rows"]
    assert row["start_date"] == "2025-12-31" and row["end_date"] == "2026-09-01"
