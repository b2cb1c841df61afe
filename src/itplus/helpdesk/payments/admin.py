"""Back office: payments and refunds, and the order page's payments (registered over
the orders app's order admin, which sits below payments)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from itplus.core.errors import BusinessError
from itplus.helpdesk.orders.admin import OrderAdmin
from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.payments.models import Payment, PaymentEvent, Refund
from itplus.helpdesk.payments.selectors import orders_with_duplicate_payments
from itplus.helpdesk.payments.services import (
    order_duplicates_refund,
    payment_reconcile,
    payment_refund,
    transfer_confirm,
)


def run_action(modeladmin, request, objects, action, done_message):
    for obj in objects:
        try:
            action(obj)
        except BusinessError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, done_message % {"obj": obj}, messages.SUCCESS)


class DuplicatePaymentsFilter(admin.SimpleListFilter):
    """Orders charged more than once (two tabs both approved, a card on top of a
    transfer): the duplicate is refunded automatically; this list is where staff check
    it was, and retry the refund if Transbank refused it."""

    title = _("pagos duplicados")
    parameter_name = "duplicados"

    def lookups(self, request, model_admin):
        return [
            ("todos", _("Más de un pago cobrado")),
            ("sin_reembolsar", _("Cobro duplicado sin reembolsar")),
        ]

    def queryset(self, request, queryset):
        if self.value() in ("todos", "sin_reembolsar"):
            return orders_with_duplicate_payments(
                queryset, unrefunded_only=self.value() == "sin_reembolsar"
            )
        return queryset


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "payment", "message"]
    readonly_fields = fields
    verbose_name_plural = _("eventos de pago")

    def has_add_permission(self, request, obj=None):
        return False


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
        "duplicate",
        "authorization_code",
        "card_last_digits",
        "detail",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


admin.site.unregister(Order)


@admin.register(Order)
class OrderWithPaymentsAdmin(OrderAdmin):
    inlines = [*OrderAdmin.inlines, PaymentInline, PaymentEventInline]
    list_filter = [DuplicatePaymentsFilter, *OrderAdmin.list_filter]
    actions = ["refund", "refund_duplicates", "confirm_transfer", "reconcile", *OrderAdmin.actions]

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
            run_action(
                self,
                request,
                [payment],
                lambda p: payment_refund(payment=p, by=request.user),
                _("%(obj)s: reembolso enviado a Transbank."),
            )

    @admin.action(description=_("Reembolsar los cobros duplicados (deja el pedido pagado una vez)"))
    def refund_duplicates(self, request, queryset):
        for order in orders_with_duplicate_payments(queryset, unrefunded_only=True):
            refunds = order_duplicates_refund(order=order, by=request.user)
            self.message_user(
                request,
                ngettext(
                    "%(code)s: %(count)s cobro duplicado reembolsado.",
                    "%(code)s: %(count)s cobros duplicados reembolsados.",
                    len(refunds),
                )
                % {"code": order.code, "count": len(refunds)},
                messages.SUCCESS if refunds else messages.WARNING,
            )

    @admin.action(description=_("Confirmar transferencia recibida"))
    def confirm_transfer(self, request, queryset):
        run_action(
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
        run_action(
            self,
            request,
            payments,
            lambda p: payment_reconcile(payment=p),
            _("%(obj)s: estado consultado."),
        )


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "amount_clp",
        "state",
        "kind",
        "reason",
        "authorization_code",
        "requested_by",
        "detail",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "buy_order",
        "order",
        "method",
        "state",
        "amount_clp",
        "refunded_clp",
        "duplicate",
        "created_at",
    ]
    list_filter = ["method", "state", "duplicate"]
    search_fields = ["buy_order", "token", "order__code"]
    inlines = [RefundInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order", "kind", "payment", "message"]
    list_filter = ["kind"]
    search_fields = ["order__code", "payment__buy_order"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
