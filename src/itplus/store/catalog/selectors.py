"""Catalog reads used by the till: resolve a scanned code, search as you type."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Q, QuerySet, Value, When

from itplus.core.barcodes import ScalePattern, parse_scale_barcode
from itplus.core.text import fold
from itplus.store.catalog.models import Barcode, Product, SaleUnit
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
    return list(get_config().scale_barcodes)


def product_resolve_code(
    *, code: str, patterns: list[ScalePattern] | None = None
) -> ResolvedCode | None:
    """Find the active product behind a scanned or typed code.

    Order: an exact barcode, then a deli-scale EAN-13 (prefix 20–29 per the configured
    patterns), then the SKU. Returns None when nothing matches.
    """
    return product_resolve_codes(codes=[code], patterns=patterns)[code]


def _code_usable(code: str) -> bool:
    # Scanner noise (control characters such as NUL, which PostgreSQL rejects) or
    # something far longer than any barcode: no product has it.
    return bool(code) and code.isprintable() and len(code) <= 64


def product_resolve_codes(
    *, codes: list[str], patterns: list[ScalePattern] | None = None
) -> dict[str, ResolvedCode | None]:
    """``product_resolve_code`` for each of ``codes`` (a sale's lines), keyed by the code
    as given: the exact barcodes of all of them in one query, then the other readings one
    code at a time."""
    cleaned = {code: code.strip() for code in codes}
    wanted = sorted({c for c in cleaned.values() if _code_usable(c)})
    by_barcode = {
        barcode.code: barcode.product
        for barcode in Barcode.objects.select_related("product").filter(
            code__in=wanted, product__is_active=True
        )
    }
    found: dict[str, ResolvedCode | None] = {}
    for given, code in cleaned.items():
        if not _code_usable(code):
            found[given] = None
        elif code in by_barcode:
            found[given] = ResolvedCode(product=by_barcode[code], code=code)
        else:
            found[given] = _resolve_other(code, patterns)
    return found


def _resolve_other(code: str, patterns: list[ScalePattern] | None) -> ResolvedCode | None:
    """A code that is no barcode: a deli-scale label, else a SKU."""
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


def _prefix_range(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so a plain B-tree index is used.

    ``startswith`` alone cannot use the index: SQLite's LIKE is case-insensitive (its
    optimisation needs a NOCASE index) and PostgreSQL's needs ``varchar_pattern_ops``.
    A range ``prefix <= field < upper`` can, on both; ``startswith`` is kept inside the
    range so the result is exact whatever the database's collation. ``upper`` bumps the
    last digit or letter that has a successor (``leche`` → ``lechf``, ``ab9`` → ``aba``,
    ``abz`` → ``ac``), an order digits-before-letters collations agree on.
    """
    match = Q(**{f"{field}__gte": prefix, f"{field}__startswith": prefix})
    for i in range(len(prefix) - 1, -1, -1):
        char = prefix[i]
        if char in _SUCCESSOR:
            return match & Q(**{f"{field}__lt": prefix[:i] + _SUCCESSOR[char]})
    return match


_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"
_SUCCESSOR = dict(zip(_ALNUM, _ALNUM[1:], strict=False)) | {
    c.upper(): n.upper() for c, n in zip(_ALNUM[10:], _ALNUM[11:], strict=False)
}


def product_search(*, query: str, limit: int = 20) -> QuerySet[Product]:
    """Active products whose name (accents ignored) contains every typed word, or whose
    SKU or barcode starts with the query. Names starting with the query come first, then
    code matches, then names starting with the first word, then the other names, each
    group in alphabetical order.

    Built for search-as-you-type on 100,000 products: each group is its own small query
    that stops at ``limit`` rows, all but the last on index ranges; only when they leave
    room does the containment scan run, over the narrow ``search_text`` index.
    """
    words = fold(query).split()
    if not words:
        return Product.objects.none()
    active = Product.objects.filter(is_active=True)
    # Each group: product ids in the group's order, read lazily, most relevant first.
    groups = [
        active.filter(_prefix_range("search_text", " ".join(words)))
        .order_by("search_text")
        .values_list("pk", flat=True)
    ]
    code = query.strip()
    if code.isalnum():
        for variant in dict.fromkeys([code, code.upper()]):
            groups.append(
                active.filter(_prefix_range("sku", variant))
                .order_by("sku")
                .values_list("pk", flat=True)
            )
            groups.append(
                Barcode.objects.filter(_prefix_range("code", variant), product__is_active=True)
                .order_by("code")
                .values_list("product_id", flat=True)
            )
    name_match = Q()
    for word in words:
        name_match &= Q(search_text__contains=word)
    if len(words) > 1:
        # "queso g": names starting with the first word that contain the others. An index
        # range over the first word's products, which often fills the page and spares
        # the full scan below.
        groups.append(
            active.filter(_prefix_range("search_text", words[0]), name_match)
            .order_by("search_text")
            .values_list("pk", flat=True)
        )
    groups.append(active.filter(name_match).order_by("search_text").values_list("pk", flat=True))

    found: list[int] = []
    for group in groups:
        if len(found) >= limit:
            break
        # Over-fetch by what is already found rather than excluding it in SQL, so each
        # query stays a plain range or scan with LIMIT.
        for pk in group[: limit + len(found)]:
            if pk not in found:
                found.append(pk)
                if len(found) == limit:
                    break
    if not found:
        return Product.objects.none()
    rank = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(found)))
    return Product.objects.filter(pk__in=found).order_by(rank)


@dataclass(frozen=True, slots=True)
class CatalogChanges:
    """A page of the catalogue's changes: what the offline till needs to sell each product
    (inactive ones too, so the till drops them), the ``since`` to ask with next, and
    whether more changes follow."""

    products: list[dict]
    since: int
    more: bool


CHANGE_FIELDS = (
    "id",
    "sku",
    "name",
    "price_clp",
    "unit",
    "is_exempt",
    "ila_tax",
    "scale_code",
    "is_active",
    "change_number",
)


def catalog_changes(*, since: int, limit: int) -> CatalogChanges:
    """Products whose change number is above ``since``, in change order, at most ``limit``."""
    rows = list(
        Product.objects.filter(change_number__gt=since)
        .order_by("change_number")
        .values(*CHANGE_FIELDS)[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    codes: dict[int, list[str]] = {row["id"]: [] for row in rows}
    if rows:
        for product_id, code in (
            Barcode.objects.filter(product_id__in=list(codes))
            .order_by("id")
            .values_list("product_id", "code")
        ):
            codes[product_id].append(code)
    for row in rows:
        row["barcodes"] = codes[row["id"]]
        row["is_weighed"] = row["unit"] == SaleUnit.KILO
    return CatalogChanges(
        products=rows, since=rows[-1]["change_number"] if rows else since, more=more
    )
