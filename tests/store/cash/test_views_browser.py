"""Acceptance: the back office's cash-session page in Chromium shows a refused
ingreso/egreso's message next to the form (HTMX swaps the form back with its errors)."""

from __future__ import annotations

import pytest

from itplus.store.cash.models import CashMovement, CashSession
from tests.browser import log_in
from tests.factories import make_terminal, make_user

pytestmark = [pytest.mark.browser]


def test_a_movement_with_a_bad_amount_shows_the_message(page, transactional_db):
    from playwright.sync_api import expect

    make_user(role="supervisor", username="supervisora")
    session = CashSession.objects.get(terminal=make_terminal())
    log_in(page, "supervisora", next_url=f"/gestion/caja/sesiones/{session.pk}/")

    page.get_by_label("Monto").fill("mil")
    page.get_by_label("Motivo").fill("Pago a proveedor")
    page.get_by_role("button", name="Registrar").click()

    expect(page.locator("#movements .errorlist")).to_have_text("Monto: «mil» no es un número.")
    expect(page.get_by_label("Motivo")).to_have_value("Pago a proveedor")
    assert CashMovement.objects.count() == 0
