"""Returns and voids: credit notes against a sale, refunds, stock back, voids the same day.

Data is built through the real services (sales, approvals, customers); every refusal is
checked to change nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from itplus.core.integrity import GENESIS_HASH, chain_hash
from itplus.core.numbers import InvalidNumber
from itplus.store.accounts.approvals import ApprovalRefused, approval_grant
from itplus.store.accounts.models import Approval
from itplus.store.cash.models import CashSession
from itplus.store.cash.services import SessionClosed
from itplus.store.customers.models import AccountEntry
from itplus.store.inventory.models import MovementKind, Stock, StockMovement
from itplus.store.inventory.services import default_warehouse
from itplus.store.sales.models import (
    CreditNote,
    CreditNoteLine,
    DocumentSeries,
    Refund,
    Sale,
)
from itplus.store.sales.returns.selectors import (
    credit_note_totals_for_session,
    sale_find_text,
    sale_return_state,
)
from itplus.store.sales.returns.services import (
    DocumentNotFound,
    ReturnInput,
    ReturnLineInput,
    ReturnRejected,
    VoidRejected,
    credit_note_chain_payload,
    sale_return,
    sale_void,
)
from itplus.store.sales.services import (
    IdempotencyConflict,
    LineInput,
    PaymentInput,
    sale_complete,
)
from tests.factories import make_customer, make_product, make_terminal, make_user, sale_input
from tests.store.sales.factories import (
    make_credit_note_series,
    make_return,
    return_approval,
    return_input,
)
from tests.store.sales.test_services import assert_chain_verifies


@pytest.fixture
def nc_series(db):
    return make_credit_note_series()


def sell(terminal, cashier, lines, payments=None, **kwargs) -> Sale:
    sale, _created = sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input(lines=lines, payments=payments, **kwargs),
    )
    return sale


def line(product, quantity="1", **kwargs) -> LineInput:
    return LineInput(code=product.barcodes.first().code, quantity=Decimal(quantity), **kwargs)


def cash(amount) -> PaymentInput:
    return PaymentInput(method="efectivo", amount_clp=amount)


def stock(product) -> Decimal:
    row = Stock.objects.filter(product=product, warehouse=default_warehouse()).first()
    return row.quantity if row else Decimal(0)


def ledger(product) -> Decimal:
    # Summed in Python: SQLite adds decimals as floats.
    movements = StockMovement.objects.filter(product=product, warehouse=default_warehouse())
    return sum(movements.values_list("quantity", flat=True), Decimal(0))


def snapshot(*products, customer=None) -> tuple:
    """Everything a refused return or void must leave as it was."""
    return (
        CreditNote.objects.count(),
        CreditNoteLine.objects.count(),
        Refund.objects.count(),
        StockMovement.objects.count(),
        tuple(stock(p) for p in products),
        list(DocumentSeries.objects.order_by("pk").values_list("next_number", "last_hash")),
        list(Sale.objects.order_by("pk").values_list("status", flat=True)),
        AccountEntry.objects.count(),
        None if customer is None else type(customer).objects.get(pk=customer.pk).balance_clp,
        Approval.objects.filter(used_at__isnull=False).count(),
    )


def refunds_of(note) -> dict[str, int]:
    return dict(note.refunds.values_list("method", "amount_clp"))


def assert_credit_chain_verifies(series: DocumentSeries) -> None:
    previous = GENESIS_HASH
    notes = CreditNote.objects.filter(series=series).select_related("series", "sale__series")
    for number, note in enumerate(notes.order_by("number"), start=1):
        assert note.number == number
        assert note.previous_hash == previous
        payload = credit_note_chain_payload(
            note,
            original=(note.sale.series.code, note.sale.number),
            lines=list(note.lines.order_by("position")),
            refunds=list(note.refunds.values_list("method", "amount_clp")),
        )
        assert chain_hash(previous, payload) == note.chain_hash
        previous = note.chain_hash
    series.refresh_from_db()
    assert series.last_hash == previous
    assert series.next_number == notes.count() + 1


# --- Happy paths ---------------------------------------------------------------------


def test_full_return_in_cash_credits_everything_and_restocks(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product, "2")], [cash(5000)])
    assert stock(product) == -2

    note = make_return(terminal=terminal, user=cashier, sale=sale)

    assert (note.series, note.number, note.kind) == (nc_series, 1, "devolucion")
    assert note.sale == sale and note.terminal == terminal and note.user == cashier
    assert note.cash_session == CashSession.objects.get(terminal=terminal, status="abierta")
    assert (note.total_clp, note.net_clp, note.iva_clp) == (2380, 2000, 380)
    assert refunds_of(note) == {"efectivo": 2380}
    assert note.cash_rounding_clp == 0
    [movement] = StockMovement.objects.filter(kind=MovementKind.RETURN)
    assert movement.quantity == 2 and movement.reference == f"{nc_series.code}-1"
    assert movement.sale_line == sale.lines.get()
    assert stock(product) == 0 == ledger(product)
    sale.refresh_from_db()
    assert sale.status == "emitida"  # a return is a new document; the sale stays as issued
    assert_credit_chain_verifies(nc_series)


def test_partial_returns_add_up_and_cannot_exceed_what_was_sold(
    terminal, cashier, product, nc_series
):
    sale = sell(terminal, cashier, [line(product, "3")], [cash(10_000)])

    first = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})
    second = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})
    before = snapshot(product)
    with pytest.raises(ReturnRejected) as refused:
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 2})
    assert str(refused.value) == (
        "De «Leche Entera 1 L» se vendieron 3 y ya se devolvieron 2: "
        "se pueden devolver como máximo 1."
    )
    assert snapshot(product) == before
    last = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})

    assert [n.number for n in (first, second, last)] == [1, 2, 3]
    assert sum(n.total_clp for n in (first, second, last)) == sale.total_clp == 3570
    assert stock(product) == 0 == ledger(product)
    with pytest.raises(ReturnRejected, match="ya fue devuelta completa"):
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})
    assert_credit_chain_verifies(nc_series)


def test_line_refunds_include_discounts_and_never_exceed_the_line_total(
    terminal, cashier, nc_series
):
    # 3 × $1.000, $100 off the line, and a $110 ticket discount shared with another line.
    pen = make_product(name="Lápiz", price_clp=1000)
    eraser = make_product(name="Goma", price_clp=500)
    sale = sell(
        terminal,
        cashier,
        [line(pen, "3", discount_clp=100), line(eraser, "1")],
        [cash(10_000)],
        ticket_discount_clp=110,
    )
    pen_line = sale.lines.get(position=1)
    assert pen_line.total_clp == 2900 - pen_line.ticket_discount_clp
    line_total = pen_line.total_clp

    amounts = [
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1}).total_clp
        for _ in range(3)
    ]

    # round(total × 1/3), then cumulative round(total × 2/3) − first, then the remainder.
    third = round(Decimal(line_total) / 3)
    assert amounts[0] == third
    assert amounts[0] + amounts[1] == round(Decimal(line_total) * 2 / 3)
    assert sum(amounts) == line_total
    [state] = [s for s in sale_return_state(sale=sale) if s.line.position == 1]
    assert state.credited_clp == line_total and state.remaining_quantity == 0


def test_weighed_products_return_by_the_gram(terminal, cashier, nc_series):
    cheese = make_product(name="Queso mantecoso", price_clp=9990, unit="kg")
    sale = sell(terminal, cashier, [line(cheese, "0.532")], [cash(10_000)])

    with pytest.raises(InvalidNumber, match="3 decimales"):
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: "0.2505"})
    note = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: "0.250"})
    rest = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: "0.282"})

    assert note.lines.get().quantity == Decimal("0.250")
    assert note.total_clp == round(Decimal(sale.total_clp) * Decimal("0.250") / Decimal("0.532"))
    assert note.total_clp + rest.total_clp == sale.total_clp
    assert stock(cheese) == 0 == ledger(cheese)


def test_units_must_be_returned_whole(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product, "2")], [cash(5000)])
    before = snapshot(product)

    with pytest.raises(InvalidNumber, match="número entero"):
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: "1.5"})
    with pytest.raises(InvalidNumber, match="es ambiguo: escriba 1000 o 1"):
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: "1.000"})

    assert snapshot(product) == before


# --- Refund methods, Ley 20.956 ------------------------------------------------------


def test_full_cash_return_gives_back_exactly_the_rounded_cash_paid(terminal, cashier, nc_series):
    """Ley 20.956: the sale of $1.235 was paid $1.230 in cash (rounding −5). Its full return
    credits $1.235 (the document) but hands back $1.230 — exactly what the customer paid —
    and records the same −5 rounding on the credit note."""
    item = make_product(name="Chocolate", price_clp=1235)
    sale = sell(terminal, cashier, [line(item)], [cash(2000)])
    assert (sale.total_clp, sale.cash_rounding_clp, sale.amount_charged_clp) == (1235, -5, 1230)

    note = make_return(terminal=terminal, user=cashier, sale=sale)

    assert note.total_clp == 1235
    assert refunds_of(note) == {"efectivo": 1230}
    assert note.cash_rounding_clp == -5
    assert note.amount_refunded_clp == sale.amount_charged_clp


def test_partial_cash_refunds_are_multiples_of_ten_and_add_up_to_the_cash_paid(
    terminal, cashier, nc_series
):
    # 3 × $415 = $1.245, paid $1.240 in cash.
    item = make_product(name="Chicle", price_clp=415)
    sale = sell(terminal, cashier, [line(item, "3")], [cash(2000)])
    assert sale.amount_charged_clp == 1240

    notes = [
        make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1}) for _ in range(3)
    ]

    cash_back = [refunds_of(n)["efectivo"] for n in notes]
    assert [n.total_clp for n in notes] == [415, 415, 415]
    # Cumulative: round_cash(415) = 410, round_cash(830) = 830, round_cash(1245) = 1240.
    assert cash_back == [410, 420, 410]
    assert all(amount % 10 == 0 for amount in cash_back)
    assert sum(cash_back) == 1240
    assert [n.cash_rounding_clp for n in notes] == [-5, 5, -5]
    assert all(n.amount_refunded_clp == refunds_of(n)["efectivo"] for n in notes)


def test_mixed_payments_are_refunded_in_proportion(terminal, cashier, nc_series):
    item = make_product(name="Parlante", price_clp=10_000)
    sale = sell(
        terminal,
        cashier,
        [line(item, "2")],
        [PaymentInput(method="debito", amount_clp=15_000), cash(5000)],
    )

    half = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})
    rest = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})

    assert refunds_of(half) == {"debito": 7500, "efectivo": 2500}
    assert refunds_of(rest) == {"debito": 7500, "efectivo": 2500}


def test_store_credit_refund_lowers_the_customers_balance(terminal, cashier, nc_series):
    customer = make_customer(credit_limit_clp=50_000)
    item = make_product(name="Arroz", price_clp=1500)
    sale = sell(
        terminal,
        cashier,
        [line(item, "4")],
        [PaymentInput(method="cuenta_corriente", amount_clp=6000)],
        customer_id=customer.pk,
    )
    customer.refresh_from_db()
    assert customer.balance_clp == 6000

    note = make_return(
        terminal=terminal, user=cashier, sale=sale, lines={1: 1}, refund_to="cuenta_corriente"
    )

    customer.refresh_from_db()
    assert customer.balance_clp == 4500
    assert refunds_of(note) == {"cuenta_corriente": 1500}
    entry = AccountEntry.objects.filter(kind="nota_credito").get()
    assert (entry.amount_clp, entry.balance_after_clp, entry.sale) == (-1500, 4500, sale)


def test_cash_sale_of_an_identified_customer_can_be_returned_as_store_credit(
    terminal, cashier, nc_series
):
    customer = make_customer()
    item = make_product(name="Aceite", price_clp=2990)
    sale = sell(terminal, cashier, [line(item)], [cash(3000)], customer_id=customer.pk)
    # No cash leaves the drawer, so no open session is needed.
    terminal_closed = make_terminal(open_session=False)

    note = make_return(
        terminal=terminal_closed, user=cashier, sale=sale, refund_to="cuenta_corriente"
    )

    customer.refresh_from_db()
    assert customer.balance_clp == -2990  # in the customer's favour
    assert note.cash_session is None and refunds_of(note) == {"cuenta_corriente": 2990}


def test_fiado_sale_returned_by_original_method_goes_back_to_the_account(
    terminal, cashier, nc_series
):
    customer = make_customer(credit_limit_clp=20_000)
    item = make_product(name="Azúcar", price_clp=1000)
    sale = sell(
        terminal,
        cashier,
        [line(item, "2")],
        [PaymentInput(method="cuenta_corriente", amount_clp=1200), cash(800)],
        customer_id=customer.pk,
    )

    make_return(terminal=terminal, user=cashier, sale=sale)

    customer.refresh_from_db()
    assert customer.balance_clp == 0


def test_store_credit_for_the_final_consumer_is_refused(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    before = snapshot(product)

    with pytest.raises(ReturnRejected, match="consumidor final"):
        make_return(terminal=terminal, user=cashier, sale=sale, refund_to="cuenta_corriente")

    assert snapshot(product) == before


# --- Refusals: nothing changes -------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            {"series_code": "B9", "number": 4711},
            "El documento B9 N° 4711 no existe en esta tienda.",
        ),
        ({"number": 4711}, "El documento N° 4711 no existe en esta tienda."),
        (
            {"sale_uuid": uuid.UUID("8d0c0b7e-5b1e-4c39-a0a7-5e3a0b1c2d3e")},
            "El documento 8d0c0b7e-5b1e-4c39-a0a7-5e3a0b1c2d3e no existe en esta tienda.",
        ),
    ],
)
def test_another_stores_document_is_refused(
    terminal, cashier, product, nc_series, reference, message
):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    before = snapshot(product)

    with pytest.raises(DocumentNotFound) as refused:
        sale_return(
            terminal=terminal,
            user=cashier,
            data=return_input(sale, sale_id=None, **reference),
        )

    assert str(refused.value) == message
    assert refused.value.status == 404
    assert snapshot(product) == before


def test_the_document_is_found_by_series_and_number_as_printed(
    terminal, cashier, product, nc_series
):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    code = sale.series.code

    note = make_return(
        terminal=terminal, user=cashier, sale=sale, sale_id=None, series_code=code, number=1
    )

    assert note.sale == sale
    assert sale_find_text(f"{code}-1") == sale
    assert sale_find_text(f"{code.upper()} N° 1") == sale
    assert sale_find_text("1") == sale
    assert sale_find_text(str(sale.client_uuid)) == sale
    assert sale_find_text("B9-99") is None and sale_find_text("¿?") is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([ReturnLineInput(position=1, quantity=Decimal("0"))], "debe ser mayor que cero"),
        ([ReturnLineInput(position=1, quantity=Decimal("-1"))], "no admite valores negativos"),
        ([ReturnLineInput(position=1, quantity=Decimal("NaN"))], "no es un número"),
        ([ReturnLineInput(position=1, quantity=Decimal("3"))], "se vendieron 2: no se pueden"),
        ([ReturnLineInput(position=9, quantity=Decimal("1"))], "La línea 9 no pertenece"),
        ([ReturnLineInput(position=2, quantity=Decimal("1"))], "se anuló en la venta"),
        (
            [
                ReturnLineInput(position=1, quantity=Decimal("1")),
                ReturnLineInput(position=1, quantity=Decimal("1")),
            ],
            "aparece dos veces",
        ),
        ([ReturnLineInput(quantity=Decimal("1"))], "Indique qué línea"),
        ([], "al menos una línea"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(
    terminal, cashier, supervisor, product, nc_series, lines, message
):
    other = make_product(name="Yogur", price_clp=450)
    approval = approval_grant(
        pin="4321", action="anular_linea", requested_by=cashier, terminal=terminal
    )
    sale = sell(
        terminal,
        cashier,
        [line(product, "2"), line(other, is_voided=True, approval_id=approval.pk)],
        [cash(5000)],
    )
    before = snapshot(product, other)

    with pytest.raises((ReturnRejected, InvalidNumber), match=message):
        sale_return(
            terminal=terminal,
            user=cashier,
            data=ReturnInput(client_uuid=uuid.uuid4(), lines=lines, reason="x", sale_id=sale.pk),
        )

    assert snapshot(product, other) == before


def test_a_line_of_another_sale_is_refused(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    other_sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    before = snapshot(product)

    with pytest.raises(ReturnRejected, match="no pertenece"):
        sale_return(
            terminal=terminal,
            user=cashier,
            data=ReturnInput(
                client_uuid=uuid.uuid4(),
                lines=[
                    ReturnLineInput(sale_line_id=other_sale.lines.get().pk, quantity=Decimal(1))
                ],
                reason="Error",
                sale_id=sale.pk,
            ),
        )

    assert snapshot(product) == before


def test_a_reason_is_required(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    before = snapshot(product)

    with pytest.raises(ReturnRejected, match="motivo"):
        make_return(terminal=terminal, user=cashier, sale=sale, reason="   ")

    assert snapshot(product) == before


def test_a_cash_refund_needs_an_open_session_at_the_refunding_terminal(
    terminal, cashier, supervisor, product, nc_series
):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    closed = make_terminal(open_session=False)
    before = snapshot(product)

    with pytest.raises(SessionClosed) as refused:
        make_return(terminal=closed, user=cashier, sale=sale)

    assert "no está abierta" in str(refused.value) and "$1.190" in str(refused.value)
    assert snapshot(product) == before


def test_a_card_refund_needs_no_open_session(terminal, cashier, product, nc_series):
    sale = sell(
        terminal, cashier, [line(product)], [PaymentInput(method="debito", amount_clp=1190)]
    )

    note = make_return(terminal=make_terminal(open_session=False), user=cashier, sale=sale)

    assert refunds_of(note) == {"debito": 1190} and note.cash_session is None


def test_without_a_credit_note_series_the_return_is_refused(terminal, cashier, product):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    before = snapshot(product)

    with pytest.raises(ReturnRejected, match="serie activa de notas de crédito"):
        make_return(terminal=terminal, user=cashier, sale=sale)

    assert snapshot(product) == before


def test_the_first_active_credit_note_series_by_code_is_used(terminal, cashier, product):
    make_credit_note_series(code="NC2")
    first = make_credit_note_series(code="NC1")
    make_credit_note_series(code="NC0")
    DocumentSeries.objects.filter(code="NC0").update(is_active=False)
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])

    assert make_return(terminal=terminal, user=cashier, sale=sale).series == first


def test_unknown_refund_mode_is_refused(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])

    with pytest.raises(ReturnRejected, match="Forma de devolución desconocida"):
        make_return(terminal=terminal, user=cashier, sale=sale, refund_to="bitcoin")


# --- Damaged goods -------------------------------------------------------------------


def test_damaged_goods_are_recorded_and_written_off(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product, "2")], [cash(5000)])

    note = make_return(terminal=terminal, user=cashier, sale=sale, restock={1: False})

    kinds = list(
        StockMovement.objects.filter(reference=f"{nc_series.code}-{note.number}")
        .order_by("id")
        .values_list("kind", "quantity")
    )
    assert kinds == [("devolucion", Decimal("2.000")), ("ajuste", Decimal("-2.000"))]
    assert stock(product) == -2 == ledger(product)
    assert note.lines.get().restock is False


# --- Idempotency, numbering ----------------------------------------------------------


def test_the_same_return_sent_twice_is_made_once(terminal, cashier, product, nc_series):
    sale = sell(terminal, cashier, [line(product, "2")], [cash(5000)])
    approval = return_approval(terminal=terminal, user=cashier, sale=sale)
    data = return_input(sale, {1: 1}, approval_id=approval.pk)

    first, created = sale_return(terminal=terminal, user=cashier, data=data)
    again, created_again = sale_return(terminal=terminal, user=cashier, data=data)

    assert (created, created_again) == (True, False)
    assert first == again and CreditNote.objects.count() == 1
    changed = return_input(sale, {1: 2}, client_uuid=data.client_uuid)
    with pytest.raises(IdempotencyConflict):
        sale_return(terminal=terminal, user=cashier, data=changed)


def test_credit_note_numbers_are_gapless_and_chained_despite_refusals(
    terminal, cashier, product, nc_series
):
    sales = [sell(terminal, cashier, [line(product, "2")], [cash(5000)]) for _ in range(3)]

    make_return(terminal=terminal, user=cashier, sale=sales[0], lines={1: 1})
    with pytest.raises(ReturnRejected):
        make_return(terminal=terminal, user=cashier, sale=sales[1], lines={1: 5})
    make_return(terminal=terminal, user=cashier, sale=sales[1], lines={1: 2})
    make_return(terminal=terminal, user=cashier, sale=sales[0], lines={1: 1})
    make_return(terminal=terminal, user=cashier, sale=sales[2], lines={1: 1})

    assert list(CreditNote.objects.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert_credit_chain_verifies(nc_series)
    assert_chain_verifies(terminal.boleta_series)  # the sales' own chain is untouched


# --- Voids -----------------------------------------------------------------------------


def void_approval(sale, terminal, requested_by, action="anular_venta"):
    """What the till asks for before a void: a supervisor's approval for this sale, given
    to the cashier at the terminal."""
    return approval_grant(
        pin="4321", action=action, requested_by=requested_by, terminal=terminal, obj=sale
    )


def test_same_day_void_with_a_supervisor_approval(
    terminal, cashier, supervisor, product, nc_series
):
    other = make_product(name="Pan", price_clp=1235)
    sale = sell(terminal, cashier, [line(product, "2"), line(other)], [cash(5000)])
    approval = void_approval(sale, terminal, cashier)

    note, created = sale_void(
        sale_id=sale.pk, terminal=terminal, user=cashier, approval_id=approval.pk
    )

    assert created and note.kind == "anulacion" and note.reason == "Anulación"
    assert note.approval == approval
    assert note.total_clp == sale.total_clp
    assert refunds_of(note) == {"efectivo": sale.amount_charged_clp}
    assert note.cash_rounding_clp == sale.cash_rounding_clp
    sale.refresh_from_db()
    assert sale.status == "anulada"
    approval.refresh_from_db()
    assert approval.used_at is not None
    assert stock(product) == 0 == ledger(product) and stock(other) == 0
    # Nothing deleted, the sales' chain still verifies (the status is not chained).
    assert Sale.objects.count() == 1 and sale.lines.count() == 2
    assert_chain_verifies(terminal.boleta_series)
    assert_credit_chain_verifies(nc_series)


def test_a_supervisor_voiding_still_records_an_approval(terminal, supervisor, product, nc_series):
    sale = sell(terminal, supervisor, [line(product)], [cash(2000)])
    before = snapshot(product)

    with pytest.raises(ApprovalRefused):
        sale_void(sale_id=sale.pk, terminal=terminal, user=supervisor, approval_id=None)
    assert snapshot(product) == before

    note, _created = sale_void(
        sale_id=sale.pk,
        terminal=terminal,
        user=supervisor,
        approval_id=void_approval(sale, terminal, supervisor).pk,
        reason="Cliente se arrepintió",
    )
    assert note.approval.approved_by == supervisor
    assert note.reason == "Anulación: Cliente se arrepintió"


def test_void_refuses_a_used_or_wrong_approval(terminal, cashier, supervisor, product, nc_series):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    other_sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    used = void_approval(sale, terminal, cashier)
    sale_void(sale_id=sale.pk, terminal=terminal, user=cashier, approval_id=used.pk)
    discount = void_approval(other_sale, terminal, cashier, action="descuento")
    for_the_other = void_approval(other_sale, terminal, cashier)
    before = snapshot(product)

    refusals = [
        (used.pk, sale, "aprobacion_usada"),
        (discount.pk, other_sale, "aprobacion_otra_accion"),
        (999_999, other_sale, "aprobacion_inexistente"),
        (for_the_other.pk, sale, "aprobacion_otro_documento"),
    ]
    for approval_id, target, code in refusals:
        with pytest.raises(ApprovalRefused) as error:
            sale_void(sale_id=target.pk, terminal=terminal, user=cashier, approval_id=approval_id)
        assert error.value.code == code

    assert snapshot(product) == before


def test_an_approval_from_one_till_cannot_void_at_another_for_someone_else(
    terminal, cashier, supervisor, product, nc_series
):
    # given: a sale at Caja 2 by another cashier, and an approval given at Caja 1
    caja2, other_cashier = make_terminal(), make_user(role="cajero")
    sale = sell(caja2, other_cashier, [line(product)], [cash(2000)])
    at_caja1 = void_approval(sale, terminal, cashier)
    before = snapshot(product)

    # when / then: neither the other cashier at Caja 2 nor the first one there may use it
    with pytest.raises(ApprovalRefused) as error:
        sale_void(sale_id=sale.pk, terminal=caja2, user=other_cashier, approval_id=at_caja1.pk)
    assert error.value.code == "aprobacion_otra_persona"
    with pytest.raises(ApprovalRefused) as error:
        sale_void(sale_id=sale.pk, terminal=caja2, user=cashier, approval_id=at_caja1.pk)
    assert error.value.code == "aprobacion_otra_caja"
    assert snapshot(product) == before
    assert not CreditNote.objects.exists()
    assert Approval.objects.get(pk=at_caja1.pk).used_at is None


def test_a_cashiers_return_needs_a_supervisors_approval_for_the_sale_and_amount(
    terminal, cashier, supervisor, product, nc_series
):
    sale = sell(terminal, cashier, [line(product, "2")], [cash(5000)])
    other = sell(terminal, cashier, [line(product)], [cash(2000)])
    before = snapshot(product)
    attempts = [
        (None, "requiere_aprobacion"),
        (
            return_approval(terminal=terminal, user=cashier, sale=other).pk,
            "aprobacion_otro_documento",
        ),
        (
            return_approval(terminal=terminal, user=cashier, sale=sale, amount_clp=1189).pk,
            "aprobacion_insuficiente",
        ),
    ]

    for approval_id, code in attempts:
        with pytest.raises(ApprovalRefused) as error:
            make_return(
                terminal=terminal, user=cashier, sale=sale, lines={1: 1}, approval_id=approval_id
            )
        assert error.value.code == code

    assert snapshot(product) == before
    assert not CreditNote.objects.exists() and not Refund.objects.exists()
    approval = return_approval(terminal=terminal, user=cashier, sale=sale, amount_clp=1190)
    note = make_return(
        terminal=terminal, user=cashier, sale=sale, lines={1: 1}, approval_id=approval.pk
    )
    assert note.approval == approval and note.total_clp == 1190
    # a supervisor returns on their own authority, as on the back-office page
    assert make_return(terminal=terminal, user=supervisor, sale=sale, lines={1: 1}).approval is None


def test_a_wrong_pin_gives_no_approval(terminal, cashier, supervisor):
    with pytest.raises(ApprovalRefused, match="PIN de supervisor incorrecto"):
        approval_grant(pin="0000", action="anular_venta", requested_by=cashier)
    assert not Approval.objects.exists()


def test_a_sale_of_another_day_cannot_be_voided_only_returned(
    terminal, cashier, supervisor, product, nc_series
):
    yesterday = timezone.now() - timedelta(days=1)
    sale, _created = sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input(lines=[line(product)], payments=[cash(2000)]),
        issued_at=yesterday,
    )
    approval = void_approval(sale, terminal, cashier)
    before = snapshot(product)

    with pytest.raises(VoidRejected, match="solo se anula una venta el mismo día"):
        sale_void(sale_id=sale.pk, terminal=terminal, user=cashier, approval_id=approval.pk)

    assert snapshot(product) == before
    approval.refresh_from_db()
    assert approval.used_at is None
    assert make_return(terminal=terminal, user=cashier, sale=sale).total_clp == 1190


def test_voided_or_fully_returned_sales_cannot_be_voided_or_returned_again(
    terminal, cashier, supervisor, product, nc_series
):
    voided = sell(terminal, cashier, [line(product)], [cash(2000)])
    returned = sell(terminal, cashier, [line(product)], [cash(2000)])
    sale_void(
        sale_id=voided.pk,
        terminal=terminal,
        user=cashier,
        approval_id=void_approval(voided, terminal, cashier).pk,
    )
    make_return(terminal=terminal, user=cashier, sale=returned)
    before = snapshot(product)

    with pytest.raises(VoidRejected, match="ya está anulada"):
        sale_void(
            sale_id=voided.pk,
            terminal=terminal,
            user=cashier,
            approval_id=void_approval(voided, terminal, cashier).pk,
        )
    with pytest.raises(ReturnRejected, match="está anulada: no admite devoluciones"):
        make_return(terminal=terminal, user=cashier, sale=voided)
    with pytest.raises(VoidRejected, match="ya fue devuelta completa"):
        sale_void(
            sale_id=returned.pk,
            terminal=terminal,
            user=cashier,
            approval_id=void_approval(returned, terminal, cashier).pk,
        )

    used_before = before[-1]
    assert snapshot(product)[:-1] == before[:-1]
    assert Approval.objects.filter(used_at__isnull=False).count() == used_before


def test_a_partly_returned_sale_cannot_be_voided(terminal, cashier, supervisor, product, nc_series):
    sale = sell(terminal, cashier, [line(product, "3")], [cash(5000)])
    make_return(terminal=terminal, user=cashier, sale=sale, lines={1: 1})
    before = snapshot(product)

    with pytest.raises(VoidRejected, match="ya tiene devoluciones"):
        sale_void(
            sale_id=sale.pk,
            terminal=terminal,
            user=cashier,
            approval_id=void_approval(sale, terminal, cashier).pk,
        )

    assert snapshot(product)[:-1] == before[:-1]


def test_a_sale_is_voided_only_at_its_own_terminal_and_open_session(
    terminal, cashier, supervisor, product, nc_series
):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    other = make_terminal()
    closed = make_terminal(open_session=False)
    before = snapshot(product)

    with pytest.raises(VoidRejected, match="otra caja o de una sesión de caja ya cerrada"):
        sale_void(
            sale_id=sale.pk,
            terminal=other,
            user=cashier,
            approval_id=void_approval(sale, other, cashier).pk,
        )
    with pytest.raises(SessionClosed, match="no está abierta"):
        sale_void(
            sale_id=sale.pk,
            terminal=closed,
            user=cashier,
            approval_id=void_approval(sale, closed, cashier).pk,
        )

    assert snapshot(product)[:-1] == before[:-1]
    assert Approval.objects.filter(used_at__isnull=False).count() == 0


def test_void_of_an_unknown_sale_is_refused(terminal, cashier, supervisor, nc_series):
    with pytest.raises(DocumentNotFound, match="no existe en esta tienda"):
        sale_void(sale_id=424242, terminal=terminal, user=cashier, approval_id=None)


def test_void_retry_with_the_same_uuid_returns_the_same_note(
    terminal, cashier, supervisor, product, nc_series
):
    sale = sell(terminal, cashier, [line(product)], [cash(2000)])
    approval = void_approval(sale, terminal, cashier)
    key = uuid.uuid4()

    note, created = sale_void(
        sale_id=sale.pk, terminal=terminal, user=cashier, approval_id=approval.pk, client_uuid=key
    )
    again, created_again = sale_void(
        sale_id=sale.pk, terminal=terminal, user=cashier, approval_id=approval.pk, client_uuid=key
    )

    assert (created, created_again) == (True, False) and note == again


# --- Cash session totals (for the Z report) -------------------------------------------


def test_credit_note_totals_for_session(terminal, cashier, supervisor, nc_series):
    item = make_product(name="Chicle", price_clp=415)
    card = sell(
        terminal, cashier, [line(item, "2")], [PaymentInput(method="debito", amount_clp=830)]
    )
    cash_sale = sell(terminal, cashier, [line(item, "3")], [cash(2000)])
    make_return(terminal=terminal, user=cashier, sale=card, lines={1: 1})
    make_return(terminal=terminal, user=cashier, sale=cash_sale, lines={1: 1})
    make_return(terminal=terminal, user=cashier, sale=cash_sale, lines={1: 2})
    voided = sell(terminal, cashier, [line(item)], [cash(500)])  # 415 paid 410 in cash
    sale_void(
        sale_id=voided.pk,
        terminal=terminal,
        user=cashier,
        approval_id=void_approval(voided, terminal, cashier).pk,
    )
    session = CashSession.objects.get(terminal=terminal, status="abierta")

    totals = credit_note_totals_for_session(session=session)

    assert totals["count"] == 4 and (totals["first_number"], totals["last_number"]) == (1, 4)
    assert totals["total_clp"] == 415 + 1245 + 415
    assert totals["by_method"]["debito"] == 415
    assert totals["cash_out_clp"] == totals["by_method"]["efectivo"] == 1240 + 410
    assert totals["cash_rounding_clp"] == -5 + 0 - 5
    assert sum(totals["by_method"].values()) == totals["total_clp"] + totals["cash_rounding_clp"]
    assert (totals["voids"], totals["voids_total_clp"]) == (1, 415)
    assert totals["net_clp"] + totals["iva_clp"] == totals["total_clp"]
    empty = credit_note_totals_for_session(session=make_terminal().cash_sessions.get())
    assert empty["count"] == 0 and empty["first_number"] is None
