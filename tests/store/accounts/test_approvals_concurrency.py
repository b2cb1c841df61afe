"""Guessing a supervisor's PIN with concurrent requests: the lock taken before the check
means at most MAX_PIN_FAILURES PINs are ever checked in the window, on SQLite (BEGIN
IMMEDIATE) and PostgreSQL (the terminal's row lock)."""

from __future__ import annotations

import pytest

from itplus.store.accounts.approvals import MAX_PIN_FAILURES, ApprovalRefused, approval_grant
from itplus.store.accounts.models import Approval, PinFailure
from tests.concurrency import run_together
from tests.factories import make_terminal, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_forty_concurrent_wrong_pins_check_at_most_the_limit():
    # given
    make_user(role="supervisor", pin="4321")
    cashier = make_user(role="cajero")
    terminal = make_terminal()

    def guess(n: int):
        return lambda: approval_grant(
            pin=f"{n:04d}", action="descuento", requested_by=cashier, terminal=terminal
        )

    # when: 40 different wrong PINs at once
    results = run_together([guess(n) for n in range(40)], what="a PIN guess")

    # then: each wrong PIN checked left one failure; the others were never checked
    assert all(isinstance(r, ApprovalRefused) for r in results), results
    codes = [r.code for r in results]
    assert codes.count("pin_incorrecto") == MAX_PIN_FAILURES
    assert codes.count("pin_bloqueado") == 40 - MAX_PIN_FAILURES
    assert PinFailure.objects.filter(terminal=terminal).count() == MAX_PIN_FAILURES
    assert not Approval.objects.exists()


def test_concurrent_guesses_without_a_terminal_are_counted_per_user():
    make_user(role="supervisor", pin="4321")
    cashier = make_user(role="cajero")

    results = run_together(
        [
            (lambda n=n: approval_grant(pin=f"{n:04d}", action="descuento", requested_by=cashier))
            for n in range(12)
        ],
        what="a PIN guess",
    )

    assert [r.code for r in results].count("pin_incorrecto") == MAX_PIN_FAILURES
    assert PinFailure.objects.count() == MAX_PIN_FAILURES
