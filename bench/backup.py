"""Backup benchmark: create, verify and reinstall a store with a year of a busy shop.

One database per process (``bench/run.py`` sets ITPLUS_HOME, DJANGO_SETTINGS_MODULE and,
for PostgreSQL, DATABASE_URL before importing this module). The store is built by
``yearstore.build_year`` (valid hash chains: the audit passes). Then, in the same run:

- baseline: the raw database compressed with the archive's own zstd settings — SQLite:
  the quiesced database file read and compressed; PostgreSQL: ``pg_dump -Fc
  --compress=0`` streamed through the compressor — written to a file and fsynced;
- ``backup create`` (the service ``backup_create``, what the command runs), interleaved
  with the baseline over a few rounds, medians reported;
- ``backup verify`` of the archive (checksums, restore into a scratch database, digest,
  audit);
- ``itplus reinstall --from FILE --key KEY`` in a new process, into an empty ITPLUS_HOME and
  an empty database (PostgreSQL: the bench database dropped and created again); it must
  print IDÉNTICO.

Standalone (SQLite only, temporary home): ``.venv/bin/python bench/backup.py [--lines N]``.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from itplus.store.config.home import home_prepare

if __name__ == "__main__":  # standalone: a temporary home, SQLite
    _home = Path(tempfile.mkdtemp(prefix="itplus-bench-backup-"))
    os.environ["ITPLUS_HOME"] = str(_home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itplus.store.settings")
    os.environ.pop("DATABASE_URL", None)
    home_prepare(_home)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from itplus.store.cash.models import CashSession  # noqa: E402
from itplus.store.catalog.models import Barcode, SaleUnit  # noqa: E402
from itplus.store.inventory.models import Stock  # noqa: E402
from itplus.store.maintenance import archive, dbcopy, keys  # noqa: E402
from itplus.store.maintenance.backup import backup_create  # noqa: E402
from itplus.store.maintenance.verify import backup_verify  # noqa: E402
from itplus.store.sales.services import (  # noqa: E402
    LineInput,
    PaymentInput,
    SaleInput,
    sale_complete,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import yearstore  # noqa: E402

SEED_REINSTALL_MINUTES = 90  # the issue: a technician's reinstall today
TARGET_CREATE_RATIO = 2.0
SALES_PER_DAY = 520  # a year of the bench store / 365
TARGET_REINSTALL_S = {"sqlite": 30.0, "postgresql": 60.0}


def log(message: str) -> None:
    print(f"  [respaldo {connection.vendor}] {message}", file=sys.stderr, flush=True)


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def database_bytes() -> int:
    if connection.vendor == "sqlite":
        return dbcopy.sqlite_path("default").stat().st_size
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def baseline(out: Path) -> tuple[float, int]:
    """Raw copy + the archive's compression into ``out``, fsynced: (seconds, bytes)."""
    started = time.perf_counter()
    cctx = archive.compressor()
    if connection.vendor == "sqlite":
        with dbcopy.sqlite_path("default").open("rb") as src, out.open("wb") as dst:
            cctx.copy_stream(src, dst, read_size=archive.CHUNK_SIZE, write_size=archive.CHUNK_SIZE)
    else:
        tool, _version = dbcopy.pg_tool("pg_dump", min_major=connection.pg_version // 10000)
        args, env = dbcopy._tool_args(connection.settings_dict, connection.settings_dict["NAME"])
        process = subprocess.Popen(
            [tool, "--format=custom", "--compress=0", *args], stdout=subprocess.PIPE, env=env
        )
        with out.open("wb") as dst:
            cctx.copy_stream(
                process.stdout, dst, read_size=archive.CHUNK_SIZE, write_size=archive.CHUNK_SIZE
            )
        if process.wait() != 0:
            raise RuntimeError("pg_dump failed")
    _fsync(out)
    return time.perf_counter() - started, out.stat().st_size


def trading_day(rng: random.Random, sales: int) -> float:
    """A day at the till between two backups: ``sales`` tickets of 1–6 items paid in cash,
    through ``sale_complete`` (numbers, chain, stock, cash session), as the tills would."""
    started = time.perf_counter()
    # Products with plenty of stock (a small --quick store has few: then the best stocked).
    in_stock = set(Stock.objects.filter(quantity__gte=50).values_list("product_id", flat=True))
    if len(in_stock) < 50:
        in_stock = set(
            Stock.objects.order_by("-quantity").values_list("product_id", flat=True)[:200]
        )
    codes = list(
        Barcode.objects.filter(product_id__in=in_stock)
        .exclude(product__unit=SaleUnit.KILO)
        .values_list("code", flat=True)
    )
    tills = [
        (s.terminal, s.opened_by)
        for s in CashSession.objects.filter(status=CashSession.Status.OPEN).select_related(
            "terminal", "opened_by"
        )
    ]
    for _n in range(sales):
        terminal, cashier = rng.choice(tills)
        lines = [
            LineInput(code=code, quantity=Decimal(1))
            for code in rng.sample(codes, rng.randint(1, 6))
        ]
        data = SaleInput(
            client_uuid=uuid.UUID(int=rng.getrandbits(128)),
            lines=lines,
            payments=[PaymentInput(method="efectivo", amount_clp=1_000_000)],
        )
        sale_complete(terminal=terminal, cashier=cashier, data=data)
    return time.perf_counter() - started


def reinstall(archive_path: Path, key: bytes) -> dict[str, Any]:
    """``itplus reinstall`` in a new process, empty home, empty database."""
    home = Path(tempfile.mkdtemp(prefix="itplus-bench-reinstalar-"))
    settings_dict = dict(connection.settings_dict)
    connections.close_all()
    if settings_dict["ENGINE"].endswith("postgresql"):
        # The wiped server: the store's database exists again, empty.
        dbcopy.pg_drop_database(settings_dict, settings_dict["NAME"])
        dbcopy.pg_create_database(settings_dict, settings_dict["NAME"])
    env = {**os.environ, "ITPLUS_HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "itplus.store.cli",
        "reinstall",
        "--from",
        str(archive_path),
        "--key",
        key.hex(),
    ]
    try:
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        identical = done.returncode == 0 and "IDÉNTICO" in done.stdout.splitlines()
        if not identical:
            print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        inner = next(
            (ln for ln in done.stdout.splitlines() if ln.startswith("Reinstalación completa")),
            "",
        )
        return {
            "seconds": seconds,
            "identical": identical,
            "exit": done.returncode,
            "reported": inner,
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(*, lines: int, rounds: int = 3) -> dict[str, Any]:
    log("migrando…")
    call_command("migrate", verbosity=0)
    log(f"construyendo un año de ventas (~{lines:,} líneas)…".replace(",", "."))
    store = yearstore.build_year(lines_target=lines, log=log)
    log(
        f"{store['sales']:,} ventas; {store['sale_lines']:,} líneas; "
        f"{store['stock_movements']:,} movimientos".replace(",", ".")
        + f" en {store['seconds']:.1f} s"
    )
    db_bytes = database_bytes()
    home = Path(settings.ITPLUS_HOME)
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=home))
    out = work / "respaldos"
    out.mkdir()

    # The first backup of an install has no digests of a previous one: it reads every
    # row. Every later backup (after each cash-session close, daily) only reads the blocks
    # changed since — here, after a day of trading through the real services.
    log("primer respaldo (sin resúmenes previos): copia + compresión, backup create…")
    raw = work / "base.zst"
    first_base = baseline(raw)
    raw.unlink()
    first = backup_create(to=out)
    first.path.unlink()

    rng = random.Random(7)
    base_runs: list[tuple[float, int]] = []
    create_runs = []
    day_seconds = []
    last = None
    for round_number in range(1, rounds + 1):
        log(f"ronda {round_number} de {rounds}: un día de ventas ({SALES_PER_DAY})…")
        day_seconds.append(trading_day(rng, SALES_PER_DAY))
        log(f"ronda {round_number} de {rounds}: copia + compresión, backup create…")
        base_runs.append(baseline(raw))
        raw.unlink()
        if last is not None:
            last.path.unlink()
        last = backup_create(to=out)
        create_runs.append(last)
    base_s = statistics.median(s for s, _n in base_runs)
    create_s = statistics.median(r.seconds for r in create_runs)

    log("backup verify…")
    verified = backup_verify(path=last.path, record=False)
    if not verified.ok:
        log("verificación FALLÓ: " + " | ".join(verified.problems[:5]))

    key = keys.load_backup_key(home)
    log("reinstalar en una carpeta y base vacías…")
    again = reinstall(last.path, key)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    connection.close()
    shutil.rmtree(work, ignore_errors=True)
    vendor = connection.vendor
    return {
        "vendor": vendor,
        "version": version,
        "store": store,
        "database_bytes": db_bytes,
        "rounds": rounds,
        "baseline": {
            "seconds": base_s,
            "bytes": statistics.median(n for _s, n in base_runs),
            "rounds": [s for s, _n in base_runs],
        },
        "create": {
            "seconds": create_s,
            "bytes": last.size,
            "rounds": [r.seconds for r in create_runs],
            "ratio": create_s / base_s,
            "digested_rows": [r.digested_rows for r in create_runs],
        },
        "first_create": {
            "seconds": first.seconds,
            "baseline_seconds": first_base[0],
            "ratio": first.seconds / first_base[0],
            "digested_rows": first.digested_rows,
        },
        "trading_day": {"sales": SALES_PER_DAY, "seconds": day_seconds},
        "verify": {
            "seconds": verified.seconds,
            "ok": verified.ok,
            "problems": verified.problems[:5],
            "audit": (verified.audit or {}).get("checked", {}),
        },
        "reinstall": again,
        "targets": {
            "create_ratio": TARGET_CREATE_RATIO,
            "reinstall_s": TARGET_REINSTALL_S[vendor],
            "seed_minutes": SEED_REINSTALL_MINUTES,
        },
        "loadavg": os.getloadavg()[0],
    }


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=800_000)
    parser.add_argument("--rounds", type=int, default=3)
    cli = parser.parse_args()
    try:
        print(json.dumps(run(lines=cli.lines, rounds=cli.rounds), indent=1, default=str))
    finally:
        shutil.rmtree(_home, ignore_errors=True)
