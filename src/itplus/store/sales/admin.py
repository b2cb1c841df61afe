"""Back office for sale documents: read only. Fiscal documents are never edited or
deleted here; corrections are new documents (credit notes)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from itplus.core.money import format_clp
from itplus.store.backoffice.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    number_column,
    quantity_column,
)
from itplus.store.backoffice.csv_export import CsvExportMixin
from itplus.store.sales.models import (
    CreditNote,
    CreditNoteLine,
    DocumentSeries,
    NumberBlock,
    Payment,
    Refund,
    Sale,
    SaleLine,
    SyncConflict,
)


def clp_column(field: str, description, ordering: str | None = None):
    """An admin column/read-only field showing an integer CLP field as $1.990."""

    @admin.display(description=description, ordering=ordering)
    def column(model_admin, obj) -> str:
        return format_clp(getattr(obj, field))

    return column


def _titled(title, base=admin.RelatedFieldListFilter):
    """A list filter with a Spanish title, for model fields without a verbose_name."""

    class TitledFilter(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


class SaleLineInline(ReadOnlyInline):
    model = SaleLine
    verbose_name = _("línea")
    verbose_name_plural = _("líneas")
    fields = [
        "position",
        "description",
        "scanned_code",
        "quantity_shown",
        "unit_price",
        "discount",
        "total",
        "is_voided",
    ]

    quantity_shown = quantity_column("quantity", _("cantidad"))
    unit_price = clp_column("unit_price_clp", _("precio unitario"))

    @admin.display(description=_("descuento"))
    def discount(self, line: SaleLine) -> str:
        return format_clp(line.discount_clp + line.ticket_discount_clp)

    total = clp_column("total_clp", _("total"))


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["method", "amount", "tendered", "change", "reference"]

    amount = clp_column("amount_clp", _("monto"))

    tendered = clp_column("tendered_clp", _("entregado"))

    change = clp_column("change_clp", _("vuelto"))


@admin.register(Sale)
class SaleAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    csv_fields = (
        "series__code",
        "number",
        "issued_at",
        "status",
        "terminal",
        "cashier",
        "customer__rut",
        "gross_clp",
        "discount_clp",
        "total_clp",
        "net_clp",
        "iva_clp",
        "ila_clp",
        "exempt_clp",
        "cash_rounding_clp",
    )
    list_display = ["folio", "series_name", "issued_at", "terminal", "cashier", "total", "state"]
    list_display_links = ["folio"]
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
            {
                "fields": [
                    "series_name",
                    "folio",
                    "state",
                    "issued_at",
                    "terminal",
                    "cashier",
                    "buyer",
                ]
            },
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

    folio = number_column("number", _("número"))

    @admin.display(description=_("cliente"))
    def buyer(self, sale: Sale) -> str:
        # No customer is the anonymous final consumer, shown with the SII's RUT.
        if sale.customer is None:
            return f"66.666.666-6 {_('Consumidor final')}"
        return f"{sale.customer.rut_display} {sale.customer.name}"

    @admin.display(description=_("serie"), ordering="series__code")
    def series_name(self, sale: Sale) -> str:
        return sale.series.name

    @admin.display(description=_("estado"), ordering="status")
    def state(self, sale: Sale) -> str:
        return sale.get_status_display()

    gross = clp_column("gross_clp", _("bruto"))

    @admin.display(description=_("descuentos"))
    def discounts(self, sale: Sale) -> str:
        return format_clp(sale.discount_clp + sale.ticket_discount_clp)

    total = clp_column("total_clp", _("total"), ordering="total_clp")

    net = clp_column("net_clp", _("neto"))

    iva = clp_column("iva_clp", _("IVA"))

    ila = clp_column("ila_clp", _("ILA"))

    exempt = clp_column("exempt_clp", _("exento"))

    cash_rounding = clp_column("cash_rounding_clp", _("redondeo efectivo"))

    change = clp_column("change_clp", _("vuelto"))


@admin.register(DocumentSeries)
class DocumentSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "next", "is_active"]
    next = number_column("next_number", _("próximo número"))
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


# --- Returns: credit notes (read only; issued from the "Devoluciones" page or the till) ---


class CreditNoteLineInline(ReadOnlyInline):
    model = CreditNoteLine
    verbose_name = _("línea")
    verbose_name_plural = _("líneas")
    fields = ["position", "original_position", "description", "quantity_shown", "total", "restock"]
    quantity_shown = quantity_column("quantity", _("cantidad"))

    @admin.display(description=_("línea original"))
    def original_position(self, line: CreditNoteLine) -> int:
        return line.sale_line.position

    total = clp_column("total_clp", _("total"))


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["method", "amount"]

    amount = clp_column("amount_clp", _("monto"))


class SaleCreditNoteInline(ReadOnlyInline):
    """The credit notes of a sale, on the sale's page."""

    model = CreditNote
    fk_name = "sale"
    fields = ["note_link", "kind", "issued_at", "reason", "refunded"]
    verbose_name = _("nota de crédito")
    verbose_name_plural = _("notas de crédito")

    @admin.display(description=_("documento"))
    def note_link(self, note: CreditNote) -> str:
        url = reverse("admin:sales_creditnote_change", args=[note.pk])
        return format_html('<a href="{}">{}</a>', url, note)

    refunded = clp_column("amount_refunded_clp", _("devuelto"))


SaleAdmin.inlines = [*SaleAdmin.inlines, SaleCreditNoteInline]


@admin.register(CreditNote)
class CreditNoteAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/sales/creditnote/change_list.html"
    csv_fields = (
        "series__code",
        "number",
        "kind",
        "issued_at",
        "sale__series__code",
        "sale__number",
        "terminal",
        "user",
        "customer__rut",
        "reason",
        "total_clp",
        "net_clp",
        "iva_clp",
        "ila_clp",
        "exempt_clp",
        "cash_rounding_clp",
    )
    list_display = [
        "folio",
        "series_name",
        "issued_at",
        "kind",
        "original",
        "terminal",
        "user",
        "total",
        "refunded",
    ]
    list_display_links = ["folio"]
    list_filter = [
        "issued_at",
        "kind",
        ("series", _titled(_("serie"))),
        "terminal",
        "user",
        ("refunds__method", _titled(_("medio de devolución"), admin.AllValuesFieldListFilter)),
    ]
    list_select_related = ["series", "terminal", "user", "sale__series"]
    search_fields = ["=number", "=sale__number", "reason", "customer__rut", "customer__name"]
    search_help_text = _(
        "Número de la nota o de la venta original, motivo, RUT o nombre del cliente."
    )
    date_hierarchy = "issued_at"
    inlines = [CreditNoteLineInline, RefundInline]
    folio = number_column("number", _("número"))
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "series_name",
                    "folio",
                    "kind",
                    "issued_at",
                    "original",
                    "reason",
                    "terminal",
                    "user",
                    "cash_session",
                    "customer",
                    "approval",
                    "print_link",
                ]
            },
        ),
        (
            _("Montos"),
            {"fields": ["total", "net", "iva", "ila", "exempt", "cash_rounding", "refunded"]},
        ),
        (_("Integridad"), {"fields": ["client_uuid", "chain_hash"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # A note has one or more refunds: the refund-method filter must not repeat it.
        return super().get_queryset(request).distinct()

    @admin.display(description=_("serie"), ordering="series__code")
    def series_name(self, note: CreditNote) -> str:
        return note.series.name

    @admin.display(description=_("documento original"), ordering="sale__number")
    def original(self, note: CreditNote) -> str:
        url = reverse("admin:sales_sale_change", args=[note.sale_id])
        label = (
            f"{note.sale.series.get_kind_display()} {note.sale.series.code} N° {note.sale.number}"
        )
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("imprimir"))
    def print_link(self, note: CreditNote) -> str:
        url = reverse("returns:print", args=[note.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Nota de crédito 80 mm"))

    total = clp_column("total_clp", _("total"), ordering="total_clp")

    net = clp_column("net_clp", _("neto"))

    iva = clp_column("iva_clp", _("IVA"))

    ila = clp_column("ila_clp", _("ILA"))

    exempt = clp_column("exempt_clp", _("exento"))

    cash_rounding = clp_column("cash_rounding_clp", _("redondeo efectivo"))

    refunded = clp_column("amount_refunded_clp", _("devuelto"))


# --- Offline tills: leased number blocks and the conflicts of synced sales ---------------


@admin.register(NumberBlock)
class NumberBlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Boleta numbers leased to the tills for selling offline (they are leased and closed
    by the tills' calls and by revoking a terminal, never here)."""

    list_display = ["numbers", "series", "terminal", "leased_at", "closed_at", "closed_reason"]
    list_filter = [
        ("series", _titled(_("serie"))),
        "terminal",
        ("closed_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["series", "terminal"]
    search_fields = ["=first", "=last"]
    search_help_text = _("Primer o último número del bloque.")
    fields = ["series", "terminal", "numbers", "leased_at", "closed_at", "closed_reason"]

    @admin.display(description=_("números"), ordering="first")
    def numbers(self, block: NumberBlock) -> str:
        return f"{block.first}–{block.last}"


@admin.register(SyncConflict)
class SyncConflictAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What offline sales did that the server would not have let pass (a price other
    than the catalog's, stock below zero, a sale before the cash session opened, a block
    closed meanwhile): the sales stand, the owner reviews these."""

    list_display = ["created_at", "kind", "sale_link", "message", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["sale__series"]
    search_fields = ["=sale__number", "message"]
    search_help_text = _("Número de la venta o texto del conflicto.")
    date_hierarchy = "created_at"
    fields = ["created_at", "kind", "sale_link", "message", "details", "resolved_at", "resolved_by"]

    @admin.display(description=_("venta"), ordering="sale__number")
    def sale_link(self, conflict: SyncConflict) -> str:
        url = reverse("admin:sales_sale_change", args=[conflict.sale_id])
        return format_html('<a href="{}">{}</a>', url, conflict.sale)


class SaleSyncConflictInline(ReadOnlyInline):
    """The conflicts of an offline sale, on the sale's page."""

    model = SyncConflict
    fields = ["kind", "message", "created_at", "resolved_at"]
    verbose_name = _("conflicto de sincronización")
    verbose_name_plural = _("conflictos de sincronización")


SaleAdmin.inlines = [*SaleAdmin.inlines, SaleSyncConflictInline]
