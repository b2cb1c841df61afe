import pytest
from django.db.backends.base.base import BaseDatabaseWrapper


@pytest.fixture
def scratch_aliases(monkeypatch, django_db_blocker):
    """Let the backup code open its temporary database aliases ("itplus_…") in a test.

    Django's test case refuses connections to aliases it was not told about, and these
    are created with a random name while the test runs. Request it after the database
    fixture (or mark), so it wraps the test case's guard.
    """
    guarded = BaseDatabaseWrapper.ensure_connection
    real = django_db_blocker._real_ensure_connection

    def ensure_connection(self, *args, **kwargs):
        if self.alias.startswith("itplus_"):
            return real(self, *args, **kwargs)
        return guarded(self, *args, **kwargs)

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", ensure_connection)
