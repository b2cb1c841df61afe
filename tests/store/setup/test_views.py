"""The first-run page: staff reaching the till or back office without a store identity."""

import pytest
from django.urls import reverse

from itplus.store.config import get_config
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.conftest import STORE_IDENTITY

pytestmark = pytest.mark.django_db

SETUP = "/gestion/configuracion/"
FORM = {
    "name": "Botillería Los Aromos",
    "rut": "77.123.456-9",
    "giro": "Venta de bebidas alcohólicas",
    "address": "Los Aromos 123",
    "comuna": "maipu",
    "phone": "",
    "receipt_footer": "Beba con moderación",
}


def test_the_setup_url_is_under_the_back_office():
    assert reverse("setup:store") == SETUP


@pytest.mark.parametrize("path", ["/pos/", "/gestion/inventario/", "/admin/", "/gestion/caja/"])
def test_an_admin_is_sent_to_the_first_run_page(client, no_identity, path):
    client.force_login(make_user(role="administrador"))

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("role", ["cajero", "supervisor"])
def test_other_staff_are_told_to_ask_the_owner(client, no_identity, role):
    client.force_login(make_user(role=role))

    for path in ("/pos/", SETUP):
        response = client.get(path)
        assert response.status_code == 503
        assert "Pida al dueño" in response.content.decode()


def test_with_the_identity_set_nobody_is_redirected(client):
    client.force_login(make_user(role="administrador"))

    assert client.get("/gestion/inventario/").status_code == 200


def test_not_logged_in_goes_to_the_login_page_as_before(client, no_identity):
    response = client.get("/pos/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_first_run_form_saves_the_identity_and_goes_on(client, no_identity):
    client.force_login(make_user(role="administrador"))
    page = client.get(f"{SETUP}?next=/gestion/inventario/")
    assert "Antes de vender" in page.content.decode()
    assert "RUT de la empresa" in page.content.decode()

    response = client.post(SETUP, {**FORM, "next": "/gestion/inventario/"})

    assert response.status_code == 302 and response["Location"] == "/gestion/inventario/"
    store = get_config().store
    assert (store.name, store.rut, store.comuna) == (
        "Botillería Los Aromos",
        "77.123.456-9",
        "Maipú",
    )
    assert store.receipt_footer == "Beba con moderación"
    assert client.get("/pos/").status_code in (200, 302)
    assert client.get("/gestion/inventario/").status_code == 200


def test_errors_are_shown_on_the_page_and_nothing_is_saved(client, no_identity):
    client.force_login(make_user(role="administrador"))

    response = client.post(SETUP, {**FORM, "rut": "77.123.456-0", "comuna": "Narnia", "giro": ""})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="error-rut"' in content and "dígito verificador" in content
    assert 'id="error-comuna"' in content and "Narnia" in content
    assert 'id="error-giro"' in content
    assert not get_config().store.is_complete


def test_an_offsite_next_is_ignored(client, no_identity):
    client.force_login(make_user(role="administrador"))

    response = client.post(SETUP, {**FORM, "next": "https://example.com/"})

    assert response["Location"] == "/"


def test_only_admins_edit_the_identity_later(client):
    client.force_login(make_user(role="supervisor"))

    assert client.get(SETUP).status_code == 403


def test_an_admin_edits_it_later_from_its_current_values(client):
    client.force_login(make_user(role="administrador"))

    content = client.get(SETUP).content.decode()

    assert STORE_IDENTITY["name"] in content and "Antes de vender" not in content


def test_the_receipt_page_is_refused_without_identity(client, no_identity, settings):
    from itplus.store.config import store_identity_set

    store_identity_set(**STORE_IDENTITY)
    cashier = make_user(role="cajero")
    sale = make_sale(terminal=make_terminal(), cashier=cashier, products=[make_product()])
    client.force_login(cashier)
    assert client.get(f"/pos/recibo/{sale.pk}/").status_code == 200

    from itplus.store.config import save_config

    save_config(settings.ITPLUS_HOME, {})
    response = client.get(f"/pos/recibo/{sale.pk}/")

    assert response.status_code == 503
    assert STORE_IDENTITY["rut"] not in response.content.decode()
