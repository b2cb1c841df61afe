"""Odd bytes an attacker sends: NUL characters, lone surrogates, oversized bodies.

Each used to be a 500 on PostgreSQL (psycopg refuses a NUL in a query; a lone surrogate
cannot be encoded as UTF-8): now the request is refused with a Spanish 422 before any
view runs, in JSON on the API and as a page elsewhere, and nothing is written.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from itplus.store.cash.models import CashMovement
from itplus.store.customers.models import Customer
from itplus.store.sales.models import CreditNote, ParkedTicket, Sale
from itplus.store.sales.services import LineInput
from tests.factories import make_sale
from tests.store.sales.factories import make_credit_note_series

NUL = "\x00"
SURROGATE = "\ud800"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def assert_refused(response, field: str | None = None):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "texto_invalido"
    assert "carácter" in body["detail"]
    if field:
        assert f"«{field}»" in body["detail"], body["detail"]


@pytest.fixture
def sold(terminal, cashier, product):
    make_credit_note_series()
    return make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=product.barcodes.first().code, quantity=Decimal(1))],
    )


@pytest.mark.parametrize("url", ["/api/v1/products/search", "/api/v1/customers/search"])
@pytest.mark.parametrize("bad", [NUL, f"le{NUL}che"])
def test_search_with_a_nul_or_surrogate_is_422(api_client, product, url, bad):
    response = api_client.get(url, {"q": bad})

    assert_refused(response, "q")


def test_a_nul_in_a_query_parameter_name_is_422(api_client):
    response = api_client.get("/api/v1/products/search?q=leche&x%00y=1")

    assert_refused(response)
    assert "\\u0000" in response.json()["detail"]  # shown, not echoed raw


@pytest.mark.parametrize("field", ["name", "giro"])
def test_customer_with_a_nul_in_name_or_giro_is_refused(api_client, field):
    body = {"rut": "12.345.678-5", "name": "Juan Pérez", "giro": "Almacén"}
    body[field] = f"{body[field]}{NUL}"
    before = Customer.objects.count()

    response = post(api_client, "/api/v1/customers", body)

    assert_refused(response, field)
    assert Customer.objects.count() == before


def test_payment_reference_with_a_nul_is_refused(api_client, product):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "lines": [{"code": product.barcodes.first().code}],
        "payments": [{"method": "debito", "amount_clp": 1190, "reference": f"12{NUL}34"}],
    }

    response = post(api_client, "/api/v1/sales", body)

    assert_refused(response, "payments[0].reference")
    assert not Sale.objects.exists()


def test_a_lone_surrogate_in_document_kind_is_refused(api_client, product):
    # json.dumps writes "\ud800": the escape a client sends, decoded to a lone surrogate.
    body = {
        "client_uuid": str(uuid.uuid4()),
        "lines": [{"code": product.barcodes.first().code}],
        "payments": [{"method": "efectivo", "amount_clp": 1190}],
        "document_kind": SURROGATE,
    }

    response = post(api_client, "/api/v1/sales", body)

    assert_refused(response, "document_kind")
    assert not Sale.objects.exists()


@pytest.mark.parametrize("field", ["reason", "series"])
def test_return_with_a_nul_in_reason_or_series_is_refused(api_client, sold, field):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "sale_id": sold.pk,
        "lines": [{"position": 1, "quantity": "1"}],
        "reason": "No le gustó",
        field: f"B{NUL}",
    }

    response = post(api_client, "/api/v1/returns", body)

    assert_refused(response, field)
    assert not CreditNote.objects.exists()


def test_cash_movement_reason_with_a_nul_is_refused(api_client):
    before = CashMovement.objects.count()

    response = post(
        api_client,
        "/api/v1/cash/movements",
        {"kind": "egreso", "amount_clp": 1000, "reason": f"Compra{NUL}"},
    )

    assert_refused(response, "reason")
    assert CashMovement.objects.count() == before


def test_parked_ticket_label_with_a_nul_is_refused(api_client, product):
    body = {"label": f"Mesa{NUL}", "payload": {"lines": [{"code": "1"}]}}

    response = post(api_client, "/api/v1/parked", body)

    assert_refused(response, "label")
    assert not ParkedTicket.objects.exists()


def test_a_nul_in_a_json_key_deep_inside_is_refused(api_client):
    body = {"label": "Mesa 4", "payload": {"lines": [{f"co{NUL}de": "1"}]}}

    response = post(api_client, "/api/v1/parked", body)

    assert_refused(response)
    assert not ParkedTicket.objects.exists()


@pytest.mark.parametrize("lines", [5, "abc", {"a": 1}, None])
def test_parked_payload_lines_must_be_a_list(api_client, lines):
    response = post(api_client, "/api/v1/parked", {"label": "Mesa 4", "payload": {"lines": lines}})

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "datos_invalidos"
    assert not ParkedTicket.objects.exists()


def test_valid_text_with_accents_and_emoji_passes(api_client, product):
    body = {"label": "Señora Ñuñoa 😀", "payload": {"lines": [{"code": "1"}]}}

    response = post(api_client, "/api/v1/parked", body)

    assert response.status_code == 200, response.content
    assert ParkedTicket.objects.get().label == "Señora Ñuñoa 😀"


def test_a_body_over_the_upload_limit_is_a_json_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"label": "x" * 2000, "payload": {"lines": [1]}}

    response = post(api_client, "/api/v1/parked", body)

    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "cuerpo_demasiado_grande"


# --- Pages and forms ------------------------------------------------------------------


@pytest.fixture
def owner_client(client, django_user_model):
    owner = django_user_model.objects.create_superuser("duena", password="x")
    client.force_login(owner)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/customers/customer/",
        "/admin/catalog/product/",
        "/gestion/devoluciones/",
        "/admin/customers/customer/exportar.csv",
    ],
)
def test_back_office_search_with_a_nul_is_a_422_page(owner_client, url):
    response = owner_client.get(url, {"q": f"a{NUL}"})

    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert "carácter nulo" in response.content.decode()


def test_admin_form_with_a_nul_is_refused_and_writes_nothing(owner_client):
    before = Customer.objects.count()

    response = owner_client.post(
        "/admin/customers/customer/add/",
        {"rut": "12.345.678-5", "name": f"Juan{NUL}", "giro": "Almacén"},
    )

    assert response.status_code == 422
    assert "«name»" in response.content.decode()
    assert Customer.objects.count() == before


def test_login_form_with_a_nul_is_refused(client):
    response = client.post("/login/", {"username": f"admin{NUL}", "password": "x"})

    assert response.status_code == 422
