"""Every help desk page writes prices, dates and times the Chilean way.

The pages are found in the URL configuration and the admin's registry: the catalogue,
a service's checkout, a paid order's page (paid by Webpay, through the emulator), a
transfer order's, the callback queue, and every admin list, add and change page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from itplus.helpdesk.orders.models import CallbackRequest, Order
from itplus.helpdesk.orders.services import callback_request, order_choose_transfer
from itplus.helpdesk.payments.services import webpay_return, webpay_start
from tests.helpdesk.conftest import RETURN_URL, customer_pays
from tests.helpdesk.factories import make_order, make_staff
from tests.page_formats import page_problems, utc_spellings

pytestmark = pytest.mark.django_db


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


@pytest.fixture
def desk(client, emulator, terms, catalogue):
    started = timezone.now()
    paid = make_order(service_code="servicio-tecnico")
    redirect = webpay_start(order=paid, return_url=RETURN_URL)
    webpay_return(params=customer_pays(redirect, "approve"))
    callback_request(order=Order.objects.get(pk=paid.pk))
    order_choose_transfer(order=make_order())
    client.force_login(make_staff())
    client.started = started
    return client


def test_every_help_desk_page_writes_prices_dates_and_times_the_chilean_way(desk):
    paid = Order.objects.get(state=Order.State.PAID)
    ids = {
        "code": paid.service.code,
        "access_key": paid.access_key,
        "pk": CallbackRequest.objects.get().pk,
    }
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/")) or "webpay" in route:
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if all(name in ids for name in names):
            urls.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m[1]]), route))
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        if obj := model.objects.order_by("pk").first():
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    utc = utc_spellings(desk.started, timezone.now() + timedelta(minutes=1))

    problems, rendered = [], {}
    for url in urls:
        response = desk.get(url)
        assert response.status_code in (200, 302, 403, 405), (url, response.status_code)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            rendered[url] = page = response.content.decode()
            problems += page_problems(url, page, utc=utc)

    assert problems == [], "\n".join(problems)
    assert "/" in rendered and f"/pedidos/{paid.access_key}/" in rendered
    price = f"{paid.price_clp:,}".replace(",", ".")
    assert price in rendered["/"]  # a grouped price was there to check
    paid_at = timezone.localtime(paid.paid_at)
    assert f"{paid_at:%d-%m-%Y %H:%M}" in rendered[f"/pedidos/{paid.access_key}/"]
