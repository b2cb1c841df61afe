from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "itplus.store.sales"
    verbose_name = _("Ventas")
    default_auto_field = "django.db.models.BigAutoField"
