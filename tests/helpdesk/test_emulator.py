"""The emulator's protocol surface, spoken to over HTTP as Transbank's servers are."""

import requests
from transbank.common.integration_api_keys import IntegrationApiKeys
from transbank.common.integration_commerce_codes import IntegrationCommerceCodes

from itplus.helpdesk.payments.emulator import API

KEYS = {
    "Tbk-Api-Key-Id": IntegrationCommerceCodes.WEBPAY_PLUS,
    "Tbk-Api-Key-Secret": IntegrationApiKeys.WEBPAY,
}
BODY = {"buy_order": "O-1", "session_id": "S-1", "amount": 1000, "return_url": "http://x/r"}


def test_api_needs_the_commerce_credentials(emulator):
    response = requests.post(emulator.url + API, json=BODY, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"error_message": "Not Authorized"}


def test_create_validates_fields_like_webpay(emulator):
    for bad in ({"amount": "12.5"}, {"amount": 0}, {"buy_order": "x" * 27}, {"return_url": ""}):
        response = requests.post(emulator.url + API, json=BODY | bad, headers=KEYS, timeout=5)
        assert response.status_code == 422, bad
        assert "Invalid value for parameter" in response.json()["error_message"]


def test_status_of_a_new_transaction_and_unknown_token(emulator):
    token = requests.post(emulator.url + API, json=BODY, headers=KEYS, timeout=5).json()["token"]
    assert len(token) == 64
    status = requests.get(f"{emulator.url}{API}/{token}", headers=KEYS, timeout=5).json()
    assert status["status"] == "INITIALIZED" and status["amount"] == 1000
    assert status["buy_order"] == "O-1" and status["session_id"] == "S-1"
    unknown = requests.put(f"{emulator.url}{API}/{'0' * 64}", headers=KEYS, timeout=5)
    assert unknown.status_code == 422 and "error_message" in unknown.json()


def test_form_decides_only_once(emulator):
    token = requests.post(emulator.url + API, json=BODY, headers=KEYS, timeout=5).json()["token"]
    decide = emulator.url + "/webpayserver/decide"
    assert requests.post(decide, data={"token_ws": token, "choice": "approve"}, timeout=5).ok
    again = requests.post(decide, data={"token_ws": token, "choice": "reject"}, timeout=5)
    assert again.status_code == 409


def test_get_return_method_redirects_with_query(emulator):
    emulator.return_method = "GET"
    token = requests.post(emulator.url + API, json=BODY, headers=KEYS, timeout=5).json()["token"]
    back = requests.post(
        emulator.url + "/webpayserver/decide",
        data={"token_ws": token, "choice": "timeout"},
        timeout=5,
        allow_redirects=False,
    )
    assert back.status_code == 303
    assert back.headers["Location"] == "http://x/r?TBK_ID_SESION=S-1&TBK_ORDEN_COMPRA=O-1"
