"""Sign-in, sessions and throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import LoginThrottle, User, UserSession, utcnow
from erp_dashboard.services import auth, throttle
from erp_dashboard.services.errors import InvalidInput, NotSignedIn
from erp_dashboard.services.permissions import Role
from tests.builders import PASSWORD


def test_sign_in_opens_a_session_that_names_the_actor(world):
    token = auth.sign_in("  ANN@example.com ", PASSWORD)
    actor = auth.actor_for(token)
    assert (actor.email, actor.role) == ("ann@example.com", Role.APPROVER)
    with unit_of_work() as s:
        stored = s.exec(select(UserSession.token_hash)).all()
        users = s.exec(select(User.password_hash)).all()
    assert token not in stored and len(stored[0]) == 64
    assert all(h.startswith("$argon2") for h in users)


def test_wrong_password_and_unknown_email_say_the_same(world):
    with pytest.raises(InvalidInput) as wrong:
        auth.sign_in("ann@example.com", "nope")
    with pytest.raises(InvalidInput) as unknown:
        auth.sign_in("nobody@example.com", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == auth.BAD_CREDENTIALS


def test_repeated_failures_are_slowed_down_even_with_the_right_password(world):
    key = (throttle.USER, "ann@example.com", "10.0.0.9")
    for _ in range(throttle.FREE_FAILURES):
        with pytest.raises(InvalidInput, match="incorrect"):
            auth.sign_in("ann@example.com", "wrong-password", "10.0.0.9")
    with unit_of_work() as s:  # the last failure was just now, however slow argon2 ran
        row = s.get(LoginThrottle, key)
        row.last_failure_at = utcnow()
        s.add(row)
    with pytest.raises(InvalidInput, match=r"Too many failed sign-ins\. Try again in 2 seconds"):
        auth.sign_in("ann@example.com", PASSWORD, "10.0.0.9")
    with unit_of_work() as s:  # the wait has passed
        row = s.get(LoginThrottle, key)
        row.last_failure_at -= timedelta(seconds=5)
        s.add(row)
    assert (
        auth.actor_for(auth.sign_in("ann@example.com", PASSWORD, "10.0.0.9")).name == "Ann Approver"
    )
    with unit_of_work() as s:
        assert s.get(LoginThrottle, key) is None


def test_wait_grows_and_is_capped():
    waits = [throttle.retry_after_seconds(n, 0) for n in range(0, 15)]
    assert waits[:3] == [0, 0, 0] and waits[3:6] == [2, 4, 8]
    assert max(waits) == throttle.MAX_WAIT_SECONDS


def test_expired_or_ended_sessions_are_refused(world):
    token = auth.sign_in("bob@example.com", PASSWORD)
    auth.sign_out(token)
    with pytest.raises(NotSignedIn):
        auth.actor_for(token)
    token = auth.sign_in("bob@example.com", PASSWORD)
    with unit_of_work() as s:
        row = s.exec(select(UserSession)).one()
        row.expires_at -= timedelta(days=2)
        s.add(row)
    with pytest.raises(NotSignedIn, match="ended"):
        auth.actor_for(token)
    with unit_of_work() as s:
        assert s.exec(select(UserSession)).all() == []
    with pytest.raises(NotSignedIn):
        auth.actor_for("")


def test_many_sessions_are_checked_in_one_call(world):
    ann, bob = auth.sign_in("ann@example.com", PASSWORD), auth.sign_in("bob@example.com", PASSWORD)
    ended = auth.sign_in("vic@example.com", PASSWORD)
    with unit_of_work() as s:
        row = s.exec(select(UserSession).where(UserSession.user_id == world.viewer.id)).one()
        row.expires_at -= timedelta(days=2)
        s.add(row)
    found = auth.actors_for([ann, bob, ended, "forged", ""])
    assert (found[ann].name, found[bob].name) == ("Ann Approver", "Bob Approver")
    assert "ended" in str(found[ended]) and isinstance(found[ended], NotSignedIn)
    assert isinstance(found["forged"], NotSignedIn) and isinstance(found[""], NotSignedIn)
    assert auth.actors_for([]) == {}


def test_deactivated_user_is_signed_out_at_once(world):
    token = auth.sign_in("vic@example.com", PASSWORD)
    with unit_of_work() as s:
        user = s.exec(select(User).where(User.email == "vic@example.com")).one()
        user.is_active = False
        s.add(user)
    with pytest.raises(NotSignedIn):
        auth.actor_for(token)
    with pytest.raises(InvalidInput, match="incorrect"):
        auth.sign_in("vic@example.com", PASSWORD)


def test_user_creation_validates(db):
    with unit_of_work() as s:
        auth.create_user(s, "a@example.com", "A", PASSWORD, Role.VIEWER)
    for email, password, message in (
        ("a@example.com", PASSWORD, "already exists"),
        ("not-an-email", PASSWORD, "not an email"),
        ("b@example.com", "short", "12 characters"),
    ):
        with pytest.raises(InvalidInput, match=message), unit_of_work() as s:
            auth.create_user(s, email, "B", password, Role.VIEWER)


@pytest.mark.parametrize(
    "wanted",
    [
        "/projects?search=P-1",
        "/jobs?filter=failed_to_export&page=2",
        "/outbox",
        "/people#top",
    ],
)
def test_sign_in_returns_to_a_page_on_this_site(wanted):
    assert auth.return_path(wanted) == wanted
    assert auth.sign_in_path(wanted).startswith("/login?next=%2F")


@pytest.mark.parametrize(
    "wanted",
    [
        "//evil.com",
        "//evil.com/jobs",
        "https://evil.com",
        "http:/evil.com",
        "javascript:alert(1)",
        "/\\evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        " //evil.com",
        "evil.com",
        "jobs",
        "/login?next=/outbox",
        "/",
        "",
        None,
        ["/projects"],
        "/" + "a" * 3000,
    ],
)
def test_anything_that_could_leave_the_site_goes_to_the_jobs_tab(wanted):
    assert auth.return_path(wanted) == auth.HOME == "/jobs?filter=ready_to_export"
    assert auth.sign_in_path(wanted) == "/login"
