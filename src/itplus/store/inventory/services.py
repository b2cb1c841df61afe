"""Inventory writes. Every stock change goes through ``stock_apply`` (or a use case
built on it: adjustments, transfers, counts), so ``Stock.quantity`` always equals the
sum of the product's movements in that warehouse.

Lock order, the same in every writer (see sales): cash session → document series →
stock rows in (product id, warehouse id) order → customer. A count sheet's own row is
locked before its stock rows; nothing else locks count sheets.
"""

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
from itplus.core.numbers import format_quantity
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import PermissionRefused, require_role
from itplus.store.catalog.models import Category, Product
from itplus.store.catalog.quantities import product_quantity_parse
from itplus.store.catalog.selectors import product_resolve_code
from itplus.store.config import get_config
from itplus.store.inventory.models import (
    CountLine,
    CountSheet,
    MovementKind,
    Stock,
    StockMovement,
    Warehouse,
)


class InsufficientStock(BusinessError):
    code = "stock_insuficiente"
    status = 409


class InventoryError(BusinessError):
    """Bad input to an inventory use case (zero quantity, missing reason, …)."""

    code = "inventario"


class InventoryNotAllowed(PermissionRefused):
    code = "inventario_no_autorizado"
    status = 403


class CountSheetClosed(BusinessError):
    code = "toma_cerrada"
    status = 409


@dataclass(frozen=True, slots=True)
class StockChange:
    product: Product
    quantity: Decimal  # signed: + in, − out
    sale_line_id: int | None = None
    # Overrides ``stock_apply``'s warehouse for this change (transfers touch two).
    warehouse: Warehouse | None = None


def default_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_default=True).first()
    if warehouse is None:
        warehouse, _created = Warehouse.objects.get_or_create(
            code="principal", defaults={"name": _("Bodega principal"), "is_default": True}
        )
    return warehouse


def negative_stock_allowed() -> bool:
    return get_config().inventory.allow_negative_stock


def _stock_lock(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Stock]:
    """Lock the stock rows of (product id, warehouse id) pairs, creating missing ones.

    One INSERT … ON CONFLICT DO NOTHING makes sure each row exists, then one SELECT …
    FOR UPDATE ordered by (product, warehouse) locks them: every writer locks in that
    order, so concurrent sales, transfers and counts never deadlock.
    """
    pairs = sorted(set(pairs))
    Stock.objects.bulk_create(
        [Stock(product_id=p, warehouse_id=w) for p, w in pairs], ignore_conflicts=True
    )
    product_ids = sorted({p for p, _w in pairs})
    warehouse_ids = sorted({w for _p, w in pairs})
    rows = (
        Stock.objects.select_for_update()
        .filter(product_id__in=product_ids, warehouse_id__in=warehouse_ids)
        .order_by("product_id", "warehouse_id")
    )
    wanted = set(pairs)
    return {
        (s.product_id, s.warehouse_id): s for s in rows if (s.product_id, s.warehouse_id) in wanted
    }


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

    Each change goes to its own ``warehouse`` if it names one, else to ``warehouse``,
    else to the default warehouse. Stock rows are locked in (product id, warehouse id)
    order (every writer uses the same order, so concurrent terminals never deadlock).
    Each movement stores the stock it left (``resulting_quantity``), so the ledger is a
    running balance. Going below zero is refused with a Spanish message unless the
    store's setting — or ``allow_negative`` — allows it; never silently.
    """
    if kind not in MovementKind.values:
        raise InventoryError(_("Tipo de movimiento desconocido."))
    default = warehouse or default_warehouse()
    allow_negative = negative_stock_allowed() if allow_negative is None else allow_negative
    changes = [c for c in changes if c.quantity != 0]
    if not changes:
        return []
    locked = _stock_lock((c.product.pk, (c.warehouse or default).pk) for c in changes)
    now = at or timezone.now()
    movements = []
    for change in changes:
        target = change.warehouse or default
        stock = locked[(change.product.pk, target.pk)]
        stock.quantity += change.quantity
        if stock.quantity < 0 and change.quantity < 0 and not allow_negative:
            raise InsufficientStock(
                _("Stock insuficiente de «%(product)s» en %(warehouse)s: quedarían %(qty)s.")
                % {
                    "product": change.product.name,
                    "warehouse": target.name,
                    "qty": format_quantity(stock.quantity),
                }
            )
        movements.append(
            StockMovement(
                product=change.product,
                warehouse=target,
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
        raise InventoryError(_("La cantidad del movimiento no puede ser cero."))
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


# --- Input checks shared by the back-office use cases ----------------------------------


def _require_manager(user: User, what: str) -> None:
    require_role(user, Role.SUPERVISOR, what=what, error=InventoryNotAllowed)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InventoryError(_("Indique el motivo (por ejemplo: merma, vencido, robo, error)."))
    return reason


# --- Adjustments and transfers ---------------------------------------------------------


@transaction.atomic
def stock_adjust(
    *,
    product: Product,
    quantity: Decimal | str,
    reason: str,
    user: User,
    warehouse: Warehouse | None = None,
    reference: str = "",
) -> StockMovement:
    """A manual correction (kind ``ajuste``) by a supervisor or administrator.

    ``quantity`` is signed (−3 = three units less). The reason is required and kept on
    the movement. Taking stock below zero follows the store's setting. Nothing changes
    when any check fails.
    """
    _require_manager(user, _("ajustar el stock"))
    quantity = product_quantity_parse(quantity, product=product, allow_negative=True)
    if quantity == 0:
        raise InventoryError(_("El ajuste no puede ser cero."))
    reason = _require_reason(reason)
    (movement,) = stock_apply(
        changes=[StockChange(product=product, quantity=quantity)],
        kind=MovementKind.ADJUSTMENT,
        user=user,
        warehouse=warehouse,
        reason=reason,
        reference=reference,
    )
    return movement


@dataclass(frozen=True, slots=True)
class TransferLine:
    product: Product
    quantity: Decimal | str  # positive: what leaves the source


@transaction.atomic
def stock_transfer(
    *,
    lines: list[TransferLine],
    source: Warehouse,
    destination: Warehouse,
    user: User,
    reason: str = "",
) -> list[StockMovement]:
    """Move goods between two warehouses: per product one movement out of the source
    and one into the destination (kind ``transferencia``), in one transaction.

    Both warehouses' stock rows are locked in the global (product, warehouse) order.
    Taking the source below zero is refused unless the store allows negative stock.
    """
    _require_manager(user, _("transferir entre bodegas"))
    if source.pk == destination.pk:
        raise InventoryError(_("La bodega de origen y la de destino deben ser distintas."))
    if not lines:
        raise InventoryError(_("La transferencia no tiene productos."))
    changes: list[StockChange] = []
    seen: set[int] = set()
    for line in lines:
        quantity = product_quantity_parse(line.quantity, product=line.product, positive=True)
        if line.product.pk in seen:
            raise InventoryError(
                _("«%(product)s» está dos veces en la transferencia.")
                % {"product": line.product.name}
            )
        seen.add(line.product.pk)
        changes.append(StockChange(product=line.product, quantity=-quantity, warehouse=source))
        changes.append(StockChange(product=line.product, quantity=quantity, warehouse=destination))
    reference = _("%(source)s → %(destination)s") % {
        "source": source.code,
        "destination": destination.code,
    }
    return stock_apply(
        changes=changes,
        kind=MovementKind.TRANSFER,
        user=user,
        reason=(reason or "").strip(),
        reference=reference,
    )


# --- Reorder points --------------------------------------------------------------------


@transaction.atomic
def reorder_point_set(
    *,
    product: Product,
    warehouse: Warehouse,
    reorder_point: Decimal | str | None,
    reorder_target: Decimal | str | None = None,
    user: User,
) -> Stock:
    """Set (or clear, with None) a product's reorder point and target in a warehouse.

    Only these two columns are written, so a sale updating the quantity at the same
    moment is never overwritten.
    """
    _require_manager(user, _("cambiar puntos de reposición"))
    point = (
        None
        if reorder_point in (None, "")
        else product_quantity_parse(reorder_point, product=product)
    )
    target = (
        None
        if reorder_target in (None, "")
        else product_quantity_parse(reorder_target, product=product)
    )
    if target is not None and point is None:
        raise InventoryError(_("Para fijar un stock objetivo indique el punto de reposición."))
    if target is not None and target < point:
        raise InventoryError(_("El stock objetivo no puede ser menor que el punto de reposición."))
    Stock.objects.bulk_create([Stock(product=product, warehouse=warehouse)], ignore_conflicts=True)
    Stock.objects.filter(product=product, warehouse=warehouse).update(
        reorder_point=point, reorder_target=target
    )
    return Stock.objects.get(product=product, warehouse=warehouse)


# --- Physical counts -------------------------------------------------------------------


@transaction.atomic
def count_sheet_open(
    *, warehouse: Warehouse, user: User, category: Category | None = None, note: str = ""
) -> CountSheet:
    """Open a count of a warehouse (or of one category in it), snapshotting the expected
    quantity of every active product it covers, for information on the count page."""
    _require_manager(user, _("iniciar una toma de inventario"))
    sheet = CountSheet.objects.create(
        warehouse=warehouse,
        category=category,
        note=(note or "").strip()[:200],
        created_by=user,
        created_at=timezone.now(),
    )
    products = Product.objects.filter(is_active=True)
    if category is not None:
        products = products.filter(category=category)
    stock = dict(
        Stock.objects.filter(warehouse=warehouse, product__in=products).values_list(
            "product_id", "quantity"
        )
    )
    CountLine.objects.bulk_create(
        [
            CountLine(sheet=sheet, product_id=pid, expected_quantity=stock.get(pid, 0))
            for pid in products.order_by("pk").values_list("pk", flat=True).iterator()
        ],
        batch_size=2000,
    )
    return sheet


def _open_sheet_locked(sheet: CountSheet) -> CountSheet:
    # Row lock: a scan, a posting and a cancellation of the same sheet run one at a time,
    # so a sheet is posted at most once and no scan lands on a posted sheet.
    locked = CountSheet.objects.select_for_update().get(pk=sheet.pk)
    if locked.status != CountSheet.Status.OPEN:
        raise CountSheetClosed(
            _("La toma N° %(id)s ya está %(status)s: no se puede modificar.")
            % {"id": locked.pk, "status": locked.get_status_display().lower()}
        )
    return locked


@transaction.atomic
def count_sheet_scan(
    *, sheet: CountSheet, code: str, user: User, quantity: Decimal | str | None = None
) -> CountLine:
    """Add what was counted of one product, found by barcode, scale label or SKU.

    Each scan adds ``quantity`` (default 1 for unit products). Weighed products need the
    weight in kg, unless the code is a scale label with the weight in it. A product not
    in the snapshot (another category, new) gets a line with its current stock as the
    expected quantity.
    """
    sheet = _open_sheet_locked(sheet)
    code = (code or "").strip()
    resolved = product_resolve_code(code=code) if code else None
    if resolved is None:
        raise InventoryError(
            _("Código «%(code)s» no encontrado: revise el código o búsquelo por nombre.")
            % {"code": code[:32]}
        )
    product = resolved.product
    if resolved.embedded_weight_kg is not None and quantity in (None, ""):
        amount = resolved.embedded_weight_kg
    elif quantity in (None, ""):
        if product.is_weighed:
            raise InventoryError(
                _("«%(product)s» se vende a granel: indique el peso contado en kg.")
                % {"product": product.name}
            )
        amount = Decimal(1)
    else:
        amount = quantity
    amount = product_quantity_parse(amount, product=product, positive=True)
    line = _line_for(sheet, product)
    # The running total meets the same limit as a quantity typed at once.
    line.counted_quantity = product_quantity_parse(
        (line.counted_quantity or 0) + amount, product=product
    )
    line.counted_at = timezone.now()
    line.save(update_fields=["counted_quantity", "counted_at"])
    return line


def _line_for(sheet: CountSheet, product: Product) -> CountLine:
    line = CountLine.objects.filter(sheet=sheet, product=product).first()
    if line is None:
        expected = (
            Stock.objects.filter(warehouse=sheet.warehouse, product=product)
            .values_list("quantity", flat=True)
            .first()
        )
        line = CountLine.objects.create(
            sheet=sheet, product=product, expected_quantity=expected or 0
        )
    return line


@transaction.atomic
def count_line_set(
    *, sheet: CountSheet, product: Product, counted: Decimal | str | None, user: User
) -> CountLine:
    """Correct a line: the counted quantity becomes ``counted`` (None = not counted)."""
    sheet = _open_sheet_locked(sheet)
    value = None if counted in (None, "") else product_quantity_parse(counted, product=product)
    line = _line_for(sheet, product)
    line.counted_quantity = value
    line.counted_at = timezone.now() if value is not None else None
    line.save(update_fields=["counted_quantity", "counted_at"])
    return line


@transaction.atomic
def count_sheet_post(
    *, sheet: CountSheet, user: User, uncounted_as_zero: bool = False
) -> list[StockMovement]:
    """Post a count: for each counted product, one ``conteo`` movement of
    counted − stock at this moment, so afterwards the stock is exactly what was counted.

    Why the stock at posting and not the snapshot taken when the sheet was opened: the
    till keeps selling while people count, and those sales are already in the ledger
    (``venta`` movements). A difference against the snapshot would subtract them a
    second time. The snapshot stays on each line for information ("esperado al inicio"),
    and the count page shows what moved since. Post right after counting: a sale
    between a product's scan and the posting is the only thing the count cannot see.

    Uncounted lines are left alone, or set to zero with ``uncounted_as_zero`` (a full
    count where "not found" means "not there"). Posting twice, or a cancelled sheet, is
    refused; the sheet, its lines and the movements are written in one transaction.
    """
    _require_manager(user, _("contabilizar una toma de inventario"))
    sheet = _open_sheet_locked(sheet)
    lines = list(sheet.lines.select_related("product").order_by("product_id"))
    if uncounted_as_zero:
        for line in lines:
            if line.counted_quantity is None:
                line.counted_quantity = Decimal(0)
    counted = [line for line in lines if line.counted_quantity is not None]
    if not counted:
        raise InventoryError(_("La toma no tiene productos contados."))
    locked = _stock_lock((line.product_id, sheet.warehouse_id) for line in counted)
    changes = []
    for line in counted:
        line.stock_at_posting = locked[(line.product_id, sheet.warehouse_id)].quantity
        diff = line.counted_quantity - line.stock_at_posting
        if diff:
            changes.append(StockChange(product=line.product, quantity=diff))
    movements = stock_apply(
        changes=changes,
        kind=MovementKind.COUNT,
        user=user,
        warehouse=sheet.warehouse,
        reason=_("Toma de inventario N° %(id)s") % {"id": sheet.pk},
        reference=f"TOMA-{sheet.pk}",
        # A count sets the stock to what is on the shelf; never below zero anyway.
        allow_negative=True,
    )
    by_product = {m.product_id: m for m in movements}
    for line in counted:
        line.movement = by_product.get(line.product_id)
    CountLine.objects.bulk_update(
        counted, ["counted_quantity", "stock_at_posting", "movement"], batch_size=2000
    )
    sheet.status = CountSheet.Status.POSTED
    sheet.closed_by = user
    sheet.closed_at = timezone.now()
    sheet.save(update_fields=["status", "closed_by", "closed_at"])
    return movements


@transaction.atomic
def count_sheet_cancel(*, sheet: CountSheet, user: User, reason: str) -> CountSheet:
    """Cancel an open count without touching stock (kept, with the reason)."""
    _require_manager(user, _("anular una toma de inventario"))
    reason = _require_reason(reason)
    sheet = _open_sheet_locked(sheet)
    sheet.status = CountSheet.Status.CANCELLED
    sheet.closed_by = user
    sheet.closed_at = timezone.now()
    sheet.close_reason = reason[:200]
    sheet.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
    return sheet
