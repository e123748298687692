"""Names for the values of the app's string columns: ERP states, Jobs-tab lists, the work
queue's and the Web Connector sessions' stages.

A StrEnum member equals its value, so the columns keep plain strings (no migration). They
live here, importing nothing from the app, because the models (defaults), the rollups and
the services all use them, and the services import one another. The rules about them (the
transitions, a state's list) live in `services.state_machine`.
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


class ErpState(StrEnum):
    """Where a project stands with QuickBooks (`Project.erp_state`)."""

    NOT_SENT = "not_sent"
    READY_TO_EXPORT = "ready_to_export"
    EXPORTING = "exporting"
    SYNCED = "synced"
    FAILED_TO_EXPORT = "failed_to_export"
    REJECTED = "rejected"
    READY_TO_UPDATE = "ready_to_update"
    UPDATING = "updating"

    @property
    def label(self) -> str:
        """The state as the Jobs tab names it."""
        return _LABELS[self]


_LABELS = {
    ErpState.NOT_SENT: "Not sent",
    ErpState.READY_TO_EXPORT: "Ready To Export",
    ErpState.EXPORTING: "Exporting…",
    ErpState.SYNCED: "Synced",
    ErpState.FAILED_TO_EXPORT: "Failed To Export",
    ErpState.REJECTED: "Rejected",
    ErpState.READY_TO_UPDATE: "Ready To Update",
    ErpState.UPDATING: "Updating…",
}


class JobList(StrEnum):
    """The six lists of the Jobs tab, in the order the filter menu shows them (`erp_list`)."""

    READY_TO_IMPORT = "ready_to_import"
    READY_TO_EXPORT = "ready_to_export"
    READY_TO_UPDATE = "ready_to_update"
    FAILED_TO_EXPORT = "failed_to_export"
    SYNCED = "synced"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The list's name in the filter menu."""
        return self.value.replace("_", " ").title()
