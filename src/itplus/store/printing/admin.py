from django.contrib import admin

from itplus.store.printing.models import PrintJob


@admin.register(PrintJob)
class PrintJobAdmin(admin.ModelAdmin):
    list_display = ("sent_at", "document", "label", "is_copy", "printer", "size_bytes")
    list_filter = ("document", "is_copy")
    search_fields = ("label", "printer")
    date_hierarchy = "sent_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
