"""Webpay Plus through the real transbank-sdk against the local emulator (over a socket)."""

from __future__ import annotations

import threading

import pytest
import requests
from django.core import mail
from django.core.management import call_command
from django.db import connection
from transbank.common.integration_type import IntegrationType
from transbank.common.options import WebpayOptions
from transbank.common.request_service import RequestService

from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.orders.services import OrderStateError, order_choose_transfer
from itplus.helpdesk.payments import webpay
from itplus.helpdesk.payments.models import Payment, Refund
from itplus.helpdesk.payments.services import (
    GatewayFailure,
    RefundRefused,
    UnknownReturn,
    payment_refund,
    transfer_confirm,
    webpay_return,
    webpay_start,
)
from tests.helpdesk.conftest import RETURN_URL, customer_pays
from tests.helpdesk.factories import make_order

RETURN_PATH = "/pagos/webpay/retorno/"


def _back(client, fields, method="post"):
    return getattr(client, method)(RETURN_PATH, fields)


def _refreshed(order: Order) -> Order:
    order.refresh_from_db()
    return order


# ---------------------------------------------------------------- the SDK and its host


def test_sdk_options_carry_short_timeout_and_emulator_host(settings, emulator):
    tx = webpay.transaction()
    assert tx.options.timeout == settings.WEBPAY_TIMEOUT_SECONDS < 600
    assert RequestService.host(tx.options) == emulator.url
    # Options that are not the emulator's still get Transbank's hosts from the SDK.
    plain = WebpayOptions("597055555532", "x", IntegrationType.TEST)
    assert RequestService.host(plain) == "https://webpay3gint.transbank.cl"


def test_default_timeout_is_fifteen_seconds():
    from itplus.helpdesk import settings as site_settings

    assert site_settings.WEBPAY_TIMEOUT_SECONDS == 15


def test_create_goes_through_the_sdk_to_the_emulator(order, emulator):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    assert redirect.url == emulator.url + "/webpayserver/initTransaction"
    tx = emulator.transactions[redirect.token]
    # The SDK sent the amount as a string; the emulator stored integer pesos.
    assert (tx.amount, tx.buy_order, tx.return_url) == (35_000, f"{order.code}-1", RETURN_URL)
    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.CREATED
    assert _refreshed(order).state == Order.State.AWAITING_PAYMENT


def test_wrong_api_key_is_refused_by_the_gateway(settings, order, emulator):
    settings.WEBPAY_API_KEY = "not-the-key"
    with pytest.raises(GatewayFailure):
        webpay_start(order=order, return_url=RETURN_URL)
    assert Payment.objects.get(order=order).state == Payment.State.FAILED
    assert not emulator.transactions
    assert _refreshed(order).state == Order.State.PAYMENT_FAILED


def test_unreachable_gateway_fails_cleanly(settings, order):
    settings.WEBPAY_EMULATOR_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(GatewayFailure) as exc:
        webpay_start(order=order, return_url=RETURN_URL)
    assert "Webpay" in exc.value.message
    assert not _refreshed(order).paid_at


# ---------------------------------------------------------------- the four returns


@pytest.mark.parametrize("method", ["post", "get"])
def test_approved_payment_marks_order_paid_and_mails(
    client, order, emulator, method, django_capture_on_commit_callbacks
):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "approve")
    assert fields == {"token_ws": redirect.token}

    with django_capture_on_commit_callbacks(execute=True):
        response = _back(client, fields, method)

    assert response.status_code == 302
    assert response["Location"] == f"/pedidos/{order.access_key}/"
    order = _refreshed(order)
    assert order.state == Order.State.PAID and order.paid_at and order.payment_method == "webpay"
    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.AUTHORIZED
    assert payment.response_code == 0
    assert payment.card_last_digits == "6623"
    assert len(payment.authorization_code) == 6
    assert emulator.commit_calls(redirect.token) == 1
    assert len(mail.outbox) == 1
    assert order.code in mail.outbox[0].subject and order.code in mail.outbox[0].body
    page = client.get(response["Location"]).content.decode()
    assert order.code in page and "Llámenme" in page and "wa.me/56987654321" in page


def test_double_return_commits_once(client, order, emulator, django_capture_on_commit_callbacks):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "approve")

    with django_capture_on_commit_callbacks(execute=True):
        first = _back(client, fields)
        second = _back(client, fields, "get")  # reload, or Webpay's browser retrying

    assert first["Location"] == second["Location"]
    assert emulator.commit_calls(redirect.token) == 1
    assert Payment.objects.filter(order=order).count() == 1
    assert _refreshed(order).state == Order.State.PAID
    assert len(mail.outbox) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_returns_commit_once(terms, emulator):
    order = make_order()
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "approve")
    emulator.commit_delay = 0.3  # keep the first commit in flight while the others arrive
    results, errors = [], []
    barrier = threading.Barrier(4)

    def arrive():
        try:
            barrier.wait()
            results.append(webpay_return(params=fields).state)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert emulator.commit_calls(redirect.token) == 1
    assert _refreshed(order).state == Order.State.PAID
    assert Payment.State.AUTHORIZED in results


def test_rejected_card_leaves_order_unpaid(client, order, emulator):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    response = _back(client, customer_pays(redirect, "reject"))

    order = _refreshed(order)
    assert order.state == Order.State.PAYMENT_FAILED and order.paid_at is None
    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.REJECTED and payment.response_code == -1
    assert not mail.outbox
    page = client.get(response["Location"]).content.decode()
    assert "rechazado" in page and "Pagar con Webpay" in page  # may try again


@pytest.mark.parametrize("method", ["post", "get"])
def test_aborted_payment_is_never_committed(client, order, emulator, method):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "abort")
    assert set(fields) == {"TBK_TOKEN", "TBK_ORDEN_COMPRA", "TBK_ID_SESION"}

    _back(client, fields, method)

    assert emulator.commit_calls(redirect.token) == 0
    assert Payment.objects.get(token=redirect.token).state == Payment.State.ABORTED
    assert _refreshed(order).state == Order.State.PAYMENT_FAILED
    assert not Order.objects.filter(paid_at__isnull=False).exists()


@pytest.mark.parametrize("method", ["post", "get"])
def test_form_timeout_fails_without_commit(client, order, emulator, method):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "timeout")
    assert set(fields) == {"TBK_ID_SESION", "TBK_ORDEN_COMPRA"}

    _back(client, fields, method)

    assert emulator.commit_calls(redirect.token) == 0
    assert Payment.objects.get(token=redirect.token).state == Payment.State.TIMED_OUT
    assert _refreshed(order).state == Order.State.PAYMENT_FAILED


@pytest.mark.parametrize("method", ["post", "get"])
def test_error_page_then_back_asks_status_and_never_commits(client, order, emulator, method):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "error")
    assert {"token_ws", "TBK_TOKEN"} <= set(fields)

    _back(client, fields, method)

    assert emulator.commit_calls(redirect.token) == 0
    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.FAILED  # an error, not the bank's rejection
    assert payment.gateway_response["status"] == "FAILED"  # what status answered
    assert _refreshed(order).paid_at is None
    page = client.get(f"/pedidos/{order.access_key}/").content.decode()
    assert "error en el pago con Webpay" in page and "rechazado" not in page


def test_each_outcome_is_named_on_the_order_page(client, db, emulator):
    """Rejection, abort, timeout and error each say what happened, and only what did."""
    expected = {
        "reject": ("rejected", "rechazado por el banco"),
        "abort": ("aborted", "anuló el pago"),
        "timeout": ("timed_out", "Se agotó el tiempo"),
        "error": ("failed", "error en el pago con Webpay"),
    }
    others = {text for _state, text in expected.values()}
    for choice, (state, text) in expected.items():
        order = make_order()
        redirect = webpay_start(order=order, return_url=RETURN_URL)
        _back(client, customer_pays(redirect, choice))

        assert Payment.objects.get(token=redirect.token).state == state
        page = client.get(f"/pedidos/{order.access_key}/").content.decode()
        assert text in page, choice
        assert not any(other in page for other in others - {text}), choice


def test_return_before_paying_is_not_approved(client, order, emulator):
    """token_ws for a transaction the customer never paid: commit is refused (422)."""
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    _back(client, {"token_ws": redirect.token})
    assert Payment.objects.get(token=redirect.token).state == Payment.State.FAILED
    assert _refreshed(order).paid_at is None


# ---------------------------------------------------------------- tampering


def test_tampered_token_is_refused(client, order, emulator):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    customer_pays(redirect, "approve")
    forged = redirect.token[:-4] + "0000"

    response = _back(client, {"token_ws": forged})

    assert response.status_code == 400
    assert "No reconocemos esta transacción" in response.content.decode()
    assert emulator.commit_calls(redirect.token) == 0
    assert _refreshed(order).paid_at is None


def test_abort_with_foreign_buy_order_is_refused(order, emulator):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    fields = customer_pays(redirect, "abort") | {"TBK_ORDEN_COMPRA": "OTRA-ORDEN"}
    with pytest.raises(UnknownReturn):
        webpay_return(params=fields)
    assert Payment.objects.get(token=redirect.token).state == Payment.State.CREATED


def test_return_without_webpay_fields(client, db):
    assert _back(client, {}).status_code == 400


@pytest.mark.parametrize("knob", ["tamper_amount", "tamper_buy_order"])
def test_commit_answer_that_does_not_match_is_refused(client, order, emulator, knob, caplog):
    setattr(emulator, knob, 1 if knob == "tamper_amount" else "OTRA-ORDEN-1")
    redirect = webpay_start(order=order, return_url=RETURN_URL)

    _back(client, customer_pays(redirect, "approve"))

    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.MISMATCH
    assert _refreshed(order).paid_at is None
    assert "does not match" in caplog.text


# ---------------------------------------------------------------- network trouble


def test_commit_without_answer_is_reconciled_through_status(settings, client, order, emulator):
    settings.WEBPAY_TIMEOUT_SECONDS = 0.5
    emulator.commit_delay = 1.5  # applied at Transbank, but the answer never arrives in time
    redirect = webpay_start(order=order, return_url=RETURN_URL)

    _back(client, customer_pays(redirect, "approve"))

    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.AUTHORIZED
    assert payment.gateway_response["status"] == "AUTHORIZED"
    assert emulator.commit_calls(redirect.token) == 1
    assert _refreshed(order).state == Order.State.PAID


def test_unresolved_payment_waits_then_reconcile_command_settles_it(
    settings, client, order, emulator
):
    settings.WEBPAY_TIMEOUT_SECONDS = 0.5
    emulator.commit_delay = emulator.status_delay = 1.5
    redirect = webpay_start(order=order, return_url=RETURN_URL)

    response = _back(client, customer_pays(redirect, "approve"))

    payment = Payment.objects.get(token=redirect.token)
    assert payment.state == Payment.State.UNKNOWN
    assert _refreshed(order).paid_at is None
    page = client.get(response["Location"]).content.decode()
    assert "Estamos confirmando su pago" in page and "Pagar con Webpay" not in page

    emulator.status_delay = 0
    call_command("webpay_reconcile")
    assert _refreshed(order).state == Order.State.PAID
    assert emulator.commit_calls(redirect.token) == 1


# ---------------------------------------------------------------- refunds


def _paid(client, order):
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    _back(client, customer_pays(redirect, "approve"))
    return Payment.objects.get(token=redirect.token)


def test_full_refund_within_three_hours_is_a_reversal(client, order, emulator, staff):
    payment = _paid(client, order)

    refund = payment_refund(payment=payment, by=staff)

    assert (refund.kind, refund.state, refund.amount_clp) == ("REVERSED", Refund.State.DONE, 35_000)
    payment.refresh_from_db()
    assert payment.state == Payment.State.REVERSED and payment.refunded_clp == 35_000
    assert _refreshed(order).state == Order.State.REFUNDED


def test_refund_after_three_hours_is_a_nullification(client, order, emulator, staff):
    payment = _paid(client, order)
    emulator.age(payment.token, hours=4)

    refund = payment_refund(payment=payment, by=staff)

    assert refund.kind == "NULLIFIED" and refund.gateway_response["balance"] == 0
    assert len(refund.authorization_code) == 6
    payment.refresh_from_db()
    assert payment.state == Payment.State.NULLIFIED
    assert _refreshed(order).state == Order.State.REFUNDED


def test_partial_refund_is_a_nullification_and_order_stays_paid(client, order, emulator, staff):
    payment = _paid(client, order)

    refund = payment_refund(payment=payment, by=staff, amount_clp=10_000)

    assert refund.kind == "NULLIFIED" and refund.gateway_response["balance"] == 25_000
    payment.refresh_from_db()
    assert payment.refunded_clp == 10_000 and payment.state == Payment.State.AUTHORIZED
    assert _refreshed(order).state == Order.State.PAID
    with pytest.raises(RefundRefused):
        payment_refund(payment=payment, by=staff, amount_clp=30_000)  # more than is left


def test_refund_twice_is_refused(client, order, emulator, staff):
    payment = _paid(client, order)
    payment_refund(payment=payment, by=staff)
    with pytest.raises(RefundRefused):
        payment_refund(payment=payment, by=staff)
    assert Refund.objects.filter(payment=payment, state=Refund.State.DONE).count() == 1


def test_gateway_refusing_a_refund_is_reported(client, order, emulator, staff):
    payment = _paid(client, order)
    emulator.transactions[payment.token].balance = 0  # Transbank thinks nothing is left
    with pytest.raises(RefundRefused) as exc:
        payment_refund(payment=payment, by=staff)
    assert "bigger than the balance" in exc.value.message
    assert Refund.objects.get(payment=payment).state == Refund.State.FAILED


def test_refund_from_admin_action(client, order, emulator, staff):
    _paid(client, order)
    client.force_login(staff)
    response = client.post(
        "/admin/helpdesk_orders/order/",
        {"action": "refund", "_selected_action": [order.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert _refreshed(order).state == Order.State.REFUNDED


# ---------------------------------------------------------------- bank transfer


def test_transfer_is_paid_only_when_staff_confirm(
    client, order, staff, django_capture_on_commit_callbacks
):
    order_choose_transfer(order=order)
    page = client.get(f"/pedidos/{order.access_key}/").content.decode()
    assert "Datos para la transferencia" in page and order.code in page
    assert _refreshed(order).paid_at is None

    with django_capture_on_commit_callbacks(execute=True):
        payment = transfer_confirm(order=order, by=staff, reference="comprobante 123")

    assert payment.state == Payment.State.CONFIRMED and payment.confirmed_by == staff
    assert _refreshed(order).state == Order.State.PAID and order.payment_method == "transferencia"
    assert len(mail.outbox) == 1
    with pytest.raises(OrderStateError):
        transfer_confirm(order=order, by=staff)


def test_confirm_transfer_of_order_not_waiting_for_one_is_refused(order, staff):
    with pytest.raises(OrderStateError):
        transfer_confirm(order=order, by=staff)
    assert _refreshed(order).paid_at is None


def test_paid_order_cannot_start_another_payment(client, order, emulator):
    _paid(client, order)
    with pytest.raises(OrderStateError):
        webpay_start(order=order, return_url=RETURN_URL)
    response = client.post(f"/pedidos/{order.access_key}/pagar/webpay/")
    assert response.status_code == 302
    assert len(emulator.transactions) == 1


def test_retry_after_rejection_uses_a_new_transaction(client, order, emulator):
    first = webpay_start(order=order, return_url=RETURN_URL)
    _back(client, customer_pays(first, "reject"))
    second = webpay_start(order=order, return_url=RETURN_URL)
    _back(client, customer_pays(second, "approve"))
    assert first.token != second.token
    assert list(order.payments.order_by("created_at").values_list("buy_order", "state")) == [
        (f"{order.code}-1", "rejected"),
        (f"{order.code}-2", "authorized"),
    ]
    assert _refreshed(order).state == Order.State.PAID


def test_pay_view_sends_browser_to_webpay_with_token(client, order, emulator):
    response = client.post(f"/pedidos/{order.access_key}/pagar/webpay/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'action="{emulator.url}/webpayserver/initTransaction"' in page
    token = Payment.objects.get(order=order).token
    assert f'name="token_ws" value="{token}"' in page
    assert requests.post(
        emulator.url + "/webpayserver/initTransaction", data={"token_ws": token}, timeout=5
    ).ok


def test_no_second_payment_while_the_first_is_unresolved(settings, client, order, emulator):
    settings.WEBPAY_TIMEOUT_SECONDS = 0.5
    emulator.commit_delay = emulator.status_delay = 1.5
    redirect = webpay_start(order=order, return_url=RETURN_URL)
    _back(client, customer_pays(redirect, "approve"))
    with pytest.raises(OrderStateError):
        webpay_start(order=order, return_url=RETURN_URL)
