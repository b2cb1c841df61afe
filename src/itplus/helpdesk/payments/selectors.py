"""Reads of the payments app."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.payments.models import CAPTURED_STATES, EVER_CAPTURED_STATES


def orders_with_duplicate_payments(
    orders: QuerySet[Order] | None = None, *, unrefunded_only: bool = False
) -> QuerySet[Order]:
    """Orders charged more than once: more than one payment that took money, whether
    the extra one was refunded since (``unrefunded_only``: still holding it)."""
    states = CAPTURED_STATES if unrefunded_only else EVER_CAPTURED_STATES
    orders = Order.objects.all() if orders is None else orders
    return orders.annotate(
        captured_payments=Count("payments", filter=Q(payments__state__in=states))
    ).filter(captured_payments__gt=1)
