"""Back office for sale documents: read only. Fiscal documents are never edited or
deleted here; corrections are new documents (credit notes)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from itplus.core.money import format_clp
from itplus.store.sales.models import DocumentSeries, Payment, Sale, SaleLine


def _titled(title, base=admin.RelatedFieldListFilter):
    """A list filter with a Spanish title, for model fields without a verbose_name."""

    class TitledFilter(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SaleLineInline(ReadOnlyInline):
    model = SaleLine
    verbose_name = _("línea")
    verbose_name_plural = _("líneas")
    fields = [
        "position",
        "description",
        "scanned_code",
        "quantity",
        "unit_price",
        "discount",
        "total",
        "is_voided",
    ]
    readonly_fields = fields

    @admin.display(description=_("precio unitario"))
    def unit_price(self, line: SaleLine) -> str:
        return format_clp(line.unit_price_clp)

    @admin.display(description=_("descuento"))
    def discount(self, line: SaleLine) -> str:
        return format_clp(line.discount_clp + line.ticket_discount_clp)

    @admin.display(description=_("total"))
    def total(self, line: SaleLine) -> str:
        return format_clp(line.total_clp)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["method", "amount", "tendered", "change", "reference"]
    readonly_fields = fields

    @admin.display(description=_("monto"))
    def amount(self, payment: Payment) -> str:
        return format_clp(payment.amount_clp)

    @admin.display(description=_("entregado"))
    def tendered(self, payment: Payment) -> str:
        return format_clp(payment.tendered_clp)

    @admin.display(description=_("vuelto"))
    def change(self, payment: Payment) -> str:
        return format_clp(payment.change_clp)


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ["number", "series_name", "issued_at", "terminal", "cashier", "total", "state"]
    list_display_links = ["number"]
    list_filter = [
        "issued_at",
        ("series", _titled(_("serie"))),
        "terminal",
        "cashier",
        ("status", _titled(_("estado"), admin.ChoicesFieldListFilter)),
    ]
    list_select_related = ["series", "terminal", "cashier"]
    search_fields = ["=number"]
    search_help_text = _("Número de documento.")
    date_hierarchy = "issued_at"
    inlines = [SaleLineInline, PaymentInline]
    fieldsets = [
        (
            None,
            {"fields": ["series_name", "number", "state", "issued_at", "terminal", "cashier"]},
        ),
        (
            _("Montos"),
            {
                "fields": [
                    "gross",
                    "discounts",
                    "total",
                    "net",
                    "iva",
                    "ila",
                    "exempt",
                    "cash_rounding",
                    "change",
                ]
            },
        ),
        (_("Integridad"), {"fields": ["client_uuid", "chain_hash"], "classes": ["collapse"]}),
    ]
    readonly_fields = [
        "series_name",
        "number",
        "state",
        "issued_at",
        "terminal",
        "cashier",
        "gross",
        "discounts",
        "total",
        "net",
        "iva",
        "ila",
        "exempt",
        "cash_rounding",
        "change",
        "client_uuid",
        "chain_hash",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("serie"), ordering="series__code")
    def series_name(self, sale: Sale) -> str:
        return sale.series.name

    @admin.display(description=_("estado"), ordering="status")
    def state(self, sale: Sale) -> str:
        return sale.get_status_display()

    @admin.display(description=_("bruto"))
    def gross(self, sale: Sale) -> str:
        return format_clp(sale.gross_clp)

    @admin.display(description=_("descuentos"))
    def discounts(self, sale: Sale) -> str:
        return format_clp(sale.discount_clp + sale.ticket_discount_clp)

    @admin.display(description=_("total"), ordering="total_clp")
    def total(self, sale: Sale) -> str:
        return format_clp(sale.total_clp)

    @admin.display(description=_("neto"))
    def net(self, sale: Sale) -> str:
        return format_clp(sale.net_clp)

    @admin.display(description=_("IVA"))
    def iva(self, sale: Sale) -> str:
        return format_clp(sale.iva_clp)

    @admin.display(description=_("ILA"))
    def ila(self, sale: Sale) -> str:
        return format_clp(sale.ila_clp)

    @admin.display(description=_("exento"))
    def exempt(self, sale: Sale) -> str:
        return format_clp(sale.exempt_clp)

    @admin.display(description=_("redondeo efectivo"))
    def cash_rounding(self, sale: Sale) -> str:
        return format_clp(sale.cash_rounding_clp)

    @admin.display(description=_("vuelto"))
    def change(self, sale: Sale) -> str:
        return format_clp(sale.change_clp)


@admin.register(DocumentSeries)
class DocumentSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "next_number", "is_active"]
    list_filter = ["kind", "is_active"]
    fields = ["code", "name", "kind", "next_number", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # Numbers are taken only by sales. The first number may be set when the
        # series is created (a shop continuing its paper or SII folio numbering).
        if obj is not None:
            return ["code", "kind", "next_number"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False
