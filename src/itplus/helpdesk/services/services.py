"""Writes on the service catalogue."""

from __future__ import annotations

from django.db import transaction

from itplus.helpdesk.services.catalogue import DEFAULT_SERVICES
from itplus.helpdesk.services.models import REINSTALL_TERMS, Service


@transaction.atomic
def service_upsert(
    *,
    code: str,
    name: str,
    description: str,
    price_clp: int,
    duration_minutes: int,
    on_site: bool = False,
    about_store_software: bool = False,
    remote_alternative: str | None = None,
    terms_document: str = REINSTALL_TERMS,
    position: int = 0,
) -> Service:
    """Create or update the service with this code (prices are integer CLP, IVA incl.)."""
    if not isinstance(price_clp, int) or price_clp <= 0:
        raise ValueError("price_clp must be a positive integer of pesos")
    alternative = Service.objects.get(code=remote_alternative) if remote_alternative else None
    service, _created = Service.objects.update_or_create(
        code=code,
        defaults={
            "name": str(name),
            "description": str(description),
            "price_clp": price_clp,
            "duration_minutes": duration_minutes,
            "on_site": on_site,
            "about_store_software": about_store_software,
            "remote_alternative": alternative,
            "terms_document": terms_document,
            "position": position,
        },
    )
    return service


@transaction.atomic
def services_install_defaults() -> list[Service]:
    """The vendor's five published services; existing ones keep staff's edits."""
    installed = []
    for position, spec in enumerate(DEFAULT_SERVICES, start=1):
        existing = Service.objects.filter(code=spec["code"]).first()
        installed.append(existing or service_upsert(**spec, position=position))
    return installed
