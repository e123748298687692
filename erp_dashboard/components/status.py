"""One look for every ERP state, on Jobs and Projects alike: colour, icon and the words.

Blue waits, green is synced, amber is retrieved or rejected, red failed (the convention of
the product this replaces); the label is always shown, so colour is never the only signal.
"""

import reflex as rx

# state value -> (Radix colour, lucide icon)
STYLES: dict[str, tuple[str, str]] = {
    "not_sent": ("gray", "circle-dashed"),
    "ready_to_export": ("blue", "clock"),
    "exporting": ("blue", "loader"),
    "ready_to_update": ("blue", "file-pen-line"),
    "updating": ("blue", "loader"),
    "synced": ("green", "circle-check"),
    "rejected": ("amber", "undo-2"),
    "failed_to_export": ("red", "circle-x"),
    "ready_to_import": ("blue", "download"),
    "archived": ("gray", "archive"),
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
