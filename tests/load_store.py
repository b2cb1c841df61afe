"""The store side of a many-terminals run, run as ``python -m tests.load_store setup|report``
by ``tests.postgres_server`` in its own process, on the server's database (the caller sets
ITPLUS_HOME, DATABASE_URL and DJANGO_SETTINGS_MODULE=itplus.store.settings).

``setup SPEC_JSON``: the store's identity (and, if asked, no negative stock), N terminals (each with its boleta series and a
cash session opened by a supervisor), one cashier per terminal and the products with
their starting stock, all through the real services (``tests.factories``). Prints JSON:
each till's code, token, cashier and session; each product's barcode, price and stock.

``report``: what the database says afterwards, as JSON — per series its numbers, per
product its stock row and the sum of its ledger, per cash session the X report's
totals (``cash_session_sales``), the sales' client UUIDs, and ``run_audit``'s problems.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402

from itplus.core.audit import run_audit  # noqa: E402
from itplus.store.cash.models import CashSession  # noqa: E402
from itplus.store.cash.services import cash_session_open  # noqa: E402
from itplus.store.config import config_section_set, store_identity_set  # noqa: E402
from itplus.store.inventory.models import Stock, StockMovement  # noqa: E402
from itplus.store.inventory.services import stock_adjust  # noqa: E402
from itplus.store.sales.models import Payment, Sale  # noqa: E402
from itplus.store.sales.selectors import cash_session_sales  # noqa: E402
from tests.factories import make_product, make_terminal, make_user  # noqa: E402
from tests.store.conftest import STORE_IDENTITY  # noqa: E402

PASSWORD = "clave-segura-1"  # tests.factories.make_user's


def setup(spec: dict) -> dict:
    store_identity_set(**STORE_IDENTITY)
    if not spec.get("allow_negative_stock", True):  # a sale that would go below 0 is refused
        config_section_set(settings.ITPLUS_HOME, "inventory", {"allow_negative_stock": False})
    supervisor = make_user(role="supervisor", username="supervisora-carga")
    tills = []
    for i in range(1, spec["terminals"] + 1):
        terminal = make_terminal(code=f"caja-{i:02d}", open_session=False)
        session = cash_session_open(terminal=terminal, user=supervisor, opening_float_clp=20_000)
        cashier = make_user(role="cajero", username=f"cajero-{i:02d}")
        tills.append(
            {
                "code": terminal.code,
                "token": terminal.token,
                "username": cashier.username,
                "password": PASSWORD,
                "series": terminal.boleta_series.code,
                "session_id": session.pk,
            }
        )
    products = []
    for i, (price, stock) in enumerate(spec["products"], start=1):
        product = make_product(name=f"Producto de carga {i}", price_clp=price)
        stock_adjust(product=product, quantity=str(stock), reason="Stock inicial", user=supervisor)
        products.append(
            {
                "id": product.pk,
                "code": product.barcodes.first().code,
                "price_clp": price,
                "stock": stock,
            }
        )
    return {"tills": tills, "products": products}


def report() -> dict:
    series: dict[str, list[int]] = {}
    for code, number in Sale.objects.values_list("series__code", "number").order_by("number"):
        series.setdefault(code, []).append(number)
    stock = {
        str(row["product_id"]): str(row["quantity"])
        for row in Stock.objects.values("product_id", "quantity")
    }
    ledger = {
        str(row["product_id"]): str(row["total"] or Decimal(0))
        for row in StockMovement.objects.values("product_id").annotate(total=Sum("quantity"))
    }
    sold = {
        str(row["product_id"]): str(-(row["total"] or Decimal(0)))
        for row in StockMovement.objects.filter(kind="venta")
        .values("product_id")
        .annotate(total=Sum("quantity"))
    }
    sessions = {}
    for session in CashSession.objects.all():
        summary = cash_session_sales(session_id=session.pk)
        sessions[str(session.pk)] = {
            "tickets": summary.ticket_count,
            "sales_total_clp": summary.sales_total_clp,
            "by_method": {m.method: m.amount_clp for m in summary.by_method if m.count},
            "payments_clp": Payment.objects.filter(sale__cash_session=session).aggregate(
                total=Sum("amount_clp")
            )["total"]
            or 0,
        }
    audit = run_audit()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return {
        "version": version.split()[0],
        "series": series,
        "uuids": [str(u) for u in Sale.objects.values_list("client_uuid", flat=True)],
        "stock": stock,
        "ledger": ledger,
        "sold": sold,
        "sessions": sessions,
        "audit_ok": audit.ok,
        "audit_problems": [f"[{p.check}] {p.message}" for p in audit.problems],
    }


if __name__ == "__main__":
    command = sys.argv[1]
    result = setup(json.loads(sys.argv[2])) if command == "setup" else report()
    sys.stdout.write(json.dumps(result) + "\n")
