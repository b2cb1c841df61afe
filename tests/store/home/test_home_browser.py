"""Acceptance: the owner logs in with next=/gestion/ and lands on the back-office home,
in Debian's Chromium driven by Playwright, on a demo store's first day. The screenshot
is the README's."""

import re

import pytest

from itplus.store.demo.services import demo_load
from tests.browser import SCREENSHOTS, new_page
from tests.factories import make_user

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser, live_server.url, height=840)
    yield page
    context.close()


def test_the_owner_lands_on_today_at_a_glance(page, transactional_db):
    from playwright.sync_api import expect

    demo_load(days=1)
    make_user(role="administrador", username="duena")

    page.goto("/login/?next=/gestion/")
    page.get_by_label("Usuario").fill("duena")
    page.get_by_label("Clave").fill("clave-segura-1")
    page.get_by_role("button", name="Ingresar").click()

    expect(page).to_have_url(re.compile(r"/gestion/$"))
    expect(page.locator("#figure-sales strong")).to_have_text(re.compile(r"^\$\d{1,3}(\.\d{3})*$"))
    expect(page.locator("#figure-sessions strong")).not_to_have_text("0")
    nav = page.get_by_role("navigation", name="Páginas de gestión")
    for section in ("Caja", "Ventas", "Clientes", "Inventario", "Compras", "Mantención"):
        expect(nav.get_by_role("heading", name=section, exact=True)).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "backoffice-home.png"))

    nav.get_by_role("link", name="Sesiones de caja").click()
    expect(page).to_have_url(re.compile(r"/admin/cash/cashsession/$"))
