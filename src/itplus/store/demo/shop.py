"""What the demo's history generators share: the shop's people, tills, products and
partners, its clock, and the one place where a service's timestamp is moved back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db.models import Model

from itplus.store.catalog.models import Product, SaleUnit
from itplus.store.customers.models import Customer
from itplus.store.demo import data
from itplus.store.inventory.models import Warehouse
from itplus.store.purchases.models import Supplier
from itplus.store.terminals.models import Terminal

SANTIAGO = ZoneInfo("America/Santiago")

# Tickets per day by weekday (Monday first): Friday and Saturday are the busy days.
TICKETS_BY_WEEKDAY = (92, 88, 94, 104, 132, 146, 96)
LINES_PER_TICKET = {1: 20, 2: 17, 3: 14, 4: 11, 5: 9, 6: 8, 7: 6, 8: 5, 9: 4, 10: 3, 11: 2, 12: 2}
# Units per sold line: most lines are one unit; a price-labelled deli line is ~350 g.
UNITS_PER_LINE = Decimal("1.32")
KG_PER_PRICE_LABEL = Decimal("0.35")
# Stock policy, in days of expected sales: reorder at 3, order up to 10.
REORDER_DAYS, TARGET_DAYS = 3, 10


@dataclass(frozen=True)
class Item:
    """A product as the history generator sells and buys it."""

    product: Product
    category: str
    barcode: str
    weighed_label: str  # "", "price" or "weight"
    weight: float  # relative share of the lines sold
    daily_quantity: Decimal  # expected units (or kg) sold per day

    @property
    def is_weighed(self) -> bool:
        return self.product.unit == SaleUnit.KILO

    def days_of_sales(self, days: int, *, minimum: int) -> Decimal:
        return Decimal(max(minimum, round(self.daily_quantity * days)))


@dataclass
class Shop:
    terminals: dict[str, Terminal]
    users: dict[str, User]
    items: list[Item]
    business_customers: list[Customer]
    neighbours: list[tuple[data.Neighbour, Customer]]
    suppliers: list[tuple[data.DemoSupplier, Supplier]]
    warehouse: Warehouse
    now: datetime
    first_day: date
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.now.astimezone(SANTIAGO).date()

    @property
    def last_full_day(self) -> date:
        """The day whose Z report shows a bit of everything (returns, a void)."""
        return max(self.first_day, self.today - timedelta(days=1))

    def supplier_items(self, spec: data.DemoSupplier) -> list[Item]:
        others = {c for s, _supplier in self.suppliers for c in s.categories}
        if spec.categories:
            return [i for i in self.items if i.category in spec.categories]
        return [i for i in self.items if i.category not in others]

    def is_past(self, at: datetime) -> bool:
        # Today's history stops a minute before the present; the till takes over.
        return at < self.now - timedelta(minutes=1)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SANTIAGO)


def backdate(model: type[Model], pk: int, **fields: datetime) -> None:
    """Move timestamps that a service stamped with the present back to the history's
    moment. Only for services that take no ``at=`` (purchase orders, supplier invoices,
    customer payments, supervisor approvals): without it, lists and ledgers sorted by
    date would show last month's documents as made today, and the customer account
    audit, which reads entries in date order, would see the running balance jump."""
    model._default_manager.filter(pk=pk).update(**fields)
