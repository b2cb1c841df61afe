"""`itplus audit` on credit notes: a clean store passes; each kind of tampering is named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F

from itplus.core.audit import run_audit
from itplus.store.accounts.approvals import approval_grant
from itplus.store.sales.models import CreditNote, CreditNoteLine, DocumentSeries, Refund, Sale
from itplus.store.sales.returns.services import sale_void
from itplus.store.sales.selectors import series_chain_heads as chain_heads
from itplus.store.sales.services import LineInput, PaymentInput
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.maintenance.support import raw_delete
from tests.store.sales.factories import make_credit_note_series, make_return


@pytest.fixture
def shop(db):
    series = make_credit_note_series(code="NC1")
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    make_user(role="supervisor", pin="4321")
    chicle = make_product(name="Chicle", price_clp=415)
    beer = make_product(name="Cerveza", price_clp=1593, ila_tax="ila_205")

    def sale(quantity=3, **kwargs):
        return make_sale(
            terminal=terminal,
            cashier=cashier,
            products=[],
            lines=[
                LineInput(code=chicle.barcodes.first().code, quantity=Decimal(quantity)),
                LineInput(code=beer.barcodes.first().code, quantity=Decimal(1)),
            ],
            **kwargs,
        )

    returned = sale()
    notes = [
        make_return(terminal=terminal, user=cashier, sale=returned, lines={1: 1}),
        make_return(terminal=terminal, user=cashier, sale=returned, lines={1: 2, 2: 1}),
    ]
    mixed = sale(
        payments=[
            PaymentInput(method="debito", amount_clp=1000),
            PaymentInput(method="efectivo", amount_clp=5000),
        ]
    )
    notes.append(make_return(terminal=terminal, user=cashier, sale=mixed, lines={1: 2}))
    voided = sale()
    approval = approval_grant(
        pin="4321", action="anular_venta", requested_by=cashier, terminal=terminal, obj=voided
    )
    notes.append(
        sale_void(sale_id=voided.pk, terminal=terminal, user=cashier, approval_id=approval.pk)[0]
    )
    return {"series": series, "notes": notes, "voided": voided, "mixed": mixed}


def problems(check=None):
    report = run_audit()
    return [p for p in report.problems if check is None or p.check == check]


def test_clean_store_with_returns_and_voids_passes(shop):
    report = run_audit()

    assert report.ok, report.problems
    assert report.checked["notas de crédito"] == 4
    assert report.checked["líneas de notas de crédito"] == 6


def test_chain_heads_name_the_last_credit_note(shop):
    heads = chain_heads()

    last = shop["notes"][-1]
    assert heads["NC1"] == {"number": 4, "hash": last.chain_hash}


def test_an_edited_credit_note_total_is_detected(shop):
    note = shop["notes"][1]
    CreditNote.objects.filter(pk=note.pk).update(
        total_clp=F("total_clp") + 1000, net_clp=F("net_clp") + 1000
    )

    found = problems()

    assert {p.check for p in found} == {"cadena", "totales", "pagos"}
    assert all(p.document == "Nota de crédito NC1 N° 2" for p in found)
    assert any("fue modificado después de emitido" in p.message for p in found)
    assert any("no coincide con la suma de sus líneas" in p.message for p in found)


def test_an_edited_refund_is_detected(shop):
    note = shop["notes"][2]
    Refund.objects.filter(credit_note=note, method="debito").update(method="efectivo")

    found = problems()

    assert ("cadena", "Nota de crédito NC1 N° 3") in [(p.check, p.document) for p in found]
    assert {p.document for p in found} == {"Nota de crédito NC1 N° 3"}


def test_a_line_credited_beyond_what_was_sold_is_detected(shop):
    line = CreditNoteLine.objects.filter(credit_note=shop["notes"][0]).get()
    CreditNoteLine.objects.filter(pk=line.pk).update(quantity=Decimal(3))

    found = problems("devoluciones")

    [problem] = found
    assert "se devolvió por más de lo vendido" in problem.message
    assert problem.document.endswith("N° 1") and problem.document.startswith("Boleta")


def test_a_deleted_credit_note_is_detected(shop):
    raw_delete(CreditNote, [shop["notes"][1].pk])

    found = problems()

    assert ("numeracion", "Nota de crédito NC1 N° 3") in {(p.check, p.document) for p in found}
    assert any(p.check == "cadena" for p in found)


def test_a_sale_marked_voided_without_a_void_note_and_the_reverse(shop):
    Sale.objects.filter(pk=shop["mixed"].pk).update(status="anulada")
    Sale.objects.filter(pk=shop["voided"].pk).update(status="emitida")

    found = problems("devoluciones")

    messages = sorted(p.message for p in found)
    assert len(messages) == 2
    assert "no figura anulada" in messages[0] or "no figura anulada" in messages[1]
    assert any("no tiene nota de crédito de anulación" in m for m in messages)


def test_series_head_and_next_number_are_checked(shop):
    DocumentSeries.objects.filter(pk=shop["series"].pk).update(
        last_hash="f" * 64, next_number=F("next_number") + 1
    )

    found = problems()

    assert {p.check for p in found} == {"cadena", "numeracion"}
    assert all(p.document == "Nota de crédito NC1" for p in found)


def test_sale_series_walk_ignores_credit_note_series(shop):
    # The sale walk would report the credit-note series' numbering as broken if it
    # walked it; the credit-note walk counts it once.
    report = run_audit()

    assert report.checked["series"] == DocumentSeries.objects.count()
    assert report.ok
