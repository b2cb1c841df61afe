"""Back office for cash: sessions, movements and Z reports — all read-only lists
(searchable, filterable, exportable to CSV). Writes go through the cash pages
(/gestion/caja/), which call the services; nothing is ever deleted here.

Supervisors and administrators see these lists by role (not by Django permissions),
as they open and close the cash at the till.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from itplus.core.money import format_clp, format_signed_clp
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.backoffice.admin import ReadOnlyAdminMixin, ReadOnlyInline, number_column
from itplus.store.backoffice.csv_export import CsvExportMixin
from itplus.store.cash.models import CashMovement, CashSession, ZReport


class CashReadOnlyAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return role_at_least(request.user, Role.SUPERVISOR)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)


class MovementInline(ReadOnlyInline):
    model = CashMovement
    fields = ["created_at", "kind", "amount_clp", "reason", "user"]

    def has_view_permission(self, request, obj=None) -> bool:
        return role_at_least(request.user, Role.SUPERVISOR)


@admin.register(CashSession)
class CashSessionAdmin(CashReadOnlyAdmin):
    change_list_template = "admin/cash/cashsession/change_list.html"  # + "Abrir caja"
    csv_fields = (
        "id",
        "terminal",
        "status",
        "opened_at",
        "opened_by",
        "opening_float_clp",
        "closed_at",
        "closed_by",
        "z_report__number",
        "z_report__ticket_count",
        "z_report__sales_total_clp",
        "z_report__expected_cash_clp",
        "z_report__counted_cash_clp",
        "z_report__difference_clp",
    )
    list_display = [
        "session_link",
        "terminal",
        "status",
        "opened_by",
        "opening_float",
        "closed_at",
        "z_number",
        "difference",
    ]
    list_filter = ["terminal", "status", "opened_at", "closed_at"]
    list_select_related = ["terminal", "opened_by", "z_report"]
    search_fields = [
        "terminal__name",
        "terminal__code",
        "opened_by__username",
        "closed_by__username",
    ]
    search_help_text = _("Caja o usuario que abrió o cerró.")
    date_hierarchy = "opened_at"
    inlines = [MovementInline]
    fields = [
        "terminal",
        "status",
        "opened_by",
        "opened_at",
        "opening_float_clp",
        "opening_approval",
        "closed_by",
        "closed_at",
        "detail_link",
    ]

    @admin.display(description=_("sesión"), ordering="opened_at")
    def session_link(self, session: CashSession) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("cash:session", args=[session.pk]),
            f"{timezone.localtime(session.opened_at):%d-%m-%Y %H:%M}",
        )

    @admin.display(description=_("detalle"))
    def detail_link(self, session: CashSession) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("cash:session", args=[session.pk]), _("Ver informe")
        )

    @admin.display(description=_("fondo inicial"), ordering="opening_float_clp")
    def opening_float(self, session: CashSession) -> str:
        return format_clp(session.opening_float_clp)

    @admin.display(description=_("Z"), ordering="z_report__number")
    def z_number(self, session: CashSession):
        z = getattr(session, "z_report", None)
        return z.number if z else "—"

    @admin.display(description=_("diferencia"), ordering="z_report__difference_clp")
    def difference(self, session: CashSession) -> str:
        z = getattr(session, "z_report", None)
        return format_signed_clp(z.difference_clp) if z else "—"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "cash_open_url": reverse("cash:open")}
        return super().changelist_view(request, extra_context)


@admin.register(CashMovement)
class CashMovementAdmin(CashReadOnlyAdmin):
    csv_fields = (
        "created_at",
        "session__terminal",
        "kind",
        "amount_clp",
        "reason",
        "user",
        "session_id",
    )
    list_display = ["created_at", "terminal", "kind", "amount", "reason", "user"]
    list_filter = ["kind", "session__terminal", "created_at"]
    list_select_related = ["session__terminal", "user"]
    search_fields = ["reason", "user__username"]
    search_help_text = _("Motivo o usuario.")
    date_hierarchy = "created_at"
    fields = ["session", "kind", "amount_clp", "reason", "user", "created_at"]

    @admin.display(description=_("caja"), ordering="session__terminal__name")
    def terminal(self, movement: CashMovement) -> str:
        return movement.session.terminal.name

    @admin.display(description=_("monto"), ordering="amount_clp")
    def amount(self, movement: CashMovement) -> str:
        return format_clp(movement.signed_amount_clp)


@admin.register(ZReport)
class ZReportAdmin(CashReadOnlyAdmin):
    csv_fields = (
        "number",
        "session__terminal",
        "session__opened_at",
        "closed_at",
        "closed_by",
        "ticket_count",
        "sales_total_clp",
        "expected_cash_clp",
        "counted_cash_clp",
        "difference_clp",
        "chain_hash",
    )
    list_display = [
        "folio",
        "terminal",
        "closed_at",
        "closed_by",
        "tickets",
        "sales",
        "difference",
        "print_link",
    ]
    list_filter = ["session__terminal", "closed_at", "closed_by"]
    list_select_related = ["session__terminal", "closed_by"]
    search_fields = ["=number", "session__terminal__name"]
    search_help_text = _("Número de Z o caja.")
    date_hierarchy = "closed_at"
    folio = number_column("number", _("número"))
    fields = [
        "folio",
        "session",
        "closed_by",
        "closed_at",
        "ticket_count",
        "sales_total_clp",
        "expected_cash_clp",
        "counted_cash_clp",
        "difference_clp",
        "counts",
        "data",
        "previous_hash",
        "chain_hash",
        "print_link",
    ]

    @admin.display(description=_("caja"), ordering="session__terminal__name")
    def terminal(self, z: ZReport) -> str:
        return z.session.terminal.name

    @admin.display(description=_("tickets"), ordering="ticket_count")
    def tickets(self, z: ZReport) -> int:
        return z.ticket_count

    @admin.display(description=_("ventas"), ordering="sales_total_clp")
    def sales(self, z: ZReport) -> str:
        return format_clp(z.sales_total_clp)

    @admin.display(description=_("diferencia"), ordering="difference_clp")
    def difference(self, z: ZReport) -> str:
        return format_signed_clp(z.difference_clp)

    @admin.display(description=_("imprimir"))
    def print_link(self, z: ZReport) -> str:
        url = reverse("cash:report", args=[z.session_id])
        return format_html(
            '<a href="{}" target="_blank">80 mm</a> · <a href="{}?formato=a4" target="_blank">A4</a>',
            url,
            url,
        )
