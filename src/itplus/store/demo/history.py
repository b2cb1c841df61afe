"""The demo shop's days, in order, through the services the till and back office use.

Each day: the morning deliveries (``Purchasing``), both tills opened at 08:15 with a
$50.000 float, the day's tickets (``sale_complete``), and at their moments a supplier
paid from the drawer, neighbours buying on credit and paying their week, a few
returns, and — on the last full day — a sale voided with the supervisor's PIN; at
21:00 both tills are counted and closed with their Z report. Today's tills stay open
so the till can keep selling. Everything is drawn from one seeded ``random.Random``
in a fixed order, so the same seed and the same present give the same history.
"""

from __future__ import annotations

import heapq
import itertools
import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itplus.core.barcodes import with_check_digit
from itplus.core.money import round_cash, round_clp
from itplus.store.accounts.approvals import approval_grant, approval_lifetime
from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.cash.models import DENOMINATIONS_CLP, CashMovement, CashSession
from itplus.store.cash.reports import cash_report_compute
from itplus.store.cash.services import cash_movement_record, cash_session_close, cash_session_open
from itplus.store.catalog.models import SaleUnit
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import customer_account_post, customer_payment_record
from itplus.store.demo import data
from itplus.store.demo.purchasing import Purchasing
from itplus.store.demo.shop import TICKETS_BY_WEEKDAY, Item, Shop, at, backdate
from itplus.store.inventory.models import Stock
from itplus.store.sales.models import DocumentKind, PaymentMethod, Sale
from itplus.store.sales.returns.services import (
    REFUND_ORIGINAL,
    REFUND_STORE_CREDIT,
    ReturnInput,
    ReturnLineInput,
    sale_return,
    sale_void,
)
from itplus.store.sales.services import LineInput, PaymentInput, SaleInput, sale_complete
from itplus.store.terminals.models import Terminal

OPEN_MINUTE, CLOSE_MINUTE = 8 * 60 + 30, 21 * 60  # tickets 08:30–21:00
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
    20: 14,
}
LINES_PER_TICKET = {1: 20, 2: 17, 3: 14, 4: 11, 5: 9, 6: 8, 7: 6, 8: 5, 9: 4, 10: 3, 11: 2, 12: 2}
BILLS = (1_000, 2_000, 5_000, 10_000, 20_000)
OPENING_FLOAT_CLP = 50_000
NEIGHBOUR_SHARE = 0.05  # of the tickets: a neighbour the cashier knows by name
RETURN_REASONS = (
    # (reason, goes back on the shelf)
    (gettext_lazy("Producto vencido"), False),
    (gettext_lazy("Envase dañado"), False),
    (gettext_lazy("El cliente se equivocó de producto"), True),
    (gettext_lazy("Producto duplicado en la boleta"), True),
)


class SalesHistory:
    def __init__(self, *, shop: Shop, rng: random.Random, with_sales: bool = True):
        self.shop = shop
        self.rng = rng
        self.with_sales = with_sales
        self.picker = Picker(rng, shop.items)
        self.purchasing = Purchasing(shop=shop, rng=rng)
        self.sessions: dict[str, CashSession] = {}
        self.supervisor_pin = next(u.pin for u in data.USERS if u.username == "supervisor")
        # Sales a customer might bring back: paid in cash, and the neighbours'.
        self.cash_sales: list[tuple[Sale, SaleInput]] = []
        self.neighbour_sales: list[tuple[Sale, SaleInput]] = []
        self.void_pending = False
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def run(self) -> None:
        self._opening_debts()
        day = self.shop.first_day
        while day <= self.shop.today:
            self._day(day)
            day += timedelta(days=1)

    # --- A day ---------------------------------------------------------------------------

    def _day(self, day: date) -> None:
        shop = self.shop
        self.purchasing.morning(day)
        self.picker.stock_read(shop)
        opened = min(at(day, 8, 15), shop.now - timedelta(minutes=2))
        for code, terminal in shop.terminals.items():
            self.sessions[code] = cash_session_open(
                terminal=terminal,
                user=shop.users["supervisor"],
                opening_float_clp=OPENING_FLOAT_CLP,
                at=opened,
            )
        if self.with_sales:
            self._plan(day)
        while self._queue:
            when, _seq, event = heapq.heappop(self._queue)
            if shop.is_past(when):
                event()
        self.void_pending = False
        if day < shop.today:
            self._close(day)

    def _plan(self, day: date) -> None:
        """The day's events, each at its moment: tickets, a supplier paid from the
        drawer, neighbours' weekly payments, returns and (last full day) a void."""
        shop, rng = self.shop, self.rng
        for when in _ticket_times(rng, day):
            self._schedule(when, lambda w=when: self._sell(w))
        if rng.random() < 0.35:
            when = _random_time(rng, day, 10 * 60, 12 * 60 + 30)
            amount = rng.randrange(8_000, 32_000, 500)
            self._schedule(when, lambda w=when, a=amount: self._pay_supplier(w, a))
        for neighbour, customer in shop.neighbours:
            if day.weekday() == neighbour.pays_on_weekday:
                when = _random_time(rng, day, 19 * 60, 20 * 60 + 45)
                self._schedule(when, lambda c=customer, w=when: self._customer_pays(c, w))
        if day == shop.last_full_day:
            self.void_pending = True
            returns = [(at(day, 17, 10), False), (at(day, 18, 40), True)]
        else:
            returns = [
                (_random_time(rng, day, 16 * 60, 19 * 60), credit)
                for credit, chance in ((False, 0.2), (True, 0.1))
                if rng.random() < chance
            ]
        for when, credit in returns:
            self._schedule(when, lambda w=when, c=credit: self._return(w, credit=c))

    def _schedule(self, when: datetime, event: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._seq), event))

    def _on_duty(self, when: datetime, code: str) -> User:
        users = self.shop.users
        if code == "caja-2":
            return users["supervisor"]
        return users["cajero"] if when.hour < 15 else users["cajero2"]

    # --- Events --------------------------------------------------------------------------

    def _sell(self, when: datetime) -> None:
        rng, shop = self.rng, self.shop
        code = "caja-2" if when.hour >= 12 and rng.random() < 0.45 else "caja-1"
        terminal, cashier = shop.terminals[code], self._on_duty(when, code)
        neighbour = rng.choice(shop.neighbours)[1] if rng.random() < NEIGHBOUR_SHARE else None
        sale_data = self._ticket(neighbour=neighbour, may_void=code == "caja-2")
        if sale_data is None:
            return  # nothing the customer wanted was on the shelf
        sale, _created = sale_complete(
            terminal=terminal, cashier=cashier, data=sale_data, issued_at=when
        )
        if neighbour is not None:
            self.neighbour_sales.append((sale, sale_data))
        elif all(p.method == PaymentMethod.CASH for p in sale_data.payments):
            self.cash_sales.append((sale, sale_data))
        if self.void_pending and code == "caja-1" and when.hour >= 15:
            self.void_pending = False
            voided_at = when + timedelta(minutes=2)
            self._schedule(
                voided_at,
                lambda: self._void(sale, terminal, cashier, voided_at),  # bound once: no loop
            )

    def _pay_supplier(self, when: datetime, amount: int) -> None:
        cash_movement_record(
            session=self.sessions["caja-1"],
            kind=CashMovement.Kind.OUT,
            amount_clp=amount,
            reason=_("Pago a proveedor"),
            user=self.shop.users["supervisor"],
            at=when,
        )

    def _customer_pays(self, customer: Customer, when: datetime) -> None:
        """The weekly payment, in cash at Caja 1: all the debt or part of it."""
        debt = Customer.objects.values_list("balance_clp", flat=True).get(pk=customer.pk)
        if debt < 1_000:
            return
        if self.rng.random() < 0.6:
            amount = debt // 100 * 100
        else:
            amount = max(1_000, debt // 2 // 1_000 * 1_000)
        entry = customer_payment_record(
            customer=customer,
            amount_clp=amount,
            method="efectivo",
            user=self._on_duty(when, "caja-1"),
            terminal=self.shop.terminals["caja-1"],
        )
        backdate(AccountEntry, entry.pk, created_at=when)
        backdate(CashMovement, entry.cash_movement_id, created_at=when)

    def _return(self, when: datetime, *, credit: bool) -> None:
        """A customer brings back one unit of an earlier sale (a partial return): cash
        back from Caja 1, or — for a neighbour — credited to their account."""
        pool = self.neighbour_sales if credit else self.cash_sales
        candidates = [
            (sale, sale_data, position)
            for sale, sale_data in pool[-200:]
            if sale.issued_at < when - timedelta(minutes=30) and len(sale_data.lines) >= 2
            for position in [_unit_line(sale_data)]
            if position is not None
        ]
        if not candidates:
            return
        sale, sale_data, position = self.rng.choice(candidates)
        pool.remove((sale, sale_data))
        reason, restock = self.rng.choice(RETURN_REASONS)
        terminal, cashier = self.shop.terminals["caja-1"], self._on_duty(when, "caja-1")
        # The supervisor approves the return at the till, up to the sale's total.
        approval = approval_grant(
            pin=self.supervisor_pin,
            action=ApprovalAction.RETURN,
            requested_by=cashier,
            terminal=terminal,
            obj=sale,
            amount_clp=sale.total_clp,
        )
        sale_return(
            terminal=terminal,
            user=cashier,
            data=ReturnInput(
                client_uuid=_uuid(self.rng),
                lines=[ReturnLineInput(quantity=Decimal(1), position=position, restock=restock)],
                reason=str(reason),
                refund_to=REFUND_STORE_CREDIT if credit else REFUND_ORIGINAL,
                sale_id=sale.pk,
                approval_id=approval.pk,
            ),
            issued_at=when,
        )
        backdate(
            Approval,
            approval.pk,
            created_at=when,
            used_at=when,
            expires_at=when + approval_lifetime(),
        )

    def _void(self, sale: Sale, terminal: Terminal, cashier: User, when: datetime) -> None:
        """The cashier rang up a ticket the customer then did not take: the supervisor
        comes to the till and approves voiding it with her PIN."""
        approval = approval_grant(
            pin=self.supervisor_pin,
            action=ApprovalAction.VOID_SALE,
            requested_by=cashier,
            terminal=terminal,
            obj=sale,
            detail=str(sale),
        )
        sale_void(
            sale_id=sale.pk,
            terminal=terminal,
            user=cashier,
            approval_id=approval.pk,
            reason=_("El cliente no se llevó la compra"),
            client_uuid=_uuid(self.rng),
            issued_at=when,
        )
        backdate(
            Approval,
            approval.pk,
            created_at=when,
            used_at=when,
            expires_at=when + approval_lifetime(),
        )
        for pool in (self.cash_sales, self.neighbour_sales):
            pool[:] = [(s, d) for s, d in pool if s.pk != sale.pk]  # nothing left to return

    def _close(self, day: date) -> None:
        """The blind count at 21:00: usually exact, sometimes a few hundred pesos off."""
        for code, session in self.sessions.items():
            expected = cash_report_compute(session=session).expected_cash_clp
            off = 0
            if self.rng.random() < 0.2:
                off = self.rng.choice((-500, -300, -200, -100, 100, 200, 300))
            cash_session_close(
                session=session,
                user=self._on_duty(at(day, 21), code),
                counts=_denominations(expected + off),
                at=at(day, 21),
                run_hooks=False,  # one backup of the whole store is enough, after the demo
            )

    def _opening_debts(self) -> None:
        """What the neighbours owed in the paper notebook when the shop started."""
        when = min(at(self.shop.first_day, 8, 5), self.shop.now - timedelta(minutes=3))
        for neighbour, customer in self.shop.neighbours:
            customer_account_post(
                customer=customer,
                amount_clp=neighbour.opening_debt_clp,
                kind=AccountEntry.Kind.CHARGE,
                user=self.shop.users["admin"],
                reason=_("Saldo traspasado del cuaderno de fiado"),
                at=when,
            )

    # --- Tickets -------------------------------------------------------------------------

    def _ticket(self, *, neighbour: Customer | None, may_void: bool) -> SaleInput | None:
        rng, picker = self.rng, self.picker
        size = rng.choices(list(LINES_PER_TICKET), list(LINES_PER_TICKET.values()))[0]
        lines: list[LineInput] = []
        grosses: list[int] = []
        for item in picker.basket(size):
            line, gross, quantity = _line(rng, item)
            if not picker.take(item, quantity):
                continue
            lines.append(line)
            grosses.append(gross)
        if not lines:
            return None

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

        kind, customer_id = DocumentKind.BOLETA, None
        if neighbour is not None:
            customer_id = neighbour.pk
            limit, balance = Customer.objects.values_list("credit_limit_clp", "balance_clp").get(
                pk=neighbour.pk
            )
            if total <= limit - balance:
                payments = [PaymentInput(method=PaymentMethod.STORE_CREDIT, amount_clp=total)]
            else:
                payments = _payments(rng, total, invoice=False)
        elif rng.random() < 0.02:
            # A factura names its customer (RUT, giro, address); a boleta is anonymous.
            kind = DocumentKind.FACTURA
            customer_id = rng.choice(self.shop.business_customers).pk
            payments = _payments(rng, total, invoice=True)
        else:
            payments = _payments(rng, total, invoice=False)
        return SaleInput(
            client_uuid=_uuid(rng),
            lines=lines,
            payments=payments,
            ticket_discount_clp=ticket_discount,
            document_kind=kind,
            customer_id=customer_id,
        )


class Picker:
    """Chooses products like customers do (staples often, pisco rarely), and only what
    is on the shelf: the main warehouse's stock, followed ticket by ticket."""

    def __init__(self, rng: random.Random, items: list[Item]):
        self.rng = rng
        self.items = items
        self.weights = [item.weight for item in items]
        self.on_hand: dict[int, Decimal] = {}

    def stock_read(self, shop: Shop) -> None:
        self.on_hand = dict(
            Stock.objects.filter(warehouse=shop.warehouse).values_list("product_id", "quantity")
        )

    def basket(self, size: int) -> list[Item]:
        chosen: dict[int, Item] = {}
        while len(chosen) < size:
            item = self.rng.choices(self.items, self.weights)[0]
            chosen.setdefault(item.product.pk, item)
        return list(chosen.values())

    def take(self, item: Item, quantity: Decimal) -> bool:
        # A gram of margin: a price label's weight is rounded by the till, not here.
        left = self.on_hand.get(item.product.pk, Decimal(0)) - quantity
        if left < Decimal("0.01"):
            return False
        self.on_hand[item.product.pk] = left
        return True


def _unit_line(sale_data: SaleInput) -> int | None:
    """Position (1-based, as on the sale) of a line sold by the unit, if any."""
    for position, line in enumerate(sale_data.lines, start=1):
        if not line.is_voided and line.quantity >= 1 and line.quantity % 1 == 0:
            if line.code[:1] != "2":  # not a deli-scale label
                return position
    return None


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _random_time(rng: random.Random, day: date, lo_minute: int, hi_minute: int) -> datetime:
    seconds = rng.randrange(lo_minute * 60, hi_minute * 60)
    return at(day, seconds // 3600, seconds // 60 % 60, seconds % 60)


def _ticket_times(rng: random.Random, day: date) -> list[datetime]:
    base = TICKETS_BY_WEEKDAY[day.weekday()]
    count = round(base * rng.uniform(0.88, 1.12))
    hours = list(TRAFFIC_BY_HOUR)
    weights = list(TRAFFIC_BY_HOUR.values())
    times = []
    for _ticket in range(count):
        hour = rng.choices(hours, weights)[0]
        times.append(
            _random_time(rng, day, max(OPEN_MINUTE, hour * 60), min(CLOSE_MINUTE, hour * 60 + 60))
        )
    return sorted(times)


def _denominations(amount: int) -> dict[str, int]:
    """The drawer's cash as the blind count lists it, largest bills first."""
    counts = {}
    for value in DENOMINATIONS_CLP:
        counts[str(value)], amount = divmod(amount, value)
    return counts


def _line(rng: random.Random, item: Item) -> tuple[LineInput, int, Decimal]:
    """One scanned line, its gross amount as ``sale_complete`` will compute it, and the
    quantity it takes from the shelf."""
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
        return line, product.price_clp * quantity, Decimal(quantity)

    if item.weighed_label == "price":
        # Deli counter: 100 g to 600 g, labelled with the price (prefix 20).
        grams = rng.randrange(100, 600, 5)
        price = round_clp(Decimal(product.price_clp) * grams / 1000)
        code = with_check_digit(f"20{product.scale_code}{price:05d}")
        return LineInput(code=code), price, Decimal(grams) / 1000
    grams = rng.randrange(150, 2_500, 5)
    weight = Decimal(grams) / 1000
    gross = round_clp(Decimal(product.price_clp) * weight)
    if item.weighed_label == "weight" and rng.random() < 0.6:
        # Bread weighed at the bakery scale, labelled with the weight (prefix 21).
        code = with_check_digit(f"21{product.scale_code}{grams:05d}")
        return LineInput(code=code), gross, weight
    # Weighed at the till: the cashier reads the weight.
    return LineInput(code=item.barcode, quantity=weight), gross, weight


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
