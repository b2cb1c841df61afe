"""Audit checks of the inventory ledger (registered with ``itplus audit``).

The ledger is the truth: for every product and warehouse, each movement's
``resulting_quantity`` must be the running sum of the movements up to it (in id order,
which is the order they were written under the stock row lock), and ``Stock.quantity``
must equal the sum of all of them. A stock row edited by hand, a movement deleted or
altered, breaks one of the two and is named here.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from itplus.core.audit import AuditContext, AuditProblem, register_check
from itplus.core.numbers import format_quantity
from itplus.store.catalog.models import Product
from itplus.store.inventory.models import Stock, StockMovement, Warehouse

CHECK = "inventario"


def _label(names: dict[int, str], product_id: int, warehouse: str) -> str:
    return _("«%(product)s» en %(warehouse)s") % {
        "product": names.get(product_id, f"#{product_id}"),
        "warehouse": warehouse,
    }


def _ledger_sum_now(using: str, stock_id: int) -> tuple[Decimal, Decimal] | None:
    """(stock, sum of its movements) read in one statement: one snapshot, even on a
    database where the tills keep selling while the audit runs."""
    ledger = (
        StockMovement.objects.using(using)
        .filter(product_id=OuterRef("product_id"), warehouse_id=OuterRef("warehouse_id"))
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    row = (
        Stock.objects.using(using)
        .filter(pk=stock_id)
        .annotate(
            ledger=Coalesce(
                Subquery(ledger),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            )
        )
        .values_list("quantity", "ledger")
        .first()
    )
    return None if row is None else (Decimal(row[0]), Decimal(row[1]))


@register_check
def check_stock_ledger(ctx: AuditContext) -> Iterator[AuditProblem]:
    """Running balances of the movements, and stock = sum of the ledger."""
    using = ctx.using
    warehouses = dict(Warehouse.objects.using(using).values_list("id", "name"))
    sums: dict[tuple[int, int], Decimal] = {}
    bad_pairs: list[tuple[int, int, int]] = []  # (product, warehouse, movement id)
    # One pass in index order (product, warehouse, id), streaming.
    for product_id, warehouse_id, movement_id, quantity, resulting in (
        StockMovement.objects.using(using)
        .order_by("product_id", "warehouse_id", "id")
        .values_list("product_id", "warehouse_id", "id", "quantity", "resulting_quantity")
        .iterator(chunk_size=5000)
    ):
        ctx.count("movimientos de inventario")
        key = (product_id, warehouse_id)
        running = sums.get(key, Decimal(0)) + quantity
        sums[key] = running
        if running != resulting and (not bad_pairs or bad_pairs[-1][:2] != key):
            bad_pairs.append((product_id, warehouse_id, movement_id))

    mismatched: list[tuple[int, int, int, Decimal]] = []  # (stock id, product, wh, qty)
    seen: set[tuple[int, int]] = set()
    for stock_id, product_id, warehouse_id, quantity in (
        Stock.objects.using(using)
        .order_by("product_id", "warehouse_id")
        .values_list("id", "product_id", "warehouse_id", "quantity")
        .iterator(chunk_size=5000)
    ):
        ctx.count("existencias")
        key = (product_id, warehouse_id)
        seen.add(key)
        if quantity != sums.get(key, Decimal(0)):
            mismatched.append((stock_id, product_id, warehouse_id, quantity))
    orphans = [key for key in sums if key not in seen and sums[key] != 0]

    wanted = {p for p, _w, _m in bad_pairs} | {p for _s, p, _w, _q in mismatched}
    wanted |= {p for p, _w in orphans}
    names = dict(Product.objects.using(using).filter(pk__in=wanted).values_list("id", "name"))

    for product_id, warehouse_id, movement_id in bad_pairs:
        label = _label(names, product_id, warehouses.get(warehouse_id, "?"))
        yield AuditProblem(
            check=CHECK,
            message=_(
                "%(what)s: el movimiento N° %(id)s no sigue al saldo anterior (su existencia "
                "resultante no es la suma de los movimientos): se alteró o falta un movimiento."
            )
            % {"what": label, "id": movement_id},
            document=label,
        )
    for stock_id, product_id, warehouse_id, _quantity in mismatched:
        # A sale committed between the two passes above is not a problem: re-read the
        # pair in one statement before reporting it.
        now = _ledger_sum_now(using, stock_id)
        if now is None or now[0] == now[1]:
            continue
        label = _label(names, product_id, warehouses.get(warehouse_id, "?"))
        yield AuditProblem(
            check=CHECK,
            message=_(
                "%(what)s: la existencia registrada (%(stock)s) no es la suma de sus "
                "movimientos (%(ledger)s): el stock se modificó fuera del libro de inventario."
            )
            % {"what": label, "stock": format_quantity(now[0]), "ledger": format_quantity(now[1])},
            document=label,
        )
    for product_id, warehouse_id in orphans:
        label = _label(names, product_id, warehouses.get(warehouse_id, "?"))
        yield AuditProblem(
            check=CHECK,
            message=_(
                "%(what)s: tiene movimientos (suman %(ledger)s) pero no tiene registro de "
                "existencia."
            )
            % {"what": label, "ledger": format_quantity(sums[(product_id, warehouse_id)])},
            document=label,
        )
