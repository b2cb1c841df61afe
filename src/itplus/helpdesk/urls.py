from django.contrib import admin
from django.urls import include, path

from itplus.helpdesk.api import api
from itplus.helpdesk.services.views import catalogue

admin.site.site_header = "itplus — Mesa de ayuda"
admin.site.site_title = "Mesa de ayuda itplus"
admin.site.index_title = "Gestión de la mesa de ayuda"

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("itplus.helpdesk.payments.urls")),
    path("", include("itplus.helpdesk.orders.urls")),
    path("", catalogue, name="catalogue"),
]
