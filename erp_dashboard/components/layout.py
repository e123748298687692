"""The frame around every signed-in page."""

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.qbwc.download import PATH as QWC_PATH
from erp_dashboard.states.session import SessionState


def hydration_marker() -> rx.Component:
    """A hidden field filled once the websocket is up (tests wait for it)."""
    return rx.el.input(
        type="hidden", id="client-token", value=SessionState.router.session.client_token
    )


def navbar() -> rx.Component:
    """Product name, tabs, the signed-in user and Log out."""
    return rx.hstack(
        rx.hstack(
            rx.icon("building-2", size=22),
            rx.heading("ERP Integrations", size="5"),
            rx.link("Jobs", href=f"{routes.JOBS}?filter=ready_to_export", weight="medium"),
            rx.link("Projects", href=routes.PROJECTS, weight="medium", id="nav-projects"),
            rx.link("Outbox", href=routes.OUTBOX, weight="medium", id="nav-outbox"),
            rx.cond(
                SessionState.is_company_admin,
                rx.link("People", href=routes.PEOPLE, weight="medium", id="nav-people"),
            ),
            spacing="4",
            align="center",
        ),
        rx.spacer(),
        rx.cond(
            SessionState.user_name != "",
            rx.hstack(
                rx.text(SessionState.user_name, weight="medium", id="user-name"),
                rx.badge(SessionState.role_label, id="user-role"),
                rx.cond(
                    SessionState.can_approve,
                    rx.button(
                        rx.icon("download", size=14),
                        "Web Connector file",
                        variant="ghost",
                        on_click=rx.download(url=QWC_PATH, filename="erp-integrations.qwc"),
                        id="qwc-download",
                    ),
                ),
                rx.button("Log out", variant="soft", on_click=SessionState.sign_out, id="logout"),
                align="center",
                spacing="3",
            ),
        ),
        padding="12px 24px",
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
        align="center",
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """A signed-in page: navbar above the content."""
    return rx.box(
        hydration_marker(),
        navbar(),
        rx.box(*children, padding="20px 24px", max_width="1500px", margin="0 auto"),
        width="100%",
    )
