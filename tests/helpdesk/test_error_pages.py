"""The help desk's README addresses open, and its error pages are Spanish and styled."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.helpdesk.factories import make_staff
from tests.readme_links import readme_paths

pytestmark = pytest.mark.django_db


def test_every_readme_address_of_the_help_desk_opens(client, catalogue):
    client.force_login(make_staff())
    paths = readme_paths("helpdesk")
    assert {"/", "/admin/", "/mesa/llamadas/"} <= set(paths)

    broken = {p: code for p in paths if (code := client.get(p, follow=True).status_code) >= 400}

    assert broken == {}


def test_an_unknown_order_gets_a_spanish_page(client, catalogue, settings):
    settings.DEBUG = False
    response = client.get("/no-existe/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Página no encontrada" in page and "helpdesk.css" in page and "Not Found" not in page


def test_a_server_error_gets_a_spanish_page(settings):
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Algo falló en el servidor" in page and "helpdesk.css" in page
