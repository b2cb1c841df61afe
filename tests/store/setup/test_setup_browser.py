"""Acceptance: the owner's first login, in Debian's Chromium driven by Playwright.

No store identity yet: the administrator arriving at the till lands on the first-run
page, mistypes the RUT's check digit, reads the error, corrects it and reaches the till.
"""

import re

import pytest

from itplus.store.config import get_config
from tests.factories import make_user

PASSWORD = "clave-segura-1"  # tests.factories.make_user's password

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(browser, live_server):
    from tests.browser import new_page

    context, page = new_page(browser, live_server.url)
    yield page
    context.close()


def test_first_run_asks_for_the_store_identity(page, transactional_db, no_identity):
    from playwright.sync_api import expect

    make_user(role="administrador", username="duena")

    # given the owner logs in for the first time
    page.goto("/pos/")
    page.get_by_label("Usuario").fill("duena")
    page.get_by_label("Clave").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()

    # then she is asked for the store's identity before anything else
    expect(page).to_have_url(re.compile(r"/gestion/configuracion/\?next=%2Fpos%2F$"))
    expect(page.locator("#primer-uso")).to_contain_text("Antes de vender")

    # when she types a RUT with a wrong check digit
    page.get_by_label("Nombre de fantasía").fill("Almacén Doña Tina")
    page.get_by_label("RUT de la empresa").fill("77.123.456-0")
    page.get_by_label("Giro").fill("Venta al por menor de alimentos")
    page.get_by_label("Dirección").fill("Pasaje Los Olmos 45")
    page.get_by_label("Comuna").fill("Peñalolén")
    page.get_by_role("button", name="Guardar").click()

    # then the page says what is wrong and keeps what she typed
    expect(page.locator("#error-rut")).to_contain_text("dígito verificador")
    expect(page.get_by_label("Nombre de fantasía")).to_have_value("Almacén Doña Tina")
    assert not get_config().store.is_complete

    # when she corrects it, the identity is saved and she goes on to the till
    page.get_by_label("RUT de la empresa").fill("77.123.456-9")
    page.get_by_role("button", name="Guardar").click()
    expect(page).not_to_have_url(re.compile(r"/gestion/configuracion/"))
    store = get_config().store
    assert (store.name, store.rut, store.comuna) == (
        "Almacén Doña Tina",
        "77.123.456-9",
        "Peñalolén",
    )
