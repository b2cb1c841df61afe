"""Acceptance: whole tickets at the till, in Chromium — Esc cancels one (a cashier with
a supervisor's PIN), a parked ticket keeps its name and customer, and a split payment's
cash field says what is still owed."""

from __future__ import annotations

import pytest

from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.sales.models import ParkedTicket, Sale
from tests.factories import make_product, make_terminal, make_user
from tests.store.customers.factories import new_customer
from tests.store.till import test_till_browser as till
from tests.store.till.test_till_browser import SUPERVISOR_PIN, ean, login_and_pair, scan

page = till.page

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shop(transactional_db):
    cashier = make_user(role="cajero", username="cajera")
    cashier.first_name, cashier.last_name = "Carla", "Rojas"
    cashier.save(update_fields=["first_name", "last_name"])
    return {
        "cashier": cashier,
        "supervisor": make_user(role="supervisor", username="supervisora", pin=SUPERVISOR_PIN),
        "terminal": make_terminal(code="caja-1"),
        "milk": make_product(name="Leche Entera Colun 1 L", price_clp=1190),
        "bread": make_product(name="Pan de Molde Integral Ideal", price_clp=2345),
        "marta": new_customer(rut="12.345.678-5", name="Marta Soto", credit_limit_clp=10_000),
    }


def test_esc_cancels_the_whole_ticket_with_a_supervisor_pin(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["milk"]))
    scan(page, ean(shop["bread"]))
    expect(page.locator("#lines tr")).to_have_count(2)

    # Esc asks for the supervisor; cancelled, the ticket stays
    page.keyboard.press("Escape")
    pin = page.locator("#dlg-pin")
    expect(pin).to_contain_text("Cancelar el ticket completo (2 productos · $3.535)")
    page.keyboard.press("Escape")
    expect(pin).to_be_hidden()
    expect(page.locator("#lines tr")).to_have_count(2)

    # approved, the ticket is gone and the approval records it
    page.keyboard.press("Escape")
    expect(pin).to_be_visible()
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Ticket cancelado.")
    expect(page.locator("#lines tr")).to_have_count(0)
    expect(page.locator("#t-total")).to_have_text("$0")
    approval = Approval.objects.get(action=ApprovalAction.CANCEL_TICKET)
    assert approval.used_at is not None and approval.amount_clp == 3535
    assert approval.requested_by == shop["cashier"]
    assert approval.detail == (
        "Ticket cancelado ($3.535): Leche Entera Colun 1 L, Pan de Molde Integral Ideal"
    )
    assert not Sale.objects.exists()
    # the fresh ticket sells as usual
    scan(page, ean(shop["milk"]))
    expect(page.locator("#t-total")).to_have_text("$1.190")


def test_a_supervisor_cancels_after_confirming(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop, username="supervisora")
    scan(page, ean(shop["milk"]))
    page.locator('button[data-action="escape"]').click()

    confirm = page.locator("#dlg-confirm")
    expect(confirm).to_contain_text("¿Cancelar el ticket completo (1 producto · $1.190)?")
    page.keyboard.press("Enter")
    expect(page.locator("#lines tr")).to_have_count(0)
    assert not Approval.objects.filter(action=ApprovalAction.CANCEL_TICKET).exists()


def test_a_parked_ticket_named_and_resumed_with_its_customer(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    page.keyboard.press("F3")
    page.keyboard.type("marta")
    expect(page.locator("#dlg-customer li[data-index]")).to_have_count(1)
    page.keyboard.press("Enter")
    bar = page.locator("#customer-bar")
    expect(bar.locator('[data-slot="customer-name"]')).to_have_text("Marta Soto")
    scan(page, ean(shop["bread"]))

    # F8: the cashier names it
    page.keyboard.press("F8")
    expect(page.locator("#dlg-prompt")).to_be_visible()
    page.keyboard.type("Sra. Marta")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Ticket dejado en espera.")
    expect(page.locator("#lines tr")).to_have_count(0)
    # the next customer is the final consumer again
    expect(bar.locator('[data-slot="customer-name"]')).to_have_text("Consumidor final")
    assert ParkedTicket.objects.get().label == "Sra. Marta · 1 producto · $2.345"

    page.keyboard.press("F9")
    entry = page.locator("#dlg-parked li")
    expect(entry).to_contain_text("Sra. Marta · 1 producto · $2.345")
    expect(entry).to_contain_text("Marta Soto · Carla Rojas")
    page.keyboard.press("Enter")
    expect(page.locator("#lines tr")).to_have_count(1)
    expect(bar.locator('[data-slot="customer-name"]')).to_have_text("Marta Soto")

    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    assert Sale.objects.get().customer == shop["marta"]


def test_split_payment_cash_field_shows_what_is_still_owed(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["milk"]))
    scan(page, ean(shop["bread"]))  # $3.535, $3.530 in cash

    page.keyboard.press("F12")
    pay = page.locator("#dlg-pay")
    expect(pay.get_by_label("Efectivo")).to_have_attribute("placeholder", "Exacto: $3.530")
    page.keyboard.press("d")  # debit for the whole amount
    page.keyboard.press("Control+a")
    page.keyboard.type("1000")
    page.keyboard.press("e")  # the rest in cash
    cash = pay.locator('input[data-method="efectivo"]')
    expect(cash).to_have_attribute("placeholder", "Exacto: $2.530")  # 2.535 rounds down
    # typing a different debit amount updates what cash still owes
    pay.locator('input[data-method="debito"]').fill("2000")
    expect(cash).to_have_attribute("placeholder", "Exacto: $1.530")
    cash.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    payments = sorted((p.method, p.amount_clp) for p in Sale.objects.get().payments.all())
    assert payments == [("debito", 2000), ("efectivo", 1530)]
