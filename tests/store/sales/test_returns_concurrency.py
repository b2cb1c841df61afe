"""Concurrent returns of one sale: never more than was sold, numbers gapless.

Real threads, each with its own database connection, released together by a barrier.
On PostgreSQL the credit-note series row and the original sale's row are locked
(``select_for_update``) and the returned quantities are read after the lock; on SQLite
``BEGIN IMMEDIATE`` serialises the writers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connections

from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.sales.models import CreditNote, CreditNoteLine
from itplus.store.sales.returns.services import ReturnRejected, sale_return
from itplus.store.sales.services import LineInput
from tests.concurrency import run_together
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.sales.factories import make_credit_note_series, return_approval, return_input
from tests.store.sales.test_returns import assert_credit_chain_verifies

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    series = make_credit_note_series()
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    product = make_product(name="Jugo", price_clp=990)
    yield series, terminal, cashier, product
    connections.close_all()


def sale_of(terminal, cashier, product, quantity):
    return make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=product.barcodes.first().code, quantity=Decimal(quantity))],
    )


def _return_call(terminal, cashier, sale, quantity):
    # Each call its own approval, granted beforehand as the till does.
    approval = return_approval(terminal=terminal, user=cashier, sale=sale)
    data = return_input(sale, {1: quantity}, approval_id=approval.pk)
    return lambda: sale_return(terminal=terminal, user=cashier, data=data)[0]


def test_two_returns_of_the_same_remaining_quantity_only_one_succeeds(shop):
    series, terminal, cashier, product = shop
    sale = sale_of(terminal, cashier, product, 2)

    results = run_together([_return_call(terminal, cashier, sale, 2) for _ in range(2)])

    won = [r for r in results if isinstance(r, CreditNote)]
    lost = [r for r in results if not isinstance(r, CreditNote)]
    assert len(won) == 1, results
    assert len(lost) == 1 and isinstance(lost[0], ReturnRejected), lost
    assert "ya fue devuelta completa" in str(lost[0]) or "como máximo" in str(lost[0])
    assert CreditNote.objects.count() == 1
    assert sum(CreditNoteLine.objects.values_list("quantity", flat=True)) == 2
    assert_credit_chain_verifies(series)


def test_many_concurrent_partial_returns_never_exceed_the_sold_quantity(shop):
    series, terminal, cashier, product = shop
    sale = sale_of(terminal, cashier, product, 5)

    results = run_together([_return_call(terminal, cashier, sale, 1) for _ in range(8)])

    won = [r for r in results if isinstance(r, CreditNote)]
    lost = [r for r in results if not isinstance(r, CreditNote)]
    assert len(won) == 5, results
    assert all(isinstance(r, ReturnRejected) for r in lost), lost
    assert sorted(n.number for n in won) == [1, 2, 3, 4, 5]
    assert sum(n.total_clp for n in won) == sale.total_clp  # every peso, never more
    stock = Stock.objects.get(product=product).quantity
    assert (
        stock
        == 0
        == sum(StockMovement.objects.filter(product=product).values_list("quantity", flat=True))
    )
    assert_credit_chain_verifies(series)
