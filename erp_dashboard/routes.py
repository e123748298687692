"""The app's page addresses."""

LOGIN = "/login"
JOBS = "/jobs"
PROJECTS = "/projects"
OUTBOX = "/outbox"
PEOPLE = "/people"


def jobs_list(job_list: str) -> str:
    """The Jobs tab showing one list."""
    return f"{JOBS}?filter={job_list}"
