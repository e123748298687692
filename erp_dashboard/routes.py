"""The app's page addresses."""

LOGIN = "/login"
JOBS = "/jobs"
PROJECTS = "/projects"
OUTBOX = "/outbox"
PEOPLE = "/people"
