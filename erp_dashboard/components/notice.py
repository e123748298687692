"""The one-line outcome of the user's last action."""

import reflex as rx


def notice(text: rx.Var, ok: rx.Var, element_id: str) -> rx.Component:
    """A green or red callout, shown while `text` is not empty."""
    return rx.cond(
        text != "",
        rx.callout(
            text,
            icon=rx.cond(ok, "circle-check", "triangle-alert"),
            color_scheme=rx.cond(ok, "green", "red"),
            role="status",
            id=element_id,
            margin_bottom="12px",
        ),
    )
