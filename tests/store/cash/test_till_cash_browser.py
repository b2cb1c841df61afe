"""Acceptance: the till's cash drawer in Chromium — closed till refuses to sell and
offers to open; a cashier opens with a supervisor's PIN, sells, records an egreso, and
closes with a blind count that ends on the printable Z."""

import pytest

from itplus.store.cash.models import CashMovement, CashSession, ZReport
from itplus.store.sales.models import Sale
from tests.factories import make_product, make_terminal, make_user
from tests.store.till.test_till_browser import SUPERVISOR_PIN, ean, login_and_pair, scan

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shop(transactional_db):
    return {
        "cashier": make_user(role="cajero", username="cajera"),
        "supervisor": make_user(role="supervisor", username="supervisora", pin=SUPERVISOR_PIN),
        "terminal": make_terminal(code="caja-1", open_session=False),
        "milk": make_product(name="Leche Entera Colun 1 L", price_clp=1190),
    }


def test_open_sell_and_close_at_the_till(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    bar = page.locator("#cash-bar")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("La caja está cerrada")

    # a sale on the closed till is refused with the server's Spanish message
    scan(page, ean(shop["milk"]))
    expect(page.locator("#lines tr")).to_have_count(1)
    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text(
        "no está abierta: abra la caja antes de vender"
    )
    expect(page.locator("#dlg-pay")).to_be_hidden()
    assert Sale.objects.count() == 0

    # F10 opens the drawer: float, then the supervisor's PIN
    page.keyboard.press("F10")
    cash = page.locator("#dlg-cash")
    expect(cash.locator('[data-slot="title"]')).to_have_text("Abrir caja")
    cash.get_by_label("Fondo inicial").fill("20000")
    page.keyboard.press("Enter")
    pin = page.locator("#dlg-pin")
    expect(pin).to_be_visible()
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Caja abierta con un fondo de $20.000")
    expect(bar).to_be_hidden()
    session = CashSession.objects.get(terminal=shop["terminal"])
    assert session.opening_approval.approved_by == shop["supervisor"]

    # the ticket kept its line: now it sells (exact cash)
    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    page.keyboard.press("Enter")
    assert Sale.objects.get().cash_session == session

    # an egreso with its reason: the cashier takes cash out with the supervisor's PIN
    page.keyboard.press("F10")
    expect(cash.locator('[data-panel="menu"]')).to_be_visible()
    page.keyboard.press("1")
    expect(cash.locator('[data-panel="move"]')).to_be_visible()
    cash.get_by_label("Monto").fill("1000")
    cash.get_by_label("Motivo").fill("Pago a proveedor de pan")
    page.keyboard.press("Enter")
    expect(pin).to_be_visible()
    expect(pin).to_contain_text("Sacar $1.000 de la caja")
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Egreso de $1.000 registrado")
    movement = CashMovement.objects.get()
    assert movement.reason == "Pago a proveedor de pan"
    assert (movement.approval.action, movement.approval.amount_clp) == ("egreso_caja", 1000)

    # the blind close: counts by denomination, no expected amount on screen
    page.keyboard.press("F10")
    expect(cash.locator('[data-panel="menu"]')).to_be_visible()
    page.keyboard.press("3")
    expect(cash.locator('[data-panel="close"]')).to_be_visible()
    expect(cash.locator('[data-panel="move"]')).to_be_hidden()
    expect(cash).not_to_contain_text("20.190")  # the expected cash stays hidden
    cash.get_by_label("Cantidad de $20.000", exact=True).fill("1")
    cash.get_by_label("Cantidad de $100", exact=True).fill("1")
    cash.get_by_label("Cantidad de $50", exact=True).fill("1")
    cash.get_by_label("Cantidad de $10", exact=True).fill("4")
    expect(cash.locator('[data-slot="counted"]')).to_have_text("$20.190")
    page.screenshot(path="/tmp/itplus-cash-close.png")
    cash.get_by_role("button", name="Cerrar caja y emitir Z").click()

    # then the Z shows, printable, and the till is closed again
    expect(cash.locator('[data-slot="title"]')).to_have_text("Informe Z N° 1")
    z_page = page.frame_locator('#dlg-cash [data-slot="frame"]')
    expect(z_page.locator("h1")).to_contain_text("INFORME Z N° 1")
    expect(z_page.locator("#r-expected")).to_have_text("$20.190")
    expect(z_page.locator("#r-difference")).to_have_text("$0")
    expect(page.locator("#message")).to_contain_text("Caja cerrada: informe Z N° 1. Sin diferencia")
    z = ZReport.objects.get()
    assert (z.ticket_count, z.counted_cash_clp, z.difference_clp) == (1, 20_190, 0)
    page.keyboard.press("Escape")
    expect(bar).to_be_visible()
