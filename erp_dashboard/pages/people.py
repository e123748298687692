"""/people: company admins manage who can sign in and in which role, set whether duties are
separated, and see who changed what."""

import reflex as rx

from erp_dashboard.components.api_tokens import api_tokens_section
from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.services.people import CHANGES_SHOWN, Change, Person
from erp_dashboard.services.permissions import Role
from erp_dashboard.states.people import PeopleState


def _role_items() -> list[rx.Component]:
    """One item per role: its label shown, its value sent."""
    return [rx.select.item(role.label, value=role.value) for role in Role]


def _person(person: Person) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(person.name, weight="medium"), rx.text(person.email, size="1")
        ),
        rx.table.cell(
            rx.select.root(
                rx.select.trigger(aria_label="Role for " + person.name),
                rx.select.content(*_role_items()),
                value=person.role,
                on_change=lambda role: PeopleState.set_role(person.id, role),
                size="1",
            )
        ),
        rx.table.cell(
            rx.switch(
                checked=person.is_company_admin,
                on_change=lambda admin: PeopleState.set_company_admin(person.id, admin),
                aria_label="Company admin: " + person.name,
                size="1",
            )
        ),
        rx.table.cell(
            rx.cond(
                person.is_active,
                rx.button(
                    "Deactivate",
                    size="1",
                    color_scheme="red",
                    variant="outline",
                    aria_label="Deactivate " + person.name,
                    on_click=PeopleState.set_active(person.id, False),
                ),
                rx.button(
                    "Reactivate",
                    size="1",
                    variant="outline",
                    aria_label="Reactivate " + person.name,
                    on_click=PeopleState.set_active(person.id, True),
                ),
            )
        ),
        data_person=person.email,
    )


def _labelled(label: str, field: rx.Component, field_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_size="var(--font-size-2)", font_weight="500"),
        field,
        spacing="1",
        width="100%",
    )


def _add_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Add a person", size="4", as_="h2"),
                _labelled(
                    "Email",
                    rx.input(name="email", id="email", type="email", required=True, width="100%"),
                    "email",
                ),
                _labelled(
                    "Name",
                    rx.input(name="person_name", id="person_name", required=True, width="100%"),
                    "person_name",
                ),
                _labelled(
                    "Role",
                    rx.select.root(
                        rx.select.trigger(id="new-role", width="100%"),
                        rx.select.content(*_role_items()),
                        name="role",
                        default_value=Role.VIEWER.value,
                    ),
                    "new-role",
                ),
                _labelled(
                    "First password (12+ characters)",
                    rx.input(
                        name="password",
                        id="password",
                        type="password",
                        required=True,
                        width="100%",
                        auto_complete="new-password",
                    ),
                    "password",
                ),
                rx.button("Add", type="submit", id="add-person"),
                width="100%",
            ),
            on_submit=PeopleState.add,
        ),
        width="100%",
        max_width="360px",
        flex_shrink="0",
    )


def _people() -> rx.Component:
    """The list and the form, side by side (stacked on a phone)."""
    return rx.flex(
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Person"),
                        rx.table.column_header_cell("Role"),
                        rx.table.column_header_cell("Company admin"),
                        rx.table.column_header_cell("Sign-in"),
                    )
                ),
                rx.table.body(rx.foreach(PeopleState.people, _person)),
                width="100%",
                variant="surface",
                id="people-table",
            ),
            flex="1",
            min_width="0",
            width="100%",
        ),
        _add_form(),
        direction=rx.breakpoints(initial="column", md="row"),
        align="start",
        gap="20px",
        width="100%",
    )


def _separate_duties() -> rx.Component:
    return rx.el.label(
        rx.switch(
            checked=PeopleState.separate_duties,
            on_change=PeopleState.set_separate_duties,
            id="separate-duties",
        ),
        rx.text(
            "Separate duties: nobody accepts, rejects, retries, links or updates a project "
            "they sent to ERP themselves",
            size="2",
        ),
        display="flex",
        align_items="center",
        gap="8px",
    )


def _change(change: Change) -> rx.Component:
    return rx.el.li(
        rx.text(rx.cond(change.person != "", change.person + ": ", ""), change.what, size="2"),
        rx.text(change.at, " by ", change.by, size="1"),
        padding_y="4px",
        border_bottom="1px solid var(--gray-a5)",
    )


def _changes() -> rx.Component:
    """The latest changes to people and settings, newest first (a list: on a phone it wraps
    instead of scrolling sideways)."""
    return rx.vstack(
        rx.heading("Recent changes", size="4", as_="h2"),
        rx.text(f"The latest {CHANGES_SHOWN}, newest first.", size="1"),
        rx.el.ul(
            rx.foreach(PeopleState.changes, _change),
            id="people-changes",
            list_style="none",
            padding="0",
            margin="0",
            width="100%",
        ),
        width="100%",
        spacing="2",
    )


def _allowed() -> rx.Component:
    return rx.vstack(_people(), _separate_duties(), _changes(), width="100%", spacing="5")


def _not_allowed() -> rx.Component:
    return rx.callout(
        "You are not allowed to manage people. Ask a company admin to add, change or "
        "deactivate someone.",
        icon="lock",
        color_scheme="gray",
        id="people-not-allowed",
    )


def people_page() -> rx.Component:
    """Everyone, with their role and whether they can sign in (company admins only)."""
    return page_shell(
        rx.heading("People", size="7", margin_bottom="16px", as_="h1"),
        notice(PeopleState.notice, PeopleState.notice_ok, "people-notice"),
        rx.match(
            PeopleState.access,
            ("allowed", _allowed()),
            ("denied", _not_allowed()),
            rx.spinner(size="3", id="people-loading"),
        ),
        api_tokens_section(),
    )
