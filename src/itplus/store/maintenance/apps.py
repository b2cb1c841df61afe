from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "itplus.store.maintenance"
    verbose_name = _("Mantención")
    default_auto_field = "django.db.models.BigAutoField"
