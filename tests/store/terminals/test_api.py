"""POST /api/v1/terminals/pair, /heartbeat, /browser-code; a revoked token gets 401."""

import pytest

from itplus.store.terminals.services import pairing_code_create, terminal_revoke
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_pair_with_a_code_returns_the_token(client, terminal):
    _row, code = pairing_code_create(terminal_id=terminal.pk, by=None)
    response = client.post(
        "/api/v1/terminals/pair", {"code": code}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["terminal_code"] == terminal.code and body["terminal_name"] == terminal.name
    heartbeat = client.post(
        "/api/v1/terminals/heartbeat",
        {"version": "2.0", "pending_offline_sales": 4},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {body['token']}",
    )
    assert heartbeat.status_code == 200
    terminal.refresh_from_db()
    assert (terminal.version, terminal.pending_offline_sales, terminal.last_seen_ip) == (
        "2.0",
        4,
        "127.0.0.1",
    )
    again = client.post("/api/v1/terminals/pair", {"code": code}, content_type="application/json")
    assert again.status_code == 422
    assert again.json()["code"] == "codigo_rechazado"
    assert "ya fue usado" in again.json()["detail"]


def test_heartbeat_refuses_bad_input_in_spanish(api_client):
    response = api_client.post(
        "/api/v1/terminals/heartbeat",
        {"version": "1", "pending_offline_sales": -1},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"]


def test_revoked_terminal_gets_401_at_once(api_client, terminal):
    assert (
        api_client.post(
            "/api/v1/terminals/heartbeat", {}, content_type="application/json"
        ).status_code
        == 200
    )
    terminal_revoke(terminal_id=terminal.pk, by=make_user(role="administrador"))
    response = api_client.post("/api/v1/terminals/heartbeat", {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "no_autorizado"


def test_browser_code_pairs_the_browser_without_the_token_in_the_url(client, terminal):
    response = client.post(
        "/api/v1/terminals/browser-code", HTTP_AUTHORIZATION=f"Bearer {terminal.token}"
    )
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("/pos/vincular/codigo/?c=") and terminal.token not in url
    opened = client.get(url)
    assert opened.status_code == 302 and opened.url == "/pos/"
    assert client.cookies["itplus_terminal"].value
    # Used: a second browser gets the Spanish message, not the till.
    other = client.__class__()
    refused = other.get(url)
    assert refused.status_code == 422
    assert "ya fue usado" in refused.content.decode()
