"""The help desk refuses the same odd bytes as the store, in the same one place."""

from __future__ import annotations

import pytest

from itplus.helpdesk.orders.models import Order
from tests.helpdesk.factories import checkout_post, service

NUL = "\x00"


@pytest.mark.parametrize("field", ["customer_name", "business_name", "address"])
def test_checkout_with_a_nul_is_refused_and_creates_no_order(client, terms, field):
    remote = service("reinstalacion-remota")

    response = client.post(
        "/comprar/reinstalacion-remota/", checkout_post(remote, terms, **{field: f"Ana{NUL}"})
    )

    assert response.status_code == 422
    assert f"«{field}» contiene un carácter nulo" in response.content.decode()
    assert not Order.objects.exists()


def test_an_order_key_with_a_nul_is_a_422_not_a_database_error(client, db):
    response = client.get(f"/pedidos/abc{NUL}def/")

    assert response.status_code == 422


def test_api_query_with_a_nul_is_a_json_422(client, db):
    response = client.get("/api/v1/services", {"q": NUL})

    assert response.status_code == 422
    assert response.json()["code"] == "texto_invalido"


def test_admin_search_with_a_nul_is_refused(admin_client):
    response = admin_client.get("/admin/orders/order/", {"q": f"x{NUL}"})

    assert response.status_code == 422
