"""Per-row Accept / Reject controls and the Status column (with the customer combobox).

Keys the server need not see (arrows in the combobox, Ctrl+Enter in the reject dialog,
where focus goes next) are handled in the browser by assets/keys.js.
"""

import reflex as rx

from erp_dashboard.components.status import status_badge
from erp_dashboard.names import ErpState
from erp_dashboard.services.job_lists import JobRow
from erp_dashboard.states.jobs import CustomerOption, CustomerPickerState, Decision, JobsState

COMMENT_LABEL = "Enter a Comment (Optional)"


def decision_buttons(row: JobRow, accept_label: str = "Accept") -> rx.Component:
    """Accept (or Retry), a toggle, and Reject, which opens the reject dialog."""
    accepted = JobsState.decisions[row.id] == Decision.ACCEPT.value
    return rx.cond(
        row.state == ErpState.EXPORTING.value,
        rx.fragment(),
        rx.hstack(
            rx.button(
                accept_label,
                size="1",
                variant=rx.cond(accepted, "solid", "outline"),
                color_scheme="green",
                on_click=JobsState.decide(row.id, Decision.ACCEPT.value),
                aria_pressed=rx.cond(accepted, "true", "false"),
                id=f"accept-{row.id}",
            ),
            reject_dialog(row),
            spacing="2",
        ),
    )


def reject_dialog(row: JobRow) -> rx.Component:
    """Reject: a dialog naming the project, with the optional comment (focused first)."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                "Reject",
                size="1",
                variant="outline",
                color_scheme="red",
                id=f"decide-reject-{row.id}",
            )
        ),
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(
                    row.state == ErpState.READY_TO_UPDATE.value, "Reject the changes to ", "Reject "
                ),
                "“",
                row.name,
                "”",
                size="4",
            ),
            rx.dialog.description(
                rx.cond(row.number != "", rx.fragment("Project ", row.number, ". ")),
                rx.cond(
                    row.state == ErpState.READY_TO_UPDATE.value,
                    "QuickBooks keeps the job as it is; the project manager is told why.",
                    "It goes back to its project manager, who is told why.",
                ),
                size="2",
                color="var(--gray-11)",
                margin_bottom="12px",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        COMMENT_LABEL, html_for=f"comment-{row.id}", class_name="field-label"
                    ),
                    rx.text_area(
                        name="comment",
                        id=f"comment-{row.id}",
                        max_length=2000,
                        rows="4",
                        width="100%",
                        data_submit_on_ctrl_enter="true",
                        aria_describedby=f"comment-hint-{row.id}",
                    ),
                    rx.text(
                        "Ctrl+Enter rejects; Escape cancels.",
                        size="1",
                        color="var(--gray-11)",
                        id=f"comment-hint-{row.id}",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(
                            "Reject", type="submit", color_scheme="red", id=f"reject-{row.id}"
                        ),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="2",
                ),
                on_submit=JobsState.reject,  # the open dialog's row: rx.form cannot see `row`
                reset_on_submit=True,
            ),
            max_width="480px",
        ),
        open=JobsState.rejecting == row.id,
        on_open_change=lambda is_open: JobsState.open_reject(row.id, is_open),
    )


def _option(row: JobRow, option: CustomerOption, index) -> rx.Component:
    return rx.el.li(
        option.full_name,
        role="option",
        aria_selected="false",
        id=rx.Var.create(f"customer-{row.id}-option-") + index.to_string(),
        on_click=CustomerPickerState.choose(row.id, option.list_id, option.full_name),
        class_name="picker-option",
    )


def _customer_picker(row: JobRow) -> rx.Component:
    """The QuickBooks Customer combobox: type to search every customer (in SQL), arrows
    move, Enter chooses, Escape closes."""
    listbox = f"customers-{row.id}"
    return rx.box(
        rx.hstack(
            rx.el.input(
                placeholder="Type to search customers…",
                role="combobox",
                aria_label="Search QuickBooks customers",
                aria_autocomplete="list",
                aria_expanded="true",
                aria_controls=listbox,
                auto_focus=True,
                auto_complete="off",
                default_value=CustomerPickerState.query,
                on_change=CustomerPickerState.search.debounce(150),
                id=f"customer-search-{row.id}",
                data_row=row.id,
                class_name="picker-input",
            ),
            rx.icon_button(
                rx.icon("x", size=14, aria_hidden="true"),
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=CustomerPickerState.close,
                aria_label="Close the customer list",
                data_picker_cancel=row.id,
            ),
            align="center",
            spacing="1",
        ),
        rx.box(
            rx.el.ul(
                rx.foreach(CustomerPickerState.options, lambda option, i: _option(row, option, i)),
                role="listbox",
                id=listbox,
                aria_label="Customers that match",
                class_name="picker-list",
            ),
            rx.cond(
                CustomerPickerState.options.length() == 0,
                rx.text("No customer matches.", size="1", role="status", padding="4px 8px"),
            ),
            rx.cond(
                CustomerPickerState.more,
                rx.text(
                    "More customers match: keep typing to narrow the list.",
                    size="1",
                    color="var(--gray-11)",
                    role="status",
                    padding="4px 8px",
                    id=f"picker-more-{row.id}",
                ),
            ),
            class_name="picker-pop",
        ),
        class_name="picker",
    )


def _customer_button(row: JobRow) -> rx.Component:
    chosen = JobsState.chosen_name[row.id]
    return rx.button(
        rx.cond(chosen, chosen, "Select Customer…"),
        rx.icon("chevron-down", size=14, aria_hidden="true"),
        size="1",
        variant="surface",
        color_scheme=rx.cond(chosen, "gray", "orange"),
        on_click=CustomerPickerState.open_for_row(row.id),
        id=f"customer-{row.id}",
        aria_label=rx.cond(chosen, "QuickBooks Customer: " + chosen, "QuickBooks Customer"),
        aria_haspopup="listbox",
        data_needs_customer=rx.cond(chosen, "false", "true"),
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
            color="var(--gray-11)",
            class_name="waiting",
        ),
        spacing="1",
        max_width="280px",
    )


def status_cell(row: JobRow) -> rx.Component:
    """What the row is waiting for, or, once accepted, its customer."""
    return rx.vstack(
        rx.cond(
            (row.state == ErpState.EXPORTING.value) | (row.state == ErpState.UPDATING.value),
            _in_flight(row),
            rx.cond(
                JobsState.decisions[row.id] == Decision.ACCEPT.value,
                rx.cond(
                    CustomerPickerState.row == row.id, _customer_picker(row), _customer_button(row)
                ),
                status_badge(row.state, row.state_label),
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
