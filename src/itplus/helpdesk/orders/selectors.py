"""Reads of the orders app."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from itplus.core.chile import rut_format
from itplus.helpdesk.orders.models import CallbackRequest, Order, TermsVersion
from itplus.helpdesk.services.models import Service


def terms_current(*, service: Service) -> TermsVersion:
    """The newest published version of the service's terms (installed by migration)."""
    return TermsVersion.objects.filter(document=service.terms_document).latest()


def terms_clauses_for(*, terms: TermsVersion, service: Service) -> list[dict]:
    """The clauses the customer must tick for this service, texts filled in.

    Remote-attention obligations (internet, same network segment) do not apply to
    services done on site.
    """
    clauses = []
    for clause in terms.clauses:
        if clause["scope"] == "remote" and service.on_site:
            continue
        text = clause["text"] % {"minutes": service.duration_minutes}
        clauses.append({**clause, "text": text})
    return clauses


def callback_queue() -> QuerySet[CallbackRequest]:
    """Customers waiting for a technician's call, oldest request first."""
    return (
        CallbackRequest.objects.filter(done_at__isnull=True)
        .select_related("order", "order__service")
        .order_by("requested_at", "pk")
    )


CSV_HEADER = [
    "código",
    "creado",
    "servicio",
    "precio_clp",
    "estado",
    "medio_de_pago",
    "pagado",
    "cliente",
    "rut",
    "correo",
    "teléfono",
    "negocio",
    "dirección",
    "comuna",
    "tipo_instalación",
    "sospecha_virus",
    "términos",
    "llamada_solicitada",
]


def orders_csv_rows(orders: Iterable[Order]) -> Iterator[list[str]]:
    """One row per order for the back office CSV export, header first."""
    yield CSV_HEADER
    if isinstance(orders, QuerySet):
        orders = orders.select_related("service", "terms_acceptance__terms", "callback")
    for order in orders:
        acceptance = getattr(order, "terms_acceptance", None)
        callback = getattr(order, "callback", None)
        yield [
            order.code,
            order.created_at.isoformat(timespec="seconds"),
            order.service.name,
            str(order.price_clp),
            order.get_state_display(),
            order.payment_method,
            order.paid_at.isoformat(timespec="seconds") if order.paid_at else "",
            order.customer_name,
            rut_format(order.customer_rut),
            order.email,
            order.phone,
            order.business_name,
            order.address,
            order.comuna,
            order.get_installation_type_display() if order.installation_type else "",
            {True: "sí", False: "no", None: ""}[order.virus_suspected],
            acceptance.terms.version if acceptance else "",
            callback.requested_at.isoformat(timespec="seconds") if callback else "",
        ]
