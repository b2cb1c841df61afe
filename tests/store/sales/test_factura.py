"""Facturas name their buyer in full: RUT, razón social, giro, dirección and comuna.

The sale service refuses a factura for a buyer that lacks any of them (so the till, the
API and anything else get the same 422), and the receipt — page and paper — prints them.
"""

from __future__ import annotations

import pytest
from escpos.printer import Dummy

from itplus.store.customers.models import Customer
from itplus.store.customers.services import (
    FacturaBuyerIncomplete,
    customer_complete,
    final_consumer,
)
from itplus.store.printing.escpos import receipt_escpos
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import receipt_for_sale
from itplus.store.sales.returns.receipts import receipt_for_credit_note
from tests.factories import make_sale, make_series, make_user
from tests.store.customers.factories import new_customer
from tests.store.sales.factories import make_credit_note_series, make_return
from tests.store.sales.test_receipts import known_config

pytestmark = pytest.mark.django_db

BUYER = {
    "name": "Comercial Los Aromos SpA",
    "giro": "Venta de abarrotes",
    "address": "Av. Vicuña Mackenna 4.120",
    "comuna": "Macul",
}


@pytest.fixture(autouse=True)
def store_config():
    with known_config() as write:
        yield write


@pytest.fixture
def factura_terminal(terminal):
    terminal.factura_series = make_series(kind="factura", code="FAC")
    terminal.save()
    return terminal


def sell_factura(terminal, cashier, product, customer: Customer | None) -> Sale:
    return make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[product],
        document_kind="factura",
        customer_id=customer.pk if customer else None,
    )


@pytest.mark.parametrize(
    ("blank", "named"),
    [
        (["giro"], "giro"),
        (["address"], "dirección"),
        (["comuna"], "comuna"),
        (["giro", "comuna"], "giro y comuna"),
        (["giro", "address", "comuna"], "giro, dirección y comuna"),
    ],
)
def test_a_factura_for_an_incomplete_buyer_is_refused_naming_the_fields(
    factura_terminal, cashier, product, blank, named
):
    customer = new_customer(rut="76.086.428-5", **(BUYER | dict.fromkeys(blank, "")))
    with pytest.raises(FacturaBuyerIncomplete) as error:
        sell_factura(factura_terminal, cashier, product, customer)
    assert error.value.message == (
        f"Para emitir una factura a Comercial Los Aromos SpA faltan sus datos: {named}."
    )
    assert (error.value.code, error.value.status) == ("factura_sin_datos_comprador", 422)
    # nothing was written and no number was taken
    assert not Sale.objects.exists()
    factura_terminal.factura_series.refresh_from_db()
    assert factura_terminal.factura_series.next_number == 1


def test_a_factura_needs_an_identified_buyer(factura_terminal, cashier, product):
    for customer in (None, final_consumer()):
        with pytest.raises(FacturaBuyerIncomplete, match="cliente identificado con RUT"):
            sell_factura(factura_terminal, cashier, product, customer)
    assert not Sale.objects.exists()


def test_completing_the_buyer_lets_the_factura_through(factura_terminal, cashier, product):
    customer = new_customer(rut="76.086.428-5", name=BUYER["name"])  # RUT and name only
    with pytest.raises(FacturaBuyerIncomplete):
        sell_factura(factura_terminal, cashier, product, customer)

    customer_complete(
        customer=customer,
        user=cashier,
        giro=BUYER["giro"],
        address=BUYER["address"],
        comuna="macul",
    )
    sale = sell_factura(factura_terminal, cashier, product, customer)

    assert (sale.number, sale.customer_id, sale.series.kind) == (1, customer.pk, "factura")
    customer.refresh_from_db()
    assert customer.comuna == "Macul" and customer.factura_missing_fields == []


def test_a_boleta_still_sells_to_a_customer_without_giro(terminal, cashier, product):
    customer = new_customer(name="Rosa Tapia")
    sale = make_sale(
        terminal=terminal, cashier=cashier, products=[product], customer_id=customer.pk
    )
    assert sale.customer == customer


def test_the_factura_receipt_prints_the_buyer_on_the_page_and_on_paper(
    client, factura_terminal, cashier, product
):
    customer = new_customer(rut="76.086.428-5", **BUYER)
    sale = sell_factura(factura_terminal, cashier, product, customer)

    receipt = receipt_for_sale(sale_id=sale.pk)
    assert (
        receipt.customer_rut,
        receipt.customer_name,
        receipt.customer_giro,
        receipt.customer_address,
        receipt.customer_comuna,
    ) == ("76.086.428-5", *BUYER.values())

    client.force_login(cashier)
    html = client.get(f"/pos/recibo/{sale.pk}/").content.decode()
    for text in ("76.086.428-5 Comercial Los Aromos SpA", "Venta de abarrotes"):
        assert text in html
    assert "Av. Vicuña Mackenna 4.120, Macul" in html

    printer = Dummy()
    receipt_escpos(printer, receipt)
    paper = printer.output.decode("cp858")
    assert "Cliente: 76.086.428-5 Comercial Los Aromos SpA" in paper
    assert "Giro: Venta de abarrotes" in paper
    assert "Dirección: Av. Vicuña Mackenna 4.120, Macul" in paper


def test_a_boleta_names_the_customer_without_factura_data(terminal, cashier, product):
    customer = new_customer(name="Rosa Tapia", **{k: v for k, v in BUYER.items() if k != "name"})
    sale = make_sale(
        terminal=terminal, cashier=cashier, products=[product], customer_id=customer.pk
    )
    receipt = receipt_for_sale(sale_id=sale.pk)
    assert receipt.customer_name == "Rosa Tapia"
    assert (receipt.customer_giro, receipt.customer_address) == ("", "")


def test_the_credit_note_of_a_factura_prints_its_buyer(factura_terminal, product):
    make_credit_note_series()
    supervisor = make_user(role="supervisor")
    customer = new_customer(rut="76.086.428-5", **BUYER)
    sale = sell_factura(factura_terminal, supervisor, product, customer)
    note = make_return(terminal=factura_terminal, user=supervisor, sale=sale)

    receipt = receipt_for_credit_note(credit_note_id=note.pk)
    assert (receipt.customer_rut, receipt.customer_giro, receipt.customer_comuna) == (
        "76.086.428-5",
        "Venta de abarrotes",
        "Macul",
    )
