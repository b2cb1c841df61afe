"""The till's cash API: status, open (PIN approval for a cashier), movements, X, close."""

from __future__ import annotations

import uuid

import pytest

from itplus.store.cash.models import CashMovement, CashSession, ZReport
from itplus.store.sales.models import Sale
from tests.factories import make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_terminal(client, cashier):
    terminal = make_terminal(open_session=False)
    client.force_login(cashier)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"
    return terminal


def post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


def test_sale_on_a_closed_till_gets_a_spanish_message(client, closed_terminal, product):
    response = post(
        client,
        "/api/v1/sales",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"code": product.barcodes.first().code}],
            "payments": [{"method": "efectivo", "amount_clp": 2000}],
        },
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "La caja Caja de prueba no está abierta: abra la caja antes de vender.",
        "code": "caja_cerrada",
    }
    assert Sale.objects.count() == 0


def test_cashier_opens_with_a_supervisor_pin(client, closed_terminal, supervisor):
    status = client.get("/api/v1/cash/session").json()
    assert status["is_open"] is False and status["can_open"] is False
    assert status["denominations"] == [20000, 10000, 5000, 2000, 1000, 500, 100, 50, 10]

    refused = post(client, "/api/v1/cash/session/open", {"opening_float_clp": 20000})
    assert refused.status_code == 403
    assert "autorización de un supervisor" in refused.json()["detail"]
    assert CashSession.objects.filter(terminal=closed_terminal).count() == 0

    wrong = post(client, "/api/v1/approvals", {"pin": "0000", "action": "abrir_caja"})
    assert wrong.status_code == 403
    approval = post(client, "/api/v1/approvals", {"pin": "4321", "action": "abrir_caja"}).json()
    opened = post(
        client,
        "/api/v1/cash/session/open",
        {"opening_float_clp": 20000, "approval_id": approval["id"]},
    )
    assert opened.status_code == 201, opened.json()
    assert opened.json()["opening_float_clp"] == 20000
    assert client.get("/api/v1/cash/session").json()["is_open"] is True


def test_movement_x_and_close(api_client, terminal, supervisor):
    # given a cashier at an open till, taking cash out with a supervisor's PIN
    egreso = {"kind": "egreso", "amount_clp": 5000, "reason": "Pago a proveedor"}
    refused = post(api_client, "/api/v1/cash/movements", egreso)
    assert refused.status_code == 403 and refused.json()["code"] == "requiere_aprobacion"
    approval = post(
        api_client,
        "/api/v1/approvals",
        {"pin": "4321", "action": "egreso_caja", "amount_clp": 5000},
    )
    assert approval.status_code == 200, approval.json()
    moved = post(
        api_client, "/api/v1/cash/movements", {**egreso, "approval_id": approval.json()["id"]}
    )
    assert moved.status_code == 201, moved.json()

    # the X shows the expected cash: not to the cashier (blind close)
    assert api_client.get("/api/v1/cash/report/x").status_code == 403
    api_client.force_login(supervisor)
    x = api_client.get("/api/v1/cash/report/x").json()
    assert x["expected_cash_clp"] == 15000 and x["cash_out_clp"] == 5000

    closed = post(api_client, "/api/v1/cash/session/close", {"counts": {"10000": 1, "5000": 1}})
    assert closed.status_code == 200, closed.json()
    body = closed.json()
    assert body["number"] == 1 and body["difference_clp"] == 0
    assert body["report_url"].endswith("/informe/")
    assert api_client.get(body["report_url"]).status_code == 200

    again = post(api_client, "/api/v1/cash/session/close", {"counts": {}})
    assert again.status_code == 409 and "no está abierta" in again.json()["detail"]
    status = api_client.get("/api/v1/cash/session").json()
    assert status["is_open"] is False and status["last_z"]["number"] == 1


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        (
            "/api/v1/cash/movements",
            {"kind": "ingreso", "amount_clp": 0, "reason": "x"},
            422,
            "mayor que cero",
        ),
        (
            "/api/v1/cash/movements",
            {"kind": "ingreso", "amount_clp": -10, "reason": "x"},
            422,
            "no admite valores negativos",
        ),
        ("/api/v1/cash/movements", {"kind": "egreso", "amount_clp": 100}, 422, "motivo"),
        (
            "/api/v1/cash/movements",
            {"kind": "egreso", "amount_clp": 999999, "reason": "x"},
            403,
            "requiere la autorización de un supervisor",
        ),
        (
            "/api/v1/cash/movements",
            {"kind": "egreso", "amount_clp": "mucho", "reason": "x"},
            422,
            "número",
        ),
        (
            "/api/v1/cash/session/close",
            {"counts": {"1000": -2}},
            422,
            "no admite valores negativos",
        ),
        ("/api/v1/cash/session/close", {"counts": {"5": 1}}, 422, "ya no circulan"),
        ("/api/v1/cash/session/close", {}, 422, "Falta el campo"),
        ("/api/v1/cash/session/open", {"opening_float_clp": 1000}, 403, "supervisor"),
    ],
)
def test_bad_input_is_refused_in_spanish_and_changes_nothing(
    api_client, terminal, url, data, status, message
):
    before = (
        CashMovement.objects.count(),
        ZReport.objects.count(),
        CashSession.objects.filter(status="abierta").count(),
    )
    response = post(api_client, url, data)
    assert response.status_code == status, response.json()
    assert message in response.json()["detail"]
    assert (
        CashMovement.objects.count(),
        ZReport.objects.count(),
        CashSession.objects.filter(status="abierta").count(),
    ) == before


def test_movement_on_a_closed_till(client, closed_terminal):
    response = post(
        client, "/api/v1/cash/movements", {"kind": "ingreso", "amount_clp": 100, "reason": "x"}
    )
    assert response.status_code == 409 and "no está abierta" in response.json()["detail"]
    assert CashMovement.objects.count() == 0


def test_needs_a_terminal_token(client, cashier):
    client.force_login(cashier)
    assert client.get("/api/v1/cash/session").status_code == 401
