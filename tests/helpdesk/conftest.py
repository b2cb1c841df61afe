"""Help desk fixtures: a real Webpay emulator on an ephemeral port, and helpers that
play the customer's part in its payment form over HTTP."""

from __future__ import annotations

import html
import re

import pytest
import requests
from django.apps import apps

from itplus.helpdesk.payments.emulator import DECIDE_PATH, WebpayEmulator

if not apps.is_installed("itplus.helpdesk.orders"):
    # The store's settings are active (the store's pass of the suite): these tests need
    # the help desk's settings, `--ds=tests.helpdesk_settings`, and run in their own pass.
    collect_ignore_glob = ["*.py"]
else:
    from tests.helpdesk.factories import ensure_terms, make_order, make_staff

RETURN_URL = "http://testserver/pagos/webpay/retorno/"


@pytest.fixture
def emulator(settings):
    """The emulator in a thread on 127.0.0.1:<free port>; the SDK is pointed at it."""
    emu = WebpayEmulator(host="127.0.0.1", port=0).start()
    settings.WEBPAY_EMULATOR_URL = emu.url
    yield emu
    emu.stop()


@pytest.fixture
def terms(db):
    return ensure_terms()


@pytest.fixture
def catalogue(db):
    from itplus.helpdesk.services.services import services_install_defaults

    return services_install_defaults()


@pytest.fixture
def order(db, terms):
    return make_order()


@pytest.fixture
def staff(db):
    return make_staff()


def customer_pays(redirect, choice: str = "approve") -> dict[str, str]:
    """Open the emulator's form with the token (as the browser does) and choose.

    Returns the fields the emulator sends back to the shop's return_url.
    """
    form = requests.post(redirect.url, data={"token_ws": redirect.token}, timeout=5)
    assert form.status_code == 200, form.text
    assert redirect.token in form.text
    base = redirect.url.split("/webpayserver/")[0]
    back = requests.post(
        base + DECIDE_PATH,
        data={"token_ws": redirect.token, "choice": choice},
        timeout=5,
        allow_redirects=False,
    )
    assert back.status_code == 200, back.text
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', back.text)
    }
