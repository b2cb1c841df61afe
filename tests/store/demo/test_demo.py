from datetime import time
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from stdnum.cl import rut

from itplus.core.barcodes import is_valid_gs1
from itplus.store.accounts.services import find_approver, staff_role
from itplus.store.cash.models import CashSession
from itplus.store.catalog.models import Barcode, Product
from itplus.store.config import load_config
from itplus.store.demo.data import CATEGORIES, demo_ean13
from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.sales.models import Payment, Sale, SaleLine
from itplus.store.terminals.services import terminal_authenticate


def run_demo(days: int = 2) -> str:
    out = StringIO()
    call_command("demo", days=days, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return run_demo()


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
    assert "solo para la demostración" in demo


def test_store_config_and_terminals(demo):
    store = load_config(settings.ITPLUS_HOME)["store"]
    assert store["name"] == "Minimarket Don Pepe"
    assert store["rut"].startswith("76.") and rut.is_valid(store["rut"])
    assert store["comuna"] and store["address"] and store["giro"]
    caja1 = terminal_authenticate(token="demo-caja-1")
    assert caja1.code == "caja-1"
    assert caja1.boleta_series.code == "B1" and caja1.factura_series.code == "F1"
    assert terminal_authenticate(token="demo-caja-2").code == "caja-2"


def test_sales_add_up(demo):
    sales = Sale.objects.prefetch_related("lines", "payments")
    assert sales.count() >= 60  # at least yesterday's tickets
    for sale in sales:
        lines = [line for line in sale.lines.all() if not line.is_voided]
        assert 1 <= len(lines) <= 12
        assert sum(line.total_clp for line in lines) == sale.total_clp
        paid = sum(p.amount_clp for p in sale.payments.all())
        assert paid == sale.total_clp + sale.cash_rounding_clp
        assert sale.net_clp + sale.iva_clp + sale.ila_clp + sale.exempt_clp == sale.total_clp
        local = timezone.localtime(sale.issued_at).time()
        assert time(8, 30) <= local < time(21, 30)
    assert sales.filter(terminal__code="caja-1").exists()
    assert sales.filter(terminal__code="caja-2").exists()
    assert sales.values("cashier").distinct().count() >= 2
    methods = set(Payment.objects.values_list("method", flat=True))
    assert {"efectivo", "debito"} <= methods
    # Scale labels (price prefix 20) and weighed lines are part of the mix.
    assert SaleLine.objects.filter(scanned_code__startswith="20", product__unit="kg").exists()
    assert SaleLine.objects.filter(product__unit="kg").exclude(quantity=1).exists()


def test_sales_belong_to_open_sessions_move_stock_and_name_invoice_customers(demo):
    assert not Sale.objects.filter(cash_session__isnull=True).exists()
    assert CashSession.objects.filter(status="abierta").count() == 2
    for session in CashSession.objects.all():
        first = session.sales.order_by("issued_at").first()
        assert first is None or session.opened_at <= first.issued_at
    assert not Sale.objects.filter(series__code="F1", customer__isnull=True).exists()
    sold_lines = SaleLine.objects.filter(is_voided=False).count()
    assert StockMovement.objects.filter(kind="venta").count() == sold_lines
    # The opening count covers what the history sells: no product ends below zero.
    assert StockMovement.objects.filter(kind="conteo").exists()
    assert not Stock.objects.filter(quantity__lt=0).exists()


def test_numbers_are_gapless_and_chronological(demo):
    for code in ("B1", "F1"):
        sales = list(Sale.objects.filter(series__code=code).order_by("number"))
        assert [s.number for s in sales] == list(range(1, len(sales) + 1))
        assert [s.issued_at for s in sales] == sorted(s.issued_at for s in sales)


def test_second_run_changes_nothing(demo):
    before = (Product.objects.count(), Sale.objects.count(), User.objects.count())
    total = Sale.objects.aggregate(t=Sum("total_clp"))["t"]
    out = run_demo()
    assert "ya existen" in out
    assert (Product.objects.count(), Sale.objects.count(), User.objects.count()) == before
    assert Sale.objects.aggregate(t=Sum("total_clp"))["t"] == total


def test_existing_admin_account_is_kept(db):
    User.objects.create_superuser("admin", password="otra-clave-segura")
    run_demo(days=0)
    assert User.objects.get(username="admin").check_password("otra-clave-segura")
    assert Product.objects.count() >= 300
