"""The demo shop's purchases, through the purchases services.

The shop opens with an order to each supplier (the grocer's arrives in two deliveries),
then each supplier delivers once a week on its own weekday an order that brings every
product back to ten days of sales. The second morning a salesman drops off a few cases
without an order (a direct receipt). Every delivery comes with its supplier invoice,
recorded with the receipt's totals. Today the owner leaves next week's order sent, a
draft to review, and one order cancelled as a duplicate.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from itplus.core.money import round_clp
from itplus.store.demo import data
from itplus.store.demo.shop import Item, Shop, at, backdate
from itplus.store.inventory.models import Stock
from itplus.store.purchases.models import GoodsReceipt, PurchaseOrder, Supplier, SupplierInvoice
from itplus.store.purchases.services import (
    OrderLineInput,
    ReceiptLineInput,
    goods_receipt_post,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
    receipts_ila_by_rate,
    supplier_invoice_record,
)

# The grocer had no stock of these on opening day: they came the next morning.
DEFERRED_AT_OPENING = ("Mascotas", "Higiene personal")
# Price rises during the month: (category, first day counted from the opening, factor).
PRICE_RISES = (("Lácteos", 12, Decimal("1.03")), ("Vinos y cervezas", 8, Decimal("1.04")))


class Purchasing:
    def __init__(self, *, shop: Shop, rng: random.Random):
        self.shop = shop
        self.rng = rng
        self.user = shop.users["admin"]
        self.folios = {supplier.pk: spec.first_invoice_folio for spec, supplier in shop.suppliers}
        self.guides = 3_000
        # The opening order's second delivery, waiting for the next morning.
        self.rest: tuple[PurchaseOrder, list[Item]] | None = None

    # --- The mornings of the history -----------------------------------------------------

    def morning(self, day: date) -> None:
        """Deliveries before opening: 07:30 orders, 07:45 the direct receipt."""
        delivery = at(day, 7, 30)
        if not self.shop.is_past(delivery):
            return
        if self.rest is not None:
            order, items = self.rest
            self.rest = None
            self._receive(order, items, delivery)
        for spec, supplier in self.shop.suppliers:
            if day == self.shop.first_day:
                self._opening_order(spec, supplier, day)
            elif day.weekday() == spec.delivers_on_weekday:
                wanted = self._short_of_target(self.shop.supplier_items(spec))
                if wanted:
                    order = self._order(
                        supplier, wanted, day, notes=_("Reposición semanal"), sent=True
                    )
                    backdate(PurchaseOrder, order.pk, **self._ordered_at(day))
                    self._receive(order, list(wanted), delivery)
        if day == self.shop.first_day + timedelta(days=1) and self.shop.is_past(at(day, 7, 45)):
            self._direct_receipt(day)

    def _opening_order(self, spec: data.DemoSupplier, supplier: Supplier, day: date) -> None:
        items = self.shop.supplier_items(spec)
        wanted = {i: i.days_of_sales(10, minimum=6) for i in items}
        order = self._order(supplier, wanted, day, notes=_("Surtido inicial"), sent=True)
        backdate(PurchaseOrder, order.pk, **self._ordered_at(day))
        now_items = [i for i in items if i.category not in DEFERRED_AT_OPENING]
        self._receive(order, now_items, at(day, 7, 30))
        if len(now_items) < len(items):
            self.rest = (order, [i for i in items if i.category in DEFERRED_AT_OPENING])

    def _direct_receipt(self, day: date) -> None:
        """A salesman brings cases for the weekend without an order."""
        spec, supplier = self.shop.suppliers[0]
        top = sorted(self.shop.supplier_items(spec), key=lambda i: -i.weight)[:6]
        lines = [
            ReceiptLineInput(
                code=i.product.sku,
                quantity=Decimal(12),
                unit_cost_clp=self._cost(i, day),
                product_id=i.product.pk,
            )
            for i in top
        ]
        folio = self._next_folio(supplier)
        receipt = goods_receipt_post(
            supplier=supplier,
            lines=lines,
            user=self.user,
            supplier_document=_("Factura %(folio)s") % {"folio": folio},
            notes=_("Entrega sin orden de compra: cajas para el fin de semana"),
            at=at(day, 7, 45),
        )
        self._invoice(receipt, folio, day)

    # --- Today: what the owner leaves for the coming days --------------------------------

    def leave_for_next_week(self) -> None:
        """Next week's order sent to the drinks supplier, a grocer's draft, and a
        duplicate order cancelled."""
        (drinks_spec, drinks), (grocer_spec, grocer) = self.shop.suppliers
        next_delivery = self._next_weekday(drinks_spec.delivers_on_weekday)
        wanted = self._reorder_list(self.shop.supplier_items(drinks_spec))
        self._order(
            drinks,
            wanted,
            next_delivery,
            notes=_("Pedido de la próxima entrega"),
            sent=True,
        )
        grocer_wanted = self._reorder_list(self.shop.supplier_items(grocer_spec))
        self._order(
            grocer,
            grocer_wanted,
            self._next_weekday(grocer_spec.delivers_on_weekday),
            notes=_("Borrador: revisar cantidades antes de enviar"),
            sent=False,
        )
        duplicate = self._order(
            grocer,
            dict(list(grocer_wanted.items())[:3]),
            next_delivery,
            notes=_("Pedido urgente"),
            sent=True,
        )
        purchase_order_cancel(
            order=duplicate,
            user=self.user,
            reason=_("Pedido duplicado: esos productos ya van en el pedido semanal"),
        )

    def _reorder_list(self, items: list[Item]) -> dict[Item, Decimal]:
        """What the low-stock list suggests (at or under the reorder point, up to the
        target); when nothing is that low, the products furthest from their target."""
        on_hand = self._on_hand()
        low = {
            i: i.days_of_sales(10, minimum=6) - on_hand.get(i.product.pk, Decimal(0))
            for i in items
            if on_hand.get(i.product.pk, Decimal(0)) <= i.days_of_sales(3, minimum=2)
        }
        if not low:
            short = self._short_of_target(items)
            low = dict(sorted(short.items(), key=lambda kv: -kv[1])[:8])
        return {i: self._whole(i, q) for i, q in low.items() if q > 0} or {items[0]: Decimal(6)}

    # --- Building blocks -----------------------------------------------------------------

    def _short_of_target(self, items: list[Item]) -> dict[Item, Decimal]:
        on_hand = self._on_hand()
        wanted = {}
        for item in items:
            missing = item.days_of_sales(10, minimum=6) - on_hand.get(item.product.pk, Decimal(0))
            if missing >= 1:
                wanted[item] = self._whole(item, missing)
        return wanted

    def _on_hand(self) -> dict[int, Decimal]:
        return dict(
            Stock.objects.filter(warehouse=self.shop.warehouse).values_list(
                "product_id", "quantity"
            )
        )

    @staticmethod
    def _whole(item: Item, quantity: Decimal) -> Decimal:
        # Suppliers sell whole units and whole kilograms.
        return Decimal(math.ceil(quantity))

    def _cost(self, item: Item, day: date) -> int:
        """The supplier's net unit cost that day: the catalog's, after any price rise."""
        cost = item.product.cost_clp
        for category, from_day, factor in PRICE_RISES:
            if item.category == category and (day - self.shop.first_day).days >= from_day:
                cost = round_clp(cost * factor)
        return cost

    def _order(
        self,
        supplier: Supplier,
        wanted: dict[Item, Decimal],
        expected_on: date,
        *,
        notes: str,
        sent: bool,
    ) -> PurchaseOrder:
        order = purchase_order_create(
            supplier=supplier,
            lines=[
                OrderLineInput(
                    code=item.product.sku,
                    quantity=quantity,
                    unit_cost_clp=self._cost(item, expected_on),
                    product_id=item.product.pk,
                )
                for item, quantity in wanted.items()
            ],
            user=self.user,
            expected_on=expected_on,
            notes=notes,
        )
        if sent:
            order = purchase_order_send(order=order, user=self.user)
        return order

    def _ordered_at(self, delivery_day: date) -> dict[str, datetime]:
        """Orders go out three days before delivery, after closing."""
        ordered = at(delivery_day - timedelta(days=3), 21, 40)
        return {"created_at": ordered, "sent_at": ordered + timedelta(minutes=12)}

    def _receive(self, order: PurchaseOrder, items: list[Item], when: datetime) -> None:
        quantities = dict(order.lines.values_list("product_id", "quantity"))
        folio = self._next_folio(order.supplier)
        self.guides += 1
        receipt = goods_receipt_post(
            order=order,
            lines=[
                ReceiptLineInput(
                    code=item.product.sku,
                    quantity=quantities[item.product.pk],
                    product_id=item.product.pk,
                )
                for item in items
                if item.product.pk in quantities
            ],
            user=self.user,
            supplier_document=_("Factura %(folio)s") % {"folio": folio},
            notes=_("Guía de despacho %(number)s") % {"number": self.guides},
            at=when,
        )
        self._invoice(receipt, folio, when.date())

    def _invoice(self, receipt: GoodsReceipt, folio: int, day: date) -> None:
        """The invoice that came with the goods, for exactly what was received."""
        invoice = supplier_invoice_record(
            supplier=receipt.supplier,
            folio=folio,
            issued_on=day,
            net_clp=receipt.net_clp,
            exempt_clp=receipt.exempt_clp,
            iva_clp=receipt.iva_clp,
            ila_by_rate=receipts_ila_by_rate([receipt]),
            total_clp=receipt.total_clp,
            receipts=[receipt],
            user=self.user,
        )
        recorded = min(receipt.received_at + timedelta(minutes=25), self.shop.now)
        backdate(SupplierInvoice, invoice.pk, recorded_at=recorded)

    def _next_folio(self, supplier: Supplier) -> int:
        folio = self.folios[supplier.pk]
        self.folios[supplier.pk] += self.rng.randrange(3, 40)  # it invoices other shops too
        return folio

    def _next_weekday(self, weekday: int) -> date:
        ahead = (weekday - self.shop.today.weekday() - 1) % 7 + 1
        return self.shop.today + timedelta(days=ahead)
