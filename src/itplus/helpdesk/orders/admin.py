"""Back office: orders (filters, refund, transfer confirmation, CSV), the call-back queue."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from itplus.core.errors import BusinessError
from itplus.helpdesk.orders.models import CallbackRequest, Order, TermsAcceptance, TermsVersion
from itplus.helpdesk.orders.selectors import orders_csv_rows
from itplus.helpdesk.orders.services import callback_done
from itplus.helpdesk.payments.models import Payment
from itplus.helpdesk.payments.services import payment_reconcile, payment_refund, transfer_confirm


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


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = [
        "buy_order",
        "method",
        "state",
        "amount_clp",
        "refunded_clp",
        "authorization_code",
        "card_last_digits",
        "detail",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class TermsAcceptanceInline(admin.StackedInline):
    model = TermsAcceptance
    can_delete = False
    readonly_fields = ["terms", "accepted_at", "ip_address", "user_agent", "accepted_clauses"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, objects, action, done_message):
    for obj in objects:
        try:
            action(obj)
        except BusinessError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, done_message % {"obj": obj}, messages.SUCCESS)


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
    inlines = [TermsAcceptanceInline, PaymentInline]
    actions = ["refund", "confirm_transfer", "reconcile", "export_csv"]
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

    @admin.action(description=_("Reembolsar el pago Webpay (total)"))
    def refund(self, request, queryset):
        for order in queryset:
            payment = order.payments.filter(
                method=Payment.Method.WEBPAY, state=Payment.State.AUTHORIZED
            ).first()
            if payment is None:
                self.message_user(
                    request,
                    _("%(code)s: no tiene un pago Webpay autorizado.") % {"code": order.code},
                    messages.WARNING,
                )
                continue
            _run(
                self,
                request,
                [payment],
                lambda p: payment_refund(payment=p, by=request.user),
                _("%(obj)s: reembolso enviado a Transbank."),
            )

    @admin.action(description=_("Confirmar transferencia recibida"))
    def confirm_transfer(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda order: transfer_confirm(
                order=order,
                by=request.user,
                reference=f"confirmada en el back office {timezone.now():%Y-%m-%d %H:%M}",
            ),
            _("%(obj)s: transferencia confirmada, pedido pagado."),
        )

    @admin.action(description=_("Conciliar con Transbank (consultar estado)"))
    def reconcile(self, request, queryset):
        payments = Payment.objects.filter(
            order__in=queryset,
            method=Payment.Method.WEBPAY,
            state__in=[Payment.State.UNKNOWN, Payment.State.COMMITTING],
        )
        _run(
            self,
            request,
            payments,
            lambda p: payment_reconcile(payment=p),
            _("%(obj)s: estado consultado."),
        )

    @admin.action(description=_("Exportar a CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="pedidos-{timezone.localdate():%Y%m%d}.csv"'
        )
        response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(response, delimiter=";")
        writer.writerows(orders_csv_rows(queryset.order_by("created_at")))
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
    list_display = ["version", "title", "published_at"]
    readonly_fields = ["version", "title", "body", "clauses", "published_at"]

    def has_add_permission(self, request):
        return False  # a new version ships with a migration

    def has_delete_permission(self, request, obj=None):
        return False
