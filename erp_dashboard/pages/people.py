"""/people: company admins manage who can sign in and in which role."""

import reflex as rx

from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.services.people import Person
from erp_dashboard.services.permissions import Role
from erp_dashboard.states.people import PeopleState

ROLES = [role.value for role in Role]


def _person(person: Person) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(person.name, weight="medium"), rx.text(person.email, size="1")),
        rx.table.cell(
            rx.select(
                ROLES,
                value=person.role,
                on_change=lambda role: PeopleState.set_role(person.id, role),
                size="1",
                aria_label="Role",
            )
        ),
        rx.table.cell(rx.cond(person.is_company_admin, rx.badge("Company admin"), "")),
        rx.table.cell(
            rx.cond(
                person.is_active,
                rx.button(
                    "Deactivate",
                    size="1",
                    color_scheme="red",
                    variant="outline",
                    on_click=PeopleState.set_active(person.id, False),
                ),
                rx.button(
                    "Reactivate",
                    size="1",
                    variant="outline",
                    on_click=PeopleState.set_active(person.id, True),
                ),
            )
        ),
        data_person=person.email,
    )


def _add_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Add a person", size="4"),
                rx.input(
                    name="email",
                    id="email",
                    type="email",
                    placeholder="Email",
                    required=True,
                    width="100%",
                ),
                rx.input(
                    name="person_name",
                    id="person_name",
                    placeholder="Name",
                    required=True,
                    width="100%",
                ),
                rx.select(ROLES, name="role", default_value=Role.VIEWER.value),
                rx.input(
                    name="password",
                    id="password",
                    type="password",
                    placeholder="First password (12+ characters)",
                    required=True,
                    width="100%",
                ),
                rx.button("Add", type="submit", id="add-person"),
                width="100%",
            ),
            on_submit=PeopleState.add,
        ),
        width="340px",
        min_width="340px",
    )


def people_page() -> rx.Component:
    """Everyone, with their role and whether they can sign in."""
    return page_shell(
        rx.heading("People", size="7", margin_bottom="16px"),
        notice(PeopleState.notice, PeopleState.notice_ok, "people-notice"),
        rx.hstack(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Person", "Role", "", "Sign-in")]
                    )
                ),
                rx.table.body(rx.foreach(PeopleState.people, _person)),
                width="100%",
                variant="surface",
                id="people-table",
            ),
            _add_form(),
            align="start",
            spacing="5",
            width="100%",
        ),
    )
