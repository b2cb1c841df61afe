"""Writes of the orders app: guest checkout, state changes, the callback queue."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.chile import InvalidRut, gran_santiago_commune, rut_validate
from itplus.core.errors import BusinessError
from itplus.helpdesk.orders.emails import send_order_confirmation
from itplus.helpdesk.orders.models import CallbackRequest, Order, TermsAcceptance, TermsVersion
from itplus.helpdesk.orders.selectors import terms_clauses_for, terms_current
from itplus.helpdesk.services.models import Service

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: the code is read aloud on the phone.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class OrderRejected(BusinessError):
    """The checkout data break one or more rules; ``errors`` maps form field → message."""

    code = "pedido_rechazado"

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class OrderStateError(BusinessError):
    code = "estado_del_pedido"
    status = 409


@dataclass(frozen=True, slots=True)
class CustomerInput:
    name: str
    rut: str
    email: str
    phone: str
    business_name: str
    address: str
    comuna: str
    installation_type: str = ""
    virus_suspected: bool | None = None
    notes: str = ""


def outside_area_message(*, service: Service, comuna: str) -> str:
    message = _(
        "«%(service)s» solo se presta en comunas del Gran Santiago y %(comuna)s no está "
        "entre ellas."
    ) % {"service": service.name, "comuna": comuna}
    if service.remote_alternative_id:
        message += " " + _(
            "Le ofrecemos «%(alternative)s», que se realiza a distancia por internet o por "
            "teléfono."
        ) % {"alternative": service.remote_alternative.name}
    return message


def _check_customer(*, service: Service, customer: CustomerInput) -> tuple[dict, dict[str, str]]:
    """Cleaned values and the rule violations, per field."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    try:
        cleaned["rut"] = rut_validate(customer.rut)
    except InvalidRut as exc:
        errors["rut"] = exc.message
    commune = gran_santiago_commune(customer.comuna)
    if service.on_site and commune is None:
        errors["comuna"] = outside_area_message(service=service, comuna=customer.comuna.strip())
    cleaned["comuna"] = commune or " ".join(customer.comuna.split())
    if service.about_store_software:
        if customer.installation_type not in Order.InstallationType.values:
            errors["installation_type"] = _(
                "Indique si el equipo es servidor, terminal o equipo único."
            )
        if customer.virus_suspected is None:
            errors["virus_suspected"] = _("Indique si sospecha que un virus dañó el equipo.")
    return cleaned, errors


def _terms_problems(
    *,
    terms: TermsVersion,
    clauses: list[dict],
    terms_version: str,
    accepted_clauses: set[str],
    terms_accepted: bool,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if terms_version != terms.version:
        errors["terms"] = _(
            "Los términos del servicio cambiaron mientras completaba el formulario. "
            "Revíselos y acéptelos de nuevo."
        )
    elif not terms_accepted:
        errors["terms"] = _("Debe aceptar los términos del servicio para continuar.")
    missing = [c for c in clauses if c["code"] not in accepted_clauses]
    if missing:
        errors["clauses"] = _("Debe confirmar cada compromiso: %(list)s") % {
            "list": " ".join(c["text"] for c in missing)
        }
    return errors


def order_problems(
    *,
    service: Service,
    customer: CustomerInput,
    terms_version: str,
    accepted_clauses: set[str],
    terms_accepted: bool,
) -> dict[str, str]:
    """Every rule of ``order_create`` the checkout breaks, per field, writing nothing: the
    form shows them all at once, even while other fields are still missing."""
    _cleaned, errors = _check_customer(service=service, customer=customer)
    terms = terms_current(service=service)
    return errors | _terms_problems(
        terms=terms,
        clauses=terms_clauses_for(terms=terms, service=service),
        terms_version=terms_version,
        accepted_clauses=accepted_clauses,
        terms_accepted=terms_accepted,
    )


def _new_code() -> str:
    while True:
        code = "MA-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        if not Order.objects.filter(code=code).exists():
            return code


@transaction.atomic
def order_create(
    *,
    service: Service,
    customer: CustomerInput,
    terms_version: str,
    accepted_clauses: set[str],
    terms_accepted: bool,
    ip_address: str | None,
    user_agent: str = "",
) -> Order:
    """A guest's order for one service, with the terms acceptance as evidence.

    Guarantees: the RUT is valid, on-site services only go to Gran Santiago communes,
    every clause shown for the service was ticked and the terms accepted, against the
    version the customer saw (if the terms changed meanwhile, the order is refused).
    The order waits for payment; nothing is charged here.
    """
    if not service.active:
        raise OrderRejected({"__all__": _("Este servicio ya no está a la venta.")})
    cleaned, errors = _check_customer(service=service, customer=customer)
    terms = terms_current(service=service)
    clauses = terms_clauses_for(terms=terms, service=service)
    errors |= _terms_problems(
        terms=terms,
        clauses=clauses,
        terms_version=terms_version,
        accepted_clauses=accepted_clauses,
        terms_accepted=terms_accepted,
    )
    if errors:
        raise OrderRejected(errors)

    order = Order.objects.create(
        code=_new_code(),
        access_key=secrets.token_urlsafe(16),
        service=service,
        price_clp=service.price_clp,
        customer_name=customer.name.strip(),
        customer_rut=cleaned["rut"],
        email=customer.email.strip(),
        phone=customer.phone.strip(),
        business_name=customer.business_name.strip(),
        address=customer.address.strip(),
        comuna=cleaned["comuna"],
        installation_type=customer.installation_type if service.about_store_software else "",
        virus_suspected=customer.virus_suspected if service.about_store_software else None,
        notes=customer.notes.strip(),
    )
    TermsAcceptance.objects.create(
        order=order,
        terms=terms,
        accepted_at=timezone.now(),
        ip_address=ip_address or None,
        user_agent=user_agent[:300],
        accepted_clauses=[{"code": c["code"], "text": c["text"]} for c in clauses],
    )
    logger.info("order %s created for %s", order.code, service.code)
    return order


def _locked(order: Order) -> Order:
    # Payment returns, staff actions and retries may race on the same order.
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_mark_paid(*, order: Order, method: str, when: datetime | None = None) -> Order:
    """PAID, once: called only after a verified Webpay commit or a staff confirmation.

    Sends the confirmation e-mail after the transaction commits.
    """
    order = _locked(order)
    if order.state == Order.State.PAID:
        return order
    if order.state not in (
        Order.State.AWAITING_PAYMENT,
        Order.State.AWAITING_TRANSFER,
        Order.State.PAYMENT_FAILED,
    ):
        raise OrderStateError(
            _("El pedido %(code)s no puede marcarse como pagado (estado: %(state)s).")
            % {"code": order.code, "state": order.get_state_display()}
        )
    order.state = Order.State.PAID
    order.payment_method = method
    order.paid_at = when or timezone.now()
    order.save(update_fields=["state", "payment_method", "paid_at"])
    transaction.on_commit(lambda: send_order_confirmation(order_id=order.pk))
    return order


@transaction.atomic
def order_mark_payment_failed(*, order: Order) -> Order:
    """The last payment attempt failed; the customer may try again. A paid order stays paid."""
    order = _locked(order)
    if order.state in (Order.State.AWAITING_PAYMENT, Order.State.AWAITING_TRANSFER):
        order.state = Order.State.PAYMENT_FAILED
        order.save(update_fields=["state"])
    return order


@transaction.atomic
def order_choose_transfer(*, order: Order) -> Order:
    """The customer will pay by bank transfer; staff confirm it when the money arrives."""
    order = _locked(order)
    if not order.can_pay:
        raise OrderStateError(_("Este pedido ya no admite pagos."))
    order.state = Order.State.AWAITING_TRANSFER
    order.payment_method = "transferencia"
    order.save(update_fields=["state", "payment_method"])
    return order


@transaction.atomic
def order_mark_refunded(*, order: Order) -> Order:
    order = _locked(order)
    if order.state != Order.State.PAID:
        raise OrderStateError(_("Solo un pedido pagado puede reembolsarse."))
    order.state = Order.State.REFUNDED
    order.save(update_fields=["state"])
    return order


@transaction.atomic
def callback_request(*, order: Order) -> CallbackRequest:
    """Put a paid order in the technicians' call-back queue (once; asking again is a no-op)."""
    order = _locked(order)
    if order.state != Order.State.PAID:
        raise OrderStateError(_("Podremos llamarle cuando el pago esté confirmado."))
    callback, _created = CallbackRequest.objects.get_or_create(
        order=order, defaults={"phone": order.phone, "requested_at": timezone.now()}
    )
    return callback


@transaction.atomic
def callback_done(*, callback: CallbackRequest, by: User, note: str = "") -> CallbackRequest:
    """A technician called the customer: the request leaves the queue."""
    callback = CallbackRequest.objects.select_for_update().get(pk=callback.pk)
    if callback.done_at is None:
        callback.done_at = timezone.now()
        callback.done_by = by
        callback.note = note
        callback.save(update_fields=["done_at", "done_by", "note"])
    return callback


def order_lock_for_webpay(*, order: Order) -> Order:
    """Inside the caller's transaction: lock the order and mark it awaiting a card payment.

    A failed or transfer-pending order may still be paid by card.
    """
    order = _locked(order)
    if not order.can_pay:
        raise OrderStateError(_("Este pedido ya no admite pagos."))
    order.state = Order.State.AWAITING_PAYMENT
    order.payment_method = "webpay"
    order.save(update_fields=["state", "payment_method"])
    return order
