"""The store's API fuzzed from its OpenAPI document on a live server: no 5xx.

As a cashier at a paired terminal (session cookie + the terminal's Bearer token, as the
till sends them), with products, a customer, a sale and a parked ticket to find.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from itplus.store.sales.services import LineInput, ticket_park
from tests.factories import make_customer, make_product, make_sale, make_terminal, make_user
from tests.fuzz import fuzz_api
from tests.store.sales.factories import make_credit_note_series


@pytest.fixture
def shop(transactional_db):
    cashier = make_user(role="cajero")
    terminal = make_terminal()
    make_credit_note_series()
    milk = make_product(name="Leche Entera 1 L", price_clp=1190)
    make_product(name="Queso Gauda (granel)", price_clp=11990, unit="kg")
    make_customer(name="Juana Muñoz", credit_limit_clp=50_000)
    make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=milk.barcodes.first().code, quantity=Decimal(2))],
    )
    ticket_park(terminal=terminal, cashier=cashier, label="Mesa 1", payload={"lines": [{}]})
    client = Client()
    client.force_login(cashier)
    return terminal, client.cookies["sessionid"].value


def test_no_generated_request_is_a_server_error(live_server, shop, capsys):
    terminal, session_id = shop

    report = fuzz_api(
        live_server.url,
        openapi_path="/api/openapi.json",
        headers={"Authorization": f"Bearer {terminal.token}"},
        cookies={"sessionid": session_id},
    )

    with capsys.disabled():
        print(f"\n{report.summary('store')}")
    assert report.requests > 300
    assert not report.server_errors, "\n".join(report.server_errors[:20])
    assert len(report.by_operation) >= 20  # every operation was reached
