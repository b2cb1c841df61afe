"""Customers built through the real services."""

from __future__ import annotations

import uuid
from decimal import Decimal

from itplus.store.customers.models import Customer
from itplus.store.customers.services import customer_create
from itplus.store.sales.services import LineInput, PaymentInput, SaleInput, sale_complete
from tests.factories import make_user, next_rut


def new_customer(*, name: str = "Juana Pérez", credit_limit_clp: int = 0, **fields) -> Customer:
    """A customer created as the back office does (a supervisor sets the limit)."""
    return customer_create(
        rut=fields.pop("rut", None) or next_rut(),
        name=name,
        credit_limit_clp=credit_limit_clp,
        user=make_user(role="supervisor") if credit_limit_clp else None,
        **fields,
    )


def fiado_input(
    product, customer: Customer, *, quantity: str = "1", amount_clp: int | None = None
) -> SaleInput:
    """A sale of ``quantity`` × product entirely on the customer's account."""
    total = amount_clp if amount_clp is not None else int(product.price_clp * Decimal(quantity))
    return SaleInput(
        client_uuid=uuid.uuid4(),
        lines=[LineInput(code=product.barcodes.first().code, quantity=Decimal(quantity))],
        payments=[PaymentInput(method="cuenta_corriente", amount_clp=total)],
        customer_id=customer.pk,
    )


def sell_on_credit(*, terminal, cashier, product, customer, quantity: str = "1"):
    sale, _created = sale_complete(
        terminal=terminal, cashier=cashier, data=fiado_input(product, customer, quantity=quantity)
    )
    return sale
