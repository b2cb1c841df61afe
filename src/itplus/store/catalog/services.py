"""Catalog writes."""

from __future__ import annotations

from django.db import transaction

from itplus.core.text import fold
from itplus.store.catalog.models import Barcode, Category, Product


def product_search_text(*, name: str, sku: str) -> str:
    return f"{fold(name)} {sku.lower()}"[:200]


@transaction.atomic
def product_create(
    *,
    name: str,
    sku: str,
    price_clp: int,
    barcodes: list[str] = (),
    category: Category | None = None,
    unit: str = "unidad",
    cost_clp: int = 0,
    is_exempt: bool = False,
    ila_tax: str = "",
    scale_code: str = "",
) -> Product:
    """Create a product with its barcodes; every barcode is validated (GS1 check digit)."""
    product = Product(
        name=name,
        sku=sku,
        price_clp=price_clp,
        category=category,
        unit=unit,
        cost_clp=cost_clp,
        is_exempt=is_exempt,
        ila_tax=ila_tax,
        scale_code=scale_code,
        search_text=product_search_text(name=name, sku=sku),
    )
    product.full_clean()
    product.save()
    for code in barcodes:
        barcode = Barcode(product=product, code=code)
        barcode.full_clean()
        barcode.save()
    return product
