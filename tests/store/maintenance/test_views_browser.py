"""Acceptance: on the "Mantención" page in Chromium, creating and verifying a backup
show that they are working while the server reads, then their result."""

from __future__ import annotations

import json

import pytest

from itplus.store.maintenance.backup import backup_create
from tests.browser import log_in
from tests.factories import make_user
from tests.store.maintenance import test_views
from tests.store.till import test_till_browser as till

# The till's page fixture (a fresh browser context on the live server).
page = till.page
home, live = test_views.home, test_views.live

pytestmark = [pytest.mark.browser]

# Records what a form shows while it is on its way (the next page replaces it, so it is
# kept in sessionStorage to be read there).
WATCH_PROGRESS = """() => new MutationObserver(() => {
    const progress = document.querySelector(".form-progress");
    if (!progress) return;
    const form = progress.closest("form");
    sessionStorage.setItem("progress", JSON.stringify({
        text: progress.textContent,
        disabled: [...form.querySelectorAll("button")].every((b) => b.disabled),
    }));
}).observe(document.body, { subtree: true, childList: true })"""


def seen_progress(page) -> dict:
    return json.loads(page.evaluate("sessionStorage.getItem('progress')") or "{}")


@pytest.fixture
def owner(live):
    make_user(role="administrador", username="duena")
    return live


def test_verify_shows_progress_then_the_result(page, owner):
    from playwright.sync_api import expect

    result = backup_create(to=owner)
    log_in(page, "duena", next_url="/gestion/mantencion/")
    page.evaluate(WATCH_PROGRESS)

    page.locator("#lista-respaldos").get_by_role("button", name="Verificar").click()

    expect(page.locator(".messagelist")).to_contain_text(
        f"{result.path.name}: verificado, el respaldo está bueno.", ignore_case=True
    )
    expect(page.locator("#lista-respaldos .mnt-status-ok")).to_have_count(1)
    # while the server read the backup, the row said so and the button waited
    assert seen_progress(page) == {
        "text": " Verificando… se lee el respaldo completo.",
        "disabled": True,
    }


def test_create_shows_progress_then_the_result(page, owner):
    from playwright.sync_api import expect

    log_in(page, "duena", next_url="/gestion/mantencion/")
    page.evaluate(WATCH_PROGRESS)

    page.get_by_role("button", name="Crear respaldo ahora").click()

    expect(page.locator(".messagelist")).to_contain_text("Respaldo creado:")
    expect(page.locator("#lista-respaldos tbody tr")).to_have_count(1)
    assert seen_progress(page)["text"].strip().startswith("Creando el respaldo…")
    assert seen_progress(page)["disabled"]
