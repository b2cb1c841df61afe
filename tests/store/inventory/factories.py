"""Inventory test data, built through the real services."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.conf import settings

from itplus.store.config import config_section_set
from itplus.store.inventory.models import MovementKind, Stock, StockMovement, Warehouse
from itplus.store.inventory.services import StockChange, default_warehouse, stock_apply

_seq = itertools.count(1)


def make_warehouse(*, code: str | None = None, name: str | None = None) -> Warehouse:
    n = next(_seq)
    return Warehouse.objects.create(code=code or f"bodega-{n}", name=name or f"Bodega {n}")


def receive(product, quantity, *, user, warehouse: Warehouse | None = None) -> StockMovement:
    """Goods in (kind recepcion), as the purchases app will record them."""
    (movement,) = stock_apply(
        changes=[StockChange(product=product, quantity=Decimal(quantity))],
        kind=MovementKind.RECEIPT,
        user=user,
        warehouse=warehouse,
        reason="Recepción de prueba",
    )
    return movement


def stock_of(product, warehouse: Warehouse | None = None) -> Decimal:
    warehouse = warehouse or default_warehouse()
    row = Stock.objects.filter(product=product, warehouse=warehouse).first()
    return Decimal(0) if row is None else row.quantity


def set_negative_stock(allowed: bool) -> None:
    """Write ``[inventory] allow_negative_stock`` (the conftest fixture restores the file)."""
    config_section_set(settings.ITPLUS_HOME, "inventory", {"allow_negative_stock": allowed})


def ledger_snapshot() -> tuple[int, list[tuple[int, int, Decimal]]]:
    """(movement count, every stock row's quantity) — to assert nothing changed."""
    return (
        StockMovement.objects.count(),
        list(Stock.objects.order_by("id").values_list("product_id", "warehouse_id", "quantity")),
    )
