"""The app's page addresses."""

from urllib.parse import urlencode

LOGIN = "/login"
OVERVIEW = "/overview"
JOBS = "/jobs"
PROJECTS = "/projects"
OUTBOX = "/outbox"
PEOPLE = "/people"


def jobs_list(job_list: str) -> str:
    """The Jobs tab showing one list."""
    return f"{JOBS}?filter={job_list}"


def jobs_view(params: dict[str, str]) -> str:
    """The Jobs tab showing a view (its address parameters)."""
    return f"{JOBS}?{urlencode(params)}"


def overview_view(params: dict[str, str]) -> str:
    """The overview showing a period (its address parameters)."""
    return f"{OVERVIEW}?{urlencode(params)}" if params else OVERVIEW
