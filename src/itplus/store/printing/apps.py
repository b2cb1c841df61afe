from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintingConfig(AppConfig):
    name = "itplus.store.printing"
    verbose_name = _("Impresión")
    default_auto_field = "django.db.models.BigAutoField"
