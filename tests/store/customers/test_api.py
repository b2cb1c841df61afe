"""The till's customer API and a sale on credit through the sale API."""

from __future__ import annotations

import uuid

import pytest

from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.sales.models import Sale
from tests.factories import make_product, make_series
from tests.store.customers.factories import new_customer

pytestmark = pytest.mark.django_db


def test_search_needs_the_terminal_token_and_a_logged_in_user(client, terminal, cashier):
    new_customer(rut="12.345.678-5", name="Juana Muñoz")
    assert client.get("/api/v1/customers/search?q=juana").status_code == 401
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"
    response = client.get("/api/v1/customers/search?q=juana")
    assert response.status_code == 401
    assert response.json()["detail"] == "Inicie sesión en la caja."


def test_search_by_rut_prefix_and_by_name(api_client):
    juana = new_customer(rut="12.345.678-5", name="Juana Muñoz", credit_limit_clp=30_000)

    by_rut = api_client.get("/api/v1/customers/search?q=12.345").json()
    by_name = api_client.get("/api/v1/customers/search?q=munoz").json()

    assert by_rut == by_name
    assert by_rut == [
        {
            "id": juana.pk,
            "rut": "12345678-5",
            "rut_display": "12.345.678-5",
            "name": "Juana Muñoz",
            "giro": "",
            "address": "",
            "comuna": "",
            "credit_limit_clp": 30_000,
            "balance_clp": 0,
            "available_credit_clp": 30_000,
            "factura_missing": ["giro", "address", "comuna"],
        }
    ]


def test_create_at_the_till_validates_the_rut(api_client):
    count = Customer.objects.count()

    bad = api_client.post(
        "/api/v1/customers",
        {"rut": "12.345.678-4", "name": "Juana"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "rut_digito_verificador"
    assert "no corresponde" in bad.json()["detail"]
    no_name = api_client.post(
        "/api/v1/customers", {"rut": "12.345.678-5", "name": " "}, content_type="application/json"
    )
    assert no_name.json()["detail"] == "Ingrese el nombre o la razón social del cliente."
    assert Customer.objects.count() == count

    created = api_client.post(
        "/api/v1/customers",
        {"rut": "10000013k", "name": "Kiosko La Esquina", "giro": "Kiosko", "comuna": "la florida"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["rut_display"] == "10.000.013-K"
    assert created.json()["comuna"] == "La Florida"
    assert created.json()["credit_limit_clp"] == 0  # a supervisor sets credit in the back office
    again = api_client.post(
        "/api/v1/customers",
        {"rut": "10.000.013-K", "name": "Otro"},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert again.json() == {
        "detail": "Ya existe un cliente con RUT 10.000.013-K: Kiosko La Esquina.",
        "code": "rut_duplicado",
    }


def test_sale_on_credit_and_factura_through_the_sale_api(api_client, terminal):
    terminal.factura_series = make_series(kind="factura")
    terminal.save()
    product = make_product(price_clp=2_500)
    customer = new_customer(name="Rosa Tapia", credit_limit_clp=5_000, giro="Almacén")

    def sale(**extra):
        return api_client.post(
            "/api/v1/sales",
            {
                "client_uuid": str(uuid.uuid4()),
                "lines": [{"code": product.barcodes.first().code, "quantity": "1"}],
                "payments": [{"method": "cuenta_corriente", "amount_clp": 2_500}],
                **extra,
            },
            content_type="application/json",
        )

    anonymous = sale()
    assert anonymous.status_code == 422
    assert anonymous.json()["detail"] == "Para fiar hay que identificar al cliente."
    no_customer_factura = sale(
        document_kind="factura", payments=[{"method": "efectivo", "amount_clp": 2_500}]
    )
    assert no_customer_factura.status_code == 422
    assert no_customer_factura.json() == {
        "detail": "Una factura necesita un cliente identificado con RUT, razón social, giro, "
        "dirección y comuna.",
        "code": "factura_sin_datos_comprador",
    }
    # a buyer with giro but no dirección or comuna: refused naming what is missing
    incomplete = sale(customer_id=customer.pk, document_kind="factura")
    assert incomplete.status_code == 422
    assert incomplete.json() == {
        "detail": "Para emitir una factura a Rosa Tapia faltan sus datos: dirección y comuna.",
        "code": "factura_sin_datos_comprador",
    }
    assert Sale.objects.count() == 0

    assert sale(customer_id=customer.pk).status_code == 201
    completed = api_client.patch(
        f"/api/v1/customers/{customer.pk}",
        {"address": "Av. Matta 100", "comuna": "santiago centro"},
        content_type="application/json",
    )
    assert completed.status_code == 200
    assert (completed.json()["comuna"], completed.json()["factura_missing"]) == ("Santiago", [])
    assert sale(customer_id=customer.pk, document_kind="factura").status_code == 201
    over = sale(customer_id=customer.pk)
    assert over.status_code == 409
    assert over.json()["detail"] == "Rosa Tapia no tiene cupo: disponible $0, se piden $2.500."
    customer.refresh_from_db()
    assert customer.balance_clp == 5_000
    assert list(Sale.objects.values_list("customer", flat=True)) == [customer.pk, customer.pk]

    detail = api_client.get(f"/api/v1/customers/{customer.pk}").json()
    assert (detail["balance_clp"], detail["available_credit_clp"]) == (5_000, 0)


def test_payment_at_the_till(api_client, terminal, cashier):
    from tests.store.customers.factories import sell_on_credit

    customer = new_customer(name="Rosa Tapia", credit_limit_clp=10_000)
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=6_000), customer=customer
    )
    url = f"/api/v1/customers/{customer.pk}/payments"

    too_much = api_client.post(url, {"amount_clp": 7_000}, content_type="application/json")
    assert too_much.status_code == 400
    assert "supera la deuda de Rosa Tapia: $6.000" in too_much.json()["detail"]
    zero = api_client.post(url, {"amount_clp": 0}, content_type="application/json")
    assert zero.json()["detail"] == "El abono debe ser un monto mayor que cero."
    assert AccountEntry.objects.count() == 1

    paid = api_client.post(
        url, {"amount_clp": 4_000, "method": "efectivo"}, content_type="application/json"
    )
    assert paid.status_code == 201
    assert paid.json()["balance_after_clp"] == 2_000
    assert paid.json()["customer"]["available_credit_clp"] == 8_000
    assert AccountEntry.objects.get(kind="abono").terminal == terminal


def test_completing_a_customer_at_the_till_fills_blanks_only(api_client):
    customer = new_customer(name="Botillería El Sauce", giro="Botillería")
    url = f"/api/v1/customers/{customer.pk}"
    rewrite = api_client.patch(url, {"giro": "Ferretería"}, content_type="application/json")
    assert rewrite.status_code == 400
    assert rewrite.json()["detail"] == (
        "El campo «giro» de Botillería El Sauce ya está registrado (Botillería): "
        "cámbielo en la gestión de clientes."
    )
    # the same value again is harmless; blanks are filled
    ok = api_client.patch(
        url, {"giro": "Botillería", "address": "Los Aromos 12"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["factura_missing"] == ["comuna"]
    customer.refresh_from_db()
    assert (customer.giro, customer.address, customer.comuna) == ("Botillería", "Los Aromos 12", "")
    assert (
        api_client.patch(
            "/api/v1/customers/999999", {"giro": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
