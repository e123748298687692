"""Reflex configuration; every setting but db_url can be overridden by a REFLEX_* variable."""

import os

import reflex as rx

from erp_dashboard.config import public_origin

origin = public_origin()
config = rx.Config(
    app_name="erp_dashboard",
    telemetry_enabled=False,
    state_manager_mode="redis" if os.environ.get("REFLEX_REDIS_URL") else "memory",
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="orange", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # CORS answers and the websocket (socket.io refuses a handshake from another Origin) for
    # the public address only; any origin while ERP_PUBLIC_URL is unset (make run, tests).
    cors_allowed_origins=(origin,) if origin else ("*",),
)
# The app owns its database: erp_dashboard.config reads REFLEX_DB_URL, erp_dashboard.db makes the
# engines, Alembic (alembic/, `upgrade head` on start) migrates it; nothing uses rx.Model or
# rx.session. Left to itself Reflex takes REFLEX_DB_URL too, and every `reflex run` then diffs
# the models against the database with its own Alembic settings, without our env.py's filter
# for the SQLite full-text tables (project_search*), and prints "Detected database schema
# changes. Run reflex db makemigrations" on every start although the schema is at head.
config.db_url = None
