"""The Reflex app: pages, the Web Connector's SOAP endpoint, the simulated Web Connector.

The simulator (and the demo data in it) is imported only when asked for, so a production
start never loads the fake QuickBooks.
"""

import logging

import reflex as rx

from erp_dashboard import config, routes
from erp_dashboard.api.app import api_app
from erp_dashboard.change_feed import run_change_feed
from erp_dashboard.page_delivery import page_delivery
from erp_dashboard.pages.jobs import jobs_page
from erp_dashboard.pages.login import login_page
from erp_dashboard.pages.outbox import outbox_page
from erp_dashboard.pages.overview import overview_page
from erp_dashboard.pages.people import people_page
from erp_dashboard.pages.projects import projects_page
from erp_dashboard.qbwc.download import download_app
from erp_dashboard.qbwc.soap import soap_app
from erp_dashboard.security_headers import security_headers
from erp_dashboard.services import throttle
from erp_dashboard.services.daily_summary import summary_loop
from erp_dashboard.services.mail_delivery import delivery_loop
from erp_dashboard.services.purge import purge_loop
from erp_dashboard.services.web_connector import WebConnector
from erp_dashboard.startup import prepare_database
from erp_dashboard.states.jobs import JobsState
from erp_dashboard.states.outbox import OutboxState
from erp_dashboard.states.overview import OverviewState
from erp_dashboard.states.people import PeopleState
from erp_dashboard.states.projects import ProjectsState
from erp_dashboard.states.session import SessionState

settings = config.load()
if settings.demo_data:
    from erp_dashboard.simulator import demo_seed

    prepare_database(seed=demo_seed.seed)
else:
    prepare_database()

app = rx.App(
    api_transformer=[
        soap_app(WebConnector(), sign_in_guard=throttle.web_connector_sign_in),
        download_app(),
        api_app(),
        page_delivery(routes.PAGES),
        security_headers,  # last: wraps everything above, and the pages
    ],
    stylesheets=["/toasts.css", "/theme.css", "/jobs.css"],
    head_components=[rx.script(src="/keys.js")],
)
app.add_page(
    login_page,
    route=routes.LOGIN,
    title="Sign in · ERP Integrations",
    on_load=SessionState.redirect_if_signed_in,
)
SIGNED_IN_PAGES = (  # every page but /login needs a session
    (overview_page, routes.OVERVIEW, "Overview", OverviewState.open_page),
    (jobs_page, routes.JOBS, "Jobs", JobsState.open_page),
    (projects_page, routes.PROJECTS, "Projects", ProjectsState.open_page),
    (outbox_page, routes.OUTBOX, "Outbox", OutboxState.open_page),
    (people_page, routes.PEOPLE, "People", PeopleState.open_page),
)
for page, route, title, load in SIGNED_IN_PAGES:
    app.add_page(
        page,
        route=route,
        title=f"{title} · ERP Integrations",
        on_load=[SessionState.require_session, load],
    )
app.add_page(rx.fragment, route="/", on_load=SessionState.go_home)
app.register_lifespan_task(run_change_feed)
if settings.qbd_mode == "simulator":
    from erp_dashboard.simulator.background import simulated_web_connector

    app.register_lifespan_task(simulated_web_connector)
else:
    logging.getLogger(__name__).info(
        "QBD_MODE=%s: a real QuickBooks Web Connector calls /qbwc", settings.qbd_mode
    )
app.register_lifespan_task(delivery_loop)
app.register_lifespan_task(summary_loop)
app.register_lifespan_task(purge_loop)
