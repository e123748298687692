"""The app's page addresses."""

from urllib.parse import quote, urlencode

LOGIN = "/login"
OVERVIEW = "/overview"
JOBS = "/jobs"
PROJECTS = "/projects"
OUTBOX = "/outbox"
PEOPLE = "/people"
JOBS_CSV = "/jobs.csv"
OVERVIEW_CSV = "/overview.csv"
PAGES = (LOGIN, OVERVIEW, JOBS, PROJECTS, OUTBOX, PEOPLE)


def login(back: str = "", ended: str = "") -> str:
    """The sign-in page, with the page to return to and why the session ended (when given)."""
    params = {k: v for k, v in (("next", back), ("ended", ended)) if v}
    return f"{LOGIN}?{urlencode(params, quote_via=quote)}" if params else LOGIN


def projects_search(search: str) -> str:
    """The Projects page searched for `search` (a project's number, in emails)."""
    return f"{PROJECTS}?{urlencode({'search': search}, quote_via=quote)}"


def jobs_list(job_list: str) -> str:
    """The Jobs tab showing one list."""
    return f"{JOBS}?filter={job_list}"


def jobs_view(params: dict[str, str]) -> str:
    """The Jobs tab showing a view (its address parameters)."""
    return f"{JOBS}?{urlencode(params)}"


def overview_view(params: dict[str, str]) -> str:
    """The overview showing a period (its address parameters)."""
    return f"{OVERVIEW}?{urlencode(params)}" if params else OVERVIEW


def jobs_csv(params: dict[str, str]) -> str:
    """The CSV download of a Jobs view (its address parameters): every row, so no page."""
    return f"{JOBS_CSV}?{urlencode({k: v for k, v in params.items() if k not in ('page', 'size')})}"


def overview_csv(params: dict[str, str]) -> str:
    """The CSV download of the overview's daily table for a period."""
    return f"{OVERVIEW_CSV}?{urlencode(params)}" if params else OVERVIEW_CSV
