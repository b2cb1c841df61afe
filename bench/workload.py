"""One benchmark run on one database, in its own process (settings are read once).

The caller sets ITPLUS_HOME, DJANGO_SETTINGS_MODULE and, for PostgreSQL, DATABASE_URL
before importing this module. Every timed operation goes through the full request stack:
Django's test Client (URL routing, middleware, session, the terminal's token, ninja's
parsing and serialisation) and, optionally, real HTTP to waitress.
"""

from __future__ import annotations

import gc
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import quote

import django

django.setup()

from catalog import bench_products  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from itplus.core.money import round_cash  # noqa: E402
from itplus.store.accounts.services import staff_create  # noqa: E402
from itplus.store.cash.services import cash_session_open  # noqa: E402
from itplus.store.catalog.models import Barcode, Category, Product  # noqa: E402
from itplus.store.catalog.services import product_search_text  # noqa: E402
from itplus.store.inventory.models import Stock  # noqa: E402
from itplus.store.inventory.services import default_warehouse  # noqa: E402
from itplus.store.maintenance import changelog, digest  # noqa: E402
from itplus.store.sales.models import DocumentSeries  # noqa: E402
from itplus.store.terminals.services import terminal_create  # noqa: E402

TOKEN = "bench-caja-1"
# What a cashier types, one keystroke at a time, before picking the product.
TYPED = [
    "leche colun",
    "arroz tucapel",
    "coca cola",
    "aceite belmont",
    "queso gauda",
    "pisco alto",
    "galletas triton",
    "detergente omo",
    "cerveza escudo",
    "pan molde",
    "yoghurt soprole frutilla",
    "papel higienico",
    "platano",
    "vino casillero",
]


@dataclass
class Result:
    name: str
    n: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    p99_rounds: list[float] = field(default_factory=list)


def summarise(name: str, samples_ns: list[int]) -> Result:
    ms = sorted(s / 1e6 for s in samples_ns)
    p99_index = min(len(ms) - 1, max(0, round(0.99 * len(ms)) - 1))
    return Result(
        name=name,
        n=len(ms),
        mean_ms=statistics.fmean(ms),
        p50_ms=statistics.median(ms),
        p99_ms=ms[p99_index],
        max_ms=ms[-1],
    )


def median_of_rounds(name: str, rounds: list[Result]) -> Result:
    """Each statistic's median over the rounds: a burst of load from another process
    spoils one round, not the result. Every round's p99 is kept to show the spread."""
    return Result(
        name=name,
        n=rounds[0].n,
        mean_ms=statistics.median(r.mean_ms for r in rounds),
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        max_ms=max(r.max_ms for r in rounds),
        p99_rounds=[r.p99_ms for r in rounds],
    )


def timed(fn: Callable[[int], None], n: int, *, warmup: int = 20) -> list[int]:
    """Call ``fn(0..warmup+n-1)``; the first ``warmup`` calls are not timed."""
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(warmup, warmup + n):
        start = time.perf_counter_ns()
        fn(i)
        samples.append(time.perf_counter_ns() - start)
    return samples


def log(message: str) -> None:
    print(f"  [{connection.vendor}] {message}", file=sys.stderr, flush=True)


def load_catalog(count: int) -> tuple[list[str], dict[str, int], float]:
    """Bulk-insert ``count`` products with one EAN-13 each; returns (codes, prices, s)."""
    started = time.perf_counter()
    category = Category.objects.create(name="Supermercado")
    codes: list[str] = []
    prices: dict[str, int] = {}
    batch: list[tuple[Product, str]] = []

    warehouse = default_warehouse()

    def flush() -> None:
        products = Product.objects.bulk_create([p for p, _code in batch])
        Barcode.objects.bulk_create(
            [
                Barcode(product=p, code=code)
                for p, code in zip(products, [c for _p, c in batch], strict=True)
            ]
        )
        # A store's products have stock rows; sales then update them, as in production.
        Stock.objects.bulk_create(
            [Stock(product=p, warehouse=warehouse, quantity=1_000) for p in products]
        )
        batch.clear()

    with transaction.atomic():
        for item in bench_products(count):
            product = Product(
                name=item.name,
                sku=item.sku,
                price_clp=item.price_clp,
                category=category,
                search_text=product_search_text(name=item.name, sku=item.sku),
            )
            batch.append((product, item.barcode))
            codes.append(item.barcode)
            prices[item.barcode] = item.price_clp
            if len(batch) == 5_000:
                flush()
        if batch:
            flush()
    return codes, prices, time.perf_counter() - started


def settle() -> None:
    """Bring the database to the steady state of a store that loaded its catalogue long
    ago, so the first timed requests do not pay for the bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum would do within minutes of a 100,000-row insert.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            # Move the bulk load out of the WAL (a later commit would checkpoint it).
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def quiet_heap() -> None:
    """Freeze what the harness holds (codes, payloads) and the garbage the test Client
    leaves per request (its signal reconnections), so the garbage collector's full
    passes measure the server's heap, not the harness's."""
    gc.collect()
    gc.freeze()


def baseline_setup() -> Callable[[int], None]:
    """A bare single-row insert + select by primary key in its own transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TABLE bench_baseline (id BIGSERIAL PRIMARY KEY, note VARCHAR(40) NOT NULL)"
            )
        else:
            cursor.execute(
                "CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "note VARCHAR(40) NOT NULL)"
            )

    def op(i: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "INSERT INTO bench_baseline (note) VALUES (%s) RETURNING id", [f"row {i}"]
                )
                row_id = cursor.fetchone()[0]
            else:
                cursor.execute("INSERT INTO bench_baseline (note) VALUES (%s)", [f"row {i}"])
                row_id = cursor.lastrowid
            cursor.execute("SELECT id, note FROM bench_baseline WHERE id = %s", [row_id])
            assert cursor.fetchone() is not None

    return op


def _expect(status: int, expected: int) -> None:
    assert status == expected, status


def search_queries(n: int, rng: random.Random) -> list[str]:
    queries: list[str] = []
    while len(queries) < n:
        for text in rng.sample(TYPED, len(TYPED)):
            queries.extend(text[:k] for k in range(1, len(text) + 1) if not text[:k].endswith(" "))
        # A code typed by hand: a barcode's first digits.
        code = f"780{rng.randrange(100_000):09d}"
        queries.extend(code[:k] for k in range(4, 11))
    return queries[:n]


def sale_payload(rng: random.Random, codes: list[str], prices: dict[str, int]) -> dict:
    picked = rng.sample(codes, 5)
    due = round_cash(sum(prices[c] for c in picked))
    tendered = -(-due // 10_000) * 10_000  # the bill that covers it
    return {
        "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "lines": [{"code": c, "quantity": "1"} for c in picked],
        "payments": [{"method": "efectivo", "amount_clp": tendered}],
    }


class HttpClient:
    """Real HTTP/1.1 with keep-alive to a waitress server in this process."""

    def __init__(self, port: int, session_cookie: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {TOKEN}", "Cookie": session_cookie}

    def request(self, method: str, path: str, body: dict | None = None) -> int:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        response.read()
        return response.status


def start_waitress():
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server


def run(
    *, products: int, lookups: int, searches: int, sales: int, http: bool, rounds: int = 3
) -> dict:
    rng = random.Random(2025)
    log("migrando…")
    call_command("migrate", verbosity=0)
    series = DocumentSeries.objects.create(code="B1", name="Boletas B1", kind="boleta")
    terminal, _token = terminal_create(
        code="caja-1", name="Caja 1", token=TOKEN, boleta_series=series
    )
    cashier = staff_create(username="cajero", password="bench-no-es-real", role="cajero")
    cash_session_open(terminal=terminal, user=cashier, opening_float_clp=50_000)

    log(f"cargando {products:,} productos…".replace(",", "."))
    codes, prices, load_seconds = load_catalog(products)
    # A store that has made its first backup has the change-log triggers (one more INSERT
    # per updated stock row in every sale): measure the till with them.
    changelog.ensure_change_triggers(digest.keyed_tables(), using="default")
    settle()

    client = Client()
    client.force_login(cashier)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    queries = search_queries(searches + 20, rng)
    search_times: dict[str, list[float]] = {}

    # Each phase: (name, iterations, prepare) where prepare() makes the round's data
    # (fresh codes and sale UUIDs) and returns the operation to time.
    def prepare_baseline():
        return baseline_op

    def prepare_lookup():
        picked = [rng.choice(codes) for _ in range(lookups + 20)]

        def op(i: int) -> None:
            response = client.get("/api/v1/products/lookup", {"code": picked[i]})
            assert response.status_code == 200, response.content

        return op

    def prepare_search():
        def op(i: int) -> None:
            start = time.perf_counter_ns()
            response = client.get("/api/v1/products/search", {"q": queries[i]})
            assert response.status_code == 200, response.content
            search_times.setdefault(queries[i], []).append((time.perf_counter_ns() - start) / 1e6)

        return op

    def prepare_sale():
        payloads = [sale_payload(rng, codes, prices) for _ in range(sales + 20)]

        def op(i: int) -> None:
            response = client.post("/api/v1/sales", payloads[i], content_type="application/json")
            assert response.status_code == 201, response.content

        return op

    baseline_op = baseline_setup()
    phases = [
        ("baseline", max(lookups, 1_000), prepare_baseline),
        ("lookup", lookups, prepare_lookup),
        ("search", searches, prepare_search),
        ("sale", sales, prepare_sale),
    ]
    if http:
        server = start_waitress()
        cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
        web = HttpClient(server.effective_port, cookie)

        def prepare_http_lookup():
            picked = [rng.choice(codes) for _ in range(lookups // 2 + 20)]
            return lambda i: _expect(
                web.request("GET", f"/api/v1/products/lookup?code={picked[i]}"), 200
            )

        def prepare_http_search():
            return lambda i: _expect(
                web.request("GET", f"/api/v1/products/search?q={quote(queries[i])}"), 200
            )

        def prepare_http_sale():
            payloads = [sale_payload(rng, codes, prices) for _ in range(sales // 2 + 20)]
            return lambda i: _expect(web.request("POST", "/api/v1/sales", payloads[i]), 201)

        phases += [
            ("http_lookup", lookups // 2, prepare_http_lookup),
            ("http_search", searches // 2, prepare_http_search),
            ("http_sale", sales // 2, prepare_http_sale),
        ]

    load_before = os.getloadavg()[0]
    by_phase: dict[str, list[Result]] = {}
    for round_number in range(1, rounds + 1):
        log(f"ronda {round_number} de {rounds}…")
        for name, n, prepare in phases:
            op = prepare()
            quiet_heap()
            by_phase.setdefault(name, []).append(summarise(name, timed(op, n)))
    results = [median_of_rounds(name, rs) for name, rs in by_phase.items()]
    slowest = sorted(
        ((q, statistics.median(ts)) for q, ts in search_times.items()),
        key=lambda kv: kv[1],
        reverse=True,
    )[:5]
    if http:
        web.conn.close()  # the server thread is a daemon: it ends with this process

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
    connection.close()
    return {
        "vendor": connection.vendor,
        "version": version,
        "products": products,
        "load_seconds": load_seconds,
        "results": [asdict(r) for r in results],
        "slowest_searches": slowest,
        # Other processes on the machine show up in p99: record how busy it was.
        "loadavg": [load_before, os.getloadavg()[0]],
        "rounds": rounds,
    }
