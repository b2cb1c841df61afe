"""Purchases writes: suppliers, purchase orders, goods receipts (stock + costs) and
supplier invoices.

Decisions, so the back office and the tests agree:

- Quantities: weighed products (sold by kg) take up to 3 decimals; unit products take
  whole numbers. Zero or negative quantities and negative costs are refused.
- Receiving against an order: only a sent or partly received order
  ("enviada"/"parcial"); each line at most what is still pending on it, counted across
  every earlier receipt under the order's row lock. Products that are not on the order
  are refused unless the caller passes ``allow_unordered=True`` (the receive page has
  a checkbox "aceptar productos no pedidos"): then they are received with their own
  cost and no order line, and the order's pending quantities are not touched.
- Costs: ``ProductCost.average_cost_clp`` = (stock_before × average_before + qty ×
  unit_cost) / (stock_before + qty), rounded half up to the peso, where stock_before
  is the product's stock in every warehouse before the line. When stock_before ≤ 0
  (nothing on hand, or oversold) the average becomes the receipt's cost: there is no
  stock left to average with. Before the product's first receipt the "average before"
  is the catalog's cost. The catalog's ``cost_clp`` follows the last cost.
- Taxes: orders and receipts are stated in net amounts, as the supplier's factura is,
  so their taxes follow ``core.money.taxes_on_net`` over their lines (each line keeps
  its product's IVA-exempt flag and ILA code): net subject to IVA, exempt, IVA 19% on
  that net once, ILA per rate on that rate's net once. Costs are net unit costs: IVA
  and ILA paid to a supplier are tax credits (DL 825 arts. 23 and 43), not cost.
- Supplier invoices are recorded as printed: net, exempt, IVA, ILA per rate and other
  specific taxes (tobacco, fuel…), which must add up to the total. The supplier's own
  rounding is accepted up to ``TAX_LINE_TOLERANCE_CLP`` (a peso) per tax line: IVA
  against 19% of the invoice's net, and, with receipts linked, each ILA rate against
  the receipts' lines. Net and exempt must equal the linked receipts' to the peso and
  each tax line be within that rounding; anything else is refused unless
  ``accept_difference=True`` with a reason (freight, a price the supplier changed),
  and the invoice is then flagged. Other specific taxes are recorded as stated: no
  product carries them, so the receipts cannot check them, and they are not in costs.
- Lock order: purchase order → stock rows (product-id order, inside stock_apply) →
  product cost rows (product-id order) → product rows. Invoices lock their receipts
  (id order). Nobody else locks purchase rows, so this fits the store-wide order
  cash session → series → stock → customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.chile import rut_format, rut_validate
from itplus.core.errors import BusinessError
from itplus.core.money import (
    ILA_RATES,
    TAX_LINE_TOLERANCE_CLP,
    TaxSplit,
    format_clp,
    ila_on_net,
    round_clp,
    tax_key,
    taxes_on_net,
)
from itplus.core.numbers import format_quantity, parse_amount_clp
from itplus.store.catalog.models import Product
from itplus.store.catalog.quantities import product_quantity_parse
from itplus.store.catalog.selectors import product_resolve_code
from itplus.store.catalog.services import product_update
from itplus.store.inventory.models import MovementKind, Stock, Warehouse
from itplus.store.inventory.services import StockChange, default_warehouse, stock_apply
from itplus.store.purchases.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    OrderStatus,
    ProductCost,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierInvoice,
)


class PurchaseError(BusinessError):
    code = "compra_invalida"


class OverReceipt(PurchaseError):
    code = "recepcion_excede_pendiente"
    status = 409


class OrderNotReceivable(PurchaseError):
    code = "orden_no_recibible"
    status = 409


class DuplicateInvoice(PurchaseError):
    code = "factura_duplicada"
    status = 409


class InvoiceMismatch(PurchaseError):
    code = "factura_no_cuadra"


# ---------------------------------------------------------------- amounts and input


def iva_of(net_clp: int) -> int:
    """IVA 19% on a document's net total, rounded half up once (``taxes_on_net``)."""
    return taxes_on_net([("iva", net_clp)]).iva_clp


def line_tax_key(line: PurchaseOrderLine | GoodsReceiptLine) -> str:
    return tax_key(exempt=line.is_exempt, ila_code=line.ila_tax)


def lines_taxes(lines: Iterable[PurchaseOrderLine | GoodsReceiptLine]) -> TaxSplit:
    """A net-stated document's parts from its lines: net, exempt, IVA, ILA."""
    return taxes_on_net((line_tax_key(line), line.net_clp) for line in lines)


def _totals_set(document: PurchaseOrder | GoodsReceipt, lines) -> None:
    taxes = lines_taxes(lines)
    document.net_clp = taxes.net_clp
    document.exempt_clp = taxes.exempt_clp
    document.iva_clp = taxes.iva_clp
    document.ila_clp = taxes.ila_clp
    document.total_clp = taxes.total_clp


def ila_label(code: str) -> str:
    """ "ILA 31,5 %" for "ila_315"."""
    percent = f"{ILA_RATES[code] * 100:f}".rstrip("0").rstrip(".").replace(".", ",")
    return _("ILA %(rate)s%%") % {"rate": percent}


def line_net(quantity: Decimal, unit_cost_clp: int) -> int:
    return round_clp(quantity * unit_cost_clp)


def _cost(value, product: Product) -> int:
    return parse_amount_clp(value, field=_("Costo de «%(product)s»") % {"product": product.name})


def _resolve(code: str, product_id: int | None = None) -> Product:
    if product_id is not None:
        # A line the page already knows (an order line): the product itself, even if
        # it was deactivated after it was ordered.
        product = Product.objects.filter(pk=product_id).first()
        if product is not None:
            return product
    resolved = product_resolve_code(code=code or "")
    if resolved is None:
        raise PurchaseError(
            _("No existe un producto activo con el código «%(code)s».")
            % {"code": (code or "").strip()},
            code="producto_desconocido",
        )
    return resolved.product


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    """A line of a purchase order: a barcode or SKU, a quantity, the net unit cost."""

    code: str
    quantity: Decimal | str
    unit_cost_clp: int | str
    product_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReceiptLineInput:
    """A received line: a barcode or SKU and the quantity. The cost defaults to the
    order line's cost; it is required for products not on an order."""

    code: str
    quantity: Decimal | str
    unit_cost_clp: int | str | None = None
    product_id: int | None = None  # instead of the code, when the page knows it


# ---------------------------------------------------------------------- suppliers

SUPPLIER_FIELDS = (
    "rut",
    "name",
    "giro",
    "address",
    "comuna",
    "contact_name",
    "phone",
    "email",
    "payment_terms_days",
    "is_active",
)


def supplier_validate(*, supplier: Supplier) -> None:
    """Check and normalise a supplier in memory (RUT stored clean, text stripped);
    PurchaseError in Spanish if something is wrong. Writes nothing."""
    try:
        compact = rut_validate(supplier.rut)
    except BusinessError as exc:
        raise PurchaseError(exc.message, code=exc.code)
    supplier.rut = f"{compact[:-1]}-{compact[-1]}"
    for field in ("name", "giro", "address", "comuna", "contact_name", "phone", "email"):
        setattr(supplier, field, (getattr(supplier, field) or "").strip())
    if not supplier.name:
        raise PurchaseError(_("Ingrese la razón social del proveedor."))
    if supplier.email:
        try:
            validate_email(supplier.email)
        except ValidationError:
            raise PurchaseError(
                _("«%(email)s» no es un correo válido.") % {"email": supplier.email}
            )
    terms = supplier.payment_terms_days
    if isinstance(terms, bool) or not isinstance(terms, int) or not 0 <= terms <= 365:
        raise PurchaseError(_("El plazo de pago debe ser un número de días entre 0 y 365."))
    taken = Supplier.objects.filter(rut=supplier.rut).exclude(pk=supplier.pk).first()
    if taken:
        raise PurchaseError(
            _("Ya existe un proveedor con el RUT %(rut)s: %(name)s.")
            % {"rut": rut_format(supplier.rut), "name": taken.name},
            code="proveedor_duplicado",
        )


@transaction.atomic
def supplier_create(
    *,
    rut: str,
    name: str,
    giro: str = "",
    address: str = "",
    comuna: str = "",
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    payment_terms_days: int = 30,
    is_active: bool = True,
) -> Supplier:
    """A supplier with a valid RUT (módulo 11, stored clean "76123456-0"), not already
    registered; otherwise a Spanish PurchaseError and nothing is written."""
    supplier = Supplier(
        rut=rut,
        name=name,
        giro=giro,
        address=address,
        comuna=comuna,
        contact_name=contact_name,
        phone=phone,
        email=email,
        payment_terms_days=payment_terms_days,
        is_active=is_active,
    )
    supplier_validate(supplier=supplier)
    supplier.save()
    return supplier


@transaction.atomic
def supplier_update(*, supplier: Supplier, **fields) -> Supplier:
    """Change a supplier's data under the same rules as supplier_create."""
    unknown = set(fields) - set(SUPPLIER_FIELDS)
    if unknown:
        raise TypeError(f"supplier_update() got unexpected fields: {sorted(unknown)}")
    locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
    for field, value in fields.items():
        setattr(locked, field, value)
    supplier_validate(supplier=locked)
    locked.save()
    return locked


# ------------------------------------------------------------------ purchase orders


def _order_lines_build(lines: Sequence[OrderLineInput]) -> list[PurchaseOrderLine]:
    if not lines:
        raise PurchaseError(_("La orden de compra necesita al menos una línea."))
    built: list[PurchaseOrderLine] = []
    seen: dict[int, str] = {}
    for position, line in enumerate(lines, start=1):
        product = _resolve(line.code, line.product_id)
        if product.pk in seen:
            raise PurchaseError(
                _("«%(product)s» aparece dos veces en la orden: use una sola línea.")
                % {"product": product.name}
            )
        seen[product.pk] = line.code
        quantity = product_quantity_parse(line.quantity, product=product, positive=True)
        cost = _cost(line.unit_cost_clp, product)
        built.append(
            PurchaseOrderLine(
                position=position,
                product=product,
                quantity=quantity,
                unit_cost_clp=cost,
                net_clp=line_net(quantity, cost),
                ila_tax=product.ila_tax,
                is_exempt=product.is_exempt,
            )
        )
    return built


def _order_totals_set(order: PurchaseOrder, lines: Iterable[PurchaseOrderLine]) -> None:
    _totals_set(order, lines)


def _supplier_check(supplier: Supplier) -> None:
    if not supplier.is_active:
        raise PurchaseError(
            _("El proveedor %(name)s está inactivo.") % {"name": supplier.name},
            code="proveedor_inactivo",
        )


@transaction.atomic
def purchase_order_create(
    *,
    supplier: Supplier,
    lines: Sequence[OrderLineInput],
    user: User,
    expected_on: date | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """A draft ("borrador") order with its lines and totals (net, IVA 19% on the net
    total, total). Every line is checked first; any bad line and nothing is written."""
    _supplier_check(supplier)
    built = _order_lines_build(lines)
    order = PurchaseOrder(
        supplier=supplier,
        expected_on=expected_on,
        notes=notes.strip()[:300],
        created_by=user,
        created_at=timezone.now(),
    )
    _order_totals_set(order, built)
    order.save()
    for line in built:
        line.order = order
    PurchaseOrderLine.objects.bulk_create(built)
    return order


def _order_lock(order: PurchaseOrder) -> PurchaseOrder:
    # The order row is the lock every change of the order and its receipts takes, so
    # two receipts of the same order are counted one after the other.
    return PurchaseOrder.objects.select_for_update().select_related("supplier").get(pk=order.pk)


@transaction.atomic
def purchase_order_update(
    *,
    order: PurchaseOrder,
    lines: Sequence[OrderLineInput],
    user: User,
    expected_on: date | None = None,
    notes: str = "",
    supplier: Supplier | None = None,
) -> PurchaseOrder:
    """Replace a draft order's lines, date and notes (and supplier). Only while it is
    a draft: once sent, the supplier has it, so changes are a new order."""
    locked = _order_lock(order)
    if not locked.is_editable:
        raise PurchaseError(
            _("La orden OC-%(n)s ya no es borrador (%(status)s): no se puede editar.")
            % {"n": locked.pk, "status": locked.get_status_display()},
            code="orden_no_editable",
        )
    if supplier is not None and supplier.pk != locked.supplier_id:
        _supplier_check(supplier)
        locked.supplier = supplier
    built = _order_lines_build(lines)
    # Draft lines have never been received, so replacing them loses nothing.
    PurchaseOrderLine.objects.filter(order=locked).delete()
    for line in built:
        line.order = locked
    PurchaseOrderLine.objects.bulk_create(built)
    locked.expected_on = expected_on
    locked.notes = notes.strip()[:300]
    _order_totals_set(locked, built)
    locked.save()
    return locked


@transaction.atomic
def purchase_order_send(*, order: PurchaseOrder, user: User) -> PurchaseOrder:
    """Mark a draft as sent to the supplier: from now on it can be received, not edited."""
    locked = _order_lock(order)
    if locked.status != OrderStatus.DRAFT:
        raise PurchaseError(
            _("La orden OC-%(n)s ya fue enviada (%(status)s).")
            % {"n": locked.pk, "status": locked.get_status_display()}
        )
    locked.status = OrderStatus.SENT
    locked.sent_at = timezone.now()
    locked.save(update_fields=["status", "sent_at"])
    return locked


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, user: User, reason: str) -> PurchaseOrder:
    """Cancel an order (a status change; the order and its receipts stay). A partly
    received order can be cancelled: what arrived stays received, the rest is no
    longer expected."""
    reason = (reason or "").strip()
    if not reason:
        raise PurchaseError(_("Indique el motivo de la anulación."))
    locked = _order_lock(order)
    if locked.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
        raise PurchaseError(
            _("La orden OC-%(n)s está %(status)s: no se puede anular.")
            % {"n": locked.pk, "status": locked.get_status_display().lower()}
        )
    locked.status = OrderStatus.CANCELLED
    locked.cancelled_by = user
    locked.cancelled_at = timezone.now()
    locked.cancel_reason = reason[:200]
    locked.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    return locked


# ------------------------------------------------------------------ goods receipts


def average_cost(
    *, stock_before: Decimal, average_before_clp: int, quantity: Decimal, unit_cost_clp: int
) -> int:
    """Weighted average cost after receiving ``quantity`` at ``unit_cost_clp``.

    With nothing (or less than nothing) on hand the receipt's cost is the average.
    """
    if stock_before <= 0:
        return unit_cost_clp
    value = stock_before * average_before_clp + quantity * unit_cost_clp
    return round_clp(value / (stock_before + quantity))


@dataclass(slots=True)
class _ReceiptItem:
    product: Product
    quantity: Decimal
    unit_cost_clp: int
    order_line: PurchaseOrderLine | None


def _receipt_items(
    *,
    lines: Sequence[ReceiptLineInput],
    order_lines: dict[int, PurchaseOrderLine],
    allow_unordered: bool,
    order: PurchaseOrder | None,
) -> list[_ReceiptItem]:
    if not lines:
        raise PurchaseError(_("La recepción necesita al menos una línea."))
    items: dict[int, _ReceiptItem] = {}
    for line in lines:
        product = _resolve(line.code, line.product_id)
        quantity = product_quantity_parse(line.quantity, product=product, positive=True)
        order_line = order_lines.get(product.pk)
        if order is not None and order_line is None and not allow_unordered:
            raise PurchaseError(
                _(
                    "«%(product)s» no está en la orden OC-%(n)s. Para recibirlo marque "
                    "«aceptar productos no pedidos»."
                )
                % {"product": product.name, "n": order.pk},
                code="producto_no_pedido",
            )
        if line.unit_cost_clp is None or line.unit_cost_clp == "":
            if order_line is None:
                raise PurchaseError(
                    _("Indique el costo neto de «%(product)s».") % {"product": product.name}
                )
            cost = order_line.unit_cost_clp
        else:
            cost = _cost(line.unit_cost_clp, product)
        item = items.get(product.pk)
        if item is None:
            items[product.pk] = _ReceiptItem(product, quantity, cost, order_line)
        elif item.unit_cost_clp != cost:
            raise PurchaseError(
                _("«%(product)s» aparece dos veces con costos distintos.")
                % {"product": product.name}
            )
        else:
            item.quantity += quantity  # the same product scanned twice
    return list(items.values())


@transaction.atomic
def goods_receipt_post(
    *,
    user: User,
    lines: Sequence[ReceiptLineInput],
    order: PurchaseOrder | None = None,
    supplier: Supplier | None = None,
    warehouse: Warehouse | None = None,
    allow_unordered: bool = False,
    supplier_document: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> GoodsReceipt:
    """Receive goods against an order (or directly from a supplier) and post them.

    In one transaction: checks every line (known product, positive quantity, at most
    what is pending on the order line across all earlier receipts, non-negative cost),
    updates the order's received quantities and status (parcial → recibida), writes
    one stock movement per line (kind "recepcion", reference "OC-<n>/REC-<m>"), and
    updates the last and weighted average cost. Any failure: nothing changes.
    """
    if order is None and supplier is None:
        raise PurchaseError(_("Indique la orden de compra o el proveedor."))
    order_lines: dict[int, PurchaseOrderLine] = {}
    if order is not None:
        order = _order_lock(order)
        if supplier is not None and supplier.pk != order.supplier_id:
            raise PurchaseError(
                _("La orden OC-%(n)s es de %(name)s, no de %(other)s.")
                % {"n": order.pk, "name": order.supplier.name, "other": supplier.name}
            )
        supplier = order.supplier
        if not order.can_receive:
            if order.status == OrderStatus.DRAFT:
                message = _(
                    "La orden OC-%(n)s es un borrador: márquela como enviada antes de recibir."
                )
            elif order.status == OrderStatus.CANCELLED:
                message = _("La orden OC-%(n)s está anulada: no se puede recibir mercadería.")
            else:
                message = _("La orden OC-%(n)s ya se recibió completa.")
            raise OrderNotReceivable(message % {"n": order.pk})
        order_lines = {
            line.product_id: line
            for line in PurchaseOrderLine.objects.filter(order=order).select_related("product")
        }
    else:
        _supplier_check(supplier)

    items = _receipt_items(
        lines=lines, order_lines=order_lines, allow_unordered=allow_unordered, order=order
    )
    for item in items:
        line = item.order_line
        if line is not None and item.quantity > line.pending_quantity:
            raise OverReceipt(
                _(
                    "«%(product)s»: se pidieron %(ordered)s y ya se recibieron %(received)s; "
                    "quedan %(pending)s por recibir, no %(quantity)s."
                )
                % {
                    "product": item.product.name,
                    "ordered": format_quantity(line.quantity),
                    "received": format_quantity(line.received_quantity),
                    "pending": format_quantity(line.pending_quantity),
                    "quantity": format_quantity(item.quantity),
                }
            )

    now = at or timezone.now()
    warehouse = warehouse or default_warehouse()
    receipt = GoodsReceipt(
        supplier=supplier,
        order=order,
        warehouse=warehouse,
        supplier_document=(supplier_document or "").strip()[:30],
        notes=(notes or "").strip()[:300],
        received_by=user,
        received_at=now,
    )
    _totals_set(
        receipt,
        [
            GoodsReceiptLine(
                net_clp=line_net(i.quantity, i.unit_cost_clp),
                ila_tax=i.product.ila_tax,
                is_exempt=i.product.is_exempt,
            )
            for i in items
        ],
    )
    receipt.save()

    if order is not None:
        for item in items:
            if item.order_line is not None:
                item.order_line.received_quantity += item.quantity
        PurchaseOrderLine.objects.bulk_update(
            [i.order_line for i in items if i.order_line is not None], ["received_quantity"]
        )
        complete = all(line.pending_quantity == 0 for line in order_lines.values())
        order.status = OrderStatus.RECEIVED if complete else OrderStatus.PARTIAL
        order.save(update_fields=["status"])

    # Receipts only add stock, so the negative-stock rule never refuses them.
    movements = stock_apply(
        changes=[StockChange(product=i.product, quantity=i.quantity) for i in items],
        kind=MovementKind.RECEIPT,
        user=user,
        warehouse=warehouse,
        reason=_("Compra a %(supplier)s") % {"supplier": supplier.name},
        reference=receipt.reference,
        at=now,
    )
    costs = _costs_update(items=items, receipt=receipt, at=now)
    receipt_lines = []
    for position, (item, movement) in enumerate(zip(items, movements, strict=True), start=1):
        stock_before, average_before, average_after = costs[item.product.pk]
        receipt_lines.append(
            GoodsReceiptLine(
                receipt=receipt,
                position=position,
                order_line=item.order_line,
                product=item.product,
                quantity=item.quantity,
                unit_cost_clp=item.unit_cost_clp,
                net_clp=line_net(item.quantity, item.unit_cost_clp),
                ila_tax=item.product.ila_tax,
                is_exempt=item.product.is_exempt,
                movement=movement,
                stock_before=stock_before,
                average_cost_before_clp=average_before,
                average_cost_after_clp=average_after,
            )
        )
    GoodsReceiptLine.objects.bulk_create(receipt_lines)
    return receipt


def _costs_update(
    *, items: list[_ReceiptItem], receipt: GoodsReceipt, at: datetime
) -> dict[int, tuple[Decimal, int, int]]:
    """Update last and average cost of each received product; returns, per product,
    (stock before, average before, average after) for the receipt line.

    Called after stock_apply, whose stock rows are already updated and locked."""
    product_ids = sorted(i.product.pk for i in items)
    by_product = {i.product.pk: i for i in items}
    ProductCost.objects.bulk_create(
        [
            ProductCost(
                product_id=pid,
                last_cost_clp=by_product[pid].product.cost_clp,
                average_cost_clp=by_product[pid].product.cost_clp,
                updated_at=at,
            )
            for pid in product_ids
        ],
        ignore_conflicts=True,
    )
    # Locked so two receipts of the same product (even in different warehouses)
    # average one after the other; the stock below is read after taking the lock.
    locked = {
        c.product_id: c
        for c in ProductCost.objects.select_for_update()
        .filter(product_id__in=product_ids)
        .order_by("product_id")
    }
    totals = dict(
        Stock.objects.filter(product_id__in=product_ids)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    result: dict[int, tuple[Decimal, int, int]] = {}
    for pid in product_ids:
        item, cost = by_product[pid], locked[pid]
        stock_before = (totals.get(pid) or Decimal(0)) - item.quantity
        average_before = cost.average_cost_clp
        cost.average_cost_clp = average_cost(
            stock_before=stock_before,
            average_before_clp=average_before,
            quantity=item.quantity,
            unit_cost_clp=item.unit_cost_clp,
        )
        cost.last_cost_clp = item.unit_cost_clp
        cost.last_receipt = receipt
        cost.updated_at = at
        result[pid] = (stock_before, average_before, cost.average_cost_clp)
    ProductCost.objects.bulk_update(
        locked.values(), ["last_cost_clp", "average_cost_clp", "last_receipt", "updated_at"]
    )
    for pid in product_ids:
        # Through the catalog's service (same validation as the admin). The row is
        # re-read under a lock so a stale copy never writes back an old price.
        product = Product.objects.select_for_update().get(pk=pid)
        if product.cost_clp != by_product[pid].unit_cost_clp:
            product_update(product=product, cost_clp=by_product[pid].unit_cost_clp)
    return result


# ------------------------------------------------------------------ supplier invoices


def _invoice_amounts_check(
    *,
    folio: int,
    net_clp: int,
    exempt_clp: int,
    iva_clp: int,
    ila_by_rate: dict[str, int],
    other_taxes_clp: int,
    total_clp: int,
) -> None:
    """The invoice's own arithmetic: whole non-negative amounts that add up to the total,
    and IVA 19% of the net within the supplier's rounding."""
    amounts = [
        (_("folio"), folio),
        (_("neto"), net_clp),
        (_("exento"), exempt_clp),
        (_("IVA"), iva_clp),
        (_("otros impuestos"), other_taxes_clp),
        (_("total"), total_clp),
    ]
    for code, amount in ila_by_rate.items():
        if code not in ILA_RATES or not code:
            raise PurchaseError(_("Tasa de ILA desconocida: %(code)s.") % {"code": code})
        amounts.append((ila_label(code), amount))
    for label, value in amounts:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PurchaseError(
                _("El %(field)s de la factura debe ser un número entero no negativo.")
                % {"field": label}
            )
    if folio <= 0:
        raise PurchaseError(_("El folio de la factura debe ser mayor que cero."))
    stated = [(_("Neto"), net_clp), (_("exento"), exempt_clp), (_("IVA"), iva_clp)]
    stated += [(ila_label(code), amount) for code, amount in sorted(ila_by_rate.items())]
    stated.append((_("otros impuestos"), other_taxes_clp))
    parts = sum(amount for _label, amount in stated)
    if parts != total_clp:
        shown = [
            f"{label} {format_clp(amount)}"
            for position, (label, amount) in enumerate(stated)
            if amount or position in (0, 2)  # net and IVA always, the rest when present
        ]
        raise InvoiceMismatch(
            _("%(parts)s suman %(sum)s, no el total %(total)s.")
            % {"parts": " + ".join(shown), "sum": format_clp(parts), "total": format_clp(total_clp)}
        )
    expected_iva = iva_of(net_clp)
    if abs(iva_clp - expected_iva) > TAX_LINE_TOLERANCE_CLP:
        raise InvoiceMismatch(
            _(
                "El IVA de un neto de %(net)s es %(expected)s (se acepta %(tolerance)s de "
                "redondeo del proveedor), no %(iva)s."
            )
            % {
                "net": format_clp(net_clp),
                "expected": format_clp(expected_iva),
                "tolerance": "±" + format_clp(TAX_LINE_TOLERANCE_CLP),
                "iva": format_clp(iva_clp),
            }
        )


def receipts_ila_by_rate(receipts: Sequence[GoodsReceipt]) -> dict[str, int]:
    """ILA per rate of ``receipts`` billed on one invoice, as ``taxes_on_net`` gives it."""
    lines = GoodsReceiptLine.objects.filter(receipt__in=receipts)
    return ila_on_net((line_tax_key(line), line.net_clp) for line in lines)


def _invoice_against_receipts(
    *,
    net_clp: int,
    exempt_clp: int,
    iva_clp: int,
    ila_by_rate: dict[str, int],
    lines: Sequence[GoodsReceiptLine],
) -> list[str]:
    """What differs between the invoice and the linked receipts' lines taken as one
    document (``taxes_on_net``), beyond a peso of rounding per tax line; [] if nothing."""
    expected = lines_taxes(lines)
    expected_ila = ila_on_net((line_tax_key(line), line.net_clp) for line in lines)
    tax_line = TAX_LINE_TOLERANCE_CLP
    parts = [
        (_("neto"), net_clp, expected.net_clp, 0),
        (_("exento"), exempt_clp, expected.exempt_clp, 0),
        (_("IVA"), iva_clp, expected.iva_clp, tax_line),
    ] + [
        (ila_label(code), ila_by_rate.get(code, 0), expected_ila.get(code, 0), tax_line)
        for code in sorted(set(ila_by_rate) | set(expected_ila))
    ]
    problems = []
    for label, stated, wanted, tolerance in parts:
        if abs(stated - wanted) > tolerance:
            problems.append(
                _("%(part)s %(stated)s, recepciones %(wanted)s")
                % {"part": label, "stated": format_clp(stated), "wanted": format_clp(wanted)}
            )
    return problems


@transaction.atomic
def supplier_invoice_record(
    *,
    supplier: Supplier,
    folio: int,
    issued_on: date,
    net_clp: int,
    iva_clp: int,
    total_clp: int,
    receipts: Sequence[GoodsReceipt],
    user: User,
    exempt_clp: int = 0,
    ila_by_rate: dict[str, int] | None = None,
    other_taxes_clp: int = 0,
    accept_difference: bool = False,
    difference_reason: str = "",
    notes: str = "",
) -> SupplierInvoice:
    """Record a supplier's invoice as printed and link the receipts it bills.

    Guarantees: the folio is new for this supplier; net + exempt + IVA + ILA (per rate)
    + other specific taxes = total, and IVA is 19% of the net within a peso of the
    supplier's rounding; every receipt is the supplier's and not on another invoice
    (receipt rows locked, so two invoices cannot take the same receipt); net and
    exempt equal the receipts' and each tax line is within a peso of what the
    receipts' lines give (the rounding is stored), or the difference was accepted with a
    reason and is stored (and flagged). Otherwise a Spanish error and nothing is written.
    """
    ila_by_rate = {code: amount for code, amount in (ila_by_rate or {}).items() if amount != 0}
    _invoice_amounts_check(
        folio=folio,
        net_clp=net_clp,
        exempt_clp=exempt_clp,
        iva_clp=iva_clp,
        ila_by_rate=ila_by_rate,
        other_taxes_clp=other_taxes_clp,
        total_clp=total_clp,
    )
    if issued_on is None:
        raise PurchaseError(_("Indique la fecha de emisión de la factura."))
    if issued_on > timezone.localdate():
        raise PurchaseError(_("La fecha de emisión no puede ser futura."))
    if SupplierInvoice.objects.filter(supplier=supplier, folio=folio).exists():
        raise DuplicateInvoice(_duplicate_message(supplier, folio))
    ids = sorted({r.pk for r in receipts})
    locked = list(GoodsReceipt.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for receipt in locked:
        if receipt.supplier_id != supplier.pk:
            raise PurchaseError(
                _("La recepción %(ref)s no es de %(name)s.")
                % {"ref": receipt.reference, "name": supplier.name}
            )
        if receipt.invoice_id is not None:
            raise PurchaseError(
                _("La recepción %(ref)s ya está en otra factura.") % {"ref": receipt.reference}
            )
    receipts_total = sum(r.total_clp for r in locked)
    problems = _invoice_against_receipts(
        net_clp=net_clp,
        exempt_clp=exempt_clp,
        iva_clp=iva_clp,
        ila_by_rate=ila_by_rate,
        lines=list(GoodsReceiptLine.objects.filter(receipt_id__in=ids)),
    )
    # The receipts cannot know other specific taxes: the invoice is compared without them.
    unexplained = total_clp - other_taxes_clp - receipts_total
    rounding = 0 if problems else unexplained
    difference = unexplained - rounding
    difference_reason = (difference_reason or "").strip()
    if problems and not (accept_difference and difference_reason):
        raise InvoiceMismatch(
            _(
                "La factura no cuadra con las recepciones (%(problems)s): diferencia "
                "%(diff)s. Revise las recepciones o acepte la diferencia indicando el motivo."
            )
            % {"problems": "; ".join(problems), "diff": format_clp(difference)}
        )
    invoice = SupplierInvoice(
        supplier=supplier,
        folio=folio,
        issued_on=issued_on,
        net_clp=net_clp,
        exempt_clp=exempt_clp,
        iva_clp=iva_clp,
        ila_clp=sum(ila_by_rate.values()),
        ila_by_rate=ila_by_rate,
        other_taxes_clp=other_taxes_clp,
        total_clp=total_clp,
        receipts_total_clp=receipts_total,
        rounding_clp=rounding,
        difference_clp=difference,
        difference_reason=difference_reason[:200] if problems else "",
        notes=(notes or "").strip()[:300],
        recorded_by=user,
        recorded_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        # The same folio recorded by someone else a moment ago.
        raise DuplicateInvoice(_duplicate_message(supplier, folio))
    GoodsReceipt.objects.filter(pk__in=ids).update(invoice=invoice)
    return invoice


def _duplicate_message(supplier: Supplier, folio: int) -> str:
    return _("La factura folio %(folio)s de %(name)s ya está registrada.") % {
        "folio": folio,
        "name": supplier.name,
    }
