"""Back office lists of purchases: suppliers, orders, receipts, invoices and costs.

Every list is searchable, filterable and exportable to CSV. Suppliers are edited here
(saved through ``supplier_create``/``supplier_update``); orders, receipts and invoices
are created on the pages under /gestion/compras/ (the admin's "add" leads there) and
are read-only here: nothing is deleted, corrections are new documents.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.store.backoffice.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    number_column,
    quantity_column,
)
from itplus.store.backoffice.csv_export import CsvExportMixin
from itplus.store.purchases.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    ProductCost,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierInvoice,
)
from itplus.store.purchases.services import (
    SUPPLIER_FIELDS,
    supplier_create,
    supplier_update,
    supplier_validate,
)


def _clp(field: str, description, ordering: str | None = None):
    @admin.display(description=description, ordering=ordering or field)
    def column(model_admin, obj) -> str:
        return format_clp(getattr(obj, field))

    return column


class NoDeleteAdmin(CsvExportMixin, admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class DocumentAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Documents are created on their page under /gestion/compras/ (``add_page``; the
    admin's "add" leads there) and never edited here."""

    add_page = ""

    def has_add_permission(self, request, obj=None):
        # Read-only but for "add", which leads to the document's page (Django's permission).
        return bool(self.add_page) and admin.ModelAdmin.has_add_permission(self, request)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect(self.add_page)


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = list(SUPPLIER_FIELDS)

    def clean(self):
        # The service's rules (RUT, duplicates, e-mail, terms) shown as form errors.
        cleaned = super().clean()
        if not self.errors:
            probe = Supplier(pk=self.instance.pk, **{k: cleaned.get(k) for k in SUPPLIER_FIELDS})
            try:
                supplier_validate(supplier=probe)
            except BusinessError as exc:
                raise ValidationError(exc.message)
        return cleaned

    def validate_unique(self):
        pass  # supplier_validate compares clean RUTs, whatever way they were typed


@admin.register(Supplier)
class SupplierAdmin(NoDeleteAdmin):
    csv_fields = SUPPLIER_FIELDS + ("created_at",)
    list_display = [
        "name",
        "rut_formatted",
        "comuna",
        "contact_name",
        "phone",
        "payment_terms_days",
        "is_active",
    ]
    list_filter = ["is_active", "comuna", "payment_terms_days"]
    search_fields = ["name", "rut", "giro", "contact_name", "email"]
    search_help_text = _("Razón social, RUT (sin puntos), giro, contacto o correo.")
    fields = list(SUPPLIER_FIELDS)
    form = SupplierForm

    @admin.display(description=_("RUT"), ordering="rut")
    def rut_formatted(self, obj: Supplier) -> str:
        return obj.rut_display

    def get_search_results(self, request, queryset, search_term):
        # "76.086.428-5" finds the clean "76086428-5".
        return super().get_search_results(request, queryset, search_term.replace(".", ""))

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name] for name in SUPPLIER_FIELDS if name in form.cleaned_data
        }
        if change:
            saved = supplier_update(supplier=Supplier.objects.get(pk=obj.pk), **fields)
        else:
            saved = supplier_create(**fields)
        obj.pk, obj.rut = saved.pk, saved.rut
        obj._state.adding = False


class OrderLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = ["position", "product", "quantity_shown", "received_shown", "unit_cost", "net"]
    quantity_shown = quantity_column("quantity", _("cantidad"))
    received_shown = quantity_column("received_quantity", _("recibido"))
    unit_cost = _clp("unit_cost_clp", _("costo neto unitario"))
    net = _clp("net_clp", _("neto"))


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(DocumentAdmin):
    add_page = "purchases:order_create"
    csv_fields = (
        "id",
        "supplier",
        "supplier__rut",
        "status",
        "expected_on",
        "net_clp",
        "exempt_clp",
        "iva_clp",
        "ila_clp",
        "total_clp",
        "created_by",
        "created_at",
        "sent_at",
        "cancelled_at",
        "cancel_reason",
    )
    list_display = [
        "__str__",
        "supplier",
        "status",
        "expected_on",
        "total",
        "created_at",
        "open_link",
    ]
    list_filter = ["status", "supplier", "expected_on", "created_at"]
    list_select_related = ["supplier"]
    search_fields = ["=id", "supplier__name", "supplier__rut", "notes", "lines__product__name"]
    search_help_text = _("Número de orden, proveedor, RUT o producto.")
    date_hierarchy = "created_at"
    total = _clp("total_clp", _("total"))
    inlines = [OrderLineInline]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper().removeprefix("OC-")
        results, dups = super().get_search_results(request, queryset, term)
        return results, True

    @admin.display(description="")
    def open_link(self, obj: PurchaseOrder) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("purchases:order_detail", args=[obj.pk]), _("Abrir")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("purchases:order_detail", order_id=object_id)


class ReceiptLineInline(ReadOnlyInline):
    model = GoodsReceiptLine
    fields = [
        "position",
        "product",
        "quantity_shown",
        "unit_cost",
        "net",
        "stock_before_shown",
        "average_cost_before_clp",
        "average_cost_after_clp",
    ]
    quantity_shown = quantity_column("quantity", _("cantidad"))
    stock_before_shown = quantity_column("stock_before", _("existencia anterior"))
    unit_cost = _clp("unit_cost_clp", _("costo neto unitario"))
    net = _clp("net_clp", _("neto"))


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(DocumentAdmin):
    add_page = "purchases:receipt_create"
    csv_fields = (
        "id",
        "reference",
        "supplier",
        "supplier__rut",
        "order",
        "warehouse",
        "supplier_document",
        "net_clp",
        "exempt_clp",
        "iva_clp",
        "ila_clp",
        "total_clp",
        "invoice",
        "received_by",
        "received_at",
    )
    list_display = [
        "receipt_reference",
        "supplier",
        "received_at",
        "total",
        "warehouse",
        "invoice",
        "received_by",
    ]
    list_filter = ["supplier", "warehouse", ("invoice", admin.EmptyFieldListFilter), "received_at"]
    list_select_related = ["supplier", "warehouse", "invoice", "invoice__supplier", "received_by"]
    search_fields = [
        "=id",
        "=order__id",
        "supplier__name",
        "supplier__rut",
        "supplier_document",
        "lines__product__name",
    ]
    search_help_text = _("N° de recepción u orden, proveedor, RUT, guía de despacho o producto.")
    date_hierarchy = "received_at"
    inlines = [ReceiptLineInline]
    fields = [
        "supplier",
        "order",
        "warehouse",
        "supplier_document",
        "notes",
        "net_clp",
        "exempt_clp",
        "iva_clp",
        "ila_clp",
        "total_clp",
        "invoice",
        "received_by",
        "received_at",
    ]
    total = _clp("total_clp", _("total"))

    @admin.display(description=_("recepción"), ordering="pk")
    def receipt_reference(self, receipt: GoodsReceipt) -> str:
        return receipt.reference

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        for prefix in ("REC-", "OC-"):
            if "/" in term:
                term = term.rsplit("/", 1)[1]
            term = term.removeprefix(prefix)
        results, _dups = super().get_search_results(request, queryset, term)
        return results, True


@admin.register(SupplierInvoice)
class SupplierInvoiceAdmin(DocumentAdmin):
    add_page = "purchases:invoice_create"
    csv_fields = (
        "supplier",
        "supplier__rut",
        "folio",
        "issued_on",
        "net_clp",
        "exempt_clp",
        "iva_clp",
        "ila_clp",
        "ila_by_rate",
        "other_taxes_clp",
        "total_clp",
        "receipts_total_clp",
        "rounding_clp",
        "difference_clp",
        "difference_reason",
        "recorded_by",
        "recorded_at",
    )
    list_display = ["folio_shown", "supplier", "issued_on", "total", "difference", "recorded_by"]
    folio_shown = number_column("folio", _("folio"))
    list_filter = [("difference_reason", admin.EmptyFieldListFilter), "supplier", "issued_on"]
    list_select_related = ["supplier", "recorded_by"]
    search_fields = ["=folio", "supplier__name", "supplier__rut", "notes"]
    search_help_text = _("Folio exacto, proveedor o RUT.")
    date_hierarchy = "issued_on"
    fields = [
        "supplier",
        "folio",
        "issued_on",
        "net_clp",
        "exempt_clp",
        "iva_clp",
        "ila_clp",
        "ila_by_rate",
        "other_taxes_clp",
        "total_clp",
        "receipts_total_clp",
        "rounding_clp",
        "difference_clp",
        "difference_reason",
        "notes",
        "recorded_by",
        "recorded_at",
        "linked_receipts",
    ]
    total = _clp("total_clp", _("total"))

    @admin.display(description=_("diferencia"), ordering="difference_clp")
    def difference(self, obj: SupplierInvoice) -> str:
        if not obj.difference_clp:
            return "—"
        return format_html(
            '<strong style="color: var(--error-fg)">{}</strong>', format_clp(obj.difference_clp)
        )

    @admin.display(description=_("recepciones"))
    def linked_receipts(self, obj: SupplierInvoice) -> str:
        return ", ".join(f"{r.reference} ({format_clp(r.total_clp)})" for r in obj.receipts.all())


@admin.register(ProductCost)
class ProductCostAdmin(DocumentAdmin):
    csv_fields = (
        "product__sku",
        "product",
        "last_cost_clp",
        "average_cost_clp",
        "product__price_clp",
        "last_receipt",
        "updated_at",
    )
    list_display = [
        "product",
        "sku",
        "last_cost",
        "average_cost",
        "price",
        "updated_at",
        "history_link",
    ]
    list_filter = ["product__category", "updated_at"]
    list_select_related = ["product"]
    search_fields = ["product__name", "product__sku", "=product__barcodes__code"]
    search_help_text = _("Nombre, SKU o código de barras exacto.")
    last_cost = _clp("last_cost_clp", _("último costo neto"))
    average_cost = _clp("average_cost_clp", _("costo promedio"))

    @admin.display(description=_("SKU"), ordering="product__sku")
    def sku(self, obj: ProductCost) -> str:
        return obj.product.sku

    @admin.display(description=_("precio (IVA incl.)"), ordering="product__price_clp")
    def price(self, obj: ProductCost) -> str:
        return format_clp(obj.product.price_clp)

    @admin.display(description="")
    def history_link(self, obj: ProductCost) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("purchases:product_history", args=[obj.product_id]),
            _("Historial y margen"),
        )

    def get_search_results(self, request, queryset, search_term):
        results, _dups = super().get_search_results(request, queryset, search_term)
        return results, True
