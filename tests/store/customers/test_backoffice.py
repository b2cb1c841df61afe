"""Back office: the customer list (search, debt filters, CSV), editing through the
services, the statement page with its CSV, and recording a payment (HTMX or not)."""

from __future__ import annotations

import pytest

from itplus.store.customers.models import AccountEntry, Customer
from tests.factories import make_product, make_user
from tests.store.customers.factories import new_customer, sell_on_credit

pytestmark = pytest.mark.django_db

LIST = "/admin/customers/customer/"


@pytest.fixture
def shop(terminal, cashier):
    owes = new_customer(
        rut="12.345.678-5", name="Juana Muñoz", credit_limit_clp=10_000, comuna="Ñuñoa"
    )
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=8_000), customer=owes
    )
    over = new_customer(rut="76.086.428-5", name="Distribuidora Ñuble", credit_limit_clp=10_000)
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=9_000), customer=over
    )
    from itplus.store.customers.services import customer_credit_limit_set

    customer_credit_limit_set(
        customer=over, credit_limit_clp=5_000, user=make_user(role="supervisor")
    )
    clean = new_customer(rut="10.000.013-K", name="Kiosko La Esquina", comuna="Maipú")
    return {"owes": owes, "over": over, "clean": clean}


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(role="supervisor"))
    return client


def names(response) -> set[str]:
    return {c.name for c in response.context["cl"].result_list}


def test_list_filters_by_debt_and_searches_rut_and_name(staff_client, shop):
    assert names(staff_client.get(LIST, {"deuda": "con_deuda"})) == {
        "Juana Muñoz",
        "Distribuidora Ñuble",
    }
    assert names(staff_client.get(LIST, {"deuda": "sobre_cupo"})) == {"Distribuidora Ñuble"}
    assert names(staff_client.get(LIST, {"deuda": "sin_deuda"})) >= {"Kiosko La Esquina"}
    assert names(staff_client.get(LIST, {"q": "12.345.678"})) == {"Juana Muñoz"}
    assert names(staff_client.get(LIST, {"q": "munoz"})) == {"Juana Muñoz"}
    assert names(staff_client.get(LIST, {"comuna": "Maipú"})) == {"Kiosko La Esquina"}
    page = staff_client.get(LIST).content.decode()
    assert "12.345.678-5" in page and "66.666.666-6" in page


def test_list_exports_csv_as_filtered(staff_client, shop):
    response = staff_client.get(LIST + "exportar.csv", {"deuda": "con_deuda"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("rut_display;nombre o razón social;giro")
    assert len(lines) == 3
    assert any(
        line.startswith("76.086.428-5;Distribuidora Ñuble;") and ";5000;9000;0;" in line
        for line in lines
    )


def test_create_in_the_admin_validates_the_rut(staff_client):
    count = Customer.objects.count()
    form = {"rut": "12.345.678-4", "name": "Juana", "credit_limit_clp": "0", "is_active": "on"}
    response = staff_client.post(LIST + "add/", form)
    assert response.status_code == 200
    assert "no corresponde" in response.content.decode()
    assert Customer.objects.count() == count

    form.update(rut="12345678-5", comuna="providencia", credit_limit_clp="25000")
    response = staff_client.post(LIST + "add/", form)
    assert response.status_code == 302
    customer = Customer.objects.get(rut="12345678-5")
    assert (customer.comuna, customer.credit_limit_clp, customer.search_text) == (
        "Providencia",
        25_000,
        "juana",
    )

    duplicate = staff_client.post(LIST + "add/", {**form, "rut": "12.345.678-5", "name": "Otra"})
    assert "Ya existe un cliente con RUT 12.345.678-5: Juana." in duplicate.content.decode()


def test_change_the_limit_through_the_admin(staff_client, shop):
    customer = shop["clean"]
    form = {
        "rut": customer.rut_display,
        "name": customer.name,
        "comuna": customer.comuna,
        "credit_limit_clp": "-5",
        "is_active": "on",
    }
    response = staff_client.post(f"{LIST}{customer.pk}/change/", form)
    assert "El cupo de crédito no puede ser negativo." in response.content.decode()
    response = staff_client.post(
        f"{LIST}{customer.pk}/change/", {**form, "credit_limit_clp": "15000"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_limit_clp == 15_000


def test_nothing_is_deleted_and_entries_are_read_only(staff_client, shop):
    customer = shop["owes"]
    assert staff_client.get(f"{LIST}{customer.pk}/delete/").status_code in (302, 403)
    entry = AccountEntry.objects.filter(customer=customer).first()
    assert staff_client.get(f"/admin/customers/accountentry/{entry.pk}/delete/").status_code in (
        302,
        403,
    )
    assert staff_client.get("/admin/customers/accountentry/add/").status_code == 403
    entries = staff_client.get("/admin/customers/accountentry/exportar.csv")
    assert "Juana Muñoz" in b"".join(entries.streaming_content).decode("utf-8-sig")
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_cashier_has_no_back_office(client, shop):
    client.force_login(make_user(role="cajero"))
    response = client.get(f"/gestion/clientes/{shop['owes'].pk}/estado-de-cuenta/")
    assert response.status_code == 302  # to the admin login


def test_statement_page_and_csv(staff_client, shop):
    customer = shop["owes"]
    page = staff_client.get(f"/gestion/clientes/{customer.pk}/estado-de-cuenta/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Estado de cuenta de Juana Muñoz" in html
    assert "$8.000" in html and "12.345.678-5" in html

    csv = staff_client.get(f"/gestion/clientes/{customer.pk}/estado-de-cuenta.csv")
    rows = csv.content.decode("utf-8-sig").strip().splitlines()
    assert rows[0] == "Fecha;Tipo;Documento;Detalle;Cargo;Abono;Saldo"
    assert rows[-1].endswith(";8000;;8000")


def test_record_a_payment_with_htmx_and_refusals_change_nothing(staff_client, shop):
    customer = shop["owes"]
    url = f"/gestion/clientes/{customer.pk}/abono/"
    htmx = {"HTTP_HX_REQUEST": "true"}

    too_much = staff_client.post(url, {"amount_clp": "9000", "method": "efectivo"}, **htmx)
    assert "supera la deuda de Juana Muñoz: $8.000" in too_much.content.decode()
    zero = staff_client.post(url, {"amount_clp": "0", "method": "efectivo"}, **htmx)
    assert zero.status_code == 200 and 'id="account"' in zero.content.decode()
    customer.refresh_from_db()
    assert customer.balance_clp == 8_000
    assert AccountEntry.objects.filter(customer=customer).count() == 1

    paid = staff_client.post(url, {"amount_clp": "3000", "method": "transferencia"}, **htmx)
    html = paid.content.decode()
    assert "<html" not in html  # only the account partial
    assert "Abono de $3.000 registrado. Deuda actual: $5.000." in html
    customer.refresh_from_db()
    assert customer.balance_clp == 5_000

    plain = staff_client.post(
        url, {"amount_clp": "6000", "method": "efectivo", "credit_balance": "on"}
    )
    assert plain.status_code == 302
    customer.refresh_from_db()
    assert customer.balance_clp == -1_000  # saldo a favor, asked for explicitly


def test_the_admin_asks_a_customer_with_giro_for_its_factura_address(staff_client):
    form = {
        "rut": "123.456-0",  # a short valid RUT
        "name": "Botillería El Sauce",
        "giro": "Botillería",
        "comuna": "Macul",
        "credit_limit_clp": "0",
        "is_active": "on",
    }
    response = staff_client.post(LIST + "add/", form)
    assert response.status_code == 200
    assert "Complete dirección: un cliente con giro recibe facturas" in response.content.decode()
    assert not Customer.objects.filter(rut="123456-0").exists()

    assert staff_client.post(LIST + "add/", form | {"address": "Los Aromos 12"}).status_code == 302
    customer = Customer.objects.get(rut="123456-0")
    assert customer.factura_missing_fields == []
    # a person's comuna alone is fine, and the list says what a factura would lack
    new_customer(name="Rosa Tapia", comuna="Ñuñoa")
    page = staff_client.get(LIST).content.decode()
    assert "Datos completos" in page and "Falta giro y dirección" in page
