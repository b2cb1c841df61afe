from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "itplus.store.demo"
    verbose_name = _("Datos de demostración")
    default_auto_field = "django.db.models.BigAutoField"
