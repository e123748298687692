"""The Project Admin's form: labelled fields with live counters and the reasons a save or
a send was refused, each next to its field."""

import reflex as rx

from erp_dashboard.services.projects import TEXT_LIMITS
from erp_dashboard.states.projects import ProjectsState

ERROR_COLOUR = "var(--red-11)"


def _counter(name: str) -> rx.Component:
    """ "12 / 41", red with how many too many once over the limit."""
    limit = TEXT_LIMITS[name]
    typed = ProjectsState.lengths[name]
    return rx.text(
        typed,
        f" / {limit}",
        rx.cond(typed > limit, rx.text.span(" (", typed - limit, " too many)")),
        id=f"{name}-count",
        size="1",
        color=rx.cond(typed > limit, ERROR_COLOUR, "var(--gray-11)"),
        weight=rx.cond(typed > limit, "bold", "regular"),
        white_space="nowrap",
    )


def _field(label: str, name: str, *, locked: rx.Var | bool = False, **props) -> rx.Component:
    """A labelled input (label `for` = input id), disabled while `locked`; its counter and
    error describe it."""
    limited = name in TEXT_LIMITS
    described = f"{name}-count {name}-error" if limited else f"{name}-error"
    return rx.vstack(
        rx.hstack(
            rx.el.label(label, html_for=name, style={"fontSize": "14px", "fontWeight": 500}),
            rx.spacer(),
            _counter(name) if limited else rx.fragment(),
            width="100%",
            align="baseline",
        ),
        rx.input(
            name=name,
            id=name,
            default_value=ProjectsState.editing[name],
            disabled=locked,
            aria_invalid=rx.cond(ProjectsState.field_errors.contains(name), "true", "false"),
            aria_describedby=described,
            on_change=(lambda text: ProjectsState.typed(name, text.length())) if limited else None,
            width="100%",
            **props,
        ),
        rx.text(
            rx.cond(
                ProjectsState.field_errors.contains(name), ProjectsState.field_errors[name], ""
            ),
            id=f"{name}-error",
            class_name="field-error",
            size="1",
            color=ERROR_COLOUR,
        ),
        spacing="1",
        width="100%",
        min_width="0",
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


def _columns(*fields: rx.Component) -> rx.Component:
    """Side by side where there is room, one column on a phone."""
    return rx.grid(
        *fields, columns=rx.breakpoints(initial="1", xs=str(len(fields))), spacing="3", width="100%"
    )


def project_form() -> rx.Component:
    """The form for a new or an edited project; its first field takes the focus."""
    locked, in_flight = ProjectsState.editing_locked, ProjectsState.editing_in_flight
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(ProjectsState.editing_id == 0, "New project", "Edit project"),
                    size="4",
                    as_="h2",
                ),
                rx.cond(
                    locked,
                    rx.callout(
                        rx.cond(
                            in_flight,
                            "Being sent to QuickBooks: the name, address, dates and "
                            "description are locked until QuickBooks answers.",
                            "Waiting in ERP: the name and address are locked until an approver "
                            "decides, or you retrieve the project.",
                        ),
                        icon="lock",
                        size="1",
                        id="form-locked",
                    ),
                ),
                _field(
                    "Name",
                    "name",
                    locked=locked,
                    aria_required="true",
                    auto_focus=rx.cond(locked, False, True),
                ),
                _field("Number", "number", aria_required="true", auto_focus=locked),
                _field("Street", "street", locked=locked),
                _field("City", "city", locked=locked),
                _columns(
                    _field("State", "state", locked=locked),
                    _field("ZIP", "postal_code", locked=locked),
                ),
                _columns(
                    _field("Start", "start_date", locked=in_flight, type="date"),
                    _field("Projected end", "projected_end_date", locked=in_flight, type="date"),
                ),
                _field("Description", "description", locked=in_flight),
                _field(
                    "Notify only these Accounting Approvers (emails; empty: all)",
                    "approvers",
                    placeholder="ann@company.com, bob@company.com",
                ),
                rx.flex(
                    _checkbox("Active", "is_active"),
                    _checkbox("ERP-sync this project", "erp_sync"),
                    spacing="4",
                    wrap="wrap",
                ),
                rx.cond(
                    ProjectsState.form_error != "",
                    rx.callout(
                        ProjectsState.form_error,
                        icon="triangle-alert",
                        color_scheme="red",
                        role="alert",
                        id="form-error",
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
            id="project-form",
            custom_attrs={"data-editing": ProjectsState.editing_id},
            aria_label=rx.cond(ProjectsState.editing_id == 0, "New project", "Edit project"),
        ),
        width=rx.breakpoints(initial="100%", md="400px"),
        flex_shrink="0",
    )
