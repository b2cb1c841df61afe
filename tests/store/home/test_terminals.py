"""/gestion/terminales/: the owner's terminals, pairing codes, revocation, and the live
view of today's sales per terminal; refused to a cashier and a supervisor."""

from __future__ import annotations

import re

import pytest

from itplus.store.terminals.services import terminal_authenticate, terminal_heartbeat
from tests.factories import make_product, make_sale, make_terminal, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    user = make_user(role="administrador")
    client.force_login(user)
    return user


def test_the_owner_sees_each_terminal_today_and_its_queue(client, owner):
    terminal = make_terminal(code="caja-1")
    make_terminal(code="caja-2")
    cashier = make_user(role="cajero")
    product = make_product(price_clp=1_521)
    make_sale(terminal=terminal, cashier=cashier, products=[product, product])
    terminal_heartbeat(
        terminal=terminal, version="3.1", pending_offline_sales=1042, address="192.168.1.21"
    )

    page = client.get("/gestion/terminales/")
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r'<tr id="terminal-caja-1">(.*?)</tr>', html, re.S).group(1)
    assert "$3.042" in row  # es-CL thousands
    assert "1.042" in row and "3.1" in row and "192.168.1.21" in row
    assert 'hx-trigger="every 5s"' in html and "<script>" not in html  # CSP: no inline script

    live = client.get("/gestion/terminales/en-vivo/")
    assert live.status_code == 200
    assert "<html" not in live.content.decode()  # only the partial
    assert 'id="live-total">$3.042<' in live.content.decode()


def test_the_page_is_linked_from_the_owners_home(client, owner):
    assert "/gestion/terminales/" in client.get("/gestion/").content.decode()


@pytest.mark.parametrize("role", ["cajero", "supervisor"])
def test_refused_to_staff_who_are_not_the_owner(client, role):
    client.force_login(make_user(role=role))
    terminal = make_terminal()
    assert client.get("/gestion/terminales/").status_code == 403
    assert client.get("/gestion/terminales/en-vivo/").status_code == 403
    assert client.post(f"/gestion/terminales/{terminal.pk}/revocar/").status_code == 403
    assert terminal_authenticate(token=terminal.token) == terminal


def test_create_code_and_revoke(client, owner):
    terminal = make_terminal()
    page = client.post(f"/gestion/terminales/{terminal.pk}/codigo/", follow=True)
    message = page.content.decode()
    code = re.search(r"--code ([A-Z2-9]{4}-[A-Z2-9]{4})", message).group(1)
    answer = client.post("/api/v1/terminals/pair", {"code": code}, content_type="application/json")
    token = answer.json()["token"]
    assert terminal_authenticate(token=token) == terminal

    # This browser is paired with that token (the launcher's browser code).
    url = client.post(
        "/api/v1/terminals/browser-code", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()["url"]
    client.get(url)
    assert client.get("/pos/").status_code == 200

    page = client.post(f"/gestion/terminales/{terminal.pk}/revocar/", follow=True)
    assert "revocada" in page.content.decode()
    assert terminal_authenticate(token=token) is None
    # At once: the API refuses the token and the till page goes back to pairing.
    refused = client.post(
        "/api/v1/terminals/heartbeat",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert refused.status_code == 401
    response = client.get("/pos/")
    assert response.status_code == 302 and response.url == "/pos/vincular/"
