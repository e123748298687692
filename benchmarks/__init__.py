"""Benchmarks of the Jobs tab at scale (`python -m benchmarks.jobs_tab`)."""
