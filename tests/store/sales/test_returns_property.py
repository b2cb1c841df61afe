"""Properties of returns, over random mixes (hypothesis):

- stock after any mix of sales, returns (restocked or damaged), voids, receipts and
  adjustments equals the sum of its ledger movements, and the audit finds nothing;
- for any sale (discounts, weighed or unit lines, cash/card/mixed payments) and any
  sequence of partial returns: per line, refunds never exceed the line total and add up
  to it exactly once everything came back; each cash refund is a multiple of $10; never
  more is given back per method than was paid; a full return gives back exactly what
  was paid, in cash to the peso (Ley 20.956 rounding undone).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itplus.core.audit import run_audit
from itplus.core.errors import BusinessError
from itplus.store.accounts.approvals import approval_grant
from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.inventory.services import stock_move
from itplus.store.sales.models import CreditNoteLine, Refund
from itplus.store.sales.returns.selectors import sale_return_state
from itplus.store.sales.returns.services import sale_void
from itplus.store.sales.services import LineInput, PaymentInput, sale_complete
from tests.factories import make_customer, make_product, make_terminal, make_user, sale_input
from tests.store.sales.factories import make_credit_note_series, make_return

N_PRODUCTS = 3
product_index = st.integers(0, N_PRODUCTS - 1)
qty = st.integers(1, 5)

operation = st.one_of(
    st.tuples(st.just("sale"), st.lists(st.tuples(product_index, qty), min_size=1, max_size=3)),
    st.tuples(st.just("receipt"), product_index, qty),
    st.tuples(st.just("adjust"), product_index, st.integers(-4, 4).filter(bool)),
    # (which sale, which line, how many, restock?)
    st.tuples(st.just("return"), st.integers(0, 9), st.integers(1, 3), qty, st.booleans()),
    st.tuples(st.just("void"), st.integers(0, 9)),
)

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _ledger_sum(product) -> Decimal:
    return sum(
        StockMovement.objects.filter(product=product).values_list("quantity", flat=True),
        Decimal(0),
    )


@pytest.mark.django_db
@EXAMPLES
@given(operations=st.lists(operation, min_size=1, max_size=14))
def test_stock_equals_its_ledger_with_returns_in_the_mix(operations):
    # Each example in its own savepoint, rolled back: examples don't see each other.
    with transaction.atomic():
        _mix(operations)
        transaction.set_rollback(True)


def _mix(operations):
    make_credit_note_series()
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    boss = make_user(role="supervisor", pin="4321")
    products = [make_product(name=f"Producto {i}") for i in range(N_PRODUCTS)]
    sales = []
    for op in operations:
        try:
            with transaction.atomic():
                if op[0] == "sale":
                    lines = [
                        LineInput(code=products[i].barcodes.first().code, quantity=Decimal(q))
                        for i, q in op[1]
                    ]
                    sale, _ = sale_complete(
                        terminal=terminal, cashier=cashier, data=sale_input(lines=lines)
                    )
                    sales.append(sale)
                elif op[0] == "receipt":
                    stock_move(
                        product=products[op[1]],
                        quantity=Decimal(op[2]),
                        kind="recepcion",
                        user=boss,
                    )
                elif op[0] == "adjust":
                    stock_move(
                        product=products[op[1]],
                        quantity=Decimal(op[2]),
                        kind="ajuste",
                        user=boss,
                        reason="Prueba",
                    )
                elif op[0] == "return" and sales:
                    _, sale_index, position, quantity, restock = op
                    sale = sales[sale_index % len(sales)]
                    # Mostly within what is left (so returns happen), sometimes over.
                    states = sale_return_state(sale=sale)
                    state = states[(position - 1) % len(states)]
                    position = state.line.position
                    if state.remaining_quantity and quantity <= 3:
                        quantity = min(quantity, state.remaining_quantity)
                    make_return(
                        terminal=terminal,
                        user=cashier,
                        sale=sale,
                        lines={position: quantity},
                        restock={position: restock},
                    )
                elif op[0] == "void" and sales:
                    sale = sales[op[1] % len(sales)]
                    approval = approval_grant(
                        pin="4321",
                        action="anular_venta",
                        requested_by=cashier,
                        terminal=terminal,
                        obj=sale,
                    )
                    sale_void(
                        sale_id=sale.pk, terminal=terminal, user=cashier, approval_id=approval.pk
                    )
        except BusinessError:
            pass  # refused (too much, voided, no stock…): the checks below cover "nothing changed"

    for product in products:
        stock = Stock.objects.filter(product=product).first()
        assert (stock.quantity if stock else Decimal(0)) == _ledger_sum(product)
    for sale in sales:
        for state in sale_return_state(sale=sale):
            assert state.returned_quantity <= state.line.quantity
            assert 0 <= state.credited_clp <= state.line.total_clp
    report = run_audit()
    assert report.ok, report.problems


# --- Money: refunds per line and per method ------------------------------------------

payment_kind = st.sampled_from(["cash", "card", "mixed", "fiado"])


@pytest.mark.django_db
@EXAMPLES
@given(
    prices=st.lists(st.integers(50, 9999), min_size=1, max_size=3),
    quantities=st.lists(st.integers(1, 6), min_size=3, max_size=3),
    weighed=st.booleans(),
    line_discount_percent=st.integers(0, 5),
    ticket_discount_percent=st.integers(0, 4),
    paid_by=payment_kind,
    order=st.randoms(use_true_random=False),
)
def test_refunds_never_exceed_and_a_full_return_gives_back_what_was_paid(
    prices, quantities, weighed, line_discount_percent, ticket_discount_percent, paid_by, order
):
    with transaction.atomic():
        _money(
            prices,
            quantities,
            weighed,
            line_discount_percent,
            ticket_discount_percent,
            paid_by,
            order,
        )
        transaction.set_rollback(True)


def _money(prices, quantities, weighed, line_pct, ticket_pct, paid_by, order):
    make_credit_note_series()
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    customer = make_customer(credit_limit_clp=10**9)
    lines = []
    for i, price in enumerate(prices):
        is_kg = weighed and i == 0
        product = make_product(price_clp=price, unit="kg" if is_kg else "unidad")
        quantity = Decimal(quantities[i]) * (Decimal("0.137") if is_kg else 1)
        gross = round(price * quantity)
        lines.append(
            LineInput(
                code=product.barcodes.first().code,
                quantity=quantity,
                discount_clp=gross * line_pct // 100,
            )
        )
    # Total first (a sale paid exactly), then the real sale with the chosen payments.
    probe, _ = sale_complete(
        terminal=terminal, cashier=cashier, data=sale_input(lines=lines, ticket_discount_clp=0)
    )
    subtotal = probe.total_clp
    ticket = subtotal * ticket_pct // 100
    total = subtotal - ticket
    payments = {
        "cash": [PaymentInput("efectivo", total + 10)],
        "card": [PaymentInput("debito", total)] if total else [],
        "mixed": [PaymentInput("credito", total // 3), PaymentInput("efectivo", total + 10)]
        if total // 3
        else [PaymentInput("efectivo", total + 10)],
        "fiado": [
            PaymentInput("cuenta_corriente", total // 2),
            PaymentInput("efectivo", total + 10),
        ]
        if total // 2
        else [PaymentInput("efectivo", total + 10)],
    }[paid_by]
    if total and not payments:
        payments = [PaymentInput("efectivo", total + 10)]
    sale, _ = sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input(
            lines=lines,
            payments=payments,
            ticket_discount_clp=ticket,
            customer_id=customer.pk,
        ),
    )

    # Return everything in random pieces, in a random order.
    pieces = []
    for line in sale.lines.all():
        left = line.quantity
        step = Decimal("0.137") if line.quantity % 1 else Decimal(1)
        while left > 0:
            take = min(step * order.randint(1, 3), left)
            pieces.append((line.position, take))
            left -= take
    order.shuffle(pieces)
    for position, take in pieces:
        note = make_return(terminal=terminal, user=cashier, sale=sale, lines={position: take})
        for method, amount in note.refunds.values_list("method", "amount_clp"):
            if method == "efectivo":
                assert amount % 10 == 0
        for state in sale_return_state(sale=sale):
            assert 0 <= state.credited_clp <= state.line.total_clp

    for state in sale_return_state(sale=sale):
        assert state.remaining_quantity == 0
        assert state.credited_clp == state.line.total_clp
    credited = sum(
        CreditNoteLine.objects.filter(sale_line__sale=sale).values_list("total_clp", flat=True)
    )
    assert credited == sale.total_clp
    paid = defaultdict(int)
    for method, amount in sale.payments.values_list("method", "amount_clp"):
        paid[method] += amount
    refunded = defaultdict(int)
    for method, amount in Refund.objects.filter(credit_note__sale=sale).values_list(
        "method", "amount_clp"
    ):
        refunded[method] += amount
    assert dict(refunded) == {m: a for m, a in paid.items() if a}
    customer.refresh_from_db()
    assert customer.balance_clp == 0
