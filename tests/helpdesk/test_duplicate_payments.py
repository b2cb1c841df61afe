"""One open Webpay transaction per order, and a duplicate charge refunded automatically.

The attack (issue: two tabs, both approved, both returned) ran against the real SDK and
the emulator: before this rule both payments stayed AUTHORIZED and nothing refunded or
flagged the second. These tests replay it through the emulator over a socket.
"""

from __future__ import annotations

import pytest
import requests
from django.core import mail

from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.orders.services import order_choose_transfer
from itplus.helpdesk.payments.emulator import DECIDE_PATH
from itplus.helpdesk.payments.models import Payment, PaymentEvent, Refund
from itplus.helpdesk.payments.selectors import orders_with_duplicate_payments
from itplus.helpdesk.payments.services import (
    WebpayRedirect,
    payment_refund,
    transfer_confirm,
    webpay_return,
    webpay_start,
)
from tests.concurrency import run_together
from tests.helpdesk.conftest import RETURN_URL, customer_pays
from tests.helpdesk.factories import make_order, make_staff

RETURN_PATH = "/pagos/webpay/retorno/"
ADMIN_ORDERS = "/admin/helpdesk_orders/order/"


def _refreshed(order: Order) -> Order:
    order.refresh_from_db()
    return order


def _events(order: Order) -> list[str]:
    return list(order.payment_events.order_by("pk").values_list("kind", flat=True))


# ---------------------------------------------------------------- a second "pay"


def test_second_pay_resumes_the_open_transaction(client, order, emulator):
    # given: tab 1 is on Webpay's form
    first = webpay_start(order=order, return_url=RETURN_URL)

    # when: tab 2 (or a second click) asks to pay again
    second = webpay_start(order=order, return_url=RETURN_URL)

    # then: the same transaction, nothing new at Transbank
    assert second == first
    assert len(emulator.transactions) == 1
    assert order.payments.count() == 1
    assert _events(order) == [PaymentEvent.Kind.RESUMED]
    # Both tabs show the same form; the first decision wins, the other tab is refused.
    customer_pays(first, "approve")
    refused = requests.post(
        emulator.url + DECIDE_PATH, data={"token_ws": first.token, "choice": "approve"}, timeout=5
    )
    assert refused.status_code == 409


def test_pay_view_twice_sends_both_tabs_to_the_same_token(client, order, emulator):
    pages = [client.post(f"/pedidos/{order.access_key}/pagar/webpay/") for _ in range(2)]
    token = Payment.objects.get(order=order).token
    for page in pages:
        assert page.status_code == 200
        assert f'name="token_ws" value="{token}"' in page.content.decode()
    assert len(emulator.transactions) == 1


def test_second_pay_after_the_form_lifetime_replaces_the_transaction(settings, order, emulator):
    first = webpay_start(order=order, return_url=RETURN_URL)
    settings.WEBPAY_FORM_LIFETIME_SECONDS = 0  # the first form can no longer be used

    second = webpay_start(order=order, return_url=RETURN_URL)

    assert second.token != first.token
    states = dict(order.payments.values_list("token", "state"))
    assert states == {first.token: Payment.State.EXPIRED, second.token: Payment.State.CREATED}
    assert _events(order) == [PaymentEvent.Kind.EXPIRED]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_pays_open_one_transaction(terms, emulator):
    """Two "pay" requests at the same instant: the order's row lock lets one create the
    transaction; the other waits for its token and resumes it (SQLite and PostgreSQL)."""
    order = make_order()
    results = run_together(
        [lambda: webpay_start(order=order, return_url=RETURN_URL)] * 2, what="pay"
    )

    assert all(isinstance(r, WebpayRedirect) for r in results), results
    assert results[0] == results[1]
    assert len(emulator.transactions) == 1
    assert Payment.objects.filter(order=order).count() == 1


# ---------------------------------------------------------------- the attack


def _two_tabs(settings, order) -> tuple[WebpayRedirect, WebpayRedirect]:
    """Tab 1 opens Webpay and sits on the form past its lifetime; tab 2 pays anew."""
    tab1 = webpay_start(order=order, return_url=RETURN_URL)
    settings.WEBPAY_FORM_LIFETIME_SECONDS = 0
    tab2 = webpay_start(order=order, return_url=RETURN_URL)
    assert tab1.token != tab2.token
    return tab1, tab2


@pytest.mark.parametrize("first_back", ["tab1", "tab2"])
def test_two_tabs_both_approved_and_returned_refunds_the_second(
    settings, client, order, emulator, staff, first_back, django_capture_on_commit_callbacks
):
    # given: two live transactions for one order, both approved by the customer
    tab1, tab2 = _two_tabs(settings, order)
    backs = {"tab1": customer_pays(tab1, "approve"), "tab2": customer_pays(tab2, "approve")}
    order_back = [first_back, "tab2" if first_back == "tab1" else "tab1"]

    # when: both come back
    with django_capture_on_commit_callbacks(execute=True):
        for tab in order_back:
            assert client.post(RETURN_PATH, backs[tab]).status_code == 302

    # then: the first to come back pays the order, the second is given back in full
    kept_token = {"tab1": tab1.token, "tab2": tab2.token}[order_back[0]]
    dup_token = {"tab1": tab1.token, "tab2": tab2.token}[order_back[1]]
    kept, dup = Payment.objects.get(token=kept_token), Payment.objects.get(token=dup_token)
    assert kept.state == Payment.State.AUTHORIZED and not kept.duplicate
    assert dup.state == Payment.State.REVERSED and dup.duplicate
    assert dup.refunded_clp == dup.amount_clp
    # Transbank (the emulator) received the refund request for the duplicate only.
    assert emulator.transactions[dup_token].refunds == [{"type": "REVERSED"}]
    assert emulator.transactions[dup_token].status == "REVERSED"
    assert emulator.transactions[kept_token].refunds == []
    refund = Refund.objects.get(payment=dup)
    assert (refund.reason, refund.state, refund.requested_by) == ("duplicate", "done", None)
    # The order is paid exactly once, with one confirmation e-mail.
    order = _refreshed(order)
    assert order.state == Order.State.PAID and order.payment_method == "webpay"
    assert len(mail.outbox) == 1
    assert _events(order)[-2:] == [
        PaymentEvent.Kind.DUPLICATE,
        PaymentEvent.Kind.DUPLICATE_REFUNDED,
    ]
    # The back office lists it among duplicate payments, with the events on its page.
    client.force_login(staff)
    listing = client.get(ADMIN_ORDERS, {"duplicados": "todos"}).content.decode()
    assert order.code in listing
    unrefunded = client.get(ADMIN_ORDERS, {"duplicados": "sin_reembolsar"}).content.decode()
    assert order.code not in unrefunded
    page = client.get(f"{ADMIN_ORDERS}{order.pk}/change/").content.decode()
    assert "Cobro duplicado detectado" in page and "Cobro duplicado reembolsado" in page


def test_card_approved_after_a_confirmed_transfer_is_refunded(client, order, emulator, staff):
    # given: the customer opened Webpay, then switched to a transfer that staff confirmed
    tab = webpay_start(order=order, return_url=RETURN_URL)
    order_choose_transfer(order=order)
    transfer_confirm(order=order, by=staff, reference="comprobante 77")

    # when: the forgotten Webpay tab is approved and comes back
    client.post(RETURN_PATH, customer_pays(tab, "approve"))

    # then: the transfer pays the order, the card is reversed
    card = Payment.objects.get(token=tab.token)
    assert card.state == Payment.State.REVERSED and card.duplicate
    assert emulator.transactions[tab.token].refunds == [{"type": "REVERSED"}]
    order = _refreshed(order)
    assert order.state == Order.State.PAID and order.payment_method == "transferencia"


def test_refused_duplicate_refund_stays_listed_and_staff_retry_it(
    settings, client, order, emulator, staff
):
    tab1, tab2 = _two_tabs(settings, order)
    backs = [customer_pays(tab1, "approve"), customer_pays(tab2, "approve")]
    emulator.refund_error = "Transaction cannot be refunded right now"
    for fields in backs:
        client.post(RETURN_PATH, fields)

    dup = Payment.objects.get(token=tab2.token)
    assert dup.state == Payment.State.AUTHORIZED and dup.duplicate
    assert Refund.objects.get(payment=dup).state == Refund.State.FAILED
    assert _events(order)[-1] == PaymentEvent.Kind.DUPLICATE_REFUND_FAILED
    assert list(orders_with_duplicate_payments(unrefunded_only=True)) == [order]

    # Transbank accepts again; staff use the order admin's action.
    emulator.refund_error = None
    client.force_login(staff)
    listing = client.get(ADMIN_ORDERS, {"duplicados": "sin_reembolsar"}).content.decode()
    assert order.code in listing
    response = client.post(
        ADMIN_ORDERS,
        {"action": "refund_duplicates", "_selected_action": [order.pk]},
        follow=True,
    )
    assert "1 cobro duplicado reembolsado" in response.content.decode()
    dup.refresh_from_db()
    assert dup.state == Payment.State.REVERSED
    assert Refund.objects.get(payment=dup, state=Refund.State.DONE).requested_by == staff
    assert not orders_with_duplicate_payments(unrefunded_only=True).exists()
    assert _refreshed(order).state == Order.State.PAID
    assert Payment.objects.get(token=tab1.token).state == Payment.State.AUTHORIZED


def test_refunding_the_kept_payment_after_the_duplicate_refunds_the_order(
    settings, client, order, emulator, staff
):
    tab1, tab2 = _two_tabs(settings, order)
    for fields in [customer_pays(tab1, "approve"), customer_pays(tab2, "approve")]:
        client.post(RETURN_PATH, fields)
    assert _refreshed(order).state == Order.State.PAID  # the duplicate's refund kept it paid

    payment_refund(payment=Payment.objects.get(token=tab1.token), by=staff)

    assert _refreshed(order).state == Order.State.REFUNDED


def test_admin_duplicate_filter_lists_only_orders_charged_twice(
    settings, client, order, emulator, staff
):
    tab1, tab2 = _two_tabs(settings, order)
    for fields in [customer_pays(tab1, "approve"), customer_pays(tab2, "approve")]:
        client.post(RETURN_PATH, fields)
    settings.WEBPAY_FORM_LIFETIME_SECONDS = 600
    paid_once = make_order()
    client.post(RETURN_PATH, customer_pays(webpay_start(order=paid_once, return_url=RETURN_URL)))
    assert _refreshed(paid_once).state == Order.State.PAID

    assert list(orders_with_duplicate_payments()) == [order]
    client.force_login(staff)
    listing = client.get(ADMIN_ORDERS, {"duplicados": "todos"}).content.decode()
    assert order.code in listing and paid_once.code not in listing
    filters = client.get(ADMIN_ORDERS).content.decode()
    assert "pagos duplicados" in filters and "Más de un pago cobrado" in filters


@pytest.mark.django_db(transaction=True)
def test_two_approved_tabs_returning_at_once_pay_the_order_once(settings, terms, emulator):
    """Both returns commit at Transbank at the same moment; the order's lock makes one of
    them pay and the other a duplicate, refunded (SQLite and PostgreSQL)."""
    make_staff()
    order = make_order()
    tab1, tab2 = _two_tabs(settings, order)
    backs = [customer_pays(tab1, "approve"), customer_pays(tab2, "approve")]
    emulator.commit_delay = 0.2  # both commits in flight together

    results = run_together([lambda f=f: webpay_return(params=f) for f in backs], what="return")

    assert all(isinstance(r, Payment) for r in results), results
    states = sorted(Payment.objects.filter(order=order).values_list("state", flat=True))
    assert states == [Payment.State.AUTHORIZED, Payment.State.REVERSED]
    assert Payment.objects.filter(order=order, duplicate=True).count() == 1
    assert sum(len(tx.refunds) for tx in emulator.transactions.values()) == 1
    assert _refreshed(order).state == Order.State.PAID
