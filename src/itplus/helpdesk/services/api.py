"""Public, read-only catalogue for the store product's "Soporte" page."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema

from itplus.helpdesk.services.selectors import services_for_sale

router = Router(tags=["servicios"])


class ServiceOut(Schema):
    code: str
    name: str
    description: str
    price_clp: int
    duration_minutes: int
    on_site: bool
    buy_url: str


@router.get("/services", response=list[ServiceOut], auth=None, summary="Servicios a la venta")
def list_services(request: HttpRequest, response: HttpResponse):
    """Each service with its price in CLP (IVA incluido), duration and on-site flag."""
    # The store's pages (another origin) read this from the browser.
    response["Access-Control-Allow-Origin"] = "*"
    return [
        ServiceOut(
            code=s.code,
            name=s.name,
            description=s.description,
            price_clp=s.price_clp,
            duration_minutes=s.duration_minutes,
            on_site=s.on_site,
            buy_url=request.build_absolute_uri(reverse("orders:checkout", args=[s.code])),
        )
        for s in services_for_sale()
    ]
