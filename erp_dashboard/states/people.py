"""The People page: company admins add, re-role and deactivate users."""

from __future__ import annotations

import asyncio

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.services import auth, people
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied, ServiceError
from erp_dashboard.services.people import Person
from erp_dashboard.states.session import current_actor


class PeopleState(rx.State):
    """Everyone (a company has dozens, not thousands) and the last outcome."""

    people: list[Person] = []
    access: str = ""  # "" until checked, then "allowed" or "denied"
    notice: str = ""
    notice_ok: bool = True

    async def _run(self, call, *args):
        """Call a people service as the signed-in user, then re-read the list."""
        try:
            actor = await current_actor(self)
            if call is not None:
                self.notice, self.notice_ok = await asyncio.to_thread(call, actor, *args), True
            self.people = await asyncio.to_thread(people.people, actor)
            self.access = "allowed"
        except NotSignedIn:
            return rx.redirect(auth.sign_in_path(routes.PEOPLE))
        except PermissionDenied:
            self.people, self.access, self.notice = [], "denied", ""
        except ServiceError as err:
            self.notice, self.notice_ok = str(err), False

    @rx.event
    async def open_page(self):
        """on_load: everyone, for company admins (others are told they may not)."""
        self.notice = ""
        return await self._run(None)

    @rx.event
    async def add(self, form: dict):
        """Add a person with a first password."""
        form = form if isinstance(form, dict) else {}
        fields = [str(form.get(k, "")) for k in ("email", "person_name", "role", "password")]
        return await self._run(people.add_person, *fields)

    @rx.event
    async def set_role(self, user_id: int, role: str):
        """Grant or revoke a role."""
        return await self._run(people.set_role, user_id, role)

    @rx.event
    async def set_active(self, user_id: int, active: bool):
        """Deactivate (sessions end at once) or reactivate."""
        return await self._run(people.set_active, user_id, active)
