from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TillConfig(AppConfig):
    name = "itplus.store.till"
    verbose_name = _("Caja")
    default_auto_field = "django.db.models.BigAutoField"
