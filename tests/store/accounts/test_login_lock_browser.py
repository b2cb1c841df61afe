"""Acceptance: a locked login, in Debian's Chromium driven by Playwright.

Five wrong passwords for the cashier's account, then the right one: the page says the
account is locked, how to get it unlocked and how long to wait; once the owner unlocks
it from the console, the right password gets in. The screenshot is the README's.
"""

import re

import pytest
from django.core.management import call_command

from itplus.store.accounts.security import MAX_ACCOUNT_FAILURES
from tests.browser import SCREENSHOTS, new_page
from tests.factories import make_user

PASSWORD = "clave-segura-1"  # tests.factories.make_user's password

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser, live_server.url, height=600)
    yield page
    context.close()


def _log_in(page, username: str, password: str) -> None:
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Clave").fill(password)
    page.get_by_role("button", name="Ingresar").click()


def test_the_locked_login_page_says_why_and_what_to_do(page, transactional_db):
    from playwright.sync_api import expect

    make_user(role="cajero", username="cajera")
    page.goto("/login/")
    for n in range(MAX_ACCOUNT_FAILURES):
        _log_in(page, "cajera", f"equivocada-{n}")
        expect(page.get_by_role("alert")).to_contain_text("Usuario o clave incorrectos")

    # when the right password is typed while locked
    _log_in(page, "cajera", PASSWORD)

    # then the page refuses it and says what to do
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "Cuenta bloqueada por intentos fallidos; pida al administrador que la desbloquee "
        "o espere 15 minutos."
    )
    expect(page).to_have_url(re.compile(r"/login/$"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login-locked.png"))

    # when the owner unlocks the account, the right password gets in
    call_command("unlock", "cajera")
    _log_in(page, "cajera", PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login/"))
