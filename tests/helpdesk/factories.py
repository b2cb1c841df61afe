"""Help desk test data, built through the real services as the site would."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import User

from itplus.helpdesk.orders.models import Order, TermsVersion
from itplus.helpdesk.orders.selectors import terms_clauses_for, terms_current
from itplus.helpdesk.orders.services import CustomerInput, order_create
from itplus.helpdesk.orders.terms import TERMS_SUPPORT_V1, TERMS_V1
from itplus.helpdesk.services.models import Service
from itplus.helpdesk.services.services import services_install_defaults

_seq = itertools.count(1)


def ensure_terms() -> TermsVersion:
    """The published terms (a migration installs them; transactional tests flush them):
    the reinstall terms, returned, and the support terms."""
    published = []
    for spec in (TERMS_V1, TERMS_SUPPORT_V1):
        terms, _created = TermsVersion.objects.get_or_create(
            document=spec["document"],
            version=spec["version"],
            defaults={
                "title": spec["title"],
                "body": spec["body"],
                "clauses": spec["clauses"],
                "published_at": "2025-01-01T12:00:00Z",
            },
        )
        published.append(terms)
    return published[0]


def service(code: str = "reinstalacion-remota") -> Service:
    services_install_defaults()
    return Service.objects.get(code=code)


def customer(**overrides) -> CustomerInput:
    values = {
        "name": "María González",
        "rut": "12.345.678-5",
        "email": "maria@almacen.cl",
        "phone": "+56 9 1234 5678",
        "business_name": "Almacén Don Pepe",
        "address": "Av. Irarrázaval 1234",
        "comuna": "Ñuñoa",
        "installation_type": "server",
        "virus_suspected": False,
    }
    return CustomerInput(**(values | overrides))


def make_order(*, service_code: str = "reinstalacion-remota", **customer_overrides) -> Order:
    ensure_terms()
    chosen = service(service_code)
    terms = terms_current(service=chosen)
    clauses = terms_clauses_for(terms=terms, service=chosen)
    return order_create(
        service=chosen,
        customer=customer(**customer_overrides),
        terms_version=terms.version,
        accepted_clauses={c["code"] for c in clauses},
        terms_accepted=True,
        ip_address="192.0.2.10",
        user_agent="pytest",
    )


def make_staff(**kwargs) -> User:
    return User.objects.create_user(
        username=kwargs.pop("username", f"tecnico{next(_seq)}"),
        password="clave-segura-1",
        is_staff=True,
        is_superuser=True,
        **kwargs,
    )


def checkout_post(service_obj: Service, terms: TermsVersion | None = None, **overrides) -> dict:
    """The checkout form as a browser would post it, every box ticked (of the service's
    current terms unless ``terms`` is given)."""
    terms = terms or terms_current(service=service_obj)
    data = {
        "customer_name": "María González",
        "rut": "12.345.678-5",
        "email": "maria@almacen.cl",
        "phone": "+56 9 1234 5678",
        "business_name": "Almacén Don Pepe",
        "address": "Av. Irarrázaval 1234",
        "comuna": "Ñuñoa",
        "installation_type": "server",
        "virus_suspected": "no",
        "terms_version": terms.version,
        "terms_accepted": "on",
    }
    for clause in terms_clauses_for(terms=terms, service=service_obj):
        data[f"clause_{clause['code']}"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
