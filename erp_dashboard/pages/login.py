"""/login: email and password."""

import reflex as rx

from erp_dashboard.components.layout import hydration_marker
from erp_dashboard.states.session import SessionState


def _field(label: str, name: str, kind: str, autocomplete: str, **props) -> rx.Component:
    """A labelled input; the label is tied to it by id."""
    return rx.vstack(
        rx.el.label(label, html_for=name, font_size="var(--font-size-2)", font_weight="500"),
        rx.input(
            name=name,
            id=name,
            type=kind,
            required=True,
            width="100%",
            auto_complete=autocomplete,
            **props,
        ),
        spacing="1",
        width="100%",
    )


def _message(text: rx.Var, icon: str, color: str, id_: str, role: str) -> rx.Component:
    """A callout shown while `text` is set, in a live region announced as `role`."""
    return rx.box(
        rx.cond(text != "", rx.callout(text, icon=icon, color_scheme=color, id=id_)),
        role=role,
        width="100%",
    )


def login_page() -> rx.Component:
    """The sign-in form; the server says only that the pair was wrong."""
    return rx.el.main(
        hydration_marker(),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("ERP Integrations", size="6", as_="h1"),
                    rx.text("Sign in to review projects for QuickBooks.", color_scheme="gray"),
                    _message(SessionState.ended_note, "clock", "blue", "ended-note", "status"),
                    _field("Email", "email", "email", "username", auto_focus=True),
                    _field("Password", "password", "password", "current-password"),
                    _message(
                        SessionState.login_error, "triangle-alert", "red", "login-error", "alert"
                    ),
                    rx.button(
                        "Sign in",
                        type="submit",
                        width="100%",
                        loading=SessionState.signing_in,
                        id="sign-in",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=SessionState.sign_in,
                reset_on_submit=False,
            ),
            width="100%",
            max_width="380px",
            padding="24px",
        ),
        display="flex",
        align_items="center",
        justify_content="center",
        min_height="100vh",
        padding="16px",
        box_sizing="border-box",
    )
