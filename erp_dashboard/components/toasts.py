"""Outcomes that float over the page wherever it is scrolled (QuickBooks' answers, rejections)."""

import reflex as rx

from erp_dashboard.states.jobs import JobsState, Toast


def _toast(toast: Toast) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.cond(toast.ok, rx.icon("circle-check"), rx.icon("triangle-alert"))),
        rx.vstack(
            rx.hstack(
                rx.text(toast.title, weight="bold", size="2"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    on_click=JobsState.dismiss_toast(toast.id),
                    aria_label="Dismiss",
                ),
                width="100%",
                align="start",
            ),
            rx.cond(toast.detail != "", rx.text(toast.detail, size="2")),
            rx.cond(
                toast.href != "",
                rx.link("Open the list", href=toast.href, size="2", weight="medium"),
            ),
            spacing="1",
            width="100%",
        ),
        color_scheme=rx.cond(toast.ok, "green", "red"),
        variant="surface",
        role=rx.cond(toast.ok, "status", "alert"),
        class_name=rx.cond(toast.ok, "erp-toast erp-toast-ok", "erp-toast erp-toast-failed"),
        box_shadow="var(--shadow-4)",
        background_color="var(--color-panel-solid)",
        width="100%",
    )


def toast_region() -> rx.Component:
    """Bottom-right, fixed, announced politely (failures as alerts)."""
    return rx.vstack(
        rx.foreach(JobsState.toasts, _toast),
        class_name="erp-toasts",
        aria_live="polite",
        spacing="2",
        id="toasts",
    )
