"""The managers' overview: the period in the address, the figures drawn, kept live."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.services import auth, overview
from erp_dashboard.services.errors import NotSignedIn, ServiceError
from erp_dashboard.services.overview import (
    ApproverTally,
    Card,
    FailureReason,
    Overview,
    Period,
    age_text,
)
from erp_dashboard.services.wc_health import Health
from erp_dashboard.states import live
from erp_dashboard.states.arguments import Form, Word, event
from erp_dashboard.states.page import PageState
from erp_dashboard.states.session import session_token


@dataclasses.dataclass(frozen=True)
class WaitView:
    """A week's time to decision, as text."""

    week: str
    decisions: int
    median: str
    p90: str


def _load(token: str, period: Period) -> Overview:
    return overview.overview(auth.actor_for(token), period)


class OverviewState(PageState, rx.State):
    """Only aggregates: a handful of cards and at most a few hundred small rows."""

    preset: str = overview.DEFAULT_PRESET
    start: str = ""
    end: str = ""
    period_label: str = ""
    csv_href: str = ""  # the daily table as CSV, for the period shown
    weekly: bool = False
    cards: list[Card] = []
    points: list[dict[str, str | int]] = []  # the chart's data: label, day and each series
    failures: list[FailureReason] = []
    waits: list[WaitView] = []
    approvers: list[ApproverTally] = []
    load_error: str = ""

    _live_gen: str = ""  # the current watch (states/live.py)
    _live_token: str = ""

    def _period(self) -> Period:
        return overview.period_from_url(
            {"from": self.start, "to": self.end}
            if self.preset == "custom"
            else {"range": self.preset},
            overview.today(),
        )

    def _show(self, found: Overview) -> None:
        self.period_label = found.period.label
        self.csv_href = routes.overview_csv(overview.url_params(found.period))
        self.weekly = found.weekly
        self.cards = found.cards
        self.points = [
            {
                "label": p.label,
                "day": p.start.isoformat(),
                "synced": p.synced,
                "failed": p.failed,
                "rejected": p.rejected,
            }
            for p in found.points
        ]
        self.failures = found.failures
        self.waits = [
            WaitView(
                f"Week of {w.week_start.isoformat()}",
                w.decisions,
                age_text(w.median_seconds),
                age_text(w.p90_seconds),
            )
            for w in found.waits
        ]
        self.approvers = found.approvers
        self.load_error = ""

    @event
    async def open_page(self):
        """on_load: the period the address asks for (else the last 30 days), then live."""
        params = dict(self.router.url.query_parameters)
        today = overview.today()
        try:
            period = overview.period_from_url(params, today)
            self.notice = ""
        except ServiceError as err:
            period = overview.period_from_url({}, today)
            label = overview.PRESET_LABELS[period.preset]
            self._say(f"{err} Showing the last {label} instead.", ok=False)
        self.preset, self.start, self.end = (
            period.preset,
            period.start.isoformat(),
            period.end.isoformat(),
        )
        token = await session_token(self)
        try:
            self._show(await asyncio.to_thread(_load, token, period))
        except NotSignedIn as err:
            return self._to_sign_in(err)
        except ServiceError as err:
            self.load_error = str(err)
        return OverviewState.watch(await live.begin(self))

    @event
    def apply_range(self, form: Form):
        """A custom period from the form's `from` and `to` (checked before leaving)."""
        params = {key: form.get(key, "")[:10] for key in ("from", "to")}
        try:
            period = overview.period_from_url(params, overview.today())
        except ServiceError as err:
            self._say(str(err), ok=False)
            return None
        return rx.redirect(routes.overview_view(overview.url_params(period)))

    @event(background=True)
    async def watch(self, gen: Word):
        """Follow changes while this tab shows the overview (states/live.py)."""
        return await live.follow(self, gen, routes.OVERVIEW)

    async def _live_read(self) -> live.Read:
        """What a live reload of this tab reads (states/live.py)."""
        token, period = self._live_token, self._period()
        return live.Read(token, ("overview", period), _load, (token, period))

    def _live_apply(self, found: Overview | None, health: Health | None) -> None:
        """Show the reloaded figures (the Web Connector's health is not drawn here)."""
        if found is not None:
            self._show(found)
