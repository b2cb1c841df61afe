from django.contrib import admin

from itplus.store.backoffice.admin import ReadOnlyAdminMixin
from itplus.store.printing.models import PrintJob


@admin.register(PrintJob)
class PrintJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What went to the receipt printer: the record of the print pipeline."""

    list_display = ("sent_at", "document", "label", "is_copy", "printer", "size_bytes")
    list_filter = ("document", "is_copy")
    search_fields = ("label", "printer")
    date_hierarchy = "sent_at"
