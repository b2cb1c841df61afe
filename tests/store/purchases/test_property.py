"""Property: after any mix of partial receipts against an order (some over the pending
quantity, refused), direct receipts and sales, stock equals the ledger, no order line is
received beyond what was ordered nor differs from its receipts, the order's status
follows its lines, and every average cost lies between the previous average and the
receipt's cost (or is the receipt's cost when there was no stock)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itplus.core.audit import run_audit
from itplus.core.errors import BusinessError
from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.purchases.models import GoodsReceiptLine, OrderStatus
from itplus.store.sales.services import LineInput, sale_complete
from tests.factories import make_product, make_terminal, make_user, sale_input
from tests.store.purchases.factories import code_of, make_order, make_supplier, receive

N_PRODUCTS = 2
product_index = st.integers(min_value=0, max_value=N_PRODUCTS - 1)
qty = st.integers(min_value=1, max_value=8)
cost = st.integers(min_value=0, max_value=5_000)

operation = st.one_of(
    st.tuples(st.just("order"), product_index, qty, st.none() | cost),
    st.tuples(st.just("direct"), product_index, qty, cost),
    st.tuples(st.just("sale"), product_index, qty),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=10))
def test_receipts_keep_stock_orders_and_costs_consistent(operations):
    # Each example in its own savepoint, rolled back: examples don't see each other.
    with transaction.atomic():
        _run_and_check(operations)
        transaction.set_rollback(True)


def _run_and_check(operations):
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    buyer = make_user(role="supervisor")
    supplier = make_supplier()
    products = [make_product(name=f"Producto {i}", price_clp=5_990) for i in range(N_PRODUCTS)]
    order = make_order(
        supplier=supplier,
        user=buyer,
        lines=[(p, 10, 1_000 + 100 * i) for i, p in enumerate(products)],
    )

    for op in operations:
        try:
            if op[0] == "order":
                receive(order=order, user=buyer, lines=[(products[op[1]], op[2], op[3])])
            elif op[0] == "direct":
                receive(supplier=supplier, user=buyer, lines=[(products[op[1]], op[2], op[3])])
            else:
                line = LineInput(code=code_of(products[op[1]]), quantity=Decimal(op[2]))
                sale_complete(terminal=terminal, cashier=cashier, data=sale_input(lines=[line]))
        except BusinessError:
            pass  # refused (over-receipt, order complete): the checks below cover it

    for product in products:
        stock = Stock.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or 0
        ledger = StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"]
        assert stock == (ledger or 0)
    order.refresh_from_db()
    lines = list(order.lines.all())
    for line in lines:
        received = line.receipt_lines.aggregate(s=Sum("quantity"))["s"] or Decimal(0)
        assert line.received_quantity == received <= line.quantity
    if all(line.received_quantity == line.quantity for line in lines):
        assert order.status == OrderStatus.RECEIVED
    elif any(line.received_quantity for line in lines):
        assert order.status == OrderStatus.PARTIAL
    else:
        assert order.status == OrderStatus.SENT
    for line in GoodsReceiptLine.objects.all():
        if line.stock_before <= 0:
            assert line.average_cost_after_clp == line.unit_cost_clp
        else:
            low = min(line.average_cost_before_clp, line.unit_cost_clp)
            high = max(line.average_cost_before_clp, line.unit_cost_clp)
            assert low <= line.average_cost_after_clp <= high
    assert not [p for p in run_audit().problems if p.check == "compras"]
