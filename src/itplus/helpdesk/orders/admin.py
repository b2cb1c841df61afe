"""Back office: orders (filters, CSV), the call-back queue, the terms.

The order page's payments (inline, refund, transfer confirmation, reconciliation) are
added by ``helpdesk.payments.admin``: payments sit above orders and orders never
import them."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from itplus.core.spreadsheet import BOM, SpreadsheetCsvWriter
from itplus.helpdesk.orders.models import CallbackRequest, Order, TermsAcceptance, TermsVersion
from itplus.helpdesk.orders.selectors import orders_csv_rows
from itplus.helpdesk.orders.services import callback_done


class PaidFilter(admin.SimpleListFilter):
    title = _("pagado")
    parameter_name = "pagado"

    def lookups(self, request, model_admin):
        return [("si", _("Sí")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "si":
            return queryset.filter(paid_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(paid_at__isnull=True)
        return queryset


class TermsAcceptanceInline(admin.StackedInline):
    model = TermsAcceptance
    can_delete = False
    readonly_fields = ["terms", "accepted_at", "ip_address", "user_agent", "accepted_clauses"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "created_at",
        "service",
        "price_clp",
        "state",
        "paid_at",
        "customer_name",
        "comuna",
        "phone",
    ]
    list_filter = ["state", "service", PaidFilter, "comuna", "payment_method"]
    search_fields = ["code", "customer_name", "customer_rut", "email", "phone", "business_name"]
    date_hierarchy = "created_at"
    # The payments app registers this admin again with its payments inline and actions.
    inlines = [TermsAcceptanceInline]
    actions = ["export_csv"]
    readonly_fields = [
        "code",
        "service",
        "price_clp",
        "state",
        "payment_method",
        "created_at",
        "paid_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "service",
                    "price_clp",
                    "state",
                    "payment_method",
                    "created_at",
                    "paid_at",
                ]
            },
        ),
        (
            _("Cliente"),
            {
                "fields": [
                    "customer_name",
                    "customer_rut",
                    "email",
                    "phone",
                    "business_name",
                    "address",
                    "comuna",
                ]
            },
        ),
        (_("Equipo"), {"fields": ["installation_type", "virus_suspected", "notes"]}),
    ]

    def has_add_permission(self, request):
        return False  # orders come from the public checkout

    def has_delete_permission(self, request, obj=None):
        return False  # orders are evidence of payments and accepted terms

    @admin.action(description=_("Exportar a CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="pedidos-{timezone.localdate():%Y%m%d}.csv"'
        )
        response.write(BOM)
        SpreadsheetCsvWriter(response).writerows(orders_csv_rows(queryset.order_by("created_at")))
        return response


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "order", "phone", "done_at", "done_by"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]
    ordering = ["requested_at"]
    readonly_fields = ["order", "phone", "requested_at", "done_at", "done_by"]
    actions = ["mark_done"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Marcar como llamado"))
    def mark_done(self, request, queryset):
        for callback in queryset:
            callback_done(callback=callback, by=request.user)
        self.message_user(request, _("Llamadas registradas."), messages.SUCCESS)


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["document", "version", "title", "published_at"]
    list_filter = ["document"]
    readonly_fields = ["document", "version", "title", "body", "clauses", "published_at"]

    def has_add_permission(self, request):
        return False  # a new version ships with a migration

    def has_delete_permission(self, request, obj=None):
        return False
