"""A "Download CSV" link, the same wherever a view can be downloaded."""

import reflex as rx


def csv_link(href: rx.Var, element_id: str) -> rx.Component:
    """A real link the browser follows itself (`reload_document`: React Router leaves it
    alone) and saves as a file."""
    return rx.el.a(
        rx.icon("file-down", size=16, aria_hidden="true"),
        "Download CSV",
        href=href,
        download="",
        reload_document=True,
        id=element_id,
        class_name="download-csv",
    )
