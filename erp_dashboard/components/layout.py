"""The frame around every signed-in page."""

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.names import JobList
from erp_dashboard.qbwc.download import PATH as QWC_PATH
from erp_dashboard.states.session import SessionState

CONTENT_ID = "content"
PAGES = (  # (label, route, link, element id); People only for company admins
    ("Overview", routes.OVERVIEW, routes.OVERVIEW, "nav-overview"),
    ("Jobs", routes.JOBS, routes.jobs_list(JobList.READY_TO_EXPORT.value), "nav-jobs"),
    ("Projects", routes.PROJECTS, routes.PROJECTS, "nav-projects"),
    ("Outbox", routes.OUTBOX, routes.OUTBOX, "nav-outbox"),
    ("People", routes.PEOPLE, routes.PEOPLE, "nav-people"),
)


def hydration_marker() -> rx.Component:
    """A hidden field filled once the websocket is up (tests wait for it)."""
    return rx.el.input(
        type="hidden", id="client-token", value=SessionState.router.session.client_token
    )


def skip_link() -> rx.Component:
    """First in the tab order; off screen until it has the focus; moves the focus to the
    content (without a #fragment, which the router would treat as a navigation)."""
    return rx.el.a(
        "Skip to content",
        href=f"#{CONTENT_ID}",
        id="skip-link",
        position="absolute",
        left="-10000px",
        top="8px",
        z_index="1000",
        padding="8px 12px",
        border_radius="var(--radius-2)",
        background="var(--accent-9)",
        color="var(--accent-contrast)",
        _focus={"left": "8px"},
        on_click=rx.set_focus(CONTENT_ID).prevent_default,
    )


def _nav_link(label: str, route: str, href: str, element_id: str) -> rx.Component:
    current = SessionState.router.url.path.startswith(route)
    return rx.link(
        label,
        href=href,
        weight=rx.cond(current, "bold", "medium"),
        underline=rx.cond(current, "always", "auto"),
        aria_current=rx.cond(current, "page", "false"),
        id=element_id,
    )


def navbar() -> rx.Component:
    """Product name, the pages, the signed-in user and Log out; wraps on a phone."""
    links = [_nav_link(*page) for page in PAGES[:-1]]
    people = _nav_link(*PAGES[-1])
    return rx.el.header(
        rx.flex(
            rx.hstack(
                rx.icon("building-2", size=22, aria_hidden="true"),
                rx.heading("ERP Integrations", size="5", as_="p"),
                align="center",
                spacing="2",
            ),
            rx.el.nav(
                rx.flex(
                    *links,
                    rx.cond(SessionState.is_company_admin, people),
                    spacing="4",
                    align="center",
                    wrap="wrap",
                ),
                aria_label="Pages",
            ),
            rx.spacer(),
            rx.cond(
                SessionState.user_name != "",
                rx.flex(
                    rx.text(SessionState.user_name, weight="medium", id="user-name"),
                    rx.badge(SessionState.role_label, id="user-role"),
                    rx.cond(
                        SessionState.can_approve,
                        rx.button(
                            rx.icon("download", size=14, aria_hidden="true"),
                            "Web Connector file",
                            variant="ghost",
                            on_click=rx.download(url=QWC_PATH, filename="erp-integrations.qwc"),
                            id="qwc-download",
                        ),
                    ),
                    rx.button(
                        "Log out", variant="soft", on_click=SessionState.sign_out, id="logout"
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
            ),
            align="center",
            wrap="wrap",
            gap=rx.breakpoints(initial="8px 16px", sm="12px 24px"),
            width="100%",
        ),
        padding=rx.breakpoints(initial="10px 12px", sm="12px 24px"),
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
    )


def _loading() -> rx.Component:
    """What a page shows until the server has checked the session."""
    return rx.center(
        rx.spinner(size="3"),
        rx.text("Loading…", color_scheme="gray"),
        role="status",
        id="page-loading",
        gap="12px",
        padding="64px 0",
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """A signed-in page: skip link, navbar, then the content in the `main` landmark
    (a neutral loading state until the session is known, never an empty page)."""
    return rx.box(
        skip_link(),
        hydration_marker(),
        navbar(),
        rx.el.main(
            rx.cond(SessionState.signed_in, rx.fragment(*children), _loading()),
            id=CONTENT_ID,
            tab_index=-1,
            padding=rx.breakpoints(initial="16px 12px", sm="20px 24px"),
            max_width="1500px",
            margin="0 auto",
            outline="none",
        ),
        width="100%",
    )
