"""The Project Admin tool: a page of projects and the one being edited."""

from __future__ import annotations

import asyncio

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.services import auth, project_pages, projects
from erp_dashboard.services.errors import NotSignedIn, ServiceError
from erp_dashboard.services.project_pages import ProjectRow
from erp_dashboard.services.wc_health import Health
from erp_dashboard.states import live
from erp_dashboard.states.session import current_actor, session_token

NEW = 0  # editing_id of a project not yet saved
NONE = -1


def _page(token: str, search: str, page: int) -> tuple[list[ProjectRow], int]:
    return project_pages.project_page(auth.actor_for(token), search, page)


class ProjectsState(rx.State):
    """Only the visible page and the edited project live here."""

    rows: list[ProjectRow] = []
    total: int = 0
    page: int = 1
    search: str = ""
    editing_id: int = NONE
    editing: dict[str, str] = {}
    editing_locked: bool = False
    form_error: str = ""
    notice: str = ""
    notice_ok: bool = True
    _live_gen: str = ""  # the current watch (states/live.py)
    _live_token: str = ""  # and the session it checks

    async def _reload(self):
        try:
            token = await session_token(self)
            self.rows, self.total = await asyncio.to_thread(_page, token, self.search, self.page)
        except NotSignedIn:
            return rx.redirect(routes.LOGIN)
        except ServiceError as err:
            self._say(str(err), ok=False)

    def _say(self, text: str, *, ok: bool) -> None:
        self.notice, self.notice_ok = text, ok

    @rx.event
    async def open_page(self):
        """on_load: the first page of projects; then follow changes."""
        self.page, self.editing_id, self.notice = 1, NONE, ""
        if redirect := await self._reload():
            return redirect
        return ProjectsState.watch(await live.begin(self))

    @rx.event(background=True)
    async def watch(self, gen: str):
        """Follow changes while this tab shows the Projects page (states/live.py)."""
        return await live.follow(self, gen, routes.PROJECTS)

    async def _live_read(self) -> live.Read:
        """What a live reload of this tab reads (states/live.py)."""
        token, search, page = self._live_token, self.search, self.page
        return live.Read(token, ("projects", search, page), _page, (token, search, page))

    def _live_apply(self, page: tuple[list[ProjectRow], int] | None, health: Health | None):
        """Show the reloaded page (the Web Connector's health is not shown here)."""
        if page is not None:
            self.rows, self.total = page

    @rx.event
    async def set_search(self, text: str):
        """Search names and numbers."""
        self.search, self.page = str(text)[:100], 1
        return await self._reload()

    @rx.event
    async def go_to_page(self, page: int):
        """Another page of projects."""
        self.page = max(1, int(page) if str(page).isdigit() else 1)
        return await self._reload()

    @rx.event
    def new_project(self):
        """Open an empty form."""
        self.editing_id, self.editing, self.editing_locked = NEW, {}, False
        self.form_error = ""

    @rx.event
    def edit(self, project_id: int):
        """Open the form for one of the visible projects."""
        row = next((r for r in self.rows if r.id == project_id), None)
        if row is None:
            return
        self.editing_id, self.editing_locked, self.form_error = row.id, row.locked, ""
        self.editing = {k: str(v) for k, v in row.__dict__.items() if isinstance(v, str)}
        self.editing |= {"is_active": str(row.is_active), "erp_sync": str(row.erp_sync)}

    @rx.event
    def close_form(self):
        """Leave the form without saving."""
        self.editing_id = NONE

    @rx.event
    async def save(self, form: dict):
        """Validate and save on the server; the form stays open with the reason if refused."""
        form = {k: str(v) for k, v in form.items()}
        form.setdefault("is_active", "")
        form.setdefault("erp_sync", "")
        try:
            actor = await current_actor(self)
            fields = projects.fields_from_form(form)
            if self.editing_id == NEW:
                await asyncio.to_thread(projects.add_project, actor, **fields)
                message = f"“{fields.get('name', '')}” was added."
            else:
                message = await asyncio.to_thread(
                    projects.update_project, actor, self.editing_id, **fields
                )
        except ServiceError as err:
            self.form_error = str(err)
            return
        self.editing_id = NONE
        self._say(message, ok=True)
        return await self._reload()

    async def _act(self, call, project_id: int):
        try:
            actor = await current_actor(self)
            self._say(await asyncio.to_thread(call, actor, project_id), ok=True)
        except ServiceError as err:
            self._say(str(err), ok=False)
        return await self._reload()

    @rx.event
    async def send(self, project_id: int):
        """Send (or re-send) a project to ERP."""
        return await self._act(projects.send_to_erp, project_id)

    @rx.event
    async def retrieve(self, project_id: int):
        """Pull a project back before an approver decides."""
        return await self._act(projects.retrieve, project_id)
