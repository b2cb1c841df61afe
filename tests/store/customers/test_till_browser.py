"""Acceptance: at the till, pick a customer (F3), sell on credit ("Fiado"), and switch a
ticket to factura, which asks for a customer and can create one with its RUT checked, and
completes in place a buyer who lacks a factura's giro, dirección or comuna."""

from __future__ import annotations

import re

import pytest

from itplus.store.customers.models import Customer
from itplus.store.sales.models import PaymentMethod, Sale
from tests.factories import make_product, make_series, make_terminal, make_user
from tests.store.customers.factories import new_customer
from tests.store.till import test_till_browser as till
from tests.store.till.test_till_browser import SUPERVISOR_PIN, ean, login_and_pair, scan

# The till's page fixture (a fresh browser context on the live server).
page = till.page

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shop(transactional_db):
    return {
        "cashier": make_user(role="cajero", username="cajera"),
        "supervisor": make_user(role="supervisor", username="supervisora", pin=SUPERVISOR_PIN),
        "terminal": make_terminal(code="caja-1", factura_series=make_series(kind="factura")),
        "rice": make_product(name="Arroz Grado 1 Tucapel 1 kg", price_clp=2_500),
        "rosa": new_customer(rut="12.345.678-5", name="Rosa Tapia", credit_limit_clp=10_000),
    }


def test_sell_on_credit_to_a_customer_picked_at_the_till(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    bar = page.locator("#customer-bar")
    expect(bar.locator('[data-slot="customer-rut"]')).to_have_text("66.666.666-6")
    scan(page, ean(shop["rice"]))
    expect(page.locator("#lines tr")).to_have_count(1)

    # Fiado is not offered to the final consumer
    page.keyboard.press("F12")
    pay = page.locator("#dlg-pay")
    expect(pay).to_be_visible()
    expect(pay.locator('[data-method="cuenta_corriente"]')).to_be_disabled()
    page.keyboard.press("f")
    expect(pay.locator('[data-slot="error"]')).to_have_text(
        "Para fiar, identifique al cliente (F3)."
    )
    page.keyboard.press("Escape")
    expect(pay).to_be_hidden()

    # F3: search the customer by name and pick her
    page.keyboard.press("F3")
    picker = page.locator("#dlg-customer")
    expect(picker).to_be_visible()
    page.keyboard.type("rosa")
    expect(picker.locator("li[data-index]")).to_have_count(1)
    expect(picker.locator("li[data-index]")).to_contain_text("12.345.678-5")
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(bar.locator('[data-slot="customer-name"]')).to_have_text("Rosa Tapia")
    expect(bar.locator('[data-slot="customer-credit"]')).to_contain_text("Cupo disponible: $10.000")

    # pay everything on her account
    page.keyboard.press("F12")
    expect(pay).to_be_visible()
    expect(pay.locator('[data-slot="fiado-credit"]')).to_have_text("Cupo disponible: $10.000")
    page.keyboard.press("f")
    expect(pay.locator(".pay-row label")).to_have_text(["Fiado"])
    page.screenshot(path=str(till.SCREENSHOTS / "till-fiado.png"))
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    expect(page.locator('#dlg-receipt [data-slot="change"]')).to_have_text("$0")

    sale = Sale.objects.get()
    assert sale.customer == shop["rosa"]
    assert [(p.method, p.amount_clp) for p in sale.payments.all()] == [
        (PaymentMethod.STORE_CREDIT, 2_500)
    ]
    shop["rosa"].refresh_from_db()
    assert shop["rosa"].balance_clp == 2_500

    # the next ticket is for the final consumer again
    page.keyboard.press("Enter")
    expect(bar.locator('[data-slot="customer-rut"]')).to_have_text("66.666.666-6")


def test_factura_asks_for_a_customer_and_creates_one_with_a_valid_rut(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["rice"]))
    bar = page.locator("#customer-bar")

    bar.get_by_role("button", name="Factura").click()
    picker = page.locator("#dlg-customer")
    expect(picker).to_be_visible()
    expect(picker.locator('[data-slot="error"]')).to_contain_text(
        "Una factura necesita un cliente con RUT"
    )

    page.keyboard.press("Insert")
    fresh = picker.locator('[data-slot="new"]')
    fresh.get_by_label("RUT", exact=True).fill("76.086.428-4")
    fresh.get_by_label("Nombre o razón social").fill("Distribuidora Ñuble SpA")
    fresh.get_by_label("Giro").fill("Distribución de abarrotes")
    fresh.get_by_label("Comuna").fill("nunoa")
    page.keyboard.press("Enter")
    expect(picker.locator('[data-slot="error"]')).to_contain_text("no corresponde")
    assert not Customer.objects.filter(name__startswith="Distribuidora").exists()

    fresh.get_by_label("RUT", exact=True).fill("76086428-5")
    fresh.get_by_label("RUT", exact=True).press("Enter")
    # created without a dirección: the picker asks for just that, in place
    complete = picker.locator('[data-slot="complete"]')
    expect(complete).to_be_visible()
    expect(complete.locator("input:visible")).to_have_count(1)
    complete.get_by_label("Dirección").fill("Av. Grecia 1.200")
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(bar.locator('[data-slot="customer-rut"]')).to_have_text("76.086.428-5")
    expect(bar.get_by_role("button", name="Factura")).to_have_attribute("aria-pressed", "true")

    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    expect(page.locator('#dlg-receipt [data-slot="doc"]')).to_have_text(re.compile(r"Factura N° 1"))

    sale = Sale.objects.get()
    created = Customer.objects.get(rut="76086428-5")
    assert (created.comuna, created.address, created.credit_limit_clp) == (
        "Ñuñoa",
        "Av. Grecia 1.200",
        0,
    )
    assert (sale.series.kind, sale.customer) == ("factura", created)


def test_a_factura_refused_for_a_buyer_without_giro_is_completed_in_the_picker(page, shop):
    from playwright.sync_api import expect

    sauce = new_customer(
        rut="123.456-0",  # a short valid RUT
        name="Botillería El Sauce",
        address="Los Aromos 12",
        comuna="Macul",
    )
    login_and_pair(page, shop)
    scan(page, ean(shop["rice"]))
    bar = page.locator("#customer-bar")
    picker = page.locator("#dlg-customer")
    error = picker.locator('[data-slot="error"]')
    complete = picker.locator('[data-slot="complete"]')

    # factura for a buyer without giro: the picker asks for the giro only
    bar.get_by_role("button", name="Factura").click()
    expect(picker).to_be_visible()
    page.keyboard.type("sauce")
    expect(picker.locator("li[data-index]")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(error).to_have_text(
        "Para emitir una factura a Botillería El Sauce faltan sus datos: giro. Complételos aquí."
    )
    expect(complete.locator("input:visible")).to_have_count(1)
    page.keyboard.press("Enter")  # nothing typed: still refused
    expect(error).to_contain_text("faltan sus datos: giro")
    complete.get_by_label("Giro").fill("Botillería")
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(bar.get_by_role("button", name="Factura")).to_have_attribute("aria-pressed", "true")
    sauce.refresh_from_db()
    assert sauce.giro == "Botillería"

    # the back office blanks the giro meanwhile: the sale service refuses the factura,
    # the till offers the same completion and sends the sale again
    Customer.objects.filter(pk=sauce.pk).update(giro="")
    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(picker).to_be_visible()
    expect(error).to_contain_text("faltan sus datos: giro")
    assert not Sale.objects.exists()
    expect(picker.locator('[data-slot="new"]')).to_be_hidden()
    complete.get_by_label("Giro").fill("Venta de bebidas alcohólicas")
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    expect(page.locator('#dlg-receipt [data-slot="doc"]')).to_have_text(re.compile(r"Factura N° 1"))

    sale = Sale.objects.get()
    assert (sale.series.kind, sale.customer_id) == ("factura", sauce.pk)
    sauce.refresh_from_db()
    assert sauce.giro == "Venta de bebidas alcohólicas"
