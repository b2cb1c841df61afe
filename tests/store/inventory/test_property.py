"""Property: after any mix of sales, receipts, adjustments, transfers and posted counts,
every product's stock in every warehouse equals the sum of its ledger movements, and the
last movement's resulting quantity equals the stock."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itplus.core.audit import run_audit
from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.inventory.services import (
    BusinessError,
    TransferLine,
    count_sheet_open,
    count_sheet_post,
    count_sheet_scan,
    default_warehouse,
    stock_adjust,
    stock_transfer,
)
from itplus.store.sales.services import LineInput, sale_complete
from tests.factories import make_product, make_terminal, make_user, sale_input
from tests.store.inventory.factories import make_warehouse, receive, set_negative_stock

N_PRODUCTS = 3
qty = st.integers(min_value=1, max_value=6)
product_index = st.integers(min_value=0, max_value=N_PRODUCTS - 1)
warehouse_index = st.integers(min_value=0, max_value=1)

operation = st.one_of(
    st.tuples(st.just("sale"), st.lists(st.tuples(product_index, qty), min_size=1, max_size=3)),
    st.tuples(st.just("receipt"), product_index, qty, warehouse_index),
    st.tuples(st.just("adjust"), product_index, st.integers(-5, 5).filter(bool), warehouse_index),
    st.tuples(st.just("transfer"), product_index, qty, warehouse_index),
    st.tuples(
        st.just("count"), warehouse_index, st.lists(st.tuples(product_index, st.integers(0, 9)))
    ),
)


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=12), negatives=st.booleans())
def test_stock_always_equals_its_ledger(operations, negatives):
    # Each example in its own savepoint, rolled back: examples don't see each other.
    with transaction.atomic():
        _run_and_check(operations, negatives)
        transaction.set_rollback(True)


def _run_and_check(operations, negatives):
    set_negative_stock(negatives)
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    boss = make_user(role="supervisor")
    products = [make_product(name=f"Producto {i}") for i in range(N_PRODUCTS)]
    warehouses = [default_warehouse(), make_warehouse()]

    for op in operations:
        try:
            if op[0] == "sale":
                lines = [
                    LineInput(code=products[i].barcodes.first().code, quantity=Decimal(q))
                    for i, q in op[1]
                ]
                sale_complete(terminal=terminal, cashier=cashier, data=sale_input(lines=lines))
            elif op[0] == "receipt":
                receive(products[op[1]], op[2], user=boss, warehouse=warehouses[op[3]])
            elif op[0] == "adjust":
                stock_adjust(
                    product=products[op[1]],
                    quantity=Decimal(op[2]),
                    reason="Prueba",
                    user=boss,
                    warehouse=warehouses[op[3]],
                )
            elif op[0] == "transfer":
                stock_transfer(
                    lines=[TransferLine(product=products[op[1]], quantity=Decimal(op[2]))],
                    source=warehouses[op[3]],
                    destination=warehouses[1 - op[3]],
                    user=boss,
                )
            else:
                sheet = count_sheet_open(warehouse=warehouses[op[1]], user=boss)
                for i, counted in op[2]:
                    if counted:
                        count_sheet_scan(
                            sheet=sheet,
                            code=products[i].sku,
                            quantity=Decimal(counted),
                            user=boss,
                        )
                if op[2] and any(c for _i, c in op[2]):
                    count_sheet_post(sheet=sheet, user=boss)
        except BusinessError:
            # Refused (stock insufficient without negatives): must have changed nothing,
            # which the invariant below also checks.
            pass

    for product in products:
        for warehouse in warehouses:
            stock = Stock.objects.filter(product=product, warehouse=warehouse).first()
            movements = StockMovement.objects.filter(product=product, warehouse=warehouse)
            total = movements.aggregate(total=Sum("quantity"))["total"] or Decimal(0)
            current = stock.quantity if stock else Decimal(0)
            assert current == total
            last = movements.order_by("-id").first()
            if last is not None:
                assert last.resulting_quantity == current
            if not negatives:
                assert current >= 0
    assert [p for p in run_audit().problems if p.check == "inventario"] == []
