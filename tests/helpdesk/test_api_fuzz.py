"""The help desk's public API fuzzed from its OpenAPI document on a live server: no 5xx."""

from __future__ import annotations

import pytest

from tests.fuzz import fuzz_api


@pytest.fixture
def site(transactional_db, terms, catalogue):
    return None


def test_no_generated_request_is_a_server_error(live_server, site, capsys):
    report = fuzz_api(live_server.url, openapi_path="/api/openapi.json", headers={}, cookies={})

    with capsys.disabled():
        print(f"\n{report.summary('help desk')}")
    assert report.requests >= 1
    assert not report.server_errors, "\n".join(report.server_errors[:20])
