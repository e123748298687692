"""Previous / "Page X of Y · N things" / Next, the same on every paged list."""

import reflex as rx


def pager(
    name: str,
    page: rx.Var,
    pages: rx.Var,
    total: rx.Var,
    noun: str,
    on_previous,
    on_next,
    *extra: rx.Component,
) -> rx.Component:
    """A `navigation` landmark named "<Name> pagination"; ids `<name>-previous`, `<name>-page`,
    `<name>-next`; `extra` (e.g. rows per page) goes at the end."""
    return rx.hstack(
        rx.button(
            "Previous",
            size="1",
            variant="soft",
            disabled=page <= 1,
            on_click=on_previous,
            id=f"{name}-previous",
        ),
        rx.text(
            "Page ",
            page,
            " of ",
            pages,
            " · ",
            total,
            f" {noun}",
            size="2",
            id=f"{name}-page",
            aria_live="polite",
        ),
        rx.button(
            "Next",
            size="1",
            variant="soft",
            disabled=page >= pages,
            on_click=on_next,
            id=f"{name}-next",
        ),
        *extra,
        align="center",
        width="100%",
        spacing="3",
        wrap="wrap",
        role="navigation",
        aria_label=f"{name.capitalize()} pagination",
    )
