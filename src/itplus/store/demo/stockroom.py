"""The demo shop's stockroom work, through the inventory services.

Reorder points are set before the history (they carry no date). The rest is this
morning's work, stamped with the present because the inventory services take no date:
boxes moved to the back room, expired goods written off, one category counted and
posted, another count under way.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils.translation import gettext as _

from itplus.store.catalog.models import Category
from itplus.store.demo import data
from itplus.store.demo.shop import REORDER_DAYS, TARGET_DAYS, Shop
from itplus.store.inventory.models import Stock, Warehouse
from itplus.store.inventory.services import (
    TransferLine,
    count_line_set,
    count_sheet_open,
    count_sheet_post,
    count_sheet_scan,
    reorder_point_set,
    stock_adjust,
    stock_transfer,
)

COUNTED_CATEGORY = "Limpieza"
COUNTING_CATEGORY = "Confites y snacks"
EXPIRING_CATEGORIES = ("Lácteos", "Panadería")
# Top-ups of a transport card have no shelf: no reorder point.
NO_REORDER_CATEGORIES = ("Servicios",)


def reorder_points_set(*, shop: Shop) -> int:
    """Reorder point ≈ 3 days of expected sales, target ≈ 10, in the main warehouse."""
    count = 0
    for item in shop.items:
        if item.category in NO_REORDER_CATEGORIES:
            continue
        reorder_point_set(
            product=item.product,
            warehouse=shop.warehouse,
            reorder_point=item.days_of_sales(REORDER_DAYS, minimum=2),
            reorder_target=item.days_of_sales(TARGET_DAYS, minimum=6),
            user=shop.users["admin"],
        )
        count += 1
    return count


def stockroom_today(*, shop: Shop, rng: random.Random) -> None:
    user = shop.users["admin"]
    on_hand = dict(
        Stock.objects.filter(warehouse=shop.warehouse).values_list("product_id", "quantity")
    )

    # No service creates warehouses (the admin page saves the model): the model it is.
    code, name = data.BACK_ROOM
    back_room, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
    roomy = sorted(
        (i for i in shop.items if not i.is_weighed and i.category not in NO_REORDER_CATEGORIES),
        key=lambda i: -on_hand.get(i.product.pk, 0) / i.days_of_sales(TARGET_DAYS, minimum=6),
    )[:5]
    boxes = [
        TransferLine(product=i.product, quantity=on_hand.get(i.product.pk, 0) // 4) for i in roomy
    ]
    boxes = [line for line in boxes if line.quantity >= 1]
    if boxes:  # nothing to move before the first delivery
        stock_transfer(
            lines=boxes,
            source=shop.warehouse,
            destination=back_room,
            user=user,
            reason=_("Cajas que no caben en la sala de ventas"),
        )

    expiring = [
        i
        for i in shop.items
        if i.category in EXPIRING_CATEGORIES
        and not i.is_weighed
        and on_hand.get(i.product.pk, 0) >= 4
    ]
    for item in rng.sample(expiring, min(4, len(expiring))):
        stock_adjust(product=item.product, quantity="-2", reason=_("Merma: vencidos"), user=user)

    _count(shop, rng, COUNTED_CATEGORY, post=True)
    _count(shop, rng, COUNTING_CATEGORY, post=False)


def _count(shop: Shop, rng: random.Random, category_name: str, *, post: bool) -> None:
    user = shop.users["admin"]
    category = Category.objects.get(name=category_name)
    sheet = count_sheet_open(
        warehouse=shop.warehouse,
        user=user,
        category=category,
        note=_("Toma mensual de %(category)s") % {"category": category_name.lower()},
    )
    lines = list(sheet.lines.select_related("product").order_by("product_id"))
    barcodes = {i.product.pk: i.barcode for i in shop.items}
    if not post:
        lines = lines[: len(lines) // 3]  # counting is under way
    for line in lines:
        counted = max(line.expected_quantity, Decimal(0))
        roll = rng.random()
        if roll < 0.08 and counted > 0:
            counted -= 1  # missing from the shelf
        elif roll < 0.12:
            counted += 1  # a box the ledger did not know about
        if counted > 0:
            count_sheet_scan(
                sheet=sheet, code=barcodes[line.product_id], user=user, quantity=counted
            )
        else:
            count_line_set(sheet=sheet, product=line.product, counted="0", user=user)
    if post:
        count_sheet_post(sheet=sheet, user=user)
