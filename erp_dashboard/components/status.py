"""One look for every ERP state, on Jobs and Projects alike: colour, icon and the words.

Blue waits, green is synced, amber is retrieved or rejected, red failed (the convention of
the product this replaces); the label is always shown, so colour is never the only signal.
"""

import reflex as rx

from erp_dashboard.names import ErpState, JobList

# state value (or a QuickBooks job's list) -> (Radix colour, lucide icon)
STYLES: dict[str, tuple[str, str]] = {
    ErpState.NOT_SENT.value: ("gray", "circle-dashed"),
    ErpState.READY_TO_EXPORT.value: ("blue", "clock"),
    ErpState.EXPORTING.value: ("blue", "loader"),
    ErpState.READY_TO_UPDATE.value: ("blue", "file-pen-line"),
    ErpState.UPDATING.value: ("blue", "loader"),
    ErpState.SYNCED.value: ("green", "circle-check"),
    ErpState.REJECTED.value: ("amber", "undo-2"),
    ErpState.FAILED_TO_EXPORT.value: ("red", "circle-x"),
    JobList.READY_TO_IMPORT.value: ("blue", "download"),
    JobList.ARCHIVED.value: ("gray", "archive"),
}
_ITEMS = list(STYLES.items())


def status_badge(state: rx.Var, label: rx.Var, **props) -> rx.Component:
    """The state's badge: icon and label in the state's colour."""
    return rx.badge(
        rx.match(
            state,
            *[(value, rx.icon(icon, size=12, aria_hidden="true")) for value, (_, icon) in _ITEMS],
            rx.icon("circle", size=12, aria_hidden="true"),
        ),
        label,
        color_scheme=rx.match(state, *[(value, colour) for value, (colour, _) in _ITEMS], "gray"),
        variant="soft",
        high_contrast=True,
        class_name="erp-status",
        **props,
    )
