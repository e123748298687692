"""Names for the values of the work queue's and the Web Connector sessions' string columns.

A StrEnum member equals its value, so the columns keep plain strings (no migration). They
live here, importing nothing, because the models (defaults) and the services both use
them, and the services that do (export_queue, wc_health, web_connector) import one another.
`ErpState` and `JobList` carry the state machine's rules and live with it.
"""

from enum import StrEnum


class WorkStatus(StrEnum):
    """Where a work item stands (`WorkItem.status`)."""

    QUEUED = "queued"  # waits to be sent (not before `not_before`, if set)
    SENT = "sent"  # with QuickBooks in session `ticket_hash`, not yet answered
    DONE = "done"  # QuickBooks made, found or updated the job
    FAILED = "failed"  # QuickBooks refused it, or it ran out of attempts


class WorkKind(StrEnum):
    """What a work item asks of QuickBooks (`WorkItem.kind`)."""

    ADD = "add"  # CustomerAddRq: create the project's job
    MOD = "mod"  # CustomerModRq: bring the job up to date


class QbwcStage(StrEnum):
    """Where a Web Connector session is (`QbwcSession.stage`)."""

    SYNC = "sync"  # reading QuickBooks' customers
    WORK = "work"  # sending look-ups, adds and updates
    DONE = "done"  # nothing more to send in this session
    IDLE = "idle"  # had nothing to do (authenticate answered "none")
