"""Fuzzing a site's JSON API from its own OpenAPI document, against a live server.

Schemathesis generates requests for every operation, valid ones (positive) and ones that
break the schema (negative: wrong types, missing fields, odd strings); each is sent over
HTTP to the live server and the answer must not be a 5xx. Bounded: a few examples per
operation and mode, so one site's run takes seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

EXAMPLES_PER_OPERATION = 15


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    by_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)

    def summary(self, site: str) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items()))
        return f"fuzz {site}: {self.requests} requests, {len(self.server_errors)} 5xx ({statuses})"


def fuzz_api(
    base_url: str, *, openapi_path: str, headers: dict[str, str], cookies: dict[str, str]
) -> FuzzReport:
    """Send generated requests to every operation of the API at ``base_url``."""
    schema = schemathesis.openapi.from_url(base_url + openapi_path, headers=headers)
    report = FuzzReport()
    session = requests.Session()
    session.cookies.update(cookies)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operation"

    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(operation, mode, base_url, session, headers, report)
    finally:
        # Keep-alive would hold the server thread, and its database connection, open.
        session.close()
    return report


def _fuzz_operation(operation, mode, base_url, session, headers, report) -> None:

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,  # no .hypothesis folder; each run explores afresh
        suppress_health_check=list(HealthCheck),
    )
    def one_request(case):
        response = case.call(base_url=base_url, session=session, headers=headers)
        report.requests += 1
        status = response.status_code
        report.by_status[status] = report.by_status.get(status, 0) + 1
        seen = report.by_operation.setdefault(operation.label, {})
        seen[status] = seen.get(status, 0) + 1
        if status >= 500:
            report.server_errors.append(
                f"{status} {case.method} {case.formatted_path} "
                f"query={case.query!r} body={getattr(case, 'body', None)!r}"
            )

    try:
        one_request()
    except Unsatisfiable:
        # Nothing to break: an operation without parameters or body has no negative cases.
        assert mode == GenerationMode.NEGATIVE, operation.label
