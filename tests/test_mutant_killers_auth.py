"""Sign-in rules pinned at their edges: where sign-in may lead back to, what the sign-in
address says about an ended session, and when a session's activity is written. Each test
kills mutants that survived the rest of the suite (`make mutants`, issue 11 §7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import PeopleEvent, UserSession, utcnow
from erp_dashboard.services import auth
from erp_dashboard.services.errors import InvalidInput, NotSignedIn
from erp_dashboard.services.permissions import Role
from tests.builders import PASSWORD

# -- where sign-in leads back to ----------------------------------------------------------


@pytest.mark.parametrize(
    "wanted",
    [
        "/jobs\x01",  # a C0 control character
        "/jobs\x1f?x=1",
        "/jobs\x7f",  # DEL
        "////evil.com",  # the path itself starts with "//": protocol-relative in a browser
        "///evil.com/jobs",
        "/login/",
        "/login//",
        "/" + "a" * auth.MAX_RETURN_PATH,  # one character over the limit
    ],
)
def test_control_characters_double_slashes_and_sign_in_itself_lead_home(wanted):
    assert auth.return_path(wanted) == auth.HOME
    assert auth.return_path(wanted, home="/overview") == "/overview"


@pytest.mark.parametrize(
    "wanted",
    [
        "/projects?search=a b",  # a space is not a control character
        "/projects?search=~",
        "/loginX",  # not the sign-in page
        "/jobs/",
        "/" + "a" * (auth.MAX_RETURN_PATH - 1),  # exactly the limit
    ],
)
def test_a_path_on_this_site_up_to_the_limit_is_kept(wanted):
    assert auth.return_path(wanted) == wanted


@pytest.mark.parametrize(
    ("reason", "query"),
    [("idle", "?ended=idle"), ("ended", "?ended=ended"), ("", ""), ("other", "")],
)
def test_the_sign_in_address_says_why_the_session_ended(reason, query):
    assert auth.sign_in_path(auth.HOME, reason) == f"/login{query}"
    assert auth.sign_in_path("/outbox", reason) == (
        f"/login?next=%2Foutbox{query.replace('?', '&')}"
    )


def test_the_next_page_is_quoted_whole():
    assert auth.sign_in_path("/projects?search=a b&x=1") == (
        "/login?next=%2Fprojects%3Fsearch%3Da%20b%26x%3D1"
    )


# -- activity is written at most once a minute, and only after a full minute -------------


def _last_seen() -> list:
    with read_only() as s:
        return list(s.exec(select(UserSession.last_seen_at)).all())


def test_activity_exactly_a_minute_after_the_last_is_not_written_yet(world, monkeypatch):
    now = utcnow().replace(microsecond=0)
    monkeypatch.setattr(auth, "utcnow", lambda: now)
    token = auth.sign_in("ann@example.com", PASSWORD)
    seen = now - auth.SEEN_EVERY  # exactly the interval ago
    with unit_of_work() as s:
        s.exec(select(UserSession)).one().last_seen_at = seen
    auth._seen(token)
    assert _last_seen() == [seen]
    auth.actor_for(token)
    assert _last_seen() == [seen]
    now += timedelta(microseconds=1)  # a moment more
    auth.actor_for(token)
    assert _last_seen() == [now]


def test_an_unknown_session_asks_to_sign_in(world):
    token = auth.sign_in("ann@example.com", PASSWORD)
    with pytest.raises(NotSignedIn) as refused:
        auth.actor_for("no-such-token")
    assert (str(refused.value), refused.value.reason) == ("Please sign in.", "")
    found = auth.actors_for([token, "no-such-token"])
    assert found[token].email == "ann@example.com"
    assert str(found["no-such-token"]) == "Please sign in."


# -- a person added is recorded, with who added them -------------------------------------


def test_adding_a_person_is_recorded_with_who_whom_and_how(world):
    with unit_of_work() as s:
        first = auth.create_user(s, "cat@example.com", "Cat", "x" * 12, Role.VIEWER)
        second = auth.create_user(
            s,
            "dan@example.com",
            "Dan",
            "y" * 12,
            Role.PROJECT_ADMIN,
            company_admin=True,
            by=world.admin,
        )
        first_id, second_id = first.id, second.id
        assert (first.is_company_admin, second.is_company_admin) == (False, True)
    with read_only() as s:
        added = s.exec(select(PeopleEvent).where(PeopleEvent.user_id.in_([first_id, second_id])))
        trail = sorted((e.user_id, e.actor_id, e.action, e.detail) for e in added)
    assert trail == [
        (first_id, None, "add", "Added as Viewer"),
        (second_id, world.admin.id, "add", "Added as Project Admin, company admin"),
    ]


def test_passwords_are_refused_below_twelve_and_above_the_limit_with_the_limit(world):
    with unit_of_work() as s, pytest.raises(InvalidInput) as short:
        auth.create_user(s, "eve@example.com", "Eve", "x" * 11, Role.VIEWER)
    assert str(short.value) == "Passwords need at least 12 characters."
    with pytest.raises(InvalidInput) as wrong:
        auth.sign_in("ann@example.com", "x" * auth.MAX_PASSWORD)  # at the limit: just wrong
    assert str(wrong.value) == auth.BAD_CREDENTIALS
    with pytest.raises(InvalidInput) as long:
        auth.sign_in("ann@example.com", "x" * (auth.MAX_PASSWORD + 1))
    assert str(long.value) == "A password has at most 1,024 characters."
