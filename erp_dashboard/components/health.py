"""The Web Connector's health on the Jobs tab: last connection, last session, overdue warning."""

import reflex as rx

from erp_dashboard.states.jobs import JobsState

_health = JobsState.health
_well = _health.ok & (_health.warning == "")


def _last_connected() -> rx.Component:
    return rx.cond(
        _health.connected_at != "",
        rx.text(
            "Web Connector last connected ",
            rx.moment(_health.connected_at, from_now=True, interval=30_000),
            size="2",
        ),
        rx.text("The Web Connector has not connected yet.", size="2"),
    )


def health_panel() -> rx.Component:
    """One line while all is well; a warning callout when exports wait on a silent connector."""
    return rx.vstack(
        rx.hstack(
            rx.hstack(
                rx.cond(  # two static icons: a computed name would load lucide's DynamicIcon
                    _well,
                    rx.icon(
                        "plug-zap",
                        size=16,
                        color="var(--green-11)",
                        aria_hidden="true",
                        flex_shrink="0",
                    ),
                    rx.icon(
                        "unplug",
                        size=16,
                        color="var(--red-11)",
                        aria_hidden="true",
                        flex_shrink="0",
                    ),
                ),
                _last_connected(),
                align="center",
                spacing="2",
            ),
            rx.cond(
                _health.summary != "",
                rx.text(
                    "· Last session: ",
                    _health.summary,
                    size="2",
                    color=rx.cond(_health.ok, "var(--gray-11)", "var(--red-11)"),
                    id="health-summary",
                ),
            ),
            rx.cond(
                _health.company != "",
                rx.text(
                    "· ", _health.company, size="2", color="var(--gray-11)", id="health-company"
                ),
            ),
            rx.cond(
                _health.waiting > 0,
                rx.badge(
                    _health.waiting.to_string() + " waiting for QuickBooks",
                    color_scheme="blue",
                    variant="soft",
                ),
            ),
            rx.cond(
                _health.busy > 0,
                rx.badge(
                    "QuickBooks busy: " + _health.busy.to_string() + " retrying",
                    color_scheme="amber",
                    variant="soft",
                ),
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(
            _health.warning != "",
            rx.callout(
                _health.warning,
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                id="health-warning",
                width="100%",
            ),
        ),
        id="wc-health",
        width="100%",
        spacing="2",
    )
