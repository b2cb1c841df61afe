from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerminalsConfig(AppConfig):
    name = "itplus.store.terminals"
    verbose_name = _("Terminales")
    default_auto_field = "django.db.models.BigAutoField"
