"""`itplus demo` as a command: output, idempotency, determinism, an existing admin."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from itplus.core.audit import run_audit
from itplus.store.cash.models import CashSession, ZReport
from itplus.store.catalog.models import Product
from itplus.store.demo.services import demo_load
from itplus.store.purchases.models import GoodsReceipt
from itplus.store.sales.models import Sale

SANTIAGO = ZoneInfo("America/Santiago")


def run_demo(days: int = 1) -> str:
    out = StringIO()
    call_command("demo", days=days, stdout=out)
    return out.getvalue()


def test_same_seed_and_present_give_the_same_store(db):
    def fingerprint():
        sales = Sale.objects.order_by("series__code", "number")
        return [
            (s.series.code, s.number, s.issued_at, s.total_clp, s.cash_rounding_clp)
            for s in sales.select_related("series")
        ] + list(ZReport.objects.order_by("number").values_list("counted_cash_clp", flat=True))

    runs = []
    for _run in range(2):
        with transaction.atomic():
            assert demo_load(days=1, now=datetime(2025, 9, 2, 19, 0, tzinfo=SANTIAGO))
            runs.append(fingerprint())
            transaction.set_rollback(True)
    assert runs[0] == runs[1] and len(runs[0]) > 50


def test_command_output_and_second_run_changes_nothing(db):
    out = run_demo(days=1)
    assert "Minimarket Don Pepe lista" in out and "informe Z" in out
    assert "solo para la demostración" in out
    before = (Product.objects.count(), Sale.objects.count(), User.objects.count())
    receipts = GoodsReceipt.objects.count()
    out = run_demo()
    assert "ya existen" in out
    assert (Product.objects.count(), Sale.objects.count(), User.objects.count()) == before
    assert GoodsReceipt.objects.count() == receipts
    assert run_audit().ok


def test_existing_admin_account_is_kept(db):
    User.objects.create_superuser("admin", password="otra-clave-segura")
    run_demo(days=0)
    assert User.objects.get(username="admin").check_password("otra-clave-segura")
    assert Product.objects.count() >= 300
    assert CashSession.objects.filter(status=CashSession.Status.OPEN).count() == 2
