"""Payments: Webpay Plus (create → customer's form → return → commit), reconciliation,
refunds, and bank transfers confirmed by staff.

Network calls to Transbank never run inside a database transaction. A Payment row per
token is the lock that makes a return commit once: the first return moves it from
CREATED to COMMITTING under ``select_for_update``; any repeated or concurrent return
finds it already past CREATED and only reads it.

An order has at most one open Webpay transaction (a conditional unique constraint): a
second "pay" (another tab, a double click) resumes it while its form is still usable,
or replaces it once the form's lifetime is over. Should a second authorisation arrive
anyway, the order stays paid by the first captured payment and the later one is
refunded automatically (``order_duplicates_refund``). Locks are taken order first,
then payment, everywhere both are needed.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
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
from itplus.helpdesk.payments.models import CAPTURED_STATES, Payment, PaymentEvent, Refund

logger = logging.getLogger(__name__)

S = Payment.State
# States a payment never leaves through the customer's flow.
FINAL = {
    S.AUTHORIZED,
    S.CONFIRMED,
    S.REJECTED,
    S.ABORTED,
    S.TIMED_OUT,
    S.EXPIRED,
    S.FAILED,
    S.MISMATCH,
    S.REVERSED,
    S.NULLIFIED,
}
# A return with token_ws commits these: an expired transaction's late approval is
# still taken (and refunded if the order is paid by then), never silently dropped.
COMMITTABLE = (S.CREATED, S.EXPIRED)
# How often a second "pay" looks whether the first one's create has finished.
_CREATE_POLL_SECONDS = 0.05


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


def _event(*, payment: Payment, kind: str, message: str) -> PaymentEvent:
    return PaymentEvent.objects.create(
        order_id=payment.order_id, payment=payment, kind=kind, message=message[:300]
    )


# ---------------------------------------------------------------- create


def _create_grace_seconds() -> float:
    # A create still CREATING after this long died with its process: nobody will finish it.
    return settings.WEBPAY_TIMEOUT_SECONDS + 5


@transaction.atomic
def _payment_open(*, order: Order) -> tuple[Payment, bool]:
    """The order's Webpay payment to send the customer to, and whether it already existed.

    The order's row lock serialises every "pay" of one order (two tabs, a double click),
    so exactly one of them creates a transaction; the others resume it.
    """
    order = order_lock_for_webpay(order=order)
    if order.payments.filter(state__in=[S.COMMITTING, S.UNKNOWN]).exists():
        # A previous card payment may still turn out approved: never charge twice.
        raise OrderStateError(
            _("Estamos confirmando un pago anterior de este pedido. Espere unos minutos.")
        )
    current = order.payments.filter(
        method=Payment.Method.WEBPAY, state__in=[S.CREATING, S.CREATED]
    ).first()
    if current is not None:
        age = (timezone.now() - current.created_at).total_seconds()
        if current.state == S.CREATED and age < settings.WEBPAY_FORM_LIFETIME_SECONDS:
            _event(
                payment=current,
                kind=PaymentEvent.Kind.RESUMED,
                message=_("Se volvió a pedir el pago: se retoma la transacción %(buy_order)s.")
                % {"buy_order": current.buy_order},
            )
            return current, True
        if current.state == S.CREATING and age < _create_grace_seconds():
            return current, True  # another request is creating it right now
        # Its form can no longer be used (or its create never finished): replace it.
        _finish(
            current,
            state=S.EXPIRED,
            detail=_("Vencida: el cliente volvió a pagar y se abrió un nuevo intento."),
        )
        _event(
            payment=current,
            kind=PaymentEvent.Kind.EXPIRED,
            message=_("La transacción %(buy_order)s venció y se reemplazó por una nueva.")
            % {"buy_order": current.buy_order},
        )
    attempt = order.payments.count() + 1
    return Payment.objects.create(
        order=order,
        method=Payment.Method.WEBPAY,
        state=S.CREATING,
        amount_clp=order.price_clp,
        buy_order=f"{order.code}-{attempt}",
        session_id=secrets.token_hex(12),
    ), False


def _finish(payment: Payment, *, state: str, detail: str = "", **fields) -> Payment:
    payment.state = state
    payment.detail = detail[:300]
    payment.finished_at = timezone.now() if state in FINAL else None
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save()
    return payment


def _gateway_failure() -> GatewayFailure:
    return GatewayFailure(
        _(
            "No pudimos conectar con Webpay. Intente nuevamente en unos minutos o "
            "elija transferencia bancaria."
        )
    )


def _resume(payment: Payment) -> WebpayRedirect:
    """Send the customer to the open transaction; if another request is still creating
    it, wait (at most one gateway timeout) for its token."""
    deadline = time.monotonic() + _create_grace_seconds()
    while payment.state == S.CREATING and time.monotonic() < deadline:
        time.sleep(_CREATE_POLL_SECONDS)
        payment.refresh_from_db()
    if payment.state == S.CREATED and payment.token and payment.form_url:
        return WebpayRedirect(url=payment.form_url, token=payment.token)
    if payment.state == S.FAILED:
        raise _gateway_failure()
    raise OrderStateError(
        _(
            "Estamos abriendo el pago de este pedido en otra ventana. Espere unos segundos "
            "y vuelva a intentarlo."
        )
    )


def webpay_start(*, order: Order, return_url: str) -> WebpayRedirect:
    """Send the customer to Webpay Plus for the order's full price.

    Returns where to send the customer's browser (POST token_ws to url). While the
    order's open transaction is within its form's lifetime, that same token and url
    come back (a second tab lands on the same form, which Webpay lets decide once);
    past it, the open transaction is marked EXPIRED and a new one is created.
    """
    payment, existing = _payment_open(order=order)
    if existing:
        return _resume(payment)
    try:
        response = webpay.transaction().create(
            payment.buy_order, payment.session_id, payment.amount_clp, return_url
        )
    except (webpay.GatewayError, webpay.GatewayUnreachable) as exc:
        logger.warning("webpay create failed for %s: %r", payment.buy_order, exc)
        with transaction.atomic():
            _finish(payment, state=S.FAILED, detail=str(getattr(exc, "message", exc)))
            order_mark_payment_failed(order=payment.order)
        raise _gateway_failure()
    _finish(payment, state=S.CREATED, token=response["token"], form_url=response["url"])
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
        if payment.state not in COMMITTABLE:
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
    return _record_result(payment=payment, response=response)


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


def _record_result(
    *, payment: Payment, response: dict, fail_if_unresolved: bool = False
) -> Payment:
    """Record Transbank's answer; a duplicate authorisation is refunded right after
    (the refund is a network call, so it runs once the answer is committed)."""
    payment = _apply_result(
        payment=payment, response=response, fail_if_unresolved=fail_if_unresolved
    )
    if payment.duplicate and payment.state == S.AUTHORIZED:
        order_duplicates_refund(order=payment.order)
        payment.refresh_from_db()
    return payment


def _pays_twice(*, order: Order, payment: Payment) -> bool:
    """Would authorising ``payment`` take the customer's money a second time?"""
    if not order.can_pay:
        return True  # already paid (or paid and refunded): nothing more is owed
    return order.payments.exclude(pk=payment.pk).filter(state__in=CAPTURED_STATES).exists()


def _failure_named(*, status: str | None, code) -> tuple[str, str]:
    """What a failed transaction truly was. Only a commit's non-zero response code is the
    bank's rejection of the card; a FAILED status without one is an error (in Webpay's
    form, or the customer left it), and the rest Transbank could not confirm."""
    if status == "FAILED" and isinstance(code, int) and code != 0:
        return S.REJECTED, _("El banco rechazó la tarjeta (código %(code)s).") % {"code": code}
    if status == "FAILED":
        return S.FAILED, _("Error en el formulario de Webpay: el pago no se completó.")
    return S.FAILED, _("Transbank no confirmó el pago (estado %(status)s, código %(code)s).") % {
        "status": status or "?",
        "code": code,
    }


@transaction.atomic
def _apply_result(*, payment: Payment, response: dict, fail_if_unresolved: bool = False) -> Payment:
    """Record what Transbank said about the transaction (commit or status answer).

    PAID only when response_code is 0, status AUTHORIZED, and the amount and buy_order
    are the ones we sent; a mismatch is refused and logged for staff. An approval for
    an order that another payment already paid is recorded as a duplicate.
    """
    # The order's lock first: two approvals of one order (two tabs) decide one by one
    # which of them pays it.
    Order.objects.select_for_update().get(pk=payment.order_id)
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
        if _pays_twice(order=payment.order, payment=payment):
            logger.error(
                "webpay %s authorised for order %s, already paid: duplicate charge",
                payment.buy_order,
                payment.order.code,
            )
            _finish(
                payment,
                state=S.AUTHORIZED,
                detail=_("Cobro duplicado: el pedido ya estaba pagado; se reembolsa."),
                duplicate=True,
                **fields,
            )
            _event(
                payment=payment,
                kind=PaymentEvent.Kind.DUPLICATE,
                message=_(
                    "Transbank autorizó %(buy_order)s por %(amount)s pesos cuando el pedido ya "
                    "estaba pagado."
                )
                % {"buy_order": payment.buy_order, "amount": payment.amount_clp},
            )
        else:
            _finish(payment, state=S.AUTHORIZED, detail="", **fields)
            order_mark_paid(order=payment.order, method=Payment.Method.WEBPAY)
    elif (
        status in ("FAILED", "REVERSED", "NULLIFIED")
        or fail_if_unresolved
        or (
            status == "AUTHORIZED"  # authorized with a non-zero code: not a valid approval
        )
    ):
        state, detail = _failure_named(status=status, code=response.get("response_code"))
        _finish(payment, state=state, detail=detail, **fields)
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
    return _record_result(payment=payment, response=response, fail_if_unresolved=fail_if_unresolved)


def payments_to_reconcile():
    return Payment.objects.filter(method=Payment.Method.WEBPAY, state__in=[S.UNKNOWN, S.COMMITTING])


# ---------------------------------------------------------------- refunds


class RefundRefused(PaymentError):
    code = "reembolso_rechazado"


def payment_refund(
    *,
    payment: Payment,
    by: User | None,
    amount_clp: int | None = None,
    reason: str = Refund.Reason.STAFF,
) -> Refund:
    """Refund a Webpay payment (all of what is left, or ``amount_clp``).

    Transbank decides the kind: a full refund within 3 hours is a reversal (REVERSED),
    anything else a nullification (NULLIFIED). The order becomes REFUNDED once none of
    its payments holds money any more (refunding a duplicate leaves it PAID).
    ``by`` is None for an automatic refund.
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
                    payment=payment,
                    amount_clp=amount,
                    state=Refund.State.PENDING,
                    reason=reason,
                    requested_by=by,
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
    order = Order.objects.select_for_update().get(pk=refund.payment.order_id)
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
    holds_money = order.payments.filter(state__in=CAPTURED_STATES).exists()
    if order.state == Order.State.PAID and not holds_money:
        order_mark_refunded(order=order)
    return refund


def order_duplicates_refund(*, order: Order, by: User | None = None) -> list[Refund]:
    """Give back every captured payment of the order but the one that pays it.

    The order is paid exactly once: by a confirmed transfer if there is one (Webpay
    cannot refund it), else by its first approved card payment. Every other captured
    payment is marked a duplicate and refunded through Transbank in full; each outcome
    is a PaymentEvent staff can see, and a refund Transbank refuses leaves the payment
    in the back office's "Pagos duplicados" list to retry. Runs automatically after a
    duplicate approval (``by`` None) and from the order admin's action.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        captured = sorted(
            order.payments.filter(state__in=CAPTURED_STATES),
            key=lambda p: (p.method != Payment.Method.TRANSFER, p.finished_at, p.pk),
        )
        # A paid order keeps its first payment; one already refunded keeps none.
        duplicates = captured[1:] if order.state == Order.State.PAID else captured
        for payment in duplicates:
            if not payment.duplicate:
                payment.duplicate = True
                payment.save(update_fields=["duplicate"])
    refunds = []
    for payment in duplicates:
        if not payment.refundable_clp:
            continue
        try:
            refund = payment_refund(payment=payment, by=by, reason=Refund.Reason.DUPLICATE)
        except RefundRefused as exc:
            logger.error("refund of duplicate %s failed: %s", payment.buy_order, exc.message)
            _event(
                payment=payment,
                kind=PaymentEvent.Kind.DUPLICATE_REFUND_FAILED,
                message=_("No se pudo reembolsar %(buy_order)s: %(error)s")
                % {"buy_order": payment.buy_order, "error": exc.message},
            )
            continue
        _event(
            payment=payment,
            kind=PaymentEvent.Kind.DUPLICATE_REFUNDED,
            message=_("%(buy_order)s reembolsado a la tarjeta (%(kind)s, %(amount)s pesos).")
            % {"buy_order": payment.buy_order, "kind": refund.kind, "amount": refund.amount_clp},
        )
        refunds.append(refund)
    return refunds


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
