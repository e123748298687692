"""Reflex configuration; every setting can be overridden by a REFLEX_* variable."""

import os

import reflex as rx

config = rx.Config(
    app_name="erp_dashboard",
    telemetry_enabled=False,
    state_manager_mode="redis" if os.environ.get("REFLEX_REDIS_URL") else "memory",
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="orange", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
