"""``demo_load``: a realistic minimarket made through the same services the till uses.

Everything goes through the real write paths — ``staff_create``, ``terminal_create``,
``product_create`` (which validates every EAN check digit) and ``sale_complete`` — so
reports, audits, hash chains and backups of the demo store are exactly what a real shop
would produce. The history is generated from a seeded ``random.Random``: the same seed
gives the same catalogue, baskets and payments.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from itplus.core.barcodes import with_check_digit
from itplus.core.money import round_cash, round_clp
from itplus.store.accounts.services import staff_create
from itplus.store.cash.models import CashSession
from itplus.store.cash.services import cash_session_open
from itplus.store.catalog.models import Category, Product, SaleUnit
from itplus.store.catalog.services import product_create
from itplus.store.config import load_config, save_config
from itplus.store.customers.models import Customer
from itplus.store.demo import data
from itplus.store.inventory.models import MovementKind, Stock
from itplus.store.inventory.services import StockChange, default_warehouse, stock_apply
from itplus.store.sales.models import DocumentKind, DocumentSeries, PaymentMethod, Sale
from itplus.store.sales.services import LineInput, PaymentInput, SaleInput, sale_complete
from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import terminal_create

DEFAULT_SEED = 20_250_901
SANTIAGO = ZoneInfo("America/Santiago")
OPEN_MINUTE, CLOSE_MINUTE = 8 * 60 + 30, 21 * 60 + 30  # 08:30–21:30

# Tickets per day by weekday (Monday first): Friday and Saturday are the busy days.
TICKETS_BY_WEEKDAY = (92, 88, 94, 104, 132, 146, 96)
# Relative traffic by hour of the day: breakfast, lunch, and the after-work peak.
TRAFFIC_BY_HOUR = {
    8: 5,
    9: 7,
    10: 7,
    11: 8,
    12: 12,
    13: 13,
    14: 9,
    15: 7,
    16: 7,
    17: 9,
    18: 13,
    19: 15,
    20: 12,
    21: 6,
}
LINES_PER_TICKET = {1: 20, 2: 17, 3: 14, 4: 11, 5: 9, 6: 8, 7: 6, 8: 5, 9: 4, 10: 3, 11: 2, 12: 2}
BILLS = (1_000, 2_000, 5_000, 10_000, 20_000)


@dataclass(frozen=True)
class DemoSummary:
    products: int
    categories: int
    sales: int
    sales_total_clp: int
    first_sale: datetime | None
    last_sale: datetime | None
    seconds: float


@dataclass(frozen=True)
class _Item:
    """A product as the history generator sells it."""

    product: Product
    barcode: str
    weighed_label: str  # "", "price" or "weight"


def demo_load(
    *, days: int = 30, seed: int = DEFAULT_SEED, now: datetime | None = None
) -> DemoSummary | None:
    """Create the demo store, or nothing when the store already has products.

    Guarantees: all or nothing (one transaction; the config file is written only after
    it commits); deterministic for a given ``seed`` and ``now``; every sale goes through
    ``sale_complete`` in chronological order, ending before ``now``, in an open cash
    session; stock starts with a physical count and is restocked every Monday.
    """
    if Product.objects.exists():
        return None
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        series = _series()
        terminals = _terminals(series)
        users = _users()
        items = _catalog()
        customers = _customers()
        first_day = timezone.localtime(now, SANTIAGO).date() - timedelta(days=max(days - 1, 0))
        _open_sessions(terminals=terminals, opened_by=users["supervisor"], day=first_day)
        _history(
            rng=rng,
            days=days,
            now=now,
            terminals=terminals,
            users=users,
            items=items,
            customers=customers,
        )
    _store_config()
    totals = Sale.objects.aggregate(total=Sum("total_clp"))
    first = Sale.objects.order_by("issued_at").first()
    last = Sale.objects.order_by("issued_at").last()
    return DemoSummary(
        products=Product.objects.count(),
        categories=Category.objects.count(),
        sales=Sale.objects.count(),
        sales_total_clp=totals["total"] or 0,
        first_sale=first.issued_at if first else None,
        last_sale=last.issued_at if last else None,
        seconds=time.perf_counter() - started,
    )


def _store_config() -> None:
    # Only the store's identity: printer, limits and scale patterns keep their values.
    config = load_config(settings.ITPLUS_HOME)
    config["store"] = {**config["store"], **data.STORE}
    save_config(settings.ITPLUS_HOME, config)


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


def _customers() -> list[Customer]:
    # No customer service exists yet for plain creation; the model holds no workflow.
    return [
        Customer.objects.get_or_create(
            rut=rut, defaults={"name": name, "giro": giro, "address": address, "comuna": comuna}
        )[0]
        for rut, name, giro, address, comuna in data.CUSTOMERS
    ]


def _open_sessions(*, terminals: dict[str, Terminal], opened_by: User, day: date) -> None:
    """One open cash session per terminal for the whole history.

    ``cash_session_open`` stamps the present; the session is backdated to the first
    morning, as ``sale_complete``'s ``issued_at`` backdates the sales it holds.
    """
    opened_at = datetime(day.year, day.month, day.day, 8, 15, tzinfo=SANTIAGO)
    for terminal in terminals.values():
        if CashSession.objects.filter(terminal=terminal, status=CashSession.Status.OPEN).exists():
            continue
        session = cash_session_open(terminal=terminal, user=opened_by, opening_float_clp=50_000)
        CashSession.objects.filter(pk=session.pk).update(opened_at=opened_at)


def _restock(
    *, items: list[_Item], par: dict[int, Decimal], user: User, at: datetime, kind: str
) -> None:
    """Bring every product up to its par level: the first count, then weekly deliveries."""
    on_hand = dict(
        Stock.objects.filter(warehouse=default_warehouse()).values_list("product_id", "quantity")
    )
    changes = []
    for item in items:
        missing = par[item.product.pk] - on_hand.get(item.product.pk, Decimal(0))
        if missing > 0:
            changes.append(StockChange(product=item.product, quantity=missing))
    stock_apply(
        changes=changes,
        kind=kind,
        user=user,
        reason="Inventario inicial" if kind == MovementKind.COUNT else "Reposición semanal",
        reference="DEMO",
        at=at,
    )


def _catalog() -> list[tuple[data.DemoCategory, list[_Item]]]:
    result = []
    for spec in data.CATEGORIES:
        category, _created = Category.objects.get_or_create(name=spec.name)
        items = []
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
            items.append(_Item(product=product, barcode=barcode, weighed_label=p.weighed_label))
        result.append((spec, items))
    return result


def _history(
    *,
    rng: random.Random,
    days: int,
    now: datetime,
    terminals: dict[str, Terminal],
    users: dict[str, User],
    items: list[tuple[data.DemoCategory, list[_Item]]],
    customers: list[Customer],
) -> None:
    today = timezone.localtime(now, SANTIAGO).date()
    picker = _Picker(rng, items)
    par = picker.par_levels()
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        if offset == days - 1 or day.weekday() == 0:
            _restock(
                items=picker.items,
                par=par,
                user=users["admin"],
                at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=SANTIAGO),
                kind=MovementKind.COUNT if offset == days - 1 else MovementKind.RECEIPT,
            )
        for issued_at in _ticket_times(rng, day):
            caja2 = issued_at.hour >= 12 and rng.random() < 0.45
            if caja2:
                terminal, cashier = terminals["caja-2"], users["supervisor"]
            else:
                terminal = terminals["caja-1"]
                cashier = users["cajero"] if issued_at.hour < 15 else users["cajero2"]
            sale_data = _ticket(rng, picker, customers, may_void=cashier is users["supervisor"])
            if issued_at >= now - timedelta(minutes=1):
                continue  # today's tickets stop at the present; the till takes over
            sale_complete(terminal=terminal, cashier=cashier, data=sale_data, issued_at=issued_at)


def _ticket_times(rng: random.Random, day: date) -> list[datetime]:
    base = TICKETS_BY_WEEKDAY[day.weekday()]
    count = round(base * rng.uniform(0.88, 1.12))
    hours = list(TRAFFIC_BY_HOUR)
    weights = list(TRAFFIC_BY_HOUR.values())
    times = []
    for _ in range(count):
        hour = rng.choices(hours, weights)[0]
        lo = max(OPEN_MINUTE, hour * 60)
        hi = min(CLOSE_MINUTE, hour * 60 + 60)
        seconds = rng.randrange(lo * 60, hi * 60)
        times.append(
            datetime(
                day.year,
                day.month,
                day.day,
                seconds // 3600,
                seconds // 60 % 60,
                seconds % 60,
                tzinfo=SANTIAGO,
            )
        )
    return sorted(times)


class _Picker:
    """Chooses products like customers do: staples often, pisco rarely."""

    def __init__(self, rng: random.Random, items: list[tuple[data.DemoCategory, list[_Item]]]):
        self.rng = rng
        self.items = [item for _spec, group in items for item in group]
        # Within a category the first (best-known) products sell more.
        self.weights = [
            spec.popularity * 100 / len(group) / (1 + index * 0.12)
            for spec, group in items
            for index in range(len(group))
        ]

    def par_levels(self) -> dict[int, Decimal]:
        """Stock to hold per product: about ten days of its expected sales, at least 6."""
        lines_per_day = sum(TICKETS_BY_WEEKDAY) / 7 * 4.2
        total = sum(self.weights)
        return {
            item.product.pk: Decimal(max(6, round(10 * lines_per_day * weight / total * 1.4)))
            for item, weight in zip(self.items, self.weights, strict=True)
        }

    def basket(self, size: int) -> list[_Item]:
        chosen: dict[int, _Item] = {}
        while len(chosen) < size:
            item = self.rng.choices(self.items, self.weights)[0]
            chosen.setdefault(item.product.pk, item)
        return list(chosen.values())


def _ticket(
    rng: random.Random, picker: _Picker, customers: list[Customer], *, may_void: bool
) -> SaleInput:
    size = rng.choices(list(LINES_PER_TICKET), list(LINES_PER_TICKET.values()))[0]
    lines: list[LineInput] = []
    grosses: list[int] = []
    for item in picker.basket(size):
        line, gross = _line(rng, item)
        lines.append(line)
        grosses.append(gross)

    # A few discounts, all within a cashier's 5% limit (no approval needed).
    if rng.random() < 0.03:
        i = max(range(len(lines)), key=lambda k: grosses[k])
        discount = grosses[i] * rng.choice((3, 5)) // 100 // 10 * 10
        lines[i].discount_clp = discount
        grosses[i] -= discount
    subtotal = sum(grosses)
    ticket_discount = 0
    if rng.random() < 0.01 and subtotal >= 5_000:
        ticket_discount = subtotal * 5 // 100 // 10 * 10
    total = subtotal - ticket_discount

    if may_void and rng.random() < 0.04:
        # Scanned by mistake and voided before paying; kept on the ticket for the audit.
        voided = next((ln for ln in lines if ln.code and ln.quantity == 1), None)
        if voided:
            lines.append(LineInput(code=voided.code, is_voided=True))

    kind = DocumentKind.FACTURA if rng.random() < 0.02 else DocumentKind.BOLETA
    return SaleInput(
        client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        lines=lines,
        payments=_payments(rng, total, invoice=kind == DocumentKind.FACTURA),
        ticket_discount_clp=ticket_discount,
        document_kind=kind,
        # A factura names its customer (RUT, giro, address); a boleta is anonymous.
        customer_id=rng.choice(customers).pk if kind == DocumentKind.FACTURA else None,
    )


def _line(rng: random.Random, item: _Item) -> tuple[LineInput, int]:
    """One scanned line and its gross amount, computed as ``sale_complete`` will."""
    product = item.product
    if product.unit != SaleUnit.KILO:
        quantity = rng.choices((1, 2, 3, 4, 6), (80, 13, 4, 2, 1))[0]
        if product.is_exempt:
            quantity = 1  # one Bip! top-up per ticket
        if rng.random() < 0.05:
            # Picked from the search box instead of scanned.
            line = LineInput(product_id=product.pk, quantity=Decimal(quantity))
        else:
            line = LineInput(code=item.barcode, quantity=Decimal(quantity))
        return line, product.price_clp * quantity

    if item.weighed_label == "price":
        # Deli counter: 100 g to 600 g, labelled with the price (prefix 20).
        grams = rng.randrange(100, 600, 5)
        price = round_clp(Decimal(product.price_clp) * grams / 1000)
        code = with_check_digit(f"20{product.scale_code}{price:05d}")
        return LineInput(code=code), price
    grams = rng.randrange(150, 2_500, 5)
    weight = Decimal(grams) / 1000
    gross = round_clp(Decimal(product.price_clp) * weight)
    if item.weighed_label == "weight" and rng.random() < 0.6:
        # Bread weighed at the bakery scale, labelled with the weight (prefix 21).
        return LineInput(code=with_check_digit(f"21{product.scale_code}{grams:05d}")), gross
    # Weighed at the till: the cashier reads the weight.
    return LineInput(code=item.barcode, quantity=weight), gross


def _payments(rng: random.Random, total: int, *, invoice: bool) -> list[PaymentInput]:
    if invoice:
        method = rng.choice((PaymentMethod.TRANSFER, PaymentMethod.DEBIT))
        return [PaymentInput(method=method, amount_clp=total, reference=_reference(rng, method))]
    roll = rng.random()
    if roll < 0.46:
        return [
            PaymentInput(method=PaymentMethod.CASH, amount_clp=_tendered(rng, round_cash(total)))
        ]
    if roll < 0.94 or total < 3_000:
        method = rng.choices(
            (PaymentMethod.DEBIT, PaymentMethod.CREDIT, PaymentMethod.TRANSFER), (70, 20, 10)
        )[0]
        return [PaymentInput(method=method, amount_clp=total, reference=_reference(rng, method))]
    # Split: part on the debit card, the rest in cash.
    card = total // 2_000 * 1_000
    cash_due = round_cash(total - card)
    return [
        PaymentInput(
            method=PaymentMethod.DEBIT, amount_clp=card, reference=_reference(rng, "debito")
        ),
        PaymentInput(method=PaymentMethod.CASH, amount_clp=_tendered(rng, cash_due)),
    ]


def _tendered(rng: random.Random, due: int) -> int:
    """What the customer hands over: the exact amount or the next bill that covers it."""
    if rng.random() < 0.25:
        return due
    options = [-(-due // bill) * bill for bill in BILLS]
    options = sorted({amount for amount in options if amount - due < 20_000})
    return rng.choice(options[:3])


def _reference(rng: random.Random, method: str) -> str:
    if method == PaymentMethod.TRANSFER:
        return f"TRF-{rng.randrange(10**8):08d}"
    return f"AUT-{rng.randrange(10**6):06d}"
