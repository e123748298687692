"""/login: email and password."""

import reflex as rx

from erp_dashboard.components.layout import hydration_marker
from erp_dashboard.states.session import SessionState


def login_page() -> rx.Component:
    """The sign-in form; the server says only that the pair was wrong."""
    return rx.center(
        hydration_marker(),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("ERP Integrations", size="6"),
                    rx.text("Sign in to review projects for QuickBooks.", color_scheme="gray"),
                    rx.text("Email", as_="label", html_for="email", size="2", weight="medium"),
                    rx.input(
                        name="email",
                        id="email",
                        type="email",
                        required=True,
                        width="100%",
                        auto_complete="username",
                    ),
                    rx.text(
                        "Password", as_="label", html_for="password", size="2", weight="medium"
                    ),
                    rx.input(
                        name="password",
                        id="password",
                        type="password",
                        required=True,
                        width="100%",
                        auto_complete="current-password",
                    ),
                    rx.cond(
                        SessionState.login_error != "",
                        rx.callout(
                            SessionState.login_error,
                            color_scheme="red",
                            role="alert",
                            id="login-error",
                        ),
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
            width="380px",
            padding="24px",
        ),
        height="100vh",
    )
