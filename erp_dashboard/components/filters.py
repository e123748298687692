"""The Filters: the six lists as a tab strip with their counts (WAI-ARIA tabs)."""

import reflex as rx

from erp_dashboard.names import JobList
from erp_dashboard.states.jobs import JobsState


def _tab(job_list: JobList) -> rx.Component:
    return rx.tabs.trigger(
        rx.text(job_list.label, white_space="nowrap"),
        rx.badge(
            JobsState.counts[job_list.value],
            variant="solid",
            color_scheme="gray",
            high_contrast=True,
            radius="full",
            margin_left="6px",
            data_count=job_list.value,  # Radix draws a tab's label twice: no id here
        ),
        value=job_list.value,
        data_filter=job_list.value,
    )


def filter_tabs(*panel: rx.Component) -> rx.Component:
    """The "Filters" heading, the tab strip, and the selected list's panel; arrow keys move
    between tabs and show each list, the strip scrolls sideways on a phone."""
    return rx.box(
        rx.heading(
            "Filters", as_="h2", size="2", id="filters-heading", class_name="filters-heading"
        ),
        rx.tabs.root(
            rx.tabs.list(
                *[_tab(job_list) for job_list in JobList],
                aria_labelledby="filters-heading",
                class_name="filter-tabs",
            ),
            rx.tabs.content(*panel, value=JobsState.job_list, padding_top="16px"),
            value=JobsState.job_list,
            on_change=JobsState.choose_list,
        ),
        width="100%",
    )
