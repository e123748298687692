"""The Filters menu: the six lists with their counts."""

import reflex as rx

from erp_dashboard.services.state_machine import JobList
from erp_dashboard.states.jobs import JobsState
from erp_dashboard.states.session import SessionState


def _filter(job_list: JobList) -> rx.Component:
    selected = JobsState.job_list == job_list.value
    return rx.button(
        rx.text(job_list.label),
        rx.spacer(),
        rx.badge(
            JobsState.counts[job_list.value],
            variant="solid",
            radius="full",
            id=f"count-{job_list.value}",
        ),
        on_click=JobsState.choose_list(job_list.value),
        variant=rx.cond(selected, "solid", "ghost"),
        color_scheme=rx.cond(selected, "orange", "gray"),
        width="100%",
        justify="between",
        id=f"filter-{job_list.value}",
        aria_pressed=rx.cond(selected, "true", "false"),
    )


def filter_menu() -> rx.Component:
    """The list picker on the left of the Jobs tab."""
    return rx.vstack(
        rx.text("Filters", weight="bold", size="2", color_scheme="gray"),
        *[_filter(job_list) for job_list in JobList],
        rx.cond(
            SessionState.can_approve,
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh customers",
                variant="ghost",
                size="1",
                margin_top="12px",
                on_click=JobsState.refresh_customers,
                id="refresh-customers",
            ),
        ),
        width="220px",
        min_width="220px",
        spacing="1",
        role="navigation",
        aria_label="Filters",
    )
