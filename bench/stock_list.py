"""Stock list over 20,000 products: the back-office inventory queries, p50/p99.

Measures, 50 times each after 5 untimed warm-up calls, in three interleaved rounds
(median of each statistic, as ``make bench`` does), what the stock list page asks
the database (``inventory.selectors.stock_list`` paginated: the row count and the
50-row page, product + stock row + category in one query) for the first page, a name
search, a category filter and the low-stock filter, plus the low-stock list
(``low_stock_list``) and the whole page through Django's test Client. Target: p99
< 100 ms.

Standalone: ``.venv/bin/python bench/stock_list.py [--products N] [--postgres]``. It
makes its own temporary ITPLUS_HOME (and, with ``--postgres``, the database
``itplus_bench_stock`` on 127.0.0.1, dropped at the end), migrates, loads the products
and prints the table. ``run(n_products=20000) -> dict`` is for ``bench/run.py``: call
it in a process whose settings are already configured (as its child processes are).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from itplus.store.config.home import home_prepare

BENCH_DIR = Path(__file__).resolve().parent
ITERATIONS = 50
TARGET_MS = 100.0
PG_URL = os.environ.get(
    "BENCH_STOCK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/itplus_bench_stock"
)


def load(n_products: int) -> float:
    """Bulk-create products with a barcode, one of 20 categories, a stock row (a tenth
    of them with a reorder point, some below it, a few negative) and the receipt
    movement that explains each stock row, so the ledger stays consistent."""
    from catalog import bench_products
    from django.db import transaction
    from django.utils import timezone

    from itplus.store.accounts.services import staff_create
    from itplus.store.catalog.models import Barcode, Category, Product
    from itplus.store.catalog.services import product_search_text
    from itplus.store.inventory.models import MovementKind, Stock, StockMovement
    from itplus.store.inventory.services import default_warehouse

    started = time.perf_counter()
    rng = random.Random(20_000)
    user = staff_create(username="bodega", password="bench-no-es-real", role="supervisor")
    warehouse = default_warehouse()
    now = timezone.now()
    with transaction.atomic():
        categories = Category.objects.bulk_create(
            [Category(name=f"Categoría {i:02d}") for i in range(20)]
        )
        batch = []

        def flush() -> None:
            products = Product.objects.bulk_create([p for p, _code in batch])
            Barcode.objects.bulk_create(
                [
                    Barcode(product=p, code=code)
                    for p, (_x, code) in zip(products, batch, strict=True)
                ]
            )
            stocks, movements = [], []
            for p in products:
                quantity = Decimal(rng.randrange(-3, 120))
                point = Decimal(rng.randrange(5, 30)) if rng.random() < 0.1 else None
                stocks.append(
                    Stock(product=p, warehouse=warehouse, quantity=quantity, reorder_point=point)
                )
                if quantity:
                    movements.append(
                        StockMovement(
                            product=p,
                            warehouse=warehouse,
                            kind=MovementKind.RECEIPT if quantity > 0 else MovementKind.SALE,
                            quantity=quantity,
                            resulting_quantity=quantity,
                            user=user,
                            created_at=now,
                        )
                    )
            Stock.objects.bulk_create(stocks)
            StockMovement.objects.bulk_create(movements)
            batch.clear()

        for item in bench_products(n_products):
            product = Product(
                name=item.name,
                sku=item.sku,
                price_clp=item.price_clp,
                category=rng.choice(categories),
                search_text=product_search_text(name=item.name, sku=item.sku),
            )
            batch.append((product, item.barcode))
            if len(batch) == 5_000:
                flush()
        if batch:
            flush()
    return time.perf_counter() - started


def run(n_products: int = 20_000, iterations: int = ITERATIONS, rounds: int = 3) -> dict:
    """Migrate, load ``n_products`` and time the stock-list queries. Needs Django
    configured (ITPLUS_HOME, DJANGO_SETTINGS_MODULE, optionally DATABASE_URL)."""
    sys.path.insert(0, str(BENCH_DIR))
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from workload import median_of_rounds, quiet_heap, settle, summarise, timed

    from itplus.store.catalog.models import Category
    from itplus.store.config import store_identity_set
    from itplus.store.inventory.selectors import StockFilter, low_stock_list, stock_list
    from itplus.store.inventory.services import default_warehouse

    call_command("migrate", verbosity=0)
    # A store that is set up: the back office sends an unset one to its first-run page.
    store_identity_set(
        name="Bench",
        rut="76.354.721-3",
        giro="Venta al por menor",
        address="Av. Irarrázaval 2450",
        comuna="Ñuñoa",
    )
    load_seconds = load(n_products)
    settle()
    warehouse = default_warehouse()
    category_id = Category.objects.order_by("id").values_list("id", flat=True)[7]
    words = ["leche", "arroz", "coca", "detergente", "queso gauda", "pisco", "B0123", "jabon"]

    def page_of(filters: StockFilter) -> None:
        # What the view runs: the paginator's count and the page's rows (one query).
        page = Paginator(stock_list(filters=filters), 50).get_page(1)
        list(page.object_list)

    cases = {
        "first_page": lambda i: page_of(StockFilter(warehouse=warehouse)),
        "search": lambda i: page_of(StockFilter(warehouse=warehouse, search=words[i % len(words)])),
        "category": lambda i: page_of(StockFilter(warehouse=warehouse, category_id=category_id)),
        "low_filter": lambda i: page_of(StockFilter(warehouse=warehouse, only="bajo")),
        "low_stock_list": lambda i: [
            s.suggested_order_quantity
            for s in Paginator(low_stock_list(warehouse=warehouse), 50).get_page(1)
        ],
    }
    from itplus.store.accounts.services import staff_create

    client = Client()
    client.force_login(
        staff_create(username="jefe", password="bench-no-es-real", role="supervisor")
    )

    def page_view(i: int) -> None:
        response = client.get("/gestion/inventario/", {"q": words[i % len(words)]})
        assert response.status_code == 200, response.status_code

    cases["page_http"] = page_view

    # Three rounds, phases interleaved, each statistic's median over the rounds (as in
    # make bench): a burst of load from another process spoils one round, not the result.
    by_case: dict[str, list] = {}
    load_before = os.getloadavg()[0]
    for _round in range(rounds):
        for name, op in cases.items():
            quiet_heap()
            by_case.setdefault(name, []).append(summarise(name, timed(op, iterations, warmup=5)))
    results = [median_of_rounds(name, rs).__dict__ for name, rs in by_case.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SHOW server_version"
            if connection.vendor == "postgresql"
            else "SELECT sqlite_version()"
        )
        version = cursor.fetchone()[0]
    return {
        "vendor": connection.vendor,
        "version": version,
        "products": n_products,
        "load_seconds": load_seconds,
        "iterations": iterations,
        "rounds": rounds,
        "loadavg": [load_before, os.getloadavg()[0]],
        "target_ms": TARGET_MS,
        "results": results,
    }


LABELS = {
    "first_page": "Stock list, first page (count + 50 rows)",
    "search": "Stock list, search by name/SKU/barcode",
    "category": "Stock list, one category",
    "low_filter": "Stock list, filter «bajo el punto de reposición»",
    "low_stock_list": "Low-stock list with suggested order (first page)",
    "page_http": "Whole page `GET /gestion/inventario/?q=…` (test Client)",
}


def report(result: dict) -> bool:
    print(
        f"\n{result['vendor']} {result['version']} — {result['products']:,} productos "
        f"cargados en {result['load_seconds']:.1f} s; {result['iterations']} vueltas × "
        f"{result['rounds']} rondas (mediana); carga de la máquina "
        "{:.1f} → {:.1f}".format(*result["loadavg"])
    )
    ok = True
    for r in result["results"]:
        verdict = "PASS" if r["p99_ms"] < TARGET_MS else "FAIL"
        ok &= verdict == "PASS"
        print(
            f"  {LABELS[r['name']]:<58} p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
            f"  (< {TARGET_MS:g} ms {verdict}; p99 por ronda "
            + " / ".join(f"{v:.1f}" for v in r["p99_rounds"])
            + ")"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true", help="medir en PostgreSQL")
    parser.add_argument("--json", help="escribir el resultado en este archivo")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="itplus-bench-stock-"))
    home_prepare(home)
    os.environ["ITPLUS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "itplus.store.settings"
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(BENCH_DIR))
    # The make-bench harness's helper: runs SQL on the maintenance database of the
    # server at 127.0.0.1:5432 (where PG_URL points too).
    from run import _pg_admin

    db_name = PG_URL.rsplit("/", 1)[1]
    try:
        if args.postgres:
            os.environ["DATABASE_URL"] = PG_URL
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{db_name}"')
        result = run(n_products=args.products)
        if args.json:
            Path(args.json).write_text(json.dumps(result), encoding="utf-8")
        return 0 if report(result) else 1
    finally:
        if args.postgres:
            from django.db import connections

            connections.close_all()
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
