"""Acceptance: a guest buys support in Debian's Chromium, paying through the emulator.

The browser walks the real pages: catalogue → checkout → order → Webpay emulator form →
back to the shop → contact page. Screenshots go to docs/img/ for the docs.
"""

import pytest

from itplus.helpdesk.orders.models import CallbackRequest, Order
from itplus.helpdesk.payments.models import Payment
from itplus.helpdesk.services.services import services_install_defaults
from tests.browser import SCREENSHOTS, new_page
from tests.helpdesk.factories import ensure_terms

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(transactional_db, live_server, emulator):
    """The published catalogue and terms (the flush between live tests removes them)."""
    services_install_defaults()
    ensure_terms()
    return live_server


@pytest.fixture
def page(browser, site):
    context, page = new_page(browser, site.url, height=900)
    yield page
    context.close()


def _fill_checkout(page, *, comuna="Providencia"):
    page.get_by_label("Nombre y apellido").fill("María González")
    page.get_by_label("RUT").fill("12.345.678-5")
    page.get_by_label("Correo electrónico").fill("maria@almacen.cl")
    page.get_by_label("Teléfono").fill("+56 9 1234 5678")
    page.get_by_label("Nombre del negocio").fill("Almacén Don Pepe")
    page.get_by_label("Dirección").fill("Av. Providencia 1234")
    page.get_by_label("Comuna").fill(comuna)
    if page.get_by_text("Servidor (guarda la base de datos").count():
        page.get_by_text("Servidor (guarda la base de datos").click()
        page.locator("input[name=virus_suspected][value=no]").check()
    for box in page.locator("input[type=checkbox][name^=clause_]").all():
        box.check()
    page.get_by_label("He leído y acepto los términos del servicio.").check()
    page.get_by_role("button", name="Continuar al pago").click()


def _buy_until_webpay(page, service_name="Comprar Reinstalación remota del software"):
    page.goto("/")
    page.get_by_role("link", name=service_name).click()
    _fill_checkout(page)
    page.get_by_role("button", name="Pagar con Webpay").click()
    page.get_by_text("Emulador local").wait_for()


def test_guest_buys_remote_reinstall_and_reaches_contact_page(page, emulator):
    page.goto("/")
    page.get_by_text("Soporte para su software de punto de venta").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "helpdesk-catalogo.png"), full_page=True)

    _buy_until_webpay(page)
    page.get_by_role("button", name="Aprobar el pago").click()

    page.get_by_text("¡Gracias! Su pago fue recibido.").wait_for()
    order = Order.objects.get()
    assert order.state == Order.State.PAID
    assert page.locator("#codigo-pedido").inner_text() == order.code
    confirmation = page.locator("#confirmacion")
    whatsapp = confirmation.get_by_role("link", name="+56 9 8765 4321")
    assert whatsapp.get_attribute("href") == f"https://wa.me/56987654321?text={order.code}"
    assert confirmation.get_by_role("link", name="+56 2 2345 6789").is_visible()
    assert confirmation.get_by_role("link", name="soporte@itplus.cl").is_visible()
    assert confirmation.get_by_text("Lunes a viernes de 09:00 a 18:30").is_visible()
    assert page.get_by_role("button", name="Llámenme").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "helpdesk-confirmacion.png"), full_page=True)

    page.get_by_role("button", name="Llámenme").click()
    page.locator("#llamada-solicitada").wait_for()
    assert CallbackRequest.objects.get().order == order
    assert emulator.commit_calls(order.payments.get().token) == 1


def test_rejected_card_leaves_the_order_unpaid(page, emulator):
    _buy_until_webpay(page)
    page.get_by_role("button", name="Rechazar la tarjeta").click()

    page.get_by_text("Su pago fue rechazado por el banco").wait_for()
    order = Order.objects.get()
    assert order.state == Order.State.PAYMENT_FAILED and order.paid_at is None
    assert order.payments.get().state == Payment.State.REJECTED
    assert page.get_by_role("button", name="Pagar con Webpay").is_visible()  # may retry
    assert page.get_by_role("button", name="Llámenme").count() == 0


def test_on_site_reinstall_in_valparaiso_is_refused(page):
    page.goto("/")
    page.get_by_role("link", name="Comprar Reinstalación a domicilio").click()
    _fill_checkout(page, comuna="Valparaíso")

    page.get_by_text("solo se presta en comunas del Gran Santiago").wait_for()
    assert page.get_by_text("Le ofrecemos «Reinstalación remota del software»").is_visible()
    assert not Order.objects.exists()
    page.get_by_role("link", name="Comprar Reinstalación remota del software").click()
    page.get_by_role("heading", name="Reinstalación remota del software").wait_for()
