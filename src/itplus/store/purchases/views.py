"""Back-office pages of purchases (/gestion/compras/): create and edit an order, print
it, receive goods against it (scan to count) or directly from a supplier, record a
supplier invoice, and a product's purchase history with its margin.

Views parse the form, check the user's permission and call one service; a refusal
(``BusinessError``) is shown on the same page with what was typed, and nothing changed.
Lists live in the admin (search, filters, CSV).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from itplus.core.errors import BusinessError
from itplus.core.money import ILA_RATES
from itplus.core.numbers import InvalidNumber, format_quantity, parse_amount_clp
from itplus.store.catalog.models import Product
from itplus.store.catalog.quantities import product_quantity_parse
from itplus.store.catalog.selectors import product_resolve_code
from itplus.store.config import get_config
from itplus.store.purchases.models import (
    GoodsReceipt,
    ProductCost,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from itplus.store.purchases.selectors import (
    order_lines,
    product_margin,
    product_purchase_history,
    receipts_uninvoiced,
)
from itplus.store.purchases.services import (
    OrderLineInput,
    ReceiptLineInput,
    goods_receipt_post,
    ila_label,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
    purchase_order_update,
    supplier_invoice_record,
)

ORDER_PERMS = ("purchases.add_purchaseorder", "purchases.change_purchaseorder")
RECEIPT_PERMS = ("purchases.add_goodsreceipt",)
INVOICE_PERMS = ("purchases.add_supplierinvoice",)
VIEW_PERMS = ("purchases.view_purchaseorder",)
BLANK_ROWS = 5


def _perms(*perms: str):
    """Staff with these permissions (administrators have all); others get 403."""

    def decorator(view):
        return staff_member_required(permission_required(perms, raise_exception=True)(view))

    return decorator


def _context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# ------------------------------------------------------------------------ line rows


@dataclass
class Row:
    """A line as typed on a page: code, quantity, cost, and the product once known."""

    code: str = ""
    quantity: str = ""
    cost: str = ""
    product: Product | None = None
    error: str = ""


def _default_cost(product: Product) -> int:
    cost = ProductCost.objects.filter(product=product).first()
    return cost.last_cost_clp if cost else product.cost_clp


def _row_resolve(row: Row) -> Row:
    if row.code:
        resolved = product_resolve_code(code=row.code)
        if resolved is None:
            row.error = _("No existe un producto activo con el código «%(code)s».") % {
                "code": row.code
            }
        else:
            row.product = resolved.product
            if not row.cost:
                row.cost = str(_default_cost(resolved.product))
    return row


def _rows_from_post(request: HttpRequest) -> list[Row]:
    codes = request.POST.getlist("code")
    quantities = request.POST.getlist("quantity")
    costs = request.POST.getlist("cost")
    rows = []
    for i, code in enumerate(codes):
        rows.append(
            Row(
                code=code.strip(),
                quantity=quantities[i].strip() if i < len(quantities) else "",
                cost=costs[i].strip() if i < len(costs) else "",
            )
        )
    return rows


def _filled(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.code]


def _with_blanks(rows: list[Row]) -> list[Row]:
    return [_row_resolve(r) for r in _filled(rows)] + [Row() for _ in range(BLANK_ROWS)]


@require_GET
@_perms(*VIEW_PERMS)
def line_row(request: HttpRequest) -> HttpResponse:
    """HTMX: one line row, with the product's name and default cost once its code is
    typed or scanned (a blank row when called without a code, for "Agregar línea")."""
    row = _row_resolve(
        Row(
            code=request.GET.get("code", "").strip(),
            quantity=request.GET.get("quantity", "").strip(),
            cost=request.GET.get("cost", "").strip(),
        )
    )
    return render(request, "purchases/lines_form.html#line-row", {"row": row})


# ------------------------------------------------------------------------- orders


@require_GET
@_perms(*VIEW_PERMS)
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "purchases/index.html",
        _context(
            request,
            _("Compras"),
            open_orders=PurchaseOrder.objects.filter(status__in=["enviada", "parcial"])
            .select_related("supplier")
            .order_by("expected_on", "id")[:50],
        ),
    )


def _suppliers():
    return Supplier.objects.filter(is_active=True).order_by("name")


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BusinessError(_("La fecha «%(value)s» no es válida.") % {"value": value})


def _order_form(request: HttpRequest, *, order: PurchaseOrder | None) -> HttpResponse:
    title = (
        _("Nueva orden de compra") if order is None else _("Editar %(order)s") % {"order": order}
    )
    error = ""
    if request.method == "POST":
        rows = _rows_from_post(request)
        values = request.POST
        try:
            supplier = Supplier.objects.filter(pk=values.get("supplier") or 0).first()
            if supplier is None:
                raise BusinessError(_("Elija el proveedor."))
            lines = [OrderLineInput(r.code, r.quantity, r.cost) for r in _filled(rows)]
            expected_on = _parse_date(values.get("expected_on", ""))
            notes = values.get("notes", "")
            if order is None:
                saved = purchase_order_create(
                    supplier=supplier,
                    lines=lines,
                    user=request.user,
                    expected_on=expected_on,
                    notes=notes,
                )
                messages.success(
                    request, _("Orden %(order)s creada como borrador.") % {"order": saved}
                )
            else:
                saved = purchase_order_update(
                    order=order,
                    supplier=supplier,
                    lines=lines,
                    user=request.user,
                    expected_on=expected_on,
                    notes=notes,
                )
                messages.success(request, _("Orden %(order)s guardada.") % {"order": saved})
            return redirect("purchases:order_detail", order_id=saved.pk)
        except BusinessError as exc:
            error = exc.message
        form = {
            "supplier": values.get("supplier", ""),
            "expected_on": values.get("expected_on", ""),
            "notes": values.get("notes", ""),
        }
    elif order is not None:
        rows = [
            Row(
                code=line.product.sku,
                quantity=format_quantity(line.quantity),
                cost=str(line.unit_cost_clp),
            )
            for line in order_lines(order=order)
        ]
        form = {
            "supplier": str(order.supplier_id),
            "expected_on": order.expected_on.isoformat() if order.expected_on else "",
            "notes": order.notes,
        }
    else:
        rows = []
        form = {"supplier": request.GET.get("proveedor", ""), "expected_on": "", "notes": ""}
    return render(
        request,
        "purchases/order_form.html",
        _context(
            request,
            title,
            order=order,
            form=form,
            rows=_with_blanks(rows),
            suppliers=_suppliers(),
            error=error,
        ),
        status=400 if error else 200,
    )


@_perms(*ORDER_PERMS)
def order_create(request: HttpRequest) -> HttpResponse:
    return _order_form(request, order=None)


@_perms(*ORDER_PERMS)
def order_edit(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder, pk=order_id)
    if not order.is_editable:
        messages.error(
            request,
            _("La orden %(order)s ya no es borrador: no se puede editar.") % {"order": order},
        )
        return redirect("purchases:order_detail", order_id=order.pk)
    return _order_form(request, order=order)


@require_GET
@_perms(*VIEW_PERMS)
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder.objects.select_related("supplier"), pk=order_id)
    return render(
        request,
        "purchases/order_detail.html",
        _context(
            request,
            str(order),
            order=order,
            lines=order_lines(order=order),
            receipts=order.receipts.select_related("received_by", "invoice").order_by("id"),
        ),
    )


@require_POST
@_perms(*ORDER_PERMS)
def order_send(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder, pk=order_id)
    try:
        purchase_order_send(order=order, user=request.user)
        messages.success(request, _("Orden %(order)s marcada como enviada.") % {"order": order})
    except BusinessError as exc:
        messages.error(request, exc.message)
    return redirect("purchases:order_detail", order_id=order.pk)


@require_POST
@_perms(*ORDER_PERMS)
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder, pk=order_id)
    try:
        purchase_order_cancel(order=order, user=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Orden %(order)s anulada.") % {"order": order})
    except BusinessError as exc:
        messages.error(request, exc.message)
    return redirect("purchases:order_detail", order_id=order.pk)


@require_GET
@_perms(*VIEW_PERMS)
def order_print(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder.objects.select_related("supplier"), pk=order_id)
    return render(
        request,
        "purchases/order_print.html",
        {"order": order, "lines": order_lines(order=order), "store": get_config().store},
    )


# ------------------------------------------------------------------------ receiving


@dataclass
class ReceiveForm:
    """The receive page's state: a quantity and cost per order line, extra rows for
    products not on the order, and the scan result message."""

    quantities: dict[int, str] = field(default_factory=dict)
    costs: dict[int, str] = field(default_factory=dict)
    extra: list[Row] = field(default_factory=list)
    allow_unordered: bool = False
    supplier_document: str = ""
    notes: str = ""
    scan_message: str = ""
    scan_error: str = ""


def _receive_form_from_post(request: HttpRequest, lines: list[PurchaseOrderLine]) -> ReceiveForm:
    post = request.POST
    form = ReceiveForm(
        quantities={line.pk: post.get(f"qty_{line.pk}", "").strip() for line in lines},
        costs={line.pk: post.get(f"cost_{line.pk}", "").strip() for line in lines},
        extra=[_row_resolve(r) for r in _filled(_rows_from_post(request))],
        allow_unordered=post.get("allow_unordered") == "on",
        supplier_document=post.get("supplier_document", ""),
        notes=post.get("notes", ""),
    )
    return form


def _add(current: str, amount: Decimal, product: Product) -> str:
    """A scan added to what the quantity field holds (read like any typed quantity;
    something unreadable there is replaced)."""
    try:
        base = product_quantity_parse(current, product=product) if current else Decimal(0)
    except InvalidNumber:
        base = Decimal(0)
    return format_quantity(base + amount)


def _scan(form: ReceiveForm, *, code: str, lines: list[PurchaseOrderLine]) -> None:
    """Count one scan: +1 unit, or the weight a deli-scale label carries."""
    resolved = product_resolve_code(code=code)
    if resolved is None:
        form.scan_error = _("No existe un producto activo con el código «%(code)s».") % {
            "code": code
        }
        return
    product = resolved.product
    amount = resolved.embedded_weight_kg or Decimal(1)
    for line in lines:
        if line.product_id == product.pk:
            form.quantities[line.pk] = _add(form.quantities.get(line.pk, ""), amount, product)
            form.scan_message = _("%(product)s: %(qty)s") % {
                "product": product.name,
                "qty": form.quantities[line.pk],
            }
            return
    if not form.allow_unordered:
        form.scan_error = _(
            "«%(product)s» no está en la orden. Marque «aceptar productos no pedidos» "
            "para recibirlo."
        ) % {"product": product.name}
        return
    for row in form.extra:
        if row.product and row.product.pk == product.pk:
            row.quantity = _add(row.quantity, amount, product)
            break
    else:
        form.extra.append(_row_resolve(Row(code=code, quantity=_add("", amount, product))))
    form.scan_message = _("%(product)s (no pedido) agregado.") % {"product": product.name}


@_perms(*RECEIPT_PERMS)
def order_receive(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder.objects.select_related("supplier"), pk=order_id)
    lines = list(order_lines(order=order))
    error = ""
    if request.method == "POST":
        form = _receive_form_from_post(request, lines)
        if request.POST.get("action") == "scan":
            code = request.POST.get("scan", "").strip()
            if code:
                _scan(form, code=code, lines=lines)
            template = "purchases/order_receive.html#receive-lines" if _is_htmx(request) else None
            if template:
                return render(
                    request,
                    template,
                    {"order": order, "form": form, "receive_rows": _receive_rows(lines, form)},
                )
        else:
            inputs = [
                ReceiptLineInput(
                    line.product.sku,
                    form.quantities[line.pk],
                    form.costs[line.pk] or None,
                    product_id=line.product_id,
                )
                for line in lines
                if form.quantities[line.pk] not in ("", "0")
            ] + [ReceiptLineInput(r.code, r.quantity, r.cost or None) for r in form.extra]
            try:
                receipt = goods_receipt_post(
                    order=order,
                    lines=inputs,
                    user=request.user,
                    allow_unordered=form.allow_unordered,
                    supplier_document=form.supplier_document,
                    notes=form.notes,
                )
            except BusinessError as exc:
                error = exc.message
            else:
                return _receipt_done(request, receipt)
    else:
        form = ReceiveForm(
            costs={line.pk: str(line.unit_cost_clp) for line in lines},
        )
    return render(
        request,
        "purchases/order_receive.html",
        _context(
            request,
            _("Recibir %(order)s") % {"order": order},
            order=order,
            form=form,
            receive_rows=_receive_rows(lines, form),
            error=error,
        ),
        status=400 if error else 200,
    )


def _receive_rows(lines: list[PurchaseOrderLine], form: ReceiveForm) -> list[dict]:
    return [
        {
            "line": line,
            "quantity": form.quantities.get(line.pk, ""),
            "cost": form.costs.get(line.pk, ""),
        }
        for line in lines
    ]


def _receipt_done(request: HttpRequest, receipt: GoodsReceipt) -> HttpResponse:
    lines = receipt.lines.count()
    messages.success(
        request,
        ngettext(
            "Recepción %(ref)s registrada: %(n)d línea ingresó al inventario.",
            "Recepción %(ref)s registrada: %(n)d líneas ingresaron al inventario.",
            lines,
        )
        % {"ref": receipt.reference, "n": lines},
    )
    return redirect(reverse("admin:purchases_goodsreceipt_change", args=[receipt.pk]))


@_perms(*RECEIPT_PERMS)
def receipt_create(request: HttpRequest) -> HttpResponse:
    """A receipt without an order: the supplier, and the lines with their cost."""
    error = ""
    if request.method == "POST":
        rows = _rows_from_post(request)
        values = request.POST
        try:
            supplier = Supplier.objects.filter(pk=values.get("supplier") or 0).first()
            if supplier is None:
                raise BusinessError(_("Elija el proveedor."))
            receipt = goods_receipt_post(
                supplier=supplier,
                lines=[ReceiptLineInput(r.code, r.quantity, r.cost or None) for r in _filled(rows)],
                user=request.user,
                supplier_document=values.get("supplier_document", ""),
                notes=values.get("notes", ""),
            )
        except BusinessError as exc:
            error = exc.message
        else:
            return _receipt_done(request, receipt)
        form = {k: values.get(k, "") for k in ("supplier", "supplier_document", "notes")}
    else:
        rows = []
        form = {"supplier": request.GET.get("proveedor", ""), "supplier_document": "", "notes": ""}
    return render(
        request,
        "purchases/receipt_form.html",
        _context(
            request,
            _("Recepción directa (sin orden de compra)"),
            form=form,
            rows=_with_blanks(rows),
            suppliers=_suppliers(),
            error=error,
        ),
        status=400 if error else 200,
    )


# ------------------------------------------------------------------------- invoices


@require_GET
@_perms(*INVOICE_PERMS)
def invoice_receipts(request: HttpRequest) -> HttpResponse:
    """HTMX: the chosen supplier's receipts that no invoice has taken yet."""
    supplier = Supplier.objects.filter(pk=request.GET.get("supplier") or 0).first()
    receipts = receipts_uninvoiced(supplier=supplier) if supplier else []
    return render(
        request,
        "purchases/invoice_form.html#receipt-choices",
        {"receipts": receipts, "supplier": supplier, "chosen": set()},
    )


@_perms(*INVOICE_PERMS)
def invoice_create(request: HttpRequest) -> HttpResponse:
    error = ""
    values = request.POST if request.method == "POST" else request.GET
    supplier = Supplier.objects.filter(pk=values.get("supplier") or 0).first()
    chosen = {int(v) for v in request.POST.getlist("receipts") if v.isdigit()}
    ila_fields = [(code, ila_label(code)) for code in ILA_RATES if code]
    if request.method == "POST":
        try:
            if supplier is None:
                raise BusinessError(_("Elija el proveedor."))
            folio_text = values.get("folio", "").strip()
            if not folio_text.isdigit():
                raise BusinessError(_("El folio debe ser un número."))
            issued_on = _parse_date(values.get("issued_on", ""))
            if issued_on is None:
                raise BusinessError(_("Indique la fecha de emisión de la factura."))
            invoice = supplier_invoice_record(
                supplier=supplier,
                folio=int(folio_text),
                issued_on=issued_on,
                net_clp=parse_amount_clp(values.get("net", ""), field=_("Neto")),
                exempt_clp=_optional_amount(values, "exempt", _("Exento")),
                iva_clp=parse_amount_clp(values.get("iva", ""), field=_("IVA")),
                ila_by_rate={
                    code: _optional_amount(values, code, label) for code, label in ila_fields
                },
                other_taxes_clp=_optional_amount(
                    values, "other_taxes", _("Otros impuestos específicos")
                ),
                total_clp=parse_amount_clp(values.get("total", ""), field=_("Total")),
                receipts=list(GoodsReceipt.objects.filter(pk__in=chosen)),
                user=request.user,
                accept_difference=values.get("accept_difference") == "on",
                difference_reason=values.get("difference_reason", ""),
                notes=values.get("notes", ""),
            )
        except BusinessError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Factura folio %(folio)s de %(supplier)s registrada.")
                % {"folio": invoice.folio, "supplier": supplier.name},
            )
            return redirect(reverse("admin:purchases_supplierinvoice_change", args=[invoice.pk]))
    form = {
        k: values.get(k, "")
        for k in (
            "folio",
            "issued_on",
            "net",
            "exempt",
            "iva",
            "other_taxes",
            "total",
            "difference_reason",
            "notes",
        )
    }
    ila_inputs = [(code, label, values.get(code, "")) for code, label in ila_fields]
    form["supplier"] = str(supplier.pk) if supplier else ""
    form["accept_difference"] = values.get("accept_difference") == "on"
    if not form["issued_on"]:
        form["issued_on"] = timezone.localdate().isoformat()
    return render(
        request,
        "purchases/invoice_form.html",
        _context(
            request,
            _("Registrar factura de proveedor"),
            form=form,
            suppliers=Supplier.objects.order_by("name"),
            supplier=supplier,
            receipts=receipts_uninvoiced(supplier=supplier) if supplier else [],
            chosen=chosen,
            ila_inputs=ila_inputs,
            error=error,
        ),
        status=400 if error else 200,
    )


def _optional_amount(values, name: str, label) -> int:
    """A whole-peso amount the form may leave empty (exempt, ILA, other taxes): 0."""
    text = values.get(name, "").strip()
    return parse_amount_clp(text, field=label) if text else 0


# ------------------------------------------------------------------------ products


@require_GET
@_perms("purchases.view_productcost")
def product_history(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    return render(
        request,
        "purchases/product_history.html",
        _context(
            request,
            _("Compras de %(product)s") % {"product": product.name},
            product=product,
            margin=product_margin(product=product),
            history=product_purchase_history(product=product),
        ),
    )
