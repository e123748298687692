"""The table of the selected list, with sortable headers and paging."""

from collections.abc import Callable

import reflex as rx

from erp_dashboard.components.decision import (
    decision_buttons,
    reject_dialog,
    row_error,
    status_cell,
)
from erp_dashboard.components.pager import pager as paging
from erp_dashboard.components.status import status_badge
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.services.job_lists import PAGE_SIZES, JobRow
from erp_dashboard.states.jobs import Decision, JobsState
from erp_dashboard.states.session import SessionState

Cell = Callable[[JobRow], rx.Component]
Column = tuple[str, str, Cell]  # header, sort key ("" = not sortable), cell


def _project(row: JobRow) -> rx.Component:
    return rx.vstack(
        rx.text(row.name, weight="medium"),
        rx.text(row.number, size="1", color_scheme="gray"),
        spacing="0",
    )


def _text(field: str) -> Cell:
    return lambda row: rx.text(getattr(row, field), size="2")


def _date(field: str) -> Cell:
    """A date or time, never broken mid-value."""
    return lambda row: rx.text(getattr(row, field), size="2", white_space="nowrap")


def _error(row: JobRow) -> rx.Component:
    """QuickBooks' message and code, and what to do about it."""
    return rx.vstack(
        rx.text(row.error, color_scheme="red", size="2", class_name="qb-error"),
        rx.cond(row.advice != "", rx.text(row.advice, size="1", class_name="qb-advice")),
        spacing="1",
        max_width="360px",
    )


PROJECT = ("Project", "name", _project)
APPROVERS_ONLY = {"Decision", "Actions"}  # columns only an approver sees
READY_TO_EXPORT: list[Column] = [
    PROJECT,
    ("Address", "city", _text("address")),
    ("Creator", "", _text("creator")),
    ("Sent", "sent", _date("sent_at")),
    ("Start", "start", _date("start_date")),
    ("Projected end", "", _date("end_date")),
    ("Decision", "", decision_buttons),
    ("Status", "", status_cell),
]
FAILED: list[Column] = [
    PROJECT,
    ("Customer", "", _text("customer")),
    ("Errors", "", _error),
    ("Failed", "changed", _date("changed_at")),
    ("Decision", "", lambda row: decision_buttons(row, "Retry")),
    ("Status", "", status_cell),
]
SYNCED: list[Column] = [
    PROJECT,
    ("Customer", "", _text("customer")),
    ("QuickBooks job", "", _text("qb_full_name")),
    ("Synced", "changed", _date("synced_at")),
]


def _changes(row: JobRow) -> rx.Component:
    return rx.text(row.changes, size="2", white_space="pre-line", class_name="changes")


def _update_buttons(row: JobRow) -> rx.Component:
    return rx.cond(
        row.state == ErpState.UPDATING.value,
        rx.fragment(),
        rx.hstack(
            rx.button(
                "Update",
                size="1",
                color_scheme="green",
                variant="outline",
                on_click=JobsState.approve_update(row.id),
                id=f"update-{row.id}",
            ),
            reject_dialog(row),
        ),
    )


READY_TO_UPDATE: list[Column] = [
    PROJECT,
    ("QuickBooks job", "", _text("qb_full_name")),
    ("Changes", "", _changes),
    ("Errors", "", _error),
    ("Decision", "", _update_buttons),
    ("Status", "", status_cell),
]


def _job_button(row: JobRow, label: str, action: str) -> rx.Component:
    return rx.button(
        label,
        size="1",
        variant="outline",
        on_click=JobsState.act_on_job(row.id, action),
        id=f"{action}-{row.id}",
    )


def _link_form(row: JobRow) -> rx.Component:
    return rx.hstack(
        rx.input(
            placeholder="Project number",
            aria_label="Project number to link",
            value=JobsState.row_text[row.id],
            on_change=lambda text: JobsState.set_row_text(row.id, text),
            size="1",
            width="140px",
        ),
        _job_button(row, "Link", "link"),
        rx.button("Cancel", size="1", variant="ghost", on_click=JobsState.undecide(row.id)),
    )


def _job_actions(row: JobRow) -> rx.Component:
    return rx.vstack(_job_buttons(row), row_error(row), spacing="1")


def _job_buttons(row: JobRow) -> rx.Component:
    return rx.cond(
        JobsState.job_list == JobList.ARCHIVED.value,
        _job_button(row, "Unarchive", "unarchive"),
        rx.cond(
            JobsState.decisions[row.id] == Decision.LINK.value,
            _link_form(row),
            rx.hstack(
                _job_button(row, "Import", "import"),
                rx.button(
                    "Link…",
                    size="1",
                    variant="outline",
                    on_click=JobsState.decide(row.id, Decision.LINK.value),
                    id=f"decide-link-{row.id}",
                ),
                _job_button(row, "Archive", "archive"),
            ),
        ),
    )


QB_JOBS: list[Column] = [
    ("QuickBooks job", "name", _text("qb_full_name")),
    ("Customer", "", _text("customer")),
    ("City", "", _text("address")),
    ("List", "changed", lambda row: status_badge(row.state, row.state_label)),
    ("Actions", "", _job_actions),
]


def _header(label: str, sort_key: str) -> rx.Component:
    if not sort_key:
        return rx.table.column_header_cell(label, white_space="nowrap")
    arrow = rx.cond(
        JobsState.sort == sort_key,
        rx.cond(JobsState.descending, " ▼", " ▲"),
        "",
    )
    return rx.table.column_header_cell(
        rx.button(
            label,
            arrow,
            variant="ghost",
            color_scheme="gray",
            high_contrast=True,
            size="2",
            font_weight="bold",
            on_click=JobsState.sort_by(sort_key),
            id=f"sort-{sort_key}",
            white_space="nowrap",
        ),
        aria_sort=rx.cond(
            JobsState.sort == sort_key,
            rx.cond(JobsState.descending, "descending", "ascending"),
            "none",
        ),
    )


def _table(columns: list[Column]) -> rx.Component:
    """The list's columns; the decision columns only for an approver."""
    seen = [column for column in columns if column[0] not in APPROVERS_ONLY]
    return rx.cond(SessionState.can_approve, _rows(columns), _rows(seen))


def _rows(columns: list[Column]) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[_header(label, key) for label, key, _ in columns])),
        rx.table.body(
            rx.foreach(
                JobsState.rows,
                lambda row: rx.table.row(
                    *[rx.table.cell(cell(row), data_label=label) for label, _, cell in columns],
                    id=rx.Var.create("row-") + row.id.to_string(),
                    data_project=row.name,
                ),
            )
        ),
        width="100%",
        variant="surface",
        id="jobs-table",
        class_name="jobs-table",
    )


def jobs_table() -> rx.Component:
    """The selected list's page, or a plain word that it is empty."""
    return rx.cond(
        JobsState.total == 0,
        rx.callout(
            rx.cond(
                JobsState.search != "", "No project matches your search.", "This list is empty."
            ),
            icon="info",
            id="empty-list",
        ),
        rx.match(
            JobsState.job_list,
            (JobList.READY_TO_EXPORT.value, _table(READY_TO_EXPORT)),
            (JobList.FAILED_TO_EXPORT.value, _table(FAILED)),
            (JobList.SYNCED.value, _table(SYNCED)),
            (JobList.READY_TO_UPDATE.value, _table(READY_TO_UPDATE)),
            _table(QB_JOBS),
        ),
    )


def pager() -> rx.Component:
    """Previous / next page, position, and rows per page."""
    return paging(
        "jobs",
        JobsState.page,
        JobsState.pages,
        JobsState.total_text,
        "rows",
        JobsState.go_to_page(JobsState.page - 1),
        JobsState.go_to_page(JobsState.page + 1),
        rx.spacer(),
        # a native select: the phone's own picker, and no Radix Select in the page's scripts
        rx.el.label("Rows per page", html_for="page-size", class_name="page-size-label"),
        rx.el.select(
            *[rx.el.option(str(size), value=str(size)) for size in PAGE_SIZES],
            value=JobsState.page_size.to_string(),
            on_change=JobsState.set_page_size,
            id="page-size",
            class_name="page-size",
        ),
    )
