"""The People page: company admins add, re-role and deactivate users, and see who changed what."""

from __future__ import annotations

import reflex as rx

from erp_dashboard.services import people
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied, ServiceError
from erp_dashboard.services.people import Change, Person
from erp_dashboard.services.permissions import Actor
from erp_dashboard.states.arguments import Flag, Form, Whole, Word, event
from erp_dashboard.states.page import PageState, as_user


def _call_and_read(actor: Actor, call, args: tuple) -> tuple[str, list[Person], list[Change], bool]:
    """A people service's message (none without a call), then the page's contents."""
    message = call(actor, *args) if call is not None else ""
    return message, people.people(actor), people.changes(actor), people.separate_duties(actor)


class PeopleState(PageState, rx.State):
    """Everyone (a company has dozens, not thousands), the latest changes and the last outcome."""

    people: list[Person] = []
    changes: list[Change] = []
    separate_duties: bool = True
    access: str = ""  # "" until checked, then "allowed" or "denied"

    async def _run(self, call, *args):
        """Call a people service as the signed-in user, then re-read the page. Arguments
        go to the service as the browser sent them: it refuses anything but the right type
        (a forged "false" is no true)."""
        try:
            message, self.people, self.changes, self.separate_duties = await as_user(
                self, _call_and_read, call, args
            )
            self.access = "allowed"
        except NotSignedIn as err:
            return self._to_sign_in(err)
        except PermissionDenied:
            self.people, self.changes, self.access, self.notice = [], [], "denied", ""
            return None
        except ServiceError as err:
            self._say(str(err), ok=False)
            return None
        if call is not None:
            self._say(message, ok=True)
        return None

    @event
    async def open_page(self):
        """on_load: everyone, for company admins (others are told they may not)."""
        self.notice = ""
        return await self._run(None)

    @event
    async def add(self, form: Form):
        """Add a person with a first password."""
        fields = [form.get(k, "") for k in ("email", "person_name", "role", "password")]
        return await self._run(people.add_person, *fields)

    @event
    async def set_role(self, user_id: Whole, role: Word):
        """Grant or revoke a role."""
        return await self._run(people.set_role, user_id, role)

    @event
    async def set_active(self, user_id: Whole, active: Flag):
        """Deactivate (sessions end at once) or reactivate."""
        return await self._run(people.set_active, user_id, active)

    @event
    async def set_company_admin(self, user_id: Whole, admin: Flag):
        """Grant or revoke company-admin rights."""
        return await self._run(people.set_company_admin, user_id, admin)

    @event
    async def set_separate_duties(self, on: Flag):
        """Turn "separate duties" on or off."""
        return await self._run(people.set_separate_duties, on)
