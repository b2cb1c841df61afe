"""Two people receiving the rest of the same order line at the same moment: the order
row lock makes the second one see the first one's receipt, so exactly one succeeds.

Real threads with their own database connections, released together by a barrier.
On PostgreSQL ``select_for_update`` on the order serialises them; on SQLite
``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connections
from django.db.models import Sum

from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.purchases.models import GoodsReceipt, OrderStatus, ProductCost, PurchaseOrder
from itplus.store.purchases.services import OrderNotReceivable, OverReceipt
from tests.concurrency import run_together
from tests.factories import make_product, make_user
from tests.store.purchases.factories import make_order, make_supplier, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():
    buyer = make_user(role="administrador")
    supplier = make_supplier()
    product = make_product(name="Leche")
    order = make_order(supplier=supplier, user=buyer, lines=[(product, 10, 700)])
    receive(order=order, user=buyer, lines=[(product, 4, None)])  # 6 pending
    yield buyer, product, order
    connections.close_all()


def test_two_receipts_of_the_remaining_quantity_one_succeeds(setup):
    buyer, product, order = setup

    def job():
        return receive(
            order=PurchaseOrder.objects.get(pk=order.pk), user=buyer, lines=[(product, 6, None)]
        )

    results = run_together([job, job])

    succeeded = [r for r in results if isinstance(r, GoodsReceipt)]
    refused = [r for r in results if isinstance(r, (OverReceipt, OrderNotReceivable))]
    assert len(succeeded) == 1 and len(refused) == 1, results
    order.refresh_from_db()
    line = order.lines.get()
    assert order.status == OrderStatus.RECEIVED
    assert line.received_quantity == 10
    stock = Stock.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"]
    ledger = StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"]
    assert stock == ledger == Decimal("10")
    assert GoodsReceipt.objects.filter(order=order).count() == 2


def test_concurrent_partial_receipts_all_counted(setup):
    buyer, product, order = setup

    def job():
        return receive(
            order=PurchaseOrder.objects.get(pk=order.pk), user=buyer, lines=[(product, 2, None)]
        )

    results = run_together([job, job, job])

    assert all(isinstance(r, GoodsReceipt) for r in results), results
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert order.lines.get().received_quantity == 10
    assert ProductCost.objects.get(product=product).average_cost_clp == 700
