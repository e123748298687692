"""/projects: the Project Admin tool (add, edit, send to ERP, retrieve, re-send)."""

import reflex as rx

from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.services.project_pages import PAGE_SIZE, ProjectRow
from erp_dashboard.states.projects import NONE, ProjectsState
from erp_dashboard.states.session import SessionState


def _field(label: str, name: str, *, locked: bool = False, **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(
            name=name,
            id=name,
            default_value=ProjectsState.editing[name],
            disabled=ProjectsState.editing_locked if locked else False,
            width="100%",
            **props,
        ),
        spacing="1",
        width="100%",
    )


def _checkbox(label: str, name: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            name=name,
            id=name,
            default_checked=ProjectsState.editing[name] != "False",
        ),
        " ",
        label,
        style={"fontSize": "14px"},
    )


def _form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(ProjectsState.editing_id == 0, "New project", "Edit project"), size="4"
                ),
                rx.cond(
                    ProjectsState.editing_locked,
                    rx.callout(
                        "Waiting in ERP: the name and address are locked until an approver "
                        "decides, or you retrieve the project.",
                        icon="lock",
                        size="1",
                    ),
                ),
                _field(
                    "Name (QuickBooks allows 41 characters)",
                    "name",
                    locked=True,
                    max_length=41,
                    required=True,
                ),
                _field("Number", "number", max_length=30, required=True),
                _field("Street", "street", locked=True, max_length=41),
                rx.hstack(
                    _field("City", "city", locked=True, max_length=31),
                    _field("State", "state", locked=True, max_length=21),
                    _field("ZIP", "postal_code", locked=True, max_length=13),
                    width="100%",
                ),
                rx.hstack(
                    _field("Start", "start_date", type="date"),
                    _field("Projected end", "projected_end_date", type="date"),
                    width="100%",
                ),
                _field("Description", "description", max_length=99),
                _field(
                    "Notify only these Accounting Approvers (emails; empty: all)",
                    "approvers",
                    placeholder="ann@company.com, bob@company.com",
                ),
                rx.hstack(
                    _checkbox("Active", "is_active"), _checkbox("ERP-sync this project", "erp_sync")
                ),
                rx.cond(
                    ProjectsState.form_error != "",
                    rx.callout(
                        ProjectsState.form_error, color_scheme="red", role="alert", id="form-error"
                    ),
                ),
                rx.hstack(
                    rx.button("Save", type="submit", id="save-project"),
                    rx.button(
                        "Cancel", variant="soft", type="button", on_click=ProjectsState.close_form
                    ),
                ),
                width="100%",
            ),
            on_submit=ProjectsState.save,
            reset_on_submit=False,
            key=ProjectsState.editing_id,
        ),
        width="400px",
        min_width="400px",
    )


def _status(row: ProjectRow) -> rx.Component:
    return rx.vstack(
        rx.badge(row.erp_label, variant="soft"),
        rx.cond(
            row.comment != "",
            rx.text(
                "Rejected: ", row.comment, size="1", color_scheme="red", class_name="rejection"
            ),
        ),
        spacing="1",
    )


def _actions(row: ProjectRow) -> rx.Component:
    return rx.cond(
        SessionState.can_admin,
        rx.hstack(
            rx.button("Edit", size="1", variant="outline", on_click=ProjectsState.edit(row.id)),
            rx.cond(
                row.can_send,
                rx.button(
                    rx.cond(row.erp_state == "not_sent", "Send to ERP", "Re-send to ERP"),
                    size="1",
                    on_click=ProjectsState.send(row.id),
                ),
            ),
            rx.cond(
                row.can_retrieve,
                rx.button(
                    "Retrieve from ERP",
                    size="1",
                    variant="soft",
                    on_click=ProjectsState.retrieve(row.id),
                ),
            ),
        ),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(h)
                    for h in ("Project", "Address", "ERP", "QuickBooks job", "")
                ]
            )
        ),
        rx.table.body(
            rx.foreach(
                ProjectsState.rows,
                lambda row: rx.table.row(
                    rx.table.cell(
                        rx.text(row.name, weight="medium"),
                        rx.text(row.number, size="1", color_scheme="gray"),
                    ),
                    rx.table.cell(rx.text(row.street, " ", row.city, " ", row.state, size="2")),
                    rx.table.cell(_status(row)),
                    rx.table.cell(rx.text(row.qb_full_name, size="2")),
                    rx.table.cell(_actions(row)),
                    data_project=row.name,
                ),
            )
        ),
        width="100%",
        variant="surface",
        id="projects-table",
    )


def projects_page() -> rx.Component:
    """Projects on the left, the edited one on the right."""
    return page_shell(
        rx.hstack(
            rx.heading("Projects", size="7"),
            rx.spacer(),
            rx.cond(
                SessionState.can_admin,
                rx.button("New project", on_click=ProjectsState.new_project, id="new-project"),
            ),
            width="100%",
            margin_bottom="16px",
        ),
        notice(ProjectsState.notice, ProjectsState.notice_ok, "projects-notice"),
        rx.hstack(
            rx.vstack(
                rx.input(
                    placeholder="Search name or number",
                    value=ProjectsState.search,
                    on_change=ProjectsState.set_search.debounce(300),
                    width="320px",
                    aria_label="Search projects",
                ),
                _table(),
                rx.hstack(
                    rx.button(
                        "Previous",
                        size="1",
                        variant="soft",
                        disabled=ProjectsState.page <= 1,
                        on_click=ProjectsState.go_to_page(ProjectsState.page - 1),
                    ),
                    rx.text(
                        "Page ",
                        ProjectsState.page,
                        " · ",
                        ProjectsState.total,
                        " projects",
                        size="2",
                    ),
                    rx.button(
                        "Next",
                        size="1",
                        variant="soft",
                        disabled=ProjectsState.page * PAGE_SIZE >= ProjectsState.total,
                        on_click=ProjectsState.go_to_page(ProjectsState.page + 1),
                    ),
                    align="center",
                ),
                width="100%",
            ),
            rx.cond(ProjectsState.editing_id != NONE, _form()),
            align="start",
            spacing="5",
            width="100%",
        ),
    )
