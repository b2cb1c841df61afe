"""Shared by both sites' suites: no store or help desk imports here."""

import os
import tempfile

import pytest
from django.db import connection

# The suite's `itplus` subprocesses record no store in the developer's own configuration
# folder (config.home), however they are started.
os.environ["XDG_CONFIG_HOME"] = os.environ["APPDATA"] = tempfile.mkdtemp(prefix="itplus-cfg-")

# The Chromium `browser` fixture, for both sites' Playwright tests.
pytest_plugins = ["tests.browser"]


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only need real row locks under concurrency; on SQLite they
    are skipped with a reason that shows in the summary (`make test` runs PostgreSQL too)."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of make test)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
