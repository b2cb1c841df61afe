"""`itplus audit`: a clean store passes; every kind of tampering is named."""

import json
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from itplus.core import audit
from itplus.core.audit import run_audit
from itplus.core.integrity import GENESIS_HASH
from itplus.store.sales import audit_checks as sale_audit
from itplus.store.sales.models import DocumentSeries, Payment, Sale, SaleLine
from itplus.store.sales.selectors import series_chain_heads as chain_heads
from itplus.store.sales.services import LineInput, PaymentInput, sale_complete
from tests.factories import (
    make_product,
    make_sale,
    make_series,
    make_terminal,
    make_user,
    sale_input,
)
from tests.store.maintenance.support import raw_delete

SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")


@pytest.fixture
def store(db):
    """Five sales on series B1: discounts, a voided line, ILA and exempt products,
    card + cash payments, cash rounding, and dates in local time (not UTC)."""
    series = make_series(code="B1")
    terminal = make_terminal(boleta_series=series)
    admin = make_user(role="administrador")
    milk = make_product(name="Leche", price_clp=1190)
    beer = make_product(name="Cerveza", price_clp=1593, ila_tax="ila_205")
    eggs = make_product(name="Huevos", price_clp=2999, is_exempt=True)
    start = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=SANTIAGO)
    inputs = [
        sale_input([milk]),
        sale_input([milk, beer, eggs], ticket_discount_clp=100),
        sale_input(
            lines=[
                LineInput(code=milk.barcodes.first().code, quantity=Decimal("3"), discount_clp=50),
                LineInput(code=beer.barcodes.first().code, is_voided=True),
            ]
        ),
        sale_input(
            [beer, eggs],
            payments=[
                PaymentInput(method="debito", amount_clp=2000),
                PaymentInput(method="efectivo", amount_clp=5000),
            ],
        ),
        sale_input([eggs], payments=[PaymentInput(method="credito", amount_clp=2999)]),
    ]
    sales = []
    for i, data in enumerate(inputs):
        sale, _created = sale_complete(
            terminal=terminal, cashier=admin, data=data, issued_at=start + timedelta(minutes=i)
        )
        sales.append(sale)
    return {"series": series, "sales": sales, "terminal": terminal, "user": admin}


def problems_of(report, check=None):
    return [p for p in report.problems if check is None or p.check == check]


def sales_problems(report):
    """The sales walk's problems (a deleted sale also unbalances the inventory ledger,
    which the inventory check reports separately)."""
    return [p for p in report.problems if p.check != "inventario"]


def test_clean_store_passes(store):
    report = run_audit()

    assert report.ok, report.problems
    assert report.checked["series"] == 1
    assert report.checked["documentos"] == 5
    assert report.checked["líneas"] == 9
    assert any(s.cash_rounding_clp for s in Sale.objects.all())  # rounding was exercised


def test_empty_store_passes(db):
    make_series(code="B9")
    assert run_audit().ok


def test_sale_total_edited_in_database_names_the_document(store):
    # given a total changed behind the services' back (taxes adjusted to pass the constraint)
    third = store["sales"][2]
    Sale.objects.filter(pk=third.pk).update(
        total_clp=F("total_clp") - 1000, net_clp=F("net_clp") - 1000
    )

    report = run_audit()

    assert not report.ok
    totals = problems_of(report, "totales")
    assert [p.document for p in totals] == ["Boleta B1 N° 3"]
    assert "el total no coincide con la suma de sus líneas" in totals[0].message
    chain = problems_of(report, "cadena")
    assert [p.document for p in chain] == ["Boleta B1 N° 3"]
    assert "modificado" in chain[0].message
    assert problems_of(report, "pagos")[0].document == "Boleta B1 N° 3"


def test_line_total_edited_names_the_document(store):
    line = SaleLine.objects.get(sale=store["sales"][1], position=2)
    SaleLine.objects.filter(pk=line.pk).update(
        gross_clp=F("gross_clp") + 500, total_clp=F("total_clp") + 500, net_clp=F("net_clp") + 500
    )

    report = run_audit()

    assert {p.document for p in report.problems} == {"Boleta B1 N° 2"}
    assert {p.check for p in report.problems} == {"totales", "cadena"}


def test_line_discount_edit_breaks_the_chain(store):
    line = SaleLine.objects.get(sale=store["sales"][2], position=1)
    SaleLine.objects.filter(pk=line.pk).update(
        discount_clp=F("discount_clp") + 10, gross_clp=F("gross_clp") + 10
    )

    report = run_audit()

    assert ("cadena", "Boleta B1 N° 3") in {(p.check, p.document) for p in report.problems}


def test_document_deleted_from_the_middle_names_gap_and_neighbour(store):
    third = store["sales"][2]
    raw_delete(Sale, [third.pk])  # with its lines, payments and stock movements

    report = run_audit()

    numbering = problems_of(report, "numeracion")
    assert [p.document for p in numbering] == ["Boleta B1 N° 4"]
    assert "N° 3" in numbering[0].message
    chain = problems_of(report, "cadena")
    assert [p.document for p in chain] == ["Boleta B1 N° 4"]
    assert "Boleta B1 N° 2" in chain[0].message
    assert not problems_of(report, "totales")


def test_first_document_deleted_breaks_the_chain(store):
    first = store["sales"][0]
    raw_delete(Sale, [first.pk])  # with its lines, payments and stock movements

    report = run_audit()

    assert [(p.check, p.document) for p in sales_problems(report)] == [
        ("numeracion", "Boleta B1 N° 2"),
        ("cadena", "Boleta B1 N° 2"),
    ]
    # Its stock movements went with it: the inventory ledger no longer adds up either.
    assert problems_of(report, "inventario")


def test_last_document_deleted_is_caught_by_the_series_head(store):
    last = store["sales"][-1]
    raw_delete(Sale, [last.pk])  # with its lines, payments and stock movements

    report = run_audit()

    assert {(p.check, p.document) for p in sales_problems(report)} == {
        ("cadena", "Boleta B1"),
        ("numeracion", "Boleta B1"),
    }


def test_only_the_first_broken_link_is_reported(store):
    for sale in store["sales"][1:4]:
        Sale.objects.filter(pk=sale.pk).update(issued_at=F("issued_at") + timedelta(hours=1))

    chain = problems_of(run_audit(), "cadena")

    assert [p.document for p in chain] == ["Boleta B1 N° 2"]


def test_series_last_hash_mismatch(store):
    DocumentSeries.objects.filter(pk=store["series"].pk).update(last_hash="f" * 64)

    report = run_audit()

    assert [(p.check, p.document) for p in report.problems] == [("cadena", "Boleta B1")]
    assert "Boleta B1 N° 5" in report.problems[0].message


def test_series_next_number_mismatch(store):
    DocumentSeries.objects.filter(pk=store["series"].pk).update(next_number=9)

    report = run_audit()

    assert [(p.check, p.document) for p in report.problems] == [("numeracion", "Boleta B1")]
    assert "9" in report.problems[0].message


def test_document_beyond_the_series_counter_is_reported(store):
    # a sale numbered past next_number (inserted behind the till's back)
    fifth = store["sales"][4]
    DocumentSeries.objects.filter(pk=store["series"].pk).update(
        next_number=5, last_hash=fifth.previous_hash
    )

    report = run_audit()

    assert [(p.check, p.document) for p in report.problems] == [("numeracion", "Boleta B1 N° 5")]


def test_payment_edited(store):
    payment = Payment.objects.filter(sale=store["sales"][3], method="debito").get()
    Payment.objects.filter(pk=payment.pk).update(amount_clp=F("amount_clp") + 1000)

    report = run_audit()

    # payments are in the chain too, so both the sum and the link flag it
    assert {(p.check, p.document) for p in report.problems} == {
        ("pagos", "Boleta B1 N° 4"),
        ("cadena", "Boleta B1 N° 4"),
    }
    (sums,) = problems_of(report, "pagos")
    assert "no coinciden con el total cobrado" in sums.message


def test_cash_rounding_out_of_range(store):
    sale = store["sales"][0]
    Sale.objects.filter(pk=sale.pk).update(cash_rounding_clp=7)
    Payment.objects.filter(sale=sale).update(amount_clp=sale.total_clp + 7)

    report = run_audit()

    pagos = problems_of(report, "pagos")
    assert {p.document for p in report.problems} == {"Boleta B1 N° 1"}
    assert any("±5" in p.message for p in pagos)
    assert any("redondeado a 10" in p.message for p in pagos)


def test_several_series_are_audited_independently(store):
    other = make_series(code="B2")
    terminal = make_terminal(boleta_series=other)
    product = make_product(price_clp=500)
    for _ in range(3):
        make_sale(terminal=terminal, cashier=store["user"], products=[product])
    Sale.objects.filter(series=other, number=2).update(issued_at=F("issued_at") + timedelta(1))

    report = run_audit()

    assert report.checked["series"] == 2
    assert [(p.check, p.document) for p in report.problems] == [("cadena", "Boleta B2 N° 2")]


def test_walks_in_pages_with_bounded_queries(store, monkeypatch):
    monkeypatch.setattr(sale_audit, "PAGE_SIZE", 2)
    # The sales walk alone: the other apps' checks (inventory, cash, …) have their own.
    monkeypatch.setattr(audit, "CHECKS", [sale_audit.check_sales])

    with CaptureQueriesContext(connection) as queries:
        report = run_audit()

    assert report.ok
    # 1 series query + per page (3 pages of ≤2 sales): sales, lines, payments + tail checks
    assert len(queries) <= 1 + 3 * 3 + 3


def test_gap_across_a_page_boundary(store, monkeypatch):
    monkeypatch.setattr(sale_audit, "PAGE_SIZE", 2)
    third = store["sales"][2]
    raw_delete(Sale, [third.pk])  # with its lines, payments and stock movements

    report = run_audit()

    assert [(p.check, p.document) for p in sales_problems(report)] == [
        ("numeracion", "Boleta B1 N° 4"),
        ("cadena", "Boleta B1 N° 4"),
    ]


def test_chain_heads(store):
    make_series(code="B0")
    last = store["sales"][-1]

    heads = chain_heads()

    assert heads["B1"] == {"number": 5, "hash": last.chain_hash}
    assert heads["B0"] == {"number": 0, "hash": GENESIS_HASH}


def test_command_exit_codes_and_json(store, capsys):
    call_command("audit")
    out = capsys.readouterr().out
    assert "sin problemas" in out

    Sale.objects.filter(pk=store["sales"][1].pk).update(
        total_clp=F("total_clp") + 10, net_clp=F("net_clp") + 10
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "Boleta B1 N° 2" in out

    with pytest.raises(SystemExit):
        call_command("audit", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert {p["document"] for p in data["problems"]} == {"Boleta B1 N° 2"}
    assert data["checked"]["documentos"] == 5


def test_payment_method_swapped_after_the_fact_breaks_the_chain(store):
    """Cash turned into debit (same amount) passes the payment sums but not the chain."""
    sale = store["sales"][1]
    payment = sale.payments.get(method="efectivo")
    type(payment).objects.filter(pk=payment.pk).update(method="debito")

    report = run_audit()

    assert ("cadena", f"Boleta B1 N° {sale.number}") in [
        (p.check, p.document) for p in report.problems
    ]


def test_sale_reassigned_to_another_cashier_breaks_the_chain(store):
    sale = store["sales"][0]
    Sale.objects.filter(pk=sale.pk).update(cashier=make_user())

    report = run_audit()

    assert ("cadena", f"Boleta B1 N° {sale.number}") in [
        (p.check, p.document) for p in report.problems
    ]
