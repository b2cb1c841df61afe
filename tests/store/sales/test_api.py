"""The JSON API through its real URLs: authentication, Spanish errors, no change on refusal."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from itplus.store.accounts.models import Approval
from itplus.store.sales.models import Sale
from itplus.store.terminals.models import Terminal
from tests.factories import make_product
from tests.store.sales.test_services import snapshot

SALES_URL = "/api/v1/sales"


def sale_body(product, *, quantity="1", cash=5000, **extra) -> dict:
    line = {"code": product.barcodes.first().code, "quantity": quantity}
    line.update(extra.pop("line", {}))
    return {
        "client_uuid": str(uuid.uuid4()),
        "lines": [line],
        "payments": [{"method": "efectivo", "amount_clp": cash}],
        **extra,
    }


def post(client, url, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


@pytest.fixture
def series(terminal):
    return terminal.boleta_series


# --- Authentication ------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer token-falso", "Basic dXNlcjpwYXNz", "token-sin-esquema"],
)
def test_missing_or_invalid_terminal_token_is_401(client, cashier, product, series, authorization):
    client.force_login(cashier)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    before = snapshot(series)

    response = post(client, SALES_URL, sale_body(product), **headers)

    assert response.status_code == 401
    assert response.json()["detail"] == "Terminal no autorizado: falta o no es válido su token."
    assert snapshot(series) == before


def test_inactive_terminal_is_401(api_client, terminal, product):
    Terminal.objects.filter(pk=terminal.pk).update(is_active=False)
    response = api_client.get("/api/v1/products/lookup", {"code": product.barcodes.first().code})
    assert response.status_code == 401


def test_sale_without_a_logged_in_cashier_is_401(client, terminal, product, series):
    before = snapshot(series)
    response = post(
        client, SALES_URL, sale_body(product), HTTP_AUTHORIZATION=f"Bearer {terminal.token}"
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Inicie sesión en la caja para vender."
    assert snapshot(series) == before


# --- Catalog reads -------------------------------------------------------------------


def test_lookup_by_barcode(api_client, product):
    code = product.barcodes.first().code
    response = api_client.get("/api/v1/products/lookup", {"code": code})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code
    assert body["product"]["name"] == "Leche Entera 1 L"
    assert body["product"]["price_clp"] == 1190


def test_lookup_of_an_unknown_barcode_is_404_in_spanish(api_client):
    response = api_client.get("/api/v1/products/lookup", {"code": "7801234567890"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Código «7801234567890» no encontrado."


def test_search_returns_matches(api_client, product):
    make_product(name="Leche Descremada 1 L")
    make_product(name="Pan Hallulla")
    response = api_client.get("/api/v1/products/search", {"q": "lech"})
    assert response.status_code == 200
    names = [p["name"] for p in response.json()]
    assert names == ["Leche Descremada 1 L", "Leche Entera 1 L"]


# --- Creating a sale -----------------------------------------------------------------


def test_create_sale_then_replay_it(api_client, product, series):
    body = sale_body(product, cash=2000)

    first = post(api_client, SALES_URL, body)
    assert first.status_code == 201, first.content
    created = first.json()
    assert created["number"] == 1
    assert created["replayed"] is False
    assert (created["total_clp"], created["net_clp"], created["iva_clp"]) == (1190, 1000, 190)
    assert created["change_clp"] == 810
    assert created["amount_charged_clp"] == 1190
    assert created["payments"] == [
        {"method": "efectivo", "amount_clp": 1190, "tendered_clp": 2000, "change_clp": 810}
    ]
    after_first = snapshot(series)

    again = post(api_client, SALES_URL, body)
    assert again.status_code == 200
    replayed = again.json()
    assert replayed["replayed"] is True
    assert replayed["id"] == created["id"] and replayed["number"] == 1
    assert Sale.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert snapshot(series) == after_first


def test_same_uuid_with_another_sale_is_409(api_client, product, series):
    body = sale_body(product)
    assert post(api_client, SALES_URL, body).status_code == 201
    before = snapshot(series)

    response = post(
        api_client, SALES_URL, {**body, "payments": [{"method": "debito", "amount_clp": 1190}]}
    )

    assert response.status_code == 409
    assert "ya se usó para otra venta" in response.json()["detail"]
    assert snapshot(series) == before


def test_get_sale(api_client, product):
    created = post(api_client, SALES_URL, sale_body(product)).json()
    response = api_client.get(f"{SALES_URL}/{created['id']}")
    assert response.status_code == 200
    assert response.json()["number"] == created["number"]


def test_unknown_sale_is_404_in_spanish(api_client):
    response = api_client.get(f"{SALES_URL}/999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "No encontrado."


# --- Bad input: a clear Spanish message and no change to data ------------------------


def _over_limit(product):
    return sale_body(product, line={"discount_clp": 200})  # 16,8 % > 5 %


BAD_INPUT = {
    # name: (body builder, status, detail contains)
    "malformed JSON": (lambda p: '{"client_uuid": "x", "lines": [', 400, "no es JSON válido"),
    "not JSON at all": (lambda p: "hola", 400, "El cuerpo de la solicitud no es JSON válido."),
    "empty body": (lambda p: "", 422, "Falta el cuerpo de la solicitud"),
    "missing client_uuid": (
        lambda p: {k: v for k, v in sale_body(p).items() if k != "client_uuid"},
        422,
        "Falta el campo «identificador de venta».",
    ),
    "client_uuid not a UUID": (
        lambda p: {**sale_body(p), "client_uuid": "123"},
        422,
        "El campo «identificador de venta» debe ser un UUID.",
    ),
    "quantity not a number": (
        lambda p: sale_body(p, quantity="abc"),
        422,
        "Cantidad de «Leche Entera 1 L»: «abc» no es un número.",
    ),
    "amount not a number": (
        lambda p: {**sale_body(p), "payments": [{"method": "efectivo", "amount_clp": "mucho"}]},
        422,
        "El campo «monto»: «mucho» no es un número.",
    ),
    "negative quantity": (
        lambda p: sale_body(p, quantity="-2"),
        422,
        "Cantidad de «Leche Entera 1 L»: no admite valores negativos.",
    ),
    "fractional units": (lambda p: sale_body(p, quantity="1.5"), 422, "número entero"),
    "infinite quantity": (
        lambda p: sale_body(p, quantity="Infinity"),
        422,
        "«Infinity» no es un número",
    ),
    "unknown barcode": (
        lambda p: sale_body(p, line={"code": "7801234567890"}),
        422,
        "Código «7801234567890» no encontrado.",
    ),
    "NUL byte in the code": (
        lambda p: sale_body(p, line={"code": "780\x00"}),
        422,
        "«lines[0].code» contiene un carácter nulo",
    ),
    "insufficient cash": (lambda p: sale_body(p, cash=1000), 422, "no alcanza: faltan $190"),
    "absurd cash": (lambda p: sale_body(p, cash=10**30), 422, "el máximo es $1.000.000.000.000"),
    "over-limit discount without approval": (
        _over_limit,
        403,
        "«Descuento sobre el límite» requiere la autorización de un supervisor (PIN).",
    ),
    "approval that does not exist": (
        lambda p: sale_body(p, line={"discount_clp": 200, "approval_id": 10**30}),
        403,
        "no existe: pida de nuevo la clave del supervisor.",
    ),
    "product id that does not exist": (
        lambda p: sale_body(p, line={"code": "", "product_id": 10**30}),
        422,
        "no existe",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_answered_in_spanish_and_changes_nothing(api_client, product, series, case):
    build, status, detail = case
    # A good sale first, so there is a chain head and a used number to protect.
    assert post(api_client, SALES_URL, sale_body(product)).status_code == 201
    before = snapshot(series)

    response = post(api_client, SALES_URL, build(product))

    assert response.status_code == status, response.content
    assert detail in response.json()["detail"]
    assert snapshot(series) == before
    assert post(api_client, SALES_URL, sale_body(product)).json()["number"] == 2


# --- Supervisor approvals by PIN -----------------------------------------------------


def test_approval_with_a_wrong_pin_is_403(api_client, supervisor, product):
    response = post(
        api_client, "/api/v1/approvals", {"pin": "0000", "action": "descuento", "max_percent": 20}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "PIN de supervisor incorrecto."
    assert Approval.objects.count() == 0


@pytest.mark.parametrize("max_percent", [-5, 0, 101, 10**6])
def test_approval_with_an_impossible_percent_is_refused(api_client, supervisor, max_percent):
    response = post(
        api_client,
        "/api/v1/approvals",
        {"pin": "4321", "action": "descuento", "max_percent": max_percent},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "El porcentaje aprobado debe estar entre 1 y 100."
    assert Approval.objects.count() == 0


def test_approval_for_an_unknown_action_is_refused(api_client, supervisor):
    response = post(api_client, "/api/v1/approvals", {"pin": "4321", "action": "regalar"})
    assert response.status_code == 400
    assert response.json()["detail"] == "Acción desconocida: regalar."


def test_approval_by_pin_is_usable_once_in_a_sale(api_client, supervisor, cashier, product, series):
    granted = post(
        api_client, "/api/v1/approvals", {"pin": "4321", "action": "descuento", "max_percent": 20}
    )
    assert granted.status_code == 200, granted.content
    approval_id = granted.json()["id"]
    approval = Approval.objects.get(pk=approval_id)
    assert (approval.approved_by, approval.requested_by) == (supervisor, cashier)
    assert approval.created_at is not None and approval.used_at is None

    body = sale_body(product, line={"discount_clp": 200, "approval_id": approval_id})
    response = post(api_client, SALES_URL, body)
    assert response.status_code == 201, response.content
    assert response.json()["total_clp"] == 990
    approval.refresh_from_db()
    assert approval.used_at is not None

    before = snapshot(series)
    reuse = post(
        api_client,
        SALES_URL,
        sale_body(product, line={"discount_clp": 200, "approval_id": approval_id}),
    )
    assert reuse.status_code == 403
    assert reuse.json()["detail"] == (
        "La autorización ya fue usada: pida de nuevo la clave del supervisor."
    )
    assert snapshot(series) == before


# --- OpenAPI -------------------------------------------------------------------------


def test_openapi_is_public_and_lists_the_endpoints():
    response = Client().get("/api/openapi.json")  # no token, no session
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/products/lookup",
        "/api/v1/products/search",
        "/api/v1/sales",
        "/api/v1/approvals",
    ):
        assert path in paths
    assert "post" in paths["/api/v1/sales"]


def test_lookup_of_a_code_with_control_characters_is_a_spanish_404(api_client):
    response = api_client.get("/api/v1/products/lookup", {"code": "780\x1d123"})
    assert response.status_code == 404
    assert "no encontrado" in response.json()["detail"]


def test_lookup_of_a_code_with_a_nul_is_refused_before_the_database(api_client):
    response = api_client.get("/api/v1/products/lookup", {"code": "780\x00123"})
    assert response.status_code == 422
    assert "«code» contiene un carácter nulo" in response.json()["detail"]


# --- Typed numbers: the same reading as every other screen (itplus.core.numbers) -------


def test_typed_numbers_read_like_every_screen(api_client, series):
    cheese = make_product(name="Queso", price_clp=1000, unit="kg")
    bread = make_product(name="Pan")
    body = sale_body(cheese, quantity="1,5")
    body["payments"] = [{"method": "efectivo", "amount_clp": "$ 2.000"}]

    sold = post(api_client, SALES_URL, body)

    assert sold.status_code == 201, sold.content
    data = sold.json()
    assert data["lines"][0]["quantity"] == "1.500" and data["total_clp"] == 1500
    assert data["change_clp"] == 500  # "$ 2.000" is two thousand pesos
    assert post(api_client, SALES_URL, sale_body(cheese, quantity="1.5")).status_code == 201
    before = snapshot(series)
    ambiguous = post(api_client, SALES_URL, sale_body(bread, quantity="1.500"))
    decimals = post(
        api_client,
        SALES_URL,
        {**sale_body(bread), "payments": [{"method": "efectivo", "amount_clp": "1.000,5"}]},
    )
    assert ambiguous.status_code == 422
    assert ambiguous.json() == {
        "detail": "Cantidad de «Pan»: «1.500» es ambiguo: escriba 1500 o 1,5.",
        "code": "numero_invalido",
    }
    assert decimals.status_code == 422 and decimals.json()["code"] == "numero_invalido"
    assert "los pesos no llevan decimales" in decimals.json()["detail"]
    assert snapshot(series) == before


def test_a_new_sales_answer_equals_its_replay(api_client, product, series):
    """The answer to a new sale is built from the rows just written; sent again, from the
    database: both say the same."""
    body = sale_body(product, quantity="2", cash=10_000)
    first = post(api_client, SALES_URL, body)
    again = post(api_client, SALES_URL, body)
    assert (first.status_code, again.status_code) == (201, 200)
    created, replayed = first.json(), again.json()
    assert replayed.pop("replayed") is True and created.pop("replayed") is False
    assert created == replayed
