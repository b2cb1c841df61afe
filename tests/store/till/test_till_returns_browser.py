"""Acceptance: the till's own screens for money going back and coming in, in Chromium —
a return (F10 4) with a supervisor's PIN, ending on the printable credit note, and a
payment into a customer's account (F10 5) that the drawer expects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from itplus.store.accounts.models import ApprovalAction
from itplus.store.cash.models import CashMovement
from itplus.store.customers.models import AccountEntry
from itplus.store.inventory.models import StockMovement
from itplus.store.sales.models import CreditNote
from itplus.store.sales.services import LineInput
from tests.browser import SCREENSHOTS
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.customers.factories import new_customer, sell_on_credit
from tests.store.sales.factories import make_credit_note_series
from tests.store.till import test_till_browser as till
from tests.store.till.test_till_browser import SUPERVISOR_PIN, login_and_pair

page = till.page

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shop(transactional_db):
    make_credit_note_series(code="NC1")
    cashier = make_user(role="cajero", username="cajera")
    terminal = make_terminal(code="caja-1")
    milk = make_product(name="Leche Entera Colun 1 L", price_clp=1190)
    coffee = make_product(name="Café Haití Molido 250 g", price_clp=4990)
    sale = make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[
            LineInput(code=milk.barcodes.first().code, quantity=Decimal(2)),
            LineInput(code=coffee.barcodes.first().code, quantity=Decimal(1)),
        ],
    )
    return {
        "cashier": cashier,
        "supervisor": make_user(role="supervisor", username="supervisora", pin=SUPERVISOR_PIN),
        "terminal": terminal,
        "milk": milk,
        "sale": sale,
    }


def on_hand(product) -> Decimal:
    return sum((m.quantity for m in StockMovement.objects.filter(product=product)), Decimal(0))


def open_screen(page, number: str) -> None:
    from playwright.sync_api import expect

    page.keyboard.press("F10")
    expect(page.locator("#dlg-cash [data-panel=menu]")).to_be_visible()
    page.keyboard.press(number)


def test_a_return_at_the_till(page, shop):
    from playwright.sync_api import expect

    sale = shop["sale"]
    stock_before = on_hand(shop["milk"])
    login_and_pair(page, shop)
    open_screen(page, "4")
    screen = page.locator("#dlg-return")
    expect(screen.get_by_label("Boleta o factura a devolver")).to_be_focused()

    # an unknown number is refused in Spanish
    page.keyboard.type("B9-4711")
    page.keyboard.press("Enter")
    expect(screen.locator('[data-slot="error"]')).to_have_text(
        "El documento B9-4711 no existe en esta tienda."
    )

    # the receipt's number finds the sale and what is left of each line
    screen.get_by_label("Boleta o factura a devolver").fill(f"{sale.series.code}-{sale.number}")
    page.keyboard.press("Enter")
    rows = screen.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(screen.locator('[data-slot="sale"]')).to_contain_text("total $7.370")
    milk = screen.get_by_label("Cantidad a devolver de «Leche Entera Colun 1 L»")
    expect(milk).to_be_focused()

    # more than was sold: the server's message, nothing written
    milk.fill("3")
    screen.get_by_label("Motivo").fill("Vencida")
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-pin")).to_be_visible()
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(screen.locator('[data-slot="error"]')).to_have_text(
        "De «Leche Entera Colun 1 L» se vendieron 2: no se pueden devolver 3."
    )
    assert not CreditNote.objects.exists()

    # one milk back, damaged (not restocked): $1.190, with the supervisor's PIN
    milk.fill("1")
    screen.get_by_label("«Leche Entera Colun 1 L» en mal estado (no vuelve a stock)").check()
    expect(screen.locator('[data-slot="amount"]')).to_have_text("$1.190")
    page.screenshot(path=str(SCREENSHOTS / "till-return.png"))
    page.keyboard.press("Enter")
    pin = page.locator("#dlg-pin")
    expect(pin).to_contain_text("Devolver $1.190 de")
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")

    done = screen.locator('[data-slot="done"]')
    expect(done).to_have_text(
        "Nota de crédito NC1 N° 1 emitida. Devuelva al cliente: Efectivo: $1.190."
    )
    printed = page.frame_locator('#dlg-return [data-slot="frame"]')
    expect(printed.locator("body")).to_contain_text("NOTA DE CR")
    note = CreditNote.objects.get()
    assert (note.sale, note.total_clp, note.amount_refunded_clp) == (sale, 1190, 1190)
    assert note.approval.action == ApprovalAction.RETURN
    assert note.approval.requested_by == shop["cashier"]
    assert note.lines.get().restock is False
    # it came back into the ledger and was written off: the stock is what the sale left
    assert on_hand(shop["milk"]) == stock_before

    page.keyboard.press("Escape")
    expect(screen).to_be_hidden()
    expect(page.locator("#code")).to_be_focused()


def test_an_account_payment_at_the_till(page, shop):
    from playwright.sync_api import expect

    marta = new_customer(rut="12.345.678-5", name="Marta Soto", credit_limit_clp=10_000)
    sell_on_credit(
        terminal=shop["terminal"], cashier=shop["cashier"], product=shop["milk"], customer=marta
    )
    login_and_pair(page, shop)
    page.locator('button[data-action="account"]').click()

    picker = page.locator("#dlg-customer")
    expect(picker).to_contain_text("Elija el cliente que abona a su cuenta.")
    page.keyboard.type("marta")
    expect(picker.locator("li[data-index]")).to_have_count(1)
    page.keyboard.press("Enter")

    screen = page.locator("#dlg-account")
    expect(screen).to_contain_text("Deuda: $1.190")
    amount = screen.get_by_label("Monto del abono")
    expect(amount).to_have_value("1190")

    # more than the debt, not marked as credit: refused with the server's message
    amount.fill("5000")
    page.keyboard.press("Enter")
    expect(screen.locator('[data-slot="error"]')).to_contain_text("supera la deuda")

    amount.fill("1000")
    page.keyboard.press("Enter")
    expect(screen).to_be_hidden()
    expect(page.locator("#message")).to_have_text(
        "Abono de $1.000 de Marta Soto registrado. Deuda actual: $190."
    )
    # the ticket's customer did not change
    expect(page.locator('#customer-bar [data-slot="customer-name"]')).to_have_text(
        "Consumidor final"
    )
    marta.refresh_from_db()
    assert marta.balance_clp == 190
    entry = AccountEntry.objects.filter(customer=marta).latest("pk")
    assert entry.amount_clp == -1000
    movement = CashMovement.objects.get(kind=CashMovement.Kind.IN)
    assert movement.amount_clp == 1000 and movement.session.terminal == shop["terminal"]
