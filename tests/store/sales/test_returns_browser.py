"""Acceptance: the back office "Devoluciones" page in Chromium shows what the server
refuses — a return over the sold quantity, a void with a wrong PIN — next to the form,
without reloading, and nothing is written."""

from __future__ import annotations

import pytest

from itplus.store.sales.models import CreditNote, Sale
from tests.browser import log_in
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.sales.factories import make_credit_note_series
from tests.store.till import test_till_browser as till

# The till's page fixture (a fresh browser context on the live server).
page = till.page

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sold(transactional_db):
    make_credit_note_series()
    make_user(role="supervisor", username="supervisora", pin="4321")
    terminal = make_terminal(code="caja-1")
    product = make_product(name="Leche Entera Colun 1 L", price_clp=1190)
    return make_sale(terminal=terminal, cashier=make_user(role="cajero"), products=[product])


def open_sale(page, sale: Sale) -> None:
    from playwright.sync_api import expect

    log_in(page, "supervisora", next_url="/gestion/devoluciones/")
    page.get_by_label("Documento a devolver").fill(f"{sale.series.code}-{sale.number}")
    page.get_by_role("button", name="Buscar").click()
    expect(page.locator("#ret-lines")).to_be_visible()


def test_a_return_over_the_sold_quantity_shows_the_message(page, sold):
    from playwright.sync_api import expect

    open_sale(page, sold)
    page.get_by_label("Cantidad a devolver").fill("2")
    page.locator('#ret-form [name="motivo"]').fill("Vencido")
    page.get_by_role("button", name="Emitir nota de crédito").click()

    error = page.locator("#ret-error")
    expect(error).to_have_text(
        "De «Leche Entera Colun 1 L» se vendieron 1: no se pueden devolver 2."
    )
    expect(page.get_by_label("Cantidad a devolver")).to_have_value("2")  # what was typed stays
    assert CreditNote.objects.count() == 0


def test_a_void_with_a_wrong_pin_shows_the_message(page, sold):
    from playwright.sync_api import expect

    open_sale(page, sold)
    page.get_by_label("PIN de supervisor").fill("0000")
    page.get_by_role("button", name="Anular venta").click()

    expect(page.locator("#ret-void-error")).to_have_text("PIN de supervisor incorrecto.")
    assert Sale.objects.get(pk=sold.pk).status == Sale.Status.COMPLETED
    assert CreditNote.objects.count() == 0


def test_a_refusal_without_a_form_shows_at_the_top(page, sold):
    from playwright.sync_api import expect

    open_sale(page, sold)
    # the session ended meanwhile (another tab logged out): the POST is refused by CSRF
    page.context.clear_cookies()
    page.get_by_label("Cantidad a devolver").fill("1")
    page.locator('#ret-form [name="motivo"]').fill("Vencido")
    page.get_by_role("button", name="Emitir nota de crédito").click()

    expect(page.locator("#form-request-error")).to_contain_text("No tiene permiso")
    assert CreditNote.objects.count() == 0
