"""Browser: the owner's Terminales page refreshes today's sales per terminal without a
reload (HTMX polling, no inline script under the CSP); an expired pairing code typed on a
PC's pairing page is refused in Spanish. The screenshot is docs/img/terminals-live.png."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from itplus.store.home import terminals as terminals_page
from itplus.store.terminals.models import PairingCode
from itplus.store.terminals.services import pairing_code_create, terminal_heartbeat
from tests.browser import SCREENSHOTS, log_in, new_page, watch_csp
from tests.factories import make_product, make_sale, make_terminal, make_user

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser, live_server.url, height=700)
    yield page
    context.close()


def test_the_live_view_updates_without_reload(page, transactional_db, monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setattr(terminals_page, "LIVE_REFRESH_SECONDS", 1)
    owner = make_user(role="administrador", username="duena")
    cashier = make_user(role="cajero")
    first = make_terminal(code="caja-1")
    second = make_terminal(code="caja-2")
    product = make_product(price_clp=1_521)
    make_sale(terminal=first, cashier=cashier, products=[product, product])
    terminal_heartbeat(
        terminal=second, version="1.0", pending_offline_sales=3, address="192.168.1.22"
    )
    violations = watch_csp(page)

    log_in(page, owner.username, next_url="/gestion/terminales/")
    expect(page.locator("#terminal-caja-1 td").nth(3)).to_have_text("$3.042")
    expect(page.locator("#live-pending")).to_have_text("3")
    page.evaluate("window.__marker = 1")
    make_sale(terminal=second, cashier=cashier, products=[product])
    terminal_heartbeat(
        terminal=second, version="1.0", pending_offline_sales=1, address="192.168.1.22"
    )
    expect(page.locator("#live-total")).to_have_text("$4.563", timeout=8_000)
    expect(page.locator("#live-pending")).to_have_text("1")
    assert page.evaluate("window.__marker") == 1  # no reload
    last_seen = page.locator("#terminal-caja-2 td").nth(5).inner_text()
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", last_seen)
    assert violations == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "terminals-live.png"), full_page=True)


def test_an_expired_code_is_refused_in_spanish(page, transactional_db):
    from playwright.sync_api import expect

    terminal = make_terminal(code="caja-1")
    row, code = pairing_code_create(terminal_id=terminal.pk, by=None)
    PairingCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    cashier = make_user(role="cajero")

    log_in(page, cashier.username, next_url="/pos/vincular/")
    page.get_by_label("Código de vinculación").fill(code)
    page.get_by_role("button", name="Usar el código").click()
    expect(page.locator("#pair-code-form [role=alert]")).to_have_text(
        "El código de vinculación venció. Genere uno nuevo en Gestión → Terminales."
    )
    expect(page).to_have_url(re.compile(r"/pos/vincular/$"))
