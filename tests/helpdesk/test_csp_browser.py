"""The help desk under its Content-Security-Policy in Chromium: catalogue, checkout, the
order, the automatic redirect to Webpay (no inline script any more) and the back office
load without one violation."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from itplus.helpdesk.orders.models import Order
from tests.browser import new_page, watch_csp
from tests.helpdesk.factories import make_staff
from tests.helpdesk.test_browser import _buy_until_webpay, page, site  # noqa: F401

pytestmark = [pytest.mark.browser]


def test_a_purchase_through_webpay_has_no_csp_violation(page, emulator):  # noqa: F811
    violations = watch_csp(page)

    _buy_until_webpay(page)  # the redirect page submits its form from autosubmit.js
    page.get_by_role("button", name="Aprobar el pago").click()
    page.get_by_text("¡Gracias! Su pago fue recibido.").wait_for()

    assert Order.objects.get().state == Order.State.PAID
    assert violations == []


def test_back_office_pages_have_no_csp_violation(browser, site):  # noqa: F811
    client = Client()
    client.force_login(make_staff())
    context, staff_page = new_page(browser, site.url)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site.url}])
    violations = watch_csp(staff_page)
    try:
        for url in ["/", "/admin/", "/admin/helpdesk_orders/order/", "/mesa/llamadas/"]:
            response = staff_page.goto(url)
            assert response.status == 200, url
            assert "content-security-policy" in response.headers, url
            staff_page.wait_for_load_state("networkidle")
    finally:
        context.close()

    assert violations == []
