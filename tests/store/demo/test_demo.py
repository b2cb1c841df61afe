"""`itplus demo`: the demo minimarket, made through the real services, audits clean.

The tests look at one demo store built once for the module (two days of history ending
on a fixed Tuesday afternoon, rolled back at the end). The command's own behaviour
(output, idempotency, determinism, an existing admin) is in test_command.py: it needs
an empty store per test.
"""

from collections import Counter
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from stdnum.cl import rut

from itplus.core.audit import run_audit
from itplus.core.barcodes import is_valid_gs1
from itplus.store.accounts.approvals import find_approver
from itplus.store.accounts.permissions import staff_role
from itplus.store.cash.models import CashMovement, CashSession, ZReport
from itplus.store.cash.reports import cash_report_compute
from itplus.store.catalog.models import Barcode, Product
from itplus.store.config import config_path, load_config
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import final_consumer
from itplus.store.demo import data
from itplus.store.demo.data import CATEGORIES, demo_ean13
from itplus.store.demo.services import demo_load
from itplus.store.inventory.models import CountSheet, MovementKind, Stock, StockMovement
from itplus.store.inventory.services import default_warehouse
from itplus.store.purchases.models import GoodsReceipt, OrderStatus, PurchaseOrder, Supplier
from itplus.store.sales.models import CreditNote, Payment, Refund, Sale, SaleLine
from itplus.store.terminals.services import terminal_authenticate

SANTIAGO = ZoneInfo("America/Santiago")
# Monday (opening day: orders, the grocer's partial delivery, a neighbour's payment day,
# the returns and the void) and Tuesday until 13:00 (the rest of the delivery, a direct
# receipt, the tills still open).
NOW = datetime(2025, 9, 2, 13, 0, tzinfo=SANTIAGO)
MONDAY, TUESDAY = NOW.date().replace(day=1), NOW.date()


DEMO_IDENTITY = {}


@pytest.fixture(scope="module")
def store(django_db_setup, django_db_blocker):
    """The demo store, built once and rolled back after the module's tests (each test
    runs in its own savepoint inside it)."""
    path = config_path(settings.ITPLUS_HOME)
    config_before = path.read_bytes() if path.exists() else None
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            summary = demo_load(days=2, now=NOW)
            # read now: every test starts on the test identity (tests/store/conftest.py)
            DEMO_IDENTITY["store"] = load_config(settings.ITPLUS_HOME).store
            yield summary
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            if config_before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(config_before)


@pytest.fixture
def demo(store, db):
    return store


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, SANTIAGO)


# --- Catalogue, staff, tills -------------------------------------------------------------


def test_catalogue_has_300_products_with_valid_ean13(demo):
    products = Product.objects.prefetch_related("barcodes")
    assert products.count() >= 300
    for product in products:
        codes = [b.code for b in product.barcodes.all()]
        assert len(codes) == 1, product.name
        assert len(codes[0]) == 13 and codes[0].startswith("780") and is_valid_gs1(codes[0])
    assert Barcode.objects.values("code").distinct().count() == products.count()


def test_catalogue_covers_taxes_and_weighed_products(demo):
    assert Product.objects.get(name="Coca-Cola 1,5 L").ila_tax == "ila_18"
    assert Product.objects.get(name="Agua Mineral Cachantun Sin Gas 1,6 L").ila_tax == ""
    assert Product.objects.get(name="Cerveza Escudo Lata 470 ml").ila_tax == "ila_205"
    assert Product.objects.get(name="Pisco Alto del Carmen 35° 700 ml").ila_tax == "ila_315"
    assert Product.objects.filter(is_exempt=True).exists()
    jamon = Product.objects.get(name="Jamón Pierna San Jorge (kg)")
    assert jamon.unit == "kg" and jamon.scale_code
    assert Product.objects.get(name="Leche Colun Entera 1 L").price_clp == 1190


def test_barcodes_are_stable_between_runs():
    # Screenshots and tests of other apps rely on these codes not moving.
    assert demo_ean13("Leche Colun Entera 1 L") == demo_ean13("Leche Colun Entera 1 L")
    names = [p.name for c in CATEGORIES for p in c.products]
    assert len(set(names)) == len(names)
    assert len({demo_ean13(n) for n in names}) == len(names)


def test_demo_ruts_are_valid():
    ruts = [data.STORE["rut"]] + [c[0] for c in data.CUSTOMERS]
    ruts += [n.rut for n in data.NEIGHBOURS] + [s.rut for s in data.SUPPLIERS]
    assert all(rut.is_valid(r) for r in ruts)


def test_users_roles_and_pins(demo):
    for username, role in [
        ("admin", "administrador"),
        ("supervisor", "supervisor"),
        ("cajero", "cajero"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(username)
        assert staff_role(user) == role
    assert find_approver(pin="1234").user.username == "supervisor"
    assert find_approver(pin="9999").user.username == "admin"


def test_store_config_and_terminals(demo):
    store = DEMO_IDENTITY["store"]
    assert store.name == "Minimarket Don Pepe"
    assert store.rut.startswith("76.") and rut.is_valid(store.rut)
    assert store.is_complete
    caja1 = terminal_authenticate(token="demo-caja-1")
    assert caja1.code == "caja-1"
    assert caja1.boleta_series.code == "B1" and caja1.factura_series.code == "F1"
    assert terminal_authenticate(token="demo-caja-2").code == "caja-2"


# --- Sales and cash --------------------------------------------------------------------


def test_sales_add_up(demo):
    sales = Sale.objects.prefetch_related("lines", "payments")
    assert sales.count() >= 80  # Monday's tickets and Tuesday morning's
    for sale in sales:
        lines = [line for line in sale.lines.all() if not line.is_voided]
        assert 1 <= len(lines) <= 12
        assert sum(line.total_clp for line in lines) == sale.total_clp
        paid = sum(p.amount_clp for p in sale.payments.all())
        assert paid == sale.total_clp + sale.cash_rounding_clp
        assert sale.net_clp + sale.iva_clp + sale.ila_clp + sale.exempt_clp == sale.total_clp
        assert time(8, 30) <= local(sale.issued_at).time() < time(21, 0)
        assert sale.issued_at < NOW
    assert sales.filter(terminal__code="caja-1").exists()
    assert sales.filter(terminal__code="caja-2").exists()
    assert sales.values("cashier").distinct().count() >= 2
    methods = set(Payment.objects.values_list("method", flat=True))
    assert {"efectivo", "debito", "cuenta_corriente"} <= methods
    # Scale labels (price prefix 20) and weighed lines are part of the mix.
    assert SaleLine.objects.filter(scanned_code__startswith="20", product__unit="kg").exists()
    assert SaleLine.objects.filter(product__unit="kg").exclude(quantity=1).exists()


def test_each_day_has_its_sessions_closed_with_a_z_and_today_stays_open(demo):
    closed = CashSession.objects.filter(status=CashSession.Status.CLOSED)
    assert sorted((local(s.opened_at).date(), s.terminal.code) for s in closed) == [
        (MONDAY, "caja-1"),
        (MONDAY, "caja-2"),
    ]
    for session in closed.select_related("z_report", "terminal"):
        z = session.z_report
        assert local(session.opened_at).time() == time(8, 15)
        assert local(z.closed_at).time() == time(21, 0) == local(session.closed_at).time()
        assert z.counted_cash_clp == sum(int(v) * n for v, n in z.counts.items())
        assert z.difference_clp == z.counted_cash_clp - z.expected_cash_clp
        assert abs(z.difference_clp) <= 500
        assert z.ticket_count == session.sales.exclude(status="anulada").count() > 0
        assert z.expected_cash_clp == cash_report_compute(session=session).expected_cash_clp
    assert list(ZReport.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
    open_ = CashSession.objects.filter(status=CashSession.Status.OPEN)
    assert sorted(s.terminal.code for s in open_) == ["caja-1", "caja-2"]
    assert {local(s.opened_at).date() for s in open_} == {TUESDAY}
    assert all(s.opening_float_clp == 50_000 for s in CashSession.objects.all())
    # Every sale is in the session of its own till and day.
    for sale in Sale.objects.select_related("cash_session"):
        assert sale.cash_session.terminal_id == sale.terminal_id
        assert local(sale.cash_session.opened_at).date() == local(sale.issued_at).date()
        assert sale.cash_session.opened_at <= sale.issued_at


def test_numbers_are_gapless_and_chronological(demo):
    for code in ("B1", "F1"):
        sales = list(Sale.objects.filter(series__code=code).order_by("number"))
        assert [s.number for s in sales] == list(range(1, len(sales) + 1))
        assert [s.issued_at for s in sales] == sorted(s.issued_at for s in sales)
    assert not Sale.objects.filter(series__code="F1", customer__isnull=True).exists()


# --- Customers -------------------------------------------------------------------------


def test_neighbours_buy_on_credit_and_pay_in_cash_at_the_till(demo):
    neighbours = Customer.objects.filter(credit_limit_clp__gt=0)
    assert neighbours.count() == len(data.NEIGHBOURS)
    for customer in neighbours:
        assert 20_000 <= customer.credit_limit_clp <= 50_000
        assert customer.balance_clp <= customer.credit_limit_clp
        entries = AccountEntry.objects.filter(customer=customer)
        assert customer.balance_clp == entries.aggregate(t=Sum("amount_clp"))["t"]
    on_credit = Payment.objects.filter(method="cuenta_corriente")
    assert on_credit.count() >= 1
    for payment in on_credit.select_related("sale"):
        assert payment.sale.customer.credit_limit_clp > 0
        charge = AccountEntry.objects.get(sale=payment.sale, kind="cargo")
        assert charge.amount_clp == payment.amount_clp
        assert charge.created_at == payment.sale.issued_at
    # María pays on Mondays: her cash goes into Caja 1's drawer of that evening.
    payment = AccountEntry.objects.get(kind="abono", customer__rut=data.NEIGHBOURS[0].rut)
    assert payment.method == "efectivo" and payment.terminal.code == "caja-1"
    assert local(payment.created_at).date() == MONDAY
    movement = payment.cash_movement
    assert movement.kind == CashMovement.Kind.IN and movement.amount_clp == -payment.amount_clp
    assert movement.created_at == payment.created_at
    assert movement.session.terminal.code == "caja-1"
    assert local(movement.session.opened_at).date() == MONDAY
    assert not AccountEntry.objects.filter(customer=final_consumer()).exists()


def test_facturas_name_business_customers(demo):
    business = {c[0] for c in data.CUSTOMERS}
    assert set(Customer.objects.filter(rut__in=business).values_list("rut", flat=True)) == business
    for sale in Sale.objects.filter(series__code="F1").select_related("customer"):
        assert sale.customer.rut in business


# --- Purchases and inventory -------------------------------------------------------------


def test_stock_comes_from_purchases_received_and_invoiced(demo):
    assert Supplier.objects.count() == 2
    statuses = Counter(PurchaseOrder.objects.values_list("status", flat=True))
    assert statuses[OrderStatus.RECEIVED] >= 2
    assert statuses[OrderStatus.SENT] == 1  # next week's, not received
    assert statuses[OrderStatus.DRAFT] == 1
    assert statuses[OrderStatus.CANCELLED] == 1
    cancelled = PurchaseOrder.objects.get(status=OrderStatus.CANCELLED)
    assert cancelled.cancel_reason and cancelled.cancelled_by.username == "admin"
    # The grocer's opening order came in two deliveries.
    grocer = PurchaseOrder.objects.filter(supplier__rut=data.SUPPLIERS[1].rut).order_by("pk")[0]
    deliveries = grocer.receipts.order_by("received_at")
    assert grocer.status == OrderStatus.RECEIVED and deliveries.count() == 2
    assert [local(r.received_at).date() for r in deliveries] == [MONDAY, TUESDAY]
    assert local(grocer.created_at) < local(deliveries[0].received_at)
    direct = GoodsReceipt.objects.filter(order__isnull=True)
    assert direct.count() == 1
    for receipt in GoodsReceipt.objects.select_related("invoice"):
        invoice = receipt.invoice
        assert invoice.total_clp == receipt.total_clp and invoice.difference_clp == 0
        assert invoice.issued_on == local(receipt.received_at).date()
    # No stock out of nowhere: every product's first movement is a purchase receipt.
    first_kinds = {
        StockMovement.objects.filter(product=p).order_by("id").first().kind
        for p in Product.objects.all()
    }
    assert first_kinds == {MovementKind.RECEIPT}


def test_stockroom_work(demo):
    main = default_warehouse()
    with_point = Stock.objects.filter(warehouse=main, reorder_point__isnull=False)
    assert with_point.count() >= 0.9 * Product.objects.count()
    assert not with_point.filter(reorder_target__lt=F("reorder_point")).exists()
    back_room = Stock.objects.filter(warehouse__code="trasera", quantity__gt=0)
    assert back_room.count() == 5
    transfers = StockMovement.objects.filter(kind=MovementKind.TRANSFER)
    assert transfers.count() == 10 and transfers.aggregate(t=Sum("quantity"))["t"] == 0
    waste = StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT, reason="Merma: vencidos")
    assert waste.count() == 4 and {m.quantity for m in waste} == {Decimal(-2)}
    sheets = {s.status: s for s in CountSheet.objects.select_related("category")}
    assert set(sheets) == {CountSheet.Status.POSTED, CountSheet.Status.OPEN}
    assert sheets[CountSheet.Status.POSTED].category.name == "Limpieza"
    assert sheets[CountSheet.Status.OPEN].category.name == "Confites y snacks"
    posted = sheets[CountSheet.Status.POSTED].lines.all()
    assert posted and all(line.counted_quantity is not None for line in posted)
    assert not Stock.objects.filter(quantity__lt=0).exists()
    sold = SaleLine.objects.filter(is_voided=False).count()
    assert StockMovement.objects.filter(kind=MovementKind.SALE).count() == sold


# --- Returns and voids -------------------------------------------------------------------


def test_returns_and_a_void_with_the_supervisors_approval(demo):
    returns = CreditNote.objects.filter(kind=CreditNote.Kind.RETURN).select_related("sale")
    assert returns.count() == 2
    for note in returns:
        assert note.total_clp < note.sale.total_clp  # partial
        assert local(note.issued_at).date() == MONDAY
    refunds = set(Refund.objects.values_list("method", flat=True))
    assert {"efectivo", "cuenta_corriente"} <= refunds
    void = CreditNote.objects.get(kind=CreditNote.Kind.VOID)
    assert void.sale.status == Sale.Status.VOIDED and void.total_clp == void.sale.total_clp
    assert void.cash_session_id == void.sale.cash_session_id
    assert void.approval.approved_by.username == "supervisor"
    assert void.approval.action == "anular_venta" and void.approval.used_at == void.issued_at
    z = ZReport.objects.get(session=void.sale.cash_session)
    assert z.data["voided_count"] == 1


def test_audit_is_clean(demo):
    report = run_audit()
    assert report.ok, report.problems
    assert report.checked["documentos"] == Sale.objects.count()
