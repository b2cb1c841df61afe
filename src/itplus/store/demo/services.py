"""``demo_load``: a realistic minimarket made through the same services the till and the
back office use.

Everything goes through the real write paths — ``staff_create``, ``terminal_create``,
``product_create`` (which validates every EAN check digit), ``customer_create``,
``supplier_create``, purchase orders and goods receipts, ``cash_session_open`` /
``cash_session_close``, ``sale_complete``, returns and voids, counts and adjustments —
so reports, audits, hash chains and backups of the demo store are exactly what a real
shop would produce. The history is generated from a seeded ``random.Random``: the same
seed and the same present give the same catalogue, deliveries, baskets and payments.

Written as models, because no service exists for them: document series, categories and
the second warehouse (their admin pages save the model). Moved back in time after
their service, which stamps the present: see ``shop.backdate``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from itplus.store.accounts.services import staff_create
from itplus.store.cash.models import CashSession, ZReport
from itplus.store.catalog.models import Category, Product, SaleUnit
from itplus.store.catalog.services import product_create
from itplus.store.config import store_identity_set
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import customer_create
from itplus.store.demo import data
from itplus.store.demo.history import (  # noqa: F401 — also read by bench/yearstore.py
    CLOSE_MINUTE,
    LINES_PER_TICKET,
    OPEN_MINUTE,
    TRAFFIC_BY_HOUR,
    SalesHistory,
    _tendered,
)
from itplus.store.demo.shop import (
    KG_PER_PRICE_LABEL,
    SANTIAGO,
    TICKETS_BY_WEEKDAY,
    UNITS_PER_LINE,
    Item,
    Shop,
)
from itplus.store.demo.stockroom import reorder_points_set, stockroom_today
from itplus.store.inventory.services import default_warehouse
from itplus.store.purchases.models import GoodsReceipt, PurchaseOrder, Supplier
from itplus.store.purchases.services import supplier_create
from itplus.store.sales.models import CreditNote, DocumentSeries, Sale
from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import terminal_create

DEFAULT_SEED = 20_250_901


@dataclass(frozen=True)
class DemoSummary:
    products: int
    categories: int
    sales: int
    sales_total_clp: int
    first_sale: datetime | None
    last_sale: datetime | None
    z_reports: int
    open_sessions: int
    credit_notes: int
    customers_on_credit: int
    account_payments: int
    purchase_orders: int
    goods_receipts: int
    seconds: float


def demo_load(
    *, days: int = 30, seed: int = DEFAULT_SEED, now: datetime | None = None
) -> DemoSummary | None:
    """Create the demo store, or nothing when the store already has products.

    Guarantees: all or nothing (one transaction; the config file is written only after
    it commits); deterministic for a given ``seed`` and ``now``; everything dated is in
    chronological order and before ``now``; every day of the history has its tills
    opened and closed with a Z report, except today's, which stay open for the till;
    stock comes only from purchase receipts and never goes below zero.
    """
    if Product.objects.exists():
        return None
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        series = _series()
        users = _users()
        admin = users["admin"]
        today = timezone.localtime(now, SANTIAGO).date()
        shop = Shop(
            terminals=_terminals(series),
            users=users,
            items=_catalog(),
            business_customers=_business_customers(),
            neighbours=_neighbours(admin),
            suppliers=_suppliers(),
            warehouse=default_warehouse(),
            now=now,
            first_day=today - timedelta(days=max(days - 1, 0)),
        )
        reorder_points_set(shop=shop)
        # Without days of history: the opening delivery and today's tills, no tickets.
        history = SalesHistory(shop=shop, rng=rng, with_sales=days > 0)
        history.run()
        stockroom_today(shop=shop, rng=rng)
        history.purchasing.leave_for_next_week()
    # Only the store's identity: printer, limits and scale patterns keep their values.
    store_identity_set(**data.STORE)
    return _summary(started)


def _summary(started: float) -> DemoSummary:
    sales = Sale.objects.order_by("issued_at")
    first, last = sales.first(), sales.last()
    return DemoSummary(
        products=Product.objects.count(),
        categories=Category.objects.count(),
        sales=sales.count(),
        sales_total_clp=Sale.objects.aggregate(total=Sum("total_clp"))["total"] or 0,
        first_sale=first.issued_at if first else None,
        last_sale=last.issued_at if last else None,
        z_reports=ZReport.objects.count(),
        open_sessions=CashSession.objects.filter(status=CashSession.Status.OPEN).count(),
        credit_notes=CreditNote.objects.count(),
        customers_on_credit=Customer.objects.filter(credit_limit_clp__gt=0).count(),
        account_payments=AccountEntry.objects.filter(kind=AccountEntry.Kind.PAYMENT).count(),
        purchase_orders=PurchaseOrder.objects.count(),
        goods_receipts=GoodsReceipt.objects.count(),
        seconds=time.perf_counter() - started,
    )


def _series() -> dict[str, DocumentSeries]:
    result = {}
    for code, name, kind in data.SERIES:
        result[code], _created = DocumentSeries.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
    return result


def _terminals(series: dict[str, DocumentSeries]) -> dict[str, Terminal]:
    result = {}
    for code, name, token in data.TERMINALS:
        terminal = Terminal.objects.filter(code=code).first()
        if terminal is None:
            terminal, _token = terminal_create(
                code=code,
                name=name,
                token=token,
                boleta_series=series["B1"],
                factura_series=series["F1"],
            )
        result[code] = terminal
    return result


def _users() -> dict[str, User]:
    result = {}
    for spec in data.USERS:
        # An install where someone already ran createsuperuser keeps that account.
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = staff_create(
                username=spec.username,
                password=spec.password,
                role=spec.role,
                first_name=spec.first_name,
                pin=spec.pin,
            )
        result[spec.username] = user
    return result


def _business_customers() -> list[Customer]:
    """Businesses that ask for a factura (no credit)."""
    return [
        Customer.objects.filter(rut=rut).first()
        or customer_create(rut=rut, name=name, giro=giro, address=address, comuna=comuna)
        for rut, name, giro, address, comuna in data.CUSTOMERS
    ]


def _neighbours(admin: User) -> list[tuple[data.Neighbour, Customer]]:
    """Neighbourhood customers with a credit limit: a supervisor's decision."""
    return [
        (
            spec,
            Customer.objects.filter(rut=spec.rut).first()
            or customer_create(
                rut=spec.rut,
                name=spec.name,
                address=spec.address,
                comuna=data.STORE["comuna"],
                phone=spec.phone,
                credit_limit_clp=spec.credit_limit_clp,
                user=admin,
            ),
        )
        for spec in data.NEIGHBOURS
    ]


def _suppliers() -> list[tuple[data.DemoSupplier, Supplier]]:
    return [
        (
            spec,
            Supplier.objects.filter(rut=spec.rut).first()
            or supplier_create(
                rut=spec.rut,
                name=spec.name,
                giro=spec.giro,
                address=spec.address,
                comuna=spec.comuna,
                contact_name=spec.contact_name,
                phone=spec.phone,
                email=spec.email,
                payment_terms_days=spec.payment_terms_days,
            ),
        )
        for spec in data.SUPPLIERS
    ]


def _catalog() -> list[Item]:
    """The products, each with its share of the lines sold and its expected daily sales
    (within a category the first, best-known products sell more)."""
    specs = []
    for spec in data.CATEGORIES:
        category, _created = Category.objects.get_or_create(name=spec.name)
        scale_number = spec.scale_block * 100
        for index, p in enumerate(spec.products, start=1):
            scale_code = ""
            if p.unit == SaleUnit.KILO and spec.scale_block:
                scale_number += 1
                scale_code = f"{scale_number:05d}"
            barcode = data.demo_ean13(p.name)
            product = product_create(
                name=p.name,
                sku=f"{spec.sku_prefix}-{index:03d}",
                price_clp=p.price_clp,
                barcodes=[barcode],
                category=category,
                unit=p.unit,
                # Net cost: roughly a 30% margin over the price without IVA.
                cost_clp=p.price_clp * 70 // 119,
                is_exempt=p.is_exempt,
                ila_tax=p.ila_tax,
                scale_code=scale_code,
            )
            weight = spec.popularity * 100 / len(spec.products) / (1 + (index - 1) * 0.12)
            specs.append((spec, p, product, barcode, weight))
    lines_per_ticket = sum(k * w for k, w in LINES_PER_TICKET.items()) / sum(
        LINES_PER_TICKET.values()
    )
    lines_per_day = Decimal(sum(TICKETS_BY_WEEKDAY) / 7 * lines_per_ticket)
    total_weight = sum(weight for *_rest, weight in specs)
    items = []
    for spec, p, product, barcode, weight in specs:
        per_line = KG_PER_PRICE_LABEL if p.weighed_label == "price" else UNITS_PER_LINE
        if p.is_exempt:
            per_line = Decimal(1)
        share = Decimal(weight / total_weight)
        items.append(
            Item(
                product=product,
                category=spec.name,
                barcode=barcode,
                weighed_label=p.weighed_label,
                weight=weight,
                daily_quantity=lines_per_day * share * per_line,
            )
        )
    return items
