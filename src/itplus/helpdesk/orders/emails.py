"""The confirmation e-mail a customer gets when an order is paid (S2)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from itplus.helpdesk.orders.models import Order

logger = logging.getLogger(__name__)


def send_order_confirmation(*, order_id: int) -> None:
    """Runs after commit; a mail failure is logged and never undoes the payment."""
    order = Order.objects.select_related("service").get(pk=order_id)
    context = {"order": order, "contact": settings.HELPDESK_CONTACT}
    subject = _("Pedido %(code)s pagado: %(service)s") % {
        "code": order.code,
        "service": order.service.name,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("orders/email/confirmation.txt", context),
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string("orders/email/confirmation.html", context), "text/html"
    )
    try:
        message.send()
    except OSError:
        logger.exception("confirmation e-mail for order %s not sent", order.code)
