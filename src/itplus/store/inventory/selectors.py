"""Inventory reads for the back office: the stock list, the low-stock list, a product's
ledger, count sheets.

The stock list is built for 20,000+ products: one query over products LEFT JOINed to
their stock row in the chosen warehouse (a ``FilteredRelation`` on the unique
(product, warehouse) index), with the category in the same query, paginated by the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from itplus.core.text import fold
from itplus.store.catalog.models import Barcode, Product
from itplus.store.inventory.models import CountLine, CountSheet, Stock, StockMovement, Warehouse

QTY = DecimalField(max_digits=12, decimal_places=3)


@dataclass(frozen=True)
class StockFilter:
    warehouse: Warehouse
    search: str = ""
    category_id: int | None = None
    only: str = ""  # "" | "negativo" | "bajo"
    include_inactive: bool = False


def _search_q(search: str) -> Q:
    """Name words without accents (all of them), or an exact SKU or barcode."""
    search = search.strip()
    if not search:
        return Q()
    words = fold(search).split()
    by_name = Q()
    for word in words:
        by_name &= Q(search_text__contains=word)
    return (
        by_name
        | Q(sku__iexact=search)
        | Q(pk__in=Barcode.objects.filter(code=search).values("product_id"))
    )


def stock_list(*, filters: StockFilter) -> QuerySet[Product]:
    """Products with their stock in ``filters.warehouse`` (0 when they never moved
    there), reorder point and low/negative flags, ordered by name.

    Each row has ``qty``, ``reorder_point``, ``reorder_target`` and ``stock_id``.
    """
    qs = (
        Product.objects.annotate(
            here=FilteredRelation("stock", condition=Q(stock__warehouse=filters.warehouse))
        )
        .annotate(
            qty=Coalesce(F("here__quantity"), Value(Decimal(0)), output_field=QTY),
            reorder_point=F("here__reorder_point"),
            reorder_target=F("here__reorder_target"),
            stock_id=F("here__id"),
        )
        .select_related("category")
        .order_by("name", "id")
    )
    if not filters.include_inactive:
        qs = qs.filter(is_active=True)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.search:
        qs = qs.filter(_search_q(filters.search))
    if filters.only == "negativo":
        qs = qs.filter(qty__lt=0)
    elif filters.only == "bajo":
        qs = qs.filter(reorder_point__isnull=False, qty__lte=F("reorder_point"))
    return qs


def _below_reorder_point() -> QuerySet[Stock]:
    """Stock rows of active products at or below their reorder point (negative included)."""
    return Stock.objects.filter(
        reorder_point__isnull=False, quantity__lte=F("reorder_point"), product__is_active=True
    )


def low_stock_count() -> int:
    """How many products are low, counted per warehouse (the back-office home)."""
    return _below_reorder_point().count()


def low_stock_list(
    *, warehouse: Warehouse, category_id: int | None = None, search: str = ""
) -> QuerySet[Stock]:
    """Stock rows at or below their reorder point (negative stock included), with their
    product and category in the same query; ``Stock.suggested_order_quantity`` says
    what to order. Ordered by how far below the point they are, then name."""
    qs = (
        _below_reorder_point()
        .filter(warehouse=warehouse)
        .select_related("product", "product__category", "warehouse")
        .annotate(shortfall=F("reorder_point") - F("quantity"))
        .order_by("-shortfall", "product__name", "id")
    )
    if category_id:
        qs = qs.filter(product__category_id=category_id)
    if search.strip():
        product_ids = Product.objects.filter(_search_q(search)).values("pk")
        qs = qs.filter(product_id__in=product_ids)
    return qs


def product_ledger(
    *,
    product: Product,
    warehouse: Warehouse | None = None,
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[StockMovement]:
    """A product's movements, newest first; ``resulting_quantity`` is the running
    balance of the movement's warehouse after it."""
    qs = (
        StockMovement.objects.filter(product=product)
        .select_related("warehouse", "user")
        .order_by("-id")
    )
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    if kind:
        qs = qs.filter(kind=kind)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(created_at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return qs


def product_stock_by_warehouse(*, product: Product) -> list[Stock]:
    return list(
        Stock.objects.filter(product=product).select_related("warehouse").order_by("warehouse")
    )


def count_sheet_lines(
    *, sheet: CountSheet, search: str = "", only: str = ""
) -> QuerySet[CountLine]:
    """A sheet's lines with their product and current stock (``current``), for the
    count page; ``only`` = "contados" | "pendientes" | "diferencias"."""
    qs = (
        CountLine.objects.filter(sheet=sheet)
        .select_related("product")
        .annotate(
            here=FilteredRelation(
                "product__stock", condition=Q(product__stock__warehouse_id=sheet.warehouse_id)
            ),
            current=Coalesce(F("here__quantity"), Value(Decimal(0)), output_field=QTY),
        )
        .annotate(
            difference_now=ExpressionWrapper(F("counted_quantity") - F("current"), output_field=QTY)
        )
        .order_by("product__name", "id")
    )
    if search.strip():
        qs = qs.filter(product__in=Product.objects.filter(_search_q(search)).values("pk"))
    if only == "contados":
        qs = qs.filter(counted_quantity__isnull=False)
    elif only == "pendientes":
        qs = qs.filter(counted_quantity__isnull=True)
    elif only == "diferencias":
        qs = qs.filter(counted_quantity__isnull=False).exclude(counted_quantity=F("current"))
    return qs


def count_sheet_summary(*, sheet: CountSheet) -> dict[str, int]:
    lines = CountLine.objects.filter(sheet=sheet)
    return {
        "total": lines.count(),
        "counted": lines.filter(counted_quantity__isnull=False).count(),
    }
