"""Back-office pages of the inventory (``/gestion/inventario/``): stock list, low-stock
list, a product's ledger, adjustments, transfers and physical counts.

Views parse, authorise and call one service or selector. Supervisors and
administrators use every page; cashiers may only scan on an open count sheet. Every
list is searchable, filterable and exportable to CSV (the same selector, streamed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import wraps
from itertools import chain
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from itplus.core.errors import BusinessError
from itplus.core.numbers import format_quantity
from itplus.core.spreadsheet import csv_lines
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.catalog.models import Category, Product
from itplus.store.catalog.selectors import product_resolve_code
from itplus.store.inventory.models import CountSheet, MovementKind, Warehouse
from itplus.store.inventory.selectors import (
    StockFilter,
    count_sheet_lines,
    count_sheet_summary,
    low_stock_list,
    product_ledger,
    product_stock_by_warehouse,
    stock_list,
)
from itplus.store.inventory.services import (
    TransferLine,
    count_line_set,
    count_sheet_cancel,
    count_sheet_open,
    count_sheet_post,
    count_sheet_scan,
    default_warehouse,
    reorder_point_set,
    stock_adjust,
    stock_transfer,
)

PAGE_SIZE = 50


def _inventory_view(*, managers_only: bool = True):
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs):
            if managers_only and not role_at_least(request.user, Role.SUPERVISOR):
                raise PermissionDenied(
                    _("Esta página es solo para supervisores y administradores.")
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **admin.site.each_context(request),
        "title": title,
        "is_manager": role_at_least(request.user, Role.SUPERVISOR),
        **extra,
    }


def _csv_response(name: str, header: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """Streamed ``;``-separated UTF-8 with a BOM, as Excel in Chile expects (like the
    admin lists' "Exportar CSV")."""
    response = StreamingHttpResponse(
        csv_lines(chain([header], rows)), content_type="text/csv; charset=utf-8"
    )
    filename = f"{name}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _warehouse_from(request: HttpRequest, key: str = "bodega") -> Warehouse:
    value = request.GET.get(key) or request.POST.get(key)
    if value:
        found = Warehouse.objects.filter(pk=value).first() if value.isdigit() else None
        if found:
            return found
    return default_warehouse()


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- Stock list --------------------------------------------------------------------------


@_inventory_view()
def stock_list_view(request: HttpRequest) -> HttpResponse:
    warehouse = _warehouse_from(request)
    filters = StockFilter(
        warehouse=warehouse,
        search=request.GET.get("q", "")[:100],
        category_id=_int_or_none(request.GET.get("categoria")),
        only=request.GET.get("solo", "") if request.GET.get("solo") in ("bajo", "negativo") else "",
        include_inactive=request.GET.get("inactivos") == "1",
    )
    products = stock_list(filters=filters)
    if request.GET.get("formato") == "csv":
        return _csv_response(
            "existencias",
            [
                _("SKU"),
                _("Producto"),
                _("Categoría"),
                _("Unidad"),
                _("Bodega"),
                _("Existencia"),
                _("Punto de reposición"),
                _("Stock objetivo"),
                _("Estado"),
            ],
            (
                [
                    p.sku,
                    p.name,
                    p.category.name if p.category else "",
                    p.get_unit_display(),
                    warehouse.name,
                    format_quantity(p.qty),
                    format_quantity(p.reorder_point),
                    format_quantity(p.reorder_target),
                    _row_state(p.qty, p.reorder_point),
                ]
                for p in products.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    for product in page.object_list:
        product.state = _row_state(product.qty, product.reorder_point)
    context = _context(
        request,
        _("Existencias"),
        page=page,
        filters=filters,
        warehouses=Warehouse.objects.all(),
        categories=Category.objects.all(),
        query_string=_without_page(request),
    )
    template = "inventory/stock_list.html"
    return render(request, f"{template}#results" if _is_htmx(request) else template, context)


def _row_state(quantity: Decimal, reorder_point: Decimal | None) -> str:
    if quantity < 0:
        return _("Negativo")
    if reorder_point is not None and quantity <= reorder_point:
        return _("Bajo")
    return ""


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("formato", None)
    return params.urlencode()


# --- Low stock ---------------------------------------------------------------------------


@_inventory_view()
def low_stock_view(request: HttpRequest) -> HttpResponse:
    warehouse = _warehouse_from(request)
    category_id = _int_or_none(request.GET.get("categoria"))
    search = request.GET.get("q", "")[:100]
    rows = low_stock_list(warehouse=warehouse, category_id=category_id, search=search)
    if request.GET.get("formato") == "csv":
        return _csv_response(
            "bajo-stock",
            [
                _("SKU"),
                _("Producto"),
                _("Categoría"),
                _("Bodega"),
                _("Existencia"),
                _("Punto de reposición"),
                _("Stock objetivo"),
                _("Cantidad sugerida a pedir"),
            ],
            (
                [
                    s.product.sku,
                    s.product.name,
                    s.product.category.name if s.product.category else "",
                    warehouse.name,
                    format_quantity(s.quantity),
                    format_quantity(s.reorder_point),
                    format_quantity(s.reorder_target),
                    format_quantity(s.suggested_order_quantity),
                ]
                for s in rows.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/low_stock.html",
        _context(
            request,
            _("Productos bajo el punto de reposición"),
            page=page,
            warehouse=warehouse,
            warehouses=Warehouse.objects.all(),
            categories=Category.objects.all(),
            category_id=category_id,
            search=search,
            query_string=_without_page(request),
        ),
    )


# --- A product's ledger ------------------------------------------------------------------


@_inventory_view()
def product_ledger_view(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("category"), pk=product_id)
    warehouse_id = _int_or_none(request.GET.get("bodega"))
    warehouse = Warehouse.objects.filter(pk=warehouse_id).first() if warehouse_id else None
    kind = request.GET.get("tipo", "") if request.GET.get("tipo") in MovementKind.values else ""
    date_from = _date_or_none(request.GET.get("desde"))
    date_to = _date_or_none(request.GET.get("hasta"))
    movements = product_ledger(
        product=product, warehouse=warehouse, kind=kind, date_from=date_from, date_to=date_to
    )
    if request.GET.get("formato") == "csv":
        return _csv_response(
            f"kardex-{product.sku}",
            [
                _("Fecha"),
                _("Bodega"),
                _("Tipo"),
                _("Cantidad"),
                _("Saldo"),
                _("Usuario"),
                _("Motivo"),
                _("Referencia"),
            ],
            (
                [
                    timezone.localtime(m.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    m.warehouse.name,
                    m.get_kind_display(),
                    format_quantity(m.quantity),
                    format_quantity(m.resulting_quantity),
                    m.user.get_username(),
                    m.reason,
                    m.reference,
                ]
                for m in movements.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(movements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/product_ledger.html",
        _context(
            request,
            _("Kárdex de «%(product)s»") % {"product": product.name},
            product=product,
            page=page,
            stocks=product_stock_by_warehouse(product=product),
            warehouses=Warehouse.objects.all(),
            kinds=MovementKind.choices,
            selected={
                "bodega": warehouse.pk if warehouse else None,
                "tipo": kind,
                "desde": date_from.isoformat() if date_from else "",
                "hasta": date_to.isoformat() if date_to else "",
            },
            query_string=_without_page(request),
        ),
    )


@require_POST
@_inventory_view()
def reorder_point_view(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    warehouse = _warehouse_from(request)
    try:
        reorder_point_set(
            product=product,
            warehouse=warehouse,
            reorder_point=request.POST.get("punto", "").strip() or None,
            reorder_target=request.POST.get("objetivo", "").strip() or None,
            user=request.user,
        )
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Punto de reposición de «%(product)s» en %(warehouse)s guardado.")
            % {"product": product.name, "warehouse": warehouse.name},
        )
    return redirect("inventory:product_ledger", product_id=product.pk)


# --- Adjustments and transfers -----------------------------------------------------------


def _product_by_code(code: str) -> Product:
    resolved = product_resolve_code(code=code) if code.strip() else None
    if resolved is None:
        raise BusinessError(
            _("Código «%(code)s» no encontrado: use el código de barras o el SKU.")
            % {"code": code.strip()[:32]}
        )
    return resolved.product


@_inventory_view()
def adjustment_view(request: HttpRequest) -> HttpResponse:
    values = {"codigo": "", "cantidad": "", "motivo": "", "bodega": default_warehouse().pk}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in ("codigo", "cantidad", "motivo")}
        warehouse = _warehouse_from(request)
        values["bodega"] = warehouse.pk
        try:
            product = _product_by_code(values["codigo"])
            movement = stock_adjust(
                product=product,
                quantity=values["cantidad"],
                reason=values["motivo"],
                user=request.user,
                warehouse=warehouse,
            )
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Ajuste registrado: «%(product)s» queda con %(qty)s en %(warehouse)s.")
                % {
                    "product": product.name,
                    "qty": format_quantity(movement.resulting_quantity),
                    "warehouse": warehouse.name,
                },
            )
            return redirect("inventory:adjustment")
    return render(
        request,
        "inventory/adjustment.html",
        _context(
            request,
            _("Ajuste de inventario"),
            values=values,
            warehouses=Warehouse.objects.all(),
        ),
    )


@_inventory_view()
def transfer_view(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] = {"lineas": "", "motivo": "", "origen": "", "destino": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("lineas", "motivo", "origen", "destino")}
        try:
            source = get_object_or_404(Warehouse, pk=_int_or_none(values["origen"]) or 0)
            destination = get_object_or_404(Warehouse, pk=_int_or_none(values["destino"]) or 0)
            lines = _transfer_lines(values["lineas"])
            movements = stock_transfer(
                lines=lines,
                source=source,
                destination=destination,
                user=request.user,
                reason=values["motivo"],
            )
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Transferencia registrada: %(count)s producto de %(source)s a %(dest)s.",
                    "Transferencia registrada: %(count)s productos de %(source)s a %(dest)s.",
                    len(movements) // 2,
                )
                % {"count": len(movements) // 2, "source": source.name, "dest": destination.name},
            )
            return redirect("inventory:transfer")
    return render(
        request,
        "inventory/transfer.html",
        _context(
            request,
            _("Transferencia entre bodegas"),
            values=values,
            warehouses=Warehouse.objects.all(),
        ),
    )


def _transfer_lines(text: str) -> list[TransferLine]:
    """One product per line: "código cantidad" (e.g. "7801234567890 6")."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise BusinessError(
                _("Línea %(n)s: escriba el código y la cantidad separados por un espacio.")
                % {"n": number}
            )
        lines.append(TransferLine(product=_product_by_code(parts[0]), quantity=parts[1]))
    return lines


# --- Physical counts ---------------------------------------------------------------------


@_inventory_view()
def count_list_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        category_id = _int_or_none(request.POST.get("categoria"))
        try:
            sheet = count_sheet_open(
                warehouse=_warehouse_from(request),
                category=Category.objects.filter(pk=category_id).first() if category_id else None,
                note=request.POST.get("nota", ""),
                user=request.user,
            )
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            return redirect("inventory:count_sheet", sheet_id=sheet.pk)
    sheets = CountSheet.objects.select_related("warehouse", "category", "created_by", "closed_by")
    status = request.GET.get("estado", "")
    if status in CountSheet.Status.values:
        sheets = sheets.filter(status=status)
    if request.GET.get("formato") == "csv":
        return _csv_response(
            "tomas-de-inventario",
            [
                _("N°"),
                _("Bodega"),
                _("Categoría"),
                _("Estado"),
                _("Creada"),
                _("Creada por"),
                _("Cerrada"),
                _("Cerrada por"),
                _("Nota"),
            ],
            (
                [
                    s.pk,
                    s.warehouse.name,
                    s.category.name if s.category else _("Todas"),
                    s.get_status_display(),
                    timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M"),
                    s.created_by.get_username(),
                    timezone.localtime(s.closed_at).strftime("%Y-%m-%d %H:%M")
                    if s.closed_at
                    else "",
                    s.closed_by.get_username() if s.closed_by else "",
                    s.note or s.close_reason,
                ]
                for s in sheets.iterator()
            ),
        )
    page = Paginator(sheets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/count_list.html",
        _context(
            request,
            _("Tomas de inventario"),
            page=page,
            status=status,
            statuses=CountSheet.Status.choices,
            warehouses=Warehouse.objects.all(),
            categories=Category.objects.all(),
        ),
    )


def _sheet_context(request: HttpRequest, sheet: CountSheet, **extra: Any) -> dict[str, Any]:
    search = request.GET.get("q", "")[:100]
    only = request.GET.get("solo", "")
    lines = count_sheet_lines(sheet=sheet, search=search, only=only)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return _context(
        request,
        str(sheet),
        sheet=sheet,
        page=page,
        summary=count_sheet_summary(sheet=sheet),
        search=search,
        only=only,
        query_string=_without_page(request),
        **extra,
    )


@_inventory_view(managers_only=False)
def count_sheet_view(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = get_object_or_404(
        CountSheet.objects.select_related("warehouse", "category"), pk=sheet_id
    )
    if request.GET.get("formato") == "csv":
        return _csv_response(
            f"toma-{sheet.pk}",
            [
                _("SKU"),
                _("Producto"),
                _("Esperado al inicio"),
                _("Stock actual")
                if sheet.status == CountSheet.Status.OPEN
                else _("Stock al contabilizar"),
                _("Contado"),
                _("Diferencia"),
            ],
            (
                [
                    line.product.sku,
                    line.product.name,
                    format_quantity(line.expected_quantity),
                    format_quantity(
                        line.current
                        if sheet.status == CountSheet.Status.OPEN
                        else line.stock_at_posting
                    ),
                    format_quantity(line.counted_quantity),
                    format_quantity(
                        line.difference_now
                        if sheet.status == CountSheet.Status.OPEN
                        else line.difference
                    ),
                ]
                for line in count_sheet_lines(
                    sheet=sheet,
                    search=request.GET.get("q", "")[:100],
                    only=request.GET.get("solo", ""),
                ).iterator(chunk_size=2000)
            ),
        )
    template = "inventory/count_sheet.html"
    context = _sheet_context(request, sheet)
    return render(request, f"{template}#lines" if _is_htmx(request) else template, context)


@require_POST
@_inventory_view(managers_only=False)
def count_scan_view(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The scanner's Enter: adds to the product's count; answers with the updated lines
    (HTMX) or a redirect back to the sheet."""
    sheet = get_object_or_404(CountSheet, pk=sheet_id)
    scan_error = scanned = None
    try:
        scanned = count_sheet_scan(
            sheet=sheet,
            code=request.POST.get("codigo", ""),
            quantity=request.POST.get("cantidad", "").strip() or None,
            user=request.user,
        )
    except BusinessError as error:
        scan_error = error.message
    if _is_htmx(request):
        sheet.refresh_from_db()
        context = _sheet_context(request, sheet, scan_error=scan_error, scanned=scanned)
        return render(request, "inventory/count_sheet.html#scan-result", context)
    if scan_error:
        messages.error(request, scan_error)
    return redirect("inventory:count_sheet", sheet_id=sheet.pk)


@require_POST
@_inventory_view(managers_only=False)
def count_line_view(request: HttpRequest, sheet_id: int, product_id: int) -> HttpResponse:
    sheet = get_object_or_404(CountSheet, pk=sheet_id)
    product = get_object_or_404(Product, pk=product_id)
    try:
        count_line_set(
            sheet=sheet,
            product=product,
            counted=request.POST.get("contado", "").strip() or None,
            user=request.user,
        )
    except BusinessError as error:
        messages.error(request, error.message)
    return redirect(
        reverse("inventory:count_sheet", args=[sheet.pk]) + "?" + _without_page(request)
    )


@require_POST
@_inventory_view()
def count_post_view(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = get_object_or_404(CountSheet, pk=sheet_id)
    try:
        movements = count_sheet_post(
            sheet=sheet, user=request.user, uncounted_as_zero=request.POST.get("ceros") == "1"
        )
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Toma contabilizada: %(count)s producto con diferencia ajustado.",
                "Toma contabilizada: %(count)s productos con diferencia ajustados.",
                len(movements),
            )
            % {"count": len(movements)},
        )
    return redirect("inventory:count_sheet", sheet_id=sheet.pk)


@require_POST
@_inventory_view()
def count_cancel_view(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = get_object_or_404(CountSheet, pk=sheet_id)
    try:
        count_sheet_cancel(sheet=sheet, user=request.user, reason=request.POST.get("motivo", ""))
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Toma anulada; el stock no cambió."))
    return redirect("inventory:count_sheet", sheet_id=sheet.pk)
