"""Back office for the inventory's models: warehouses (managed here), the ledger and
the count sheets (read-only: corrections are new movements, nothing is deleted).

Supervisors and administrators see these lists by role (``role_at_least``), the same
rule as the inventory pages, rather than by per-model permissions.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.backoffice.admin import ReadOnlyAdminMixin, quantity_column
from itplus.store.backoffice.csv_export import CsvExportMixin
from itplus.store.inventory.models import CountSheet, StockMovement, Warehouse


def _is_manager(request) -> bool:
    return role_at_least(request.user, Role.SUPERVISOR)


class ManagerViewMixin:
    def has_module_permission(self, request) -> bool:
        return _is_manager(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_manager(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Warehouse)
class WarehouseAdmin(CsvExportMixin, ManagerViewMixin, admin.ModelAdmin):
    csv_fields = ("code", "name", "is_default")
    list_display = ["name", "code", "is_default"]
    list_filter = ["is_default"]
    search_fields = ["name", "code"]

    def has_add_permission(self, request) -> bool:
        return role_at_least(request.user, Role.ADMIN)

    def has_change_permission(self, request, obj=None) -> bool:
        return role_at_least(request.user, Role.ADMIN)


@admin.register(StockMovement)
class StockMovementAdmin(CsvExportMixin, ReadOnlyAdminMixin, ManagerViewMixin, admin.ModelAdmin):
    csv_fields = (
        "created_at",
        "product__sku",
        "product__name",
        "warehouse",
        "kind",
        "quantity",
        "resulting_quantity",
        "user",
        "reason",
        "reference",
    )
    list_display = [
        "created_at",
        "product_link",
        "warehouse",
        "kind",
        "quantity_shown",
        "resulting_shown",
        "user",
        "reason",
        "reference",
    ]
    fields = [
        "created_at",
        "product",
        "warehouse",
        "kind",
        "quantity_shown",
        "resulting_shown",
        "user",
        "reason",
        "reference",
        "sale_line",
    ]
    quantity_shown = quantity_column("quantity", _("cantidad"))
    resulting_shown = quantity_column("resulting_quantity", _("saldo"))
    list_filter = ["kind", "warehouse", "created_at"]
    list_select_related = ["product", "warehouse", "user"]
    search_fields = ["product__name", "=product__sku", "reference", "reason"]
    search_help_text = _("Producto, SKU exacto, referencia (p. ej. B1-120) o motivo.")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # the ledger grows without end: no COUNT(*) per page

    @admin.display(description=_("producto"), ordering="product__name")
    def product_link(self, obj: StockMovement) -> str:
        url = reverse("inventory:product_ledger", args=[obj.product_id])
        return format_html('<a href="{}">{}</a>', url, obj.product.name)


@admin.register(CountSheet)
class CountSheetAdmin(CsvExportMixin, ReadOnlyAdminMixin, ManagerViewMixin, admin.ModelAdmin):
    csv_fields = (
        "id",
        "warehouse",
        "category",
        "status",
        "created_by",
        "created_at",
        "closed_by",
        "closed_at",
        "note",
        "close_reason",
    )
    list_display = ["sheet_link", "warehouse", "category", "status", "created_at", "closed_at"]
    list_filter = ["status", "warehouse", "category"]
    list_select_related = ["warehouse", "category"]
    search_fields = ["note", "close_reason", "=id"]

    @admin.display(description=_("toma"), ordering="id")
    def sheet_link(self, obj: CountSheet) -> str:
        url = reverse("inventory:count_sheet", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)
