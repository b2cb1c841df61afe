"""The till's unsaved tickets through /api/v1/: parking one (label, customer, the
cashier's name) and cancelling one (a cashier's needs a supervisor's approval, which is
the record of it)."""

from __future__ import annotations

import json

import pytest

from itplus.store.accounts.models import Approval, ApprovalAction
from tests.factories import make_user

CANCEL_URL = "/api/v1/tickets/cancel"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def approve(client, action, **covers) -> int:
    response = post(client, "/api/v1/approvals", {"pin": "4321", "action": action, **covers})
    assert response.status_code == 200, response.content
    return response.json()["id"]


# --- parked tickets ----------------------------------------------------------------------


def test_a_parked_ticket_keeps_its_label_customer_and_shows_the_cashiers_name(api_client, cashier):
    cashier.first_name, cashier.last_name = "Carla", "Rojas"
    cashier.save(update_fields=["first_name", "last_name"])
    payload = {
        "uuid": "x",
        "lines": [{"productId": 1, "quantity": "2"}],
        "customer": {"kind": "boleta", "customer": {"id": 7, "name": "Marta Soto"}},
    }

    parked = post(api_client, "/api/v1/parked", {"label": "Sra. Marta", "payload": payload})
    listed = api_client.get("/api/v1/parked").json()
    resumed = post(api_client, f"/api/v1/parked/{parked.json()['id']}/resume", {})

    assert parked.status_code == 200
    [entry] = listed
    assert (entry["label"], entry["cashier"], entry["customer"], entry["lines"]) == (
        "Sra. Marta",
        "Carla Rojas",
        "Marta Soto",
        1,
    )
    assert resumed.json()["customer"] == payload["customer"]  # the till restores it


def test_a_parked_ticket_without_customer_or_full_name(api_client, cashier):
    post(api_client, "/api/v1/parked", {"label": "", "payload": {"lines": [{"q": 1}]}})

    [entry] = api_client.get("/api/v1/parked").json()

    assert entry["customer"] == "" and entry["cashier"] == cashier.get_username()


# --- cancelling a ticket -------------------------------------------------------------------


def test_a_cashier_cancels_with_the_supervisors_approval_which_records_it(
    api_client, supervisor, cashier, terminal
):
    refused = post(api_client, CANCEL_URL, {"total_clp": 3535, "lines": ["Leche"]})
    assert refused.status_code == 403 and refused.json()["code"] == "requiere_aprobacion"

    approval_id = approve(api_client, "cancelar_ticket", amount_clp=3535)
    response = post(
        api_client,
        CANCEL_URL,
        {"approval_id": approval_id, "total_clp": 3535, "lines": ["Leche Entera", "Pan"]},
    )

    assert response.status_code == 200
    assert response.json() == {"recorded": True, "approved_by": supervisor.get_username()}
    approval = Approval.objects.get(pk=approval_id)
    assert approval.action == ApprovalAction.CANCEL_TICKET
    assert approval.used_at is not None
    assert (approval.requested_by, approval.terminal) == (cashier, terminal)
    assert approval.detail == "Ticket cancelado ($3.535): Leche Entera, Pan"
    again = post(api_client, CANCEL_URL, {"approval_id": approval_id, "total_clp": 3535})
    assert again.status_code == 403 and again.json()["code"] == "aprobacion_usada"


@pytest.mark.parametrize(
    ("action", "amount", "code"),
    [
        ("anular_linea", None, "aprobacion_otra_accion"),
        ("cancelar_ticket", 1000, "aprobacion_insuficiente"),
    ],
)
def test_an_approval_for_something_else_does_not_cancel(
    api_client, supervisor, action, amount, code
):
    approval_id = approve(api_client, action, amount_clp=amount)

    response = post(api_client, CANCEL_URL, {"approval_id": approval_id, "total_clp": 3535})

    assert response.status_code == 403 and response.json()["code"] == code
    assert Approval.objects.get(pk=approval_id).used_at is None


def test_a_supervisor_cancels_without_an_approval(client, terminal):
    client.force_login(make_user(role="supervisor"))
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"

    response = post(client, CANCEL_URL, {"total_clp": 3535, "lines": ["Leche"]})

    assert response.json() == {"recorded": False, "approved_by": ""}
    assert not Approval.objects.exists()


def test_a_bad_total_is_refused_in_spanish(api_client):
    response = post(api_client, CANCEL_URL, {"total_clp": "mucho"})

    assert response.status_code == 422
    assert "mucho" in response.content.decode()
