"""Cash tests: the automatic backup after a close is recorded, not run (one backup per
test would copy the test database in a background thread while the test goes on)."""

import pytest

# The till's page fixture (a fresh browser context on the live server).
from tests.store.till.test_till_browser import page  # noqa: F401


@pytest.fixture(autouse=True)
def backups_after_close(monkeypatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(
        "itplus.store.cash.services.backup_after_session_close",
        lambda: calls.append("respaldo"),
    )
    return calls
