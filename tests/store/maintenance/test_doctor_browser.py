"""Acceptance: the owner opens "Diagnóstico" from the back office in Chromium, sees each
terminal's last report and runs the server's own doctor."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from itplus.store.config import config_section_set
from tests.browser import SCREENSHOTS, log_in, watch_csp
from tests.factories import make_terminal, make_user
from tests.store.maintenance import test_doctor, test_doctor_api
from tests.store.till import test_till_browser as till

page = till.page
home, live = test_doctor.home, test_doctor.live
listening_printer = test_doctor.listening_printer

pytestmark = [pytest.mark.browser]


def test_owner_walks_the_diagnostico_page(page, live, live_server, listening_printer):
    from playwright.sync_api import expect

    # given: two terminals, one has sent its report
    make_user(role="administrador", username="duena")
    sender = make_terminal(code="caja-1")
    make_terminal(code="caja-2")
    api = Client()
    response = api.post(
        test_doctor_api.REPORTS,
        json.dumps(test_doctor_api.report_body()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {sender.token}",
    )
    assert response.status_code == 201
    config_section_set(
        live, "printer", {"kind": "network", "host": "127.0.0.1", "port": listening_printer}
    )
    violations = watch_csp(page)
    log_in(page, "duena", next_url="/gestion/")

    # when: the owner follows the link and runs the server's doctor
    page.get_by_role("link", name="Diagnóstico de la tienda y los terminales").click()
    terminals = page.locator("#lista-terminales")
    expect(terminals).to_contain_text("caja-1")
    expect(terminals.locator("tr", has_text="caja-2")).to_contain_text("Sin informe aún.")
    expect(terminals.locator("tr", has_text="caja-1").locator(".doc-result")).to_have_text("AVISO")
    terminals.locator("summary").click()
    expect(terminals).to_contain_text("La red está lenta.")
    page.get_by_role("button", name="Ejecutar diagnóstico").click()

    # then: the server's checks, each with its level and what to do
    checks = page.locator("#revisiones-servidor")
    expect(checks.locator("tr[data-check='backups'] .doc-level")).to_have_text("FALLA")
    expect(checks.locator("tr[data-check='printer'] .doc-level")).to_have_text("OK")
    expect(checks.locator("tr[data-check='database'] .doc-level")).to_have_text("OK")
    expect(page.locator("#resultado-servidor")).to_contain_text("hay fallas")
    page.screenshot(path=str(SCREENSHOTS / "doctor.png"), full_page=True)
    assert violations == []
