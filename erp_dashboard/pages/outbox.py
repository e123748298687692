"""/outbox: every email the product wrote, with its delivery state."""

import reflex as rx

from erp_dashboard.components.layout import page_shell
from erp_dashboard.states.outbox import OutboxState


def _email(email: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(email["created_at"], size="2")),
        rx.table.cell(rx.text(email["recipients"], size="2")),
        rx.table.cell(
            rx.el.details(
                rx.el.summary(email["subject"]),
                rx.text(email["body"], size="2", white_space="pre-wrap"),
            )
        ),
        rx.table.cell(rx.badge(email["status"], variant="soft")),
        rx.table.cell(rx.text(email["attempts"], " · ", email["last_error"], size="1")),
        data_subject=email["subject"],
    )


def outbox_page() -> rx.Component:
    """Newest first; "kept" means no SMTP server is configured, so it is only shown here."""
    return page_shell(
        rx.hstack(
            rx.heading("Outbox", size="7"),
            rx.spacer(),
            rx.cond(
                OutboxState.is_approver,
                rx.hstack(
                    rx.switch(
                        checked=OutboxState.wants_summary,
                        on_change=OutboxState.set_summary,
                        id="daily-summary",
                    ),
                    rx.text("Email me the ERP Integrations Daily Summary", size="2"),
                    align="center",
                ),
            ),
            width="100%",
            margin_bottom="16px",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Written", "To", "Subject", "Delivery", "Attempts")
                    ]
                )
            ),
            rx.table.body(rx.foreach(OutboxState.emails, _email)),
            width="100%",
            variant="surface",
            id="outbox-table",
        ),
    )
