"""The app's page addresses."""

LOGIN = "/login"
JOBS = "/jobs"
