"""Purchases reads: order lines with what is pending, a product's purchase history and
margin, receipts waiting for their invoice."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from itplus.core.money import split_taxes
from itplus.store.catalog.models import Product
from itplus.store.purchases.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    ProductCost,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)


def order_lines(*, order: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    return (
        PurchaseOrderLine.objects.filter(order=order)
        .select_related("product")
        .prefetch_related("product__barcodes")
        .order_by("position")
    )


def receipts_uninvoiced(*, supplier: Supplier) -> QuerySet[GoodsReceipt]:
    """The supplier's receipts not yet linked to an invoice, oldest first."""
    return GoodsReceipt.objects.filter(supplier=supplier, invoice__isnull=True).order_by("id")


@dataclass(frozen=True, slots=True)
class ProductMargin:
    price_clp: int  # what the customer pays, taxes included
    price_net_clp: int  # without IVA (and ILA): what the store keeps
    last_cost_clp: int | None
    average_cost_clp: int | None
    margin_clp: int | None  # price net − average cost
    margin_percent: Decimal | None  # of the net price, one decimal


def product_margin(*, product: Product) -> ProductMargin:
    """The unit margin on the average cost: price net of IVA/ILA − average net cost."""
    net = split_taxes(product.price_clp, exempt=product.is_exempt, ila_code=product.ila_tax)
    price_net = net.net_clp + net.exempt_clp
    cost = ProductCost.objects.filter(product=product).first()
    if cost is None:
        return ProductMargin(product.price_clp, price_net, None, None, None, None)
    margin = price_net - cost.average_cost_clp
    percent = (Decimal(margin) * 100 / price_net).quantize(Decimal("0.1")) if price_net else None
    return ProductMargin(
        product.price_clp, price_net, cost.last_cost_clp, cost.average_cost_clp, margin, percent
    )


def product_purchase_history(*, product: Product, limit: int = 200) -> QuerySet[GoodsReceiptLine]:
    """The product's receipt lines, newest first, with receipt, supplier and order."""
    return (
        GoodsReceiptLine.objects.filter(product=product)
        .select_related("receipt__supplier", "receipt__order")
        .order_by("-receipt__received_at", "-id")[:limit]
    )
