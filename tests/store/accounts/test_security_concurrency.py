"""Guessing a password with concurrent requests: the attempt is counted under the
account's row lock before its password is checked, so at most MAX_ACCOUNT_FAILURES
passwords are ever checked in the window, on SQLite (BEGIN IMMEDIATE) and PostgreSQL."""

from __future__ import annotations

import pytest

from itplus.store.accounts.models import SecurityEvent, SecurityEventKind
from itplus.store.accounts.security import MAX_ACCOUNT_FAILURES, LoginLocked, login_authenticate
from tests.concurrency import run_together
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_thirty_concurrent_wrong_passwords_check_at_most_the_limit():
    make_user(role="administrador", username="admin")

    results = run_together(
        [
            (lambda n=n: login_authenticate(request=None, username="admin", password=f"x{n}"))
            for n in range(30)
        ],
        what="a password guess",
    )

    checked = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, LoginLocked)]
    assert len(checked) <= MAX_ACCOUNT_FAILURES, results
    assert len(checked) + len(refused) == 30, results
    failures = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED).count()
    assert failures == len(checked)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED).count() == 1
    # the right password is refused now
    with pytest.raises(LoginLocked):
        login_authenticate(request=None, username="admin", password="clave-segura-1")
