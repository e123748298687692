"""/jobs: the Jobs tab of the ERP Integrations tool."""

import reflex as rx

from erp_dashboard.components.filters import filter_menu
from erp_dashboard.components.health import health_panel
from erp_dashboard.components.jobs_table import jobs_table, pager
from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.components.toasts import toast_region
from erp_dashboard.states.jobs import JobsState
from erp_dashboard.states.session import SessionState


def _export_bar() -> rx.Component:
    blocked = JobsState.export_blocker != ""
    return rx.cond(
        SessionState.can_approve
        & ((JobsState.job_list == "ready_to_export") | (JobsState.job_list == "failed_to_export")),
        rx.hstack(
            rx.button(
                rx.cond(JobsState.busy, rx.spinner(size="1"), rx.icon("upload", size=16)),
                "Export to QuickBooks",
                on_click=JobsState.export,
                disabled=blocked | JobsState.busy,
                color_scheme="orange",
                id="export",
            ),
            rx.cond(
                blocked,
                rx.text(
                    JobsState.export_blocker, size="2", color_scheme="gray", id="export-blocker"
                ),
            ),
            align="center",
            spacing="3",
        ),
    )


def jobs_page() -> rx.Component:
    """Filters on the left; search, actions, the table and paging on the right."""
    return page_shell(
        rx.heading("Jobs", size="7", margin_bottom="8px"),
        rx.box(health_panel(), margin_bottom="16px"),
        toast_region(),
        rx.hstack(
            filter_menu(),
            rx.vstack(
                rx.hstack(
                    rx.input(
                        rx.input.slot(rx.icon("search", size=16)),
                        placeholder="Search name, number or city",
                        value=JobsState.search,
                        on_change=JobsState.set_search.debounce(300),
                        width="320px",
                        id="search",
                        aria_label="Search",
                    ),
                    rx.spacer(),
                    _export_bar(),
                    width="100%",
                    align="center",
                ),
                notice(JobsState.notice, JobsState.notice_ok, "notice"),
                rx.cond(
                    JobsState.load_error != "", rx.callout(JobsState.load_error, color_scheme="red")
                ),
                jobs_table(),
                pager(),
                width="100%",
                spacing="3",
            ),
            align="start",
            spacing="6",
            width="100%",
        ),
    )
