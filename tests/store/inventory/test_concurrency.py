"""Concurrent sales of one product from several terminals never lose an update.

Real threads, each with its own connection, released together by a barrier. Each
terminal has its own cash session and series, so the only lock they share is the
product's stock row (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from itplus.core.audit import run_audit
from itplus.store.inventory.models import MovementKind, StockMovement
from itplus.store.inventory.services import (
    InsufficientStock,
    TransferLine,
    default_warehouse,
    stock_transfer,
)
from itplus.store.sales.services import LineInput, sale_complete
from tests.concurrency import run_together
from tests.factories import make_product, make_terminal, make_user, sale_input
from tests.store.inventory.factories import make_warehouse, receive, set_negative_stock, stock_of

pytestmark = pytest.mark.django_db(transaction=True)


def seller(terminal, cashier, product, quantity):
    code = product.barcodes.first().code

    def sell():
        return sale_complete(
            terminal=terminal,
            cashier=cashier,
            data=sale_input(lines=[LineInput(code=code, quantity=Decimal(quantity))]),
        )[0]

    return sell


def assert_ledger_consistent(product):
    movements = StockMovement.objects.filter(product=product, warehouse=default_warehouse())
    assert movements.aggregate(t=Sum("quantity"))["t"] == stock_of(product)
    assert movements.order_by("-id").first().resulting_quantity == stock_of(product)
    assert [p for p in run_audit().problems if p.check == "inventario"] == []


def test_concurrent_sales_never_lose_an_update():
    boss = make_user(role="supervisor")
    cashier = make_user(role="cajero")
    product = make_product(name="Pan amasado")
    receive(product, 100, user=boss)
    terminals = [make_terminal() for _ in range(6)]
    jobs = [seller(t, cashier, product, 2) for t in terminals for _ in range(2)]

    results = run_together(jobs)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert stock_of(product) == 100 - 2 * len(jobs)
    assert StockMovement.objects.filter(kind=MovementKind.SALE).count() == len(jobs)
    assert_ledger_consistent(product)
    # The running balances are a strict sequence: each sale saw the previous one's stock.
    balances = list(
        StockMovement.objects.filter(kind=MovementKind.SALE)
        .order_by("id")
        .values_list("resulting_quantity", flat=True)
    )
    assert balances == [Decimal(100 - 2 * i) for i in range(1, len(jobs) + 1)]


def test_concurrent_sales_stop_exactly_at_zero_when_negatives_are_refused():
    set_negative_stock(False)
    boss = make_user(role="supervisor")
    cashier = make_user(role="cajero")
    product = make_product(name="Última unidad")
    receive(product, 5, user=boss)
    terminals = [make_terminal() for _ in range(8)]

    results = run_together([seller(t, cashier, product, 1) for t in terminals])

    refused = [r for r in results if isinstance(r, InsufficientStock)]
    other_errors = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, InsufficientStock)
    ]
    assert not other_errors, other_errors
    assert len(refused) == 3
    assert stock_of(product) == 0
    assert_ledger_consistent(product)


def test_transfers_both_ways_and_sales_do_not_deadlock():
    boss = make_user(role="supervisor")
    cashier = make_user(role="cajero")
    main, back = default_warehouse(), make_warehouse()
    milk, bread = make_product(name="Leche"), make_product(name="Pan")
    for item in (milk, bread):
        receive(item, 50, user=boss)
        receive(item, 50, user=boss, warehouse=back)
    terminals = [make_terminal() for _ in range(3)]

    def transfer(source, destination, order):
        return lambda: stock_transfer(
            lines=[TransferLine(product=p, quantity="1") for p in order],
            source=source,
            destination=destination,
            user=boss,
        )

    jobs = [
        transfer(main, back, [milk, bread]),
        transfer(back, main, [bread, milk]),
        transfer(main, back, [bread, milk]),
        transfer(back, main, [milk, bread]),
        *[seller(t, cashier, milk, 1) for t in terminals],
    ]

    results = run_together(jobs)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert stock_of(milk) + stock_of(milk, back) == 100 - 3
    assert stock_of(bread) + stock_of(bread, back) == 100
    assert [p for p in run_audit().problems if p.check == "inventario"] == []
