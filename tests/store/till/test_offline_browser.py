"""Acceptance: the till keeps selling when the server goes away, and syncs once it is back.

A REAL server process (`itplus serve`, waitress) on a port; Chromium loads the paired
till (the service worker keeps the page, IndexedDB the catalogue and the leased boleta
numbers). The server process is stopped: three cash sales are made offline, the tab is
closed and opened again (the service worker serves the page), the server is started again
on the same port and the till sends its queue. Each sale then exists exactly once, with
the number the till gave it, in the back office too, and the audit is clean.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from itplus.core.audit import run_audit
from itplus.store.sales.models import Sale
from tests.browser import SCREENSHOTS, log_in, new_page
from tests.factories import make_product, make_terminal, make_user
from tests.store.maintenance.support import ROOT, itplus, itplus_env

PASSWORD = "clave-segura-1"  # tests.factories.make_user's password
SUPERVISOR_PIN = "4321"

pytestmark = [pytest.mark.browser]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StoreServer:
    """`itplus serve` as a subprocess on this test's database, stopped and started again
    on the same port."""

    def __init__(self, port: int, log: Path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "itplus.store.cli", "serve", "--host", "127.0.0.1"]
                + ["--port", str(self.port), "--threads", "4", "--sin-respaldos"],
                env=itplus_env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@contextmanager
def store_server(tmp_path: Path):
    server = StoreServer(free_port(), tmp_path / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def server_hash(secret: str) -> str:
    """A hash the server process verifies: it runs the production settings, not the test
    settings' MD5 hasher (few iterations: the server upgrades it at the first login)."""
    return PBKDF2PasswordHasher().encode(secret, "offlinetill", iterations=1000)


def staff(role: str, username: str, pin: str = ""):
    user = make_user(role=role, username=username)
    user.password = server_hash(PASSWORD)
    user.save(update_fields=["password"])
    if pin:
        user.staff.pin_hash = server_hash(pin)
        user.staff.save(update_fields=["pin_hash"])
    return user


@pytest.fixture
def shop(transactional_db):
    """A cashier, a supervisor with a PIN, a terminal with an open cash session, products."""
    return {
        "cashier": staff("cajero", "cajera"),
        "supervisor": staff("supervisor", "supervisora", pin=SUPERVISOR_PIN),
        "admin": staff("administrador", "admin"),
        "terminal": make_terminal(code="caja-1"),
        "milk": make_product(name="Leche Entera Colun 1 L", price_clp=1190),
        "bread": make_product(name="Pan de Molde Integral Ideal", price_clp=2345),
        "coffee": make_product(name="Café Haití Molido 250 g", price_clp=4990),
    }


def ean(product) -> str:
    return product.barcodes.first().code


def scan(page, code: str) -> None:
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def login_and_pair(page, shop) -> None:
    from playwright.sync_api import expect

    page.goto("/pos/")
    page.get_by_label("Usuario").fill("cajera")
    page.get_by_label("Clave").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(re.compile(r"/pos/vincular/$"))
    page.get_by_label("Caja").select_option(str(shop["terminal"].pk))
    page.get_by_label("PIN de supervisor").fill(SUPERVISOR_PIN)
    page.get_by_role("button", name="Vincular").click()
    expect(page).to_have_url(re.compile(r"/pos/$"))
    expect(page.locator("#till[data-ready]")).to_have_count(1)


def wait_offline_ready(page) -> None:
    """The service worker controls the page, the catalogue and a number block are stored."""
    from playwright.sync_api import expect

    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")
    expect(page.locator('#till[data-catalog="ready"]')).to_have_count(1)
    page.wait_for_function("() => Number(document.getElementById('till').dataset.numbersLeft) > 0")


def sell_cash(page, codes: list[str], cash: str, *, lines: int | None = None) -> int:
    """Scan, pay cash with ``cash`` typed; returns the boleta number the till shows."""
    from playwright.sync_api import expect

    for code in codes:
        scan(page, code)
    expect(page.locator("#lines tr")).to_have_count(lines or len(codes))
    page.keyboard.press("F12")
    pay = page.locator("#dlg-pay")
    expect(pay).to_be_visible()
    page.keyboard.type(cash)
    page.keyboard.press("Enter")
    expect(pay).to_be_hidden()
    message = page.locator("#message")
    expect(message).to_contain_text("Venta guardada sin conexión — Boleta N°")
    match = re.search(r"Boleta N° (\d+)", message.inner_text())
    expect(page.locator("#lines tr")).to_have_count(0)
    return int(match.group(1))


def test_three_cash_sales_offline_survive_a_closed_tab_and_sync_exactly_once(
    browser, shop, tmp_path
):
    from playwright.sync_api import expect

    milk, bread, coffee = shop["milk"], shop["bread"], shop["coffee"]
    with store_server(tmp_path) as server:
        context, page = new_page(browser, server.url)
        # given a till that loaded once with the server up
        login_and_pair(page, shop)
        wait_offline_ready(page)
        expect(page.locator("#offline-bar")).to_be_hidden()

        # when the server stops
        server.stop()
        scan(page, ean(milk))
        expect(page.locator("#offline-state")).to_have_text("Sin conexión")
        expect(page.locator("#lines tr")).to_have_count(1)
        page.keyboard.press("Delete")  # a cashier's void needs a supervisor: refused offline
        expect(page.locator("#message")).to_contain_text("necesita el servidor")
        expect(page.locator("#lines tr.voided")).to_have_count(0)
        page.keyboard.press("F8")  # parking a ticket needs the server
        expect(page.locator("#message")).to_contain_text(
            "Dejar un ticket en espera necesita el servidor"
        )
        page.get_by_role("button", name="Factura").click()  # the buyer is checked online
        expect(page.locator("#message")).to_contain_text("Sin conexión solo se emiten boletas")
        page.keyboard.press("F3")  # so is a customer
        expect(page.locator("#message")).to_contain_text("cliente identificado")
        expect(page.locator("dialog[open]")).to_have_count(0)

        # three cash sales are made offline, each with the next leased number
        first = sell_cash(page, [ean(bread)], "5000", lines=2)  # the milk is on it already
        expect(page.locator("#message")).to_contain_text("Vuelto $1.470")  # cash 3535 → 3530
        second = sell_cash(page, [ean(coffee), ean(milk)], "10000")
        third = sell_cash(page, [milk.sku], "2000")  # by SKU, as typed
        expect(page.locator("#message")).to_contain_text("Vuelto $810")
        numbers = [first, second, third]
        assert numbers == list(range(first, first + 3))
        expect(page.locator("#offline-pending")).to_have_text("3 ventas pendientes")
        page.screenshot(path=str(SCREENSHOTS / "till-offline.png"))
        scan(page, ean(coffee))  # the next customer's ticket, still open
        expect(page.locator("#lines tr")).to_have_count(1)

        # the tab is closed and opened again: the service worker serves the till
        page.close()
        page = context.new_page()
        page.goto("/pos/")
        expect(page.locator("#till[data-ready]")).to_have_count(1)
        expect(page.locator("#offline-pending")).to_have_text("3 ventas pendientes")
        expect(page.locator("#offline-state")).to_have_text("Sin conexión")
        expect(page.locator("#lines tr")).to_have_count(1)  # the open ticket is kept too
        assert Sale.objects.count() == 0

        # the server comes back on the same port: the heartbeat finds it, the queue syncs
        server.start()
        expect(page.locator("#till[data-pending='0']")).to_have_count(1, timeout=30_000)
        rejected = page.locator("#offline-rejected")
        assert rejected.is_hidden(), rejected.get_attribute("title")
        expect(page.locator("#offline-bar")).to_be_hidden()
        expect(page.locator("#message")).to_contain_text("3 ventas sin conexión registradas")

        sales = list(Sale.objects.order_by("number"))
        assert [s.number for s in sales] == numbers  # exactly once, with the till's numbers
        assert len({s.client_uuid for s in sales}) == 3
        assert [s.total_clp for s in sales] == [1190 + 2345, 4990 + 1190, 1190]
        assert {s.terminal_id for s in sales} == {shop["terminal"].pk}
        assert {s.cashier_id for s in sales} == {shop["cashier"].pk}

        # a later heartbeat sends nothing again
        page.evaluate("() => new Promise((r) => setTimeout(r, 3500))")
        assert Sale.objects.count() == 3

        # the back office lists them
        admin_context, admin = new_page(browser, server.url)
        log_in(admin, "admin", PASSWORD, next_url="/admin/sales/sale/")
        table = admin.locator("#result_list")
        for number in numbers:
            expect(table).to_contain_text(str(number))
        admin_context.close()
        context.close()

    report = run_audit()
    assert report.ok, [p.message for p in report.problems]
    audit = itplus("audit", env=itplus_env())
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "sin problemas" in audit.stdout


def test_logging_out_forgets_the_kept_till_page(browser, live_server, shop):
    from playwright.sync_api import expect

    for user in (shop["cashier"], shop["supervisor"]):  # the live server runs test settings
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    shop["supervisor"].staff.set_pin(SUPERVISOR_PIN)
    shop["supervisor"].staff.save(update_fields=["pin_hash"])
    context, page = new_page(browser, live_server.url)
    login_and_pair(page, shop)
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")
    page.wait_for_function("() => caches.match('/pos/').then(Boolean)")

    page.get_by_role("button", name="Salir").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert page.evaluate("() => caches.keys()") == []
    context.close()


def test_a_sale_kept_while_the_cash_session_is_closed_syncs_once_it_opens(
    browser, live_server, shop
):
    """The network cut in the browser (the server stays up): the cash session closes and
    the price changes meanwhile. The queued sale is refused with ``retry`` (kept, not
    rejected), and recorded at the till's price, with its conflicts, once a session opens."""
    from playwright.sync_api import expect

    from itplus.store.cash.selectors import cash_session_current
    from itplus.store.cash.services import cash_session_close, cash_session_open
    from itplus.store.catalog.services import product_update
    from itplus.store.sales.models import SyncConflict

    for user in (shop["cashier"], shop["supervisor"]):  # the live server runs test settings
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    shop["supervisor"].staff.set_pin(SUPERVISOR_PIN)
    shop["supervisor"].staff.save(update_fields=["pin_hash"])
    terminal, milk = shop["terminal"], shop["milk"]
    context, page = new_page(browser, live_server.url)
    login_and_pair(page, shop)
    wait_offline_ready(page)

    context.set_offline(True)
    number = sell_cash(page, [ean(milk)], "2000")
    expect(page.locator("#offline-pending")).to_have_text("1 venta pendiente")
    product_update(product=milk, price_clp=1290)
    cash_session_close(
        session=cash_session_current(terminal=terminal),
        user=shop["supervisor"],
        counts={"10000": 2},
        run_hooks=False,
    )

    context.set_offline(False)
    expect(page.locator("#offline-state")).to_be_hidden(timeout=15_000)  # online again
    page.evaluate("() => new Promise((r) => setTimeout(r, 1000))")
    expect(page.locator("#offline-pending")).to_have_text("1 venta pendiente")  # kept
    expect(page.locator("#message")).to_contain_text("aún pendientes")
    expect(page.locator("#offline-rejected")).to_be_hidden()
    assert Sale.objects.count() == 0

    cash_session_open(terminal=terminal, user=shop["supervisor"], opening_float_clp=0)
    expect(page.locator("#till[data-pending='0']")).to_have_count(1, timeout=30_000)
    sale = Sale.objects.get()
    assert (sale.number, sale.total_clp) == (number, 1190)  # what the customer paid
    assert {"precio", "caja"} <= set(
        SyncConflict.objects.filter(sale=sale).values_list("kind", flat=True)
    )
    context.close()
