"""Inventory writes. Every change goes through ``stock_move`` (or its batch form)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.catalog.models import Product
from itplus.store.config import get_config
from itplus.store.inventory.models import MovementKind, Stock, StockMovement, Warehouse


class InsufficientStock(BusinessError):
    code = "stock_insuficiente"
    status = 409


@dataclass(frozen=True, slots=True)
class StockChange:
    product: Product
    quantity: Decimal  # signed: + in, − out
    sale_line_id: int | None = None


def default_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_default=True).first()
    if warehouse is None:
        warehouse, _created = Warehouse.objects.get_or_create(
            code="principal", defaults={"name": _("Bodega principal"), "is_default": True}
        )
    return warehouse


def negative_stock_allowed() -> bool:
    return bool(get_config()["inventory"]["allow_negative_stock"])


@transaction.atomic
def stock_apply(
    *,
    changes: Iterable[StockChange],
    kind: str,
    user: User,
    warehouse: Warehouse | None = None,
    reason: str = "",
    reference: str = "",
    allow_negative: bool | None = None,
    at: datetime | None = None,
) -> list[StockMovement]:
    """Record movements and update stock, all or nothing.

    Stock rows are locked in product-id order (every writer uses the same order, so
    concurrent terminals never deadlock). Going below zero is refused with a Spanish
    message unless the store's setting — or ``allow_negative`` — allows it; never silently.
    """
    if kind not in MovementKind.values:
        raise BusinessError(_("Tipo de movimiento desconocido."))
    warehouse = warehouse or default_warehouse()
    allow_negative = negative_stock_allowed() if allow_negative is None else allow_negative
    changes = [c for c in changes if c.quantity != 0]
    if not changes:
        return []
    product_ids = sorted({c.product.pk for c in changes})
    # Make sure each product has its stock row (one INSERT … ON CONFLICT DO NOTHING),
    # then lock them all.
    Stock.objects.bulk_create(
        [Stock(product_id=pid, warehouse=warehouse) for pid in product_ids], ignore_conflicts=True
    )
    locked = {
        s.product_id: s
        for s in Stock.objects.select_for_update()
        .filter(warehouse=warehouse, product_id__in=product_ids)
        .order_by("product_id")
    }
    now = at or timezone.now()
    movements = []
    for change in changes:
        stock = locked[change.product.pk]
        stock.quantity += change.quantity
        if stock.quantity < 0 and change.quantity < 0 and not allow_negative:
            raise InsufficientStock(
                _("Stock insuficiente de «%(product)s»: quedarían %(qty)s.")
                % {"product": change.product.name, "qty": f"{stock.quantity.normalize():f}"}
            )
        movements.append(
            StockMovement(
                product=change.product,
                warehouse=warehouse,
                kind=kind,
                quantity=change.quantity,
                resulting_quantity=stock.quantity,
                user=user,
                reason=reason[:200],
                reference=reference[:60],
                sale_line_id=change.sale_line_id,
                created_at=now,
            )
        )
    Stock.objects.bulk_update(locked.values(), ["quantity"])
    return StockMovement.objects.bulk_create(movements)


def stock_move(
    *,
    product: Product,
    quantity: Decimal,
    kind: str,
    user: User,
    warehouse: Warehouse | None = None,
    reason: str = "",
    reference: str = "",
    allow_negative: bool | None = None,
) -> StockMovement:
    """One movement of one product (see ``stock_apply``)."""
    if quantity == 0:
        raise BusinessError(_("La cantidad del movimiento no puede ser cero."))
    (movement,) = stock_apply(
        changes=[StockChange(product=product, quantity=Decimal(quantity))],
        kind=kind,
        user=user,
        warehouse=warehouse,
        reason=reason,
        reference=reference,
        allow_negative=allow_negative,
    )
    return movement
