"""Acceptance: the back office's account statement in Chromium shows a refused payment's
message next to the form, and nothing is recorded."""

from __future__ import annotations

import pytest

from itplus.store.customers.models import AccountEntry
from tests.browser import log_in
from tests.factories import make_product, make_terminal, make_user
from tests.store.customers.factories import new_customer, sell_on_credit
from tests.store.till import test_till_browser as till

# The till's page fixture (a fresh browser context on the live server).
page = till.page

pytestmark = [pytest.mark.browser]


def test_a_payment_over_the_debt_shows_the_message(page, transactional_db):
    from playwright.sync_api import expect

    customer = new_customer(rut="12.345.678-5", name="Juana Muñoz", credit_limit_clp=10_000)
    sell_on_credit(
        terminal=make_terminal(),
        cashier=make_user(role="cajero"),
        product=make_product(price_clp=8_000),
        customer=customer,
    )
    make_user(role="supervisor", username="supervisora")
    log_in(page, "supervisora", next_url=f"/gestion/clientes/{customer.pk}/estado-de-cuenta/")

    page.locator('[name="amount_clp"]').fill("9000")
    page.get_by_role("button", name="Registrar abono").click()

    expect(page.locator("#account .errornote")).to_contain_text(
        "supera la deuda de Juana Muñoz: $8.000"
    )
    assert AccountEntry.objects.filter(customer=customer).count() == 1  # the sale only
