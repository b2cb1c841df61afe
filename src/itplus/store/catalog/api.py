import json

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from itplus.store.catalog.models import Product
from itplus.store.catalog.scale_labels import scale_label_check
from itplus.store.catalog.selectors import catalog_changes, product_resolve_code, product_search

router = Router(tags=["catálogo"])


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    price_clp: int
    unit: str
    is_weighed: bool
    is_exempt: bool
    ila_tax: str
    barcode: str | None = None

    @staticmethod
    def from_product(product: Product, barcode: str | None = None) -> "ProductOut":
        return ProductOut(
            id=product.pk,
            sku=product.sku,
            name=product.name,
            price_clp=product.price_clp,
            unit=product.unit,
            is_weighed=product.is_weighed,
            is_exempt=product.is_exempt,
            ila_tax=product.ila_tax,
            barcode=barcode,
        )


class ScaleLabelOut(Schema):
    """A deli-scale label judged against its product: an implausible one needs a
    supervisor's "etiqueta_balanza" approval for ``total_clp`` to be sold by a cashier."""

    total_clp: int
    weight_kg: str | None
    plausible: bool
    problem: str


class LookupOut(Schema):
    product: ProductOut
    code: str
    embedded_price_clp: int | None = None
    embedded_weight_kg: str | None = None
    scale_label: ScaleLabelOut | None = None


@router.get("/products/lookup", response=LookupOut, summary="Producto por código de barras")
def lookup(request: HttpRequest, code: str):
    resolved = product_resolve_code(code=code)
    if resolved is None:
        raise HttpError(404, _("Código «%(code)s» no encontrado.") % {"code": code[:32]})
    # A label worth $0 is refused here already (422), as the sale would refuse it.
    label = scale_label_check(
        product=resolved.product,
        embedded_price_clp=resolved.embedded_price_clp,
        embedded_weight_kg=resolved.embedded_weight_kg,
    )
    return LookupOut(
        product=ProductOut.from_product(resolved.product),
        code=resolved.code,
        embedded_price_clp=resolved.embedded_price_clp,
        embedded_weight_kg=(
            str(resolved.embedded_weight_kg) if resolved.embedded_weight_kg is not None else None
        ),
        scale_label=ScaleLabelOut(
            total_clp=label.total_clp,
            weight_kg=str(label.weight_kg) if label.weight_kg is not None else None,
            plausible=label.plausible,
            problem=label.problem,
        )
        if label
        else None,
    )


@router.get("/products/search", response=list[ProductOut], summary="Buscar productos")
def search(request: HttpRequest, q: str, limit: int = 20):
    return [
        ProductOut.from_product(p) for p in product_search(query=q, limit=min(max(limit, 1), 50))
    ]


class ChangedProductOut(Schema):
    id: int
    sku: str
    name: str
    barcodes: list[str]
    price_clp: int
    unit: str
    is_weighed: bool
    is_exempt: bool
    ila_tax: str
    scale_code: str
    is_active: bool
    change_number: int


class ChangesOut(Schema):
    products: list[ChangedProductOut]
    since: int
    more: bool


class ChangesQuery(Schema):
    since: int = Field(0, ge=0)
    limit: int = Field(2000, ge=1, le=10_000)


@router.get(
    "/catalog/changes",
    response=ChangesOut,
    summary="Cambios del catálogo desde un número de cambio (caja sin conexión)",
)
def changes(request: HttpRequest, query: Query[ChangesQuery]):
    """Products changed after ``since`` (deactivated ones too, so the till drops them),
    in change order; ask again with the returned ``since`` while ``more`` is true."""
    page = catalog_changes(since=query.since, limit=query.limit)
    # Serialised here, not through the schema (which documents it): validating thousands
    # of rows per page would cost the till several times the query itself.
    body = {"products": page.products, "since": page.since, "more": page.more}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )
