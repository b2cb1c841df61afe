"""Payments: Webpay Plus (create → customer's form → return → commit), reconciliation,
refunds, and bank transfers confirmed by staff.

Network calls to Transbank never run inside a database transaction. A Payment row per
token is the lock that makes a return commit once: the first return moves it from
CREATED to COMMITTING under ``select_for_update``; any repeated or concurrent return
finds it already past CREATED and only reads it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.orders.services import (
    OrderStateError,
    order_lock_for_webpay,
    order_mark_paid,
    order_mark_payment_failed,
    order_mark_refunded,
)
from itplus.helpdesk.payments import webpay
from itplus.helpdesk.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

S = Payment.State
# States a payment never leaves through the customer's flow.
FINAL = {
    S.AUTHORIZED,
    S.CONFIRMED,
    S.REJECTED,
    S.ABORTED,
    S.TIMED_OUT,
    S.FAILED,
    S.MISMATCH,
    S.REVERSED,
    S.NULLIFIED,
}


class PaymentError(BusinessError):
    code = "pago"


class UnknownReturn(PaymentError):
    code = "retorno_desconocido"
    status = 400


class GatewayFailure(PaymentError):
    code = "webpay_no_disponible"
    status = 502


@dataclass(frozen=True, slots=True)
class WebpayRedirect:
    url: str
    token: str


# ---------------------------------------------------------------- create


@transaction.atomic
def _payment_open(*, order: Order) -> Payment:
    order = order_lock_for_webpay(order=order)
    if order.payments.filter(state__in=[S.COMMITTING, S.UNKNOWN]).exists():
        # A previous card payment may still turn out approved: never charge twice.
        raise OrderStateError(
            _("Estamos confirmando un pago anterior de este pedido. Espere unos minutos.")
        )
    attempt = order.payments.count() + 1
    return Payment.objects.create(
        order=order,
        method=Payment.Method.WEBPAY,
        state=S.CREATING,
        amount_clp=order.price_clp,
        buy_order=f"{order.code}-{attempt}",
        session_id=secrets.token_hex(12),
    )


def _finish(payment: Payment, *, state: str, detail: str = "", **fields) -> Payment:
    payment.state = state
    payment.detail = detail[:300]
    payment.finished_at = timezone.now() if state in FINAL else None
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save()
    return payment


def webpay_start(*, order: Order, return_url: str) -> WebpayRedirect:
    """Open a Webpay Plus transaction for the order's full price.

    Returns where to send the customer's browser (POST token_ws to url).
    """
    payment = _payment_open(order=order)
    try:
        response = webpay.transaction().create(
            payment.buy_order, payment.session_id, payment.amount_clp, return_url
        )
    except (webpay.GatewayError, webpay.GatewayUnreachable) as exc:
        logger.warning("webpay create failed for %s: %r", payment.buy_order, exc)
        with transaction.atomic():
            _finish(payment, state=S.FAILED, detail=str(getattr(exc, "message", exc)))
            order_mark_payment_failed(order=payment.order)
        raise GatewayFailure(
            _(
                "No pudimos conectar con Webpay. Intente nuevamente en unos minutos o "
                "elija transferencia bancaria."
            )
        )
    _finish(payment, state=S.CREATED, token=response["token"])
    return WebpayRedirect(url=response["url"], token=response["token"])


# ---------------------------------------------------------------- return


def webpay_return(*, params: Mapping[str, str]) -> Payment:
    """Handle the customer's return from Webpay, whatever form it takes.

    - token_ws only: normal flow → commit (once).
    - TBK_TOKEN (+ TBK_ORDEN_COMPRA, TBK_ID_SESION): the customer aborted → no commit.
    - TBK_ID_SESION + TBK_ORDEN_COMPRA only: the form timed out → no commit.
    - token_ws and TBK_TOKEN: an error in the form, then "back to the shop" → ask the
      status, never commit.
    """
    token_ws = (params.get("token_ws") or "").strip()
    tbk_token = (params.get("TBK_TOKEN") or "").strip()
    buy_order = (params.get("TBK_ORDEN_COMPRA") or "").strip()
    session_id = (params.get("TBK_ID_SESION") or "").strip()
    if token_ws and tbk_token:
        return _return_after_form_error(token=token_ws)
    if token_ws:
        return _return_normal(token=token_ws)
    if tbk_token:
        return _return_without_commit(
            lookup={"token": tbk_token},
            buy_order=buy_order,
            state=S.ABORTED,
            detail=_("El cliente anuló el pago en Webpay."),
        )
    if buy_order and session_id:
        return _return_without_commit(
            lookup={"buy_order": buy_order, "session_id": session_id},
            buy_order=buy_order,
            state=S.TIMED_OUT,
            detail=_("Se agotó el tiempo del formulario de Webpay."),
        )
    raise UnknownReturn(_("Este retorno de pago no trae datos de Webpay."))


def _unknown_token() -> UnknownReturn:
    return UnknownReturn(
        _(
            "No reconocemos esta transacción de Webpay. Si pagó, contáctenos con su código de pedido."
        )
    )


@transaction.atomic
def _return_without_commit(*, lookup: dict, buy_order: str, state: str, detail: str) -> Payment:
    payment = (
        Payment.objects.select_for_update().filter(method=Payment.Method.WEBPAY, **lookup).first()
    )
    if payment is None or (buy_order and payment.buy_order != buy_order):
        raise _unknown_token()
    if payment.state == S.CREATED:
        _finish(payment, state=state, detail=detail)
        order_mark_payment_failed(order=payment.order)
    return payment


def _return_normal(*, token: str) -> Payment:
    with transaction.atomic():
        # The row lock serialises concurrent returns of the same token (double click,
        # reload, Webpay's own retry): only the one that finds CREATED commits.
        payment = Payment.objects.select_for_update().filter(token=token).first()
        if payment is None:
            raise _unknown_token()
        if payment.state != S.CREATED:
            return payment
        _finish(payment, state=S.COMMITTING)

    try:
        response = webpay.transaction().commit(token)
    except webpay.GatewayUnreachable as exc:
        # The commit may or may not have reached Transbank: its status tells.
        logger.warning("webpay commit of %s got no answer: %r", payment.buy_order, exc)
        _mark_unknown(payment, detail=_("Sin respuesta de Transbank al confirmar."))
        return payment_reconcile(payment=payment)
    except webpay.GatewayError as exc:
        logger.warning("webpay commit of %s refused: %s", payment.buy_order, exc.message)
        _mark_unknown(payment, detail=exc.message)
        return payment_reconcile(payment=payment, fail_if_unresolved=True)
    return _apply_result(payment=payment, response=response)


def _return_after_form_error(*, token: str) -> Payment:
    payment = Payment.objects.filter(token=token).first()
    if payment is None:
        raise _unknown_token()
    if payment.state != S.CREATED:
        return payment
    return payment_reconcile(payment=payment, fail_if_unresolved=True)


def _mark_unknown(payment: Payment, *, detail: str) -> None:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state in (S.COMMITTING, S.CREATED):
            _finish(locked, state=S.UNKNOWN, detail=detail)
    payment.refresh_from_db()


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@transaction.atomic
def _apply_result(*, payment: Payment, response: dict, fail_if_unresolved: bool = False) -> Payment:
    """Record what Transbank said about the transaction (commit or status answer).

    PAID only when response_code is 0, status AUTHORIZED, and the amount and buy_order
    are the ones we sent; a mismatch is refused and logged for staff.
    """
    payment = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
    if payment.state not in (S.CREATED, S.COMMITTING, S.UNKNOWN):
        return payment  # already resolved by a concurrent return or reconciliation
    card = response.get("card_detail") or {}
    fields = {
        "gateway_response": response,
        "response_code": response.get("response_code"),
        "authorization_code": str(response.get("authorization_code") or "")[:6],
        "card_last_digits": str(card.get("card_number") or "")[-4:],
        "payment_type_code": str(response.get("payment_type_code") or "")[:4],
        "installments_number": int(response.get("installments_number") or 0),
    }
    status = response.get("status")
    if (
        response.get("buy_order") != payment.buy_order
        or _amount(response.get("amount")) != payment.amount_clp
    ):
        logger.error(
            "webpay answer for %s does not match: buy_order=%r amount=%r (expected %s)",
            payment.buy_order,
            response.get("buy_order"),
            response.get("amount"),
            payment.amount_clp,
        )
        _finish(
            payment,
            state=S.MISMATCH,
            detail=_("La respuesta de Transbank no coincide con el monto u orden de compra."),
            **fields,
        )
        order_mark_payment_failed(order=payment.order)
    elif status == "AUTHORIZED" and response.get("response_code") == 0:
        _finish(payment, state=S.AUTHORIZED, detail="", **fields)
        order_mark_paid(order=payment.order, method=Payment.Method.WEBPAY)
    elif (
        status in ("FAILED", "REVERSED", "NULLIFIED")
        or fail_if_unresolved
        or (
            status == "AUTHORIZED"  # authorized with a non-zero code: not a valid approval
        )
    ):
        _finish(
            payment,
            state=S.REJECTED if status == "FAILED" else S.FAILED,
            detail=_("Pago rechazado (código %(code)s).") % {"code": response.get("response_code")},
            **fields,
        )
        order_mark_payment_failed(order=payment.order)
    else:
        # INITIALIZED or another in-between status: try again later.
        fields.pop("gateway_response")
        payment.gateway_response = response
        payment.save(update_fields=["gateway_response"])
    return payment


def payment_reconcile(*, payment: Payment, fail_if_unresolved: bool = False) -> Payment:
    """Ask Transbank the status of an unresolved transaction and record it.

    Used after a commit without answer, after an error-page return, and by staff.
    ``fail_if_unresolved`` closes a transaction that was never authorized.
    """
    try:
        response = webpay.transaction().status(payment.token)
    except webpay.GatewayUnreachable as exc:
        logger.warning("webpay status of %s got no answer: %r", payment.buy_order, exc)
        _mark_unknown(
            payment, detail=_("Sin respuesta de Transbank; se reintentará la conciliación.")
        )
        return payment
    except webpay.GatewayError as exc:
        response = {"error_message": exc.message}
        if fail_if_unresolved:
            with transaction.atomic():
                locked = (
                    Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
                )
                if locked.state in (S.CREATED, S.COMMITTING, S.UNKNOWN):
                    _finish(locked, state=S.FAILED, detail=exc.message, gateway_response=response)
                    order_mark_payment_failed(order=locked.order)
            payment.refresh_from_db()
        return payment
    return _apply_result(payment=payment, response=response, fail_if_unresolved=fail_if_unresolved)


def payments_to_reconcile():
    return Payment.objects.filter(method=Payment.Method.WEBPAY, state__in=[S.UNKNOWN, S.COMMITTING])


# ---------------------------------------------------------------- refunds


class RefundRefused(PaymentError):
    code = "reembolso_rechazado"


def payment_refund(*, payment: Payment, by: User, amount_clp: int | None = None) -> Refund:
    """Refund a Webpay payment (all of what is left, or ``amount_clp``).

    Transbank decides the kind: a full refund within 3 hours is a reversal (REVERSED),
    anything else a nullification (NULLIFIED). The order becomes REFUNDED once nothing
    is left to refund.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        amount = payment.refundable_clp if amount_clp is None else amount_clp
        if not isinstance(amount, int) or amount <= 0 or amount > payment.refundable_clp:
            raise RefundRefused(
                _("Monto a reembolsar no válido: quedan %(left)s pesos reembolsables.")
                % {"left": payment.refundable_clp}
            )
        try:
            with transaction.atomic():
                refund = Refund.objects.create(
                    payment=payment, amount_clp=amount, state=Refund.State.PENDING, requested_by=by
                )
        except IntegrityError:
            raise RefundRefused(_("Ya hay un reembolso en curso para este pago."))

    try:
        response = webpay.transaction().refund(payment.token, amount)
    except (webpay.GatewayError, webpay.GatewayUnreachable) as exc:
        message = getattr(exc, "message", None) or str(exc)
        Refund.objects.filter(pk=refund.pk).update(state=Refund.State.FAILED, detail=message[:300])
        raise RefundRefused(_("Transbank no aceptó el reembolso: %(error)s") % {"error": message})
    return _apply_refund(refund=refund, response=response)


@transaction.atomic
def _apply_refund(*, refund: Refund, response: dict) -> Refund:
    payment = Payment.objects.select_for_update().select_related("order").get(pk=refund.payment_id)
    refund.kind = str(response.get("type", ""))
    refund.gateway_response = response
    refund.authorization_code = str(response.get("authorization_code") or "")[:6]
    if refund.kind == "REVERSED":
        payment.refunded_clp = payment.amount_clp
        payment.state = S.REVERSED
    elif refund.kind == "NULLIFIED" and response.get("response_code", 0) == 0:
        nullified = _amount(response.get("nullified_amount", refund.amount_clp))
        payment.refunded_clp += int(nullified)
        if payment.refunded_clp >= payment.amount_clp:
            payment.state = S.NULLIFIED
    else:
        refund.state = Refund.State.FAILED
        refund.detail = _("Respuesta inesperada de Transbank.")
        refund.save()
        raise RefundRefused(refund.detail)
    refund.state = Refund.State.DONE
    refund.save()
    payment.save(update_fields=["refunded_clp", "state"])
    if payment.refunded_clp >= payment.amount_clp:
        order_mark_refunded(order=payment.order)
    return refund


# ---------------------------------------------------------------- bank transfer


@transaction.atomic
def transfer_confirm(*, order: Order, by: User, reference: str = "") -> Payment:
    """Staff saw the transfer in the bank: record it and mark the order PAID."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.state != Order.State.AWAITING_TRANSFER:
        raise OrderStateError(
            _("El pedido %(code)s no espera una transferencia (estado: %(state)s).")
            % {"code": order.code, "state": order.get_state_display()}
        )
    payment = Payment.objects.create(
        order=order,
        method=Payment.Method.TRANSFER,
        state=S.CONFIRMED,
        amount_clp=order.price_clp,
        buy_order=f"{order.code}-T",
        confirmed_by=by,
        detail=reference[:300],
        finished_at=timezone.now(),
    )
    order_mark_paid(order=order, method=Payment.Method.TRANSFER)
    return payment
