"""/projects: the Project Admin tool (add, edit, send to ERP, retrieve, re-send)."""

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.components.pager import pager
from erp_dashboard.components.project_form import project_form
from erp_dashboard.components.status import status_badge
from erp_dashboard.names import ErpState
from erp_dashboard.services.project_pages import ProjectRow
from erp_dashboard.states.projects import NONE, ProjectsState
from erp_dashboard.states.session import SessionState


def _failure(row: ProjectRow) -> rx.Component:
    """Why QuickBooks refused the export, what to do, and who retries it."""
    return rx.box(
        rx.text(rx.text.strong("QuickBooks refused it: "), row.failure, size="1"),
        rx.text(rx.text.strong("What to do: "), row.next_step, size="1"),
        rx.text(
            "Retry is an Accounting Approver's action on the Jobs tab: ",
            rx.link(
                "Failed To Export",
                href=routes.jobs_list(ErpState.FAILED_TO_EXPORT.value),
                underline="always",
            ),
            ".",
            size="1",
        ),
        class_name="failure",
        padding="6px 8px",
        border_left="3px solid var(--red-9)",
        background="var(--red-a2)",
    )


def _status(row: ProjectRow) -> rx.Component:
    return rx.vstack(
        status_badge(row.erp_state, row.erp_label),
        rx.cond(
            row.comment != "",
            rx.text(
                "Rejected: ", row.comment, size="1", color_scheme="red", class_name="rejection"
            ),
        ),
        rx.cond(row.failure != "", _failure(row)),
        spacing="1",
        min_width="200px",
        max_width="340px",
    )


def _dates(row: ProjectRow) -> rx.Component:
    def one(value: rx.Var) -> rx.Component:
        return rx.text(rx.cond(value != "", value, "—"), size="2", white_space="nowrap")

    return rx.vstack(one(row.start_date), one(row.projected_end_date), spacing="0")


def _actions(row: ProjectRow) -> rx.Component:
    return rx.cond(
        SessionState.can_admin,
        rx.flex(
            rx.button("Edit", size="1", variant="outline", on_click=ProjectsState.edit(row.id)),
            rx.cond(
                row.can_send,
                rx.button(
                    rx.cond(
                        row.erp_state == ErpState.NOT_SENT.value, "Send to ERP", "Re-send to ERP"
                    ),
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
            spacing="2",
            wrap="wrap",
        ),
    )


def _table() -> rx.Component:
    """The page of projects; on a narrow screen it scrolls inside its own box."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(h)
                    for h in (
                        "Project",
                        "Start / end",
                        "Address",
                        "ERP",
                        "QuickBooks job",
                        "Actions",
                    )
                ]
            )
        ),
        rx.table.body(
            rx.foreach(
                ProjectsState.rows,
                lambda row: rx.table.row(
                    rx.table.cell(
                        rx.text(row.name, weight="medium"),
                        rx.text(row.number, size="1", color_scheme="gray", white_space="nowrap"),
                    ),
                    rx.table.cell(_dates(row)),
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


def _empty() -> rx.Component:
    """What an empty page means: nothing matches the search, or no projects yet."""
    return rx.cond(
        ProjectsState.loaded & (ProjectsState.total == 0),
        rx.callout(
            rx.cond(
                ProjectsState.search != "",
                rx.text(
                    "No project matches “",
                    ProjectsState.search,
                    "”. ",
                    rx.link("Show all projects", href=routes.PROJECTS),
                ),
                "No projects yet.",
            ),
            icon="search-x",
            color_scheme="gray",
            id="projects-empty",
        ),
    )


def projects_page() -> rx.Component:
    """Projects, with the edited one beside them (above them on a phone)."""
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
        rx.flex(
            rx.cond(ProjectsState.editing_id != NONE, project_form()),
            rx.vstack(
                rx.input(
                    placeholder="Search name or number",
                    value=ProjectsState.search,
                    on_change=ProjectsState.set_search.debounce(300),
                    width="100%",
                    max_width="320px",
                    aria_label="Search projects",
                    id="project-search",
                ),
                _empty(),
                _table(),
                pager(
                    "projects",
                    ProjectsState.page,
                    ProjectsState.pages,
                    ProjectsState.total,
                    "projects",
                    ProjectsState.go_to_page(ProjectsState.page - 1),
                    ProjectsState.go_to_page(ProjectsState.page + 1),
                ),
                flex="1",
                min_width="0",
                width="100%",
            ),
            direction=rx.breakpoints(initial="column", md="row-reverse"),
            align="start",
            spacing="5",
            width="100%",
        ),
    )
