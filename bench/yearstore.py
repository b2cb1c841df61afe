"""A year of a busy shop, built in seconds but valid: the audit and ``backup verify`` pass.

The store itself (catalogue, staff, terminals, series, customers, configuration) and its
first days of sales are made by ``demo_load`` through the real services (``sale_complete``
and friends). The rest of the year is generated here in bulk — sales, lines, payments,
stock movements, in the cash session each terminal keeps open — computed exactly as
``sale_complete`` computes them (the same tax split, cash rounding, discounts prorated
over the lines, ``sale_chain_payload`` + ``chain_hash`` continuing each series' chain
from its head) and inserted with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL).
Each series' ``next_number``/``last_hash`` and each product's stock (= the sum of its
ledger, restocked every Monday) are updated at the end.

The caller has set up Django (settings, ITPLUS_HOME, DATABASE_URL) and migrated.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from itplus.core.integrity import chain_hash
from itplus.core.money import prorate, round_cash, split_document, split_taxes, tax_key
from itplus.store.cash.models import CashSession
from itplus.store.catalog.models import SaleUnit
from itplus.store.customers.models import Customer
from itplus.store.demo import services as demo
from itplus.store.inventory.models import MovementKind, Stock, StockMovement
from itplus.store.inventory.services import default_warehouse
from itplus.store.sales.models import (
    DocumentSeries,
    Payment,
    PaymentMethod,
    Sale,
    SaleLine,
)
from itplus.store.sales.services import sale_chain_payload
from itplus.store.terminals.models import Terminal

SANTIAGO = demo.SANTIAGO
DEMO_DAYS = 2  # made through the real services; the generated year continues their chains
FLUSH_EVERY = 10_000  # sales per batch insert
MILLI = Decimal("0.001")


class BulkTable:
    """Rows for one model's table, inserted in batches; the columns not given get the
    field's default (so a column added later by another feature does not break this)."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]):
        opts = model._meta
        by_name = {f.attname: f for f in opts.local_concrete_fields}
        given = [by_name[name] for name in fields]
        rest = [f for f in opts.local_concrete_fields if f.attname not in fields]
        constants = []
        for f in rest:
            if f.has_default():
                value = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                value = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = f.get_db_prep_save(timezone.now(), connection)
            else:
                raise RuntimeError(f"bench: no value for {opts.label}.{f.attname}")
            constants.append(value)
        self.table = opts.db_table
        self.columns = [f.column for f in given + rest]
        self.constants = tuple(constants)
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        rows = [r + self.constants for r in self.rows] if self.constants else self.rows
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        raw = connection.connection
        if connection.vendor == "sqlite":
            marks = ", ".join("?" * len(self.columns))
            raw.executemany(f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})", rows)
        else:
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        self.count += len(self.rows)
        self.rows.clear()


def _next_id(model: type[models.Model]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


class _Adapt:
    """Python values → what the database driver takes for a raw insert."""

    def __init__(self) -> None:
        self.lite = connection.vendor == "sqlite"

    def dt(self, value: datetime) -> Any:
        utc = value.astimezone(UTC)
        return str(utc.replace(tzinfo=None)) if self.lite else utc

    def uuid(self, value: uuid.UUID) -> Any:
        return value.hex if self.lite else value

    def dec(self, value: Decimal) -> Any:
        return str(value) if self.lite else value


def _ticket_times(rng: random.Random, day: date, scale: float) -> list[datetime]:
    base = demo.TICKETS_BY_WEEKDAY[day.weekday()] * scale
    count = round(base * rng.uniform(0.9, 1.1))
    hours = list(demo.TRAFFIC_BY_HOUR)
    cum = []
    acc = 0
    for w in demo.TRAFFIC_BY_HOUR.values():
        acc += w
        cum.append(acc)
    times = []
    for hour in rng.choices(hours, cum_weights=cum, k=count):
        lo = max(demo.OPEN_MINUTE, hour * 60) * 60
        hi = min(demo.CLOSE_MINUTE, hour * 60 + 60) * 60
        second = rng.randrange(lo, hi)
        times.append(
            datetime(
                day.year,
                day.month,
                day.day,
                second // 3600,
                second // 60 % 60,
                second % 60,
                rng.randrange(1_000_000),
                tzinfo=SANTIAGO,
            )
        )
    return sorted(times)


class _Taxes:
    """``split_taxes`` memoised: the same line totals come back all year."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, bool, str], Any] = {}

    def line(self, total: int, exempt: bool, ila: str):
        key = (total, exempt, ila)
        split = self.cache.get(key)
        if split is None:
            split = self.cache[key] = split_taxes(total, exempt=exempt, ila_code=ila)
        return split


def build_year(
    *, lines_target: int, seed: int = 2025, end: datetime | None = None, log=print
) -> dict[str, Any]:
    """Make a store with about ``lines_target`` sale lines over the year ending at
    ``end``. Returns row counts and timings."""
    started = time.perf_counter()
    end = end or timezone.now().replace(microsecond=0)
    first_day = timezone.localtime(end, SANTIAGO).date() - timedelta(days=364)
    demo_now = datetime(first_day.year, first_day.month, first_day.day, tzinfo=SANTIAGO) + (
        timedelta(days=DEMO_DAYS)
    )
    summary = demo.demo_load(days=DEMO_DAYS, seed=seed, now=demo_now)
    if summary is None:
        raise RuntimeError("bench: the database already has a store")
    demo_seconds = time.perf_counter() - started
    log(f"tienda demo y {summary.sales} ventas reales en {demo_seconds:.1f} s")

    lines_per_ticket = sum(k * w for k, w in demo.LINES_PER_TICKET.items()) / sum(
        demo.LINES_PER_TICKET.values()
    )
    days = 365 - DEMO_DAYS
    base_per_day = sum(demo.TICKETS_BY_WEEKDAY) / 7
    scale = lines_target / lines_per_ticket / days / base_per_day

    rng = random.Random(seed + 1)  # not the demo's stream: its sale UUIDs are taken
    with transaction.atomic():
        counts = _generate(
            rng=rng,
            first_day=first_day + timedelta(days=DEMO_DAYS),
            days=days,
            scale=scale,
            log=log,
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts["demo_sales"] = summary.sales
    counts["seconds"] = time.perf_counter() - started
    return counts


def _generate(
    *, rng: random.Random, first_day: date, days: int, scale: float, log
) -> dict[str, Any]:
    ad = _Adapt()
    taxes = _Taxes()
    users = {u.username: u for u in User.objects.all()}
    terminals = {t.code: t for t in Terminal.objects.order_by("code")}
    series = {s.code: s for s in DocumentSeries.objects.all()}
    heads = {code: [s.next_number, s.last_hash] for code, s in series.items()}
    warehouse = default_warehouse()
    picker_items = _picker_items()
    weights = [w for _item, w in picker_items]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    products = [item for item, _w in picker_items]
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    stock = dict(Stock.objects.filter(warehouse=warehouse).values_list("product_id", "quantity"))
    par = _par_levels(products, weights, scale)

    # The demo's cash sessions (one open per terminal, as ``demo_load`` leaves them)
    # hold the whole year: closing a session writes its Z report through the cash service.
    session_of = dict(
        CashSession.objects.filter(status=CashSession.Status.OPEN).values_list(
            "terminal__code", "pk"
        )
    )
    sales = BulkTable(
        Sale,
        [
            "id",
            "client_uuid",
            "request_fingerprint",
            "series_id",
            "number",
            "status",
            "issued_at",
            "terminal_id",
            "cashier_id",
            "cash_session_id",
            "customer_id",
            "gross_clp",
            "discount_clp",
            "ticket_discount_clp",
            "total_clp",
            "net_clp",
            "iva_clp",
            "ila_clp",
            "exempt_clp",
            "cash_rounding_clp",
            "change_clp",
            "ticket_discount_approval_id",
            "previous_hash",
            "chain_hash",
        ],
    )
    lines = BulkTable(
        SaleLine,
        [
            "id",
            "sale_id",
            "position",
            "product_id",
            "description",
            "scanned_code",
            "quantity",
            "unit_price_clp",
            "gross_clp",
            "discount_clp",
            "ticket_discount_clp",
            "total_clp",
            "net_clp",
            "iva_clp",
            "ila_clp",
            "exempt_clp",
            "ila_tax",
            "is_exempt",
            "is_voided",
            "approval_id",
        ],
    )
    payments = BulkTable(
        Payment,
        ["id", "sale_id", "method", "amount_clp", "tendered_clp", "change_clp", "reference"],
    )
    movements = BulkTable(
        StockMovement,
        [
            "id",
            "product_id",
            "warehouse_id",
            "kind",
            "quantity",
            "resulting_quantity",
            "user_id",
            "reason",
            "reference",
            "sale_line_id",
            "created_at",
        ],
    )
    tables = [sales, lines, payments, movements]
    ids = {
        "sale": _next_id(Sale),
        "line": _next_id(SaleLine),
        "payment": _next_id(Payment),
        "movement": _next_id(StockMovement),
    }
    admin = users["admin"]
    supervisor = users["supervisor"]
    cashiers = [users["cajero"], users["cajero2"], supervisor]
    qty_cache: dict[int, Decimal] = {}

    def qty(grams: int) -> Decimal:
        q = qty_cache.get(grams)
        if q is None:
            q = qty_cache[grams] = (Decimal(grams) / 1000).quantize(MILLI)
        return q

    def move(
        product_id: int,
        change: Decimal,
        user_id: int,
        kind: str,
        reason: str,
        reference: str,
        line_id: int | None,
        at: Any,
    ) -> None:
        on_hand = stock.get(product_id, Decimal(0)) + change
        stock[product_id] = on_hand
        movements.add(
            (
                ids["movement"],
                product_id,
                warehouse.pk,
                kind,
                ad.dec(change),
                ad.dec(on_hand),
                user_id,
                reason,
                reference,
                line_id,
                at,
            )
        )
        ids["movement"] += 1

    made = 0
    started = time.perf_counter()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() == 0:
            at = ad.dt(datetime(day.year, day.month, day.day, 8, 0, tzinfo=SANTIAGO))
            for product in products:
                missing = par[product.pk] - stock.get(product.pk, Decimal(0))
                if missing > 0:
                    move(
                        product.pk,
                        missing,
                        admin.pk,
                        MovementKind.RECEIPT,
                        "Reposición semanal",
                        "BENCH",
                        None,
                        at,
                    )
        for issued_at in _ticket_times(rng, day, scale):
            if issued_at.hour >= 12 and rng.random() < 0.45:
                terminal, cashier = terminals["caja-2"], supervisor
            else:
                terminal = terminals["caja-1"]
                cashier = cashiers[0] if issued_at.hour < 15 else cashiers[1]
            invoice = bool(customers) and rng.random() < 0.02
            code = "F1" if invoice else "B1"
            s = series[code]
            number, previous = heads[code]
            sale_id = ids["sale"]
            ids["sale"] += 1

            size = rng.choices(list(demo.LINES_PER_TICKET), list(demo.LINES_PER_TICKET.values()))[0]
            chosen: dict[int, Any] = {}
            while len(chosen) < size:
                for item in rng.choices(products, cum_weights=cum, k=size - len(chosen)):
                    chosen.setdefault(item.pk, item)
            picked = []  # [product, scanned, quantity, unit price, gross, discount]
            for product in chosen.values():
                if product.unit != SaleUnit.KILO:
                    n = (
                        1
                        if product.is_exempt
                        else rng.choices((1, 2, 3, 4, 6), (80, 13, 4, 2, 1))[0]
                    )
                    quantity = qty(n * 1000)
                    scanned = "" if rng.random() < 0.05 else product.barcode
                    picked.append(
                        [product, scanned, quantity, product.price_clp, product.price_clp * n, 0]
                    )
                else:
                    grams = rng.randrange(150, 2_500, 5)
                    gross = (product.price_clp * grams + 500) // 1000  # round half up
                    picked.append(
                        [product, product.barcode, qty(grams), product.price_clp, gross, 0]
                    )
            if rng.random() < 0.03:
                top = max(picked, key=lambda p: p[4])
                top[5] = top[4] * rng.choice((3, 5)) // 100 // 10 * 10
            after = [p[4] - p[5] for p in picked]
            subtotal = sum(after)
            ticket_discount = 0
            shares = [0] * len(picked)
            if rng.random() < 0.01 and subtotal >= 5_000:
                ticket_discount = subtotal * 5 // 100 // 10 * 10
                shares = prorate(ticket_discount, after)
            total = subtotal - ticket_discount

            line_ns = []
            key_totals = []
            for position, (p, share) in enumerate(zip(picked, shares, strict=True), start=1):
                product, scanned, quantity, unit_price, gross, discount = p
                line_total = gross - discount - share
                split = taxes.line(line_total, product.is_exempt, product.ila_tax)
                line_id = ids["line"]
                ids["line"] += 1
                lines.add(
                    (
                        line_id,
                        sale_id,
                        position,
                        product.pk,
                        product.name[:120],
                        scanned,
                        ad.dec(quantity),
                        unit_price,
                        gross,
                        discount,
                        share,
                        line_total,
                        split.net_clp,
                        split.iva_clp,
                        split.ila_clp,
                        split.exempt_clp,
                        product.ila_tax,
                        product.is_exempt,
                        False,
                        None,
                    )
                )
                line_ns.append(
                    SimpleNamespace(
                        position=position,
                        product_id=product.pk,
                        quantity=quantity,
                        unit_price_clp=unit_price,
                        discount_clp=discount,
                        ticket_discount_clp=share,
                        total_clp=line_total,
                        is_voided=False,
                    )
                )
                key_totals.append(
                    (tax_key(exempt=product.is_exempt, ila_code=product.ila_tax), line_total)
                )
                move(
                    product.pk,
                    -quantity,
                    cashier.pk,
                    MovementKind.SALE,
                    "",
                    f"{code}-{number}",
                    line_id,
                    ad.dt(issued_at),
                )
            doc = split_document(key_totals)

            pays, rounding, change = _payments(rng, total, invoice=invoice)
            for method, amount, tendered, given_change, reference in pays:
                payments.add(
                    (ids["payment"], sale_id, method, amount, tendered, given_change, reference)
                )
                ids["payment"] += 1
            customer_id = rng.choice(customers) if invoice else None
            sale = SimpleNamespace(
                series=s,
                number=number,
                issued_at=issued_at,
                terminal_id=terminal.pk,
                cashier_id=cashier.pk,
                customer_id=customer_id,
                gross_clp=sum(p[4] for p in picked),
                discount_clp=sum(p[5] for p in picked) + ticket_discount,
                ticket_discount_clp=ticket_discount,
                total_clp=total,
                net_clp=doc.net_clp,
                iva_clp=doc.iva_clp,
                ila_clp=doc.ila_clp,
                exempt_clp=doc.exempt_clp,
                cash_rounding_clp=rounding,
            )
            digest = chain_hash(
                previous, sale_chain_payload(sale, line_ns, [(m, a) for m, a, *_ in pays])
            )
            client_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
            sales.add(
                (
                    sale_id,
                    ad.uuid(client_uuid),
                    hashlib.sha256(client_uuid.bytes).hexdigest(),
                    s.pk,
                    number,
                    Sale.Status.COMPLETED,
                    ad.dt(issued_at),
                    terminal.pk,
                    cashier.pk,
                    session_of[terminal.code],
                    customer_id,
                    sale.gross_clp,
                    sale.discount_clp,
                    ticket_discount,
                    total,
                    doc.net_clp,
                    doc.iva_clp,
                    doc.ila_clp,
                    doc.exempt_clp,
                    rounding,
                    change,
                    None,
                    previous,
                    digest,
                )
            )
            heads[code] = [number + 1, digest]
            made += 1
            if made % FLUSH_EVERY == 0:
                for table in tables:
                    table.flush()
        if offset % 60 == 59:
            log(
                f"día {offset + 1} de {days}: {made:,} ventas".replace(",", ".")
                + f" ({time.perf_counter() - started:.0f} s)"
            )
    for table in tables:
        table.flush()

    for code, (next_number, last_hash) in heads.items():
        DocumentSeries.objects.filter(code=code).update(
            next_number=next_number, last_hash=last_hash
        )
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE inventory_stock SET quantity = %s WHERE product_id = %s AND warehouse_id = %s",
            [(ad.dec(q), pid, warehouse.pk) for pid, q in stock.items()],
        )
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Sale, SaleLine, Payment, StockMovement]
            ):
                cursor.execute(sql)
    return {
        "sales": sales.count,
        "sale_lines": lines.count,
        "payments": payments.count,
        "stock_movements": movements.count,
        "products": len(products),
    }


def _picker_items() -> list[tuple[Any, float]]:
    """The demo catalogue with its barcodes and the demo's popularity weights."""
    from itplus.store.catalog.models import Barcode, Product
    from itplus.store.demo import data

    by_name = {}
    barcodes = dict(Barcode.objects.values_list("product_id", "code").order_by("-pk"))
    for product in Product.objects.all():
        product.barcode = barcodes.get(product.pk, "")
        by_name[product.name] = product
    result = []
    for spec in data.CATEGORIES:
        group = [by_name[p.name] for p in spec.products if p.name in by_name]
        for index, product in enumerate(group):
            result.append((product, spec.popularity * 100 / len(group) / (1 + index * 0.12)))
    return result


def _par_levels(products: list[Any], weights: list[float], scale: float) -> dict[int, Decimal]:
    lines_per_day = sum(demo.TICKETS_BY_WEEKDAY) / 7 * 4.2 * scale
    total = sum(weights)
    return {
        p.pk: Decimal(max(6, round(10 * lines_per_day * w / total * 1.4)))
        for p, w in zip(products, weights, strict=True)
    }


def _payments(
    rng: random.Random, total: int, *, invoice: bool
) -> tuple[list[tuple[str, int, int, int, str]], int, int]:
    """Payment rows (method, amount, tendered, change, reference), cash rounding and
    change, as ``sale_complete`` settles them (electronic first, then the rounded cash)."""

    def reference(method: str) -> str:
        if method == PaymentMethod.TRANSFER:
            return f"TRF-{rng.randrange(10**8):08d}"
        return f"AUT-{rng.randrange(10**6):06d}"

    if invoice:
        method = rng.choice((PaymentMethod.TRANSFER, PaymentMethod.DEBIT))
        return [(method, total, 0, 0, reference(method))], 0, 0
    roll = rng.random()
    electronic: list[tuple[str, int, int, int, str]] = []
    if roll < 0.46:
        card = 0
    elif roll < 0.94 or total < 3_000:
        method = rng.choices(
            (PaymentMethod.DEBIT, PaymentMethod.CREDIT, PaymentMethod.TRANSFER), (70, 20, 10)
        )[0]
        return [(method, total, 0, 0, reference(method))], 0, 0
    else:
        card = total // 2_000 * 1_000
        electronic.append((PaymentMethod.DEBIT, card, 0, 0, reference(PaymentMethod.DEBIT)))
    cash_exact = total - card
    due = round_cash(cash_exact)
    if due == 0:
        return electronic, -cash_exact, 0
    tendered = demo._tendered(rng, due)
    change = tendered - due
    return electronic + [(PaymentMethod.CASH, due, tendered, change, "")], due - cash_exact, change


def table_rows(models_: Iterable[type[models.Model]]) -> dict[str, int]:
    return {m._meta.db_table: m.objects.count() for m in models_}
