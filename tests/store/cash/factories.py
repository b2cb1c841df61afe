"""A cash session with every kind of document, built through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User

from itplus.store.cash.models import CashMovement, CashSession
from itplus.store.cash.selectors import cash_session_current
from itplus.store.cash.services import cash_movement_record
from itplus.store.catalog.models import Product
from itplus.store.sales.models import Sale
from itplus.store.sales.services import LineInput, PaymentInput
from itplus.store.terminals.models import Terminal
from tests.factories import make_customer, make_product, make_sale, make_user


@dataclass
class MixedSession:
    terminal: Terminal
    session: CashSession
    cashier: User
    supervisor: User
    sales: list[Sale] = field(default_factory=list)
    voided: Sale | None = None


def code(product: Product) -> str:
    return product.barcodes.first().code


def build_mixed_session(terminal: Terminal) -> MixedSession:
    """Cash (rounding down and up), debit, credit, transfer, a split payment, fiado,
    line and ticket discounts, a voided line, a voided sale, an ingreso and an egreso."""
    cashier = make_user(role="cajero")
    supervisor = make_user(role="supervisor", pin="4321")
    down = make_product(name="Galletas", price_clp=1234)  # cash 1.230: rounding −4
    up = make_product(name="Bebida", price_clp=1237)  # cash 1.240: rounding +3
    coffee = make_product(name="Café", price_clp=4990)
    customer = make_customer(credit_limit_clp=100_000)
    session = cash_session_current(terminal=terminal)
    mixed = MixedSession(terminal=terminal, session=session, cashier=cashier, supervisor=supervisor)

    def sell(products, seller=cashier, **kwargs) -> Sale:
        sale = make_sale(terminal=terminal, cashier=seller, products=products, **kwargs)
        mixed.sales.append(sale)
        return sale

    sell([down], payments=[PaymentInput(method="efectivo", amount_clp=2000)])
    sell([up], payments=[PaymentInput(method="efectivo", amount_clp=1240)])
    sell([coffee], payments=[PaymentInput(method="debito", amount_clp=4990)])
    sell(
        None,
        lines=[LineInput(code=code(up), quantity=Decimal("2"))],
        payments=[PaymentInput(method="credito", amount_clp=2474)],
    )
    sell([down], payments=[PaymentInput(method="transferencia", amount_clp=1234)])
    # Split: 6.224 = 3.000 debit + 3.224 cash → 3.220 in cash (rounding −4).
    sell(
        [down, coffee],
        payments=[
            PaymentInput(method="debito", amount_clp=3000),
            PaymentInput(method="efectivo", amount_clp=5000),
        ],
    )
    sell(
        [coffee],
        customer_id=customer.pk,
        payments=[PaymentInput(method="cuenta_corriente", amount_clp=4990)],
    )
    # Discounts: 100 on the coffee line, 50 on the ticket; 6.224 − 150 = 6.074 → 6.070.
    sell(
        None,
        lines=[LineInput(code=code(coffee), discount_clp=100), LineInput(code=code(down))],
        ticket_discount_clp=50,
        payments=[PaymentInput(method="efectivo", amount_clp=10_000)],
    )
    # A voided line (a supervisor voids without a PIN): 1.237 → 1.240 (+3).
    sell(
        None,
        seller=supervisor,
        lines=[LineInput(code=code(coffee), is_voided=True), LineInput(code=code(up))],
        payments=[PaymentInput(method="efectivo", amount_clp=1300)],
    )
    # A sale voided the same day. The void service belongs to the returns module; the
    # status is what the Z reads, so it is set directly here.
    voided = sell([coffee], payments=[PaymentInput(method="efectivo", amount_clp=5000)])
    Sale.objects.filter(pk=voided.pk).update(status=Sale.Status.VOIDED)
    voided.refresh_from_db()
    mixed.voided = voided
    cash_movement_record(
        session=session,
        kind=CashMovement.Kind.IN,
        amount_clp=5_000,
        reason="Sencillo del banco",
        user=supervisor,
    )
    cash_movement_record(
        session=session,
        kind=CashMovement.Kind.OUT,
        amount_clp=3_000,
        reason="Pago a proveedor",
        user=supervisor,
    )
    return mixed
