"""The till's pages: login, pairing a PC with a terminal, and /pos/."""

from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.terminals.models import Terminal, hash_token
from itplus.store.terminals.services import terminal_authenticate
from itplus.store.till import views as till_views
from itplus.store.till.views import TERMINAL_COOKIE, TERMINAL_COOKIE_SALT
from tests.factories import make_terminal

pytestmark = pytest.mark.django_db


def paired_cookie(client, token: str) -> None:
    """Give the test client the cookie pairing would set (signed as Django signs it)."""
    response = HttpResponse()
    response.set_signed_cookie(TERMINAL_COOKIE, token, salt=TERMINAL_COOKIE_SALT)
    client.cookies[TERMINAL_COOKIE] = response.cookies[TERMINAL_COOKIE].value


def read_cookie(value: str) -> str:
    request = RequestFactory().get("/")
    request.COOKIES[TERMINAL_COOKIE] = value
    return request.get_signed_cookie(TERMINAL_COOKIE, salt=TERMINAL_COOKIE_SALT)


def test_pos_requires_login(client):
    response = client.get("/pos/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/pos/"


def test_pairing_requires_login(client):
    response = client.get("/pos/vincular/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_is_spanish_and_logs_in(client, cashier):
    page = client.get("/login/")
    assert page.status_code == 200
    assert "Iniciar sesión" in page.text and "Usuario" in page.text and "Clave" in page.text

    response = client.post("/login/", {"username": cashier.username, "password": "clave-segura-1"})
    assert response.status_code == 302
    assert client.get("/pos/").status_code == 302  # logged in, but this PC is not paired


def test_login_with_a_wrong_password_says_so_in_spanish(client, cashier):
    response = client.post("/login/", {"username": cashier.username, "password": "otra"})
    assert response.status_code == 200
    assert "Usuario o clave incorrectos" in response.text


def test_root_goes_to_the_till(client):
    assert client.get("/")["Location"] == "/pos/"


def test_pos_redirects_to_pairing_when_this_pc_is_not_paired(client, cashier, terminal):
    client.force_login(cashier)
    response = client.get("/pos/")
    assert response.status_code == 302
    assert response["Location"] == "/pos/vincular/"


def test_pos_redirects_when_the_cookie_is_tampered_with(client, cashier, terminal):
    client.force_login(cashier)
    client.cookies[TERMINAL_COOKIE] = terminal.token  # unsigned: not from our server
    assert client.get("/pos/")["Location"] == "/pos/vincular/"


def test_pairing_page_lists_only_active_terminals(client, cashier):
    active = make_terminal(code="caja-activa")
    inactive = make_terminal(code="caja-inactiva")
    Terminal.objects.filter(pk=inactive.pk).update(is_active=False)
    client.force_login(cashier)
    page = client.get("/pos/vincular/")
    assert page.status_code == 200
    assert f'value="{active.pk}"' in page.text
    assert f'value="{inactive.pk}"' not in page.text


def test_pairing_refuses_a_wrong_pin_and_sets_no_cookie(client, cashier, supervisor, terminal):
    # given
    client.force_login(cashier)
    # when
    response = client.post("/pos/vincular/", {"terminal": terminal.pk, "pin": "0000"})
    # then
    assert response.status_code == 400
    assert "PIN de supervisor incorrecto." in response.text
    assert TERMINAL_COOKIE not in response.cookies
    assert terminal_authenticate(token=terminal.token) == terminal  # token unchanged
    assert not Approval.objects.exists()


def test_pairing_refuses_a_cashier_pin(client, cashier, terminal):
    client.force_login(cashier)
    response = client.post("/pos/vincular/", {"terminal": terminal.pk, "pin": "1234"})
    assert response.status_code == 400
    assert TERMINAL_COOKIE not in response.cookies


def test_pairing_refuses_an_inactive_terminal(client, cashier, supervisor, terminal):
    Terminal.objects.filter(pk=terminal.pk).update(is_active=False)
    client.force_login(cashier)
    response = client.post("/pos/vincular/", {"terminal": terminal.pk, "pin": "4321"})
    assert response.status_code == 400
    assert "Elija una caja activa." in response.text
    assert TERMINAL_COOKIE not in response.cookies


def test_pairing_without_pin_asks_for_it(client, cashier, terminal):
    client.force_login(cashier)
    response = client.post("/pos/vincular/", {"terminal": terminal.pk, "pin": ""})
    assert response.status_code == 400
    assert "Ingrese el PIN de un supervisor." in response.text


def test_pairing_with_a_supervisor_pin_rotates_the_token_into_a_signed_cookie(
    client, cashier, supervisor, terminal
):
    # given
    client.force_login(cashier)
    # when
    response = client.post("/pos/vincular/", {"terminal": terminal.pk, "pin": "4321"})
    # then: back to the till, with a long-lived, httponly, signed cookie
    assert response.status_code == 302
    assert response["Location"] == "/pos/"
    morsel = response.cookies[TERMINAL_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) >= 10 * 365 * 24 * 3600
    new_token = read_cookie(morsel.value)
    terminal.refresh_from_db()
    assert terminal.token_hash == hash_token(new_token)
    # any PC paired before with the old token stops working: one PC = one terminal
    assert terminal_authenticate(token=terminal.token) is None
    # the approval is on record: who approved, for whom, which terminal; used once
    approval = Approval.objects.get()
    assert approval.action == ApprovalAction.PAIR_TERMINAL
    assert (approval.approved_by, approval.requested_by, approval.terminal) == (
        supervisor,
        cashier,
        terminal,
    )
    assert approval.used_at is not None


def test_pos_renders_the_till_with_the_terminal_token(client, cashier, terminal):
    client.force_login(cashier)
    paired_cookie(client, terminal.token)
    page = client.get("/pos/")
    assert page.status_code == 200
    assert f'data-token="{terminal.token}"' in page.text
    assert 'data-role="cajero"' in page.text
    assert 'data-limit="5"' in page.text
    assert "Total efectivo" in page.text and "Cobrar" in page.text
    assert "pos/pos.js" in page.text


def test_pos_shows_admin_link_only_to_staff(client, cashier, supervisor, terminal):
    paired_cookie(client, terminal.token)
    client.force_login(cashier)
    assert 'href="/admin/"' not in client.get("/pos/").text
    client.force_login(supervisor)
    page = client.get("/pos/")
    assert 'href="/admin/"' in page.text
    assert 'data-role="supervisor"' in page.text
    assert 'data-limit="30"' in page.text


def test_logout_is_a_post_form(client, cashier, terminal):
    client.force_login(cashier)
    paired_cookie(client, terminal.token)
    page = client.get("/pos/")
    assert 'action="/logout/"' in page.text
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/pos/")["Location"].startswith("/login/")


def test_service_worker_is_served_under_pos_with_a_script_type(client):
    response = client.get("/pos/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/pos/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    # Every module and style of the till is kept for offline use.
    static = Path(till_views.__file__).parent / "static" / "pos"
    for path in static.iterdir():
        if path.name != "sw.js":
            assert f"/static/pos/{path.name}" in body, path.name
