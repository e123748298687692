"""Errors a service raises; each carries a message fit to show the user."""


class ServiceError(Exception):
    """A refused request; `str(err)` is the message for the user."""


class NotSignedIn(ServiceError):
    """No valid session: the user must sign in again. `reason` names why a session ended
    ("idle", "ended"; "" when there was none), for the sign-in page to say."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class PermissionDenied(ServiceError):
    """The signed-in user's role does not allow the action."""


class NotFound(ServiceError):
    """The named object does not exist."""


class InvalidInput(ServiceError):
    """The request's data is not acceptable; nothing was changed."""


class InvalidTransition(ServiceError):
    """The project's current state does not allow the action."""


class ConcurrentChange(ServiceError):
    """Someone else changed the project first."""
