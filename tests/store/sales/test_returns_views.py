"""The back office "Devoluciones" page (search, HTMX panel, return, void by PIN), the
credit-note admin list (search, filters, CSV) and the printable 80 mm credit note."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from itplus.store.printing.services import printout_bytes
from itplus.store.sales.models import CreditNote, Sale
from itplus.store.sales.returns.receipts import credit_note_printout
from itplus.store.sales.services import LineInput
from tests.factories import make_customer, make_product, make_sale, make_user
from tests.store.sales.factories import make_credit_note_series, make_return

INDEX = "/gestion/devoluciones/"


@pytest.fixture
def boss(client, db):
    user = make_user(role="supervisor", pin="4321")
    client.force_login(user)
    return user


@pytest.fixture
def sold(terminal, cashier, product):
    make_credit_note_series(code="NC1")
    return make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=product.barcodes.first().code, quantity=Decimal(2))],
    )


def test_search_finds_the_sale_and_htmx_swaps_the_panel(client, boss, sold):
    code = sold.series.code

    page = client.get(INDEX, {"q": f"{code}-{sold.number}"})
    panel = client.get(INDEX, {"q": f"{code}-{sold.number}"}, HTTP_HX_REQUEST="true")
    missing = client.get(INDEX, {"q": "B9-4711"})

    assert page.status_code == 200 and b'id="ret-lines"' in page.content
    assert b"<html" not in panel.content and b'id="ret-lines"' in panel.content
    assert b"El documento B9-4711 no existe en esta tienda." in missing.content


def test_return_from_the_page(client, boss, sold, terminal):
    line = sold.lines.get()
    body = {
        "client_uuid": str(uuid.uuid4()),
        f"cantidad_{line.pk}": "1",
        "reembolso": "original",
        "terminal": terminal.pk,
        "motivo": "Vencido",
    }
    url = f"{INDEX}venta/{sold.pk}/devolver/"

    response = client.post(url, body)
    client.post(url, body)  # a double click: the same UUID makes one note

    note = CreditNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/sales/creditnote/{note.pk}/change/"
    assert note.total_clp == 1190 and note.reason == "Vencido"
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and b"Vencido" in detail.content


def test_refused_return_shows_the_spanish_message_and_changes_nothing(client, boss, sold, terminal):
    line = sold.lines.get()
    body = {
        f"cantidad_{line.pk}": "5",
        "terminal": terminal.pk,
        "motivo": "Vencido",
        "client_uuid": str(uuid.uuid4()),
    }

    response = client.post(f"{INDEX}venta/{sold.pk}/devolver/", body, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "se vendieron 2: no se pueden devolver 5" in response.content.decode()
    assert 'value="5"' in response.content.decode()  # what was typed stays
    assert CreditNote.objects.count() == 0


def test_void_with_the_supervisor_pin(client, boss, sold, terminal):
    url = f"{INDEX}venta/{sold.pk}/anular/"

    wrong = client.post(url, {"pin": "0000", "terminal": terminal.pk})
    assert wrong.status_code == 422 and "PIN de supervisor incorrecto" in wrong.content.decode()
    response = client.post(url, {"pin": "4321", "terminal": terminal.pk, "motivo": "Error"})

    assert response.status_code == 302
    assert Sale.objects.get(pk=sold.pk).status == "anulada"
    note = CreditNote.objects.get()
    assert note.kind == "anulacion" and note.reason == "Anulación: Error"


def test_store_credit_is_offered_only_to_identified_customers(
    client, boss, terminal, cashier, product
):
    make_credit_note_series()
    anonymous = make_sale(terminal=terminal, cashier=cashier, products=[product])
    customer = make_customer()
    named = make_sale(
        terminal=terminal, cashier=cashier, products=[product], customer_id=customer.pk
    )

    assert b"cuenta_corriente" not in client.get(INDEX, {"venta": anonymous.pk}).content
    assert b"cuenta_corriente" in client.get(INDEX, {"venta": named.pk}).content


def test_a_cashier_has_no_back_office_returns(client, sold, cashier):
    client.force_login(cashier)

    assert client.get(INDEX).status_code == 302  # to the admin login


def test_credit_note_admin_list_search_filters_and_csv(client, boss, sold, terminal, cashier):
    note = make_return(terminal=terminal, user=cashier, sale=sold, lines={1: 1}, reason="Roto")

    listing = client.get("/admin/sales/creditnote/", {"q": "Roto", "kind__exact": "devolucion"})
    filtered_out = client.get("/admin/sales/creditnote/", {"kind__exact": "anulacion"})
    csv = client.get("/admin/sales/creditnote/exportar.csv", {"q": "Roto"})

    assert listing.status_code == 200 and b"Roto" in listing.content
    assert b"Roto" not in filtered_out.content
    assert csv.status_code == 200
    content = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Roto" in content and str(note.total_clp) in content
    assert (
        client.get("/admin/sales/creditnote/", {"refunds__method": "efectivo"}).status_code == 200
    )
    sale_page = client.get(f"/admin/sales/sale/{sold.pk}/change/")
    assert str(note).encode() in sale_page.content


def test_printable_credit_note_and_escpos(client, boss, sold, terminal, cashier):
    note = make_return(terminal=terminal, user=cashier, sale=sold, reason="Roto")

    page = client.get(f"{INDEX}nota/{note.pk}/imprimir/").content.decode()
    data = printout_bytes(credit_note_printout(credit_note_id=note.pk))

    assert "NOTA DE CRÉDITO" in page and f"N° {note.number}" in page
    assert f"Devolución de Boleta {sold.series.code} N° {sold.number}" in page
    assert "Motivo: Roto" in page and "$2.380" in page
    assert b"NOTA DE CR" in data and b"Motivo: Roto" in data
    assert client.get(f"{INDEX}nota/999999/imprimir/").status_code == 404


def test_weighed_return_prints_kilograms(client, boss, terminal, cashier):
    make_credit_note_series()
    cheese = make_product(name="Queso", price_clp=9990, unit="kg")
    sale = make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=cheese.barcodes.first().code, quantity="0.532")],
    )
    note = make_return(terminal=terminal, user=cashier, sale=sale, lines={1: "0.250"})

    page = client.get(f"{INDEX}nota/{note.pk}/imprimir/").content.decode()

    assert "0,250 kg" in page


def test_typed_quantities_read_like_every_screen(client, boss, terminal, cashier, product):
    make_credit_note_series(code="NC1")
    cheese = make_product(name="Queso", price_clp=1000, unit="kg")
    sale = make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[
            LineInput(code=cheese.barcodes.first().code, quantity="2"),
            LineInput(code=product.barcodes.first().code, quantity="2"),
        ],
    )
    kg_line, unit_line = sale.lines.order_by("position")
    url = f"{INDEX}venta/{sale.pk}/devolver/"
    body = {"reembolso": "original", "terminal": terminal.pk, "motivo": "Vencido"}

    refused = client.post(
        url, body | {"client_uuid": str(uuid.uuid4()), f"cantidad_{unit_line.pk}": "1.000"}
    )
    assert "«1.000» es ambiguo" in refused.content.decode()
    assert not CreditNote.objects.exists()
    client.post(url, body | {"client_uuid": str(uuid.uuid4()), f"cantidad_{kg_line.pk}": "1,5"})

    assert CreditNote.objects.get().lines.get().quantity == Decimal("1.5")
