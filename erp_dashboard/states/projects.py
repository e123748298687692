"""The Project Admin tool: a page of projects and the one being edited."""

from __future__ import annotations

import asyncio
import json

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.services import auth, project_pages, projects
from erp_dashboard.services.errors import NotSignedIn, ServiceError
from erp_dashboard.services.project_pages import ProjectRow
from erp_dashboard.services.wc_health import Health
from erp_dashboard.states import live
from erp_dashboard.states.arguments import FormWithBoxes, Text, Whole, Word, event
from erp_dashboard.states.page import PageState, as_user
from erp_dashboard.states.session import session_token

NEW = 0  # editing_id of a project not yet saved
NONE = -1


def _page(token: str, search: str, page: int) -> tuple[list[ProjectRow], int]:
    return project_pages.project_page(auth.actor_for(token), search, page)


def _focus_when_marked(editing_id: int, field: str) -> rx.event.EventSpec:
    """Focus `field` once the form shows it marked invalid (the update may render after
    the event runs; rx.set_focus would find no element, or the form being replaced)."""
    target = f'#project-form[data-editing="{editing_id}"] #{field}[aria-invalid="true"]'
    return rx.call_script(
        f"(function f(n){{const e=document.querySelector({json.dumps(target)});"
        "if(e){e.focus()}else if(n>0){requestAnimationFrame(()=>f(n-1))}})(120)"
    )


class ProjectsState(PageState, rx.State):
    """Only the visible page and the edited project live here."""

    rows: list[ProjectRow] = []
    total: int = 0
    page: int = 1
    search: str = ""
    editing_id: int = NONE
    editing: dict[str, str] = {}
    editing_locked: bool = False  # name and address (waiting in ERP)
    editing_in_flight: bool = False  # every field QuickBooks receives (Exporting / Updating)
    form_error: str = ""
    field_errors: dict[str, str] = {}  # field -> why it was refused
    lengths: dict[str, int] = {}  # field -> characters typed (the counters)
    loaded: bool = False  # a page was read (an empty one means nothing matched)
    _live_gen: str = ""  # the current watch (states/live.py)
    _live_token: str = ""  # and the session it checks

    @rx.var
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, -(-self.total // project_pages.PAGE_SIZE))

    async def _reload(self):
        try:
            token = await session_token(self)
            self.rows, self.total = await asyncio.to_thread(_page, token, self.search, self.page)
            self.loaded = True
        except NotSignedIn as err:
            return self._to_sign_in(err)
        except ServiceError as err:
            self.rows, self.total, self.loaded = [], 0, False
            self._say(str(err), ok=False)

    @event
    async def open_page(self):
        """on_load: the first page of projects (searched by `?search=`, as email links
        do); then follow changes."""
        self.page, self.editing_id, self.notice = 1, NONE, ""
        self.search = str(self.router.url.query_parameters.get("search", ""))
        if redirect := await self._reload():
            return redirect
        return ProjectsState.watch(await live.begin(self))

    @event(background=True)
    async def watch(self, gen: Word):
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

    @event
    async def set_search(self, text: Text):
        """Search names and numbers."""
        self.search, self.page = text, 1
        return await self._reload()

    @event
    async def go_to_page(self, page: Whole):
        """Another page of projects."""
        self.page = page if 0 < page < 2**31 else 1
        return await self._reload()

    def _open_form(
        self, editing_id: int, values: dict[str, str], locked: bool, in_flight: bool
    ) -> None:
        self.editing_id, self.editing, self.editing_locked = editing_id, values, locked
        self.editing_in_flight = in_flight
        self.form_error, self.field_errors = "", {}
        self.lengths = {f: len(values.get(f, "")) for f in projects.TEXT_LIMITS}

    def _edit_row(self, project_id: int) -> bool:
        row = next((r for r in self.rows if r.id == project_id), None)
        if row is not None:
            values = {k: str(v) for k, v in row.__dict__.items() if isinstance(v, str)}
            values |= {"is_active": str(row.is_active), "erp_sync": str(row.erp_sync)}
            in_flight = row.erp_state in projects.IN_FLIGHT_STATES
            self._open_form(row.id, values, row.locked, in_flight)
        return row is not None

    def _refused(self, err: projects.FieldProblems):
        """Mark the fields at fault and move the focus to the first of them."""
        self.field_errors = {k: v for k, v in err.problems.items() if k}
        self.form_error = err.problems.get("") or "Not saved: correct the fields marked above."
        if self.field_errors:
            return _focus_when_marked(self.editing_id, next(iter(self.field_errors)))

    @event
    def new_project(self):
        """Open an empty form (its first field takes the focus)."""
        self._open_form(NEW, {}, False, False)

    @event
    def edit(self, project_id: Whole):
        """Open the form for one of the visible projects."""
        self._edit_row(project_id)

    @event
    def typed(self, field: Word, length: Whole):
        """The length of what was typed into a length-limited field (the browser sends the
        count, not the text)."""
        if field in projects.TEXT_LIMITS:
            self.lengths[field] = length

    @event
    def close_form(self):
        """Leave the form without saving."""
        self.editing_id = NONE

    @event
    async def save(self, form: FormWithBoxes):
        """Validate and save on the server; the form stays open with the reasons if refused."""
        form = {k: str(v) for k, v in form.items()}  # a box: "True" or "False"
        form.setdefault("is_active", "")
        form.setdefault("erp_sync", "")
        try:
            fields = projects.fields_from_form(form)
            if self.editing_id == NEW:
                await as_user(self, lambda actor: projects.add_project(actor, **fields))
                message = f"“{fields.get('name', '')}” was added."
            else:
                editing_id = self.editing_id
                message = await as_user(
                    self, lambda actor: projects.update_project(actor, editing_id, **fields)
                )
        except projects.FieldProblems as err:
            return self._refused(err)
        except ServiceError as err:
            self.form_error, self.field_errors = str(err), {}
            return
        self.editing_id = NONE
        self._say(message, ok=True)
        return await self._reload()

    async def _act(self, call, project_id: int):
        focus = None
        try:
            self._say(await as_user(self, call, project_id), ok=True)
        except projects.FieldProblems as err:  # what is missing, marked on its form
            self._say(str(err), ok=False)
            if self._edit_row(project_id):
                focus = self._refused(err)
        except ServiceError as err:
            self._say(str(err), ok=False)
        return [e for e in (await self._reload(), focus) if e is not None]

    @event
    async def send(self, project_id: Whole):
        """Send (or re-send) a project to ERP."""
        return await self._act(projects.send_to_erp, project_id)

    @event
    async def retrieve(self, project_id: Whole):
        """Pull a project back before an approver decides."""
        return await self._act(projects.retrieve, project_id)
