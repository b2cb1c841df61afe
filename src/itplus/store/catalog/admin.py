"""Back office for the catalog. Saving goes through catalog.services, so the admin,
the till and the price-list import apply the same rules."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from itplus.core.money import format_clp
from itplus.core.text import fold
from itplus.store.backoffice.csv_export import CsvExportMixin
from itplus.store.catalog.models import Barcode, Category, Product
from itplus.store.catalog.services import (
    PRODUCT_FIELDS,
    product_create,
    product_update,
    products_set_active,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "product_count"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description=_("productos"), ordering="_product_count")
    def product_count(self, obj: Category) -> int:
        return obj._product_count


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 1
    verbose_name = _("código de barras")
    verbose_name_plural = _("códigos de barras (EAN-13, EAN-8, UPC-A o internos)")


@admin.register(Product)
class ProductAdmin(CsvExportMixin, admin.ModelAdmin):
    csv_fields = (
        "sku",
        "name",
        "category",
        "unit",
        "price_clp",
        "cost_clp",
        "is_exempt",
        "ila_tax",
        "scale_code",
        "is_active",
    )
    change_list_template = "admin/catalog/product/change_list.html"
    list_display = [
        "name",
        "sku",
        "category",
        "price",
        "unit",
        "tax",
        "is_active",
    ]
    list_display_links = ["name", "sku"]
    list_filter = ["category", "unit", "is_exempt", "ila_tax", "is_active"]
    list_select_related = ["category"]
    search_fields = ["name", "sku", "=barcodes__code"]
    search_help_text = _("Nombre (con o sin tildes), SKU o código de barras exacto.")
    autocomplete_fields = ["category"]
    inlines = [BarcodeInline]
    actions = ["activate", "deactivate"]
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "sku", "category", "is_active"]}),
        (_("Precio y venta"), {"fields": ["price_clp", "cost_clp", "unit", "scale_code"]}),
        (_("Impuestos"), {"fields": ["is_exempt", "ila_tax"]}),
        (_("Registro"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("precio"), ordering="price_clp")
    def price(self, obj: Product) -> str:
        return format_clp(obj.price_clp)

    @admin.display(description=_("impuesto"))
    def tax(self, obj: Product) -> str:
        if obj.is_exempt:
            return str(_("Exento"))
        if obj.ila_tax:
            return f"IVA + {obj.get_ila_tax_display()}"
        return "IVA"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = fold(search_term).split()
        if words:
            # search_text is the name without accents: "platano" finds "Plátano".
            accent_free = Q()
            for word in words:
                accent_free &= Q(search_text__contains=word)
            results |= queryset.filter(accent_free)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        # Written in save_related, once the barcode inline is known, by one service call.
        pass

    def save_related(self, request, form, formsets, change):
        fields = {
            name: form.cleaned_data[name] for name in PRODUCT_FIELDS if name in form.cleaned_data
        }
        barcode_formsets = [fs for fs in formsets if fs.model is Barcode]
        codes = None
        if barcode_formsets:
            codes = [
                f.cleaned_data["code"]
                for f in barcode_formsets[0].forms
                if f.cleaned_data.get("code") and not f.cleaned_data.get("DELETE")
            ]
        obj = form.instance
        before = set(obj.barcodes.values_list("code", flat=True)) if change else set()
        if change:
            product = product_update(product=obj, barcodes=codes, **fields)
        else:
            product = product_create(barcodes=codes or [], **fields)
            # The admin keeps using form.instance (history entry, redirect).
            obj.pk = product.pk
            obj._state.adding = False
            obj._state.db = product._state.db
        after = {b.code: b for b in product.barcodes.all()}
        for formset in formsets:
            # What the admin's history ("LogEntry") reads after formset.save().
            formset.new_objects = [b for code, b in after.items() if code not in before]
            formset.changed_objects = []
            formset.deleted_objects = [Barcode(code=code) for code in before - set(after)]

    def _set_active(self, request, queryset, *, is_active: bool) -> None:
        count = products_set_active(
            product_ids=queryset.values_list("pk", flat=True), is_active=is_active
        )
        if is_active:
            text = ngettext("%(count)d producto activado.", "%(count)d productos activados.", count)
        else:
            text = ngettext(
                "%(count)d producto desactivado.", "%(count)d productos desactivados.", count
            )
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Activar los productos seleccionados"), permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, is_active=True)

    @admin.action(description=_("Desactivar los productos seleccionados"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, is_active=False)
