"""Purchases test data, built through the real services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User

from itplus.store.catalog.models import Product
from itplus.store.purchases.models import GoodsReceipt, PurchaseOrder, Supplier
from itplus.store.purchases.services import (
    OrderLineInput,
    ReceiptLineInput,
    goods_receipt_post,
    purchase_order_create,
    purchase_order_send,
    supplier_create,
)
from tests.factories import next_rut


def make_supplier(*, name: str = "Distribuidora Andes Ltda.", **kwargs) -> Supplier:
    return supplier_create(rut=kwargs.pop("rut", None) or next_rut(), name=name, **kwargs)


def code_of(product: Product) -> str:
    return product.barcodes.first().code if product.barcodes.exists() else product.sku


def make_order(
    *,
    supplier: Supplier,
    user: User,
    lines: list[tuple[Product, str | Decimal, int]],
    send: bool = True,
) -> PurchaseOrder:
    """An order of (product, quantity, net unit cost) lines, sent unless told otherwise."""
    order = purchase_order_create(
        supplier=supplier,
        user=user,
        lines=[OrderLineInput(code_of(p), Decimal(str(q)), cost) for p, q, cost in lines],
    )
    return purchase_order_send(order=order, user=user) if send else order


def receive(
    *,
    user: User,
    lines: list[tuple[Product, str | Decimal, int | None]],
    order: PurchaseOrder | None = None,
    supplier: Supplier | None = None,
    **kwargs,
) -> GoodsReceipt:
    return goods_receipt_post(
        user=user,
        order=order,
        supplier=supplier,
        lines=[ReceiptLineInput(code_of(p), Decimal(str(q)), cost) for p, q, cost in lines],
        **kwargs,
    )
