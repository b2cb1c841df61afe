from django.contrib import admin

from itplus.helpdesk.services.models import Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "price_clp",
        "duration_minutes",
        "on_site",
        "active",
        "position",
    ]
    list_editable = ["price_clp", "active", "position"]
    list_filter = ["on_site", "active"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "code"]
