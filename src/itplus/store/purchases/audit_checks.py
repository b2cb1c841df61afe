"""Audit checks of purchases (registered with ``itplus audit``).

- Each order line's received quantity equals the sum of its receipt lines.
- Each receipt line has its stock movement: kind "recepcion", same product and
  quantity, the receipt's reference.
- Orders and receipts add up: their net, exempt, IVA and ILA are what
  ``core.money.taxes_on_net`` gives for their lines (the rule the services use); an
  invoice's receipts total is the sum of the receipts linked to it.

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
from itplus.core.money import ILA_RATES, TaxSplit, format_clp, taxes_on_net
from itplus.core.numbers import format_quantity
from itplus.store.inventory.models import MovementKind
from itplus.store.purchases.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierInvoice,
)

CHECK = "compras"


QTY = DecimalField(max_digits=14, decimal_places=3)
CLP = BigIntegerField()


def _subtotal(model, parent: str, field: str, output, **where):
    """Sum of ``field`` over ``model`` rows whose ``parent`` is the outer row."""
    inner = (
        model.objects.filter(**{parent: OuterRef("pk")}, **where)
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


ILA_CODES = [code for code in ILA_RATES if code]
PARTS = ("net_clp", "exempt_clp", "iva_clp", "ila_clp")


def _lines_by_tax(line_model, parent: str) -> dict:
    """Annotations: the lines' net in all, exempt, and per ILA rate."""
    by_tax = {
        "lines_net": _subtotal(line_model, parent, "net_clp", CLP),
        "lines_exempt": _subtotal(line_model, parent, "net_clp", CLP, is_exempt=True),
    }
    for code in ILA_CODES:
        by_tax[f"lines_{code}"] = _subtotal(line_model, parent, "net_clp", CLP, ila_tax=code)
    return by_tax


def _expected(row) -> TaxSplit:
    ila = {code: getattr(row, f"lines_{code}") for code in ILA_CODES}
    plain = row.lines_net - row.lines_exempt - sum(ila.values())
    return taxes_on_net([("exento", row.lines_exempt), ("iva", plain), *ila.items()])


def _totals_problem(label: str, document) -> str | None:
    expected = _expected(document)
    stated = tuple(getattr(document, part) for part in PARTS)
    wanted = tuple(getattr(expected, part) for part in PARTS)
    if stated != wanted:
        return _(
            "%(doc)s: neto, exento, IVA e ILA (%(stated)s) no son los de sus líneas (%(wanted)s)."
        ) % {
            "doc": label,
            "stated": " / ".join(format_clp(v) for v in stated),
            "wanted": " / ".join(format_clp(v) for v in wanted),
        }
    return None


@register_check
def purchase_document_totals(ctx: AuditContext) -> Iterator[AuditProblem]:
    orders = (
        PurchaseOrder.objects.using(ctx.using)
        .annotate(**_lines_by_tax(PurchaseOrderLine, "order"))
        .only("pk", *PARTS)
        .order_by("pk")
    )
    for order in orders.iterator(chunk_size=2000):
        ctx.count("órdenes de compra")
        problem = _totals_problem(f"OC-{order.pk}", order)
        if problem:
            yield AuditProblem(CHECK, problem, f"OC-{order.pk}")
    receipts = (
        GoodsReceipt.objects.using(ctx.using)
        .annotate(**_lines_by_tax(GoodsReceiptLine, "receipt"))
        .only("pk", "order_id", *PARTS)
        .order_by("pk")
    )
    for receipt in receipts.iterator(chunk_size=2000):
        ctx.count("recepciones de mercadería")
        problem = _totals_problem(receipt.reference, receipt)
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
