"""Catalog reads used by the till: resolve a scanned code, search as you type."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from itplus.core.barcodes import ScalePattern, parse_scale_barcode
from itplus.core.text import fold
from itplus.store.catalog.models import Barcode, Product
from itplus.store.config import get_config


@dataclass(frozen=True, slots=True)
class ResolvedCode:
    """What a scanned code means: the product, and for deli-scale codes the embedded
    price (CLP) or weight (kg)."""

    product: Product
    code: str
    embedded_price_clp: int | None = None
    embedded_weight_kg: Decimal | None = None


def scale_patterns() -> list[ScalePattern]:
    return [ScalePattern(**p) for p in get_config()["scale_barcodes"]]


def product_resolve_code(*, code: str, patterns: list[ScalePattern] | None = None) -> ResolvedCode | None:
    """Find the active product behind a scanned or typed code.

    Order: an exact barcode, then a deli-scale EAN-13 (prefix 20–29 per the configured
    patterns), then the SKU. Returns None when nothing matches.
    """
    code = code.strip()
    if not code:
        return None
    barcode = (
        Barcode.objects.select_related("product")
        .filter(code=code, product__is_active=True)
        .first()
    )
    if barcode:
        return ResolvedCode(product=barcode.product, code=code)
    if len(code) == 13 and code[:1] == "2":
        reading = parse_scale_barcode(code, scale_patterns() if patterns is None else patterns)
        if reading:
            product = Product.objects.filter(scale_code=reading.item_code, is_active=True).first()
            if product:
                return ResolvedCode(
                    product=product,
                    code=code,
                    embedded_price_clp=reading.price_clp,
                    embedded_weight_kg=reading.weight_kg,
                )
    product = Product.objects.filter(sku=code, is_active=True).first()
    if product:
        return ResolvedCode(product=product, code=code)
    return None


def product_search(*, query: str, limit: int = 20) -> QuerySet[Product]:
    """Active products whose name (accents ignored) contains every typed word, or whose
    SKU or barcode starts with the query. Names starting with the query come first."""
    folded = fold(query)
    words = folded.split()
    if not words:
        return Product.objects.none()
    name_match = Q()
    for word in words:
        name_match &= Q(search_text__contains=word)
    code_match = Q(sku__startswith=query.strip()) | Q(barcodes__code__startswith=query.strip())
    matches = (
        Product.objects.filter(is_active=True)
        .filter(name_match | code_match if query.strip().isalnum() else name_match)
        .distinct()
        .order_by("name")[:limit]
    )
    return matches
