"""The one-line outcome of the user's last action."""

import reflex as rx


def notice(text: rx.Var, ok: rx.Var, element_id: str) -> rx.Component:
    """A green or red callout, shown while `text` is not empty. Its two icons are static:
    a computed icon name would put lucide's DynamicIcon in the page's scripts."""
    return rx.cond(
        text != "",
        rx.callout.root(
            rx.callout.icon(rx.cond(ok, rx.icon("circle-check"), rx.icon("triangle-alert"))),
            rx.callout.text(text),
            color_scheme=rx.cond(ok, "green", "red"),
            role="status",
            id=element_id,
            margin_bottom="12px",
        ),
    )
