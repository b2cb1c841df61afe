"""Audit checks of purchases (registered with ``itplus audit``).

- Each order line's received quantity equals the sum of its receipt lines.
- Each receipt line has its stock movement: kind "recepcion", same product and
  quantity, the receipt's reference.
- Orders, receipts and invoices add up: net = sum of the lines, IVA = 19% of the net;
  an invoice's receipts total is the sum of the receipts linked to it.

Each check reads with one statement (subqueries, not per-row queries), so a receipt
posted while the audit runs is seen entirely or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import BigIntegerField, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from itplus.core.audit import AuditContext, AuditProblem, register_check
from itplus.core.money import format_clp
from itplus.core.numbers import format_quantity
from itplus.store.inventory.models import MovementKind
from itplus.store.purchases.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierInvoice,
)
from itplus.store.purchases.services import iva_of

CHECK = "compras"


QTY = DecimalField(max_digits=14, decimal_places=3)
CLP = BigIntegerField()


def _subtotal(model, parent: str, field: str, output):
    """Sum of ``field`` over ``model`` rows whose ``parent`` is the outer row."""
    inner = (
        model.objects.filter(**{parent: OuterRef("pk")})
        .order_by()
        .values(parent)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(inner), Value(0), output_field=output)


@register_check
def purchase_received_quantities(ctx: AuditContext) -> Iterator[AuditProblem]:
    lines = (
        PurchaseOrderLine.objects.using(ctx.using)
        .annotate(receipts=_subtotal(GoodsReceiptLine, "order_line", "quantity", QTY))
        .values_list("order_id", "position", "received_quantity", "receipts")
        .order_by("order_id", "position")
    )
    for order_id, position, received, receipts in lines.iterator(chunk_size=2000):
        ctx.count("líneas de órdenes de compra")
        if Decimal(received) != Decimal(receipts):
            yield AuditProblem(
                CHECK,
                _(
                    "La línea %(pos)s de OC-%(n)s dice recibido %(received)s, pero sus "
                    "recepciones suman %(receipts)s."
                )
                % {
                    "pos": position,
                    "n": order_id,
                    "received": format_quantity(received),
                    "receipts": format_quantity(receipts),
                },
                f"OC-{order_id}",
            )


@register_check
def purchase_receipt_movements(ctx: AuditContext) -> Iterator[AuditProblem]:
    lines = (
        GoodsReceiptLine.objects.using(ctx.using)
        .select_related("receipt", "movement")
        .order_by("receipt_id", "position")
    )
    for line in lines.iterator(chunk_size=2000):
        ctx.count("líneas de recepción")
        receipt, movement = line.receipt, line.movement
        if (
            movement.kind != MovementKind.RECEIPT
            or movement.product_id != line.product_id
            or movement.quantity != line.quantity
            or movement.warehouse_id != receipt.warehouse_id
            or movement.reference != receipt.reference
        ):
            yield AuditProblem(
                CHECK,
                _(
                    "La línea %(pos)s de la recepción %(ref)s no calza con su movimiento de "
                    "inventario (producto, cantidad, bodega o referencia)."
                )
                % {"pos": line.position, "ref": receipt.reference},
                receipt.reference,
            )


def _totals_problem(label: str, net: int, iva: int, lines_net: int) -> str | None:
    if net != lines_net:
        return _("%(doc)s: el neto %(net)s no es la suma de sus líneas (%(lines)s).") % {
            "doc": label,
            "net": format_clp(net),
            "lines": format_clp(lines_net),
        }
    if iva != iva_of(net):
        return _("%(doc)s: el IVA %(iva)s no es el 19%% del neto %(net)s.") % {
            "doc": label,
            "iva": format_clp(iva),
            "net": format_clp(net),
        }
    return None


@register_check
def purchase_document_totals(ctx: AuditContext) -> Iterator[AuditProblem]:
    orders = (
        PurchaseOrder.objects.using(ctx.using)
        .annotate(lines_net=_subtotal(PurchaseOrderLine, "order", "net_clp", CLP))
        .values_list("pk", "net_clp", "iva_clp", "lines_net")
        .order_by("pk")
    )
    for pk, net, iva, lines_net in orders.iterator(chunk_size=2000):
        ctx.count("órdenes de compra")
        problem = _totals_problem(f"OC-{pk}", net, iva, lines_net)
        if problem:
            yield AuditProblem(CHECK, problem, f"OC-{pk}")
    receipts = (
        GoodsReceipt.objects.using(ctx.using)
        .annotate(lines_net=_subtotal(GoodsReceiptLine, "receipt", "net_clp", CLP))
        .only("pk", "order_id", "net_clp", "iva_clp")
        .order_by("pk")
    )
    for receipt in receipts.iterator(chunk_size=2000):
        ctx.count("recepciones de mercadería")
        problem = _totals_problem(
            receipt.reference, receipt.net_clp, receipt.iva_clp, receipt.lines_net
        )
        if problem:
            yield AuditProblem(CHECK, problem, receipt.reference)
    invoices = (
        SupplierInvoice.objects.using(ctx.using)
        .annotate(linked=_subtotal(GoodsReceipt, "invoice", "total_clp", CLP))
        .select_related("supplier")
        .order_by("pk")
    )
    for invoice in invoices.iterator(chunk_size=2000):
        ctx.count("facturas de proveedores")
        if invoice.receipts_total_clp != invoice.linked:
            label = _("Factura %(folio)s de %(supplier)s") % {
                "folio": invoice.folio,
                "supplier": invoice.supplier.name,
            }
            yield AuditProblem(
                CHECK,
                _(
                    "%(doc)s: registra recepciones por %(recorded)s, pero las vinculadas suman %(linked)s."
                )
                % {
                    "doc": label,
                    "recorded": format_clp(invoice.receipts_total_clp),
                    "linked": format_clp(invoice.linked),
                },
                label,
            )
