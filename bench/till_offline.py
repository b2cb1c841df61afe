"""Offline till: 100,000 products into the browser's IndexedDB, first load and reload.

A real server process (``itplus serve``, waitress) on a store with ``n_products``
products; Debian's Chromium (Playwright) opens the paired till as a logged-in cashier.

- **baseline** (same run, same page): only the download, in the till's page, of the
  whole catalogue as the till asks for it (``GET /api/v1/catalog/changes``, 5,000 per
  page, one after another, each parsed as JSON) — no IndexedDB.
- **first load**: a fresh browser profile opens ``/pos/``; time from the navigation's
  start until the till says the catalogue is stored (``data-catalog="ready"``:
  every page written to IndexedDB with its change number). Target: ≤ 5 s.
- **reload**: the same profile opens the till again; time until the stored catalogue
  is ready (it then asks only for what changed).

Each measured ``rounds`` times, the three interleaved; the medians are reported. The
products in IndexedDB are counted after the first load.

Standalone: ``.venv/bin/python bench/till_offline.py [--products N] [--postgres]``.
``run(n_products=100000) -> dict`` is for ``bench/run.py`` (a process whose settings are
already configured, as its child processes are).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from itplus.store.config.home import home_prepare

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TARGET_FIRST_S = 5.0
PAGE = 5000
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-no-es-real"
PG_URL = os.environ.get(
    "BENCH_OFFLINE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/itplus_bench_offline"
)
LABELS = {
    "baseline": "Baseline: the catalogue's JSON pages downloaded and parsed, no IndexedDB",
    "first_load": "First load: till opened → catalogue stored in IndexedDB",
    "reload": "Reload: till opened again → stored catalogue ready",
}

DOWNLOAD_JS = """async ([token, page]) => {
  const started = performance.now();
  let since = 0, rows = 0;
  for (;;) {
    const r = await fetch(`/api/v1/catalog/changes?since=${since}&limit=${page}`,
      {headers: {Authorization: `Bearer ${token}`, Accept: "application/json"}});
    const data = await r.json();
    rows += data.products.length;
    since = data.since;
    if (!data.more) break;
  }
  return {ms: performance.now() - started, rows};
}"""

COUNT_JS = """(name) => new Promise((resolve, reject) => {
  const open = indexedDB.open(name);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("catalog").objectStore("catalog").getAll();
    request.onsuccess = () => { open.result.close(); const ids = new Set(); for (const r of request.result) for (const p of r.rows) if (p.is_active) ids.add(p.id); else ids.delete(p.id); resolve(ids.size); };
    request.onerror = () => reject(request.error);
  };
})"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load(n_products: int) -> float:
    """Products with one EAN-13 each, bulk-created, then numbered by the catalogue's own
    change-number helper (as an import would)."""
    from catalog import bench_products
    from django.db import transaction

    from itplus.store.catalog.models import Barcode, Product
    from itplus.store.catalog.services import catalog_changes_record, product_search_text

    started = time.perf_counter()
    with transaction.atomic():
        batch: list[tuple[Product, str]] = []

        def flush() -> None:
            products = Product.objects.bulk_create([p for p, _code in batch])
            Barcode.objects.bulk_create(
                [
                    Barcode(product=p, code=code)
                    for p, (_x, code) in zip(products, batch, strict=True)
                ]
            )
            catalog_changes_record([p.pk for p in products])
            batch.clear()

        for item in bench_products(n_products):
            product = Product(
                name=item.name,
                sku=item.sku,
                price_clp=item.price_clp,
                search_text=product_search_text(name=item.name, sku=item.sku),
            )
            batch.append((product, item.barcode))
            if len(batch) == 5_000:
                flush()
        if batch:
            flush()
    return time.perf_counter() - started


def store(n_products: int) -> dict:
    """Migrate, load, and set up what the till needs: a cashier, a paired terminal with a
    boleta series and an open cash session."""
    from django.core import signing
    from django.core.management import call_command

    from itplus.store.accounts.services import staff_create
    from itplus.store.cash.services import cash_session_open
    from itplus.store.config import store_identity_set
    from itplus.store.sales.models import DocumentSeries
    from itplus.store.terminals.services import terminal_create
    from itplus.store.till.views import TERMINAL_COOKIE, TERMINAL_COOKIE_SALT

    call_command("migrate", verbosity=0)
    store_identity_set(
        name="Bench",
        rut="76.354.721-3",
        giro="Venta al por menor",
        address="Av. Irarrázaval 2450",
        comuna="Ñuñoa",
    )
    load_seconds = load(n_products)
    sys.path.insert(0, str(BENCH_DIR))
    from workload import settle

    settle()
    cashier = staff_create(username="cajera", password=PASSWORD, role="cajero")
    series = DocumentSeries.objects.create(code="B1", name="Boletas B1", kind="boleta")
    terminal, token = terminal_create(code="caja-1", name="Caja 1", boleta_series=series)
    cash_session_open(terminal=terminal, user=cashier, opening_float_clp=50_000)
    cookie = signing.get_cookie_signer(salt=TERMINAL_COOKIE + TERMINAL_COOKIE_SALT).sign(token)
    return {
        "load_seconds": load_seconds,
        "token": token,
        "cookie": cookie,
        "terminal": terminal.code,
    }


def serve(port: int, log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "itplus.store.cli", "serve", "--host", "127.0.0.1"]
            + ["--port", str(port), "--sin-respaldos"],
            env=os.environ.copy(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start:\n{log.read_text()}")


def run(n_products: int = 100_000, rounds: int = 3) -> dict:
    import django

    django.setup()
    from django.db import connection
    from playwright.sync_api import sync_playwright

    facts = store(n_products)
    with connection.cursor() as cursor:
        cursor.execute(
            "SHOW server_version"
            if connection.vendor == "postgresql"
            else "SELECT sqlite_version()"
        )
        version = cursor.fetchone()[0]
    connection.close()  # the server process has the database to itself

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logdir = Path(tempfile.mkdtemp(prefix="itplus-bench-offline-"))
    server = serve(port, logdir / "server.log")
    samples: dict[str, list[float]] = {"baseline": [], "first_load": [], "reload": []}
    counted = []
    load_before = os.getloadavg()[0]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )

            def profile():
                context = browser.new_context(base_url=base, locale="es-CL")
                context.set_default_timeout(120_000)
                context.add_cookies(
                    [{"name": "itplus_terminal", "value": facts["cookie"], "url": base}]
                )
                page = context.new_page()
                # Logged in on the pairing page: the till itself has not opened yet.
                page.goto("/login/?next=/pos/vincular/")
                page.get_by_label("Usuario").fill("cajera")
                page.get_by_label("Clave").fill(PASSWORD)
                page.get_by_role("button", name="Ingresar").click()
                page.wait_for_url("**/pos/vincular/")
                return context, page

            def ready_ms(page) -> float:
                page.locator('#till[data-catalog="ready"]').wait_for(state="attached")
                return float(page.locator("#till").get_attribute("data-catalog-ms"))

            for _round in range(rounds):
                context, page = profile()  # on the pairing page: no till syncing
                result = page.evaluate(DOWNLOAD_JS, [facts["token"], PAGE])
                assert result["rows"] >= n_products, result
                samples["baseline"].append(result["ms"])
                context.close()

                context, page = profile()
                page.goto("about:blank")
                page.goto("/pos/")
                samples["first_load"].append(ready_ms(page))
                counted.append(page.evaluate(COUNT_JS, f"itplus-pos-{facts['terminal']}"))
                page.goto("about:blank")
                page.goto("/pos/")
                samples["reload"].append(ready_ms(page))
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(logdir, ignore_errors=True)
    results = [
        {
            "name": name,
            "p50_ms": statistics.median(values),
            "p99_ms": max(values),
            "p99_rounds": values,
        }
        for name, values in samples.items()
    ]
    first_s = statistics.median(samples["first_load"]) / 1000
    return {
        "vendor": connection.vendor,
        "version": version,
        "products": n_products,
        "load_seconds": facts["load_seconds"],
        "rounds": rounds,
        "stored_products": counted,
        "loadavg": [load_before, os.getloadavg()[0]],
        "first_load_s": first_s,
        "first_load_vs_baseline": first_s * 1000 / statistics.median(samples["baseline"]),
        "target_first_load_s": TARGET_FIRST_S,
        "ok": first_s <= TARGET_FIRST_S and all(c == n_products for c in counted),
        "results": results,
    }


def report(result: dict) -> bool:
    print(
        f"\ntill_offline {result['vendor']} {result['version']} — {result['products']:,} "
        f"productos (carga {result['load_seconds']:.1f} s), {result['rounds']} rondas; "
        f"en IndexedDB: {result['stored_products']}; carga de la máquina "
        "{:.1f} → {:.1f}".format(*result["loadavg"])
    )
    for r in result["results"]:
        rounds = " / ".join(f"{v / 1000:.2f}" for v in r["p99_rounds"])
        print(f"  {LABELS[r['name']]:<76} mediana {r['p50_ms'] / 1000:6.2f} s  ({rounds})")
    verdict = "PASS" if result["ok"] else "FAIL"
    print(
        f"  primera carga {result['first_load_s']:.2f} s (≤ {TARGET_FIRST_S:g} s {verdict}), "
        f"×{result['first_load_vs_baseline']:.2f} la descarga sola"
    )
    return result["ok"]


def markdown(result: dict) -> list[str]:
    name = "SQLite" if result["vendor"] == "sqlite" else "PostgreSQL"
    out = [
        f"## Offline till: catalogue into the browser — {name} {result['version']}",
        "",
        f"`bench/till_offline.py`: {result['products']:,} products, a real `itplus serve` "
        "process and Debian's Chromium (Playwright), a fresh browser profile per first load. "
        "**Baseline** (same run, same page): the catalogue's JSON pages "
        f"(`GET /api/v1/catalog/changes`, {PAGE:,} per page) downloaded and parsed one after "
        "another, nothing stored. **First load**: from opening `/pos/` until the whole "
        "catalogue is in IndexedDB (target ≤ 5 s). **Reload**: opening the till again until "
        "the stored catalogue is ready (read into memory; then only changes are fetched). "
        f"Median of {result['rounds']} interleaved rounds; every round in brackets.",
        "",
        "| Step | median s | rounds (s) |",
        "|---|---:|---|",
    ]
    for r in result["results"]:
        rounds = " / ".join(f"{v / 1000:.2f}" for v in r["p99_rounds"])
        out.append(f"| {LABELS[r['name']]} | {r['p50_ms'] / 1000:.2f} | {rounds} |")
    out += [
        "",
        f"First load {result['first_load_s']:.2f} s: ×{result['first_load_vs_baseline']:.2f} "
        f"the download alone; ≤ {TARGET_FIRST_S:g} s: "
        f"{'PASS' if result['ok'] else 'FAIL'}. Products counted in IndexedDB after each "
        f"first load: {', '.join(f'{c:,}' for c in result['stored_products'])}. Machine load "
        "(1-minute load average, start → end): {:.1f} → {:.1f}.".format(*result["loadavg"]),
        "",
    ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="medir en PostgreSQL")
    parser.add_argument("--json", help="escribir el resultado en este archivo")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="itplus-bench-offline-home-"))
    home_prepare(home)
    os.environ["ITPLUS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "itplus.store.settings"
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(BENCH_DIR))
    from run import _pg_admin

    db_name = PG_URL.rsplit("/", 1)[1]
    try:
        if args.postgres:
            os.environ["DATABASE_URL"] = PG_URL
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{db_name}"')
        result = run(n_products=args.products, rounds=args.rounds)
        if args.json:
            Path(args.json).write_text(json.dumps(result), encoding="utf-8")
        return 0 if report(result) else 1
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if args.postgres:
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
