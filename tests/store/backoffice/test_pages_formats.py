"""Every back-office page writes numbers, dates and times the Chilean way.

The pages are found, not listed: every model the admin registers (its list, its add page
and the change page of a record) and every GET page under /gestion/ in the URL
configuration, with ids taken from one store's worth of records built through the
services. A new page is checked without anybody adding it here.
"""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from itplus.store.accounts.approvals import approval_grant
from itplus.store.cash.models import CashSession, PaymentMethod
from itplus.store.cash.services import cash_movement_record, cash_session_close
from itplus.store.customers.forms import StatementFilterForm
from itplus.store.customers.models import Customer
from itplus.store.customers.services import customer_payment_record
from itplus.store.inventory.models import CountSheet
from itplus.store.inventory.services import count_sheet_open, default_warehouse, stock_adjust
from itplus.store.purchases.models import PurchaseOrder
from itplus.store.sales.models import CreditNote, DocumentSeries, Sale
from tests.factories import make_customer, make_product, make_sale, make_terminal, make_user
from tests.page_formats import page_problems, utc_spellings
from tests.store.backoffice.factories import print_once, purchase_invoiced
from tests.store.sales.factories import make_credit_note_series, make_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(client):
    """A store with amounts in the thousands: a 35.000 sale numbered 3042, printed and
    partly returned; cash in and out; a customer's payment; 20 units ordered, received
    and invoiced; a stock correction and a count; a closed and an open session."""
    started = timezone.now()
    owner = make_user(role="administrador")
    series = DocumentSeries.objects.create(
        code="bol-3042", name="Boleta", kind="boleta", next_number=3042
    )
    terminal = make_terminal(boleta_series=series)
    wine = make_product(name="Vino Carmenère reserva", price_clp=35_000)
    bread = make_product(name="Pan amasado", price_clp=1_990)
    sale = make_sale(terminal=terminal, cashier=make_user(role="cajero"), products=[wine, bread])
    print_once(sale)
    make_credit_note_series()
    make_return(terminal=terminal, user=owner, sale=sale)
    make_user(role="supervisor", pin="4321")
    approval_grant(pin="4321", action="reimpresion", requested_by=owner, obj=sale)
    purchase_invoiced(user=owner, product=wine, quantity=20, net_cost_clp=15_000)
    customer = make_customer(name="Marta Rojas", credit_limit_clp=100_000)
    customer_payment_record(
        customer=customer,
        amount_clp=12_500,
        method=PaymentMethod.CASH,
        user=owner,
        terminal=terminal,
        allow_credit_balance=True,
    )
    stock_adjust(product=bread, quantity="1500", reason="Conteo", user=owner)
    count_sheet_open(warehouse=default_warehouse(), user=owner)
    session = terminal.cash_sessions.get()
    cash_movement_record(session=session, kind="egreso", amount_clp=2_680, reason="Gas", user=owner)
    cash_session_close(session=session, user=owner, counts={}, run_hooks=False)
    make_terminal()  # another till, its session open
    client.force_login(owner)
    client.started = started
    return client


def _routes(patterns, prefix: str = ""):
    """(route, name) of every URL pattern, with its converters left in: "gestion/caja/
    sesiones/<int:session_id>/"."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def _ids() -> dict[str, int]:
    return {
        "session_id": CashSession.objects.filter(closed_at__isnull=False).get().pk,
        "sale_id": Sale.objects.get().pk,
        "credit_note_id": CreditNote.objects.get().pk,
        "order_id": PurchaseOrder.objects.get().pk,
        "product_id": Sale.objects.get().lines.first().product_id,
        "customer_id": Customer.objects.get(name="Marta Rojas").pk,
        "sheet_id": CountSheet.objects.get().pk,
    }


def back_office_urls(ids: dict[str, int]) -> list[str]:
    """Every GET page under /gestion/ (ids filled in) and the admin's pages."""
    urls = []
    for route, _name in _routes(get_resolver().url_patterns):
        if not route.startswith("gestion/"):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if any(name not in ids for name in names):
            continue  # a backup's name: the maintenance tests cover those pages
        urls.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m[1]]), route))
    urls.append(reverse("admin:index"))
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        if obj := model.objects.order_by("pk").first():
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


def test_every_back_office_page_writes_numbers_dates_and_times_the_chilean_way(shop):
    ids = _ids()
    urls = back_office_urls(ids)
    assert len(urls) > 60  # the admin's models and the /gestion/ pages were found
    utc = utc_spellings(shop.started, timezone.now() + timedelta(minutes=1))
    problems, rendered = [], {}
    for url in urls:
        response = shop.get(url)
        assert response.status_code in (200, 302, 403, 405), (url, response.status_code)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            rendered[url] = page = response.content.decode()
            problems += page_problems(url, page, utc=utc)
    assert problems == [], "\n".join(problems)
    # the checks saw what they look for: grouped amounts, the folio, a Santiago time
    sales = rendered[reverse("admin:sales_sale_changelist")]
    assert "$36.990" in sales or "36.990" in sales
    assert "3042" in sales
    session_page = rendered[f"/gestion/caja/sesiones/{ids['session_id']}/"]
    local = timezone.localtime(shop.started)
    assert f"{local:%d-%m-%Y %H}" in session_page or f"{local:%d-%m-%Y}" in session_page


def test_the_checker_finds_what_django_writes_for_plain_spanish():
    """The same checks on text as Django wrote it before the es_CL formats."""
    started = timezone.now()
    utc = utc_spellings(started, started)
    page = (
        '<table><tr><th class="column-position">Position</th></tr>'
        "<tr><td>35\xa0000</td><td>3 042</td><td>20,000</td>"
        f"<td>{started.astimezone(UTC):%d-%m-%Y %H:%M}</td>"
        "<td>2 de enero de 2025</td><td>N° 3.042</td><td>1 emitidos</td></tr></table>"
    )

    problems = page_problems("/x/", page, utc=utc)

    assert len(problems) == 8, problems


def test_date_pickers_keep_iso_dates_under_chilean_formats():
    """A browser's <input type="date"> sends ISO dates and shows nothing for "02-01-2025":
    typed Chilean dates and ISO ones are both read, and a date is written back as ISO."""
    assert StatementFilterForm({"desde": "2025-01-02", "hasta": "02-02-2025"}).is_valid()
    form = StatementFilterForm(initial={"desde": date(2025, 1, 2)})
    assert 'value="2025-01-02"' in str(form["desde"])
