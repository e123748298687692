"""The app's page addresses."""

from urllib.parse import urlencode

LOGIN = "/login"
JOBS = "/jobs"
PROJECTS = "/projects"
OUTBOX = "/outbox"
PEOPLE = "/people"
JOBS_CSV = "/jobs.csv"


def jobs_list(job_list: str) -> str:
    """The Jobs tab showing one list."""
    return f"{JOBS}?filter={job_list}"


def jobs_view(params: dict[str, str]) -> str:
    """The Jobs tab showing a view (its address parameters)."""
    return f"{JOBS}?{urlencode(params)}"


def jobs_csv(params: dict[str, str]) -> str:
    """The CSV download of a Jobs view (its address parameters): every row, so no page."""
    return f"{JOBS_CSV}?{urlencode({k: v for k, v in params.items() if k not in ('page', 'size')})}"
