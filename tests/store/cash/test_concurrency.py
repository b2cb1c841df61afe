"""Closing under concurrency: two closes at once give one Z; a sale racing the close is
either in the Z or refused — never lost from it.

Real threads with their own connections, released together by a barrier. PostgreSQL
serialises on the session row lock (select_for_update); SQLite on BEGIN IMMEDIATE.
"""

from __future__ import annotations

import pytest

from itplus.store.cash.models import CashSession, ZCounter, ZReport
from itplus.store.cash.services import SessionClosed, cash_session_close
from itplus.store.sales.models import Sale
from tests.concurrency import run_together
from tests.factories import make_product, make_sale, make_terminal, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def together(*tasks):
    return run_together(tasks, what="a close")


def test_two_concurrent_closes_make_one_z():
    terminal = make_terminal()
    supervisor = make_user(role="supervisor")
    session = CashSession.objects.get(terminal=terminal)

    results = together(
        *[
            lambda: cash_session_close(session=session, user=supervisor, counts={"10000": 2})
            for _ in range(4)
        ]
    )

    zs = [r for r in results if isinstance(r, ZReport)]
    refused = [r for r in results if isinstance(r, SessionClosed)]
    assert len(zs) == 1 and len(refused) == 3, results
    assert ZReport.objects.count() == 1
    assert ZCounter.objects.get().next_number == 2
    assert "ya está cerrada" in refused[0].message


def test_sales_racing_the_close_are_in_the_z_or_refused():
    terminal = make_terminal()
    supervisor = make_user(role="supervisor")
    cashier = make_user(role="cajero")
    product = make_product(price_clp=1000)
    session = CashSession.objects.get(terminal=terminal)

    def sell():
        return make_sale(terminal=terminal, cashier=cashier, products=[product])

    results = together(
        sell,
        sell,
        sell,
        lambda: cash_session_close(session=session, user=supervisor, counts={}),
        sell,
        sell,
    )

    errors = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, SessionClosed)
    ]
    assert not errors, errors
    z = ZReport.objects.get()
    in_session = Sale.objects.filter(cash_session=session).count()
    made = sum(isinstance(r, Sale) for r in results)
    assert made == in_session == z.ticket_count
    assert z.sales_total_clp == 1000 * in_session
    assert z.expected_cash_clp == 20_000 + 1000 * in_session
