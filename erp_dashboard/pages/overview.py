"""/overview: what synced, what failed and why, and how long decisions take, for managers."""

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.components.download import csv_link
from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.services.overview import DEFAULT_PRESET, PRESET_LABELS
from erp_dashboard.states.overview import OverviewState

SERIES = (  # data key, legend name, colour (the status badges' hues)
    ("synced", "Synced", "var(--green-9)"),
    ("failed", "Failed", "var(--red-9)"),
    ("rejected", "Rejected", "var(--amber-9)"),
)


def _range_link(preset: str, label: str) -> rx.Component:
    current = OverviewState.preset == preset
    return rx.link(
        label,
        href=routes.overview_view({} if preset == DEFAULT_PRESET else {"range": preset}),
        aria_current=rx.cond(current, "true", "false"),
        class_name="range-link",
        data_range=preset,
    )


def _custom_range() -> rx.Component:
    """From and to dates (UTC days), applied together."""
    return rx.form(
        rx.hstack(
            rx.el.label("From", html_for="range-from", class_name="field-label"),
            rx.input(
                type="date",
                name="from",
                id="range-from",
                default_value=OverviewState.start,
                key=OverviewState.start,
                size="2",
            ),
            rx.el.label("to", html_for="range-to", class_name="field-label"),
            rx.input(
                type="date",
                name="to",
                id="range-to",
                default_value=OverviewState.end,
                key=OverviewState.end,
                size="2",
            ),
            rx.button("Show", type="submit", variant="soft", id="range-apply"),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        on_submit=OverviewState.apply_range,
        aria_label="Custom period",
    )


def _period_bar() -> rx.Component:
    return rx.flex(
        rx.el.nav(
            rx.hstack(
                *[_range_link(preset, label) for preset, label in PRESET_LABELS.items()],
                spacing="1",
                wrap="wrap",
            ),
            aria_label="Period",
        ),
        _custom_range(),
        gap="12px 24px",
        align="center",
        wrap="wrap",
        margin_bottom="8px",
    )


def _card(card: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.text(card.label, size="2", weight="medium", color="var(--gray-11)"),
            rx.text(card.value, size="8", weight="bold", as_="p", class_name="card-value"),
            rx.text(card.detail, size="2", color="var(--gray-11)"),
            height="100%",
        ),
        href=card.href,
        underline="none",
        color="inherit",
        data_card=card.key,
        class_name="overview-card",
    )


def _chart() -> rx.Component:
    """Stacked bars per day (or week); hovering shows the numbers; the caption says where
    the same numbers are as a table, for keyboards and screen readers."""
    return rx.el.figure(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            *[
                rx.recharts.bar(data_key=key, name=name, fill=colour, stack_id="all")
                for key, name, colour in SERIES
            ],
            rx.recharts.x_axis(data_key="label", tick={"fontSize": 12}, min_tick_gap=12),
            rx.recharts.y_axis(allow_decimals=False, tick={"fontSize": 12}, width=40),
            rx.recharts.legend(),
            rx.recharts.graphing_tooltip(),
            data=OverviewState.points,
            height=280,
        ),
        rx.el.figcaption(
            "Stacked bars: synced (green), failed (red), rejected (amber). "
            "The numbers are under “Show the numbers”.",
            class_name="chart-caption",
        ),
        margin="0",
        width="100%",
    )


def _table(headers: tuple[str, ...], rows: rx.Var, cells, table_id: str, label: str, empty: str):
    """A table of `rows` in its own scroll region (reachable by keyboard) when wider than
    the screen, or `empty`."""
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
                rx.el.tbody(rx.foreach(rows, lambda r: rx.el.tr(*cells(r)))),
                id=table_id,
                class_name="overview-table",
            ),
            class_name="overview-table-scroll",
            tab_index=0,
            role="region",
            aria_label=label,
        ),
        rx.text(empty, color="var(--gray-11)", size="2", id=f"{table_id}-empty"),
    )


def _numbers() -> rx.Component:
    """The chart's numbers as a table on demand, and as a CSV download."""
    return rx.flex(
        _numbers_table(),
        csv_link(OverviewState.csv_href, "overview-csv"),
        justify="between",
        align="start",
        gap="12px",
        wrap="wrap",
        width="100%",
    )


def _numbers_table() -> rx.Component:
    return rx.el.details(
        rx.el.summary("Show the numbers", cursor="pointer"),
        _table(
            ("Day", "Synced", "Failed", "Rejected"),
            OverviewState.points,
            lambda p: [
                rx.el.th(p["label"], scope="row"),
                rx.el.td(p["synced"]),
                rx.el.td(p["failed"]),
                rx.el.td(p["rejected"]),
            ],
            "daily-table",
            "Synced, failed and rejected, in numbers",
            "No days in the period.",
        ),
    )


def _section(title: tuple, section_id: str, *children: rx.Component) -> rx.Component:
    """A titled part of the page (the title's parts may be vars)."""
    return rx.el.section(
        rx.heading(*title, size="4", as_="h2", id=f"{section_id}-heading", margin_bottom="8px"),
        *children,
        aria_labelledby=f"{section_id}-heading",
        width="100%",
        margin_top="24px",
    )


def _failures() -> rx.Component:
    return _table(
        ("Status", "Refusals", "QuickBooks said", "What to do", ""),
        OverviewState.failures,
        lambda f: [
            rx.el.th(
                rx.badge(f.kind, " ", f.code, color_scheme="red", variant="soft"),
                scope="row",
                white_space="nowrap",
            ),
            rx.el.td(f.count),
            rx.el.td(f.message, min_width="200px"),
            rx.el.td(f.advice, min_width="200px"),
            rx.el.td(
                rx.link("Affected projects", href=f.href, white_space="nowrap"),
            ),
        ],
        "failure-table",
        "Refusals by QuickBooks status",
        "QuickBooks refused nothing in this period.",
    )


def _waits() -> rx.Component:
    return _table(
        ("Week", "Decisions", "Median", "90th percentile"),
        OverviewState.waits,
        lambda w: [
            rx.el.th(w.week, scope="row", white_space="nowrap"),
            rx.el.td(w.decisions),
            rx.el.td(w.median),
            rx.el.td(w.p90),
        ],
        "wait-table",
        "Time to decision per week",
        "No project was accepted or rejected in this period.",
    )


def _approvers() -> rx.Component:
    return _table(
        ("Approver", "Accepted", "Rejected", "Retried", "Linked", "Updates", "Total"),
        OverviewState.approvers,
        lambda a: [
            rx.el.th(a.name, scope="row"),
            rx.el.td(a.accepted),
            rx.el.td(a.rejected),
            rx.el.td(a.retried),
            rx.el.td(a.linked),
            rx.el.td(a.updates),
            rx.el.td(a.total),
        ],
        "approver-table",
        "Decisions per approver",
        "Nobody decided anything in this period.",
    )


def overview_page() -> rx.Component:
    """Period, summary cards, the trend, failure reasons, time to decision, approvers."""
    per = rx.cond(OverviewState.weekly, "week", "day")
    return page_shell(
        rx.heading("Overview", size="7", as_="h1", margin_bottom="4px"),
        rx.text(
            OverviewState.period_label,
            " (UTC days)",
            size="2",
            color="var(--gray-11)",
            id="period-label",
            margin_bottom="8px",
        ),
        _period_bar(),
        notice(OverviewState.notice, OverviewState.notice_ok, "notice"),
        rx.cond(
            OverviewState.load_error != "",
            rx.callout(OverviewState.load_error, color_scheme="red", role="alert"),
        ),
        rx.grid(
            rx.foreach(OverviewState.cards, _card),
            columns=rx.breakpoints(initial="1", xs="2", md="3"),
            gap="12px",
            width="100%",
            id="overview-cards",
        ),
        _section(
            ("Synced, failed and rejected per ", per),
            "trend",
            _chart(),
            _numbers(),
        ),
        _section(("Why QuickBooks refused",), "failures", _failures()),
        _section(("Time to decision (Sent to ERP → Accept or Reject)",), "waits", _waits()),
        _section(("Decisions per approver",), "approvers", _approvers()),
    )
