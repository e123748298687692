"""/jobs: the Jobs tab of the ERP Integrations tool."""

import reflex as rx

from erp_dashboard.components.download import csv_link
from erp_dashboard.components.filters import filter_tabs
from erp_dashboard.components.health import health_panel
from erp_dashboard.components.jobs_table import jobs_table, pager
from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.components.toasts import toast_region
from erp_dashboard.names import JobList
from erp_dashboard.states.jobs import JobsState
from erp_dashboard.states.session import SessionState

SEARCH_DEBOUNCE_MS = 120  # from the last keystroke to the search
EXPORTABLE = (JobsState.job_list == JobList.READY_TO_EXPORT.value) | (
    JobsState.job_list == JobList.FAILED_TO_EXPORT.value
)


def _export_bar() -> rx.Component:
    """Export to QuickBooks and why it is disabled; it sticks to the bottom on a phone."""
    blocked = JobsState.export_blocker != ""
    return rx.cond(
        SessionState.can_approve & EXPORTABLE,
        rx.hstack(
            rx.button(
                rx.cond(
                    JobsState.busy,
                    rx.spinner(size="1"),
                    rx.icon("upload", size=16, aria_hidden="true"),
                ),
                "Export to QuickBooks",
                on_click=JobsState.export,
                disabled=blocked | JobsState.busy,
                color_scheme="orange",
                aria_describedby=rx.cond(blocked, "export-blocker", ""),
                id="export",
            ),
            rx.cond(
                blocked,
                rx.text(
                    JobsState.export_blocker, size="2", color="var(--gray-11)", id="export-blocker"
                ),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
            class_name="export-bar",
        ),
    )


def _refresh_customers() -> rx.Component:
    return rx.cond(
        SessionState.can_approve,
        rx.button(
            rx.icon("refresh-cw", size=14, aria_hidden="true"),
            "Refresh customers",
            variant="ghost",
            size="1",
            on_click=JobsState.refresh_customers,
            id="refresh-customers",
        ),
    )


def _search_box() -> rx.Component:
    """The search field. An input bound to a state var is a react-debounce-input, which
    waits its own timeout (300 ms unless told) before `on_change`: that is the one wait,
    no event debounce on top."""
    return rx.debounce_input(
        rx.input(
            rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
            placeholder="Search name, number or city",
            on_change=JobsState.set_search,
            id="search",
            aria_label="Search projects by name, number or city",
            type="search",
            class_name="jobs-search",
        ),
        value=JobsState.search,
        debounce_timeout=SEARCH_DEBOUNCE_MS,
    )


def _code_filter() -> rx.Component:
    """When the list is narrowed to one QuickBooks status code (from the overview's
    failure reasons): which, and a way back to every row."""
    return rx.cond(
        JobsState.code.is_not_none(),
        rx.hstack(
            rx.badge(
                rx.icon("filter", size=12, aria_hidden="true"),
                "Only QuickBooks status ",
                JobsState.code.to_string(),
                color_scheme="red",
                variant="soft",
                size="2",
                id="code-filter",
            ),
            rx.button(
                "Show all",
                size="1",
                variant="ghost",
                on_click=JobsState.show_every_code,
                id="show-every-code",
            ),
            align="center",
            spacing="2",
        ),
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        _search_box(),
        _code_filter(),
        csv_link(JobsState.csv_href, "download-csv"),  # the view, every page of it
        _refresh_customers(),
        rx.spacer(),
        _export_bar(),
        width="100%",
        align="center",
        gap="3",
        wrap="wrap",
        class_name="jobs-toolbar",
    )


def jobs_page() -> rx.Component:
    """The Web Connector's health, then the Filters tabs over the selected list."""
    return page_shell(
        rx.heading("Jobs", size="7", margin_bottom="8px"),
        rx.box(health_panel(), margin_bottom="16px"),
        toast_region(),
        filter_tabs(
            rx.vstack(
                _toolbar(),
                notice(JobsState.notice, JobsState.notice_ok, "notice"),
                rx.cond(
                    JobsState.load_error != "",
                    rx.callout(JobsState.load_error, color_scheme="red", role="alert"),
                ),
                jobs_table(),
                pager(),
                width="100%",
                spacing="3",
            )
        ),
    )
