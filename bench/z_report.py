"""Z report benchmark: the X/Z figures of a cash session of 3,000 tickets.

``run(n_tickets=3000)`` works on the current database (Django set up by the caller):
it opens a session, sells ``n_tickets`` tickets through ``sale_complete`` (the real path:
numbering, hash chain, stock movements; a mix of cash, debit, credit, transfer and
splits, 1–5 lines each), then times ``cash_report_compute`` (the X report, the same
selector the close runs under the session lock) and the Z rebuilt from what it stored
and drawn for the printer, 50 times each, and the close itself once. Returns p50/p99 ms.

Standalone: ``.venv/bin/python bench/z_report.py [--tickets N] [--postgres]`` makes a
temporary ITPLUS_HOME (SQLite) or uses ``BENCH_POSTGRES_URL``'s database (dropped and
recreated, as bench/run.py does), migrates, runs and prints the result as JSON.
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
import uuid
from decimal import Decimal
from pathlib import Path

from itplus.store.config.home import home_prepare

BENCH_DIR = Path(__file__).resolve().parent
TARGET_MS = 100.0
REPEATS = 50


def run(n_tickets: int = 3000) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from itplus.store.accounts.services import staff_create
    from itplus.store.cash.models import CashSession
    from itplus.store.cash.printing import z_printout
    from itplus.store.cash.reports import cash_report_compute
    from itplus.store.cash.services import cash_session_close, cash_session_open
    from itplus.store.catalog.services import product_create
    from itplus.store.inventory.models import MovementKind
    from itplus.store.inventory.services import StockChange, stock_apply
    from itplus.store.printing.services import printout_bytes
    from itplus.store.sales.models import DocumentSeries
    from itplus.store.sales.services import LineInput, PaymentInput, SaleInput, sale_complete
    from itplus.store.terminals.services import terminal_create

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    series = DocumentSeries.objects.create(code="BZ", name="Boletas Z", kind="boleta")
    terminal, _token = terminal_create(code="caja-z", name="Caja Z", boleta_series=series)
    cashier = staff_create(username="cajero-z", password="bench-no-es-real", role="cajero")
    boss = staff_create(username="super-z", password="bench-no-es-real", role="supervisor")
    session = cash_session_open(terminal=terminal, user=boss, opening_float_clp=50_000)
    products = [
        product_create(name=f"Producto Z {i}", sku=f"Z-{i:04d}", price_clp=rng.randint(300, 9999))
        for i in range(200)
    ]

    # Enough stock first, so the bench does not depend on the negative-stock setting.
    stock_apply(
        changes=[StockChange(product=p, quantity=Decimal(n_tickets * 5)) for p in products],
        kind=MovementKind.RECEIPT,
        user=boss,
        reason="bench",
    )

    started = time.perf_counter()
    for _ in range(n_tickets):
        picked = rng.sample(products, rng.randint(1, 5))
        total = sum(p.price_clp for p in picked)
        kind = rng.random()
        if kind < 0.55:
            payments = [PaymentInput(method="efectivo", amount_clp=total + 1000)]
        elif kind < 0.75:
            payments = [PaymentInput(method="debito", amount_clp=total)]
        elif kind < 0.85:
            payments = [PaymentInput(method="credito", amount_clp=total)]
        elif kind < 0.92:
            payments = [PaymentInput(method="transferencia", amount_clp=total)]
        else:
            half = total // 2
            payments = [
                PaymentInput(method="debito", amount_clp=half),
                PaymentInput(method="efectivo", amount_clp=total),
            ]
        sale_complete(
            terminal=terminal,
            cashier=cashier,
            data=SaleInput(
                client_uuid=uuid.uuid4(),
                lines=[LineInput(product_id=p.pk) for p in picked],
                payments=payments,
            ),
        )
    load_seconds = time.perf_counter() - started

    def timed(fn) -> list[float]:
        for _ in range(5):
            fn()
        samples = []
        for _ in range(REPEATS):
            t0 = time.perf_counter_ns()
            fn()
            samples.append((time.perf_counter_ns() - t0) / 1e6)
        return sorted(samples)

    def stats(samples: list[float]) -> dict:
        p99 = samples[min(len(samples) - 1, max(0, round(0.99 * len(samples)) - 1))]
        return {"p50_ms": samples[len(samples) // 2], "p99_ms": p99, "n": len(samples)}

    session = CashSession.objects.select_related("terminal", "opened_by").get(pk=session.pk)
    x = stats(timed(lambda: cash_report_compute(session=session)))
    report = cash_report_compute(session=session)
    # The backup a real close starts after commit is not what is measured here.
    t0 = time.perf_counter()
    z = cash_session_close(session=session, user=boss, counts={"20000": 10}, run_hooks=False)
    close_ms = (time.perf_counter() - t0) * 1000
    z = (
        type(z)
        .objects.select_related("session__terminal", "session__opened_by", "closed_by")
        .get(pk=z.pk)
    )
    z_render = stats(timed(lambda: printout_bytes(z_printout(z_id=z.pk))))
    return {
        "vendor": connection.vendor,
        "tickets": report.ticket_count,
        "load_seconds": round(load_seconds, 1),
        "x_report": x,
        "z_render": z_render,
        "close_ms": round(close_ms, 2),
        "target_ms": TARGET_MS,
        "ok": x["p99_ms"] < TARGET_MS and z_render["p99_ms"] < TARGET_MS and close_ms < TARGET_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--postgres", action="store_true", help="BENCH_POSTGRES_URL")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH_DIR))
    from run import PG_URL, _pg_admin  # bench/run.py's PostgreSQL helpers

    home = Path(tempfile.mkdtemp(prefix="itplus-bench-z-"))
    home_prepare(home)
    os.environ["ITPLUS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "itplus.store.settings"
    os.environ.pop("DATABASE_URL", None)
    db_name = PG_URL.rsplit("/", 1)[1]
    if args.postgres:
        os.environ["DATABASE_URL"] = PG_URL
        _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{db_name}"')
    try:
        import django

        django.setup()
        result = run(n_tickets=args.tickets)
        print(json.dumps(result, indent=2))
        return 0 if result["ok"] else 1
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
        if args.postgres:
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
