"""Acceptance: a cashier at the till, in Debian's Chromium driven by Playwright.

Log in, pair the PC with a terminal (supervisor PIN), scan barcodes (keystrokes + Enter
into the code input, as a scanner does), pay cash with change, read the receipt.
Screenshots go to docs/img/ for the README.
"""

import re

import pytest

from itplus.core.barcodes import with_check_digit
from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.catalog.models import SaleUnit
from itplus.store.sales.models import NumberBlock, ParkedTicket, PaymentMethod, Sale
from tests.browser import SCREENSHOTS, new_page
from tests.factories import make_product, make_terminal, make_user

PASSWORD = "clave-segura-1"  # tests.factories.make_user's password
SUPERVISOR_PIN = "4321"

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser, live_server.url)
    yield page
    context.close()


@pytest.fixture
def shop(transactional_db):
    """A small shop: a cashier, a supervisor with a PIN, one till, a few products."""
    return {
        "cashier": make_user(role="cajero", username="cajera"),
        "supervisor": make_user(role="supervisor", username="supervisora", pin=SUPERVISOR_PIN),
        "terminal": make_terminal(code="caja-1"),
        "milk": make_product(name="Leche Entera Colun 1 L", price_clp=1190),
        "bread": make_product(name="Pan de Molde Integral Ideal", price_clp=2345),
        "coffee": make_product(name="Café Haití Molido 250 g", price_clp=4990),
        "cheese": make_product(
            name="Queso Gauda Laminado (granel)", price_clp=11990, unit=SaleUnit.KILO
        ),
    }


def ean(product) -> str:
    return product.barcodes.first().code


def login_and_pair(page, shop, username="cajera"):
    from playwright.sync_api import expect

    page.goto("/pos/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/pos/"))
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Clave").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    # Not paired yet: the till sends us to pair this PC with a terminal.
    expect(page).to_have_url(re.compile(r"/pos/vincular/$"))
    page.get_by_label("Caja").select_option(str(shop["terminal"].pk))
    page.get_by_label("PIN de supervisor").fill(SUPERVISOR_PIN)
    page.get_by_role("button", name="Vincular").click()
    expect(page).to_have_url(re.compile(r"/pos/$"))
    expect(page.locator("#till[data-ready]")).to_have_count(1)
    expect(page.locator("#code")).to_be_focused()


def scan(page, code: str) -> None:
    """What a USB barcode scanner does: fast keystrokes into the focused input + Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_scan_two_barcodes_and_pay_cash_with_change(page, shop):
    from playwright.sync_api import expect

    # given a cashier at a freshly paired till
    login_and_pair(page, shop)

    # when she scans two products
    scan(page, ean(shop["milk"]))
    scan(page, ean(shop["bread"]))

    # then both lines are on the ticket; the cash total follows Ley 20.956
    rows = page.locator("#lines tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Leche Entera Colun 1 L")
    expect(rows.nth(1)).to_contain_text("Pan de Molde Integral Ideal")
    expect(page.locator("#t-total")).to_have_text("$3.535")
    expect(page.locator("#t-cash")).to_have_text("$3.530")  # last digit 5 rounds down
    expect(page.locator("#t-items")).to_have_text("2")
    page.screenshot(path=str(SCREENSHOTS / "till.png"))

    # when she charges (F12) and types the $5.000 bill the customer hands over
    page.keyboard.press("F12")
    pay = page.locator("#dlg-pay")
    expect(pay).to_be_visible()
    page.keyboard.type("5000")
    expect(pay.locator(".pay-summary .change")).to_contain_text("$1.470")
    page.screenshot(path=str(SCREENSHOTS / "till-payment.png"))
    page.keyboard.press("Enter")

    # then the receipt shows with the change in big digits, and a fresh ticket waits
    receipt = page.locator("#dlg-receipt")
    expect(receipt).to_be_visible()
    sale = Sale.objects.get()
    # The series' next number online: past the block the till leased for offline sales.
    expect(receipt.locator('[data-slot="doc"]')).to_have_text(f"Boleta N° {sale.number}")
    expect(receipt.locator('[data-slot="change"]')).to_have_text("$1.470")
    expect(receipt.locator('[data-slot="charged"]')).to_have_text("$3.530")
    printed = page.frame_locator('#dlg-receipt [data-slot="frame"]')
    expect(printed.locator("body")).to_contain_text("BOLETA")
    expect(printed.locator("body")).to_contain_text(f"N° {sale.number}")
    expect(printed.locator(".total")).to_contain_text("$3.535")
    expect(printed.locator("body")).to_contain_text("Redondeo")
    expect(printed.locator("body")).to_contain_text("Vuelto")
    expect(printed.locator("body")).to_contain_text("$1.470")
    page.screenshot(path=str(SCREENSHOTS / "receipt.png"))

    sale = Sale.objects.get()
    # Online sales skip the numbers leased to tills for offline boletas.
    assert not NumberBlock.objects.filter(
        series=sale.series, first__lte=sale.number, last__gte=sale.number
    ).exists()
    assert (sale.total_clp, sale.cash_rounding_clp, sale.change_clp) == (
        3535,
        -5,
        1470,
    )
    payment = sale.payments.get()
    assert (payment.method, payment.amount_clp, payment.tendered_clp) == (
        PaymentMethod.CASH,
        3530,
        5000,
    )

    page.keyboard.press("Enter")  # "Nuevo ticket"
    expect(receipt).to_be_hidden()
    expect(page.locator("#lines tr")).to_have_count(0)
    expect(page.locator("#t-total")).to_have_text("$0")
    expect(page.locator("#code")).to_be_focused()


def test_unknown_barcode_shows_a_spanish_error_and_keeps_the_ticket(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["coffee"]))
    scan(page, ean(shop["coffee"]))  # same unit product again: quantity 2, one line

    scan(page, "7809999999992")

    expect(page.locator("#message")).to_be_visible()
    expect(page.locator("#message")).to_contain_text("Código «7809999999992» no encontrado")
    rows = page.locator("#lines tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("2")
    expect(page.locator("#t-total")).to_have_text("$9.980")
    # the ticket survives a reload too (it lives in the browser until it is sold)
    page.reload()
    expect(page.locator("#till[data-ready]")).to_have_count(1)
    expect(page.locator("#lines tr")).to_have_count(1)
    expect(page.locator("#t-total")).to_have_text("$9.980")


def test_discount_over_the_cashier_limit_needs_a_supervisor_pin(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["coffee"]))
    expect(page.locator("#lines tr")).to_have_count(1)

    # a 10% line discount is over the cashier's 5%: the till asks for a supervisor
    page.keyboard.press("F6")
    expect(page.locator("#dlg-prompt")).to_be_visible()
    page.keyboard.type("10%")
    page.keyboard.press("Enter")
    pin = page.locator("#dlg-pin")
    expect(pin).to_be_visible()
    expect(pin).to_contain_text("10%")
    page.keyboard.type("0000")
    page.keyboard.press("Enter")
    expect(pin.locator('[data-slot="error"]')).to_have_text("PIN de supervisor incorrecto.")
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(pin).to_be_hidden()
    expect(page.locator("#message")).to_contain_text("Aprobado por supervisora")
    expect(page.locator("#t-total")).to_have_text("$4.491")  # 4.990 − 499
    expect(page.locator("#t-cash")).to_have_text("$4.490")

    # exact cash: F12, Enter
    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()
    expect(page.locator('#dlg-receipt [data-slot="change"]')).to_have_text("$0")

    line = Sale.objects.get().lines.get()
    assert line.discount_clp == 499
    assert line.approval.action == ApprovalAction.DISCOUNT
    assert line.approval.approved_by == shop["supervisor"]
    assert line.approval.used_at is not None


def test_void_a_line_with_a_supervisor_pin_keeps_it_on_record(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["milk"]))
    scan(page, ean(shop["bread"]))
    expect(page.locator("#lines tr")).to_have_count(2)

    page.keyboard.press("Delete")  # "Supr": void the selected (last) line
    expect(page.locator("#dlg-pin")).to_be_visible()
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(page.locator("#lines tr.voided")).to_have_count(1)
    expect(page.locator("#lines tr.voided")).to_contain_text("ANULADA")
    expect(page.locator("#t-total")).to_have_text("$1.190")

    # split payment: $1.000 by debit, the rest in cash
    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("d")  # the only row becomes debit, for the whole amount
    page.keyboard.press("Control+a")
    page.keyboard.type("1000")
    page.keyboard.press("e")  # add a cash row: exact remainder
    expect(page.locator("#dlg-pay .pay-row")).to_have_count(2)
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()

    sale = Sale.objects.get()
    assert sale.total_clp == 1190
    assert sale.cash_rounding_clp == 0  # 190 in cash is already a multiple of 10
    assert sorted((p.method, p.amount_clp) for p in sale.payments.all()) == [
        ("debito", 1000),
        ("efectivo", 190),
    ]
    voided = sale.lines.get(is_voided=True)
    assert voided.approval.action == ApprovalAction.VOID_LINE
    assert (
        Approval.objects.filter(action=ApprovalAction.VOID_LINE, used_at__isnull=False).count() == 1
    )


def test_lowering_a_scanned_quantity_needs_a_supervisor_pin(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    for _ in range(3):
        scan(page, ean(shop["milk"]))
    expect(page.locator("#t-total")).to_have_text("$3.570")

    # F4: the cashier lowers 3 to 1; the till asks for a supervisor
    page.keyboard.press("F4")
    expect(page.locator("#dlg-prompt")).to_be_visible()
    page.keyboard.press("Control+a")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    pin = page.locator("#dlg-pin")
    expect(pin).to_be_visible()
    expect(pin).to_contain_text("Bajar la cantidad")
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(pin).to_be_hidden()
    expect(page.locator("#t-total")).to_have_text("$1.190")

    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()

    assert Sale.objects.get().lines.get().quantity == 1
    approval = Approval.objects.get(action=ApprovalAction.LOWER_QUANTITY)
    assert approval.used_at is not None and approval.requested_by == shop["cashier"]
    assert approval.terminal == shop["terminal"]


def test_an_implausible_scale_label_needs_a_supervisor_pin_and_a_zero_one_is_refused(page, shop):
    from playwright.sync_api import expect

    make_product(name="Jamón Serrano", price_clp=29990, unit=SaleUnit.KILO, scale_code="00104")
    login_and_pair(page, shop)

    # a label worth $0 is refused at the scan: nothing is added, no PIN is asked
    scan(page, "2000104000003")
    expect(page.locator("#message")).to_contain_text("vale $0: no se puede vender")
    expect(page.locator("#lines tr")).to_have_count(0)
    expect(page.locator("#dlg-pin")).to_be_hidden()

    # a $10 label (0,3 g of ham) asks for the supervisor's PIN; cancelled, it is not added
    scan(page, with_check_digit("200010400010"))
    pin = page.locator("#dlg-pin")
    expect(pin).to_be_visible()
    expect(pin).to_contain_text("fuera del rango de la balanza")
    page.keyboard.press("Escape")
    expect(pin).to_be_hidden()
    expect(page.locator("#message")).to_contain_text("necesita la autorización")
    expect(page.locator("#lines tr")).to_have_count(0)

    # scanned again and approved, it is on the ticket and sells
    scan(page, with_check_digit("200010400010"))
    expect(pin).to_be_visible()
    page.keyboard.type(SUPERVISOR_PIN)
    page.keyboard.press("Enter")
    expect(pin).to_be_hidden()
    expect(page.locator("#lines tr")).to_have_count(1)
    scan(page, ean(shop["milk"]))
    expect(page.locator("#t-total")).to_have_text("$1.200")

    page.keyboard.press("F12")
    expect(page.locator("#dlg-pay")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#dlg-receipt")).to_be_visible()

    label_line = Sale.objects.get().lines.get(position=1)
    assert label_line.total_clp == 10
    assert label_line.scale_approval.action == ApprovalAction.SCALE_LABEL
    assert label_line.scale_approval.approved_by == shop["supervisor"]
    assert label_line.scale_approval.requested_by == shop["cashier"]


def test_park_and_resume_a_ticket(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    page.keyboard.type("3*")  # quantity before the scan
    scan(page, ean(shop["milk"]))
    expect(page.locator("#lines tr td").nth(2)).to_have_text("3")

    page.keyboard.press("F8")
    expect(page.locator("#dlg-prompt")).to_contain_text("Nombre para reconocerlo")
    page.keyboard.press("Enter")  # no name: the summary names it
    expect(page.locator("#message")).to_contain_text("Ticket dejado en espera.")
    expect(page.locator("#lines tr")).to_have_count(0)
    assert ParkedTicket.objects.count() == 1

    page.keyboard.press("F9")
    parked = page.locator("#dlg-parked")
    expect(parked).to_be_visible()
    expect(parked.locator("li")).to_have_count(1)
    expect(parked.locator("li")).to_contain_text("3 productos")
    page.keyboard.press("Enter")
    expect(parked).to_be_hidden()
    expect(page.locator("#lines tr")).to_have_count(1)
    expect(page.locator("#t-total")).to_have_text("$3.570")
    assert ParkedTicket.objects.count() == 0


def test_search_by_name_and_weighed_product(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    page.keyboard.type("queso gau")
    results = page.locator("#results li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Queso Gauda Laminado")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    # sold by the kilo: the till asks for the weight
    prompt = page.locator("#dlg-prompt")
    expect(prompt).to_be_visible()
    page.keyboard.type("0,250")
    page.keyboard.press("Enter")
    expect(page.locator("#lines tr td").nth(2)).to_have_text("0,250 kg")
    expect(page.locator("#t-total")).to_have_text("$2.998")  # 11.990 × 0,25 = 2.997,5 → 2.998
    expect(page.locator("#t-cash")).to_have_text("$3.000")


def test_typed_quantities_read_like_the_server(page, shop):
    from playwright.sync_api import expect

    login_and_pair(page, shop)
    scan(page, ean(shop["coffee"]))
    page.keyboard.press("F4")
    prompt = page.locator("#dlg-prompt")
    expect(prompt).to_be_visible()
    page.keyboard.press("Control+A")
    page.keyboard.type("1.500")
    page.keyboard.press("Enter")
    # A dot and three digits on a unit product: 1500 or 1,5? The till asks, like the server.
    expect(prompt.locator('[data-slot="error"]')).to_contain_text("es ambiguo: escriba 1500 o 1,5")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(prompt).to_be_hidden()
    expect(page.locator("#lines tr td").nth(2)).to_have_text("3")
