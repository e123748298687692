"""/outbox: every email the product wrote, with its delivery state, a page at a time."""

import reflex as rx

from erp_dashboard.components.layout import page_shell
from erp_dashboard.components.notice import notice
from erp_dashboard.components.pager import pager
from erp_dashboard.states.outbox import OutboxState


def _subject(email: rx.Var) -> rx.Component:
    """The subject, opening to the body."""
    return rx.el.details(
        rx.el.summary(email["subject"], cursor="pointer"),
        rx.text(email["body"], size="2", white_space="pre-wrap"),
    )


def _delivery(email: rx.Var) -> rx.Component:
    return rx.badge(
        email["delivery"],
        variant="soft",
        white_space="normal",
        color_scheme=rx.match(email["status"], ("sent", "green"), ("failed", "red"), "gray"),
    )


def _tries(email: rx.Var) -> rx.Component:
    """ "—", "1 try", "3 tries", the last error when there is one, and for a company admin
    a way to send a failed email again."""
    return rx.box(
        rx.text(email["tries"], size="2"),
        rx.cond(
            email["last_error"] != "",
            rx.text("Last error: ", email["last_error"], size="1", color_scheme="red"),
        ),
        rx.cond(
            OutboxState.can_requeue & (email["status"] == "failed"),
            rx.button(
                "Send again",
                size="1",
                variant="soft",
                margin_top="4px",
                on_click=OutboxState.requeue(email["id"]),
                aria_label="Send again: " + email["subject"],
            ),
        ),
    )


def _row(email: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(email["written"], size="2", white_space="nowrap")),
        rx.table.cell(rx.text(email["to"], size="2")),
        rx.table.cell(_subject(email), min_width="220px"),
        rx.table.cell(_delivery(email)),
        rx.table.cell(_tries(email)),
        data_subject=email["subject"],
    )


def _card(email: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            _subject(email),
            rx.text("To ", email["to"], size="2", word_break="break-word"),
            rx.text("Written ", email["written"], size="1", color_scheme="gray"),
            rx.hstack(_delivery(email), _tries(email), align="center", wrap="wrap"),
            spacing="2",
        ),
        width="100%",
        data_subject=email["subject"],
    )


def _emails() -> rx.Component:
    """A table on wider screens, a list of cards on a phone."""
    return rx.fragment(
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Written", "To", "Subject", "Delivery", "Attempts")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(OutboxState.emails, _row)),
                width="100%",
                variant="surface",
                id="outbox-table",
            ),
            display=rx.breakpoints(initial="none", md="block"),
        ),
        rx.vstack(
            rx.foreach(OutboxState.emails, _card),
            display=rx.breakpoints(initial="flex", md="none"),
            spacing="3",
            id="outbox-cards",
        ),
    )


def outbox_page() -> rx.Component:
    """Newest first. Without a mail server emails are not sent, only shown here."""
    return page_shell(
        rx.flex(
            rx.heading("Outbox", size="7", as_="h1"),
            rx.spacer(),
            rx.cond(
                OutboxState.is_approver,
                rx.el.label(
                    rx.switch(
                        checked=OutboxState.wants_summary,
                        on_change=OutboxState.set_summary,
                        id="daily-summary",
                    ),
                    rx.text("Email me the ERP Integrations Daily Summary", size="2"),
                    display="flex",
                    align_items="center",
                    gap="8px",
                ),
            ),
            align="center",
            wrap="wrap",
            gap="12px",
            width="100%",
            margin_bottom="16px",
        ),
        notice(OutboxState.notice, OutboxState.notice_ok, "outbox-notice"),
        _emails(),
        pager(
            "outbox",
            OutboxState.page,
            OutboxState.pages,
            OutboxState.total,
            "emails",
            OutboxState.previous_page,
            OutboxState.next_page,
        ),
    )
