"""The back office's home (/gestion/): today's figures, a way to every page, the README's
addresses, and Spanish error pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from itplus.store.accounts.approvals import approval_grant
from itplus.store.home.navigation import SECTIONS
from itplus.store.inventory.services import default_warehouse, reorder_point_set, stock_adjust
from itplus.store.sales.returns.services import sale_void
from itplus.store.sales.selectors import sales_of_day
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.readme_links import readme_files, readme_paths
from tests.store.sales.factories import make_credit_note_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    user = make_user(role="administrador")
    client.force_login(user)
    return user


def test_today_at_a_glance(client, owner):
    # given two sales today (one voided), one yesterday, two open tills, one low product
    terminal = make_terminal()
    make_terminal()
    cashier = make_user(role="cajero")
    wine = make_product(price_clp=35_000)
    bread = make_product(price_clp=1_990)
    make_sale(terminal=terminal, cashier=cashier, products=[wine, bread])
    voided = make_sale(terminal=terminal, cashier=cashier, products=[bread])
    make_credit_note_series()
    make_user(role="supervisor", pin="4321")
    approval = approval_grant(
        pin="4321", action="anular_venta", requested_by=cashier, terminal=terminal, obj=voided
    )
    sale_void(sale_id=voided.pk, terminal=terminal, user=cashier, approval_id=approval.pk)
    yesterday = make_sale(terminal=terminal, cashier=cashier, products=[wine])
    yesterday.issued_at = timezone.now() - timedelta(days=1)
    yesterday.save(update_fields=["issued_at"])
    stock_adjust(product=bread, quantity="2", reason="Conteo", user=owner)
    reorder_point_set(
        product=bread, warehouse=default_warehouse(), reorder_point=Decimal("5"), user=owner
    )

    # when the owner opens the home
    page = client.get("/gestion/").content.decode()

    # then
    assert sales_of_day().total_clp == 36_990 and sales_of_day().tickets == 1
    assert sales_of_day().voided == 1
    figures = {
        name: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()
        for name, block in re.findall(r'id="figure-([\w-]+)"[^>]*>(.*?)</a>', page, re.S)
    }
    assert "$36.990" in figures["sales"] and "1 boleta o factura · 1 anulada" in figures["sales"]
    assert figures["tickets"].split()[3] == "1" and "promedio $36.990" in figures["tickets"]
    assert "Cajas abiertas 2" in figures["sessions"]
    assert (
        "Bajo stock 1" in figures["low-stock"] and "1 producto por reponer" in figures["low-stock"]
    )


def test_a_day_without_sales(client, owner):
    page = client.get("/gestion/").content.decode()
    assert "$0" in page and "sin ventas aún" in page and "nada por reponer" in page


def test_a_cashier_is_told_in_spanish_that_the_home_is_not_for_them(client):
    client.force_login(make_user(role="cajero"))
    response = client.get("/gestion/")
    assert response.status_code == 403
    assert "La gestión es para supervisores y administradores." in response.content.decode()


def test_logging_in_with_next_lands_on_the_home(client):
    make_user(role="supervisor", username="sup")
    login = client.get("/gestion/")["Location"]
    assert login == "/login/?next=/gestion/"

    response = client.post(
        "/login/", {"username": "sup", "password": "clave-segura-1", "next": "/gestion/"}
    )

    assert response["Location"] == "/gestion/"
    assert "Cajas abiertas" in client.get("/gestion/").content.decode()


def test_a_supervisor_does_not_see_the_owners_pages(client):
    client.force_login(make_user(role="supervisor"))
    page = client.get("/gestion/").content.decode()
    assert "Sesiones de caja" in page and "Datos de la tienda" not in page


def _links_of(page: str) -> set[str]:
    return {h for h in re.findall(r'href="(/[^"]*)"', page) if not h.startswith("/static/")}


def _follow(client, url: str) -> int:
    response = client.get(url, follow=True)
    return response.status_code


def test_every_link_of_the_home_and_the_readme_opens_a_page(client, owner):
    make_terminal()
    home = client.get("/gestion/").content.decode()
    navigation = {link.url for section in SECTIONS for link in section.links}
    assert navigation <= _links_of(home)
    admin_index = client.get("/admin/").content.decode()
    urls = _links_of(home) | _links_of(admin_index) | set(readme_paths("store"))
    assert {"/gestion/", "/gestion/caja/", "/gestion/clientes/"} <= urls

    broken = {url: code for url in sorted(urls) if (code := _follow(client, url)) >= 400}

    assert broken == {}
    assert [str(f) for f in readme_files() if not f.exists()] == []


def test_caja_and_clientes_lead_to_their_lists(client, owner):
    assert client.get("/gestion/caja/")["Location"] == "/admin/cash/cashsession/"
    assert client.get("/gestion/clientes/")["Location"] == "/admin/customers/customer/"
    index = client.get("/admin/").content.decode()
    assert 'id="link-caja"' in index and 'id="link-clientes"' in index


def test_an_unknown_address_gets_a_spanish_page(client, owner, settings):
    settings.DEBUG = False
    response = client.get("/gestion/no-existe/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Página no encontrada" in page and "/gestion/no-existe/" in page
    assert 'href="/gestion/"' in page and "Not Found" not in page


def test_a_server_error_gets_a_spanish_page(settings):
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/pos/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Algo falló en el servidor" in page and "Server Error" not in page
    assert "site.css" in page
