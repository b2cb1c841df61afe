from django.contrib import admin

from itplus.helpdesk.payments.models import Payment, Refund


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "amount_clp",
        "state",
        "kind",
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
        "created_at",
    ]
    list_filter = ["method", "state"]
    search_fields = ["buy_order", "token", "order__code"]
    inlines = [RefundInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
