"""``sale_complete``: what a completed sale stores, and that a refused one stores nothing."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection

from itplus.core.barcodes import with_check_digit
from itplus.core.integrity import GENESIS_HASH, chain_hash
from itplus.core.money import TaxSplit, split_document
from itplus.core.numbers import InvalidNumber
from itplus.store.accounts.approvals import ApprovalRefused, approval_grant
from itplus.store.accounts.models import Approval
from itplus.store.sales.models import DocumentSeries, Payment, Sale, SaleLine
from itplus.store.sales.services import (
    IdempotencyConflict,
    LineInput,
    PaymentInput,
    PaymentRejected,
    SaleRejected,
    UnknownCode,
    sale_chain_payload,
    sale_complete,
)
from tests.factories import (
    make_customer,
    make_product,
    make_sale,
    make_series,
    make_terminal,
    make_user,
    sale_input,
)


def snapshot(series: DocumentSeries) -> dict:
    """Everything a sale attempt could change; equal before and after a refused one."""
    series.refresh_from_db()
    return {
        "sales": Sale.objects.count(),
        "lines": SaleLine.objects.count(),
        "payments": Payment.objects.count(),
        "approvals_used": Approval.objects.filter(used_at__isnull=False).count(),
        "next_number": series.next_number,
        "last_hash": series.last_hash,
    }


def line(product, quantity="1", **kwargs) -> LineInput:
    return LineInput(code=product.barcodes.first().code, quantity=Decimal(quantity), **kwargs)


def cash(amount: int) -> PaymentInput:
    return PaymentInput(method="efectivo", amount_clp=amount)


def debit(amount: int) -> PaymentInput:
    return PaymentInput(method="debito", amount_clp=amount, reference="AUT-123")


def sell(terminal, cashier, lines, payments, **kwargs) -> Sale:
    sale, created = sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input(lines=lines, payments=payments, **kwargs),
    )
    assert created
    return sale


def grant(terminal, cashier, *, action="descuento", max_percent=None):
    """A supervisor's approval (PIN 4321) given to ``cashier`` at ``terminal``."""
    return approval_grant(
        pin="4321",
        action=action,
        requested_by=cashier,
        terminal=terminal,
        max_percent=max_percent,
    )


def assert_chain_verifies(series: DocumentSeries) -> None:
    """Recompute every link from what the database stores, in writing (id) order."""
    previous = GENESIS_HASH
    sales = Sale.objects.filter(series=series).select_related("series").order_by("id")
    for sale in sales:
        assert sale.previous_hash == previous
        lines = list(sale.lines.order_by("position"))
        payments = sale.payments.values_list("method", "amount_clp")
        assert chain_hash(previous, sale_chain_payload(sale, lines, payments)) == sale.chain_hash
        previous = sale.chain_hash
    series.refresh_from_db()
    assert series.last_hash == previous


# --- Happy paths ---------------------------------------------------------------------


def test_cash_sale_with_change(terminal, cashier, product):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])

    assert sale.number == 1
    assert (sale.total_clp, sale.net_clp, sale.iva_clp) == (1190, 1000, 190)
    assert sale.cash_rounding_clp == 0  # 1.190 is already a multiple of 10
    assert sale.change_clp == 810
    assert sale.amount_charged_clp == 1190
    assert sale.cashier == cashier and sale.terminal == terminal
    [payment] = sale.payments.all()
    assert (payment.method, payment.amount_clp, payment.tendered_clp, payment.change_clp) == (
        "efectivo",
        1190,
        2000,
        810,
    )
    [stored] = sale.lines.all()
    assert (stored.quantity, stored.unit_price_clp, stored.total_clp) == (Decimal("1"), 1190, 1190)
    assert (stored.net_clp, stored.iva_clp, stored.ila_clp) == (1000, 190, 0)


@pytest.mark.parametrize(
    ("price", "cash_due", "rounding", "change"),
    [
        (1231, 1230, -1, 770),
        (1235, 1230, -5, 770),
        (1236, 1240, 4, 760),
        (1240, 1240, 0, 760),
    ],
)
def test_cash_is_rounded_and_the_difference_recorded(
    terminal, cashier, price, cash_due, rounding, change
):
    product = make_product(price_clp=price)
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])

    assert sale.total_clp == price  # the document keeps the exact total
    assert sale.cash_rounding_clp == rounding
    assert sale.amount_charged_clp == cash_due
    assert sale.change_clp == change
    assert sale.payments.get().amount_clp == cash_due


def test_debit_is_exact(terminal, cashier):
    product = make_product(price_clp=1235)
    sale = sell(terminal, cashier, [line(product)], [debit(1235)])

    assert sale.cash_rounding_clp == 0
    assert sale.change_clp == 0
    assert sale.amount_charged_clp == 1235
    [payment] = sale.payments.all()
    assert (payment.method, payment.amount_clp, payment.reference) == ("debito", 1235, "AUT-123")


def test_split_payment_rounds_only_the_cash_part(terminal, cashier):
    product = make_product(price_clp=3456)
    sale = sell(terminal, cashier, [line(product)], [debit(2000), cash(1500)])

    # cash part 1.456 → 1.460 (+4); the card pays exactly 2.000
    assert sale.total_clp == 3456
    assert sale.cash_rounding_clp == 4
    assert sale.amount_charged_clp == 3460
    assert sale.change_clp == 40
    payments = {p.method: p for p in sale.payments.all()}
    assert payments["debito"].amount_clp == 2000
    assert (payments["efectivo"].amount_clp, payments["efectivo"].change_clp) == (1460, 40)
    assert sum(p.amount_clp for p in payments.values()) == sale.amount_charged_clp


def test_cash_remainder_that_rounds_to_zero_needs_no_cash(terminal, cashier):
    # A card pays 1.230 of 1.235: the $5 left in cash rounds to $0 (Ley 20.956), so the
    # cashier must not be asked for cash nobody owes.
    product = make_product(price_clp=1235)
    sale = sell(terminal, cashier, [line(product)], [debit(1230)])

    assert sale.cash_rounding_clp == -5
    assert sale.amount_charged_clp == 1230
    assert sale.change_clp == 0
    assert [(p.method, p.amount_clp) for p in sale.payments.all()] == [("debito", 1230)]


def test_weighed_product_with_grams(terminal, cashier):
    cheese = make_product(name="Queso gauda", price_clp=5990, unit="kg")
    sale = sell(terminal, cashier, [line(cheese, "0.755")], [cash(5000)])

    [stored] = sale.lines.all()
    assert stored.quantity == Decimal("0.755")
    assert stored.gross_clp == 4522  # 5.990 × 0,755 = 4.522,45
    assert sale.total_clp == 4522
    assert sale.cash_rounding_clp == -2 and sale.change_clp == 480


def test_scale_barcode_with_embedded_price(terminal, cashier):
    ham = make_product(name="Jamón pierna", price_clp=12990, unit="kg", scale_code="01234")
    code = with_check_digit("20" + "01234" + "01990")
    sale = sell(terminal, cashier, [LineInput(code=code)], [cash(2000)])

    [stored] = sale.lines.all()
    assert stored.product == ham
    assert stored.scanned_code == code
    assert (stored.quantity, stored.unit_price_clp, stored.total_clp) == (Decimal("1"), 1990, 1990)


def test_scale_barcode_with_embedded_weight(terminal, cashier):
    make_product(name="Jamón pierna", price_clp=5990, unit="kg", scale_code="01234")
    code = with_check_digit("21" + "01234" + "01250")
    # The quantity the till sends is ignored: the label's weight rules.
    sale = sell(terminal, cashier, [LineInput(code=code, quantity=Decimal("3"))], [cash(10000)])

    [stored] = sale.lines.all()
    assert stored.quantity == Decimal("1.250")
    assert stored.total_clp == 7488  # 5.990 × 1,25 = 7.487,5 → 7.488


def test_line_discount_within_the_cashier_limit(terminal, cashier):
    product = make_product(price_clp=1000)
    sale = sell(terminal, cashier, [line(product, discount_clp=50)], [cash(1000)])  # 5 %

    [stored] = sale.lines.all()
    assert (stored.gross_clp, stored.discount_clp, stored.total_clp) == (1000, 50, 950)
    assert stored.approval is None
    assert (sale.gross_clp, sale.discount_clp, sale.total_clp) == (1000, 50, 950)


def test_ticket_discount_is_prorated_so_each_rate_gets_its_share(terminal, cashier):
    bread = make_product(price_clp=1000)
    soda = make_product(price_clp=2000, ila_tax="ila_18")
    eggs = make_product(price_clp=1000, is_exempt=True)
    sale = sell(
        terminal,
        cashier,
        [line(bread), line(soda), line(eggs)],
        [cash(5000)],
        ticket_discount_clp=200,  # 5 % of 4.000
    )

    lines = list(sale.lines.order_by("position"))
    assert [ln.ticket_discount_clp for ln in lines] == [50, 100, 50]
    assert [ln.total_clp for ln in lines] == [950, 1900, 950]
    expected = split_document([("iva", 950), ("ila_18", 1900), ("exento", 950)])
    assert TaxSplit(sale.net_clp, sale.iva_clp, sale.ila_clp, sale.exempt_clp) == expected
    assert (sale.total_clp, sale.ticket_discount_clp, sale.discount_clp) == (3800, 200, 200)
    assert sale.exempt_clp == 950


def test_ila_product(terminal, cashier):
    soda = make_product(name="Bebida 3 L", price_clp=1370, ila_tax="ila_18")
    sale = sell(terminal, cashier, [line(soda)], [cash(1370)])

    assert (sale.net_clp, sale.iva_clp, sale.ila_clp, sale.exempt_clp) == (1000, 190, 180, 0)
    [stored] = sale.lines.all()
    assert (stored.ila_tax, stored.net_clp, stored.iva_clp, stored.ila_clp) == (
        "ila_18",
        1000,
        190,
        180,
    )


def test_exempt_product(terminal, cashier):
    eggs = make_product(name="Huevos", price_clp=1000, is_exempt=True)
    sale = sell(terminal, cashier, [line(eggs)], [cash(1000)])

    assert (sale.net_clp, sale.iva_clp, sale.ila_clp, sale.exempt_clp) == (0, 0, 0, 1000)
    assert sale.lines.get().is_exempt


def test_document_taxes_come_from_its_totals_not_the_sum_of_lines(terminal, cashier):
    products = [make_product(price_clp=1000) for _ in range(3)]
    sale = sell(terminal, cashier, [line(p) for p in products], [cash(3000)])

    assert sum(ln.net_clp for ln in sale.lines.all()) == 2520  # 3 × 840
    assert (sale.net_clp, sale.iva_clp) == (2521, 479)  # 3.000 / 1,19 = 2.521,01


def test_sale_creation_uses_a_bounded_number_of_queries(
    terminal, cashier, django_assert_max_num_queries
):
    products = [make_product(price_clp=1000 + i) for i in range(5)]
    fresh_cashier = User.objects.get(pk=cashier.pk)  # as a request would load it
    data = sale_input(products)
    # 1 idempotency check, 5 code lookups, 1 staff profile, session and series locks,
    # sale/lines/payments writes, the stock ledger (warehouse, ensure rows, lock, update,
    # movements), savepoints: independent of anything but the number of lines.
    with django_assert_max_num_queries(24):
        sale_complete(terminal=terminal, cashier=fresh_cashier, data=data)


# --- Numbering and the hash chain ----------------------------------------------------


def test_numbers_are_sequential_per_series(terminal, cashier, product):
    numbers = [
        make_sale(terminal=terminal, cashier=cashier, products=[product]).number for _ in range(3)
    ]
    assert numbers == [1, 2, 3]
    terminal.boleta_series.refresh_from_db()
    assert terminal.boleta_series.next_number == 4


def test_series_number_independently(terminal, cashier, product):
    other = make_terminal()
    factura = make_series(kind="factura")
    terminal.factura_series = factura
    terminal.save()

    first = make_sale(terminal=terminal, cashier=cashier, products=[product])
    elsewhere = make_sale(terminal=other, cashier=cashier, products=[product])
    invoice = make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[product],
        document_kind="factura",
        customer_id=make_customer().pk,
    )
    second = make_sale(terminal=terminal, cashier=cashier, products=[product])

    assert (first.series, first.number) == (terminal.boleta_series, 1)
    assert (elsewhere.series, elsewhere.number) == (other.boleta_series, 1)
    assert (invoice.series, invoice.number) == (factura, 1)
    assert (second.series, second.number) == (terminal.boleta_series, 2)


def test_each_sale_links_to_the_previous_one(terminal, cashier, product):
    first = make_sale(terminal=terminal, cashier=cashier, products=[product])
    second = make_sale(terminal=terminal, cashier=cashier, products=[product])

    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.chain_hash
    assert first.chain_hash != second.chain_hash
    assert_chain_verifies(terminal.boleta_series)


def test_chain_verifies_from_stored_data_when_issued_in_local_time(terminal, cashier, product):
    # History loaders pass local (America/Santiago) times; the stored value comes back in
    # UTC, and the hash must still be reproducible from the database.
    santiago = zoneinfo.ZoneInfo("America/Santiago")
    sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input([product]),
        issued_at=datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=santiago),
    )
    assert_chain_verifies(terminal.boleta_series)


def test_tampering_with_a_stored_sale_breaks_the_chain(terminal, cashier, product):
    make_sale(terminal=terminal, cashier=cashier, products=[product])
    make_sale(terminal=terminal, cashier=cashier, products=[product])
    Sale.objects.filter(number=1).update(total_clp=1, net_clp=1, iva_clp=0)

    with pytest.raises(AssertionError):
        assert_chain_verifies(terminal.boleta_series)


# --- Idempotency ---------------------------------------------------------------------


def test_same_uuid_twice_makes_one_sale(terminal, cashier, product):
    data = sale_input([product], cash_clp=2000)
    first, created_first = sale_complete(terminal=terminal, cashier=cashier, data=data)
    before = snapshot(terminal.boleta_series)
    again, created_again = sale_complete(terminal=terminal, cashier=cashier, data=data)

    assert created_first and not created_again
    assert again.pk == first.pk
    assert snapshot(terminal.boleta_series) == before
    assert Sale.objects.filter(client_uuid=data.client_uuid).count() == 1


def test_same_uuid_with_another_payload_is_refused(terminal, cashier, product):
    data = sale_input([product], cash_clp=2000)
    sale_complete(terminal=terminal, cashier=cashier, data=data)
    before = snapshot(terminal.boleta_series)
    changed = sale_input([product, product], cash_clp=5000)
    changed.client_uuid = data.client_uuid

    with pytest.raises(IdempotencyConflict) as error:
        sale_complete(terminal=terminal, cashier=cashier, data=changed)

    assert "ya se usó para otra venta" in error.value.message
    assert error.value.status == 409
    assert snapshot(terminal.boleta_series) == before


# --- Refusals leave nothing behind ---------------------------------------------------


def _unit(**kw):
    return make_product(price_clp=1190, **kw)


def _kg(**kw):
    return make_product(price_clp=5990, unit="kg", **kw)


REFUSALS = {
    "insufficient cash": (
        _unit,
        lambda p: ([line(p)], [cash(1000)]),
        PaymentRejected,
        "no alcanza",
    ),
    "cards over the total": (
        _unit,
        lambda p: ([line(p)], [debit(2000)]),
        PaymentRejected,
        "superan el total",
    ),
    "cards over the total with cash": (
        _unit,
        lambda p: ([line(p)], [debit(1000), debit(500), cash(100)]),
        PaymentRejected,
        "superan el total",
    ),
    "unknown method": (
        _unit,
        lambda p: ([line(p)], [PaymentInput(method="cheque", amount_clp=1190)]),
        PaymentRejected,
        "Medio de pago desconocido",
    ),
    "zero payment": (_unit, lambda p: ([line(p)], [cash(0)]), PaymentRejected, "mayor que cero"),
    "negative payment": (
        _unit,
        lambda p: ([line(p)], [debit(-1190)]),
        PaymentRejected,
        "mayor que cero",
    ),
    "absurd amount": (
        _unit,
        lambda p: ([line(p)], [cash(10**19)]),
        PaymentRejected,
        "no es válido",
    ),
    "no payments": (_unit, lambda p: ([line(p)], []), PaymentRejected, "Falta el pago"),
    "short with no cash": (
        _unit,
        lambda p: ([line(p)], [debit(1000)]),
        PaymentRejected,
        "Falta pagar $190",
    ),
    "cash nobody owes": (
        _unit,
        lambda p: ([line(p)], [debit(1190), cash(1000)]),
        PaymentRejected,
        "sobra el pago en efectivo",
    ),
    "unknown barcode": (
        _unit,
        lambda p: ([LineInput(code="7801234567890")], [cash(2000)]),
        UnknownCode,
        "«7801234567890» no encontrado",
    ),
    "unknown product id": (
        _unit,
        lambda p: ([LineInput(product_id=p.pk + 1000)], [cash(2000)]),
        UnknownCode,
        "no existe",
    ),
    "negative quantity": (
        _unit,
        lambda p: ([line(p, "-1")], [cash(2000)]),
        InvalidNumber,
        "no admite valores negativos",
    ),
    "zero quantity": (
        _unit,
        lambda p: ([line(p, "0")], [cash(2000)]),
        InvalidNumber,
        "mayor que cero",
    ),
    "huge quantity": (
        _unit,
        lambda p: ([line(p, "1000000")], [cash(2000)]),
        InvalidNumber,
        "el máximo es 999999",
    ),
    "fraction of a unit product": (
        _unit,
        lambda p: ([line(p, "1.5")], [cash(2000)]),
        InvalidNumber,
        "número entero",
    ),
    "a dot and three digits for a unit product": (
        _unit,
        lambda p: ([LineInput(code=p.barcodes.first().code, quantity="1.500")], [cash(2000)]),
        InvalidNumber,
        "es ambiguo: escriba 1500 o 1,5",
    ),
    "more than grams": (
        _kg,
        lambda p: ([line(p, "0.7505")], [cash(9000)]),
        InvalidNumber,
        "3 decimales",
    ),
    "negative discount": (
        _unit,
        lambda p: ([line(p, discount_clp=-10)], [cash(2000)]),
        SaleRejected,
        "no puede ser negativo",
    ),
    "discount over the line": (
        _unit,
        lambda p: ([line(p, discount_clp=1191)], [cash(2000)]),
        SaleRejected,
        "no puede superar",
    ),
    "discount over the cashier limit": (
        _unit,
        lambda p: ([line(p, discount_clp=100)], [cash(2000)]),  # 8,4 %
        ApprovalRefused,
        "«Descuento sobre el límite» requiere la autorización de un supervisor",
    ),
    "ticket discount over the limit": (
        _unit,
        lambda p: ([line(p)], [cash(2000)], {"ticket_discount_clp": 100}),
        ApprovalRefused,
        "«Descuento sobre el límite» requiere la autorización de un supervisor",
    ),
    "ticket discount over the total": (
        _unit,
        lambda p: ([line(p)], [cash(2000)], {"ticket_discount_clp": 1191}),
        SaleRejected,
        "no puede superar el total",
    ),
    "voided line without approval": (
        _unit,
        lambda p: ([line(p), line(p, is_voided=True)], [cash(2000)]),
        ApprovalRefused,
        "«Anulación de línea» requiere la autorización",
    ),
    "no lines": (_unit, lambda p: ([], [cash(2000)]), SaleRejected, "no tiene productos"),
    "credit note is not a sale": (
        _unit,
        lambda p: ([line(p)], [cash(2000)], {"document_kind": "nota_credito"}),
        SaleRejected,
        "Tipo de documento",
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_sale_changes_nothing(terminal, cashier, case):
    make_product_for_case, build, error_class, message = case
    product = make_product_for_case()
    make_sale(terminal=terminal, cashier=cashier, products=[product])  # the chain has a head
    lines, payments, *extra = build(product)
    before = snapshot(terminal.boleta_series)

    with pytest.raises(error_class) as error:
        sale_complete(
            terminal=terminal,
            cashier=cashier,
            data=sale_input(lines=lines, payments=payments, **(extra[0] if extra else {})),
        )

    assert message in error.value.message
    assert snapshot(terminal.boleta_series) == before
    # The next good sale takes the number the refused one did not consume.
    assert make_sale(terminal=terminal, cashier=cashier, products=[product]).number == 2


def test_all_lines_voided_is_refused(terminal, supervisor, product):
    before = snapshot(terminal.boleta_series)
    with pytest.raises(SaleRejected, match="Todas las líneas están anuladas"):
        sell(terminal, supervisor, [line(product, is_voided=True)], [cash(2000)])
    assert snapshot(terminal.boleta_series) == before


def test_no_active_series_is_refused(terminal, cashier, product):
    DocumentSeries.objects.update(is_active=False)
    with pytest.raises(SaleRejected, match="No hay una serie activa de boleta"):
        sell(terminal, cashier, [line(product)], [cash(2000)])
    assert Sale.objects.count() == 0


# --- Supervisor approvals ------------------------------------------------------------


def test_over_limit_discount_with_an_approval_passes_and_uses_it(terminal, cashier, supervisor):
    product = make_product(price_clp=1000)
    approval = grant(terminal, cashier, max_percent=20)

    sale = sell(
        terminal, cashier, [line(product, discount_clp=200, approval_id=approval.pk)], [cash(800)]
    )

    approval.refresh_from_db()
    assert approval.used_at is not None
    assert approval.approved_by == supervisor
    assert sale.lines.get().approval == approval
    assert sale.total_clp == 800

    before = snapshot(terminal.boleta_series)
    with pytest.raises(ApprovalRefused, match="ya fue usada"):
        sell(
            terminal,
            cashier,
            [line(product, discount_clp=200, approval_id=approval.pk)],
            [cash(800)],
        )
    assert snapshot(terminal.boleta_series) == before


def test_ticket_discount_over_limit_with_approval(terminal, cashier, supervisor):
    product = make_product(price_clp=1000)
    approval = grant(terminal, cashier, max_percent=10)
    sale = sell(
        terminal,
        cashier,
        [line(product)],
        [cash(900)],
        ticket_discount_clp=100,
        ticket_discount_approval_id=approval.pk,
    )
    assert sale.ticket_discount_approval == approval
    assert sale.total_clp == 900


def test_approval_with_too_low_a_percent_is_refused(terminal, cashier, supervisor):
    product = make_product(price_clp=1000)
    approval = grant(terminal, cashier, max_percent=10)
    before = snapshot(terminal.boleta_series)

    with pytest.raises(ApprovalRefused, match="cubre hasta 10% y el descuento es 20%"):
        sell(
            terminal,
            cashier,
            [line(product, discount_clp=200, approval_id=approval.pk)],
            [cash(1000)],
        )
    assert snapshot(terminal.boleta_series) == before
    approval.refresh_from_db()
    assert approval.used_at is None


def test_approval_for_another_action_is_refused(terminal, cashier, supervisor):
    product = make_product(price_clp=1000)
    approval = grant(terminal, cashier, action="anular_linea")
    with pytest.raises(ApprovalRefused, match="es para «Anulación de línea», no para «Descuento"):
        sell(
            terminal,
            cashier,
            [line(product, discount_clp=200, approval_id=approval.pk)],
            [cash(1000)],
        )


def test_failed_payment_does_not_consume_the_approval(terminal, cashier, supervisor):
    product = make_product(price_clp=1000)
    approval = grant(terminal, cashier, max_percent=20)
    before = snapshot(terminal.boleta_series)

    with pytest.raises(PaymentRejected):
        sell(
            terminal,
            cashier,
            [line(product, discount_clp=200, approval_id=approval.pk)],
            [cash(500)],
        )

    assert snapshot(terminal.boleta_series) == before
    approval.refresh_from_db()
    assert approval.used_at is None
    # …so the cashier can retry with enough cash and the same approval.
    sale = sell(
        terminal, cashier, [line(product, discount_clp=200, approval_id=approval.pk)], [cash(1000)]
    )
    assert sale.number == 1


def test_cashier_voids_a_line_with_approval(terminal, cashier, supervisor):
    kept, voided = make_product(price_clp=1000), make_product(price_clp=2500)
    approval = grant(terminal, cashier, action="anular_linea")

    sale = sell(
        terminal,
        cashier,
        [line(kept), line(voided, is_voided=True, approval_id=approval.pk)],
        [cash(1000)],
    )

    assert sale.total_clp == 1000 and sale.gross_clp == 1000
    stored = sale.lines.get(position=2)
    assert stored.is_voided and stored.approval == approval
    assert (stored.net_clp, stored.iva_clp) == (0, 0)  # a voided line carries no tax
    approval.refresh_from_db()
    assert approval.used_at is not None


def test_lowering_a_scanned_quantity_needs_an_approval_for_a_cashier(terminal, cashier, supervisor):
    product = make_product(name="Bebida", price_clp=1000)
    lowered = {"scanned_quantity": Decimal("3")}
    before = snapshot(terminal.boleta_series)

    with pytest.raises(ApprovalRefused, match="«Rebaja de cantidad escaneada» requiere"):
        sell(terminal, cashier, [line(product, "2", **lowered)], [cash(2000)])
    assert snapshot(terminal.boleta_series) == before

    approval = grant(terminal, cashier, action="bajar_cantidad")
    sale = sell(
        terminal,
        cashier,
        [line(product, "2", quantity_approval_id=approval.pk, **lowered)],
        [cash(2000)],
    )
    assert sale.total_clp == 2000
    approval.refresh_from_db()
    assert approval.used_at is not None and approval.detail == "Bebida: de 3 a 2"
    # raising a quantity, or a supervisor lowering one, needs nobody
    sell(terminal, cashier, [line(product, "3", scanned_quantity=Decimal("2"))], [cash(3000)])
    sell(terminal, supervisor, [line(product, "1", **lowered)], [cash(1000)])


def test_a_discount_approval_is_for_its_cashier_at_its_terminal(terminal, cashier, supervisor):
    product = make_product(price_clp=1000)
    approval = grant(terminal, cashier, max_percent=20)
    discounted = [line(product, discount_clp=200, approval_id=approval.pk)]

    with pytest.raises(ApprovalRefused, match="otra caja"):
        sell(make_terminal(), cashier, discounted, [cash(800)])
    with pytest.raises(ApprovalRefused, match="otra persona"):
        sell(terminal, make_user(role="cajero"), discounted, [cash(800)])

    approval.refresh_from_db()
    assert approval.used_at is None


def test_supervisor_voids_a_line_without_approval(terminal, supervisor):
    kept, voided = make_product(price_clp=1000), make_product(price_clp=2500)
    sale = sell(terminal, supervisor, [line(kept), line(voided, is_voided=True)], [cash(1000)])
    assert sale.total_clp == 1000
    assert sale.lines.get(position=2).approval is None


def test_supervisor_discount_limit_is_larger(terminal, supervisor):
    product = make_product(price_clp=1000)
    sale = sell(terminal, supervisor, [line(product, discount_clp=300)], [cash(700)])  # 30 %
    assert sale.total_clp == 700
    with pytest.raises(ApprovalRefused):
        sell(terminal, supervisor, [line(product, discount_clp=310)], [cash(700)])


# --- A failure after rows are written rolls everything back --------------------------


@pytest.fixture
def payments_table_rejects_inserts(db):
    """A trigger that makes the database refuse payment rows, as a full disk or a
    failing constraint would, after the sale and its lines were already inserted."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER payment_fails BEFORE INSERT ON sales_payment "
                "BEGIN SELECT RAISE(ABORT, 'payment refused by the database'); END"
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION payment_fails() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'payment refused by the database' "
                "USING ERRCODE = 'check_violation'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER payment_fails BEFORE INSERT ON sales_payment "
                "FOR EACH ROW EXECUTE FUNCTION payment_fails()"
            )
        else:  # pragma: no cover
            pytest.skip(f"no trigger syntax for {connection.vendor}")
    # The test's transaction is rolled back at the end, and the trigger with it.


def test_database_failure_after_lines_are_written_rolls_back_everything(
    terminal, cashier, supervisor, payments_table_rejects_inserts
):
    products = [make_product(price_clp=1000) for _ in range(3)]
    approval = grant(terminal, cashier, max_percent=50)
    before = snapshot(terminal.boleta_series)
    data = sale_input(
        lines=[line(products[0], discount_clp=400, approval_id=approval.pk)]
        + [line(p) for p in products[1:]],
        payments=[cash(5000)],
    )

    with pytest.raises(DatabaseError, match="payment refused"):
        sale_complete(terminal=terminal, cashier=cashier, data=data)

    assert snapshot(terminal.boleta_series) == before
    assert not Sale.objects.filter(client_uuid=data.client_uuid).exists()
    approval.refresh_from_db()
    assert approval.used_at is None


def test_uuid_is_kept_on_the_sale(terminal, cashier, product):
    data = sale_input([product])
    data.client_uuid = uuid.UUID("00000000-0000-4000-8000-000000000001")
    sale, _ = sale_complete(terminal=terminal, cashier=cashier, data=data)
    assert Sale.objects.get(pk=sale.pk).client_uuid == data.client_uuid


def test_another_cashier_is_a_different_user(terminal, product):
    # Sales record who sold; two cashiers on one terminal share its numbering.
    ana, beto = make_user(), make_user()
    first = make_sale(terminal=terminal, cashier=ana, products=[product])
    second = make_sale(terminal=terminal, cashier=beto, products=[product])
    assert (first.cashier, second.cashier) == (ana, beto)
    assert (first.number, second.number) == (1, 2)


def test_a_fully_discounted_ticket_needs_no_payment(terminal, product):
    # An administrator may give 100 % (a damaged item handed out, still on record).
    admin = make_user(role="administrador")
    sale = sell(terminal, admin, [line(product, discount_clp=1190)], [])

    assert (sale.total_clp, sale.net_clp, sale.iva_clp) == (0, 0, 0)
    assert sale.amount_charged_clp == 0 and sale.change_clp == 0
    assert not sale.payments.exists()


def test_a_total_that_rounds_to_zero_in_cash_needs_no_payment(terminal, cashier):
    candy = make_product(name="Caluga", price_clp=5)
    sale = sell(terminal, cashier, [line(candy)], [])

    assert sale.total_clp == 5
    assert sale.cash_rounding_clp == -5
    assert sale.amount_charged_clp == 0


def test_product_picked_from_a_search_instead_of_scanned(terminal, cashier, product):
    sale = sell(terminal, cashier, [LineInput(product_id=product.pk)], [cash(1190)])
    assert sale.lines.get().product == product
    assert sale.total_clp == 1190


def test_an_inactive_product_cannot_be_sold(terminal, cashier, product):
    code = product.barcodes.first().code
    type(product).objects.filter(pk=product.pk).update(is_active=False)
    before = snapshot(terminal.boleta_series)

    with pytest.raises(UnknownCode, match="no encontrado"):
        sell(terminal, cashier, [LineInput(code=code)], [cash(2000)])
    with pytest.raises(UnknownCode, match="no existe o está inactivo"):
        sell(terminal, cashier, [LineInput(product_id=product.pk)], [cash(2000)])
    assert snapshot(terminal.boleta_series) == before
