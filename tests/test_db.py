"""Database plumbing shared by the services and the start-up."""

from erp_dashboard.db import advisory_lock


def test_advisory_lock_admits_one_holder_at_a_time(db):
    with advisory_lock(42) as first:
        assert first
        with advisory_lock(42, wait=False) as second:  # another worker's try, meanwhile
            assert second == (not db.startswith("postgresql"))
    with advisory_lock(42, wait=False) as again:
        assert again
