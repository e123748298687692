"""Per-row Accept / Reject controls and the Status column (with the customer picker)."""

import reflex as rx

from erp_dashboard.services.job_lists import JobRow
from erp_dashboard.states.jobs import JobsState

COMMENT_LABEL = "Enter a Comment (Optional)"


def decision_buttons(row: JobRow, accept_label: str = "Accept") -> rx.Component:
    """The Accept (or Retry) / Reject toggle of one row."""
    decision = JobsState.decisions[row.id]
    return rx.cond(
        row.state == "exporting",
        rx.fragment(),
        rx.hstack(
            rx.button(
                accept_label,
                size="1",
                variant=rx.cond(decision == "accept", "solid", "outline"),
                color_scheme="green",
                on_click=JobsState.decide(row.id, "accept"),
                aria_pressed=rx.cond(decision == "accept", "true", "false"),
                id=f"accept-{row.id}",
            ),
            rx.button(
                "Reject",
                size="1",
                variant=rx.cond(decision == "reject", "solid", "outline"),
                color_scheme="red",
                on_click=JobsState.decide(row.id, "reject"),
                aria_pressed=rx.cond(decision == "reject", "true", "false"),
                id=f"decide-reject-{row.id}",
            ),
            spacing="2",
        ),
    )


def _customer_picker(row: JobRow) -> rx.Component:
    """Searchable QuickBooks Customer dropdown (results searched in SQL)."""
    return rx.cond(
        JobsState.picker_row == row.id,
        rx.vstack(
            rx.input(
                placeholder="Search QuickBooks customers…",
                value=JobsState.picker_query,
                on_change=JobsState.search_customers.debounce(250),
                auto_focus=True,
                size="1",
                id=f"customer-search-{row.id}",
                aria_label="Search QuickBooks customers",
            ),
            rx.box(
                rx.foreach(
                    JobsState.picker_options,
                    lambda option: rx.button(
                        option.full_name,
                        variant="ghost",
                        size="1",
                        width="100%",
                        justify="start",
                        role="option",
                        on_click=JobsState.choose_customer(
                            row.id, option.list_id, option.full_name
                        ),
                    ),
                ),
                rx.cond(
                    JobsState.picker_options.length() == 0,
                    rx.text("No customer matches.", size="1", color_scheme="gray"),
                ),
                role="listbox",
                max_height="220px",
                overflow_y="auto",
                width="100%",
                border="1px solid var(--gray-a6)",
                border_radius="6px",
                padding="4px",
            ),
            rx.button("Cancel", size="1", variant="ghost", on_click=JobsState.close_picker),
            spacing="1",
            min_width="240px",
        ),
        rx.button(
            rx.cond(
                JobsState.chosen_name[row.id],
                JobsState.chosen_name[row.id],
                "Select Customer…",
            ),
            rx.icon("chevron-down", size=14),
            size="1",
            variant="surface",
            color_scheme=rx.cond(JobsState.chosen_name[row.id], "gray", "orange"),
            on_click=JobsState.open_picker(row.id),
            id=f"customer-{row.id}",
            aria_label="QuickBooks Customer",
        ),
    )


def _reject_form(row: JobRow) -> rx.Component:
    return rx.vstack(
        rx.text_area(
            placeholder=COMMENT_LABEL,
            aria_label=COMMENT_LABEL,
            value=JobsState.row_text[row.id],
            on_change=lambda text: JobsState.set_row_text(row.id, text),
            max_length=2000,
            size="1",
            id=f"comment-{row.id}",
        ),
        rx.button(
            "Reject",
            size="1",
            color_scheme="red",
            on_click=JobsState.reject(row.id),
            id=f"reject-{row.id}",
        ),
        spacing="1",
        min_width="240px",
    )


def _in_flight(row: JobRow) -> rx.Component:
    """Exporting… / Updating…, why it waits and for how long."""
    return rx.vstack(
        rx.hstack(rx.spinner(size="1"), rx.text(row.state_label, size="2"), align="center"),
        rx.text(
            row.waiting,
            rx.cond(
                row.waiting_since != "",
                rx.fragment(" · ", rx.moment(row.waiting_since, from_now=True, interval=30_000)),
            ),
            size="1",
            color_scheme="gray",
            class_name="waiting",
        ),
        spacing="1",
        max_width="280px",
    )


def status_cell(row: JobRow) -> rx.Component:
    """What the row is waiting for, or the approver's pending decision."""
    decision = JobsState.decisions[row.id]
    return rx.vstack(
        rx.cond(
            (row.state == "exporting") | (row.state == "updating"),
            _in_flight(row),
            rx.cond(
                decision == "accept",
                _customer_picker(row),
                rx.cond(
                    decision == "reject",
                    _reject_form(row),
                    rx.badge(row.state_label, variant="soft"),
                ),
            ),
        ),
        row_error(row),
        spacing="1",
    )


def row_error(row: JobRow) -> rx.Component:
    """Why the service refused the last action on this row."""
    return rx.cond(
        JobsState.row_errors[row.id],
        rx.text(JobsState.row_errors[row.id], color_scheme="red", size="1", role="alert"),
    )
