"""Cash tests share the till's page fixture (a fresh browser context on the live server)."""

from tests.store.till.test_till_browser import page  # noqa: F401
