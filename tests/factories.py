"""Factories that build test data through the real services, as the till would."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from itplus.core.barcodes import with_check_digit
from itplus.store.accounts.services import staff_create
from itplus.store.cash.services import cash_session_open
from itplus.store.catalog.models import Category, Product
from itplus.store.catalog.services import product_create
from itplus.store.customers.models import Customer
from itplus.store.sales.models import DocumentSeries, Sale
from itplus.store.sales.services import LineInput, PaymentInput, SaleInput, sale_complete
from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import terminal_create

_seq = itertools.count(1)


def next_ean13() -> str:
    """A valid EAN-13 with Chile's GS1 prefix 780."""
    return with_check_digit(f"780{next(_seq):09d}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Categoría {n}")


def make_product(
    *,
    name: str | None = None,
    price_clp: int = 1000,
    barcodes: list[str] | None = None,
    **kwargs,
) -> Product:
    n = next(_seq)
    return product_create(
        name=name or f"Producto {n}",
        sku=kwargs.pop("sku", f"SKU-{n:06d}"),
        price_clp=price_clp,
        barcodes=[next_ean13()] if barcodes is None else barcodes,
        **kwargs,
    )


def next_rut() -> str:
    """A valid RUT (módulo 11), clean form "12345678-5"."""
    from stdnum.cl import rut

    body = str(10_000_000 + next(_seq))
    return f"{body}-{rut.calc_check_digit(body)}"


def make_customer(*, name: str | None = None, credit_limit_clp: int = 0, **kwargs) -> Customer:
    return Customer.objects.create(
        rut=kwargs.pop("rut", None) or next_rut(),
        name=name or f"Cliente {next(_seq)}",
        giro=kwargs.pop("giro", "Comercio"),
        address=kwargs.pop("address", "Av. Matta 100"),
        comuna=kwargs.pop("comuna", "Santiago"),
        credit_limit_clp=credit_limit_clp,
        **kwargs,
    )


def make_user(*, role: str = "cajero", pin: str = "", username: str | None = None) -> User:
    return staff_create(
        username=username or f"{role}{next(_seq)}", password="clave-segura-1", role=role, pin=pin
    )


def make_series(*, kind: str = "boleta", code: str | None = None) -> DocumentSeries:
    return DocumentSeries.objects.create(
        code=code or f"{kind[:3]}-{next(_seq)}", name=kind.capitalize(), kind=kind
    )


def make_terminal(
    *,
    code: str | None = None,
    boleta_series: DocumentSeries | None = None,
    open_session: bool = True,
    **series,
) -> Terminal:
    """A terminal with a boleta series and (unless told otherwise) an open cash session;
    its token is on ``terminal.token`` for API calls."""
    terminal, token = terminal_create(
        code=code or f"caja-{next(_seq)}",
        name="Caja de prueba",
        boleta_series=boleta_series or make_series(),
        **series,
    )
    terminal.token = token
    if open_session:
        cash_session_open(
            terminal=terminal, user=make_user(role="supervisor"), opening_float_clp=20_000
        )
    return terminal


def sale_input(
    products: list[Product] | None = None,
    *,
    lines: list[LineInput] | None = None,
    cash_clp: int | None = None,
    payments: list[PaymentInput] | None = None,
    **kwargs,
) -> SaleInput:
    """A sale of one of each product paid in cash (enough cash unless told otherwise)."""
    if lines is None:
        lines = [LineInput(code=p.barcodes.first().code, quantity=Decimal("1")) for p in products]
    if payments is None:
        payments = [PaymentInput(method="efectivo", amount_clp=cash_clp or 10_000_000)]
    return SaleInput(client_uuid=uuid.uuid4(), lines=lines, payments=payments, **kwargs)


def make_sale(*, terminal: Terminal, cashier: User, products: list[Product], **kwargs) -> Sale:
    sale, _created = sale_complete(
        terminal=terminal, cashier=cashier, data=sale_input(products, **kwargs)
    )
    return sale
