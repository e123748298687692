"""The Jobs tab: the visible page of one list, the approver's pending decisions."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from enum import StrEnum

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.services import auth, imports, job_lists, jobs
from erp_dashboard.services.errors import NotSignedIn, ServiceError
from erp_dashboard.services.job_lists import JobRow, PageQuery
from erp_dashboard.services.wc_health import Health
from erp_dashboard.states import live
from erp_dashboard.states.arguments import Digits, Flag, Form, Text, Whole, Word, event
from erp_dashboard.states.page import PageState, as_user
from erp_dashboard.states.session import session_token


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything the Jobs tab shows, read in one worker-thread hop."""

    page: job_lists.Page
    counts: dict[str, int]
    finished: list[job_lists.FinishedExport]


def _load(token: str, query: PageQuery, awaiting: list[int]) -> Snapshot:
    actor = auth.actor_for(token)
    return Snapshot(
        job_lists.list_page(actor, query),
        job_lists.counts(actor),
        job_lists.finished_exports(actor, awaiting),
    )


def _known_list(value) -> str:
    """The list named by the browser, or Ready To Export."""
    known = isinstance(value, str) and value in set(JobList)
    return value if known else JobList.READY_TO_EXPORT.value


class Decision(StrEnum):
    """What an approver marked a row for; nothing is saved until Export or Link."""

    ACCEPT = "accept"  # export under the customer chosen (Ready To Export, Failed To Export)
    LINK = "link"  # link to the project whose number is typed (Ready To Import)


def _projects(n: int) -> str:
    return f"{n} project" + ("" if n == 1 else "s")


@dataclasses.dataclass
class Toast:
    """An outcome that floats over the page: successes fade, failures stay until dismissed."""

    id: int
    title: str
    detail: str
    ok: bool
    href: str = ""  # where the project is now


TOASTS_KEPT = 5
ROW_TEXT_LIMIT = 200  # a project number or a customer search; the service bounds them again


class JobsState(PageState, rx.State):
    """Only the visible page lives here; lists are paged, sorted and searched in SQL. The
    customer picker's search is CustomerPickerState's (a keystroke changes only that)."""

    job_list: str = JobList.READY_TO_EXPORT.value
    sort: str = "name"
    descending: bool = False
    search: str = ""
    page: int = 1
    page_size: int = 25
    code: int | None = None  # only projects QuickBooks refused with this status code
    rows: list[JobRow] = []
    total: int = 0
    total_text: str = "0"
    pages: int = 1
    counts: dict[str, int] = {}
    load_error: str = ""
    csv_href: str = routes.jobs_csv({"filter": JobList.READY_TO_EXPORT.value})  # the view's CSV

    decisions: dict[int, str] = {}
    chosen: dict[int, str] = {}
    chosen_name: dict[int, str] = {}
    row_text: dict[int, str] = {}  # a project number typed into a Ready To Import row
    row_errors: dict[int, str] = {}
    busy: bool = False
    rejecting: int = -1  # the row whose reject dialog is open

    health: Health = Health()  # the Web Connector, as the change feed last read it
    toasts: list[Toast] = []  # QuickBooks' answers and rejections, newest last

    _live_gen: str = ""  # the current watch (states/live.py)
    _live_token: str = ""  # and the session it checks
    _awaiting: list[int] = []  # projects this tab exported, until QuickBooks answers
    _switching_to: str = ""  # the list a tab click redirected to, until its page loads

    # ----- reading -------------------------------------------------------------

    def _query(self) -> PageQuery:
        return PageQuery(
            job_list=self.job_list,
            sort=self.sort,
            descending=self.descending,
            search=self.search,
            page=self.page,
            page_size=self.page_size,
            code=self.code,
        )

    async def _fetch(self, query: PageQuery) -> Snapshot:
        token = await session_token(self)
        return await asyncio.to_thread(_load, token, query, list(self._awaiting))

    def _apply(self, snap: Snapshot, *, live: bool = False) -> None:
        """Show a fresh read; drop decisions on rows that changed; report finished exports."""
        fresh = {row.id: row.version for row in snap.page.rows}
        before = {row.id: row.version for row in self.rows}
        names = {row.id: row.name for row in self.rows}
        stale = [key for key in self.decisions if fresh.get(key) != before.get(key)]
        page = snap.page
        self.rows, self.total, self.page, self.pages = page.rows, page.total, page.page, page.pages
        self.total_text = page.total_text
        self.counts = snap.counts
        for key in stale:
            self._undecide(key)
        news = [
            f"“{done.name}” is in QuickBooks as {done.detail}."
            if done.synced
            else f"“{done.name}” was refused by QuickBooks: {done.detail}."
            for done in snap.finished
        ]
        for done in snap.finished:
            if done.synced:
                self._toast(f"“{done.name}” is in QuickBooks", f"as {done.detail}.", ok=True)
            else:
                self._toast(
                    f"QuickBooks refused “{done.name}”",
                    f"{done.detail}. {done.advice}",
                    ok=False,
                    href=routes.jobs_list(done.job_list),
                )
        if live and stale:
            news.append(
                "Someone else acted first; your decision was cleared for: "
                + ", ".join(names.get(key, str(key)) for key in stale)
            )
        if news:
            finished = {done.project_id for done in snap.finished}
            self._awaiting = [pid for pid in self._awaiting if pid not in finished]
            self._say(" ".join(news), ok=all(done.synced for done in snap.finished) and not stale)

    async def _reload(self):
        try:
            self._apply(await self._fetch(self._query()))
            self.load_error = ""
        except NotSignedIn as err:
            return self._to_sign_in(err)
        except ServiceError as err:
            self.load_error = str(err)

    @event
    async def open_page(self):
        """on_load: show the view the address asks for, then watch for changes."""
        self._switching_to = ""
        self._forget_decisions()
        (await self.get_state(CustomerPickerState)).row = -1
        params = self.router.url.query_parameters
        try:
            query = job_lists.query_from_url(dict(params))
        except ServiceError as err:
            query = job_lists.PageQuery(job_list=_known_list(params.get("filter")))
            self._say(f"{err} Showing the list from its start instead.", ok=False)
        self._set_view(query)
        if redirect := await self._reload():
            return redirect
        return [self._address_script(), JobsState.watch(await live.begin(self))]

    def _set_view(self, query: PageQuery) -> None:
        self.job_list, self.sort, self.descending = query.job_list, query.sort, query.descending
        self.search, self.page, self.page_size = query.search, query.page, query.page_size
        self.code = query.code
        self.csv_href = routes.jobs_csv(job_lists.url_params(query))

    def _address_script(self):
        """Put the view in the address bar, in place (reload and shared links show it)."""
        url = routes.jobs_view(job_lists.url_params(self._query()))
        return rx.call_script(
            f"window.history.replaceState(window.history.state, '', {json.dumps(url)})"
        )

    def _forget_decisions(self) -> None:
        self.decisions, self.chosen, self.chosen_name = {}, {}, {}
        self.row_text, self.row_errors, self.notice, self.rejecting = {}, {}, "", -1

    @event
    async def choose_list(self, job_list: Word):
        """Switch to another list (a new history entry), keeping the search and page size.

        A click on a tab asks twice (Radix activates a tab on mousedown and again on the
        focus that follows, the list being unchanged until the new page loads): the second
        ask for the list already on its way is ignored, or the new page would load twice."""
        target = _known_list(job_list)
        if target == self._switching_to:
            return None
        self._switching_to = target
        query = PageQuery(job_list=target, search=self.search, page_size=self.page_size)
        return rx.redirect(routes.jobs_view(job_lists.url_params(query)))

    async def _requery(self, **changes):
        """Apply a change of sort, search, page or size if the service accepts it."""
        query = dataclasses.replace(self._query(), **changes)
        try:
            job_lists.check(query)
        except ServiceError as err:
            self._say(str(err), ok=False)
            return
        self._set_view(query)
        return await self._reload() or self._address_script()

    @event
    async def sort_by(self, column: Word):
        """Sort by `column` (the service knows the columns); a second click reverses."""
        descending = not self.descending if column == self.sort else False
        return await self._requery(sort=column, descending=descending, page=1)

    @event
    async def set_search(self, text: Text):
        """Search names, numbers and cities."""
        return await self._requery(search=text, page=1)

    @event
    async def go_to_page(self, page: Whole):
        """Show another page."""
        return await self._requery(page=max(1, min(page, self.pages)))

    @event
    async def set_page_size(self, size: Digits):
        """Rows per page (the service knows the sizes offered)."""
        return await self._requery(page_size=int(size), page=1)

    @event
    async def show_every_code(self):
        """Drop the QuickBooks status-code filter (the overview's failure links set it)."""
        return await self._requery(code=None, page=1)

    @event(background=True)
    async def watch(self, gen: Word):
        """Follow changes while this tab shows the Jobs page (states/live.py)."""
        return await live.follow(self, gen, routes.JOBS)

    async def _live_read(self) -> live.Read:
        """What a live reload of this tab reads (states/live.py)."""
        token, query, awaiting = self._live_token, self._query(), list(self._awaiting)
        return live.Read(token, ("jobs", query, tuple(awaiting)), _load, (token, query, awaiting))

    def _live_apply(self, snap: Snapshot | None, health: Health | None) -> None:
        """Show what the change feed brought: the reloaded page, the Web Connector's health."""
        if health is not None:
            self.health = health
        if snap is not None:
            self._apply(snap, live=True)

    # ----- deciding --------------------------------------------------------------

    @event
    async def decide(self, row_id: Whole, decision: Word):
        """Mark a row Accept (a second click clears it) or Link; nothing is saved until
        Export or Link. A row accepted again shows its customer, not an old search."""
        if decision not in set(Decision):
            return
        if self.decisions.get(row_id) == decision:
            self._undecide(row_id)
            return
        self.decisions[row_id] = decision
        self.row_errors.pop(row_id, None)
        row = self._row(row_id)
        if decision != Decision.ACCEPT:
            return
        picker = await self.get_state(CustomerPickerState)
        if picker.row == row_id:
            picker.row = -1
        if row and row.customer_list_id and row_id not in self.chosen:
            self.chosen[row_id], self.chosen_name[row_id] = row.customer_list_id, row.customer

    @event
    def undecide(self, row_id: Whole):
        """Clear a row's decision."""
        self._undecide(row_id)

    def _undecide(self, row_id: int) -> None:
        for pending in (self.decisions, self.chosen, self.chosen_name, self.row_text):
            pending.pop(row_id, None)

    @event
    def set_row_text(self, row_id: Whole, text: Text):
        """The project number typed into a Ready To Import row so far (rows of the page
        shown only, so a forged event cannot grow the state)."""
        if row_id in {row.id for row in self.rows}:
            self.row_text[row_id] = text[:ROW_TEXT_LIMIT]

    def _choose(self, row_id: int, list_id: str, full_name: str) -> bool:
        """Record the customer picked for a row of the page shown (False if not shown)."""
        if self._row(row_id) is None:
            return False
        self.chosen[row_id], self.chosen_name[row_id] = list_id, full_name
        self.row_errors.pop(row_id, None)
        return True

    @rx.var
    def export_blocker(self) -> str:
        """Why Export to QuickBooks is disabled ("" when it is not)."""
        accepted = [r for r in self.rows if self.decisions.get(r.id) == Decision.ACCEPT]
        if not accepted:
            return "Accept at least one project to export it."
        missing = [r.name for r in accepted if not self.chosen.get(r.id)]
        if missing:
            return "Choose a QuickBooks customer for: " + ", ".join(missing)
        return ""

    @event
    async def export(self):
        """Export every accepted row that has a customer; the service re-checks all."""
        choices = [
            jobs.ExportChoice(r.id, r.version, self.chosen.get(r.id, ""))
            for r in self.rows
            if self.decisions.get(r.id) == Decision.ACCEPT
        ]
        self.busy = True
        yield
        try:
            outcomes = await as_user(self, jobs.export_projects, choices)
        except ServiceError as err:
            self._say(str(err), ok=False)
            return
        finally:
            self.busy = False
        for outcome in outcomes:
            if outcome.ok:
                self._undecide(outcome.project_id)
                self._awaiting.append(outcome.project_id)
            else:
                self.row_errors[outcome.project_id] = outcome.message
        refused = sum(not o.ok for o in outcomes)
        self._say(
            f"{_projects(len(outcomes) - refused)} on the way to QuickBooks."
            + (f" {_projects(refused)} refused: see the rows." if refused else ""),
            ok=not refused,
        )
        await self._reload()

    def _row(self, row_id: int) -> JobRow | None:
        return next((r for r in self.rows if r.id == row_id), None)

    async def _act_on_row(self, row_id: int, call) -> bool:
        """Run `call(actor, row)` (a service action) in a worker thread for a visible row;
        its message becomes the notice, a refusal is shown on the row."""
        row = self._row(row_id)
        if row is None:
            self._say("That row is no longer on this page.", ok=False)
            return False
        try:
            message = await as_user(self, call, row)
        except ServiceError as err:
            self.row_errors[row_id] = str(err)
            return False
        self._undecide(row_id)
        self._say(message, ok=True)
        return True

    @event
    def open_reject(self, row_id: Whole, is_open: Flag):
        """Open (or close) the reject dialog of a row."""
        self.rejecting = row_id if is_open else -1
        if is_open:
            self.row_errors.pop(self.rejecting, None)

    @event
    async def reject(self, form: Form):
        """Reject the row whose dialog is open (a project, or a project's changes) with the
        dialog's comment."""
        row_id, comment = self.rejecting, form.get("comment", "")

        def call(actor, row):
            reject = jobs.reject_update if row.state == ErpState.READY_TO_UPDATE else jobs.reject
            return reject(actor, row.id, row.version, comment)

        row = self._row(row_id)
        self.rejecting = -1
        if await self._act_on_row(row_id, call):
            self._toast(self.notice, "", ok=True)
            await self._reload()
        elif row is not None:
            self._toast(f"“{row.name}” was not rejected", self.row_errors[row_id], ok=False)

    @event
    async def approve_update(self, row_id: Whole):
        """Send a Ready To Update row's changes to QuickBooks."""
        if await self._act_on_row(
            row_id, lambda actor, row: jobs.approve_update(actor, row.id, row.version)
        ):
            self._awaiting.append(row_id)
            await self._reload()

    @event
    async def act_on_job(self, row_id: Whole, action: Word):
        """Import, link, archive or unarchive a QuickBooks job (Ready To Import / Archived)."""
        number = self.row_text.get(row_id, "")
        calls = {
            "import": lambda actor, row: imports.import_job(actor, row.id, row.version),
            "link": lambda actor, row: imports.link_job(actor, row.id, row.version, number),
            "archive": lambda actor, row: imports.set_archived(actor, row.id, row.version, True),
            "unarchive": lambda actor, row: imports.set_archived(actor, row.id, row.version, False),
        }
        if action not in calls:
            return
        if await self._act_on_row(row_id, calls[action]):
            await self._reload()

    @event
    async def refresh_customers(self):
        """Ask the next Web Connector session to re-read QuickBooks' customers."""
        try:
            self._say(await as_user(self, imports.request_customer_sync), ok=True)
        except ServiceError as err:
            self._say(str(err), ok=False)

    def _toast(self, title: str, detail: str, *, ok: bool, href: str = "") -> None:
        """Float an outcome over the page (the newest few are kept)."""
        next_id = max((t.id for t in self.toasts), default=0) + 1
        self.toasts = [*self.toasts, Toast(next_id, title, detail, ok, href)][-TOASTS_KEPT:]

    @event
    def dismiss_toast(self, toast_id: Whole):
        """Close one toast."""
        self.toasts = [t for t in self.toasts if t.id != toast_id]


@dataclasses.dataclass
class CustomerOption:
    """One choice of the customer picker."""

    list_id: str
    full_name: str


class CustomerPickerState(rx.State):
    """The Jobs tab's one open customer picker: its row, the search typed and what it
    found. Apart from JobsState, so a keystroke loads and writes these four vars only."""

    row: int = -1  # the row whose picker is open
    query: str = ""
    options: list[CustomerOption] = []
    more: bool = False  # more customers match than are shown

    @event
    async def open_for_row(self, row_id: Whole):
        """Show the customer search for a row."""
        self.row, self.query = row_id, ""
        await self._search()

    @event
    def close(self):
        """Hide the customer search."""
        self.row = -1

    @event
    async def search(self, text: Text):
        """Customers whose name contains `text` (searched in SQL)."""
        self.query = text[:ROW_TEXT_LIMIT]
        await self._search()

    async def _search(self) -> None:
        try:
            found = await as_user(self, job_lists.search_customers, self.query)
        except ServiceError as err:
            self.options, self.more = [], False
            (await self.get_state(JobsState))._say(str(err), ok=False)
            return
        self.options = [CustomerOption(list_id=i, full_name=n) for i, n in found.options]
        self.more = found.more

    @event
    async def choose(self, row_id: Whole, list_id: Word, full_name: Text):
        """Record the customer picked for a row of the page shown, and close."""
        if (await self.get_state(JobsState))._choose(row_id, list_id, full_name):
            self.row = -1
