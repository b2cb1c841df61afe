"""The till's returns API: POST /api/v1/returns (idempotent), POST /sales/{id}/void,
GET /sales/{id}/returnable; Spanish {"detail", "code"} errors that change nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from itplus.store.cash.models import CashMovement
from itplus.store.inventory.models import StockMovement
from itplus.store.sales.models import CreditNote, Refund, Sale
from itplus.store.sales.services import LineInput
from tests.factories import make_sale, make_user
from tests.store.sales.factories import make_credit_note_series

RETURNS_URL = "/api/v1/returns"


@pytest.fixture
def sold(terminal, cashier, product):
    make_credit_note_series()
    return make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=product.barcodes.first().code, quantity=Decimal(2))],
    )


def post(client, url, body):
    return client.post(url, data=body, content_type="application/json")


def approve(client, action, **covers) -> int:
    """The supervisor's PIN typed at the till, for ``action`` and what it covers."""
    response = post(client, "/api/v1/approvals", {"pin": "4321", "action": action, **covers})
    assert response.status_code == 200, response.content
    return response.json()["id"]


def return_body(sale, **kwargs) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "sale_id": sale.pk,
        "lines": [{"position": 1, "quantity": "1"}],
        "reason": "No le gustó",
        **kwargs,
    }


def test_a_cashiers_refund_without_approval_is_refused_and_writes_nothing(api_client, sold):
    # given: what the sale left in the database
    def written():
        return (
            CreditNote.objects.count(),
            Refund.objects.count(),
            StockMovement.objects.count(),
            CashMovement.objects.count(),
        )

    before = written()

    # when: the cashier's token asks for a cash refund with no supervisor involved
    response = post(api_client, RETURNS_URL, return_body(sold))

    # then
    assert response.status_code == 403
    assert response.json() == {
        "detail": "«Devolución» requiere la autorización de un supervisor (PIN).",
        "code": "requiere_aprobacion",
    }
    assert written() == before


def test_a_cashiers_refund_needs_the_approval_for_that_sale_and_amount(
    api_client, sold, supervisor, terminal, cashier, product
):
    other = make_sale(terminal=terminal, cashier=cashier, products=[product])
    for covers, code in (
        ({"sale_id": other.pk, "amount_clp": 5000}, "aprobacion_otro_documento"),
        ({"sale_id": sold.pk, "amount_clp": 1000}, "aprobacion_insuficiente"),
    ):
        approval_id = approve(api_client, "devolucion", **covers)
        response = post(api_client, RETURNS_URL, return_body(sold, approval_id=approval_id))
        assert response.status_code == 403 and response.json()["code"] == code
    assert CreditNote.objects.count() == 0

    approval_id = approve(api_client, "devolucion", sale_id=sold.pk, amount_clp=1190)
    response = post(api_client, RETURNS_URL, return_body(sold, approval_id=approval_id))
    assert response.status_code == 201, response.content
    assert CreditNote.objects.get().approval_id == approval_id


def test_a_supervisors_token_returns_as_the_back_office_does(client, terminal, supervisor, sold):
    client.force_login(supervisor)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"

    response = post(client, RETURNS_URL, return_body(sold))

    assert response.status_code == 201, response.content


def test_post_return_creates_a_credit_note_once(api_client, sold, supervisor):
    body = return_body(
        sold, approval_id=approve(api_client, "devolucion", sale_id=sold.pk, amount_clp=1190)
    )

    first = post(api_client, RETURNS_URL, body)
    again = post(api_client, RETURNS_URL, body)

    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["number"], data["kind"], data["total_clp"]) == (1, "devolucion", 1190)
    assert data["refunds"] == [{"method": "efectivo", "amount_clp": 1190}]
    assert data["lines"][0]["original_position"] == 1
    assert data["original"].endswith("N° 1")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["id"] == data["id"] and CreditNote.objects.count() == 1
    assert api_client.get(data["receipt_url"]).status_code == 200


def test_return_by_series_and_number(api_client, sold, supervisor):
    approval_id = approve(api_client, "devolucion", sale_id=sold.pk, amount_clp=1190)
    body = return_body(
        sold, sale_id=None, series=sold.series.code, number=sold.number, approval_id=approval_id
    )

    response = post(api_client, RETURNS_URL, body)

    assert response.status_code == 201, response.content


def test_another_stores_document_is_404_in_spanish(api_client, sold):
    body = return_body(sold, sale_id=None, series="B9", number=4711)

    response = post(api_client, RETURNS_URL, body)

    assert response.status_code == 404
    assert response.json() == {
        "detail": "El documento B9 N° 4711 no existe en esta tienda.",
        "code": "documento_inexistente",
    }
    assert CreditNote.objects.count() == 0


def test_bad_quantities_are_refused_in_spanish(api_client, sold):
    for quantity, message in (
        ("-1", "no admite valores negativos"),
        ("1.000", "ambiguo"),
        ("3", "se vendieron 2"),
    ):
        body = return_body(sold, lines=[{"position": 1, "quantity": quantity}])

        response = post(api_client, RETURNS_URL, body)

        assert response.status_code == 422
        assert message in response.json()["detail"]
    assert post(api_client, RETURNS_URL, {"lines": "x"}).status_code == 422
    assert CreditNote.objects.count() == 0


def test_returnable_shows_what_is_left(api_client, sold, supervisor):
    approval_id = approve(api_client, "devolucion", sale_id=sold.pk, amount_clp=1190)
    post(api_client, RETURNS_URL, return_body(sold, approval_id=approval_id))

    data = api_client.get(f"/api/v1/sales/{sold.pk}/returnable").json()

    [line] = data["lines"]
    assert (line["quantity_sold"], line["quantity_returned"], line["quantity_left"]) == (
        "2.000",
        "1.000",
        "1.000",
    )
    assert line["credited_clp"] == 1190
    missing = api_client.get("/api/v1/sales/424242/returnable")
    assert missing.status_code == 404 and "no existe en esta tienda" in missing.json()["detail"]


def test_void_needs_an_approval_then_voids(api_client, sold, supervisor):
    url = f"/api/v1/sales/{sold.pk}/void"

    refused = post(api_client, url, {})
    assert refused.status_code == 403 and refused.json()["code"] == "requiere_aprobacion"
    wrong_pin = post(api_client, "/api/v1/approvals", {"pin": "0000", "action": "anular_venta"})
    assert wrong_pin.status_code == 403

    approval_id = approve(api_client, "anular_venta", sale_id=sold.pk)
    response = post(api_client, url, {"approval_id": approval_id})

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "anulacion" and response.json()["total_clp"] == 2380
    assert Sale.objects.get(pk=sold.pk).status == "anulada"
    again = post(api_client, url, {"approval_id": approval_id})
    assert again.status_code == 403  # the approval was used
    assert CreditNote.objects.count() == 1


def test_returns_need_a_logged_in_cashier(client, terminal, sold):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"

    response = post(client, RETURNS_URL, return_body(sold))

    assert response.status_code == 401 and CreditNote.objects.count() == 0


def test_a_credit_note_copy_needs_the_reprint_approval_for_that_note(
    api_client, client, sold, supervisor
):
    approval_id = approve(api_client, "devolucion", sale_id=sold.pk, amount_clp=1190)
    note = post(api_client, RETURNS_URL, return_body(sold, approval_id=approval_id)).json()
    page = f"/gestion/devoluciones/nota/{note['id']}/imprimir/"

    # the cashier who issued it sees the original right after; a copy needs the PIN
    assert "COPIA" not in api_client.get(page).content.decode()
    refused = api_client.get(page + "?copia=1")
    assert refused.status_code == 403 and "COPIA" not in refused.content.decode()
    # another cashier gets neither the original nor a copy
    client.force_login(make_user(role="cajero"))
    assert client.get(page).status_code == 403

    # with the supervisor's approval for this note: one copy, marked COPIA
    reprint = f"/api/v1/returns/{note['id']}/reprint"
    for_the_sale = approve(api_client, "reimpresion", sale_id=sold.pk)
    assert post(api_client, reprint, {"approval_id": for_the_sale}).status_code == 403
    copy_id = approve(api_client, "reimpresion", credit_note_id=note["id"])
    answer = post(api_client, reprint, {"approval_id": copy_id})
    assert answer.status_code == 200, answer.content
    copy = api_client.get(answer.json()["receipt_url"])
    assert copy.status_code == 200 and "COPIA" in copy.content.decode()
    assert post(api_client, reprint, {"approval_id": copy_id}).status_code == 403  # used


def test_find_the_sale_to_return_by_its_printed_number(api_client, sold):
    found = api_client.get(
        "/api/v1/returns/find", {"document": f"{sold.series.code}-{sold.number}"}
    )
    missing = api_client.get("/api/v1/returns/find", {"document": "B9-4711"})

    data = found.json()
    assert found.status_code == 200
    assert (data["sale_id"], data["total_clp"], data["customer"]) == (sold.pk, 2380, "")
    assert data["store_credit_allowed"] is False
    assert data["payments"] == [{"method": "efectivo", "amount_clp": 2380}]
    assert [line["quantity_left"] for line in data["lines"]] == ["2.000"]
    assert missing.status_code == 404
    assert missing.json()["detail"] == "El documento B9-4711 no existe en esta tienda."
