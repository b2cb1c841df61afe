"""Catalog writes: the till, the back office (admin) and the price-list import all
create and change products through these functions."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.text import fold
from itplus.store.catalog.models import Barcode, CatalogCounter, Category, Product

# Fields a product_update caller may change (search_text is derived, never given).
PRODUCT_FIELDS = (
    "name",
    "sku",
    "category",
    "unit",
    "price_clp",
    "cost_clp",
    "is_exempt",
    "ila_tax",
    "scale_code",
    "is_active",
)


CHANGE_CHUNK = 500


@transaction.atomic
def catalog_changes_record(product_ids: Iterable[int]) -> None:
    """Give each of these products a new change number, after every number handed out
    before: the one place the catalogue's change order is kept (the offline till syncs by
    it). Every writer of a product, its price or its barcodes calls this in its
    transaction, after writing the product rows.

    The products get distinct numbers ``id + offset`` (one UPDATE per chunk, however many
    products). The counter is bumped by an UPDATE first, which takes its row lock (the
    write lock on SQLite) until the transaction ends: catalogue writers commit in the
    order of their numbers, so a till that has seen number N never misses a change
    below N committed later.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    low, high = ids[0], ids[-1]
    span = high - low + 1
    while not CatalogCounter.objects.filter(pk=1).update(value=F("value") + span):
        # No counter row (a fresh or flushed database): create it, then bump it.
        CatalogCounter.objects.bulk_create([CatalogCounter(pk=1, value=0)], ignore_conflicts=True)
    top = CatalogCounter.objects.values_list("value", flat=True).get(pk=1)
    offset = top - high  # low gets top - span + 1, high gets top
    for start in range(0, len(ids), CHANGE_CHUNK):
        chunk = ids[start : start + CHANGE_CHUNK]
        Product.objects.filter(pk__in=chunk).update(change_number=F("id") + offset)


def product_search_text(*, name: str, sku: str) -> str:
    return f"{fold(name)} {sku.lower()}"[:200]


def _clean_codes(codes: Iterable[str]) -> list[str]:
    """Codes stripped, blanks dropped, repeats removed (first one kept)."""
    seen: dict[str, None] = {}
    for code in codes:
        code = (code or "").strip()
        if code:
            seen.setdefault(code, None)
    return list(seen)


def _barcodes_validate(*, product: Product, codes: list[str]) -> None:
    """Each code well formed (GS1 check digit) and not used by another product.

    Raises one ValidationError listing every problem, under the ``barcodes`` key.
    """
    errors: list[ValidationError] = []
    for code in codes:
        try:
            Barcode(product=product, code=code).clean_fields(exclude=["product"])
        except ValidationError as exc:
            errors.extend(exc.error_dict.get("code", []))
    taken = Barcode.objects.filter(code__in=codes).select_related("product")
    if product.pk:
        taken = taken.exclude(product=product)
    for barcode in taken:
        errors.append(
            ValidationError(
                _("El código «%(code)s» ya pertenece a «%(product)s» (SKU %(sku)s)."),
                params={
                    "code": barcode.code,
                    "product": barcode.product.name,
                    "sku": barcode.product.sku,
                },
            )
        )
    if errors:
        raise ValidationError({"barcodes": errors})


@transaction.atomic
def product_create(
    *,
    name: str,
    sku: str,
    price_clp: int,
    barcodes: Iterable[str] = (),
    category: Category | None = None,
    unit: str = "unidad",
    cost_clp: int = 0,
    is_exempt: bool = False,
    ila_tax: str = "",
    scale_code: str = "",
    is_active: bool = True,
) -> Product:
    """Create a product with its barcodes.

    Guarantees: the product passes model validation (non-negative price, exempt
    products carry no ILA, unique SKU) and every barcode is well formed (GS1 check
    digit) and unused; otherwise ValidationError and nothing is written.
    """
    product = Product(
        name=name.strip(),
        sku=sku.strip(),
        price_clp=price_clp,
        category=category,
        unit=unit,
        cost_clp=cost_clp,
        is_exempt=is_exempt,
        ila_tax=ila_tax,
        scale_code=scale_code,
        is_active=is_active,
    )
    product.search_text = product_search_text(name=product.name, sku=product.sku)
    codes = _clean_codes(barcodes)
    product.full_clean()
    _barcodes_validate(product=product, codes=codes)
    product.save()
    Barcode.objects.bulk_create([Barcode(product=product, code=code) for code in codes])
    catalog_changes_record([product.pk])
    product.refresh_from_db(fields=["change_number"])
    return product


@transaction.atomic
def product_update(*, product: Product, barcodes: Iterable[str] | None = None, **fields) -> Product:
    """Change a product's fields and, when ``barcodes`` is given, replace its codes with
    exactly that list.

    Guarantees the same rules as product_create and keeps ``search_text`` in sync
    with the name and SKU. Codes removed from the list are deleted; sales keep the
    scanned code as text, so history is not affected.
    """
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update() got unexpected fields: {sorted(unknown)}")
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(product, field, value)
    product.search_text = product_search_text(name=product.name, sku=product.sku)
    product.full_clean()
    codes = None if barcodes is None else _clean_codes(barcodes)
    if codes is not None:
        _barcodes_validate(product=product, codes=codes)
    product.save()
    if codes is not None:
        current = set(product.barcodes.values_list("code", flat=True))
        product.barcodes.exclude(code__in=codes).delete()
        Barcode.objects.bulk_create(
            [Barcode(product=product, code=code) for code in codes if code not in current]
        )
    catalog_changes_record([product.pk])
    product.refresh_from_db(fields=["change_number"])
    return product


@transaction.atomic
def products_set_active(*, product_ids: Iterable[int], is_active: bool) -> int:
    """Activate or deactivate products in bulk; returns how many changed.

    Deactivating is how a product leaves the till: products with sales are never
    deleted, because sale lines point at them.
    """
    changing = list(
        Product.objects.select_for_update()
        .filter(pk__in=list(product_ids))
        .exclude(is_active=is_active)
        .values_list("pk", flat=True)
    )
    for start in range(0, len(changing), CHANGE_CHUNK):
        Product.objects.filter(pk__in=changing[start : start + CHANGE_CHUNK]).update(
            is_active=is_active, updated_at=timezone.now()
        )
    catalog_changes_record(changing)
    return len(changing)
