"""The buyer on the receipt and in the back office: 66.666.666-6 when nobody is named."""

from __future__ import annotations

import pytest

from itplus.store.sales.receipts import receipt_for_sale
from tests.factories import make_product, make_sale, make_user
from tests.store.customers.factories import new_customer, sell_on_credit

pytestmark = pytest.mark.django_db


def test_receipt_names_the_final_consumer_or_the_customer(client, terminal, cashier, product):
    anonymous = make_sale(terminal=terminal, cashier=cashier, products=[product])
    rosa = new_customer(rut="12.345.678-5", name="Rosa Tapia", credit_limit_clp=10_000)
    on_credit = sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=990), customer=rosa
    )

    first = receipt_for_sale(sale_id=anonymous.pk)
    second = receipt_for_sale(sale_id=on_credit.pk)

    assert (first.customer_rut, first.customer_name) == ("66.666.666-6", "Consumidor final")
    assert (second.customer_rut, second.customer_name) == ("12.345.678-5", "Rosa Tapia")
    client.force_login(make_user(role="supervisor"))
    page = client.get(f"/admin/sales/sale/{anonymous.pk}/change/").content.decode()
    assert "66.666.666-6 Consumidor final" in page
    page = client.get(f"/admin/sales/sale/{on_credit.pk}/change/").content.decode()
    assert "12.345.678-5 Rosa Tapia" in page
