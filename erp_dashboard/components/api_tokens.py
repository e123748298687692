"""The People page's "API tokens" section: create one (its secret shown once), revoke."""

import reflex as rx

from erp_dashboard.components.notice import notice
from erp_dashboard.states.api_tokens import ApiTokensState, TokenRow


def _new_token() -> rx.Component:
    """The secret just made, with the advice to copy it now."""
    return rx.cond(
        ApiTokensState.new_token != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.callout.text(
                    "Copy the token for “",
                    ApiTokensState.new_token_name,
                    "” now: it is shown only this once. Send it as ",
                    rx.code("Authorization: Bearer <token>", color_scheme="gray", variant="ghost"),
                    ".",
                ),
                rx.el.label("New API token", html_for="new-api-token", class_name="field-label"),
                rx.flex(
                    rx.input(
                        value=ApiTokensState.new_token,
                        read_only=True,
                        id="new-api-token",
                        font_family="monospace",
                        flex="1",
                        min_width="0",
                        on_focus=rx.call_script(
                            "document.getElementById('new-api-token').select()"
                        ),
                    ),
                    rx.button(
                        rx.icon("copy", size=14, aria_hidden="true"),
                        "Copy token",
                        on_click=rx.set_clipboard(ApiTokensState.new_token),
                        id="copy-api-token",
                    ),
                    rx.button(
                        "Done",
                        variant="soft",
                        on_click=ApiTokensState.forget_new_token,
                        id="forget-api-token",
                    ),
                    gap="2",
                    width="100%",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="gray",  # Radix's green callout text is 4.28:1, below AA
            variant="surface",
            role="status",
            id="new-token",
            margin_bottom="12px",
        ),
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label("Token name", html_for="api-token-name", class_name="field-label"),
                rx.input(
                    name="token_name",
                    id="api-token-name",
                    placeholder="e.g. Finance dashboard",
                    required=True,
                    max_length=60,
                    width="100%",
                ),
                spacing="1",
                flex="1",
                min_width="min(100%, 240px)",
            ),
            rx.button("Create token", type="submit", id="create-api-token"),
            align="end",
            gap="3",
            wrap="wrap",
            width="100%",
            max_width="560px",
        ),
        on_submit=ApiTokensState.create,
        reset_on_submit=True,
        margin_bottom="16px",
    )


def _token(token: TokenRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(token.name, weight="medium"),
            rx.text(token.hint, size="1", font_family="monospace", color_scheme="gray"),
        ),
        rx.table.cell(token.created),
        rx.table.cell(token.last_used),
        rx.table.cell(
            rx.cond(
                token.revoked != "",
                rx.text("Revoked ", token.revoked, size="2", color="var(--gray-11)"),
                rx.button(
                    "Revoke",
                    size="1",
                    color_scheme="red",
                    variant="outline",
                    aria_label="Revoke token " + token.name,
                    on_click=ApiTokensState.revoke(token.id),
                ),
            )
        ),
        data_token=token.name,
    )


def api_tokens_section() -> rx.Component:
    """Read-only tokens for other dashboards (company admins; nothing for anyone else)."""
    return rx.box(
        rx.cond(
            ApiTokensState.allowed,
            rx.el.section(
                rx.heading("API tokens", size="5", as_="h2", id="api-tokens-heading"),
                rx.text(
                    "A token lets another dashboard read the Jobs lists and the overview "
                    "through the read API (GET /api/v1/…); it can change nothing.",
                    size="2",
                    color="var(--gray-11)",
                    margin_bottom="12px",
                ),
                notice(ApiTokensState.notice, ApiTokensState.notice_ok, "api-token-notice"),
                _new_token(),
                _create_form(),
                rx.cond(
                    ApiTokensState.tokens.length() == 0,
                    rx.text(
                        "No API tokens yet.", size="2", color="var(--gray-11)", id="api-tokens-none"
                    ),
                ),
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Token"),
                                rx.table.column_header_cell("Created"),
                                rx.table.column_header_cell("Last used"),
                                rx.table.column_header_cell("Access"),
                            )
                        ),
                        rx.table.body(rx.foreach(ApiTokensState.tokens, _token)),
                        width="100%",
                        variant="surface",
                        id="api-tokens-table",
                    ),
                    overflow_x="auto",
                    width="100%",
                    display=rx.cond(ApiTokensState.tokens.length() == 0, "none", "block"),
                ),
                aria_labelledby="api-tokens-heading",
                margin_top="32px",
                width="100%",
            ),
        ),
        on_mount=ApiTokensState.load,
        width="100%",
    )
